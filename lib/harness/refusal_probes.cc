// refusal_probes.cc — the slot-level refusal probes (see refusal_probes.h).
#include "harness/refusal_probes.h"

#include <cstdio>
#include <cstdlib>
#include <array>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "gen/compiler_mode.h"
#include "gen/expect.h"
#include "gen/stub_names.h"
#include "harness/transcript.h"
#include "overlay/overlay.h"
#include "overlay/overlay_c.h"
#include "overlay/status.h"

namespace vto::harness {
namespace {

// The replacement and the hook of every probe: a refused request never runs them.
void NeverCalled() {
  std::fprintf(stderr, "VTO ORACLE FAILURE: a replacement of a refused install was called\n");
  std::abort();
}
void NeverFires(void*, void*) {
  std::fprintf(stderr, "VTO ORACLE FAILURE: the destroy hook of a refused install fired\n");
  std::abort();
}
void* const kFn = reinterpret_cast<void*>(&NeverCalled);
constexpr size_t kLimit = size_t{1} << 16;  // CONTRACT R8

// One request, kept as data: its words are made only when a check needs them.
enum class Form : uint8_t {
  kNoShape, kNoVptr, kPastEnd, kDestructor, kTwice, kNullFn, kTooMany, kHookNoVdtor, kAmbiguous, kVptrIdentity
};
struct Probe {
  Form form;
  Status want;
  const ClassShape* shape = nullptr;
  int shape_cls = -1;  // the hierarchy class of `shape` (its reproducer spelling); -1: none
  std::array<SlotReplacement, 3> repl{};
  size_t n = 0;
  size_t extra = 0;
  bool hook = false;
  uint32_t slot = 0;  // the slot the probe is about
};
constexpr const char* kRid[] = {"R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R18", "R13"};

class Prober {
 public:
  Prober(const CompiledHierarchy& ch, const ShapeResolver& shapes, const RefusalProbeObject& o, const Oracle& oracle,
         Transcript* tx, DispatchStats& stats, InstallFn install)
      : ch_(ch), shapes_(shapes), o_(o), oracle_(oracle), tx_(tx), stats_(stats), install_(install) {}

  void Run(uint64_t choice) {
    const ClassShape* own = Shape(o_.cls);
    if (own == nullptr) return;
    own_ = own;
    auto pick = [&](uint64_t n) {  // a fresh choice in [0, n) from the input's hash
      choice = choice * 6364136223846793005ull + 1442695040888963407ull;
      return n == 0 ? 0 : (choice >> 33) % n;
    };
    // Each kind on about a quarter of the inputs: a refused install costs the library its
    // message, and every probe on every input cost fuzz_dispatch a quarter of its exec/s
    // (release replay of corpus/fuzz_dispatch: 40k/s against 30k/s). One bit per Form; the
    // low 8 bits are what they were before R18's bit was added, the low 9 before R13's.
    const uint64_t kinds = pick(1ull << 10) & pick(1ull << 10);
    auto wanted = [&](Form f) { return (kinds >> static_cast<int>(f) & 1) != 0; };
    uint32_t plain[64];  // up to 64 slots a replacement may target
    size_t num_plain = 0;
    for (uint32_t s = 0; s < own->num_slots && num_plain < 64; ++s) {
      if (static_cast<int64_t>(s) != own->complete_dtor_slot && static_cast<int64_t>(s) != own->deleting_dtor_slot) {
        plain[num_plain++] = s;
      }
    }
    auto own_probe = [&](Form f, Status want) {
      Probe p{f, want};
      p.shape = own;
      p.shape_cls = o_.cls;
      return p;
    };

    if (wanted(Form::kNoShape)) Ask(Probe{Form::kNoShape, Status::kNullShape});
    if (wanted(Form::kNoVptr)) {
      if (no_vptr_.name.empty()) {
        int flat = -1;  // a class of the hierarchy without a vptr, else a name no class has
        for (size_t c = 0; c < ch_.model.classes.size() && flat < 0; ++c) {
          if (!ch_.model.classes[c].polymorphic) flat = static_cast<int>(c);
        }
        no_vptr_.name = ch_.ns + "::" + (flat >= 0 ? gen::ClassName(flat) : std::string("NoVptr"));
        no_vptr_.polymorphic = false;
      }
      Probe p{Form::kNoVptr, Status::kNotPolymorphic};
      p.shape = &no_vptr_;
      Ask(p);
    }
    if (wanted(Form::kPastEnd)) {
      static constexpr uint32_t kPast[] = {0, 1, 7, 1000};
      Probe p = own_probe(Form::kPastEnd, Status::kSlotOutOfRange);
      p.slot = pick(8) == 0 ? UINT32_MAX : own->num_slots + kPast[pick(4)];
      if (num_plain > 0 && pick(2) == 0) p.repl[p.n++] = {plain[pick(num_plain)], kFn};  // a valid one first
      p.repl[p.n++] = {p.slot, kFn};
      Ask(p);
    }
    if (wanted(Form::kDestructor)) {
      for (int64_t slot : {own->complete_dtor_slot, own->deleting_dtor_slot}) {
        if (slot < 0) continue;
        Probe p = own_probe(Form::kDestructor, Status::kDestructorSlot);
        p.slot = static_cast<uint32_t>(slot);
        p.repl[p.n++] = {p.slot, kFn};
        Ask(p);
      }
    }
    if (num_plain > 0 && wanted(Form::kTwice)) {
      Probe p = own_probe(Form::kTwice, Status::kDuplicateSlot);
      p.slot = plain[pick(num_plain)];
      p.repl[p.n++] = {p.slot, kFn};
      if (num_plain > 1) {  // apart: a, b, a
        uint32_t b = plain[pick(num_plain)];
        if (b == p.slot) b = plain[p.slot == plain[0] ? 1 : 0];
        p.repl[p.n++] = {b, kFn};
      }
      p.repl[p.n++] = {p.slot, kFn};
      Ask(p);
    }
    if (num_plain > 0 && wanted(Form::kNullFn)) {
      Probe p = own_probe(Form::kNullFn, Status::kNullReplacement);
      p.slot = plain[pick(num_plain)];
      if (num_plain > 1 && pick(2) == 0) p.repl[p.n++] = {plain[0] == p.slot ? plain[1] : plain[0], kFn};
      p.repl[p.n++] = {p.slot, nullptr};
      Ask(p);
      if (pick(2) == 0) ThroughC(*own, p.slot);
    }
    if (wanted(Form::kTooMany)) {
      Probe p = own_probe(Form::kTooMany, Status::kExtraSlotsOverflow);
      p.extra = kLimit + 1;
      Ask(p);
      if (pick(4) == 0 && o_.installable) StackedLimit();
    }
    if (wanted(Form::kHookNoVdtor)) {
      int c = -1;  // a polymorphic class whose destructor is not virtual
      const size_t n = ch_.model.classes.size();
      for (size_t i = 0, at = pick(n); i < n && c < 0; ++i) {
        const auto& cm = ch_.model.classes[(at + i) % n];
        if (cm.polymorphic && !cm.virtual_dtor) c = static_cast<int>((at + i) % n);
      }
      if (const ClassShape* s = c >= 0 ? Shape(c) : nullptr) {
        Probe p{Form::kHookNoVdtor, Status::kNoVirtualDestructor};
        p.shape = s;
        p.shape_cls = c;
        p.hook = true;
        Ask(p);
      }
    }
    if (o_.vptr_identity_assumed && wanted(Form::kVptrIdentity)) {
      Ask(own_probe(Form::kVptrIdentity, Status::kVptrIdentityAssumed));  // a request valid in every other way
    }
    if (o_.ambiguous >= 0 && !o_.vptr_identity_assumed && wanted(Form::kAmbiguous)) {
      if (const ClassShape* s = Shape(o_.ambiguous)) {
        Probe p{Form::kAmbiguous, Status::kAmbiguousSubobject};
        p.shape = s;
        p.shape_cls = o_.ambiguous;
        Ask(p);
      }
    }
  }

 private:
  // The resolver's shape of `cls` when its primary vtable has slots to probe (a vptr whose
  // functions all live in a virtual base has none), else nullptr.
  const ClassShape* Shape(int cls) const {
    if (!ch_.model.classes[cls].polymorphic) return nullptr;
    const ClassShape* s = shapes_.Find(gen::ExpectedTypeName(ch_.model, ch_.ns, cls));
    return s != nullptr && s->polymorphic && s->num_slots > 0 ? s : nullptr;
  }
  std::string ClassCxx(int cls) const { return "\"@SHAPE(" + ch_.ns + "::" + gen::ClassName(cls) + ")@\""; }
  std::string On() const { return " on a " + gen::ClassName(o_.cls); }
  void T(const std::string& s) const {
    if (tx_ != nullptr) tx_->Add(s);
  }

  std::string Describe(const Probe& p) const {
    switch (p.form) {
      case Form::kNoShape: return "with no reflected shape" + On();
      case Form::kNoVptr: return "reflected as " + no_vptr_.name + ", which has no vptr," + On();
      case Form::kPastEnd:
        return "replacing slot " + std::to_string(p.slot) + " of " + std::to_string(own_->num_slots) + On();
      case Form::kDestructor:
        return std::string("replacing the ") +
               (static_cast<int64_t>(p.slot) == own_->complete_dtor_slot ? "complete-object" : "deleting") +
               " destructor's slot " + std::to_string(p.slot) + On();
      case Form::kTwice: return "replacing slot " + std::to_string(p.slot) + " twice in one request" + On();
      case Form::kNullFn: return "a null replacement for slot " + std::to_string(p.slot) + On();
      case Form::kTooMany:
        return std::to_string(p.extra) + " extra slots" + (p.extra == 1 ? " on an overlay holding the limit" : " in one request") + On();
      case Form::kHookNoVdtor:
        return "a destroy hook reflected as " + gen::ClassName(p.shape_cls) + ", whose destructor is not virtual," + On();
      case Form::kAmbiguous:
        return "reflected as " + gen::ClassName(p.shape_cls) + ", which the object holds more than once, none at the " +
               "instance pointer," + On();
      case Form::kVptrIdentity:
        return "an overlay reflected as its own class" + On() + ", which is final and compiled in " +
               gen::DescribeCompilerMode(ch_.mode) + " (dynamic_cast to it compares vptrs),";
    }
    return "";
  }
  std::string Cxx(const Probe& p) const {
    std::string shape = p.form == Form::kNoShape ? "nullptr"
                        : p.form == Form::kNoVptr ? "vto_repro::NoVptrShape(" + CppLiteral(no_vptr_.name) + ")"
                                                  : "vto_repro::ShapeNamed(" + ClassCxx(p.shape_cls) + ")";
    std::string repl;
    for (size_t i = 0; i < p.n; ++i) {
      repl += (i == 0 ? "{" : ", {") + std::to_string(p.repl[i].slot) + "u, " +
              (p.repl[i].function != nullptr ? "vto_repro::kNeverCalled" : "nullptr") + "}";
    }
    return "vto_repro::Refusal(" + o_.cxx + ", " + shape + ", {" + repl + "}, " + std::to_string(p.extra) + ", " +
           (p.hook ? "true" : "false") + ")";
  }

  // Every vptr of the object as before any overlay (a refusal writes nothing).
  void Untouched(const Probe& p) const {
    for (const VptrWord& w : o_.vptrs->words()) {
      oracle_.Check(Expectation::Equal(Value::Pointer(w.word)), Value::Pointer(VptrWords::Now(o_.instance, w)), [&] {
        return Spelling{std::string(kRid[static_cast<int>(p.form)]) + ": a refused request (" + Describe(p) +
                            ") left the vptr at offset " + std::to_string(w.offset) + " as it was",
                        VptrWords::NowCxx(o_.cxx, w), {VptrWords::CapturedCxx(w)}, {}};
      });
    }
  }

  void Ask(const Probe& p, bool untouched = true) {
    InstallRequest req;
    req.instance = o_.instance;
    req.reflected = p.shape;
    req.replacements.assign(p.repl.begin(), p.repl.begin() + static_cast<std::ptrdiff_t>(p.n));
    req.extra_slots = p.extra;
    req.on_destroy = p.hook ? &NeverFires : nullptr;
    InstallResult r = install_(req, shapes_);
    ++stats_.refusal_probes;
    oracle_.Check(Expectation::Equal(Value::Int(static_cast<int>(p.want))), Value::Int(static_cast<int>(r.status)),
                  [&] {
                    return Spelling{std::string(kRid[static_cast<int>(p.form)]) + ": " + Describe(p) +
                                        " must be refused with " + StatusName(p.want),
                                    Cxx(p), {"static_cast<int>(vto::Status::" + std::string(StatusName(p.want)) + ")"},
                                    r.ok() ? std::string(" (installed)") : " (" + r.message + ")"};
                  });
    if (untouched) Untouched(p);
  }

  // overlay_c.h's install over a shape table made from `own`: a null replacement (R7) and a
  // reflected name the table does not know (R2), each refused with exactly its status, named
  // by vto_status_name as by StatusName.
  void ThroughC(const ClassShape& own, uint32_t slot) {
    vto_shape_table* table = vto_shape_table_new();
    std::vector<const char*> bases;
    for (const std::string& b : own.primary_bases) bases.push_back(b.c_str());
    const vto_class_shape_desc desc{own.rtti_name.c_str(), own.name.c_str(),  1,
                                    own.num_slots,         own.complete_dtor_slot, own.deleting_dtor_slot,
                                    own.has_secondary_vptrs, own.has_virtual_bases, own.vptr_identity_assumed,
                                    bases.data(),          bases.size()};
    oracle_.Verify(Expectation::Equal(Value::Int(0)), Value::Int(vto_shape_table_add(table, &desc)), [&] {
      return Spelling{"vto_shape_table_add of the shape of " + own.name, "", {}, {}};
    });
    const vto_slot_replacement null_fn{slot, nullptr};
    for (const bool known : {true, false}) {
      const Status want = known ? Status::kNullReplacement : Status::kNullShape;
      const vto_install_args args{o_.instance, known ? own.rtti_name.c_str() : "no such class", &null_fn, 1, 0,
                                  nullptr, nullptr};
      vto_overlay_t out = 1;
      char message[256];
      const int got = vto_install(&args, vto_shape_table_resolver(table), &out, message, sizeof message);
      ++stats_.refusal_probes;
      auto what = [&] {
        return std::string(known ? "R7" : "R2") + ": overlay_c.h's vto_install " +
               (known ? "with a null replacement for slot " + std::to_string(slot)
                      : std::string("reflecting a name its resolver does not know")) +
               On() + " must be refused with " + StatusName(want);
      };
      oracle_.Check(Expectation::Equal(Value::Int(static_cast<int>(want))), Value::Int(got), [&] {
        return Spelling{what(),
                        "vto_repro::CRefusal(" + o_.cxx + ", " + ClassCxx(o_.cls) + ", " + std::to_string(slot) +
                            "u, " + (known ? "true" : "false") + ")",
                        {"static_cast<int>(vto::Status::" + std::string(StatusName(want)) + ")"},
                        std::string(" (") + message + ")"};
      });
      oracle_.Verify(Expectation::Holds(),
                     Value::Bool(out == 0 && std::strcmp(vto_status_name(got), StatusName(want)) == 0), [&] {
                       return Spelling{what() + ": the handle is 0 and vto_status_name names the status", "", {}, {}};
                     });
      Untouched(Probe{known ? Form::kNullFn : Form::kNoShape, want});
    }
    vto_shape_table_free(table);
  }

  // R8 over a stack: the lower overlay holds exactly the limit (allowed), one more on top is
  // refused and leaves the object on the lower one, whose teardown then restores it.
  void StackedLimit() {
    T("{");
    T("uint64_t big = vto_repro::Install(" + o_.cxx + ", " + ClassCxx(o_.cls) + ", {}, " + std::to_string(kLimit) +
      ", nullptr, VTO_MUST_INSTALL);");
    InstallRequest req;
    req.instance = o_.instance;
    req.reflected = own_;
    req.extra_slots = kLimit;
    InstallResult big = install_(req, shapes_);
    oracle_.Verify(Expectation::Equal(Value::Int(0)), Value::Int(static_cast<int>(big.status)), [&] {
      return Spelling{"R8: an overlay with exactly " + std::to_string(kLimit) + " extra slots" + On() +
                          " is within the limit and must be installed",
                      "", {}, " (" + big.message + ")"};
    });
    T("const void* big_vptr = *static_cast<void* const*>(" + o_.cxx + ");");
    const void* big_vptr = *static_cast<void* const*>(o_.instance);
    Probe p{Form::kTooMany, Status::kExtraSlotsOverflow};
    p.shape = own_;
    p.shape_cls = o_.cls;
    p.extra = 1;
    Ask(p, /*untouched=*/false);
    oracle_.Check(Expectation::Equal(Value::Pointer(big_vptr)), Value::Pointer(*static_cast<void* const*>(o_.instance)),
                  [&] {
                    return Spelling{"R8: the refused overlay on top of the one holding the limit left the object on it",
                                    "*static_cast<void* const*>(" + o_.cxx + ")", {"big_vptr"}, {}};
                  });
    oracle_.Check(Expectation::Equal(Value::Result(TeardownResult::kRestored)), Value::Result(big.overlay.Teardown()),
                  [&] {
                    return Spelling{"teardown of the overlay holding the limit of extra slots" + On(),
                                    "vto::TeardownOverlay(big)", {}, {}};
                  });
    Untouched(p);
    T("}");
  }

  const CompiledHierarchy& ch_;
  const ShapeResolver& shapes_;
  const RefusalProbeObject& o_;
  const Oracle& oracle_;
  Transcript* tx_;
  DispatchStats& stats_;
  const InstallFn install_;
  const ClassShape* own_ = nullptr;
  ClassShape no_vptr_;
};

}  // namespace

void ProbeSlotRefusals(const CompiledHierarchy& ch, const ShapeResolver& shapes, const RefusalProbeObject& object,
                       uint64_t choice, const Oracle& oracle, Transcript* tx, DispatchStats& stats,
                       InstallFn install) {
  Prober(ch, shapes, object, oracle, tx, stats, install).Run(choice);
}

}  // namespace vto::harness
