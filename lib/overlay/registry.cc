// registry.cc — the handle table and the per-object overlay stacks (see registry.h).
#include "overlay/registry.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace vto::internal {
namespace {

std::atomic<size_t> g_live_handles{0};

uint32_t IndexOf(OverlayId id) { return static_cast<uint32_t>(id & 0xffffffffu); }  // index + 1
uint32_t GenerationOf(OverlayId id) { return static_cast<uint32_t>(id >> 32); }

}  // namespace

Registry& Registry::Get() {
  // Never destroyed: overlays may be torn down from static destructors of other objects.
  static Registry* registry = new Registry;
  return *registry;
}

void Fatal(const char* what, const void* instance) noexcept {
  std::fprintf(stderr, "vtoverlay: FATAL: %s (object %p)\n", what, instance);
  std::fflush(stderr);
  std::abort();
}

OverlayId Registry::NewHandle(Block* block, size_t first_extra) {
  uint32_t index1;
  if (free_head_ != 0) {
    index1 = free_head_;
    free_head_ = entries_[index1 - 1].next_free;
  } else {
    entries_.emplace_back();  // may throw std::bad_alloc; nothing changed then
    index1 = static_cast<uint32_t>(entries_.size());
  }
  HandleEntry& e = entries_[index1 - 1];
  e.kind = HandleEntry::Kind::kLive;
  e.block = block;
  e.first_extra = first_extra;
  e.next_free = 0;
  g_live_handles.fetch_add(1, std::memory_order_relaxed);
  return (static_cast<OverlayId>(e.generation) << 32) | index1;
}

HandleEntry* Registry::Lookup(OverlayId id) noexcept {
  uint32_t index1 = IndexOf(id);
  if (id == 0 || index1 == 0 || index1 > entries_.size()) return nullptr;
  HandleEntry& e = entries_[index1 - 1];
  if (e.kind == HandleEntry::Kind::kFree || e.generation != GenerationOf(id)) return nullptr;
  return &e;
}

void Registry::FreeHandle(OverlayId id) noexcept {
  HandleEntry* e = Lookup(id);
  if (e == nullptr) Fatal("freeing a handle that is not live", nullptr);
  e->kind = HandleEntry::Kind::kFree;
  e->block = nullptr;
  e->generation = e->generation == UINT32_MAX ? 1 : e->generation + 1;
  e->next_free = free_head_;
  free_head_ = IndexOf(id);
  g_live_handles.fetch_sub(1, std::memory_order_relaxed);
}

size_t Registry::live_handles() const noexcept { return g_live_handles.load(std::memory_order_relaxed); }

void Registry::RetireHandle(Block* block, HandleEntry::Kind kind) noexcept {
  if (block->handle == 0) return;  // the handle was already released
  HandleEntry* e = Lookup(block->handle);
  if (e == nullptr || e->block != block) Fatal("block's handle entry is inconsistent", block->instance);
  e->kind = kind;
  e->block = nullptr;
}

bool Registry::ValidateStack(void* instance, Stack& stack) noexcept {
  abi::VPtr vptr = abi::ReadVptr(instance);
  Block* match = stack.top;
  while (match != nullptr && match->address_point() != vptr) match = match->below;
  if (match == nullptr) {
    ForgetStack(instance, HandleEntry::Kind::kDetached);
    return false;
  }
  while (stack.top != match) {  // blocks the object no longer points through
    Block* gone = stack.top;
    stack.top = gone->below;
    stack.top->above = nullptr;
    RetireHandle(gone, HandleEntry::Kind::kDetached);
    FreeBlock(gone);
  }
  return true;
}

bool Registry::PopTop(void* instance, Stack& stack, HandleEntry::Kind handle_kind) noexcept {
  Block* top = stack.top;
  abi::WriteVptr(instance, top->prev_vptr);
  Block* next = top->below;
  if (next != nullptr) {
    for (size_t i = 0; i < next->total_cells; ++i) next->cell(i) = top->cell(i);
    next->above = nullptr;
  }
  stack.top = next;
  RetireHandle(top, handle_kind);
  FreeBlock(top);
  return next == nullptr;
}

void Registry::RemoveMiddle(Stack& stack, Block* block) noexcept {
  Block* above = block->above;
  if (above == nullptr) Fatal("RemoveMiddle on the top block", block->instance);
  above->prev_vptr = block->prev_vptr;
  above->below = block->below;
  if (block->below != nullptr) block->below->above = above;
  for (Block* b = above; b != nullptr; b = b->above) {
    abi::VPtr own = b->address_point();
    for (uint32_t s = 0; s < b->num_slots; ++s) {
      if (!b->replaced(s)) own[s] = b->prev_vptr[s];
    }
  }
  for (size_t i = 0; i < block->num_extra; ++i) stack.top->cell(block->first_extra + i) = nullptr;
  RetireHandle(block, HandleEntry::Kind::kDetached);  // caller frees the handle itself
  FreeBlock(block);
}

void Registry::ForgetStack(void* instance, HandleEntry::Kind kind) noexcept {
  auto it = stacks.find(instance);
  if (it == stacks.end()) return;
  Block* b = it->second.top;
  while (b != nullptr) {
    Block* below = b->below;
    RetireHandle(b, kind);
    FreeBlock(b);
    b = below;
  }
  stacks.erase(it);
}

}  // namespace vto::internal
