// install_benchmark.cc — Install + Teardown of one overlay on objects whose vtables have
// 4, 16 and 64 slots, and of a second overlay stacked on one that stays installed. Reports
// time per install+teardown and the counter allocs_per_install: heap allocations (malloc
// family, operator new included) per install+teardown pair, counted for the calling thread by
// alloc_counter.cc (target: 1 — the block).
//
// The request is a binding's usual one: replace the last method (so the whole clone is in
// use) and one extra slot. Two variants watch the places other allocations came from before
// (a std::vector in Install's request check, a std::string key in ShapeTable::Find):
//   BM_Install_NoReplacement      Slots16 without replacements;
//   BM_ShapeTable_Find            the resolver lookup alone (a name longer than 15 chars,
//                                 which a std::string could not keep inline).
// And the targets of speed and scaling (bench/README.md):
//   BM_InstallRounds              install+teardown (16 slots, prepared request; with and
//                                 without a destroy hook) against the floor of any clone-based
//                                 overlay, in rounds (install_rounds.h);
//   BM_InstallThreads/threads:N   install+teardown on N threads, each on its own object: items
//                                 per second of wall time (1, 2, 4 threads);
//   BM_HookedDeleteThreads/threads:N  new + install with a destroy hook + delete (the callback
//                                 releases the handle), likewise; BM_PlainDeleteThreads the
//                                 same without an overlay.
#include <benchmark/benchmark.h>

#include <memory>
#include <typeinfo>

#include "alloc_counter.h"
#include "binding.h"
#include "classes.h"
#include "install_rounds.h"
#include "overlay/overlay.h"
#include "replacements.h"
#include "shapes.h"

namespace vto_bench {
namespace {

int Replacement(void* /*self*/) { return -1; }

template <typename T>
vto::InstallRequest Request(T* object, bool replace) {
  vto::InstallRequest req;
  req.instance = object;
  req.reflected = &ShapeOf<T>();
  if (replace) req.replacements = {{LastMethodSlot<T>(), reinterpret_cast<void*>(&Replacement)}};
  req.extra_slots = 1;
  return req;
}

// Times Install + Teardown of `req`; the object keeps whatever overlays it had before.
void InstallTeardownLoop(benchmark::State& state, const vto::InstallRequest& req) {
  const void* vptr_before = *static_cast<void* const*>(req.instance);
  // One untimed round first: the registry's tables reach their steady size.
  {
    vto::InstallResult warm = vto::Install(req, BenchShapes());
    if (!warm.ok()) {
      state.SkipWithError(warm.message.c_str());
      return;
    }
  }
  uint64_t allocs_before = AllocationCount();
  int failures = 0;
  for (auto _ : state) {
    vto::InstallResult r = vto::Install(req, BenchShapes());
    failures += !r.ok();
    failures += r.overlay.Teardown() != vto::TeardownResult::kRestored;
  }
  uint64_t allocs = AllocationCount() - allocs_before;
  if (failures != 0) {
    state.SkipWithError("an Install was refused or its Teardown did not restore the object");
  } else if (*static_cast<void* const*>(req.instance) != vptr_before) {
    state.SkipWithError("the object's vptr was not restored");
  }
  if (AllocationCountingAvailable()) {
    state.counters["allocs_per_install"] =
        benchmark::Counter(static_cast<double>(allocs), benchmark::Counter::kAvgIterations);
  }
}

template <typename T>
void BM_Install(benchmark::State& state, T* (*make)()) {
  std::unique_ptr<T> object(make());
  InstallTeardownLoop(state, Request(object.get(), /*replace=*/true));
}
BENCHMARK_CAPTURE(BM_Install, 4, &MakeSlots4);
BENCHMARK_CAPTURE(BM_Install, 16, &MakeSlots16);
BENCHMARK_CAPTURE(BM_Install, 64, &MakeSlots64);

void BM_Install_Stacked(benchmark::State& state) {
  std::unique_ptr<Slots16> object(MakeSlots16());
  vto::InstallResult first = vto::Install(Request(object.get(), true), BenchShapes());
  if (!first.ok()) {
    state.SkipWithError(first.message.c_str());
    return;
  }
  InstallTeardownLoop(state, Request(object.get(), true));
  if (ReadSlot(object.get(), LastMethodSlot<Slots16>()) != reinterpret_cast<void*>(&Replacement)) {
    state.SkipWithError("the first overlay's replacement did not survive the stacked installs");
  }
  (void)first.overlay.Teardown();
}
BENCHMARK(BM_Install_Stacked);

void BM_Install_NoReplacement(benchmark::State& state) {
  std::unique_ptr<Slots16> object(MakeSlots16());
  InstallTeardownLoop(state, Request(object.get(), /*replace=*/false));
}
BENCHMARK(BM_Install_NoReplacement);

void BM_ShapeTable_Find(benchmark::State& state) {
  const char* name = typeid(Slots16).name();
  (void)BenchShapes();  // built before counting
  uint64_t allocs_before = AllocationCount();
  for (auto _ : state) benchmark::DoNotOptimize(BenchShapes().Find(name));
  uint64_t allocs = AllocationCount() - allocs_before;
  if (AllocationCountingAvailable()) {
    state.counters["allocs_per_find"] =
        benchmark::Counter(static_cast<double>(allocs), benchmark::Counter::kAvgIterations);
  }
}
BENCHMARK(BM_ShapeTable_Find);

void BM_InstallRounds(benchmark::State& state) {
  std::vector<InstallMode> modes = {FloorMode(), VtoMode(false), VtoMode(true)};
  RunInstallRounds(state, modes, {{"vto", "floor"}, {"vto_hook", "floor"}});
}
BENCHMARK(BM_InstallRounds);

// A thread's own heap data, apart from every other thread's: 8 KB allocated on each side of
// what the thread allocates in between. Threads may share an allocator arena, and a thread's
// request (its replacement vector) sharing a cache line with another thread's object made
// the two cores bounce that line — hooked deletes on two threads measured 1.25x one thread
// that way, 2.0x apart. The library's own state is apart by its shards (CONTRACT P18).
class Apart {
 public:
  Apart() : pad_(new char[kPad]) {}

 private:
  static constexpr size_t kPad = 8192;
  std::unique_ptr<char[]> pad_;
};

void BM_InstallThreads(benchmark::State& state) {
  Apart before;
  std::unique_ptr<Slots16> object(MakeSlots16());
  const vto::InstallRequest req = Request(object.get(), /*replace=*/true);
  Apart after;
  int failures = 0;
  for (auto _ : state) {
    vto::InstallResult r = vto::Install(req, BenchShapes());
    failures += !r.ok();
    failures += r.overlay.Teardown() != vto::TeardownResult::kRestored;
  }
  state.SetItemsProcessed(state.iterations());
  if (failures != 0) state.SkipWithError("an Install was refused or its Teardown did not restore the object");
}
BENCHMARK(BM_InstallThreads)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

void BM_HookedDeleteThreads(benchmark::State& state) {
  ThreadBinding binding;
  Apart before;
  vto::InstallRequest req = HookedWidgetRequest(binding);
  Apart after;
  uint64_t made = 0;
  for (auto _ : state) {
    Widget* w = MakeWidget(1);
    req.instance = w;
    binding.id = vto::Install(req, BenchShapes()).overlay.release();
    made += binding.id != 0;
    delete w;
  }
  state.SetItemsProcessed(state.iterations());
  if (made != static_cast<uint64_t>(state.iterations())) state.SkipWithError("an Install was refused");
  if (binding.deaths != made) state.SkipWithError("a destroy callback did not release its handle once");
}
BENCHMARK(BM_HookedDeleteThreads)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

void BM_PlainDeleteThreads(benchmark::State& state) {
  for (auto _ : state) delete MakeWidget(1);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PlainDeleteThreads)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

}  // namespace
}  // namespace vto_bench
