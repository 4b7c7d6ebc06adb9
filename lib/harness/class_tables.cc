// class_tables.cc — per-class precomputed checks (class_tables.h).
#include "harness/class_tables.h"

#include <limits>

#include "gen/cxx_rules.h"
#include "gen/stub_names.h"
#include "harness/return_adjustment.h"

namespace vto::harness {
namespace {

constexpr std::ptrdiff_t kUnknownOffset = std::numeric_limits<std::ptrdiff_t>::min();

uint64_t Key(int s, int name, int sig) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(s)) << 40) ^
         (static_cast<uint64_t>(static_cast<uint32_t>(name)) << 20) ^ static_cast<uint32_t>(sig);
}

}  // namespace

ClassTables::ClassTables(const CompiledHierarchy& ch, int c) : cls(c), ch_(ch) {
  ex_ = std::make_unique<gen::ObjectExpectations>(ch.model, c);
  const gen::StubPlan& plan = ch.plan;
  const std::string& ns = ch.ns;
  make = reinterpret_cast<NewFn>(ch.Stub(gen::NewStubName(ns, c)));
  del = reinterpret_cast<DeleteFn>(ch.Stub(gen::DeleteStubName(ns, c)));
  up.assign(ch.model.classes.size(), nullptr);
  delete_via.assign(ch.model.classes.size(), nullptr);
  for (int s : plan.classes[c].up) {
    up[s] = reinterpret_cast<PtrFn>(ch.Stub(gen::UpStubName(ns, c, s)));
    const gen::ClassStubs& cs = plan.classes[s];
    if (cs.delete_via) delete_via[s] = reinterpret_cast<DeleteFn>(ch.Stub(gen::DeleteViaStubName(ns, s)));
    for (const gen::VirtualCall& call : cs.calls) {
      std::optional<gen::Expected> e = ex_->Call(s, call.name, call.sig);
      if (!e) continue;
      call_index_[Key(s, call.name, call.sig)] = calls.size();
      calls.push_back({s, call, reinterpret_cast<CallFn>(ch.Stub(gen::CallStubName(ns, s, call.name, call.sig))), *e});
    }
    if (cs.typeid_and_void_cast) {
      IdentityCheck id{s, reinterpret_cast<NameFn>(ch.Stub(gen::TypeidStubName(ns, s))), {}};
      std::vector<int> targets = cs.dyncasts;
      targets.push_back(gen::kVoidTarget);
      for (int t : targets) {
        id.casts.push_back({t, reinterpret_cast<PtrFn>(ch.Stub(gen::DynCastStubName(ns, s, t))), ex_->DynamicCast(s, t)});
      }
      identity.push_back(std::move(id));
    }
  }
  construction = ex_->ConstructionTrace();
  destruction = ex_->DestructionTrace();
  type_name = gen::ExpectedTypeName(ch.model, ns, c);
  alloc_owner = gen::AllocationOwner(ch.model, ex_->graph(), 0);
  alloc_align = static_cast<std::size_t>(gen::ObjectAlignas(ch.model, c));

  const gen::SubobjectGraph& g = ex_->graph();
  std::vector<bool> on_chain(static_cast<size_t>(g.size()), false);
  for (int n = 0; n >= 0;) {  // the primary chain: the first non-virtual polymorphic base, repeatedly
    on_chain[static_cast<size_t>(n)] = true;
    int next = -1;
    for (int b : g.node(n).bases) {
      if (!g.node(b).is_virtual && ch.model.classes[g.node(b).cls].polymorphic) {
        next = b;
        break;
      }
    }
    n = next;
  }
  node_offsets_.assign(static_cast<size_t>(g.size()), kUnknownOffset);
  nodes_of_class_.resize(ch.model.classes.size());
  for (int n = 0; n < g.size(); ++n) {
    node_paths_.push_back(g.PathTo(n));
    const gen::SubobjectPath& path = node_paths_.back();
    std::vector<PtrFn> walk;
    for (size_t i = 1; i < path.size(); ++i)
      walk.push_back(reinterpret_cast<PtrFn>(ch.Stub(gen::UpStubName(ns, path[i - 1], path[i]))));
    node_walk_.push_back(std::move(walk));
    nodes_of_class_[static_cast<size_t>(g.node(n).cls)].push_back(n);
    has_virtual_bases = has_virtual_bases || g.node(n).is_virtual;
    if (ch.model.classes[g.node(n).cls].polymorphic && !on_chain[static_cast<size_t>(n)]) has_multiple_vptrs = true;
    if (ch.model.classes[g.node(n).cls].polymorphic) polymorphic_nodes.push_back(n);
  }
}

const CallCheck* ClassTables::Find(int s, int name, int sig) const {
  auto it = call_index_.find(Key(s, name, sig));
  return it == call_index_.end() ? nullptr : &calls[it->second];
}

void* ClassTables::PointerOf(void* obj, const gen::SubobjectPath& path) const {
  auto it = offsets_.find(path);
  if (it != offsets_.end()) return static_cast<char*>(obj) + it->second;
  void* p = WalkPath(obj, path);
  offsets_.emplace(path, static_cast<char*>(p) - static_cast<char*>(obj));
  return p;
}

void* ClassTables::WalkPath(void* obj, const gen::SubobjectPath& path) const {
  const size_t n = ch_.model.classes.size();
  if (base_up_.empty()) base_up_.assign(n * n, nullptr);
  void* p = obj;
  for (size_t i = 1; i < path.size(); ++i) {
    PtrFn& up_stub = base_up_[static_cast<size_t>(path[i - 1]) * n + static_cast<size_t>(path[i])];
    if (up_stub == nullptr) up_stub = reinterpret_cast<PtrFn>(ch_.Stub(gen::UpStubName(ch_.ns, path[i - 1], path[i])));
    p = up_stub(p);
  }
  return p;
}

void* ClassTables::WalkNode(void* obj, int node) const {
  void* p = obj;
  for (PtrFn up_stub : node_walk_[static_cast<size_t>(node)]) p = up_stub(p);
  return p;
}

std::ptrdiff_t ClassTables::OffsetOf(void* obj, int node, bool walk) const {
  if (walk) return static_cast<char*>(WalkNode(obj, node)) - static_cast<char*>(obj);
  std::ptrdiff_t& off = node_offsets_[static_cast<size_t>(node)];
  if (off == kUnknownOffset) off = static_cast<char*>(WalkNode(obj, node)) - static_cast<char*>(obj);
  return off;
}

const ClassTables::ReflectedCall& ClassTables::CallAt(int node, int name, int sig) const {
  auto [it, inserted] = reflected_calls_.try_emplace(Key(node, name, sig));
  if (inserted) {
    it->second.expected = ex_->CallAt(node, name, sig);
    it->second.return_adjusted = it->second.expected && ReplacesReturnAdjusted(ch_, *it->second.expected, name, sig);
  }
  return it->second;
}

std::vector<std::ptrdiff_t> ClassTables::VptrOffsets(void* obj) const {
  std::vector<std::ptrdiff_t> out;
  for (int n : polymorphic_nodes) out.push_back(OffsetOf(obj, n));
  return out;
}

void ClassTables::CaptureVptrs(void* obj, bool walk, VptrWords* words) const {
  words->Reset(polymorphic_nodes.size());
  for (int n : polymorphic_nodes) words->Add(obj, OffsetOf(obj, n, walk));
}

const ClassTables& Tables(const CompiledHierarchy& ch, int cls) {
  if (ch.tables.size() != ch.model.classes.size()) ch.tables.resize(ch.model.classes.size());
  std::unique_ptr<ClassTables>& t = ch.tables[static_cast<size_t>(cls)];
  if (!t) t = std::make_unique<ClassTables>(ch, cls);
  return *t;
}

std::string MissingCapabilities(const ClassTables& t, uint32_t caps, bool hook, bool extra_slots, bool stacked,
                                bool more_derived) {
  std::string missing;
  if (t.has_virtual_bases && !(caps & VTO_CAP_VIRTUAL_BASES)) missing += " virtual-bases";
  if (t.has_multiple_vptrs && !(caps & VTO_CAP_MULTIPLE_VPTRS)) missing += " multiple-vptrs";
  if (hook && !(caps & VTO_CAP_DESTROY_HOOK)) missing += " destroy-hook";
  if (extra_slots && !(caps & VTO_CAP_EXTRA_SLOTS)) missing += " extra-slots";
  if (stacked && !(caps & VTO_CAP_STACKING)) missing += " stacking";
  if (more_derived && !(caps & VTO_CAP_MORE_DERIVED)) missing += " more-derived";
  return missing;
}

}  // namespace vto::harness
