// cppinterop_bench.cc — CppInterOp's vtable overlay beside this project's, in one run (ci/bench
// runs it when the CppInterOp backend is built). The same objects (bench/classes.h, from
// libvto_bench_classes.so), the same replacement, the same request:
//   BM_InstallTeardown/<impl>/<slots>   one overlay replacing the last method, one extra slot,
//                                       installed and torn down (Slots4/16/64);
//   BM_HookedDelete/<impl>              a Widget made, overlaid with a destroy hook, deleted,
//                                       and (CppInterOp) its overlay destroyed afterwards, as
//                                       CppInterOp requires;
//   BM_Dispatch/<impl>                  CallMany through an overlay replacing Widget::Value;
//   BM_InstallRounds/cppinterop         install+teardown on Slots16, with and without a destroy
//                                       hook, of both libraries and of the floor of any
//                                       clone-based overlay, in rounds (bench/install_rounds.h):
//                                       the ratios ours / CppInterOp's of the same run.
// <impl> is "vto" (vto::Install by slot, the shapes of bench/shapes.h) or "cppinterop"
// (Cpp::MakeVTableOverlay with the class and method reflected once, beforehand, by its
// interpreter, which parses bench/classes.h). Reflection is outside the timed loops for both.
// bench/report.py prints each CppInterOp time over ours.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "CppInterOp/CppInterOp.h"
#include "call_loop.h"
#include "classes.h"
#include "install_rounds.h"
#include "overlay/overlay.h"
#include "process_state.h"
#include "replacements.h"
#include "shapes.h"

namespace vto_bench {
namespace {

int Replacement(void*) { return -1; }

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "ERROR: cppinterop_bench: %s\n", why.c_str());
  std::exit(2);
}

// CppInterOp's interpreter with bench/classes.h parsed (its crash handlers put back).
struct Reflection {
  Reflection() {
    {
      vto_cppinterop::ProcessStateGuard guard;
      if (Cpp::CreateInterpreter({"-std=c++17"}) == nullptr) Die("Cpp::CreateInterpreter failed");
    }
    if (Cpp::Declare("#include \"" VTO_BENCH_CLASSES_PATH "\"") != 0) Die("Cpp::Declare of classes.h failed");
  }
  Cpp::DeclRef Class(const char* name) const {
    Cpp::DeclRef c = Cpp::GetScopeFromCompleteName(name);
    if (c == nullptr) Die(std::string("CppInterOp found no ") + name);
    return c;
  }
  Cpp::ConstFuncRef Method(Cpp::DeclRef c, const char* name) const {
    std::vector<Cpp::FuncRef> f = Cpp::GetFunctionsUsingName(c, name);
    if (f.size() != 1) Die(std::string("CppInterOp found no single ") + name);
    return f[0];
  }
};
const Reflection& Cpp() {
  static const Reflection r;
  return r;
}

template <typename T>
const char* ClassName();
template <>
const char* ClassName<Slots4>() { return "vto_bench::Slots4"; }
template <>
const char* ClassName<Slots16>() { return "vto_bench::Slots16"; }
template <>
const char* ClassName<Slots64>() { return "vto_bench::Slots64"; }
template <typename T>
const char* LastMethod();
template <>
const char* LastMethod<Slots4>() { return "a1"; }
template <>
const char* LastMethod<Slots16>() { return "c1"; }
template <>
const char* LastMethod<Slots64>() { return "i1"; }

template <typename T>
void BM_InstallTeardown_Vto(benchmark::State& state, T* (*make)()) {
  std::unique_ptr<T> object(make());
  vto::InstallRequest req;
  req.instance = object.get();
  req.reflected = &ShapeOf<T>();
  req.replacements = {{LastMethodSlot<T>(), reinterpret_cast<void*>(&Replacement)}};
  req.extra_slots = 1;
  int failures = 0;
  for (auto _ : state) {
    vto::InstallResult r = vto::Install(req, BenchShapes());
    failures += !r.ok();
    failures += r.overlay.Teardown() != vto::TeardownResult::kRestored;
  }
  if (failures != 0) state.SkipWithError("an install was refused or a teardown did not restore");
}

template <typename T>
void BM_InstallTeardown_CppInterOp(benchmark::State& state, T* (*make)()) {
  std::unique_ptr<T> object(make());
  Cpp::DeclRef cls = Cpp().Class(ClassName<T>());
  Cpp::ConstFuncRef method = Cpp().Method(cls, LastMethod<T>());
  void* fn = reinterpret_cast<void*>(&Replacement);
  const void* vptr = *reinterpret_cast<void* const*>(object.get());
  int failures = 0;
  for (auto _ : state) {
    Cpp::VTableOverlay* ov = Cpp::MakeVTableOverlay(object.get(), cls, &method, &fn, 1, 1);
    failures += ov == nullptr;
    Cpp::DestroyVTableOverlay(ov);
  }
  if (failures != 0) state.SkipWithError("MakeVTableOverlay refused");
  if (*reinterpret_cast<void* const*>(object.get()) != vptr) state.SkipWithError("the vptr was not restored");
}

BENCHMARK_CAPTURE(BM_InstallTeardown_Vto, 4, &MakeSlots4)->Name("BM_InstallTeardown/vto/4");
BENCHMARK_CAPTURE(BM_InstallTeardown_CppInterOp, 4, &MakeSlots4)->Name("BM_InstallTeardown/cppinterop/4");
BENCHMARK_CAPTURE(BM_InstallTeardown_Vto, 16, &MakeSlots16)->Name("BM_InstallTeardown/vto/16");
BENCHMARK_CAPTURE(BM_InstallTeardown_CppInterOp, 16, &MakeSlots16)->Name("BM_InstallTeardown/cppinterop/16");
BENCHMARK_CAPTURE(BM_InstallTeardown_Vto, 64, &MakeSlots64)->Name("BM_InstallTeardown/vto/64");
BENCHMARK_CAPTURE(BM_InstallTeardown_CppInterOp, 64, &MakeSlots64)->Name("BM_InstallTeardown/cppinterop/64");

void NoDeath(void*, void*) {}

// CppInterOp's MakeVTableOverlay + DestroyVTableOverlay on a Slots16 of its own, the class and
// method reflected once, beforehand.
InstallMode CppInterOpMode(bool hook) {
  std::shared_ptr<Slots16> object(MakeSlots16());
  Cpp::DeclRef cls = Cpp().Class(ClassName<Slots16>());
  Cpp::ConstFuncRef method = Cpp().Method(cls, LastMethod<Slots16>());
  return {hook ? "cppinterop_hook" : "cppinterop", [object, cls, method, hook](int count) {
            void* fn = reinterpret_cast<void*>(&Replacement);
            Cpp::ConstFuncRef m = method;
            const void* vptr = *reinterpret_cast<void* const*>(object.get());
            int failures = 0;
            for (int i = 0; i < count; ++i) {
              Cpp::VTableOverlay* ov =
                  Cpp::MakeVTableOverlay(object.get(), cls, &m, &fn, 1, 1, hook ? &NoDeath : nullptr, nullptr);
              failures += ov == nullptr;
              Cpp::DestroyVTableOverlay(ov);
            }
            failures += *reinterpret_cast<void* const*>(object.get()) != vptr;
            return failures;
          }};
}

void BM_InstallRounds_CppInterOp(benchmark::State& state) {
  std::vector<InstallMode> modes = {FloorMode(), VtoMode(false), VtoMode(true), CppInterOpMode(false),
                                    CppInterOpMode(true)};
  RunInstallRounds(state, modes,
                   {{"vto", "cppinterop"}, {"vto_hook", "cppinterop_hook"}, {"vto", "floor"}, {"vto_hook", "floor"}});
}
BENCHMARK(BM_InstallRounds_CppInterOp)->Name("BM_InstallRounds/cppinterop");

int g_deaths = 0;
void CountHook(void*, void*) { ++g_deaths; }
// Ours: the binding releases its handle in the callback, where it learns of the death.
void ReleaseInHook(void*, void* id) {
  ++g_deaths;
  if (vto::TeardownOverlay(*static_cast<vto::OverlayId*>(id)) != vto::TeardownResult::kObjectDestroyed) --g_deaths;
}

void BM_HookedDelete_Vto(benchmark::State& state) {
  vto::OverlayId id = 0;
  vto::InstallRequest req;
  req.reflected = &ShapeOf<Widget>();
  req.replacements = {{WidgetValueSlot(), reinterpret_cast<void*>(&PlainValue)}};
  req.on_destroy = &ReleaseInHook;
  req.user_data = &id;
  const int before = g_deaths;
  for (auto _ : state) {
    Widget* w = MakeWidget(1);
    req.instance = w;
    id = vto::Install(req, BenchShapes()).overlay.release();
    delete w;
  }
  if (g_deaths - before != static_cast<int>(state.iterations())) state.SkipWithError("a hook did not run once");
}
BENCHMARK(BM_HookedDelete_Vto)->Name("BM_HookedDelete/vto");

void BM_HookedDelete_CppInterOp(benchmark::State& state) {
  Cpp::DeclRef cls = Cpp().Class("vto_bench::Widget");
  Cpp::ConstFuncRef method = Cpp().Method(cls, "Value");
  void* fn = reinterpret_cast<void*>(&PlainValue);
  const int before = g_deaths;
  for (auto _ : state) {
    Widget* w = MakeWidget(1);
    Cpp::VTableOverlay* ov = Cpp::MakeVTableOverlay(w, cls, &method, &fn, 1, 0, &CountHook, nullptr);
    delete w;
    Cpp::DestroyVTableOverlay(ov);  // CppInterOp frees the clone only here, never at the death
  }
  if (g_deaths - before != static_cast<int>(state.iterations())) state.SkipWithError("a hook did not run once");
}
BENCHMARK(BM_HookedDelete_CppInterOp)->Name("BM_HookedDelete/cppinterop");

constexpr int kCalls = 4096;

void BM_Dispatch_Vto(benchmark::State& state) {
  std::unique_ptr<Widget> w(MakeWidget(1));
  vto::InstallRequest req;
  req.instance = w.get();
  req.reflected = &ShapeOf<Widget>();
  req.replacements = {{WidgetValueSlot(), reinterpret_cast<void*>(&PlainValue)}};
  vto::InstallResult r = vto::Install(req, BenchShapes());
  if (!r.ok()) return state.SkipWithError("install refused");
  for (auto _ : state) benchmark::DoNotOptimize(CallMany(w.get(), kCalls));
  state.SetItemsProcessed(state.iterations() * kCalls);
  r.overlay.Teardown();
}
BENCHMARK(BM_Dispatch_Vto)->Name("BM_Dispatch/vto");

void BM_Dispatch_CppInterOp(benchmark::State& state) {
  std::unique_ptr<Widget> w(MakeWidget(1));
  Cpp::DeclRef cls = Cpp().Class("vto_bench::Widget");
  Cpp::ConstFuncRef method = Cpp().Method(cls, "Value");
  void* fn = reinterpret_cast<void*>(&PlainValue);
  Cpp::VTableOverlay* ov = Cpp::MakeVTableOverlay(w.get(), cls, &method, &fn, 1);
  if (ov == nullptr) return state.SkipWithError("MakeVTableOverlay refused");
  for (auto _ : state) benchmark::DoNotOptimize(CallMany(w.get(), kCalls));
  state.SetItemsProcessed(state.iterations() * kCalls);
  Cpp::DestroyVTableOverlay(ov);
}
BENCHMARK(BM_Dispatch_CppInterOp)->Name("BM_Dispatch/cppinterop");

}  // namespace
}  // namespace vto_bench
