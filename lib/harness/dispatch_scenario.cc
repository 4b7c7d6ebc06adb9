// dispatch_scenario.cc — the fuzz_dispatch scenario and its oracles (dispatch_scenario.h).
//
// One pass over the input: draw (objects, overlays) → act → check. Every check is an
// Expectation (expectation.h) evaluated by the Oracle, which also writes it into the
// reproducer when one is being made; the rules come from contract_rules.h, the requests and
// the winning replacement from overlay_request.h.
#include "harness/dispatch_scenario.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "gen/byte_source.h"
#include "gen/conventions.h"
#include "gen/describe.h"
#include "gen/compiler_mode.h"
#include "gen/expect.h"
#include "gen/stub_names.h"
#include "gen/stubs.h"
#include "gen/trace.h"
#include "harness/class_tables.h"
#include "harness/contract_rules.h"
#include "harness/expectation.h"
#include "harness/failure.h"
#include "harness/finding.h"
#include "harness/input_header.h"
#include "harness/install_target.h"
#include "harness/overlay_request.h"
#include "harness/promises.h"
#include "harness/refusal_probes.h"
#include "harness/shape_check.h"
#include "harness/reproducer.h"
#include "harness/vptr_words.h"
#include "overlay/status.h"

namespace vto::harness {
namespace {

using gen::Expected;
using gen::SubobjectPath;

// Every probability of the scenario's draws.
struct DispatchPolicy {
  static constexpr int kMaxOverlaysPerObject = 2;  // overlays per object: 0 .. this
  static RequestPolicy Request(uint32_t caps) {
    RequestPolicy p;
    p.primary_names_only = (caps & VTO_CAP_MULTIPLE_VPTRS) != 0;
    p.replace = 0.5;
    p.max_extra = 3;
    p.hook_virtual = 0.5;
    p.hook_nonvirtual = 0.1;
    return p;
  }
  static constexpr double kHookedDelete = 0.5;  // an object whose overlays are all hooked dies with them
  // In a hierarchy with throwing destructors, a delete whose destructor throws.
  static constexpr double kDtorThrows = 0.3;
  static TargetPolicy Target(uint32_t caps) {  // objects with several vptrs only
    TargetPolicy p;
    p.subobjects = (caps & VTO_CAP_MULTIPLE_VPTRS) != 0;
    return p;
  }
};

// What a destroy hook saw, checked after the destruction.
struct HookRecord {
  int calls = 0;
  void* seen_instance = nullptr;
  void* seen_vptr = nullptr;  // the installed pointer's vptr inside the callback (an overlay's, not the original)
  std::string seen_type;      // typeid name read from inside the callback
  NameFn type_of = nullptr;   // typeid stub of the object's class, applied to `object`
  void* object = nullptr;     // the complete object and the installed pointer, known beforehand:
  void* at = nullptr;         // the callback reads through them, not through its argument
};

void HookThunk(void* instance, void* user_data) {
  auto* h = static_cast<HookRecord*>(user_data);
  if (++h->calls == 2) {
    // Said at once: a hook that fires again may fire forever (CppInterOp's stacked hooks do),
    // and the check after the death would never run. Inside a destructor: no unwinding.
    NoUnwindScope no_unwind;
    Fail("destroy hook of an overlay fired a second time in one death (a hook fires at most once)");
  }
  h->seen_instance = instance;
  h->seen_vptr = *static_cast<void**>(h->at);
  if (h->type_of != nullptr) h->seen_type = h->type_of(h->object);  // the object must still be intact
}

struct Installed {
  InstallTarget at;  // the instance pointer and the reflected subobject
  OverlayRequest request;
  uint64_t handle = 0;
  std::unique_ptr<HookRecord> hook;  // null: no hook
  bool active = true;
  int tx = -1, hook_tx = -1;         // transcript: H[tx], K[hook_tx]
};

struct Object {
  size_t index = 0;
  int cls = -1;
  void* ptr = nullptr;
  const ClassTables* t = nullptr;
  std::vector<Installed> overlays;
  VptrWords vptrs;  // every polymorphic subobject's vptr at creation
  int tx = -1;      // transcript: V[tx]
  std::size_t alloc_size = 0;  // the size its class's own operator new got (ClassTables::alloc_owner)
};

std::string PathString(const SubobjectPath& path) {
  std::string s;
  for (int c : path) s += (s.empty() ? "" : ">") + gen::ClassName(c);
  return s;
}

class DispatchScenario {
 public:
  DispatchScenario(backend::Backend& b, const CompiledHierarchy& ch, const Options& o, gen::ByteSource& src,
                   uint64_t input_hash, InstallFn probe_install, DispatchStats& stats, Transcript* tx)
      : b_(b), ch_(ch), h_(ch.model), opt_(o), src_(src), input_hash_(input_hash), probe_install_(probe_install),
        stats_(stats), tx_(tx),
        oracle_(tx, o.verbose, &FailThunk, this) {}

  void Run() {
    const size_t live_before = b_.LiveOverlays();
    T("const size_t live_base = vto_repro::Live();");
    std::vector<int> concrete;
    for (size_t c = 0; c < h_.classes.size(); ++c) {
      if (ch_.plan.classes[c].new_and_delete) concrete.push_back(static_cast<int>(c));
    }
    if (concrete.empty()) HarnessError("hierarchy " + ch_.ns + " has no concrete class");
    const int n = src_.InRange(1, opt_.max_objects);
    // Members, not locals: a scenario kept after a finding (finding.h) still reaches its objects.
    std::vector<Object>& objects = objects_;
    objects.resize(static_cast<size_t>(n));
    for (size_t i = 0; i < objects.size(); ++i) {
      Create(objects[i], i, concrete[src_.Below(static_cast<uint32_t>(concrete.size()))]);
    }
    for (Object& o : objects) {
      CheckIdentity(o, "before any overlay");
      CheckCalls(o, "before any overlay");
    }
    if (Promised(b_, VTO_PROMISE_REFUSES_INVALID_TARGET)) ProbeRefusals(objects[0]);
    if (const ShapeResolver* shapes = b_.native_shapes()) {
      const Object& o = objects[0];
      const bool assumed = ch_.VptrIdentityAssumed(o.cls);
      const bool installable =
          !assumed && MissingCapabilities(*o.t, b_.capabilities(), false, false, false, false).empty();
      ProbeSlotRefusals(ch_, *shapes, {o.ptr, V(o), o.cls, installable, &o.vptrs, AmbiguousAtObject(o), assumed},
                        input_hash_, oracle_, tx_, stats_, probe_install_);
      if (const ClassShape* shape = shapes->Find(o.t->type_name); shape != nullptr && h_.classes[o.cls].polymorphic) {
        CheckReflectedShape(ch_, *o.t, o.ptr, *shape, oracle_);
        ++stats_.shapes_checked;
      }
      oracle_.Check(Expectation::Equal(Value::Int(static_cast<long long>(live_before))),
                    Value::Int(static_cast<long long>(b_.LiveOverlays())), [&] {
                      return Spelling{"the refusal probes left the live-overlay count as it was", "vto_repro::Live()",
                                      {"live_base"}, {}};
                    });
    }
    for (Object& o : objects) InstallSome(o);
    for (Object& o : objects) {
      CheckIdentity(o, "with overlays installed");
      CheckCalls(o, "with overlays installed");
      CheckExtraSlots(o);
    }
    CheckSibling(objects[0]);
    for (Object& o : objects) Finish(o);
    oracle_.Check(Expectation::Equal(Value::Int(static_cast<long long>(live_before))),
                  Value::Int(static_cast<long long>(b_.LiveOverlays())), [&] {
                    return Spelling{"live-overlay count back to its start after every overlay was torn down (nothing "
                                    "leaked or freed twice)",
                                    "vto_repro::Live()", {"live_base"}, {}};
                  });
  }

 private:
  // ---- reporting ------------------------------------------------------------------------
  void T(const std::string& s) const {
    if (tx_ != nullptr) tx_->Add(s);
  }
  [[noreturn]] void Fail(const std::string& what) const {
    SetFailureContext("hierarchy " + ch_.ns + " (generator version " + std::to_string(gen::kGeneratorVersion) +
                      ", backend " + b_.name() + ")\n" + gen::DescribeHierarchy(h_));
    harness::Fail("hierarchy " + ch_.ns + ": " + what);
  }
  static void FailThunk(const void* self, const std::string& what) {
    static_cast<const DispatchScenario*>(self)->Fail(what);
  }
  std::string V(const Object& o) const { return "V[" + std::to_string(o.tx) + "]"; }
  std::string A(const Object& o) const { return "a " + gen::ClassName(o.cls); }
  // The pointer an overlay was installed with.
  std::string IX(const Object& o, const InstallTarget& at) const {
    return PointerCxx(V(o), at.instance_off);
  }
  // "a C5" or "the C2 subobject (C5>C3>C2) of a C5".
  std::string At(const Object& o, const InstallTarget& at) const {
    return at.instance_node == 0 ? A(o) : "the " + PathString(*at.instance_path) + " subobject of " + A(o);
  }
  // The subobject `path` of o, as an offset from V (the harness's PointerOf).
  std::string PX(const Object& o, const SubobjectPath& path) const {
    return PointerCxx(V(o), static_cast<char*>(PointerOf(o, path)) - static_cast<char*>(o.ptr));
  }
  // o as its static type s (the up stub the harness calls).
  std::string UpX(const Object& o, int s) const { return gen::UpStubName(ch_.ns, o.cls, s) + "(" + V(o) + ")"; }
  std::string TraceX(const Object& o, const std::vector<Expected>& want, const std::vector<void*>& selves) const {
    std::string list;
    for (size_t i = 0; i < want.size(); ++i) {
      list += "{" + std::to_string(want[i].impl_id) + ", " +
              PointerCxx(V(o), static_cast<char*>(selves[i]) - static_cast<char*>(o.ptr)) + "}, ";
    }
    return "{" + list + "}";
  }
  std::string OverlaysString(const Object& o) const {
    std::string s;
    for (const Installed& ov : o.overlays) {
      if (!ov.active) continue;
      s += "\n  overlay reflected as " + gen::ClassName(ov.request.reflected) +
           (ov.at.instance_node != 0 ? " through the " + PathString(*ov.at.instance_path) + " subobject" : "") +
           (ov.request.reflected_path != nullptr && ov.request.reflected_path->size() > 1 ? " for the " + PathString(*ov.request.reflected_path) + " subobject" : "") +
           ":";
      for (const ReplacedMethod& m : ov.request.methods) {
        s += " " + gen::MethodName(m.call.name) + "/sig" + std::to_string(m.call.sig) + "->repl" + std::to_string(m.r) +
             " (id " + std::to_string(ReplacementImplId(m)) + ")";
      }
      if (ov.hook) s += " +hook";
      if (ov.request.extra) s += " +" + std::to_string(ov.request.extra) + " extra";
    }
    return s.empty() ? "\n  (no overlay)" : s;
  }

  void* PointerOf(const Object& o, const SubobjectPath& path) const { return o.t->PointerOf(o.ptr, path); }
  void* Up(const Object& o, int s) const { return o.t->up[static_cast<size_t>(s)](o.ptr); }

  // ---- objects ----------------------------------------------------------------------------
  // The `this` of each expected call, computed while the object is alive.
  std::vector<void*> Selves(const Object& o, const std::vector<Expected>& want) const {
    std::vector<void*> selves;
    for (const Expected& e : want) selves.push_back(PointerOf(o, e.this_path));
    return selves;
  }
  // The calls traced since Trace::Clear() are exactly `want` on `selves` (constructor or
  // destructor bodies).
  void CheckTrace(const Object& o, const std::vector<Expected>& want, const std::vector<void*>& selves,
                  const std::string& when) const {
    if (gen::Trace::overflowed()) HarnessError("trace overflowed");
    std::string mismatch;
    if (gen::Trace::size() != want.size()) {
      mismatch = ": expected " + std::to_string(want.size()) + " virtual calls, traced " +
                 std::to_string(gen::Trace::size());
    }
    for (size_t i = 0; mismatch.empty() && i < want.size(); ++i) {
      const gen::TraceRecord r = gen::Trace::at(i);
      void* self = selves[i];
      if (r.impl_id != want[i].impl_id || r.self != self) {
        mismatch = ", call #" + std::to_string(i) + ": expected impl " + std::to_string(want[i].impl_id) +
                   " on this=" + Hex(self) + " (" + PathString(want[i].this_path) + "), traced impl " +
                   std::to_string(r.impl_id) + " on this=" + Hex(r.self);
      }
    }
    oracle_.Verify(Expectation::Holds(), Value::Bool(mismatch.empty()), [&] {
      return Spelling{"virtual calls from the " + when + " of " + A(o), "", {}, mismatch};
    });
  }
  void RecordTrace(const Object& o, const std::vector<Expected>& want, const std::vector<void*>& selves,
                   const std::string& when) const {
    T("vto_repro::ExpectTrace(" + TraceX(o, want, selves) + ", " + CppLiteral("virtual calls from the " + when + " of " + A(o)) +
      ");");
  }

  void Create(Object& o, size_t index, int cls) {
    o.index = index;
    o.cls = cls;
    o.t = &Tables(ch_, cls);
    if (tx_ != nullptr) {
      o.tx = tx_->NewVar();
      T("vto_repro::ClearTrace();");
      T(V(o) + " = " + gen::NewStubName(ch_.ns, cls) + "();");
    }
    gen::Trace::Clear();
    o.ptr = o.t->make();
    const std::vector<void*> selves = Selves(o, o.t->construction);
    if (tx_ != nullptr) RecordTrace(o, o.t->construction, selves, "constructors");
    CheckTrace(o, o.t->construction, selves, "constructors");
    if (o.t->alloc_owner >= 0) {
      const gen::AllocationRecord r = gen::Trace::ClassNew();
      o.alloc_size = r.size;
      CheckAllocation(o, "new", r, std::nullopt);
    }
    o.t->CaptureVptrs(o.ptr, false, &o.vptrs);
    if (tx_ != nullptr) {
      for (VptrWord& w : o.vptrs.words()) {
        w.tx = tx_->NewWord();
        T(VptrWords::CapturedCxx(w) + " = " + VptrWords::NowCxx(V(o), w) + ";");
      }
    }
    ++stats_.objects;
  }

  // `new` or `delete` (op) of `o` called the allocation function of its class's own that
  // lookup finds (gen/model.h class_alloc) once, as `r` recorded it: on o's storage, with the
  // alignment of an over-aligned class and (delete; `size` when given) the size `new` got.
  // A destroy hook on the deleting destructor must free through it (CONTRACT P8).
  void CheckAllocation(const Object& o, const char* op, const gen::AllocationRecord& r,
                       std::optional<std::size_t> size) const {
    const int owner = o.t->alloc_owner;
    const char* const names[] = {"calls", "cls", "p", "align", "size"};
    const Value got[] = {Value::Int(r.calls), Value::Int(r.cls), Value::Pointer(r.p),
                         Value::Int(static_cast<long long>(r.align)), Value::Int(static_cast<long long>(r.size))};
    const Value want[] = {Value::Int(1), Value::Int(owner), Value::Pointer(o.ptr),
                          Value::Int(static_cast<long long>(o.t->alloc_align)),
                          Value::Int(static_cast<long long>(size.value_or(0)))};
    for (size_t i = 0; i < (size ? 5u : 4u); ++i) {
      oracle_.Check(Expectation::Equal(want[i]), got[i], [&] {  // words only when needed
        const std::string want_cxx = i == 2   ? V(o)
                                     : i == 4 ? (*size == 0 ? "0" : "sizeof(" + ch_.ns + "::" + gen::ClassName(o.cls) + ")")
                                              : ValueText(want[i]);
        return Spelling{std::string(op) + " of " + A(o) + " calls the operator " + op + " of " +
                            gen::ClassName(owner) + " (" + names[i] + ")",
                        std::string("vto_repro::class_") + op + "." + names[i], {want_cxx}, OverlaysString(o)};
      });
    }
  }

  // Every vptr of o is what it was at creation.
  void CheckVptrs(const Object& o, const std::string& what) const {
    for (const VptrWord& w : o.vptrs.words()) {
      oracle_.Check(Expectation::Equal(Value::Pointer(w.word)), Value::Pointer(VptrWords::Now(o.ptr, w)), [&] {
        return Spelling{what + ": the vptr at offset " + std::to_string(w.offset) + " of " + A(o),
                        VptrWords::NowCxx(V(o), w), {VptrWords::CapturedCxx(w)}, {}};
      });
    }
  }

  // typeid through every static type, and every dynamic_cast, against the model.
  void CheckIdentity(const Object& o, const char* when) const {
    for (const IdentityCheck& id : o.t->identity) {
      void* sp = Up(o, id.s);
      const char* got = id.type_fn(sp);
      oracle_.Check(Expectation::Holds(), Value::Bool(o.t->type_name == got), [&] {
        return Spelling{"typeid through " + gen::ClassName(id.s) + " of " + A(o) + " " + when,
                        "std::string(" + gen::TypeidStubName(ch_.ns, id.s) + "(" + UpX(o, id.s) + ")) == " +
                            CppLiteral(o.t->type_name),
                        {},
                        ": expected '" + o.t->type_name + "', got '" + got + "'"};
      });
      for (const CastCheck& c : id.casts) {
        void* want = c.expected ? PointerOf(o, *c.expected) : nullptr;
        oracle_.Check(Expectation::Equal(Value::Pointer(want)), Value::Pointer(c.fn(sp)), [&] {
          return Spelling{"dynamic_cast<" + (c.target == gen::kVoidTarget ? std::string("void") : gen::ClassName(c.target)) +
                              "*> from " + gen::ClassName(id.s) + " of " + A(o) + " " + when,
                          gen::DynCastStubName(ch_.ns, id.s, c.target) + "(" + UpX(o, id.s) + ")",
                          {c.expected ? PX(o, *c.expected) : std::string("nullptr")},
                          {}};
        });
      }
    }
  }

  // Every planned call through every static type of the object.
  void CheckCalls(const Object& o, const char* when) {
    for (const CallCheck& c : o.t->calls) {
      const Expected& e = c.expected;
      const std::optional<Winner> w = WinningReplacement(
          e, o.overlays, o.overlays.size(), [](const Installed& ov) -> const OverlayRequest& { return ov.request; },
          [](const Installed& ov) { return ov.active; });
      const OverlayRequest* wr = w ? &o.overlays[w->overlay].request : nullptr;
      const CallExpectation want = ExpectedAnswer(e, PointerOf(o, e.this_path), w ? w->method : nullptr,
                                                  wr ? PointerOf(o, *wr->reflected_path) : nullptr);
      auto spell = [&] {
        Spelling s{"call of " + gen::MethodName(c.call.name) + " (signature " + std::to_string(c.call.sig) +
                       ") through static type " + gen::ClassName(c.s) + " on " + A(o) + " " + when,
                   "vto_repro::Observe(&" + gen::CallStubName(ch_.ns, c.s, c.call.name, c.call.sig) + ", " +
                       UpX(o, c.s) + ")",
                   {},
                   OverlaysString(o)};
        if (wr) s.want.push_back(PX(o, *wr->reflected_path));
        if (!wr || e.may_devirtualize) s.want.push_back(PX(o, e.this_path));
        return s;
      };
      oracle_.Record(want, spell);
      gen::Trace::Clear();
      CallObservation got;
      got.returned = c.fn(Up(o, c.s));
      const gen::TraceRecord last =
          gen::Trace::size() ? gen::Trace::at(gen::Trace::size() - 1) : gen::TraceRecord{};
      got.traced_id = last.impl_id;
      got.traced_self = last.self;
      ++stats_.calls_checked;
      if (gen::ReturnsClass(h_, c.call.sig)) ++stats_.class_return_calls;
      oracle_.Verify(want, got, spell);
    }
  }

  // A class `o` holds more than once as a polymorphic subobject, none at `o` itself (R18 on
  // the complete object), or -1.
  int AmbiguousAtObject(const Object& o) const {
    const gen::SubobjectGraph& g = o.t->ex().graph();
    for (int n : o.t->polymorphic_nodes) {
      const int cls = g.node(n).cls;
      if (TargetAt(*o.t, o.ptr, false, 0, cls).reflected_node < 0) return cls;
    }
    return -1;
  }

  // ---- installs ---------------------------------------------------------------------------
  void InstallSome(Object& o) {
    if (!Reflectable(ch_, *o.t)) return;
    const int count = src_.InRange(0, DispatchPolicy::kMaxOverlaysPerObject);
    for (int k = 0; k < count; ++k) {
      Installed ov;
      ov.at = DrawInstallTarget(src_, ch_, *o.t, o.ptr, false, DispatchPolicy::Target(b_.capabilities()));
      const int reflected = ov.at.reflected;
      ov.request = DrawOverlayRequest(src_, ch_, *o.t, ov.at, DispatchPolicy::Request(b_.capabilities()));
      backend::OverlaySpec spec = MakeOverlaySpec(ch_, ov.request, ov.at.instance);
      if (ov.request.hook) {
        ov.hook = std::make_unique<HookRecord>();
        for (const IdentityCheck& id : o.t->identity) {
          if (id.s == o.cls) ov.hook->type_of = id.type_fn;
        }
        ov.hook->object = o.ptr;
        ov.hook->at = ov.at.instance;
        spec.on_destroy = &HookThunk;
        spec.user_data = ov.hook.get();
      }
      bool stacked = false;
      for (const Installed& other : o.overlays) stacked = stacked || other.active;
      const InstallVerdict verdict = ExpectedInstall(
          MissingCapabilities(*o.t, b_.capabilities(), ov.request.hook, ov.request.extra != 0, stacked,
                              reflected != o.cls),
          ov.request.hook, h_.classes[reflected].virtual_dtor, ov.at.reflected_node >= 0, ch_.VptrIdentityAssumed(o.cls),
          AnyReturnAdjusted(ov.request));
      if (tx_ != nullptr) {
        ov.tx = tx_->NewHandle();
        std::string hook = "nullptr";
        if (ov.hook) {
          ov.hook_tx = tx_->NewHook();
          hook = "&K[" + std::to_string(ov.hook_tx) + "]";
          if (ov.hook->type_of != nullptr) T(hook.substr(1) + ".type_of = &" + gen::TypeidStubName(ch_.ns, o.cls) + ";");
          T(hook.substr(1) + ".object = " + V(o) + ";");
          T(hook.substr(1) + ".at = " + IX(o, ov.at) + ";");
        }
        T("H[" + std::to_string(ov.tx) + "] = vto_repro::Install(" + IX(o, ov.at) + ", \"@SHAPE(" + spec.class_name + ")@\", {" +
          ReplacementsCxx(ch_, ov.request) + "}, " + std::to_string(ov.request.extra) + ", " + hook + ", " +
          InstallVerdictCxx(verdict) + ", " +
          std::to_string(reinterpret_cast<uintptr_t>(Cookie(o.index, o.overlays.size(), 0))) + ");");
      }
      const backend::InstallOutcome out = b_.Install(spec);
      CheckInstall(o, ov, verdict, out);
      if (!out.ok()) {
        ++stats_.refusals;
        if (ch_.VptrIdentityAssumed(o.cls)) ++stats_.vptr_identity_refusals;
        if (AnyReturnAdjusted(ov.request)) ++stats_.return_adjusted_refusals;
        continue;
      }
      ov.handle = out.handle;
      ++stats_.overlays;
      if (stacked) ++stats_.stacked;
      if (o.t->has_multiple_vptrs) ++stats_.on_multi_vptr;
      if (o.t->has_virtual_bases) ++stats_.on_virtual_bases;
      if (ov.at.instance_off != 0) ++stats_.at_subobject;
      if (ov.at.reflected_off != 0) ++stats_.reflected_off_primary;
      // Fresh slots start null; on a stack, only where the backend promises them apart.
      bool shares = false;
      for (const Installed& other : o.overlays) shares = shares || (other.active && other.request.extra > 0);
      const bool fresh = ov.request.extra == 0 || !shares || Promised(b_, VTO_PROMISE_STACKED_EXTRA_SLOTS);
      for (size_t i = 0; i < ov.request.extra; ++i) {
        void** cell = b_.ExtraSlot(ov.handle, ov.at.instance, i);
        oracle_.Verify(Expectation::Holds(), Value::Bool(cell != nullptr && (*cell == nullptr || !fresh)), [&] {
          return Spelling{"extra slot " + std::to_string(i) + " of a new overlay on " + At(o, ov.at) +
                              (cell == nullptr ? " has no address" : " is not null after install"),
                          "", {}, {}};
        });
        *cell = Cookie(o.index, o.overlays.size(), i);
      }
      o.overlays.push_back(std::move(ov));
    }
  }

  // A refusal only outside the backend's capabilities; never an install the contract forbids.
  void CheckInstall(const Object& o, const Installed& ov, InstallVerdict verdict,
                    const backend::InstallOutcome& out) const {
    const OverlayRequest& r = ov.request;
    if (!out.ok()) {
      oracle_.Verify(Expectation::Holds(), Value::Bool(verdict != InstallVerdict::kMustInstall), [&] {
        return Spelling{"unexpected refusal: overlay on " + At(o, ov.at) + " reflected as " + gen::ClassName(r.reflected) +
                            " is within the backend's capabilities, but it refused with code " +
                            std::to_string(out.code) + ": " + out.message,
                        "", {}, {}};
      });
      return;
    }
    oracle_.Verify(Expectation::Holds(), Value::Bool(verdict != InstallVerdict::kMustRefuse), [&] {
      if (ch_.VptrIdentityAssumed(o.cls)) {
        return Spelling{"installed an overlay on " + At(o, ov.at) + ", whose dynamic type " + gen::ClassName(o.cls) +
                            " is final and compiled in " + gen::DescribeCompilerMode(ch_.mode) +
                            ": dynamic_cast<" + gen::ClassName(o.cls) + "*> compares the vptr with the vtable's "
                            "address and fails on a clone (must be refused: CONTRACT R13)",
                        "", {}, {}};
      }
      if (ov.at.reflected_node < 0) {
        return Spelling{"installed an overlay on an ambiguous reflected subobject: reflected as " + gen::ClassName(r.reflected) + " on " + At(o, ov.at) +
                            ", which holds " + gen::ClassName(r.reflected) +
                            " more than once, none at the instance pointer (must be refused: CONTRACT R18)",
                        "", {}, {}};
      }
      if (AnyReturnAdjusted(r)) {
        return Spelling{"installed an overlay replacing a return-adjusted overrider: reflected as " + gen::ClassName(r.reflected) + " on " + At(o, ov.at) +
                            " that " + ReturnAdjustedWhy(ch_, r),
                        "", {}, {}};
      }
      return Spelling{"installed a destroy hook on " + gen::ClassName(r.reflected) +
                          ", whose destructor is not virtual: the hook can never fire (must be refused)",
                      "", {}, {}};
    });
  }

  // Requests every backend must refuse, made on the first object without consuming input
  // bytes (corpus files keep their meaning): a null instance (CONTRACT R1), and a reflected
  // class that is neither the object's class nor one of its bases (R11). A
  // refusal must not crash, must leave every vptr of the object as it was and must not
  // change the live-overlay count.
  void ProbeRefusals(const Object& o) {
    auto probe = [&](const backend::OverlaySpec& spec, const std::string& what) {
      const size_t live = b_.LiveOverlays();
      T("{");
      T("const size_t live_now = vto_repro::Live();");
      T("(void)vto_repro::Install(" + std::string(spec.instance == nullptr ? "nullptr" : V(o)) + ", \"@SHAPE(" +
        spec.class_name + ")@\", {}, 0, nullptr, VTO_MUST_REFUSE);");
      const backend::InstallOutcome out = b_.Install(spec);
      oracle_.Verify(Expectation::Holds(), Value::Bool(!out.ok()), [&] {
        return Spelling{"installed an overlay " + what + "; it must be refused", "", {}, {}};
      });
      ++stats_.refusals;
      CheckVptrs(o, "a refused overlay " + what + " left every vptr as it was");
      oracle_.Check(Expectation::Equal(Value::Int(static_cast<long long>(live))),
                    Value::Int(static_cast<long long>(b_.LiveOverlays())), [&] {
                      return Spelling{"a refused overlay " + what + " left the live-overlay count", "vto_repro::Live()",
                                      {"live_now"}, {}};
                    });
      T("}");
    };
    backend::OverlaySpec null_spec;
    null_spec.instance = nullptr;
    null_spec.class_name = ch_.ns + "::" + gen::ClassName(o.cls);
    probe(null_spec, "with a null instance (reflected as " + gen::ClassName(o.cls) + ")");
    if (!h_.classes[o.cls].polymorphic) return;  // no vptr to read: the request would break Q5
    // A base the object holds more than once is no probe: the instance pointer may select one
    // of its subobjects (CONTRACT P23, R18), so only classes that are no base at all qualify.
    std::vector<bool> is_base(h_.classes.size(), false);
    std::vector<int> todo = {o.cls};
    while (!todo.empty()) {
      const int c = todo.back();
      todo.pop_back();
      if (is_base[static_cast<size_t>(c)]) continue;
      is_base[static_cast<size_t>(c)] = true;
      for (const gen::Base& b : h_.classes[static_cast<size_t>(c)].bases) todo.push_back(b.cls);
    }
    for (size_t c = 0; c < h_.classes.size(); ++c) {
      const int cls = static_cast<int>(c);
      if (!h_.classes[c].polymorphic || is_base[c]) continue;
      backend::OverlaySpec spec;
      spec.instance = o.ptr;
      spec.class_name = ch_.ns + "::" + gen::ClassName(cls);
      probe(spec, "reflected as " + gen::ClassName(cls) + " on " + A(o) + ", which is not " + gen::ClassName(cls) +
                      " or derived from it");
      break;  // one unrelated class per input
    }
  }

  // Every overlay's extra slots keep what was written; where the backend does not promise
  // that stacked overlays keep theirs apart, only an object's single overlay is checked (a
  // backend may reach slots through the object's current vptr, as CppInterOp does: an overlay
  // below another has none reachable then, even when the one on top has no extra slots).
  void CheckExtraSlots(const Object& o) const {
    size_t active = 0;
    for (const Installed& ov : o.overlays) active += ov.active ? 1 : 0;
    if (active > 1 && !Promised(b_, VTO_PROMISE_STACKED_EXTRA_SLOTS)) return;
    for (size_t k = 0; k < o.overlays.size(); ++k) {
      const Installed& ov = o.overlays[k];
      if (!ov.active) continue;
      for (size_t i = 0; i < ov.request.extra; ++i) {
        void** cell = b_.ExtraSlot(ov.handle, ov.at.instance, i);
        oracle_.Check(Expectation::Equal(Value::Pointer(Cookie(o.index, k, i))),
                      Value::Pointer(cell ? *cell : nullptr), [&] {
                        return Spelling{"extra slot " + std::to_string(i) + " of overlay #" + std::to_string(k) +
                                            " on " + A(o) + " keeps what was written to it (per-instance state)",
                                        "vto_repro::Extra(" + IX(o, ov.at) + ", H[" + std::to_string(ov.tx) + "], " +
                                            std::to_string(i) + ")",
                                        {CookieCxx(o.index, k, i)},
                                        OverlaysString(o)};
                      });
      }
    }
  }

  // A fresh object of the same class dispatches to the originals while the others carry
  // overlays.
  void CheckSibling(const Object& with) {
    Object& sibling = sibling_;
    Create(sibling, with.index, with.cls);  // no overlays: its index names no cookie
    CheckCalls(sibling, "(sibling of an overlaid object)");
    T(gen::DeleteStubName(ch_.ns, sibling.cls) + "(" + V(sibling) + ");");
    gen::Trace::Clear();
    sibling.t->del(sibling.ptr);
  }

  // ---- the end of each object -------------------------------------------------------------
  // A destruction the library can see: a virtual destructor call not devirtualized
  // (delete through a non-final static type with a virtual destructor). Returns the static
  // type to delete through, or -1 if there is none.
  int VisibleDeleteType(const Object& o) {
    std::vector<int> options;
    for (int s : ch_.plan.classes[o.cls].up) {
      const DeathFacts d{DeathRoute::kThroughStaticType, gen::IsEffectivelyFinal(h_, s), false, false};
      if (o.t->delete_via[static_cast<size_t>(s)] != nullptr && DeathIsVisible(d)) options.push_back(s);
    }
    if (options.empty()) return -1;
    return options[src_.Below(static_cast<uint32_t>(options.size()))];
  }
  // Deletes `o` through static type `s` (-1: its own class). In a hierarchy with throwing
  // destructors (gen/model.h) the input may arm the throw: then the delete must let the
  // destructor's exception out, and the rest (the storage freed, every hook fired once, the
  // overlays' state released: the checks after it and at the end of the input) as without.
  void DeleteThrough(const Object& o, int s) {
    T("vto_repro::ClearTrace();");
    const std::string call = s < 0 ? gen::DeleteStubName(ch_.ns, o.cls) + "(" + V(o) + ")"
                                   : gen::DeleteViaStubName(ch_.ns, s) + "(" + UpX(o, s) + ")";
    gen::Trace::Clear();
    auto run = [&] {
      if (s < 0) {
        o.t->del(o.ptr);
      } else {
        o.t->delete_via[static_cast<size_t>(s)](Up(o, s));
      }
    };
    // A delete stub that calls the destructor and then operator delete would leave the
    // storage allocated after a throw: never armed.
    const bool delete_expression = s >= 0 || !gen::DeleteStubCallsDestructor(h_.classes[static_cast<size_t>(o.cls)]);
    if (!h_.throwing_dtors || !delete_expression || !gen::RunsDeclaredDestructor(h_, o.cls) ||
        !src_.Chance(DispatchPolicy::kDtorThrows)) {
      T(call + ";");
      run();
      CheckClassDelete(o);
      return;
    }
    T("vto_repro::ArmDtorThrow();");
    oracle_.Record(Expectation::Holds(), [&] { return DtorThrowSpelling(o, call); });  // makes the call
    gen::Trace::ArmDestructorThrow();
    bool threw = false;
    try {
      run();
    } catch (int v) {
      threw = v == gen::kDtorThrowValue;
    }
    ++stats_.dtor_throws;
    oracle_.Verify(Expectation::Holds(), Value::Bool(threw && !gen::Trace::DestructorThrowArmed()),
                   [&] { return DtorThrowSpelling(o, call); });
    CheckClassDelete(o);  // [expr.delete]: the storage is freed when the destructor throws, too
  }
  // After a delete of `o`: its class's own operator delete ran (if it has one), with the size
  // `new` got if that is the sized form.
  void CheckClassDelete(const Object& o) {
    if (o.t->alloc_owner < 0) return;
    ++stats_.class_deletes;
    const bool sized = gen::ClassAlloc(h_, o.t->alloc_owner) == gen::kAllocSized;
    CheckAllocation(o, "delete", gen::Trace::ClassDelete(), sized ? o.alloc_size : 0);
  }
  Spelling DtorThrowSpelling(const Object& o, const std::string& call) const {
    return Spelling{"the delete of " + A(o) + " let through the exception its destructor threw",
                    "vto_repro::Throws([&] { " + call + "; })", {}, OverlaysString(o)};
  }

  // A teardown of `ov` returns `want`.
  void CheckTeardown(const Object& o, const Installed& ov, TeardownResult want, const std::string& what) {
    auto spell = [&] {
      return Spelling{what + " of an overlay (reflected as " + gen::ClassName(ov.request.reflected) + ") on " + A(o),
                      "vto_repro::Teardown(H[" + std::to_string(ov.tx) + "])", {}, OverlaysString(o)};
    };
    const Expectation e = Expectation::Unless(Promised(b_, VTO_PROMISE_TEARDOWN_RESULTS),
                                              Expectation::Equal(Value::Result(want)));
    oracle_.Record(e, spell);
    oracle_.Verify(e, Value::Result(b_.Teardown(ov.handle)), spell);
  }

  void Finish(Object& o) {
    bool any_active = false, all_hooked = true;
    for (const Installed& ov : o.overlays) {
      if (!ov.active) continue;
      any_active = true;
      all_hooked = all_hooked && ov.hook != nullptr;
    }
    const int visible = VisibleDeleteType(o);
    if (any_active && all_hooked && visible >= 0 && src_.Chance(DispatchPolicy::kHookedDelete)) {
      FinishHooked(o, visible);
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
      CheckTeardown(o, ov, ExpectedTeardown(HandleState::kActive, /*object_alive=*/true), "teardown");
      ov.active = false;
      CheckCalls(o, "after a teardown");
      if (Promised(b_, VTO_PROMISE_IDEMPOTENT_TEARDOWN)) {
        CheckTeardown(o, ov, ExpectedTeardown(HandleState::kClosed, true), "second teardown");
      }
    }
    CheckVptrs(o, "after every teardown each vptr is restored bit for bit");
    CheckIdentity(o, "after every teardown");
    const std::vector<void*> selves = Selves(o, o.t->destruction);
    DeleteThrough(o, visible);
    if (tx_ != nullptr) RecordTrace(o, o.t->destruction, selves, "destructors");
    CheckTrace(o, o.t->destruction, selves, "destructors");
    for (const Installed& ov : o.overlays) {
      if (!ov.hook) continue;
      oracle_.Check(Expectation::Equal(Value::Int(0)), Value::Int(ov.hook->calls), [&] {
        return Spelling{"destroy hook of an overlay torn down before the object died never fires",
                        "K[" + std::to_string(ov.hook_tx) + "].calls", {}, {}};
      });
    }
  }

  // Deleted with every overlay installed and hooked: every hook fires once, seeing the
  // intact object with its overlay still installed (CONTRACT P8); a teardown after it
  // returns kObjectDestroyed and fires nothing.
  void FinishHooked(Object& o, int visible) {
    const std::vector<void*> selves = Selves(o, o.t->destruction);
    DeleteThrough(o, visible);
    if (tx_ != nullptr) RecordTrace(o, o.t->destruction, selves, "destructors (deleted through hooked overlays)");
    CheckTrace(o, o.t->destruction, selves, "destructors (deleted through hooked overlays)");
    ++stats_.hooked_deaths;
    if (o.t->alloc_owner >= 0) ++stats_.hooked_class_deletes;
    const std::string type_name = gen::ExpectedTypeName(ch_.model, ch_.ns, o.cls);
    for (Installed& ov : o.overlays) {
      if (!ov.active) continue;
      const HookRecord& hk = *ov.hook;
      const std::string k = "K[" + std::to_string(ov.hook_tx) + "]";
      const std::string what = "destroy hook of an overlay (reflected as " + gen::ClassName(ov.request.reflected) +
                               ") on " + At(o, ov.at);
      oracle_.Check(Expectation::Equal(Value::Int(1)), Value::Int(hk.calls), [&] {
        return Spelling{what + " fired exactly once on delete", k + ".calls", {}, OverlaysString(o)};
      });
      oracle_.Check(Expectation::Equal(Value::Pointer(ov.at.instance)), Value::Pointer(hk.seen_instance), [&] {
        return Spelling{what + " was given the pointer it was installed with", k + ".seen_instance", {IX(o, ov.at)}, {}};
      });
      const bool intact_promised = Promised(b_, VTO_PROMISE_CALLBACK_BEFORE_DESTRUCTOR);
      if (hk.type_of != nullptr && intact_promised) {
        oracle_.Check(Expectation::Holds(), Value::Bool(hk.seen_type == type_name), [&] {
          return Spelling{what + " saw its dynamic type", k + ".seen_type == " + CppLiteral(type_name), {},
                          ": saw '" + hk.seen_type + "', expected '" + type_name + "'"};
        });
      }
      for (const VptrWord& w : o.vptrs.words()) {
        if (w.offset != ov.at.instance_off || !intact_promised) continue;
        oracle_.Check(Expectation::NotEqual(Value::Pointer(w.word)), Value::Pointer(hk.seen_vptr), [&] {
          return Spelling{what + " ran with the overlay still installed (not the original vptr)", k + ".seen_vptr",
                          {VptrWords::CapturedCxx(w)}, OverlaysString(o)};
        });
      }
      ++stats_.hooks_fired;
      CheckTeardown(o, ov, ExpectedTeardown(HandleState::kDiedHooked, false), "teardown after hooked destruction");
      oracle_.Check(Expectation::Equal(Value::Int(1)), Value::Int(hk.calls), [&] {
        return Spelling{"teardown after destruction did not fire the hook again", k + ".calls", {}, {}};
      });
      ov.active = false;
    }
  }

  backend::Backend& b_;
  const CompiledHierarchy& ch_;
  const gen::Hierarchy& h_;
  const Options& opt_;
  gen::ByteSource& src_;
  const uint64_t input_hash_;
  const InstallFn probe_install_;
  DispatchStats& stats_;
  Transcript* tx_;
  Oracle oracle_;
  std::vector<Object> objects_;
  Object sibling_;
};

}  // namespace

DispatchRunner::DispatchRunner(backend::Backend& backend, HierarchyCache& cache, const Options& options)
    : backend_(backend), cache_(cache), options_(options) {}

void DispatchRunner::Run(const uint8_t* data, size_t size, Transcript* transcript) {
  ++stats_.inputs;
  const MultiVptrInput<DispatchStats> share(stats_);
  InputHeader in = ReadInputHeader(data, size, options_.hierarchy_bits);
  const CompiledHierarchy& ch = cache_.Get(in.hierarchy);
  if (transcript != nullptr) SetReproducerHierarchy(ch);
  auto s = std::make_shared<DispatchScenario>(backend_, ch, options_, in.scenario, in.hash, probe_install_, stats_,
                                              transcript);
  try {
    s->Run();
  } catch (const OracleFinding&) {
    KeepAfterFinding(std::move(s));
    throw;
  }
}

}  // namespace vto::harness
