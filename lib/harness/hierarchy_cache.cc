// hierarchy_cache.cc — generate, emit, compile (in batches) and resolve stubs.
#include "harness/hierarchy_cache.h"

#include <chrono>

#include "gen/byte_source.h"
#include "gen/conventions.h"
#include "gen/emit.h"
#include "gen/generate.h"
#include "gen/stub_names.h"
#include "harness/class_tables.h"
#include "harness/failure.h"

namespace vto::harness {

CompiledHierarchy::CompiledHierarchy() = default;
CompiledHierarchy::~CompiledHierarchy() = default;

void* CompiledHierarchy::Stub(const std::string& name) const {
  auto it = symbols.find(name);
  if (it == symbols.end()) HarnessError("hierarchy " + ns + " has no stub " + name);
  return it->second;
}

HierarchyCache::HierarchyCache(backend::Backend& backend, const Options& options)
    : backend_(backend), options_(options) {}

gen::Hierarchy HierarchyCache::Model(uint32_t id) {
  gen::ByteSource src = gen::ByteSource::FromSeed(id);
  return gen::Generate(src, gen::GenPolicy{});
}

namespace {

// Every stub name the plan promises, for resolving them once per compile.
std::vector<std::string> PlannedStubs(const std::string& ns, const gen::StubPlan& plan) {
  std::vector<std::string> names;
  for (size_t c = 0; c < plan.classes.size(); ++c) {
    const gen::ClassStubs& cs = plan.classes[c];
    int cls = static_cast<int>(c);
    if (cs.new_and_delete) {
      names.push_back(gen::NewStubName(ns, cls));
      names.push_back(gen::DeleteStubName(ns, cls));
    }
    for (int s : cs.up) names.push_back(gen::UpStubName(ns, cls, s));
    if (cs.typeid_and_void_cast) {
      names.push_back(gen::TypeidStubName(ns, cls));
      names.push_back(gen::DynCastStubName(ns, cls, gen::kVoidTarget));
    }
    for (const gen::VirtualCall& call : cs.calls) names.push_back(gen::CallStubName(ns, cls, call.name, call.sig));
    if (cs.delete_via) names.push_back(gen::DeleteViaStubName(ns, cls));
    for (int t : cs.dyncasts) names.push_back(gen::DynCastStubName(ns, cls, t));
  }
  for (int k = 0; k < plan.num_signatures; ++k) {
    for (int r = 0; r < gen::kReplacementsPerSignature; ++r) names.push_back(gen::ReplacementStubName(ns, k, r));
  }
  return names;
}

}  // namespace

void HierarchyCache::CompileBatch(uint32_t first, uint32_t count) {
  if (backend_.CompiledUnits() >= static_cast<size_t>(options_.recycle_units)) {
    entries_.clear();
    std::string error;
    if (!backend_.Recycle(&error)) HarnessError("recycling the backend failed: " + error);
    ++stats_.recycles;
  }
  std::vector<std::unique_ptr<CompiledHierarchy>> batch;
  std::string unit;
  for (uint32_t id = first; id < first + count; ++id) {
    auto ch = std::make_unique<CompiledHierarchy>();
    ch->id = id;
    ch->ns = Namespace(id);
    ch->model = Model(id);
    ch->plan = gen::PlanStubs(ch->model);
    ch->source = gen::EmitSource(ch->model, ch->ns);
    unit += ch->source;
    batch.push_back(std::move(ch));
  }
  // JIT time: compiling the unit and resolving its stubs (ORC generates machine code on
  // the first lookup, so both count).
  auto start = std::chrono::steady_clock::now();
  std::string diagnostics;
  bool ok = backend_.Compile(unit, &diagnostics);
  ++stats_.units;
  if (!ok || !diagnostics.empty()) {
    HarnessError("generated hierarchies h" + std::to_string(first) + ".. did not compile cleanly (a generator "
                 "bug, not an overlay bug):\n" + diagnostics.substr(0, 4000));
  }
  for (auto& ch : batch) {
    for (const std::string& name : PlannedStubs(ch->ns, ch->plan)) {
      void* p = backend_.Lookup(name);
      if (p == nullptr) HarnessError("compiled hierarchy " + ch->ns + " lacks planned stub " + name);
      ch->symbols.emplace(name, p);
    }
    uint32_t id = ch->id;
    entries_[id] = std::move(ch);
  }
  stats_.compile_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

const CompiledHierarchy& HierarchyCache::Get(uint32_t id) {
  ++stats_.gets;
  auto it = entries_.find(id);
  if (it != entries_.end()) {
    ++stats_.hits;
    return *it->second;
  }
  uint32_t batch = static_cast<uint32_t>(options_.batch < 1 ? 1 : options_.batch);
  CompileBatch(id - id % batch, batch);
  return *entries_.at(id);
}

}  // namespace vto::harness
