// storage_ledger.cc — the storage oracle's view of memory (see storage_ledger.h).
#include "harness/storage_ledger.h"

#include <mutex>
#include <vector>

#include "gen/lifecycle_kit.h"
#include "harness/failure.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VTO_LEDGER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define VTO_LEDGER_ASAN 1
#endif

#ifdef VTO_LEDGER_ASAN
extern "C" int __sanitizer_get_ownership(const volatile void* p);
#endif

namespace vto::harness {
namespace {

struct Entry {
  const void* p;
  StorageRecord r;
};
// A few dozen blocks per input: a vector searched from the back (the newest first).
std::mutex g_mu;
std::vector<Entry>* g_entries = new std::vector<Entry>;  // never destroyed: used from JIT'd code at exit

Entry* Find(const void* p) {
  for (auto it = g_entries->rbegin(); it != g_entries->rend(); ++it) {
    if (it->p == p) return &*it;
  }
  return nullptr;
}

}  // namespace

void ResetStorageLedger() {
  std::lock_guard<std::mutex> lock(g_mu);
  g_entries->clear();
}

void ForgetStorage(const void* p) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (Entry* e = Find(p)) e->r = StorageRecord{};
}

StorageRecord StorageOf(const void* p) {
  std::lock_guard<std::mutex> lock(g_mu);
  const Entry* e = Find(p);
  return e != nullptr ? e->r : StorageRecord{};
}

bool SeesAllocations() {
#ifdef VTO_LEDGER_ASAN
  return true;
#else
  return false;
#endif
}

bool StillAllocated(const void* p) {
#ifdef VTO_LEDGER_ASAN
  return __sanitizer_get_ownership(p) != 0;
#else
  (void)p;
  HarnessError("StillAllocated called in a build without AddressSanitizer");
#endif
}

}  // namespace vto::harness

extern "C" void vto_lc_storage(int event, void* p, size_t size) {
  using namespace vto::harness;
  std::lock_guard<std::mutex> lock(g_mu);
  Entry* e = Find(p);
  if (event == vto::gen::kLcStorageNew) {
    if (e == nullptr) {
      g_entries->push_back({p, {}});
      e = &g_entries->back();
    }
    e->r = StorageRecord{1, 0, 0};  // a new lifetime of this block
    return;
  }
  if (e == nullptr) {  // freed by a class operator delete without having come from its new
    g_entries->push_back({p, {}});
    e = &g_entries->back();
  }
  ++e->r.class_deletes;
  e->r.delete_size = size;
}
