// race_test.cc — the fuzz_race scenario end to end: the seed corpus is clean on the built-in
// backend and exercises every kind of race the scenario plans (both outcomes of the defined
// race, callbacks waiting for the collector, pairs on one object, Abandon); deliberately
// broken backends are found; and the worker pool runs each job on its own persistent thread.
// Under the tsan preset ThreadSanitizer also checks the library and the harness.
#include <gtest/gtest.h>


#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "backend/backend.h"
#include "backend/builtin_backend.h"
#include "harness/hierarchy_cache.h"
#include "seed_corpus.h"
#include "test_backend.h"
#include "harness/race_scenario.h"
#include "harness/transcript.h"
#include "harness/worker_pool.h"
#include "interp/interpreter.h"
#include "overlay/status.h"

namespace vto::harness {
namespace {

std::vector<std::vector<uint8_t>> Seeds() { return ReadSeedCorpus("fuzz_race"); }

// Runs every seed through a RaceRunner on `api` (nullptr: the built-in backend).
RaceStats RunSeeds(const vto_backend_api* api) {
  std::unique_ptr<backend::Backend> b = OpenTestBackend(api);
  if (!b) return {};
  Options options;
  options.batch = std::min(options.batch, 1 << options.lifecycle_hierarchy_bits);  // as InitTarget does for fuzz_race
  HierarchyCache cache(*b, options, /*lifecycle_kit=*/false, /*compiler_modes=*/true);
  RaceRunner runner(*b, cache, options);
  std::vector<std::vector<uint8_t>> seeds = Seeds();
  EXPECT_GE(seeds.size(), 16u);
  for (const auto& s : seeds) runner.Run(s.data(), s.size());
  return runner.stats();
}

TEST(RaceScenario, SeedCorpusCleanAndExercisesEveryRace) {
  const RaceStats s = RunSeeds(nullptr);
  EXPECT_EQ(s.no_usable_class, 0u);
  EXPECT_GT(s.objects, 50u);
  EXPECT_GT(s.handoffs, 100u);            // objects moved between threads
  EXPECT_GT(s.same_object_groups, 20u);   // P19 pairs
  EXPECT_GT(s.sequenced_groups, 5u);      // ... some run in their planned order
  EXPECT_LT(s.sequenced_groups, s.same_object_groups);  // ... and some left to real time
  EXPECT_GT(s.calls_checked, 200u);
  EXPECT_GT(s.hooked_deaths, 5u);
  EXPECT_GT(s.defined_races, 5u);         // P20
  EXPECT_GT(s.race_destroyed, 0u);        // ... both outcomes
  EXPECT_GT(s.race_cancelled, 0u);
  EXPECT_GT(s.blocked_callbacks, 0u);     // callbacks that waited for the collector
  EXPECT_GT(s.abandons, 0u);
  EXPECT_GT(s.on_multi_vptr, 0u);         // layouts the built-in backend claims (P23-P26)
  EXPECT_GT(s.on_virtual_bases, 0u);
  EXPECT_GT(s.at_subobject, 0u);
  EXPECT_GT(s.reflected_off_primary, 0u);
}

// Broken backend 1: a teardown during the defined race reports kCancelled although the
// overlay's callback ran (it relabels kObjectDestroyed).
int TeardownNeverDestroyed(vto_backend* b, uint64_t h) {
  int r = backend::BuiltinBackendApi()->teardown(b, h);
  return r == static_cast<int>(TeardownResult::kObjectDestroyed) ? static_cast<int>(TeardownResult::kCancelled) : r;
}
// Broken backend 2: a teardown during the defined race reports kObjectDestroyed although it
// cancelled the overlay, whose callback then never runs (it relabels kCancelled).
int TeardownNeverCancelled(vto_backend* b, uint64_t h) {
  int r = backend::BuiltinBackendApi()->teardown(b, h);
  return r == static_cast<int>(TeardownResult::kCancelled) ? static_cast<int>(TeardownResult::kObjectDestroyed) : r;
}

TEST(RaceScenario, FindsBackendThatMislabelsTeardownDuringDestruction) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const vto_backend_api* api = PatchedBuiltin([](vto_backend_api& a) { a.teardown = &TeardownNeverDestroyed; });
  EXPECT_DEATH(RunSeeds(api), "VTO ORACLE FAILURE: .*(expected kObjectDestroyed|fired 1 times|never if kCancelled: got 1, expected 0)");
}

TEST(RaceScenario, FindsBackendThatMislabelsCancelledTeardown) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const vto_backend_api* api = PatchedBuiltin([](vto_backend_api& a) { a.teardown = &TeardownNeverCancelled; });
  EXPECT_DEATH(RunSeeds(api), "VTO ORACLE FAILURE: .*(expected kCancelled|fired 0 times|never if kCancelled: got 0, expected 1)");
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// With a transcript (ci/repro), every seed's run is written down as threads: one std::thread
// per worker, joined; every planned operation between an Await and a Done of its object; the
// checks after the joins, ending with the live-overlay count.
TEST(RaceScenario, TranscribesEachWorkerAsAThreadAndChecksAfterTheJoins) {
  std::unique_ptr<backend::Backend> b = OpenTestBackend(nullptr);
  ASSERT_NE(b, nullptr);
  Options options;
  options.batch = std::min(options.batch, 1 << options.lifecycle_hierarchy_bits);  // as InitTarget does
  HierarchyCache cache(*b, options, /*lifecycle_kit=*/false, /*compiler_modes=*/true);
  RaceRunner runner(*b, cache, options);
  std::vector<std::vector<uint8_t>> seeds = Seeds();
  ASSERT_FALSE(seeds.empty());
  size_t defined_races = 0;
  for (const auto& seed : seeds) {
    Transcript tx;
    const uint64_t handoffs = runner.stats().handoffs, races = runner.stats().defined_races;
    const uint64_t sequenced = runner.stats().sequenced_groups;
    runner.Run(seed.data(), seed.size(), &tx);
    const std::string text = tx.Render();
    const size_t threads = Count(text, "std::thread thread_");
    EXPECT_GE(threads, 2u);
    EXPECT_LE(threads, static_cast<size_t>(RaceRunner::kMaxThreads));
    EXPECT_EQ(Count(text, ".join();"), threads);
    EXPECT_GT(Count(text, "vto_repro::Await(RO["), 0u);
    EXPECT_EQ(Count(text, "vto_repro::Await(RO["), Count(text, "vto_repro::Done(RO["));
    EXPECT_EQ(Count(text, "vto_repro::AwaitTrigger("), runner.stats().defined_races - races);
    EXPECT_EQ(Count(text, "vto_repro::AfterFirst(RO["), runner.stats().sequenced_groups - sequenced);
    EXPECT_EQ(Count(text, "vto_repro::FirstReturned(RO["), runner.stats().sequenced_groups - sequenced);
    defined_races += runner.stats().defined_races - races;
    if (runner.stats().handoffs > handoffs) EXPECT_GT(threads, 1u);
    const size_t last_join = text.rfind(".join();");
    EXPECT_NE(text.find("VTO_EXPECT(H[", last_join), std::string::npos) << "no install checked after the joins";
    EXPECT_GT(text.find("VTO_EXPECT("), last_join) << "a check before the joins";
    EXPECT_NE(text.rfind("VTO_EXPECT(vto_repro::Live() == live_base"), std::string::npos);
    EXPECT_EQ(tx.declarations().size(), 6u);
  }
  EXPECT_GT(defined_races, 0u);
}

TEST(WorkerPool, RunsEachJobOnItsOwnPersistentThreadAndWaits) {
  WorkerPool pool(4);
  ASSERT_EQ(pool.size(), 4);
  std::vector<std::thread::id> first(4), again(4);
  std::atomic<int> ran{0};
  auto round = [&](std::vector<std::thread::id>& ids) {
    std::vector<std::function<void()>> jobs;
    for (int i = 0; i < 4; ++i) {
      jobs.push_back([&, i] {
        ids[static_cast<size_t>(i)] = std::this_thread::get_id();
        ran.fetch_add(1);
      });
    }
    pool.RunRound(jobs);
  };
  round(first);
  EXPECT_EQ(ran.load(), 4);  // every job returned before RunRound did
  round(again);
  EXPECT_EQ(ran.load(), 8);
  EXPECT_EQ(std::set<std::thread::id>(first.begin(), first.end()).size(), 4u);
  EXPECT_EQ(first, again);  // the same threads, not new ones
  EXPECT_EQ(std::count(first.begin(), first.end(), std::this_thread::get_id()), 0);
  // Fewer jobs than workers, and empty jobs, leave workers idle.
  pool.RunRound({[&] { ran.fetch_add(1); }, nullptr});
  EXPECT_EQ(ran.load(), 9);
}

}  // namespace
}  // namespace vto::harness
