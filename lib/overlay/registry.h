// registry.h — INTERNAL. The library's process-wide state, in kShards shards: each shard has
// its own lock, the overlay stacks of the objects whose complete-object address hashes to it,
// the handle entries of their overlays (an id names its shard in its low bits) and its share of
// the live counts. Everything one object's overlays touch lives in that object's shard, so
// operations on objects of different shards share no lock and no written cache line (P18);
// those on one object are serialized by its shard's lock (P19). Every member function here
// REQUIRES its shard's lock held.
//
// Invariants of a shard (checked where they are relied on):
//   - an object with a stack is in `stacks` of the shard OfObject(complete object) gives, keyed
//     by its complete object's address; each of its vptrs points at the top block's clone of
//     that vtable (unless code outside the library rewrote them — ValidateStack detects that);
//   - each block's non-replaced entries equal those of the vtable below it (prev_vptr);
//   - the blocks of one stack clone the same vtable group;
//   - the top block holds the current value of every extra slot of the stack;
//   - a handle entry is kLive exactly while its block exists, and lives in its block's shard.
#ifndef VTO_OVERLAY_REGISTRY_H
#define VTO_OVERLAY_REGISTRY_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <atomic>
#include <mutex>
#include <vector>

#include "overlay/block.h"

namespace vto::internal {

struct HandleEntry {
  enum class Kind : uint8_t { kFree, kLive, kObjectDestroyed, kDetached };
  uint32_t generation = 1;
  Kind kind = Kind::kFree;
  Block* block = nullptr;  // kLive only
  size_t first_extra = 0;
  uint32_t next_free = 0;  // free list link (index + 1; 0 ends the list)
};

struct Stack {
  Block* top = nullptr;
  bool dying = false;  // a hooked destructor of the object has been entered
};

// The stacks of every overlaid object, keyed by instance pointer: the subset of
// std::unordered_map<void*, Stack>'s interface the library uses (find/end/operator[]/erase,
// `it->first`, `it->second`), built so that the steady state allocates nothing — an install
// then costs exactly its one block (P4):
//   - the table is open addressing with linear probing and backward-shift deletion (no
//     tombstones), grown by doubling when half full and never shrunk;
//   - the Stack records live in nodes allocated in chunks that are never freed nor moved and
//     are reused through a free list.
// Promises: a Stack& (and an iterator) stays valid until its key is erased, across any
// number of inserts and erases of other keys (RunHooks holds one while the shard's lock is
// released). operator[] may throw std::bad_alloc, only while growing, and then changes
// nothing. Memory is bounded by the peak number of objects overlaid at once.
// Thread-compatible: its shard's lock guards it.
class StackMap {
 public:
  struct Node {
    void* first = nullptr;  // the instance
    Stack second;
    Node* next_free = nullptr;
  };
  class iterator {
   public:
    explicit iterator(Node* node = nullptr) noexcept : node_(node) {}
    Node* operator->() const noexcept { return node_; }
    Node& operator*() const noexcept { return *node_; }
    bool operator==(const iterator& o) const noexcept { return node_ == o.node_; }
    bool operator!=(const iterator& o) const noexcept { return node_ != o.node_; }

   private:
    friend class StackMap;
    Node* node_;
  };

  StackMap() = default;
  StackMap(const StackMap&) = delete;
  StackMap& operator=(const StackMap&) = delete;

  [[nodiscard]] iterator find(void* key) noexcept;
  [[nodiscard]] iterator end() noexcept { return iterator(); }
  // The key's stack, default-constructed if absent. May throw std::bad_alloc (nothing changed).
  Stack& operator[](void* key);
  size_t erase(void* key) noexcept;  // 0 or 1 keys removed
  // Removes the key (which must be present: aborts otherwise) and returns its stack, with one probe.
  Stack take(void* key) noexcept;
  void erase(iterator it) noexcept;  // REQUIRES: it != end()
  [[nodiscard]] size_t size() const noexcept { return size_; }

 private:
  size_t Home(void* key) const noexcept;
  size_t IndexOf(void* key) const noexcept;  // slot holding key, or SIZE_MAX
  void EraseAt(size_t index) noexcept;
  Node* TakeNode();  // may throw std::bad_alloc
  void Rehash(size_t capacity);  // may throw std::bad_alloc

  std::vector<Node*> slots_;  // size 0 or a power of two; nullptr = empty
  size_t size_ = 0;
  unsigned shift_ = 64;       // 64 - log2(slots_.size())
  Node* free_ = nullptr;
  std::vector<std::unique_ptr<Node[]>> chunks_;  // node storage, never freed
  size_t nodes_ = 0;                              // nodes in all chunks
};

// The lock of one shard: one exchange to take it, one release store to give it back (a
// std::mutex takes a second locked instruction to release). Uncontended, the exchange costs
// ~0.5 ns here: an install + teardown with it replaced by a plain store measured 1 ns
// faster of ~74 (docs/MEASUREMENTS.md). Its critical sections are short and never run the
// caller's code (the resolver is asked before, callbacks after); a waiter spins briefly on
// a read, then yields its core.
class ShardMutex {
 public:
  void lock() noexcept {
    if (!locked_.exchange(true, std::memory_order_acquire)) return;
    LockSlow();
  }
  bool try_lock() noexcept { return !locked_.exchange(true, std::memory_order_acquire); }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  void LockSlow() noexcept;
  std::atomic<bool> locked_{false};
};

// The number of shards: a power of two. With 64, two threads working on two random objects
// meet in one shard 1/64 of the time; the shards cost 64 cache-line-aligned records.
inline constexpr unsigned kShardBits = 6;
inline constexpr size_t kShards = size_t{1} << kShardBits;

// A set of shards: bit i for shard i.
using ShardSet = uint64_t;
static_assert(kShards <= 64, "a ShardSet has a bit per shard");

// The shard an id names: its low kShardBits bits (an id is its generation in the high 32
// bits, then its entry's index + 1 in the shard, then the shard).
inline uint32_t ShardOfId(OverlayId id) noexcept { return static_cast<uint32_t>(id) & static_cast<uint32_t>(kShards - 1); }

class alignas(64) Registry {
 public:
  // The shard of the object whose complete object starts at `complete` (never the address of
  // a base subobject: an object has one shard whatever pointer reached it).
  static Registry& OfObject(const void* complete) noexcept {
    // Multiplicative hashing: the multiply mixes the address's middle bits (objects are aligned
    // and allocated near each other) into the top bits, which pick the shard. Not the stack
    // map's multiplier (StackMap::Home): with the same one, every key of a shard would share the
    // top kShardBits bits its map's slot is picked by, and pile up in a few slots of it (a
    // batch of 1,024 deletes measured 30-50 % slower that way).
    const uint64_t h = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(complete)) * 0xd6e8feb86659fd93ull;
    return At(static_cast<size_t>(h >> (64 - kShardBits)));
  }
  // The shard that made `id` (an id no shard made leads to a shard whose Lookup finds nothing).
  static Registry& OfHandle(OverlayId id) noexcept { return At(ShardOfId(id)); }
  // Shard i, 0 <= i < kShards.
  static Registry& At(size_t i) noexcept { return Shards()[i]; }
  // The kShards shards, reached with one load. Made on first use, so that other objects'
  // static constructors may use the library, and never destroyed, so that their static
  // destructors may too.
  static Registry* Shards() noexcept {
    Registry* shards = shards_.load(std::memory_order_acquire);
    return shards != nullptr ? shards : MakeShards();
  }
  // This shard's bit.
  [[nodiscard]] ShardSet bit() const noexcept { return ShardSet{1} << index_; }
  // The shards an object's operations lock (the lock rule, below): its home shard (this
  // function's caller's, OfObject(complete)) and the shard of every address where the object
  // has a vptr — complete + vptr_offset(j), j < count.
  template <typename OffsetFn>
  static ShardSet LocationsOf(const void* complete, size_t count, OffsetFn vptr_offset) noexcept {
    ShardSet set = OfObject(complete).bit();
    for (size_t j = 0; j < count; ++j) {
      set |= OfObject(static_cast<const char*>(complete) + vptr_offset(j)).bit();
    }
    return set;
  }
  // The same for the object a block is installed on (its vtable records filled; what Install
  // stores in Block::locations).
  static ShardSet LocationsOf(const Block& b) noexcept {
    return LocationsOf(b.instance, b.num_vtables, [&b](size_t j) { return b.vtable(j).vptr_offset; });
  }

  // Takes the shard's lock and first completes the removal of every finished block of the
  // shard (see AddFinishing), so that no holder of the lock ever sees the stack or handle of
  // an object whose destruction ended. Every critical section begins here, through
  // ShardSetLock.
  void Acquire() {
    mu.lock();
    if (finishing_ != nullptr) SweepFinished();
  }
  void Release() { mu.unlock(); }

  ShardMutex mu;  // only through Acquire/Release
  StackMap stacks;
  LiveCount live_blocks{0};  // blocks of this shard's objects (AllocateBlock/FreeBlock count them)

  // The destroying thread hands the last block of a dying object's stack to the shard before
  // it runs the block's callback, so that it need not take the lock again after it: once the
  // callback returned it restores the vptr itself (the object is its own) and sets
  // block->finished. The shard's next critical section then releases or retires the block's
  // handle (kObjectDestroyed), erases the object's stack and frees the block. Until then the
  // stack stays `dying`: Install refuses, Teardown leaves the object alone.
  void AddFinishing(Block* block) noexcept;

  // Handle table. NewHandle may throw std::bad_alloc (also when the shard has used every index
  // its ids can name).
  OverlayId NewHandle(Block* block, size_t first_extra);
  // nullptr for the null id, an id of another shard, or an id whose generation is stale
  // (already torn down).
  HandleEntry* Lookup(OverlayId id) noexcept;
  void FreeHandle(OverlayId id) noexcept;
  size_t live_handles() const noexcept { return live_handles_.load(std::memory_order_relaxed); }

  // Checks the object's vptrs against its stack (`instance`: the complete object). Blocks above the one the vptr points at
  // were dropped by code outside the library (a constructor or destructor rewrote the vptr):
  // they are freed and their handles become kDetached. Returns false, with the stack
  // erased, when the vptr points at none of the stack's blocks. Reads the object.
  bool ValidateStack(void* instance, Stack& stack) noexcept;
  // Removes the top block: writes its prev_vptrs into the object, moves the extra slots
  // down, frees it, and turns its handle into `handle_kind`. Returns true when the stack
  // is now empty (the caller erases it).
  bool PopTop(void* instance, Stack& stack, HandleEntry::Kind handle_kind) noexcept;
  // The handle of a block leaving a dead object's stack: freed if the block's own callback
  // released it (ReleaseFromOwnCallback), else kObjectDestroyed until the caller tears it
  // down; either way the block no longer names it. Nothing if it was released already.
  void RetireDeadHandle(Block* block) noexcept;
  // Removes a block that is not on top while the object is alive: the blocks above are
  // rebased onto the one below it. Does not write the object.
  void RemoveMiddle(Stack& stack, Block* block) noexcept;
  // Frees every block of the stack without touching the object; their handles become
  // `kind` (a caller that is releasing one of them frees that entry afterwards). Erases
  // the stack.
  void ForgetStack(void* instance, HandleEntry::Kind kind) noexcept;

  Registry() = default;  // only the shard array makes them
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

 private:
  void RetireHandle(Block* block, HandleEntry::Kind kind) noexcept;
  void SweepFinished() noexcept;
  uint32_t index_ = 0;  // this shard's number (set once, when the shards are made)
  std::vector<HandleEntry> entries_;
  Block* finishing_ = nullptr;  // AddFinishing's list, linked through Block::next_finishing
  uint32_t free_head_ = 0;
  LiveCount live_handles_{0};  // kLive entries, and entries released inside their own callback
  // Makes the shards if no thread has yet (one of two racing threads' arrays is kept).
  [[gnu::noinline, gnu::cold]] static Registry* MakeShards() noexcept;
  static std::atomic<Registry*> shards_;  // constant-initialized: nullptr until MakeShards
  friend struct ShardArray;
};

// The lock rule. An object's state (stack, handles, finishing blocks, counts) lives in its
// home shard, OfObject(its complete object). But Install must read the vptr the instance
// pointer points at to learn where the complete object is, and the vtable that vptr points at
// may be a clone inside a block another thread is freeing. So every thread that writes one of
// an overlaid object's vptrs or frees one of its blocks holds the locks of all the shards its
// vptr locations hash to (LocationsOf, the home shard among them), and Install reads the vptr
// at the instance pointer — one of those locations — under that location's shard's lock. For
// an object with one vptr that is one lock, the home shard's; an object with several vptrs
// whose locations hash to k shards takes k locks.
//
// Every other read of an overlaid object's vptrs (ValidateStack, Install's check of the
// group, the hook walk) is made under the home shard's lock, which every such writer holds
// too: those reads are ordered with every write whichever locations the reader's shape names,
// even when a resolver disagrees with the group the object's overlays were installed with
// (Install then refuses, kInconsistentShapes, after reading the old group's vptrs under the
// home lock alone). The one writer without the locks is the thread destroying the object,
// which restores its last block's vptrs after that block was handed to the shard
// (AddFinishing): the object is its own then (CONTRACT Q1) and the stack stays `dying` (no
// Install or Teardown reads it) until the next critical section finishes the removal.
//
// ShardSetLock takes a set of shards' locks in ascending shard order (so two sets never
// deadlock), each shard's finished blocks swept as its lock is taken; the destructor releases
// what is held. Thread-compatible (one guard, one thread).
class ShardSetLock {
 public:
  ShardSetLock() = default;
  explicit ShardSetLock(ShardSet set) { lock(set); }
  ~ShardSetLock() { unlock(); }
  ShardSetLock(const ShardSetLock&) = delete;
  ShardSetLock& operator=(const ShardSetLock&) = delete;

  // REQUIRES: nothing held.
  void lock(ShardSet set) {
    held_ = set;
    Registry* const shards = Registry::Shards();
    for (ShardSet rest = set; rest != 0; rest &= rest - 1) shards[__builtin_ctzll(rest)].Acquire();
  }
  void unlock() noexcept {
    if (held_ == 0) return;
    Registry* const shards = Registry::Shards();
    for (ShardSet rest = held_; rest != 0; rest &= rest - 1) shards[__builtin_ctzll(rest)].Release();
    last_ = held_;
    held_ = 0;
  }
  // The set held before the last unlock.
  void relock() { lock(last_); }
  [[nodiscard]] bool holds(ShardSet set) const noexcept { return (held_ & set) == set; }
  // Makes the held set include `want`: nothing to do if it does (returns false); else releases
  // what is held and takes both sets again in order (returns true: whatever the caller read
  // under the old set must be read again).
  bool Extend(ShardSet want) {
    if (holds(want)) return false;
    const ShardSet all = held_ | want;
    unlock();
    lock(all);
    return true;
  }

 private:
  ShardSet held_ = 0;
  ShardSet last_ = 0;
};

// Aborts with a message: a broken invariant of the library (never bad input).
[[noreturn]] void Fatal(const char* what, const void* instance) noexcept;

}  // namespace vto::internal

#endif  // VTO_OVERLAY_REGISTRY_H
