// warm_restart.h — restarting a fuzzer after a crash without paying the JIT warm-up again.
//
// A sanitizer report ends the process (ASan does not recover), and the restart used to
// recompile every hierarchy: tens of seconds under ASan, during which nothing is fuzzed. With
// --vto-warm_restarts=1 (ci/fuzz passes it to fuzz_dispatch and fuzz_lifecycle) the fuzz
// target's LLVMFuzzerInitialize compiles every hierarchy its inputs can select, then becomes
// a warm parent: it forks a child that returns into libFuzzer and fuzzes; when the child dies
// of a crash (a sanitizer report, an oracle failure that aborts, a timeout, out-of-memory)
// the parent forks the next child from the same compiled hierarchies. libFuzzer parses its
// flags after LLVMFuzzerInitialize returns, so each child gets -max_total_time= the budget
// left (counted from the target's start: the warm-up is part of the budget, as it is
// without warm restarts). The parent ends, with the last child's status, when a child exits 0 (the budget is
// spent) or 2 (a harness error), when it is stopped (SIGTERM/SIGINT are passed to the child),
// when less than kMinRestartSeconds are left, or when a child died without writing a new
// artifact under -artifact_prefix (the same input failed again). An exception to the last: a
// corpus input that crashes every run (libFuzzer replays the corpus first, so a backend with
// a bug many inputs reach crashes on it in every child) rewrites its artifact crash-<sha1>;
// the parent then removes <sha1> from the working corpus (libFuzzer's first corpus
// directory) when it holds the same bytes, and restarts warm. Otherwise only the supervisor,
// which moves crashing inputs out of the corpus, can get past it.
//
// The first input a restarted child runs prints "vto: warm restart N: fuzzing again after
// X.XX s" (since the previous child died).
//
// Thread-safety: call once, from LLVMFuzzerInitialize, before any thread is started.
// Not for fuzz_race (its worker threads exist before the fork could happen).
#ifndef VTO_HARNESS_WARM_RESTART_H
#define VTO_HARNESS_WARM_RESTART_H

#include <chrono>
#include <string>

namespace vto::harness {

inline constexpr int kMinRestartSeconds = 3;

// Returns in each child (never in the parent, which exits with _exit). `argc`/`argv` are
// libFuzzer's, rewritten for the child. `started`: when the fuzz target started (before
// the warm-up), where libFuzzer's -max_total_time is counted from: libFuzzer counts a
// child's time only from its own start, so each child gets the budget left.
void ServeWarmRestarts(int* argc, char*** argv, const std::string& artifact_prefix,
                       std::chrono::steady_clock::time_point started);

// In a restarted child, once: the line above. Called before every input (cheap).
void NoteFirstInputAfterRestart();

}  // namespace vto::harness

#endif  // VTO_HARNESS_WARM_RESTART_H
