// input_header.cc — decoding the input header (input_header.h).
#include "harness/input_header.h"

#include <string>

#include "harness/failure.h"

namespace vto::harness {

uint32_t HierarchyCount(int bits) {
  VTO_CHECK(bits >= 1 && bits <= 16, "hierarchy bits " + std::to_string(bits) + " outside [1, 16]");
  return 1u << bits;
}

uint32_t HierarchyIdOf(const uint8_t* data, size_t size, int bits) {
  uint32_t raw = 0;
  if (size >= 1) raw |= data[0];
  if (size >= 2) raw |= static_cast<uint32_t>(data[1]) << 8;
  return raw & (HierarchyCount(bits) - 1);
}

InputHeader ReadInputHeader(const uint8_t* data, size_t size, int bits) {
  const size_t skip = size < kInputHeaderBytes ? size : kInputHeaderBytes;
  uint64_t hash = 14695981039346656037ull;  // FNV-1a
  for (size_t i = 0; i < size; ++i) hash = (hash ^ data[i]) * 1099511628211ull;
  return InputHeader{HierarchyIdOf(data, size, bits), gen::ByteSource(data + skip, size - skip), hash};
}

}  // namespace vto::harness
