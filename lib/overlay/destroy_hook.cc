// destroy_hook.cc — the destructor-slot trampolines (see destroy_hook.h).
#include "overlay/destroy_hook.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <new>

#include "overlay/fault.h"
#include "overlay/registry.h"

namespace vto::internal {
namespace {

enum class Kind { kComplete, kDeleting };

// The overlay whose callback this thread is running (innermost; callbacks nest when one
// destroys another hooked object). Lives on RunHooks's stack frame for the callback.
struct FiringFrame {
  OverlayId handle;
  Block* block;
  FiringFrame* outer;
};
thread_local FiringFrame* t_firing = nullptr;

#if VTO_FAULT_IS(finish_after_original_dtor)
// FAULT: the last overlay is marked finished once the original destructor has returned.
thread_local Block* t_unfinished = nullptr;
void FinishAfterOriginal() {
  if (t_unfinished != nullptr) t_unfinished->finished.store(true, std::memory_order_release);
  t_unfinished = nullptr;
}
#endif

void InvokeCallback(DestroyCallback hook, void* self, void* user_data) noexcept {
  try {
    hook(self, user_data);
  } catch (...) {
#if VTO_FAULT_IS(swallowed_callback_exception)
    // FAULT: "a destructor must not throw, so don't let it": logged and ignored.
    std::fprintf(stderr, "vtoverlay: an on_destroy callback threw for object %p (ignored)\n", self);
    return;
#endif
    std::fprintf(stderr,
                 "vtoverlay: an on_destroy callback threw an exception for object %p; a destroy callback runs "
                 "inside a destructor and must not throw. Terminating.\n",
                 self);
    std::fflush(stderr);
    std::terminate();
  }
}

abi::DestructorFn RunHooks(void* self, Kind kind) {
  // The vptr at `self` is read under its shard's lock, then the locks of the object's home and
  // of all its vptr locations are taken (the lock rule, registry.h): one lock for an object
  // with one vptr.
  Registry& at_self = Registry::OfObject(self);
  internal::ShardSetLock lock(at_self.bit());
  abi::VPtr vptr = abi::ReadVptr(self);
  void* complete = static_cast<char*>(self) + abi::OffsetToTop(vptr);
#if VTO_FAULT_IS(hook_shard_from_subobject)
  // FAULT: "the destructor's `this` is the object": destroyed through a base subobject's
  // vptr, the hook looks in that address's shard.
  Registry& reg = at_self;
#else
  Registry& reg = Registry::OfObject(complete);
#endif
  StackMap::iterator it;
  Block* entered = nullptr;
  for (internal::ShardSet want = reg.bit() | at_self.bit();;) {
    if (lock.Extend(want)) vptr = abi::ReadVptr(self);  // this thread's dying object: nobody else writes it (Q1)
    it = reg.stacks.find(complete);
    entered = it == reg.stacks.end() ? nullptr : it->second.top;
    if (entered == nullptr || entered->magic != Block::kMagic) break;  // (fatal below)
    const internal::ShardSet all = want | entered->locations;
    if (all == want) break;
    want = all;
  }
  const int j = entered == nullptr || entered->magic != Block::kMagic ? -1 : entered->CloneIndex(vptr);
  if (j < 0) {
    Fatal("destroy hook entered through a vtable the library does not know as this object's current overlay "
          "(was the overlay torn down or abandoned while another thread was destroying the object?)",
          self);
  }
  Stack& stack = it->second;  // node-based map: the reference survives unlocking
  stack.dying = true;
  const int slot = kind == Kind::kDeleting ? entered->vtable(j).deleting_dtor_slot : entered->vtable(j).complete_dtor_slot;
  abi::VPtr original = nullptr;
#if VTO_FAULT_IS(hook_fires_twice)
  if (entered->hook != nullptr) {  // FAULT: "notify the overlay we came through first", then the walk
    lock.unlock();
    InvokeCallback(entered->hook, entered->installed_with, entered->user_data);
    lock.relock();
  }
#endif
#if VTO_FAULT_IS(restore_after_original_dtor)
  {  // FAULT: notify only; the overlays are removed after the original destructor ran
    for (Block* b = stack.top; b != nullptr; b = b->below) {
      if (b->hook == nullptr || b->cancelled) continue;
      b->state = Block::State::kFiring;
      lock.unlock();
      InvokeCallback(b->hook, b->installed_with, b->user_data);
      lock.relock();
    }
    for (Block* b = stack.top; b != nullptr; b = b->below) original = b->vtable(j).prev_vptr;
    return reinterpret_cast<abi::DestructorFn>(original[slot]);
  }
#endif
  for (;;) {
    Block* top = stack.top;
#if VTO_FAULT_IS(hooks_skipped_below_unhooked)
    if (top->hook == nullptr) {  // FAULT: "nobody left to notify": straight to the original
      while (top->below != nullptr) top = top->below;
      original = top->vtable(j).prev_vptr;
      top->RestoreVptrs();
      break;
    }
#endif
#if VTO_FAULT_IS(callback_after_restore)
    // FAULT: the overlay is removed first, then its callback runs.
    DestroyCallback late_hook = top->cancelled ? nullptr : top->hook;
    void* late_user_data = top->user_data;
    void* late_instance = top->installed_with;
    original = top->vtable(j).prev_vptr;
    bool last = reg.PopTop(complete, stack, HandleEntry::Kind::kObjectDestroyed);
    if (late_hook != nullptr) {
      lock.unlock();
      InvokeCallback(late_hook, late_instance, late_user_data);
      lock.relock();
    }
    if (last) break;
    continue;
#endif
    if (top->hook != nullptr && !top->cancelled) {
#if !VTO_FAULT_IS(firing_state_unlocked)
      top->state = Block::State::kFiring;
#endif
      DestroyCallback hook = top->hook;
#if VTO_FAULT_IS(hook_gets_wrong_user_data)
      void* user_data = entered->user_data;  // FAULT: the overlay the destructor came through
#else
      void* user_data = top->user_data;
#endif
      const bool last = top->below == nullptr;
      if (last) reg.AddFinishing(top);
      FiringFrame frame{top->handle, top, t_firing};
      lock.unlock();
#if VTO_FAULT_IS(firing_state_unlocked)
      top->state = Block::State::kFiring;  // FAULT: written after the lock was released
#endif
      t_firing = &frame;
      InvokeCallback(hook, top->installed_with, user_data);
      t_firing = frame.outer;
#if VTO_FAULT_IS(user_data_freed)
      std::free(user_data);  // FAULT: "the library owns what it was handed"
#endif
      if (last) {
        // No other thread touches a dying object nor its stack's blocks: restore the vptr
        // without the lock and leave the rest to the next critical section (AddFinishing).
        original = top->vtable(j).prev_vptr;
        top->RestoreVptrs();
#if VTO_FAULT_IS(finish_after_original_dtor)
        t_unfinished = top;  // FAULT: "the destructor is still running": finished after it returns
#else
        top->finished.store(true, std::memory_order_release);  // `top` is not ours after this
#endif
        return reinterpret_cast<abi::DestructorFn>(original[slot]);
      }
      lock.relock();
      if (stack.top != top) Fatal("overlay stack changed while a destroy callback ran", self);
      reg.RetireDeadHandle(top);
    }
    original = top->vtable(j).prev_vptr;
    if (reg.PopTop(complete, stack, HandleEntry::Kind::kObjectDestroyed)) break;
  }
  reg.stacks.erase(complete);
  return reinterpret_cast<abi::DestructorFn>(original[slot]);
}

#if VTO_FAULT_IS(restore_after_original_dtor)
// FAULT: after the original destructor ran, the overlays are popped: PopTop writes the vptr
// below each one back into the (for `delete`: freed) object.
void PopAllAfterDestruction(void* complete) {
  Registry& reg = Registry::OfObject(complete);
  internal::ShardSetLock lock(reg.bit());
  auto it = reg.stacks.find(complete);
  if (it == reg.stacks.end()) return;
  while (!reg.PopTop(complete, it->second, HandleEntry::Kind::kObjectDestroyed)) {
  }
  reg.stacks.erase(complete);
}
#endif

#if VTO_FAULT_IS(callback_after_free)
// FAULT: the original destructor is looked up at the bottom of the stack and run first;
// the callbacks run afterwards, on what is (for `delete`) freed memory.
abi::DestructorFn OriginalBelow(void* self, Kind kind) {
  Registry& reg = Registry::OfObject(abi::CompleteObject(self));
  internal::ShardSetLock lock(reg.bit());
  abi::VPtr vptr = abi::ReadVptr(self);
  Block* b = reg.stacks.find(abi::CompleteObject(self))->second.top;
  const int j = b->CloneIndex(vptr);
  const int slot = kind == Kind::kDeleting ? b->vtable(j).deleting_dtor_slot : b->vtable(j).complete_dtor_slot;
  while (b->below != nullptr) b = b->below;
  return reinterpret_cast<abi::DestructorFn>(b->vtable(j).prev_vptr[slot]);
}
#endif


}  // namespace

bool ReleaseFromOwnCallback(OverlayId id, TeardownResult* out) noexcept {
  FiringFrame* frame = t_firing;
  if (frame == nullptr || frame->handle != id) return false;
  // A plain load and store, no read-modify-write: a locked instruction here cost more than
  // the whole rest of the release (CONTRACT P14 says what that leaves unordered).
  std::atomic<bool>& claimed = frame->block->release_claimed;
  if (claimed.load(std::memory_order_relaxed)) {
    *out = TeardownResult::kAlreadyTornDown;  // released before: by this callback or another thread
  } else {
#if !VTO_FAULT_IS(self_release_unrecorded)
    claimed.store(true, std::memory_order_relaxed);
#endif
    *out = TeardownResult::kObjectDestroyed;  // the hook walk frees the entry
  }
  return true;
}

#if VTO_FAULT_IS(restore_after_original_dtor)
void HookedCompleteDestructor(void* self) {
  void* complete = abi::CompleteObject(self);
  RunHooks(self, Kind::kComplete)(self);
  PopAllAfterDestruction(complete);
}
void HookedDeletingDestructor(void* self) {
  void* complete = abi::CompleteObject(self);
  RunHooks(self, Kind::kDeleting)(self);
  PopAllAfterDestruction(complete);
}
#elif VTO_FAULT_IS(callback_after_free)
void HookedCompleteDestructor(void* self) {
  OriginalBelow(self, Kind::kComplete)(self);
  RunHooks(self, Kind::kComplete);
}
void HookedDeletingDestructor(void* self) {
  OriginalBelow(self, Kind::kDeleting)(self);
  RunHooks(self, Kind::kDeleting);
}
#elif VTO_FAULT_IS(deleting_hook_skips_free)
void HookedCompleteDestructor(void* self) { RunHooks(self, Kind::kComplete)(self); }
// FAULT: "the storage belongs to whoever allocated it": the object is destroyed, never freed.
void HookedDeletingDestructor(void* self) { RunHooks(self, Kind::kComplete)(self); }
#elif VTO_FAULT_IS(deleting_hook_global_free)
void HookedCompleteDestructor(void* self) { RunHooks(self, Kind::kComplete)(self); }
// FAULT: "delete is the destructor and then operator delete": the class's own (and the sized)
// deallocation function is bypassed.
void HookedDeletingDestructor(void* self) {
  RunHooks(self, Kind::kComplete)(self);
  ::operator delete(self);
}
#elif VTO_FAULT_IS(finish_after_original_dtor)
void HookedCompleteDestructor(void* self) {
  RunHooks(self, Kind::kComplete)(self);
  FinishAfterOriginal();
}
void HookedDeletingDestructor(void* self) {
  RunHooks(self, Kind::kDeleting)(self);
  FinishAfterOriginal();
}
#elif VTO_FAULT_IS(complete_hook_frees_storage)
// FAULT: one trampoline for both slots, through the deleting destructor.
void HookedCompleteDestructor(void* self) { RunHooks(self, Kind::kDeleting)(self); }
void HookedDeletingDestructor(void* self) { RunHooks(self, Kind::kDeleting)(self); }
#else
void HookedCompleteDestructor(void* self) { RunHooks(self, Kind::kComplete)(self); }
void HookedDeletingDestructor(void* self) { RunHooks(self, Kind::kDeleting)(self); }
#endif

}  // namespace vto::internal
