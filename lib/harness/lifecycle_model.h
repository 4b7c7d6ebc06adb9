// lifecycle_model.h — the fuzz_lifecycle scenario's state and its roles (lifecycle_scenario.h
// says what the target checks). Internal to lib/harness.
//
// Unlike fuzz_race, this scenario cannot plan ahead: each operation runs real compiled code
// (the lifecycle kit) whose outcome — a reallocating vector, a constructor's callback, an
// exception unwinding kit frames — decides what the next draw means. So the scenario is one
// class, LifecycleScenario, whose members are split by role, one file each:
//   lifecycle_objects.cc   creating objects in every kind of storage, and shared_ptr links
//   lifecycle_overlays.cc  installs and teardowns, the live-overlay and vptr oracles
//   lifecycle_handles.cc   releasing a handle: the C ABI, or the C++ handle vto::Overlay
//   lifecycle_calls.cc     calls, exceptions, and the oracle of a destroy callback
//   lifecycle_deaths.cc    deaths: which are visible (contract_rules.h), the binding's duty
//                          before and after them, and the hook oracles
//   lifecycle_storage.cc   the storage oracle: where a dead object's memory went
//   lifecycle_log.cc       the scenario log and failure reports
//   lifecycle_scenario.cc  the operation loop, the kit's callbacks and the runner
//   lifecycle_probe.cc     the once-per-process P9 probe in a forked child
// Input bytes are read only through draws from src_ in the operation functions; every check
// is an Expectation (expectation.h) applied by the Oracle, which writes the same check into
// the reproducer; the expected values come from the model and contract_rules.h.
//
// Thread-safety: thread-compatible; a death may run on the worker thread while the
// fuzzer's thread waits for it (the hook checks then run there).
#ifndef VTO_HARNESS_LIFECYCLE_MODEL_H
#define VTO_HARNESS_LIFECYCLE_MODEL_H

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backend/backend.h"
#include "gen/byte_source.h"
#include "gen/expect.h"
#include "harness/class_tables.h"
#include "harness/contract_rules.h"
#include "harness/expectation.h"
#include "harness/hierarchy_cache.h"
#include "harness/install_target.h"
#include "harness/overlay_request.h"
#include "harness/stats.h"
#include "harness/transcript.h"
#include "harness/vptr_words.h"

namespace vto::harness::lifecycle {

using KitFn = void* (*)(int, void*, void*);
using StaticFn = void (*)(int, void*);

// Every limit and probability of the scenario's draws that is not spelled at its draw.
struct LifecyclePolicy {
  static constexpr int kMaxTopOps = 24;       // operations per input at the top level
  static constexpr int kMaxDepth = 2;         // nested scopes / temporaries
  static constexpr size_t kMaxObjects = 24;   // objects per input
  static TargetPolicy Target(uint32_t caps) {  // objects with several vptrs only
    TargetPolicy p;
    p.subobjects = (caps & VTO_CAP_MULTIPLE_VPTRS) != 0;
    return p;
  }
  static RequestPolicy Request(uint32_t caps) {
    RequestPolicy p;
    p.primary_names_only = (caps & VTO_CAP_MULTIPLE_VPTRS) != 0;
    p.replace = 0.4;
    p.throwing = 0.15;  // the kit's throwing replacement
    p.max_extra = 2;
    p.hook_virtual = 0.7;
    p.hook_nonvirtual = 0.05;
    return p;
  }
};

// How an object's storage came to be; decides how it may die.
enum class Store : uint8_t {
  kNew, kScope, kTemporary, kMakeShared, kSharedNew, kUnique, kOptional, kVector, kPlacement, kArray
};
inline constexpr const char* kStoreNames[] = {"new",      "scope",      "temporary", "make_shared", "shared_ptr(new)",
                                              "unique_ptr", "optional", "vector",    "placement new", "new[]"};

// A destruction path; RouteOf says how it reaches the destructor (contract_rules.h decides
// which are visible).
enum class Path : uint8_t {
  kDeleteVia, kExplicitDtorVia,  // through static type S
  kDeleteExact, kGlobalDeleteExact, kSharedRelease, kUniqueReset, kVectorElement,  // through the dynamic type's pointer
  kQualified, kScopeEnd, kUnwind, kOptionalReset, kArrayDelete  // never through the vtable
};
inline constexpr const char* kPathNames[] = {"delete (S*)p",       "p->~S()",              "delete (D*)p",
                                             "::delete (D*)p",     "last shared_ptr released", "unique_ptr::reset",
                                             "vector element destroyed", "p->D::~D()",   "end of scope",
                                             "exception unwinding", "optional::reset",     "delete[]"};
[[nodiscard]] DeathRoute RouteOf(Path path);

class LifecycleScenario;
void HookThunk(void* instance, void* user_data);

struct Hook {
  LifecycleScenario* sc = nullptr;
  int obj = -1;
  size_t ov = 0;
  int calls = 0;
  int expect = 0;
  int tx = -1;  // transcript hook record
  // The binding releases the overlay's handle from inside the callback, where it learns of
  // the death (twice: kObjectDestroyed, then kAlreadyTornDown); see in_hook_release.h.
  bool release = false;
};

struct Ov {
  uint64_t handle = 0;
  InstallTarget at;                // the instance pointer and the reflected subobject
  OverlayRequest request;
  void* reflected_sub = nullptr;   // the reflected class's subobject (its `this`)
  void* vptr_installed = nullptr;  // the object's vptr (offset 0) right after the install
  std::unique_ptr<Hook> hook;
  HandleState st = HandleState::kActive;
  bool forgotten = false;  // kClosed without a release: Abandon freed it, and the backend does
                           // not promise an answer for it (never passed to the backend again)
  int tx = -1;  // transcript handle H[tx]
};

struct Obj {
  int id = -1;
  int cls = -1;
  bool x = false;  // dynamic type LcX_C<cls> (more derived than every reflected class)
  int mode = 0;
  Store store = Store::kNew;
  int holder = -1;
  void* ptr = nullptr;
  const ClassTables* t = nullptr;
  bool alive = false;
  bool dying = false;        // inside a predicted visible death: hooks may fire
  std::vector<Ov> ovs;
  VptrWords vptrs;           // every polymorphic subobject's vptr at birth
  int strong = 0;            // shared objects: holders + incoming strong links
  int link_to = -1, wlink_to = -1;
  int tx = -1;               // transcript V[tx] = ptr
};

struct Holder {
  Store store = Store::kNew;
  int cls = -1;
  bool x = false;
  void* h = nullptr;      // the kit's holder (shared_ptr<void>*, unique_ptr*, optional*, vector*, D[])
  std::vector<int> objs;  // vector/array elements in index order; one object otherwise
  bool alive = true;
  size_t elem_size = 0;
  int tx = -1;
};

// Pending hook firings during one visible death: the order they must come in.
struct HookOrder {
  std::vector<std::pair<int, size_t>> order;  // (object, overlay), top down per object
  size_t next = 0;
};

// The frame of a scope / temporary body running inside the kit.
struct Frame {
  LifecycleScenario* sc = nullptr;
  int obj = -1;
  int body_ops = 0;
  bool catch_here = false;
  int depth = 0;
  std::string tx_call;  // with a transcript: the statement that runs the kit call (Transcript::Open)
};

// One line of the scenario log, kept as data and rendered only when a failure (or
// --vto-verbose) needs the text: formatting every step cost ~10 % of fuzz_lifecycle's time.
enum class Ev : uint8_t {
  kBorn, kInsideCtor, kCreate, kCreateVector, kVectorPush, kCreateArray, kEnter, kLeft, kUnwound,
  kInstall, kPropagate, kThrow, kTeardown, kDied, kAbandon, kUnlink, kLink, kWeakLink
};
struct LogEv {
  Ev kind;
  int obj = -1;  // the object, or the class for kCreate*/kEnter
  int a = 0, b = 0, c = 0;
};

// Runs a job on the one worker thread of the process and waits for it ("hand an object to
// another thread"): lifecycle_scenario.cc.
void RunOnWorker(const std::function<void()>& job);

// CONTRACT P9: an exception escaping on_destroy terminates the process with the library's
// message. Checked in a forked child that deletes a hooked object whose callback throws;
// consumes no input bytes. nullopt: the hierarchy has no class to probe with; "" the
// contract held; otherwise what went wrong.
[[nodiscard]] std::optional<std::string> ProbeThrowingCallback(backend::Backend& b, const CompiledHierarchy& ch);

class LifecycleScenario {
 public:
  // `input_hash`: InputHeader::hash, for choices that read no input bytes.
  LifecycleScenario(backend::Backend& b, const CompiledHierarchy& ch, gen::ByteSource& src, uint64_t input_hash,
                    LifecycleStats& stats, Transcript* tx, int verbose);

  void Run();

  // Called from the kit's callbacks.
  void OnBody(Frame& f, void* obj) { Body(f, obj); }
  void OnCtor(void* self) { CtorBody(self); }
  void OnHook(Hook& hk, void* instance);

 private:
  using Victims = std::vector<std::pair<int, Path>>;

  // ---- reporting (lifecycle_log.cc) -------------------------------------------------------
  void T(const std::string& s) {
    if (tx_ != nullptr) tx_->Add(s);
  }
  std::string V(const Obj& o) const { return "V[" + std::to_string(o.tx) + "]"; }
  std::string HV(const Holder& hd) const { return "V[" + std::to_string(hd.tx) + "]"; }
  [[noreturn]] void Fail(const std::string& what) const;
  static void FailThunk(const void* self, const std::string& what);
  void Log(Ev kind, int obj = -1, int a = 0, int b = 0, int c = 0);
  std::string ClassOf(int cls, int x) const;
  std::string Render(const LogEv& e) const;
  std::string RenderLog() const;
  std::string Describe(const Obj& o) const;
  std::string TypeName(const Obj& o) const;

  // ---- kit access and objects (lifecycle_objects.cc) --------------------------------------
  KitFn Kit(int cls);
  StaticFn KitStatic(int s) const;
  int OpCode(const Obj& o, int op) const;
  std::string KitCall(int cls, int op, const std::string& a, const std::string& b) const;
  Obj& NewObj(int cls, bool x, int mode, Store store, int holder);
  void Born(Obj& o, void* ptr);
  void* Up(const Obj& o, int s) const { return o.t->up[static_cast<size_t>(s)](o.ptr); }
  void* PointerOf(const Obj& o, const gen::SubobjectPath& p) const;
  int Pick(const std::vector<int>& v) { return v[src_.Below(static_cast<uint32_t>(v.size()))]; }
  std::vector<int> Alive() const;
  void Create(int depth);
  int NewHolder(Store store, int cls, bool x);
  void CtorBody(void* self);
  template <typename Make>  // void* make(): lifecycle_objects.cc, its only user
  bool Construct(Obj& o, const Make& make, const std::string& tx_make);
  void CreateSingle(int cls, bool x, int mode, Store store);
  void CreateVector(int cls, bool x, int mode);
  void Push(int hi, int mode);
  void VectorPush();
  void CreateArray(int cls, bool x);
  void CreateScoped(int cls, bool x, int mode, Store store, int depth);
  void Body(Frame& f, void* obj);
  void ShareOrLink();

  // ---- overlays (lifecycle_overlays.cc) ----------------------------------------------------
  void Install();
  bool AnyHooked(const Obj& o) const;
  bool AnyActive(const Obj& o) const;
  bool SharesExtraSlots(const Obj& o, size_t k) const;
  void InstallSome(Obj& o, bool in_ctor);
  void InstallOne(Obj& o, const InstallTarget& at);
  // The pointer an overlay was installed with, in the reproducer.
  std::string IX(const Obj& o, const InstallTarget& at) const;
  void TeardownOne();
  void TeardownAt(Obj& o, size_t k);
  void CheckVptrsRestored(const Obj& o);
  void CheckLive(const char* when);
  void CheckLiveHandles(const char* when, const Ov* released = nullptr);
  void CheckHookCount(const Obj& o, const Ov& ov, const char* when) const;  // per hook per operation: no string made

  // ---- releasing a handle (lifecycle_handles.cc) ----------------------------------------------
  // Tears down (or, with `abandon`, abandons) ov's handle through the route the input's hash
  // picks, checking `e` on the result where the route returns one (then returned) and that
  // the C++ handle behaves as overlay.h promises. `spell(subject)`: the words of e for the
  // reproducer's expression `subject`.
  // REQUIRES: ov is one of o.ovs.
  std::optional<int> ReleaseHandle(const Obj& o, Ov& ov, bool abandon, const Expectation& e,
                                   const std::function<Spelling(const std::string&)>& spell);

  // ---- calls and callbacks (lifecycle_calls.cc) ---------------------------------------------
  std::optional<Winner> WinnerFor(const Obj& o, const gen::Expected& e, size_t upto) const;
  bool CheckCall(const Obj& o, const CallCheck& c, size_t upto, const char* when);
  void CheckCalls(const Obj& o, const char* when) { CheckCallsUpTo(o, o.ovs.size(), when); }
  void CheckCallsUpTo(const Obj& o, size_t upto, const char* when);
  void CallOne(int depth);
  void ThrowOut(int depth);
  void PrepareUnwind();
  void CheckHook(Hook& hk, void* instance);

  // ---- deaths (lifecycle_deaths.cc) ----------------------------------------------------------
  bool Visible(const Obj& o, Path path, int s) const;
  bool HiddenByProfile(const Obj& o, Path path, int s) const;
  void HookFiredAsPredicted(const Obj& o, const Ov& ov, Path path, bool record);
  void PreDeath(Obj& o, bool seen, bool must_tear_down = false);
  void BeginDeath(Obj& o, bool seen);
  void EndDeath(Obj& o, Path path, int static_cls);
  void PostDeath(Obj& o, const std::pair<void*, size_t>* storage);
  void CheckStorage(const Obj& o, Path path);  // lifecycle_storage.cc
  void Kill(const Victims& victims, int static_cls, const std::function<void()>& act, const std::string& act_tx,
            bool on_thread);
  // An argument of a kit call: its value, and its C++ spelling in the reproducer.
  struct KitArg {
    void* value;
    std::string cxx;
  };
  // A death caused by the kit call `op` of class `cls` on (a, b): the act and its reproducer
  // statement come from the same arguments. Deaths through the dynamic type (static_cls -1).
  void KillByKit(const Victims& victims, int cls, int op, const KitArg& a, const KitArg& b, bool on_thread);
  void SharedCascade(int id, Victims* out, std::vector<int>* strong);
  void ApplyStrong(const std::vector<int>& strong) {
    for (Obj& o : objs_) o.strong = strong[static_cast<size_t>(o.id)];
  }
  std::vector<int> Strong() const;
  void Destroy(bool on_thread);
  void DestroyHolder(int hi, bool on_thread);
  void Cleanup();

  // ---- the operation loop (lifecycle_scenario.cc) -------------------------------------------
  void Step(int depth);

  backend::Backend& b_;
  const CompiledHierarchy& ch_;
  const gen::Hierarchy& h_;
  gen::ByteSource& src_;
  const uint64_t input_hash_;
  uint64_t releases_ = 0;  // handles released so far (ReleaseHandle's choice)
  LifecycleStats& stats_;
  Transcript* tx_;
  const Oracle recording_;         // writes the reproducer's checks (with a transcript)
  const Oracle silent_;            // inside a destroy callback: the reproducer's hook only counts
  const Oracle* oracle_;           // the one in use
  size_t live_base_ = 0;
  size_t live_handles_base_ = 0;  // vto_live_handles() at the start (native backends only)
  std::vector<int> classes_;      // kit classes
  std::vector<int> overlayable_;  // of those, the ones without virtual bases or a second vptr
  std::deque<Obj> objs_;
  std::deque<Holder> holders_;
  std::vector<Frame*> frames_;
  HookOrder expect_;
  int pending_ctor_ = -1;
  std::pair<void*, size_t> placement_storage_{nullptr, 0};
  bool ctor_tx_open_ = false;
  bool body_closed_ = false;
  static constexpr size_t kMaxLogLines = 400;
  std::vector<LogEv> log_;
  std::vector<KitFn> kit_fns_;  // by class: the kit entry points, resolved once per input
  int verbose_ = 0;
};

}  // namespace vto::harness::lifecycle

#endif  // VTO_HARNESS_LIFECYCLE_MODEL_H
