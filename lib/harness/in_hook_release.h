// in_hook_release.h — which hooked overlays the scenarios' bindings release from inside
// their own destroy callback (CONTRACT P14: where a binding learns of the death).
//
// Not drawn from the input, so that corpus files keep their meaning: a hash of the
// object's and the overlay's numbers picks one hooked overlay in four. Used by
// fuzz_lifecycle and fuzz_race (fuzz_race only for overlays no collector tears down).
#ifndef VTO_HARNESS_IN_HOOK_RELEASE_H
#define VTO_HARNESS_IN_HOOK_RELEASE_H

#include <cstdint>

namespace vto::harness {

inline bool ReleasesInHook(uint32_t object, uint32_t overlay) {
  const uint64_t h = (static_cast<uint64_t>(object) << 32 | overlay) * 0x9e3779b97f4a7c15ull;
  return (h >> 62) == 0;
}

}  // namespace vto::harness

#endif  // VTO_HARNESS_IN_HOOK_RELEASE_H
