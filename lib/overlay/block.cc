// block.cc — allocation and layout of overlay blocks (see block.h).
#include "overlay/block.h"

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>

#include "overlay/fault.h"
#include "overlay/thunk_pool.h"

namespace vto::internal {
namespace {

constexpr size_t kHeaderWords = sizeof(Block) / sizeof(void*);
constexpr size_t kRecordWords = sizeof(VTableRecord) / sizeof(void*);
static_assert(sizeof(Block) % sizeof(void*) == 0, "block header must be a whole number of words");

}  // namespace

AllocOutcome AllocateBlock(LiveCount& live, size_t num_vtables, VTableSizeFn size_of, const void* context, size_t num_thunks,
                           size_t total_cells, Block** out) noexcept {
  *out = nullptr;
  if (num_vtables == 0 || num_vtables > kMaxVTables) return AllocOutcome::kTooLarge;
#if VTO_FAULT_IS(stacked_extra_slots_unchecked)
  (void)0;  // FAULT: "install checked the cells"
#else
  if (total_cells > kMaxExtraSlots) return AllocOutcome::kTooLarge;
#endif
  // Every input is bounded (2^12 vtables of at most 2^16 entries and 2^12 prefix words, 2^16
  // cells; a thunk per entry at most), so no sum can overflow; still computed checked, so
  // that raising the limits can never silently wrap.
  size_t bits = 0;
  size_t clone_words = 0;
  for (size_t j = 0; j < num_vtables; ++j) {
    const VTableSize size = size_of(context, j);
    if (size.num_slots > kMaxSlots || size.prefix_words > kMaxPrefix || size.prefix_words < 2) {
      return AllocOutcome::kTooLarge;
    }
    bits += size.num_slots;
    clone_words += size.prefix_words + size.num_slots;
  }
  if (num_thunks > bits) return AllocOutcome::kTooLarge;
  const size_t bitmap_words = (bits + 63) / 64;
  size_t words = 0;
  if (__builtin_mul_overflow(num_vtables, kRecordWords, &words) ||
      __builtin_add_overflow(words, kHeaderWords + num_thunks + bitmap_words, &words) ||
      __builtin_add_overflow(words, total_cells, &words) ||
      __builtin_add_overflow(words, 1 /* owner */, &words) ||
      __builtin_add_overflow(words, clone_words, &words)) {
    return AllocOutcome::kTooLarge;
  }
  size_t bytes = 0;
  if (__builtin_mul_overflow(words, sizeof(void*), &bytes)) return AllocOutcome::kTooLarge;
  // Everything up to the first clone is zeroed; the clones (prefixes and slots) are written
  // whole by Install. (The faults that leave clone words unwritten describe them as zero.)
  void* memory = std::malloc(bytes);
  if (memory == nullptr) return AllocOutcome::kNoMemory;
#if VTO_FAULT_IS(abi_prefix_not_copied) || VTO_FAULT_IS(vbase_offsets_not_copied) || \
    VTO_FAULT_IS(dtor_slots_skipped_without_hook) || VTO_FAULT_IS(clone_sized_from_reflected)
  std::memset(memory, 0, bytes);
#else
  std::memset(memory, 0, (words - clone_words) * sizeof(void*));
#endif
  Block* block = new (memory) Block();  // value-initialized: zero, the atomics constructed
  block->magic = Block::kMagic;
  block->num_vtables = static_cast<uint32_t>(num_vtables);
  block->num_thunks = static_cast<uint32_t>(num_thunks);
  block->total_cells = total_cells;
  block->bitmap_words = bitmap_words;
  block->state = Block::State::kInstalled;
  void** cursor = reinterpret_cast<void**>(block->bitmap() + bitmap_words) + total_cells + 1;
  uint32_t first_bit = 0;
  for (size_t j = 0; j < num_vtables; ++j) {
    VTableRecord& r = block->vtable(j);
    const VTableSize size = size_of(context, j);
    r.prefix_words = size.prefix_words;
    r.num_slots = size.num_slots;
    r.complete_dtor_slot = -1;
    r.deleting_dtor_slot = -1;
    r.first_bit = first_bit;
    r.clone = cursor + r.prefix_words;
    cursor = r.clone + r.num_slots;
    first_bit += r.num_slots;
  }
  block->address_point()[-static_cast<std::ptrdiff_t>(block->vtable(0).prefix_words + 1)] = block;  // owner
  AddToCount(live, 1);
  *out = block;
  return AllocOutcome::kOk;
}

void FreeBlock(LiveCount& live, Block* block) noexcept {
  if (block == nullptr) return;
  block->magic = 0;
  ReturnThunks(block->thunks(), block->thunks_used);
#if VTO_FAULT_IS(block_leaks_on_teardown)
  if (block->magic != Block::kMagic) return;  // FAULT: a double-free guard, checked after clearing
#endif
  std::free(block);
  AddToCount(live, -1);
}

}  // namespace vto::internal
