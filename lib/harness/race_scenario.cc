// race_scenario.cc — the fuzz_race scenario and its oracles (race_scenario.h).
//
// Three passes per input: Plan (the fuzzer's thread reads every decision from the bytes
// and writes a schedule: per object its steps, each on a chosen thread; the steps of all
// objects interleaved into one global order, cut into one operation list per thread),
// Execute (the workers run their lists; an operation waits only for the previous
// operations of its own object), Check (the fuzzer's thread compares what the workers
// recorded with what the model and the contract say).
#include "harness/race_scenario.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gen/byte_source.h"
#include "gen/conventions.h"
#include "gen/describe.h"
#include "gen/expect.h"
#include "gen/stub_names.h"
#include "gen/trace.h"
#include "harness/class_tables.h"
#include "harness/failure.h"
#include "harness/in_hook_release.h"
#include "harness/reproducer.h"
#include "harness/worker_pool.h"
#include "overlay/status.h"

namespace vto::harness {

// Facts about complete objects of one class, measured once on a sample object (offsets of
// subobjects are the same for every complete object of a class), so workers never call
// into the harness's lazily filled caches.
struct RaceClass {
  const ClassTables* t = nullptr;
  int cls = -1;
  std::vector<std::ptrdiff_t> vptr_offsets;  // every polymorphic subobject's vptr, deduplicated
  std::vector<std::ptrdiff_t> up_off;        // by class: the subobject of that static type (bases in `up`)
  struct Call {
    const CallCheck* check = nullptr;
    std::ptrdiff_t static_off = 0;  // the call stub's argument
    std::ptrdiff_t self_off = 0;    // the model's final overrider's `this`
  };
  std::vector<Call> calls;
  std::vector<int> reflectable;     // classes an overlay may be reflected as (primary chain)
  std::vector<int> visible_delete;  // static types whose `delete` goes through the vtable
  NameFn type_of = nullptr;         // typeid(*(C*)p).name()
};

namespace {

using gen::Expected;
using gen::VirtualCall;

constexpr int kRestored = static_cast<int>(TeardownResult::kRestored);
constexpr int kObjectDestroyed = static_cast<int>(TeardownResult::kObjectDestroyed);
constexpr int kCancelled = static_cast<int>(TeardownResult::kCancelled);
constexpr int kDetached = static_cast<int>(TeardownResult::kDetached);
constexpr int kAlreadyTornDown = static_cast<int>(TeardownResult::kAlreadyTornDown);
constexpr int kAbandoned = static_cast<int>(TeardownResult::kAbandoned);

// Every limit and probability of the planner, in one place.
struct RacePolicy {
  static constexpr int kMaxObjects = 12;        // objects per input: 1 .. min(this, 2 * --vto-max_objects)
  static constexpr int kMaxRounds = 3;          // install rounds per object (each followed by a use)
  // Weights of a round: one install; two installs at once (P19); an install while another
  // thread tears an overlay down (P19); two teardowns at once (P19).
  static constexpr std::array<unsigned, 4> kRound = {5, 3, 2, 1};
  static constexpr double kHook = 0.6;          // an overlay asks for a destroy hook (virtual destructor)
  static constexpr double kMethod = 0.5;        // each method of the reflected class is replaced
  static constexpr int kMaxExtra = 3;           // extra slots per overlay: 0 .. this
  static constexpr double kMidTeardown = 0.3;   // one overlay torn down while the object lives
  static constexpr int kMaxCalls = 3;           // calls per use: 1 .. this
  static constexpr double kHookedEnd = 0.75;    // an object with a hook dies with its overlays installed
  static constexpr double kDefinedRace = 0.65;  // ... while a collector tears some down (P20)
  static constexpr double kTarget = 0.5;        // an overlay is one of the collector's targets
  static constexpr double kTriggerIsTarget = 0.5;  // the trigger's own overlay is a target
  static constexpr double kBlock = 0.5;         // a callback at or below the trigger waits for the collector
  static constexpr double kAbandon = 0.25;      // the collector abandons instead of tearing down
  static constexpr double kCallbackCall = 0.5;  // a callback makes a virtual call on its object
  static constexpr double kUnseenAbandon = 0.4; // no hook: deleted with overlays, Abandon after (P17)
  static constexpr double kSplitTeardown = 0.3; // the final teardowns split over two threads (P19)
  static constexpr std::array<int, 4> kDelays = {0, 1, 8, 64};  // collector's yields after its trigger
};

// Waiting without a lock (a lock would order the threads and hide races).
void Backoff(int& spins) {
  ++spins;
  if (spins < 32) return;
  if (spins < 4096) {
    std::this_thread::yield();
    return;
  }
  std::this_thread::sleep_for(std::chrono::microseconds(50));
}

struct Object;
struct Overlay;

// One hooked overlay's callback: what it does (planned before the round) and what it saw
// (written by the thread running the destructor, read after the round).
struct HookRecord {
  Object* object = nullptr;
  Overlay* overlay = nullptr;
  backend::Backend* backend = nullptr;
  bool block = false;        // wait until the object's collector is done (P20 interleavings)
  bool check_cells = false;  // read its own extra slots (only when no collector tears it down)
  int call = -1;             // a RaceClass::calls index made from inside, or -1
  std::atomic<int> calls{0};
  std::atomic<bool> entered{false};  // relaxed: tells the collector "begun", orders nothing
  int order = -1;                    // position among the object's callbacks
  void* seen_instance = nullptr;
  void* seen_vptr = nullptr;
  std::string seen_type;
  long call_got = 0;
  gen::TraceRecord call_last;
  std::vector<void*> seen_cells;
  // The binding releases the overlay's handle from inside the callback (twice), as where it
  // learns of the death (CONTRACT P14): only overlays no collector tears down, so the two
  // releases of one id are always ordered (in_hook_release.h picks which).
  bool release = false;
  int released = -1, released_again = -1;
  int tx = -1;  // transcript: RK[tx]
};

struct Overlay {
  int index = 0;
  int reflected = -1;
  int rank = 0;  // stack position: a later install has a higher rank; a pair installed at once shares one
  std::vector<std::pair<VirtualCall, int>> methods;  // call → replacement number
  size_t extra = 0;
  bool pair = false;  // installed at the same time as another overlay of the object
  backend::OverlaySpec spec;  // the instance is filled in by the install
  std::unique_ptr<HookRecord> hook;
  // Written by the install.
  int code = -1;
  std::string message;
  uint64_t handle = 0;
  // Plan facts.
  bool cells_written = false;  // a use wrote its cookies (as of the end of planning)
  bool torn_down_alive = false;
  bool target = false;         // the collector tears it down while the object dies
  int tx = -1;                 // transcript: H[tx]
};

enum class End { kTornDownFirst, kHookedDelete, kDefinedRace, kUnseenThenAbandon };

struct Object {
  int index = 0;
  const RaceClass* rc = nullptr;
  std::vector<std::unique_ptr<Overlay>> overlays;
  std::atomic<int> completed{0};  // operations of this object finished: the handoff between threads
  std::atomic<int> fire_counter{0};
  std::atomic<bool> collector_done{false};
  std::atomic<bool> delete_done{false};  // relaxed, like HookRecord::entered
  // Written by the create operation.
  void* ptr = nullptr;
  std::vector<void*> words;  // vptr words after construction
  // Plan facts.
  End end = End::kTornDownFirst;
  std::vector<int> active_at_death;  // overlays installed when the delete began, bottom up
  int trigger = -1;                  // defined race: the callback that starts the collector
  bool trigger_blocks = false;
  int tx = -1;                       // transcript: V[tx], RO[index]
  std::vector<int> word_tx;          // transcript: W[...] of each vptr word after construction
};

enum class OpKind { kCreate, kInstall, kUse, kTeardown, kDelete, kCollect, kAfterDeath };

struct CallPlan {
  int call = -1;         // RaceClass::calls index
  int overlay = -1;      // the overlay whose replacement must answer, or -1: the original
  int replacement = 0;
  int sig = 0;
};

struct CellPlan {
  int overlay = -1;
  bool first = false;  // expect nullptr, then write the cookies
};

struct Op {
  OpKind kind = OpKind::kCreate;
  int object = 0;
  int thread = 0;
  int wait_for = 0;               // the object's operations that must have finished first
  std::vector<int> overlays;      // install: one; teardown, collect, after-death: in order
  std::vector<char> abandon;      // collect, after-death: Abandon instead of Teardown, per overlay
  std::vector<CallPlan> calls;    // use
  std::vector<CellPlan> cells;    // use
  bool read_words = false;        // teardown, use: read the vptr words at the end
  int delete_static = -1;         // delete: through this static type; -1 the exact type
  int trigger = -1, delay = 0;    // collect
  // Observations.
  std::vector<int> results, again;
  std::vector<void*> words;
  std::vector<std::pair<long, gen::TraceRecord>> call_obs;
  std::vector<void*> cell_obs;    // per cell: its value before this use wrote it
  std::vector<char> cell_missing;
  // Transcript: the first element of this operation's results in R[] (then its second
  // teardowns), calls in C[], cells in X[], vptr words in Y[].
  int r_tx = 0, c_tx = 0, x_tx = 0, y_tx = 0;
};

void* Cookie(size_t object, size_t overlay, size_t slot) {
  return reinterpret_cast<void*>(((object + 1) << 20) | ((overlay + 1) << 10) | (slot + 1));
}

void WaitUntil(const std::atomic<bool>& flag, std::memory_order order) {
  for (int spins = 0; !flag.load(order); Backoff(spins)) {
  }
}

void HookThunk(void* instance, void* user_data) {
  auto* h = static_cast<HookRecord*>(user_data);
  if (h->calls.fetch_add(1, std::memory_order_relaxed) != 0) return;  // counted; the check reports it
  h->entered.store(true, std::memory_order_relaxed);
  Object& o = *h->object;
  h->order = o.fire_counter.fetch_add(1, std::memory_order_relaxed);
  h->seen_instance = instance;
  h->seen_vptr = *static_cast<void**>(instance);
  if (o.rc->type_of != nullptr) h->seen_type = o.rc->type_of(instance);
  if (h->call >= 0) {
    const RaceClass::Call& c = o.rc->calls[static_cast<size_t>(h->call)];
    const size_t before = gen::Trace::size();
    h->call_got = c.check->fn(static_cast<char*>(instance) + c.static_off);
    h->call_last = gen::Trace::size() > before ? gen::Trace::at(gen::Trace::size() - 1) : gen::TraceRecord{};
  }
  if (h->check_cells) {
    for (size_t i = 0; i < h->overlay->extra; ++i) {
      void** cell = h->backend->ExtraSlot(h->overlay->handle, instance, i);
      h->seen_cells.push_back(cell != nullptr ? *cell : nullptr);
    }
  }
  if (h->release) {
    h->released = h->backend->Teardown(h->overlay->handle);
    h->released_again = h->backend->Teardown(h->overlay->handle);
  }
  // Waits only once the trigger's callback has begun (always true with a correct library,
  // since this one runs after it): a library that skipped the trigger must not hang here.
  if (h->block && o.overlays[static_cast<size_t>(o.trigger)]->hook->entered.load(std::memory_order_relaxed)) {
    WaitUntil(o.collector_done, std::memory_order_acquire);
  }
}

const char* ResultName(int r) {
  if (r < 0 || r > kAbandoned) return "(not a TeardownResult)";
  return TeardownResultName(static_cast<TeardownResult>(r));
}

// One input: the plan, its execution and its checks.
class Scenario {
 public:
  Scenario(backend::Backend& b, const CompiledHierarchy& ch, const Options& opt, gen::ByteSource& src,
           RaceStats& stats, const std::vector<const RaceClass*>& usable, Transcript* tx)
      : b_(b), ch_(ch), h_(ch.model), opt_(opt), src_(src), stats_(stats), usable_(usable),
        caps_(b.capabilities()), tx_(tx) {}

  void Plan();
  // Writes the plan into the transcript (if any): main sets up the hook records, starts one
  // std::thread per worker running that worker's operations with the same per-object
  // hand-offs, and joins them. Check() then adds its checks, each before it evaluates it.
  void Transcribe();
  void Execute(WorkerPool& pool);
  void Check();
  [[nodiscard]] std::string Describe() const;

 private:
  using Step = std::vector<Op>;

  // --- planning ---------------------------------------------------------------------------
  bool Can(uint32_t cap) const { return (caps_ & cap) != 0; }
  int PickThread() { return static_cast<int>(src_.Below(static_cast<uint32_t>(threads_))); }
  int OtherThread(int t) { return (t + 1 + static_cast<int>(src_.Below(static_cast<uint32_t>(threads_ - 1)))) % threads_; }
  Op MakeOp(OpKind kind, const Object& o, int thread) {
    Op op;
    op.kind = kind;
    op.object = o.index;
    op.thread = thread;
    return op;
  }
  int NewOverlay(Object& o, bool transparent, int rank);
  Op UseOp(Object& o, const std::vector<int>& active, int thread);
  std::optional<CallPlan> Expect(const Object& o, int call, const std::vector<int>& active) const;
  std::vector<int> StillBelow(const Object& o, const Overlay& ov) const;
  void PlanObject(Object& o, std::vector<Step>& steps);
  void PlanDeath(Object& o, std::vector<int>& active, std::vector<Step>& steps);

  // --- transcript (ci/repro) --------------------------------------------------------------
  void T(const std::string& statement) const {
    if (tx_ != nullptr) tx_->Add(statement);
  }
  // Prepends `cond` to a statement: it runs only when cond holds (one line, so a reproducer
  // written at any point compiles).
  void TIf(const std::string& cond, const std::string& statement) const { T("if (" + cond + ") " + statement); }
  std::string V(const Object& o) const { return "V[" + std::to_string(o.tx) + "]"; }
  std::string At(const Object& o, std::ptrdiff_t off) const {
    return "((char*)" + V(o) + " + " + std::to_string(off) + ")";
  }
  std::string HX(const Object& o, int k) const {
    return "H[" + std::to_string(o.overlays[static_cast<size_t>(k)]->tx) + "]";
  }
  std::string KX(const Overlay& ov) const { return "RK[" + std::to_string(ov.hook->tx) + "]"; }
  static std::string RX(int i) { return "R[" + std::to_string(i) + "]"; }
  void TranscribeOp(const Op& op);
  void TranscribeResults(const Op& op, const Object& o);
  std::string CallCheckX(const Object& o, const CallPlan& c, const std::string& seen, const std::string& what) const;
  void ExpectResultX(int r, std::initializer_list<const char*> want, const std::string& what) const;
  void TranscribeHookChecks(const Object& o, const Overlay& ov) const;

  // --- execution ---------------------------------------------------------------------------
  void RunOp(Op& op);

  // --- checks -----------------------------------------------------------------------------
  [[noreturn]] void Fail(const std::string& what) const;
  std::string Name(const Object& o) const { return "object #" + std::to_string(o.index) + " (a " + gen::ClassName(o.rc->cls) + ")"; }
  std::string Name(const Object& o, int k) const;
  void CheckCall(const Object& o, const CallPlan& c, long got, gen::TraceRecord last, const std::string& when) const;
  void CheckOp(const Op& op);
  void CheckHooks(const Object& o);

  backend::Backend& b_;
  const CompiledHierarchy& ch_;
  const gen::Hierarchy& h_;
  const Options& opt_;
  gen::ByteSource& src_;
  RaceStats& stats_;
  const std::vector<const RaceClass*>& usable_;
  const uint32_t caps_;
  Transcript* tx_;
  int threads_ = 2;
  std::vector<std::unique_ptr<Object>> objects_;
  std::vector<Op*> order_;                 // every operation in the global order
  std::vector<std::vector<Op*>> lists_;    // per thread, in the global order
  std::vector<std::vector<Step>> steps_;   // per object
};

std::string Scenario::Name(const Object& o, int k) const {
  const Overlay& ov = *o.overlays[static_cast<size_t>(k)];
  return "overlay #" + std::to_string(k) + " (reflected as " + gen::ClassName(ov.reflected) + ", rank " +
         std::to_string(ov.rank) + (ov.hook ? ", hooked" : "") + ") of " + Name(o);
}

int Scenario::NewOverlay(Object& o, bool transparent, int rank) {
  auto ov = std::make_unique<Overlay>();
  ov->index = static_cast<int>(o.overlays.size());
  ov->rank = rank;
  ov->pair = transparent;
  const std::vector<int>& refl = o.rc->reflectable;
  ov->reflected = refl[src_.Below(static_cast<uint32_t>(refl.size()))];
  ov->spec.class_name = ch_.ns + "::" + gen::ClassName(ov->reflected);
  if (!transparent) {
    for (const VirtualCall& call : ch_.plan.classes[static_cast<size_t>(ov->reflected)].calls) {
      if (!src_.Chance(RacePolicy::kMethod)) continue;
      int r = static_cast<int>(src_.Below(gen::kReplacementsPerSignature));
      ov->methods.push_back({call, r});
      ov->spec.methods.push_back({gen::MethodSpelling(h_, call.name, call.sig),
                                  ch_.Stub(gen::ReplacementStubName(ch_.ns, call.sig, r))});
    }
  }
  if (Can(VTO_CAP_EXTRA_SLOTS)) ov->extra = src_.Below(RacePolicy::kMaxExtra + 1);
  ov->spec.extra_slots = ov->extra;
  if (Can(VTO_CAP_DESTROY_HOOK) && h_.classes[static_cast<size_t>(ov->reflected)].virtual_dtor &&
      src_.Chance(RacePolicy::kHook)) {
    ov->hook = std::make_unique<HookRecord>();
    ov->hook->object = &o;
    ov->hook->overlay = ov.get();
    ov->hook->backend = &b_;
    ov->spec.on_destroy = &HookThunk;
    ov->spec.user_data = ov->hook.get();
  }
  o.overlays.push_back(std::move(ov));
  return static_cast<int>(o.overlays.size()) - 1;
}

// Inside the callback of `ov` the overlays above it are gone; it and those below still
// dispatch: those of the overlays installed at death, bottom up.
std::vector<int> Scenario::StillBelow(const Object& o, const Overlay& ov) const {
  std::vector<int> below;
  for (int k : o.active_at_death) {
    if (k == ov.index || o.overlays[static_cast<size_t>(k)]->rank < ov.rank) below.push_back(k);
  }
  return below;
}

// The replacement that must answer `call` on `o` while `active` (bottom up) is installed.
std::optional<CallPlan> Scenario::Expect(const Object& o, int call, const std::vector<int>& active) const {
  const Expected& e = o.rc->calls[static_cast<size_t>(call)].check->expected;
  std::optional<CallPlan> r;
  for (int k : active) {
    const Overlay& ov = *o.overlays[static_cast<size_t>(k)];
    for (const auto& [c, rn] : ov.methods) {
      const CallCheck* on_r = o.rc->t->Find(ov.reflected, c.name, c.sig);
      if (on_r && on_r->expected.impl_id == e.impl_id && on_r->expected.this_path == e.this_path) {
        r = CallPlan{call, k, rn, c.sig};
      }
    }
  }
  return r;
}

// A use: the extra slots of every active overlay (written the first time, checked after),
// and a few calls.
Op Scenario::UseOp(Object& o, const std::vector<int>& active, int thread) {
  Op op = MakeOp(OpKind::kUse, o, thread);
  for (int k : active) {
    Overlay& ov = *o.overlays[static_cast<size_t>(k)];
    if (ov.extra == 0) continue;
    op.cells.push_back({k, !ov.cells_written});
    ov.cells_written = true;
  }
  if (!o.rc->calls.empty()) {
    int n = src_.InRange(1, RacePolicy::kMaxCalls);
    for (int i = 0; i < n; ++i) {
      int call = static_cast<int>(src_.Below(static_cast<uint32_t>(o.rc->calls.size())));
      op.calls.push_back(Expect(o, call, active).value_or(CallPlan{call, -1, 0, 0}));
    }
  }
  return op;
}

void Scenario::PlanObject(Object& o, std::vector<Step>& steps) {
  steps.push_back({MakeOp(OpKind::kCreate, o, PickThread())});
  std::vector<int> active;  // bottom up
  int rank = 0;
  const bool stacking = Can(VTO_CAP_STACKING);
  const int rounds = stacking ? src_.InRange(1, RacePolicy::kMaxRounds) : 1;
  for (int round = 0; round < rounds; ++round) {
    std::array<unsigned, 4> w = RacePolicy::kRound;
    if (!stacking || threads_ < 2) w[1] = w[2] = w[3] = 0;
    if (active.empty()) w[2] = 0;
    if (active.size() < 2) w[3] = 0;
    if (w[0] + w[1] + w[2] + w[3] == 0) break;
    const size_t kind = src_.PickWeighted(w);
    Step step;
    ++rank;
    if (kind == 0) {
      Op op = MakeOp(OpKind::kInstall, o, PickThread());
      op.overlays.push_back(NewOverlay(o, false, rank));
      active.push_back(op.overlays[0]);
      step.push_back(std::move(op));
    } else {
      ++stats_.same_object_groups;
      Op a = MakeOp(kind == 3 ? OpKind::kTeardown : OpKind::kInstall, o, PickThread());
      Op b = MakeOp(kind == 1 ? OpKind::kInstall : OpKind::kTeardown, o, OtherThread(a.thread));
      std::vector<int> gone;
      for (Op* op : {&a, &b}) {
        if (op->kind == OpKind::kInstall) {
          op->overlays.push_back(NewOverlay(o, true, rank));  // transparent: the order of a pair is unknown
        } else {
          size_t i = src_.Below(static_cast<uint32_t>(active.size()));
          op->overlays.push_back(active[i]);
          o.overlays[static_cast<size_t>(active[i])]->torn_down_alive = true;
          active.erase(active.begin() + static_cast<std::ptrdiff_t>(i));
        }
      }
      for (Op* op : {&a, &b}) {
        if (op->kind == OpKind::kInstall) active.push_back(op->overlays[0]);
      }
      step.push_back(std::move(a));
      step.push_back(std::move(b));
    }
    steps.push_back(std::move(step));
    steps.push_back({UseOp(o, active, PickThread())});
  }
  if (!active.empty() && src_.Chance(RacePolicy::kMidTeardown)) {
    size_t i = src_.Below(static_cast<uint32_t>(active.size()));
    Op op = MakeOp(OpKind::kTeardown, o, PickThread());
    op.overlays.push_back(active[i]);
    o.overlays[static_cast<size_t>(active[i])]->torn_down_alive = true;
    active.erase(active.begin() + static_cast<std::ptrdiff_t>(i));
    steps.push_back({std::move(op)});
    steps.push_back({UseOp(o, active, PickThread())});
  }
  PlanDeath(o, active, steps);
}

void Scenario::PlanDeath(Object& o, std::vector<int>& active, std::vector<Step>& steps) {
  const RaceClass& rc = *o.rc;
  std::vector<int> hooked;
  for (int k : active) {
    if (o.overlays[static_cast<size_t>(k)]->hook) hooked.push_back(k);
  }
  auto pick_static = [&](bool visible_only) {
    std::vector<int> via = rc.visible_delete;
    if (!visible_only) via.push_back(-1);
    return via.empty() ? -1 : via[src_.Below(static_cast<uint32_t>(via.size()))];
  };
  if (!hooked.empty() && !rc.visible_delete.empty() && src_.Chance(RacePolicy::kHookedEnd)) {
    o.active_at_death = active;
    Op del = MakeOp(OpKind::kDelete, o, PickThread());
    del.delete_static = pick_static(true);
    for (int k : hooked) {
      HookRecord& h = *o.overlays[static_cast<size_t>(k)]->hook;
      if (!rc.calls.empty() && src_.Chance(RacePolicy::kCallbackCall)) {
        h.call = static_cast<int>(src_.Below(static_cast<uint32_t>(rc.calls.size())));
      }
    }
    Step step;
    std::vector<int> after;  // torn down by the after-death step
    if (threads_ >= 2 && src_.Chance(RacePolicy::kDefinedRace)) {
      o.end = End::kDefinedRace;
      Op col = MakeOp(OpKind::kCollect, o, OtherThread(del.thread));
      o.trigger = hooked[src_.Below(static_cast<uint32_t>(hooked.size()))];
      col.trigger = o.trigger;
      col.delay = RacePolicy::kDelays[src_.Below(RacePolicy::kDelays.size())];
      const int trigger_rank = o.overlays[static_cast<size_t>(o.trigger)]->rank;
      for (int k : active) {
        Overlay& ov = *o.overlays[static_cast<size_t>(k)];
        bool target = k == o.trigger ? src_.Chance(RacePolicy::kTriggerIsTarget) : src_.Chance(RacePolicy::kTarget);
        if (target) {
          ov.target = true;
          col.overlays.push_back(k);
          col.abandon.push_back(b_.can_abandon() && src_.Chance(RacePolicy::kAbandon));
        } else {
          after.push_back(k);
        }
        // Waiting is safe only for callbacks that run after the trigger's has begun.
        if (ov.hook && (k == o.trigger || ov.rank < trigger_rank)) ov.hook->block = src_.Chance(RacePolicy::kBlock);
        if (ov.hook) ov.hook->check_cells = !ov.target && ov.cells_written;
        if (ov.hook) ov.hook->release = !ov.target && ReleasesInHook(static_cast<uint32_t>(o.index), static_cast<uint32_t>(k));
      }
      for (size_t i = col.overlays.size(); i > 1; --i) {
        size_t j = src_.Below(static_cast<uint32_t>(i));
        std::swap(col.overlays[i - 1], col.overlays[j]);
        std::swap(col.abandon[i - 1], col.abandon[j]);
      }
      o.trigger_blocks = o.overlays[static_cast<size_t>(o.trigger)]->hook->block;
      step.push_back(std::move(del));
      step.push_back(std::move(col));
    } else {
      o.end = End::kHookedDelete;
      for (int k : active) {
        Overlay& ov = *o.overlays[static_cast<size_t>(k)];
        if (ov.hook) ov.hook->check_cells = ov.cells_written;
        if (ov.hook) ov.hook->release = ReleasesInHook(static_cast<uint32_t>(o.index), static_cast<uint32_t>(k));
        after.push_back(k);
      }
      step.push_back(std::move(del));
    }
    steps.push_back(std::move(step));
    Op fin = MakeOp(OpKind::kAfterDeath, o, PickThread());
    fin.overlays = after;
    fin.abandon.assign(after.size(), 0);
    steps.push_back({std::move(fin)});
    return;
  }
  if (hooked.empty() && !active.empty() && b_.can_abandon() && src_.Chance(RacePolicy::kUnseenAbandon)) {
    // No hook: the library cannot see the death (Q3); the binding abandons afterwards (P17).
    o.end = End::kUnseenThenAbandon;
    o.active_at_death = active;
    Op del = MakeOp(OpKind::kDelete, o, PickThread());
    del.delete_static = pick_static(false);
    steps.push_back({std::move(del)});
    // Abandon first: a teardown before it would read the dead object (Q2).
    Op fin = MakeOp(OpKind::kAfterDeath, o, PickThread());
    fin.overlays = active;
    std::swap(fin.overlays[0], fin.overlays[src_.Below(static_cast<uint32_t>(active.size()))]);
    fin.abandon.assign(active.size(), 0);
    fin.abandon[0] = 1;
    steps.push_back({std::move(fin)});
    return;
  }
  // Torn down first (in a random order, maybe split over two threads at once), then deleted.
  o.end = End::kTornDownFirst;
  for (size_t i = active.size(); i > 1; --i) std::swap(active[i - 1], active[src_.Below(static_cast<uint32_t>(i))]);
  for (int k : active) o.overlays[static_cast<size_t>(k)]->torn_down_alive = true;
  if (active.size() >= 2 && threads_ >= 2 && src_.Chance(RacePolicy::kSplitTeardown)) {
    ++stats_.same_object_groups;
    size_t cut = 1 + src_.Below(static_cast<uint32_t>(active.size() - 1));
    Op a = MakeOp(OpKind::kTeardown, o, PickThread());
    Op b = MakeOp(OpKind::kTeardown, o, OtherThread(a.thread));
    a.overlays.assign(active.begin(), active.begin() + static_cast<std::ptrdiff_t>(cut));
    b.overlays.assign(active.begin() + static_cast<std::ptrdiff_t>(cut), active.end());
    steps.push_back({std::move(a), std::move(b)});
    Op use = UseOp(o, {}, PickThread());
    use.read_words = true;
    steps.push_back({std::move(use)});
  } else if (!active.empty()) {
    Op td = MakeOp(OpKind::kTeardown, o, PickThread());
    td.overlays = active;
    td.read_words = true;
    steps.push_back({std::move(td)});
  }
  Op del = MakeOp(OpKind::kDelete, o, PickThread());
  del.delete_static = pick_static(false);
  steps.push_back({std::move(del)});
}

void Scenario::Plan() {
  threads_ = src_.InRange(2, RaceRunner::kMaxThreads);
  const int max_objects = std::max(1, std::min(RacePolicy::kMaxObjects, 2 * opt_.max_objects));
  const int n = src_.InRange(1, max_objects);
  steps_.resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto o = std::make_unique<Object>();
    o->index = i;
    o->rc = usable_[src_.Below(static_cast<uint32_t>(usable_.size()))];
    objects_.push_back(std::move(o));
  }
  for (int i = 0; i < n; ++i) PlanObject(*objects_[static_cast<size_t>(i)], steps_[static_cast<size_t>(i)]);
  // Interleave: repeatedly the next step of a chosen object. Every object's steps keep their
  // order, and each thread runs its operations in this global order, so the earliest
  // unfinished operation can always run (no deadlock).
  lists_.assign(static_cast<size_t>(threads_), {});
  std::vector<size_t> next(static_cast<size_t>(n), 0);
  std::vector<int> done_ops(static_cast<size_t>(n), 0), last_thread(static_cast<size_t>(n), -1);
  std::vector<int> pending;
  for (int i = 0; i < n; ++i) pending.push_back(i);
  while (!pending.empty()) {
    size_t pi = src_.Below(static_cast<uint32_t>(pending.size()));
    const size_t i = static_cast<size_t>(pending[pi]);
    Step& step = steps_[i][next[i]++];
    for (Op& op : step) {
      op.wait_for = done_ops[i];
      if (last_thread[i] >= 0 && last_thread[i] != op.thread) ++stats_.handoffs;
      order_.push_back(&op);
      lists_[static_cast<size_t>(op.thread)].push_back(&op);
    }
    done_ops[i] += static_cast<int>(step.size());
    last_thread[i] = step.back().thread;
    if (next[i] == steps_[i].size()) pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(pi));
  }
}

// --- transcript ------------------------------------------------------------------------------

void Scenario::Transcribe() {
  if (tx_ == nullptr) return;
  // Numbers: objects (V, RO, W), overlays (H), hook records (RK), then the observations of
  // every operation, in the global order.
  int hooks = 0, results = 0, calls = 0, cells = 0, words = 0;
  for (const auto& op : objects_) {
    Object& o = *op;
    o.tx = tx_->NewVar();
    for (size_t w = 0; w < o.rc->vptr_offsets.size(); ++w) o.word_tx.push_back(tx_->NewWord());
    for (const auto& ovp : o.overlays) {
      ovp->tx = tx_->NewHandle();
      if (ovp->hook) ovp->hook->tx = hooks++;
    }
  }
  for (Op* op : order_) {
    const Object& o = *objects_[static_cast<size_t>(op->object)];
    op->r_tx = results;
    results += 2 * static_cast<int>(op->overlays.size());
    op->c_tx = calls;
    calls += static_cast<int>(op->calls.size());
    op->x_tx = cells;
    for (const CellPlan& c : op->cells) cells += static_cast<int>(o.overlays[static_cast<size_t>(c.overlay)]->extra);
    op->y_tx = words;
    if (op->read_words) words += static_cast<int>(o.rc->vptr_offsets.size());
  }
  tx_->Declare("static vto_repro::RaceObject RO[" + std::to_string(objects_.size() + 1) + "];");
  tx_->Declare("static vto_repro::RaceHook RK[" + std::to_string(hooks + 1) + "];");
  tx_->Declare("static vto::TeardownResult R[" + std::to_string(results + 1) + "];  // teardown/Abandon results");
  tx_->Declare("static vto_repro::CallSeen C[" + std::to_string(calls + 1) + "];  // calls made by the uses");
  tx_->Declare("static void* X[" + std::to_string(cells + 1) + "];  // extra slots as a use found them");
  tx_->Declare("static void* Y[" + std::to_string(words + 1) + "];  // vptr words read after teardowns");

  T("// fuzz_race: " + std::to_string(threads_) + " threads, " + std::to_string(objects_.size()) +
    " objects; each operation waits only for the previous operations of its object (RO[i].completed)");
  T("const size_t live_base = vto::LiveBlocks();");
  for (const auto& op : objects_) {
    const Object& o = *op;
    for (const auto& ovp : o.overlays) {
      const Overlay& ov = *ovp;
      if (!ov.hook) continue;
      const HookRecord& h = *ov.hook;
      const std::string k = KX(ov);
      T(k + ".object = &RO[" + std::to_string(o.index) + "];");
      if (o.trigger >= 0) T(k + ".trigger = &" + KX(*o.overlays[static_cast<size_t>(o.trigger)]) + ";");
      if (h.block) T(k + ".block = true;");
      if (o.rc->type_of != nullptr) T(k + ".type_of = &" + gen::TypeidStubName(ch_.ns, o.rc->cls) + ";");
      if (h.call >= 0) {
        const RaceClass::Call& c = o.rc->calls[static_cast<size_t>(h.call)];
        T(k + ".call = &" + gen::CallStubName(ch_.ns, c.check->s, c.check->call.name, c.check->call.sig) + ";");
        T(k + ".call_offset = " + std::to_string(c.static_off) + ";");
      }
      if (h.release) T(k + ".release = &H[" + std::to_string(ov.tx) + "];");
      if (h.check_cells && ov.extra > 0) {
        T(k + ".handle = &H[" + std::to_string(ov.tx) + "];");
        T(k + ".cells = " + std::to_string(ov.extra) + ";");
      }
    }
  }
  for (int t = 0; t < threads_; ++t) {
    const std::vector<Op*>& list = lists_[static_cast<size_t>(t)];
    tx_->OpenThread("thread_" + std::to_string(t), "worker " + std::to_string(t) + ": " +
                                                      std::to_string(list.size()) + " operations");
    for (const Op* op : list) TranscribeOp(*op);
    tx_->Close();
  }
  for (int t = 0; t < threads_; ++t) T("thread_" + std::to_string(t) + ".join();");
}

void Scenario::TranscribeOp(const Op& op) {
  static const char* const kKinds[] = {"create", "install", "use", "teardown", "delete", "collect", "after-death"};
  const Object& o = *objects_[static_cast<size_t>(op.object)];
  const RaceClass& rc = *o.rc;
  const std::string ro = "RO[" + std::to_string(o.index) + "]";
  T("// " + std::string(kKinds[static_cast<int>(op.kind)]) + " object #" + std::to_string(o.index));
  T("vto_repro::Await(" + ro + ", " + std::to_string(op.wait_for) + ");");
  auto read_words = [&] {
    for (size_t w = 0; w < rc.vptr_offsets.size(); ++w) {
      T("Y[" + std::to_string(op.y_tx + static_cast<int>(w)) + "] = *(void**)" + At(o, rc.vptr_offsets[w]) + ";");
    }
  };
  switch (op.kind) {
    case OpKind::kCreate:
      T(V(o) + " = " + gen::NewStubName(ch_.ns, rc.cls) + "();");
      for (size_t w = 0; w < rc.vptr_offsets.size(); ++w) {
        T("W[" + std::to_string(o.word_tx[w]) + "] = *(void**)" + At(o, rc.vptr_offsets[w]) + ";");
      }
      break;
    case OpKind::kInstall: {
      const Overlay& ov = *o.overlays[static_cast<size_t>(op.overlays[0])];
      std::string repl;
      for (const auto& [call, r] : ov.methods) {
        repl += "{@SLOT(" + ov.spec.class_name + "|" + gen::MethodSpelling(h_, call.name, call.sig) + ")@, (void*)&" +
                gen::ReplacementStubName(ch_.ns, call.sig, r) + "}, ";
      }
      T(HX(o, ov.index) + " = vto_repro::RaceInstall(" + V(o) + ", \"@SHAPE(" + ov.spec.class_name + ")@\", {" + repl +
        "}, " + std::to_string(ov.extra) + ", " + (ov.hook ? "&" + KX(ov) : std::string("nullptr")) + ");");
      break;
    }
    case OpKind::kUse: {
      int n = op.x_tx;
      for (const CellPlan& c : op.cells) {
        const Overlay& ov = *o.overlays[static_cast<size_t>(c.overlay)];
        for (size_t i = 0; i < ov.extra; ++i, ++n) {
          T("X[" + std::to_string(n) + "] = vto_repro::Extra(" + V(o) + ", " + HX(o, ov.index) + ", " +
            std::to_string(i) + ");");
          if (c.first) {
            T("vto::ExtraSlot(" + V(o) + ", vto::FirstExtraIndex(" + HX(o, ov.index) + ") + " + std::to_string(i) +
              ") = (void*)" +
              std::to_string(reinterpret_cast<uintptr_t>(Cookie(static_cast<size_t>(o.index),
                                                                 static_cast<size_t>(ov.index), i))) + ";");
          }
        }
      }
      for (size_t i = 0; i < op.calls.size(); ++i) {
        const RaceClass::Call& c = rc.calls[static_cast<size_t>(op.calls[i].call)];
        T("C[" + std::to_string(op.c_tx + static_cast<int>(i)) + "] = vto_repro::Observe(&" +
          gen::CallStubName(ch_.ns, c.check->s, c.check->call.name, c.check->call.sig) + ", " + At(o, c.static_off) +
          ");");
      }
      if (op.read_words) read_words();
      break;
    }
    case OpKind::kTeardown:
      TranscribeResults(op, o);
      if (op.read_words) read_words();
      break;
    case OpKind::kDelete:
      if (op.delete_static < 0) {
        T(gen::DeleteStubName(ch_.ns, rc.cls) + "(" + V(o) + ");");
      } else {
        T(gen::DeleteViaStubName(ch_.ns, op.delete_static) + "(" +
          At(o, rc.up_off[static_cast<size_t>(op.delete_static)]) + ");");
      }
      T(ro + ".delete_done.store(true, std::memory_order_relaxed);");
      break;
    case OpKind::kCollect:
      T("vto_repro::AwaitTrigger(" + ro + ", " + KX(*o.overlays[static_cast<size_t>(op.trigger)]) + ");");
      if (op.delay > 0) T("for (int i = 0; i < " + std::to_string(op.delay) + "; ++i) std::this_thread::yield();");
      TranscribeResults(op, o);
      T(ro + ".collector_done.store(true, std::memory_order_release);");
      break;
    case OpKind::kAfterDeath:
      TranscribeResults(op, o);
      break;
  }
  T("vto_repro::Done(" + ro + ");");
}

// Teardown (or Abandon) of each of op.overlays, then a second teardown of each.
void Scenario::TranscribeResults(const Op& op, const Object& o) {
  const int n = static_cast<int>(op.overlays.size());
  for (int i = 0; i < n; ++i) {
    const bool abandon = static_cast<size_t>(i) < op.abandon.size() && op.abandon[static_cast<size_t>(i)];
    T(RX(op.r_tx + i) + " = vto::" + (abandon ? "AbandonOverlay(" : "TeardownOverlay(") +
      HX(o, op.overlays[static_cast<size_t>(i)]) + ");");
  }
  for (int i = 0; i < n; ++i) {
    T(RX(op.r_tx + n + i) + " = vto::TeardownOverlay(" + HX(o, op.overlays[static_cast<size_t>(i)]) + ");");
  }
}

// A check of the call observation `seen` against the plan, as CheckCall decides.
std::string Scenario::CallCheckX(const Object& o, const CallPlan& c, const std::string& seen,
                                 const std::string& what) const {
  const RaceClass::Call& call = o.rc->calls[static_cast<size_t>(c.call)];
  const Expected& e = call.check->expected;
  const std::string orig = "{" + std::to_string(e.impl_id) + ", " + At(o, call.self_off) + "}";
  std::string want = orig;
  if (c.overlay >= 0) {
    const Overlay& ov = *o.overlays[static_cast<size_t>(c.overlay)];
    want = "{" + std::to_string(gen::ReplacementId(c.sig, c.replacement)) + ", " +
           At(o, o.rc->up_off[static_cast<size_t>(ov.reflected)]) + "}";
    if (e.may_devirtualize) want += ", " + orig;
  }
  return "vto_repro::ExpectCallSeen(" + seen + ", {" + want + "}, " +
         CppLiteral("call of " + gen::MethodName(call.check->call.name) + " (signature " +
                    std::to_string(call.check->call.sig) + ") through static type " + gen::ClassName(call.check->s) +
                    " on " + Name(o) + " " + what) +
         ");";
}

void Scenario::ExpectResultX(int r, std::initializer_list<const char*> want, const std::string& what) const {
  std::string list;
  for (const char* w : want) list += std::string(list.empty() ? "" : ", ") + "vto::TeardownResult::" + w;
  T("vto_repro::ExpectResult(" + RX(r) + ", {" + list + "}, " + CppLiteral(what) + ");");
}

// --- execution -------------------------------------------------------------------------------

void Scenario::RunOp(Op& op) {
  Object& o = *objects_[static_cast<size_t>(op.object)];
  const RaceClass& rc = *o.rc;
  auto read_words = [&](std::vector<void*>& out) {
    for (std::ptrdiff_t off : rc.vptr_offsets) out.push_back(*reinterpret_cast<void**>(static_cast<char*>(o.ptr) + off));
  };
  switch (op.kind) {
    case OpKind::kCreate:
      gen::Trace::Clear();
      o.ptr = rc.t->make();
      read_words(o.words);
      break;
    case OpKind::kInstall: {
      Overlay& ov = *o.overlays[static_cast<size_t>(op.overlays[0])];
      ov.spec.instance = o.ptr;
      backend::InstallOutcome out = b_.Install(ov.spec);
      ov.code = out.code;
      ov.message = std::move(out.message);
      ov.handle = out.handle;
      break;
    }
    case OpKind::kUse:
      for (const CellPlan& c : op.cells) {
        const Overlay& ov = *o.overlays[static_cast<size_t>(c.overlay)];
        for (size_t i = 0; i < ov.extra; ++i) {
          void** cell = b_.ExtraSlot(ov.handle, o.ptr, i);
          op.cell_missing.push_back(cell == nullptr);
          op.cell_obs.push_back(cell != nullptr ? *cell : nullptr);
          if (cell != nullptr && c.first) *cell = Cookie(static_cast<size_t>(o.index), static_cast<size_t>(ov.index), i);
        }
      }
      for (const CallPlan& c : op.calls) {
        const RaceClass::Call& call = rc.calls[static_cast<size_t>(c.call)];
        gen::Trace::Clear();
        long got = call.check->fn(static_cast<char*>(o.ptr) + call.static_off);
        gen::TraceRecord last = gen::Trace::size() ? gen::Trace::at(gen::Trace::size() - 1) : gen::TraceRecord{};
        op.call_obs.push_back({got, last});
      }
      if (op.read_words) read_words(op.words);
      break;
    case OpKind::kTeardown:
      for (int k : op.overlays) op.results.push_back(b_.Teardown(o.overlays[static_cast<size_t>(k)]->handle));
      for (int k : op.overlays) op.again.push_back(b_.Teardown(o.overlays[static_cast<size_t>(k)]->handle));
      if (op.read_words) read_words(op.words);
      break;
    case OpKind::kDelete: {
      gen::Trace::Clear();
      if (op.delete_static < 0) {
        rc.t->del(o.ptr);
      } else {
        const size_t s = static_cast<size_t>(op.delete_static);
        rc.t->delete_via[s](static_cast<char*>(o.ptr) + rc.up_off[s]);
      }
      o.delete_done.store(true, std::memory_order_relaxed);
      break;
    }
    case OpKind::kCollect: {
      // Starts once the trigger's callback has begun; the relaxed flag orders nothing, so
      // between this thread and the destroying one only the library's own synchronization
      // holds (CONTRACT P20).
      const std::atomic<bool>& entered = o.overlays[static_cast<size_t>(op.trigger)]->hook->entered;
      for (int spins = 0; !entered.load(std::memory_order_relaxed) && !o.delete_done.load(std::memory_order_relaxed);
           Backoff(spins)) {
      }
      for (int i = 0; i < op.delay; ++i) std::this_thread::yield();
      for (size_t i = 0; i < op.overlays.size(); ++i) {
        uint64_t h = o.overlays[static_cast<size_t>(op.overlays[i])]->handle;
        op.results.push_back(op.abandon[i] ? b_.Abandon(h) : b_.Teardown(h));
      }
      for (int k : op.overlays) op.again.push_back(b_.Teardown(o.overlays[static_cast<size_t>(k)]->handle));
      o.collector_done.store(true, std::memory_order_release);
      break;
    }
    case OpKind::kAfterDeath:
      for (size_t i = 0; i < op.overlays.size(); ++i) {
        uint64_t h = o.overlays[static_cast<size_t>(op.overlays[i])]->handle;
        op.results.push_back(op.abandon[i] ? b_.Abandon(h) : b_.Teardown(h));
      }
      for (int k : op.overlays) op.again.push_back(b_.Teardown(o.overlays[static_cast<size_t>(k)]->handle));
      break;
  }
}

void Scenario::Execute(WorkerPool& pool) {
  std::vector<std::function<void()>> jobs(static_cast<size_t>(threads_));
  for (int t = 0; t < threads_; ++t) {
    jobs[static_cast<size_t>(t)] = [this, t] {
      for (Op* op : lists_[static_cast<size_t>(t)]) {
        Object& o = *objects_[static_cast<size_t>(op->object)];
        for (int spins = 0; o.completed.load(std::memory_order_acquire) < op->wait_for; Backoff(spins)) {
        }
        RunOp(*op);
        o.completed.fetch_add(1, std::memory_order_acq_rel);
      }
    };
  }
  pool.RunRound(jobs);
}

// --- checks --------------------------------------------------------------------------------

void Scenario::Fail(const std::string& what) const {
  SetFailureContext("hierarchy " + ch_.ns + " (generator version " + std::to_string(gen::kGeneratorVersion) +
                    ", backend " + b_.name() + ")\n" + gen::DescribeHierarchy(h_) + Describe());
  harness::Fail("hierarchy " + ch_.ns + ": " + what);
}

std::string Scenario::Describe() const {
  static const char* const kKinds[] = {"create", "install", "use", "teardown", "delete", "collect", "after-death"};
  static const char* const kEnds[] = {"torn down first", "hooked delete", "defined race", "unseen delete, abandon"};
  std::string s = "schedule (" + std::to_string(threads_) + " threads):\n";
  for (const auto& op : objects_) {
    const Object& o = *op;
    s += "  object #" + std::to_string(o.index) + ": " + gen::ClassName(o.rc->cls) + ", " +
         kEnds[static_cast<int>(o.end)] + (o.trigger >= 0 ? ", trigger overlay #" + std::to_string(o.trigger) : "") +
         "\n";
    for (const auto& ovp : o.overlays) {
      const Overlay& ov = *ovp;
      s += "    overlay #" + std::to_string(ov.index) + " rank " + std::to_string(ov.rank) + " reflected as " +
           gen::ClassName(ov.reflected) + ":";
      for (const auto& [c, r] : ov.methods) {
        s += " " + gen::MethodName(c.name) + "/sig" + std::to_string(c.sig) + "->repl" + std::to_string(r);
      }
      if (ov.extra) s += " +" + std::to_string(ov.extra) + " extra";
      if (ov.hook) {
        s += " +hook";
        if (ov.hook->block) s += " (waits for the collector)";
        if (ov.hook->call >= 0) s += " (calls from inside)";
      }
      if (ov.pair) s += " (installed as a pair)";
      if (ov.target) s += " (collector target)";
      s += "\n";
    }
  }
  for (const Op* op : order_) {
    s += "  thread " + std::to_string(op->thread) + ": " + kKinds[static_cast<int>(op->kind)] + " object #" +
         std::to_string(op->object);
    for (size_t i = 0; i < op->overlays.size(); ++i) {
      s += " #" + std::to_string(op->overlays[i]) + (i < op->abandon.size() && op->abandon[i] ? "(abandon)" : "");
    }
    if (op->kind == OpKind::kDelete) {
      s += op->delete_static < 0 ? " through its own type" : " through " + gen::ClassName(op->delete_static);
    }
    if (op->kind == OpKind::kCollect) s += " after yields " + std::to_string(op->delay);
    if (op->kind == OpKind::kUse) s += " (" + std::to_string(op->calls.size()) + " calls)";
    s += "\n";
  }
  return s;
}

void Scenario::CheckCall(const Object& o, const CallPlan& c, long got, gen::TraceRecord last,
                         const std::string& when) const {
  const RaceClass::Call& call = o.rc->calls[static_cast<size_t>(c.call)];
  const Expected& e = call.check->expected;
  void* orig_self = static_cast<char*>(o.ptr) + call.self_off;
  const bool as_original = got == e.impl_id && last.impl_id == e.impl_id && last.self == orig_self;
  int rep_id = 0;
  void* rep_self = nullptr;
  if (c.overlay >= 0) {
    const Overlay& ov = *o.overlays[static_cast<size_t>(c.overlay)];
    rep_id = gen::ReplacementId(c.sig, c.replacement);
    rep_self = static_cast<char*>(o.ptr) + o.rc->up_off[static_cast<size_t>(ov.reflected)];
  }
  const bool as_replaced = c.overlay >= 0 && got == rep_id && last.impl_id == rep_id && last.self == rep_self;
  if (c.overlay >= 0 ? (as_replaced || (e.may_devirtualize && as_original)) : as_original) return;
  std::string want = c.overlay >= 0 ? "replacement id " + std::to_string(rep_id) + " of overlay #" +
                                          std::to_string(c.overlay) + " on this=" + Hex(rep_self)
                                    : "impl " + std::to_string(e.impl_id) + " on this=" + Hex(orig_self);
  Fail("call of " + gen::MethodName(call.check->call.name) + " (signature " + std::to_string(call.check->call.sig) +
       ") through static type " + gen::ClassName(call.check->s) + " on " + Name(o) + " " + when + ": expected " + want +
       "; got return " + std::to_string(got) + ", traced impl " + std::to_string(last.impl_id) + " on this=" +
       Hex(last.self));
}

void Scenario::CheckOp(const Op& op) {
  const Object& o = *objects_[static_cast<size_t>(op.object)];
  auto expect_result = [&](int got, int want, int k, const char* what) {
    if (got != want) {
      Fail(std::string(what) + " of " + Name(o, k) + " returned " + std::to_string(got) + " (" + ResultName(got) +
           "), expected " + ResultName(want));
    }
  };
  auto check_words = [&](const char* when) {
    for (size_t i = 0; i < op.words.size() && i < o.words.size(); ++i) {
      if (tx_ != nullptr) {
        T("VTO_EXPECT(Y[" + std::to_string(op.y_tx + static_cast<int>(i)) + "] == W[" + std::to_string(o.word_tx[i]) +
          "], " + CppLiteral("the vptr at offset " + std::to_string(o.rc->vptr_offsets[i]) + " of " + Name(o) + " " +
                             when + " is restored bit for bit") + ");");
      }
      if (op.words[i] != o.words[i]) {
        Fail("the vptr at offset " + std::to_string(o.rc->vptr_offsets[i]) + " of " + Name(o) + " is " +
             Hex(op.words[i]) + " " + when + "; after construction it was " + Hex(o.words[i]) +
             " (teardown must restore it bit for bit)");
      }
    }
  };
  switch (op.kind) {
    case OpKind::kCreate:
      if (o.ptr == nullptr) HarnessError("the new stub of " + gen::ClassName(o.rc->cls) + " returned null");
      ++stats_.objects;
      break;
    case OpKind::kInstall: {
      const Overlay& ov = *o.overlays[static_cast<size_t>(op.overlays[0])];
      if (tx_ != nullptr) {
        T("VTO_EXPECT(" + HX(o, ov.index) + " != 0, " +
          CppLiteral("install of " + Name(o, ov.index) + " accepted (within the library's capabilities)") + ");");
      }
      if (ov.code != 0) {
        Fail("unexpected refusal of " + Name(o, ov.index) + " (within the backend's capabilities): code " +
             std::to_string(ov.code) + ": " + ov.message);
      }
      ++stats_.overlays;
      if (ov.rank > 1 || ov.pair) ++stats_.stacked;
      break;
    }
    case OpKind::kUse: {
      size_t n = 0;
      for (const CellPlan& c : op.cells) {
        const Overlay& ov = *o.overlays[static_cast<size_t>(c.overlay)];
        for (size_t i = 0; i < ov.extra; ++i, ++n) {
          void* want = c.first ? nullptr : Cookie(static_cast<size_t>(o.index), static_cast<size_t>(ov.index), i);
          if (tx_ != nullptr) {
            T("VTO_EXPECT(X[" + std::to_string(op.x_tx + static_cast<int>(n)) + "] == (void*)" +
              std::to_string(reinterpret_cast<uintptr_t>(want)) + ", " +
              CppLiteral("extra slot " + std::to_string(i) + " of " + Name(o, ov.index) +
                         (c.first ? " starts null" : " keeps its value (per-instance state)")) + ");");
          }
          if (op.cell_missing[n] || op.cell_obs[n] != want) {
            Fail("extra slot " + std::to_string(i) + " of " + Name(o, ov.index) +
                 (op.cell_missing[n] ? " has no address" : " holds " + Hex(op.cell_obs[n]) + ", expected " + Hex(want)) +
                 (c.first ? " (a new overlay's slots start null)" : " (per-instance state lost or shared)"));
          }
        }
      }
      for (size_t i = 0; i < op.calls.size(); ++i) {
        if (tx_ != nullptr) {
          T(CallCheckX(o, op.calls[i], "C[" + std::to_string(op.c_tx + static_cast<int>(i)) + "]",
                       "on thread " + std::to_string(op.thread)));
        }
        CheckCall(o, op.calls[i], op.call_obs[i].first, op.call_obs[i].second,
                  "on thread " + std::to_string(op.thread));
        ++stats_.calls_checked;
      }
      if (op.read_words) check_words("after every overlay was torn down (on two threads at once)");
      break;
    }
    case OpKind::kTeardown:
      for (size_t i = 0; i < op.overlays.size(); ++i) {
        const int r = op.r_tx + static_cast<int>(i), n = static_cast<int>(op.overlays.size());
        if (tx_ != nullptr) ExpectResultX(r, {"kRestored"}, "teardown of a live object: " + Name(o, op.overlays[i]));
        expect_result(op.results[i], kRestored, op.overlays[i], "teardown of a live object");
        if (tx_ != nullptr) ExpectResultX(r + n, {"kAlreadyTornDown"}, "second teardown of " + Name(o, op.overlays[i]));
        expect_result(op.again[i], kAlreadyTornDown, op.overlays[i], "second teardown");
      }
      if (op.read_words) check_words("after every overlay was torn down");
      break;
    case OpKind::kDelete:
      break;
    case OpKind::kCollect:
      ++stats_.defined_races;
      for (size_t i = 0; i < op.overlays.size(); ++i) {
        const int k = op.overlays[i];
        const Overlay& ov = *o.overlays[static_cast<size_t>(k)];
        const Overlay& trig = *o.overlays[static_cast<size_t>(o.trigger)];
        const int r = op.results[i];
        const char* what = op.abandon[i] ? "Abandon while the object was being destroyed"
                                          : "teardown while the object was being destroyed";
        const int rx = op.r_tx + static_cast<int>(i), n = static_cast<int>(op.overlays.size());
        if (op.abandon[i]) ++stats_.abandons;
        if (tx_ != nullptr) {
          ExpectResultX(rx, {"kObjectDestroyed", "kCancelled"},
                        std::string(what) + " of " + Name(o, k) + ": the defined race (P20) allows only these");
        }
        if (r != kObjectDestroyed && r != kCancelled) {
          Fail(std::string(what) + " of " + Name(o, k) + " returned " + std::to_string(r) + " (" + ResultName(r) +
               "); the defined race (P20) allows only kObjectDestroyed or kCancelled");
        }
        (r == kObjectDestroyed ? stats_.race_destroyed : stats_.race_cancelled)++;
        // Deterministic cases: the trigger's callback had begun before the collector
        // started, and overlays above the trigger fired (or were removed) before it.
        if (tx_ != nullptr && (k == o.trigger || ov.rank > trig.rank)) {
          ExpectResultX(rx, {"kObjectDestroyed"},
                        std::string(what) + " of " + Name(o, k) + ": " +
                            (k == o.trigger ? "its own callback had begun" : "the trigger's callback below it had begun"));
        }
        if ((k == o.trigger || ov.rank > trig.rank) && r != kObjectDestroyed) {
          Fail(std::string(what) + " of " + Name(o, k) + " returned " + ResultName(r) + ", expected kObjectDestroyed: " +
               (k == o.trigger ? "its own callback had begun" : "it is above overlay #" + std::to_string(o.trigger) +
                                                                  ", whose callback had begun"));
        }
        if (tx_ != nullptr && ov.rank < trig.rank && o.trigger_blocks) {
          ExpectResultX(rx, {"kCancelled"}, std::string(what) + " of " + Name(o, k) +
                                                ": the trigger's callback above it waited for the collector");
        }
        if (ov.rank < trig.rank && o.trigger_blocks && r != kCancelled) {
          Fail(std::string(what) + " of " + Name(o, k) + " returned " + ResultName(r) + ", expected kCancelled: "
               "the callback of overlay #" + std::to_string(o.trigger) + " above it was still waiting for the "
               "collector, so this overlay's callback cannot have begun");
        }
        if (ov.hook) {
          if (tx_ != nullptr) {
            T("VTO_EXPECT(" + KX(ov) + ".calls.load() == (" + RX(rx) +
              " == vto::TeardownResult::kObjectDestroyed ? 1 : 0), " +
              CppLiteral("destroy hook of " + Name(o, k) + " ran exactly once if " + what +
                         " returned kObjectDestroyed, never if kCancelled") + ");");
          }
          const int calls = ov.hook->calls.load(std::memory_order_relaxed);
          const int want = r == kObjectDestroyed ? 1 : 0;
          if (calls != want) {
            Fail("destroy hook of " + Name(o, k) + " fired " + std::to_string(calls) + " times, but " + what +
                 " returned " + ResultName(r) + ": the callback must run " +
                 (want ? "exactly once when it had begun (kObjectDestroyed)" : "never when cancelled (kCancelled)"));
          }
        }
        if (tx_ != nullptr) {
          ExpectResultX(rx + n, {"kAlreadyTornDown"}, "second teardown of " + Name(o, k) + " after the defined race");
        }
        expect_result(op.again[i], kAlreadyTornDown, k, "second teardown after the defined race");
      }
      break;
    case OpKind::kAfterDeath:
      for (size_t i = 0; i < op.overlays.size(); ++i) {
        const int k = op.overlays[i];
        const int rx = op.r_tx + static_cast<int>(i), n = static_cast<int>(op.overlays.size());
        if (o.end == End::kUnseenThenAbandon) {
          // Another thread may have reused the freed address and overlaid a new object there
          // first; the library then drops the dead object's stack itself (kDetached).
          if (op.abandon[i]) {
            ++stats_.abandons;
            if (tx_ != nullptr) {
              ExpectResultX(rx, {"kAbandoned", "kDetached"},
                            "Abandon after an unseen death of " + Name(o, k) + " (kDetached if the address was reused)");
            }
            if (op.results[i] != kAbandoned && op.results[i] != kDetached) {
              Fail("Abandon after an unseen death of " + Name(o, k) + " returned " + ResultName(op.results[i]) +
                   ", expected kAbandoned (or kDetached if the address was reused)");
            }
          } else {
            if (tx_ != nullptr) {
              ExpectResultX(rx, {"kDetached"}, "teardown of " + Name(o, k) + " after another overlay was abandoned");
            }
            expect_result(op.results[i], kDetached, k, "teardown after another overlay of the object was abandoned");
          }
        } else if (const Overlay& ov = *o.overlays[static_cast<size_t>(k)]; ov.hook && ov.hook->release) {
          if (tx_ != nullptr) {
            ExpectResultX(rx, {"kAlreadyTornDown"},
                          "teardown of " + Name(o, k) + " after a hooked delete whose callback released it");
          }
          expect_result(op.results[i], kAlreadyTornDown, k, "teardown after a hooked delete whose callback released it");
        } else {
          if (tx_ != nullptr) {
            ExpectResultX(rx, {"kObjectDestroyed"}, "teardown of " + Name(o, k) + " after a hooked delete");
          }
          expect_result(op.results[i], kObjectDestroyed, k, "teardown after a hooked delete");
        }
        if (tx_ != nullptr) {
          ExpectResultX(rx + n, {"kAlreadyTornDown"}, "second teardown of " + Name(o, k) + " after the object's death");
        }
        expect_result(op.again[i], kAlreadyTornDown, k, "second teardown after the object's death");
      }
      break;
  }
}

void Scenario::CheckHooks(const Object& o) {
  const bool died_hooked = o.end == End::kHookedDelete || o.end == End::kDefinedRace;
  std::vector<const Overlay*> fired;
  for (const auto& ovp : o.overlays) {
    const Overlay& ov = *ovp;
    if (!ov.hook) continue;
    const HookRecord& h = *ov.hook;
    const int calls = h.calls.load(std::memory_order_relaxed);
    const bool at_death = std::find(o.active_at_death.begin(), o.active_at_death.end(), ov.index) != o.active_at_death.end();
    if (!died_hooked || !at_death) {
      if (tx_ != nullptr) {
        T("VTO_EXPECT(" + KX(ov) + ".calls.load() == 0, " +
          CppLiteral("destroy hook of " + Name(o, ov.index) + " never fires (" +
                     (ov.torn_down_alive ? "its overlay was torn down before the object died"
                                         : "the death was not through a hooked destructor") + ")") + ");");
      }
      if (calls != 0) {
        Fail("destroy hook of " + Name(o, ov.index) + " fired " + std::to_string(calls) + " times; expected never (" +
             (ov.torn_down_alive ? "its overlay was torn down before the object died" : "the death was not through a hooked destructor") + ")");
      }
      continue;
    }
    if (ov.target) continue;  // checked against the collector's result
    if (tx_ != nullptr) {
      T("VTO_EXPECT(" + KX(ov) + ".calls.load() == 1, " +
        CppLiteral("destroy hook of " + Name(o, ov.index) + " fired once: the object was deleted through a virtual "
                   "destructor with it installed") + ");");
    }
    if (calls != 1) {
      Fail("destroy hook of " + Name(o, ov.index) + " fired " + std::to_string(calls) +
           " times when the object was deleted through a virtual destructor with it installed; expected once");
    }
  }
  if (!died_hooked) return;
  ++stats_.hooked_deaths;
  for (const auto& ovp : o.overlays) {
    const Overlay& ov = *ovp;
    // Every callback that may have run (a collector's target may have been cancelled): the
    // reproducer checks what it saw if it ran in the reproducer's own run.
    if (tx_ != nullptr && ov.hook &&
        std::find(o.active_at_death.begin(), o.active_at_death.end(), ov.index) != o.active_at_death.end()) {
      TranscribeHookChecks(o, ov);
    }
    if (!ov.hook || ov.hook->calls.load(std::memory_order_relaxed) != 1) continue;
    const HookRecord& h = *ov.hook;
    ++stats_.hooks_fired;
    if (h.block) ++stats_.blocked_callbacks;
    fired.push_back(&ov);
    const std::string type_name = o.rc->t->type_name;
    if (h.seen_instance != o.ptr || (o.rc->type_of && h.seen_type != type_name)) {
      Fail("destroy hook of " + Name(o, ov.index) + " saw instance " + Hex(h.seen_instance) + " of type '" +
           h.seen_type + "'; expected the intact object " + Hex(o.ptr) + " of type '" + type_name + "'");
    }
    if (!o.words.empty() && o.rc->vptr_offsets[0] == 0 && h.seen_vptr == o.words[0]) {
      Fail("destroy hook of " + Name(o, ov.index) + " ran with the object's original vptr " + Hex(h.seen_vptr) +
           " already restored; the overlay must still be installed while its callback runs (P8)");
    }
    if (h.check_cells) {
      for (size_t i = 0; i < ov.extra; ++i) {
        void* want = Cookie(static_cast<size_t>(o.index), static_cast<size_t>(ov.index), i);
        if (i >= h.seen_cells.size() || h.seen_cells[i] != want) {
          Fail("destroy hook of " + Name(o, ov.index) + " read its extra slot " + std::to_string(i) + " as " +
               Hex(i < h.seen_cells.size() ? h.seen_cells[i] : nullptr) + ", expected " + Hex(want));
        }
      }
    }
    if (h.release) {
      ++stats_.released_in_hook;
      if (h.released != kObjectDestroyed || h.released_again != kAlreadyTornDown) {
        Fail("inside its destroy hook, releasing the handle of " + Name(o, ov.index) + " returned " +
             ResultName(h.released) + ", then " + ResultName(h.released_again) +
             "; expected kObjectDestroyed, then kAlreadyTornDown (CONTRACT P14, P15)");
      }
    }
    if (h.call >= 0) {
      CallPlan c = Expect(o, h.call, StillBelow(o, ov)).value_or(CallPlan{h.call, -1, 0, 0});
      CheckCall(o, c, h.call_got, h.call_last, "from inside the destroy hook of overlay #" + std::to_string(ov.index));
      ++stats_.calls_checked;
    }
  }
  if (tx_ != nullptr) {
    std::string list;
    for (const auto& ovp : o.overlays) {
      if (ovp->hook) list += "{&" + KX(*ovp) + ", " + std::to_string(ovp->rank) + "}, ";
    }
    T("vto_repro::ExpectTopDown({" + list + "}, " +
      CppLiteral("destroy hooks of " + Name(o) + " fired top down (stacked hooks)") + ");");
  }
  std::sort(fired.begin(), fired.end(), [](const Overlay* a, const Overlay* b) { return a->hook->order < b->hook->order; });
  for (size_t i = 1; i < fired.size(); ++i) {
    if (fired[i]->rank > fired[i - 1]->rank) {
      Fail("destroy hooks of " + Name(o) + " fired out of order: overlay #" + std::to_string(fired[i - 1]->index) +
           " (rank " + std::to_string(fired[i - 1]->rank) + ") before overlay #" + std::to_string(fired[i]->index) +
           " (rank " + std::to_string(fired[i]->rank) + "), but stacked hooks fire top down");
    }
  }
}

// What a callback that ran must have seen (CheckHooks), each check conditional on
// `calls == 1` in the reproducer's run.
void Scenario::TranscribeHookChecks(const Object& o, const Overlay& ov) const {
  const HookRecord& h = *ov.hook;
  const std::string k = KX(ov), ran = KX(ov) + ".calls.load() == 1";
  const std::string what = "destroy hook of " + Name(o, ov.index);
  TIf(ran, "VTO_EXPECT(" + k + ".seen_instance == " + V(o) + ", " + CppLiteral(what + " saw the intact object") + ");");
  if (o.rc->type_of != nullptr) {
    TIf(ran, "VTO_EXPECT(" + k + ".seen_type == " + CppLiteral(o.rc->t->type_name) + ", " +
                 CppLiteral(what + " saw its dynamic type") + ");");
  }
  if (!o.word_tx.empty() && o.rc->vptr_offsets[0] == 0) {
    TIf(ran, "VTO_EXPECT(" + k + ".seen_vptr != W[" + std::to_string(o.word_tx[0]) + "], " +
                 CppLiteral(what + " ran with its overlay still installed, not the original vptr (P8)") + ");");
  }
  if (h.check_cells) {
    for (size_t i = 0; i < ov.extra; ++i) {
      TIf(ran, "VTO_EXPECT(" + k + ".seen_cells.size() > " + std::to_string(i) + " && " + k + ".seen_cells[" +
                   std::to_string(i) + "] == (void*)" +
                   std::to_string(reinterpret_cast<uintptr_t>(
                       Cookie(static_cast<size_t>(o.index), static_cast<size_t>(ov.index), i))) +
                   ", " + CppLiteral(what + " read its extra slot " + std::to_string(i)) + ");");
    }
  }
  if (h.release) {
    TIf(ran, "VTO_EXPECT(" + k + ".released == vto::TeardownResult::kObjectDestroyed && " + k +
                 ".released_again == vto::TeardownResult::kAlreadyTornDown, " +
                 CppLiteral(what + " released its own handle (once)") + ");");
  }
  if (h.call >= 0) {
    CallPlan c = Expect(o, h.call, StillBelow(o, ov)).value_or(CallPlan{h.call, -1, 0, 0});
    TIf(ran,
        CallCheckX(o, c, k + ".call_seen", "from inside the destroy hook of overlay #" + std::to_string(ov.index)));
  }
}

void Scenario::Check() {
  for (const Op* op : order_) CheckOp(*op);
  for (const auto& o : objects_) CheckHooks(*o);
}

}  // namespace

uint32_t RaceHierarchyIdOf(const uint8_t* data, size_t size, const Options& options) {
  uint32_t raw = 0;
  if (size >= 1) raw |= data[0];
  if (size >= 2) raw |= static_cast<uint32_t>(data[1]) << 8;
  int bits = std::clamp(options.lifecycle_hierarchy_bits, 1, 16);
  return raw & ((1u << bits) - 1);
}

RaceRunner::RaceRunner(backend::Backend& backend, HierarchyCache& cache, const Options& options)
    : backend_(backend), cache_(cache), options_(options), pool_(std::make_unique<WorkerPool>(kMaxThreads)) {}

RaceRunner::~RaceRunner() = default;

const RaceClass& RaceRunner::ClassInfo(const CompiledHierarchy& ch, int cls) {
  if (cache_.stats().recycles != classes_epoch_) {
    classes_.clear();
    classes_epoch_ = cache_.stats().recycles;
  }
  std::unique_ptr<RaceClass>& slot = classes_[{ch.id, cls}];
  if (slot) return *slot;
  slot = std::make_unique<RaceClass>();
  RaceClass& rc = *slot;
  const ClassTables& t = Tables(ch, cls);
  const gen::Hierarchy& h = ch.model;
  rc.t = &t;
  rc.cls = cls;
  gen::Trace::Clear();
  void* obj = t.make();
  auto off = [&](void* p) { return static_cast<char*>(p) - static_cast<char*>(obj); };
  rc.up_off.assign(h.classes.size(), 0);
  for (int s : ch.plan.classes[static_cast<size_t>(cls)].up) {
    const std::ptrdiff_t o = off(t.up[static_cast<size_t>(s)](obj));
    rc.up_off[static_cast<size_t>(s)] = o;
    if (!h.classes[static_cast<size_t>(s)].polymorphic) continue;
    if (std::find(rc.vptr_offsets.begin(), rc.vptr_offsets.end(), o) == rc.vptr_offsets.end()) rc.vptr_offsets.push_back(o);
    // The primary chain shares the complete object's address; without the capability only
    // the class itself may be reflected.
    if (o == 0 && (s == cls || (backend_.capabilities() & VTO_CAP_MORE_DERIVED))) rc.reflectable.push_back(s);
    if (t.delete_via[static_cast<size_t>(s)] != nullptr && !h.classes[static_cast<size_t>(s)].is_final) {
      rc.visible_delete.push_back(s);
    }
  }
  std::sort(rc.vptr_offsets.begin(), rc.vptr_offsets.end());
  for (const CallCheck& c : t.calls) {
    rc.calls.push_back({&c, rc.up_off[static_cast<size_t>(c.s)], off(t.PointerOf(obj, c.expected.this_path))});
  }
  for (const IdentityCheck& id : t.identity) {
    if (id.s == cls) rc.type_of = id.type_fn;
  }
  t.del(obj);
  gen::Trace::Clear();
  return rc;
}

void RaceRunner::Run(const uint8_t* data, size_t size, Transcript* transcript) {
  ++stats_.inputs;
  const int bits = std::clamp(options_.lifecycle_hierarchy_bits, 1, 16);
  const uint32_t mask = (1u << bits) - 1;
  const uint32_t first = RaceHierarchyIdOf(data, size, options_);
  // The first hierarchy at or after the selected one with an overlayable concrete class.
  const CompiledHierarchy* ch = nullptr;
  std::vector<const RaceClass*> usable;
  for (uint32_t k = 0; k <= mask && usable.empty(); ++k) {
    ch = &cache_.Get((first + k) & mask);
    for (size_t c = 0; c < ch->model.classes.size(); ++c) {
      if (!ch->plan.classes[c].new_and_delete || !ch->model.classes[c].polymorphic) continue;
      const ClassTables& t = Tables(*ch, static_cast<int>(c));
      if (!MissingCapabilities(t, backend_.capabilities(), false, false, false, false).empty()) continue;
      const RaceClass& rc = ClassInfo(*ch, static_cast<int>(c));
      if (!rc.reflectable.empty()) usable.push_back(&rc);
    }
  }
  if (transcript != nullptr) SetReproducerHierarchy(*ch);
  if (usable.empty()) {
    ++stats_.no_usable_class;
    return;
  }
  size_t skip = size < 2 ? size : 2;
  gen::ByteSource src(data + skip, size - skip);
  const size_t live_before = backend_.LiveOverlays();
  Scenario s(backend_, *ch, options_, src, stats_, usable, transcript);
  s.Plan();
  s.Transcribe();
  if (options_.verbose >= 1) std::fprintf(stderr, "fuzz_race: hierarchy %s\n%s", ch->ns.c_str(), s.Describe().c_str());
  s.Execute(*pool_);
  s.Check();
  if (transcript != nullptr) {
    transcript->Add("VTO_EXPECT(vto::LiveBlocks() == live_base, \"live-overlay count back to its start (nothing leaked "
                    "or freed twice)\");");
  }
  const size_t live_after = backend_.LiveOverlays();
  if (live_after != live_before) {
    SetFailureContext("hierarchy " + ch->ns + "\n" + s.Describe());
    Fail("hierarchy " + ch->ns + ": live-overlay count is " + std::to_string(live_after) +
         " after every overlay was torn down or its object destroyed; it was " + std::to_string(live_before) +
         " before the input (an overlay leaked or was freed twice)");
  }
}

}  // namespace vto::harness
