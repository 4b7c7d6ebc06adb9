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

namespace vto::internal {

void HookedCompleteDestructor(void* self);  // in the D1 slot
void HookedDeletingDestructor(void* self);  // in the D0 slot

}  // namespace vto::internal

#endif  // VTO_OVERLAY_DESTROY_HOOK_H
