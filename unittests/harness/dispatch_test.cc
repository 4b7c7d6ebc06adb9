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
#include "seed_corpus.h"
#include "test_backend.h"
#include "interp/interpreter.h"

namespace vto::harness {
namespace {

std::vector<std::vector<uint8_t>> Seeds() { return ReadSeedCorpus("fuzz_dispatch"); }

// Runs every seed through a DispatchRunner on `api` (nullptr: the built-in backend).
void RunSeeds(const vto_backend_api* api) {
  std::unique_ptr<backend::Backend> b = OpenTestBackend(api);
  ASSERT_NE(b, nullptr);
  Options options;
  HierarchyCache cache(*b, options);
  DispatchRunner runner(*b, cache, options);
  std::vector<std::vector<uint8_t>> seeds = Seeds();
  ASSERT_GE(seeds.size(), 30u);
  for (const auto& s : seeds) runner.Run(s.data(), s.size());
  EXPECT_GT(runner.stats().overlays, 0u);
  EXPECT_GT(runner.stats().calls_checked, 500u);
}

// Fault 1: install applies only the first replacement of a request.
int InstallFirstOnly(vto_backend* b, const vto_backend_request* req, uint64_t* h, char* msg, size_t n) {
  vto_backend_request copy = *req;
  copy.num_methods = req->num_methods > 1 ? 1 : req->num_methods;
  return backend::BuiltinBackendApi()->install(b, &copy, h, msg, n);
}
// Fault 2: teardown reports success but leaves the overlay installed.
int TeardownNothing(vto_backend*, uint64_t) { return 0; }


TEST(DispatchScenario, SeedCorpusCleanOnBuiltinBackend) { RunSeeds(nullptr); }

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
