// race_execute.cc — the Execute pass of fuzz_race (race_model.h): the workers run their
// operation lists, each operation waiting only for the previous operations of its object
// (acquire/release on the object's counter), and record what they observe; the destroy
// callbacks record what they saw. Nothing here checks: race_check.cc does, after the round.
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "harness/race_model.h"
#include "harness/worker_pool.h"

namespace vto::harness::race {
namespace {

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

void WaitUntil(const std::atomic<bool>& flag, std::memory_order order) {
  for (int spins = 0; !flag.load(order); Backoff(spins)) {
  }
}

// A sequenced step's wait (race_model.h Sequence): relaxed, and bounded. False when the
// bound ran out.
bool AwaitMark(const std::atomic<int>& mark, int value) {
  for (int spins = 0; mark.load(std::memory_order_relaxed) < value; Backoff(spins)) {
    if (spins >= RacePolicy::kSequenceSpins) return false;
  }
  return true;
}

}  // namespace

void HookThunk(void* instance, void* user_data) {
  auto* h = static_cast<HookRecord*>(user_data);
  if (h->calls.fetch_add(1, std::memory_order_relaxed) != 0) return;  // counted; the check reports it
  h->entered.store(true, std::memory_order_relaxed);
  Object& o = *h->object;
  h->order = o.fire_counter.fetch_add(1, std::memory_order_relaxed);
  // Read through the object and the pointer the overlay was installed with, not `instance`.
  void* at = static_cast<char*>(o.ptr) + h->overlay->at.instance_off;
  h->seen_instance = instance;
  h->seen_vptr = *static_cast<void**>(at);
  if (o.rc->type_of != nullptr) h->seen_type = o.rc->type_of(o.ptr);
  if (h->call >= 0) {
    const RaceClass::Call& c = o.rc->calls[static_cast<size_t>(h->call)];
    const size_t before = gen::Trace::size();
    h->call_got = c.check->fn(static_cast<char*>(o.ptr) + c.static_off);
    h->call_last = gen::Trace::size() > before ? gen::Trace::at(gen::Trace::size() - 1) : gen::TraceRecord{};
  }
  if (h->check_cells) {
    for (size_t i = 0; i < h->overlay->request.extra; ++i) {
      void** cell = h->backend->ExtraSlot(h->overlay->handle, at, i);
      h->seen_cells.push_back(cell != nullptr ? *cell : nullptr);
    }
  }
  if (h->release) {
    h->released = h->backend->Teardown(h->overlay->handle);
    if (h->release_twice) h->released_again = h->backend->Teardown(h->overlay->handle);
  }
  // Waits only once the trigger's callback has begun (always true with a correct library,
  // since this one runs after it): a library that skipped the trigger must not hang here.
  if (h->block && o.overlays[static_cast<size_t>(o.trigger)]->hook->entered.load(std::memory_order_relaxed)) {
    WaitUntil(o.collector_done, std::memory_order_acquire);
  }
}


void RaceScenario::RunOp(Op& op) {
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
      ov.spec.instance = static_cast<char*>(o.ptr) + ov.at.instance_off;
      backend::InstallOutcome out = b_.Install(ov.spec);
      ov.code = out.code;
      ov.message = std::move(out.message);
      ov.handle = out.handle;
      break;
    }
    case OpKind::kUse:
      for (const CellPlan& c : op.cells) {
        const Overlay& ov = *o.overlays[static_cast<size_t>(c.overlay)];
        for (size_t i = 0; i < ov.request.extra; ++i) {
          // A refused install has no slots (its check fails first); a backend asked anyway
          // may answer with an address that is not one (CppInterOp's is computed from the vptr).
          void** cell = ov.code == 0 ? b_.ExtraSlot(ov.handle, static_cast<char*>(o.ptr) + ov.at.instance_off, i) : nullptr;
          op.cell_missing.push_back(cell == nullptr);
          op.cell_obs.push_back(cell != nullptr ? *cell : nullptr);
          if (cell != nullptr && c.first) *cell = Cookie(static_cast<size_t>(o.index), static_cast<size_t>(ov.index), i);
        }
      }
      for (const CallPlan& c : op.calls) {
        const RaceClass::Call& call = rc.calls[static_cast<size_t>(c.call)];
        gen::Trace::Clear();
        CallObservation seen;
        seen.returned = call.check->fn(static_cast<char*>(o.ptr) + call.static_off);
        const gen::TraceRecord last =
            gen::Trace::size() ? gen::Trace::at(gen::Trace::size() - 1) : gen::TraceRecord{};
        seen.traced_id = last.impl_id;
        seen.traced_self = last.self;
        op.call_obs.push_back(seen);
      }
      if (op.read_words) read_words(op.words);
      break;
    case OpKind::kTeardown:
      for (int k : op.overlays) op.results.push_back(b_.Teardown(o.overlays[static_cast<size_t>(k)]->handle));
      if (idempotent_) {
        for (int k : op.overlays) op.again.push_back(b_.Teardown(o.overlays[static_cast<size_t>(k)]->handle));
      }
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
      if (idempotent_) {
        for (int k : op.overlays) op.again.push_back(b_.Teardown(o.overlays[static_cast<size_t>(k)]->handle));
      }
      o.collector_done.store(true, std::memory_order_release);
      break;
    }
    case OpKind::kAfterDeath:
      for (size_t i = 0; i < op.overlays.size(); ++i) {
        uint64_t h = o.overlays[static_cast<size_t>(op.overlays[i])]->handle;
        op.results.push_back(op.abandon[i] ? b_.Abandon(h) : b_.Teardown(h));
      }
      if (idempotent_) {
        for (int k : op.overlays) op.again.push_back(b_.Teardown(o.overlays[static_cast<size_t>(k)]->handle));
      }
      break;
  }
}

void RaceScenario::Execute(WorkerPool& pool) {
  std::vector<std::function<void()>> jobs(static_cast<size_t>(threads_));
  for (int t = 0; t < threads_; ++t) {
    jobs[static_cast<size_t>(t)] = [this, t] {
      for (Op* op : lists_[static_cast<size_t>(t)]) {
        Object& o = *objects_[static_cast<size_t>(op->object)];
        for (int spins = 0; o.completed.load(std::memory_order_acquire) < op->wait_for; Backoff(spins)) {
        }
        const int mark = op->wait_for + 1;
        if (op->sequence == Sequence::kSecond) {
          o.second_ready.store(mark, std::memory_order_relaxed);
          op->sequence_expired = !AwaitMark(o.first_returned, mark);
        }
        RunOp(*op);
        if (op->sequence == Sequence::kFirst) {
          // Counted only once the second has read the count: reading this operation's
          // count would order the two.
          o.first_returned.store(mark, std::memory_order_relaxed);
          op->sequence_expired = !AwaitMark(o.second_ready, mark);
        }
        o.completed.fetch_add(1, std::memory_order_acq_rel);
      }
    };
  }
  pool.RunRound(jobs);
}

}  // namespace vto::harness::race
