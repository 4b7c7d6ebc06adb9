// compiler_mode.h — how a hierarchy's code is compiled: the optimization level and the flags
// that change what compiled code assumes about vtables (docs/GENERATOR.md, "Compiler modes").
//
// Defines vto::gen::CompilerMode, DrawCompilerMode, AllCompilerModes and the flag spellings.
// A mode is part of the program a fuzz input selects: the harness draws it from the same
// bytes as the hierarchy, after Generate, so a hierarchy's classes do not depend on it. The
// probabilities are GenPolicy's (policy.h).
//
//   -O<n>                          what LLVM may fold: at -O1 and above clang compiles
//                                  dynamic_cast<Final*> into a vptr comparison when vtables
//                                  are assumed unique, and the optimizer forwards loads;
//   -f[no-]assume-unique-vtables   clang >= 17 assumes one vtable per class by default
//                                  (CONTRACT R13: a clone cannot pass that comparison);
//   -fstrict-vtable-pointers       loads of a vptr are invariant between launders: optimized
//                                  code may keep a vptr it loaded across a call that changed
//                                  it (CONTRACT, "What the binding must do").
//
// Example:
//   ByteSource src = ByteSource::FromSeed(id);
//   Hierarchy h = Generate(src, policy);
//   CompilerMode mode = DrawCompilerMode(src, policy);
//   interpreter.Compile(EmitSource(h, ns), interp::UnitMode{mode.opt_level, ...});
//
// Thread-safety: plain values and pure functions.
#ifndef VTO_GEN_COMPILER_MODE_H
#define VTO_GEN_COMPILER_MODE_H

#include <string>
#include <vector>

#include "gen/byte_source.h"
#include "gen/policy.h"

namespace vto::gen {

struct CompilerMode {
  int opt_level = 0;                    // 0, 1 or 2
  bool assume_unique_vtables = false;   // true: clang's default; false: -fno-assume-unique-vtables
  bool strict_vtable_pointers = false;  // -fstrict-vtable-pointers
  friend bool operator==(const CompilerMode& a, const CompilerMode& b) {
    return a.opt_level == b.opt_level && a.assume_unique_vtables == b.assume_unique_vtables &&
           a.strict_vtable_pointers == b.strict_vtable_pointers;
  }
  friend bool operator!=(const CompilerMode& a, const CompilerMode& b) { return !(a == b); }
};

inline constexpr int kMaxModeOptLevel = 2;

// Draws a mode with policy.opt_level_weights, p_assume_unique_vtables and
// p_strict_vtable_pointers: one byte for the level, two for each flag.
[[nodiscard]] CompilerMode DrawCompilerMode(ByteSource& src, const GenPolicy& policy);
// Every mode DrawCompilerMode can give, in a fixed order (-O0 first).
[[nodiscard]] std::vector<CompilerMode> AllCompilerModes();
// The clang arguments that select the mode, e.g. {"-O2", "-fassume-unique-vtables",
// "-fstrict-vtable-pointers"}: every flag spelled, so they override any default.
[[nodiscard]] std::vector<std::string> CompilerModeFlags(const CompilerMode& mode);
// The same, space-separated ("-O0 -fno-assume-unique-vtables -fno-strict-vtable-pointers").
[[nodiscard]] std::string DescribeCompilerMode(const CompilerMode& mode);

}  // namespace vto::gen

#endif  // VTO_GEN_COMPILER_MODE_H
