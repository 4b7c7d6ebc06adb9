// thunk_pool.h — INTERNAL. This-adjusting thunks made at run time: a vtable entry that must
// call a replacement with another subobject's `this` gets the address of a thunk that adds a
// constant to `this` and jumps to the replacement.
//
// How (x86-64): code and data live in separate pages of one mapping. A code page holds
// kPerPage identical stubs and is written once, while it is not executable, then made
// read+execute for good; its data page (the next page) stays read+write and holds, for stub
// i, the adjustment and the target at the same offset as the stub. A stub reads its own data
// word relative to rip:
//
//     endbr64                      ; a valid indirect-branch target under CET/IBT
//     add  rdi|rsi, [rip+data]     ; this += adjustment (rsi when the result returns in memory)
//     jmp  [rip+data+8]            ; to the replacement
//
// So no page is ever writable and executable at once, and taking or returning a thunk is a
// free-list operation plus two data stores — no system call after the pool has grown.
//
// Ownership: thunks belong to the overlay block that took them and go back to the pool when
// it is freed; the pages are kept for reuse (memory bounded by the peak number of thunks in
// use). Thread-safe: the pool has its own mutex, taken only by overlays that need thunks
// (an install that replaces an entry reached through another vptr, and that block's free).
#ifndef VTO_OVERLAY_THUNK_POOL_H
#define VTO_OVERLAY_THUNK_POOL_H

#include <cstddef>
#include <cstdint>

namespace vto::internal {

enum class ThisRegister : uint8_t { kRdi, kRsi };

// Takes one thunk that does `this += adjustment; jmp target` on `reg`; nullptr when no page
// could be mapped.
void* TakeThunk(ThisRegister reg, int64_t adjustment, void* target) noexcept;
// Returns `count` thunks taken from TakeThunk (nullptr entries are ignored), under one lock.
void ReturnThunks(void* const* thunks, size_t count) noexcept;
// Thunks taken and not returned (for leak checks in tests).
size_t ThunksInUse() noexcept;

}  // namespace vto::internal

#endif  // VTO_OVERLAY_THUNK_POOL_H
