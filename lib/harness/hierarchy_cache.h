// hierarchy_cache.h — compiled hierarchies, cached, batched and recycled.
//
// JIT costs 20–120 ms per translation unit, so a fuzzer cannot compile per input. The cache
// maps a hierarchy id (taken from the input's first bytes) to a CompiledHierarchy: the
// model, its emitted source, and every stub's address. On a miss it generates and compiles
// the whole batch of `Options::batch` consecutive ids in ONE translation unit (each in its
// own namespace "h<id>"), so inputs near each other hit. A cache that draws compiler modes
// (`compiler_modes`) compiles a batch as one unit per mode among its hierarchies, each
// hierarchy in the mode its id draws (gen/compiler_mode.h; with the lifecycle kit never
// assuming unique vtables, and the kit's units without strict vtable pointers: see
// CompileBatch); the others compile every hierarchy in DefaultMode(). Its source variants
// (gen/generate.h) are the drawn ones up to the level `Options::source_variants` (0: none). Hierarchies
// with the lifecycle kit are compiled one at a time, in several units
// (gen::EmitLifecycleKitUnits). After `Options::recycle_units` batches it drops every entry
// and recycles the backend's interpreter, bounding memory.
//
// The compile thread (StartCompileThread; --vto-compile_thread, for a backend that
// compiles_concurrently()) compiles whole batches of drawn ids ahead of the inputs, on a
// thread of its own, while the calling thread runs inputs: the JIT leaves the fuzzing
// thread. It keeps at most kAheadBatches batches compiled and not yet asked for, and stops at
// the recycle bound; the calling thread takes its batches, and recycles, at SafePoint() and
// Get(). What an id compiles to does not depend on the thread that compiled it: the same id
// is the same hierarchy in the same mode. A Get() of an id the thread is compiling waits
// for it; one no thread compiles compiles on the calling thread, as without the thread.
//
// Ownership: a CompiledHierarchy reference is valid until the next Get() or SafePoint()
// (which may recycle); objects made by its stubs must be destroyed before then.
// Thread-safety: thread-compatible (one calling thread; the compile thread is internal).
#ifndef VTO_HARNESS_HIERARCHY_CACHE_H
#define VTO_HARNESS_HIERARCHY_CACHE_H

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "backend/backend.h"
#include "gen/compiler_mode.h"
#include "gen/model.h"
#include "gen/policy.h"
#include "gen/stubs.h"
#include "harness/options.h"

namespace vto::harness {

class ClassTables;

struct CompiledHierarchy {
  CompiledHierarchy();
  ~CompiledHierarchy();
  uint32_t id = 0;
  std::string ns;          // "h<id>"
  gen::Hierarchy model;
  gen::CompilerMode mode;  // what its unit was compiled in (a kit's units: without strict vtable pointers)
  gen::StubPlan plan;
  std::string source;      // this hierarchy's emitted C++, with the kit if any (reproducers store it)
  std::unordered_map<std::string, void*> symbols;  // every planned stub, by name
  mutable std::vector<std::unique_ptr<ClassTables>> tables;  // by class, built by Tables()

  // The stub's address; a missing stub is a harness error (the plan and the emitter disagree).
  [[nodiscard]] void* Stub(const std::string& name) const;
  // Whether code of this hierarchy may compile dynamic_cast<cls*> into a vptr comparison: a
  // polymorphic final class in a unit compiled with -fassume-unique-vtables at -O1 or above
  // (CONTRACT R13; interp's LayoutBuilder reports it in the class's shape).
  [[nodiscard]] bool VptrIdentityAssumed(int cls) const;
};

struct CacheStats {
  uint64_t gets = 0, hits = 0, units = 0, recycles = 0;
  uint64_t hierarchies = 0;       // compiled (a recycled one compiled again counts again)
  uint64_t distinct = 0;          // distinct ids Get() was asked for (what inputs exercised)
  uint64_t units_at_level[3] = {};  // units compiled at -O0, -O1, -O2 and above
  double compile_seconds = 0;       // JIT on the calling thread (what the steering's budget charges)
  uint64_t thread_hierarchies = 0;  // compiled by the compile thread (also in `hierarchies`)
  double thread_seconds = 0;        // the compile thread's JIT
  double wait_seconds = 0;          // the calling thread waiting for the compile thread

  void Add(const CacheStats& o);  // every field, summed (the compile thread's into the cache's)
};

// The backend ABI's spelling of a compiler mode (backend_abi.h).
[[nodiscard]] vto_unit_mode UnitModeOf(const gen::CompilerMode& mode);

class HierarchyCache {
 public:
  // Does not own `backend`, which must outlive the cache. With `lifecycle_kit`, every
  // hierarchy's unit also holds its lifecycle kit (gen/lifecycle_kit.h) and `symbols` its
  // entry points. With `compiler_modes`, each hierarchy is compiled in Mode(id) where the
  // backend compiles_in_modes() (else DefaultMode(), with a note on stderr).
  HierarchyCache(backend::Backend& backend, const Options& options, bool lifecycle_kit = false,
                 bool compiler_modes = false);
  ~HierarchyCache();  // stops the compile thread (after the unit it is compiling)
  HierarchyCache(const HierarchyCache&) = delete;
  HierarchyCache& operator=(const HierarchyCache&) = delete;

  // Batches the compile thread keeps compiled ahead of the inputs (ids not asked for yet).
  static constexpr size_t kAheadBatches = 8;
  // Starts the compile thread: it compiles whole batches of ids below `id_count`, drawn by
  // `seed`, ahead of the inputs. No-op when it runs. REQUIRES: the backend
  // compiles_concurrently(); not before a fork (warm restarts fork first, then start it).
  void StartCompileThread(uint32_t id_count, uint64_t seed);
  [[nodiscard]] bool compiles_in_background() const { return background_; }
  // Stops it after the unit it is compiling; Get() then compiles on the calling thread.
  void StopCompileThread();
  // Between inputs (no object made by a stub lives): takes the batches the compile thread
  // finished; recycles once it has compiled its recycle_units batches and every id it
  // compiled was asked for; waits for its next batch when nothing is compiled. Nothing
  // without the compile thread.
  void SafePoint();

  // The hierarchy `id` (any value; taken modulo 2^hierarchy_bits by the caller).
  [[nodiscard]] const CompiledHierarchy& Get(uint32_t id);
  // Compiles hierarchies 0.. before any input asks (warm restarts): `count` of them rounded
  // up to whole batches, or as many as fit before the cache would recycle. Returns how many
  // are compiled. They count as compiled, not as asked for (CacheStats::distinct,
  // TakeUnasked).
  uint32_t CompileAhead(uint32_t count);
  [[nodiscard]] const CacheStats& stats() const { return stats_; }

  // What is compiled now (hierarchy_steering.h moves inputs among these). Compiled(id): a
  // Get(id) would hit. TakeUnasked: an id compiled and never asked for by Get() (a batch's
  // neighbours of the id that was asked; CompileAhead's), chosen by `r` and removed from the
  // list; nullopt when there is none. AnyCompiled: a compiled id chosen by `r`, or nullopt.
  // A recycle empties all three. With the compile thread, what it finished is seen from the
  // next SafePoint() or Get().
  [[nodiscard]] bool Compiled(uint32_t id) const { return entries_.count(id) != 0; }
  [[nodiscard]] std::optional<uint32_t> TakeUnasked(uint64_t r);
  [[nodiscard]] std::optional<uint32_t> AnyCompiled(uint64_t r) const;

  // The model for `id` without compiling (deterministic; used by reproducers and tests).
  [[nodiscard]] static gen::Hierarchy Model(uint32_t id);
  // The compiler mode `id` draws (after its model, from the same bytes), and the mode of a
  // cache that draws none: -O<jit_opt_level>, -fno-assume-unique-vtables, no strict vptrs.
  [[nodiscard]] static gen::CompilerMode Mode(uint32_t id);
  [[nodiscard]] static gen::CompilerMode DefaultMode(const Options& options);
  // Whether this cache compiles hierarchies in the modes their ids draw.
  [[nodiscard]] bool draws_modes() const { return draw_modes_; }
  [[nodiscard]] static std::string Namespace(uint32_t id) { return "h" + std::to_string(id); }

 private:
  struct Unit {
    gen::CompilerMode mode;
    std::string code;
  };
  // Ids first.. generated and emitted; then compiled (Build); then in entries_ (Publish).
  struct Batch {
    uint32_t first = 0;
    std::vector<std::unique_ptr<CompiledHierarchy>> hierarchies;
    std::vector<Unit> units;
  };
  [[nodiscard]] Batch Emit(uint32_t first, uint32_t count) const;  // any thread
  // Compiles b's units and resolves its stubs (the backend; under compile_mu_); counts units
  // into *counts. `prepare`: also Backend::Prepare every class (for the compile thread).
  void Build(Batch& b, CacheStats* counts, bool prepare);
  void Publish(Batch&& b);  // calling thread
  // Claims and compiles the batch at `first` on the calling thread, recycling first when the
  // bound is reached. `lock` holds mu_ on entry; released on return.
  void CompileBatch(uint32_t first, uint32_t count, std::unique_lock<std::mutex>& lock);
  void RecycleLocked(std::unique_lock<std::mutex>& lock);  // waits for the thread's batch
  void Collect();                                          // takes done_ (calling thread)
  void CompileThreadLoop(uint32_t id_count, uint64_t seed);
  [[nodiscard]] uint32_t BatchSize() const;
  [[nodiscard]] size_t AheadIds() const { return kAheadBatches * BatchSize(); }
  backend::Backend& backend_;
  const Options& options_;
  bool lifecycle_kit_ = false;
  bool draw_modes_ = false;
  bool background_ = false;  // the compile thread runs (calling thread's view)

  // Shared with the compile thread.
  std::mutex compile_mu_;  // one thread in the backend's Compile/Lookup/Prepare at a time
  std::mutex mu_;          // guards the members up to the next blank line
  std::condition_variable work_cv_;  // the compile thread may go on (or stop)
  std::condition_variable done_cv_;  // a batch finished
  bool stop_ = false;
  bool busy_ = false;           // the compile thread is emitting or compiling the batch at busy_first_
  uint32_t busy_first_ = 0;
  size_t batches_since_recycle_ = 0;
  std::unordered_set<uint32_t> claimed_;  // first ids of batches compiled or in flight since the recycle
  std::vector<Batch> done_;               // finished by the compile thread, not yet published
  CacheStats thread_counts_;              // the compile thread's, not yet added to stats_
  std::atomic<size_t> unasked_live_{0};   // compiled ids never asked for (the ahead bound)

  std::thread thread_;
  std::unordered_map<uint32_t, std::unique_ptr<CompiledHierarchy>> entries_;
  std::unordered_set<uint32_t> asked_;  // ids Get() was called for (CacheStats::distinct)
  std::vector<uint32_t> compiled_;      // the keys of entries_, in compile order
  std::vector<uint32_t> unasked_;       // compiled_ not in asked_ when compiled (removed lazily)
  CacheStats stats_;
};

}  // namespace vto::harness

#endif  // VTO_HARNESS_HIERARCHY_CACHE_H
