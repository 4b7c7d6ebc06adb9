// jit_benchmark.cc — JIT compile of one generated hierarchy through the harness's
// HierarchyCache (lib/harness/hierarchy_cache.h), with the fuzzers' options except the
// batch size, the built-in backend and -O0 JIT'd code (the fuzzers' default):
//   BM_Jit_FreshInterpreter   open a new backend (a new clang::Interpreter) and compile one
//                             hierarchy: the first input of a fuzzer, or after a recycle;
//   BM_Jit_ColdHierarchy      compile one hierarchy the cache has not seen (batch = 1) in an
//                             interpreter that is already running: generate, emit, compile,
//                             resolve every planned stub;
//   BM_Jit_ColdBatch16        the same for a batch of 16 hierarchies in one translation unit
//                             (the fuzzers' --vto-batch default); items = hierarchies;
//   BM_Jit_CacheHit           Get() of a hierarchy already compiled: what every later input
//                             of the same hierarchy costs.
// CPU time is the whole process's (MeasureProcessCPUTime): LLVM may compile on other threads.
// Each benchmark run starts its own backend and compiles the same ids (0, 1, 2, ...), so
// repetitions measure the same hierarchies. The interpreter is never recycled inside a
// run (fewer units than --vto-recycle_units).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "backend/backend.h"
#include "gen/trace.h"
#include "harness/hierarchy_cache.h"
#include "harness/options.h"
#include "interp/interpreter.h"

namespace vto_bench {
namespace {

std::unique_ptr<vto::backend::Backend> OpenBuiltinBackend(const vto::harness::Options& options, std::string* error) {
  vto::backend::BackendOptions bo;
  bo.plugin_path = "";  // the built-in backend, unless VTO_BACKEND names a plug-in
  bo.compiler_args = vto::interp::HostSanitizerArgs();
  bo.compiler_args.push_back("-O" + std::to_string(options.jit_opt_level));
  return vto::backend::OpenBackend(bo, error);
}

vto::harness::Options BenchOptions(int batch) {
  vto::harness::Options o;  // the fuzzers' defaults
  o.batch = batch;
  o.recycle_units = 1 << 20;  // never recycle inside one benchmark run
  return o;
}

void BM_Jit_FreshInterpreter(benchmark::State& state) {
  vto::harness::Options options = BenchOptions(1);
  for (auto _ : state) {
    std::string error;
    std::unique_ptr<vto::backend::Backend> backend = OpenBuiltinBackend(options, &error);
    if (!backend) {
      state.SkipWithError(error.c_str());
      return;
    }
    vto::harness::HierarchyCache cache(*backend, options);
    benchmark::DoNotOptimize(&cache.Get(0));
  }
}
BENCHMARK(BM_Jit_FreshInterpreter)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

void ColdLoop(benchmark::State& state, int batch) {
  vto::harness::Options options = BenchOptions(batch);
  std::string error;
  std::unique_ptr<vto::backend::Backend> backend = OpenBuiltinBackend(options, &error);
  if (!backend) {
    state.SkipWithError(error.c_str());
    return;
  }
  vto::harness::HierarchyCache cache(*backend, options);
  uint32_t next = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(&cache.Get(next));
    next += static_cast<uint32_t>(batch);
  }
  if (cache.stats().units != state.iterations() || cache.stats().hits != 0) {
    state.SkipWithError("the cache did not compile exactly one unit per iteration");
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["jit_s_per_unit"] = cache.stats().compile_seconds / static_cast<double>(cache.stats().units);
}

void BM_Jit_ColdHierarchy(benchmark::State& state) { ColdLoop(state, 1); }
void BM_Jit_ColdBatch16(benchmark::State& state) { ColdLoop(state, 16); }
BENCHMARK(BM_Jit_ColdHierarchy)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
BENCHMARK(BM_Jit_ColdBatch16)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

void BM_Jit_CacheHit(benchmark::State& state) {
  vto::harness::Options options = BenchOptions(16);
  std::string error;
  std::unique_ptr<vto::backend::Backend> backend = OpenBuiltinBackend(options, &error);
  if (!backend) {
    state.SkipWithError(error.c_str());
    return;
  }
  vto::harness::HierarchyCache cache(*backend, options);
  (void)cache.Get(0);  // compiles ids 0..15
  uint32_t id = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(&cache.Get(id));
    id = (id + 1) % 16;
  }
  if (cache.stats().units != 1) state.SkipWithError("a cache hit compiled");
}
BENCHMARK(BM_Jit_CacheHit);

}  // namespace
}  // namespace vto_bench

// JIT'd hierarchies call vto_trace_record in this process: keep the trace sink linked in.
int main(int argc, char** argv) {
  benchmark::DoNotOptimize(&vto_trace_record);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
