// alloc_counter.cc — malloc-family interposition that counts allocations (see
// alloc_counter.h).
#include "alloc_counter.h"

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>

#include <malloc.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define VTO_BENCH_NO_INTERPOSE 1
#endif
#endif

namespace vto_bench {
namespace {
// Per thread: a process-wide atomic made every malloc of every thread write one cache line,
// and the thread-scaling benchmarks measured that line bouncing between the cores. In the
// executable, so the TLS access is a fixed offset from %fs: no allocation, no call.
__attribute__((tls_model("local-exec"))) thread_local uint64_t t_allocations = 0;
}  // namespace

uint64_t AllocationCount() noexcept { return t_allocations; }

#ifdef VTO_BENCH_NO_INTERPOSE
bool AllocationCountingAvailable() noexcept { return false; }
#else
bool AllocationCountingAvailable() noexcept { return true; }

namespace {
inline void Count() noexcept { ++t_allocations; }
}  // namespace
}  // namespace vto_bench

// glibc's own entry points (exported by libc.so.6).
extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t n, size_t size);
void* __libc_realloc(void* p, size_t size);
void* __libc_memalign(size_t alignment, size_t size);

void* malloc(size_t size) noexcept {
  vto_bench::Count();
  return __libc_malloc(size);
}
void* calloc(size_t n, size_t size) noexcept {
  vto_bench::Count();
  return __libc_calloc(n, size);
}
void* realloc(void* p, size_t size) noexcept {
  vto_bench::Count();
  return __libc_realloc(p, size);
}
void* memalign(size_t alignment, size_t size) noexcept {
  vto_bench::Count();
  return __libc_memalign(alignment, size);
}
void* aligned_alloc(size_t alignment, size_t size) noexcept {
  vto_bench::Count();
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, size_t alignment, size_t size) noexcept {
  if (alignment < sizeof(void*) || (alignment & (alignment - 1)) != 0) return EINVAL;
  vto_bench::Count();
  void* p = __libc_memalign(alignment, size);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}
}  // extern "C"

namespace vto_bench {
#endif  // VTO_BENCH_NO_INTERPOSE
}  // namespace vto_bench
