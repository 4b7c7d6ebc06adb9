// contract_rules.cc — the contract's rules the oracles apply (contract_rules.h).
#include "harness/contract_rules.h"

namespace vto::harness {

int ReflectedSubobject(const std::ptrdiff_t* offsets_of_reflected, size_t count, std::ptrdiff_t instance_offset) {
  for (size_t i = 0; i < count; ++i) {
    if (offsets_of_reflected[i] == instance_offset) return static_cast<int>(i);
  }
  return count == 1 ? 0 : -1;
}

InstallVerdict ExpectedInstall(const std::string& missing_capabilities, bool hook, bool reflected_has_virtual_dtor,
                               bool has_reflected_subobject, bool dynamic_type_assumes_vptr_identity,
                               bool replaces_return_adjusted) {
  if (!has_reflected_subobject) return InstallVerdict::kMustRefuse;
  if (dynamic_type_assumes_vptr_identity) return InstallVerdict::kMustRefuse;
  if (replaces_return_adjusted) return InstallVerdict::kMustRefuse;
  if (hook && !reflected_has_virtual_dtor) return InstallVerdict::kMustRefuse;
  if (!missing_capabilities.empty()) return InstallVerdict::kMayRefuse;
  return InstallVerdict::kMustInstall;
}

const char* InstallVerdictCxx(InstallVerdict v) {
  switch (v) {
    case InstallVerdict::kMustInstall: return "VTO_MUST_INSTALL";
    case InstallVerdict::kMayRefuse: return "VTO_MAY_REFUSE";
    case InstallVerdict::kMustRefuse: return "VTO_MUST_REFUSE";
  }
  return "?";
}

bool DeathIsVisible(const DeathFacts& d) {
  switch (d.route) {
    case DeathRoute::kThroughStaticType: return !d.static_type_final;
    case DeathRoute::kThroughDynamicType: return d.dynamic_virtual_dtor && !d.dynamic_type_final;
    case DeathRoute::kNotThroughVtable: return false;
  }
  return false;
}

TeardownResult ExpectedTeardown(HandleState state, bool object_alive) {
  switch (state) {
    case HandleState::kActive: return object_alive ? TeardownResult::kRestored : TeardownResult::kDetached;
    case HandleState::kDiedHooked: return TeardownResult::kObjectDestroyed;
    case HandleState::kDetachedAfterAbandon: return TeardownResult::kDetached;
    case HandleState::kClosed: return TeardownResult::kAlreadyTornDown;
  }
  return TeardownResult::kAlreadyTornDown;
}

TeardownResult ExpectedAfterUnseenDeath(bool teardown_instead_of_abandon) {
  return teardown_instead_of_abandon ? TeardownResult::kDetached : TeardownResult::kAbandoned;
}

RaceVerdict DefinedRaceAllows(const RaceFacts& f) {
  // The trigger's callback had begun before the collector started; overlays above it fired
  // (or were removed) before it.
  if (f.is_trigger) return {{TeardownResult::kObjectDestroyed}, "its own callback had begun"};
  if (f.rank > f.trigger_rank) return {{TeardownResult::kObjectDestroyed}, "the trigger's callback below it had begun"};
  // Below a trigger that waits for the collector, no callback can have begun yet.
  if (f.rank < f.trigger_rank && f.trigger_blocks) {
    return {{TeardownResult::kCancelled}, "the trigger's callback above it waited for the collector"};
  }
  return {{TeardownResult::kObjectDestroyed, TeardownResult::kCancelled}, ""};
}

int HookCallsAfterRace(TeardownResult collector_result) {
  return collector_result == TeardownResult::kObjectDestroyed ? 1 : 0;
}

}  // namespace vto::harness
