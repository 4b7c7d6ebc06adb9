// promises.cc — the backend's contract profile (promises.h).
#include "harness/promises.h"

#include <atomic>

namespace vto::harness {
namespace {

constexpr int kBits = 12;  // VTO_PROMISE_ALL == (1 << kBits) - 1
static_assert(VTO_PROMISE_ALL == (1u << kBits) - 1, "a new VTO_PROMISE_* bit needs a name here");
constexpr const char* kNames[kBits] = {
    "callback_before_destructor", "refuses_invalid_target", "refuses_dying_object",
    "terminates_on_throw",        "detaches_foreign_vptr",  "release_in_callback",
    "idempotent_teardown",        "stacked_extra_slots",    "hooks_complete_destructor",
    "teardown_results",           "concurrent_teardown",    "frees_at_death",
};
std::atomic<uint64_t> g_skipped[kBits];

int IndexOf(uint32_t bit) {
  for (int i = 0; i < kBits; ++i) {
    if (bit == (1u << i)) return i;
  }
  return -1;
}

}  // namespace

bool Promised(const backend::Backend& b, uint32_t bit) {
  if ((b.promises() & bit) == bit) return true;
  const int i = IndexOf(bit);
  if (i >= 0) g_skipped[i].fetch_add(1, std::memory_order_relaxed);
  return false;
}

const char* PromiseName(uint32_t bit) {
  const int i = IndexOf(bit);
  return i >= 0 ? kNames[i] : "?";
}

uint64_t NotPromisedCount(uint32_t bit) {
  const int i = IndexOf(bit);
  return i >= 0 ? g_skipped[i].load() : 0;
}

std::string NotPromisedText() {
  std::string out;
  for (int i = 0; i < kBits; ++i) {
    const uint64_t n = g_skipped[i].load();
    if (n > 0) out += std::string(" not_promised_") + kNames[i] + "=" + std::to_string(n);
  }
  return out;
}

}  // namespace vto::harness
