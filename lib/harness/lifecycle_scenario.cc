// lifecycle_scenario.cc — the fuzz_lifecycle runner (lifecycle_scenario.h): the operation
// loop of a lifecycle::LifecycleScenario (lifecycle_model.h has its roles, one file each),
// the callbacks the lifecycle kit and the library call into, and the worker thread deaths
// are handed to.
#include "harness/lifecycle_scenario.h"

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "gen/lifecycle_kit.h"
#include "harness/failure.h"
#include "harness/finding.h"
#include "harness/input_header.h"
#include "harness/lifecycle_model.h"
#include "harness/promises.h"
#include "harness/storage_ledger.h"
#include "overlay/overlay_c.h"
#include "harness/reproducer.h"

namespace vto::harness {
namespace lifecycle {

thread_local LifecycleScenario* g_ctor_scenario = nullptr;  // for constructor callbacks (ctx == nullptr)

namespace {

// A worker thread to destroy objects on ("hand an object to another thread").
class Worker {
 public:
  Worker() : thread_([this] { Loop(); }) {}
  ~Worker() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Run(const std::function<void()>& fn) {
    std::unique_lock<std::mutex> l(mu_);
    job_ = &fn;
    done_ = false;
    cv_.notify_all();
    cv_.wait(l, [this] { return done_; });
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> l(mu_);
    for (;;) {
      cv_.wait(l, [this] { return stop_ || job_ != nullptr; });
      if (job_ != nullptr) {
        const std::function<void()>* fn = job_;
        l.unlock();
        (*fn)();
        l.lock();
        job_ = nullptr;
        done_ = true;
        cv_.notify_all();
      } else if (stop_) {
        return;
      }
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  const std::function<void()>* job_ = nullptr;
  bool done_ = false, stop_ = false;
  std::thread thread_;
};

}  // namespace

void RunOnWorker(const std::function<void()>& job) {
  static Worker* w = new Worker;  // lives for the process
  w->Run(job);
}


LifecycleScenario::LifecycleScenario(backend::Backend& b, const CompiledHierarchy& ch, gen::ByteSource& src,
                                     uint64_t input_hash, LifecycleStats& stats, Transcript* tx, int verbose)
    : b_(b), ch_(ch), h_(ch.model), src_(src), input_hash_(input_hash), stats_(stats), tx_(tx), recording_(tx, verbose, &FailThunk, this),
      silent_(nullptr, verbose, &FailThunk, this), oracle_(&recording_), verbose_(verbose) {
  log_.reserve(64);
}

void LifecycleScenario::Run() {
  live_base_ = b_.LiveOverlays();
  if (b_.native_shapes() != nullptr) live_handles_base_ = vto_live_handles();
  ResetStorageLedger();
  classes_ = gen::KitClasses(h_);
  for (int c : classes_) {
    const ClassTables& t = Tables(ch_, c);
    if (MissingCapabilities(t, b_.capabilities(), false, false, false, false).empty()) overlayable_.push_back(c);
  }
  if (classes_.empty()) return;  // nothing polymorphic to overlay
  if (tx_ != nullptr) T("const size_t live_base = vto_repro::Live();");
  if (tx_ != nullptr) T("const size_t live_handles_base = vto_repro::LiveHandles();");
  for (int i = 0; i < LifecyclePolicy::kMaxTopOps && !src_.exhausted(); ++i) {
    try {
      Step(0);
    } catch (int v) {
      if (v != gen::kLcThrowValue) HarnessError("unexpected exception value " + std::to_string(v));
      ++stats_.throws_caught;
    }
  }
  Cleanup();
  CheckLive("at the end of the input");
  CheckLiveHandles("at the end of the input");
  for (Obj& o : objs_) {
    for (Ov& ov : o.ovs) {
      if (ov.st != HandleState::kClosed) HarnessError("overlay left open at the end");
    }
  }
}

void LifecycleScenario::Step(int depth) {
  const uint32_t op = src_.Below(12);
  switch (op) {
    case 0: case 1: Create(depth); break;
    case 2: case 3: Install(); break;
    case 4: TeardownOne(); break;
    case 5: CallOne(depth); break;
    case 6: case 7: Destroy(false); break;
    case 8: ShareOrLink(); break;
    case 9: VectorPush(); break;
    case 10: Destroy(true); break;
    case 11: ThrowOut(depth); break;
  }
  CheckLive("after an operation");
}

void HookThunk(void* instance, void* user_data) {
  if (UnwindingFinding()) return;  // an object of the failed scenario dies on the way out
  NoUnwindScope no_unwind;         // runs inside a destructor, under the library's hook
  auto* hk = static_cast<Hook*>(user_data);
  hk->sc->OnHook(*hk, instance);
}

// Called from kit scopes, temporaries and constructor bodies, which the kit's own
// exceptions already unwind through: a finding may too.
void LcBody(void* ctx, void* obj) {
  if (UnwindingFinding()) return;
  if (ctx == nullptr) {
    if (g_ctor_scenario == nullptr) HarnessError("constructor callback without a scenario");
    g_ctor_scenario->OnCtor(obj);
    return;
  }
  auto* f = static_cast<Frame*>(ctx);
  f->sc->OnBody(*f, obj);
}

}  // namespace lifecycle

LifecycleRunner::LifecycleRunner(backend::Backend& backend, HierarchyCache& cache, const Options& options)
    : backend_(backend), cache_(cache), options_(options) {}
LifecycleRunner::~LifecycleRunner() = default;

void LifecycleRunner::Run(const uint8_t* data, size_t size, Transcript* transcript) {
  ++stats_.inputs;
  const MultiVptrInput<LifecycleStats> share(stats_);
  InputHeader in = ReadInputHeader(data, size, options_.lifecycle_hierarchy_bits);
  const CompiledHierarchy& ch = cache_.Get(in.hierarchy);
  if (transcript != nullptr) SetReproducerHierarchy(ch);
  if (!probed_ && transcript == nullptr && Promised(backend_, VTO_PROMISE_TERMINATES_ON_THROW)) {
    const std::optional<std::string> p9 = lifecycle::ProbeThrowingCallback(backend_, ch);
    if (p9 && !p9->empty()) Fail("hierarchy " + ch.ns + ": " + *p9);
    probed_ = p9.has_value();
  }
  auto s = std::make_shared<lifecycle::LifecycleScenario>(backend_, ch, in.scenario, in.hash, stats_, transcript,
                                                          options_.verbose);
  try {
    s->Run();
  } catch (const OracleFinding&) {
    KeepAfterFinding(std::move(s));
    throw;
  }
}

}  // namespace vto::harness

extern "C" void vto_lc_body(void* ctx, void* obj) { vto::harness::lifecycle::LcBody(ctx, obj); }
