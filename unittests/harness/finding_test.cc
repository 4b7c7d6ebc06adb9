// finding_test.cc — keep-going (harness/finding.h): an oracle failure is recorded, its input
// saved, and the next input runs in the same process — on the dispatch and lifecycle
// scenarios with deliberately broken backends — while failures where unwinding is unsafe
// still abort.
#include <gtest/gtest.h>

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "backend/builtin_backend.h"
#include "harness/dispatch_scenario.h"
#include "harness/failure.h"
#include "harness/finding.h"
#include "harness/hierarchy_cache.h"
#include "harness/lifecycle_scenario.h"
#include "seed_corpus.h"
#include "temp_dir.h"
#include "test_backend.h"

namespace vto::harness {
namespace {

std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') out.push_back(dir + "/" + e->d_name);
    }
    closedir(d);
  }
  return out;
}

std::vector<uint8_t> Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs every input in its own FindingScope, as the fuzz targets do; counts the kept findings.
template <typename Runner>
std::pair<int, int> RunKeepingGoing(Runner& runner, const std::vector<std::vector<uint8_t>>& seeds) {
  int kept = 0, clean = 0;
  for (const auto& s : seeds) {
    FindingScope scope(s.data(), s.size());
    try {
      runner.Run(s.data(), s.size());
      ++clean;
    } catch (const OracleFinding&) {
      ++kept;
    }
  }
  return {kept, clean};
}

// Checks the saved artifacts: crash-<sha1 of the input>, each one of `seeds`.
void ExpectArtifactsAreInputs(const std::string& dir, const std::vector<std::vector<uint8_t>>& seeds, uint64_t saved) {
  const std::vector<std::string> files = Files(dir);
  EXPECT_EQ(files.size(), saved);
  std::set<std::vector<uint8_t>> inputs(seeds.begin(), seeds.end());
  for (const std::string& f : files) {
    const std::vector<uint8_t> bytes = Read(f);
    EXPECT_EQ(inputs.count(bytes), 1u) << f;
    EXPECT_EQ(f.substr(f.rfind('/') + 1), "crash-" + Sha1Hex(bytes.data(), bytes.size()));
  }
}

TEST(Finding, KindTakesEveryValueOut) {
  EXPECT_EQ(FindingKind("hierarchy h3: call of m1 on 0x55ab through C2*: got 7, expected 12\n--- context ---"),
            "hierarchy #: call of # on # through #*: got #, expected #");
  EXPECT_EQ(FindingKind("teardown of a live overlay: got kDetached"), "teardown of a live overlay: got kDetached");
}

TEST(Finding, Sha1MatchesTheStandardsVectors) {
  auto sha = [](const std::string& s) { return Sha1Hex(reinterpret_cast<const uint8_t*>(s.data()), s.size()); };
  EXPECT_EQ(sha(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(sha("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");  // 56 bytes: the padding takes a second block
}

// Install applies only the first replacement of a request (dispatch_test's fault 1).
int InstallFirstOnly(vto_backend* b, const vto_backend_request* req, uint64_t* h, char* msg, size_t n) {
  vto_backend_request copy = *req;
  copy.num_methods = req->num_methods > 1 ? 1 : req->num_methods;
  return backend::BuiltinBackendApi()->install(b, &copy, h, msg, n);
}
// Abandon reports kRestored (lifecycle_test's broken backend 1).
int AbandonSaysRestored(vto_backend* b, uint64_t h) {
  const int r = backend::BuiltinBackendApi()->abandon(b, h);
  return r == static_cast<int>(TeardownResult::kAbandoned) ? static_cast<int>(TeardownResult::kRestored) : r;
}

TEST(KeepGoing, DispatchRecordsEachFailureAndRunsTheNextInput) {
  const std::string dir = TempDir("vto-finding");
  EnableKeepGoing(100000, dir + "/");
  const FindingStats before = KeptFindings();
  std::unique_ptr<backend::Backend> b =
      OpenTestBackend(PatchedBuiltin([](vto_backend_api& a) { a.install = &InstallFirstOnly; }));
  ASSERT_NE(b, nullptr);
  Options options;
  HierarchyCache cache(*b, options);
  DispatchRunner runner(*b, cache, options);
  const std::vector<std::vector<uint8_t>> seeds = ReadSeedCorpus("fuzz_dispatch");
  const auto [kept, clean] = RunKeepingGoing(runner, seeds);
  EnableKeepGoing(0, "");
  EXPECT_GT(kept, 5);
  EXPECT_GT(clean, kept);  // inputs after the first failure ran, and passed where they could
  const FindingStats after = KeptFindings();
  EXPECT_EQ(after.findings - before.findings, static_cast<uint64_t>(kept));
  EXPECT_GE(after.saved - before.saved, 1u);
  EXPECT_LT(after.saved - before.saved, static_cast<uint64_t>(kept));  // two per kind, the rest counted
  ExpectArtifactsAreInputs(dir, seeds, after.saved - before.saved);
}

TEST(KeepGoing, LifecycleRecordsEachFailureAndRunsTheNextInput) {
  const std::string dir = TempDir("vto-finding");
  EnableKeepGoing(100000, dir + "/");
  const FindingStats before = KeptFindings();
  std::unique_ptr<backend::Backend> b =
      OpenTestBackend(PatchedBuiltin([](vto_backend_api& a) { a.abandon = &AbandonSaysRestored; }));
  ASSERT_NE(b, nullptr);
  Options options;
  HierarchyCache cache(*b, options, /*lifecycle_kit=*/true);
  LifecycleRunner runner(*b, cache, options);
  std::vector<std::vector<uint8_t>> seeds = ReadSeedCorpus("fuzz_lifecycle");
  seeds.resize(std::min<size_t>(seeds.size(), 120));
  const auto [kept, clean] = RunKeepingGoing(runner, seeds);
  EnableKeepGoing(0, "");
  EXPECT_GT(kept, 5);
  EXPECT_GT(clean, 0);
  EXPECT_EQ(KeptFindings().findings - before.findings, static_cast<uint64_t>(kept));
  ExpectArtifactsAreInputs(dir, seeds, KeptFindings().saved - before.saved);
}

TEST(KeepGoing, AbortsWhereUnwindingIsNotSafe) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const uint8_t input[] = {1, 2, 3};
  const std::string dir = TempDir("vto-finding");
  // Inside harness code called from JIT'd code or a destroy callback.
  EXPECT_DEATH(
      {
        EnableKeepGoing(10, dir + "/");
        FindingScope scope(input, sizeof input);
        NoUnwindScope no_unwind;
        Fail("inside a callback");
      },
      "VTO ORACLE FAILURE: inside a callback");
  // On a thread that runs no input, and with keep-going off.
  EXPECT_DEATH(
      {
        EnableKeepGoing(10, dir + "/");
        Fail("no input");
      },
      "VTO ORACLE FAILURE: no input");
  EXPECT_DEATH(
      {
        EnableKeepGoing(0, "");
        FindingScope scope(input, sizeof input);
        Fail("keep-going off");
      },
      "VTO ORACLE FAILURE: keep-going off");
  // A second failure of an input that already failed, and past the limit.
  EXPECT_DEATH(
      {
        EnableKeepGoing(10, dir + "/");
        FindingScope scope(input, sizeof input);
        try {
          Fail("first");
        } catch (const OracleFinding&) {
        }
        Fail("second");
      },
      "VTO FINDING: Test unit written to .*crash-7037807198c22a7d2b0807371d763779a84fdfcf(.|\n)*"
      "VTO ORACLE FAILURE: second");
  EXPECT_DEATH(
      {
        EnableKeepGoing(1, dir + "/");
        for (int i = 0; i < 2; ++i) {
          FindingScope scope(input, sizeof input);
          try {
            Fail("again");
          } catch (const OracleFinding&) {
          }
        }
      },
      "1 findings recorded, the limit of --vto-keep_going: this one ends the run");
}

}  // namespace
}  // namespace vto::harness
