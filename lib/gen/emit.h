// emit.h — the C++ emitter: a hierarchy model → one self-contained C++17 translation unit.
//
// Defines vto::gen::EmitSource. The source contains the classes of the hierarchy (struct C0,
// C1, ... in namespace `ns`), the definitions of their constructors, destructors and virtual
// methods, and the extern "C" stubs PlanStubs (stubs.h) lists, named by stub_names.h. What
// every function does is the emitted interface, documented in docs/GENERATOR.md.
//
// Promises: for a hierarchy from Generate, the source compiles with clang 22
// `-std=c++17 -Wall -Wextra` without any diagnostic, uses only standard headers, and needs the
// host symbols trace.h defines: `vto_trace_record` and `vto_trace_last_id` always,
// `vto_dtor_should_throw` with throwing_dtors, `vto_trace_last_self` with class_return_sigs. Sources emitted into
// distinct namespaces can be concatenated into one translation unit. The same model and
// namespace always give the same text.
//
// Example:
//   std::string tu;
//   for (int i = 0; i < 50; ++i) tu += EmitSource(hierarchies[i], "h" + std::to_string(i));
//
// Thread-safety: reentrant.
#ifndef VTO_GEN_EMIT_H
#define VTO_GEN_EMIT_H

#include <string>
#include <string_view>

#include "gen/model.h"

namespace vto::gen {

// REQUIRES: `ns` is a C++ identifier that is neither reserved nor a keyword, and no other
// hierarchy in the same translation unit or JIT session uses it; `h` satisfies
// ValidateHierarchy (validate.h).
[[nodiscard]] std::string EmitSource(const Hierarchy& h, std::string_view ns);

// The same classes with their member functions declared, not defined, and no stubs: a
// translation unit with no code to generate and no vtable or RTTI to emit (no key function
// is defined), for a backend that only reflects (backend_abi.h, `declare`) while another
// interpreter runs EmitSource's code. Compiles as cleanly as EmitSource.
[[nodiscard]] std::string EmitDeclarations(const Hierarchy& h, std::string_view ns);

}  // namespace vto::gen

#endif  // VTO_GEN_EMIT_H
