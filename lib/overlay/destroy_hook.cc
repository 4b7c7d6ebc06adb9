// destroy_hook.cc — the destructor-slot trampolines (see destroy_hook.h).
#include "overlay/destroy_hook.h"

#include <cstdio>
#include <exception>
#include <mutex>

#include "overlay/registry.h"

namespace vto::internal {
namespace {

enum class Kind { kComplete, kDeleting };

void InvokeCallback(DestroyCallback hook, void* self, void* user_data) noexcept {
  try {
    hook(self, user_data);
  } catch (...) {
    std::fprintf(stderr,
                 "vtoverlay: an on_destroy callback threw an exception for object %p; a destroy callback runs "
                 "inside a destructor and must not throw. Terminating.\n",
                 self);
    std::fflush(stderr);
    std::terminate();
  }
}

abi::DestructorFn RunHooks(void* self, Kind kind) {
  Registry& reg = Registry::Get();
  std::unique_lock<std::mutex> lock(reg.mu);
  abi::VPtr vptr = abi::ReadVptr(self);
  Block* entered = Block::FromAddressPoint(vptr);
  auto it = reg.stacks.find(self);
  if (entered == nullptr || entered->magic != Block::kMagic || entered->instance != self ||
      it == reg.stacks.end() || it->second.top != entered) {
    Fatal("destroy hook entered through a vtable the library does not know as this object's current overlay "
          "(was the overlay torn down or abandoned while another thread was destroying the object?)",
          self);
  }
  Stack& stack = it->second;  // node-based map: the reference survives unlocking
  stack.dying = true;
  const int slot = kind == Kind::kDeleting ? entered->deleting_dtor_slot : entered->complete_dtor_slot;
  abi::VPtr original = nullptr;
  for (;;) {
    Block* top = stack.top;
    if (top->hook != nullptr && !top->cancelled) {
      top->state = Block::State::kFiring;
      DestroyCallback hook = top->hook;
      void* user_data = top->user_data;
      lock.unlock();
      InvokeCallback(hook, self, user_data);
      lock.lock();
      if (stack.top != top) Fatal("overlay stack changed while a destroy callback ran", self);
    }
    original = top->prev_vptr;
    if (reg.PopTop(self, stack, HandleEntry::Kind::kObjectDestroyed)) break;
  }
  reg.stacks.erase(self);
  return reinterpret_cast<abi::DestructorFn>(original[slot]);
}

}  // namespace

void HookedCompleteDestructor(void* self) { RunHooks(self, Kind::kComplete)(self); }
void HookedDeletingDestructor(void* self) { RunHooks(self, Kind::kDeleting)(self); }

}  // namespace vto::internal
