// hierarchy_cache_test.cc — the compiler mode each cached hierarchy is compiled in: the one
// its id draws (fuzz_dispatch, fuzz_race), with the lifecycle kit's exceptions, or the
// default mode without --vto-compiler_modes; the compile thread: inputs run while it
// compiles, its hierarchies are the same programs, and the cache recycles with it.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "backend/backend.h"
#include "gen/compiler_mode.h"
#include "harness/dispatch_scenario.h"
#include "harness/hierarchy_cache.h"
#include "harness/options.h"
#include "test_backend.h"

namespace vto::harness {
namespace {

// The first id whose drawn mode assumes unique vtables at -O1+ and (when `strict`) keeps
// vptrs, and whose model has a final polymorphic concrete class.
uint32_t FirstAssumingId(bool strict) {
  for (uint32_t id = 0; id < 4096; ++id) {
    const gen::CompilerMode m = HierarchyCache::Mode(id);
    if (!m.assume_unique_vtables || m.opt_level < 1 || (strict && !m.strict_vtable_pointers)) continue;
    const gen::Hierarchy h = HierarchyCache::Model(id);
    for (const gen::ClassModel& c : h.classes) {
      if (c.is_final && c.polymorphic && !c.abstract) return id;
    }
  }
  ADD_FAILURE() << "no id below 4096 draws an assuming mode with a final class";
  return 0;
}

bool AnyAssumed(const CompiledHierarchy& ch) {
  for (size_t c = 0; c < ch.model.classes.size(); ++c) {
    if (ch.VptrIdentityAssumed(static_cast<int>(c))) return true;
  }
  return false;
}

TEST(HierarchyCache, CompilesEachHierarchyInTheModeItsIdDraws) {
  std::unique_ptr<backend::Backend> b = OpenTestBackend(nullptr);
  ASSERT_NE(b, nullptr);
  Options options;
  options.batch = 1;
  HierarchyCache cache(*b, options, /*lifecycle_kit=*/false, /*compiler_modes=*/true);
  ASSERT_TRUE(cache.draws_modes());
  const uint32_t id = FirstAssumingId(/*strict=*/false);
  const CompiledHierarchy& ch = cache.Get(id);
  EXPECT_EQ(ch.mode, HierarchyCache::Mode(id));
  EXPECT_TRUE(AnyAssumed(ch));  // R13 applies to its final classes
  EXPECT_EQ(cache.stats().units_at_level[ch.mode.opt_level], 1u);
}

TEST(HierarchyCache, WithoutModesEveryHierarchyIsInTheDefaultMode) {
  std::unique_ptr<backend::Backend> b = OpenTestBackend(nullptr);
  ASSERT_NE(b, nullptr);
  Options options;
  options.batch = 1;
  options.compiler_modes = 0;
  HierarchyCache cache(*b, options, /*lifecycle_kit=*/false, /*compiler_modes=*/true);
  EXPECT_FALSE(cache.draws_modes());
  const CompiledHierarchy& ch = cache.Get(FirstAssumingId(false));
  EXPECT_EQ(ch.mode, HierarchyCache::DefaultMode(options));
  EXPECT_FALSE(AnyAssumed(ch));
}

// The kit's objects may use its units' local vtable copies: a kit cache never assumes unique
// vtables, and keeps the drawn -O level and strict vtable pointers (of the hierarchy's unit).
TEST(HierarchyCache, LifecycleKitNeverAssumesUniqueVtables) {
  std::unique_ptr<backend::Backend> b = OpenTestBackend(nullptr);
  ASSERT_NE(b, nullptr);
  Options options;
  HierarchyCache cache(*b, options, /*lifecycle_kit=*/true, /*compiler_modes=*/true);
  const uint32_t id = FirstAssumingId(/*strict=*/true);
  const gen::CompilerMode drawn = HierarchyCache::Mode(id);
  const CompiledHierarchy& ch = cache.Get(id);
  EXPECT_FALSE(ch.mode.assume_unique_vtables);
  EXPECT_EQ(ch.mode.opt_level, drawn.opt_level);
  EXPECT_TRUE(ch.mode.strict_vtable_pointers);
  EXPECT_FALSE(AnyAssumed(ch));
}

// The lifecycle kit's std::vector<C11>::erase move-assigns h13841::C11, whose virtual base
// C0T<0> two of its bases reach (C5 : C2, virtual C0): clang's -Wmultiple-move-vbase, which
// stopped a fuzz_lifecycle campaign (docs/MEASUREMENTS.md). The kit's batch compiles clean.
TEST(HierarchyCache, LifecycleKitMoveAssignsARepeatedVirtualBaseWithoutWarning) {
  std::unique_ptr<backend::Backend> b = OpenTestBackend(nullptr);
  ASSERT_NE(b, nullptr);
  Options options;
  HierarchyCache cache(*b, options, /*lifecycle_kit=*/true, /*compiler_modes=*/true);
  const CompiledHierarchy& ch = cache.Get(13841);
  EXPECT_EQ(ch.id, 13841u);
}

// An input of fuzz_dispatch on hierarchy `id`: the header, then scenario bytes.
std::vector<uint8_t> InputOn(uint32_t id, uint32_t salt) {
  std::vector<uint8_t> in = {static_cast<uint8_t>(id), static_cast<uint8_t>(id >> 8)};
  uint64_t x = 0x243f6a8885a308d3ull ^ salt;
  for (int i = 0; i < 96; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    in.push_back(static_cast<uint8_t>(x >> 56));
  }
  return in;
}

// Inputs run (and install overlays) on this thread while the compile thread compiles the
// next batches; nothing is compiled here; once the thread has compiled recycle_units batches
// and each of their ids ran, SafePoint recycles and the thread goes on in the new
// interpreter.
TEST(HierarchyCache, CompileThreadCompilesWhileInputsRunAndRecycles) {
  std::unique_ptr<backend::Backend> b = OpenTestBackend(nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(b->compiles_concurrently());
  Options options;
  options.batch = 2;
  options.recycle_units = 4;
  HierarchyCache cache(*b, options, /*lifecycle_kit=*/false, /*compiler_modes=*/true);
  DispatchRunner runner(*b, cache, options);
  cache.StartCompileThread(1u << 16, 7);
  ASSERT_TRUE(cache.compiles_in_background());
  std::set<uint32_t> ran;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  for (uint32_t i = 0; cache.stats().recycles == 0 && std::chrono::steady_clock::now() < deadline; ++i) {
    cache.SafePoint();
    std::optional<uint32_t> id = cache.TakeUnasked(i);
    if (!id) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));  // the thread compiles the next batch
      id = cache.AnyCompiled(i);
    }
    ASSERT_TRUE(id.has_value()) << "SafePoint returned with nothing compiled";
    const std::vector<uint8_t> in = InputOn(*id, i);
    runner.Run(in.data(), in.size());
    ran.insert(*id);
  }
  EXPECT_EQ(cache.stats().recycles, 1u);
  EXPECT_GE(ran.size(), 8u);  // every id of the 4 batches, each asked before the recycle
  EXPECT_EQ(cache.stats().compile_seconds, 0.0);
  EXPECT_GE(cache.stats().thread_hierarchies, 8u);
  EXPECT_GT(runner.stats().overlays, 0u);
  // After the recycle: the thread's next batch, in the new interpreter.
  cache.SafePoint();
  std::optional<uint32_t> id = cache.AnyCompiled(1);
  ASSERT_TRUE(id.has_value());
  const std::vector<uint8_t> in = InputOn(*id, 1);
  runner.Run(in.data(), in.size());
  // An id the thread has not claimed compiles here, while it runs.
  uint32_t mine = 65535;
  while (cache.Compiled(mine)) --mine;
  const CompiledHierarchy& ch = cache.Get(mine);
  EXPECT_EQ(ch.id, mine);
  EXPECT_GT(cache.stats().compile_seconds, 0.0);
  cache.StopCompileThread();
  EXPECT_FALSE(cache.compiles_in_background());
}

// Which thread compiled a hierarchy does not change it: the same source in the same mode as
// a cache without the thread compiles for the same id.
TEST(HierarchyCache, CompileThreadCompilesTheSameProgramForAnId) {
  std::unique_ptr<backend::Backend> b = OpenTestBackend(nullptr);
  std::unique_ptr<backend::Backend> b2 = OpenTestBackend(nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_NE(b2, nullptr);
  Options options;
  options.batch = 2;
  HierarchyCache threaded(*b, options, /*lifecycle_kit=*/false, /*compiler_modes=*/true);
  HierarchyCache plain(*b2, options, /*lifecycle_kit=*/false, /*compiler_modes=*/true);
  threaded.StartCompileThread(1u << 16, 11);
  threaded.SafePoint();
  std::optional<uint32_t> id = threaded.TakeUnasked(0);
  ASSERT_TRUE(id.has_value());
  const CompiledHierarchy& a = threaded.Get(*id);
  const CompiledHierarchy& c = plain.Get(*id);
  EXPECT_EQ(a.source, c.source);
  EXPECT_EQ(a.mode, c.mode);
  EXPECT_EQ(a.symbols.size(), c.symbols.size());
  EXPECT_EQ(threaded.stats().compile_seconds, 0.0);
  EXPECT_EQ(threaded.stats().hits, 1u);
}

// Started with more compiled ahead than it keeps (a warm restart's CompileAhead), the thread
// waits, and compiles again once inputs have asked for them.
TEST(HierarchyCache, CompileThreadResumesOnceTheIdsCompiledAheadAreAsked) {
  std::unique_ptr<backend::Backend> b = OpenTestBackend(nullptr);
  ASSERT_NE(b, nullptr);
  Options options;
  options.batch = 1;
  HierarchyCache cache(*b, options, /*lifecycle_kit=*/false, /*compiler_modes=*/true);
  const uint32_t ahead = static_cast<uint32_t>(HierarchyCache::kAheadBatches) + 2;
  ASSERT_EQ(cache.CompileAhead(ahead), ahead);
  cache.StartCompileThread(1u << 16, 3);
  for (uint32_t id = 0; id < ahead; ++id) (void)cache.Get(id);  // every one asked: below the bound
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (cache.stats().thread_hierarchies == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    cache.SafePoint();
  }
  EXPECT_GT(cache.stats().thread_hierarchies, 0u);
  EXPECT_TRUE(cache.TakeUnasked(0).has_value());
}

}  // namespace
}  // namespace vto::harness
