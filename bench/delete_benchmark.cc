// delete_benchmark.cc — what `delete` of an overlaid object costs with a destroy hook,
// against the ways to get rid of an object without one (target: hooked / other <= 1.10).
//
// Every mode ends the life of one Widget and, for an overlaid one, everything a binding has
// to do about its overlay (CONTRACT Q3: without a hook, tear down before the object dies or
// Abandon after; with a hook, release the handle — here from the callback, which is where a
// binding learns of the death):
//   plain           `delete` of a Widget that never had an overlay (no binding involved);
//   teardown        overlay without hook: Teardown, then `delete`;
//   abandon         overlay without hook: `delete` (the clone's destructor slots are the
//                   original's), then Abandon;
//   hooked          overlay with on_destroy: `delete` alone — the hook runs the callback
//                   (which counts the death and tears its own handle down: kObjectDestroyed),
//                   removes the overlay, then runs Widget's deleting destructor; the block
//                   and the handle entry are freed by the next call on the object's registry
//                   shard (a later delete's, or the LiveBlocks() call that ends every timed
//                   batch).
// One benchmark, BM_Delete, runs the modes in rounds: each round deletes a batch of kBatch
// objects per mode, the order rotating every round, each batch timed by the thread's CPU
// clock (objects made and overlays installed before, untimed). Counters (medians over the
// rounds): <mode>_ns per object, and the per-round ratios hooked_over_plain,
// hooked_over_teardown, hooked_over_abandon. Separate benchmarks a few hundred ms apart
// drifted by more than the 10 % target on the shared machine; rounds compare batches run
// within a millisecond of each other. Every destructor and every callback is checked to
// have run exactly once.
#include <benchmark/benchmark.h>

#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "classes.h"
#include "overlay/overlay.h"
#include "replacements.h"
#include "rounds.h"
#include "shapes.h"

namespace vto_bench {
namespace {

constexpr int kBatch = 1024;

enum Mode { kPlain, kTeardown, kAbandon, kHooked, kNumModes };
constexpr std::array<const char*, kNumModes> kNames = {"plain", "teardown", "abandon", "hooked"};

double ThreadCpuNanos() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

// What a binding keeps per overlaid object: the handle, and where it records the death.
struct BindingRecord {
  vto::OverlayId id = 0;
  uint64_t* deaths = nullptr;
  int teardown_failures = 0;
};

// The binding's on_destroy: the object is dying; forget it and release the handle.
void BindingDied(void* /*instance*/, void* user_data) {
  auto* rec = static_cast<BindingRecord*>(user_data);
  ++*rec->deaths;
  rec->teardown_failures += vto::TeardownOverlay(rec->id) != vto::TeardownResult::kObjectDestroyed;
  rec->id = 0;
}

vto::OverlayId InstallOn(Widget* w, BindingRecord* hooked) {
  vto::InstallRequest req;
  req.instance = w;
  req.reflected = &ShapeOf<Widget>();
  req.replacements = {{WidgetValueSlot(), reinterpret_cast<void*>(&PlainValue)}};
  if (hooked != nullptr) {
    req.on_destroy = &BindingDied;
    req.user_data = hooked;
  }
  vto::InstallResult r = vto::Install(req, BenchShapes());
  return r.ok() ? r.overlay.release() : 0;
}

struct Batch {
  std::vector<Widget*> objects = std::vector<Widget*>(kBatch);
  std::vector<BindingRecord> records = std::vector<BindingRecord>(kBatch);
};

// Makes the batch's objects (and overlays); false if an install was refused.
bool Prepare(Mode mode, Batch& b, uint64_t* deaths) {
  for (int i = 0; i < kBatch; ++i) {
    b.objects[i] = MakeWidget(i);
    b.records[i] = BindingRecord{};
    b.records[i].deaths = deaths;
    if (mode == kPlain) continue;
    b.records[i].id = InstallOn(b.objects[i], mode == kHooked ? &b.records[i] : nullptr);
    if (b.records[i].id == 0) return false;
  }
  return true;
}

// The timed part. Returns the number of unexpected Teardown/Abandon results (the hooked
// mode's callbacks record theirs in the batch's records, checked after the timing).
int Run(Mode mode, Batch& b) {
  int failures = 0;
  switch (mode) {
    case kPlain:
      for (int i = 0; i < kBatch; ++i) delete b.objects[i];
      break;
    case kTeardown:
      for (int i = 0; i < kBatch; ++i) {
        failures += vto::TeardownOverlay(b.records[i].id) != vto::TeardownResult::kRestored;
        ++*b.records[i].deaths;
        delete b.objects[i];
      }
      break;
    case kAbandon:
      for (int i = 0; i < kBatch; ++i) {
        delete b.objects[i];
        ++*b.records[i].deaths;
        failures += vto::AbandonOverlay(b.records[i].id) != vto::TeardownResult::kAbandoned;
      }
      break;
    case kHooked:
      for (int i = 0; i < kBatch; ++i) delete b.objects[i];
      break;
    case kNumModes: break;
  }
  // The hooked mode leaves the end of an object's removal (handle, stack entry, block) to the
  // next call on its shard (CONTRACT P22); take it here, in every
  // mode alike, so that all of it is timed.
  benchmark::DoNotOptimize(vto::LiveBlocks());
  return failures;
}

// glibc's fastbins off for one benchmark's lifetime, back to glibc's default afterwards
// (M_MXFAST is process-wide and the benchmarks after this one must not inherit it). With
// fastbins a `free` only queues a small chunk, and the ~9 µs consolidation of the queue
// lands in whichever later batch's `free` triggers it: one mode's cost moved into another's.
class NoFastbins {
 public:
  NoFastbins() { mallopt(M_MXFAST, 0); }
  ~NoFastbins() { mallopt(M_MXFAST, kGlibcDefault); }
  NoFastbins(const NoFastbins&) = delete;
  NoFastbins& operator=(const NoFastbins&) = delete;

 private:
  static constexpr int kGlibcDefault = 64 * sizeof(size_t) / 4;  // DEFAULT_MXFAST
};

void BM_Delete(benchmark::State& state) {
  NoFastbins no_fastbins;
  Batch batch;
  std::array<std::vector<double>, kNumModes> ns;
  std::array<uint64_t, kNumModes> deaths{};
  const uint64_t dtor_calls_before = WidgetDtorCalls();
  const size_t blocks_before = vto::LiveBlocks(), handles_before = vto::LiveHandles();
  int failures = 0;
  int first = 0;
  uint64_t rounds = 0;
  for (auto _ : state) {
    std::array<double, kNumModes> round;
    for (int k = 0; k < kNumModes; ++k) {
      const Mode mode = static_cast<Mode>((first + k) % kNumModes);
      if (!Prepare(mode, batch, &deaths[mode])) {
        state.SkipWithError("Install refused");
        return;
      }
      const double start = ThreadCpuNanos();
      failures += Run(mode, batch);
      round[mode] = (ThreadCpuNanos() - start) / kBatch;
      if (mode == kHooked) {
        for (const BindingRecord& r : batch.records) failures += r.teardown_failures + (r.id != 0);
      }
    }
    for (int m = 0; m < kNumModes; ++m) ns[m].push_back(round[m]);
    first = (first + 1) % kNumModes;
    ++rounds;
  }
  if (failures != 0) {
    state.SkipWithError("a Teardown/Abandon returned an unexpected result or a handle was not released");
    return;
  }
  if (WidgetDtorCalls() - dtor_calls_before != rounds * kNumModes * kBatch) {
    state.SkipWithError("not every object's destructor ran");
    return;
  }
  for (int m = kTeardown; m < kNumModes; ++m) {
    if (deaths[m] != rounds * kBatch) {
      state.SkipWithError("a death was not recorded exactly once (the hook did not fire once per object?)");
      return;
    }
  }
  if (vto::LiveBlocks() != blocks_before || vto::LiveHandles() != handles_before) {
    state.SkipWithError("overlay blocks or handles leaked");
    return;
  }
  auto ratio = [&](Mode a, Mode b) {
    std::vector<double> r(ns[a].size());
    for (size_t i = 0; i < r.size(); ++i) r[i] = ns[a][i] / ns[b][i];
    return Median(std::move(r));
  };
  for (int m = 0; m < kNumModes; ++m) state.counters[std::string(kNames[m]) + "_ns"] = Median(ns[m]);
  state.counters["hooked_over_plain"] = ratio(kHooked, kPlain);
  state.counters["hooked_over_teardown"] = ratio(kHooked, kTeardown);
  state.counters["hooked_over_abandon"] = ratio(kHooked, kAbandon);
  state.counters["batch"] = kBatch;
}
BENCHMARK(BM_Delete)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace vto_bench
