// race_scenario.h — the fuzz_race scenario: one input → a hierarchy, a few objects and a
// schedule of operations on them over 2–4 threads, run concurrently, then checked
// (docs/FORMATS.md, "fuzz_race"; CONTRACT.md §Threads):
//   - threads create, overlay (stacked; with hooks, replacements, extra slots), call, tear
//     down, abandon and delete objects at the same time; operations on different objects
//     are never ordered by the harness (P18), so the library's own locking is all that keeps
//     them apart, and ThreadSanitizer reports any race it leaves;
//   - an object is handed from thread to thread between its operations (each operation waits
//     for the previous one on that object, acquire/release on a per-object counter: the
//     ordering Q1 asks of a binding); nothing else orders the threads;
//   - two threads install and/or tear down overlays of ONE object at the same time, with no
//     call in between (P19); half of such pairs are sequenced — the second starts once the
//     first has returned, told by relaxed flags that order nothing — so the planned order
//     (a teardown before an install) is run even where a loaded machine would run the other;
//   - the defined race (P20): a thread deletes an object through a hooked virtual destructor
//     while a collector thread tears down (or abandons) some of its overlays. The collector
//     starts when a chosen callback has begun — told by a relaxed atomic flag, so the only
//     happens-before between the two threads is the library's — and callbacks may wait for
//     the collector to finish, so teardowns land before, during and after other callbacks;
//   - oracles, checked on the fuzzer's thread after all threads finished: every install is
//     accepted (requests stay within the backend's capabilities); calls reach the topmost
//     replacement or the model's final overrider with the right `this`; extra slots start
//     null and keep their values; teardown of a live object returns kRestored and restores
//     every vptr bit for bit; each hook fires exactly once when the object dies through a
//     hooked virtual destructor, never when its overlay was torn down first, never twice,
//     top down, seeing the intact object (its `this`, typeid, an overlaid vptr, its own extra
//     slots, and calls dispatched through the overlays still below it); in the defined race a
//     teardown returns kObjectDestroyed exactly when that overlay's callback ran and
//     kCancelled exactly when it never will (and the deterministic cases: an overlay whose
//     callback had begun, or one below a callback that waits for the collector); a second
//     teardown returns kAlreadyTornDown; the live-overlay count returns to its start.
// A failed check calls Fail() with the hierarchy, the object, the overlay and the schedule.
//
// The scenario's passes (plan → transcribe → execute → check) are in race_model.h, one file
// each. An input's hierarchy is its header (input_header.h, --vto-lifecycle_hierarchy_bits),
// or the next one with a class the backend can overlay.
//
// Threads: the runner owns a pool of 4 persistent workers (worker_pool.h), made once.
// Thread-safety: thread-compatible (Run from one thread at a time).
#ifndef VTO_HARNESS_RACE_SCENARIO_H
#define VTO_HARNESS_RACE_SCENARIO_H

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>

#include "backend/backend.h"
#include "harness/hierarchy_cache.h"
#include "harness/options.h"
#include "harness/stats.h"
#include "harness/transcript.h"

namespace vto::harness {

class WorkerPool;
struct RaceClass;

class RaceRunner {
 public:
  // The most worker threads an input uses (race::RacePolicy::kMaxThreads).
  static constexpr int kMaxThreads = 4;

  // Does not own its arguments; they must outlive the runner. The cache must have been
  // made without the lifecycle kit. Starts the worker threads.
  RaceRunner(backend::Backend& backend, HierarchyCache& cache, const Options& options);
  ~RaceRunner();
  // Runs one input; returns normally when every check passed, otherwise Fail()s.
  // With a transcript, also records the run as straight-line C++ (harness/transcript.h) for
  // ci/repro.
  void Run(const uint8_t* data, size_t size, Transcript* transcript = nullptr);
  [[nodiscard]] const RaceStats& stats() const { return stats_; }

 private:
  const RaceClass& ClassInfo(const CompiledHierarchy& ch, int cls);

  backend::Backend& backend_;
  HierarchyCache& cache_;
  const Options& options_;
  RaceStats stats_;
  std::unique_ptr<WorkerPool> pool_;
  // Per-class facts measured on a sample object, by (hierarchy id, class); dropped when the
  // cache recycles its interpreter.
  std::map<std::pair<uint32_t, int>, std::unique_ptr<RaceClass>> classes_;
  uint64_t classes_epoch_ = 0;  // CacheStats::recycles when classes_ was filled
};

}  // namespace vto::harness

#endif  // VTO_HARNESS_RACE_SCENARIO_H
