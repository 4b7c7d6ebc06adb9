// contract_rules_test.cc — the contract's rules the oracles apply (harness/contract_rules.h),
// each against the words of docs/CONTRACT.md.
#include "harness/contract_rules.h"

#include <gtest/gtest.h>

namespace vto::harness {
namespace {

TEST(ContractRules, InstallVerdict) {
  // Within every capability: a refusal is a bug.
  EXPECT_EQ(ExpectedInstall("", /*hook=*/false, /*virtual_dtor=*/false, /*subobject=*/true, false),
            InstallVerdict::kMustInstall);
  EXPECT_EQ(ExpectedInstall("", true, true, true, false), InstallVerdict::kMustInstall);
  // A missing capability lets the backend refuse.
  EXPECT_EQ(ExpectedInstall(" stacking", false, true, true, false), InstallVerdict::kMayRefuse);
  EXPECT_EQ(ExpectedInstall(" multiple-vptrs", false, true, true, false), InstallVerdict::kMayRefuse);
  // A hook that can never fire must be refused, whatever the capabilities.
  EXPECT_EQ(ExpectedInstall("", true, false, true, false), InstallVerdict::kMustRefuse);
  EXPECT_EQ(ExpectedInstall(" destroy-hook", true, false, true, false), InstallVerdict::kMustRefuse);
  // No reflected subobject (R11, R18): refused, whatever the capabilities.
  EXPECT_EQ(ExpectedInstall("", false, true, false, false), InstallVerdict::kMustRefuse);
  EXPECT_EQ(ExpectedInstall(" multiple-vptrs virtual-bases", false, true, false, false), InstallVerdict::kMustRefuse);
  // A final dynamic type whose code compares vptrs (R13): refused, whatever else.
  EXPECT_EQ(ExpectedInstall("", false, true, true, /*assumes_vptr_identity=*/true), InstallVerdict::kMustRefuse);
  EXPECT_EQ(ExpectedInstall(" stacking", true, true, true, true), InstallVerdict::kMustRefuse);
  // R19: a replacement for an overrider whose returned pointer an entry adjusts.
  EXPECT_EQ(ExpectedInstall("", false, true, true, false, /*replaces_return_adjusted=*/true), InstallVerdict::kMustRefuse);
  EXPECT_EQ(ExpectedInstall(" stacking", false, true, true, false, true), InstallVerdict::kMustRefuse);
  EXPECT_EQ(ExpectedInstall("", false, true, true, false, false), InstallVerdict::kMustInstall);
  EXPECT_STREQ(InstallVerdictCxx(InstallVerdict::kMustRefuse), "VTO_MUST_REFUSE");
  EXPECT_STREQ(InstallVerdictCxx(InstallVerdict::kMayRefuse), "VTO_MAY_REFUSE");
  EXPECT_STREQ(InstallVerdictCxx(InstallVerdict::kMustInstall), "VTO_MUST_INSTALL");
}

TEST(ContractRules, ReflectedSubobject) {
  auto ReflectedAt = [](std::vector<std::ptrdiff_t> offsets, std::ptrdiff_t instance_offset) {
    return ReflectedSubobject(offsets.data(), offsets.size(), instance_offset);
  };
  // P23: the subobject at the instance pointer ...
  EXPECT_EQ(ReflectedAt({0, 16, 32}, 16), 1);
  EXPECT_EQ(ReflectedAt({0, 16, 32}, 0), 0);  // a repeated class, one of them at the complete object
  // ... else the only one, wherever the pointer is.
  EXPECT_EQ(ReflectedAt({24}, 0), 0);
  EXPECT_EQ(ReflectedAt({24}, 8), 0);
  // R18: repeated, the pointer at none of them.
  EXPECT_EQ(ReflectedAt({8, 24}, 0), -1);
  EXPECT_EQ(ReflectedAt({8, 24}, 16), -1);
  // R11: no subobject of the class at all.
  EXPECT_EQ(ReflectedAt({}, 0), -1);
}

TEST(ContractRules, VisibleDestruction) {
  // Through a static type S: virtual unless S is final (then the call is devirtualized).
  EXPECT_TRUE(DeathIsVisible({DeathRoute::kThroughStaticType, false, false, false}));
  EXPECT_FALSE(DeathIsVisible({DeathRoute::kThroughStaticType, true, true, false}));
  // Through the dynamic type's pointer: only with a virtual destructor and a non-final type.
  EXPECT_TRUE(DeathIsVisible({DeathRoute::kThroughDynamicType, false, true, false}));
  EXPECT_FALSE(DeathIsVisible({DeathRoute::kThroughDynamicType, false, false, false}));
  EXPECT_FALSE(DeathIsVisible({DeathRoute::kThroughDynamicType, false, true, true}));
  // Scope end, unwinding, qualified destructor calls, delete[]: never.
  EXPECT_FALSE(DeathIsVisible({DeathRoute::kNotThroughVtable, false, true, false}));
}

TEST(ContractRules, TeardownResults) {
  EXPECT_EQ(ExpectedTeardown(HandleState::kActive, true), TeardownResult::kRestored);
  EXPECT_EQ(ExpectedTeardown(HandleState::kActive, false), TeardownResult::kDetached);
  EXPECT_EQ(ExpectedTeardown(HandleState::kDiedHooked, false), TeardownResult::kObjectDestroyed);
  EXPECT_EQ(ExpectedTeardown(HandleState::kDetachedAfterAbandon, false), TeardownResult::kDetached);
  EXPECT_EQ(ExpectedTeardown(HandleState::kClosed, true), TeardownResult::kAlreadyTornDown);
  EXPECT_EQ(ExpectedTeardown(HandleState::kClosed, false), TeardownResult::kAlreadyTornDown);
  EXPECT_EQ(ExpectedAfterUnseenDeath(false), TeardownResult::kAbandoned);
  EXPECT_EQ(ExpectedAfterUnseenDeath(true), TeardownResult::kDetached);
  EXPECT_EQ(kInHookFirstRelease, TeardownResult::kObjectDestroyed);
  EXPECT_EQ(kInHookSecondRelease, TeardownResult::kAlreadyTornDown);
}

TEST(ContractRules, DefinedRace) {
  using R = TeardownResult;
  // The trigger's callback had begun: its own overlay and every overlay above it fired.
  EXPECT_EQ(DefinedRaceAllows({true, 2, 2, false}).allowed, std::vector<R>{R::kObjectDestroyed});
  EXPECT_EQ(DefinedRaceAllows({true, 2, 2, true}).allowed, std::vector<R>{R::kObjectDestroyed});
  EXPECT_EQ(DefinedRaceAllows({false, 3, 2, true}).allowed, std::vector<R>{R::kObjectDestroyed});
  // Below a trigger that waits for the collector, no callback can have begun.
  const RaceVerdict below_blocked = DefinedRaceAllows({false, 1, 2, true});
  EXPECT_EQ(below_blocked.allowed, std::vector<R>{R::kCancelled});
  EXPECT_FALSE(below_blocked.why.empty());
  // Otherwise either outcome, and the reason is the race itself.
  const RaceVerdict free = DefinedRaceAllows({false, 1, 2, false});
  EXPECT_EQ(free.allowed, (std::vector<R>{R::kObjectDestroyed, R::kCancelled}));
  EXPECT_TRUE(free.why.empty());
  EXPECT_EQ(DefinedRaceAllows({false, 2, 2, true}).allowed.size(), 2u);  // a pair shares the trigger's rank
  EXPECT_EQ(HookCallsAfterRace(R::kObjectDestroyed), 1);
  EXPECT_EQ(HookCallsAfterRace(R::kCancelled), 0);
}

}  // namespace
}  // namespace vto::harness
