// fuzz_lifecycle — objects of random hierarchies created, overlaid, called and destroyed in
// every way C++ offers (new/delete, scopes, temporaries, make_shared, unique_ptr, optional,
// vector, placement new, new[], exceptions, shared_ptr cycles, other threads), run as real
// compiled C++: every destroy hook must fire exactly once or never as the contract says.
// Scenario and oracles: lib/harness/lifecycle_scenario.h; input format: docs/FORMATS.md.
#include <cstddef>
#include <cstdint>

#include "harness/target.h"

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  vto::harness::InitTarget(argc, argv, "fuzz_lifecycle");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return vto::harness::RunLifecycleInput(data, size);
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  return vto::harness::MutateInput(data, size, max_size, seed);
}
