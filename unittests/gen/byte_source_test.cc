// byte_source_test.cc — ByteSource: determinism, ranges, and continuation past the input.
#include "gen/byte_source.h"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <vector>

namespace vto::gen {
namespace {

std::vector<int> Draw(ByteSource& src, int n) {
  std::vector<int> out;
  for (int i = 0; i < n; ++i) out.push_back(src.InRange(-3, 300));
  return out;
}

TEST(ByteSource, SameBytesSameDecisions) {
  const std::vector<std::uint8_t> bytes = {1, 2, 3, 250, 7, 9};
  ByteSource a(bytes), b(bytes.data(), bytes.size());
  EXPECT_EQ(Draw(a, 100), Draw(b, 100));
}

TEST(ByteSource, FromSeedIsDeterministicAndSeedsDiffer) {
  ByteSource a = ByteSource::FromSeed(7), b = ByteSource::FromSeed(7), c = ByteSource::FromSeed(8);
  EXPECT_EQ(a.bytes(), b.bytes());
  EXPECT_NE(a.bytes(), c.bytes());
  EXPECT_EQ(a.bytes().size(), ByteSource::kSeedBytes);
  // Pinned: SplitMix64(0) is 0xe220a8397b1dcdaf; bytes are little-endian.
  EXPECT_EQ(ByteSource::FromSeed(0, 4).bytes(), (std::vector<std::uint8_t>{0xaf, 0xcd, 0x1d, 0x7b}));
}

TEST(ByteSource, ValuesStayInRange) {
  ByteSource src = ByteSource::FromSeed(1);
  for (int i = 0; i < 5000; ++i) {
    const int v = src.InRange(-5, 5);
    ASSERT_GE(v, -5);
    ASSERT_LE(v, 5);
    ASSERT_LT(src.Below(1000), 1000u);
    ASSERT_EQ(src.Below(1), 0u);
  }
}

TEST(ByteSource, SmallRangesConsumeOneByte) {
  ByteSource src = ByteSource::FromSeed(2);
  (void)src.Below(256);
  EXPECT_EQ(src.consumed(), 1u);
  (void)src.Below(1);
  EXPECT_EQ(src.consumed(), 1u);
  (void)src.Below(257);
  EXPECT_EQ(src.consumed(), 3u);
  (void)src.Chance(0.5);
  EXPECT_EQ(src.consumed(), 5u);
}

TEST(ByteSource, ChanceExtremesAndRoughFrequency) {
  ByteSource src = ByteSource::FromSeed(3);
  int hits = 0;
  for (int i = 0; i < 4000; ++i) {
    ASSERT_FALSE(src.Chance(0.0));
    ASSERT_TRUE(src.Chance(1.0));
    hits += src.Chance(0.25);
  }
  EXPECT_GT(hits, 800);
  EXPECT_LT(hits, 1200);
}

TEST(ByteSource, PickWeightedNeverPicksZeroWeight) {
  ByteSource src = ByteSource::FromSeed(4);
  const std::array<unsigned, 4> weights = {0, 3, 0, 1};
  std::set<size_t> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(src.PickWeighted(weights));
  EXPECT_EQ(seen, (std::set<size_t>{1, 3}));
}

TEST(ByteSource, ContinuesDeterministicallyPastTheEnd) {
  const std::vector<std::uint8_t> bytes = {9, 9};
  ByteSource a(bytes), b(bytes);
  const std::vector<int> da = Draw(a, 200), db = Draw(b, 200);
  EXPECT_TRUE(a.exhausted());
  EXPECT_EQ(da, db);
  // Not a constant stream: the continuation is a PRNG, not zeros.
  EXPECT_GT(std::set<int>(da.begin() + 10, da.end()).size(), 50u);
  // Inputs with the same prefix continue differently (the continuation hashes all bytes).
  ByteSource c(std::vector<std::uint8_t>{9, 9, 0});
  EXPECT_NE(Draw(c, 200), da);
}

TEST(ByteSource, EmptyInputWorks) {
  ByteSource a(nullptr, 0), b(std::vector<std::uint8_t>{});
  EXPECT_EQ(Draw(a, 50), Draw(b, 50));
}

}  // namespace
}  // namespace vto::gen
