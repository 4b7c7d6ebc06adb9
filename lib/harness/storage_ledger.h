// storage_ledger.h — what the storage oracle of fuzz_lifecycle sees of an object's memory:
//   - every call of a generated class's own allocation functions: the lifecycle kit's LcX
//     classes (gen/lifecycle_kit.h) define `operator new(size_t)` and a sized `operator
//     delete(void*, size_t)` that report to the host through
//       extern "C" void vto_lc_storage(int event, void* p, size_t size);
//     (event 1: allocated by the class's operator new, 2: freed by its operator delete);
//   - whether the heap block that starts at a pointer is still allocated, from the
//     sanitizer allocator (AddressSanitizer builds only: its quarantine keeps a freed block
//     from being handed out again before the check; other builds see only the class
//     functions).
// The scenario asks right after a death (lifecycle_storage.cc): an object that died by
// `delete` was freed exactly once, by its class's deallocation function when it has one; an
// object destroyed by ~T() or by its owner was not freed by the overlay's path.
//
// Thread-safety: thread-safe (a death may run on the scenario's worker thread).
#ifndef VTO_HARNESS_STORAGE_LEDGER_H
#define VTO_HARNESS_STORAGE_LEDGER_H

#include <cstddef>
#include <cstdint>

namespace vto::harness {

struct StorageRecord {
  int class_news = 0;     // since the block was last handed out by a class operator new
  int class_deletes = 0;  // class operator delete calls on it since then
  size_t delete_size = 0; // the size the last one was given
};

// Forgets every record (the start of an input).
void ResetStorageLedger();
// Forgets the record of the block at `p`: an object begins its life there (the allocator may
// hand out a block a class's operator delete freed before).
void ForgetStorage(const void* p);
// The record of the block at `p` (all zero when no class function saw it).
[[nodiscard]] StorageRecord StorageOf(const void* p);
// Whether this build can tell an allocated heap block from a freed one (ASan).
[[nodiscard]] bool SeesAllocations();
// REQUIRES: SeesAllocations(). Whether `p` is the start of a live heap allocation.
[[nodiscard]] bool StillAllocated(const void* p);

}  // namespace vto::harness

extern "C" void vto_lc_storage(int event, void* p, size_t size);

#endif  // VTO_HARNESS_STORAGE_LEDGER_H
