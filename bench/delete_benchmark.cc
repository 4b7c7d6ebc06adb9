// delete_benchmark.cc — `delete` of an object whose overlay has a destroy hook, against
// the two ways to get rid of an object without one (target: hooked / other <= 1.10):
//   BM_Delete_Plain             delete of a Widget that never had an overlay;
//   BM_Delete_TeardownThenDelete  an overlay without hook: Teardown, then delete (what a
//                               binding must do without a hook, CONTRACT Q3);
//   BM_Delete_Hooked            an overlay with on_destroy: delete alone (the hook runs the
//                               callback, removes the overlay, frees its block, then the
//                               original deleting destructor runs).
// Each iteration times a batch of kBatch deletes by the thread's CPU clock (manual time: on
// a shared machine a wall clock would also count other processes' turns on the core);
// making the objects and installing their overlays happens outside the timed region. `delete`
// goes through the vtable into the .so (Widget's deleting destructor, or the hook).
#include <benchmark/benchmark.h>

#include <time.h>

#include <vector>

#include "classes.h"
#include "overlay/overlay.h"
#include "replacements.h"
#include "shapes.h"

namespace vto_bench {
namespace {

constexpr int kBatch = 1024;

double ThreadCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

vto::OverlayId InstallOn(Widget* w, DeathCounter* hook_counter) {
  vto::InstallRequest req;
  req.instance = w;
  req.reflected = &ShapeOf<Widget>();
  req.replacements = {{WidgetValueSlot(), reinterpret_cast<void*>(&PlainValue)}};
  if (hook_counter != nullptr) {
    req.on_destroy = &CountDeath;
    req.user_data = hook_counter;
  }
  vto::InstallResult r = vto::Install(req, BenchShapes());
  return r.ok() ? r.overlay.release() : 0;
}

enum class Mode { kPlain, kTeardownThenDelete, kHooked };

void RunDeletes(benchmark::State& state, Mode mode) {
  std::vector<Widget*> objects(kBatch);
  std::vector<vto::OverlayId> ids(kBatch, 0);
  DeathCounter deaths;
  uint64_t dtor_calls_before = g_widget_dtor_calls.load();
  uint64_t expected_deaths = 0;
  int not_restored = 0;
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) {
      objects[i] = MakeWidget(i);
      if (mode != Mode::kPlain) {
        ids[i] = InstallOn(objects[i], mode == Mode::kHooked ? &deaths : nullptr);
        if (ids[i] == 0) {
          state.SkipWithError("Install refused");
          return;
        }
      }
    }
    const double start = ThreadCpuSeconds();
    if (mode == Mode::kTeardownThenDelete) {
      for (int i = 0; i < kBatch; ++i) {
        not_restored += vto::TeardownOverlay(ids[i]) != vto::TeardownResult::kRestored;
        delete objects[i];
      }
    } else {
      for (int i = 0; i < kBatch; ++i) delete objects[i];
    }
    state.SetIterationTime(ThreadCpuSeconds() - start);
    if (mode == Mode::kHooked) {
      for (vto::OverlayId id : ids) {
        if (vto::TeardownOverlay(id) != vto::TeardownResult::kObjectDestroyed) {
          state.SkipWithError("a hooked object's handle does not report kObjectDestroyed");
          return;
        }
      }
      expected_deaths += kBatch;
    }
  }
  if (not_restored != 0) {
    state.SkipWithError("Teardown did not restore an unhooked object");
  } else if (g_widget_dtor_calls.load() - dtor_calls_before != static_cast<uint64_t>(state.iterations()) * kBatch) {
    state.SkipWithError("not every object's destructor ran");
  } else if (deaths.calls != expected_deaths) {
    state.SkipWithError("the destroy hook did not fire once per object");
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.counters["batch"] = kBatch;
}

void BM_Delete_Plain(benchmark::State& state) { RunDeletes(state, Mode::kPlain); }
void BM_Delete_TeardownThenDelete(benchmark::State& state) { RunDeletes(state, Mode::kTeardownThenDelete); }
void BM_Delete_Hooked(benchmark::State& state) { RunDeletes(state, Mode::kHooked); }
BENCHMARK(BM_Delete_Plain)->UseManualTime();
BENCHMARK(BM_Delete_TeardownThenDelete)->UseManualTime();
BENCHMARK(BM_Delete_Hooked)->UseManualTime();

}  // namespace
}  // namespace vto_bench
