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
// An overlay block extends this prefix downwards:
//
//     vptr[-(4+i)]  extra slot i          (vto::ExtraSlot reads it: one fixed-offset load)
//     vptr[-3]      owning block          (the library's own record; hidden from users)
//     vptr[-2]      offset-to-top         (copied)
//     vptr[-1]      RTTI                  (copied)
//     vptr[ 0]…     slots                 (copied from the object's dynamic type, then patched)
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
// The overlay block's hidden owner word, just below the ABI prefix.
inline constexpr std::ptrdiff_t kOwnerIndex = -3;
// Extra slot i lives at vptr[-(kFirstExtraDistance + i)].
inline constexpr std::ptrdiff_t kFirstExtraDistance = 4;

using VPtr = void**;                   // what an object's vptr holds: a vtable address point
using DestructorFn = void (*)(void*);  // D0 and D1: void(T* this) on x86-64 Itanium

// Reads / writes the primary vptr at the start of a polymorphic object.
inline VPtr ReadVptr(const void* object) noexcept { return *static_cast<VPtr const*>(object); }
inline void WriteVptr(void* object, VPtr vptr) noexcept { *static_cast<VPtr*>(object) = vptr; }

inline std::ptrdiff_t OffsetToTop(VPtr vptr) noexcept {
  return reinterpret_cast<std::ptrdiff_t>(vptr[kOffsetToTopIndex]);
}
inline const std::type_info* Rtti(VPtr vptr) noexcept {
  return static_cast<const std::type_info*>(vptr[kRttiIndex]);
}

}  // namespace vto::abi

#endif  // VTO_OVERLAY_ITANIUM_ABI_H
