// byte_source.h — the generator's one random source: a deterministic reader of fuzzer bytes.
//
// Defines vto::gen::ByteSource. Every decision the generator makes is drawn from it, so the
// same bytes always give the same hierarchy. Decisions consume few bytes (a choice among at
// most 256 options takes one byte), so a fuzzer's byte mutations map to small program changes.
// When the bytes run out, the source continues with a SplitMix64 stream seeded from a hash of
// all the input bytes: every input, including the empty one, yields a complete program.
//
// Example:
//   vto::gen::ByteSource src(data, size);            // from the fuzzer
//   auto tests = vto::gen::ByteSource::FromSeed(42);  // from a test seed
//   int n = src.InRange(1, 12);
//   if (src.Chance(0.25)) { ... }
//
// Thread-safety: thread-compatible (one source per thread; it is passed by reference).
#ifndef VTO_GEN_BYTE_SOURCE_H
#define VTO_GEN_BYTE_SOURCE_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace vto::gen {

// One step of SplitMix64, the stream behind FromSeed: advances *state, returns the next value
// (also the harness's choices of hierarchies: hierarchy_steering.h, hierarchy_cache.h).
[[nodiscard]] std::uint64_t SplitMix64(std::uint64_t* state);

class ByteSource {
 public:
  // How many bytes FromSeed makes by default (more than any default-policy hierarchy uses).
  static constexpr std::size_t kSeedBytes = 4096;

  // Copies `size` bytes from `data` (which may be null when size is 0).
  ByteSource(const std::uint8_t* data, std::size_t size);
  explicit ByteSource(std::vector<std::uint8_t> bytes);

  // A source over `size` bytes made from `seed` by SplitMix64. The same seed gives the same
  // bytes on every platform; bytes() returns them, so a seed's program can be saved as bytes.
  [[nodiscard]] static ByteSource FromSeed(std::uint64_t seed, std::size_t size = kSeedBytes);

  // A value in [0, n). REQUIRES: n >= 1. Consumes the fewest whole bytes that cover n - 1
  // (none when n == 1).
  [[nodiscard]] std::uint32_t Below(std::uint32_t n);
  // A value in [lo, hi]. REQUIRES: lo <= hi.
  [[nodiscard]] int InRange(int lo, int hi);
  // True with probability p (resolution 1/65536; p <= 0 never, p >= 1 always). Consumes 2 bytes.
  [[nodiscard]] bool Chance(double p);
  // An index i with probability weights[i] / sum(weights). REQUIRES: some weight > 0.
  [[nodiscard]] std::size_t PickWeighted(const unsigned* weights, std::size_t count);
  template <std::size_t N>
  [[nodiscard]] std::size_t PickWeighted(const std::array<unsigned, N>& weights) {
    return PickWeighted(weights.data(), N);
  }

  // The input bytes (not including the continuation stream).
  [[nodiscard]] const std::vector<std::uint8_t>& bytes() const { return bytes_; }
  // Bytes drawn so far, counting continuation bytes.
  [[nodiscard]] std::size_t consumed() const { return pos_; }
  // True once a decision has drawn past the end of the input bytes.
  [[nodiscard]] bool exhausted() const { return pos_ > bytes_.size(); }

 private:
  std::uint8_t NextByte();

  std::vector<std::uint8_t> bytes_;
  std::size_t pos_ = 0;
  std::uint64_t tail_state_ = 0;  // SplitMix64 state of the continuation stream
};

}  // namespace vto::gen

#endif  // VTO_GEN_BYTE_SOURCE_H
