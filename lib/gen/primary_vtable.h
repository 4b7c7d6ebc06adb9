// primary_vtable.h — which virtual functions a class's primary vtable names (Itanium C++ ABI),
// from the model alone.
//
// Defines:
//   PrimaryBase      the base whose vptr a class shares (its primary base), or -1.
//   InPrimaryVtable  whether a call of (name, sig) through the class reaches an entry of the
//                    class's own primary vtable — what a binding can name by slot.
//
// The ABI (2.5.2): a class's primary vtable holds its primary base's entries, then one entry
// per virtual function the class declares that does not override one of the primary base's.
// A function the class only inherits from another (secondary or virtual) base lives in that
// base's vtable, not in the class's primary one, so a reflection API that resolves names in
// the primary vtable (interp::ClassLayout::FindSlot) cannot name it. An override with a
// covariant return that the primary base's entry must adjust (Hierarchy::class_return_sigs)
// gets a second entry of its own; either names the same final overrider.
//
// Only the first non-virtual dynamic base is taken as primary: a class whose primary base is a
// nearly empty virtual base (ABI 2.4 II.1) is answered as if it had none, so InPrimaryVtable may
// say false for a name inherited from it (sound: a true answer is always in the vtable).
//
// Example:
//   for (const VirtualCall& call : plan.classes[r].calls)
//     if (InPrimaryVtable(h, r, call.name, call.sig)) { /* a backend can replace it by name */ }
//
// Thread-safety: pure functions.
#ifndef VTO_GEN_PRIMARY_VTABLE_H
#define VTO_GEN_PRIMARY_VTABLE_H

#include "gen/model.h"

namespace vto::gen {

// True if the class has a vptr: a virtual function or a virtual base, its own or inherited.
[[nodiscard]] bool IsDynamic(const Hierarchy& h, int cls);
// The first non-virtual dynamic direct base of `cls`, or -1 (see above for virtual ones).
[[nodiscard]] int PrimaryBase(const Hierarchy& h, int cls);
// True if a call m<name> with signature `sig` made through a `cls` reaches an entry of cls's
// primary vtable: cls declares it, or its primary base's vtable has it.
[[nodiscard]] bool InPrimaryVtable(const Hierarchy& h, int cls, int name, int sig);

}  // namespace vto::gen

#endif  // VTO_GEN_PRIMARY_VTABLE_H
