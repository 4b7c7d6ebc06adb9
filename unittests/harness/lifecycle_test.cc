// lifecycle_test.cc — the fuzz_lifecycle scenario end to end: its committed inputs are clean
// on the built-in backend and together reach every kind of outcome the scenario has (each
// counter of stats.def for fuzz_lifecycle moves); deliberately broken backends are found;
// and with a transcript the same run is written down with the checks it made.
#include <gtest/gtest.h>

#include <string>
#include <typeinfo>
#include <vector>

#include "backend/backend.h"
#include "backend/builtin_backend.h"
#include "overlay/class_shape.h"
#include "harness/hierarchy_cache.h"
#include "harness/lifecycle_scenario.h"
#include "harness/transcript.h"
#include "overlay/status.h"
#include "seed_corpus.h"
#include "test_backend.h"

namespace vto::harness {
namespace {

// Runs the first `limit` committed inputs through a LifecycleRunner on `api` (nullptr: the
// built-in backend).
LifecycleStats RunSeeds(const vto_backend_api* api, size_t limit = SIZE_MAX) {
  std::unique_ptr<backend::Backend> b = OpenTestBackend(api);
  if (!b) return {};
  Options options;
  HierarchyCache cache(*b, options, /*lifecycle_kit=*/true, /*compiler_modes=*/true);  // as fuzz_lifecycle
  LifecycleRunner runner(*b, cache, options);
  const std::vector<std::vector<uint8_t>> seeds = ReadSeedCorpus("fuzz_lifecycle");
  EXPECT_GE(seeds.size(), 100u);
  for (size_t i = 0; i < seeds.size() && i < limit; ++i) runner.Run(seeds[i].data(), seeds[i].size());
  return runner.stats();
}

TEST(LifecycleScenario, CommittedInputsCleanAndEveryOutcomeOccurs) {
  const LifecycleStats s = RunSeeds(nullptr);
#define VTO_LIFECYCLE_STAT(name, help) EXPECT_GT(s.name, 0u) << #name ": " help;
#include "harness/stats.def"
  EXPECT_GT(s.calls_checked, 10 * s.inputs);
  EXPECT_GT(s.stacked, s.overlays / 10);
  EXPECT_GT(s.invisible_deaths, s.visible_deaths);  // most deaths cannot be seen: Abandon's reason to exist
}

// Broken backend 1: Abandon reports kRestored (a binding would think it rewrote a dead object).
int AbandonSaysRestored(vto_backend* b, uint64_t h) {
  const int r = backend::BuiltinBackendApi()->abandon(b, h);
  return r == static_cast<int>(TeardownResult::kAbandoned) ? static_cast<int>(TeardownResult::kRestored) : r;
}
// Broken backend 2: installs forget the destroy hook, so no visible death is ever seen (the
// once-per-process P9 probe, whose throwing callback then never runs, notices first).
int InstallWithoutHook(vto_backend* b, const vto_backend_request* req, uint64_t* h, char* msg, size_t n) {
  vto_backend_request copy = *req;
  copy.on_destroy = nullptr;
  copy.user_data = nullptr;
  return backend::BuiltinBackendApi()->install(b, &copy, h, msg, n);
}

// Broken backend 3: the clone's deleting-destructor entry runs the complete-object
// destructor, so `delete p` destroys the object and never frees its storage (a leak that a
// fuzz campaign's detect_leaks=0 would not show). Only on objects with one vptr: elsewhere
// the primary vtable's clone need not hold the destructor slots (an overlay of a secondary
// base), and the write would land past it.
int InstallWhoseDeleteDoesNotFree(vto_backend* b, const vto_backend_request* req, uint64_t* h, char* msg, size_t n) {
  const int r = backend::BuiltinBackendApi()->install(b, req, h, msg, n);
  if (r != 0) return r;
  void** clone = *static_cast<void***>(req->instance);
  const auto* rtti = static_cast<const std::type_info*>(clone[-1]);
  const ClassShape* shape = backend::BuiltinShapes(b)->Find(rtti->name());
  if (shape != nullptr && !shape->has_secondary_vptrs && !shape->has_virtual_bases && shape->complete_dtor_slot >= 0 &&
      shape->deleting_dtor_slot >= 0) {
    clone[shape->deleting_dtor_slot] = clone[shape->complete_dtor_slot];
  }
  return r;
}

TEST(LifecycleScenario, FindsBackendWhoseDeleteDoesNotFree) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const vto_backend_api* api = PatchedBuiltin([](vto_backend_api& a) { a.install = &InstallWhoseDeleteDoesNotFree; });
  EXPECT_DEATH(RunSeeds(api), "VTO ORACLE FAILURE: .*the storage of .*(was freed exactly once by "
                              "LcX_C[0-9]+::operator delete|is still allocated) after it died by");
}

TEST(LifecycleScenario, FindsBackendWhoseAbandonLies) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const vto_backend_api* api = PatchedBuiltin([](vto_backend_api& a) { a.abandon = &AbandonSaysRestored; });
  EXPECT_DEATH(RunSeeds(api), "VTO ORACLE FAILURE: .*Abandon after the unseen death .*got kRestored, expected kAbandoned");
}

TEST(LifecycleScenario, FindsBackendThatDropsDestroyHooks) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const vto_backend_api* api = PatchedBuiltin([](vto_backend_api& a) { a.install = &InstallWithoutHook; });
  EXPECT_DEATH(RunSeeds(api), "VTO ORACLE FAILURE: .*(CONTRACT P9|did not fire)");
}

// With a transcript every check the run made is in the program too: each install, each
// teardown result, each death's hook counts and the live-overlay count after every step.
TEST(LifecycleScenario, TranscribesTheChecksItMakes) {
  std::unique_ptr<backend::Backend> b = OpenTestBackend(nullptr);
  ASSERT_NE(b, nullptr);
  Options options;
  HierarchyCache cache(*b, options, /*lifecycle_kit=*/true, /*compiler_modes=*/true);  // as fuzz_lifecycle
  LifecycleRunner runner(*b, cache, options);
  const std::vector<std::vector<uint8_t>> seeds = ReadSeedCorpus("fuzz_lifecycle");
  ASSERT_FALSE(seeds.empty());
  size_t installs = 0, calls = 0;
  for (size_t i = 0; i < seeds.size() && i < 40; ++i) {
    Transcript tx;
    const LifecycleStats before = runner.stats();
    runner.Run(seeds[i].data(), seeds[i].size(), &tx);
    const std::string text = tx.Render();
    auto count = [&](const std::string& what) {
      size_t n = 0;
      for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
      return n;
    };
    const LifecycleStats& after = runner.stats();
    // Every install attempt is one vto_repro::Install line (installed or refused).
    EXPECT_EQ(count("= vto_repro::Install("), (after.overlays - before.overlays) + (after.refusals - before.refusals));
    // Calls outside hooks are checked in the program; inside hooks the harness checks more.
    EXPECT_LE(count("vto_repro::ExpectCallSeen(") + count("VTO_EXPECT_THROWS("), after.calls_checked - before.calls_checked);
    EXPECT_GE(count("VTO_EXPECT(vto_repro::Live() == live_base"), 1u);
    installs += count("= vto_repro::Install(");
    calls += count("vto_repro::ExpectCallSeen(");
  }
  EXPECT_GT(installs, 0u);
  EXPECT_GT(calls, 0u);
}

}  // namespace
}  // namespace vto::harness
