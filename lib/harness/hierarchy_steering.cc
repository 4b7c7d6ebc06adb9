// hierarchy_steering.cc — the custom mutator's choice of hierarchy (hierarchy_steering.h).
#include "harness/hierarchy_steering.h"

#include <algorithm>
#include <chrono>

#include "gen/byte_source.h"
#include "harness/input_header.h"

namespace vto::harness {
namespace {

// The mutator's choices from libFuzzer's seed.
uint64_t Next(uint64_t* state) { return gen::SplitMix64(state); }

double SteadySeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

SteeringPolicy SteeringPolicy::FromOptions(const Options& options) {
  SteeringPolicy p;
  p.jit_budget = options.jit_budget_pct / 100.0;
  p.compile_thread = options.compile_thread != 0;
  return p;
}

HierarchySteering::HierarchySteering(HierarchyCache& cache, int bits, SteeringPolicy policy, MutateFn mutate,
                                     ClockFn clock)
    : cache_(cache),
      bits_(bits),
      policy_(policy),
      mutate_(std::move(mutate)),
      clock_(clock ? std::move(clock) : ClockFn(&SteadySeconds)) {}

double HierarchySteering::Credit() {
  const double now = clock_();
  const double jit = cache_.stats().compile_seconds;
  if (last_wall_ >= 0) {
    credit_ += policy_.jit_budget * (now - last_wall_) - (jit - last_jit_);
    credit_ = std::min(credit_, policy_.credit_cap_seconds);
  }
  last_wall_ = now;
  last_jit_ = jit;
  return credit_;
}

size_t HierarchySteering::Mutate(uint8_t* data, size_t size, size_t max_size, unsigned seed) {
  ++stats_.mutations;
  if (policy_.compile_thread && !started_) {
    started_ = true;  // here, in libFuzzer's fuzzing loop: after any fork, never in a replay
    cache_.StartCompileThread(HierarchyCount(bits_), (static_cast<uint64_t>(seed) << 1) | 1);
  }
  cache_.SafePoint();
  // Too short to hold a header (libFuzzer's first length limits): every byte is libFuzzer's.
  if (max_size < kInputHeaderBytes) return mutate_(data, size, max_size);
  // Missing header bytes read as 0 (input_header.h): writing them keeps the hierarchy.
  while (size < kInputHeaderBytes) data[size++] = 0;
  uint64_t rng = (static_cast<uint64_t>(seed) << 32) ^ 0x5eed5eedull ^ stats_.mutations;
  const uint32_t id = HierarchyIdOf(data, size, bits_);
  const bool has_credit = Credit() > 0 && !cache_.compiles_in_background();
  const bool move = static_cast<double>(Next(&rng) >> 11) * 0x1.0p-53 < policy_.p_move;
  std::optional<uint32_t> to;
  if (move) {
    if ((to = cache_.TakeUnasked(Next(&rng)))) {
      ++stats_.to_unasked;
    } else if (!has_credit && (to = cache_.AnyCompiled(Next(&rng)))) {
      ++stats_.to_compiled;
    } else {
      to = static_cast<uint32_t>(Next(&rng) % HierarchyCount(bits_));  // on credit, or nothing is compiled at all
      ++stats_.to_new;
    }
  } else if (!has_credit && !cache_.Compiled(id)) {
    if ((to = cache_.TakeUnasked(Next(&rng))) || (to = cache_.AnyCompiled(Next(&rng)))) ++stats_.redirected;
  }
  if (to && *to != id) {
    data[0] = static_cast<uint8_t>(*to);
    data[1] = static_cast<uint8_t>(*to >> 8);
    if (move) return size;  // the move is this mutation: the same scenario on another hierarchy
  }
  if (max_size == kInputHeaderBytes) return size;  // no room for a scenario byte
  return kInputHeaderBytes +
         mutate_(data + kInputHeaderBytes, size - kInputHeaderBytes, max_size - kInputHeaderBytes);
}

}  // namespace vto::harness
