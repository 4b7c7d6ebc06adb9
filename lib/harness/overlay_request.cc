// overlay_request.cc — drawing and spelling overlay requests (overlay_request.h).
#include "harness/overlay_request.h"

#include "gen/conventions.h"
#include "gen/lifecycle_kit.h"
#include "gen/primary_vtable.h"
#include "gen/stub_names.h"
#include "harness/return_adjustment.h"

namespace vto::harness {

OverlayRequest DrawOverlayRequest(gen::ByteSource& src, const CompiledHierarchy& ch, const ClassTables& object_tables,
                                  const InstallTarget& at, const RequestPolicy& policy) {
  const int reflected = at.reflected;
  OverlayRequest r;
  r.reflected = reflected;
  r.reflected_path = at.reflected_path;
  if (policy.methods) {
    for (const gen::VirtualCall& call : ch.plan.classes[static_cast<size_t>(reflected)].calls) {
      if (!src.Chance(policy.replace)) continue;
      const bool throwing = policy.throwing > 0 && src.Chance(policy.throwing);
      const int rn = throwing ? kThrowingReplacement : static_cast<int>(src.Below(gen::kReplacementsPerSignature));
      // Drawn first, so an input draws the same bytes whichever calls are left out.
      if (policy.primary_names_only && !gen::InPrimaryVtable(ch.model, reflected, call.name, call.sig)) continue;
      if (at.reflected_node < 0) {
        r.methods.push_back({call, rn, nullptr, false});
        continue;
      }
      const ClassTables::ReflectedCall& rc = object_tables.CallAt(at.reflected_node, call.name, call.sig);
      if (rc.return_adjusted && !policy.return_adjusted_allowed) continue;
      r.methods.push_back({call, rn, rc.expected ? &*rc.expected : nullptr, rc.return_adjusted});
    }
  }
  if (policy.extra_allowed) r.extra = src.Below(policy.max_extra + 1);
  const bool virtual_dtor = ch.model.classes[static_cast<size_t>(reflected)].virtual_dtor;
  if (virtual_dtor) {
    if (policy.hook_virtual >= 0) r.hook = src.Chance(policy.hook_virtual);
  } else if (policy.hook_nonvirtual >= 0) {
    r.hook = src.Chance(policy.hook_nonvirtual);
  }
  return r;
}

bool AnyReturnAdjusted(const OverlayRequest& r) {
  for (const ReplacedMethod& m : r.methods)
    if (m.return_adjusted) return true;
  return false;
}

std::string ReturnAdjustedWhy(const CompiledHierarchy& ch, const OverlayRequest& r) {
  for (const ReplacedMethod& m : r.methods) {
    if (!m.return_adjusted) continue;
    const int d = m.on_reflected->this_class;
    const int b = ReturnAdjustingDeclaration(ch, *m.on_reflected, m.call.name, m.call.sig);
    const int from = gen::FindMethod(ch.model, d, m.call.name, m.call.sig)->ret_class;
    const int to = gen::FindMethod(ch.model, b, m.call.name, m.call.sig)->ret_class;
    return "replaced " + gen::MethodSpelling(ch.model, m.call.name, m.call.sig) + ", whose final overrider " +
           gen::ClassName(d) + "::" + gen::MethodName(m.call.name) + " returns " + gen::ClassName(from) +
           "* where the declaration it overrides in " + gen::ClassName(b) + " returns " + gen::ClassName(to) +
           "*, a base of it reached through a virtual base or at a non-zero offset: that vtable entry adjusts the returned "
           "pointer, which no replacement can stand in for (must be refused: CONTRACT R19)";
  }
  return "";
}

std::string ReplacementStub(const CompiledHierarchy& ch, const ReplacedMethod& m) {
  return m.r == kThrowingReplacement ? gen::LcThrowName(ch.ns, m.call.sig)
                                     : gen::ReplacementStubName(ch.ns, m.call.sig, m.r);
}

long ReplacementImplId(const ReplacedMethod& m) {
  return m.r == kThrowingReplacement ? gen::kLcThrowIdBase + m.call.sig : gen::ReplacementId(m.call.sig, m.r);
}

backend::OverlaySpec MakeOverlaySpec(const CompiledHierarchy& ch, const OverlayRequest& r, void* instance) {
  backend::OverlaySpec spec;
  spec.instance = instance;
  spec.class_name = ch.ns + "::" + gen::ClassName(r.reflected);
  for (const ReplacedMethod& m : r.methods) {
    spec.methods.push_back({gen::MethodSpelling(ch.model, m.call.name, m.call.sig), ch.Stub(ReplacementStub(ch, m))});
  }
  spec.extra_slots = r.extra;
  return spec;
}

std::string ReplacementsCxx(const CompiledHierarchy& ch, const OverlayRequest& r) {
  const std::string cls = ch.ns + "::" + gen::ClassName(r.reflected);
  std::string out;
  for (const ReplacedMethod& m : r.methods) {
    out += "{@SLOT(" + cls + "|" + gen::MethodSpelling(ch.model, m.call.name, m.call.sig) + ")@, (void*)&" +
           ReplacementStub(ch, m) + "}, ";
  }
  return out;
}

CallExpectation ExpectedAnswer(const gen::Expected& e, const void* original_self, const ReplacedMethod* winner,
                               const void* winner_self) {
  const CallExpectation::Answer original{e.impl_id, original_self, false};
  if (winner == nullptr) return CallExpectation(original);
  const CallExpectation::Answer replaced{ReplacementImplId(*winner), winner_self, winner->r == kThrowingReplacement,
                                        /*replacement=*/true};
  return e.may_devirtualize ? CallExpectation(replaced, original) : CallExpectation(replaced);
}

std::string CookieCxx(size_t object, size_t overlay, size_t slot) {
  return "(void*)" + std::to_string(reinterpret_cast<uintptr_t>(Cookie(object, overlay, slot)));
}

}  // namespace vto::harness
