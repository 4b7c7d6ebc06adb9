// binding.h — what a binding keeps for an object whose overlay has a destroy hook, as the
// hooked-delete benchmarks model it: the overlay's handle and a count of deaths, the callback
// that counts the death and releases the handle from inside it (CONTRACT P14:
// kObjectDestroyed), where a binding learns of the death, and the request they install.
// Thread-compatible: one binding per thread (a shared counter would itself bounce between
// the cores).
#ifndef VTO_BENCH_BINDING_H
#define VTO_BENCH_BINDING_H

#include <cstdint>

#include "classes.h"
#include "overlay/overlay.h"
#include "replacements.h"
#include "shapes.h"

namespace vto_bench {

struct ThreadBinding {
  vto::OverlayId id = 0;
  uint64_t deaths = 0;
};

// A DestroyCallback; `user_data` is the ThreadBinding.
inline void ReleaseOnDeath(void* /*instance*/, void* user_data) {
  auto* b = static_cast<ThreadBinding*>(user_data);
  b->deaths += vto::TeardownOverlay(b->id) == vto::TeardownResult::kObjectDestroyed;
}

// The request the hooked-delete benchmarks install on each new Widget (`instance` is theirs
// to set): Value replaced by PlainValue, ReleaseOnDeath with `binding` as its user data.
inline vto::InstallRequest HookedWidgetRequest(ThreadBinding& binding) {
  vto::InstallRequest req;
  req.reflected = &ShapeOf<Widget>();
  req.replacements = {{WidgetValueSlot(), reinterpret_cast<void*>(&PlainValue)}};
  req.on_destroy = &ReleaseOnDeath;
  req.user_data = &binding;
  return req;
}

}  // namespace vto_bench

#endif  // VTO_BENCH_BINDING_H
