// return_adjustment.h — which replacements CONTRACT R19 refuses: those of a final overrider
// whose returned class pointer some vtable entry of the object adjusts (a covariant return
// through a virtual base or at a non-zero offset, which clang compiles into a return-adjusting
// thunk that no replacement can stand in for).
//
// Predicted from the model plus the JIT'd up-cast stubs (for non-virtual offsets), never
// from clang's vtable layout. Pure functions of a compiled hierarchy; ClassTables::CallAt
// remembers the answer per reflected call. Thread-safe (they read `ch` only).
#ifndef VTO_HARNESS_RETURN_ADJUSTMENT_H
#define VTO_HARNESS_RETURN_ADJUSTMENT_H

#include "gen/expect.h"
#include "harness/hierarchy_cache.h"

namespace vto::harness {

// Whether converting a C<from>* to a C<to>* (`to` an unambiguous base of `from`, or `from`
// itself) changes the pointer for some object: `to` is reached only through a virtual base,
// or sits at a non-zero offset. This is when clang makes a vtable entry of a declaration
// returning C<to>* whose final overrider returns C<from>* a return-adjusting thunk. The
// offset is what the JIT'd up-cast stub adds to a pointer (never dereferenced on a path
// without virtual bases).
[[nodiscard]] bool ReturnConversionAdjusts(const CompiledHierarchy& ch, int from, int to);
// The first class (in class order) whose declaration of (name, sig) the final overrider `e`
// overrides with a return that declaration's entry adjusts (ReturnConversionAdjusts from
// the overrider's return class to the declaration's), or -1.
[[nodiscard]] int ReturnAdjustingDeclaration(const CompiledHierarchy& ch, const gen::Expected& e, int name, int sig);
// ReturnAdjustingDeclaration(...) >= 0.
[[nodiscard]] bool ReplacesReturnAdjusted(const CompiledHierarchy& ch, const gen::Expected& e, int name, int sig);

}  // namespace vto::harness

#endif  // VTO_HARNESS_RETURN_ADJUSTMENT_H
