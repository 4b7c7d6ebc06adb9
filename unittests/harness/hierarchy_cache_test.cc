// hierarchy_cache_test.cc — the compiler mode each cached hierarchy is compiled in: the one
// its id draws (fuzz_dispatch, fuzz_race), with the lifecycle kit's exceptions, or the
// default mode without --vto-compiler_modes.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>

#include "backend/backend.h"
#include "gen/compiler_mode.h"
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

}  // namespace
}  // namespace vto::harness
