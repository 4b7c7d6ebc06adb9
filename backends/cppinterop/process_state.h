// process_state.h — what CppInterOp's Cpp::CreateInterpreter changes in the process, put back.
//
// Its first call installs LLVM's and its own crash handlers (a banner, then exit(1)) for the
// signals and replaces the terminate handler; in a fuzzer or a benchmark they would hide
// every sanitizer report and oracle abort. A ProcessStateGuard saves the handlers when it is
// made and restores them when it dies: make one around Cpp::CreateInterpreter.
// Used by the plug-in (cppinterop_backend.cc) and cppinterop_bench.cc; the stand-alone
// reproducers (repro/repro.h) keep their own copy, to stay one file each.
// Not thread-safe: signal dispositions are process-wide.
#ifndef VTO_BACKENDS_CPPINTEROP_PROCESS_STATE_H
#define VTO_BACKENDS_CPPINTEROP_PROCESS_STATE_H

#include <csignal>
#include <exception>

namespace vto_cppinterop {

// Every standard signal (1..31) is saved: LLVM takes the crash and interrupt signals and
// more, and libFuzzer and the sanitizers own some of them.
inline constexpr int kLastStandardSignal = 31;

class ProcessStateGuard {
 public:
  ProcessStateGuard() : terminate_(std::get_terminate()) {
    for (int s = 1; s <= kLastStandardSignal; ++s) sigaction(s, nullptr, &saved_[s]);
  }
  ~ProcessStateGuard() {
    for (int s = 1; s <= kLastStandardSignal; ++s) {
      if (s != SIGKILL && s != SIGSTOP) sigaction(s, &saved_[s], nullptr);
    }
    std::set_terminate(terminate_);
  }
  ProcessStateGuard(const ProcessStateGuard&) = delete;
  ProcessStateGuard& operator=(const ProcessStateGuard&) = delete;

 private:
  std::terminate_handler terminate_;
  struct sigaction saved_[kLastStandardSignal + 1] = {};
};

}  // namespace vto_cppinterop

#endif  // VTO_BACKENDS_CPPINTEROP_PROCESS_STATE_H
