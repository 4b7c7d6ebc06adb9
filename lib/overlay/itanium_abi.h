// itanium_abi.h — every Itanium C++ ABI (x86-64 Linux) fact the overlay library relies on,
// and the layout of the overlay block around its address point. Nothing else in the
// library hard-codes a vtable offset.
//
// A vtable of a class without virtual bases, as the object's vptr sees it:
//
//     vptr[-2]   offset-to-top   (0 for the primary vptr of a complete object)
//     vptr[-1]   RTTI            (std::type_info*; null when compiled with -fno-rtti)
//     vptr[ 0]…  virtual function pointers, in declaration order, base entries first;
//                a virtual destructor occupies two slots: complete (D1) then deleting (D0)
//
// With virtual bases, vcall and vbase offsets lie below offset-to-top (vptr[-3], vptr[-4], …).
// A class with several vptrs has a vtable group: one such vtable per vptr, each with its own
// offset-to-top (minus the vptr's offset in the complete object).
//
// An overlay block clones every vtable of the group, prefixes whole, and extends the primary
// clone's prefix downwards (p0 = the primary vtable's prefix words, 2 without virtual bases):
//
//     vptr[-(p0+2+i)]  extra slot i        (vto::ExtraSlot reads it: one fixed-offset load)
//     vptr[-(p0+1)]    owning block        (the library's own record; hidden from users)
//     vptr[-p0 … -1]   prefix              (copied: vcall/vbase offsets, offset-to-top, RTTI)
//     vptr[ 0]…        slots               (copied from the object's dynamic type, then patched)
//
// So without virtual bases extra slot i is vptr[-(4+i)] (kFirstExtraDistance) from the primary
// vptr; from another vptr, or with virtual bases, it is further: Overlay::first_extra_index()
// includes the difference for the pointer the overlay was installed with.
#ifndef VTO_OVERLAY_ITANIUM_ABI_H
#define VTO_OVERLAY_ITANIUM_ABI_H

#include <cstddef>
#include <cstdint>
#include <typeinfo>

#if !defined(__x86_64__) || !defined(__linux__)
#error "vtoverlay targets the Itanium C++ ABI on x86-64 Linux"
#endif

namespace vto::abi {

// Words of the ABI prefix (offset-to-top, RTTI) for a class without virtual bases.
inline constexpr std::ptrdiff_t kOffsetToTopIndex = -2;
inline constexpr std::ptrdiff_t kRttiIndex = -1;
inline constexpr std::ptrdiff_t kPrefixWords = 2;
// Extra slot index i reads vptr[-(kFirstExtraDistance + i)] (vto::ExtraSlot).
inline constexpr std::ptrdiff_t kFirstExtraDistance = 4;

using VPtr = void**;                   // what an object's vptr holds: a vtable address point
using DestructorFn = void (*)(void*);  // D0 and D1: void(T* this) on x86-64 Itanium

// Reads / writes the primary vptr at the start of a polymorphic object. Plain accesses: the
// library reads and writes an object's vptrs only under the locks of the object's registry
// shards (the lock rule, registry.h) — or, after the last callback, as the thread destroying
// the object — so ThreadSanitizer reports any access that is not.
inline VPtr ReadVptr(const void* object) noexcept { return *static_cast<VPtr const*>(object); }
inline void WriteVptr(void* object, VPtr vptr) noexcept { *static_cast<VPtr*>(object) = vptr; }

// The same for the vptr `offset` bytes into the object.
inline VPtr ReadVptrAt(const void* object, std::ptrdiff_t offset) noexcept {
  return ReadVptr(static_cast<const char*>(object) + offset);
}
inline void WriteVptrAt(void* object, std::ptrdiff_t offset, VPtr vptr) noexcept {
  WriteVptr(static_cast<char*>(object) + offset, vptr);
}

inline std::ptrdiff_t OffsetToTop(VPtr vptr) noexcept {
  return reinterpret_cast<std::ptrdiff_t>(vptr[kOffsetToTopIndex]);
}

// The complete object a polymorphic (sub)object belongs to: what dynamic_cast<void*> returns.
inline void* CompleteObject(void* object) noexcept {
  return static_cast<char*>(object) + OffsetToTop(ReadVptr(object));
}
inline const std::type_info* Rtti(VPtr vptr) noexcept {
  return static_cast<const std::type_info*>(vptr[kRttiIndex]);
}

}  // namespace vto::abi

#endif  // VTO_OVERLAY_ITANIUM_ABI_H
