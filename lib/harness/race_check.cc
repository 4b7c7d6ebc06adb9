// race_check.cc — the Check pass of fuzz_race (race_model.h): on the fuzzer's thread, after
// the round, what the workers and the callbacks recorded against the plan (the model) and
// contract_rules.h. Every check is an Expectation applied by the Oracle, so with a
// transcript the reproducer checks the same thing, on the variables its own threads filled
// (R[] results, C[] calls, X[] extra slots, Y[] vptr words, RK[] hook records).
#include <algorithm>
#include <string>
#include <vector>

#include "gen/conventions.h"
#include "gen/describe.h"
#include "harness/contract_rules.h"
#include "harness/failure.h"
#include "harness/promises.h"
#include "harness/race_model.h"

namespace vto::harness::race {

void RaceScenario::Fail(const std::string& what) const {
  SetFailureContext("hierarchy " + ch_.ns + " (generator version " + std::to_string(gen::kGeneratorVersion) +
                    ", backend " + b_.name() + ")\n" + gen::DescribeHierarchy(h_) + Describe());
  harness::Fail("hierarchy " + ch_.ns + ": " + what);
}

void RaceScenario::FailThunk(const void* self, const std::string& what) {
  static_cast<const RaceScenario*>(self)->Fail(what);
}

std::string RaceScenario::Name(const Object& o, int k) const {
  const Overlay& ov = *o.overlays[static_cast<size_t>(k)];
  return "overlay #" + std::to_string(k) + " (reflected as " + gen::ClassName(ov.request.reflected) + ", rank " +
         std::to_string(ov.rank) + (ov.hook ? ", hooked" : "") + ") of " + Name(o);
}

// The call observed as `got` (the reproducer's `seen_cxx`) reached what the plan says. With
// a `condition`, the reproducer checks only when it holds, and the harness only if `verify`.
template <typename SeenFn, typename WhenFn>
void RaceScenario::CheckCall(const Object& o, const CallPlan& c, const CallObservation& got, SeenFn seen_cxx,
                             WhenFn when, const std::string& condition, bool verify) const {
  const RaceClass::Call& call = o.rc->calls[static_cast<size_t>(c.call)];
  const gen::Expected& e = call.check->expected;
  const std::ptrdiff_t rep_off = c.overlay >= 0 ? o.overlays[static_cast<size_t>(c.overlay)]->at.reflected_off : 0;
  const CallExpectation want = ExpectedAnswer(e, static_cast<char*>(o.ptr) + call.self_off, c.method,
                                              static_cast<char*>(o.ptr) + rep_off);
  auto spell = [&] {
    Spelling s{"call of " + gen::MethodName(call.check->call.name) + " (signature " +
                   std::to_string(call.check->call.sig) + ") through static type " + gen::ClassName(call.check->s) +
                   " on " + Name(o) + " " + when(),
               seen_cxx(), {}, {}};
    if (c.overlay >= 0) s.want.push_back(At(o, rep_off));
    if (c.overlay < 0 || e.may_devirtualize) s.want.push_back(At(o, call.self_off));
    if (c.overlay >= 0) s.detail = " (replacement of overlay #" + std::to_string(c.overlay) + ")";
    return s;
  };
  if (condition.empty()) {
    oracle_.Check(want, got, spell);
  } else {
    oracle_.RecordIf(condition, want, spell);
    if (verify) oracle_.Verify(want, got, spell);
  }
}

// A teardown/Abandon result R[r_tx] of overlay k is one of `want`.
void RaceScenario::CheckResult(const Object& o, int k, int got, const Allowed& want, std::string_view what, int r_tx,
                               std::string_view why, bool abandon) const {
  Expectation e = Expectation::Equal(Value::Result(want.v[0]));
  if (want.n == 2) e = Expectation::OneOf({Value::Result(want.v[0]), Value::Result(want.v[1])});
  e = Expectation::Unless(abandon || results_, e);
  oracle_.Check(e, Value::Result(got), [&] {
    return Spelling{std::string(what) + " of " + Name(o, k) + (why.empty() ? "" : " (" + std::string(why) + ")"),
                    RX(r_tx), {}, {}};
  });
}

void RaceScenario::CheckOp(const Op& op) {
  const Object& o = *objects_[static_cast<size_t>(op.object)];
  auto check_words = [&](const char* when) {
    for (size_t i = 0; i < op.words.size() && i < o.words.size(); ++i) {
      oracle_.Check(Expectation::Equal(Value::Pointer(o.words[i])), Value::Pointer(op.words[i]), [&] {
        return Spelling{"the vptr at offset " + std::to_string(o.rc->vptr_offsets[i]) + " of " + Name(o) + " " +
                            when + " is restored bit for bit",
                        "Y[" + std::to_string(op.y_tx + static_cast<int>(i)) + "]",
                        {"W[" + std::to_string(i < o.word_tx.size() ? o.word_tx[i] : -1) + "]"}, {}};
      });
    }
  };
  const int n = static_cast<int>(op.overlays.size());
  switch (op.kind) {
    case OpKind::kCreate:
      if (o.ptr == nullptr) HarnessError("the new stub of " + gen::ClassName(o.rc->cls) + " returned null");
      ++stats_.objects;
      break;
    case OpKind::kInstall: {
      const Overlay& ov = *o.overlays[static_cast<size_t>(op.overlays[0])];
      oracle_.Check(Expectation::Holds(), Value::Bool(ov.code == 0), [&] {
        return Spelling{"install of " + Name(o, ov.index) + " accepted (within the backend's capabilities)",
                        HX(o, ov.index) + " != 0", {},
                        ": refused with code " + std::to_string(ov.code) + ": " + ov.message};
      });
      ++stats_.overlays;
      if (ov.rank > 1 || ov.pair) ++stats_.stacked;
      if (o.rc->t->has_multiple_vptrs) ++stats_.on_multi_vptr;
      if (o.rc->t->has_virtual_bases) ++stats_.on_virtual_bases;
      if (ov.at.instance_off != 0) ++stats_.at_subobject;
      if (ov.at.reflected_off != 0) ++stats_.reflected_off_primary;
      break;
    }
    case OpKind::kUse: {
      size_t cell = 0;
      for (const CellPlan& c : op.cells) {
        const Overlay& ov = *o.overlays[static_cast<size_t>(c.overlay)];
        for (size_t i = 0; i < ov.request.extra; ++i, ++cell) {
          const size_t obj = static_cast<size_t>(o.index), k = static_cast<size_t>(ov.index);
          const Expectation e = Expectation::Equal(Value::Pointer(c.first ? nullptr : Cookie(obj, k, i)));
          auto spell = [&] {
            return Spelling{"extra slot " + std::to_string(i) + " of " + Name(o, ov.index) +
                                (c.first ? " starts null" : " keeps its value (per-instance state)"),
                            "X[" + std::to_string(op.x_tx + static_cast<int>(cell)) + "]",
                            {c.first ? std::string("nullptr") : CookieCxx(obj, k, i)}, {}};
          };
          oracle_.Record(e, spell);
          oracle_.Verify(Expectation::Holds(), Value::Bool(!op.cell_missing[cell]), [&] {
            return Spelling{"extra slot " + std::to_string(i) + " of " + Name(o, ov.index) + " has an address", "",
                            {}, {}};
          });
          oracle_.Verify(e, Value::Pointer(op.cell_obs[cell]), spell);
        }
      }
      for (size_t i = 0; i < op.calls.size(); ++i) {
        CheckCall(o, op.calls[i], op.call_obs[i], [&] { return "C[" + std::to_string(op.c_tx + static_cast<int>(i)) + "]"; },
                  [&] { return "on thread " + std::to_string(op.thread); });
        ++stats_.calls_checked;
      }
      if (op.read_words) check_words("after every overlay was torn down (on two threads at once)");
      break;
    }
    case OpKind::kTeardown:
      for (int i = 0; i < n; ++i) {
        const int k = op.overlays[static_cast<size_t>(i)];
        CheckResult(o, k, op.results[static_cast<size_t>(i)],
                    {ExpectedTeardown(HandleState::kActive, /*object_alive=*/true)}, "teardown of a live object",
                    op.r_tx + i);
        if (idempotent_) {
          CheckResult(o, k, op.again[static_cast<size_t>(i)], {ExpectedTeardown(HandleState::kClosed, true)},
                      "second teardown", op.r_tx + n + i);
        }
      }
      if (op.read_words) check_words("after every overlay was torn down");
      break;
    case OpKind::kDelete:
      break;
    case OpKind::kCollect:
      CheckCollect(op, o);
      break;
    case OpKind::kAfterDeath:
      CheckAfterDeath(op, o);
      break;
  }
}

// The defined race (P20): each collector result is what DefinedRaceAllows says, and the
// overlay's hook ran exactly when the result says its callback had begun.
void RaceScenario::CheckCollect(const Op& op, const Object& o) {
  ++stats_.defined_races;
  const int n = static_cast<int>(op.overlays.size());
  const Overlay& trig = *o.overlays[static_cast<size_t>(o.trigger)];
  for (int i = 0; i < n; ++i) {
    const int k = op.overlays[static_cast<size_t>(i)];
    const Overlay& ov = *o.overlays[static_cast<size_t>(k)];
    const int r = op.results[static_cast<size_t>(i)];
    const bool abandon = op.abandon[static_cast<size_t>(i)] != 0;
    const std::string what = abandon ? "Abandon while the object was being destroyed"
                                     : "teardown while the object was being destroyed";
    const int rx = op.r_tx + i;
    if (abandon) ++stats_.abandons;
    const RaceVerdict verdict = DefinedRaceAllows({k == o.trigger, ov.rank, trig.rank, o.trigger_blocks});
    CheckResult(o, k, r, verdict.allowed, what, rx,
                verdict.why.empty() ? "the defined race (P20) allows only these" : verdict.why, abandon);
    (r == static_cast<int>(TeardownResult::kObjectDestroyed) ? stats_.race_destroyed : stats_.race_cancelled)++;
    if (ov.hook && !abandon && !results_) {
      // Without results the teardown does not say whether the callback had begun: it ran once at most.
      oracle_.Check(Expectation::Holds(), Value::Bool(ov.hook->calls.load(std::memory_order_relaxed) <= 1), [&] {
        return Spelling{"destroy hook of " + Name(o, k) + " ran at most once in " + what,
                        KX(ov) + ".calls.load() <= 1", {}, {}};
      });
    } else if (ov.hook) {
      const int want = HookCallsAfterRace(static_cast<TeardownResult>(r));
      oracle_.Check(Expectation::Equal(Value::Int(want)), Value::Int(ov.hook->calls.load(std::memory_order_relaxed)),
                    [&] {
                      return Spelling{"destroy hook of " + Name(o, k) + " ran exactly once if " + what +
                                          " returned kObjectDestroyed, never if kCancelled",
                                      KX(ov) + ".calls.load()",
                                      {"(" + RX(rx) + " == vto::TeardownResult::kObjectDestroyed ? 1 : 0)"},
                                      " (it returned " + ValueText(Value::Result(r)) + ")"};
                    });
    }
    if (idempotent_) {
      CheckResult(o, k, op.again[static_cast<size_t>(i)], {ExpectedTeardown(HandleState::kClosed, false)},
                  "second teardown after the defined race", op.r_tx + n + i);
    }
  }
}

void RaceScenario::CheckAfterDeath(const Op& op, const Object& o) {
  const int n = static_cast<int>(op.overlays.size());
  for (int i = 0; i < n; ++i) {
    const int k = op.overlays[static_cast<size_t>(i)];
    const int got = op.results[static_cast<size_t>(i)];
    const int rx = op.r_tx + i;
    const Overlay& ov = *o.overlays[static_cast<size_t>(k)];
    if (o.end == End::kUnseenThenAbandon) {
      if (op.abandon[static_cast<size_t>(i)]) {
        // Another thread may have reused the freed address and overlaid a new object there
        // first; the library then drops the dead object's stack itself (kDetached).
        ++stats_.abandons;
        CheckResult(o, k, got, {ExpectedAfterUnseenDeath(false), TeardownResult::kDetached},
                    "Abandon after an unseen death", rx, "kDetached if the address was reused", /*abandon=*/true);
      } else {
        CheckResult(o, k, got, {ExpectedTeardown(HandleState::kDetachedAfterAbandon, false)},
                    "teardown after another overlay of the object was abandoned", rx);
      }
    } else if (ov.hook && ov.hook->release) {
      CheckResult(o, k, got, {ExpectedTeardown(HandleState::kClosed, false)},
                  "teardown after a hooked delete whose callback released it", rx);
    } else {
      CheckResult(o, k, got, {ExpectedTeardown(HandleState::kDiedHooked, false)}, "teardown after a hooked delete",
                  rx);
    }
    if (idempotent_) {
      CheckResult(o, k, op.again[static_cast<size_t>(i)], {ExpectedTeardown(HandleState::kClosed, false)},
                  "second teardown after the object's death", op.r_tx + n + i);
    }
  }
}

// What the callback of `ov` saw, if it ran (calls == 1 in the harness's run; the reproducer
// checks under the same condition in its own run).
void RaceScenario::CheckCallback(const Object& o, const Overlay& ov) {
  const HookRecord& h = *ov.hook;
  const bool ran = h.calls.load(std::memory_order_relaxed) == 1;
  const std::string k = KX(ov), if_ran = KX(ov) + ".calls.load() == 1";
  const std::string what = "destroy hook of " + Name(o, ov.index);
  auto check = [&](const Expectation& e, Value got, auto spell) {
    oracle_.RecordIf(if_ran, e, spell);
    if (ran) oracle_.Verify(e, got, spell);
  };
  check(Expectation::Equal(Value::Pointer(static_cast<char*>(o.ptr) + ov.at.instance_off)),
        Value::Pointer(h.seen_instance), [&] {
          return Spelling{what + " was given the pointer it was installed with", k + ".seen_instance",
                          {At(o, ov.at.instance_off)}, {}};
        });
  const bool intact = Promised(b_, VTO_PROMISE_CALLBACK_BEFORE_DESTRUCTOR);
  if (o.rc->type_of != nullptr && intact) {
    const std::string& type_name = o.rc->t->type_name;
    check(Expectation::Holds(), Value::Bool(h.seen_type == type_name), [&] {
      return Spelling{what + " saw its dynamic type", k + ".seen_type == " + CppLiteral(type_name), {},
                      ": saw '" + h.seen_type + "', expected '" + type_name + "'"};
    });
  }
  for (size_t w = 0; w < o.words.size() && intact; ++w) {
    if (o.rc->vptr_offsets[w] != ov.at.instance_off) continue;
    check(Expectation::NotEqual(Value::Pointer(o.words[w])), Value::Pointer(h.seen_vptr), [&] {
      return Spelling{what + " ran with its overlay still installed, not the original vptr (P8)", k + ".seen_vptr",
                      {"W[" + std::to_string(o.word_tx.empty() ? -1 : o.word_tx[w]) + "]"}, {}};
    });
  }
  if (h.check_cells) {
    for (size_t i = 0; i < ov.request.extra; ++i) {
      const size_t obj = static_cast<size_t>(o.index), kk = static_cast<size_t>(ov.index);
      const bool ok = i < h.seen_cells.size() && h.seen_cells[i] == Cookie(obj, kk, i);
      check(Expectation::Holds(), Value::Bool(ok), [&] {
        return Spelling{what + " read its extra slot " + std::to_string(i),
                        k + ".seen_cells.size() > " + std::to_string(i) + " && " + k + ".seen_cells[" +
                            std::to_string(i) + "] == " + CookieCxx(obj, kk, i),
                        {},
                        ": read " + Hex(i < h.seen_cells.size() ? h.seen_cells[i] : nullptr) + ", expected " +
                            Hex(Cookie(obj, kk, i))};
      });
    }
  }
  if (h.release) {
    if (ran) ++stats_.released_in_hook;
  }
  if (h.release && results_) {
    const bool ok = h.released == static_cast<int>(kInHookFirstRelease) &&
                    (!h.release_twice || h.released_again == static_cast<int>(kInHookSecondRelease));
    check(Expectation::Holds(), Value::Bool(ok), [&] {
      return Spelling{what + " released its own handle (once): kObjectDestroyed, then kAlreadyTornDown (CONTRACT "
                             "P14, P15)",
                      k + ".released == " + ResultCxx(kInHookFirstRelease) + " && " + k +
                          ".released_again == " + ResultCxx(kInHookSecondRelease),
                      {},
                      ": returned " + ValueText(Value::Result(h.released)) + ", then " +
                          ValueText(Value::Result(h.released_again))};
    });
  }
  if (h.call >= 0) {
    CallObservation got;
    got.returned = h.call_got;
    got.traced_id = h.call_last.impl_id;
    got.traced_self = h.call_last.self;
    const CallPlan c = ExpectCall(o, h.call, StillBelow(o, ov));
    CheckCall(o, c, got, [&] { return k + ".call_seen"; },
              [&] { return "from inside the destroy hook of overlay #" + std::to_string(ov.index); }, if_ran, ran);
    if (ran) ++stats_.calls_checked;
  }
}

void RaceScenario::CheckHooks(const Object& o) {
  const bool died_hooked = o.end == End::kHookedDelete || o.end == End::kDefinedRace;
  auto at_death = [&](const Overlay& ov) {
    return std::find(o.active_at_death.begin(), o.active_at_death.end(), ov.index) != o.active_at_death.end();
  };
  for (const auto& ovp : o.overlays) {
    const Overlay& ov = *ovp;
    if (!ov.hook) continue;
    const int calls = ov.hook->calls.load(std::memory_order_relaxed);
    if (!died_hooked || !at_death(ov)) {
      oracle_.Check(Expectation::Equal(Value::Int(0)), Value::Int(calls), [&] {
        return Spelling{"destroy hook of " + Name(o, ov.index) + " never fires (" +
                            (ov.torn_down_alive ? "its overlay was torn down before the object died"
                                                : "the death was not through a hooked destructor") +
                            ")",
                        KX(ov) + ".calls.load()", {}, {}};
      });
      continue;
    }
    if (ov.target) continue;  // checked against the collector's result
    oracle_.Check(Expectation::Equal(Value::Int(1)), Value::Int(calls), [&] {
      return Spelling{"destroy hook of " + Name(o, ov.index) +
                          " fired once: the object was deleted through a virtual destructor with it installed",
                      KX(ov) + ".calls.load()", {}, {}};
    });
  }
  if (!died_hooked) return;
  ++stats_.hooked_deaths;
  std::vector<const Overlay*> fired;
  for (const auto& ovp : o.overlays) {
    const Overlay& ov = *ovp;
    if (!ov.hook || !at_death(ov)) continue;
    CheckCallback(o, ov);
    if (ov.hook->calls.load(std::memory_order_relaxed) != 1) continue;
    ++stats_.hooks_fired;
    if (ov.hook->block) ++stats_.blocked_callbacks;
    fired.push_back(&ov);
  }
  // Stacked hooks fire top down: the callbacks that ran, in the order they began, have
  // non-increasing ranks.
  std::sort(fired.begin(), fired.end(), [](const Overlay* a, const Overlay* b) { return a->hook->order < b->hook->order; });
  std::string out_of_order;
  for (size_t i = 1; i < fired.size() && out_of_order.empty(); ++i) {
    if (fired[i]->rank > fired[i - 1]->rank) {
      out_of_order = ": overlay #" + std::to_string(fired[i - 1]->index) + " (rank " +
                     std::to_string(fired[i - 1]->rank) + ") before overlay #" + std::to_string(fired[i]->index) +
                     " (rank " + std::to_string(fired[i]->rank) + ")";
    }
  }
  oracle_.Check(Expectation::Holds(), Value::Bool(out_of_order.empty()), [&] {
    std::string list;
    for (const auto& ovp : o.overlays) {
      if (ovp->hook) list += "{&" + KX(*ovp) + ", " + std::to_string(ovp->rank) + "}, ";
    }
    return Spelling{"destroy hooks of " + Name(o) + " fired top down (stacked hooks)",
                    "vto_repro::FiredTopDown({" + list + "})", {}, out_of_order};
  });
}

void RaceScenario::Check() {
  for (const Op* op : order_) {
    if (op->sequence == Sequence::kSecond && op->sequence_expired) ++stats_.sequence_expired;
    CheckOp(*op);
  }
  for (const auto& o : objects_) CheckHooks(*o);
  oracle_.Check(Expectation::Equal(Value::Int(static_cast<long long>(live_base_))),
                Value::Int(static_cast<long long>(b_.LiveOverlays())), [&] {
                  return Spelling{"live-overlay count back to its start after every overlay was torn down or its "
                                  "object destroyed (nothing leaked or freed twice)",
                                  "vto_repro::Live()", {"live_base"}, {}};
                });
}

}  // namespace vto::harness::race
