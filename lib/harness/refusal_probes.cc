// refusal_probes.cc — the slot-level refusal probes (see refusal_probes.h).
#include "harness/refusal_probes.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

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

// One request and its reproducer spelling.
struct Probe {
  const char* rid;       // "R5"
  std::string what;      // "replacing the deleting destructor's slot 1"
  const ClassShape* shape = nullptr;
  std::string shape_cxx;  // "nullptr", vto_repro::ShapeNamed("h4::C3"), ...
  std::vector<SlotReplacement> replacements;
  size_t extra = 0;
  bool hook = false;
  Status want = Status::kOk;
};

class Prober {
 public:
  Prober(const CompiledHierarchy& ch, const ShapeResolver& shapes, const RefusalProbeObject& o, const Oracle& oracle,
         Transcript* tx, DispatchStats& stats, const std::function<void(const std::string&)>& untouched,
         InstallFn install)
      : ch_(ch), shapes_(shapes), o_(o), oracle_(oracle), tx_(tx), stats_(stats), untouched_(untouched),
        install_(install) {}

  void Run(uint64_t choice) {
    const ClassShape* own = Shape(o_.cls);
    if (own == nullptr) return;
    const std::string own_cxx = ShapeCxx(o_.cls);
    const std::string on = " on a " + gen::ClassName(o_.cls);
    auto pick = [&](uint64_t n) {  // a fresh choice in [0, n) from the input's hash
      choice = choice * 6364136223846793005ull + 1442695040888963407ull;
      return n == 0 ? 0 : (choice >> 33) % n;
    };
    std::vector<uint32_t> plain;  // the slots a replacement may target
    for (uint32_t s = 0; s < own->num_slots; ++s) {
      if (static_cast<int64_t>(s) != own->complete_dtor_slot && static_cast<int64_t>(s) != own->deleting_dtor_slot) {
        plain.push_back(s);
      }
    }

    Ask({"R2", "with no reflected shape" + on, nullptr, "nullptr", {}, 0, false, Status::kNullShape});
    {
      int flat = -1;  // a class of the hierarchy without a vptr, else a name no class has
      for (size_t c = 0; c < ch_.model.classes.size() && flat < 0; ++c) {
        if (!ch_.model.classes[c].polymorphic) flat = static_cast<int>(c);
      }
      no_vptr_.name = ch_.ns + "::" + (flat >= 0 ? gen::ClassName(flat) : std::string("NoVptr"));
      no_vptr_.polymorphic = false;
      Ask({"R3", "reflected as " + no_vptr_.name + ", which has no vptr," + on, &no_vptr_,
           "vto_repro::NoVptrShape(" + CppLiteral(no_vptr_.name) + ")", {}, 0, false, Status::kNotPolymorphic});
    }
    {
      static constexpr uint32_t kPast[] = {0, 1, 7, 1000};
      uint32_t slot = own->num_slots + kPast[pick(4)];
      if (pick(8) == 0) slot = UINT32_MAX;
      std::vector<SlotReplacement> r;
      if (!plain.empty() && pick(2) == 0) r.push_back({plain[pick(plain.size())], kFn});  // a valid one first
      r.push_back({slot, kFn});
      Ask({"R4", "replacing slot " + std::to_string(slot) + " of " + std::to_string(own->num_slots) + on, own, own_cxx,
           r, 0, false, Status::kSlotOutOfRange});
    }
    for (int64_t slot : {own->complete_dtor_slot, own->deleting_dtor_slot}) {
      if (slot < 0) continue;
      const char* which = slot == own->complete_dtor_slot ? "complete-object" : "deleting";
      Ask({"R5", std::string("replacing the ") + which + " destructor's slot " + std::to_string(slot) + on, own,
           own_cxx, {{static_cast<uint32_t>(slot), kFn}}, 0, false, Status::kDestructorSlot});
    }
    if (!plain.empty()) {
      const uint32_t a = plain[pick(plain.size())];
      std::vector<SlotReplacement> r{{a, kFn}};
      if (plain.size() > 1) {  // apart: a, b, a
        uint32_t b = plain[pick(plain.size())];
        if (b == a) b = plain[(a == plain[0]) ? 1 : 0];
        r.push_back({b, kFn});
      }
      r.push_back({a, kFn});
      Ask({"R6", "replacing slot " + std::to_string(a) + " twice in one request" + on, own, own_cxx, r, 0, false,
           Status::kDuplicateSlot});
      std::vector<SlotReplacement> n;
      if (plain.size() > 1 && pick(2) == 0) n.push_back({plain[0] == a ? plain[1] : plain[0], kFn});
      n.push_back({a, nullptr});
      Ask({"R7", "a null replacement for slot " + std::to_string(a) + on, own, own_cxx, n, 0, false,
           Status::kNullReplacement});
    }
    Ask({"R8", std::to_string(kLimit + 1) + " extra slots in one request" + on, own, own_cxx, {}, kLimit + 1, false,
         Status::kExtraSlotsOverflow});
    if (pick(8) == 0 && o_.installable) StackedLimit(own, own_cxx, on);
    if (!plain.empty()) ThroughC(*own, plain[pick(plain.size())], on);
    {
      std::vector<int> plain_dtor;  // polymorphic classes whose destructor is not virtual
      for (size_t c = 0; c < ch_.model.classes.size(); ++c) {
        if (ch_.model.classes[c].polymorphic && !ch_.model.classes[c].virtual_dtor) plain_dtor.push_back(static_cast<int>(c));
      }
      if (!plain_dtor.empty()) {
        const int c = plain_dtor[pick(plain_dtor.size())];
        if (const ClassShape* s = Shape(c)) {
          Ask({"R9", "a destroy hook reflected as " + gen::ClassName(c) + ", whose destructor is not virtual," + on, s,
               ShapeCxx(c), {}, 0, true, Status::kNoVirtualDestructor});
        }
      }
    }
  }

 private:
  // The resolver's shape of `cls` when it has virtual slots (a vptr for virtual bases alone
  // is R3's "no virtual functions"), else nullptr.
  const ClassShape* Shape(int cls) const {
    if (!ch_.model.classes[cls].polymorphic) return nullptr;
    const ClassShape* s = shapes_.Find(gen::ExpectedTypeName(ch_.ns, cls));
    return s != nullptr && s->polymorphic && s->num_slots > 0 ? s : nullptr;
  }
  std::string ShapeCxx(int cls) const {
    return "vto_repro::ShapeNamed(\"@SHAPE(" + ch_.ns + "::" + gen::ClassName(cls) + ")@\")";
  }
  void T(const std::string& s) const {
    if (tx_ != nullptr) tx_->Add(s);
  }

  static std::string ReplacementsCxx(const std::vector<SlotReplacement>& r) {
    std::string s;
    for (const SlotReplacement& x : r) {
      s += (s.empty() ? "{" : ", {") + std::to_string(x.slot) + "u, " +
           (x.function != nullptr ? "vto_repro::kNeverCalled" : "nullptr") + "}";
    }
    return s;
  }

  // `untouched`: every vptr must be as before any overlay (false on top of StackedLimit's).
  void Ask(const Probe& p, bool untouched = true) {
    InstallRequest req;
    req.instance = o_.instance;
    req.reflected = p.shape;
    req.replacements = p.replacements;
    req.extra_slots = p.extra;
    req.on_destroy = p.hook ? &NeverFires : nullptr;
    InstallResult r = install_(req, shapes_);
    ++stats_.refusal_probes;
    const std::string what = std::string(p.rid) + ": " + p.what + " must be refused with " + StatusName(p.want);
    oracle_.Check(Expectation::Equal(Value::Int(static_cast<int>(p.want))), Value::Int(static_cast<int>(r.status)),
                  [&] {
                    return Spelling{what,
                                    "vto_repro::Refusal(" + o_.cxx + ", " + p.shape_cxx + ", {" +
                                        ReplacementsCxx(p.replacements) + "}, " + std::to_string(p.extra) + ", " +
                                        (p.hook ? "true" : "false") + ")",
                                    {"static_cast<int>(vto::Status::" + std::string(StatusName(p.want)) + ")"},
                                    r.ok() ? std::string(" (installed)") : " (" + r.message + ")"};
                  });
    if (untouched) untouched_(std::string(p.rid) + ": a refused request (" + p.what + ") left every vptr as it was");
  }

  // overlay_c.h's install over a shape table made from `own`: a null replacement (R7) and a
  // reflected name the table does not know (R2), each refused with exactly its status, named
  // by vto_status_name as by StatusName.
  void ThroughC(const ClassShape& own, uint32_t slot, const std::string& on) {
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
      const std::string what = std::string(known ? "R7" : "R2") + ": overlay_c.h's vto_install " +
                               (known ? "with a null replacement for slot " + std::to_string(slot)
                                      : std::string("reflecting a name its resolver does not know")) +
                               on + " must be refused with " + StatusName(want);
      oracle_.Check(Expectation::Equal(Value::Int(static_cast<int>(want))), Value::Int(got), [&] {
        return Spelling{what,
                        "vto_repro::CRefusal(" + o_.cxx + ", \"@SHAPE(" + ch_.ns + "::" + gen::ClassName(o_.cls) +
                            ")@\", " + std::to_string(slot) + "u, " + (known ? "true" : "false") + ")",
                        {"static_cast<int>(vto::Status::" + std::string(StatusName(want)) + ")"},
                        std::string(" (") + message + ")"};
      });
      oracle_.Verify(Expectation::Holds(),
                     Value::Bool(out == 0 && std::strcmp(vto_status_name(got), StatusName(want)) == 0), [&] {
                       return Spelling{what + ": the handle is 0 and vto_status_name names the status", "", {}, {}};
                     });
      untouched_(what + " left every vptr as it was");
    }
    vto_shape_table_free(table);
  }

  // R8 over a stack: the lower overlay holds exactly the limit (allowed), one more on top is
  // refused and leaves the object on the lower one, whose teardown then restores it.
  void StackedLimit(const ClassShape* own, const std::string& own_cxx, const std::string& on) {
    T("{");
    T("uint64_t big = vto_repro::Install(" + o_.cxx + ", \"@SHAPE(" + ch_.ns + "::" + gen::ClassName(o_.cls) +
      ")@\", {}, " + std::to_string(kLimit) + ", nullptr, VTO_MUST_INSTALL);");
    InstallRequest req;
    req.instance = o_.instance;
    req.reflected = own;
    req.extra_slots = kLimit;
    InstallResult big = install_(req, shapes_);
    oracle_.Verify(Expectation::Equal(Value::Int(0)), Value::Int(static_cast<int>(big.status)), [&] {
      return Spelling{"R8: an overlay with exactly " + std::to_string(kLimit) + " extra slots" + on +
                          " is within the limit and must be installed",
                      "", {}, " (" + big.message + ")"};
    });
    T("const void* big_vptr = *static_cast<void* const*>(" + o_.cxx + ");");
    const void* big_vptr = *static_cast<void* const*>(o_.instance);
    Ask({"R8", "one more extra slot on an overlay holding the limit" + on, own, own_cxx, {}, 1, false,
         Status::kExtraSlotsOverflow},
        /*untouched=*/false);
    oracle_.Check(Expectation::Equal(Value::Pointer(big_vptr)), Value::Pointer(*static_cast<void* const*>(o_.instance)),
                  [&] {
                    return Spelling{"R8: the refused overlay on top of the one holding the limit left the object on it",
                                    "*static_cast<void* const*>(" + o_.cxx + ")", {"big_vptr"}, {}};
                  });
    oracle_.Check(Expectation::Equal(Value::Result(TeardownResult::kRestored)), Value::Result(big.overlay.Teardown()),
                  [&] {
                    return Spelling{"teardown of the overlay holding the limit of extra slots" + on,
                                    "vto::TeardownOverlay(big)", {}, {}};
                  });
    untouched_("R8: the overlay holding the limit, torn down, restored every vptr");
    T("}");
  }

  const CompiledHierarchy& ch_;
  const ShapeResolver& shapes_;
  const RefusalProbeObject& o_;
  const Oracle& oracle_;
  Transcript* tx_;
  DispatchStats& stats_;
  const std::function<void(const std::string&)>& untouched_;
  const InstallFn install_;
  ClassShape no_vptr_;
};

}  // namespace

void ProbeSlotRefusals(const CompiledHierarchy& ch, const ShapeResolver& shapes, const RefusalProbeObject& object,
                       uint64_t choice, const Oracle& oracle, Transcript* tx, DispatchStats& stats,
                       const std::function<void(const std::string& what)>& untouched, InstallFn install) {
  Prober(ch, shapes, object, oracle, tx, stats, untouched, install).Run(choice);
}

}  // namespace vto::harness
