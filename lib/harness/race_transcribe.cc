// race_transcribe.cc — the Transcribe pass of fuzz_race (race_model.h): with a transcript
// (ci/repro), the plan becomes the reproducer's main: the hook records set up as planned,
// one std::thread per worker running that worker's operations with the same per-object
// hand-offs (vto_repro::Await/Done), and the joins. The checks that follow the joins are
// written by race_check.cc, from the same Expectations the harness evaluates.
#include <string>

#include "gen/stub_names.h"
#include "harness/race_model.h"

namespace vto::harness::race {

void RaceScenario::Transcribe() {
  if (tx_ == nullptr) return;
  // Numbers: objects (V, RO, W), overlays (H), hook records (RK), then the observations of
  // every operation, in the global order.
  int hooks = 0, results = 0, calls = 0, cells = 0, words = 0;
  for (const auto& op : objects_) {
    Object& o = *op;
    o.tx = tx_->NewVar();
    for (size_t w = 0; w < o.rc->vptr_offsets.size(); ++w) o.word_tx.push_back(tx_->NewWord());
    for (const auto& ovp : o.overlays) {
      ovp->tx = tx_->NewHandle();
      if (ovp->hook) ovp->hook->tx = hooks++;
    }
  }
  for (Op* op : order_) {
    const Object& o = *objects_[static_cast<size_t>(op->object)];
    op->r_tx = results;
    results += 2 * static_cast<int>(op->overlays.size());
    op->c_tx = calls;
    calls += static_cast<int>(op->calls.size());
    op->x_tx = cells;
    for (const CellPlan& c : op->cells) cells += static_cast<int>(o.overlays[static_cast<size_t>(c.overlay)]->request.extra);
    op->y_tx = words;
    if (op->read_words) words += static_cast<int>(o.rc->vptr_offsets.size());
  }
  tx_->Declare("static vto_repro::RaceObject RO[" + std::to_string(objects_.size() + 1) + "];");
  tx_->Declare("static vto_repro::RaceHook RK[" + std::to_string(hooks + 1) + "];");
  tx_->Declare("static vto::TeardownResult R[" + std::to_string(results + 1) + "];  // teardown/Abandon results");
  tx_->Declare("static vto_repro::CallSeen C[" + std::to_string(calls + 1) + "];  // calls made by the uses");
  tx_->Declare("static void* X[" + std::to_string(cells + 1) + "];  // extra slots as a use found them");
  tx_->Declare("static void* Y[" + std::to_string(words + 1) + "];  // vptr words read after teardowns");

  T("// fuzz_race: " + std::to_string(threads_) + " threads, " + std::to_string(objects_.size()) +
    " objects; each operation waits only for the previous operations of its object (RO[i].completed)");
  T("const size_t live_base = vto_repro::Live();");
  for (const auto& op : objects_) {
    const Object& o = *op;
    for (const auto& ovp : o.overlays) {
      const Overlay& ov = *ovp;
      if (!ov.hook) continue;
      const HookRecord& h = *ov.hook;
      const std::string k = KX(ov);
      T(k + ".object = &RO[" + std::to_string(o.index) + "];");
      if (o.trigger >= 0) T(k + ".trigger = &" + KX(*o.overlays[static_cast<size_t>(o.trigger)]) + ";");
      if (h.block) T(k + ".block = true;");
      if (o.rc->type_of != nullptr) T(k + ".type_of = &" + gen::TypeidStubName(ch_.ns, o.rc->cls) + ";");
      if (ov.at.instance_off != 0) T(k + ".at_offset = " + std::to_string(ov.at.instance_off) + ";");
      if (h.call >= 0) {
        const RaceClass::Call& c = o.rc->calls[static_cast<size_t>(h.call)];
        T(k + ".call = &" + gen::CallStubName(ch_.ns, c.check->s, c.check->call.name, c.check->call.sig) + ";");
        T(k + ".call_offset = " + std::to_string(c.static_off) + ";");
      }
      if (h.release) T(k + ".release = &H[" + std::to_string(ov.tx) + "];");
      if (h.check_cells && ov.request.extra > 0) {
        T(k + ".handle = &H[" + std::to_string(ov.tx) + "];");
        T(k + ".cells = " + std::to_string(ov.request.extra) + ";");
      }
    }
  }
  for (int t = 0; t < threads_; ++t) {
    const std::vector<Op*>& list = lists_[static_cast<size_t>(t)];
    tx_->OpenThread("thread_" + std::to_string(t), "worker " + std::to_string(t) + ": " +
                                                      std::to_string(list.size()) + " operations");
    for (const Op* op : list) TranscribeOp(*op);
    tx_->Close();
  }
  for (int t = 0; t < threads_; ++t) T("thread_" + std::to_string(t) + ".join();");
}

void RaceScenario::TranscribeOp(const Op& op) {
  const Object& o = *objects_[static_cast<size_t>(op.object)];
  const RaceClass& rc = *o.rc;
  const std::string ro = "RO[" + std::to_string(o.index) + "]";
  T("// " + std::string(kOpKindNames[static_cast<int>(op.kind)]) + " object #" + std::to_string(o.index));
  T("vto_repro::Await(" + ro + ", " + std::to_string(op.wait_for) + ");");
  // A sequenced step (race_model.h Sequence): the same relaxed, bounded waits.
  const std::string mark = std::to_string(op.wait_for + 1);
  if (op.sequence == Sequence::kSecond) T("vto_repro::AfterFirst(" + ro + ", " + mark + ");");
  auto read_words = [&] {
    for (size_t w = 0; w < rc.vptr_offsets.size(); ++w) {
      T("Y[" + std::to_string(op.y_tx + static_cast<int>(w)) + "] = *(void**)" + At(o, rc.vptr_offsets[w]) + ";");
    }
  };
  switch (op.kind) {
    case OpKind::kCreate:
      T(V(o) + " = " + gen::NewStubName(ch_.ns, rc.cls) + "();");
      for (size_t w = 0; w < rc.vptr_offsets.size(); ++w) {
        T("W[" + std::to_string(o.word_tx[w]) + "] = *(void**)" + At(o, rc.vptr_offsets[w]) + ";");
      }
      break;
    case OpKind::kInstall: {
      const Overlay& ov = *o.overlays[static_cast<size_t>(op.overlays[0])];
      T(HX(o, ov.index) + " = vto_repro::RaceInstall(" + At(o, ov.at.instance_off) + ", \"@SHAPE(" + ov.spec.class_name + ")@\", {" +
        ReplacementsCxx(ch_, ov.request) + "}, " + std::to_string(ov.request.extra) + ", " + (ov.hook ? "&" + KX(ov) : std::string("nullptr")) + ");");
      break;
    }
    case OpKind::kUse: {
      int n = op.x_tx;
      for (const CellPlan& c : op.cells) {
        const Overlay& ov = *o.overlays[static_cast<size_t>(c.overlay)];
        // Transcribed before the run: a refused install (handle 0) has no slots to read, as in
        // the harness's run, where its acceptance check fails first.
        if (ov.request.extra != 0) T("if (" + HX(o, ov.index) + " != 0) {");
        for (size_t i = 0; i < ov.request.extra; ++i, ++n) {
          T("X[" + std::to_string(n) + "] = vto_repro::Extra(" + At(o, ov.at.instance_off) + ", " + HX(o, ov.index) + ", " +
            std::to_string(i) + ");");
          if (c.first) {
            // Through the reproducer's access (reproducer.cc): the library's, or the plug-in's table.
            T("vto_repro::ExtraCell(" + At(o, ov.at.instance_off) + ", " + HX(o, ov.index) + ", " + std::to_string(i) + ") = " +
              CookieCxx(static_cast<size_t>(o.index), static_cast<size_t>(ov.index), i) + ";");
          }
        }
        if (ov.request.extra != 0) T("}");
      }
      for (size_t i = 0; i < op.calls.size(); ++i) {
        const RaceClass::Call& c = rc.calls[static_cast<size_t>(op.calls[i].call)];
        T("C[" + std::to_string(op.c_tx + static_cast<int>(i)) + "] = vto_repro::Observe(&" +
          gen::CallStubName(ch_.ns, c.check->s, c.check->call.name, c.check->call.sig) + ", " + At(o, c.static_off) +
          ");");
      }
      if (op.read_words) read_words();
      break;
    }
    case OpKind::kTeardown:
      TranscribeResults(op, o);
      if (op.read_words) read_words();
      break;
    case OpKind::kDelete:
      if (op.delete_static < 0) {
        T(gen::DeleteStubName(ch_.ns, rc.cls) + "(" + V(o) + ");");
      } else {
        T(gen::DeleteViaStubName(ch_.ns, op.delete_static) + "(" +
          At(o, rc.up_off[static_cast<size_t>(op.delete_static)]) + ");");
      }
      T(ro + ".delete_done.store(true, std::memory_order_relaxed);");
      break;
    case OpKind::kCollect:
      T("vto_repro::AwaitTrigger(" + ro + ", " + KX(*o.overlays[static_cast<size_t>(op.trigger)]) + ");");
      if (op.delay > 0) T("for (int i = 0; i < " + std::to_string(op.delay) + "; ++i) std::this_thread::yield();");
      TranscribeResults(op, o);
      T(ro + ".collector_done.store(true, std::memory_order_release);");
      break;
    case OpKind::kAfterDeath:
      TranscribeResults(op, o);
      break;
  }
  if (op.sequence == Sequence::kFirst) T("vto_repro::FirstReturned(" + ro + ", " + mark + ");");
  T("vto_repro::Done(" + ro + ");");
}

// Teardown (or Abandon) of each of op.overlays, then a second teardown of each.
void RaceScenario::TranscribeResults(const Op& op, const Object& o) {
  const int n = static_cast<int>(op.overlays.size());
  for (int i = 0; i < n; ++i) {
    const bool abandon = static_cast<size_t>(i) < op.abandon.size() && op.abandon[static_cast<size_t>(i)];
    T(RX(op.r_tx + i) + " = vto_repro::" + (abandon ? "Abandon(" : "Teardown(") +
      HX(o, op.overlays[static_cast<size_t>(i)]) + ");");
  }
  for (int i = 0; i < n; ++i) {
    T(RX(op.r_tx + n + i) + " = vto_repro::Teardown(" + HX(o, op.overlays[static_cast<size_t>(i)]) + ");");
  }
}

}  // namespace vto::harness::race
