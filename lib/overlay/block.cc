// block.cc — allocation and layout of overlay blocks (see block.h).
#include "overlay/block.h"

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>

#include "overlay/fault.h"

namespace vto::internal {
namespace {

// Changed only under the registry mutex (blocks are made and freed only there): so a
// relaxed load and store suffice, where a read-modify-write would be a locked instruction
// on every install, teardown and hooked destruction. Atomic because the
// live_counts_skip_finish fault build reads it without the mutex.
std::atomic<size_t> g_live_blocks{0};

void AddLive(ptrdiff_t delta) noexcept {
  g_live_blocks.store(g_live_blocks.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
}

constexpr size_t kHeaderWords = sizeof(Block) / sizeof(void*);
static_assert(sizeof(Block) % sizeof(void*) == 0, "block header must be a whole number of words");
// owner word + offset-to-top + RTTI
constexpr size_t kAroundAddressPoint = 1 + abi::kPrefixWords;

size_t BitmapWords(size_t num_slots) { return (num_slots + 63) / 64; }

}  // namespace

abi::VPtr Block::address_point() noexcept {
  void** base = reinterpret_cast<void**>(this);
  return base + kHeaderWords + bitmap_words + total_cells + kAroundAddressPoint;
}

AllocOutcome AllocateBlock(size_t num_slots, size_t total_cells, Block** out) noexcept {
  *out = nullptr;
#if VTO_FAULT_IS(stacked_extra_slots_unchecked)
  if (num_slots > kMaxSlots) return AllocOutcome::kTooLarge;  // FAULT: "install checked the cells"
#else
  if (num_slots > kMaxSlots || total_cells > kMaxExtraSlots) return AllocOutcome::kTooLarge;
#endif
  // With both inputs bounded by 2^16 the sum cannot overflow; still computed checked, so
  // that raising the limits can never silently wrap.
  size_t words = 0;
  if (__builtin_add_overflow(kHeaderWords, BitmapWords(num_slots), &words) ||
      __builtin_add_overflow(words, total_cells, &words) ||
      __builtin_add_overflow(words, kAroundAddressPoint, &words) ||
      __builtin_add_overflow(words, num_slots, &words)) {
    return AllocOutcome::kTooLarge;
  }
  size_t bytes = 0;
  if (__builtin_mul_overflow(words, sizeof(void*), &bytes)) return AllocOutcome::kTooLarge;
  void* memory = std::calloc(1, bytes);
  if (memory == nullptr) return AllocOutcome::kNoMemory;
  Block* block = new (memory) Block();  // value-initialized: zero, the atomic constructed
  block->magic = Block::kMagic;
  block->num_slots = static_cast<uint32_t>(num_slots);
  block->total_cells = total_cells;
  block->bitmap_words = BitmapWords(num_slots);
  block->complete_dtor_slot = -1;
  block->deleting_dtor_slot = -1;
  block->state = Block::State::kInstalled;
  block->address_point()[abi::kOwnerIndex] = block;
  AddLive(1);
  *out = block;
  return AllocOutcome::kOk;
}

void FreeBlock(Block* block) noexcept {
  if (block == nullptr) return;
  block->magic = 0;
#if VTO_FAULT_IS(block_leaks_on_teardown)
  if (block->magic != Block::kMagic) return;  // FAULT: a double-free guard, checked after clearing
#endif
  std::free(block);
  AddLive(-1);
}

size_t LiveBlockCount() noexcept { return g_live_blocks.load(std::memory_order_relaxed); }

}  // namespace vto::internal
