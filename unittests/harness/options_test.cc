// options_test.cc — harness flags (flags.def): parsing, environment, errors, help.
#include "harness/input_header.h"
#include "harness/options.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "gen/generate.h"
#include "harness/dispatch_scenario.h"

namespace vto::harness {
namespace {

TEST(Options, DefaultsComeFromFlagsDef) {
  Options o;
  EXPECT_EQ(o.batch, 8);
  EXPECT_EQ(o.hierarchy_bits, 16);
  EXPECT_EQ(o.lifecycle_hierarchy_bits, 16);
  EXPECT_EQ(o.jit_budget_pct, 30);
  EXPECT_EQ(o.backend, "");
}

TEST(Options, CommandLineFlagsParsedOthersIgnored) {
  Options o;
  std::string error;
  ASSERT_TRUE(ParseOptions({"prog", "-runs=10", "corpus/", "--vto-batch=4", "--vto-backend=/x.so",
                            "--vto-hierarchy-bits=3"},
                           &o, &error))
      << error;
  EXPECT_EQ(o.batch, 4);
  EXPECT_EQ(o.backend, "/x.so");
  EXPECT_EQ(o.hierarchy_bits, 3) << "dashes in flag names are accepted";
}

TEST(Options, EnvironmentSetsDefaultsCommandLineWins) {
  setenv("VTO_BATCH", "7", 1);
  setenv("VTO_MAX_OBJECTS", "2", 1);
  Options o;
  std::string error;
  bool ok = ParseOptions({"--vto-batch=9"}, &o, &error);
  unsetenv("VTO_BATCH");
  unsetenv("VTO_MAX_OBJECTS");
  ASSERT_TRUE(ok) << error;
  EXPECT_EQ(o.batch, 9);
  EXPECT_EQ(o.max_objects, 2);
}

TEST(Options, BadFlagsRefusedWithTheirName) {
  Options o;
  std::string error;
  EXPECT_FALSE(ParseOptions({"--vto-batch=ten"}, &o, &error));
  EXPECT_NE(error.find("--vto-batch"), std::string::npos) << error;
  EXPECT_NE(error.find("ten"), std::string::npos) << error;
  EXPECT_FALSE(ParseOptions({"--vto-batch=-1"}, &o, &error));
  EXPECT_FALSE(ParseOptions({"--vto-batch=99999999999"}, &o, &error));
  EXPECT_FALSE(ParseOptions({"--vto-nosuch=1"}, &o, &error));
  EXPECT_NE(error.find("unknown flag --vto-nosuch"), std::string::npos) << error;
  EXPECT_FALSE(ParseOptions({"--vto-batch"}, &o, &error));
  EXPECT_NE(error.find("needs a value"), std::string::npos) << error;
  setenv("VTO_RECYCLE_UNITS", "x", 1);
  EXPECT_FALSE(ParseOptions({}, &o, &error));
  unsetenv("VTO_RECYCLE_UNITS");
  EXPECT_NE(error.find("VTO_RECYCLE_UNITS"), std::string::npos) << error;
}

TEST(Options, HelpListsEveryFlag) {
  std::string help = OptionsHelp();
  for (const char* flag : {"backend", "batch", "recycle_units", "hierarchy_bits", "lifecycle_hierarchy_bits", "jit_budget_pct", "max_objects", "jit_opt_level"}) {
    EXPECT_NE(help.find(std::string("--vto-") + flag), std::string::npos) << flag;
  }
}

TEST(Options, HierarchyIdIsFirstTwoBytesMasked) {
  const uint8_t in[] = {0x34, 0x12, 0xff};
  EXPECT_EQ(HierarchyIdOf(in, 3, 8), 0x34u);
  EXPECT_EQ(HierarchyIdOf(in, 3, 3), 0x4u);
  EXPECT_EQ(HierarchyIdOf(in, 3, 16), 0x1234u);
  EXPECT_EQ(HierarchyIdOf(in, 1, 16), 0x34u);
  EXPECT_EQ(HierarchyIdOf(nullptr, 0, 16), 0u);
  EXPECT_EQ(HierarchyCount(3), 8u);
}

TEST(Options, InputHeaderLeavesTheScenarioBytes) {
  const uint8_t in[] = {0x34, 0x12, 0xff, 0x00};
  InputHeader h = ReadInputHeader(in, sizeof in, 8);
  EXPECT_EQ(h.hierarchy, 0x34u);
  EXPECT_EQ(h.scenario.bytes(), (std::vector<uint8_t>{0xff, 0x00}));
  InputHeader shorter = ReadInputHeader(in, 1, 8);
  EXPECT_EQ(shorter.hierarchy, 0x34u);
  EXPECT_TRUE(shorter.scenario.bytes().empty());
  EXPECT_TRUE(ReadInputHeader(nullptr, 0, 8).scenario.bytes().empty());
}

TEST(Options, IntFlagsOutsideTheirRangeAreRefused) {
  Options o;
  std::string error;
  EXPECT_FALSE(ParseOptions({"--vto-hierarchy_bits=0"}, &o, &error));
  EXPECT_NE(error.find("[1, 16]"), std::string::npos) << error;
  EXPECT_FALSE(ParseOptions({"--vto-lifecycle_hierarchy_bits=17"}, &o, &error));
  EXPECT_FALSE(ParseOptions({"--vto-verbose=3"}, &o, &error));
  EXPECT_FALSE(ParseOptions({"--vto-jit_opt_level=4"}, &o, &error));
  EXPECT_FALSE(ParseOptions({"--vto-max_objects=0"}, &o, &error));
  EXPECT_TRUE(ParseOptions({"--vto-hierarchy_bits=16", "--vto-verbose=2"}, &o, &error)) << error;
  EXPECT_NE(OptionsHelp().find("in [1, 16]"), std::string::npos);
}

// --vto-source_variants ranges over gen::LimitSourceVariants's levels and defaults to all.
TEST(Options, SourceVariantLevelsAreTheGeneratorsLevels) {
  Options o;
  EXPECT_EQ(o.source_variants, gen::kSourceVariantLevels);
  std::string error;
  EXPECT_TRUE(ParseOptions({"--vto-source_variants=0"}, &o, &error)) << error;
  EXPECT_FALSE(ParseOptions({"--vto-source_variants=" + std::to_string(gen::kSourceVariantLevels + 1)}, &o, &error));
}

}  // namespace
}  // namespace vto::harness
