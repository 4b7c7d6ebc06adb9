// lifecycle_deaths.cc — fuzz_lifecycle's deaths (lifecycle_model.h): every way an object
// dies, which deaths the library can see (contract_rules.h), the binding's duty before an
// unseen death (tear down) and after it (Abandon, touching nothing), and the hook oracles
// around each death.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "gen/conventions.h"
#include "gen/lifecycle_kit.h"
#include "gen/stub_names.h"
#include "harness/failure.h"
#include "harness/lifecycle_model.h"
#include "harness/promises.h"

namespace vto::harness::lifecycle {

DeathRoute RouteOf(Path path) {
  switch (path) {
    case Path::kDeleteVia: case Path::kExplicitDtorVia: return DeathRoute::kThroughStaticType;
    case Path::kDeleteExact: case Path::kGlobalDeleteExact: case Path::kSharedRelease: case Path::kUniqueReset:
    case Path::kVectorElement:
      return DeathRoute::kThroughDynamicType;
    default: return DeathRoute::kNotThroughVtable;
  }
}

// Whether a death by `path` (through static type s where it applies) goes through the
// object's vtable — the contract's "visible destruction".
bool LifecycleScenario::Visible(const Obj& o, Path path, int s) const {
  const gen::ClassModel& cm = h_.classes[o.cls];
  DeathFacts d;
  d.route = RouteOf(path);
  d.static_type_final = d.route == DeathRoute::kThroughStaticType && gen::IsEffectivelyFinal(h_, s);
  d.dynamic_virtual_dtor = cm.virtual_dtor;
  d.dynamic_type_final = !o.x && gen::IsEffectivelyFinal(h_, o.cls);
  return DeathIsVisible(d);
}

// A death through the vtable that the backend does not promise to see: it goes through the
// complete-object destructor entry (p->~S(), a vector element, make_shared's control block,
// and ::delete, which calls it and then the global operator delete) and the backend hooks
// only the deleting destructor (no VTO_PROMISE_HOOKS_COMPLETE_DESTRUCTOR). Its hooks may fire
// or not, so the binding tears its overlays down first.
bool LifecycleScenario::HiddenByProfile(const Obj& o, Path path, int s) const {
  const bool in_place = path == Path::kExplicitDtorVia || path == Path::kVectorElement ||
                        path == Path::kGlobalDeleteExact ||
                        (path == Path::kSharedRelease && o.store == Store::kMakeShared);
  return in_place && AnyActive(o) && Visible(o, path, s) && !Promised(b_, VTO_PROMISE_HOOKS_COMPLETE_DESTRUCTOR);
}

// The hook of `ov` fired as the death by `path` predicts: the reproducer's line (recorded
// right after its act, before the harness runs it) or the harness's check after it.
void LifecycleScenario::HookFiredAsPredicted(const Obj& o, const Ov& ov, Path path, bool record) {
  const Expectation e = Expectation::Equal(Value::Int(ov.hook->expect));
  auto spell = [&] {
    return Spelling{"destroy hook of overlay #" + std::to_string(ov.hook->ov) + " (reflected as " +
                        gen::ClassName(ov.request.reflected) + ") on " + Describe(o) + " fired " +
                        std::to_string(ov.hook->expect) + " time(s) when it died by " +
                        kPathNames[static_cast<int>(path)] +
                        (ov.hook->expect ? " (a visible death with the overlay installed)" : " (an invisible death)"),
                    "K[" + std::to_string(ov.hook->tx) + "].calls", {}, {}};
  };
  if (record) {
    oracle_->Record(e, spell);
  } else {
    oracle_->Verify(e, Value::Int(ov.hook->calls), spell);
  }
}

// Before a death: the binding's duty (CONTRACT.md Q2/Q3). If nothing will see the death,
// a backend without Abandon needs every overlay torn down first; with Abandon the
// harness sometimes tears down first anyway. `must_tear_down`: a death the backend's
// profile does not promise to see (HiddenByProfile) is always preceded by teardowns.
void LifecycleScenario::PreDeath(Obj& o, bool seen, bool must_tear_down) {
  if (!o.alive || seen) return;
  if (!AnyActive(o)) return;
  if (!must_tear_down && b_.can_abandon() && !src_.Chance(0.3)) return;
  std::vector<size_t> order;
  for (size_t k = 0; k < o.ovs.size(); ++k) {
    if (o.ovs[k].st == HandleState::kActive) order.push_back(k);
  }
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[src_.Below(static_cast<uint32_t>(i))]);
  for (size_t k : order) TeardownAt(o, k);
}

// A predicted death is starting: hooks of o may fire now, top down.
void LifecycleScenario::BeginDeath(Obj& o, bool seen) {
  o.dying = true;
  if (!seen) return;
  for (size_t k = o.ovs.size(); k-- > 0;) {
    Ov& ov = o.ovs[k];
    if (ov.st != HandleState::kActive) continue;
    if (ov.hook) {
      ov.hook->expect = 1;
      expect_.order.push_back({o.id, k});
    }
  }
}

// After the death: state transitions, and the binding's duty for an unseen death.
void LifecycleScenario::EndDeath(Obj& o, Path path, int static_cls) {
  o.dying = false;
  o.alive = false;
  const bool seen = AnyHooked(o) && Visible(o, path, static_cls);
  if (seen) {
    ++stats_.visible_deaths;
    for (Ov& ov : o.ovs) {
      if (ov.st != HandleState::kActive) continue;
      if (ov.hook) ++stats_.hooks_fired;
      ov.st = HandleState::kDiedHooked;
      if (ov.hook && ov.hook->release && ov.hook->calls == 1) ov.st = HandleState::kClosed;  // released inside
    }
  } else {
    ++stats_.invisible_deaths;
  }
  for (const Ov& ov : o.ovs) {
    if (ov.hook) HookFiredAsPredicted(o, ov, path, /*record=*/false);
  }
  Log(Ev::kDied, o.id, static_cast<int>(path));
  CheckStorage(o, path);
  if (!seen) PostDeath(o, o.store == Store::kPlacement ? &placement_storage_ : nullptr);
}

// After an unseen death: Abandon (the contract's way), touching nothing of the object.
// `storage`/`size`: host-owned bytes that must not change.
void LifecycleScenario::PostDeath(Obj& o, const std::pair<void*, size_t>* storage) {
  std::vector<size_t> active;
  for (size_t k = 0; k < o.ovs.size(); ++k) {
    if (o.ovs[k].st == HandleState::kActive) active.push_back(k);
  }
  if (active.empty()) return;
  // The harness tears overlays down before every unseen death on such a backend (PreDeath).
  if (!b_.can_abandon()) HarnessError(Describe(o) + " died unseen with overlays installed on a backend without Abandon");
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
  const bool teardown = foreign && src_.Chance(0.5) && Promised(b_, VTO_PROMISE_DETACHES_FOREIGN_VPTR);
  const Expectation e = Expectation::Equal(Value::Result(ExpectedAfterUnseenDeath(teardown)));
  const std::optional<int> r = ReleaseHandle(o, first, /*abandon=*/!teardown, e, [&](const std::string& subject) {
    return Spelling{std::string(teardown ? "teardown" : "Abandon") + " after the unseen death of " + Describe(o),
                    subject, {}, {}};
  });
  ++stats_.abandons;
  Log(Ev::kAbandon, o.id, r.value_or(-1), teardown);
  // The object's other handles answer kDetached; where that is not promised (it is a
  // teardown of an overlay Abandon freed) they are not released again.
  const bool detached = active.size() == 1 || (Promised(b_, VTO_PROMISE_IDEMPOTENT_TEARDOWN) &&
                                               Promised(b_, VTO_PROMISE_DETACHES_FOREIGN_VPTR));
  for (size_t k : active) {
    o.ovs[k].st = detached ? HandleState::kDetachedAfterAbandon : HandleState::kClosed;
    o.ovs[k].forgotten = !detached;
  }
  first.st = HandleState::kClosed;
  if (storage != nullptr) {
    const bool untouched = std::memcmp(before.data(), storage->first, storage->second) == 0;
    oracle_->Verify(Expectation::Holds(), Value::Bool(untouched), [&] {
      return Spelling{std::string(teardown ? "teardown" : "Abandon") + " after the death of " + Describe(o) +
                          " left the dead object's storage as it was",
                      "", {}, {}};
    });
  }
}

// One death (or a cascade of them) caused by `act`: `victims` are predicted with paths.
void LifecycleScenario::Kill(const Victims& victims, int static_cls, const std::function<void()>& act,
                             const std::string& act_tx, bool on_thread) {
  for (const auto& [id, path] : victims) {
    Obj& o = objs_[static_cast<size_t>(id)];
    const bool hidden = HiddenByProfile(o, path, static_cls);
    const bool seen = !hidden && Visible(o, path, static_cls) && AnyHooked(o);
    PreDeath(o, seen, hidden);
    BeginDeath(o, seen);
  }
  T(act_tx);
  // The reproducer checks the hooks right after the act; the harness checks them inside
  // it (a hook firing twice fails there) and after it, so these lines come first.
  if (tx_ != nullptr) {
    for (const auto& [id, path] : victims) {
      const Obj& o = objs_[static_cast<size_t>(id)];
      for (const Ov& ov : o.ovs) {
        if (!ov.hook) continue;
        HookFiredAsPredicted(o, ov, path, /*record=*/true);
        if (ov.hook->release && ov.hook->expect == 1 && Promised(b_, VTO_PROMISE_TEARDOWN_RESULTS)) {
          const std::string k = "K[" + std::to_string(ov.hook->tx) + "]";
          oracle_->Record(Expectation::Holds(), [&] {
            return Spelling{"the destroy hook of object #" + std::to_string(o.id) + " released its own handle (once)",
                            k + ".released == " + ResultCxx(kInHookFirstRelease) + " && " + k +
                                ".released_again == " + ResultCxx(kInHookSecondRelease),
                            {}, {}};
          });
        }
      }
    }
  }
  if (on_thread) {
    ++stats_.thread_deaths;
    RunOnWorker(act);
  } else {
    act();
  }
  oracle_->Verify(Expectation::Holds(), Value::Bool(expect_.next == expect_.order.size()), [&] {
    const auto [id, k] = expect_.next < expect_.order.size() ? expect_.order[expect_.next] : std::make_pair(0, size_t{0});
    return Spelling{"destroy hook of overlay #" + std::to_string(k) + " on " + Describe(objs_[static_cast<size_t>(id)]) +
                        " did not fire when it died by " + kPathNames[static_cast<int>(victims.front().second)] +
                        " (a visible death with a hooked overlay installed)",
                    "", {}, {}};
  });
  expect_ = HookOrder{};
  for (const auto& [id, path] : victims) EndDeath(objs_[static_cast<size_t>(id)], path, static_cls);
}

void LifecycleScenario::KillByKit(const Victims& victims, int cls, int op, const KitArg& a, const KitArg& b,
                                  bool on_thread) {
  // The act captures one reference, so std::function keeps it without an allocation.
  const struct {
    KitFn kit;
    int op;
    void* a;
    void* b;
  } call{Kit(cls), op, a.value, b.value};
  Kill(victims, -1, [&call] { call.kit(call.op, call.a, call.b); }, KitCall(cls, op, a.cxx, b.cxx) + ";", on_thread);
}

// Shared objects that die when object `id` loses one strong reference, in destruction
// order (the object, then what its link kept alive).
void LifecycleScenario::SharedCascade(int id, Victims* out, std::vector<int>* strong) {
  int& s = (*strong)[static_cast<size_t>(id)];
  if (s <= 0) return;
  if (--s > 0) return;
  out->push_back({id, Path::kSharedRelease});
  const Obj& o = objs_[static_cast<size_t>(id)];
  if (o.link_to >= 0) SharedCascade(o.link_to, out, strong);
}

std::vector<int> LifecycleScenario::Strong() const {
  std::vector<int> v;
  for (const Obj& o : objs_) v.push_back(o.strong);
  return v;
}

void LifecycleScenario::Destroy(bool on_thread) {
  std::vector<int> hs;
  for (size_t i = 0; i < holders_.size(); ++i) {
    if (holders_[i].alive) hs.push_back(static_cast<int>(i));
  }
  if (hs.empty()) return;
  DestroyHolder(Pick(hs), on_thread);
}

void LifecycleScenario::DestroyHolder(int hi, bool on_thread) {
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
        KillByKit({{o.id, Path::kQualified}}, o.cls, code | gen::kLcQualifiedDtor,
            {p, px}, {placement ? nullptr : p, placement ? "nullptr" : px}, on_thread);
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
        KillByKit({{o.id, Path::kGlobalDeleteExact}}, o.cls, code | gen::kLcGlobalDeleteExact,
            {p, px}, {nullptr, "nullptr"}, on_thread);
      } else {  // delete through the dynamic type's pointer
        KillByKit({{o.id, Path::kDeleteExact}}, o.cls, code | gen::kLcDeleteExact,
            {p, px}, {nullptr, "nullptr"}, on_thread);
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
      KillByKit(victims, hd.cls, gen::kLcSharedRelease,
            {h, hv}, {nullptr, "nullptr"}, on_thread);
      ApplyStrong(strong);
      hd.alive = false;
      if (victims.size() > 1) ++stats_.cycles_broken;
      return;
    }
    case Store::kUnique: {
      Obj& o = objs_[static_cast<size_t>(hd.objs[0])];
      KillByKit({{o.id, Path::kUniqueReset}}, hd.cls, gen::kLcUniqueReset | xop,
            {h, hv}, {nullptr, "nullptr"}, on_thread);
      hd.alive = false;
      return;
    }
    case Store::kOptional: {
      Obj& o = objs_[static_cast<size_t>(hd.objs[0])];
      KillByKit({{o.id, Path::kOptionalReset}}, hd.cls, gen::kLcOptionalReset | xop,
            {h, hv}, {nullptr, "nullptr"}, on_thread);
      hd.alive = false;
      return;
    }
    case Store::kArray: {
      std::vector<std::pair<int, Path>> victims;
      for (size_t i = hd.objs.size(); i-- > 0;) victims.push_back({hd.objs[i], Path::kArrayDelete});
      KillByKit(victims, hd.cls, gen::kLcArrayDelete | xop,
            {h, hv}, {nullptr, "nullptr"}, on_thread);
      hd.alive = false;
      return;
    }
    case Store::kVector: {
      const uint32_t what = hd.objs.empty() ? 2 : src_.Below(3);
      if (what == 0) {  // erase(i): the last element dies, the others keep their storage
        const size_t i = src_.Below(static_cast<uint32_t>(hd.objs.size()));
        const int last = hd.objs.back();
        KillByKit({{last, Path::kVectorElement}}, hd.cls, gen::kLcVectorErase | xop,
            {h, hv}, {reinterpret_cast<void*>(i), "(void*)" + std::to_string(i)}, on_thread);
        hd.objs.pop_back();
        return;
      }
      std::vector<std::pair<int, Path>> victims;
      for (int id : hd.objs) victims.push_back({id, Path::kVectorElement});
      const int op = what == 1 ? gen::kLcVectorClear : gen::kLcVectorDelete;
      KillByKit(victims, hd.cls, op | xop,
            {h, hv}, {nullptr, "nullptr"}, on_thread);
      hd.objs.clear();
      if (what == 2) hd.alive = false;
      return;
    }
    default: return;
  }
}

void LifecycleScenario::Cleanup() {
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
      void* ap = a.ptr;
      KillByKit(victims, a.cls, gen::kLcUnlink | gen::kLcVariantX,
            {ap, V(a)}, {nullptr, "nullptr"}, false);
      ApplyStrong(strong);
    }
  }
  for (size_t i = 0; i < holders_.size(); ++i) {
    while (holders_[i].alive) DestroyHolder(static_cast<int>(i), false);
  }
  for (Obj& o : objs_) {
    if (o.alive) HarnessError("object alive after cleanup: " + Describe(o));
    for (size_t k = 0; k < o.ovs.size(); ++k) {
      if (o.ovs[k].st != HandleState::kClosed) TeardownAt(o, k);
    }
  }
}

}  // namespace vto::harness::lifecycle
