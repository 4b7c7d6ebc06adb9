// promises_test.cc — contract profiles (harness/promises.h): for each VTO_PROMISE_* bit, a
// backend that breaks exactly that promise is FOUND when it makes the promise, and runs the
// committed inputs clean, with "not promised" events counted, when it does not.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <utility>

#include <deque>
#include <mutex>
#include <typeinfo>
#include <set>
#include <string>
#include <vector>

#include "backend/builtin_backend.h"
#include "harness/dispatch_scenario.h"
#include "harness/hierarchy_cache.h"
#include "harness/lifecycle_scenario.h"
#include "harness/promises.h"
#include "harness/race_scenario.h"
#include "overlay/overlay.h"
#include "seed_corpus.h"
#include "test_backend.h"

namespace vto::harness {
namespace {

const vto_backend_api& Builtin() { return *backend::BuiltinBackendApi(); }

void RunDispatch(const vto_backend_api* api) {
  std::unique_ptr<backend::Backend> b = OpenTestBackend(api);
  ASSERT_NE(b, nullptr);
  Options options;
  HierarchyCache cache(*b, options);
  DispatchRunner runner(*b, cache, options);
  for (const auto& s : ReadSeedCorpus("fuzz_dispatch")) runner.Run(s.data(), s.size());
  EXPECT_GT(runner.stats().overlays, 100u);
}

void RunRace(const vto_backend_api* api) {
  std::unique_ptr<backend::Backend> b = OpenTestBackend(api);
  ASSERT_NE(b, nullptr);
  Options options;
  options.batch = std::min(options.batch, 1 << options.lifecycle_hierarchy_bits);  // as InitTarget does for fuzz_race
  HierarchyCache cache(*b, options);
  RaceRunner runner(*b, cache, options);
  for (const auto& s : ReadSeedCorpus("fuzz_race")) runner.Run(s.data(), s.size());
  EXPECT_GT(runner.stats().overlays, 10u);
}

void RunLifecycle(const vto_backend_api* api) {
  std::unique_ptr<backend::Backend> b = OpenTestBackend(api);
  ASSERT_NE(b, nullptr);
  Options options;
  HierarchyCache cache(*b, options, /*lifecycle_kit=*/true);
  LifecycleRunner runner(*b, cache, options);
  for (const auto& s : ReadSeedCorpus("fuzz_lifecycle")) runner.Run(s.data(), s.size());
  EXPECT_GT(runner.stats().overlays, 100u);
}

// `table` with every promise but `bit`; alive for the process (death tests' children use it).
const vto_backend_api* Without(const vto_backend_api* table, uint32_t bit) {
  static std::deque<vto_backend_api> copies;
  copies.push_back(*table);
  copies.back().promises = VTO_PROMISE_ALL & ~bit;
  return &copies.back();
}

// Runs `run` on `broken`: with every promise it must fail with `finding`; without `bit` it
// must pass and count "not promised" events of `bit`.
template <typename RunFn>
void ExpectFoundOnlyWhenPromised(RunFn run, const vto_backend_api* broken, uint32_t bit, const char* finding) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ASSERT_EQ(broken->promises, VTO_PROMISE_ALL);
  EXPECT_DEATH(run(broken), finding) << PromiseName(bit);
  const uint64_t before = NotPromisedCount(bit);
  run(Without(broken, bit));
  EXPECT_GT(NotPromisedCount(bit), before) << PromiseName(bit);
}

// ---- the callbacks a broken backend sees (a trampoline around the binding's) ------------------
thread_local int t_in_callback = 0;
struct Trampoline {
  void (*cb)(void*, void*);
  void* ud;
  void* original_vptr;  // the object's vptr before the install
  uint64_t handle;      // the install's handle (set when it returns: no callback runs before)
};
// kHoldsAtDeath: the overlay counts as live after its object's death until its handle is
// released (g_held; as CppInterOp frees its clone only in DestroyVTableOverlay).
enum class CallbackFault { kNone, kRunsAfterRestore, kSwallowsThrow, kHoldsAtDeath };
std::mutex g_held_mu;
std::set<uint64_t> g_held;  // handles of hooked-dead objects not released yet
template <CallbackFault F>
void RunCallback(void* instance, void* user_data) {
  auto* t = static_cast<Trampoline*>(user_data);
  ++t_in_callback;
  if constexpr (F == CallbackFault::kRunsAfterRestore) {
    // As if the callback ran after the destructor had restored the original vptr.
    void* overlay = *static_cast<void**>(instance);
    *static_cast<void**>(instance) = t->original_vptr;
    t->cb(instance, t->ud);
    *static_cast<void**>(instance) = overlay;
  } else if constexpr (F == CallbackFault::kHoldsAtDeath) {
    {
      std::lock_guard<std::mutex> l(g_held_mu);
      g_held.insert(t->handle);
    }
    t->cb(instance, t->ud);  // may release the handle (erasing it again)
  } else if constexpr (F == CallbackFault::kSwallowsThrow) {
    try {
      t->cb(instance, t->ud);
    } catch (...) {
    }
  } else {
    t->cb(instance, t->ud);
  }
  --t_in_callback;
}
template <CallbackFault F>
int InstallWithTrampoline(vto_backend* b, const vto_backend_request* req, uint64_t* h, char* msg, size_t n) {
  if (req->on_destroy == nullptr || req->instance == nullptr) return Builtin().install(b, req, h, msg, n);
  static std::mutex mu;
  static std::deque<Trampoline> trampolines;  // one per install, reachable for the process
  vto_backend_request copy = *req;
  copy.on_destroy = &RunCallback<F>;
  {
    std::lock_guard<std::mutex> l(mu);
    trampolines.push_back(Trampoline{req->on_destroy, req->user_data, *static_cast<void**>(req->instance), 0});
    copy.user_data = &trampolines.back();
  }
  const int r = Builtin().install(b, &copy, h, msg, n);
  static_cast<Trampoline*>(copy.user_data)->handle = *h;
  return r;
}

// ---- one broken backend per promise ------------------------------------------------------------

// A second teardown of a handle says kRestored.
std::mutex g_mu;
std::set<uint64_t> g_closed;
int TeardownTwiceRestores(vto_backend* b, uint64_t h) {
  {
    std::lock_guard<std::mutex> l(g_mu);
    if (!g_closed.insert(h).second) return static_cast<int>(TeardownResult::kRestored);
  }
  return Builtin().teardown(b, h);
}
TEST(Promises, IdempotentTeardown) {
  const vto_backend_api* api = PatchedBuiltin([](vto_backend_api& a) { a.teardown = &TeardownTwiceRestores; });
  ExpectFoundOnlyWhenPromised(&RunDispatch, api, VTO_PROMISE_IDEMPOTENT_TEARDOWN,
                              "VTO ORACLE FAILURE: .*second teardown.*got kRestored, expected kAlreadyTornDown");
  const vto_backend_api* race = PatchedBuiltin([](vto_backend_api& a) { a.teardown = &TeardownTwiceRestores; });
  ExpectFoundOnlyWhenPromised(&RunRace, race, VTO_PROMISE_IDEMPOTENT_TEARDOWN,
                              "VTO ORACLE FAILURE: .*second teardown.*got kRestored, expected kAlreadyTornDown");
}

// A teardown after a hooked death says kRestored (as a pass-through of an API whose teardown
// returns nothing must).
int TeardownAfterDeathSaysRestored(vto_backend* b, uint64_t h) {
  const int r = Builtin().teardown(b, h);
  return r == static_cast<int>(TeardownResult::kObjectDestroyed) ? static_cast<int>(TeardownResult::kRestored) : r;
}
TEST(Promises, TeardownResults) {
  const vto_backend_api* api = PatchedBuiltin([](vto_backend_api& a) { a.teardown = &TeardownAfterDeathSaysRestored; });
  ExpectFoundOnlyWhenPromised(&RunDispatch, api, VTO_PROMISE_TEARDOWN_RESULTS,
                              "VTO ORACLE FAILURE: .*teardown after hooked destruction.*got kRestored, expected "
                              "kObjectDestroyed");
  const vto_backend_api* lc =
      PatchedBuiltin([](vto_backend_api& a) { a.teardown = &TeardownAfterDeathSaysRestored; });
  ExpectFoundOnlyWhenPromised(&RunLifecycle, lc, VTO_PROMISE_TEARDOWN_RESULTS,
                              "VTO ORACLE FAILURE: .*got kRestored, expected kObjectDestroyed");
}

// The defined race (a teardown racing the object's hooked delete on another thread) is
// scheduled only for a backend that promises it; without the promise no input makes one (the
// deterministic half of "found when promised": with the built-in backend the seeds make some).
size_t DefinedRaces(const vto_backend_api* api) {
  std::unique_ptr<backend::Backend> b = OpenTestBackend(api);
  if (b == nullptr) return 0;
  Options options;
  options.batch = std::min(options.batch, 1 << options.lifecycle_hierarchy_bits);  // as InitTarget does
  HierarchyCache cache(*b, options);
  RaceRunner runner(*b, cache, options);
  for (const auto& s : ReadSeedCorpus("fuzz_race")) runner.Run(s.data(), s.size());
  return runner.stats().defined_races;
}
TEST(Promises, ConcurrentTeardown) {
  EXPECT_GT(DefinedRaces(nullptr), 0u);
  const uint64_t before = NotPromisedCount(VTO_PROMISE_CONCURRENT_TEARDOWN);
  EXPECT_EQ(DefinedRaces(Without(&Builtin(), VTO_PROMISE_CONCURRENT_TEARDOWN)), 0u);
  EXPECT_GT(NotPromisedCount(VTO_PROMISE_CONCURRENT_TEARDOWN), before);
}

// A null instance is "installed" (nothing happens, handle 0).
int InstallAcceptsNull(vto_backend* b, const vto_backend_request* req, uint64_t* h, char* msg, size_t n) {
  if (req->instance == nullptr) {
    *h = 0;
    return 0;
  }
  return Builtin().install(b, req, h, msg, n);
}
TEST(Promises, RefusesInvalidTarget) {
  const vto_backend_api* api = PatchedBuiltin([](vto_backend_api& a) { a.install = &InstallAcceptsNull; });
  ExpectFoundOnlyWhenPromised(&RunDispatch, api, VTO_PROMISE_REFUSES_INVALID_TARGET,
                              "VTO ORACLE FAILURE: .*installed an overlay with a null instance");
}

// The callback runs with the object's original vptr back in place (after the destructor).
TEST(Promises, CallbackBeforeDestructor) {
  const vto_backend_api* api =
      PatchedBuiltin([](vto_backend_api& a) { a.install = &InstallWithTrampoline<CallbackFault::kRunsAfterRestore>; });
  ExpectFoundOnlyWhenPromised(&RunDispatch, api, VTO_PROMISE_CALLBACK_BEFORE_DESTRUCTOR,
                              "VTO ORACLE FAILURE: .*ran with the overlay still installed");
}

// Every overlay of a stack reads its extra slots from the start of the stack's area: the
// smallest first index seen on the object (the first overlay's; with virtual bases it is not 0,
// CONTRACT P5), keyed by the object's address and dynamic type.
void** SharedExtraSlot(vto_backend*, uint64_t handle, void* instance, size_t i) {
  static std::mutex mu;
  static std::map<std::pair<void*, const void*>, size_t> start;
  const void* rtti = (*static_cast<void* const* const*>(instance))[-1];
  const size_t first = FirstExtraIndex(handle);
  std::lock_guard<std::mutex> lock(mu);
  auto it = start.emplace(std::make_pair(instance, rtti), first).first;
  if (first < it->second) it->second = first;
  return &ExtraSlot(instance, it->second + i);
}
TEST(Promises, StackedExtraSlots) {
  const vto_backend_api* api = PatchedBuiltin([](vto_backend_api& a) { a.extra_slot = &SharedExtraSlot; });
  ExpectFoundOnlyWhenPromised(&RunDispatch, api, VTO_PROMISE_STACKED_EXTRA_SLOTS,
                              "VTO ORACLE FAILURE: .*extra slot");
}

// A teardown inside the callback says kRestored.
int TeardownInCallbackRestores(vto_backend* b, uint64_t h) {
  const int r = Builtin().teardown(b, h);
  return t_in_callback > 0 ? static_cast<int>(TeardownResult::kRestored) : r;
}
TEST(Promises, ReleaseInCallback) {
  const vto_backend_api* api = PatchedBuiltin([](vto_backend_api& a) {
    a.install = &InstallWithTrampoline<CallbackFault::kNone>;
    a.teardown = &TeardownInCallbackRestores;
  });
  ExpectFoundOnlyWhenPromised(&RunLifecycle, api, VTO_PROMISE_RELEASE_IN_CALLBACK,
                              "VTO ORACLE FAILURE: .*inside its destroy hook, the first release");
}

// An install from inside a callback "succeeds" (nothing happens, handle 0).
int InstallWhileDying(vto_backend* b, const vto_backend_request* req, uint64_t* h, char* msg, size_t n) {
  if (t_in_callback > 0) {
    *h = 0;
    return 0;
  }
  return InstallWithTrampoline<CallbackFault::kNone>(b, req, h, msg, n);
}
TEST(Promises, RefusesDyingObject) {
  const vto_backend_api* api = PatchedBuiltin([](vto_backend_api& a) { a.install = &InstallWhileDying; });
  ExpectFoundOnlyWhenPromised(&RunLifecycle, api, VTO_PROMISE_REFUSES_DYING_OBJECT,
                              "VTO ORACLE FAILURE: .*installing another overlay on the dying");
}

// A throwing callback's exception is swallowed.
TEST(Promises, TerminatesOnThrow) {
  const vto_backend_api* api =
      PatchedBuiltin([](vto_backend_api& a) { a.install = &InstallWithTrampoline<CallbackFault::kSwallowsThrow>; });
  ExpectFoundOnlyWhenPromised(&RunLifecycle, api, VTO_PROMISE_TERMINATES_ON_THROW,
                              "VTO ORACLE FAILURE: .*CONTRACT P9");
}

// A teardown that finds a foreign vptr says kRestored (it still writes nothing).
int DetachedSaysRestored(vto_backend* b, uint64_t h) {
  const int r = Builtin().teardown(b, h);
  return r == static_cast<int>(TeardownResult::kDetached) ? static_cast<int>(TeardownResult::kRestored) : r;
}
TEST(Promises, DetachesForeignVptr) {
  const vto_backend_api* api = PatchedBuiltin([](vto_backend_api& a) { a.teardown = &DetachedSaysRestored; });
  ExpectFoundOnlyWhenPromised(&RunLifecycle, api, VTO_PROMISE_DETACHES_FOREIGN_VPTR,
                              "VTO ORACLE FAILURE: .*got kRestored, expected kDetached");
}

// The destructor run in place (p->~T(), make_shared, vector elements) fires no callback: on
// an object's first overlay, the clone's complete-object destructor entry is the original's.
std::set<void*> g_clones;  // every vptr an install left (a stacked install starts from one)
// The complete object's vptr: the instance may point at any polymorphic base subobject (its
// vptr's offset-to-top leads to the complete object, whose vptr the dtor slot indexes).
void** PrimaryVptr(void* instance) {
  void** vptr = *static_cast<void***>(instance);
  char* complete = static_cast<char*>(instance) + reinterpret_cast<std::ptrdiff_t>(vptr[-2]);
  return *reinterpret_cast<void***>(complete);
}
int InstallHookingOnlyDelete(vto_backend* b, const vto_backend_request* req, uint64_t* h, char* msg, size_t n) {
  void** original = req->instance != nullptr ? PrimaryVptr(req->instance) : nullptr;
  const int r = Builtin().install(b, req, h, msg, n);
  if (r != 0) return r;
  void** clone = PrimaryVptr(req->instance);
  std::lock_guard<std::mutex> l(g_mu);
  const bool first = g_clones.count(original) == 0;
  g_clones.insert(clone);
  if (!first || req->on_destroy == nullptr) return r;
  const auto* rtti = static_cast<const std::type_info*>(clone[-1]);
  const ClassShape* shape = backend::BuiltinShapes(b)->Find(rtti->name());
  if (shape != nullptr && shape->complete_dtor_slot >= 0) {
    clone[shape->complete_dtor_slot] = original[shape->complete_dtor_slot];
  }
  return r;
}
TEST(Promises, HooksCompleteDestructor) {
  const vto_backend_api* api = PatchedBuiltin([](vto_backend_api& a) { a.install = &InstallHookingOnlyDelete; });
  ExpectFoundOnlyWhenPromised(&RunLifecycle, api, VTO_PROMISE_HOOKS_COMPLETE_DESTRUCTOR,
                              "VTO ORACLE FAILURE: .*did not fire");
}

// Every overlay of an object that died through a hooked destructor is counted live until its
// handle is released (as CppInterOp frees its clone only in DestroyVTableOverlay).
int ReleaseHeld(vto_backend* b, uint64_t h) {
  {
    std::lock_guard<std::mutex> l(g_held_mu);
    g_held.erase(h);
  }
  return Builtin().teardown(b, h);
}
int AbandonHeld(vto_backend* b, uint64_t h) {
  {
    std::lock_guard<std::mutex> l(g_held_mu);
    g_held.erase(h);
  }
  return Builtin().abandon(b, h);
}
size_t LiveWithHeld(vto_backend* b) {
  std::lock_guard<std::mutex> l(g_held_mu);
  return Builtin().live_overlays(b) + g_held.size();
}
TEST(Promises, FreesAtDeath) {
  const vto_backend_api* api = PatchedBuiltin([](vto_backend_api& a) {
    a.install = &InstallWithTrampoline<CallbackFault::kHoldsAtDeath>;
    a.teardown = &ReleaseHeld;
    a.abandon = &AbandonHeld;
    a.live_overlays = &LiveWithHeld;
  });
  ExpectFoundOnlyWhenPromised(&RunLifecycle, api, VTO_PROMISE_FREES_AT_DEATH,
                              "VTO ORACLE FAILURE: .*live-overlay count after an operation");
}

TEST(Promises, EveryBitHasAName) {
  for (uint32_t bit = 1; bit <= VTO_PROMISE_ALL; bit <<= 1) EXPECT_STRNE(PromiseName(bit), "?") << bit;
  EXPECT_STREQ(PromiseName(3), "?");
  EXPECT_EQ(Builtin().promises, VTO_PROMISE_ALL);
}

}  // namespace
}  // namespace vto::harness
