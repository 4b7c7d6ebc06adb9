// repro.h — what every CppInterOp reproducer (backends/cppinterop/repro/*.cc) shares. Each
// reproducer is one program against CppInterOp alone (no part of this project): it compiles
// its classes itself, declares the same text to CppInterOp's interpreter, reflects them with
// CppInterOp's calls and overlays its own objects with Cpp::MakeVTableOverlay.
//
// Outcome: "REPRODUCED: <what went wrong>" and exit 1, or a sanitizer report (the program is
// built with the sanitizer its header names); "not reproduced: <what happened>" and exit 0
// once CppInterOp behaves. Built by run.sh (docs/CPPINTEROP.md):
//   clang++-22 -std=c++17 -g [-fsanitize=...] -I<cppinterop>/include -I<build>/include X.cc \
//     -Wl,--whole-archive <build>/lib/libclangCppInterOp.a -Wl,--no-whole-archive \
//     -L/usr/lib/llvm-22/lib -lclang-cpp -lLLVM
#ifndef VTO_CPPINTEROP_REPRO_H
#define VTO_CPPINTEROP_REPRO_H

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "CppInterOp/CppInterOp.h"

// The program's classes: compiled here, and declared to CppInterOp as the same text.
#define REPRO_STR2(...) #__VA_ARGS__
#define REPRO_STR(...) REPRO_STR2(__VA_ARGS__)

namespace repro {

[[noreturn]] inline void Reproduced(const std::string& what) {
  std::printf("REPRODUCED: %s\n", what.c_str());
  std::fflush(stdout);
  std::exit(1);
}
[[noreturn]] inline void NotReproduced(const std::string& what) {
  std::printf("not reproduced: %s\n", what.c_str());
  std::exit(0);
}
[[noreturn]] inline void Setup(const std::string& what) {
  std::printf("SETUP FAILED: %s\n", what.c_str());
  std::exit(2);
}

// CppInterOp's interpreter, with the process's crash handlers put back afterwards (its first
// CreateInterpreter installs handlers that print a banner and exit(1), which would hide a
// sanitizer report).
inline void StartWith(const char* declarations) {
  struct sigaction saved[32];
  for (int s = 1; s < 32; ++s) sigaction(s, nullptr, &saved[s]);
  if (Cpp::CreateInterpreter({"-std=c++17"}) == nullptr) Setup("Cpp::CreateInterpreter failed");
  for (int s = 1; s < 32; ++s) sigaction(s, &saved[s], nullptr);
  if (Cpp::Declare(declarations) != 0) Setup("Cpp::Declare failed");
}

inline Cpp::DeclRef Class(const char* name) {
  Cpp::DeclRef c = Cpp::GetScopeFromCompleteName(name);
  if (c == nullptr) Setup(std::string("no class ") + name);
  return c;
}

inline Cpp::ConstFuncRef Method(Cpp::DeclRef cls, const char* name) {
  std::vector<Cpp::FuncRef> f = Cpp::GetFunctionsUsingName(cls, name);
  if (f.size() != 1) Setup(std::string("no single method ") + name);
  return f[0];
}

template <typename F>
void* Fn(F f) {
  return reinterpret_cast<void*>(f);
}

}  // namespace repro

#endif  // VTO_CPPINTEROP_REPRO_H
