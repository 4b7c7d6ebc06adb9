// alloc_counter.h — counts the heap allocations each thread makes, for the benchmarks'
// "allocations per install" counter.
//
// alloc_counter.cc defines malloc, calloc, realloc, aligned_alloc, posix_memalign and
// memalign in the benchmark executable; the dynamic linker binds every call in the process
// to them (operator new calls malloc), they count and forward to glibc's __libc_*
// functions. Frees are not counted. Under a sanitizer (which owns malloc) nothing is
// interposed and AllocationCountingAvailable() is false.
//
// Thread-safety: one counter per thread; a delta counts what the calling thread allocated
// (every allocation of an install happens on the thread that installs).
#ifndef VTO_BENCH_ALLOC_COUNTER_H
#define VTO_BENCH_ALLOC_COUNTER_H

#include <cstdint>

namespace vto_bench {

// Allocations (successful or not) the calling thread made since it started.
[[nodiscard]] uint64_t AllocationCount() noexcept;
[[nodiscard]] bool AllocationCountingAvailable() noexcept;

}  // namespace vto_bench

#endif  // VTO_BENCH_ALLOC_COUNTER_H
