// install_rounds.cc — see install_rounds.h.
#include "install_rounds.h"

#include <time.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "classes.h"
#include "overlay/overlay.h"
#include "rounds.h"
#include "shapes.h"

namespace vto_bench {
namespace {

int Replacement(void* /*self*/) { return -1; }
void NoteDeath(void* /*instance*/, void* /*user_data*/) {}

double ThreadCpuNanos() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

}  // namespace

InstallMode FloorMode() {
  std::shared_ptr<Slots16> object(MakeSlots16());
  return {"floor", [object](int count) {
            void** const original = *reinterpret_cast<void***>(object.get());
            constexpr size_t kPrefix = 2, kSlots = 16, kExtra = 1, kOwner = 1;
            const uint32_t last = LastMethodSlot<Slots16>();
            int failures = 0;
            for (int i = 0; i < count; ++i) {
              auto* block = static_cast<void**>(std::malloc((kExtra + kOwner + kPrefix + kSlots) * sizeof(void*)));
              if (block == nullptr) return count;
              void** clone = block + kExtra + kOwner + kPrefix;
              std::memcpy(clone - kPrefix, original - kPrefix, (kPrefix + kSlots) * sizeof(void*));
              clone[last] = reinterpret_cast<void*>(&Replacement);
              benchmark::DoNotOptimize(clone);
              *reinterpret_cast<void***>(object.get()) = clone;
              benchmark::ClobberMemory();
              *reinterpret_cast<void***>(object.get()) = original;
              std::free(block);
            }
            failures += *reinterpret_cast<void***>(object.get()) != original;
            return failures;
          }};
}

InstallMode VtoMode(bool hook) {
  std::shared_ptr<Slots16> object(MakeSlots16());
  auto req = std::make_shared<vto::InstallRequest>();
  req->instance = object.get();
  req->reflected = &ShapeOf<Slots16>();
  req->replacements = {{LastMethodSlot<Slots16>(), reinterpret_cast<void*>(&Replacement)}};
  req->extra_slots = 1;
  if (hook) req->on_destroy = &NoteDeath;
  return {hook ? "vto_hook" : "vto", [object, req](int count) {
            int failures = 0;
            for (int i = 0; i < count; ++i) {
              vto::InstallResult r = vto::Install(*req, BenchShapes());
              failures += !r.ok();
              failures += r.overlay.Teardown() != vto::TeardownResult::kRestored;
            }
            return failures;
          }};
}

void RunInstallRounds(benchmark::State& state, std::vector<InstallMode>& modes,
                      const std::vector<std::pair<std::string, std::string>>& ratios) {
  const size_t n = modes.size();
  for (InstallMode& m : modes) {
    if (m.run(kInstallBatch) != 0) return state.SkipWithError(("mode " + m.name + " failed (warm-up)").c_str());
  }
  std::vector<std::vector<double>> ns(n);
  std::vector<std::vector<double>> ratio(ratios.size());
  std::vector<double> this_round(n);
  int failures = 0;
  size_t round = 0;
  for (auto _ : state) {
    for (size_t k = 0; k < n; ++k) {
      const size_t i = (k + round) % n;
      const double t0 = ThreadCpuNanos();
      failures += modes[i].run(kInstallBatch);
      this_round[i] = (ThreadCpuNanos() - t0) / kInstallBatch;
      ns[i].push_back(this_round[i]);
    }
    for (size_t r = 0; r < ratios.size(); ++r) {
      double a = 0, b = 0;
      for (size_t i = 0; i < n; ++i) {
        if (modes[i].name == ratios[r].first) a = this_round[i];
        if (modes[i].name == ratios[r].second) b = this_round[i];
      }
      if (a > 0 && b > 0) ratio[r].push_back(a / b);
    }
    ++round;
  }
  if (failures != 0) return state.SkipWithError("an install was refused or a teardown did not restore");
  for (size_t i = 0; i < n; ++i) state.counters[modes[i].name + "_ns"] = Median(ns[i]);
  for (size_t r = 0; r < ratios.size(); ++r) {
    state.counters[ratios[r].first + "_over_" + ratios[r].second] = Median(ratio[r]);
  }
}

}  // namespace vto_bench
