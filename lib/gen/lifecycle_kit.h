// lifecycle_kit.h — the compiled C++ that gives objects of a generated hierarchy their real
// lifetimes: `new`, stack scopes, temporaries, std::make_shared / shared_ptr / unique_ptr /
// optional / vector, placement new, new[], and every way to end them. fuzz_lifecycle runs
// its scenarios through these functions, so temporaries, unwinding and the standard
// library's control blocks are the real ones (docs/GENERATOR.md, "Lifecycle kit").
// (fuzz_race uses the plain stubs of gen/stubs.h.)
//
// Defines:
//   LcOp, LcStaticOp, LcMode    the operation codes the kit's entry points switch on.
//   KitClasses                  which classes get a kit entry (concrete, virtual destructor).
//   EmitLifecycleKitUnits       the C++ text, in units compiled after EmitSource's output.
//   LcEntryName / LcStaticName / LcThrowName   the extern "C" entry points.
//
// The kit of class C (concrete, polymorphic, with a virtual destructor) defines
//   struct LcX_C : C { ... };   // "extended": shared_ptr/weak_ptr link members, and a
//                               // constructor/destructor that can call back into the host,
//                               // throw from the constructor, or throw and catch inside the
//                               // destructor body. Never final, so it is more derived than
//                               // every class a binding reflects. Has its own operator new
//                               // and operator delete, plain (sized) and aligned (unsized:
//                               // clang frees nothing when the constructor throws with only
//                               // a sized aligned one); global ones underneath, which
//                               // report to the host: a class-specific deallocation
//                               // function for the storage oracle to expect.
//   extern "C" void* <ns>_lc_C<c>(int op, void* a, void* b);  // op = LcOp | variant | mode
// and for every polymorphic class S with a virtual destructor
//   extern "C" void <ns>_lcs_C<s>(int op, void* s);             // op = LcStaticOp
// and per signature k a replacement that throws: <ns>_lcthrow_<k>(self, args...) records
// ReplacementId-style id kThrowIdBase + k, then throws int(kLcThrowValue).
//
// EmitLifecycleKitDeclarations: the LcX classes again, their member functions declared and
// not defined, after EmitDeclarations' output: what a backend that only reflects parses
// (backend_abi.h, `declare`), so it knows the dynamic types of the kit's objects.
//
// Host callbacks (exported by the fuzz executables, declared by the kit):
//   extern "C" void vto_lc_body(void* ctx, void* obj);  // inside a scope/temporary/ctor
//   extern "C" void vto_lc_storage(int event, void* p, size_t size);  // LcX's operator
//                                      // new (kLcStorageNew) and delete (kLcStorageDelete)
//
// Thread-safety: pure functions.
#ifndef VTO_GEN_LIFECYCLE_KIT_H
#define VTO_GEN_LIFECYCLE_KIT_H

#include <string>
#include <string_view>
#include <vector>

#include "gen/model.h"

namespace vto::gen {

// Entry <ns>_lc_C<c>(op, a, b). Low 8 bits: LcOp; bit 8: kVariantX selects LcX_C instead of
// C; bits 12..15: LcMode (LcX only). "holder" pointers are opaque to the host.
enum LcOp : int {
  kLcNew = 1,             // → new D(mode)
  kLcDeleteExact = 2,     // delete static_cast<D*>(a)
  kLcQualifiedDtor = 3,   // a->D::~D() (never through the vtable); then frees if b != 0
  kLcPlacementNew = 4,    // → ::new (a) D(mode); a is storage of LcSize bytes
  kLcScope = 5,           // { D obj(mode); vto_lc_body(b, &obj); }
  kLcTemporary = 6,       // Use(D(mode), b) → vto_lc_body(b, &temp) inside the full-expression
  kLcMakeShared = 7,      // → new std::shared_ptr<void>(std::make_shared<D>(mode))
  kLcSharedNew = 8,       // → new std::shared_ptr<void>(std::shared_ptr<D>(new D(mode)))
  kLcUniqueNew = 9,       // → new std::unique_ptr<D>(new D(mode))
  kLcUniqueReset = 10,    // holder a: reset(), then the empty holder is deleted
  kLcOptional = 11,       // → new std::optional<D>(std::in_place, mode)
  kLcOptionalReset = 12,  // holder a: reset(), then deleted
  kLcVectorNew = 13,      // → new std::vector<D>
  kLcVectorPush = 14,     // holder a: emplace_back(mode) (may reallocate)
  kLcVectorErase = 15,    // holder a: erase(begin() + (intptr)b)
  kLcVectorClear = 16,    // holder a: clear()
  kLcVectorDelete = 17,   // delete holder a (destroys the remaining elements)
  kLcVectorData = 18,     // → holder a's data()
  kLcVectorSize = 19,     // → (void*)size
  kLcArrayNew = 20,       // → new D[(intptr)b]
  kLcArrayDelete = 21,    // delete[] static_cast<D*>(a)
  kLcFree = 22,           // ::operator delete(a) for storage of a `new D` whose object is gone
                          // (aligned for an over-aligned D, as for kLcQualifiedDtor's free)
  kLcSize = 23,           // → (void*)sizeof(D)
  kLcAlign = 24,          // → (void*)alignof(D)
  kLcVectorCapacity = 25, // → (void*)capacity of holder a
  kLcGlobalDeleteExact = 26,  // ::delete static_cast<D*>(a). Only through the dynamic type:
                              // clang 22 passes sizeof(S), not the dynamic type's size, to the
                              // sized global operator delete of `::delete (S*)p` (ASan reports
                              // new-delete-type-mismatch with no overlay involved), so the kit
                              // does not offer ::delete through a smaller base
  // shared holders (std::shared_ptr<void>*), any class:
  kLcSharedGet = 30,      // → holder a's get()
  kLcSharedCopy = 31,     // → new std::shared_ptr<void>(*a)
  kLcSharedRelease = 32,  // delete holder a (releases one reference)
  kLcSharedUseCount = 33, // → (void*)use_count
  kLcUniqueGet = 34,      // → holder a's get() (D = the holder's class)
  kLcOptionalGet = 35,    // → &**a
  // links between LcX objects (a is an LcX_C*):
  kLcLink = 40,           // a->link = *static_cast<std::shared_ptr<void>*>(b)
  kLcWeakLink = 41,       // a->wlink = *static_cast<std::shared_ptr<void>*>(b)
  kLcUnlink = 42,         // a->link.reset(); a->wlink.reset()
  kLcWeakAlive = 43,      // → (void*)!a->wlink.expired()
};
inline constexpr int kLcVariantX = 1 << 8;
enum LcMode : int {
  kLcModeCtorBody = 1 << 12,    // the LcX constructor calls vto_lc_body(ctx, this) ...
  kLcModeCtorThrows = 1 << 13,  // ... and then throws int(kLcThrowValue)
  kLcModeDtorThrows = 1 << 14,  // the LcX destructor body throws and catches an exception
};
// Entry <ns>_lcs_C<s>(op, s): through static type S.
enum LcStaticOp : int {
  kLcsDelete = 1,        // delete static_cast<S*>(s)
  kLcsExplicitDtor = 3,  // static_cast<S*>(s)->~S()  (storage stays)
};
inline constexpr int kLcThrowValue = 0x7c0ffee;
// vto_lc_storage's events.
inline constexpr int kLcStorageNew = 1;
inline constexpr int kLcStorageDelete = 2;
// Trace id recorded by the throwing replacement of signature k.
inline constexpr int kLcThrowIdBase = 3000000;

// Classes with a kit entry: concrete, polymorphic, virtual destructor.
[[nodiscard]] std::vector<int> KitClasses(const Hierarchy& h);
// Classes with a static entry: polymorphic with a virtual destructor.
[[nodiscard]] std::vector<int> KitStaticClasses(const Hierarchy& h);

[[nodiscard]] std::string LcEntryName(std::string_view ns, int cls);
[[nodiscard]] std::string LcStaticName(std::string_view ns, int cls);
[[nodiscard]] std::string LcThrowName(std::string_view ns, int sig);
// "LcX_C<c>", the extended class's name inside the namespace.
[[nodiscard]] std::string LcXName(int cls);
// Whether a kit class `cls` has LcX_C<cls> (derived from it): its destructor is virtual and
// it is not effectively final (model.h, IsEffectivelyFinal).
[[nodiscard]] bool HasLcX(const Hierarchy& h, int cls);

// The kit's C++ text for the hierarchy emitted into namespace `ns` (it includes <memory>,
// <optional>, <vector>), as translation units to compile one after another after
// EmitSource(h, ns)'s unit (concatenated, they are one valid source): the templates, static
// entries and throwing replacements first, then one unit per kit class with its LcX
// extension and all of its instantiations. The JIT's cost of a unit
// grows faster than its symbol count (measured under ASan: one unit per hierarchy ~9 s,
// see docs/GENERATOR.md §7), so small units are much cheaper in sum.
[[nodiscard]] std::string EmitLifecycleKitDeclarations(const Hierarchy& h, std::string_view ns);
[[nodiscard]] std::vector<std::string> EmitLifecycleKitUnits(const Hierarchy& h, std::string_view ns);

}  // namespace vto::gen

#endif  // VTO_GEN_LIFECYCLE_KIT_H
