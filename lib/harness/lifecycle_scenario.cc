// lifecycle_scenario.cc — the fuzz_lifecycle scenario and its oracles (lifecycle_scenario.h).
#include "harness/lifecycle_scenario.h"

#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gen/byte_source.h"
#include "gen/conventions.h"
#include "gen/describe.h"
#include "gen/expect.h"
#include "gen/lifecycle_kit.h"
#include "gen/stub_names.h"
#include "gen/trace.h"
#include "harness/class_tables.h"
#include "harness/failure.h"
#include "harness/in_hook_release.h"
#include "harness/reproducer.h"
#include "harness/transcript.h"
#include "overlay/status.h"

namespace vto::harness {
namespace {

using gen::Expected;
using gen::VirtualCall;
using KitFn = void* (*)(int, void*, void*);
using StaticFn = void (*)(int, void*);

// How an object's storage came to be; decides how it may die.
enum class Store : uint8_t {
  kNew, kScope, kTemporary, kMakeShared, kSharedNew, kUnique, kOptional, kVector, kPlacement, kArray
};
constexpr const char* kStoreNames[] = {"new",      "scope",      "temporary", "make_shared", "shared_ptr(new)",
                                       "unique_ptr", "optional", "vector",    "placement new", "new[]"};

// A destruction path (CONTRACT.md "Words" decides which are visible).
enum class Path : uint8_t {
  kDeleteVia, kExplicitDtorVia,  // through static type S
  kDeleteExact, kGlobalDeleteExact, kSharedRelease, kUniqueReset, kVectorElement,  // through the dynamic type's pointer
  kQualified, kScopeEnd, kUnwind, kOptionalReset, kArrayDelete  // never through the vtable
};
constexpr const char* kPathNames[] = {"delete (S*)p",       "p->~S()",              "delete (D*)p",
                                      "::delete (D*)p",     "last shared_ptr released", "unique_ptr::reset",
                                      "vector element destroyed", "p->D::~D()",   "end of scope",
                                      "exception unwinding", "optional::reset",     "delete[]"};

enum class OvState : uint8_t {
  kActive,          // installed, its block alive
  kDiedHooked,      // object died through a hooked destructor: teardown → kObjectDestroyed
  kDetachedAfterAbandon,  // another overlay of the object was abandoned: teardown → kDetached
  kClosed,          // torn down or abandoned: teardown → kAlreadyTornDown
};

struct Scenario;
void HookThunk(void* instance, void* user_data);

struct Hook {
  Scenario* sc = nullptr;
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
  int reflected = -1;
  std::vector<std::pair<VirtualCall, int>> methods;  // replacement r, or -1: the throwing one
  std::vector<const CallCheck*> on_reflected;  // per method: its check on the reflected class, or null
  void* reflected_sub = nullptr;               // the reflected class's subobject (its `this`)
  void* vptr_installed = nullptr;              // the object's vptr right after the install
  size_t extra = 0;
  std::vector<void*> cookies;
  std::unique_ptr<Hook> hook;
  OvState st = OvState::kActive;
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
  std::vector<std::pair<void*, void*>> vptr_words;
  std::vector<int> word_tx;  // transcript W[...] of each vptr word at birth
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
struct Expectation {
  std::vector<std::pair<int, size_t>> order;  // (object, overlay), top down per object
  size_t next = 0;
};

// The frame of a scope / temporary body running inside the kit.
struct Frame {
  Scenario* sc = nullptr;
  int obj = -1;
  int body_ops = 0;
  bool catch_here = false;
  int depth = 0;
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

thread_local Scenario* g_ctor_scenario = nullptr;  // for constructor callbacks (ctx == nullptr)

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

Worker& TheWorker() {
  static Worker* w = new Worker;  // lives for the process
  return *w;
}

constexpr int kMaxTopOps = 24;
constexpr int kMaxDepth = 2;
constexpr size_t kMaxObjects = 24;

struct Scenario {
  Scenario(backend::Backend& b, const CompiledHierarchy& ch, gen::ByteSource& src,
           LifecycleStats& stats, Transcript* tx, bool verbose)
      : b_(b), ch_(ch), h_(ch.model), src_(src), stats_(stats), tx_(tx), options_verbose_(verbose) {
    log_.reserve(64);
  }

  // ---- the run ------------------------------------------------------------------------

  void Run() {
    live_base_ = b_.LiveOverlays();
    classes_ = gen::KitClasses(h_);
    for (int c : classes_) {
      const ClassTables& t = Tables(ch_, c);
      if (!t.has_virtual_bases && !t.has_multiple_vptrs) overlayable_.push_back(c);
    }
    if (classes_.empty()) return;  // nothing polymorphic to overlay
    if (tx_ != nullptr) T("const size_t live_base = vto::LiveBlocks();");
    for (int i = 0; i < kMaxTopOps && !src_.exhausted(); ++i) {
      try {
        Step(0);
      } catch (int v) {
        if (v != gen::kLcThrowValue) HarnessError("unexpected exception value " + std::to_string(v));
        ++stats_.throws_caught;
      }
    }
    Cleanup();
    CheckLive("at the end of the input");
    for (Obj& o : objs_) {
      for (Ov& ov : o.ovs) {
        if (ov.st != OvState::kClosed) HarnessError("overlay left open at the end");
      }
    }
  }

 private:

  // ---- reporting -------------------------------------------------------------------------

  void T(const std::string& s) {
    if (tx_ != nullptr) tx_->Add(s);
  }
  std::string V(const Obj& o) const { return "V[" + std::to_string(o.tx) + "]"; }
  [[noreturn]] void Fail(const std::string& what) const {
    SetFailureContext("hierarchy " + ch_.ns + " (generator version " + std::to_string(gen::kGeneratorVersion) +
                      ", backend " + b_.name() + ")\n" + gen::DescribeHierarchy(h_) + "\nscenario so far:\n" + RenderLog());
    harness::Fail("hierarchy " + ch_.ns + ": " + what);
  }
  void Log(Ev kind, int obj = -1, int a = 0, int b = 0, int c = 0) {
    const LogEv e{kind, obj, a, b, c};
    if (log_.size() < kMaxLogLines) log_.push_back(e);
    if (options_verbose_) std::fprintf(stderr, "  %s\n", Render(e).c_str());
  }
  std::string ClassOf(int cls, int x) const { return x ? gen::LcXName(cls) : gen::ClassName(cls); }
  std::string Render(const LogEv& e) const {
    const Obj* o = e.obj >= 0 && static_cast<size_t>(e.obj) < objs_.size() ? &objs_[static_cast<size_t>(e.obj)] : nullptr;
    auto d = [&] { return o ? Describe(*o) : std::string("?"); };
    switch (e.kind) {
      case Ev::kBorn: return "born " + d();
      case Ev::kInsideCtor: return "  inside the constructor of " + d();
      case Ev::kCreate:
        return "create " + std::string(kStoreNames[e.a]) + " " + ClassOf(e.obj, e.b) + " mode " + std::to_string(e.c);
      case Ev::kCreateVector: return "create vector<" + ClassOf(e.obj, e.b) + ">";
      case Ev::kVectorPush: return "vector push";
      case Ev::kCreateArray: return "create new " + ClassOf(e.obj, e.b) + "[" + std::to_string(e.a) + "]";
      case Ev::kEnter: return "enter " + std::string(kStoreNames[e.a]) + " " + ClassOf(e.obj, e.b);
      case Ev::kLeft: return "left " + d();
      case Ev::kUnwound: return "unwound " + d();
      case Ev::kInstall:
        return "install on " + d() + " reflected as " + gen::ClassName(e.a) + (e.b ? " +hook" : "") + " -> " +
               std::to_string(e.c);
      case Ev::kPropagate: return "call " + gen::MethodName(e.a) + " on " + d() + ", propagating its exception";
      case Ev::kThrow: return "throw";
      case Ev::kTeardown:
        return "teardown overlay " + std::to_string(e.a) + " of " + d() + " -> " + std::to_string(e.b);
      case Ev::kDied: return "died by " + std::string(kPathNames[e.a]) + ": " + d();
      case Ev::kAbandon: return std::string(e.b ? "teardown after the death of " : "abandon ") + d() + " -> " + std::to_string(e.a);
      case Ev::kUnlink: return "unlink " + d();
      case Ev::kLink: return "link " + d() + " -> object #" + std::to_string(e.a);
      case Ev::kWeakLink: return "weak-link " + d() + " -> object #" + std::to_string(e.a);
    }
    return "?";
  }
  std::string RenderLog() const {
    std::string out;
    for (const LogEv& e : log_) out += "  " + Render(e) + "\n";
    if (log_.size() >= kMaxLogLines) out += "  ... (log truncated)\n";
    return out;
  }
  std::string Describe(const Obj& o) const {
    return "object #" + std::to_string(o.id) + " (" + (o.x ? gen::LcXName(o.cls) : gen::ClassName(o.cls)) + " by " +
           kStoreNames[static_cast<int>(o.store)] + " at " + Hex(o.ptr) + ")";
  }

  // ---- kit access ------------------------------------------------------------------------

  KitFn Kit(int cls) {
    if (kit_fns_.empty()) kit_fns_.resize(h_.classes.size(), nullptr);
    KitFn& fn = kit_fns_[static_cast<size_t>(cls)];
    if (fn == nullptr) fn = reinterpret_cast<KitFn>(ch_.Stub(gen::LcEntryName(ch_.ns, cls)));
    return fn;
  }
  StaticFn KitStatic(int s) const { return reinterpret_cast<StaticFn>(ch_.Stub(gen::LcStaticName(ch_.ns, s))); }
  int OpCode(const Obj& o, int op) const { return op | (o.x ? gen::kLcVariantX : 0) | (o.x ? o.mode : 0); }
  // The transcript's spelling of a kit call (empty without a transcript: nothing reads it).
  std::string KitCall(int cls, int op, const std::string& a, const std::string& b) const {
    if (tx_ == nullptr) return {};
    return gen::LcEntryName(ch_.ns, cls) + "(" + std::to_string(op) + ", " + a + ", " + b + ")";
  }

  // ---- objects ---------------------------------------------------------------------------

  Obj& NewObj(int cls, bool x, int mode, Store store, int holder) {
    objs_.emplace_back();
    Obj& o = objs_.back();
    o.id = static_cast<int>(objs_.size()) - 1;
    o.cls = cls;
    o.x = x;
    o.mode = mode;
    o.store = store;
    o.holder = holder;
    o.t = &Tables(ch_, cls);
    if (tx_ != nullptr) o.tx = tx_->NewVar();
    ++stats_.objects;
    return o;
  }
  // The object exists at `ptr` now (constructed, or inside its constructor's body).
  void Born(Obj& o, void* ptr) {
    o.ptr = ptr;
    o.alive = true;
    o.vptr_words.clear();
    for (int s : ch_.plan.classes[o.cls].up) {
      if (!h_.classes[s].polymorphic) continue;
      void* sub = o.t->up[static_cast<size_t>(s)](ptr);
      o.vptr_words.emplace_back(sub, *static_cast<void**>(sub));
      if (tx_ != nullptr) {
        const int w = tx_->NewWord();
        o.word_tx.push_back(w);
        if (tx_ != nullptr) T("W[" + std::to_string(w) + "] = *(void**)((char*)" + V(o) + " + " +
          std::to_string(static_cast<char*>(sub) - static_cast<char*>(ptr)) + ");");
      }
    }
    Log(Ev::kBorn, o.id);
  }
  void* Up(const Obj& o, int s) const { return o.t->up[static_cast<size_t>(s)](o.ptr); }
  // LcX objects are more derived than their tables' class: their virtual bases sit
  // elsewhere, so the tables' per-class offset cache must not serve them.
  void* PointerOf(const Obj& o, const gen::SubobjectPath& p) const {
    return o.x ? o.t->WalkPath(o.ptr, p) : o.t->PointerOf(o.ptr, p);
  }

  std::string TypeName(const Obj& o) const {
    if (!o.x) return gen::ExpectedTypeName(ch_.ns, o.cls);
    const std::string xn = gen::LcXName(o.cls);
    return "N" + std::to_string(ch_.ns.size()) + ch_.ns + std::to_string(xn.size()) + xn + "E";
  }

  int Pick(const std::vector<int>& v) { return v[src_.Below(static_cast<uint32_t>(v.size()))]; }

  std::vector<int> Alive() const {
    std::vector<int> v;
    v.reserve(objs_.size());
    for (const Obj& o : objs_) {
      if (o.alive && !o.dying) v.push_back(o.id);
    }
    return v;
  }

  // ---- the live-overlay oracle -------------------------------------------------------------

  size_t ActiveOverlays() const {
    size_t n = 0;
    for (const Obj& o : objs_) {
      for (const Ov& ov : o.ovs) n += ov.st == OvState::kActive;
    }
    return n;
  }
  void CheckLive(const char* when) {
    const size_t want = live_base_ + ActiveOverlays();
    if (tx_ != nullptr) T("VTO_EXPECT(vto::LiveBlocks() == live_base + " + std::to_string(want - live_base_) + ", \"live overlays " +
      when + "\");");
    const size_t got = b_.LiveOverlays();
    if (got != want) {
      Fail(std::string("live-overlay count ") + when + " is " + std::to_string(got) + ", expected " +
           std::to_string(want) + " (" + std::to_string(want - live_base_) +
           " overlays installed and not yet removed): an overlay block leaked or was freed twice");
    }
    for (const Obj& o : objs_) {
      for (const Ov& ov : o.ovs) {
        if (ov.hook && ov.hook->calls != ov.hook->expect) {
          Fail("destroy hook of an overlay on " + Describe(o) + " fired " + std::to_string(ov.hook->calls) +
               " times " + when + "; expected " + std::to_string(ov.hook->expect));
        }
      }
    }
  }

  // ---- one operation -----------------------------------------------------------------------

  void Step(int depth) {
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

  // -- create --
  void Create(int depth) {
    if (objs_.size() >= kMaxObjects) return;
    // Mostly classes the backend can overlay (refusals are fuzz_dispatch's subject).
    const int cls = !overlayable_.empty() && src_.Chance(0.8) ? Pick(overlayable_) : Pick(classes_);
    const gen::ClassModel& cm = h_.classes[cls];
    const bool can_x = cm.virtual_dtor && !cm.is_final;
    const bool x = can_x && src_.Chance(0.4);
    // Storage kinds, weighted toward the ones with several ways to die.
    std::vector<Store> stores = {Store::kNew,       Store::kNew,      Store::kNew,       Store::kMakeShared,
                                 Store::kMakeShared, Store::kSharedNew, Store::kOptional, Store::kVector,
                                 Store::kPlacement, Store::kArray};
    if (depth < kMaxDepth) {
      stores.push_back(Store::kScope);
      stores.push_back(Store::kScope);
      stores.push_back(Store::kTemporary);
    }
    if (cm.virtual_dtor || cm.is_final) {
      stores.push_back(Store::kUnique);
      stores.push_back(Store::kUnique);
    }
    const Store store = stores[src_.Below(static_cast<uint32_t>(stores.size()))];
    int mode = 0;
    if (x) {
      if (src_.Chance(0.3)) mode |= gen::kLcModeDtorThrows;
      const bool ctor_ok = store != Store::kVector && store != Store::kArray;
      if (ctor_ok && src_.Chance(0.3)) {
        mode |= gen::kLcModeCtorBody;
        if (src_.Chance(0.4)) mode |= gen::kLcModeCtorThrows;
      }
    }
    const size_t before = objs_.size();
    switch (store) {
      case Store::kScope: case Store::kTemporary: CreateScoped(cls, x, mode, store, depth); return;
      case Store::kVector: CreateVector(cls, x, mode); break;
      case Store::kArray: CreateArray(cls, x); break;
      default: CreateSingle(cls, x, mode, store); break;
    }
    // Most objects get an overlay right away (bindings overlay what they create).
    for (size_t i = before; i < objs_.size(); ++i) {
      Obj& o = objs_[i];
      if (o.alive && o.ovs.empty() && src_.Chance(0.7)) InstallSome(o, false);
    }
  }

  int NewHolder(Store store, int cls, bool x) {
    holders_.emplace_back();
    Holder& hd = holders_.back();
    hd.store = store;
    hd.cls = cls;
    hd.x = x;
    if (tx_ != nullptr) hd.tx = tx_->NewVar();
    return static_cast<int>(holders_.size()) - 1;
  }
  std::string HV(const Holder& hd) const { return "V[" + std::to_string(hd.tx) + "]"; }

  // The constructor callback: the object exists (all bases constructed, the LcX body runs).
  void CtorBody(void* self) {
    Obj& o = objs_[static_cast<size_t>(pending_ctor_)];
    Born(o, self);
    Log(Ev::kInsideCtor, o.id);
    InstallSome(o, /*in_ctor=*/true);
    CheckCalls(o, "inside the constructor body");
    if (o.mode & gen::kLcModeCtorThrows) {
      ++stats_.ctor_throws;
      // The throw destroys the constructed bases directly: an invisible death.
      PreDeath(o, /*seen=*/false);
    }
  }

  // Runs `make` (which constructs object o); handles a throwing constructor.
  // Returns false when the constructor threw (the object is dead and handled).
  bool Construct(Obj& o, const std::function<void*()>& make, const std::string& tx_make) {
    const bool ctor_body = (o.mode & gen::kLcModeCtorBody) != 0;
    if (ctor_body && tx_ != nullptr) {
      tx_->Open("constructor body of object #" + std::to_string(o.id));
      if (tx_ != nullptr) T(V(o) + " = obj;");
    }
    pending_ctor_ = o.id;
    g_ctor_scenario = this;
    if (ctor_body && tx_ != nullptr) ctor_tx_open_ = true;
    bool threw = false;
    try {
      make();
    } catch (int v) {
      if (v != gen::kLcThrowValue) HarnessError("unexpected exception value");
      threw = true;
    }
    g_ctor_scenario = nullptr;
    pending_ctor_ = -1;
    if (ctor_tx_open_) {
      tx_->Close();
      ctor_tx_open_ = false;
    }
    if (o.mode & gen::kLcModeCtorThrows) {
      if (tx_ != nullptr) T("try { " + tx_make + "; VTO_EXPECT(false, \"constructor did not throw\"); } catch (int) {}");
      if (!threw) Fail("the constructor of " + Describe(o) + " was to throw, but returned");
      o.alive = false;
      ++stats_.invisible_deaths;
      PostDeath(o, nullptr);
      return false;
    }
    if (threw) Fail("constructor of " + Describe(o) + " threw unexpectedly");
    return true;
  }

  void CreateSingle(int cls, bool x, int mode, Store store) {
    const int hi = NewHolder(store, cls, x);
    Obj& o = NewObj(cls, x, mode, store, hi);
    holders_[static_cast<size_t>(hi)].objs.push_back(o.id);
    KitFn kit = Kit(cls);
    int op = 0;
    switch (store) {
      case Store::kNew: op = gen::kLcNew; break;
      case Store::kMakeShared: op = gen::kLcMakeShared; break;
      case Store::kSharedNew: op = gen::kLcSharedNew; break;
      case Store::kUnique: op = gen::kLcUniqueNew; break;
      case Store::kOptional: op = gen::kLcOptional; break;
      case Store::kPlacement: op = gen::kLcPlacementNew; break;
      default: HarnessError("CreateSingle: bad store");
    }
    const int code = OpCode(o, op);
    Holder& hd = holders_[static_cast<size_t>(hi)];
    void* storage = nullptr;
    std::string storage_tx = "nullptr";
    if (store == Store::kPlacement) {
      hd.elem_size = reinterpret_cast<size_t>(kit(OpCode(o, gen::kLcSize), nullptr, nullptr));
      storage = std::calloc(1, hd.elem_size);
      hd.h = storage;
      if (tx_ != nullptr) T(HV(hd) + " = std::calloc(1, " + std::to_string(hd.elem_size) + ");");
      storage_tx = HV(hd);
    }
    void* made = nullptr;
    Log(Ev::kCreate, cls, static_cast<int>(store), x, mode);
    const bool ok = Construct(o, [&] { return made = kit(code, storage, nullptr); },
                              "(void)" + KitCall(cls, code, storage_tx, "nullptr"));
    if (!ok) {
      hd.alive = false;
      if (store == Store::kPlacement) {
        if (tx_ != nullptr) T("std::free(" + HV(hd) + ");");
        std::free(storage);
      }
      return;
    }
    void* ptr = made;
    std::string ptr_tx;
    if (store == Store::kNew || store == Store::kPlacement) {
      if (store == Store::kNew) hd.h = made;
      if (tx_ != nullptr) T((store == Store::kNew ? HV(hd) : V(o)) + " = " + KitCall(cls, code, storage_tx, "nullptr") + ";");
      if (store == Store::kNew) T(V(o) + " = " + HV(hd) + ";");
    } else {
      hd.h = made;
      if (tx_ != nullptr) T(HV(hd) + " = " + KitCall(cls, code, "nullptr", "nullptr") + ";");
      int get = store == Store::kUnique ? gen::kLcUniqueGet
                : store == Store::kOptional ? gen::kLcOptionalGet
                                            : gen::kLcSharedGet;
      ptr = kit(OpCode(o, get), made, nullptr);
      if (tx_ != nullptr) T(V(o) + " = " + KitCall(cls, OpCode(o, get), HV(hd), "nullptr") + ";");
    }
    if (!o.alive) Born(o, ptr);
    if (o.ptr != ptr) Fail("constructor callback saw this=" + Hex(o.ptr) + ", the object is at " + Hex(ptr));
    if (store == Store::kMakeShared || store == Store::kSharedNew) o.strong = 1;
  }

  void CreateVector(int cls, bool x, int mode) {
    const int hi = NewHolder(Store::kVector, cls, x);
    KitFn kit = Kit(cls);
    const int xop = x ? gen::kLcVariantX | mode : 0;
    Holder& hd = holders_[static_cast<size_t>(hi)];
    hd.h = kit(gen::kLcVectorNew | xop, nullptr, nullptr);
    hd.elem_size = reinterpret_cast<size_t>(kit(gen::kLcSize | xop, nullptr, nullptr));
    if (tx_ != nullptr) T(HV(hd) + " = " + KitCall(cls, gen::kLcVectorNew | xop, "nullptr", "nullptr") + ";");
    Log(Ev::kCreateVector, cls, 0, x);
    const int n = src_.InRange(1, 3);
    for (int i = 0; i < n; ++i) Push(hi, mode);
  }

  // emplace_back on vector holder `hi`. A push that reallocates copies every element to new
  // storage and destroys the old ones through the element type's pointer (visible unless
  // final); records are made for the new elements.
  void Push(int hi, int mode) {
    Holder& hd = holders_[static_cast<size_t>(hi)];
    KitFn kit = Kit(hd.cls);
    const int xop = hd.x ? gen::kLcVariantX | mode : 0;
    const auto size = reinterpret_cast<size_t>(kit(gen::kLcVectorSize | xop, hd.h, nullptr));
    const auto capacity = reinterpret_cast<size_t>(kit(gen::kLcVectorCapacity | xop, hd.h, nullptr));
    const bool realloc = size == capacity;
    std::vector<std::pair<int, Path>> victims;
    if (realloc) {
      for (int id : hd.objs) victims.push_back({id, Path::kVectorElement});
    }
    void* h = hd.h;
    Kill(victims, -1, [=] { kit(gen::kLcVectorPush | xop, h, nullptr); },
         KitCall(hd.cls, gen::kLcVectorPush | xop, HV(hd), "nullptr") + ";", false);
    void* data = kit(gen::kLcVectorData | xop, hd.h, nullptr);
    if (realloc) hd.objs.clear();
    for (size_t i = realloc ? 0 : size; i <= size; ++i) {
      Obj& o = NewObj(hd.cls, hd.x, mode, Store::kVector, hi);
      hd.objs.push_back(o.id);
      if (tx_ != nullptr) T(V(o) + " = (char*)" + KitCall(hd.cls, gen::kLcVectorData | xop, HV(hd), "nullptr") + " + " +
        std::to_string(i * hd.elem_size) + ";");
      Born(o, static_cast<char*>(data) + i * hd.elem_size);
    }
  }

  void VectorPush() {
    std::vector<int> vs;
    for (size_t i = 0; i < holders_.size(); ++i) {
      if (holders_[i].alive && holders_[i].store == Store::kVector && holders_[i].objs.size() < 6) {
        vs.push_back(static_cast<int>(i));
      }
    }
    if (vs.empty() || objs_.size() >= kMaxObjects) return;
    const int hi = Pick(vs);
    Log(Ev::kVectorPush);
    Push(hi, 0);
  }

  void CreateArray(int cls, bool x) {
    const int hi = NewHolder(Store::kArray, cls, x);
    KitFn kit = Kit(cls);
    const int xop = x ? gen::kLcVariantX : 0;
    Holder& hd = holders_[static_cast<size_t>(hi)];
    const int n = src_.InRange(1, 3);
    hd.elem_size = reinterpret_cast<size_t>(kit(gen::kLcSize | xop, nullptr, nullptr));
    hd.h = kit(gen::kLcArrayNew | xop, nullptr, reinterpret_cast<void*>(static_cast<uintptr_t>(n)));
    if (tx_ != nullptr) T(HV(hd) + " = " + KitCall(cls, gen::kLcArrayNew | xop, "nullptr", "(void*)" + std::to_string(n)) + ";");
    Log(Ev::kCreateArray, cls, n, x);
    for (int i = 0; i < n; ++i) {
      Obj& o = NewObj(cls, x, 0, Store::kArray, hi);
      hd.objs.push_back(o.id);
      if (tx_ != nullptr) T(V(o) + " = (char*)" + HV(hd) + " + " + std::to_string(static_cast<size_t>(i) * hd.elem_size) + ";");
      Born(o, static_cast<char*>(hd.h) + static_cast<size_t>(i) * hd.elem_size);
    }
  }

  void CreateScoped(int cls, bool x, int mode, Store store, int depth) {
    Obj& o = NewObj(cls, x, mode, store, -1);
    const int id = o.id;
    Frame f;
    f.sc = this;
    f.obj = id;
    f.body_ops = src_.InRange(0, 4);
    f.catch_here = src_.Chance(0.5);
    f.depth = depth + 1;
    if (o.mode & gen::kLcModeCtorThrows) f.catch_here = true;  // the constructor's throw ends here
    const int code = OpCode(o, store == Store::kScope ? gen::kLcScope : gen::kLcTemporary);
    KitFn kit = Kit(cls);
    Log(Ev::kEnter, cls, static_cast<int>(store), x);
    bool threw = false;
    const bool ctor_throws = (o.mode & gen::kLcModeCtorThrows) != 0;
    const std::string call = KitCall(cls, code, "nullptr", "(void*)1");
    if (ctor_throws) {
      Construct(o, [&] { return kit(code, nullptr, &f); }, "(void)" + call);
      if (!f.catch_here) throw int(gen::kLcThrowValue);
      return;
    }
    const bool ctor_body = (o.mode & gen::kLcModeCtorBody) != 0;
    if (ctor_body && tx_ != nullptr) {
      tx_->Open("constructor body of object #" + std::to_string(id));
      if (tx_ != nullptr) T(V(o) + " = obj;");
      ctor_tx_open_ = true;
    }
    frames_.push_back(&f);
    pending_ctor_ = id;
    g_ctor_scenario = this;
    if (tx_ != nullptr && !ctor_body) {
      tx_->Open(std::string(kStoreNames[static_cast<int>(store)]) + " body of object #" + std::to_string(id));
      if (tx_ != nullptr) T(V(o) + " = obj;");
    }
    try {
      kit(code, nullptr, &f);
    } catch (int v) {
      if (v != gen::kLcThrowValue) HarnessError("unexpected exception value");
      threw = true;
    }
    g_ctor_scenario = nullptr;
    frames_.pop_back();
    if (tx_ != nullptr) {
      if (!body_closed_) tx_->Close();
      body_closed_ = false;
      if (threw) {
        if (tx_ != nullptr) T("try { " + call + "; VTO_EXPECT(false, \"the body was to throw\"); } catch (int) {}");
      } else {
        if (tx_ != nullptr) T(call + ";");
      }
    }
    Obj& od = objs_[static_cast<size_t>(id)];
    od.alive = false;
    ++stats_.invisible_deaths;
    Log(threw ? Ev::kUnwound : Ev::kLeft, od.id);
    PostDeath(od, nullptr);
    if (threw && !f.catch_here) throw int(gen::kLcThrowValue);
    if (threw) ++stats_.throws_caught;
  }

  // Inside the kit: the scope's / temporary's object exists.
  void Body(Frame& f, void* obj) {
    Obj& o = objs_[static_cast<size_t>(f.obj)];
    if (ctor_tx_open_) {  // the constructor body ended; now the scope body
      tx_->Close();
      ctor_tx_open_ = false;
      tx_->Open(std::string(kStoreNames[static_cast<int>(o.store)]) + " body of object #" + std::to_string(o.id));
      if (tx_ != nullptr) T(V(o) + " = obj;");
    }
    g_ctor_scenario = nullptr;
    pending_ctor_ = -1;
    if (!o.alive) Born(o, obj);
    if (o.ptr != obj) Fail("scope body got this=" + Hex(obj) + ", constructor callback saw " + Hex(o.ptr));
    for (int i = 0; i < f.body_ops && !src_.exhausted(); ++i) Step(f.depth);
    // End of scope: an invisible death.
    PreDeath(objs_[static_cast<size_t>(f.obj)], false);
    if (tx_ != nullptr) {
      tx_->Close();
      body_closed_ = true;
    }
  }

  // -- install --
  void Install() {
    std::vector<int> alive = Alive();
    if (alive.empty()) return;
    InstallSome(objs_[static_cast<size_t>(Pick(alive))], false);
  }

  bool AnyHooked(const Obj& o) const {
    for (const Ov& ov : o.ovs) {
      if (ov.st == OvState::kActive && ov.hook) return true;
    }
    return false;
  }
  bool AnyActive(const Obj& o) const {
    for (const Ov& ov : o.ovs) {
      if (ov.st == OvState::kActive) return true;
    }
    return false;
  }

  void InstallSome(Obj& o, bool in_ctor) {
    std::vector<int> reflectable;
    for (int s : ch_.plan.classes[o.cls].up) {
      if (h_.classes[s].polymorphic) reflectable.push_back(s);
    }
    if (reflectable.empty()) return;
    const int count = in_ctor ? src_.InRange(0, 1) : 1;
    for (int k = 0; k < count; ++k) InstallOne(o, Pick(reflectable));
  }

  void InstallOne(Obj& o, int reflected) {
    Ov ov;
    ov.reflected = reflected;
    backend::OverlaySpec spec;
    spec.instance = o.ptr;
    spec.class_name = ch_.ns + "::" + gen::ClassName(reflected);
    std::string tx_repl;
    for (const VirtualCall& call : ch_.plan.classes[reflected].calls) {
      if (!src_.Chance(0.4)) continue;
      const bool throwing = src_.Chance(0.15);
      const int r = throwing ? -1 : static_cast<int>(src_.Below(gen::kReplacementsPerSignature));
      ov.methods.push_back({call, r});
      const std::string fn = throwing ? gen::LcThrowName(ch_.ns, call.sig) : gen::ReplacementStubName(ch_.ns, call.sig, r);
      spec.methods.push_back({gen::MethodSpelling(h_, call.name, call.sig), ch_.Stub(fn)});
      if (tx_ != nullptr) tx_repl += "{@SLOT(" + spec.class_name + "|" + gen::MethodSpelling(h_, call.name, call.sig) + ")@, (void*)&" + fn + "}, ";
    }
    for (const auto& m : ov.methods) ov.on_reflected.push_back(o.t->Find(reflected, m.first.name, m.first.sig));
    ov.reflected_sub = PointerOf(o, o.t->ex().PathOf(reflected));
    ov.extra = src_.Below(3);
    spec.extra_slots = ov.extra;
    const bool virtual_dtor = h_.classes[reflected].virtual_dtor;
    const bool want_hook = virtual_dtor ? src_.Chance(0.7) : src_.Chance(0.05);
    if (want_hook) {
      ov.hook = std::make_unique<Hook>();
      ov.hook->sc = this;
      ov.hook->obj = o.id;
      ov.hook->ov = o.ovs.size();
      ov.hook->release = ReleasesInHook(static_cast<uint32_t>(o.id), static_cast<uint32_t>(o.ovs.size()));
      spec.on_destroy = &HookThunk;
      spec.user_data = ov.hook.get();
      if (tx_ != nullptr) ov.hook->tx = tx_->NewHook();
    }
    bool stacked = AnyActive(o);
    const bool outside = !MissingCapabilities(*o.t, b_.capabilities(), want_hook, ov.extra != 0, stacked,
                                              reflected != o.cls || o.x).empty();
    const bool must_refuse = want_hook && !virtual_dtor;
    if (tx_ != nullptr) {
      ov.tx = tx_->NewHandle();
      if (tx_ != nullptr) T("H[" + std::to_string(ov.tx) + "] = vto_repro::Install(" + V(o) + ", \"@SHAPE(" + spec.class_name + ")@\", {" +
        tx_repl + "}, " + std::to_string(ov.extra) + ", " +
        (want_hook ? "&K[" + std::to_string(ov.hook->tx) + "]" : std::string("nullptr")) + ", " +
        (outside || must_refuse ? "VTO_MAY_REFUSE" : "VTO_MUST_INSTALL") + ");");
      if (want_hook && ov.hook->release) T("K[" + std::to_string(ov.hook->tx) + "].release = &H[" + std::to_string(ov.tx) + "];");
    }
    backend::InstallOutcome out = b_.Install(spec);
    Log(Ev::kInstall, o.id, reflected, want_hook, static_cast<int>(out.code));
    if (!out.ok()) {
      ++stats_.refusals;
      if (!outside && !must_refuse) {
        Fail("unexpected refusal: overlay on " + Describe(o) + " reflected as " + gen::ClassName(reflected) +
             " is within the backend's capabilities, but it refused with code " + std::to_string(out.code) + ": " +
             out.message);
      }
      return;
    }
    if (must_refuse) {
      Fail("installed a destroy hook on " + gen::ClassName(reflected) +
           ", whose destructor is not virtual: the hook can never fire (must be refused)");
    }
    ov.handle = out.handle;
    ov.vptr_installed = *static_cast<void**>(o.ptr);
    ++stats_.overlays;
    if (stacked) ++stats_.stacked;
    for (size_t i = 0; i < ov.extra; ++i) {
      void** cell = b_.ExtraSlot(ov.handle, o.ptr, i);
      if (cell == nullptr || *cell != nullptr) {
        Fail("extra slot " + std::to_string(i) + " of a new overlay on " + Describe(o) +
             (cell == nullptr ? " has no address" : " is not null after install"));
      }
      *cell = reinterpret_cast<void*>((static_cast<uintptr_t>(o.id + 1) << 16) | (o.ovs.size() << 4) | (i + 1));
      ov.cookies.push_back(*cell);
    }
    o.ovs.push_back(std::move(ov));
    CheckCalls(o, "after an install");
  }

  // -- calls --
  struct Replaced {
    int r;  // -1: the throwing replacement
    int sig;
    void* self;
  };
  // The replacement an overlay in effect puts on `e` (only overlays [0, upto) count).
  std::optional<Replaced> ReplacementFor(const Obj& o, const Expected& e, size_t upto) const {
    std::optional<Replaced> rep;
    for (size_t k = 0; k < upto && k < o.ovs.size(); ++k) {
      const Ov& ov = o.ovs[k];
      if (ov.st != OvState::kActive) continue;
      for (size_t m = 0; m < ov.methods.size(); ++m) {
        const CallCheck* on_r = ov.on_reflected[m];
        if (on_r && on_r->expected.impl_id == e.impl_id && on_r->expected.this_path == e.this_path) {
          rep = Replaced{ov.methods[m].second, ov.methods[m].first.sig, ov.reflected_sub};
        }
      }
    }
    return rep;
  }

  // Calls c on o; returns true if it threw (as expected). Fails on any mismatch.
  bool CheckCall(const Obj& o, const CallCheck& c, size_t upto, const char* when) {
    const Expected& e = c.expected;
    std::optional<Replaced> rep = ReplacementFor(o, e, upto);
    void* sp = Up(o, c.s);
    const bool expect_throw = rep && rep->r < 0 && !e.may_devirtualize;
    const long want_id = rep ? (rep->r < 0 ? gen::kLcThrowIdBase + rep->sig : gen::ReplacementId(rep->sig, rep->r))
                             : e.impl_id;
    void* want_self = rep ? rep->self : PointerOf(o, e.this_path);
    if (tx_ != nullptr && !(rep && e.may_devirtualize)) {
      const std::string stub = gen::CallStubName(ch_.ns, c.s, c.call.name, c.call.sig);
      const std::string callx = stub + "(" + V(o) + " == nullptr ? nullptr : " +
                                gen::UpStubName(ch_.ns, o.cls, c.s) + "(" + V(o) + "))";
      if (expect_throw) {
        if (tx_ != nullptr) T("VTO_EXPECT_THROWS(" + callx + ", \"" + gen::MethodName(c.call.name) + " through " + gen::ClassName(c.s) +
          " reaches the throwing replacement\");");
      } else {
        if (tx_ != nullptr) T("VTO_EXPECT_CALL(" + callx + ", " + std::to_string(want_id) + ", (char*)" + V(o) + " + " +
          std::to_string(static_cast<char*>(want_self) - static_cast<char*>(o.ptr)) + ", \"" +
          gen::MethodName(c.call.name) + " through " + gen::ClassName(c.s) + " " + when + "\");");
      }
    }
    gen::Trace::Clear();
    long got = 0;
    bool threw = false;
    try {
      got = c.fn(sp);
    } catch (int v) {
      if (v != gen::kLcThrowValue) HarnessError("unexpected exception value");
      threw = true;
    }
    ++stats_.calls_checked;
    gen::TraceRecord last = gen::Trace::size() ? gen::Trace::at(gen::Trace::size() - 1) : gen::TraceRecord{};
    const bool as_original = !threw && got == e.impl_id && last.impl_id == e.impl_id &&
                             last.self == PointerOf(o, e.this_path);
    bool as_replaced = false;
    if (rep && rep->r < 0) {
      as_replaced = threw && last.impl_id == want_id && last.self == rep->self;
    } else if (rep) {
      as_replaced = !threw && got == want_id && last.impl_id == want_id && last.self == rep->self;
    }
    if (rep ? (as_replaced || (e.may_devirtualize && as_original)) : as_original) return threw;
    Fail("call of " + gen::MethodName(c.call.name) + " (signature " + std::to_string(c.call.sig) +
         ") through static type " + gen::ClassName(c.s) + " on " + Describe(o) + " " + when + ": expected " +
         (expect_throw ? "the throwing replacement " : "id ") + std::to_string(want_id) + " on this=" + Hex(want_self) +
         "; got " + (threw ? "an exception" : "return " + std::to_string(got)) + ", traced id " +
         std::to_string(last.impl_id) + " on this=" + Hex(last.self));
  }

  void CheckCalls(const Obj& o, const char* when) { CheckCallsUpTo(o, o.ovs.size(), when); }
  void CheckCallsUpTo(const Obj& o, size_t upto, const char* when) {
    for (const CallCheck& c : o.t->calls) CheckCall(o, c, upto, when);
  }

  void CallOne(int depth) {
    std::vector<int> alive = Alive();
    if (alive.empty()) return;
    Obj& o = objs_[static_cast<size_t>(Pick(alive))];
    if (o.t->calls.empty()) return;
    const CallCheck& c = o.t->calls[src_.Below(static_cast<uint32_t>(o.t->calls.size()))];
    std::optional<Replaced> rep = ReplacementFor(o, c.expected, o.ovs.size());
    const bool throws = rep && rep->r < 0 && !c.expected.may_devirtualize;
    const bool propagate = throws && depth > 0 && src_.Chance(0.5);
    if (propagate) {
      // Check it really throws, then let the exception unwind through the kit frames of
      // the enclosing scopes. The call comes first: preparing the unwind may tear down
      // overlays of the scope objects, `o` among them (found by fuzz_lifecycle).
      Log(Ev::kPropagate, o.id, c.call.name);
      bool threw = CheckCall(o, c, o.ovs.size(), "(propagating)");
      if (!threw) Fail("expected an exception");
      PrepareUnwind();
      if (tx_ != nullptr) T("throw int(" + std::to_string(gen::kLcThrowValue) + ");  // the exception checked above");
      throw int(gen::kLcThrowValue);
    }
    if (CheckCall(o, c, o.ovs.size(), "(call operation)")) ++stats_.throws_caught;
  }

  // -- throw from a body: unwinds the kit frames up to the first that catches --
  void ThrowOut(int depth) {
    if (depth == 0) return;
    PrepareUnwind();
    Log(Ev::kThrow);
    if (tx_ != nullptr) T("throw int(" + std::to_string(gen::kLcThrowValue) + ");");
    throw int(gen::kLcThrowValue);
  }
  // Before an exception leaves the body: every scope object it will destroy dies
  // invisibly; without Abandon the binding must tear their overlays down first.
  void PrepareUnwind() {
    for (size_t i = frames_.size(); i-- > 0;) {
      Obj& so = objs_[static_cast<size_t>(frames_[i]->obj)];
      PreDeath(so, false);
      if (frames_[i]->catch_here) break;
    }
  }

  // -- teardown --
  void TeardownOne() {
    std::vector<std::pair<int, size_t>> open;
    for (const Obj& o : objs_) {
      if (o.dying) continue;
      for (size_t k = 0; k < o.ovs.size(); ++k) {
        if (o.ovs[k].st != OvState::kClosed || src_.Chance(0.05)) open.push_back({o.id, k});
      }
    }
    if (open.empty()) return;
    auto [id, k] = open[src_.Below(static_cast<uint32_t>(open.size()))];
    TeardownAt(objs_[static_cast<size_t>(id)], k);
  }

  void TeardownAt(Obj& o, size_t k) {
    Ov& ov = o.ovs[k];
    TeardownResult want = TeardownResult::kAlreadyTornDown;
    switch (ov.st) {
      case OvState::kActive: want = o.alive ? TeardownResult::kRestored : TeardownResult::kDetached; break;
      case OvState::kDiedHooked: want = TeardownResult::kObjectDestroyed; break;
      case OvState::kDetachedAfterAbandon: want = TeardownResult::kDetached; break;
      case OvState::kClosed: want = TeardownResult::kAlreadyTornDown; break;
    }
    if (ov.st == OvState::kActive && !o.alive) HarnessError("teardown of an active overlay on a dead object");
    if (tx_ != nullptr) T("VTO_EXPECT(vto::TeardownOverlay(H[" + std::to_string(ov.tx) + "]) == vto::TeardownResult::" +
      TeardownResultName(want) + ", \"teardown result\");");
    const int r = b_.Teardown(ov.handle);
    Log(Ev::kTeardown, o.id, static_cast<int>(k), static_cast<int>(r));
    if (r != static_cast<int>(want)) {
      Fail("teardown of overlay #" + std::to_string(k) + " on " + Describe(o) + (o.alive ? "" : " (dead)") +
           " returned " + std::to_string(r) + " (" + TeardownResultName(static_cast<TeardownResult>(r)) +
           "), expected " + TeardownResultName(want));
    }
    const bool was_active = ov.st == OvState::kActive;
    ov.st = OvState::kClosed;
    if (was_active && o.alive) {
      CheckCalls(o, "after a teardown");
      if (!AnyActive(o)) CheckVptrsRestored(o);
    }
  }

  void CheckVptrsRestored(const Obj& o) {
    for (size_t i = 0; i < o.vptr_words.size(); ++i) {
      const auto& [sub, word] = o.vptr_words[i];
      if (tx_ != nullptr && i < o.word_tx.size()) {
        T("VTO_EXPECT(*(void**)((char*)" + V(o) + " + " +
          std::to_string(static_cast<char*>(sub) - static_cast<char*>(o.ptr)) + ") == W[" +
          std::to_string(o.word_tx[i]) + "], \"vptr restored bit for bit after the last teardown\");");
      }
      if (*static_cast<void**>(sub) != word) {
        Fail("after every overlay of " + Describe(o) + " was torn down the vptr at " + Hex(sub) + " is " +
             Hex(*static_cast<void**>(sub)) + "; before the overlays it was " + Hex(word));
      }
    }
  }

  // ---- deaths ---------------------------------------------------------------------------

  // Whether a death by `path` (through static type s where it applies) goes through the
  // object's vtable — the contract's "visible destruction".
  bool Visible(const Obj& o, Path path, int s) const {
    const gen::ClassModel& cm = h_.classes[o.cls];
    const bool dyn_final = !o.x && cm.is_final;
    switch (path) {
      case Path::kDeleteVia: case Path::kExplicitDtorVia:
        return !h_.classes[s].is_final;
      case Path::kDeleteExact: case Path::kGlobalDeleteExact: case Path::kSharedRelease: case Path::kUniqueReset: case Path::kVectorElement:
        return cm.virtual_dtor && !dyn_final;
      default: return false;
    }
  }

  // Before a death: the binding's duty (CONTRACT.md Q2/Q3). If nothing will see the death,
  // a backend without Abandon needs every overlay torn down first; with Abandon the
  // harness sometimes tears down first anyway.
  void PreDeath(Obj& o, bool seen) {
    if (!o.alive || seen) return;
    if (!AnyActive(o)) return;
    if (b_.can_abandon() && !src_.Chance(0.3)) return;
    std::vector<size_t> order;
    for (size_t k = 0; k < o.ovs.size(); ++k) {
      if (o.ovs[k].st == OvState::kActive) order.push_back(k);
    }
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[src_.Below(static_cast<uint32_t>(i))]);
    for (size_t k : order) TeardownAt(o, k);
  }

  // A predicted death is starting: hooks of o may fire now, top down.
  void BeginDeath(Obj& o, bool seen) {
    o.dying = true;
    if (!seen) return;
    for (size_t k = o.ovs.size(); k-- > 0;) {
      Ov& ov = o.ovs[k];
      if (ov.st != OvState::kActive) continue;
      if (ov.hook) {
        ov.hook->expect = 1;
        expect_.order.push_back({o.id, k});
      }
    }
  }
  // After the death: state transitions, and the binding's duty for an unseen death.
  void EndDeath(Obj& o, Path path, int static_cls) {
    o.dying = false;
    o.alive = false;
    const bool seen = AnyHooked(o) && Visible(o, path, static_cls);
    if (seen) {
      ++stats_.visible_deaths;
      for (Ov& ov : o.ovs) {
        if (ov.st != OvState::kActive) continue;
        if (ov.hook) ++stats_.hooks_fired;
        ov.st = OvState::kDiedHooked;
        if (ov.hook && ov.hook->release && ov.hook->calls == 1) ov.st = OvState::kClosed;  // released inside
      }
    } else {
      ++stats_.invisible_deaths;
    }
    for (Ov& ov : o.ovs) {
      if (ov.hook && ov.hook->calls != ov.hook->expect) {
        Fail("destroy hook of an overlay (reflected as " + gen::ClassName(ov.reflected) + ") on " + Describe(o) +
             " fired " + std::to_string(ov.hook->calls) + " times when it died by " +
             kPathNames[static_cast<int>(path)] + "; expected " + std::to_string(ov.hook->expect) +
             (ov.hook->expect ? " (a visible death with the overlay installed)" : " (an invisible death)"));
      }
    }
    Log(Ev::kDied, o.id, static_cast<int>(path));
    if (!seen) PostDeath(o, o.store == Store::kPlacement ? &placement_storage_ : nullptr);
  }

  // After an unseen death: Abandon (the contract's way), touching nothing of the object.
  // `storage`/`size`: host-owned bytes that must not change.
  void PostDeath(Obj& o, const std::pair<void*, size_t>* storage) {
    std::vector<size_t> active;
    for (size_t k = 0; k < o.ovs.size(); ++k) {
      if (o.ovs[k].st == OvState::kActive) active.push_back(k);
    }
    if (active.empty()) return;
    if (!b_.can_abandon()) {
      Fail("harness: " + Describe(o) + " died unseen with overlays installed on a backend without Abandon");
    }
    std::vector<unsigned char> before;
    if (storage != nullptr) {
      const auto* p = static_cast<const unsigned char*>(storage->first);
      before.assign(p, p + storage->second);
    }
    Ov& first = o.ovs[active[src_.Below(static_cast<uint32_t>(active.size()))]];
    // Host-owned storage stays readable after the death, and the destructors left a base's
    // vptr in it: a teardown may read it, finds a foreign vptr and must return kDetached
    // without writing (CONTRACT P16, Q2). Elsewhere only Abandon is allowed.
    // (clang leaves the vptr alone in a destructor with a trivial body: if it still points
    // through an overlay, a teardown would rightly restore it, so only Abandon is allowed.)
    bool foreign = storage != nullptr;
    for (size_t k : active) foreign = foreign && *static_cast<void**>(o.ptr) != o.ovs[k].vptr_installed;
    const bool teardown = foreign && src_.Chance(0.5);
    const TeardownResult want = teardown ? TeardownResult::kDetached : TeardownResult::kAbandoned;
    if (tx_ != nullptr) {
      T(std::string("VTO_EXPECT(vto::") + (teardown ? "TeardownOverlay" : "AbandonOverlay") + "(H[" +
        std::to_string(first.tx) + "]) == vto::TeardownResult::" + TeardownResultName(want) + ", \"" +
        (teardown ? "teardown" : "abandon") + " after an unseen death\");");
    }
    const int r = teardown ? b_.Teardown(first.handle) : b_.Abandon(first.handle);
    ++stats_.abandons;
    Log(Ev::kAbandon, o.id, static_cast<int>(r), teardown);
    if (r != static_cast<int>(want)) {
      Fail(std::string(teardown ? "teardown" : "Abandon") + " after the unseen death of " + Describe(o) +
           " returned " + std::to_string(r) + " (" + TeardownResultName(static_cast<TeardownResult>(r)) +
           "), expected " + TeardownResultName(want));
    }
    for (size_t k : active) o.ovs[k].st = OvState::kDetachedAfterAbandon;
    first.st = OvState::kClosed;
    if (storage != nullptr &&
        std::memcmp(before.data(), storage->first, storage->second) != 0) {
      Fail(std::string(teardown ? "teardown" : "Abandon") + " after the death of " + Describe(o) +
           " wrote into the dead object's storage");
    }
  }

  // One death (or a cascade of them) caused by `act`: `victims` are predicted with paths.
  void Kill(const std::vector<std::pair<int, Path>>& victims, int static_cls, const std::function<void()>& act,
            const std::string& act_tx, bool on_thread) {
    for (const auto& [id, path] : victims) {
      Obj& o = objs_[static_cast<size_t>(id)];
      const bool seen = Visible(o, path, static_cls) && AnyHooked(o);
      PreDeath(o, seen);
      BeginDeath(o, seen);
    }
    if (tx_ != nullptr) T(act_tx);
    // The reproducer checks the hooks right after the act; the harness checks them inside
    // it (a hook firing twice fails there), so these lines are recorded before it runs.
    if (tx_ != nullptr) {
      for (const auto& [id, path] : victims) {
        for (const Ov& ov : objs_[static_cast<size_t>(id)].ovs) {
          if (!ov.hook) continue;
          if (tx_ != nullptr) T("VTO_EXPECT(K[" + std::to_string(ov.hook->tx) + "].calls == " + std::to_string(ov.hook->expect) +
            ", \"destroy hook of object #" + std::to_string(id) + " fired " + std::to_string(ov.hook->expect) +
            " time(s) on " + kPathNames[static_cast<int>(path)] + "\");");
          if (ov.hook->release && ov.hook->expect == 1) {
            T("VTO_EXPECT(K[" + std::to_string(ov.hook->tx) + "].released == vto::TeardownResult::kObjectDestroyed && K[" +
              std::to_string(ov.hook->tx) + "].released_again == vto::TeardownResult::kAlreadyTornDown, "
              "\"the destroy hook of object #" + std::to_string(id) + " released its own handle (once)\");");
          }
        }
      }
    }
    if (on_thread) {
      ++stats_.thread_deaths;
      TheWorker().Run(act);
    } else {
      act();
    }
    if (expect_.next != expect_.order.size()) {
      auto [id, k] = expect_.order[expect_.next];
      Fail("destroy hook of overlay #" + std::to_string(k) + " on " + Describe(objs_[static_cast<size_t>(id)]) +
           " did not fire when it died by " + kPathNames[static_cast<int>(victims.front().second)] +
           " (a visible death with a hooked overlay installed)");
    }
    expect_ = Expectation{};
    for (const auto& [id, path] : victims) EndDeath(objs_[static_cast<size_t>(id)], path, static_cls);
  }

  // Shared objects that die when object `id` loses one strong reference, in destruction
  // order (the object, then what its link kept alive).
  void SharedCascade(int id, std::vector<std::pair<int, Path>>* out, std::vector<int>* strong) {
    int& s = (*strong)[static_cast<size_t>(id)];
    if (s <= 0) return;
    if (--s > 0) return;
    out->push_back({id, Path::kSharedRelease});
    const Obj& o = objs_[static_cast<size_t>(id)];
    if (o.link_to >= 0) SharedCascade(o.link_to, out, strong);
  }
  void ApplyStrong(const std::vector<int>& strong) {
    for (Obj& o : objs_) o.strong = strong[static_cast<size_t>(o.id)];
  }
  std::vector<int> Strong() const {
    std::vector<int> v;
    for (const Obj& o : objs_) v.push_back(o.strong);
    return v;
  }

  void Destroy(bool on_thread) {
    std::vector<int> hs;
    for (size_t i = 0; i < holders_.size(); ++i) {
      if (holders_[i].alive) hs.push_back(static_cast<int>(i));
    }
    if (hs.empty()) return;
    DestroyHolder(Pick(hs), on_thread);
  }

  void DestroyHolder(int hi, bool on_thread) {
    Holder& hd = holders_[static_cast<size_t>(hi)];
    KitFn kit = Kit(hd.cls);
    const int xop = hd.x ? gen::kLcVariantX : 0;
    void* h = hd.h;
    const std::string hv = HV(hd);
    switch (hd.store) {
      case Store::kNew: case Store::kPlacement: {
        Obj& o = objs_[static_cast<size_t>(hd.objs[0])];
        if (!o.alive) {
          hd.alive = false;
          return;
        }
        std::vector<int> vias;
        for (int s : ch_.plan.classes[o.cls].up) {
          if (h_.classes[s].polymorphic && h_.classes[s].virtual_dtor) vias.push_back(s);
        }
        const bool placement = hd.store == Store::kPlacement;
        placement_storage_ = {hd.h, hd.elem_size};
        uint32_t choice = src_.Below(placement ? 2 : 5);
        if (vias.empty() && (choice == 0 || choice == 2)) choice = placement ? 1 : 3;  // need a base S
        const int code = OpCode(o, 0) & ~0xF000;
        const int s = vias.empty() ? -1 : Pick(vias);
        void* sp = s >= 0 ? Up(o, s) : nullptr;
        const std::string spx = s >= 0 ? gen::UpStubName(ch_.ns, o.cls, s) + "(" + V(o) + ")" : "";
        void* p = o.ptr;
        const std::string px = V(o);
        if (choice == 1) {  // qualified destructor call: invisible
          Kill({{o.id, Path::kQualified}}, -1, [=] { kit(code | gen::kLcQualifiedDtor, p, placement ? nullptr : p); },
               KitCall(o.cls, code | gen::kLcQualifiedDtor, px, placement ? "nullptr" : px) + ";", on_thread);
        } else if (choice == 0) {  // p->~S()
          StaticFn st = KitStatic(s);
          Kill({{o.id, Path::kExplicitDtorVia}}, s, [=] { st(gen::kLcsExplicitDtor, sp); },
               gen::LcStaticName(ch_.ns, s) + "(" + std::to_string(gen::kLcsExplicitDtor) + ", " + spx + ");", on_thread);
          if (!placement) {
            if (tx_ != nullptr) T(KitCall(o.cls, code | gen::kLcFree, px, "nullptr") + ";");
            kit(code | gen::kLcFree, p, nullptr);
          }
        } else if (choice == 2) {  // delete through S*
          StaticFn st = KitStatic(s);
          Kill({{o.id, Path::kDeleteVia}}, s, [=] { st(gen::kLcsDelete, sp); },
               gen::LcStaticName(ch_.ns, s) + "(" + std::to_string(gen::kLcsDelete) + ", " + spx + ");", on_thread);
        } else if (choice == 4) {  // ::delete through the dynamic type's pointer (lifecycle_kit.h says why)
          Kill({{o.id, Path::kGlobalDeleteExact}}, -1, [=] { kit(code | gen::kLcGlobalDeleteExact, p, nullptr); },
               KitCall(o.cls, code | gen::kLcGlobalDeleteExact, px, "nullptr") + ";", on_thread);
        } else {  // delete through the dynamic type's pointer
          Kill({{o.id, Path::kDeleteExact}}, -1, [=] { kit(code | gen::kLcDeleteExact, p, nullptr); },
               KitCall(o.cls, code | gen::kLcDeleteExact, px, "nullptr") + ";", on_thread);
        }
        if (placement) {
          if (tx_ != nullptr) T("std::free(" + hv + ");");
          std::free(hd.h);
        }
        hd.alive = false;
        return;
      }
      case Store::kMakeShared: case Store::kSharedNew: {
        std::vector<int> strong = Strong();
        std::vector<std::pair<int, Path>> victims;
        SharedCascade(hd.objs[0], &victims, &strong);
        for (const auto& v : victims) {
          // Links leave with the dying objects.
          Obj& d = objs_[static_cast<size_t>(v.first)];
          d.link_to = d.wlink_to = -1;
        }
        Kill(victims, -1, [=] { kit(gen::kLcSharedRelease, h, nullptr); },
             KitCall(hd.cls, gen::kLcSharedRelease, hv, "nullptr") + ";", on_thread);
        ApplyStrong(strong);
        hd.alive = false;
        if (victims.size() > 1) ++stats_.cycles_broken;
        return;
      }
      case Store::kUnique: {
        Obj& o = objs_[static_cast<size_t>(hd.objs[0])];
        Kill({{o.id, Path::kUniqueReset}}, -1, [=] { kit(gen::kLcUniqueReset | xop, h, nullptr); },
             KitCall(hd.cls, gen::kLcUniqueReset | xop, hv, "nullptr") + ";", on_thread);
        hd.alive = false;
        return;
      }
      case Store::kOptional: {
        Obj& o = objs_[static_cast<size_t>(hd.objs[0])];
        Kill({{o.id, Path::kOptionalReset}}, -1, [=] { kit(gen::kLcOptionalReset | xop, h, nullptr); },
             KitCall(hd.cls, gen::kLcOptionalReset | xop, hv, "nullptr") + ";", on_thread);
        hd.alive = false;
        return;
      }
      case Store::kArray: {
        std::vector<std::pair<int, Path>> victims;
        for (size_t i = hd.objs.size(); i-- > 0;) victims.push_back({hd.objs[i], Path::kArrayDelete});
        Kill(victims, -1, [=] { kit(gen::kLcArrayDelete | xop, h, nullptr); },
             KitCall(hd.cls, gen::kLcArrayDelete | xop, hv, "nullptr") + ";", on_thread);
        hd.alive = false;
        return;
      }
      case Store::kVector: {
        const uint32_t what = hd.objs.empty() ? 2 : src_.Below(3);
        if (what == 0) {  // erase(i): the last element dies, the others keep their storage
          const size_t i = src_.Below(static_cast<uint32_t>(hd.objs.size()));
          const int last = hd.objs.back();
          Kill({{last, Path::kVectorElement}}, -1,
               [=] { kit(gen::kLcVectorErase | xop, h, reinterpret_cast<void*>(i)); },
               KitCall(hd.cls, gen::kLcVectorErase | xop, hv, "(void*)" + std::to_string(i)) + ";", on_thread);
          hd.objs.pop_back();
          return;
        }
        std::vector<std::pair<int, Path>> victims;
        for (int id : hd.objs) victims.push_back({id, Path::kVectorElement});
        const int op = what == 1 ? gen::kLcVectorClear : gen::kLcVectorDelete;
        Kill(victims, -1, [=] { kit(op | xop, h, nullptr); }, KitCall(hd.cls, op | xop, hv, "nullptr") + ";",
             on_thread);
        hd.objs.clear();
        if (what == 2) hd.alive = false;
        return;
      }
      default: return;
    }
  }

  // -- shared copies and links --
  void ShareOrLink() {
    std::vector<int> shared;
    for (size_t i = 0; i < holders_.size(); ++i) {
      const Holder& hd = holders_[i];
      if (hd.alive && (hd.store == Store::kMakeShared || hd.store == Store::kSharedNew)) {
        shared.push_back(static_cast<int>(i));
      }
    }
    if (shared.empty()) return;
    const int hi = Pick(shared);
    const uint32_t what = src_.Below(4);
    if (what == 0) {  // another holder of the same object
      Holder copy = holders_[static_cast<size_t>(hi)];
      KitFn kit = Kit(copy.cls);
      void* h = kit(gen::kLcSharedCopy, copy.h, nullptr);
      const int ni = NewHolder(copy.store, copy.cls, copy.x);
      Holder& nh = holders_[static_cast<size_t>(ni)];
      nh.h = h;
      nh.objs = copy.objs;
      if (tx_ != nullptr) T(HV(nh) + " = " + KitCall(copy.cls, gen::kLcSharedCopy, HV(holders_[static_cast<size_t>(hi)]), "nullptr") + ";");
      ++objs_[static_cast<size_t>(copy.objs[0])].strong;
      return;
    }
    // A link from an LcX shared object to the object of holder hi.
    std::vector<int> from;
    for (const Holder& hd : holders_) {
      if (!hd.x || (hd.store != Store::kMakeShared && hd.store != Store::kSharedNew)) continue;
      const Obj& o = objs_[static_cast<size_t>(hd.objs[0])];
      if (o.alive && !o.dying && std::find(from.begin(), from.end(), o.id) == from.end()) from.push_back(o.id);
    }
    if (from.empty()) return;
    Obj& a = objs_[static_cast<size_t>(Pick(from))];
    const Holder& target = holders_[static_cast<size_t>(hi)];
    KitFn kit = Kit(a.cls);
    const int xop = gen::kLcVariantX;
    if (what == 3) {  // unlink: may destroy what only a's link kept alive (a cycle broken by reset)
      std::vector<int> strong = Strong();
      std::vector<std::pair<int, Path>> victims;
      const int to = a.link_to;
      a.link_to = -1;  // moved out of *a before it is released
      if (to >= 0) SharedCascade(to, &victims, &strong);
      void* ap = a.ptr;
      const int aid = a.id;
      for (const auto& v : victims) {
        Obj& d = objs_[static_cast<size_t>(v.first)];
        d.link_to = d.wlink_to = -1;
      }
      objs_[static_cast<size_t>(aid)].link_to = objs_[static_cast<size_t>(aid)].wlink_to = -1;
      Log(Ev::kUnlink, a.id);
      Kill(victims, -1,
           [=] { kit(gen::kLcUnlink | xop, ap, nullptr); },
           KitCall(objs_[static_cast<size_t>(aid)].cls, gen::kLcUnlink | xop, V(objs_[static_cast<size_t>(aid)]),
                   "nullptr") + ";",
           false);
      ApplyStrong(strong);
      if (!victims.empty()) ++stats_.cycles_broken;
      return;
    }
    const bool weak = what == 2;
    if ((weak ? a.wlink_to : a.link_to) >= 0) return;  // replacing a link would release one: keep it simple
    if (tx_ != nullptr) T(KitCall(a.cls, (weak ? gen::kLcWeakLink : gen::kLcLink) | xop, V(a), HV(target)) + ";");
    kit((weak ? gen::kLcWeakLink : gen::kLcLink) | xop, a.ptr, target.h);
    const int to = target.objs[0];
    Log(weak ? Ev::kWeakLink : Ev::kLink, a.id, to);
    if (weak) {
      a.wlink_to = to;
    } else {
      a.link_to = to;
      ++objs_[static_cast<size_t>(to)].strong;
    }
  }

  // ---- end of input ------------------------------------------------------------------------

  void Cleanup() {
    // Break every cycle, release every holder (each death checked as usual), then tear
    // down every handle still open.
    for (Obj& o : objs_) {
      if (o.alive && o.x && o.link_to >= 0 &&
          (o.store == Store::kMakeShared || o.store == Store::kSharedNew)) {
        Obj& a = o;
        std::vector<int> strong = Strong();
        std::vector<std::pair<int, Path>> victims;
        const int to = a.link_to;
        a.link_to = -1;
        SharedCascade(to, &victims, &strong);
        for (const auto& v : victims) objs_[static_cast<size_t>(v.first)].link_to = -1;
        KitFn kit = Kit(a.cls);
        void* ap = a.ptr;
        Kill(victims, -1, [=] { kit(gen::kLcUnlink | gen::kLcVariantX, ap, nullptr); },
             KitCall(a.cls, gen::kLcUnlink | gen::kLcVariantX, V(a), "nullptr") + ";", false);
        ApplyStrong(strong);
      }
    }
    for (size_t i = 0; i < holders_.size(); ++i) {
      while (holders_[i].alive) DestroyHolder(static_cast<int>(i), false);
    }
    for (Obj& o : objs_) {
      if (o.alive) HarnessError("object alive after cleanup: " + Describe(o));
      for (size_t k = 0; k < o.ovs.size(); ++k) {
        if (o.ovs[k].st != OvState::kClosed) TeardownAt(o, k);
      }
    }
  }

 public:
  // Called from the kit's callbacks.
  void OnBody(Frame& f, void* obj) { Body(f, obj); }
  void OnCtor(void* self) { CtorBody(self); }
  void OnHook(Hook& hk, void* instance) {
    Transcript* saved = tx_;
    tx_ = nullptr;  // the reproducer's hook only counts; its checks follow the death
    CheckHook(hk, instance);
    tx_ = saved;
  }
  void CheckHook(struct Hook& hk, void* instance) {
    Obj& o = objs_[static_cast<size_t>(hk.obj)];
    ++hk.calls;
    if (hk.calls > 1) Fail("destroy hook of overlay #" + std::to_string(hk.ov) + " on " + Describe(o) + " fired twice");
    if (!o.dying || hk.expect != 1) {
      Fail("destroy hook of overlay #" + std::to_string(hk.ov) + " on " + Describe(o) +
           " fired, but the object is not dying visibly (" + (o.dying ? "an invisible death" : "no death at all") + ")");
    }
    if (expect_.next >= expect_.order.size() || expect_.order[expect_.next] != std::make_pair(hk.obj, hk.ov)) {
      Fail("destroy hooks fired out of order: overlay #" + std::to_string(hk.ov) + " on " + Describe(o) +
           " fired when another was due (stacked hooks fire top down)");
    }
    ++expect_.next;
    if (instance != o.ptr) Fail("destroy hook got instance " + Hex(instance) + ", the object is " + Describe(o));
    // The object is intact: identity, dispatch with this overlay (and those below) in
    // effect, and its extra slots.
    for (const IdentityCheck& id : o.t->identity) {
      if (id.s != o.cls) continue;
      const std::string got = id.type_fn(Up(o, id.s));
      if (got != TypeName(o)) Fail("inside the destroy hook typeid of " + Describe(o) + " is '" + got + "'");
    }
    const Ov& ov = o.ovs[hk.ov];
    for (const CallCheck& c : o.t->calls) {
      std::optional<Replaced> rep = ReplacementFor(o, c.expected, hk.ov + 1);
      if (rep && rep->r < 0) continue;  // a throwing replacement must not throw out of a destructor
      CheckCall(o, c, hk.ov + 1, "inside its destroy hook");
    }
    for (size_t i = 0; i < ov.extra; ++i) {
      void** cell = b_.ExtraSlot(ov.handle, o.ptr, i);
      if (cell == nullptr || *cell != ov.cookies[i]) {
        Fail("inside the destroy hook extra slot " + std::to_string(i) + " of " + Describe(o) + " holds " +
             Hex(cell ? *cell : nullptr) + ", expected " + Hex(ov.cookies[i]));
      }
    }
    // The binding's release of the handle where it learns of the death (CONTRACT P14/P15):
    // the first reports kObjectDestroyed, the second kAlreadyTornDown.
    if (hk.release) {
      const int first = b_.Teardown(ov.handle);
      const int again = b_.Teardown(ov.handle);
      ++stats_.released_in_hook;
      if (first != static_cast<int>(TeardownResult::kObjectDestroyed) ||
          again != static_cast<int>(TeardownResult::kAlreadyTornDown)) {
        Fail("inside its destroy hook, releasing the handle of overlay #" + std::to_string(hk.ov) + " on " +
             Describe(o) + " returned " + TeardownResultName(static_cast<TeardownResult>(first)) + ", then " +
             TeardownResultName(static_cast<TeardownResult>(again)) +
             "; expected kObjectDestroyed, then kAlreadyTornDown (CONTRACT P14, P15)");
      }
    }
    // R15: a callback installing on its own dying object is refused (no input bytes used).
    backend::OverlaySpec again;
    again.instance = o.ptr;
    again.class_name = ch_.ns + "::" + gen::ClassName(ov.reflected);
    const backend::InstallOutcome out = b_.Install(again);
    if (out.code != static_cast<int>(Status::kObjectDying)) {
      Fail("inside its destroy hook, installing another overlay on the dying " + Describe(o) + " returned code " +
           std::to_string(out.code) + (out.ok() ? " (installed)" : " (" + out.message + ")") +
           ", expected kObjectDying (CONTRACT R15)");
    }
  }

  backend::Backend& b_;
  const CompiledHierarchy& ch_;
  const gen::Hierarchy& h_;
  gen::ByteSource& src_;
  LifecycleStats& stats_;
  Transcript* tx_;
  size_t live_base_ = 0;
  std::vector<int> classes_;      // kit classes
  std::vector<int> overlayable_;  // of those, the ones without virtual bases or a second vptr
  std::deque<Obj> objs_;
  std::deque<Holder> holders_;
  std::vector<Frame*> frames_;
  Expectation expect_;
  int pending_ctor_ = -1;
  std::pair<void*, size_t> placement_storage_{nullptr, 0};
  bool ctor_tx_open_ = false;
  bool body_closed_ = false;
  static constexpr size_t kMaxLogLines = 400;
  std::vector<LogEv> log_;
  std::vector<KitFn> kit_fns_;  // by class: the kit entry points, resolved once per input
  bool options_verbose_ = false;
};

void HookThunk(void* instance, void* user_data) {
  auto* hk = static_cast<Hook*>(user_data);
  hk->sc->OnHook(*hk, instance);
}

void LcBody(void* ctx, void* obj) {
  if (ctx == nullptr) {
    if (g_ctor_scenario == nullptr) HarnessError("constructor callback without a scenario");
    g_ctor_scenario->OnCtor(obj);
    return;
  }
  auto* f = static_cast<Frame*>(ctx);
  f->sc->OnBody(*f, obj);
}

// CONTRACT P9: an exception escaping on_destroy terminates the process with a message. It
// cannot be checked in this process, so once per process a child (fork) deletes a hooked
// object whose callback throws; the child must not survive the delete, and its stderr must
// carry the library's message. Consumes no input bytes. Returns nullopt when the hierarchy
// has no class to probe with, else "" or what went wrong.
void ThrowingHook(void*, void*) { throw int(gen::kLcThrowValue); }
constexpr int kTerminated = 86;  // the probe child's exit status from std::terminate

std::optional<std::string> ProbeThrowingCallback(backend::Backend& b, const CompiledHierarchy& ch) {
  int cls = -1;
  for (int c : gen::KitClasses(ch.model)) {
    const ClassTables& t = Tables(ch, c);
    // (not final: `delete` of a final class's exact type is devirtualized, an unseen death)
    const gen::ClassModel& cm = ch.model.classes[c];
    if (cm.virtual_dtor && !cm.is_final && !t.has_virtual_bases && !t.has_multiple_vptrs) cls = c;
  }
  if (cls < 0) return std::nullopt;  // nothing to probe with here; the next input's hierarchy may have
  auto kit = reinterpret_cast<KitFn>(ch.Stub(gen::LcEntryName(ch.ns, cls)));
  int fds[2];
  if (::pipe(fds) != 0) HarnessError("pipe() failed");
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) HarnessError("fork() failed");
  if (pid == 0) {
    ::dup2(fds[1], 2);
    ::close(fds[0]);
    // Terminate quietly: an abort would run the sanitizer's and libFuzzer's death callbacks
    // in this copy of the fuzzer (a report and a crash-* file for a correct library).
    std::set_terminate([] { ::_exit(kTerminated); });
    void* obj = kit(gen::kLcNew, nullptr, nullptr);
    backend::OverlaySpec spec;
    spec.instance = obj;
    spec.class_name = ch.ns + "::" + gen::ClassName(cls);
    spec.on_destroy = &ThrowingHook;
    if (!b.Install(spec).ok()) ::_exit(3);
    try {
      kit(gen::kLcDeleteExact, obj, nullptr);
    } catch (...) {
      ::_exit(4);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  const bool exited = WIFEXITED(status);
  if (exited && WEXITSTATUS(status) == 3) return std::nullopt;  // refused: not installable here
  if (exited && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 4)) {
    return std::string("deleting a ") + gen::ClassName(cls) + " whose on_destroy callback throws " +
           (WEXITSTATUS(status) == 0 ? "returned normally" : "propagated the exception") +
           ": the process must terminate (CONTRACT P9). Child's stderr: " + out.substr(0, 400);
  }
  if (!exited || WEXITSTATUS(status) != kTerminated) {
    return "when an on_destroy callback threw, the process died other than by std::terminate (status " +
           std::to_string(status) + "; CONTRACT P9); child's stderr: " + out.substr(0, 400);
  }
  if (out.find("must not throw") == std::string::npos) {
    return "the process terminated when an on_destroy callback threw, but without the library's message "
           "(CONTRACT P9); child's stderr: " + out.substr(0, 400);
  }
  return "";
}

}  // namespace

LifecycleRunner::LifecycleRunner(backend::Backend& backend, HierarchyCache& cache, const Options& options)
    : backend_(backend), cache_(cache), options_(options) {}
LifecycleRunner::~LifecycleRunner() = default;

void LifecycleRunner::Run(const uint8_t* data, size_t size, Transcript* transcript) {
  ++stats_.inputs;
  uint32_t raw = 0;
  if (size >= 1) raw |= data[0];
  if (size >= 2) raw |= static_cast<uint32_t>(data[1]) << 8;
  const int want = options_.lifecycle_hierarchy_bits;
  const int bits = want < 0 ? 0 : want > 16 ? 16 : want;
  const CompiledHierarchy& ch = cache_.Get(raw & ((1u << bits) - 1));
  if (transcript != nullptr) SetReproducerHierarchy(ch);
  const size_t skip = size < 2 ? size : 2;
  gen::ByteSource ops(data + skip, size - skip);
  if (!probed_ && transcript == nullptr) {
    const std::optional<std::string> p9 = ProbeThrowingCallback(backend_, ch);
    if (p9 && !p9->empty()) Fail("hierarchy " + ch.ns + ": " + *p9);
    probed_ = p9.has_value();
  }
  Scenario(backend_, ch, ops, stats_, transcript, options_.verbose > 0).Run();
}

}  // namespace vto::harness

extern "C" void vto_lc_body(void* ctx, void* obj) { vto::harness::LcBody(ctx, obj); }
