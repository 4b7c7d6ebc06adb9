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
// `it`: the object's stack (looked up by the caller for a kLive entry).
bool FinishWithoutObject(Registry& reg, OverlayId id, HandleEntry& e, internal::StackMap::iterator it,
                         TeardownResult* out) {
  switch (e.kind) {
    case HandleEntry::Kind::kObjectDestroyed: *out = TeardownResult::kObjectDestroyed; break;
    case HandleEntry::Kind::kDetached: *out = TeardownResult::kDetached; break;
    case HandleEntry::Kind::kLive: {
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
  Registry& reg = Registry::OfHandle(id);
  internal::ShardSetLock lock(reg.bit());
  HandleEntry* e = reg.Lookup(id);
  // A live overlay's object may have vptrs in other shards: their locks too (the lock rule,
  // registry.h), all taken again in order, and the id looked up again.
  while (e != nullptr && e->kind == HandleEntry::Kind::kLive) {
#if VTO_FAULT_IS(teardown_locks_home_shard_only)
    // FAULT: "the object's state is in its home shard": the shards of its other vptr addresses
    // are not locked, so an install through a base pointer reads a vptr this teardown writes.
    const internal::ShardSet want = reg.bit();
#else
    const internal::ShardSet want = reg.bit() | e->block->locations;
#endif
    if (!lock.Extend(want)) break;
    e = reg.Lookup(id);
  }
  if (e == nullptr) return TeardownResult::kAlreadyTornDown;
  const auto it = e->kind == HandleEntry::Kind::kLive ? reg.stacks.find(e->block->instance) : reg.stacks.end();
  if (FinishWithoutObject(reg, id, *e, it, &result)) return result;

  void* instance = e->block->instance;
  internal::Stack& stack = it->second;
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
    if (reg.PopTop(instance, stack, HandleEntry::Kind::kDetached)) reg.stacks.erase(it);
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
  Registry& reg = Registry::OfHandle(id);
  internal::ShardSetLock lock(reg.bit());
  HandleEntry* e = reg.Lookup(id);
  if (e == nullptr) return 0;
  // Released from inside its own callback (P14): torn down, though the entry is freed only
  // when the destructor returns.
  if (e->kind == HandleEntry::Kind::kLive && e->block->release_claimed.load(std::memory_order_relaxed)) return 0;
  return e->first_extra;
}

// Both take every shard's mutex in turn, which finishes the removal of overlays whose
// objects' destruction ended (Registry::AddFinishing), so the counts are exact once a
// destructor has returned; each shard's count is read under its mutex and the counts summed.
// Operations on other threads meanwhile are each counted or not (the sum is some state each
// shard went through).
namespace {
template <typename Count>
size_t SumShards(Count count) noexcept {
  size_t sum = 0;
#if VTO_FAULT_IS(live_count_shard_skipped)
  for (size_t i = 0; i + 1 < internal::kShards; ++i) {  // FAULT: the last shard is never summed
#else
  for (size_t i = 0; i < internal::kShards; ++i) {
#endif
    Registry& reg = Registry::At(i);
#if VTO_FAULT_IS(live_counts_skip_finish)
    sum += count(reg);  // FAULT: "a counter needs no lock": the relaxed loads alone, nothing finished first
#else
    internal::ShardSetLock lock(reg.bit());
    sum += count(reg);
#endif
  }
  return sum;
}
}  // namespace

size_t LiveBlocks() noexcept {
  return SumShards([](Registry& reg) { return reg.live_blocks.load(std::memory_order_relaxed); });
}
size_t LiveHandles() noexcept {
  return SumShards([](Registry& reg) { return reg.live_handles(); });
}

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
