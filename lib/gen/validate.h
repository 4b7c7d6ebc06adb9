// validate.h — the promises Generate makes about a hierarchy, as one checkable predicate.
//
// Defines vto::gen::ValidateHierarchy. It checks, from the model alone, every rule that keeps
// the emitted program well-formed, free of diagnostics and free of undefined behaviour:
//   - bases precede derived classes, are listed once, and each direct base is unambiguous;
//   - method names: each introduced by one class with distinct-parameter, same-constness
//     overloads; a class declaring a name declares all its overloads (nothing is hidden);
//   - every virtual function of every subobject has a unique final overrider in every class;
//   - nothing overrides a `final` method; `final` classes are concrete leaves that introduce no
//     virtual; every leaf class is concrete (so some class can be instantiated);
//   - constructor/destructor calls resolve unambiguously to a non-pure overrider at that level;
//   - implementation ids are unique and below kReplacementIdBase; member alignments are powers
//     of two up to 16; the derived facts equal ComputeFacts' result;
//   - the source variants' own rules (model.h): alignas not below a base's, variadic and
//     class-returning signatures where they may be, lookup of operator new/delete unambiguous.
//
// Tests run it over many seeds; the fuzz runner can run it before emitting.
//
// Thread-safety: pure function.
#ifndef VTO_GEN_VALIDATE_H
#define VTO_GEN_VALIDATE_H

#include <string>

#include "gen/model.h"

namespace vto::gen {

// "" if `h` keeps every promise above, else a sentence naming the first broken one.
[[nodiscard]] std::string ValidateHierarchy(const Hierarchy& h);

}  // namespace vto::gen

#endif  // VTO_GEN_VALIDATE_H
