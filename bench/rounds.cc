// rounds.cc — see rounds.h.
#include "rounds.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <thread>

namespace vto_bench {

double TscNanosPerTick() {
  static const double ns_per_tick = [] {
    auto t0 = std::chrono::steady_clock::now();
    uint64_t c0 = __builtin_ia32_rdtsc();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    uint64_t c1 = __builtin_ia32_rdtsc();
    auto t1 = std::chrono::steady_clock::now();
    return std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(c1 - c0);
  }();
  return ns_per_tick;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

}  // namespace vto_bench
