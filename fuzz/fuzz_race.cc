// fuzz_race — 2 to 4 threads create, overlay, call, tear down, abandon and delete objects of
// random hierarchies at the same time, hand objects to each other, install and tear down on
// one object at once, and race teardown against destruction through a hooked destructor as
// CONTRACT.md P20 defines it. Built under ThreadSanitizer (fuzz-tsan preset): any race the
// library leaves is a report; hook counts, teardown results, vptrs and dispatch are checked
// after every input. Scenario and oracles: lib/harness/race_scenario.h; input format:
// docs/FORMATS.md.
#include <cstddef>
#include <cstdint>

#include "harness/target.h"

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  vto::harness::InitTarget(argc, argv, "fuzz_race");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return vto::harness::RunRaceInput(data, size);
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  return vto::harness::MutateInput(data, size, max_size, seed);
}
