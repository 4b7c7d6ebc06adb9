// hierarchy_steering.h — how a campaign moves between hierarchies: many of them, at a JIT
// cost it chooses (docs/FUZZING.md, "Hierarchies per hour").
//
// libFuzzer mutates an input's two header bytes (input_header.h) like any others, so with
// 2^16 hierarchies nearly every mutation of them asks for one that is not compiled, and the
// campaign spends its time in the JIT (fuzz_dispatch ~0.25 s per hierarchy under ASan, in
// batches of --vto-batch; fuzz_lifecycle's kit ~4 s). The fuzz targets' custom mutator
// (LLVMFuzzerCustomMutator) calls Mutate instead, which
//   - mutates the scenario bytes (after the header) with libFuzzer's own mutators;
//   - keeps the input's hierarchy, or with probability `p_move` moves it:
//       1. to a compiled hierarchy no input has asked for yet (the neighbours a batch
//          compiled with the one that was asked for), when there is one;
//       2. else to a uniformly drawn id, which compiles, when the JIT budget has credit;
//       3. else to a compiled hierarchy drawn at random;
//   - moves an input whose own hierarchy is not compiled (a corpus input after the cache
//     recycled) to a compiled one when the budget has no credit.
// With the compile thread (SteeringPolicy::compile_thread) the JIT is off the fuzzing thread:
// 1. takes the thread's batches, 2. is never chosen, and every Mutate is the cache's
// SafePoint (where it takes the thread's batches and recycles).
// Credit accrues at `jit_budget` seconds per second of wall time, up to `credit_cap_seconds`,
// and every second the cache spends compiling spends one (the account may go negative: a kit
// compiled on credit is paid back before the next), so the JIT takes about `jit_budget` of a
// campaign and the rest of its time runs inputs.
//
// Determinism is untouched: the mutator only writes bytes, and the same bytes select the same
// hierarchy and the same checks everywhere (replay, reproducers, other backends). Which bytes
// it writes depends on what this process has compiled, as libFuzzer's own choices depend on
// its corpus.
//
// Example (target.cc):
//   HierarchySteering steering(cache, options.hierarchy_bits, SteeringPolicy::FromOptions(options),
//                              &LLVMFuzzerMutate);
//   size_t n = steering.Mutate(data, size, max_size, seed);
//
// Ownership: does not own the cache, which must outlive it.
// Thread-safety: thread-compatible (libFuzzer calls the mutator from its one fuzzing thread).
#ifndef VTO_HARNESS_HIERARCHY_STEERING_H
#define VTO_HARNESS_HIERARCHY_STEERING_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

#include "harness/hierarchy_cache.h"
#include "harness/options.h"

namespace vto::harness {

struct SteeringPolicy {
  double p_move = 1.0 / 16;          // per mutation: take the input to another hierarchy
  double jit_budget = 0.30;          // share of wall time the JIT may take (--vto-jit_budget_pct)
  double credit_cap_seconds = 30.0;  // unspent credit kept at most (a quiet spell's savings)
  // The first Mutate starts the cache's compile thread (--vto-compile_thread; the caller
  // checked the backend and the target). Then the thread's batches are the ids no input has
  // asked for, and the budget is not spent: nothing is compiled on the fuzzing thread on
  // purpose.
  bool compile_thread = false;
  // The policy of a campaign: jit_budget from --vto-jit_budget_pct (which is > 0: 0 means
  // no steering, and the caller does not build one).
  [[nodiscard]] static SteeringPolicy FromOptions(const Options& options);
};

struct SteeringStats {
  uint64_t mutations = 0;
  uint64_t to_unasked = 0;   // moved to a compiled hierarchy no input had asked for (1.)
  uint64_t to_new = 0;       // moved to a drawn id, on credit (2.)
  uint64_t to_compiled = 0;  // moved to a compiled one, without credit (3.)
  uint64_t redirected = 0;   // an uncompiled hierarchy left for a compiled one, without credit
};

class HierarchySteering {
 public:
  // libFuzzer's LLVMFuzzerMutate: mutates data[0, size) in place within max_size bytes.
  using MutateFn = std::function<size_t(uint8_t* data, size_t size, size_t max_size)>;
  // Wall-clock seconds from any fixed origin (a test passes its own).
  using ClockFn = std::function<double()>;

  // `bits` is the target's hierarchy_bits (ids are drawn below 2^bits, input_header.h).
  HierarchySteering(HierarchyCache& cache, int bits, SteeringPolicy policy, MutateFn mutate,
                    ClockFn clock = nullptr);

  // LLVMFuzzerCustomMutator's contract: mutates data[0, size) in place, returns the new size
  // (<= max_size). `seed` drives every choice.
  size_t Mutate(uint8_t* data, size_t size, size_t max_size, unsigned seed);

  // The credit now, in seconds of JIT (after charging what the cache compiled since the last
  // call).
  [[nodiscard]] double Credit();
  [[nodiscard]] const SteeringStats& stats() const { return stats_; }

 private:
  HierarchyCache& cache_;
  const int bits_;  // ids are drawn below HierarchyCount(bits_)
  const SteeringPolicy policy_;
  MutateFn mutate_;
  ClockFn clock_;
  double credit_ = 0;
  double last_wall_ = -1;
  bool started_ = false;  // the compile thread
  double last_jit_ = 0;
  SteeringStats stats_;
};

}  // namespace vto::harness

#endif  // VTO_HARNESS_HIERARCHY_STEERING_H
