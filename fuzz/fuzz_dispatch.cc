// fuzz_dispatch — random hierarchies, objects, overlays (some stacked): every call through
// every static type checked against the model. Scenario and oracles: lib/harness/
// dispatch_scenario.h; input format: docs/FORMATS.md.
#include <cstddef>
#include <cstdint>

#include "harness/target.h"

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  vto::harness::InitTarget(argc, argv, "fuzz_dispatch");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return vto::harness::RunDispatchInput(data, size);
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  return vto::harness::MutateInput(data, size, max_size, seed);
}
