// stack_map_test.cc — the registry's per-object stack table (internal::StackMap) against
// std::unordered_map as a model: lookups, erase with backward shift (clustered keys),
// stable Stack addresses across growth, and reuse of erased nodes (no steady-state growth).
#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>

#include "overlay/registry.h"

namespace vto::internal {
namespace {

// Keys that cluster: objects on one page, and objects 4 KiB apart (same low bits).
void* Key(uint64_t i) { return reinterpret_cast<void*>(0x10000000ull + (i % 7 == 0 ? i * 4096 : i * 16)); }
Block* Tag(uint64_t i) { return reinterpret_cast<Block*>(0x1000ull + i * 8); }

constexpr uint64_t kKeyPool = 4096;

// Random inserts, erases and finds of keys from a pool of kKeyPool, at most `max_live` at
// once, checked against the model after every operation. A small max_live keeps the table
// small and up to half full while the keys keep changing, so probe runs often wrap around
// the table's end and erases must shift members back across it.
void RunAgainstModel(size_t max_live, uint64_t seed) {
  StackMap map;
  std::unordered_map<void*, Stack*> model;  // key -> address the map gave its stack
  std::mt19937_64 rng(seed);
  for (int op = 0; op < 200000; ++op) {
    uint64_t k = rng() % kKeyPool;
    void* key = Key(k);
    switch (rng() % 3) {
      case 0: {  // insert or access
        if (model.size() >= max_live && model.count(key) == 0) break;
        Stack& s = map[key];
        auto [it, inserted] = model.emplace(key, &s);
        if (inserted) {
          s.top = Tag(k);
        } else {
          ASSERT_EQ(it->second, &s) << "a stack moved (op " << op << ")";
        }
        break;
      }
      case 1: {  // erase by key
        size_t removed = map.erase(key);
        ASSERT_EQ(removed, model.erase(key)) << "op " << op;
        break;
      }
      default: {  // find
        StackMap::iterator it = map.find(key);
        auto m = model.find(key);
        ASSERT_EQ(it != map.end(), m != model.end()) << "op " << op;
        if (m != model.end()) {
          ASSERT_EQ(&it->second, m->second);
          ASSERT_EQ(it->first, key);
          ASSERT_EQ(it->second.top, Tag(k)) << "op " << op;
        }
      }
    }
    ASSERT_EQ(map.size(), model.size());
    if (max_live <= 64) {
      for (auto& [live, stack] : model) ASSERT_EQ(&map.find(live)->second, stack) << "op " << op;
    }
  }
  for (auto& [key, stack] : model) {
    StackMap::iterator it = map.find(key);
    ASSERT_NE(it, map.end());
    EXPECT_EQ(&it->second, stack);
    map.erase(it);
  }
  EXPECT_EQ(map.size(), 0u);
  for (uint64_t k = 0; k < kKeyPool; ++k) ASSERT_EQ(map.find(Key(k)), map.end());
}

TEST(StackMap, MatchesUnorderedMapUnderRandomOperations) {
  for (size_t max_live : {3, 8, 15, 40, 3000}) {
    SCOPED_TRACE("max_live=" + std::to_string(max_live));
    RunAgainstModel(max_live, 20240611 + max_live);  // fixed seeds
    if (HasFatalFailure()) return;
  }
}

TEST(StackMap, ErasedNodesAreReusedNotGrown) {
  StackMap map;
  std::vector<Stack*> first_round;
  for (uint64_t k = 0; k < 100; ++k) first_round.push_back(&map[Key(k)]);
  for (uint64_t k = 0; k < 100; ++k) ASSERT_EQ(map.erase(Key(k)), 1u);
  // New keys must land in the nodes just freed: the steady state allocates nothing.
  std::vector<Stack*> second_round;
  for (uint64_t k = 1000; k < 1100; ++k) {
    Stack& s = map[Key(k)];
    EXPECT_EQ(s.top, nullptr) << "a reused node starts empty";
    EXPECT_FALSE(s.dying);
    second_round.push_back(&s);
  }
  std::sort(first_round.begin(), first_round.end());
  std::sort(second_round.begin(), second_round.end());
  EXPECT_EQ(first_round, second_round);
}

TEST(StackMap, StackAddressSurvivesGrowth) {
  StackMap map;
  Stack* held = &map[Key(1)];
  held->dying = true;
  for (uint64_t k = 2; k < 5000; ++k) map[Key(k)];  // several table doublings
  StackMap::iterator it = map.find(Key(1));
  ASSERT_NE(it, map.end());
  EXPECT_EQ(&it->second, held);
  EXPECT_TRUE(held->dying);
}

}  // namespace
}  // namespace vto::internal
