// compiler_mode_test.cc — DrawCompilerMode (gen/compiler_mode.h): deterministic, drawn after
// the hierarchy without changing it, at the policy's rates over 10,000 ids, every mode
// reachable; the flag spellings.
#include "gen/compiler_mode.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "gen/emit.h"
#include "gen/generate.h"

namespace vto::gen {
namespace {

constexpr int kIds = 10000;

CompilerMode ModeOfSeed(std::uint64_t seed, const GenPolicy& policy, std::string* source = nullptr) {
  ByteSource src = ByteSource::FromSeed(seed);
  const Hierarchy h = Generate(src, policy);
  if (source != nullptr) *source = EmitSource(h, "m");
  return DrawCompilerMode(src, policy);
}

TEST(CompilerMode, SameBytesSameModeAndTheHierarchyDoesNotDependOnIt) {
  GenPolicy other;
  other.opt_level_weights = {0, 0, 1};
  other.p_assume_unique_vtables = 1;
  other.p_strict_vtable_pointers = 1;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    std::string a, b;
    EXPECT_EQ(ModeOfSeed(seed, GenPolicy{}, &a), ModeOfSeed(seed, GenPolicy{}, &b));
    std::string c;
    (void)ModeOfSeed(seed, other, &c);
    EXPECT_EQ(a, b);
    EXPECT_EQ(a, c) << "seed " << seed << ": the mode's policy changed the hierarchy";
  }
}

TEST(CompilerMode, PolicyRatesOverTenThousandIds) {
  const GenPolicy policy;
  std::map<int, int> levels;
  std::map<std::string, int> modes;
  int unique = 0, strict = 0;
  for (int id = 0; id < kIds; ++id) {
    const CompilerMode m = ModeOfSeed(static_cast<std::uint64_t>(id), policy);
    ++levels[m.opt_level];
    unique += m.assume_unique_vtables ? 1 : 0;
    strict += m.strict_vtable_pointers ? 1 : 0;
    ++modes[DescribeCompilerMode(m)];
  }
  unsigned weight_sum = 0;
  for (unsigned w : policy.opt_level_weights) weight_sum += w;
  for (int level = 0; level <= kMaxModeOptLevel; ++level) {
    const double want = static_cast<double>(policy.opt_level_weights[static_cast<size_t>(level)]) / weight_sum;
    EXPECT_NEAR(static_cast<double>(levels[level]) / kIds, want, 0.02) << "-O" << level;
  }
  EXPECT_NEAR(static_cast<double>(unique) / kIds, policy.p_assume_unique_vtables, 0.02);
  EXPECT_NEAR(static_cast<double>(strict) / kIds, policy.p_strict_vtable_pointers, 0.02);
  // Every mode AllCompilerModes lists is drawn, and nothing else.
  EXPECT_EQ(modes.size(), AllCompilerModes().size());
  for (const CompilerMode& m : AllCompilerModes()) EXPECT_GT(modes[DescribeCompilerMode(m)], 0) << DescribeCompilerMode(m);
  std::printf("compiler modes over %d ids:\n", kIds);
  for (const auto& [mode, count] : modes) std::printf("  %5.1f %%  %s\n", 100.0 * count / kIds, mode.c_str());
}

TEST(CompilerMode, PolicyExtremesAreObeyed) {
  GenPolicy none;
  none.opt_level_weights = {1, 0, 0};
  none.p_assume_unique_vtables = 0;
  none.p_strict_vtable_pointers = 0;
  GenPolicy all;
  all.opt_level_weights = {0, 0, 1};
  all.p_assume_unique_vtables = 1;
  all.p_strict_vtable_pointers = 1;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    EXPECT_EQ(ModeOfSeed(seed, none), (CompilerMode{0, false, false}));
    EXPECT_EQ(ModeOfSeed(seed, all), (CompilerMode{2, true, true}));
  }
}

TEST(CompilerMode, FlagsSpellEveryChoice) {
  EXPECT_EQ(CompilerModeFlags(CompilerMode{}),
            (std::vector<std::string>{"-O0", "-fno-assume-unique-vtables", "-fno-strict-vtable-pointers"}));
  EXPECT_EQ(DescribeCompilerMode(CompilerMode{2, true, true}), "-O2 -fassume-unique-vtables -fstrict-vtable-pointers");
  const std::vector<CompilerMode> all = AllCompilerModes();
  ASSERT_EQ(all.size(), 12u);
  EXPECT_EQ(all.front(), CompilerMode{});
  for (size_t i = 0; i < all.size(); ++i) {
    for (size_t j = i + 1; j < all.size(); ++j) EXPECT_NE(all[i], all[j]);
  }
}

}  // namespace
}  // namespace vto::gen
