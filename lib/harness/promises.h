// promises.h — the contract profile of the backend under test: which of the promises where
// overlay implementations differ (VTO_PROMISE_* in backend/backend_abi.h) the oracles may
// hold it to.
//
// A check of a promise the backend makes is an oracle like any other. Where the backend does
// not make it, the scenario either avoids the situation (no second teardown, no release
// inside the callback, a teardown before a death it will not see) or does not check the
// answer, and counts one "not promised" event per skipped check; the vto-stats line prints
// the counts as not_promised_<name>=N (target.cc). Never a finding.
//
// Example:
//   if (Promised(b_, VTO_PROMISE_IDEMPOTENT_TEARDOWN)) CheckTeardown(o, ov, kAlreadyTornDown, ...);
//
// Thread-safety: Promised and NotPromisedText may be called from any thread (atomic counters).
#ifndef VTO_HARNESS_PROMISES_H
#define VTO_HARNESS_PROMISES_H

#include <cstdint>
#include <string>

#include "backend/backend.h"

namespace vto::harness {

// Whether `b` makes the promise `bit` (one VTO_PROMISE_* bit); counts a "not promised"
// event when it does not.
[[nodiscard]] bool Promised(const backend::Backend& b, uint32_t bit);
// "callback_before_destructor", ... ("?" for anything but one VTO_PROMISE_* bit).
[[nodiscard]] const char* PromiseName(uint32_t bit);
// " not_promised_<name>=N" for every promise with N > 0 events in this process ("" if none).
[[nodiscard]] std::string NotPromisedText();
// The number of "not promised" events of `bit` so far (tests).
[[nodiscard]] uint64_t NotPromisedCount(uint32_t bit);

}  // namespace vto::harness

#endif  // VTO_HARNESS_PROMISES_H
