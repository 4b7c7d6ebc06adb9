// dispatch_scenario.h — the fuzz_dispatch scenario: one input → a hierarchy, objects,
// overlays (some stacked), and every check of issue "fuzz_dispatch" (docs/FORMATS.md has
// the input format):
//   - overridden slots reach the replacement with the right `this`, through every static type;
//   - every other call reaches the model's final overrider with the right `this`;
//   - typeid and dynamic_cast answers are unchanged by an overlay;
//   - extra slots start null, are writable and per instance;
//   - a sibling object of the same class is untouched;
//   - teardown restores every vptr of the object bit for bit;
//   - a refusal happens only outside the backend's capabilities, never install-then-misdispatch;
//   - destroy hooks fire exactly once (or never after teardown); constructors and
//     destructors dispatch as the model says;
//   - the backend's live-overlay count returns to where it started.
// A failed check calls Fail() with the class, static type, method, expected and actual
// implementation and `this`, and the hierarchy. Every check is an Expectation
// (expectation.h), so the reproducer checks the same thing.
//
// Thread-safety: thread-compatible.
#ifndef VTO_HARNESS_DISPATCH_SCENARIO_H
#define VTO_HARNESS_DISPATCH_SCENARIO_H

#include <cstddef>
#include <cstdint>

#include "backend/backend.h"
#include "harness/hierarchy_cache.h"
#include "harness/options.h"
#include "harness/refusal_probes.h"
#include "harness/stats.h"
#include "harness/transcript.h"

namespace vto::harness {

// Runs fuzz_dispatch inputs: each selects a hierarchy (input_header.h) and runs one
// DispatchScenario on it.
class DispatchRunner {
 public:
  // Does not own its arguments; they must outlive the runner.
  DispatchRunner(backend::Backend& backend, HierarchyCache& cache, const Options& options);
  // Runs one input; returns normally when every check passed, otherwise Fail()s.
  // With a transcript, also records the run as straight-line C++ (harness/transcript.h) for
  // ci/repro.
  void Run(const uint8_t* data, size_t size, Transcript* transcript = nullptr);
  [[nodiscard]] const DispatchStats& stats() const { return stats_; }
  // The library entry the slot-level refusal probes call (refusal_probes.h); tests pass a
  // deliberately broken one. Default vto::Install.
  void set_probe_install(InstallFn install) { probe_install_ = install; }

 private:
  backend::Backend& backend_;
  HierarchyCache& cache_;
  const Options& options_;
  DispatchStats stats_;
  InstallFn probe_install_ = &Install;
};

}  // namespace vto::harness

#endif  // VTO_HARNESS_DISPATCH_SCENARIO_H
