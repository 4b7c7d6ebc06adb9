// failure.h — how the harness reports. Three channels, as in STYLE.md:
//   - a broken promise of the implementation under test (an oracle failed): Fail() prints
//     "VTO ORACLE FAILURE: ..." with the context and aborts, so libFuzzer saves the input
//     as a crash and ci/ scripts exit 1 ("found a bug") — or, in a keep-going campaign,
//     records the input and throws OracleFinding (finding.h) so fuzzing goes on;
//   - the harness itself cannot run (JIT failure, bad backend): HarnessError() prints
//     "ERROR: ..." and exits with kHarnessErrorExit (2) — never mistaken for a finding;
//   - broken harness invariants: assert-like VTO_CHECK, also exit 2.
#ifndef VTO_HARNESS_FAILURE_H
#define VTO_HARNESS_FAILURE_H

#include <string>

namespace vto::harness {

inline constexpr int kHarnessErrorExit = 2;

// Context printed with every failure (the hierarchy, the scenario so far). Set by the
// scenario runner; thread-local, so racing threads each keep their own.
void SetFailureContext(std::string context);
const std::string& FailureContext();

[[noreturn]] void Fail(const std::string& what);
// Called by Fail() after printing and before aborting (ci/repro writes its reproducer
// there). Process-wide; nullptr removes it.
void SetFailureObserver(void (*observer)());
[[noreturn]] void HarnessError(const std::string& what);
// A pointer as failure messages print it ("0x55d0...").
[[nodiscard]] std::string Hex(const void* p);

}  // namespace vto::harness

#define VTO_CHECK(cond, msg)                                                                      \
  do {                                                                                            \
    if (!(cond)) ::vto::harness::HarnessError(std::string("harness invariant failed: " #cond ": ") + (msg)); \
  } while (0)

#endif  // VTO_HARNESS_FAILURE_H
