// overlay_request.cc — drawing and spelling overlay requests (overlay_request.h).
#include "harness/overlay_request.h"

#include "gen/conventions.h"
#include "gen/lifecycle_kit.h"
#include "gen/primary_vtable.h"
#include "gen/stub_names.h"

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
      std::optional<gen::Expected> e;
      if (at.reflected_node >= 0) e = object_tables.ex().CallAt(at.reflected_node, call.name, call.sig);
      r.methods.push_back({call, rn, e});
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
