// hierarchy_steering_test.cc — the custom mutator's choice of hierarchy: the scenario bytes
// are libFuzzer's, the header moves to unasked neighbours first, to new ids only on credit,
// and an uncompiled input's hierarchy is left for a compiled one without credit.
#include "harness/hierarchy_steering.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "backend/backend.h"
#include "harness/hierarchy_cache.h"
#include "harness/input_header.h"
#include "harness/options.h"
#include "test_backend.h"

namespace vto::harness {
namespace {

constexpr int kBits = 16;

// A steering over a real cache (batches of 4), with a clock the test moves and a "libFuzzer"
// that records what it was given and appends one byte.
struct Rig {
  Rig() : backend(OpenTestBackend(nullptr)) {
    options.batch = 4;
    cache = std::make_unique<HierarchyCache>(*backend, options, /*lifecycle_kit=*/false, /*compiler_modes=*/true);
  }
  HierarchySteering Make(double p_move, double budget = 0.5) {
    SteeringPolicy p;
    p.p_move = p_move;
    p.jit_budget = budget;
    return HierarchySteering(
        *cache, kBits, p,
        [this](uint8_t* data, size_t size, size_t max_size) {
          given.push_back({data, size});
          if (size < max_size) data[size++] = 0xab;
          return size;
        },
        [this] { return now; });
  }
  uint32_t IdOf(const std::vector<uint8_t>& in) const { return HierarchyIdOf(in.data(), in.size(), kBits); }
  // Runs one mutation of `in` (capacity 64 bytes) and returns the result.
  std::vector<uint8_t> Mutate(HierarchySteering& s, std::vector<uint8_t> in, unsigned seed = 1) {
    const size_t size = in.size();
    in.resize(64);
    in.resize(s.Mutate(in.data(), size, 64, seed));
    return in;
  }

  std::unique_ptr<backend::Backend> backend;
  Options options;
  std::unique_ptr<HierarchyCache> cache;
  double now = 1000;
  struct Call {
    uint8_t* data;
    size_t size;
  };
  std::vector<Call> given;
};

TEST(HierarchySteering, KeepsTheHierarchyAndGivesLibFuzzerOnlyTheScenarioBytes) {
  Rig rig;
  ASSERT_NE(rig.backend, nullptr);
  (void)rig.cache->Get(0x1234);
  HierarchySteering s = rig.Make(/*p_move=*/0);
  std::vector<uint8_t> in = {0x34, 0x12, 7, 8, 9};
  std::vector<uint8_t> out = rig.Mutate(s, in);
  ASSERT_EQ(rig.given.size(), 1u);
  EXPECT_EQ(rig.given[0].size, 3u);  // the scenario bytes only
  EXPECT_EQ((std::vector<uint8_t>(out.begin(), out.begin() + 5)), in);
  EXPECT_EQ(out.size(), 6u);
  EXPECT_EQ(s.stats().to_unasked + s.stats().to_new + s.stats().to_compiled + s.stats().redirected, 0u);
}

TEST(HierarchySteering, MovesToTheBatchNeighboursNoInputAskedForFirst) {
  Rig rig;
  ASSERT_NE(rig.backend, nullptr);
  (void)rig.cache->Get(8);  // compiles 8..11; 9, 10, 11 are unasked
  HierarchySteering s = rig.Make(/*p_move=*/1);
  std::set<uint32_t> seen;
  for (unsigned k = 0; k < 3; ++k) {
    std::vector<uint8_t> out = rig.Mutate(s, {8, 0, 1, 2}, k);
    EXPECT_EQ(out.size(), 4u);
    EXPECT_EQ(out[2], 1);  // a move is the whole mutation: the scenario is unchanged
    seen.insert(rig.IdOf(out));
  }
  EXPECT_EQ(seen, (std::set<uint32_t>{9, 10, 11}));
  EXPECT_EQ(s.stats().to_unasked, 3u);
  EXPECT_TRUE(rig.given.empty());
}

TEST(HierarchySteering, DrawsAnUncompiledIdOnlyWhileTheBudgetHasCredit) {
  Rig rig;
  ASSERT_NE(rig.backend, nullptr);
  HierarchySteering s = rig.Make(/*p_move=*/1, /*budget=*/0.5);
  EXPECT_EQ(s.Credit(), 0.0);
  (void)rig.cache->Get(4);  // JIT time with no wall time passed: the account is overdrawn
  for (int k = 0; k < 3; ++k) ASSERT_TRUE(rig.cache->TakeUnasked(0));  // 5, 6, 7: none left
  EXPECT_LT(s.Credit(), 0);
  for (unsigned k = 0; k < 8; ++k) {
    const uint32_t id = rig.IdOf(rig.Mutate(s, {4, 0, 1}, k));
    EXPECT_TRUE(rig.cache->Compiled(id)) << id;
  }
  EXPECT_EQ(s.stats().to_compiled, 8u);
  EXPECT_EQ(s.stats().to_new, 0u);

  rig.now += 100;  // 50 s of credit, capped at 30
  EXPECT_GT(s.Credit(), 0);
  EXPECT_LE(s.Credit(), 30.0);
  std::set<uint32_t> drawn;
  for (unsigned k = 0; k < 8; ++k) drawn.insert(rig.IdOf(rig.Mutate(s, {4, 0, 1}, 100 + k)));
  EXPECT_EQ(s.stats().to_new, 8u);
  EXPECT_GT(drawn.size(), 4u);  // uniform over 2^16 ids
}

TEST(HierarchySteering, LeavesAnUncompiledHierarchyForACompiledOneWithoutCredit) {
  Rig rig;
  ASSERT_NE(rig.backend, nullptr);
  HierarchySteering s = rig.Make(/*p_move=*/0);
  (void)s.Credit();
  (void)rig.cache->Get(20);  // overdrawn
  const std::vector<uint8_t> in = {0x77, 0x01, 5};
  std::vector<uint8_t> out = rig.Mutate(s, in);
  EXPECT_TRUE(rig.cache->Compiled(rig.IdOf(out)));
  EXPECT_EQ(s.stats().redirected, 1u);
  EXPECT_EQ(out[2], 5);
  EXPECT_EQ(out.size(), 4u);  // and the scenario is mutated too

  rig.now += 100;  // with credit the input keeps its hierarchy (and compiles when it runs)
  out = rig.Mutate(s, in);
  EXPECT_EQ(rig.IdOf(out), 0x177u);
  EXPECT_EQ(s.stats().redirected, 1u);
}

TEST(HierarchySteering, ShortInputsGetAHeaderThatKeepsTheirHierarchy) {
  Rig rig;
  ASSERT_NE(rig.backend, nullptr);
  HierarchySteering s = rig.Make(/*p_move=*/0);
  rig.now += 100;
  std::vector<uint8_t> out = rig.Mutate(s, {});
  ASSERT_GE(out.size(), 2u);
  EXPECT_EQ(rig.IdOf(out), 0u);  // missing header bytes read as 0
  out = rig.Mutate(s, {9});
  EXPECT_EQ(rig.IdOf(out), 9u);
  // Room for less than a header: every byte is libFuzzer's.
  uint8_t one[1] = {3};
  rig.given.clear();
  EXPECT_EQ(s.Mutate(one, 0, 1, 1), 1u);
  ASSERT_EQ(rig.given.size(), 1u);
  EXPECT_EQ(rig.given[0].data, one);
}

// With the compile thread, the JIT leaves the fuzzing thread: moves go to the thread's
// batches, never to a new id compiled here, whatever the credit.
TEST(HierarchySteering, WithTheCompileThreadMovesToItsBatchesAndCompilesNothingHere) {
  Rig r;
  SteeringPolicy p;
  p.p_move = 1.0;
  p.jit_budget = 1.0;
  p.compile_thread = true;
  HierarchySteering s(
      *r.cache, kBits, p, [](uint8_t*, size_t size, size_t) { return size; }, [&r] { return r.now; });
  std::set<uint32_t> ids;
  std::vector<uint8_t> in = {0, 0, 1, 2, 3};
  for (unsigned i = 0; ids.size() <= 6 && i < 4000; ++i) {  // until the thread's second batch ran
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    r.now += 100;  // plenty of credit: not spent with the thread
    in = r.Mutate(s, in, i + 1);
    const uint32_t id = r.IdOf(in);
    EXPECT_TRUE(r.cache->Compiled(id)) << id;
    (void)r.cache->Get(id);  // the input runs
    ids.insert(id);
  }
  EXPECT_TRUE(r.cache->compiles_in_background());
  EXPECT_EQ(s.stats().to_new, 0u);
  EXPECT_GT(s.stats().to_unasked, 0u);
  EXPECT_GT(ids.size(), 6u);
  EXPECT_EQ(r.cache->stats().compile_seconds, 0.0);
  EXPECT_GT(r.cache->stats().thread_hierarchies, 0u);
}

}  // namespace
}  // namespace vto::harness
