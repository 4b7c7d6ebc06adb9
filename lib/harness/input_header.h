// input_header.h — how every fuzz input starts: two bytes that select the hierarchy, then
// the bytes the scenario draws its decisions from.
//
//   [id low byte][id high byte][scenario bytes ...]
//
// The id is masked to `bits` (--vto-hierarchy_bits for fuzz_dispatch,
// --vto-lifecycle_hierarchy_bits for fuzz_lifecycle and fuzz_race; flags.def keeps both in
// [1, 16]); missing header bytes read as 0. This is the one place that decodes the header:
// the scenarios, the seed writers and the tests all call it, so a corpus file selects the
// same hierarchy everywhere.
//
// Example:
//   InputHeader in = ReadInputHeader(data, size, options.hierarchy_bits);
//   const CompiledHierarchy& ch = cache.Get(in.hierarchy);
//   gen::ByteSource& src = in.scenario;
//
// Thread-safety: pure functions.
#ifndef VTO_HARNESS_INPUT_HEADER_H
#define VTO_HARNESS_INPUT_HEADER_H

#include <cstddef>
#include <cstdint>

#include "gen/byte_source.h"

namespace vto::harness {

inline constexpr size_t kInputHeaderBytes = 2;

struct InputHeader {
  uint32_t hierarchy = 0;    // in [0, HierarchyCount(bits))
  gen::ByteSource scenario;  // the bytes after the header (none when the input is shorter)
  // FNV-1a of the whole input: for choices a scenario makes without reading input bytes (so
  // that corpus files keep their meaning when a check is added), e.g. refusal_probes.h.
  uint64_t hash = 0;
};

// REQUIRES: 1 <= bits <= 16 (the flags' range; anything else is a harness error).
[[nodiscard]] uint32_t HierarchyCount(int bits);
[[nodiscard]] uint32_t HierarchyIdOf(const uint8_t* data, size_t size, int bits);
[[nodiscard]] InputHeader ReadInputHeader(const uint8_t* data, size_t size, int bits);

}  // namespace vto::harness

#endif  // VTO_HARNESS_INPUT_HEADER_H
