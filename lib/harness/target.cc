// target.cc — the state behind the fuzz targets (target.h).
#include "harness/target.h"

#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "harness/dispatch_scenario.h"
#include "harness/failure.h"
#include "harness/hierarchy_cache.h"
#include "harness/lifecycle_scenario.h"
#include "harness/options.h"
#include "harness/race_scenario.h"
#include "harness/reproducer.h"
#include "interp/interpreter.h"

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
};

TargetState* g_state = nullptr;

void PrintStats() {
  if (g_state == nullptr || !g_state->cache) return;
  const CacheStats& c = g_state->cache->stats();
  std::fprintf(stderr,
               "vto-stats: target=%s backend=%s inputs_cached=%llu cache_hits=%llu units_compiled=%llu "
               "recycles=%llu jit_seconds=%.2f",
               g_state->name.c_str(), g_state->backend->name().c_str(), static_cast<unsigned long long>(c.gets),
               static_cast<unsigned long long>(c.hits), static_cast<unsigned long long>(c.units),
               static_cast<unsigned long long>(c.recycles), c.compile_seconds);
  if (g_state->dispatch) {
    const DispatchStats& d = g_state->dispatch->stats();
    std::fprintf(stderr,
                 " inputs=%llu objects=%llu overlays=%llu stacked=%llu refusals=%llu calls_checked=%llu "
                 "hooks_fired=%llu",
                 static_cast<unsigned long long>(d.inputs), static_cast<unsigned long long>(d.objects),
                 static_cast<unsigned long long>(d.overlays), static_cast<unsigned long long>(d.stacked),
                 static_cast<unsigned long long>(d.refusals), static_cast<unsigned long long>(d.calls_checked),
                 static_cast<unsigned long long>(d.hooks_fired));
  }
  if (g_state->lifecycle) {
    const LifecycleStats& l = g_state->lifecycle->stats();
    std::fprintf(stderr,
                 " inputs=%llu objects=%llu overlays=%llu stacked=%llu refusals=%llu calls_checked=%llu "
                 "hooks_fired=%llu visible_deaths=%llu invisible_deaths=%llu abandons=%llu thread_deaths=%llu "
                 "cycles_broken=%llu ctor_throws=%llu throws_caught=%llu released_in_hook=%llu",
                 static_cast<unsigned long long>(l.inputs), static_cast<unsigned long long>(l.objects),
                 static_cast<unsigned long long>(l.overlays), static_cast<unsigned long long>(l.stacked),
                 static_cast<unsigned long long>(l.refusals), static_cast<unsigned long long>(l.calls_checked),
                 static_cast<unsigned long long>(l.hooks_fired), static_cast<unsigned long long>(l.visible_deaths),
                 static_cast<unsigned long long>(l.invisible_deaths), static_cast<unsigned long long>(l.abandons),
                 static_cast<unsigned long long>(l.thread_deaths), static_cast<unsigned long long>(l.cycles_broken),
                 static_cast<unsigned long long>(l.ctor_throws), static_cast<unsigned long long>(l.throws_caught),
                 static_cast<unsigned long long>(l.released_in_hook));
  }
  if (g_state->race) {
    const RaceStats& r = g_state->race->stats();
    std::fprintf(stderr,
                 " inputs=%llu no_usable_class=%llu objects=%llu overlays=%llu stacked=%llu same_object_groups=%llu "
                 "handoffs=%llu calls_checked=%llu hooks_fired=%llu hooked_deaths=%llu defined_races=%llu "
                 "race_destroyed=%llu race_cancelled=%llu blocked_callbacks=%llu abandons=%llu released_in_hook=%llu",
                 static_cast<unsigned long long>(r.inputs), static_cast<unsigned long long>(r.no_usable_class),
                 static_cast<unsigned long long>(r.objects), static_cast<unsigned long long>(r.overlays),
                 static_cast<unsigned long long>(r.stacked), static_cast<unsigned long long>(r.same_object_groups),
                 static_cast<unsigned long long>(r.handoffs), static_cast<unsigned long long>(r.calls_checked),
                 static_cast<unsigned long long>(r.hooks_fired), static_cast<unsigned long long>(r.hooked_deaths),
                 static_cast<unsigned long long>(r.defined_races), static_cast<unsigned long long>(r.race_destroyed),
                 static_cast<unsigned long long>(r.race_cancelled), static_cast<unsigned long long>(r.blocked_callbacks),
                 static_cast<unsigned long long>(r.abandons), static_cast<unsigned long long>(r.released_in_hook));
  }
  std::fprintf(stderr, "\n");
}

}  // namespace

void InitTarget(int argc, char** argv, const char* target_name) {
  if (g_state != nullptr) return;
  g_state = new TargetState;  // lives for the process; reachable (no leak report)
  g_state->name = target_name;
  std::vector<std::string> args(argv, argv + argc);
  for (const std::string& a : args) {
    if (a.rfind("--vto-help", 0) == 0) {
      std::fprintf(stdout, "%s", OptionsHelp().c_str());
      std::exit(0);
    }
  }
  std::string error;
  if (!ParseOptions(args, &g_state->options, &error)) HarnessError(error);
  if (g_state->options.batch < 1) HarnessError("--vto-batch must be at least 1");
  backend::BackendOptions bo;
  bo.plugin_path = g_state->options.backend;
  bo.compiler_args = interp::HostSanitizerArgs();
  bo.compiler_args.push_back("-O" + std::to_string(std::min(g_state->options.jit_opt_level, 3)));
  g_state->backend = backend::OpenBackend(bo, &error);
  if (!g_state->backend) HarnessError(error);
  const bool lifecycle = g_state->name == "fuzz_lifecycle";
  const bool race = g_state->name == "fuzz_race";
  if (race) {
    // fuzz_race selects among 2^lifecycle_hierarchy_bits hierarchies: a batch larger than
    // that would only compile hierarchies no input can reach.
    const int bits = std::clamp(g_state->options.lifecycle_hierarchy_bits, 1, 16);
    g_state->options.batch = std::min(g_state->options.batch, 1 << bits);
  }
  g_state->cache = std::make_unique<HierarchyCache>(*g_state->backend, g_state->options, lifecycle);
  if (race) {
    g_state->race = std::make_unique<RaceRunner>(*g_state->backend, *g_state->cache, g_state->options);
  } else if (lifecycle) {
    g_state->lifecycle = std::make_unique<LifecycleRunner>(*g_state->backend, *g_state->cache, g_state->options);
  } else {
    g_state->dispatch = std::make_unique<DispatchRunner>(*g_state->backend, *g_state->cache, g_state->options);
  }
  std::atexit(&PrintStats);
}

namespace {

// Runs one input; with --vto-transcript (ci/repro) also writes it down as a standalone
// program. `run` gets the transcript, or nullptr.
template <typename RunFn>
void RunMaybeTranscribed(size_t size, RunFn run) {
  if (g_state->options.transcript.empty()) {
    run(nullptr);
    return;
  }
  static bool used = false;
  if (used) HarnessError("--vto-transcript takes exactly one input");
  used = true;
  Transcript* tx = BeginReproducer(g_state->options.transcript, "an input of " + g_state->name + " (" +
                                                                   std::to_string(size) + " bytes)");
  run(tx);
  WriteReproducer();
}

}  // namespace

void RunDispatchInput(const uint8_t* data, size_t size) {
  if (g_state == nullptr || !g_state->dispatch) HarnessError("RunDispatchInput before InitTarget(\"fuzz_dispatch\")");
  RunMaybeTranscribed(size, [&](Transcript* tx) { g_state->dispatch->Run(data, size, tx); });
}

void RunRaceInput(const uint8_t* data, size_t size) {
  if (g_state == nullptr || !g_state->race) HarnessError("RunRaceInput before InitTarget(\"fuzz_race\")");
  RunMaybeTranscribed(size, [&](Transcript* tx) { g_state->race->Run(data, size, tx); });
}

void RunLifecycleInput(const uint8_t* data, size_t size) {
  if (g_state == nullptr || !g_state->lifecycle) HarnessError("RunLifecycleInput before InitTarget(\"fuzz_lifecycle\")");
  RunMaybeTranscribed(size, [&](Transcript* tx) { g_state->lifecycle->Run(data, size, tx); });
}

}  // namespace vto::harness
