// overlay.h — per-object vtable overlays: replace virtual functions of ONE object, keep
// per-instance state next to its vtable, and learn when the object dies.
//
// Defines:
//   vto::InstallRequest  what to overlay: the object, the class the caller reflected, the
//                        slots to replace, extra per-instance slots, an optional destroy hook.
//   vto::Install         clones the object's vtable group (every vtable of its *dynamic* type)
//                        into one owned block, points every vptr at its clone, patches the
//                        entries that reach the replaced final overriders.
//   vto::Overlay         RAII handle: its destructor tears the overlay down.
//   vto::ExtraSlot       inline accessor of an extra slot: one fixed-offset load from the vptr.
//   vto::LiveBlocks / LiveHandles  process-wide accounting, for leak checks.
//
// Example:
//
//   int Loud(Animal* self) { return 99; }             // replacement for Animal::legs
//   void Gone(void* self, void* state) { delete static_cast<State*>(state); }
//
//   vto::InstallRequest req;
//   req.instance = dog;                               // a Dog, reflected as Animal
//   req.reflected = shapes.Find(typeid(Animal).name());
//   req.replacements = {{/*slot of legs*/ 2, reinterpret_cast<void*>(&Loud)}};
//   req.extra_slots = 1;
//   req.on_destroy = &Gone;
//   req.user_data = new State;
//   vto::InstallResult r = vto::Install(req, shapes);
//   if (!r.ok()) { log(r.message); return; }         // the object was not touched
//   vto::ExtraSlot(dog, r.overlay.first_extra_index()) = my_state;
//   dog->legs();                                      // 99
//   delete dog;                                       // Gone(dog, state) runs first
//
// Every promise and refusal is listed in docs/CONTRACT.md; this header states them too.
//
// Thread-safety: all functions are thread-safe. Operations on different objects never
// race. Operations on the same object are serialized by the library; the caller must
// still order them with every other use of that object (virtual calls, destruction) as
// it would order any write to the object — except for the one race the library defines:
// Teardown/Abandon may run on one thread while the object is inside a hooked destructor
// on another (see CONTRACT.md, "Threads"). A release of an overlay's id from inside its
// own destroy callback takes no lock (CONTRACT P14 says what that leaves unordered), and a
// hooked destruction leaves freeing the block to the library's next call on the object's
// registry shard, on any thread (P22).
#ifndef VTO_OVERLAY_OVERLAY_H
#define VTO_OVERLAY_OVERLAY_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "overlay/class_shape.h"
#include "overlay/itanium_abi.h"
#include "overlay/status.h"

namespace vto {

// Called exactly once when an overlaid object is destroyed through a virtual destructor
// call (deleting or complete-object destructor reached through the vtable), BEFORE the
// original destructor runs: the object is intact, its vptr points at this overlay, its
// extra slots are readable. Must not throw: an exception escaping the callback
// terminates the process (std::terminate), as from any destructor.
using DestroyCallback = void (*)(void* instance, void* user_data);

// One slot to patch: `slot` indexes the reflected class's primary vtable from its address
// point (destructor entries count). `function` takes the place of the final overrider that
// slot reaches in the reflected subobject, for every virtual call that reaches it through any
// vptr of the object (CONTRACT P23), and is always called with `this` = the reflected
// subobject (the library makes this-adjusting thunks where needed, P24).
struct SlotReplacement {
  uint32_t slot = 0;
  void* function = nullptr;
};

struct InstallRequest {
  // The object: a pointer to the complete object or to any polymorphic base subobject of it
  // (the complete object is found from offset-to-top). Must point at a live object whose
  // class is `reflected` or derived from it. When `reflected` occurs more than once in the
  // object, this pointer must point at the subobject meant (else kAmbiguousSubobject); the
  // destroy callback receives this pointer, and extra slots are read through it.
  void* instance = nullptr;
  // The class the caller reflected (the static type it knows). Not owned; only read
  // during Install.
  const ClassShape* reflected = nullptr;
  std::vector<SlotReplacement> replacements;
  // Number of extra per-instance void* slots, all nullptr after Install.
  size_t extra_slots = 0;
  // Optional destroy hook; requires a virtual destructor in `reflected`.
  DestroyCallback on_destroy = nullptr;
  void* user_data = nullptr;  // passed to on_destroy; not owned
};

// Opaque, generation-checked handle id; 0 is the null handle. A torn-down id is never
// mistaken for a live one (until 2^32 reuses of one table entry).
using OverlayId = uint64_t;

// Owns one installed overlay. Move-only. The destructor calls Teardown().
// Thread-compatible: one Overlay object must not be used by two threads at once
// (distinct Overlay objects, even on the same C++ object, may be).
class Overlay {
 public:
  Overlay() noexcept = default;
  // Adopts an id obtained from release() or the C API.
  explicit Overlay(OverlayId id) noexcept : id_(id) {}
  // Moving leaves `other` empty. Move-assignment first tears down the overlay this handle
  // owns (if any); assigning a handle to itself changes nothing.
  Overlay(Overlay&& other) noexcept : id_(other.id_) { other.id_ = 0; }
  Overlay& operator=(Overlay&& other) noexcept;
  Overlay(const Overlay&) = delete;
  Overlay& operator=(const Overlay&) = delete;
  ~Overlay() {
    if (id_ != 0) (void)Teardown();  // (an empty handle's Teardown does nothing: not called)
  }

  // Removes the overlay. While the object is alive and this is its only overlay, writes
  // back exactly the vptr that was there before Install; with stacked overlays, removes
  // this one and keeps the others working (any order). After the object was destroyed
  // through a hooked destructor, touches nothing but the library's own memory. Idempotent:
  // the handle is empty afterwards and a second call returns kNullHandle.
  TeardownResult Teardown() noexcept;
  // For an object destroyed through a path the library cannot see (e.g. a stack object of
  // its exact type leaving scope): frees the block and forgets every overlay of that
  // object WITHOUT reading or writing the object. No callback runs. The handle is empty
  // afterwards.
  TeardownResult Abandon() noexcept;

  [[nodiscard]] bool valid() const noexcept { return id_ != 0; }
  [[nodiscard]] OverlayId id() const noexcept { return id_; }
  // Gives up ownership without tearing down (e.g. to hand the id to C code).
  [[nodiscard]] OverlayId release() noexcept {
    OverlayId id = id_;
    id_ = 0;
    return id;
  }
  // Index of this overlay's first extra slot: ExtraSlot(p, first_extra_index() + i) is its
  // i-th extra slot, where p is the instance pointer the overlay was installed with. 0 for the
  // first overlay on an object installed through its primary vptr without virtual bases;
  // larger through another vptr or with vbase/vcall offsets (the distance to the cells is
  // included); when overlays are stacked each gets its own range. Returns 0 for an empty or torn-down handle (also for an id
  // released inside its own destroy callback).
  [[nodiscard]] size_t first_extra_index() const noexcept;

 private:
  OverlayId id_ = 0;
};

struct InstallResult {
  Status status = Status::kOk;
  std::string message;  // empty on success; names the reason and the values on refusal
  Overlay overlay;      // valid() exactly when status == kOk
  [[nodiscard]] bool ok() const noexcept { return status == Status::kOk; }
};

// Installs an overlay. On refusal the object is not written (and, for refusals detected
// from the request alone, not even read). `resolver` supplies the shape of the object's
// dynamic type, looked up by the RTTI name its vtable carries; it is only used during
// the call. Never throws.
[[nodiscard]] InstallResult Install(const InstallRequest& request, const ShapeResolver& resolver);

// Teardown / Abandon by id (the C API and Overlay use these). Same semantics as the
// Overlay members; an id can be torn down once, later calls return kAlreadyTornDown.
// Called from inside the destroy callback of the id's own overlay (the place a binding
// learns of the death) they return kObjectDestroyed without taking any lock;
// a later release ordered after that one returns kAlreadyTornDown (CONTRACT P14).
TeardownResult TeardownOverlay(OverlayId id) noexcept;
TeardownResult AbandonOverlay(OverlayId id) noexcept;
[[nodiscard]] size_t FirstExtraIndex(OverlayId id) noexcept;

// The extra slot `index` of the object's current (topmost) overlay, by reference.
// REQUIRES: `instance` is the pointer an installed overlay of this library was installed
// with, and that overlay's extra range (first_extra_index() .. + extra_slots) contains `index`. Not checked: this is the
// fast path a binding's thunk uses (one load of the vptr, one fixed-offset load).
inline void*& ExtraSlot(void* instance, size_t index) noexcept {
  abi::VPtr vptr = abi::ReadVptr(instance);
  return vptr[-(abi::kFirstExtraDistance + static_cast<std::ptrdiff_t>(index))];
}

// Number of overlay blocks currently allocated (installed, or being destroyed). Takes every
// registry shard's lock in turn, which first finishes hooked destructions that have returned
// (P22), so the count is exact once a destructor has returned (P21).
[[nodiscard]] size_t LiveBlocks() noexcept;
// Number of handles not yet torn down (a handle outlives its block when the object died
// through a hooked destructor and the caller has not called Teardown yet). A handle
// released inside its own destroy callback counts until that destructor returns (P21).
[[nodiscard]] size_t LiveHandles() noexcept;

}  // namespace vto

#endif  // VTO_OVERLAY_OVERLAY_H
