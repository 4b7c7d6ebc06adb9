// teardown.cc — Teardown and Abandon, by id and through the RAII handle.
#include <atomic>
#include <mutex>
#include <utility>

#include "overlay/destroy_hook.h"
#include "overlay/fault.h"
#include "overlay/overlay.h"
#include "overlay/registry.h"

namespace vto {
namespace {

using internal::HandleEntry;
using internal::Registry;

enum class Mode { kTeardown, kAbandon };

// Handles the states in which the object must not be touched. Returns true (with *out
// set and the entry freed) when the operation is complete.
bool FinishWithoutObject(Registry& reg, OverlayId id, HandleEntry& e, TeardownResult* out) {
  switch (e.kind) {
    case HandleEntry::Kind::kObjectDestroyed: *out = TeardownResult::kObjectDestroyed; break;
    case HandleEntry::Kind::kDetached: *out = TeardownResult::kDetached; break;
    case HandleEntry::Kind::kLive: {
      auto it = reg.stacks.find(e.block->instance);
      if (it == reg.stacks.end()) internal::Fatal("live overlay without a stack", e.block->instance);
      if (!it->second.dying) return false;
      // The object is inside a hooked destructor on some thread: never touch it. The hook
      // walk frees the block; this overlay's callback either already started or never will.
      internal::Block* b = e.block;
      if (b->release_claimed.load(std::memory_order_relaxed)) {
        // Its own callback released it first (ReleaseFromOwnCallback); the hook walk frees
        // the entry once the callback returns.
        *out = TeardownResult::kAlreadyTornDown;
        return true;
      }
      b->release_claimed.store(true, std::memory_order_relaxed);
      b->handle = 0;
      if (b->state == internal::Block::State::kFiring) {
        *out = TeardownResult::kObjectDestroyed;
      } else {
        b->cancelled = true;
        *out = TeardownResult::kCancelled;
      }
      break;
    }
    case HandleEntry::Kind::kFree: internal::Fatal("looked-up handle is free", nullptr);
  }
  reg.FreeHandle(id);
  return true;
}

TeardownResult Remove(OverlayId id, Mode mode) noexcept {
  if (id == 0) return TeardownResult::kNullHandle;
  TeardownResult result;
  if (internal::ReleaseFromOwnCallback(id, &result)) return result;
  Registry& reg = Registry::Get();
  std::unique_lock<std::mutex> lock = reg.Lock();
  HandleEntry* e = reg.Lookup(id);
  if (e == nullptr) return TeardownResult::kAlreadyTornDown;
  if (FinishWithoutObject(reg, id, *e, &result)) return result;

  void* instance = e->block->instance;
  internal::Stack& stack = reg.stacks.find(instance)->second;
  if (mode == Mode::kAbandon) {
#if VTO_FAULT_IS(abandon_reads_object)
    // FAULT: "drop what the object no longer points through first".
    (void)reg.ValidateStack(instance, stack);
#endif
    reg.ForgetStack(instance, HandleEntry::Kind::kDetached);
    reg.FreeHandle(id);
    return TeardownResult::kAbandoned;
  }
#if VTO_FAULT_IS(teardown_ignores_foreign_vptr)
  if (e->kind != HandleEntry::Kind::kLive) {  // FAULT: the object's vptr is not checked
#else
  if (!reg.ValidateStack(instance, stack) || e->kind != HandleEntry::Kind::kLive) {
#endif
    reg.FreeHandle(id);  // the vptr no longer goes through this overlay: left alone
    return TeardownResult::kDetached;
  }
  internal::Block* block = e->block;
#if VTO_FAULT_IS(teardown_skips_vptr_restore)
  if (block == stack.top && block->below == nullptr) {
    // FAULT: "the only overlay: just forget the object" (the vptr is never written back).
    reg.ForgetStack(instance, HandleEntry::Kind::kDetached);
    reg.FreeHandle(id);
    return TeardownResult::kRestored;
  }
#endif
#if VTO_FAULT_IS(teardown_always_pops_top)
  if (true) {  // FAULT: overlays assumed to be torn down last-in first-out
#else
  if (block == stack.top) {
#endif
    if (reg.PopTop(instance, stack, HandleEntry::Kind::kDetached)) reg.stacks.erase(instance);
#if VTO_FAULT_IS(teardown_keeps_handle)
    return TeardownResult::kRestored;  // FAULT: the early return skips releasing the handle
#endif
  } else {
    reg.RemoveMiddle(stack, block);
  }
  reg.FreeHandle(id);
  return TeardownResult::kRestored;
}

}  // namespace

TeardownResult TeardownOverlay(OverlayId id) noexcept { return Remove(id, Mode::kTeardown); }
TeardownResult AbandonOverlay(OverlayId id) noexcept { return Remove(id, Mode::kAbandon); }

size_t FirstExtraIndex(OverlayId id) noexcept {
  Registry& reg = Registry::Get();
  std::unique_lock<std::mutex> lock = reg.Lock();
  HandleEntry* e = reg.Lookup(id);
  if (e == nullptr) return 0;
  // Released from inside its own callback (P14): torn down, though the entry is freed only
  // when the destructor returns.
  if (e->kind == HandleEntry::Kind::kLive && e->block->release_claimed.load(std::memory_order_relaxed)) return 0;
  return e->first_extra;
}

// Both take the mutex, which finishes the removal of overlays whose objects' destruction
// ended (Registry::AddFinishing), so the counts are exact once a destructor has returned.
#if VTO_FAULT_IS(live_counts_skip_finish)
// FAULT: "a counter needs no lock": the relaxed loads alone, nothing finished first.
size_t LiveBlocks() noexcept { return internal::LiveBlockCount(); }
size_t LiveHandles() noexcept { return Registry::Get().live_handles(); }
#else
size_t LiveBlocks() noexcept {
  std::unique_lock<std::mutex> lock = Registry::Get().Lock();
  return internal::LiveBlockCount();
}
size_t LiveHandles() noexcept {
  Registry& reg = Registry::Get();
  std::unique_lock<std::mutex> lock = reg.Lock();
  return reg.live_handles();
}
#endif

#if VTO_FAULT_IS(handle_teardown_keeps_id)
TeardownResult Overlay::Teardown() noexcept { return TeardownOverlay(id_); }  // FAULT: the handle keeps its id
#else
TeardownResult Overlay::Teardown() noexcept { return TeardownOverlay(release()); }
#endif
#if VTO_FAULT_IS(handle_abandon_tears_down)
TeardownResult Overlay::Abandon() noexcept { return TeardownOverlay(release()); }  // FAULT: the wrong release
#else
TeardownResult Overlay::Abandon() noexcept { return AbandonOverlay(release()); }
#endif
size_t Overlay::first_extra_index() const noexcept { return FirstExtraIndex(id_); }

Overlay& Overlay::operator=(Overlay&& other) noexcept {
#if VTO_FAULT_IS(move_assign_leaks)
  if (this != &other) id_ = other.release();  // FAULT: the overlay this handle owned is forgotten
#elif VTO_FAULT_IS(move_assign_swaps)
  std::swap(id_, other.id_);  // FAULT: the old overlay goes to `other` instead of being torn down
#elif VTO_FAULT_IS(self_move_assign_tears_down)
  (void)Teardown();  // FAULT: no self check
  id_ = other.release();
#else
  if (this != &other) {
    (void)Teardown();
    id_ = other.release();
  }
#endif
  return *this;
}

}  // namespace vto
