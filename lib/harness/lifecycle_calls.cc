// lifecycle_calls.cc — fuzz_lifecycle's virtual calls (through every static type, with
// the replacement in effect or the final overrider; a throwing replacement's exception
// unwinding kit frames) and the oracle of a destroy callback (lifecycle_model.h).
#include <string>

#include "gen/conventions.h"
#include "gen/lifecycle_kit.h"
#include "gen/stub_names.h"
#include "gen/trace.h"
#include "harness/failure.h"
#include "harness/lifecycle_model.h"
#include "harness/promises.h"
#include "overlay/status.h"

namespace vto::harness::lifecycle {

// The replacement in effect for a call whose final overrider is `e`, among overlays
// [0, upto) of o that are still installed.
std::optional<Winner> LifecycleScenario::WinnerFor(const Obj& o, const gen::Expected& e, size_t upto) const {
  return WinningReplacement(
      e, o.ovs, upto, [](const Ov& ov) -> const OverlayRequest& { return ov.request; },
      [](const Ov& ov) { return ov.st == HandleState::kActive; });
}

// Calls c on o with overlays [0, upto) in effect; returns true if it threw (as expected).
bool LifecycleScenario::CheckCall(const Obj& o, const CallCheck& c, size_t upto, const char* when) {
  const gen::Expected& e = c.expected;
  const std::optional<Winner> w = WinnerFor(o, e, upto);
  const void* winner_self = w ? o.ovs[w->overlay].reflected_sub : nullptr;
  const CallExpectation want = ExpectedAnswer(e, PointerOf(o, e.this_path), w ? w->method : nullptr, winner_self);
  auto spell = [&] {
    const std::string stub = gen::CallStubName(ch_.ns, c.s, c.call.name, c.call.sig);
    const std::string arg = V(o) + " == nullptr ? nullptr : " + gen::UpStubName(ch_.ns, o.cls, c.s) + "(" + V(o) + ")";
    Spelling s{"call of " + gen::MethodName(c.call.name) + " (signature " + std::to_string(c.call.sig) +
                   ") through static type " + gen::ClassName(c.s) + " on " + Describe(o) + " " + when,
               want.alternatives() == 1 && want.first().throws ? stub + "(" + arg + ")"
                                                               : "vto_repro::Observe(&" + stub + ", " + arg + ")",
               {}, {}};
    auto at = [&](const void* p) {
      return PointerCxx(V(o), static_cast<const char*>(p) - static_cast<const char*>(o.ptr));
    };
    if (w) s.want.push_back(at(winner_self));
    if (!w || e.may_devirtualize) s.want.push_back(at(PointerOf(o, e.this_path)));
    return s;
  };
  oracle_->Record(want, spell);
  gen::Trace::Clear();
  CallObservation got;
  try {
    got.returned = c.fn(Up(o, c.s));
  } catch (int v) {
    if (v != gen::kLcThrowValue) HarnessError("unexpected exception value " + std::to_string(v));
    got.threw = true;
  }
  ++stats_.calls_checked;
  const gen::TraceRecord last = gen::Trace::size() ? gen::Trace::at(gen::Trace::size() - 1) : gen::TraceRecord{};
  got.traced_id = last.impl_id;
  got.traced_self = last.self;
  oracle_->Verify(want, got, spell);
  return got.threw;
}

void LifecycleScenario::CheckCallsUpTo(const Obj& o, size_t upto, const char* when) {
  for (const CallCheck& c : o.t->calls) CheckCall(o, c, upto, when);
}

void LifecycleScenario::CallOne(int depth) {
  std::vector<int> alive = Alive();
  if (alive.empty()) return;
  Obj& o = objs_[static_cast<size_t>(Pick(alive))];
  if (o.t->calls.empty()) return;
  const CallCheck& c = o.t->calls[src_.Below(static_cast<uint32_t>(o.t->calls.size()))];
  const std::optional<Winner> w = WinnerFor(o, c.expected, o.ovs.size());
  const bool throws = w && w->method->r == kThrowingReplacement && !c.expected.may_devirtualize;
  const bool propagate = throws && depth > 0 && src_.Chance(0.5);
  if (propagate) {
    // Check it really throws, then let the exception unwind through the kit frames of
    // the enclosing scopes. The call comes first: preparing the unwind may tear down
    // overlays of the scope objects, `o` among them (found by fuzz_lifecycle).
    Log(Ev::kPropagate, o.id, c.call.name);
    const bool threw = CheckCall(o, c, o.ovs.size(), "(propagating)");
    oracle_->Verify(Expectation::Holds(), Value::Bool(threw), [&] {
      return Spelling{"a call to the throwing replacement on " + Describe(o) + " threw", "", {}, {}};
    });
    PrepareUnwind();
    if (tx_ != nullptr) T("throw int(" + std::to_string(gen::kLcThrowValue) + ");  // the exception checked above");
    throw int(gen::kLcThrowValue);
  }
  if (CheckCall(o, c, o.ovs.size(), "(call operation)")) ++stats_.throws_caught;
}

// -- throw from a body: unwinds the kit frames up to the first that catches --
void LifecycleScenario::ThrowOut(int depth) {
  if (depth == 0) return;
  PrepareUnwind();
  Log(Ev::kThrow);
  if (tx_ != nullptr) T("throw int(" + std::to_string(gen::kLcThrowValue) + ");");
  throw int(gen::kLcThrowValue);
}

// Before an exception leaves the body: every scope object it will destroy dies
// invisibly; without Abandon the binding must tear their overlays down first.
void LifecycleScenario::PrepareUnwind() {
  for (size_t i = frames_.size(); i-- > 0;) {
    Obj& so = objs_[static_cast<size_t>(frames_[i]->obj)];
    PreDeath(so, false);
    if (frames_[i]->catch_here) break;
  }
}

void LifecycleScenario::OnHook(Hook& hk, void* instance) {
  Transcript* saved = tx_;
  tx_ = nullptr;  // the reproducer's hook only counts; its checks follow the death
  oracle_ = &silent_;
  CheckHook(hk, instance);
  oracle_ = &recording_;
  tx_ = saved;
}

// Inside a destroy callback: it fires once, only in a predicted visible death, top down;
// the object is intact (its `this`, typeid, dispatch through this overlay and those below,
// its extra slots); the binding's release of the handle and an install on the dying object
// get the contract's answers.
void LifecycleScenario::CheckHook(Hook& hk, void* instance) {
  Obj& o = objs_[static_cast<size_t>(hk.obj)];
  const std::string who = "destroy hook of overlay #" + std::to_string(hk.ov) + " on ";
  ++hk.calls;
  oracle_->Verify(Expectation::Equal(Value::Int(1)), Value::Int(hk.calls),
                  [&] { return Spelling{who + Describe(o) + " fired at most once", "", {}, {}}; });
  oracle_->Verify(Expectation::Holds(), Value::Bool(o.dying && hk.expect == 1), [&] {
    return Spelling{who + Describe(o) + " fired, but the object is not dying visibly (" +
                        (o.dying ? "an invisible death" : "no death at all") + ")",
                    "", {}, {}};
  });
  const bool due = expect_.next < expect_.order.size() && expect_.order[expect_.next] == std::make_pair(hk.obj, hk.ov);
  oracle_->Verify(Expectation::Holds(), Value::Bool(due), [&] {
    return Spelling{"destroy hooks fired out of order: overlay #" + std::to_string(hk.ov) + " on " + Describe(o) +
                        " fired when another was due (stacked hooks fire top down)",
                    "", {}, {}};
  });
  ++expect_.next;
  oracle_->Verify(Expectation::Equal(Value::Pointer(o.ovs[hk.ov].at.instance)), Value::Pointer(instance), [&] {
    return Spelling{who + Describe(o) + " got the pointer it was installed with as its instance", "", {}, {}};
  });
  // The object is intact: identity, dispatch with this overlay (and those below) in
  // effect, and its extra slots — where the backend promises the callback runs first.
  const bool intact = Promised(b_, VTO_PROMISE_CALLBACK_BEFORE_DESTRUCTOR);
  for (const IdentityCheck& id : o.t->identity) {
    if (!intact) break;
    if (id.s != o.cls) continue;
    const std::string got = id.type_fn(Up(o, id.s));
    oracle_->Verify(Expectation::Holds(), Value::Bool(got == TypeName(o)), [&] {
      return Spelling{"inside the destroy hook, typeid of " + Describe(o), "", {}, " is '" + got + "'"};
    });
  }
  const Ov& ov = o.ovs[hk.ov];
  for (const CallCheck& c : o.t->calls) {
    if (!intact) break;
    const std::optional<Winner> w = WinnerFor(o, c.expected, hk.ov + 1);
    if (w && w->method->r == kThrowingReplacement) continue;  // must not throw out of a destructor
    CheckCall(o, c, hk.ov + 1, "inside its destroy hook");
  }
  for (size_t i = 0; intact && ov.request.extra > 0 && i < ov.request.extra; ++i) {
    if (i == 0 && SharesExtraSlots(o, hk.ov) && !Promised(b_, VTO_PROMISE_STACKED_EXTRA_SLOTS)) break;
    void** cell = b_.ExtraSlot(ov.handle, ov.at.instance, i);
    const void* want = Cookie(static_cast<size_t>(o.id), hk.ov, i);
    oracle_->Verify(Expectation::Equal(Value::Pointer(want)), Value::Pointer(cell ? *cell : nullptr), [&] {
      return Spelling{"inside the destroy hook, extra slot " + std::to_string(i) + " of " + Describe(o), "", {}, {}};
    });
  }
  // The binding's release of the handle where it learns of the death (CONTRACT P14/P15).
  if (hk.release) {
    const int first = b_.Teardown(ov.handle);
    const bool twice = Promised(b_, VTO_PROMISE_IDEMPOTENT_TEARDOWN);
    const int again = twice ? b_.Teardown(ov.handle) : static_cast<int>(kInHookSecondRelease);
    ++stats_.released_in_hook;
    const bool results = Promised(b_, VTO_PROMISE_TEARDOWN_RESULTS);
    oracle_->Verify(Expectation::Unless(results, Expectation::Equal(Value::Result(kInHookFirstRelease))),
                    Value::Result(first), [&] {
                      return Spelling{"inside its destroy hook, the first release of the handle of overlay #" +
                                          std::to_string(hk.ov) + " on " + Describe(o) + " (CONTRACT P14)",
                                      "", {}, {}};
                    });
    oracle_->Verify(Expectation::Unless(results, Expectation::Equal(Value::Result(kInHookSecondRelease))),
                    Value::Result(again), [&] {
                      return Spelling{"inside its destroy hook, the second release of the handle of overlay #" +
                                          std::to_string(hk.ov) + " on " + Describe(o) + " (CONTRACT P15)",
                                      "", {}, {}};
                    });
  }
  // R15: a callback installing on its own dying object is refused (no input bytes used).
  if (!Promised(b_, VTO_PROMISE_REFUSES_DYING_OBJECT)) return;
  backend::OverlaySpec again;
  again.instance = o.ptr;
  again.class_name = ch_.ns + "::" + gen::ClassName(ov.request.reflected);
  const backend::InstallOutcome out = b_.Install(again);
  oracle_->Verify(Expectation::Equal(Value::Int(static_cast<int>(Status::kObjectDying))), Value::Int(out.code), [&] {
    return Spelling{"inside its destroy hook, installing another overlay on the dying " + Describe(o) +
                        " (CONTRACT R15: kObjectDying)",
                    "", {}, out.ok() ? " (installed)" : " (" + out.message + ")"};
  });
}

}  // namespace vto::harness::lifecycle
