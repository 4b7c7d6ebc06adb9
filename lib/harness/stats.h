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

// " inputs=12 objects=40 ..." (every counter in stats.def order, each after a space).
[[nodiscard]] std::string StatsText(const DispatchStats& s);
[[nodiscard]] std::string StatsText(const LifecycleStats& s);
[[nodiscard]] std::string StatsText(const RaceStats& s);

}  // namespace vto::harness

#endif  // VTO_HARNESS_STATS_H
