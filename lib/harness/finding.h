// finding.h — keep-going campaigns: an oracle failure that is recorded, not fatal.
//
// By default an oracle failure aborts (failure.h), so libFuzzer saves the input as a crash
// and the process ends — and every finding pays the JIT warm-up again on the restart. With
// keep-going enabled (--vto-keep_going=N, which ci/fuzz passes), Fail() on a thread that is
// running an input inside a FindingScope instead:
//   - prints the report as an abort would ("VTO ORACLE FAILURE: ...", the context, the stack
//     as the sanitizer prints it, so ci/fuzzlib/crash_signature.py keys it the same way);
//   - writes the input to <artifact_prefix>crash-<sha1> (libFuzzer's -artifact_prefix and
//     naming) and prints "VTO FINDING: Test unit written to <path>";
//   - throws OracleFinding, which unwinds to the fuzz target's entry point (objects in the
//     kit's scopes die on the way, their callbacks do nothing: UnwindingFinding()). The
//     scenario that failed is never destroyed: the implementation under test may still hold its objects
//     (they stay reachable, nothing touches them again), and the entry point returns -1, so
//     libFuzzer does not add the input to the corpus.
// Failures of one kind (the message with every value taken out) save at most
// kSavedPerKind inputs; the rest are counted only (with one short line that is not a report).
//
// Fail() still aborts, exactly as without keep-going, where unwinding is not safe:
//   - inside a NoUnwindScope: a destroy callback (it runs inside a noexcept destructor, and
//     the library's hook turns an exception into std::terminate), and while the race's
//     worker threads run;
//   - on a thread without a FindingScope (workers), during unwinding, a second failure of
//     the same input, after N findings, and once the process's resident memory is past
//     --vto-keep_going_mb (both bound the memory of the kept scenarios; measured: with
//     111,113 kept fuzz_dispatch scenarios the peak RSS was 568 MB, docs/MEASUREMENTS.md).
//
// Thread-safety: EnableKeepGoing once, before any input; the scopes are per thread; the
// counters are atomic.
#ifndef VTO_HARNESS_FINDING_H
#define VTO_HARNESS_FINDING_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace vto::harness {

// Thrown by Fail() in keep-going mode; caught by the fuzz target's entry point (target.cc).
struct OracleFinding {};

inline constexpr int kSavedPerKind = 2;
inline constexpr int kMaxSaved = 500;  // saved inputs per process, all kinds together

// `max_findings` 0 turns keep-going off (the default). `artifact_prefix`: libFuzzer's
// -artifact_prefix (a directory ends with '/'); empty means "./". `max_rss_mb`: past this
// resident size the next failure aborts (0: no bound).
void EnableKeepGoing(int max_findings, std::string artifact_prefix, int max_rss_mb = 0);

// The current thread runs one input: Fail() may record and throw (see above). One per input,
// on the stack of the fuzz target's entry point (no allocation: it is on the hot path).
class FindingScope {
 public:
  FindingScope(const uint8_t* data, size_t size);
  ~FindingScope();
  FindingScope(const FindingScope&) = delete;
  FindingScope& operator=(const FindingScope&) = delete;

  struct Input {
    const uint8_t* data = nullptr;
    size_t size = 0;
    bool failed = false;     // this input already produced a finding
    bool unwinding = false;  // Fail() threw OracleFinding
  };

 private:
  Input input_;
};

// True on this thread from the throw of OracleFinding to the end of its FindingScope: the
// scenario that failed is being unwound, and callbacks into it (a destroy hook of an object
// whose scope ends on the way out) must do nothing.
[[nodiscard]] bool UnwindingFinding();

// Code in which an exception must not start: Fail() aborts.
class NoUnwindScope {
 public:
  NoUnwindScope();
  ~NoUnwindScope();
  NoUnwindScope(const NoUnwindScope&) = delete;
  NoUnwindScope& operator=(const NoUnwindScope&) = delete;
};

// What Fail() does with the failure `message` (called once, before it prints anything).
enum class FindingAction {
  kAbort,  // print the report and abort, as without keep-going
  kCount,  // a kind already saved kSavedPerKind times: one short line, then throw OracleFinding
  kSave,   // print the report, then SaveFinding(); throw OracleFinding if it returns true
};
[[nodiscard]] FindingAction DecideFinding(const std::string& message);
// The stack (when a sanitizer runtime is linked), the input as an artifact, the "VTO FINDING:
// Test unit written to" line. false when the artifact cannot be written (the caller aborts).
[[nodiscard]] bool SaveFinding();

// Keeps a scenario a finding unwound: never destroyed, reachable for the process's life
// (LeakSanitizer does not report it; the implementation under test may still point into it).
void KeepAfterFinding(std::shared_ptr<void> scenario);

struct FindingStats {
  uint64_t findings = 0;  // oracle failures recorded without ending the process
  uint64_t saved = 0;     // of them, inputs written as artifacts
};
[[nodiscard]] FindingStats KeptFindings();

// The kind a failure is counted under: its first line with every value ("h3", "C2", "m1",
// numbers, addresses) replaced by '#'.
[[nodiscard]] std::string FindingKind(const std::string& message);
// SHA-1 of the input, as 40 lowercase hex digits (libFuzzer's artifact names).
[[nodiscard]] std::string Sha1Hex(const uint8_t* data, size_t size);

}  // namespace vto::harness

#endif  // VTO_HARNESS_FINDING_H
