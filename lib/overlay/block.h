// block.h — INTERNAL. The one allocation an overlay owns: its record (header), the
// "replaced slot" bitmap, the extra slots, and the vtable clone (see itanium_abi.h for
// the words around the address point).
//
//   [Block header][replaced bitmap][cell n-1 … cell 0][owner][offset-to-top][RTTI][slot 0 …]
//                                                                           ^ address point
//
// Blocks are created and freed only by the registry, under its mutex.
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
inline constexpr size_t kMaxSlots = size_t{1} << 16;       // virtual slots of one class

struct Block {
  static constexpr uint64_t kMagic = 0x31746b6c625f6f74ull;  // "to_blkt1"
  enum class State : uint8_t { kInstalled, kFiring };

  uint64_t magic;
  void* instance;           // the object this block is installed on
  abi::VPtr prev_vptr;      // what the vptr held below this overlay (the original vtable or
                            // the address point of the block below)
  Block* below;             // next block down the object's stack, or nullptr
  Block* above;             // next block up, or nullptr when this block is on top
  OverlayId handle;         // owning handle; 0 once the handle was released while dying
  DestroyCallback hook;
  void* user_data;
  uint32_t num_slots;
  int32_t complete_dtor_slot;
  int32_t deleting_dtor_slot;
  State state;
  bool cancelled;           // torn down while the object was dying: never fire
  // Set once, by whoever releases the handle while the object is dying: a teardown under
  // the mutex on any thread, or the block's own callback without it (destroy_hook.h).
  // The one field written without the mutex, hence atomic.
  std::atomic<bool> release_claimed;
  // The last overlay of a dying object (Registry::AddFinishing): set, with release order,
  // by the destroying thread once it no longer touches the block or the object's stack;
  // from then on the registry finishes the removal. The other field written without the mutex.
  std::atomic<bool> finished;
  Block* next_finishing;    // the registry's list of such blocks (under the mutex)
  size_t first_extra;       // this overlay's extra range: [first_extra, first_extra + num_extra)
  size_t num_extra;
  size_t total_cells;       // first_extra + num_extra: the cells this block holds
  size_t bitmap_words;

  abi::VPtr address_point() noexcept;
  uint64_t* bitmap() noexcept { return reinterpret_cast<uint64_t*>(this + 1); }
  bool replaced(uint32_t slot) noexcept { return (bitmap()[slot / 64] >> (slot % 64)) & 1u; }
  void set_replaced(uint32_t slot) noexcept { bitmap()[slot / 64] |= uint64_t{1} << (slot % 64); }
#if VTO_FAULT_IS(extra_slot_off_by_one)
  // FAULT: the distance counted from the owner word instead of from the address point.
  void*& cell(size_t i) noexcept { return address_point()[-(abi::kFirstExtraDistance - 1 + std::ptrdiff_t(i))]; }
#else
  void*& cell(size_t i) noexcept { return address_point()[-(abi::kFirstExtraDistance + std::ptrdiff_t(i))]; }
#endif

  // The block whose address point `vptr` is, if `vptr` is an overlay's (reads vptr[-3]:
  // only call when the vtable is known to be a block of this library).
  static Block* FromAddressPoint(abi::VPtr vptr) noexcept {
    return static_cast<Block*>(vptr[abi::kOwnerIndex]);
  }
};

// REQUIRES (both): the registry mutex held — the live-block count is updated without a
// locked instruction on that basis.
// Computes the block size for the shape; false (and no allocation) when it would exceed
// the limits above. On success returns a zero-filled block with its layout fields set and
// the owner word written, or nullptr when memory is exhausted.
enum class AllocOutcome { kOk, kTooLarge, kNoMemory };
AllocOutcome AllocateBlock(size_t num_slots, size_t total_cells, Block** out) noexcept;
void FreeBlock(Block* block) noexcept;
size_t LiveBlockCount() noexcept;

}  // namespace vto::internal

#endif  // VTO_OVERLAY_BLOCK_H
