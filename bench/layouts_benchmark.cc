// layouts_benchmark.cc — overlays on objects with several vptrs: a virtual call through a
// secondary base and through a virtual base, natively and through an overlay, and
// install+teardown per vtable of the group.
//
// Shapes come from clang (the interpreter layer parses classes.h): the library needs the
// vtable group and its overrider map, which are never written by hand here.
//
// BM_LayoutCalls: every variant a Widget* called by CallMany (call_loop.cc), in interleaved
// rounds as BM_Calls does (see calls_benchmark.cc):
//   pane_native    a Pane through its second base Widget: clang's thunk, then Pane::Value;
//   pane_plain     overlay reflected as Widget on that subobject, Value replaced by
//                  PlainValue: the secondary clone's entry calls it directly;
//   pane_thunk     overlay reflected as Pane on the complete object, Value replaced by
//                  PanePlainValue: the secondary clone's entry is the library's thunk;
//   stream_native  a Stream through its virtual base Widget: clang's virtual thunk;
//   stream_plain   overlay reflected as Widget on the virtual base, Value replaced.
// Counters: <variant>_ns, and the per-round ratios pane_plain_over_native,
// pane_thunk_over_native, stream_plain_over_native (target <= 1.02 each).
// BM_InstallGroup/<class>: Install + Teardown on a Pane and a Stream (2 vtables each) beside
// a Widget (1); counter `vtables` (bench/report.py divides the time by it).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "call_loop.h"
#include "classes.h"
#include "interp/clang_shape_resolver.h"
#include "interp/interpreter.h"
#include "overlay/overlay.h"
#include "replacements.h"
#include "rounds.h"

#ifndef VTO_BENCH_DIR
#error "VTO_BENCH_DIR (the directory of classes.h) must be defined"
#endif

namespace vto_bench {
namespace {

constexpr int kCallsPerChunk = 4096;

// The interpreter that reflects classes.h, and its shapes. Made once.
struct Reflection {
  std::unique_ptr<vto::interp::Interpreter> interp;
  std::unique_ptr<vto::interp::ClangShapeResolver> resolver;
  std::string error;
};
Reflection& Reflect() {
  static Reflection* r = [] {
    auto* out = new Reflection;
    vto::interp::InterpreterOptions options;
    options.extra_args = {"-I" VTO_BENCH_DIR};
    out->interp = vto::interp::Interpreter::Create(options, &out->error);
    if (out->interp == nullptr) return out;
    std::string diags;
    if (!out->interp->Compile("#include \"classes.h\"\n", &diags)) {
      out->error = "compiling classes.h: " + diags;
      out->interp.reset();
      return out;
    }
    out->resolver = std::make_unique<vto::interp::ClangShapeResolver>(*out->interp);
    return out;
  }();
  return *r;
}

const vto::interp::ClassLayout* Layout(const char* name) { return Reflect().interp->FindClass(name); }

vto::InstallResult Install(void* instance, const char* cls, const char* method, void* fn) {
  vto::InstallRequest req;
  req.instance = instance;
  const vto::interp::ClassLayout* layout = Layout(cls);
  if (layout == nullptr) {
    vto::InstallResult r;
    r.status = vto::Status::kNullShape;
    r.message = std::string("no class ") + cls;
    return r;
  }
  req.reflected = &layout->shape;
  if (method != nullptr) req.replacements = {{static_cast<uint32_t>(layout->FindSlot(method)), fn}};
  return vto::Install(req, *Reflect().resolver);
}

enum Variant { kPaneNative, kPanePlain, kPaneThunk, kStreamNative, kStreamPlain, kNumVariants };
constexpr std::array<const char*, kNumVariants> kNames = {"pane_native", "pane_plain", "pane_thunk",
                                                          "stream_native", "stream_plain"};

void BM_LayoutCalls(benchmark::State& state) {
  if (!Reflect().error.empty()) {
    state.SkipWithError(Reflect().error.c_str());
    return;
  }
  std::array<Widget*, kNumVariants> w = {MakePaneWidget(1), MakePaneWidget(1), MakePaneWidget(1),
                                         MakeStreamWidget(1), MakeStreamWidget(1)};
  std::array<vto::InstallResult, kNumVariants> overlays;
  overlays[kPanePlain] = Install(w[kPanePlain], "vto_bench::Widget", "Value", reinterpret_cast<void*>(&PlainValue));
  overlays[kPaneThunk] = Install(dynamic_cast<void*>(w[kPaneThunk]), "vto_bench::Pane", "Value",
                                 reinterpret_cast<void*>(&PanePlainValue));
  overlays[kStreamPlain] = Install(w[kStreamPlain], "vto_bench::Widget", "Value", reinterpret_cast<void*>(&PlainValue));
  std::string error;
  for (int v : {kPanePlain, kPaneThunk, kStreamPlain}) {
    if (!overlays[v].ok()) error = std::string(kNames[v]) + ": " + overlays[v].message;
  }
  for (int v = 0; v < kNumVariants && error.empty(); ++v) {
    if (w[v]->Value(5) != 6) error = std::string(kNames[v]) + " does not dispatch as set up";
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
        benchmark::DoNotOptimize(CallMany(w[v], kCallsPerChunk));
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
    state.counters["pane_plain_over_native"] = ratio(kPanePlain, kPaneNative);
    state.counters["pane_thunk_over_native"] = ratio(kPaneThunk, kPaneNative);
    state.counters["stream_plain_over_native"] = ratio(kStreamPlain, kStreamNative);
  }
  for (auto& o : overlays) (void)o.overlay.Teardown();
  for (Widget* p : w) delete p;
}
BENCHMARK(BM_LayoutCalls)->Unit(benchmark::kMicrosecond);

// Install + Teardown of an overlay replacing Value, reflected as Widget on the Widget
// subobject, on an object whose dynamic type's group has `vtables` vtables.
void BM_InstallGroup(benchmark::State& state, Widget* (*make)(int), const char* dynamic_class) {
  if (!Reflect().error.empty()) {
    state.SkipWithError(Reflect().error.c_str());
    return;
  }
  Widget* w = make(1);
  const vto::interp::ClassLayout* dyn = Layout(dynamic_class);
  const size_t vtables = dyn == nullptr ? 0 : dyn->shape.vtable_group.size();
  vto::InstallResult warm = Install(w, "vto_bench::Widget", "Value", reinterpret_cast<void*>(&PlainValue));
  if (!warm.ok() || vtables == 0) {
    state.SkipWithError(warm.ok() ? "no layout of the dynamic class" : warm.message.c_str());
    delete w;
    return;
  }
  (void)warm.overlay.Teardown();
  for (auto _ : state) {
    vto::InstallResult r = Install(w, "vto_bench::Widget", "Value", reinterpret_cast<void*>(&PlainValue));
    benchmark::DoNotOptimize(r.status);
    (void)r.overlay.Teardown();
  }
  state.counters["vtables"] = static_cast<double>(vtables);  // report.py: time / vtables
  delete w;
}
BENCHMARK_CAPTURE(BM_InstallGroup, Widget, &MakeWidget, "vto_bench::Widget");
BENCHMARK_CAPTURE(BM_InstallGroup, Pane, &MakePaneWidget, "vto_bench::Pane");
BENCHMARK_CAPTURE(BM_InstallGroup, Stream, &MakeStreamWidget, "vto_bench::Stream");

}  // namespace
}  // namespace vto_bench
