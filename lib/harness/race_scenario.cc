// race_scenario.cc — the fuzz_race runner (race_scenario.h): picks the hierarchy and the
// classes an input can use, measures each class once (RaceClass), and runs the passes of a
// race::RaceScenario (race_model.h) on the worker pool.
#include "harness/race_scenario.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "gen/conventions.h"
#include "gen/describe.h"
#include "harness/class_tables.h"
#include "harness/failure.h"
#include "harness/finding.h"
#include "harness/input_header.h"
#include "harness/race_model.h"
#include "harness/reproducer.h"
#include "harness/worker_pool.h"

namespace vto::harness {
namespace race {

std::string RaceScenario::Describe() const {
  static const char* const kEnds[] = {"torn down first", "hooked delete", "defined race", "unseen delete, abandon"};
  std::string s = "schedule (" + std::to_string(threads_) + " threads):\n";
  for (const auto& op : objects_) {
    const Object& o = *op;
    s += "  object #" + std::to_string(o.index) + ": " + gen::ClassName(o.rc->cls) + ", " +
         kEnds[static_cast<int>(o.end)] + (o.trigger >= 0 ? ", trigger overlay #" + std::to_string(o.trigger) : "") +
         "\n";
    for (const auto& ovp : o.overlays) {
      const Overlay& ov = *ovp;
      s += "    overlay #" + std::to_string(ov.index) + " rank " + std::to_string(ov.rank) + " reflected as " +
           gen::ClassName(ov.request.reflected) + ":";
      for (const ReplacedMethod& m : ov.request.methods) {
        s += " " + gen::MethodName(m.call.name) + "/sig" + std::to_string(m.call.sig) + "->repl" + std::to_string(m.r);
      }
      if (ov.request.extra) s += " +" + std::to_string(ov.request.extra) + " extra";
      if (ov.hook) {
        s += " +hook";
        if (ov.hook->block) s += " (waits for the collector)";
        if (ov.hook->call >= 0) s += " (calls from inside)";
      }
      if (ov.pair) s += " (installed as a pair)";
      if (ov.target) s += " (collector target)";
      s += "\n";
    }
  }
  for (const Op* op : order_) {
    s += "  thread " + std::to_string(op->thread) + ": " + kOpKindNames[static_cast<int>(op->kind)] + " object #" +
         std::to_string(op->object);
    for (size_t i = 0; i < op->overlays.size(); ++i) {
      s += " #" + std::to_string(op->overlays[i]) + (i < op->abandon.size() && op->abandon[i] ? "(abandon)" : "");
    }
    if (op->kind == OpKind::kDelete) {
      s += op->delete_static < 0 ? " through its own type" : " through " + gen::ClassName(op->delete_static);
    }
    if (op->kind == OpKind::kCollect) s += " after yields " + std::to_string(op->delay);
    if (op->kind == OpKind::kUse) s += " (" + std::to_string(op->calls.size()) + " calls)";
    s += "\n";
  }
  return s;
}

}  // namespace race

static_assert(race::RacePolicy::kMaxThreads == RaceRunner::kMaxThreads, "the pool has a worker for every thread an input plans");

RaceRunner::RaceRunner(backend::Backend& backend, HierarchyCache& cache, const Options& options)
    : backend_(backend), cache_(cache), options_(options), pool_(std::make_unique<WorkerPool>(race::RacePolicy::kMaxThreads)) {}

RaceRunner::~RaceRunner() = default;

const RaceClass& RaceRunner::ClassInfo(const CompiledHierarchy& ch, int cls) {
  if (cache_.stats().recycles != classes_epoch_) {
    classes_.clear();
    classes_epoch_ = cache_.stats().recycles;
  }
  std::unique_ptr<RaceClass>& slot = classes_[{ch.id, cls}];
  if (slot) return *slot;
  slot = std::make_unique<RaceClass>();
  RaceClass& rc = *slot;
  const ClassTables& t = Tables(ch, cls);
  const gen::Hierarchy& h = ch.model;
  rc.t = &t;
  rc.cls = cls;
  gen::Trace::Clear();
  void* obj = t.make();
  auto off = [&](void* p) { return static_cast<char*>(p) - static_cast<char*>(obj); };
  rc.up_off.assign(h.classes.size(), 0);
  const bool more_derived = (backend_.capabilities() & VTO_CAP_MORE_DERIVED) != 0;
  for (int s : ch.plan.classes[static_cast<size_t>(cls)].up) {
    const std::ptrdiff_t o = off(t.up[static_cast<size_t>(s)](obj));
    rc.up_off[static_cast<size_t>(s)] = o;
    if (!h.classes[static_cast<size_t>(s)].polymorphic) continue;
    // The primary chain shares the complete object's address; without the capability only
    // the class itself may be reflected.
    if (o == 0 && (s == cls || more_derived) && gen::IsNameable(h, s)) {
      rc.targets.push_back(ObjectTarget(t, obj, false, s));
    }
    if (t.delete_via[static_cast<size_t>(s)] != nullptr && !gen::IsEffectivelyFinal(h, s)) {
      rc.visible_delete.push_back(s);
    }
  }
  for (std::ptrdiff_t o : t.VptrOffsets(obj)) {
    if (std::find(rc.vptr_offsets.begin(), rc.vptr_offsets.end(), o) == rc.vptr_offsets.end()) rc.vptr_offsets.push_back(o);
  }
  // Several vptrs (usable only where the backend claims what they need): every polymorphic
  // subobject as the instance, reflected as each class of a subobject inside it that the
  // contract selects there, past the pairs above.
  const gen::SubobjectGraph& g = t.ex().graph();
  for (int n : t.polymorphic_nodes) {
    if (!t.has_multiple_vptrs || !more_derived) break;
    for (int r : t.polymorphic_nodes) {
      if (!g.Contains(n, r) || !gen::IsNameable(h, g.node(r).cls)) continue;
      const InstallTarget at = TargetAt(t, obj, false, n, g.node(r).cls);
      bool known = at.reflected_node < 0;
      for (const InstallTarget& x : rc.targets) {
        known = known || (x.instance_off == at.instance_off && x.reflected == at.reflected);
      }
      if (!known) rc.targets.push_back(at);
    }
  }
  std::sort(rc.vptr_offsets.begin(), rc.vptr_offsets.end());
  for (const CallCheck& c : t.calls) {
    rc.calls.push_back({&c, rc.up_off[static_cast<size_t>(c.s)], off(t.PointerOf(obj, c.expected.this_path))});
  }
  for (const IdentityCheck& id : t.identity) {
    if (id.s == cls) rc.type_of = id.type_fn;
  }
  t.del(obj);
  gen::Trace::Clear();
  return rc;
}

void RaceRunner::Run(const uint8_t* data, size_t size, Transcript* transcript) {
  ++stats_.inputs;
  const MultiVptrInput<RaceStats> share(stats_);
  InputHeader in = ReadInputHeader(data, size, options_.lifecycle_hierarchy_bits);
  const uint32_t mask = HierarchyCount(options_.lifecycle_hierarchy_bits) - 1;
  const uint32_t first = in.hierarchy;
  // The first hierarchy at or after the selected one with an overlayable concrete class.
  const CompiledHierarchy* ch = nullptr;
  std::vector<const RaceClass*> usable;
  for (uint32_t k = 0; k <= mask && usable.empty(); ++k) {
    ch = &cache_.Get((first + k) & mask);
    for (size_t c = 0; c < ch->model.classes.size(); ++c) {
      if (!ch->plan.classes[c].new_and_delete || !ch->model.classes[c].polymorphic) continue;
      // A final class whose unit compares vptrs is refused (R13): fuzz_dispatch checks that.
      if (ch->VptrIdentityAssumed(static_cast<int>(c))) continue;
      const ClassTables& t = Tables(*ch, static_cast<int>(c));
      if (!MissingCapabilities(t, backend_.capabilities(), false, false, false, false).empty()) continue;
      const RaceClass& rc = ClassInfo(*ch, static_cast<int>(c));
      if (!rc.targets.empty()) usable.push_back(&rc);
    }
  }
  if (transcript != nullptr) SetReproducerHierarchy(*ch);
  if (usable.empty()) {
    ++stats_.no_usable_class;
    return;
  }
  auto s = std::make_shared<race::RaceScenario>(backend_, *ch, options_, in.scenario, stats_, usable, transcript);
  try {
    s->Plan();
    s->Transcribe();
    if (options_.verbose >= 1) std::fprintf(stderr, "fuzz_race: hierarchy %s\n%s", ch->ns.c_str(), s->Describe().c_str());
    {
      NoUnwindScope no_unwind;  // the workers run the schedule on the scenario's objects
      s->Execute(*pool_);
    }
    s->Check();
  } catch (const OracleFinding&) {
    KeepAfterFinding(std::move(s));
    throw;
  }
}

}  // namespace vto::harness
