// calls_benchmark.cc — one virtual call, natively and through overlays, measured in
// interleaved rounds so every ratio compares calls made within microseconds of each other.
//
// Variants (all Widget objects from libvto_bench_classes.so, all called by CallMany):
//   native     no overlay: the .so's vtable, Widget::Value;
//   plain      overlay replacing Value with PlainValue (same body);
//   identity   overlay replacing nothing: the clone's slot holds Widget::Value itself
//              (separates "through a heap clone" from "into a replacement");
//   slot       overlay replacing Value with ValueViaExtraSlot (state in extra slot 0);
//   map        overlay replacing Value with ValueViaRegistry (state in a mutex-protected
//              hash map keyed by `this`, holding kOtherObjects other entries as well).
// BM_CallsSpread (below) repeats native / slot / map with one call on each of many objects.
// A round runs kCallsPerChunk calls of every variant, starting with a different variant each
// round, timing each chunk with the TSC (calibrated against steady_clock). Counters (medians
// over the rounds of the run): <variant>_ns per call, and the per-round ratios
// plain_over_native (target <= 1.02), slot_over_native (<= 1.3), map_over_slot (>= 4),
// identity_over_native. A chunk in which the thread lost the core is an outlier the median
// ignores — the reason for rounds on a machine shared with other jobs.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "call_loop.h"
#include "classes.h"
#include "overlay/overlay.h"
#include "replacements.h"
#include "rounds.h"
#include "shapes.h"

namespace vto_bench {
namespace {

constexpr int kCallsPerChunk = 4096;
constexpr int kOtherObjects = 1000;

enum Variant { kNative, kPlain, kIdentity, kSlot, kMap, kNumVariants };
constexpr std::array<const char*, kNumVariants> kNames = {"native", "plain", "identity", "slot", "map"};

vto::InstallResult InstallValue(Widget* w, void* replacement, size_t extra_slots) {
  vto::InstallRequest req;
  req.instance = w;
  req.reflected = &ShapeOf<Widget>();
  if (replacement != nullptr) req.replacements = {{WidgetValueSlot(), replacement}};
  req.extra_slots = extra_slots;
  return vto::Install(req, BenchShapes());
}

void BM_Calls(benchmark::State& state) {
  std::array<std::unique_ptr<Widget>, kNumVariants> w;
  for (auto& p : w) p.reset(MakeWidget(1));
  WidgetState ws;
  ws.bias = 10;
  std::vector<std::unique_ptr<Widget>> others;
  std::vector<WidgetState> other_states(kOtherObjects);
  for (int i = 0; i < kOtherObjects; ++i) {
    others.emplace_back(MakeWidget(i));
    Registry().Add(others.back().get(), &other_states[i]);
  }
  Registry().Add(w[kMap].get(), &ws);
  std::array<vto::InstallResult, kNumVariants> overlays;
  overlays[kPlain] = InstallValue(w[kPlain].get(), reinterpret_cast<void*>(&PlainValue), 0);
  overlays[kIdentity] = InstallValue(w[kIdentity].get(), nullptr, 0);
  overlays[kSlot] = InstallValue(w[kSlot].get(), reinterpret_cast<void*>(&ValueViaExtraSlot), 1);
  overlays[kMap] = InstallValue(w[kMap].get(), reinterpret_cast<void*>(&ValueViaRegistry), 0);
  std::string error;
  for (int v = kPlain; v < kNumVariants; ++v) {
    if (!overlays[v].ok()) error = overlays[v].message;
  }
  if (error.empty()) {
    vto::ExtraSlot(w[kSlot].get(), overlays[kSlot].overlay.first_extra_index()) = &ws;
    void* original = ReadSlot(w[kNative].get(), WidgetValueSlot());
    if (ReadSlot(w[kPlain].get(), WidgetValueSlot()) != reinterpret_cast<void*>(&PlainValue) ||
        ReadSlot(w[kIdentity].get(), WidgetValueSlot()) != original || w[kNative]->Value(5) != 6 ||
        w[kPlain]->Value(5) != 6 || w[kIdentity]->Value(5) != 6 || w[kSlot]->Value(5) != 16 ||
        w[kMap]->Value(5) != 16) {
      error = "a variant does not dispatch as set up";
    }
  }
  if (!error.empty()) {
    state.SkipWithError(error.c_str());
  } else {
    const double ns_per_tick = TscNanosPerTick();
    std::array<std::vector<double>, kNumVariants> ns;
    int first = 0;
    for (auto _ : state) {
      std::array<double, kNumVariants> round;
      for (int k = 0; k < kNumVariants; ++k) {
        int v = (first + k) % kNumVariants;
        uint64_t c0 = __builtin_ia32_rdtsc();
        benchmark::DoNotOptimize(CallMany(w[v].get(), kCallsPerChunk));
        uint64_t c1 = __builtin_ia32_rdtsc();
        round[v] = static_cast<double>(c1 - c0) * ns_per_tick / kCallsPerChunk;
      }
      for (int v = 0; v < kNumVariants; ++v) ns[v].push_back(round[v]);
      first = (first + 1) % kNumVariants;
    }
    auto ratio = [&](Variant a, Variant b) {
      std::vector<double> r(ns[a].size());
      for (size_t i = 0; i < r.size(); ++i) r[i] = ns[a][i] / ns[b][i];
      return Median(std::move(r));
    };
    for (int v = 0; v < kNumVariants; ++v) state.counters[std::string(kNames[v]) + "_ns"] = Median(ns[v]);
    state.counters["plain_over_native"] = ratio(kPlain, kNative);
    state.counters["identity_over_native"] = ratio(kIdentity, kNative);
    state.counters["slot_over_native"] = ratio(kSlot, kNative);
    state.counters["map_over_slot"] = ratio(kMap, kSlot);
  }
  for (auto& o : overlays) (void)o.overlay.Teardown();
  Registry().Remove(w[kMap].get());
  for (auto& o : others) Registry().Remove(o.get());
}
BENCHMARK(BM_Calls)->Unit(benchmark::kMicrosecond);

// The same state lookups, but one call on each of kSpreadObjects objects per pass instead of
// every call on one object: each overlaid object has its own clone (and, for the map, its
// own bucket and node), so the caches no longer hold everything. Objects are called in the
// order they were made. Variants native, slot and map as above; a round times one pass of
// each (TSC), the order rotating. Counters: spread_<variant>_ns per call and the per-round
// ratios spread_map_over_slot and spread_slot_over_native (information, no target).
constexpr int kSpreadObjects = 10000;

void BM_CallsSpread(benchmark::State& state) {
  enum { kN, kS, kM, kNum };
  constexpr std::array<const char*, kNum> kSpreadNames = {"native", "slot", "map"};
  std::array<std::vector<Widget*>, kNum> objects;
  std::vector<std::unique_ptr<Widget>> owned;
  std::vector<WidgetState> states(2 * kSpreadObjects);
  std::vector<vto::InstallResult> overlays;
  std::string error;
  for (int i = 0; i < kSpreadObjects && error.empty(); ++i) {
    for (int v = 0; v < kNum; ++v) {
      owned.emplace_back(MakeWidget(i));
      objects[v].push_back(owned.back().get());
    }
    states[i].bias = 10;
    states[kSpreadObjects + i].bias = 10;
    overlays.push_back(InstallValue(objects[kS][i], reinterpret_cast<void*>(&ValueViaExtraSlot), 1));
    if (overlays.back().ok()) vto::ExtraSlot(objects[kS][i], overlays.back().overlay.first_extra_index()) = &states[i];
    overlays.push_back(InstallValue(objects[kM][i], reinterpret_cast<void*>(&ValueViaRegistry), 0));
    Registry().Add(objects[kM][i], &states[kSpreadObjects + i]);
    for (size_t k = overlays.size() - 2; k < overlays.size(); ++k) {
      if (!overlays[k].ok()) error = overlays[k].message;
    }
  }
  if (error.empty()) {
    const int expected = CallEach(objects[kN].data(), kSpreadObjects) + 10 * kSpreadObjects;
    if (CallEach(objects[kS].data(), kSpreadObjects) != expected ||
        CallEach(objects[kM].data(), kSpreadObjects) != expected) {
      error = "a spread variant does not dispatch as set up";
    }
  }
  if (!error.empty()) {
    state.SkipWithError(error.c_str());
  } else {
    const double ns_per_tick = TscNanosPerTick();
    std::array<std::vector<double>, kNum> ns;
    int first = 0;
    for (auto _ : state) {
      std::array<double, kNum> round;
      for (int k = 0; k < kNum; ++k) {
        int v = (first + k) % kNum;
        uint64_t c0 = __builtin_ia32_rdtsc();
        benchmark::DoNotOptimize(CallEach(objects[v].data(), kSpreadObjects));
        uint64_t c1 = __builtin_ia32_rdtsc();
        round[v] = static_cast<double>(c1 - c0) * ns_per_tick / kSpreadObjects;
      }
      for (int v = 0; v < kNum; ++v) ns[v].push_back(round[v]);
      first = (first + 1) % kNum;
    }
    auto ratio = [&](int a, int b) {
      std::vector<double> r(ns[a].size());
      for (size_t i = 0; i < r.size(); ++i) r[i] = ns[a][i] / ns[b][i];
      return Median(std::move(r));
    };
    for (int v = 0; v < kNum; ++v) state.counters["spread_" + std::string(kSpreadNames[v]) + "_ns"] = Median(ns[v]);
    state.counters["spread_map_over_slot"] = ratio(kM, kS);
    state.counters["spread_slot_over_native"] = ratio(kS, kN);
    state.counters["objects"] = kSpreadObjects;
  }
  for (auto& o : overlays) (void)o.overlay.Teardown();
  for (Widget* w : objects[kM]) Registry().Remove(w);
}
BENCHMARK(BM_CallsSpread)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace vto_bench
