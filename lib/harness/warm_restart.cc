// warm_restart.cc — the warm parent (warm_restart.h).
#include "harness/warm_restart.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "harness/failure.h"

namespace vto::harness {
namespace {

using Clock = std::chrono::steady_clock;

volatile sig_atomic_t g_child = 0;
volatile sig_atomic_t g_stop = 0;
// Set by the parent before each fork after a crash: the child reports its first input.
int g_restart = 0;
Clock::time_point g_died;

void PassOn(int sig) {
  g_stop = 1;
  if (g_child > 0) ::kill(static_cast<pid_t>(g_child), sig);
}

// Artifact file name -> its modification time (ns): libFuzzer rewrites crash-<sha1> when the
// same input crashes again.
std::map<std::string, long long> Artifacts(const std::string& prefix) {
  std::map<std::string, long long> out;
  const size_t slash = prefix.rfind('/');
  const std::string dir = slash == std::string::npos ? "./" : prefix.substr(0, slash + 1);
  const std::string stem = slash == std::string::npos ? prefix : prefix.substr(slash + 1);
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name.rfind(stem, 0) != 0 || name.rfind(stem + "slow-unit-", 0) == 0) continue;
      struct stat st {};
      if (::stat((dir + name).c_str(), &st) != 0) continue;
      out[name] = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
    }
    closedir(d);
  }
  return out;
}

std::string ReadAll(const std::string& path, bool* ok) {
  std::string out;
  *ok = false;
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    *ok = !std::ferror(f);
    std::fclose(f);
  }
  return out;
}

// libFuzzer's first corpus directory (the first argument that is not a flag and names a
// directory): where it writes new inputs, its working corpus.
std::string WorkingCorpus(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-') continue;
    struct stat st {};
    if (::stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) return std::string(argv[i]) + "/";
  }
  return "";
}

// The same input crashed again: libFuzzer rewrote the artifact `name` (<kind>-<sha1>). When
// the working corpus holds that input as <sha1> with the same bytes (a corpus input that
// crashes every run, which libFuzzer replays first), it is removed from the corpus (the
// artifact keeps its bytes), so the next child gets past it. Returns what was done, "" if
// nothing could be.
std::string DropCrashingCorpusInput(const std::string& artifact_dir, const std::string& name,
                                    const std::string& corpus) {
  const size_t dash = name.rfind('-');
  if (corpus.empty() || dash == std::string::npos || name.size() - dash - 1 != 40) return "";
  const std::string input = corpus + name.substr(dash + 1);
  bool ok_a = false, ok_i = false;
  const std::string a = ReadAll(artifact_dir + name, &ok_a), i = ReadAll(input, &ok_i);
  if (!ok_a || !ok_i || a != i || ::unlink(input.c_str()) != 0) return "";
  return input + " (kept as " + artifact_dir + name + ")";
}

// The child's argv: libFuzzer's, with -max_total_time= the seconds left.
void RewriteArgv(int* argc, char*** argv, long seconds_left) {
  static std::vector<std::string> strings;
  static std::vector<char*> pointers;
  strings.assign(*argv, *argv + *argc);
  for (std::string& a : strings) {
    if (seconds_left > 0 && a.rfind("-max_total_time=", 0) == 0) a = "-max_total_time=" + std::to_string(seconds_left);
  }
  pointers.clear();
  for (std::string& a : strings) pointers.push_back(a.data());
  pointers.push_back(nullptr);
  *argv = pointers.data();
  *argc = static_cast<int>(strings.size());
}

}  // namespace

void ServeWarmRestarts(int* argc, char*** argv, const std::string& artifact_prefix, Clock::time_point started) {
  long budget = 0;  // libFuzzer's -max_total_time; 0: none
  for (int i = 0; i < *argc; ++i) {
    if (std::strncmp((*argv)[i], "-max_total_time=", 16) == 0) budget = std::atol((*argv)[i] + 16);
  }
  const std::string prefix = artifact_prefix.empty() ? "./" : artifact_prefix;
  std::map<std::string, long long> seen = Artifacts(prefix);
  const size_t slash = prefix.rfind('/');
  const std::string artifact_dir = slash == std::string::npos ? "./" : prefix.substr(0, slash + 1);
  const std::string corpus = WorkingCorpus(*argc, *argv);
  struct sigaction pass {};
  pass.sa_handler = &PassOn;
  sigaction(SIGTERM, &pass, nullptr);
  sigaction(SIGINT, &pass, nullptr);
  for (int restarts = 0;; ++restarts) {
    const long left = budget > 0 ? std::max<long>(1, budget - std::chrono::duration_cast<std::chrono::seconds>(
                                                                    Clock::now() - started).count())
                                 : 0;
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0) HarnessError(std::string("warm restarts: fork failed: ") + std::strerror(errno));
    if (pid == 0) {
      signal(SIGTERM, SIG_DFL);
      signal(SIGINT, SIG_DFL);
      g_restart = restarts;
      RewriteArgv(argc, argv, left);
      return;
    }
    g_child = pid;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    g_died = Clock::now();
    g_child = 0;
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    auto end = [&](const char* why) {
      std::fprintf(stderr, "vto: warm restarts: %s; the fuzzer ends with status %d after %d restart(s)\n", why, code,
                   restarts);
      std::fflush(stderr);
      std::_Exit(code);
    };
    if (WIFEXITED(status) && code == 0) std::_Exit(0);
    if (WIFEXITED(status) && code == kHarnessErrorExit) end("a harness error");
    if (g_stop) end("stopped");
    const long now_left =
        budget > 0 ? budget - std::chrono::duration_cast<std::chrono::seconds>(g_died - started).count() : kMinRestartSeconds;
    if (now_left < kMinRestartSeconds) end("the time budget is spent");
    const std::map<std::string, long long> now = Artifacts(prefix);
    bool fresh = false;
    std::string dropped;
    for (const auto& [name, mtime] : now) {
      const auto it = seen.find(name);
      if (it == seen.end()) {
        fresh = true;
      } else if (it->second != mtime && dropped.empty()) {
        dropped = DropCrashingCorpusInput(artifact_dir, name, corpus);
      }
    }
    if (!fresh && dropped.empty()) {
      end("no new artifact (the same input failed again: only a cold restart without it gets past it)");
    }
    if (!dropped.empty()) {
      std::fprintf(stderr, "vto: warm restart %d: a corpus input crashed again; removed from the working corpus: %s\n",
                   restarts + 1, dropped.c_str());
    }
    seen = now;
    std::fprintf(stderr, "vto: warm restart %d: the fuzzer ended with status %d; the next starts from the compiled "
                 "hierarchies\n", restarts + 1, code);
  }
}

void NoteFirstInputAfterRestart() {
  if (g_restart == 0) return;
  const double s = std::chrono::duration<double>(Clock::now() - g_died).count();
  std::fprintf(stderr, "vto: warm restart %d: fuzzing again after %.2f s\n", g_restart, s);
  g_restart = 0;
}

}  // namespace vto::harness
