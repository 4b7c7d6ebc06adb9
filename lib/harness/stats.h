// stats.h — the scenarios' counters (stats.def) as plain structs, and the "name=value ..."
// text of the vto-stats line printed at exit (target.cc).
//
// Thread-safety: the structs are thread-compatible; each runner updates its own on the
// fuzzer's thread.
#ifndef VTO_HARNESS_STATS_H
#define VTO_HARNESS_STATS_H

#include <cstdint>
#include <string>

namespace vto::harness {

struct DispatchStats {
#define VTO_DISPATCH_STAT(name, help) uint64_t name = 0;
#include "harness/stats.def"
};

struct LifecycleStats {
#define VTO_LIFECYCLE_STAT(name, help) uint64_t name = 0;
#include "harness/stats.def"
};

struct RaceStats {
#define VTO_RACE_STAT(name, help) uint64_t name = 0;
#include "harness/stats.def"
};

// Counts an input in inputs_multi_vptr when it installed on an object with more than one
// vptr (on_multi_vptr grew while the guard lived), whether it ends normally or by a finding.
template <typename Stats>
class MultiVptrInput {
 public:
  explicit MultiVptrInput(Stats& s) : s_(s), before_(s.on_multi_vptr) {}
  ~MultiVptrInput() {
    if (s_.on_multi_vptr > before_) ++s_.inputs_multi_vptr;
  }
  MultiVptrInput(const MultiVptrInput&) = delete;
  MultiVptrInput& operator=(const MultiVptrInput&) = delete;

 private:
  Stats& s_;
  const uint64_t before_;
};

// " inputs=12 objects=40 ... multi_vptr_inputs_pct=41.7 multi_vptr_installs_pct=33.0" (every
// counter in stats.def order, each after a space; then the two shares, 0.0 when nothing ran).
[[nodiscard]] std::string StatsText(const DispatchStats& s);
[[nodiscard]] std::string StatsText(const LifecycleStats& s);
[[nodiscard]] std::string StatsText(const RaceStats& s);

}  // namespace vto::harness

#endif  // VTO_HARNESS_STATS_H
