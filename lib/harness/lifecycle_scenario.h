// lifecycle_scenario.h — the fuzz_lifecycle scenario: one input → a hierarchy and a program
// of operations over a small pool of objects, run as real compiled C++ through the
// hierarchy's lifecycle kit (gen/lifecycle_kit.h), with the oracles of issue 4 after every
// operation and at the end (docs/FORMATS.md, "fuzz_lifecycle"):
//   - each destroy hook fires exactly once for an object destroyed visibly (through its
//     vtable) while a hooked overlay is installed, zero times when the overlay was torn down
//     first or the death was invisible, never twice; stacked hooks fire top down;
//   - the callback sees the intact object: its `this`, its typeid, its replacements and
//     extra slots;
//   - teardown while alive restores every vptr bit for bit (and dispatch after each step);
//     after a hooked death teardown returns kObjectDestroyed; Abandon after an invisible
//     death frees the overlays without touching the object (host-owned storage is compared
//     byte for byte);
//   - calls reach the replacements or the originals as the model says; a throwing
//     replacement's exception unwinds through compiled frames that own overlaid objects;
//   - the backend's live-overlay count equals the harness's count after every operation
//     and returns to its starting value at the end.
// Which deaths are visible is decided by the contract's rule (CONTRACT.md "Words"), per
// destruction path, static type and finality — never by observing the library.
//
// Every check is an Expectation (expectation.h) with its rule from contract_rules.h; the
// scenario's roles are one file each (lifecycle_model.h lists them). An input's hierarchy is
// its header (input_header.h, --vto-lifecycle_hierarchy_bits).
//
// Reproducers: with a Transcript attached, the run also writes the same program as
// straight-line C++ (harness/transcript.h) for ci/repro, each check from the same Expectation.
//
// Thread-safety: thread-compatible; a scenario may destroy an object on a worker thread
// and waits for it.
#ifndef VTO_HARNESS_LIFECYCLE_SCENARIO_H
#define VTO_HARNESS_LIFECYCLE_SCENARIO_H

#include <cstddef>
#include <cstdint>
#include <memory>

#include "backend/backend.h"
#include "harness/hierarchy_cache.h"
#include "harness/options.h"
#include "harness/stats.h"

namespace vto::harness {

class Transcript;

class LifecycleRunner {
 public:
  // Does not own its arguments; they must outlive the runner. The cache must have been
  // made with the lifecycle kit.
  LifecycleRunner(backend::Backend& backend, HierarchyCache& cache, const Options& options);
  ~LifecycleRunner();
  // Runs one input; returns normally when every check passed, otherwise Fail()s. With a
  // transcript, records the program as C++ as it runs. Once per process (the first input
  // whose hierarchy allows it, never with a transcript) it also checks CONTRACT P9 in a
  // forked child: deleting an object whose on_destroy callback throws must terminate it.
  void Run(const uint8_t* data, size_t size, Transcript* transcript = nullptr);
  [[nodiscard]] const LifecycleStats& stats() const { return stats_; }

 private:
  backend::Backend& backend_;
  HierarchyCache& cache_;
  const Options& options_;
  LifecycleStats stats_;
  bool probed_ = false;  // the once-per-process P9 probe (a forked child) has run
};

}  // namespace vto::harness

#endif  // VTO_HARNESS_LIFECYCLE_SCENARIO_H
