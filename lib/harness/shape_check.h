// shape_check.h — the backend's reflected shape of an object's class, checked against the
// object itself and the model. The library acts on some of a ClassShape's facts only in rare
// requests (primary_bases only for a shape without subobjects, CONTRACT R11), so an install
// would not show a reflection layer that gets them wrong; this check does, on the first
// object of every fuzz_dispatch input whose backend exposes its shapes (Backend::native_shapes).
//
// What must hold for the complete object `obj` of class t.cls (a subobject "has a vptr" when
// its class has virtual functions or virtual bases):
//   - primary_bases lists exactly the classes of the subobjects with a vptr at offset 0 other
//     than the object itself, nearest first: they share its vptr (the Itanium primary-base
//     chain, however the ABI chose it), measured through the up stubs;
//   - has_secondary_vptrs: some subobject with a vptr sits at another offset;
//   - has_virtual_bases: the class has a virtual base (the model).
// Each fact is an Expectation with no reproducer line (a shape is the backend's answer to a
// name, not a step the reproducer replays).
//
// Thread-safety: thread-compatible (the fuzzer's thread).
#ifndef VTO_HARNESS_SHAPE_CHECK_H
#define VTO_HARNESS_SHAPE_CHECK_H

#include "harness/class_tables.h"
#include "harness/expectation.h"
#include "harness/hierarchy_cache.h"
#include "overlay/class_shape.h"

namespace vto::harness {

// REQUIRES: `obj` is a complete object of exactly class t.cls, `shape` the backend's shape of
// that class. A miss reports through `oracle`.
void CheckReflectedShape(const CompiledHierarchy& ch, const ClassTables& t, void* obj, const ClassShape& shape,
                         const Oracle& oracle);

}  // namespace vto::harness

#endif  // VTO_HARNESS_SHAPE_CHECK_H
