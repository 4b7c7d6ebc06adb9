// block.h — INTERNAL. The one allocation an overlay owns: its record (header), a record per
// vtable of the object's vtable group, the thunks it took, the "replaced entry" bitmap, the
// extra slots, and a clone of every vtable of the group (see itanium_abi.h for the words
// around an address point):
//
//   [Block header][VTableRecord × n][thunk × m][replaced bitmap][cell k-1 … cell 0][owner]
//   [prefix 0 | slots 0][prefix 1 | slots 1] … [prefix n-1 | slots n-1]
//              ^ address point 0   ^ address point 1
//
// A prefix is copied whole (vcall and vbase offsets, offset-to-top, RTTI). Extra cell i sits at
// address point 0 minus (prefix 0 + 2 + i) words, so from vtable j's address point it is a
// fixed distance further — the same in every block of one object's stack, whose blocks all
// clone the same group.
//
// Blocks are created and freed only under the lock of their object's registry shard.
#ifndef VTO_OVERLAY_BLOCK_H
#define VTO_OVERLAY_BLOCK_H

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "overlay/fault.h"
#include "overlay/itanium_abi.h"
#include "overlay/overlay.h"

namespace vto::internal {

// Limits that keep every block size far from overflow and from allocator limits.
inline constexpr size_t kMaxExtraSlots = size_t{1} << 16;  // cells per block, all overlays of a stack
inline constexpr size_t kMaxSlots = size_t{1} << 16;       // entries of one vtable
inline constexpr size_t kMaxVTables = size_t{1} << 12;     // vtables of one group
inline constexpr size_t kMaxPrefix = size_t{1} << 12;      // words before one address point

// One vtable of the group, as this block clones it.
struct VTableRecord {
  int64_t vptr_offset;        // of its vptr in the complete object
  uint32_t prefix_words;
  uint32_t num_slots;
  int32_t complete_dtor_slot;  // -1 when this vtable has no destructor entry
  int32_t deleting_dtor_slot;
  uint32_t first_bit;         // its entries' first bit in the replaced bitmap
  uint32_t unused;
  abi::VPtr prev_vptr;        // what this vptr held below this overlay (the original vtable or
                              // the address point of the block below)
  abi::VPtr clone;            // the address point of this block's clone of it
};
static_assert(sizeof(VTableRecord) % sizeof(void*) == 0, "records must be whole words");

// The sizes of a block, computed before allocating it.
struct Block {
  static constexpr uint64_t kMagic = 0x32746b6c625f6f74ull;  // "to_blkt2"
  enum class State : uint8_t { kInstalled, kFiring };

  uint64_t magic;
  void* instance;           // the complete object this block is installed on (its stack's key)
  void* installed_with;     // the pointer Install was given (the callback gets it)
  Block* below;             // next block down the object's stack, or nullptr
  Block* above;             // next block up, or nullptr when this block is on top
  OverlayId handle;         // owning handle; 0 once the handle was released while dying
  DestroyCallback hook;
  void* user_data;
  uint32_t num_vtables;
  uint32_t num_thunks;      // thunks taken (the first thunks_used of the thunk words)
  uint32_t thunks_used;
  State state;
  bool cancelled;           // torn down while the object was dying: never fire
  // Set once, by whoever releases the handle while the object is dying: a teardown under
  // the shard's lock on any thread, or the block's own callback without it (destroy_hook.h).
  // The one field written without the lock, hence atomic.
  std::atomic<bool> release_claimed;
  // The last overlay of a dying object (Registry::AddFinishing): set, with release order,
  // by the destroying thread once it no longer touches the block or the object's stack;
  // from then on the registry finishes the removal. The other field written without the lock.
  std::atomic<bool> finished;
  Block* next_finishing;    // the shard's list of such blocks (under its lock)
  size_t first_extra;       // this overlay's extra range: [first_extra, first_extra + num_extra)
  size_t num_extra;
  size_t total_cells;       // first_extra + num_extra: the cells this block holds
  size_t bitmap_words;
  // The shards every writer of the object's vptrs locks (Registry::LocationsOf of this
  // block's vtables: its home and the shard of each vptr address), a ShardSet computed once
  // by Install; Teardown and the hook walk take them without hashing the addresses again.
  uint64_t locations;

  VTableRecord* vtables() noexcept { return reinterpret_cast<VTableRecord*>(this + 1); }
  VTableRecord& vtable(size_t j) noexcept { return vtables()[j]; }
  const VTableRecord& vtable(size_t j) const noexcept { return reinterpret_cast<const VTableRecord*>(this + 1)[j]; }
  void** thunks() noexcept { return reinterpret_cast<void**>(vtables() + num_vtables); }
  uint64_t* bitmap() noexcept { return reinterpret_cast<uint64_t*>(thunks() + num_thunks); }
  bool replaced(size_t j, uint32_t slot) noexcept {
    const size_t bit = vtable(j).first_bit + slot;
    return (bitmap()[bit / 64] >> (bit % 64)) & 1u;
  }
  void set_replaced(size_t j, uint32_t slot) noexcept {
    const size_t bit = vtable(j).first_bit + slot;
    bitmap()[bit / 64] |= uint64_t{1} << (bit % 64);
  }
  // The primary vtable's clone.
  abi::VPtr address_point() noexcept { return vtable(0).clone; }
  // Where cell 0 is, counted down from address point 0 (at least kFirstExtraDistance).
  size_t cell_distance() noexcept { return vtable(0).prefix_words + 2; }
#if VTO_FAULT_IS(extra_slot_off_by_one)
  // FAULT: the distance counted from the owner word instead of from the address point.
  void*& cell(size_t i) noexcept { return address_point()[-(std::ptrdiff_t(cell_distance()) - 1 + std::ptrdiff_t(i))]; }
#else
  void*& cell(size_t i) noexcept { return address_point()[-(std::ptrdiff_t(cell_distance()) + std::ptrdiff_t(i))]; }
#endif
  // The index of the vtable whose clone `vptr` is, or -1.
  int CloneIndex(abi::VPtr vptr) noexcept {
    for (uint32_t j = 0; j < num_vtables; ++j)
      if (vtable(j).clone == vptr) return static_cast<int>(j);
    return -1;
  }
  // Writes every vptr of the object back to what it held below this block.
  void RestoreVptrs() noexcept {
#if VTO_FAULT_IS(teardown_restores_primary_only)
    abi::WriteVptr(instance, vtable(0).prev_vptr);  // FAULT: "the vptr" is the one at the start
#else
    for (uint32_t j = 0; j < num_vtables; ++j)
      abi::WriteVptrAt(instance, vtable(j).vptr_offset, vtable(j).prev_vptr);
#endif
  }
  // Points every vptr of the object at this block's clones.
  void InstallVptrs() noexcept {
#if VTO_FAULT_IS(secondary_vptr_left_on_original)
    abi::WriteVptr(instance, vtable(0).clone);  // FAULT: the secondary vptrs stay on the original vtables
#else
    for (uint32_t j = num_vtables; j-- > 0;) abi::WriteVptrAt(instance, vtable(j).vptr_offset, vtable(j).clone);
#endif
  }
};

// A registry shard's count of its live blocks. Changed only under that shard's lock (a
// relaxed load and store, no locked instruction); atomic so that a read without it is no data race.
using LiveCount = std::atomic<size_t>;
// Adds `delta` to a count under its shard's lock: a relaxed load and store, not a locked
// read-modify-write (which would cost a locked instruction on every install and teardown).
inline void AddToCount(LiveCount& count, std::ptrdiff_t delta) noexcept {
  count.store(count.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
}

// REQUIRES (both): the lock of the shard that owns `live` held.
// Checks the layout against the limits below; on success returns a block, zero-filled up to
// its clones (which the caller writes whole), with its counts, the vtable records' sizes,
// `first_bit` and `clone` set and the owner word written, counted in `live`; or nullptr when
// memory is exhausted. FreeBlock returns the block's thunks to the pool and uncounts it.
enum class AllocOutcome { kOk, kTooLarge, kNoMemory };
struct VTableSize {
  uint32_t prefix_words;
  uint32_t num_slots;
};
// `size_of(context, j)` gives vtable j's sizes (a callback, so that Install need not build an
// array: it allocates nothing but the block, CONTRACT P4).
using VTableSizeFn = VTableSize (*)(const void* context, size_t j);
AllocOutcome AllocateBlock(LiveCount& live, size_t num_vtables, VTableSizeFn size_of, const void* context,
                           size_t num_thunks, size_t total_cells, Block** out) noexcept;
void FreeBlock(LiveCount& live, Block* block) noexcept;

}  // namespace vto::internal

#endif  // VTO_OVERLAY_BLOCK_H
