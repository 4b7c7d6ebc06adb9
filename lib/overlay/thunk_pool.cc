// thunk_pool.cc — the this-adjusting thunks (see thunk_pool.h).
#include "overlay/thunk_pool.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <mutex>

#include "overlay/fault.h"

namespace vto::internal {
namespace {

constexpr size_t kPage = 4096;
constexpr size_t kStride = 32;  // bytes per stub, and per data record
constexpr size_t kPerPage = kPage / kStride;

// The stub, for rdi; the rsi form differs in one ModRM byte. Offsets: endbr64 0..3, add 4..10
// (its displacement at 7, relative to 11), jmp 11..16 (displacement at 13, relative to 17).
constexpr unsigned char kStub[17] = {
    0xF3, 0x0F, 0x1E, 0xFA,                    // endbr64
    0x48, 0x03, 0x3D, 0, 0, 0, 0,              // add rdi, [rip + disp32]
    0xFF, 0x25, 0, 0, 0, 0,                    // jmp [rip + disp32]
};
#if VTO_FAULT_IS(thunk_jumps_through_rax) || VTO_FAULT_IS(thunk_jumps_through_rdx)
// FAULT: "load the target, jump to it" — through a caller-saved register that is not free at
// a call: rax, whose low byte a variadic callee reads as the number of vector registers its
// caller used (x86-64 SysV), or rdx, which holds the second argument after `this` (the first
// after the return slot and `this`). endbr64, add 4..10 as above, mov reg, [rip + disp32]
// 11..17 (displacement at 14, relative to 18), jmp reg 18..19.
#if VTO_FAULT_IS(thunk_jumps_through_rax)
constexpr unsigned char kFaultLoadModRm = 0x05, kFaultJmpModRm = 0xE0;  // rax
#else
constexpr unsigned char kFaultLoadModRm = 0x15, kFaultJmpModRm = 0xE2;  // rdx
#endif
constexpr unsigned char kFaultStub[20] = {
    0xF3, 0x0F, 0x1E, 0xFA,                      // endbr64
    0x48, 0x03, 0x3D, 0, 0, 0, 0,                // add rdi, [rip + disp32]
    0x48, 0x8B, kFaultLoadModRm, 0, 0, 0, 0,     // mov reg, [rip + disp32]
    0xFF, kFaultJmpModRm,                        // jmp reg
};
#define VTO_THUNK_FAULT_STUB 1
#endif
constexpr size_t kModRm = 6;
constexpr unsigned char kModRmRdi = 0x3D;  // mod 00, reg 7 (rdi), rm 101 (rip-relative)
constexpr unsigned char kModRmRsi = 0x35;  // reg 6 (rsi)

struct Data {  // at the stub's address + kPage
  int64_t adjustment;
  void* target;
  void* next_free;  // free-list link while the thunk is not in use
  uint64_t unused;
};
static_assert(sizeof(Data) == kStride);

// The pool's own lock: a thunk is taken or returned under an object's registry shard, and two
// shards must not share the free lists unguarded. Only overlays that need thunks take it.
std::mutex g_mu;
void* g_free[2] = {nullptr, nullptr};  // per register
size_t g_in_use = 0;

Data* DataOf(void* stub) { return reinterpret_cast<Data*>(static_cast<unsigned char*>(stub) + kPage); }

void PutDisplacement(unsigned char* at, int32_t value) { std::memcpy(at, &value, sizeof value); }

// Maps a code page and its data page, fills the code page with stubs for `reg`, seals it.
bool Grow(ThisRegister reg) noexcept {
  void* mem = mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return false;
  unsigned char* code = static_cast<unsigned char*>(mem);
  std::memset(code, 0xCC, kPage);  // int3 between stubs
  for (size_t i = 0; i < kPerPage; ++i) {
    unsigned char* stub = code + i * kStride;
#ifdef VTO_THUNK_FAULT_STUB
    std::memcpy(stub, kFaultStub, sizeof kFaultStub);
    stub[kModRm] = reg == ThisRegister::kRdi ? kModRmRdi : kModRmRsi;
    PutDisplacement(stub + 7, static_cast<int32_t>(kPage - 11));
    PutDisplacement(stub + 14, static_cast<int32_t>(kPage + offsetof(Data, target) - 18));
    continue;
#endif
    std::memcpy(stub, kStub, sizeof kStub);
    stub[kModRm] = reg == ThisRegister::kRdi ? kModRmRdi : kModRmRsi;
    PutDisplacement(stub + 7, static_cast<int32_t>(kPage - 11));                       // -> Data::adjustment
    PutDisplacement(stub + 13, static_cast<int32_t>(kPage + offsetof(Data, target) - 17));  // -> Data::target
  }
  if (mprotect(code, kPage, PROT_READ | PROT_EXEC) != 0) {
    munmap(mem, 2 * kPage);
    return false;
  }
  void*& head = g_free[static_cast<int>(reg)];
  for (size_t i = kPerPage; i-- > 0;) {
    void* stub = code + i * kStride;
    DataOf(stub)->next_free = head;
    head = stub;
  }
  return true;
}

void ReturnLocked(void* thunk) noexcept {
  if (thunk == nullptr) return;
  const unsigned char modrm = static_cast<const unsigned char*>(thunk)[kModRm];
  void*& head = g_free[modrm == kModRmRdi ? 0 : 1];
  Data* d = DataOf(thunk);
  d->adjustment = 0;
  d->target = nullptr;
  d->next_free = head;
  head = thunk;
  --g_in_use;
}

}  // namespace

void* TakeThunk(ThisRegister reg, int64_t adjustment, void* target) noexcept {
  std::lock_guard<std::mutex> lock(g_mu);
  void*& head = g_free[static_cast<int>(reg)];
  if (head == nullptr && !Grow(reg)) return nullptr;
  void* stub = head;
  Data* d = DataOf(stub);
  head = d->next_free;
  d->next_free = nullptr;
  d->adjustment = adjustment;
  d->target = target;
  ++g_in_use;
  return stub;
}

void ReturnThunks(void* const* thunks, size_t count) noexcept {
  if (count == 0) return;
  std::lock_guard<std::mutex> lock(g_mu);
  for (size_t i = 0; i < count; ++i) ReturnLocked(thunks[i]);
}

size_t ThunksInUse() noexcept {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_in_use;
}

}  // namespace vto::internal
