// byte_source.cc — ByteSource (see byte_source.h).
#include "gen/byte_source.h"

#include <cassert>
#include <utility>

namespace vto::gen {

std::uint64_t SplitMix64(std::uint64_t* state) {
  std::uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

namespace {

// FNV-1a over the input, so inputs that share a prefix continue differently.
std::uint64_t HashBytes(const std::vector<std::uint8_t>& bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (std::uint8_t b : bytes) {
    h ^= b;
    h *= 0x100000001b3ULL;
  }
  return h ^ bytes.size();
}

}  // namespace

ByteSource::ByteSource(const std::uint8_t* data, std::size_t size)
    : ByteSource(size == 0 ? std::vector<std::uint8_t>() : std::vector<std::uint8_t>(data, data + size)) {}

ByteSource::ByteSource(std::vector<std::uint8_t> bytes)
    : bytes_(std::move(bytes)), tail_state_(HashBytes(bytes_)) {}

ByteSource ByteSource::FromSeed(std::uint64_t seed, std::size_t size) {
  std::vector<std::uint8_t> bytes(size);
  std::uint64_t state = seed;
  for (std::size_t i = 0; i < size; i += 8) {
    std::uint64_t v = SplitMix64(&state);
    for (std::size_t j = i; j < size && j < i + 8; ++j, v >>= 8) bytes[j] = static_cast<std::uint8_t>(v);
  }
  return ByteSource(std::move(bytes));
}

std::uint8_t ByteSource::NextByte() {
  std::size_t i = pos_++;
  if (i < bytes_.size()) return bytes_[i];
  return static_cast<std::uint8_t>(SplitMix64(&tail_state_));
}

std::uint32_t ByteSource::Below(std::uint32_t n) {
  assert(n >= 1 && "ByteSource::Below: n must be >= 1");
  std::uint64_t value = 0;
  for (std::uint64_t span = n - 1; span != 0; span >>= 8) value = (value << 8) | NextByte();
  return static_cast<std::uint32_t>(value % n);
}

int ByteSource::InRange(int lo, int hi) {
  assert(lo <= hi && "ByteSource::InRange: empty range");
  const auto span = static_cast<std::uint32_t>(static_cast<std::int64_t>(hi) - lo + 1);
  return static_cast<int>(lo + static_cast<std::int64_t>(Below(span)));
}

bool ByteSource::Chance(double p) {
  const std::uint32_t v = (std::uint32_t{NextByte()} << 8) | NextByte();
  if (p <= 0) return false;
  if (p >= 1) return true;
  return v < static_cast<std::uint32_t>(p * 65536.0 + 0.5);
}

std::size_t ByteSource::PickWeighted(const unsigned* weights, std::size_t count) {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < count; ++i) total += weights[i];
  assert(total > 0 && total <= 0xffffffffULL && "ByteSource::PickWeighted: bad weights");
  std::uint64_t r = Below(static_cast<std::uint32_t>(total));
  for (std::size_t i = 0; i < count; ++i) {
    if (r < weights[i]) return i;
    r -= weights[i];
  }
  return count - 1;  // unreachable
}

}  // namespace vto::gen
