// install_target.h — where an overlay is installed on an object: the instance pointer (the
// complete object, or a polymorphic base subobject of it) and the reflected class, and which
// subobject of that class the contract then makes the overlay for (CONTRACT P23, R11, R18;
// the rule itself is contract_rules.h's ReflectedSubobject).
//
// The new draw is made only where the object has more than one vptr (ClassTables::
// has_multiple_vptrs) and the backend claims VTO_CAP_MULTIPLE_VPTRS (TargetPolicy::
// subobjects): elsewhere every polymorphic subobject sits at offset 0, or the backend may
// refuse the layout anyway, and the draw is the one earlier versions made (a reflected class
// among the unambiguous polymorphic bases, the complete object as the instance), so corpus
// files keep their meaning there and a plug-in's profile is what it was.
//
// Example:
//   if (!Reflectable(ch, t)) return;
//   const InstallTarget at = DrawInstallTarget(src, ch, t, obj, false, TargetPolicy{});
//   spec = MakeOverlaySpec(ch, DrawOverlayRequest(src, ch, t, at, policy), at.instance);
//
// Thread-safety: values and pure functions (the draw advances its ByteSource).
#ifndef VTO_HARNESS_INSTALL_TARGET_H
#define VTO_HARNESS_INSTALL_TARGET_H

#include <cstddef>

#include "gen/byte_source.h"
#include "gen/expect.h"
#include "harness/class_tables.h"
#include "harness/hierarchy_cache.h"

namespace vto::harness {

// The paths point into the object's ClassTables (ClassTables::PathOf), which outlive every
// scenario of their hierarchy: a target is a few words, made without an allocation.
struct InstallTarget {
  int reflected = -1;                                 // the reflected class R
  int instance_node = 0;                              // node of the object's SubobjectGraph the pointer is at
  const gen::SubobjectPath* instance_path = nullptr;  // its path (the complete object: {cls})
  std::ptrdiff_t instance_off = 0;                    // its offset in the complete object
  void* instance = nullptr;                           // the pointer Install is given
  int reflected_node = -1;                            // the R subobject the contract selects; -1: none (refused)
  const gen::SubobjectPath* reflected_path = nullptr; // its path; null when none
  std::ptrdiff_t reflected_off = 0;                   // its offset (0 when none)
};

// The draw's probabilities (objects with more than one vptr only).
struct TargetPolicy {
  bool subobjects = true;         // the backend claims VTO_CAP_MULTIPLE_VPTRS (else never drawn)
  double complete_object = 0.4;   // the instance pointer is the complete object
  double within_instance = 0.8;   // R is the class of a subobject inside the instance subobject
                                  // (else of any polymorphic subobject: R18's refusals)
};

// True if an object of these tables can be reflected at all (its class is polymorphic).
[[nodiscard]] bool Reflectable(const CompiledHierarchy& ch, const ClassTables& t);

// Draws the instance pointer and R for the object `obj` of t's class: the complete object,
// or (`more_derived`) the t.cls subobject at offset 0 of a more derived one (LcX_C, which adds
// no polymorphic base; offsets are then walked, never cached). REQUIRES: Reflectable(ch, t).
[[nodiscard]] InstallTarget DrawInstallTarget(gen::ByteSource& src, const CompiledHierarchy& ch, const ClassTables& t,
                                              void* obj, bool more_derived, const TargetPolicy& policy);
// The target of an install through subobject `instance_node` of `obj` reflected as
// `reflected` (any class): the contract's subobject, or none.
[[nodiscard]] InstallTarget TargetAt(const ClassTables& t, void* obj, bool more_derived, int instance_node,
                                     int reflected);
// The same on `obj` itself (node 0).
[[nodiscard]] inline InstallTarget ObjectTarget(const ClassTables& t, void* obj, bool more_derived, int reflected) {
  return TargetAt(t, obj, more_derived, 0, reflected);
}

}  // namespace vto::harness

#endif  // VTO_HARNESS_INSTALL_TARGET_H
