// install_rounds.h — install+teardown of one overlay, in rounds, beside the floor of any
// clone-based overlay (and, in cppinterop_bench, beside CppInterOp's), so that every ratio
// compares batches run within a millisecond of each other on the same object.
//
// A mode does `count` install+teardown pairs on its own prepared object of 16 slots: the
// same request every time (replace the last method, one extra slot; "hook" modes also ask
// for a destroy hook). RunInstallRounds runs the modes in rounds — a batch of kBatch pairs
// per mode, the order rotating every round — each batch timed by the thread's CPU clock, and
// sets the counters <mode>_ns (median ns per pair) and <a>_over_<b> (median of the per-round
// ratios) for every pair of modes the caller names.
//
// The floor (FloorMode) is what any clone-based overlay must do and nothing more: one
// `malloc` of a block as large as ours for this class (the clone, its prefix, one extra slot,
// the owner word), a copy of the vtable prefix and slots, the replacement written, the vptr
// written and restored, one `free`.
// Thread-compatible: one thread runs a set of modes.
#ifndef VTO_BENCH_INSTALL_ROUNDS_H
#define VTO_BENCH_INSTALL_ROUNDS_H

#include <benchmark/benchmark.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace vto_bench {

struct InstallMode {
  std::string name;
  // Runs `count` install+teardown pairs; returns the number that failed (refused, or the
  // object not restored).
  std::function<int(int count)> run;
};

inline constexpr int kInstallBatch = 256;

// The floor, on a Slots16 of its own.
InstallMode FloorMode();
// vto::Install + Teardown on a Slots16 of its own (prepared request), with or without a hook.
InstallMode VtoMode(bool hook);

// Runs the modes in rounds for as long as `state` wants; skips with an error if a mode failed.
void RunInstallRounds(benchmark::State& state, std::vector<InstallMode>& modes,
                      const std::vector<std::pair<std::string, std::string>>& ratios);

}  // namespace vto_bench

#endif  // VTO_BENCH_INSTALL_ROUNDS_H
