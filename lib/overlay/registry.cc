// registry.cc — the handle table and the per-object overlay stacks (see registry.h).
#include "overlay/registry.h"

#include <sched.h>

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <utility>

namespace vto::internal {
namespace {

// An id: generation (high 32 bits), then the entry's index + 1 in its shard, then the shard.
constexpr uint32_t kMaxEntries = (uint32_t{1} << (32 - kShardBits)) - 1;  // per shard
uint32_t IndexOf(OverlayId id) { return static_cast<uint32_t>(id) >> kShardBits; }  // index + 1
uint32_t GenerationOf(OverlayId id) { return static_cast<uint32_t>(id >> 32); }

}  // namespace

// --- StackMap ---------------------------------------------------------------------------

size_t StackMap::Home(void* key) const noexcept {
  // Fibonacci hashing: the multiply mixes the pointer's middle bits (objects are aligned, so
  // the low bits carry little) into the top bits, which select the slot.
  uint64_t h = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(key)) * 0x9e3779b97f4a7c15ull;
  return static_cast<size_t>(h >> shift_);
}

size_t StackMap::IndexOf(void* key) const noexcept {
  if (slots_.empty()) return SIZE_MAX;
  const size_t mask = slots_.size() - 1;
  for (size_t i = Home(key);; i = (i + 1) & mask) {
    Node* n = slots_[i];
    if (n == nullptr) return SIZE_MAX;
    if (n->first == key) return i;
  }
}

StackMap::iterator StackMap::find(void* key) noexcept {
  size_t i = IndexOf(key);
  return iterator(i == SIZE_MAX ? nullptr : slots_[i]);
}

StackMap::Node* StackMap::TakeNode() {
  if (free_ == nullptr) {
    // Chunks double, so the number of chunk allocations is logarithmic in the peak.
    size_t count = nodes_ == 0 ? 16 : nodes_;
    chunks_.reserve(chunks_.size() + 1);  // may throw; nothing changed yet
    std::unique_ptr<Node[]> chunk(new Node[count]);
    for (size_t i = 0; i < count; ++i) {
      chunk[i].next_free = free_;
      free_ = &chunk[i];
    }
    chunks_.push_back(std::move(chunk));  // capacity reserved above: cannot throw
    nodes_ += count;
  }
  Node* n = free_;
  free_ = n->next_free;
  n->next_free = nullptr;
  return n;
}

void StackMap::Rehash(size_t capacity) {
  std::vector<Node*> old(capacity, nullptr);  // may throw; nothing changed yet
  old.swap(slots_);
  shift_ = 64u - static_cast<unsigned>(__builtin_ctzll(capacity));
  const size_t mask = capacity - 1;
  for (Node* n : old) {
    if (n == nullptr) continue;
    size_t i = Home(n->first);
    while (slots_[i] != nullptr) i = (i + 1) & mask;
    slots_[i] = n;
  }
}

Stack& StackMap::operator[](void* key) {
  size_t found = IndexOf(key);
  if (found != SIZE_MAX) return slots_[found]->second;
  // Both allocations happen before anything is linked, so a bad_alloc leaves the map as it
  // was (a node taken from a fresh chunk simply stays on the free list).
  if ((size_ + 1) * 2 > slots_.size()) Rehash(slots_.empty() ? 16 : slots_.size() * 2);
  Node* n = TakeNode();
  n->first = key;
  n->second = Stack{};
  const size_t mask = slots_.size() - 1;
  size_t i = Home(key);
  while (slots_[i] != nullptr) i = (i + 1) & mask;
  slots_[i] = n;
  ++size_;
  return n->second;
}

void StackMap::EraseAt(size_t index) noexcept {
  Node* gone = slots_[index];
  const size_t mask = slots_.size() - 1;
  // Backward-shift deletion: move later members of the probe run into the hole when the
  // hole lies between their home slot and where they sit (cyclically).
  size_t hole = index;
  for (size_t j = (hole + 1) & mask; slots_[j] != nullptr; j = (j + 1) & mask) {
    size_t home = Home(slots_[j]->first);
    bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
    if (movable) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = nullptr;
  --size_;
  gone->first = nullptr;
  gone->second = Stack{};
  gone->next_free = free_;
  free_ = gone;
}

size_t StackMap::erase(void* key) noexcept {
  size_t i = IndexOf(key);
  if (i == SIZE_MAX) return 0;
  EraseAt(i);
  return 1;
}

Stack StackMap::take(void* key) noexcept {
  size_t i = IndexOf(key);
  if (i == SIZE_MAX) Fatal("taking a stack the map does not hold", key);
  Stack stack = slots_[i]->second;
  EraseAt(i);
  return stack;
}

void StackMap::erase(iterator it) noexcept {
  size_t i = IndexOf(it.node_->first);
  if (i == SIZE_MAX || slots_[i] != it.node_) Fatal("erasing a stack the map does not hold", it.node_->first);
  EraseAt(i);
}

// --- ShardMutex ---------------------------------------------------------------------------

void ShardMutex::LockSlow() noexcept {
  for (unsigned spins = 0;; ++spins) {
    if (!locked_.load(std::memory_order_relaxed) && !locked_.exchange(true, std::memory_order_acquire)) return;
    if (spins < 64) {
      __builtin_ia32_pause();
    } else {
      sched_yield();  // the holder may have lost its core (or be in malloc): let it run
    }
  }
}

// --- Registry -----------------------------------------------------------------------------

// The shards, made on first use and never destroyed: overlays may be torn down from static
// destructors of other objects.
struct ShardArray {
  Registry shards[kShards];
  ShardArray() {
    for (size_t i = 0; i < kShards; ++i) shards[i].index_ = static_cast<uint32_t>(i);
  }
};

std::atomic<Registry*> Registry::shards_{nullptr};

Registry* Registry::MakeShards() noexcept {
  auto* made = new (std::nothrow) ShardArray;
  if (made == nullptr) Fatal("allocating the registry's shards failed", nullptr);
  Registry* expected = nullptr;
  if (shards_.compare_exchange_strong(expected, made->shards, std::memory_order_acq_rel)) return made->shards;
  delete made;  // another thread's array was published first; nothing used this one
  return expected;
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
    if (entries_.size() >= kMaxEntries) throw std::bad_alloc();  // no id left to name it
    entries_.emplace_back();  // may throw std::bad_alloc; nothing changed then
    index1 = static_cast<uint32_t>(entries_.size());
  }
  HandleEntry& e = entries_[index1 - 1];
  e.kind = HandleEntry::Kind::kLive;
  e.block = block;
  e.first_extra = first_extra;
  e.next_free = 0;
  AddToCount(live_handles_, 1);
  return (static_cast<OverlayId>(e.generation) << 32) | (index1 << kShardBits) | index_;
}

HandleEntry* Registry::Lookup(OverlayId id) noexcept {
  const uint32_t index1 = IndexOf(id);
  if (id == 0 || ShardOfId(id) != index_ || index1 == 0 || index1 > entries_.size()) return nullptr;
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
  AddToCount(live_handles_, -1);
}

void Registry::RetireHandle(Block* block, HandleEntry::Kind kind) noexcept {
  if (block->handle == 0) return;  // the handle was already released
  HandleEntry* e = Lookup(block->handle);
  if (e == nullptr || e->block != block) Fatal("block's handle entry is inconsistent", block->instance);
  e->kind = kind;
  e->block = nullptr;
}

void Registry::RetireDeadHandle(Block* block) noexcept {
  if (block->handle == 0) return;
  if (block->release_claimed.load(std::memory_order_relaxed)) {
    FreeHandle(block->handle);
  } else {
    RetireHandle(block, HandleEntry::Kind::kObjectDestroyed);
  }
  block->handle = 0;
}

void Registry::AddFinishing(Block* block) noexcept {
  block->next_finishing = finishing_;
  finishing_ = block;
}

void Registry::SweepFinished() noexcept {
  Block** link = &finishing_;
  while (Block* b = *link) {
    if (!b->finished.load(std::memory_order_acquire)) {  // its callback is still running
      link = &b->next_finishing;
      continue;
    }
    *link = b->next_finishing;
    Stack gone = stacks.take(b->instance);
    if (gone.top != b || b->below != nullptr || !gone.dying) {
      Fatal("finished overlay is not the last block of a dying object's stack", b->instance);
    }
    RetireDeadHandle(b);
    FreeBlock(live_blocks, b);
  }
}

bool Registry::ValidateStack(void* instance, Stack& stack) noexcept {
  abi::VPtr vptr = abi::ReadVptr(instance);
  Block* match = stack.top;
  while (match != nullptr && match->address_point() != vptr) match = match->below;
  // The primary vptr is one of the stack's clones; so must every other vptr be, of the same
  // block (a constructor or destructor rewrites them all).
  for (uint32_t j = 1; match != nullptr && j < match->num_vtables; ++j) {
    if (abi::ReadVptrAt(instance, match->vtable(j).vptr_offset) != match->vtable(j).clone) match = nullptr;
  }
  if (match == nullptr) {
    ForgetStack(instance, HandleEntry::Kind::kDetached);
    return false;
  }
  while (stack.top != match) {  // blocks the object no longer points through
    Block* gone = stack.top;
    stack.top = gone->below;
    stack.top->above = nullptr;
    RetireHandle(gone, HandleEntry::Kind::kDetached);
    FreeBlock(live_blocks, gone);
  }
  return true;
}

bool Registry::PopTop(void* instance, Stack& stack, HandleEntry::Kind handle_kind) noexcept {
  Block* top = stack.top;
  if (top->instance != instance) Fatal("popping a block of another object", instance);
  top->RestoreVptrs();
  Block* next = top->below;
  if (next != nullptr) {
    for (size_t i = 0; i < next->total_cells; ++i) next->cell(i) = top->cell(i);
    next->above = nullptr;
  }
  stack.top = next;
  RetireHandle(top, handle_kind);
  FreeBlock(live_blocks, top);
  return next == nullptr;
}

void Registry::RemoveMiddle(Stack& stack, Block* block) noexcept {
  Block* above = block->above;
  if (above == nullptr) Fatal("RemoveMiddle on the top block", block->instance);
  for (uint32_t j = 0; j < above->num_vtables; ++j) above->vtable(j).prev_vptr = block->vtable(j).prev_vptr;
  above->below = block->below;
  if (block->below != nullptr) block->below->above = above;
  for (Block* b = above; b != nullptr; b = b->above) {
    for (uint32_t j = 0; j < b->num_vtables; ++j) {
      VTableRecord& v = b->vtable(j);
      for (uint32_t s = 0; s < v.num_slots; ++s) {
        if (!b->replaced(j, s)) v.clone[s] = v.prev_vptr[s];
      }
    }
  }
  for (size_t i = 0; i < block->num_extra; ++i) stack.top->cell(block->first_extra + i) = nullptr;
  RetireHandle(block, HandleEntry::Kind::kDetached);  // caller frees the handle itself
  FreeBlock(live_blocks, block);
}

void Registry::ForgetStack(void* instance, HandleEntry::Kind kind) noexcept {
  auto it = stacks.find(instance);
  if (it == stacks.end()) return;
  Block* b = it->second.top;
  while (b != nullptr) {
    Block* below = b->below;
    RetireHandle(b, kind);
    FreeBlock(live_blocks, b);
    b = below;
  }
  stacks.erase(it);
}

}  // namespace vto::internal
