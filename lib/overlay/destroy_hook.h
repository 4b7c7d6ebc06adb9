// destroy_hook.h — INTERNAL. The functions an overlay with a destroy hook writes into the
// complete-object (D1) and deleting (D0) destructor slots of its clone.
//
// When the object is destroyed through its vtable, the hook walks the object's whole
// overlay stack from the top: for each overlay with a live hook it runs the callback (the
// object intact, its vptr on that overlay), then pops the overlay (writing the vptr below
// it back). Finally it calls the original destructor of the same kind from the original
// vtable. Exceptions from the original destructor propagate; the library's state is
// already consistent by then.
#ifndef VTO_OVERLAY_DESTROY_HOOK_H
#define VTO_OVERLAY_DESTROY_HOOK_H

#include "overlay/overlay.h"

namespace vto::internal {

void HookedCompleteDestructor(void* self);  // in the D1 slot
void HookedDeletingDestructor(void* self);  // in the D0 slot

// Teardown or Abandon of `id` from inside the destroy callback of `id`'s own overlay — what
// a binding does when it learns of the death — without any lock: when `id` is
// the handle of the overlay whose callback is running innermost on this thread, records
// the release in Block::release_claimed with a plain relaxed load and store, sets *out to
// kObjectDestroyed (kAlreadyTornDown if a release ordered before this one was recorded)
// and returns true. The handle entry is freed after the callback returns, by the hook walk
// or, for the object's last overlay, by the next critical section (Registry::AddFinishing).
// Returns false for any other id: the caller takes the locked path. A release of the same
// id on another thread that is not ordered with this one may also report kObjectDestroyed
// (CONTRACT P14). Reads only this thread's state and the block.
bool ReleaseFromOwnCallback(OverlayId id, TeardownResult* out) noexcept;

}  // namespace vto::internal

#endif  // VTO_OVERLAY_DESTROY_HOOK_H
