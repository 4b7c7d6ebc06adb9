// race_model.h — the fuzz_race scenario's data and its passes (race_scenario.h says what the
// target checks). Internal to lib/harness.
//
// One input goes through the passes of RaceScenario, each in its own file:
//   Plan       (race_plan.cc)       the only pass that reads input bytes: objects, overlays,
//                                   and a schedule — per object its steps, each on a chosen
//                                   thread, interleaved into one global order and cut into one
//                                   operation list per thread;
//   Transcribe (race_transcribe.cc) the plan as the reproducer's threads (with a transcript);
//   Execute    (race_execute.cc)    the workers run their lists; an operation waits only for
//                                   the previous operations of its own object;
//   Check      (race_check.cc)      on the fuzzer's thread, what the workers recorded against
//                                   the model and contract_rules.h; each check is an
//                                   Expectation, so the reproducer gets the same check.
// The runner (race_scenario.cc) picks the hierarchy and the classes and runs the passes.
//
// Thread-safety: the plan is written on the fuzzer's thread before the round; workers write
// only their operations' observations and the hook records (ordered by the per-object
// hand-off and the pool's round); Check reads them after the round.
#ifndef VTO_HARNESS_RACE_MODEL_H
#define VTO_HARNESS_RACE_MODEL_H

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/backend.h"
#include "gen/byte_source.h"
#include "gen/trace.h"
#include "harness/class_tables.h"
#include "harness/expectation.h"
#include "harness/hierarchy_cache.h"
#include "harness/install_target.h"
#include "harness/options.h"
#include "harness/overlay_request.h"
#include "harness/stats.h"
#include "harness/transcript.h"

namespace vto::harness {

class WorkerPool;

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
  // Where an overlay may be installed (offsets are the class's; `instance` is void): on one
  // vptr, each class of the primary chain on the complete object (the MORE_DERIVED capability
  // allowing); on several vptrs, also every (polymorphic subobject, class it selects) pair.
  std::vector<InstallTarget> targets;
  std::vector<int> visible_delete;  // static types whose `delete` goes through the vtable
  NameFn type_of = nullptr;         // typeid(*(C*)p).name()
};

namespace race {

// Every limit and probability of the planner, in one place.
struct RacePolicy {
  static constexpr int kMaxThreads = 4;         // worker threads per input: 2 .. this (RaceRunner's pool)
  static constexpr int kMaxObjects = 12;        // objects per input: 1 .. min(this, 2 * --vto-max_objects)
  static constexpr int kMaxRounds = 3;          // install rounds per object (each followed by a use)
  // Weights of a round: one install; two installs at once (P19); an install while another
  // thread tears an overlay down (P19); two teardowns at once (P19).
  static constexpr std::array<unsigned, 4> kRound = {5, 3, 2, 1};
  static constexpr double kHook = 0.6;          // an overlay asks for a destroy hook (virtual destructor)
  static constexpr double kMethod = 0.5;        // each method of the reflected class is replaced
  static constexpr uint32_t kMaxExtra = 3;      // extra slots per overlay: 0 .. this
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
  // Two operations at once on one object are sequenced (Sequence) when the first one drawn
  // runs on an even thread: a draw already made, so a corpus file plans what it planned.
  // The second waits for the first this many Backoff rounds at most (about a second: 4,096
  // yields, then 50 us sleeps), and after that runs anyway.
  static constexpr int kSequenceSpins = 4096 + 20000;
};

// How the two operations of a step on one object meet. Free: whenever the threads get
// there. Sequenced: the second starts only once the first has returned, and is told so by
// relaxed flags (Object::first_returned, second_ready) that order nothing, like
// HookRecord::entered. Left to real time, a loaded machine runs such a pair in one fixed
// order more often than not; sequenced, the order is the planned one and the two are still
// unordered for ThreadSanitizer, so an access the library leaves unsynchronized in that
// order is reported every time (an install after a teardown that locked too little, fault
// teardown_locks_home_shard_only). For an install and a teardown the teardown goes first.
enum class Sequence { kFree, kFirst, kSecond };

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
  bool release_twice = true;  // the second release only where VTO_PROMISE_IDEMPOTENT_TEARDOWN
  int released = -1, released_again = -1;
  int tx = -1;  // transcript: RK[tx]
};

struct Overlay {
  int index = 0;
  int rank = 0;  // stack position: a later install has a higher rank; a pair installed at once shares one
  OverlayRequest request;
  InstallTarget at;           // instance_off, reflected_off: from the object's address
  bool pair = false;          // installed at the same time as another overlay of the object
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

// The destroy callback of every hooked overlay (race_execute.cc): records what it saw and
// does what its HookRecord planned.
void HookThunk(void* instance, void* user_data);

enum class End { kTornDownFirst, kHookedDelete, kDefinedRace, kUnseenThenAbandon };

struct Object {
  int index = 0;
  const RaceClass* rc = nullptr;
  std::vector<std::unique_ptr<Overlay>> overlays;
  std::atomic<int> completed{0};  // operations of this object finished: the handoff between threads
  std::atomic<int> fire_counter{0};
  std::atomic<bool> collector_done{false};
  std::atomic<bool> delete_done{false};  // relaxed, like HookRecord::entered
  // A sequenced step (Sequence), relaxed: its first operation has returned; its second has
  // passed its wait for the earlier operations (so the first's count cannot order it). Each
  // holds the step's wait_for + 1 (steps of one object never overlap).
  std::atomic<int> first_returned{0};
  std::atomic<int> second_ready{0};
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
inline constexpr const char* kOpKindNames[] = {"create", "install", "use", "teardown", "delete", "collect", "after-death"};

// A planned call and the answer it must get.
struct CallPlan {
  int call = -1;                           // RaceClass::calls index
  int overlay = -1;                        // the overlay whose replacement must answer, or -1: the original
  const ReplacedMethod* method = nullptr;  // that replacement
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
  Sequence sequence = Sequence::kFree;
  // Observations.
  bool sequence_expired = false;  // sequenced: the wait for the other ran out (they raced)
  std::vector<int> results, again;
  std::vector<void*> words;
  std::vector<CallObservation> call_obs;
  std::vector<void*> cell_obs;    // per cell: its value before this use wrote it
  std::vector<char> cell_missing;
  // Transcript: the first element of this operation's results in R[] (then its second
  // teardowns), calls in C[], cells in X[], vptr words in Y[].
  int r_tx = 0, c_tx = 0, x_tx = 0, y_tx = 0;
};

// One input: the plan, its execution and its checks.
class RaceScenario {
 public:
  RaceScenario(backend::Backend& b, const CompiledHierarchy& ch, const Options& opt, gen::ByteSource& src,
               RaceStats& stats, const std::vector<const RaceClass*>& usable, Transcript* tx);

  // The plan; also notes the backend's live-overlay count, which Check() expects back.
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

  // --- planning (race_plan.cc) --------------------------------------------------------------
  bool Can(uint32_t cap) const { return (caps_ & cap) != 0; }
  int PickThread();
  int OtherThread(int t);
  Op MakeOp(OpKind kind, const Object& o, int thread) const;
  int NewOverlay(Object& o, bool transparent, int rank);
  Op UseOp(Object& o, const std::vector<int>& active, int thread);
  CallPlan ExpectCall(const Object& o, int call, const std::vector<int>& active) const;
  std::vector<int> StillBelow(const Object& o, const Overlay& ov) const;
  void PlanObject(Object& o, std::vector<Step>& steps);
  void PlanDeath(Object& o, std::vector<int>& active, std::vector<Step>& steps);
  void SequencePair(Op& a, Op& b);

  // --- transcript (race_transcribe.cc) ------------------------------------------------------
  void T(const std::string& statement) const {
    if (tx_ != nullptr) tx_->Add(statement);
  }
  std::string V(const Object& o) const { return "V[" + std::to_string(o.tx) + "]"; }
  std::string At(const Object& o, std::ptrdiff_t off) const { return PointerCxx(V(o), off); }
  std::string HX(const Object& o, int k) const {
    return "H[" + std::to_string(o.overlays[static_cast<size_t>(k)]->tx) + "]";
  }
  std::string KX(const Overlay& ov) const { return "RK[" + std::to_string(ov.hook->tx) + "]"; }
  static std::string RX(int i) { return "R[" + std::to_string(i) + "]"; }
  void TranscribeOp(const Op& op);
  void TranscribeResults(const Op& op, const Object& o);

  // --- execution (race_execute.cc) ----------------------------------------------------------
  void RunOp(Op& op);

  // --- checks (race_check.cc) ---------------------------------------------------------------
  [[noreturn]] void Fail(const std::string& what) const;
  static void FailThunk(const void* self, const std::string& what);
  std::string Name(const Object& o) const { return "object #" + std::to_string(o.index) + " (a " + gen::ClassName(o.rc->cls) + ")"; }
  std::string Name(const Object& o, int k) const;
  // Checks run per observation, so their words are made only when needed: `seen_cxx` and
  // `when` are callables returning the reproducer's expression and the occasion.
  template <typename SeenFn, typename WhenFn>
  void CheckCall(const Object& o, const CallPlan& c, const CallObservation& got, SeenFn seen_cxx, WhenFn when,
                 const std::string& condition = "", bool verify = true) const;
  // The one or two results a teardown/Abandon may return (no allocation).
  struct Allowed {
    TeardownResult v[2] = {};
    size_t n = 0;
    Allowed(std::initializer_list<TeardownResult> l) {
      for (TeardownResult r : l) v[n++] = r;
    }
    Allowed(const std::vector<TeardownResult>& l) {
      for (TeardownResult r : l) v[n++] = r;
    }
  };
  // A teardown's result is checked where the backend promises results (results_); an
  // Abandon's (`abandon`) always.
  void CheckResult(const Object& o, int k, int got, const Allowed& want, std::string_view what, int r_tx,
                   std::string_view why = {}, bool abandon = false) const;
  void CheckOp(const Op& op);
  void CheckCollect(const Op& op, const Object& o);
  void CheckAfterDeath(const Op& op, const Object& o);
  void CheckHooks(const Object& o);
  void CheckCallback(const Object& o, const Overlay& ov);

  backend::Backend& b_;
  const CompiledHierarchy& ch_;
  const gen::Hierarchy& h_;
  const Options& opt_;
  gen::ByteSource& src_;
  RaceStats& stats_;
  const std::vector<const RaceClass*>& usable_;
  const uint32_t caps_;
  // The backend promises kAlreadyTornDown for a second teardown (promises.h): only then is
  // each handle torn down a second time.
  const bool idempotent_;
  // The backend says what each teardown did (VTO_PROMISE_TEARDOWN_RESULTS).
  const bool results_;
  Transcript* tx_;
  Oracle oracle_;
  int threads_ = 2;
  size_t live_base_ = 0;  // the backend's live-overlay count before the input
  std::vector<std::unique_ptr<Object>> objects_;
  std::vector<Op*> order_;                 // every operation in the global order
  std::vector<std::vector<Op*>> lists_;    // per thread, in the global order
  std::vector<std::vector<Step>> steps_;   // per object
};

}  // namespace race
}  // namespace vto::harness

#endif  // VTO_HARNESS_RACE_MODEL_H
