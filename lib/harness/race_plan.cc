// race_plan.cc — the Plan pass of fuzz_race (race_model.h): the only code of the scenario
// that reads input bytes. Every draw is made here, in the order the corpus files were made
// with; the plan records what each operation must observe, from the model and the contract.
#include <algorithm>
#include <string>
#include <vector>

#include "gen/conventions.h"
#include "harness/in_hook_release.h"
#include "harness/promises.h"
#include "harness/race_model.h"

namespace vto::harness::race {

RaceScenario::RaceScenario(backend::Backend& b, const CompiledHierarchy& ch, const Options& opt,
                           gen::ByteSource& src, RaceStats& stats, const std::vector<const RaceClass*>& usable,
                           Transcript* tx)
    : b_(b), ch_(ch), h_(ch.model), opt_(opt), src_(src), stats_(stats), usable_(usable), caps_(b.capabilities()),
      idempotent_(Promised(b, VTO_PROMISE_IDEMPOTENT_TEARDOWN)),
      results_(Promised(b, VTO_PROMISE_TEARDOWN_RESULTS)),
      tx_(tx), oracle_(tx, opt.verbose, &FailThunk, this) {}

int RaceScenario::PickThread() { return static_cast<int>(src_.Below(static_cast<uint32_t>(threads_))); }
int RaceScenario::OtherThread(int t) {
  return (t + 1 + static_cast<int>(src_.Below(static_cast<uint32_t>(threads_ - 1)))) % threads_;
}
Op RaceScenario::MakeOp(OpKind kind, const Object& o, int thread) const {
  Op op;
  op.kind = kind;
  op.object = o.index;
  op.thread = thread;
  return op;
}

int RaceScenario::NewOverlay(Object& o, bool transparent, int rank) {
  auto ov = std::make_unique<Overlay>();
  ov->index = static_cast<int>(o.overlays.size());
  ov->rank = rank;
  ov->pair = transparent;
  const std::vector<InstallTarget>& targets = o.rc->targets;
  ov->at = targets[src_.Below(static_cast<uint32_t>(targets.size()))];
  ov->at.instance = nullptr;  // the object does not exist yet (race_execute.cc adds the offset)
  RequestPolicy policy;
  policy.methods = !transparent;  // a pair's install order is unknown: its overlays replace nothing
  policy.primary_names_only = Can(VTO_CAP_MULTIPLE_VPTRS);
  policy.replace = RacePolicy::kMethod;
  policy.return_adjusted_allowed = false;  // every install must succeed (R19 would refuse)
  policy.extra_allowed = Can(VTO_CAP_EXTRA_SLOTS);
  policy.max_extra = RacePolicy::kMaxExtra;
  policy.hook_virtual = Can(VTO_CAP_DESTROY_HOOK) ? RacePolicy::kHook : -1;
  policy.hook_nonvirtual = -1;
  ov->request = DrawOverlayRequest(src_, ch_, *o.rc->t, ov->at, policy);
  ov->spec = MakeOverlaySpec(ch_, ov->request, nullptr);
  if (ov->request.hook) {
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
std::vector<int> RaceScenario::StillBelow(const Object& o, const Overlay& ov) const {
  std::vector<int> below;
  for (int k : o.active_at_death) {
    if (k == ov.index || o.overlays[static_cast<size_t>(k)]->rank < ov.rank) below.push_back(k);
  }
  return below;
}

// The call `call` on `o` while `active` (bottom up) is installed: the replacement that must
// answer it, or the original.
CallPlan RaceScenario::ExpectCall(const Object& o, int call, const std::vector<int>& active) const {
  const gen::Expected& e = o.rc->calls[static_cast<size_t>(call)].check->expected;
  const std::optional<Winner> w = WinningReplacement(
      e, active, active.size(),
      [&](int k) -> const OverlayRequest& { return o.overlays[static_cast<size_t>(k)]->request; },
      [](int) { return true; });
  if (!w) return CallPlan{call, -1, nullptr};
  return CallPlan{call, active[w->overlay], w->method};
}

// A use: the extra slots of every active overlay (written the first time, checked after),
// and a few calls.
Op RaceScenario::UseOp(Object& o, const std::vector<int>& active, int thread) {
  Op op = MakeOp(OpKind::kUse, o, thread);
  // Where a stack's overlays share one set of extra slots (VTO_PROMISE_STACKED_EXTRA_SLOTS not
  // made), only an object's single overlay has slots of its own to check.
  const bool own_cells = active.size() == 1 || Promised(b_, VTO_PROMISE_STACKED_EXTRA_SLOTS);
  for (int k : active) {
    if (!own_cells) break;
    Overlay& ov = *o.overlays[static_cast<size_t>(k)];
    if (ov.request.extra == 0) continue;
    op.cells.push_back({k, !ov.cells_written});
    ov.cells_written = true;
  }
  if (!o.rc->calls.empty()) {
    int n = src_.InRange(1, RacePolicy::kMaxCalls);
    for (int i = 0; i < n; ++i) {
      int call = static_cast<int>(src_.Below(static_cast<uint32_t>(o.rc->calls.size())));
      op.calls.push_back(ExpectCall(o, call, active));
    }
  }
  return op;
}

// Two operations at once on one object (`a` drawn first): sequenced or free (Sequence,
// RacePolicy::kSequenceSpins).
void RaceScenario::SequencePair(Op& a, Op& b) {
  if (a.thread % 2 != 0) return;
  ++stats_.sequenced_groups;
  const bool b_first = a.kind == OpKind::kInstall && b.kind == OpKind::kTeardown;
  (b_first ? b : a).sequence = Sequence::kFirst;
  (b_first ? a : b).sequence = Sequence::kSecond;
}

void RaceScenario::PlanObject(Object& o, std::vector<Step>& steps) {
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
      SequencePair(a, b);
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

void RaceScenario::PlanDeath(Object& o, std::vector<int>& active, std::vector<Step>& steps) {
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
    if (threads_ >= 2 && src_.Chance(RacePolicy::kDefinedRace) && Promised(b_, VTO_PROMISE_CONCURRENT_TEARDOWN)) {
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
        if (ov.hook) {
          ov.hook->check_cells = !ov.target && ov.cells_written && Promised(b_, VTO_PROMISE_CALLBACK_BEFORE_DESTRUCTOR) &&
                                 (active.size() == 1 || Promised(b_, VTO_PROMISE_STACKED_EXTRA_SLOTS));
        }
        if (ov.hook) {
          ov.hook->release = !ov.target && ReleasesInHook(static_cast<uint32_t>(o.index), static_cast<uint32_t>(k)) &&
                             Promised(b_, VTO_PROMISE_RELEASE_IN_CALLBACK);
          ov.hook->release_twice = idempotent_;
        }
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
        if (ov.hook) {
          ov.hook->check_cells = ov.cells_written && Promised(b_, VTO_PROMISE_CALLBACK_BEFORE_DESTRUCTOR) &&
                                 (active.size() == 1 || Promised(b_, VTO_PROMISE_STACKED_EXTRA_SLOTS));
        }
        if (ov.hook) {
          ov.hook->release = ReleasesInHook(static_cast<uint32_t>(o.index), static_cast<uint32_t>(k)) &&
                             Promised(b_, VTO_PROMISE_RELEASE_IN_CALLBACK);
          ov.hook->release_twice = idempotent_;
        }
        after.push_back(k);
      }
      step.push_back(std::move(del));
    }
    steps.push_back(std::move(step));
    // A handle its callback released is torn down again only where that is promised harmless.
    if (!idempotent_) {
      after.erase(std::remove_if(after.begin(), after.end(),
                                 [&](int k) {
                                   const Overlay& ov = *o.overlays[static_cast<size_t>(k)];
                                   return ov.hook && ov.hook->release;
                                 }),
                  after.end());
    }
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
    // The others answer kDetached (Abandon freed them) only where that is promised; else
    // they are not released again.
    if (fin.overlays.size() > 1 && !(idempotent_ && Promised(b_, VTO_PROMISE_DETACHES_FOREIGN_VPTR))) {
      fin.overlays.resize(1);
      fin.abandon.resize(1);
    }
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
    SequencePair(a, b);
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

void RaceScenario::Plan() {
  live_base_ = b_.LiveOverlays();
  threads_ = src_.InRange(2, RacePolicy::kMaxThreads);
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

}  // namespace vto::harness::race
