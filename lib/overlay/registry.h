// registry.h — INTERNAL. The library's process-wide state: one mutex, the handle table and
// the stack of overlay blocks of every overlaid object, with the operations that keep an
// object's stack and its vptr consistent. Every function here REQUIRES the mutex held.
//
// Invariants (checked where they are relied on):
//   - an object with a stack is in `stacks`; its vptr is the top block's address point
//     (unless code outside the library rewrote it — ValidateStack detects that);
//   - each block's non-replaced slots equal the slots of the vtable below it (prev_vptr);
//   - the top block holds the current value of every extra slot of the stack;
//   - a handle entry is kLive exactly while its block exists.
#ifndef VTO_OVERLAY_REGISTRY_H
#define VTO_OVERLAY_REGISTRY_H

#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "overlay/block.h"

namespace vto::internal {

struct HandleEntry {
  enum class Kind : uint8_t { kFree, kLive, kObjectDestroyed, kDetached };
  uint32_t generation = 1;
  Kind kind = Kind::kFree;
  Block* block = nullptr;  // kLive only
  size_t first_extra = 0;
  uint32_t next_free = 0;  // free list link (index + 1; 0 ends the list)
};

struct Stack {
  Block* top = nullptr;
  bool dying = false;  // a hooked destructor of the object has been entered
};

class Registry {
 public:
  static Registry& Get();

  std::mutex mu;
  std::unordered_map<void*, Stack> stacks;

  // Handle table. NewHandle may throw std::bad_alloc.
  OverlayId NewHandle(Block* block, size_t first_extra);
  // nullptr for the null id or an id whose generation is stale (already torn down).
  HandleEntry* Lookup(OverlayId id) noexcept;
  void FreeHandle(OverlayId id) noexcept;
  size_t live_handles() const noexcept;

  // Checks the object's vptr against its stack. Blocks above the one the vptr points at
  // were dropped by code outside the library (a constructor or destructor rewrote the vptr):
  // they are freed and their handles become kDetached. Returns false, with the stack
  // erased, when the vptr points at none of the stack's blocks. Reads the object.
  bool ValidateStack(void* instance, Stack& stack) noexcept;
  // Removes the top block: writes its prev_vptr into the object, moves the extra slots
  // down, frees it, and turns its handle into `handle_kind`. Returns true when the stack
  // is now empty (the caller erases it).
  bool PopTop(void* instance, Stack& stack, HandleEntry::Kind handle_kind) noexcept;
  // Removes a block that is not on top while the object is alive: the blocks above are
  // rebased onto the one below it. Does not write the object.
  void RemoveMiddle(Stack& stack, Block* block) noexcept;
  // Frees every block of the stack without touching the object; their handles become
  // `kind` (a caller that is releasing one of them frees that entry afterwards). Erases
  // the stack.
  void ForgetStack(void* instance, HandleEntry::Kind kind) noexcept;

 private:
  Registry() = default;
  void RetireHandle(Block* block, HandleEntry::Kind kind) noexcept;
  std::vector<HandleEntry> entries_;
  uint32_t free_head_ = 0;
};

// Aborts with a message: a broken invariant of the library (never bad input).
[[noreturn]] void Fatal(const char* what, const void* instance) noexcept;

}  // namespace vto::internal

#endif  // VTO_OVERLAY_REGISTRY_H
