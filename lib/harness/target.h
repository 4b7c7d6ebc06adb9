// target.h — the process-wide state behind a libFuzzer target (libFuzzer's entry points
// are global functions, so this is the one place that holds a global): the parsed
// Options, the Backend, the HierarchyCache and the scenario runners. Fuzz targets in fuzz/
// call only these functions.
//
// InitTarget parses argv (--vto-* flags, --vto-help=1 prints them and exits 0), opens the
// backend (a bad backend is a harness error: exit 2), and registers an exit handler that
// prints the harness statistics ("vto-stats: ...") — cache hits, compiled units, recycles,
// JIT seconds, objects, overlays, checked calls — next to libFuzzer's own.
#ifndef VTO_HARNESS_TARGET_H
#define VTO_HARNESS_TARGET_H

#include <cstddef>
#include <cstdint>

namespace vto::harness {

// `argc`/`argv` are LLVMFuzzerInitialize's: with --vto-warm_restarts the call returns in a
// forked child with them rewritten for it (warm_restart.h).
void InitTarget(int* argc, char*** argv, const char* target_name);
// LLVMFuzzerCustomMutator's body for every target: the hierarchy steering mutator
// (hierarchy_steering.h), or libFuzzer's own mutators with --vto-jit_budget_pct=0.
size_t MutateInput(uint8_t* data, size_t size, size_t max_size, unsigned seed);
// Each Run*Input returns what LLVMFuzzerTestOneInput returns: 0, or -1 for an input whose
// oracle failure was recorded in a keep-going campaign (finding.h; not added to the corpus).
int RunDispatchInput(const uint8_t* data, size_t size);
// fuzz_lifecycle (lifecycle_scenario.h). InitTarget with target_name "fuzz_lifecycle"
// compiles hierarchies with their lifecycle kit.
int RunLifecycleInput(const uint8_t* data, size_t size);
// fuzz_race (race_scenario.h). InitTarget with target_name "fuzz_race" starts the worker
// threads and selects hierarchies by --vto-lifecycle_hierarchy_bits.
int RunRaceInput(const uint8_t* data, size_t size);

}  // namespace vto::harness

#endif  // VTO_HARNESS_TARGET_H
