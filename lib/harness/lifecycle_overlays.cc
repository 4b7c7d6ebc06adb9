// lifecycle_overlays.cc — fuzz_lifecycle's installs and teardowns, and the oracles that
// follow every operation: the live-overlay count and the restored vptrs (lifecycle_model.h).
#include <string>
#include <vector>

#include "gen/conventions.h"
#include "harness/failure.h"
#include "harness/in_hook_release.h"
#include "harness/lifecycle_model.h"
#include "harness/promises.h"
#include "overlay/overlay_c.h"

namespace vto::harness::lifecycle {

// -- install --
void LifecycleScenario::Install() {
  std::vector<int> alive = Alive();
  if (alive.empty()) return;
  InstallSome(objs_[static_cast<size_t>(Pick(alive))], false);
}

bool LifecycleScenario::AnyHooked(const Obj& o) const {
  for (const Ov& ov : o.ovs) {
    if (ov.st == HandleState::kActive && ov.hook) return true;
  }
  return false;
}

bool LifecycleScenario::AnyActive(const Obj& o) const {
  for (const Ov& ov : o.ovs) {
    if (ov.st == HandleState::kActive) return true;
  }
  return false;
}

void LifecycleScenario::InstallSome(Obj& o, bool in_ctor) {
  if (!Reflectable(ch_, *o.t)) return;
  const int count = in_ctor ? src_.InRange(0, 1) : 1;
  for (int k = 0; k < count; ++k) InstallOne(o, DrawInstallTarget(src_, ch_, *o.t, o.ptr, o.x, LifecyclePolicy::Target(b_.capabilities())));
}

std::string LifecycleScenario::IX(const Obj& o, const InstallTarget& at) const {
  return PointerCxx(V(o), at.instance_off);
}

void LifecycleScenario::InstallOne(Obj& o, const InstallTarget& at) {
  const int reflected = at.reflected;
  Ov ov;
  ov.at = at;
  ov.request = DrawOverlayRequest(src_, ch_, *o.t, at, LifecyclePolicy::Request(b_.capabilities()));
  ov.reflected_sub = at.reflected_node >= 0 ? static_cast<char*>(o.ptr) + at.reflected_off : nullptr;
  backend::OverlaySpec spec = MakeOverlaySpec(ch_, ov.request, at.instance);
  const size_t index = o.ovs.size();
  if (ov.request.hook) {
    ov.hook = std::make_unique<Hook>();
    ov.hook->sc = this;
    ov.hook->obj = o.id;
    ov.hook->ov = index;
    ov.hook->release = ReleasesInHook(static_cast<uint32_t>(o.id), static_cast<uint32_t>(index)) &&
                       Promised(b_, VTO_PROMISE_RELEASE_IN_CALLBACK);
    spec.on_destroy = &HookThunk;
    spec.user_data = ov.hook.get();
    if (tx_ != nullptr) ov.hook->tx = tx_->NewHook();
  }
  const bool stacked = AnyActive(o);
  const InstallVerdict verdict = ExpectedInstall(
      MissingCapabilities(*o.t, b_.capabilities(), ov.request.hook, ov.request.extra != 0, stacked,
                          reflected != o.cls || o.x),
      ov.request.hook, h_.classes[reflected].virtual_dtor, at.reflected_node >= 0,
      /*dynamic_type_assumes_vptr_identity=*/!o.x && ch_.VptrIdentityAssumed(o.cls), AnyReturnAdjusted(ov.request));
  if (tx_ != nullptr) {
    ov.tx = tx_->NewHandle();
    T("H[" + std::to_string(ov.tx) + "] = vto_repro::Install(" + IX(o, at) + ", \"@SHAPE(" + spec.class_name + ")@\", {" +
      ReplacementsCxx(ch_, ov.request) + "}, " + std::to_string(ov.request.extra) + ", " +
      (ov.hook ? "&K[" + std::to_string(ov.hook->tx) + "]" : std::string("nullptr")) + ", " +
      InstallVerdictCxx(verdict) + ", " + std::to_string(reinterpret_cast<uintptr_t>(Cookie(static_cast<size_t>(o.id), index, 0))) + ");");
    if (ov.hook && ov.hook->release) T("K[" + std::to_string(ov.hook->tx) + "].release = &H[" + std::to_string(ov.tx) + "];");
  }
  const backend::InstallOutcome out = b_.Install(spec);
  Log(Ev::kInstall, o.id, reflected, ov.request.hook, static_cast<int>(out.code));
  if (!out.ok()) {
    ++stats_.refusals;
    oracle_->Verify(Expectation::Holds(), Value::Bool(verdict != InstallVerdict::kMustInstall), [&] {
      return Spelling{"unexpected refusal: overlay on " + Describe(o) + " reflected as " + gen::ClassName(reflected) +
                          " is within the backend's capabilities, but it refused with code " +
                          std::to_string(out.code) + ": " + out.message,
                      "", {}, {}};
    });
    return;
  }
  oracle_->Verify(Expectation::Holds(), Value::Bool(verdict != InstallVerdict::kMustRefuse), [&] {
    if (at.reflected_node < 0) {
      return Spelling{"installed an overlay on an ambiguous reflected subobject: reflected as " + gen::ClassName(reflected) + " on " + Describe(o) +
                          " through its subobject at offset " + std::to_string(at.instance_off) + ", which holds " +
                          gen::ClassName(reflected) + " more than once, none there (must be refused: CONTRACT R18)",
                      "", {}, {}};
    }
    if (AnyReturnAdjusted(ov.request)) {
      return Spelling{"installed an overlay replacing a return-adjusted overrider: reflected as " + gen::ClassName(reflected) + " on " + Describe(o) +
                          " that " + ReturnAdjustedWhy(ch_, ov.request),
                      "", {}, {}};
    }
    return Spelling{"installed a destroy hook on " + gen::ClassName(reflected) +
                        ", whose destructor is not virtual: the hook can never fire (must be refused)",
                    "", {}, {}};
  });
  ov.handle = out.handle;
  ov.vptr_installed = *static_cast<void**>(o.ptr);
  ++stats_.overlays;
  if (stacked) ++stats_.stacked;
  if (o.t->has_multiple_vptrs) ++stats_.on_multi_vptr;
  if (o.t->has_virtual_bases) ++stats_.on_virtual_bases;
  if (at.instance_off != 0) ++stats_.at_subobject;
  if (at.reflected_off != 0) ++stats_.reflected_off_primary;
  // Fresh slots start null; on a stack, only where the backend promises them apart.
  const bool fresh = ov.request.extra == 0 || !SharesExtraSlots(o, index) ||
                     Promised(b_, VTO_PROMISE_STACKED_EXTRA_SLOTS);
  for (size_t i = 0; i < ov.request.extra; ++i) {
    void** cell = b_.ExtraSlot(ov.handle, at.instance, i);
    oracle_->Verify(Expectation::Holds(), Value::Bool(cell != nullptr && (*cell == nullptr || !fresh)), [&] {
      return Spelling{"extra slot " + std::to_string(i) + " of a new overlay on " + Describe(o) +
                          (cell == nullptr ? " has no address" : " is not null after install"),
                      "", {}, {}};
    });
    *cell = Cookie(static_cast<size_t>(o.id), index, i);
  }
  if (o.ovs.empty()) o.ovs.reserve(4);  // stacks are common: one allocation for most objects
  o.ovs.push_back(std::move(ov));
  CheckCalls(o, "after an install");
}

// Whether o has an active overlay other than #k: on a stack, a backend that does not promise
// VTO_PROMISE_STACKED_EXTRA_SLOTS may keep one set of slots for the whole stack, or reach
// only the top overlay's through the object's vptr (CppInterOp), whether or not that one has any.
bool LifecycleScenario::SharesExtraSlots(const Obj& o, size_t k) const {
  for (size_t j = 0; j < o.ovs.size(); ++j) {
    if (j != k && o.ovs[j].st == HandleState::kActive) return true;
  }
  return false;
}

// -- teardown --
void LifecycleScenario::TeardownOne() {
  std::vector<std::pair<int, size_t>> open;
  for (const Obj& o : objs_) {
    if (o.dying) continue;
    for (size_t k = 0; k < o.ovs.size(); ++k) {
      // A closed handle again only where a second teardown is promised harmless.
      if (o.ovs[k].st != HandleState::kClosed ||
          (src_.Chance(0.05) && !o.ovs[k].forgotten && Promised(b_, VTO_PROMISE_IDEMPOTENT_TEARDOWN))) {
        open.push_back({o.id, k});
      }
    }
  }
  if (open.empty()) return;
  auto [id, k] = open[src_.Below(static_cast<uint32_t>(open.size()))];
  TeardownAt(objs_[static_cast<size_t>(id)], k);
}

void LifecycleScenario::TeardownAt(Obj& o, size_t k) {
  Ov& ov = o.ovs[k];
  if (ov.st == HandleState::kActive && !o.alive) HarnessError("teardown of an active overlay on a dead object");
  const Expectation e = Expectation::Equal(Value::Result(ExpectedTeardown(ov.st, o.alive)));
  const std::optional<int> r = ReleaseHandle(o, ov, /*abandon=*/false, e, [&](const std::string& subject) {
    return Spelling{"teardown of overlay #" + std::to_string(k) + " on " + Describe(o) + (o.alive ? "" : " (dead)"),
                    subject, {}, {}};
  });
  Log(Ev::kTeardown, o.id, static_cast<int>(k), r.value_or(-1));
  const bool was_active = ov.st == HandleState::kActive;
  ov.st = HandleState::kClosed;
  // Here, not inside ReleaseHandle: PostDeath releases while later victims of the same death
  // (whose callbacks may have released their handles) have not been marked yet.
  CheckLiveHandles("after a teardown");
  if (was_active && o.alive) {
    CheckCalls(o, "after a teardown");
    if (!AnyActive(o)) CheckVptrsRestored(o);
  }
}

void LifecycleScenario::CheckVptrsRestored(const Obj& o) {
  for (const VptrWord& w : o.vptrs.words()) {
    oracle_->Check(Expectation::Equal(Value::Pointer(w.word)), Value::Pointer(VptrWords::Now(o.ptr, w)), [&] {
      return Spelling{"after every overlay of " + Describe(o) + " was torn down, the vptr at offset " +
                          std::to_string(w.offset) + " is restored bit for bit",
                      VptrWords::NowCxx(V(o), w), {VptrWords::CapturedCxx(w)}, {}};
    });
  }
}

// The live-overlay count is the harness's count of active overlays, and no hook has fired
// other than where a death was predicted. A backend that does not promise to free an overlay
// at its object's hooked death (VTO_PROMISE_FREES_AT_DEATH) may still count the overlays of
// dead objects whose handles are not released yet: then anything from the active count to
// that much more is accepted, and the count is exact again once those handles are released.
void LifecycleScenario::CheckLive(const char* when) {
  size_t active = 0;  // installed and not yet removed
  size_t held = 0;    // of objects dead by a hooked destructor, handle not yet released
  for (const Obj& o : objs_) {
    for (const Ov& ov : o.ovs) {
      active += ov.st == HandleState::kActive;
      held += ov.st == HandleState::kDiedHooked;
    }
  }
  const size_t live = b_.LiveOverlays();
  if (held == 0 || Promised(b_, VTO_PROMISE_FREES_AT_DEATH)) {
    oracle_->Check(Expectation::Equal(Value::Int(static_cast<long long>(live_base_ + active))),
                   Value::Int(static_cast<long long>(live)), [&] {
                     return Spelling{std::string("live-overlay count ") + when + " (" + std::to_string(active) +
                                         " overlays installed and not yet removed; else an overlay block leaked or "
                                         "was freed twice)",
                                     "vto_repro::Live()", {"live_base + " + std::to_string(active)}, {}};
                   });
  } else {
    const bool within = live >= live_base_ + active && live <= live_base_ + active + held;
    oracle_->Check(Expectation::Holds(), Value::Bool(within), [&] {
      const std::string lo = "live_base + " + std::to_string(active);
      const std::string hi = "live_base + " + std::to_string(active + held);
      return Spelling{std::string("live-overlay count ") + when + " (" + std::to_string(active) +
                          " overlays installed and not yet removed, and up to " + std::to_string(held) +
                          " of dead objects not yet released, which the backend does not promise to free at the "
                          "death; else an overlay block leaked or was freed twice)",
                      "vto_repro::Live() >= " + lo + " && vto_repro::Live() <= " + hi, {},
                      "live count " + std::to_string(live) + ", live_base " + std::to_string(live_base_)};
    });
  }
  for (const Obj& o : objs_) {
    for (const Ov& ov : o.ovs) {
      if (ov.hook) CheckHookCount(o, ov, when);
    }
  }
}

// The handles the binding has not released (CONTRACT P21), through overlay_c.h: at the end of
// every input and after every release through a handle route (a mutex per check, so not after
// every operation). `released`: a handle just released whose state the caller updates next.
void LifecycleScenario::CheckLiveHandles(const char* when, const Ov* released) {
  if (b_.native_shapes() == nullptr) return;
  size_t open = 0;
  for (const Obj& o : objs_) {
    for (const Ov& ov : o.ovs) open += ov.st != HandleState::kClosed && &ov != released;
  }
  oracle_->Check(Expectation::Equal(Value::Int(static_cast<long long>(live_handles_base_ + open))),
                 Value::Int(static_cast<long long>(vto_live_handles())), [&] {
                   return Spelling{std::string("live-handle count ") + when + " (" + std::to_string(open) +
                                       " handles not yet released; else a handle leaked or was released twice)",
                                   "vto_repro::LiveHandles()", {"live_handles_base + " + std::to_string(open)}, {}};
                 });
}

// The hook of `ov` fired as often as the deaths so far predict (harness-side only: the
// reproducer checks its hook counts right after each death).
void LifecycleScenario::CheckHookCount(const Obj& o, const Ov& ov, const char* when) const {
  oracle_->Verify(Expectation::Equal(Value::Int(ov.hook->expect)), Value::Int(ov.hook->calls), [&] {
    return Spelling{"destroy hook of overlay #" + std::to_string(ov.hook->ov) + " (reflected as " +
                        gen::ClassName(ov.request.reflected) + ") on " + Describe(o) + " fired as often as predicted " +
                        when,
                    "", {}, {}};
  });
}

}  // namespace vto::harness::lifecycle
