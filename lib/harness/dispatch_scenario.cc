// dispatch_scenario.cc — the fuzz_dispatch scenario and its oracles (dispatch_scenario.h).
#include "harness/dispatch_scenario.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "gen/byte_source.h"
#include "gen/conventions.h"
#include "gen/describe.h"
#include "gen/expect.h"
#include "gen/stub_names.h"
#include "gen/trace.h"
#include "harness/class_tables.h"
#include "harness/failure.h"
#include "harness/reproducer.h"
#include "overlay/status.h"

namespace vto::harness {
namespace {

using gen::Expected;
using gen::SubobjectPath;
using gen::VirtualCall;


// What a destroy hook saw, checked after the destruction.
struct HookRecord {
  int calls = 0;
  void* instance = nullptr;      // expected instance
  void* seen_instance = nullptr;
  void* seen_vptr = nullptr;     // the object's vptr inside the callback (an overlay's, not the original)
  std::string seen_type;         // typeid name read from inside the callback
  NameFn type_of = nullptr;
};

void HookThunk(void* instance, void* user_data) {
  auto* h = static_cast<HookRecord*>(user_data);
  ++h->calls;
  h->seen_instance = instance;
  h->seen_vptr = *static_cast<void**>(instance);
  if (h->type_of != nullptr) h->seen_type = h->type_of(instance);  // the object must still be intact
}

struct Installed {
  uint64_t handle = 0;
  int reflected = -1;
  std::vector<std::pair<VirtualCall, int>> methods;  // call → replacement number r
  size_t extra = 0;
  std::unique_ptr<HookRecord> hook;                  // null: no hook
  std::vector<void*> cookies;                        // values written to the extra slots
  bool active = true;
  int tx = -1, hook_tx = -1;                         // transcript: H[tx], K[hook_tx]
};

struct Object {
  int cls = -1;
  void* ptr = nullptr;
  const ClassTables* t = nullptr;
  std::vector<Installed> overlays;
  std::vector<std::pair<void*, void*>> vptr_words;  // (polymorphic subobject, its first word)
  int tx = -1;                                      // transcript: V[tx]
  std::vector<int> word_tx;                         // transcript: W[...] of each vptr word
};

std::string PathString(const SubobjectPath& path) {
  std::string s;
  for (int c : path) s += (s.empty() ? "" : ">") + gen::ClassName(c);
  return s;
}

class Scenario {
 public:
  Scenario(backend::Backend& b, const CompiledHierarchy& ch, const Options& o, gen::ByteSource& src,
           DispatchStats& stats, Transcript* tx)
      : b_(b), ch_(ch), h_(ch.model), opt_(o), src_(src), stats_(stats), tx_(tx) {}

  void Run() {
    const size_t live_before = b_.LiveOverlays();
    if (tx_ != nullptr) T("const size_t live_base = vto::LiveBlocks();");
    std::vector<int> concrete;
    for (size_t c = 0; c < h_.classes.size(); ++c) {
      if (ch_.plan.classes[c].new_and_delete) concrete.push_back(static_cast<int>(c));
    }
    if (concrete.empty()) HarnessError("hierarchy " + ch_.ns + " has no concrete class");
    int n = src_.InRange(1, opt_.max_objects < 1 ? 1 : opt_.max_objects);
    std::vector<Object> objects(static_cast<size_t>(n));
    for (Object& o : objects) Create(o, concrete[src_.Below(static_cast<uint32_t>(concrete.size()))]);
    for (Object& o : objects) {
      CheckIdentity(o, "before any overlay");
      CheckCalls(o, "before any overlay");
    }
    ProbeRefusals(objects[0]);
    for (size_t i = 0; i < objects.size(); ++i) InstallSome(objects[i], i);
    for (Object& o : objects) {
      CheckIdentity(o, "with overlays installed");
      CheckCalls(o, "with overlays installed");
      CheckExtraSlots(o);
    }
    if (!objects.empty()) CheckSibling(objects[0]);
    for (Object& o : objects) Finish(o);
    if (tx_ != nullptr) T("VTO_EXPECT(vto::LiveBlocks() == live_base, \"live-overlay count back to its start (nothing leaked)\");");
    size_t live_after = b_.LiveOverlays();
    if (live_after != live_before) {
      Fail(Where() + "live-overlay count is " + std::to_string(live_after) + " after every overlay was torn down; it "
           "was " + std::to_string(live_before) + " before the input (an overlay leaked)");
    }
  }

 private:
  std::string Where() const { return "hierarchy " + ch_.ns + ": "; }

  // ---- transcript (ci/repro): every statement is added before the harness acts or checks --
  void T(const std::string& s) const {
    if (tx_ != nullptr) tx_->Add(s);
  }
  std::string V(const Object& o) const { return "V[" + std::to_string(o.tx) + "]"; }
  // The subobject `path` of o, as an offset from V (the harness's PointerOf).
  std::string PX(const Object& o, const SubobjectPath& path) const {
    const std::ptrdiff_t off = static_cast<char*>(PointerOf(o, path)) - static_cast<char*>(o.ptr);
    return "(void*)((char*)" + V(o) + " + " + std::to_string(off) + ")";
  }
  // o as its static type s (the up stub the harness calls).
  std::string UpX(const Object& o, int s) const { return gen::UpStubName(ch_.ns, o.cls, s) + "(" + V(o) + ")"; }
  // The w-th polymorphic subobject whose vptr word was recorded at creation.
  std::string VptrSubX(const Object& o, size_t w) const {
    const std::ptrdiff_t off = static_cast<char*>(o.vptr_words[w].first) - static_cast<char*>(o.ptr);
    return "((char*)" + V(o) + " + " + std::to_string(off) + ")";
  }
  std::string TraceX(const Object& o, const std::vector<Expected>& want) const {
    std::string list;
    for (const Expected& e : want) list += "{" + std::to_string(e.impl_id) + ", " + PX(o, e.this_path) + "}, ";
    return "{" + list + "}";
  }
  [[noreturn]] void Fail(const std::string& what) const {
    SetFailureContext("hierarchy " + ch_.ns + " (generator version " + std::to_string(gen::kGeneratorVersion) +
                      ", backend " + b_.name() + ")\n" + gen::DescribeHierarchy(h_));
    harness::Fail(what);
  }

  void* PointerOf(const Object& o, const SubobjectPath& path) const { return o.t->PointerOf(o.ptr, path); }
  void* Up(const Object& o, int s) const { return o.t->up[static_cast<size_t>(s)](o.ptr); }

  void CheckTrace(const Object& o, const std::vector<Expected>& want, const std::vector<void*>& selves,
                  const char* when) const {
    if (gen::Trace::overflowed()) HarnessError("trace overflowed");
    if (gen::Trace::size() != want.size()) {
      Fail(Where() + gen::ClassName(o.cls) + " " + when + ": expected " + std::to_string(want.size()) +
           " virtual calls from constructor/destructor bodies, traced " + std::to_string(gen::Trace::size()));
    }
    for (size_t i = 0; i < want.size(); ++i) {
      gen::TraceRecord r = gen::Trace::at(i);
      if (r.impl_id != want[i].impl_id || r.self != selves[i]) {
        Fail(Where() + gen::ClassName(o.cls) + " " + when + ", call #" + std::to_string(i) + ": expected impl " +
             std::to_string(want[i].impl_id) + " on this=" + Hex(selves[i]) + " (" + PathString(want[i].this_path) +
             "), traced impl " + std::to_string(r.impl_id) + " on this=" + Hex(r.self));
      }
    }
  }

  void Create(Object& o, int cls) {
    o.cls = cls;
    o.t = &Tables(ch_, cls);
    if (tx_ != nullptr) {
      o.tx = tx_->NewVar();
      T("vto_repro::ClearTrace();");
      T(V(o) + " = " + gen::NewStubName(ch_.ns, cls) + "();");
    }
    gen::Trace::Clear();
    o.ptr = o.t->make();
    if (tx_ != nullptr) T("vto_repro::ExpectTrace(" + TraceX(o, o.t->construction) + ", " +
      CppLiteral("virtual calls from the constructors of a " + gen::ClassName(cls)) + ");");
    const std::vector<Expected>& want = o.t->construction;
    std::vector<void*> selves;
    for (const Expected& e : want) selves.push_back(PointerOf(o, e.this_path));
    CheckTrace(o, want, selves, "construction");
    for (int s : ch_.plan.classes[cls].up) {
      if (!h_.classes[s].polymorphic) continue;
      void* sub = Up(o, s);
      o.vptr_words.emplace_back(sub, *static_cast<void**>(sub));
      if (tx_ != nullptr) {
        o.word_tx.push_back(tx_->NewWord());
        T("W[" + std::to_string(o.word_tx.back()) + "] = *(void**)" + UpX(o, s) + ";");
      }
    }
    ++stats_.objects;
  }

  // typeid through every static type, and every dynamic_cast, against the model.
  void CheckIdentity(const Object& o, const char* when) const {
    for (const IdentityCheck& id : o.t->identity) {
      void* sp = Up(o, id.s);
      if (tx_ != nullptr) {
        T("VTO_EXPECT(std::string(" + gen::TypeidStubName(ch_.ns, id.s) + "(" + UpX(o, id.s) + ")) == " +
          CppLiteral(o.t->type_name) + ", " + CppLiteral("typeid through " + gen::ClassName(id.s) + " of a " +
          gen::ClassName(o.cls) + " " + when) + ");");
        for (const CastCheck& c : id.casts) {
          T("VTO_EXPECT(" + gen::DynCastStubName(ch_.ns, id.s, c.target) + "(" + UpX(o, id.s) + ") == " +
            (c.expected ? PX(o, *c.expected) : std::string("nullptr")) + ", " +
            CppLiteral("dynamic_cast from " + gen::ClassName(id.s) + " of a " + gen::ClassName(o.cls) + " " + when) + ");");
        }
      }
      const char* got = id.type_fn(sp);
      if (o.t->type_name != got) {
        Fail(Where() + "typeid(*(" + gen::ClassName(id.s) + "*)obj) of a " + gen::ClassName(o.cls) + " " + when +
             ": expected '" + o.t->type_name + "', got '" + got + "'");
      }
      for (const CastCheck& c : id.casts) {
        void* want = c.expected ? PointerOf(o, *c.expected) : nullptr;
        void* got_ptr = c.fn(sp);
        if (got_ptr != want) {
          Fail(Where() + "dynamic_cast<" + (c.target == gen::kVoidTarget ? std::string("void") : gen::ClassName(c.target)) +
               "*>((" + gen::ClassName(id.s) + "*)obj) of a " + gen::ClassName(o.cls) + " " + when + ": expected " +
               Hex(want) + ", got " + Hex(got_ptr));
        }
      }
    }
  }

  // Which replacement (if any) an active overlay puts on the function `e` runs.
  struct Replaced {
    int impl_id;
    void* self;
    int reflected;  // the overlay's reflected class (`self` is that subobject)
  };
  std::optional<Replaced> ReplacementFor(const Object& o, const Expected& e) const {
    std::optional<Replaced> r;
    for (const Installed& ov : o.overlays) {  // install order: a newer overlay wins
      if (!ov.active) continue;
      for (const auto& [call, rn] : ov.methods) {
        const CallCheck* on_r = o.t->Find(ov.reflected, call.name, call.sig);
        if (on_r && on_r->expected.impl_id == e.impl_id && on_r->expected.this_path == e.this_path) {
          r = Replaced{gen::ReplacementId(call.sig, rn), PointerOf(o, o.t->ex().PathOf(ov.reflected)), ov.reflected};
        }
      }
    }
    return r;
  }

  std::string OverlaysString(const Object& o) const {
    std::string s;
    for (const Installed& ov : o.overlays) {
      if (!ov.active) continue;
      s += "\n  overlay reflected as " + gen::ClassName(ov.reflected) + ":";
      for (const auto& [call, rn] : ov.methods) {
        s += " " + gen::MethodName(call.name) + "/sig" + std::to_string(call.sig) + "->repl" + std::to_string(rn) +
             " (id " + std::to_string(gen::ReplacementId(call.sig, rn)) + ")";
      }
      if (ov.hook) s += " +hook";
      if (ov.extra) s += " +" + std::to_string(ov.extra) + " extra";
    }
    return s.empty() ? "\n  (no overlay)" : s;
  }

  // Every planned call through every static type of the object.
  void CheckCalls(const Object& o, const char* when) {
    for (const CallCheck& c : o.t->calls) {
      const Expected& e = c.expected;
      const VirtualCall& call = c.call;
      std::optional<Replaced> rep = ReplacementFor(o, e);
      void* sp = Up(o, c.s);
      if (tx_ != nullptr) TranscribeCall(o, c, rep, when);
      gen::Trace::Clear();
      long got = c.fn(sp);
      gen::TraceRecord last = gen::Trace::size() ? gen::Trace::at(gen::Trace::size() - 1) : gen::TraceRecord{};
      void* orig_self = PointerOf(o, e.this_path);
      bool as_original = got == e.impl_id && last.impl_id == e.impl_id && last.self == orig_self;
      bool as_replaced = rep && got == rep->impl_id && last.impl_id == rep->impl_id && last.self == rep->self;
      ++stats_.calls_checked;
      if (rep ? (as_replaced || (e.may_devirtualize && as_original)) : as_original) continue;
      std::string want = rep ? "replacement id " + std::to_string(rep->impl_id) + " on this=" + Hex(rep->self)
                             : "impl " + std::to_string(e.impl_id) + " on this=" + Hex(orig_self) + " (" +
                                   PathString(e.this_path) + ")";
      Fail(Where() + "call of " + gen::MethodName(call.name) + " (signature " + std::to_string(call.sig) +
           ") through static type " + gen::ClassName(c.s) + " on a " + gen::ClassName(o.cls) + " " + when +
           ": expected " + want + "; got return " + std::to_string(got) + ", traced impl " +
           std::to_string(last.impl_id) + " on this=" + Hex(last.self) + OverlaysString(o));
    }
  }

  // The call must reach the replacement, or the final overrider where there is none (or
  // where the compiler may devirtualize the call).
  void TranscribeCall(const Object& o, const CallCheck& c, const std::optional<Replaced>& rep, const char* when) {
    const std::string msg = CppLiteral("call of " + gen::MethodName(c.call.name) + " (signature " +
                                       std::to_string(c.call.sig) + ") through " + gen::ClassName(c.s) + " on a " +
                                       gen::ClassName(o.cls) + " " + when);
    std::string want;
    if (rep) want = "{" + std::to_string(rep->impl_id) + ", " + PX(o, o.t->ex().PathOf(rep->reflected)) + "}, ";
    if (!rep || c.expected.may_devirtualize) {
      want += "{" + std::to_string(c.expected.impl_id) + ", " + PX(o, c.expected.this_path) + "}, ";
    }
    T("vto_repro::ExpectCallSeen(vto_repro::Observe(&" + gen::CallStubName(ch_.ns, c.s, c.call.name, c.call.sig) +
      ", " + UpX(o, c.s) + "), {" + want + "}, " + msg + ");");
  }

  void InstallSome(Object& o, size_t index) {
    std::vector<int> reflectable;
    for (int s : ch_.plan.classes[o.cls].up) {
      if (h_.classes[s].polymorphic) reflectable.push_back(s);
    }
    if (reflectable.empty()) return;
    int count = src_.InRange(0, 2);
    for (int k = 0; k < count; ++k) {
      Installed ov;
      ov.reflected = reflectable[src_.Below(static_cast<uint32_t>(reflectable.size()))];
      backend::OverlaySpec spec;
      spec.instance = o.ptr;
      spec.class_name = ch_.ns + "::" + gen::ClassName(ov.reflected);
      for (const VirtualCall& call : ch_.plan.classes[ov.reflected].calls) {
        if (!src_.Chance(0.5)) continue;
        int r = static_cast<int>(src_.Below(gen::kReplacementsPerSignature));
        ov.methods.push_back({call, r});
        spec.methods.push_back({gen::MethodSpelling(h_, call.name, call.sig), ch_.Stub(gen::ReplacementStubName(ch_.ns, call.sig, r))});
      }
      ov.extra = src_.Below(4);
      spec.extra_slots = ov.extra;
      bool virtual_dtor = h_.classes[ov.reflected].virtual_dtor;
      bool want_hook = virtual_dtor ? src_.Chance(0.5) : src_.Chance(0.1);
      if (want_hook) {
        ov.hook = std::make_unique<HookRecord>();
        ov.hook->instance = o.ptr;
        for (const IdentityCheck& id : o.t->identity) {
          if (id.s == o.cls) ov.hook->type_of = id.type_fn;
        }
        spec.on_destroy = &HookThunk;
        spec.user_data = ov.hook.get();
      }
      bool stacked = false;
      for (const Installed& other : o.overlays) stacked = stacked || other.active;
      const std::string outside =
          MissingCapabilities(*o.t, b_.capabilities(), want_hook, ov.extra != 0, stacked, ov.reflected != o.cls);
      bool must_refuse = want_hook && !virtual_dtor;
      if (tx_ != nullptr) {
        ov.tx = tx_->NewHandle();
        std::string repl;
        for (const auto& [call, r] : ov.methods) {
          repl += "{@SLOT(" + spec.class_name + "|" + gen::MethodSpelling(h_, call.name, call.sig) + ")@, (void*)&" +
                  gen::ReplacementStubName(ch_.ns, call.sig, r) + "}, ";
        }
        std::string hook = "nullptr";
        if (want_hook) {
          ov.hook_tx = tx_->NewHook();
          hook = "&K[" + std::to_string(ov.hook_tx) + "]";
          if (ov.hook->type_of != nullptr) T(hook.substr(1) + ".type_of = &" + gen::TypeidStubName(ch_.ns, o.cls) + ";");
        }
        T("H[" + std::to_string(ov.tx) + "] = vto_repro::Install(" + V(o) + ", \"@SHAPE(" + spec.class_name + ")@\", {" +
          repl + "}, " + std::to_string(ov.extra) + ", " + hook + ", " +
          (must_refuse ? "VTO_MUST_REFUSE" : outside.empty() ? "VTO_MUST_INSTALL" : "VTO_MAY_REFUSE") + ", " +
          std::to_string(reinterpret_cast<uintptr_t>(Cookie(index, o.overlays.size(), 0))) + ");");
      }

      backend::InstallOutcome out = b_.Install(spec);
      if (!out.ok()) {
        ++stats_.refusals;
        if (outside.empty() && !must_refuse) {
          Fail(Where() + "unexpected refusal: overlay on a " + gen::ClassName(o.cls) + " reflected as " +
               gen::ClassName(ov.reflected) + " is within the backend's capabilities, but it refused with code " +
               std::to_string(out.code) + ": " + out.message);
        }
        continue;
      }
      if (must_refuse) {
        Fail(Where() + "installed a destroy hook on " + gen::ClassName(ov.reflected) +
             ", whose destructor is not virtual: the hook can never fire (must be refused)");
      }
      ov.handle = out.handle;
      ++stats_.overlays;
      if (stacked) ++stats_.stacked;
      for (size_t i = 0; i < ov.extra; ++i) {
        void** cell = b_.ExtraSlot(ov.handle, o.ptr, i);
        if (cell == nullptr || *cell != nullptr) {
          Fail(Where() + "extra slot " + std::to_string(i) + " of a new overlay on a " + gen::ClassName(o.cls) +
               (cell == nullptr ? " has no address" : " is not null after install"));
        }
        *cell = Cookie(index, o.overlays.size(), i);
        ov.cookies.push_back(*cell);
      }
      o.overlays.push_back(std::move(ov));
    }
  }

  // Requests every backend must refuse, made on the first object without consuming input
  // bytes (corpus files keep their meaning): a null instance (CONTRACT R1), and a reflected
  // class that is neither the object's class nor one of its unambiguous bases (R11/R12). A
  // refusal must not crash, must leave every vptr of the object as it was and must not
  // change the live-overlay count.
  void ProbeRefusals(const Object& o) {
    const size_t live = b_.LiveOverlays();
    auto check = [&](const backend::OverlaySpec& spec, const std::string& what) {
      if (tx_ != nullptr) {
        T("{");
        T("  const size_t live_now = vto::LiveBlocks();");
        T("  (void)vto_repro::Install(" + std::string(spec.instance == nullptr ? "nullptr" : V(o)) + ", \"@SHAPE(" +
          spec.class_name + ")@\", {}, 0, nullptr, VTO_MUST_REFUSE);");
        for (size_t w = 0; w < o.word_tx.size(); ++w) {
          T("  VTO_EXPECT(*(void**)" + VptrSubX(o, w) + " == W[" + std::to_string(o.word_tx[w]) +
            "], " + CppLiteral("a refused overlay " + what + " left every vptr as it was") + ");");
        }
        T("  VTO_EXPECT(vto::LiveBlocks() == live_now, " + CppLiteral("a refused overlay " + what + " left the live-overlay count") + ");");
        T("}");
      }
      backend::InstallOutcome out = b_.Install(spec);
      if (out.ok()) {
        Fail(Where() + "installed an overlay " + what + "; it must be refused");
      }
      ++stats_.refusals;
      for (const auto& [sub, word] : o.vptr_words) {
        if (*static_cast<void**>(sub) != word) {
          Fail(Where() + "a refused overlay " + what + " changed the vptr at " + Hex(sub) + " of a " +
               gen::ClassName(o.cls) + " from " + Hex(word) + " to " + Hex(*static_cast<void**>(sub)));
        }
      }
      if (b_.LiveOverlays() != live) {
        Fail(Where() + "a refused overlay " + what + " changed the live-overlay count from " + std::to_string(live) +
             " to " + std::to_string(b_.LiveOverlays()));
      }
    };
    backend::OverlaySpec null_spec;
    null_spec.instance = nullptr;
    null_spec.class_name = ch_.ns + "::" + gen::ClassName(o.cls);
    check(null_spec, "with a null instance (reflected as " + gen::ClassName(o.cls) + ")");
    if (!h_.classes[o.cls].polymorphic) return;  // no vptr to read: the request would break Q5
    const std::vector<int>& up = ch_.plan.classes[o.cls].up;
    for (size_t c = 0; c < h_.classes.size(); ++c) {
      int cls = static_cast<int>(c);
      if (!h_.classes[c].polymorphic || std::find(up.begin(), up.end(), cls) != up.end()) continue;
      backend::OverlaySpec spec;
      spec.instance = o.ptr;
      spec.class_name = ch_.ns + "::" + gen::ClassName(cls);
      check(spec, "reflected as " + gen::ClassName(cls) + " on a " + gen::ClassName(o.cls) + ", which is not " +
                      gen::ClassName(cls) + " or derived from it through an unambiguous base");
      break;  // one unrelated class per input
    }
  }

  static void* Cookie(size_t object, size_t overlay, size_t slot) {
    return reinterpret_cast<void*>(((object + 1) << 20) | ((overlay + 1) << 10) | (slot + 1));
  }

  void CheckExtraSlots(const Object& o) const {
    for (size_t k = 0; k < o.overlays.size(); ++k) {
      const Installed& ov = o.overlays[k];
      if (!ov.active) continue;
      for (size_t i = 0; i < ov.extra; ++i) {
        if (tx_ != nullptr) T("VTO_EXPECT(vto_repro::Extra(" + V(o) + ", H[" + std::to_string(ov.tx) + "], " + std::to_string(i) +
          ") == (void*)" + std::to_string(reinterpret_cast<uintptr_t>(ov.cookies[i])) + ", " +
          CppLiteral("extra slot " + std::to_string(i) + " of overlay #" + std::to_string(k) + " on a " +
              gen::ClassName(o.cls) + " keeps what was written to it") + ");");
        void** cell = b_.ExtraSlot(ov.handle, o.ptr, i);
        if (cell == nullptr || *cell != ov.cookies[i]) {
          Fail(Where() + "extra slot " + std::to_string(i) + " of overlay #" + std::to_string(k) + " on a " +
               gen::ClassName(o.cls) + " holds " + Hex(cell ? *cell : nullptr) + ", but " + Hex(ov.cookies[i]) +
               " was written to it (per-instance state lost or shared)" + OverlaysString(o));
        }
      }
    }
  }

  // A fresh object of the same class dispatches to the originals while the others carry
  // overlays.
  void CheckSibling(const Object& with) {
    Object sibling;
    Create(sibling, with.cls);
    CheckCalls(sibling, "(sibling of an overlaid object)");
    if (tx_ != nullptr) T(gen::DeleteStubName(ch_.ns, sibling.cls) + "(" + V(sibling) + ");");
    gen::Trace::Clear();
    sibling.t->del(sibling.ptr);
  }

  // A destruction the library can see: a virtual destructor call not devirtualized
  // (delete through a non-final static type with a virtual destructor). Returns the static
  // type to delete through, or -1 if there is none.
  int VisibleDeleteType(const Object& o) {
    std::vector<int> options;
    for (int s : ch_.plan.classes[o.cls].up) {
      if (o.t->delete_via[static_cast<size_t>(s)] != nullptr && !h_.classes[s].is_final) options.push_back(s);
    }
    if (options.empty()) return -1;
    return options[src_.Below(static_cast<uint32_t>(options.size()))];
  }
  void DeleteThrough(const Object& o, int s) {
    if (tx_ != nullptr) {
      T("vto_repro::ClearTrace();");
      T((s < 0 ? gen::DeleteStubName(ch_.ns, o.cls) + "(" + V(o) + ")"
               : gen::DeleteViaStubName(ch_.ns, s) + "(" + UpX(o, s) + ")") + ";");
    }
    if (s < 0) {
      o.t->del(o.ptr);
    } else {
      o.t->delete_via[static_cast<size_t>(s)](Up(o, s));
    }
  }

  void Finish(Object& o) {
    bool any_active = false, all_hooked = true;
    for (const Installed& ov : o.overlays) {
      if (!ov.active) continue;
      any_active = true;
      all_hooked = all_hooked && ov.hook != nullptr;
    }
    int visible = VisibleDeleteType(o);
    const std::vector<Expected>& want = o.t->destruction;
    std::vector<void*> selves;
    for (const Expected& e : want) selves.push_back(PointerOf(o, e.this_path));
    const std::string type_name = gen::ExpectedTypeName(ch_.ns, o.cls);

    if (any_active && all_hooked && visible >= 0 && src_.Chance(0.5)) {
      gen::Trace::Clear();
      DeleteThrough(o, visible);  // destroyed with its overlays installed: every hook fires once
      if (tx_ != nullptr) T("vto_repro::ExpectTrace(" + TraceX(o, want) + ", " +
        CppLiteral("virtual calls from the destructors of a " + gen::ClassName(o.cls) + " deleted through hooked overlays") + ");");
      CheckTrace(o, want, selves, "destruction through hooked overlays");
      ++stats_.hooked_deaths;
      for (Installed& ov : o.overlays) {
        if (!ov.active) continue;
        if (tx_ != nullptr) {
          const std::string k = "K[" + std::to_string(ov.hook_tx) + "]";
          const std::string what = "destroy hook of an overlay reflected as " + gen::ClassName(ov.reflected) +
                                   " on a " + gen::ClassName(o.cls);
          T("VTO_EXPECT(" + k + ".calls == 1, " + CppLiteral(what + " fired exactly once on delete") + ");");
          T("VTO_EXPECT(" + k + ".seen_instance == " + V(o) + ", " + CppLiteral(what + " saw the object") + ");");
          if (ov.hook->type_of != nullptr) {
            T("VTO_EXPECT(" + k + ".seen_type == " + CppLiteral(type_name) + ", " + CppLiteral(what + " saw its dynamic type") + ");");
          }
          for (size_t w = 0; w < o.vptr_words.size(); ++w) {
            if (o.vptr_words[w].first != o.ptr) continue;
            T("VTO_EXPECT(" + k + ".seen_vptr != W[" + std::to_string(o.word_tx[w]) + "], " +
              CppLiteral(what + " ran with the overlay still installed (not the original vptr)") + ");");
          }
          T("VTO_EXPECT(vto::TeardownOverlay(H[" + std::to_string(ov.tx) +
            "]) == vto::TeardownResult::kObjectDestroyed, " + CppLiteral("teardown after hooked destruction") + ");");
          T("VTO_EXPECT(" + k + ".calls == 1, " + CppLiteral("teardown after destruction did not fire the hook again") + ");");
        }
        if (ov.hook->calls != 1) {
          Fail(Where() + "destroy hook of an overlay (reflected as " + gen::ClassName(ov.reflected) + ") on a " +
               gen::ClassName(o.cls) + " fired " + std::to_string(ov.hook->calls) + " times on delete; expected once" +
               OverlaysString(o));
        }
        if (ov.hook->seen_instance != o.ptr || (ov.hook->type_of && ov.hook->seen_type != type_name)) {
          Fail(Where() + "destroy hook saw instance " + Hex(ov.hook->seen_instance) + " typeid '" +
               ov.hook->seen_type + "'; expected the intact object " + Hex(o.ptr) + " of type '" + type_name + "'");
        }
        // The callback runs with the overlay still installed (CONTRACT P8): the object's vptr
        // is not yet the one it had before any overlay.
        for (const auto& [sub, word] : o.vptr_words) {
          if (sub == o.ptr && ov.hook->seen_vptr == word) {
            Fail(Where() + "destroy hook of an overlay (reflected as " + gen::ClassName(ov.reflected) + ") on a " +
                 gen::ClassName(o.cls) + " ran with the object's original vptr " + Hex(word) +
                 " already restored; the overlay must still be installed while its callback runs" +
                 OverlaysString(o));
          }
        }
        ++stats_.hooks_fired;
        int r = b_.Teardown(ov.handle);
        if (r != static_cast<int>(TeardownResult::kObjectDestroyed)) {
          Fail(Where() + "teardown after hooked destruction returned " + std::to_string(r) + " (" +
               TeardownResultName(static_cast<TeardownResult>(r)) + "), expected kObjectDestroyed");
        }
        if (ov.hook->calls != 1) Fail(Where() + "teardown after destruction fired the hook again");
        ov.active = false;
      }
      return;
    }
    // Tear down in a random order, checking dispatch after each step.
    std::vector<size_t> order;
    for (size_t k = 0; k < o.overlays.size(); ++k) {
      if (o.overlays[k].active) order.push_back(k);
    }
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[src_.Below(static_cast<uint32_t>(i))]);
    for (size_t k : order) {
      Installed& ov = o.overlays[k];
      if (tx_ != nullptr) T("VTO_EXPECT(vto::TeardownOverlay(H[" + std::to_string(ov.tx) + "]) == vto::TeardownResult::kRestored, " +
        CppLiteral("teardown of a live overlay on a " + gen::ClassName(o.cls)) + ");");
      int r = b_.Teardown(ov.handle);
      if (r != static_cast<int>(TeardownResult::kRestored)) {
        Fail(Where() + "teardown of a live overlay on a " + gen::ClassName(o.cls) + " returned " + std::to_string(r) +
             ", expected kRestored");
      }
      ov.active = false;
      CheckCalls(o, "after a teardown");
      if (tx_ != nullptr) T("VTO_EXPECT(vto::TeardownOverlay(H[" + std::to_string(ov.tx) + "]) == vto::TeardownResult::kAlreadyTornDown, " +
        CppLiteral("second teardown of one handle") + ");");
      int again = b_.Teardown(ov.handle);
      if (again != static_cast<int>(TeardownResult::kAlreadyTornDown)) {
        Fail(Where() + "second teardown of one handle returned " + std::to_string(again) + ", expected kAlreadyTornDown");
      }
    }
    for (size_t w = 0; w < o.word_tx.size(); ++w) {
      T("VTO_EXPECT(*(void**)" + VptrSubX(o, w) + " == W[" + std::to_string(o.word_tx[w]) + "], " +
        CppLiteral("after every teardown each vptr of a " + gen::ClassName(o.cls) + " is restored bit for bit") + ");");
    }
    for (const auto& [sub, word] : o.vptr_words) {
      if (*static_cast<void**>(sub) != word) {
        Fail(Where() + "after every teardown the vptr at " + Hex(sub) + " of a " + gen::ClassName(o.cls) + " is " +
             Hex(*static_cast<void**>(sub)) + "; before the overlays it was " + Hex(word));
      }
    }
    CheckIdentity(o, "after every teardown");
    gen::Trace::Clear();
    DeleteThrough(o, visible);
    if (tx_ != nullptr) T("vto_repro::ExpectTrace(" + TraceX(o, want) + ", " +
      CppLiteral("virtual calls from the destructors of a " + gen::ClassName(o.cls)) + ");");
    CheckTrace(o, want, selves, "destruction");
    for (const Installed& ov : o.overlays) {
      if (ov.hook && ov.hook_tx >= 0) {
        T("VTO_EXPECT(K[" + std::to_string(ov.hook_tx) + "].calls == 0, " +
          CppLiteral("destroy hook of an overlay torn down before the object died never fires") + ");");
      }
      if (ov.hook && ov.hook->calls != 0) {
        Fail(Where() + "destroy hook fired " + std::to_string(ov.hook->calls) + " times for an object whose overlay "
             "had been torn down first; expected never");
      }
    }
  }

  backend::Backend& b_;
  const CompiledHierarchy& ch_;
  const gen::Hierarchy& h_;
  const Options& opt_;
  gen::ByteSource& src_;
  DispatchStats& stats_;
  Transcript* tx_;
};

}  // namespace

uint32_t HierarchyIdOf(const uint8_t* data, size_t size, const Options& options) {
  uint32_t raw = 0;
  if (size >= 1) raw |= data[0];
  if (size >= 2) raw |= static_cast<uint32_t>(data[1]) << 8;
  int bits = options.hierarchy_bits < 1 ? 1 : options.hierarchy_bits > 16 ? 16 : options.hierarchy_bits;
  return raw & ((1u << bits) - 1);
}

DispatchRunner::DispatchRunner(backend::Backend& backend, HierarchyCache& cache, const Options& options)
    : backend_(backend), cache_(cache), options_(options) {}

void DispatchRunner::Run(const uint8_t* data, size_t size, Transcript* transcript) {
  ++stats_.inputs;
  const CompiledHierarchy& ch = cache_.Get(HierarchyIdOf(data, size, options_));
  if (transcript != nullptr) SetReproducerHierarchy(ch);
  size_t skip = size < 2 ? size : 2;
  gen::ByteSource ops(data + skip, size - skip);
  Scenario(backend_, ch, options_, ops, stats_, transcript).Run();
}

}  // namespace vto::harness
