// target.cc — the state behind the fuzz targets (target.h).
#include "harness/target.h"

#include <cstdio>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "harness/dispatch_scenario.h"
#include "harness/failure.h"
#include "harness/finding.h"
#include "harness/hierarchy_cache.h"
#include "harness/hierarchy_steering.h"
#include "harness/input_header.h"
#include "harness/lifecycle_scenario.h"
#include "harness/options.h"
#include "harness/promises.h"
#include "harness/race_scenario.h"
#include "harness/reproducer.h"
#include "harness/stats.h"
#include "harness/warm_restart.h"
#include "interp/interpreter.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size) __attribute__((weak));

namespace vto::harness {
namespace {

struct TargetState {
  std::string name;
  Options options;
  std::unique_ptr<backend::Backend> backend;
  std::unique_ptr<HierarchyCache> cache;
  std::unique_ptr<DispatchRunner> dispatch;
  std::unique_ptr<LifecycleRunner> lifecycle;
  std::unique_ptr<RaceRunner> race;
  std::unique_ptr<HierarchySteering> steering;  // libFuzzer's custom mutator (none with jit_budget_pct 0)
  std::chrono::steady_clock::time_point started;
  std::string plugin_path;                 // the backend's .so ("" for the built-in backend)
  std::vector<std::string> compiler_args;  // what the backend was created with
};

TargetState* g_state = nullptr;

// libFuzzer's default mutators. Weak: the replay binaries (no libFuzzer) never mutate, and an
// engine without it gets one flipped bit.
size_t LibFuzzerMutate(uint8_t* data, size_t size, size_t max_size) {
  if (&LLVMFuzzerMutate != nullptr) return LLVMFuzzerMutate(data, size, max_size);
  if (size == 0) return max_size == 0 ? 0 : (data[0] = 0x5a, 1);
  static uint64_t n = 0;
  ++n;
  data[n % size] ^= static_cast<uint8_t>(1u << (n % 8));
  return size;
}

void PrintStats() {
  if (g_state == nullptr || !g_state->cache) return;
  const CacheStats& c = g_state->cache->stats();
  std::string line = "vto-stats: target=" + g_state->name + " backend=" + g_state->backend->name() +
                     " inputs_cached=" + std::to_string(c.gets) + " cache_hits=" + std::to_string(c.hits) +
                     " units_compiled=" + std::to_string(c.units) + " recycles=" + std::to_string(c.recycles);
  line += " hierarchies_compiled=" + std::to_string(c.hierarchies) +
          " distinct_hierarchies=" + std::to_string(c.distinct);
  char jit[160];
  const double units = c.units == 0 ? 1.0 : static_cast<double>(c.units);
  std::snprintf(jit, sizeof jit, " jit_seconds=%.2f o1_units_pct=%.1f o2_units_pct=%.1f", c.compile_seconds,
                100.0 * static_cast<double>(c.units_at_level[1]) / units,
                100.0 * static_cast<double>(c.units_at_level[2]) / units);
  line += jit;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - g_state->started).count();
  std::snprintf(jit, sizeof jit, " jit_share_pct=%.1f", wall > 0 ? 100.0 * c.compile_seconds / wall : 0.0);
  line += jit;
  if (c.thread_hierarchies > 0 || g_state->cache->compiles_in_background()) {
    std::snprintf(jit, sizeof jit, " thread_hierarchies=%llu jit_thread_seconds=%.2f jit_wait_seconds=%.2f",
                  static_cast<unsigned long long>(c.thread_hierarchies), c.thread_seconds, c.wait_seconds);
    line += jit;
  }
  if (g_state->steering) {
    const SteeringStats& s = g_state->steering->stats();
    line += " steered_mutations=" + std::to_string(s.mutations) + " steered_to_unasked=" + std::to_string(s.to_unasked) +
            " steered_to_new=" + std::to_string(s.to_new) + " steered_to_compiled=" + std::to_string(s.to_compiled) +
            " steered_redirected=" + std::to_string(s.redirected);
  }
  if (g_state->dispatch) line += StatsText(g_state->dispatch->stats());
  if (g_state->lifecycle) line += StatsText(g_state->lifecycle->stats());
  if (g_state->race) line += StatsText(g_state->race->stats());
  line += NotPromisedText();
  if (g_state->options.keep_going > 0) {
    const FindingStats f = KeptFindings();
    line += " findings=" + std::to_string(f.findings) + " findings_saved=" + std::to_string(f.saved);
  }
  std::fprintf(stderr, "%s\n", line.c_str());
}

// At exit: the compile thread must not run while LLVM's static destructors do.
void StopCompileThread() {
  if (g_state != nullptr && g_state->cache) g_state->cache->StopCompileThread();
}

}  // namespace

void InitTarget(int* argc_ptr, char*** argv_ptr, const char* target_name) {
  const auto started = std::chrono::steady_clock::now();
  const int argc = *argc_ptr;
  char** const argv = *argv_ptr;
  if (g_state != nullptr) return;
  g_state = new TargetState;  // lives for the process; reachable (no leak report)
  g_state->name = target_name;
  g_state->started = started;
  std::vector<std::string> args(argv, argv + argc);
  for (const std::string& a : args) {
    if (a.rfind("--vto-help", 0) == 0) {
      std::fprintf(stdout, "%s", OptionsHelp().c_str());
      std::exit(0);
    }
  }
  std::string error;
  if (!ParseOptions(args, &g_state->options, &error)) HarnessError(error);
  std::string artifact_prefix;  // libFuzzer's -artifact_prefix
  for (const std::string& a : args) {
    if (a.rfind("-artifact_prefix=", 0) == 0) artifact_prefix = a.substr(std::string("-artifact_prefix=").size());
  }
  if (g_state->options.keep_going > 0) {
    if (!g_state->options.transcript.empty()) HarnessError("--vto-keep_going and --vto-transcript exclude each other");
    EnableKeepGoing(g_state->options.keep_going, artifact_prefix, g_state->options.keep_going_mb);
  }
  if (g_state->options.warm_restarts != 0 && g_state->name == "fuzz_race") {
    HarnessError("--vto-warm_restarts is for fuzz_dispatch and fuzz_lifecycle (fuzz_race's worker threads exist "
                 "before a fork could happen)");
  }
  backend::BackendOptions bo;
  bo.plugin_path = g_state->options.backend;
  bo.compiler_args = interp::HostSanitizerArgs();
  bo.compiler_args.push_back("-O" + std::to_string(g_state->options.jit_opt_level));
  if (!backend::ParseCapabilities(g_state->options.without, &bo.capabilities_off, &error)) {
    HarnessError("--vto-without: " + error);
  }
  g_state->backend = backend::OpenBackend(bo, &error);
  if (!g_state->backend) HarnessError(error);
  g_state->plugin_path = backend::PluginPath(bo);
  g_state->compiler_args = bo.compiler_args;
  const bool lifecycle = g_state->name == "fuzz_lifecycle";
  const bool race = g_state->name == "fuzz_race";
  if (race) {
    // fuzz_race selects among 2^lifecycle_hierarchy_bits hierarchies: a batch larger than
    // that would only compile hierarchies no input can reach.
    const auto ids = static_cast<int>(HierarchyCount(g_state->options.lifecycle_hierarchy_bits));
    g_state->options.batch = std::min(g_state->options.batch, ids);
  }
  g_state->cache = std::make_unique<HierarchyCache>(*g_state->backend, g_state->options, lifecycle,
                                                    /*compiler_modes=*/true);
  if (race) {
    g_state->race = std::make_unique<RaceRunner>(*g_state->backend, *g_state->cache, g_state->options);
  } else if (lifecycle) {
    g_state->lifecycle = std::make_unique<LifecycleRunner>(*g_state->backend, *g_state->cache, g_state->options);
  } else {
    g_state->dispatch = std::make_unique<DispatchRunner>(*g_state->backend, *g_state->cache, g_state->options);
  }
  const int bits = lifecycle || race ? g_state->options.lifecycle_hierarchy_bits : g_state->options.hierarchy_bits;
  if (g_state->options.jit_budget_pct > 0) {
    SteeringPolicy policy = SteeringPolicy::FromOptions(g_state->options);
    // fuzz_race runs its own threads, and its hierarchies per hour meet their target on the
    // fuzzing thread; a plug-in may not compile while it installs (backend.h).
    policy.compile_thread = policy.compile_thread && !race && g_state->backend->compiles_concurrently();
    g_state->steering = std::make_unique<HierarchySteering>(*g_state->cache, bits, policy, &LibFuzzerMutate);
  }
  std::atexit(&PrintStats);
  // Runs before PrintStats (atexit order), and before static destructors.
  if (g_state->steering && g_state->options.compile_thread != 0) std::atexit(&StopCompileThread);
  if (g_state->options.warm_restarts != 0) {
    // The first hierarchies, compiled before the first fork: each child starts from them,
    // and the steering mutator moves inputs to them before it spends JIT on others. As many
    // as a warm start compiled when they were every hierarchy an input could select (2^8
    // for fuzz_dispatch, 2^3 with the lifecycle kit).
    const uint32_t ahead = lifecycle ? 8u : 256u;
    const auto start = std::chrono::steady_clock::now();
    const uint32_t n = g_state->cache->CompileAhead(std::min(ahead, HierarchyCount(bits)));
    std::fprintf(stderr, "vto: warm restarts: %u hierarchies compiled in %.1f s; fuzzing in forked children\n", n,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    ServeWarmRestarts(argc_ptr, argv_ptr, artifact_prefix, started);
  }
}

namespace {

// Runs one input; with --vto-transcript (ci/repro) also writes it down as a standalone
// program. `run` gets the transcript, or nullptr. Returns 0, or -1 after a finding kept in
// keep-going mode (libFuzzer then leaves the input out of the corpus).
template <typename RunFn>
int RunMaybeTranscribed(const uint8_t* data, size_t size, RunFn run) {
  if (g_state->options.transcript.empty()) {
    NoteFirstInputAfterRestart();
    FindingScope scope(data, size);
    try {
      run(nullptr);
    } catch (const OracleFinding&) {
      return -1;
    }
    return 0;
  }
  static bool used = false;
  if (used) HarnessError("--vto-transcript takes exactly one input");
  used = true;
  Transcript* tx = BeginReproducer(g_state->options.transcript, "an input of " + g_state->name + " (" +
                                                                   std::to_string(size) + " bytes)");
  if (g_state->backend->native_shapes() == nullptr) {
    SetReproducerBackend(g_state->plugin_path, g_state->compiler_args);
  }
  run(tx);
  WriteReproducer();
  return 0;
}

}  // namespace

size_t MutateInput(uint8_t* data, size_t size, size_t max_size, unsigned seed) {
  if (g_state == nullptr) HarnessError("MutateInput before InitTarget");
  if (!g_state->steering) return LibFuzzerMutate(data, size, max_size);
  return g_state->steering->Mutate(data, size, max_size, seed);
}

int RunDispatchInput(const uint8_t* data, size_t size) {
  if (g_state == nullptr || !g_state->dispatch) HarnessError("RunDispatchInput before InitTarget(\"fuzz_dispatch\")");
  return RunMaybeTranscribed(data, size, [&](Transcript* tx) { g_state->dispatch->Run(data, size, tx); });
}

int RunRaceInput(const uint8_t* data, size_t size) {
  if (g_state == nullptr || !g_state->race) HarnessError("RunRaceInput before InitTarget(\"fuzz_race\")");
  return RunMaybeTranscribed(data, size, [&](Transcript* tx) { g_state->race->Run(data, size, tx); });
}

int RunLifecycleInput(const uint8_t* data, size_t size) {
  if (g_state == nullptr || !g_state->lifecycle) HarnessError("RunLifecycleInput before InitTarget(\"fuzz_lifecycle\")");
  return RunMaybeTranscribed(data, size, [&](Transcript* tx) { g_state->lifecycle->Run(data, size, tx); });
}

}  // namespace vto::harness
