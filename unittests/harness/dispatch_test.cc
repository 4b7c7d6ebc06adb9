// dispatch_test.cc — the fuzz_dispatch scenario end to end: clean on the built-in backend,
// and it FINDS deliberately broken backends (a harness that cannot fail proves nothing).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "backend/builtin_backend.h"
#include "harness/dispatch_scenario.h"
#include "harness/hierarchy_cache.h"
#include "harness/refusal_probes.h"
#include "overlay/overlay.h"
#include "overlay/status.h"
#include "seed_corpus.h"
#include "test_backend.h"
#include "interp/interpreter.h"

namespace vto::harness {
namespace {

std::vector<std::vector<uint8_t>> Seeds() { return ReadSeedCorpus("fuzz_dispatch"); }

// Runs every seed through a DispatchRunner on `api` (nullptr: the built-in backend), the
// slot-level refusal probes calling `probe_install`.
void RunSeeds(const vto_backend_api* api, InstallFn probe_install = &Install) {
  std::unique_ptr<backend::Backend> b = OpenTestBackend(api);
  ASSERT_NE(b, nullptr);
  Options options;
  HierarchyCache cache(*b, options, /*lifecycle_kit=*/false, /*compiler_modes=*/true);  // as fuzz_dispatch
  DispatchRunner runner(*b, cache, options);
  runner.set_probe_install(probe_install);
  std::vector<std::vector<uint8_t>> seeds = Seeds();
  ASSERT_GE(seeds.size(), 30u);
  for (const auto& s : seeds) runner.Run(s.data(), s.size());
  EXPECT_GT(runner.stats().overlays, 0u);
  EXPECT_GT(runner.stats().calls_checked, 500u);
  if (api == nullptr) EXPECT_GT(runner.stats().refusal_probes, runner.stats().inputs);  // each kind on ~1/4 of inputs
  if (api == nullptr) EXPECT_GT(runner.stats().shapes_checked, runner.stats().inputs / 2);  // shape_check.h: a polymorphic first object
  if (api == nullptr) {
    // Every layout the built-in backend claims (CONTRACT P23-P26): installs on objects with
    // several vptrs and virtual bases, through subobject pointers, for secondary bases.
    EXPECT_GT(runner.stats().on_multi_vptr, 0u);
    EXPECT_GT(runner.stats().on_virtual_bases, 0u);
    EXPECT_GT(runner.stats().at_subobject, 0u);
    EXPECT_GT(runner.stats().reflected_off_primary, 0u);
  }
}

// Fault 1: install applies only the first replacement of a request.
int InstallFirstOnly(vto_backend* b, const vto_backend_request* req, uint64_t* h, char* msg, size_t n) {
  vto_backend_request copy = *req;
  copy.num_methods = req->num_methods > 1 ? 1 : req->num_methods;
  return backend::BuiltinBackendApi()->install(b, &copy, h, msg, n);
}
// Fault 2: teardown reports success but leaves the overlay installed.
int TeardownNothing(vto_backend*, uint64_t) { return 0; }


// A library that lets one kind of forbidden request through: where it refuses with S, it
// reports success instead (and installs nothing).
template <Status S>
InstallResult LetsThrough(const InstallRequest& request, const ShapeResolver& resolver) {
  InstallResult r = Install(request, resolver);
  if (r.status == S) {
    r.status = Status::kOk;
    r.message.clear();
  }
  return r;
}

TEST(DispatchScenario, SeedCorpusCleanOnBuiltinBackend) { RunSeeds(nullptr); }

// Each refusal R2-R9, R13 and R18 is asked for by some committed input, and expected exactly.
TEST(DispatchScenario, RefusalProbesFindALibraryThatLetsEachForbiddenRequestThrough) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(RunSeeds(nullptr, &LetsThrough<Status::kNullShape>), "VTO ORACLE FAILURE: .*R2: .*kNullShape");
  EXPECT_DEATH(RunSeeds(nullptr, &LetsThrough<Status::kNotPolymorphic>), "VTO ORACLE FAILURE: .*R3: .*kNotPolymorphic");
  EXPECT_DEATH(RunSeeds(nullptr, &LetsThrough<Status::kSlotOutOfRange>), "VTO ORACLE FAILURE: .*R4: .*kSlotOutOfRange");
  EXPECT_DEATH(RunSeeds(nullptr, &LetsThrough<Status::kDestructorSlot>), "VTO ORACLE FAILURE: .*R5: .*kDestructorSlot");
  EXPECT_DEATH(RunSeeds(nullptr, &LetsThrough<Status::kDuplicateSlot>), "VTO ORACLE FAILURE: .*R6: .*kDuplicateSlot");
  EXPECT_DEATH(RunSeeds(nullptr, &LetsThrough<Status::kNullReplacement>),
               "VTO ORACLE FAILURE: .*R7: .*kNullReplacement");
  EXPECT_DEATH(RunSeeds(nullptr, &LetsThrough<Status::kExtraSlotsOverflow>),
               "VTO ORACLE FAILURE: .*R8: .*kExtraSlotsOverflow");
  EXPECT_DEATH(RunSeeds(nullptr, &LetsThrough<Status::kNoVirtualDestructor>),
               "VTO ORACLE FAILURE: .*R9: .*kNoVirtualDestructor");
  EXPECT_DEATH(RunSeeds(nullptr, &LetsThrough<Status::kAmbiguousSubobject>),
               "VTO ORACLE FAILURE: .*R18: .*kAmbiguousSubobject");
  EXPECT_DEATH(RunSeeds(nullptr, &LetsThrough<Status::kVptrIdentityAssumed>),
               "VTO ORACLE FAILURE: .*R13: .*final and compiled in -O[12] -fassume-unique-vtables.*kVptrIdentityAssumed");
}

TEST(DispatchScenario, FindsBackendThatDropsReplacements) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const vto_backend_api* api = PatchedBuiltin([](vto_backend_api& a) { a.install = &InstallFirstOnly; });
  EXPECT_DEATH(RunSeeds(api), "VTO ORACLE FAILURE: .*expected replacement id");
}

TEST(DispatchScenario, FindsBackendWhoseTeardownDoesNothing) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const vto_backend_api* api = PatchedBuiltin([](vto_backend_api& a) { a.teardown = &TeardownNothing; });
  EXPECT_DEATH(RunSeeds(api), "VTO ORACLE FAILURE: .*teardown");
}

}  // namespace
}  // namespace vto::harness
