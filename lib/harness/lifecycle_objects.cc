// lifecycle_objects.cc — fuzz_lifecycle's objects (lifecycle_model.h): created through the
// lifecycle kit in every kind of storage (new, scope, temporary, make_shared, shared_ptr,
// unique_ptr, optional, vector, placement new, new[]), with constructors that run scenario
// code or throw, and shared_ptr links between them.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>

#include "gen/conventions.h"
#include "gen/lifecycle_kit.h"
#include "gen/stub_names.h"
#include "harness/failure.h"
#include "harness/lifecycle_model.h"
#include "harness/storage_ledger.h"

namespace vto::harness::lifecycle {

// The scenario whose constructor callback runs now (the kit calls vto_lc_body with a null
// context from inside a constructor): lifecycle_scenario.cc.
extern thread_local LifecycleScenario* g_ctor_scenario;

KitFn LifecycleScenario::Kit(int cls) {
  if (kit_fns_.empty()) kit_fns_.resize(h_.classes.size(), nullptr);
  KitFn& fn = kit_fns_[static_cast<size_t>(cls)];
  if (fn == nullptr) fn = reinterpret_cast<KitFn>(ch_.Stub(gen::LcEntryName(ch_.ns, cls)));
  return fn;
}

StaticFn LifecycleScenario::KitStatic(int s) const { return reinterpret_cast<StaticFn>(ch_.Stub(gen::LcStaticName(ch_.ns, s))); }

int LifecycleScenario::OpCode(const Obj& o, int op) const { return op | (o.x ? gen::kLcVariantX : 0) | (o.x ? o.mode : 0); }

// The transcript's spelling of a kit call (empty without a transcript: nothing reads it).
std::string LifecycleScenario::KitCall(int cls, int op, const std::string& a, const std::string& b) const {
  if (tx_ == nullptr) return {};
  return gen::LcEntryName(ch_.ns, cls) + "(" + std::to_string(op) + ", " + a + ", " + b + ")";
}

Obj& LifecycleScenario::NewObj(int cls, bool x, int mode, Store store, int holder) {
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
void LifecycleScenario::Born(Obj& o, void* ptr) {
  o.ptr = ptr;
  o.alive = true;
  // Every polymorphic subobject's vptr, repeated bases included (an LcX object's virtual
  // bases sit elsewhere: walked).
  o.t->CaptureVptrs(ptr, o.x, &o.vptrs);
  if (o.x) {
    // A new lifetime at this address: what class functions did to earlier objects here
    // (freed storage the allocator handed out again) is not this object's.
    ForgetStorage(ptr);
    if (tx_ != nullptr) T("vto_repro::ForgetFrees(" + V(o) + ");");
  }
  if (tx_ != nullptr) {
    for (VptrWord& w : o.vptrs.words()) {
      w.tx = tx_->NewWord();
      T(VptrWords::CapturedCxx(w) + " = " + VptrWords::NowCxx(V(o), w) + ";");
    }
  }
  Log(Ev::kBorn, o.id);
}

// LcX objects are more derived than their tables' class: their virtual bases sit
// elsewhere, so the tables' per-class offset cache must not serve them.
void* LifecycleScenario::PointerOf(const Obj& o, const gen::SubobjectPath& p) const {
  return o.x ? o.t->WalkPath(o.ptr, p) : o.t->PointerOf(o.ptr, p);
}

std::vector<int> LifecycleScenario::Alive() const {
  std::vector<int> v;
  v.reserve(objs_.size());
  for (const Obj& o : objs_) {
    if (o.alive && !o.dying) v.push_back(o.id);
  }
  return v;
}

// -- create --
void LifecycleScenario::Create(int depth) {
  if (objs_.size() >= LifecyclePolicy::kMaxObjects) return;
  // Mostly classes the backend can overlay (refusals are fuzz_dispatch's subject).
  const int cls = !overlayable_.empty() && src_.Chance(0.8) ? Pick(overlayable_) : Pick(classes_);
  const gen::ClassModel& cm = h_.classes[cls];
  const bool can_x = gen::HasLcX(h_, cls);
  const bool x = can_x && src_.Chance(0.4);
  // Storage kinds, weighted toward the ones with several ways to die: the first ten always,
  // scopes and temporaries below the depth limit, unique_ptr where it may delete.
  static constexpr Store kAlways[] = {Store::kNew,        Store::kNew,       Store::kNew,      Store::kMakeShared,
                                      Store::kMakeShared, Store::kSharedNew, Store::kOptional, Store::kVector,
                                      Store::kPlacement,  Store::kArray};
  static constexpr Store kScoped[] = {Store::kScope, Store::kScope, Store::kTemporary};
  static constexpr Store kDeletable[] = {Store::kUnique, Store::kUnique};
  Store stores[std::size(kAlways) + std::size(kScoped) + std::size(kDeletable)];
  size_t n = 0;
  for (Store s : kAlways) stores[n++] = s;
  if (depth < LifecyclePolicy::kMaxDepth) {
    for (Store s : kScoped) stores[n++] = s;
  }
  if (cm.virtual_dtor || gen::IsEffectivelyFinal(h_, cls)) {
    for (Store s : kDeletable) stores[n++] = s;
  }
  const Store store = stores[src_.Below(static_cast<uint32_t>(n))];
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

int LifecycleScenario::NewHolder(Store store, int cls, bool x) {
  holders_.emplace_back();
  Holder& hd = holders_.back();
  hd.store = store;
  hd.cls = cls;
  hd.x = x;
  if (tx_ != nullptr) hd.tx = tx_->NewVar();
  return static_cast<int>(holders_.size()) - 1;
}

// The constructor callback: the object exists (all bases constructed, the LcX body runs).
void LifecycleScenario::CtorBody(void* self) {
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
template <typename Make>
bool LifecycleScenario::Construct(Obj& o, const Make& make, const std::string& tx_make) {
  const bool ctor_body = (o.mode & gen::kLcModeCtorBody) != 0;
  if (ctor_body && tx_ != nullptr) {
    tx_->Open("constructor body of object #" + std::to_string(o.id), tx_make + ";");
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
    oracle_->Verify(Expectation::Holds(), Value::Bool(threw), [&] {
      return Spelling{"the constructor of " + Describe(o) + " was to throw, but returned", "", {}, {}};
    });
    o.alive = false;
    ++stats_.invisible_deaths;
    PostDeath(o, nullptr);
    return false;
  }
  oracle_->Verify(Expectation::Holds(), Value::Bool(!threw), [&] {
    return Spelling{"constructor of " + Describe(o) + " threw unexpectedly", "", {}, {}};
  });
  return true;
}

void LifecycleScenario::CreateSingle(int cls, bool x, int mode, Store store) {
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
    // Aligned for the class (an alignas may make it 32 or 64); sizeof is a multiple of it.
    const size_t align = reinterpret_cast<size_t>(kit(OpCode(o, gen::kLcAlign), nullptr, nullptr));
    storage = std::aligned_alloc(align, hd.elem_size);
    if (storage == nullptr) HarnessError("CreateSingle: aligned_alloc failed");
    std::memset(storage, 0, hd.elem_size);
    hd.h = storage;
    if (tx_ != nullptr) {
      T(HV(hd) + " = std::aligned_alloc(" + std::to_string(align) + ", " + std::to_string(hd.elem_size) + ");");
      T("std::memset(" + HV(hd) + ", 0, " + std::to_string(hd.elem_size) + ");");
    }
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
  oracle_->Verify(Expectation::Equal(Value::Pointer(ptr)), Value::Pointer(o.ptr), [&] {
    return Spelling{"the constructor callback's `this` of " + Describe(o) + " is where the object is", "", {}, {}};
  });
  if (store == Store::kMakeShared || store == Store::kSharedNew) o.strong = 1;
}

void LifecycleScenario::CreateVector(int cls, bool x, int mode) {
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
void LifecycleScenario::Push(int hi, int mode) {
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
  KillByKit(victims, hd.cls, gen::kLcVectorPush | xop,
            {h, HV(hd)}, {nullptr, "nullptr"}, false);
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

void LifecycleScenario::VectorPush() {
  std::vector<int> vs;
  for (size_t i = 0; i < holders_.size(); ++i) {
    if (holders_[i].alive && holders_[i].store == Store::kVector && holders_[i].objs.size() < 6) {
      vs.push_back(static_cast<int>(i));
    }
  }
  if (vs.empty() || objs_.size() >= LifecyclePolicy::kMaxObjects) return;
  const int hi = Pick(vs);
  Log(Ev::kVectorPush);
  Push(hi, 0);
}

void LifecycleScenario::CreateArray(int cls, bool x) {
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

void LifecycleScenario::CreateScoped(int cls, bool x, int mode, Store store, int depth) {
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
  if (tx_ != nullptr) f.tx_call = call + ";";
  if (ctor_body && tx_ != nullptr) {
    tx_->Open("constructor body of object #" + std::to_string(id), f.tx_call);
    if (tx_ != nullptr) T(V(o) + " = obj;");
    ctor_tx_open_ = true;
  }
  frames_.push_back(&f);
  pending_ctor_ = id;
  g_ctor_scenario = this;
  if (tx_ != nullptr && !ctor_body) {
    tx_->Open(std::string(kStoreNames[static_cast<int>(store)]) + " body of object #" + std::to_string(id), f.tx_call);
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
  if (threw && !f.catch_here) {
    // The exception leaves this scope too. The program caught it above (to check that it
    // came), so it throws again, as the harness does; at the top level the harness's loop
    // catches it and nothing in the program runs in between.
    if (!frames_.empty()) T("throw int(" + std::to_string(gen::kLcThrowValue) + ");  // and it leaves the enclosing scope");
    throw int(gen::kLcThrowValue);
  }
  if (threw) ++stats_.throws_caught;
}

// Inside the kit: the scope's / temporary's object exists.
void LifecycleScenario::Body(Frame& f, void* obj) {
  Obj& o = objs_[static_cast<size_t>(f.obj)];
  if (ctor_tx_open_) {  // the constructor body ended; now the scope body
    tx_->Close();
    ctor_tx_open_ = false;
    tx_->Open(std::string(kStoreNames[static_cast<int>(o.store)]) + " body of object #" + std::to_string(o.id), f.tx_call);
    if (tx_ != nullptr) T(V(o) + " = obj;");
  }
  g_ctor_scenario = nullptr;
  pending_ctor_ = -1;
  if (!o.alive) Born(o, obj);
  oracle_->Verify(Expectation::Equal(Value::Pointer(o.ptr)), Value::Pointer(obj), [&] {
    return Spelling{"the scope body's object of " + Describe(o) + " is the one its constructor callback saw", "", {}, {}};
  });
  for (int i = 0; i < f.body_ops && !src_.exhausted(); ++i) Step(f.depth);
  // End of scope: an invisible death.
  PreDeath(objs_[static_cast<size_t>(f.obj)], false);
  if (tx_ != nullptr) {
    tx_->Close();
    body_closed_ = true;
  }
}

// -- shared copies and links --
void LifecycleScenario::ShareOrLink() {
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
    const Obj& unlinked = objs_[static_cast<size_t>(aid)];
    KillByKit(victims, unlinked.cls, gen::kLcUnlink | xop, {ap, V(unlinked)}, {nullptr, "nullptr"}, false);
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

}  // namespace vto::harness::lifecycle
