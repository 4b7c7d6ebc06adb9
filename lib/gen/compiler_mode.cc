// compiler_mode.cc — CompilerMode draws and spellings (compiler_mode.h).
#include "gen/compiler_mode.h"

#include <tuple>

namespace vto::gen {

static_assert(std::tuple_size<decltype(GenPolicy::opt_level_weights)>::value == kMaxModeOptLevel + 1,
              "one weight per -O level a mode may have");

CompilerMode DrawCompilerMode(ByteSource& src, const GenPolicy& policy) {
  CompilerMode mode;
  mode.opt_level = static_cast<int>(src.PickWeighted(policy.opt_level_weights));
  mode.assume_unique_vtables = src.Chance(policy.p_assume_unique_vtables);
  mode.strict_vtable_pointers = src.Chance(policy.p_strict_vtable_pointers);
  return mode;
}

std::vector<CompilerMode> AllCompilerModes() {
  std::vector<CompilerMode> modes;
  for (int level = 0; level <= kMaxModeOptLevel; ++level) {
    for (bool unique : {false, true}) {
      for (bool strict : {false, true}) modes.push_back(CompilerMode{level, unique, strict});
    }
  }
  return modes;
}

std::vector<std::string> CompilerModeFlags(const CompilerMode& mode) {
  return {"-O" + std::to_string(mode.opt_level),
          mode.assume_unique_vtables ? "-fassume-unique-vtables" : "-fno-assume-unique-vtables",
          mode.strict_vtable_pointers ? "-fstrict-vtable-pointers" : "-fno-strict-vtable-pointers"};
}

std::string DescribeCompilerMode(const CompilerMode& mode) {
  std::string out;
  for (const std::string& flag : CompilerModeFlags(mode)) out += (out.empty() ? "" : " ") + flag;
  return out;
}

}  // namespace vto::gen
