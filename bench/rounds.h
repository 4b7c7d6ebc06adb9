// rounds.h — what the round-based benchmarks share (calls, delete, layouts): the TSC's
// nanoseconds per tick, and the median of per-round values.
// Thread-safety: TscNanosPerTick calibrates once (a function-local static); Median is pure.
#ifndef VTO_BENCH_ROUNDS_H
#define VTO_BENCH_ROUNDS_H

#include <vector>

namespace vto_bench {

// Nanoseconds per __builtin_ia32_rdtsc() tick, measured once against steady_clock (50 ms).
double TscNanosPerTick();
// The median (upper middle for an even count); 0 for no values.
double Median(std::vector<double> v);

}  // namespace vto_bench

#endif  // VTO_BENCH_ROUNDS_H
