// warm_restart.cc — the warm parent (warm_restart.h).
#include "harness/warm_restart.h"

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
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

std::set<std::string> Artifacts(const std::string& prefix) {
  std::set<std::string> out;
  const size_t slash = prefix.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : prefix.substr(0, slash + 1);
  const std::string stem = slash == std::string::npos ? prefix : prefix.substr(slash + 1);
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name.rfind(stem, 0) == 0 && name.rfind(stem + "slow-unit-", 0) != 0) out.insert(name);
    }
    closedir(d);
  }
  return out;
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
  std::set<std::string> seen = Artifacts(prefix);
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
    const std::set<std::string> now = Artifacts(prefix);
    bool fresh = false;
    for (const std::string& a : now) fresh = fresh || seen.count(a) == 0;
    if (!fresh) end("no new artifact (the same input failed again: only a cold restart without it gets past it)");
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
