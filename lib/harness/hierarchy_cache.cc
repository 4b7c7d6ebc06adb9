// hierarchy_cache.cc — generate, emit, compile (in batches) and resolve stubs.
#include "harness/hierarchy_cache.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <tuple>

#include "gen/byte_source.h"
#include "gen/conventions.h"
#include "gen/emit.h"
#include "gen/generate.h"
#include "gen/lifecycle_kit.h"
#include "gen/stub_names.h"
#include "harness/class_tables.h"
#include "harness/failure.h"

namespace vto::harness {

void CacheStats::Add(const CacheStats& o) {
  gets += o.gets;
  hits += o.hits;
  units += o.units;
  recycles += o.recycles;
  hierarchies += o.hierarchies;
  distinct += o.distinct;
  for (int l = 0; l < 3; ++l) units_at_level[l] += o.units_at_level[l];
  compile_seconds += o.compile_seconds;
  thread_hierarchies += o.thread_hierarchies;
  thread_seconds += o.thread_seconds;
  wait_seconds += o.wait_seconds;
}

CompiledHierarchy::CompiledHierarchy() = default;
CompiledHierarchy::~CompiledHierarchy() = default;

void* CompiledHierarchy::Stub(const std::string& name) const {
  auto it = symbols.find(name);
  if (it == symbols.end()) HarnessError("hierarchy " + ns + " has no stub " + name);
  return it->second;
}

vto_unit_mode UnitModeOf(const gen::CompilerMode& mode) {
  return vto_unit_mode{mode.opt_level, mode.assume_unique_vtables ? 1 : 0, mode.strict_vtable_pointers ? 1 : 0};
}

bool CompiledHierarchy::VptrIdentityAssumed(int cls) const {
  const gen::ClassModel& c = model.classes.at(static_cast<size_t>(cls));
  return c.polymorphic && gen::IsEffectivelyFinal(model, cls) && mode.assume_unique_vtables && mode.opt_level >= 1;
}

HierarchyCache::HierarchyCache(backend::Backend& backend, const Options& options, bool lifecycle_kit,
                               bool compiler_modes)
    : backend_(backend), options_(options), lifecycle_kit_(lifecycle_kit) {
  if (compiler_modes && options.compiler_modes != 0) {
    draw_modes_ = backend.compiles_in_modes();
    if (!draw_modes_) {
      std::fprintf(stderr, "vto: backend '%s' cannot compile a unit in a mode (backend ABI < 4, no compile_in_mode): "
                   "every hierarchy is compiled in %s\n",
                   backend.name().c_str(), gen::DescribeCompilerMode(DefaultMode(options)).c_str());
    }
  }
}

namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The model, the mode and the source variants drawn from one id's bytes, in that order.
std::pair<gen::Hierarchy, gen::CompilerMode> Draw(uint32_t id) {
  gen::ByteSource src = gen::ByteSource::FromSeed(id);
  const gen::GenPolicy policy;
  gen::Hierarchy h = gen::Generate(src, policy);
  const gen::CompilerMode mode = gen::DrawCompilerMode(src, policy);
  gen::DrawSourceVariants(src, policy, &h);
  return {std::move(h), mode};
}

}  // namespace

gen::Hierarchy HierarchyCache::Model(uint32_t id) { return Draw(id).first; }
gen::CompilerMode HierarchyCache::Mode(uint32_t id) { return Draw(id).second; }

gen::CompilerMode HierarchyCache::DefaultMode(const Options& options) {
  gen::CompilerMode m;
  m.opt_level = options.jit_opt_level;
  return m;
}

namespace {

// Every stub name the plan promises, for resolving them once per compile.
std::vector<std::string> PlannedStubs(const std::string& ns, const gen::StubPlan& plan, const gen::Hierarchy* kit) {
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
  if (kit != nullptr) {
    for (int c : gen::KitClasses(*kit)) names.push_back(gen::LcEntryName(ns, c));
    for (int s : gen::KitStaticClasses(*kit)) names.push_back(gen::LcStaticName(ns, s));
    for (size_t k = 0; k < kit->signatures.size(); ++k) names.push_back(gen::LcThrowName(ns, static_cast<int>(k)));
  }
  return names;
}

}  // namespace

HierarchyCache::Batch HierarchyCache::Emit(uint32_t first, uint32_t count) const {
  Batch b;
  b.first = first;
  // What to compile, in order, each unit in its mode. Hierarchies with a lifecycle kit are
  // compiled in several units each (the hierarchy, then gen::EmitLifecycleKitUnits): their
  // many template instantiations make ORC's per-unit symbol bookkeeping grow faster than
  // linearly (measured under ASan: one unit per hierarchy ~9 s; docs/GENERATOR.md §7). The
  // others share one unit per mode.
  for (uint32_t id = first; id < first + count; ++id) {
    auto ch = std::make_unique<CompiledHierarchy>();
    ch->id = id;
    ch->ns = Namespace(id);
    std::tie(ch->model, ch->mode) = Draw(id);
    if (!draw_modes_) ch->mode = DefaultMode(options_);
    gen::LimitSourceVariants(&ch->model, options_.source_variants);
    ch->plan = gen::PlanStubs(ch->model);
    ch->source = gen::EmitSource(ch->model, ch->ns);
    if (lifecycle_kit_) {
      // The kit's objects may point at its units' local copies of a vtable (the llvm#141039
      // workaround, interp/interpreter.h), which makes -fassume-unique-vtables false in this
      // program: it is never drawn here (fuzz_dispatch covers R13). The kit is the binding's
      // own code, which CONTRACT Q6 asks not to keep a vptr across an overlay change: only the
      // hierarchy's own unit is compiled with -fstrict-vtable-pointers. (No kit function keeps
      // one today, so this is a precaution: docs/MUTANTS.md, the equivalent mutant.)
      ch->mode.assume_unique_vtables = false;
      gen::CompilerMode kit_mode = ch->mode;
      kit_mode.strict_vtable_pointers = false;
      b.units.push_back({ch->mode, ch->source});
      for (std::string& u : gen::EmitLifecycleKitUnits(ch->model, ch->ns)) {
        ch->source += u;
        b.units.push_back({kit_mode, std::move(u)});
      }
    } else {
      auto same = std::find_if(b.units.begin(), b.units.end(), [&](const Unit& u) { return u.mode == ch->mode; });
      if (same == b.units.end()) same = b.units.insert(b.units.end(), Unit{ch->mode, {}});
      same->code += ch->source;
    }
    b.hierarchies.push_back(std::move(ch));
  }
  return b;
}

void HierarchyCache::Build(Batch& b, CacheStats* counts, bool prepare) {
  std::lock_guard<std::mutex> compiling(compile_mu_);
  const uint32_t first = b.first;
  counts->hierarchies += b.hierarchies.size();
  // A backend that only reflects parses the same classes, declared and not defined, in its
  // own interpreter; the code runs in the harness's (backend.h, Declare).
  if (backend_.reflects_only()) {
    for (const auto& ch : b.hierarchies) {
      std::string decls = gen::EmitDeclarations(ch->model, ch->ns);
      if (lifecycle_kit_) decls += gen::EmitLifecycleKitDeclarations(ch->model, ch->ns);
      std::string diagnostics;
      if (!backend_.Declare(decls, &diagnostics)) {
        HarnessError("backend '" + backend_.name() + "' could not parse the declarations of hierarchy " + ch->ns +
                     ":\n" + diagnostics.substr(0, 4000));
      }
    }
  }
  for (const Unit& u : b.units) {
    std::string diagnostics;
    const bool ok = draw_modes_ ? backend_.CompileInMode(u.code, UnitModeOf(u.mode), &diagnostics)
                                : backend_.Compile(u.code, &diagnostics);
    ++counts->units;
    ++counts->units_at_level[std::min(u.mode.opt_level, 2)];
    if (!ok || !diagnostics.empty()) {
      HarnessError("generated hierarchies h" + std::to_string(first) + ".. did not compile cleanly in " +
                   gen::DescribeCompilerMode(u.mode) + " (a generator bug, not an overlay bug):\n" +
                   diagnostics.substr(0, 4000));
    }
  }
  // ORC generates machine code on the first lookup: the stubs are resolved here, on the
  // thread that compiles.
  for (auto& ch : b.hierarchies) {
    for (const std::string& name : PlannedStubs(ch->ns, ch->plan, lifecycle_kit_ ? &ch->model : nullptr)) {
      void* p = backend_.Lookup(name);
      if (p == nullptr) HarnessError("compiled hierarchy " + ch->ns + " lacks planned stub " + name);
      ch->symbols.emplace(name, p);
    }
    if (prepare) {
      for (size_t c = 0; c < ch->model.classes.size(); ++c) {
        if (!gen::IsNameable(ch->model, static_cast<int>(c))) continue;  // never reflected
        backend_.Prepare(ch->ns + "::" + gen::ClassName(static_cast<int>(c)));
      }
    }
  }
}

void HierarchyCache::Publish(Batch&& b) {
  for (auto& ch : b.hierarchies) {
    const uint32_t id = ch->id;
    entries_[id] = std::move(ch);
    compiled_.push_back(id);
    if (asked_.count(id) == 0) {
      unasked_.push_back(id);
      ++unasked_live_;
    }
  }
}

void HierarchyCache::RecycleLocked(std::unique_lock<std::mutex>& lock) {
  done_cv_.wait(lock, [&] { return !busy_; });  // the compile thread's batch is in the old interpreter too
  done_.clear();
  claimed_.clear();
  batches_since_recycle_ = 0;
  entries_.clear();
  compiled_.clear();
  unasked_.clear();
  unasked_live_ = 0;
  std::string error;
  if (!backend_.Recycle(&error)) HarnessError("recycling the backend failed: " + error);
  ++stats_.recycles;
  work_cv_.notify_all();
}

void HierarchyCache::CompileBatch(uint32_t first, uint32_t count, std::unique_lock<std::mutex>& lock) {
  if (batches_since_recycle_ >= static_cast<size_t>(options_.recycle_units)) RecycleLocked(lock);
  ++batches_since_recycle_;
  claimed_.insert(first);
  lock.unlock();
  Batch b = Emit(first, count);
  // JIT time: compiling the units and resolving their stubs.
  const auto start = std::chrono::steady_clock::now();
  Build(b, &stats_, /*prepare=*/false);
  stats_.compile_seconds += SecondsSince(start);
  Publish(std::move(b));
}

void HierarchyCache::Collect() {
  std::vector<Batch> ready;
  CacheStats c;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ready.swap(done_);
    c = thread_counts_;
    thread_counts_ = CacheStats{};
  }
  stats_.Add(c);
  for (Batch& b : ready) Publish(std::move(b));
  if (!ready.empty()) work_cv_.notify_one();  // published: no longer ahead in done_
}

const CompiledHierarchy& HierarchyCache::Get(uint32_t id) {
  ++stats_.gets;
  if (background_) Collect();
  if (asked_.insert(id).second) {
    ++stats_.distinct;
    // One fewer compiled ahead: the compile thread may be waiting for that (CompileAhead's
    // ids, or its own batches, all asked for).
    if (entries_.count(id) != 0 && --unasked_live_ < AheadIds() && background_) work_cv_.notify_one();
  }
  auto it = entries_.find(id);
  if (it != entries_.end()) {
    ++stats_.hits;
    return *it->second;
  }
  const uint32_t batch = BatchSize();
  const uint32_t first = id - id % batch;
  std::unique_lock<std::mutex> lock(mu_);
  if (claimed_.count(first) != 0) {
    // The compile thread has it, done or in flight: wait for it rather than compile it twice.
    const auto start = std::chrono::steady_clock::now();
    done_cv_.wait(lock, [&] { return !(busy_ && busy_first_ == first); });
    lock.unlock();
    Collect();
    stats_.wait_seconds += SecondsSince(start);
    it = entries_.find(id);
    // Claimed and not in flight is published (a recycle unclaims everything).
    VTO_CHECK(it != entries_.end(), "h" + std::to_string(id) + "'s batch was claimed and never published");
    return *it->second;
  }
  CompileBatch(first, batch, lock);
  return *entries_.at(id);
}

void HierarchyCache::SafePoint() {
  if (!background_) return;
  Collect();
  std::unique_lock<std::mutex> lock(mu_);
  const bool full = batches_since_recycle_ >= static_cast<size_t>(options_.recycle_units);
  if (full && !busy_ && done_.empty() && unasked_.empty()) RecycleLocked(lock);
  if (entries_.empty() && !stop_) {
    // Nothing to run inputs on (the start, a recycle): the thread's next batch.
    const auto start = std::chrono::steady_clock::now();
    done_cv_.wait(lock, [&] { return !done_.empty() || stop_; });
    lock.unlock();
    Collect();
    stats_.wait_seconds += SecondsSince(start);
  }
}

void HierarchyCache::StartCompileThread(uint32_t id_count, uint64_t seed) {
  if (background_) return;
  if (!backend_.compiles_concurrently()) {
    HarnessError("StartCompileThread: backend '" + backend_.name() + "' does not compile concurrently");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = false;
  }
  background_ = true;
  thread_ = std::thread([this, id_count, seed] { CompileThreadLoop(id_count, seed); });
}

void HierarchyCache::StopCompileThread() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  done_cv_.notify_all();
  if (thread_.joinable()) {
    // exit() on the compile thread itself (a HarnessError there) runs the atexit handlers
    // that stop it: it cannot join itself.
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();
      return;
    }
    thread_.join();
  }
  if (background_) Collect();
  background_ = false;
}

HierarchyCache::~HierarchyCache() { StopCompileThread(); }

void HierarchyCache::CompileThreadLoop(uint32_t id_count, uint64_t seed) {
  const uint32_t batch = BatchSize();
  const uint32_t batches = (id_count + batch - 1) / batch;
  // Compiled and not asked for: published (unasked_live_) or finished and not yet taken.
  const size_t ahead = AheadIds();
  auto ahead_now = [&] { return unasked_live_.load() + done_.size() * batch; };
  uint64_t rng = seed;
  for (;;) {
    std::unique_lock<std::mutex> lock(mu_);
    work_cv_.wait(lock, [&] {
      return stop_ || (batches_since_recycle_ < static_cast<size_t>(options_.recycle_units) && ahead_now() < ahead &&
                       claimed_.size() < batches);
    });
    if (stop_) return;
    uint32_t first = static_cast<uint32_t>(gen::SplitMix64(&rng) % batches) * batch;
    for (uint32_t tries = 0; claimed_.count(first) != 0; ++tries) {
      // Few batches left unclaimed: the next one after the drawn one.
      first = tries < 16 ? static_cast<uint32_t>(gen::SplitMix64(&rng) % batches) * batch : (first + batch) % (batches * batch);
    }
    claimed_.insert(first);
    ++batches_since_recycle_;
    busy_ = true;
    busy_first_ = first;
    lock.unlock();
    Batch b = Emit(first, batch);
    CacheStats counts;
    const auto start = std::chrono::steady_clock::now();
    Build(b, &counts, /*prepare=*/true);
    counts.thread_seconds = SecondsSince(start);
    counts.thread_hierarchies = counts.hierarchies;
    lock.lock();
    thread_counts_.Add(counts);
    done_.push_back(std::move(b));
    busy_ = false;
    done_cv_.notify_all();
  }
}

std::optional<uint32_t> HierarchyCache::TakeUnasked(uint64_t r) {
  while (!unasked_.empty()) {
    const size_t i = static_cast<size_t>(r % unasked_.size());
    const uint32_t id = unasked_[i];
    unasked_[i] = unasked_.back();
    unasked_.pop_back();
    if (asked_.count(id) == 0) return id;  // else an input asked for it since it was compiled
    r = r * 6364136223846793005ull + 1442695040888963407ull;
  }
  return std::nullopt;
}

std::optional<uint32_t> HierarchyCache::AnyCompiled(uint64_t r) const {
  if (compiled_.empty()) return std::nullopt;
  return compiled_[static_cast<size_t>(r % compiled_.size())];
}

// Kit hierarchies are compiled one per unit anyway, so prefetching neighbours would only
// spend JIT time on ids no input asked for.
uint32_t HierarchyCache::BatchSize() const {
  return lifecycle_kit_ ? 1u : static_cast<uint32_t>(options_.batch < 1 ? 1 : options_.batch);
}

uint32_t HierarchyCache::CompileAhead(uint32_t count) {
  // recycle_units bounds batches (CompileBatch). The ids are compiled, not asked for: they
  // stay unasked (TakeUnasked) until an input asks.
  const uint32_t batch = BatchSize();
  const uint64_t fit = static_cast<uint64_t>(options_.recycle_units) * batch;
  const auto n = static_cast<uint32_t>(std::min<uint64_t>(count, fit));
  uint32_t id = 0;
  for (; id < n; id += batch) {
    if (Compiled(id)) continue;
    std::unique_lock<std::mutex> lock(mu_);
    if (claimed_.count(id) == 0) CompileBatch(id, batch, lock);  // whole batches: Get compiles the same ones
  }
  return id;
}

}  // namespace vto::harness
