// warm_restart_test.cc — the warm parent (harness/warm_restart.h): each child returns from
// ServeWarmRestarts with libFuzzer's argv rewritten for the time left; a child that crashes
// with a new artifact is followed by the next one, a child that crashes without one (the same
// input again) ends it with the child's status, and a child that exits 0 ends it with 0.
#include <gtest/gtest.h>

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "harness/warm_restart.h"
#include "temp_dir.h"

namespace vto::harness {
namespace {

int CountFiles(const std::string& dir) {
  int n = 0;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
    closedir(d);
  }
  return n;
}

// Runs ServeWarmRestarts as a fuzzer would (in the death test's child process); each of its
// children then runs `child(argv)` with the rewritten arguments.
template <typename Child>
void Serve(const std::string& dir, Child child, const std::string& corpus = "corpus") {
  static std::vector<std::string> args;
  args = {"fuzzer", "-max_total_time=600", "-artifact_prefix=" + dir + "/", corpus};
  static std::vector<char*> ptrs;
  ptrs.clear();
  for (std::string& a : args) ptrs.push_back(a.data());
  ptrs.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  char** argv = ptrs.data();
  ServeWarmRestarts(&argc, &argv, dir + "/", std::chrono::steady_clock::now() - std::chrono::seconds(5));
  NoteFirstInputAfterRestart();
  child(argc, argv);
}

TEST(WarmRestart, EachCrashWithANewArtifactStartsTheNextChild) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const std::string dir = TempDir("vto-warm");
  EXPECT_EXIT(Serve(dir,
                    [&](int argc, char** argv) {
                      if (argc != 4 || std::strncmp(argv[1], "-max_total_time=", 16) != 0 ||
                          std::atoi(argv[1] + 16) > 595 || std::atoi(argv[1] + 16) < 585) {  // 5 s were spent
                        std::fprintf(stderr, "bad argv for the child\n");
                        std::_Exit(9);
                      }
                      const int runs = CountFiles(dir);
                      if (runs == 3) std::_Exit(0);  // the budget spent
                      const std::string artifact = dir + "/crash-" + std::to_string(runs);
                      if (FILE* f = std::fopen(artifact.c_str(), "w")) std::fclose(f);
                      std::abort();  // a sanitizer report ends the child
                    }),
              testing::ExitedWithCode(0),
              "warm restart 1: fuzzing again after [0-9.]+ s(.|\n)*warm restart 3: fuzzing again after");
}

TEST(WarmRestart, ACrashWithoutANewArtifactEndsTheParentWithItsStatus) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const std::string dir = TempDir("vto-warm");
  EXPECT_EXIT(Serve(dir, [&](int, char**) { std::_Exit(77); }), testing::ExitedWithCode(77),
              "no new artifact .*ends with status 77 after 0 restart");
}

// A corpus input that crashes every run (libFuzzer replays the corpus first): its artifact is
// rewritten, not new; the parent removes it from the working corpus and the next child gets past it.
TEST(WarmRestart, ACorpusInputThatCrashesAgainIsRemovedFromTheWorkingCorpus) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const std::string dir = TempDir("vto-warm");
  const std::string corpus = TempDir("vto-warm-corpus");
  const std::string sha = "0123456789abcdef0123456789abcdef01234567";
  if (FILE* f = std::fopen((corpus + "/" + sha).c_str(), "w")) {
    std::fputs("crashes", f);
    std::fclose(f);
  }
  EXPECT_EXIT(Serve(
                  dir,
                  [&](int, char**) {
                    if (CountFiles(corpus) == 0) std::_Exit(CountFiles(dir) == 1 ? 0 : 3);  // past it; artifact kept
                    usleep(20000);                               // a visibly newer modification time
                    if (FILE* f = std::fopen((dir + "/crash-" + sha).c_str(), "w")) {
                      std::fputs("crashes", f);
                      std::fclose(f);
                    }
                    std::abort();
                  },
                  corpus),
              testing::ExitedWithCode(0), "warm restart 2: a corpus input crashed again; removed from the working corpus");
}

TEST(WarmRestart, AHarnessErrorEndsTheParent) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const std::string dir = TempDir("vto-warm");
  EXPECT_EXIT(Serve(dir, [&](int, char**) { std::_Exit(2); }), testing::ExitedWithCode(2), "a harness error");
}

}  // namespace
}  // namespace vto::harness
