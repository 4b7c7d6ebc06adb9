// status.h — every outcome of the overlay API, as plain enums with stable names.
//
// Defines:
//   vto::Status          why Install refused (kOk when it did not). The object is never
//                        touched when Install refuses.
//   vto::TeardownResult  what Teardown / Abandon did.
//   StatusName, TeardownResultName — stable identifiers ("kSlotOutOfRange") for logs/tests.
//
// The numeric values are part of the C API (overlay_c.h) and never change meaning.
#ifndef VTO_OVERLAY_STATUS_H
#define VTO_OVERLAY_STATUS_H

namespace vto {

enum class Status : int {
  kOk = 0,
  kNullInstance = 1,          // instance pointer is null
  kNullShape = 2,             // no reflected shape or no resolver given
  kNotPolymorphic = 3,        // the reflected class has no vptr
  kSlotOutOfRange = 4,        // a replacement slot is >= the reflected class's slot count
  kMethodNotInVTable = 5,     // (reflection API) the named method is not a virtual of the class
  kDestructorSlot = 6,        // a replacement targets a destructor slot (use the destroy hook)
  kDuplicateSlot = 7,         // two replacements for one slot in one request
  kNullReplacement = 8,       // a replacement function pointer is null
  kExtraSlotsOverflow = 9,    // extra-slot count would overflow the block's size
  kUnknownDynamicType = 10,   // the resolver has no shape for the object's dynamic type (or no RTTI)
  kNotPrimaryBase = 11,       // the reflected class is not the dynamic type or one of its bases (the
                              // name is historical: any base is accepted now)
  kUnsupportedLayout = 12,    // multiple vptrs or virtual bases, or a pointer to a base subobject, with a
                              // dynamic-type shape that carries no vtable group (filled by hand)
  kNoVirtualDestructor = 13,  // destroy hook requested, but the reflected destructor is not virtual
  kVptrIdentityAssumed = 14,  // final class compiled with -fassume-unique-vtables (see CONTRACT.md)
  kObjectDying = 15,          // the object is inside a hooked destructor; no new overlay on it
  kOutOfMemory = 16,          // the block or handle could not be allocated
  kInconsistentShapes = 17,   // reflected and dynamic shapes contradict each other, or the object
  kAmbiguousSubobject = 18,   // the reflected class occurs more than once in the object and the
                              // instance pointer points at none of its subobjects
  kCovariantReturn = 19,      // a replaced function's final overrider has a covariant return that a
                              // vtable entry adjusts (a replacement cannot stand in for it)
};

enum class TeardownResult : int {
  kRestored = 0,          // object alive: overlay removed, vptr restored (or the stack rebased)
  kObjectDestroyed = 1,   // object destroyed through a hooked virtual destructor; its callback
                          // (if any) ran or is running; nothing was written to the object
  kCancelled = 2,         // object is being destroyed (another overlay's hook is running); this
                          // overlay's callback had not started and now never will
  kDetached = 3,          // object no longer uses this overlay (vptr overwritten by a constructor,
                          // destructor or foreign code, or Abandon); nothing written; no callback
  kAlreadyTornDown = 4,   // the handle was torn down before; nothing done
  kNullHandle = 5,        // the handle is empty; nothing done
  kAbandoned = 6,         // Abandon: block freed without touching the object; no callback
};

[[nodiscard]] const char* StatusName(Status s) noexcept;
[[nodiscard]] const char* TeardownResultName(TeardownResult r) noexcept;

}  // namespace vto

#endif  // VTO_OVERLAY_STATUS_H
