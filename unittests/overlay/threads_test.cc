// threads_test.cc — P18–P20, on one vptr and on two. Meaningful under the tsan preset (TSan
// reports any data race as a failure); the counts are checked in every preset.
#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "overlay/registry.h"
#include "overlay_test_util.h"

namespace vto::test {
namespace {

using Threads = OverlayTest;

// A one-shot flag threads can wait on.
class Latch {
 public:
  void Set() {
    std::lock_guard<std::mutex> l(mu_);
    set_ = true;
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return set_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool set_ = false;
};

TEST_F(Threads, DifferentObjectsConcurrently) {
  constexpr int kThreads = 4, kIters = 300;
  std::atomic<int> hook_calls{0}, expected_hooks{0};
  auto work = [&](int seed) {
    std::mt19937 rng(seed);
    for (int i = 0; i < kIters; ++i) {
      Derived* d = new Derived;
      InstallRequest req = Request(d, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF)}});
      req.extra_slots = 1;
      req.on_destroy = [](void*, void* ud) { static_cast<std::atomic<int>*>(ud)->fetch_add(1); };
      req.user_data = &hook_calls;
      InstallResult a = Install(req, HostShapes());
      ASSERT_TRUE(a.ok()) << a.message;
      ExtraSlot(d, 0) = d;
      InstallResult b = Install(Request(d, ShapeOf<Base>(), {{SlotOf(&Base::g), AsVoid(&ReplacementG)}}),
                                HostShapes());
      ASSERT_TRUE(b.ok());
      ASSERT_EQ(Launder(d)->f(), 9007);
      ASSERT_EQ(Launder(d)->g(), 9100);
      switch (rng() % 3) {
        case 0:
          ASSERT_EQ(a.overlay.Teardown(), TeardownResult::kRestored);
          ASSERT_EQ(b.overlay.Teardown(), TeardownResult::kRestored);
          delete Launder(d);
          break;
        case 1:
          ASSERT_EQ(b.overlay.Teardown(), TeardownResult::kRestored);
          expected_hooks.fetch_add(1);
          delete Launder(d);
          ASSERT_EQ(a.overlay.Teardown(), TeardownResult::kObjectDestroyed);
          break;
        default:
          expected_hooks.fetch_add(1);
          delete Launder(d);
          ASSERT_EQ(a.overlay.Teardown(), TeardownResult::kObjectDestroyed);
          ASSERT_EQ(b.overlay.Teardown(), TeardownResult::kObjectDestroyed);
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(work, 1000 + t);
  for (auto& t : threads) t.join();
  EXPECT_EQ(hook_calls.load(), expected_hooks.load());
}

// P19: install and teardown on ONE object from several threads (no virtual calls run
// meanwhile, as Q1 requires): the library serializes them; every install stacks, every
// teardown restores, and the object ends with its original vptr.
TEST_F(Threads, SameObjectInstallTeardownConcurrently) {
  Derived d;
  abi::VPtr original = Vptr(&d);
  constexpr int kThreads = 4, kIters = 200;
  std::atomic<int> failures{0};
  auto work = [&](int seed) {
    std::mt19937 rng(seed);
    for (int i = 0; i < kIters; ++i) {
      InstallRequest req = Request(&d, ShapeOf<Base>(), {{SlotOf(&Base::g), AsVoid(&ReplacementG)}});
      req.extra_slots = rng() % 3;
      InstallResult r = Install(req, HostShapes());
      if (!r.ok()) failures.fetch_add(1);
      if (r.overlay.Teardown() != TeardownResult::kRestored) failures.fetch_add(1);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(work, 77 + t);
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Vptr(&d), original);
  EXPECT_EQ(Launder(&d)->g(), kBaseG);
}

TEST_F(Threads, ObjectHandedToAnotherThreadAndDestroyedThere) {
  HookLog log;
  Derived* d = new Derived;
  InstallRequest req = Request(d, ShapeOf<Base>());
  req.on_destroy = &RecordingHook;
  req.user_data = &log;
  InstallResult r = Ok(req);
  std::thread([d] { delete Launder(d); }).join();
  EXPECT_EQ(log.calls, 1);
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kObjectDestroyed);
}

// P20: teardown while the hook's callback runs on another thread.
TEST_F(Threads, TeardownRacesHookedDestructionDuringCallback) {
  struct Shared {
    Latch in_callback, teardown_done;
    std::atomic<int> calls{0};
  } sh;
  Derived* d = new Derived;
  InstallRequest req = Request(d, ShapeOf<Base>());
  req.on_destroy = [](void*, void* ud) {
    auto* s = static_cast<Shared*>(ud);
    s->calls.fetch_add(1);
    s->in_callback.Set();
    s->teardown_done.Wait();  // the other thread tears down while we are inside
  };
  req.user_data = &sh;
  InstallResult r = Ok(req);
  OverlayId id = r.overlay.release();
  TeardownResult seen = TeardownResult::kNullHandle;
  std::thread collector([&] {
    sh.in_callback.Wait();
    seen = TeardownOverlay(id);
    sh.teardown_done.Set();
  });
  delete Launder(d);
  collector.join();
  EXPECT_EQ(seen, TeardownResult::kObjectDestroyed);
  EXPECT_EQ(sh.calls.load(), 1);
  EXPECT_EQ(TeardownOverlay(id), TeardownResult::kAlreadyTornDown);
}

// P20: an overlay torn down while another overlay's callback runs is cancelled: its own
// callback never runs, and nothing is written to the object by the teardown.
TEST_F(Threads, TeardownOfLowerOverlayDuringUpperCallbackCancels) {
  struct Shared {
    Latch in_upper, teardown_done;
    std::atomic<int> upper{0}, lower{0};
  } sh;
  Derived* d = new Derived;
  InstallRequest lower = Request(d, ShapeOf<Base>());
  lower.on_destroy = [](void*, void* ud) { static_cast<Shared*>(ud)->lower.fetch_add(1); };
  lower.user_data = &sh;
  InstallRequest upper = Request(d, ShapeOf<Base>());
  upper.on_destroy = [](void*, void* ud) {
    auto* s = static_cast<Shared*>(ud);
    s->upper.fetch_add(1);
    s->in_upper.Set();
    s->teardown_done.Wait();
  };
  upper.user_data = &sh;
  InstallResult lo = Ok(lower), up = Ok(upper);
  OverlayId lo_id = lo.overlay.release();
  TeardownResult seen = TeardownResult::kNullHandle;
  std::thread collector([&] {
    sh.in_upper.Wait();
    seen = TeardownOverlay(lo_id);
    sh.teardown_done.Set();
  });
  delete Launder(d);
  collector.join();
  EXPECT_EQ(seen, TeardownResult::kCancelled);
  EXPECT_EQ(sh.upper.load(), 1);
  EXPECT_EQ(sh.lower.load(), 0);
  EXPECT_EQ(up.overlay.Teardown(), TeardownResult::kObjectDestroyed);
}

// P20 without latches inside the callback: the collector tears down as soon as the
// destructor has been entered, racing the rest of the hook walk and the original destructor.
TEST_F(Threads, TeardownRacesHookWalkFreely) {
  for (int i = 0; i < 200; ++i) {
    struct Shared {
      std::atomic<bool> entered{false};
      std::atomic<int> calls{0};
    } sh;
    Derived* d = new Derived;
    InstallRequest req = Request(d, ShapeOf<Base>());
    req.on_destroy = [](void*, void* ud) {
      auto* s = static_cast<Shared*>(ud);
      s->calls.fetch_add(1);
      s->entered.store(true, std::memory_order_release);
    };
    req.user_data = &sh;
    InstallResult r = Ok(req);
    InstallResult plain = Ok(Request(d, ShapeOf<Base>(), {{SlotOf(&Base::g), AsVoid(&ReplacementG)}}));
    OverlayId id = r.overlay.release(), plain_id = plain.overlay.release();
    TeardownResult seen = TeardownResult::kNullHandle, seen_plain = TeardownResult::kNullHandle;
    std::thread collector([&] {
      while (!sh.entered.load(std::memory_order_acquire)) std::this_thread::yield();
      seen_plain = TeardownOverlay(plain_id);
      seen = TeardownOverlay(id);
    });
    delete Launder(d);
    collector.join();
    ASSERT_EQ(sh.calls.load(), 1);
    ASSERT_EQ(seen, TeardownResult::kObjectDestroyed);
    ASSERT_EQ(seen_plain, TeardownResult::kObjectDestroyed);
  }
}

// P14 with P20: the callback releases its own handle (without the library's mutex) and a
// collector thread releases the same id. Ordered by the hand-off, the later release
// reports kAlreadyTornDown, in both orders; the entry is freed once (the fixture counts).
TEST_F(Threads, CallbackAndCollectorReleaseOneHandleInEitherOrder) {
  for (bool callback_first : {true, false}) {
    SCOPED_TRACE(callback_first ? "callback first" : "collector first");
    struct Shared {
      Latch go, collector_done;
      bool callback_first = false;
      OverlayId id = 0;
      TeardownResult in_callback = TeardownResult::kNullHandle;
    } sh;
    sh.callback_first = callback_first;
    Derived* d = new Derived;
    InstallRequest req = Request(d, ShapeOf<Base>());
    req.on_destroy = [](void*, void* ud) {
      auto* s = static_cast<Shared*>(ud);
      if (s->callback_first) s->in_callback = TeardownOverlay(s->id);
      s->go.Set();
      s->collector_done.Wait();
      if (!s->callback_first) s->in_callback = TeardownOverlay(s->id);
    };
    req.user_data = &sh;
    sh.id = Ok(req).overlay.release();
    TeardownResult in_collector = TeardownResult::kNullHandle;
    std::thread collector([&] {
      sh.go.Wait();
      in_collector = TeardownOverlay(sh.id);
      sh.collector_done.Set();
    });
    delete Launder(d);
    collector.join();
    EXPECT_EQ(callback_first ? sh.in_callback : in_collector, TeardownResult::kObjectDestroyed);
    EXPECT_EQ(callback_first ? in_collector : sh.in_callback, TeardownResult::kAlreadyTornDown);
    EXPECT_EQ(TeardownOverlay(sh.id), TeardownResult::kAlreadyTornDown);
  }
}

// P22: the end of a hooked destruction on one thread is finished by whichever thread next
// enters the library — here many objects die on two threads while a third installs,
// tears down and reads the counters; every handle is released exactly once.
TEST_F(Threads, HookedDestructionsFinishedByOtherThreads) {
  constexpr int kPerThread = 300;
  std::atomic<int> calls{0};
  auto worker = [&] {
    for (int i = 0; i < kPerThread; ++i) {
      Derived* d = new Derived;
      InstallRequest req = Request(d, ShapeOf<Base>());
      req.on_destroy = [](void*, void* ud) { static_cast<std::atomic<int>*>(ud)->fetch_add(1); };
      req.user_data = &calls;
      OverlayId id = Ok(req).overlay.release();
      delete Launder(d);
      ASSERT_EQ(TeardownOverlay(id), TeardownResult::kObjectDestroyed);
    }
  };
  std::atomic<bool> stop{false};
  std::thread other([&] {
    while (!stop.load()) {
      Base b;
      InstallResult r = Ok(Request(&b, ShapeOf<Base>()));
      (void)LiveBlocks();
      ASSERT_EQ(r.overlay.Teardown(), TeardownResult::kRestored);
    }
  });
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  stop.store(true);
  other.join();
  EXPECT_EQ(calls.load(), 2 * kPerThread);
}

// ---- several vptrs (P18, P19, P25, P26 on the host's Multi : Left, Right) ---------------

// Multi's vtable group as clang lays it out for this binary, described by hand (the overrider
// ids: 0 D1, 1 D0, 2 l, 3 r; Right's vptr at 16 reaches D1, D0 and r through thunks).
const ShapeTable& MultiGroupShapes() {
  static ShapeTable* table = [] {
    auto* t = new ShapeTable;
    const ClassShape& right = ShapeOf<Right>();
    t->Add(right);
    t->Add(ShapeOf<Left>());
    ClassShape multi = ShapeOf<Multi>();
    using K = VTableEntry::Kind;
    auto entry = [](K k, uint32_t id) {
      VTableEntry e;
      e.kind = k;
      e.overrider = id;
      return e;
    };
    VTableShape primary{0, 2, 4, {entry(K::kCompleteDtor, 0), entry(K::kDeletingDtor, 1), entry(K::kFunction, 2),
                                  entry(K::kFunction, 3)}};
    const int64_t right_at = reinterpret_cast<char*>(static_cast<Right*>(reinterpret_cast<Multi*>(64))) -
                             reinterpret_cast<char*>(64);
    VTableShape secondary{right_at, 2, 3,
                          {entry(K::kCompleteDtor, 0), entry(K::kDeletingDtor, 1), entry(K::kFunction, 3)}};
    multi.vtable_group = {primary, secondary};
    multi.subobjects = {{multi.rtti_name, 0}, {typeid(Left).name(), 0}, {right.rtti_name, right_at}};
    t->Add(multi);
    return t;
  }();
  return *table;
}

thread_local void* t_r_this = nullptr;
int ReplacedR(Right* self) {
  t_r_this = self;
  return 6060;
}
int ReplacedL(Left*) { return 5050; }
void* AsVoidR(int (*fn)(Right*)) { return reinterpret_cast<void*>(fn); }
void* AsVoidL(int (*fn)(Left*)) { return reinterpret_cast<void*>(fn); }

std::array<void*, 2> MultiVptrs(Multi* m) {
  return {*reinterpret_cast<void**>(m), *reinterpret_cast<void**>(static_cast<Right*>(m))};
}

// Each thread: objects with two vptrs, one overlay through the secondary base (a thunk, a
// hook, an extra slot) and one on the complete object, torn down in either order or hooked
// deletes through either base; other threads do the same on their own objects.
TEST_F(Threads, MultiVptrObjectsConcurrently) {
  constexpr int kThreads = 4, kIters = 200;
  std::atomic<int> hook_calls{0}, expected_hooks{0}, failures{0};
  const ClassShape& right_shape = *MultiGroupShapes().Find(typeid(Right).name());
  const ClassShape& multi_shape = *MultiGroupShapes().Find(typeid(Multi).name());
  auto work = [&](int seed) {
    std::mt19937 rng(seed);
    for (int i = 0; i < kIters; ++i) {
      Multi* m = new Multi;
      Right* r = m;
      const std::array<void*, 2> before = MultiVptrs(m);
      InstallRequest low = Request(r, right_shape, {{2, AsVoidR(&ReplacedR)}});
      low.extra_slots = 1;
      low.on_destroy = [](void*, void* ud) { static_cast<std::atomic<int>*>(ud)->fetch_add(1); };
      low.user_data = &hook_calls;
      InstallResult a = Install(low, MultiGroupShapes());
      ASSERT_TRUE(a.ok()) << a.message;
      ExtraSlot(r, a.overlay.first_extra_index()) = m;
      InstallResult b = Install(Request(m, multi_shape, {{2, AsVoidL(&ReplacedL)}}), MultiGroupShapes());
      ASSERT_TRUE(b.ok()) << b.message;
      t_r_this = nullptr;
      if (Launder(m)->r() != 6060 || t_r_this != r) failures.fetch_add(1);  // through Multi's thunk
      if (Launder(r)->r() != 6060 || Launder(m)->l() != 5050) failures.fetch_add(1);
      if (ExtraSlot(r, a.overlay.first_extra_index()) != m) failures.fetch_add(1);
      switch (rng() % 4) {
        case 0:
          ASSERT_EQ(a.overlay.Teardown(), TeardownResult::kRestored);
          ASSERT_EQ(b.overlay.Teardown(), TeardownResult::kRestored);
          if (MultiVptrs(m) != before) failures.fetch_add(1);
          delete Launder(m);
          break;
        case 1:
          ASSERT_EQ(b.overlay.Teardown(), TeardownResult::kRestored);
          ASSERT_EQ(a.overlay.Teardown(), TeardownResult::kRestored);
          if (MultiVptrs(m) != before) failures.fetch_add(1);
          delete Launder(static_cast<Left*>(m));
          break;
        case 2:
          expected_hooks.fetch_add(1);
          delete Launder(r);
          ASSERT_EQ(a.overlay.Teardown(), TeardownResult::kObjectDestroyed);
          ASSERT_EQ(b.overlay.Teardown(), TeardownResult::kObjectDestroyed);
          break;
        default:
          ASSERT_EQ(b.overlay.Teardown(), TeardownResult::kRestored);
          expected_hooks.fetch_add(1);
          delete Launder(static_cast<Left*>(m));
          ASSERT_EQ(a.overlay.Teardown(), TeardownResult::kObjectDestroyed);
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(work, 3000 + t);
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(hook_calls.load(), expected_hooks.load());
}

// P19 on two vptrs: installs through either base and teardowns on ONE object from several
// threads; the library serializes them, and both vptrs end as they began.
TEST_F(Threads, SameMultiVptrObjectThroughEitherBaseConcurrently) {
  Multi m;
  const std::array<void*, 2> before = MultiVptrs(&m);
  const ClassShape& right_shape = *MultiGroupShapes().Find(typeid(Right).name());
  const ClassShape& left_shape = *MultiGroupShapes().Find(typeid(Left).name());
  constexpr int kThreads = 4, kIters = 200;
  std::atomic<int> failures{0};
  auto work = [&](int seed) {
    std::mt19937 rng(seed);
    for (int i = 0; i < kIters; ++i) {
      const bool right = rng() % 2 != 0;
      InstallRequest req = right ? Request(static_cast<Right*>(&m), right_shape, {{2, AsVoidR(&ReplacedR)}})
                                 : Request(static_cast<Left*>(&m), left_shape, {{2, AsVoidL(&ReplacedL)}});
      req.extra_slots = rng() % 3;
      InstallResult r = Install(req, MultiGroupShapes());
      if (!r.ok()) failures.fetch_add(1);
      if (r.overlay.Teardown() != TeardownResult::kRestored) failures.fetch_add(1);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(work, 91 + t);
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(MultiVptrs(&m), before);
  EXPECT_EQ(Launder(static_cast<Right*>(&m))->r(), kMultiR);
  EXPECT_EQ(Launder(&m)->l(), kMultiL);
}

// A second resolver that disagrees with MultiGroupShapes about Multi: it describes the
// primary vtable alone (a group of one), so an overlay installed with it writes the vptr at
// offset 0 and locks that location's shard only, never Right's.
const ShapeTable& MultiPrimaryOnlyShapes() {
  static ShapeTable* table = [] {
    auto* t = new ShapeTable;
    t->Add(*MultiGroupShapes().Find(typeid(Left).name()));
    ClassShape multi = *MultiGroupShapes().Find(typeid(Multi).name());
    multi.vtable_group.resize(1);
    multi.subobjects = {{multi.rtti_name, 0}, {typeid(Left).name(), 0}};
    t->Add(multi);
    return t;
  }();
  return *table;
}

// The lock rule with two resolvers that disagree on an object's vtable group (registry.h):
// threads install on one Multi through Right and Left with MultiGroupShapes (two vptrs) and
// through Left with MultiPrimaryOnlyShapes (one). An install on an object whose overlays were
// made with the other group is refused (kInconsistentShapes) after it read that group's vptrs
// under the home shard's lock alone — while the overlays' owners tear them down under their
// own sets of locks. TSan checks that every such read is ordered with every write.
TEST_F(Threads, ResolversDisagreeingOnTheGroupConcurrently) {
  Multi m;
  const std::array<void*, 2> before = MultiVptrs(&m);
  const ClassShape& right_shape = *MultiGroupShapes().Find(typeid(Right).name());
  const ClassShape& left_shape = *MultiGroupShapes().Find(typeid(Left).name());
  constexpr int kThreads = 4, kIters = 300;
  std::atomic<int> installed{0}, refused{0}, failures{0};
  // Each thread keeps up to two of its overlays installed (so that its own next install may
  // meet an overlay of the other group) and tears down the older one first.
  auto work = [&](int seed) {
    std::mt19937 rng(seed);
    std::vector<Overlay> held;
    auto tear_down_oldest = [&] {
      if (held.front().Teardown() != TeardownResult::kRestored) failures.fetch_add(1);
      held.erase(held.begin());
    };
    for (int i = 0; i < kIters; ++i) {
      const unsigned pick = rng() % 3;
      InstallRequest req = pick == 0 ? Request(static_cast<Right*>(&m), right_shape, {{2, AsVoidR(&ReplacedR)}})
                                     : Request(static_cast<Left*>(&m), left_shape, {{2, AsVoidL(&ReplacedL)}});
      InstallResult r = Install(req, pick == 2 ? MultiPrimaryOnlyShapes() : MultiGroupShapes());
      if (r.ok()) {
        installed.fetch_add(1);
        held.push_back(std::move(r.overlay));
        if (held.size() > 2) tear_down_oldest();
      } else if (r.status == Status::kInconsistentShapes) {
        refused.fetch_add(1);
      } else {
        failures.fetch_add(1);
      }
    }
    while (!held.empty()) tear_down_oldest();
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(work, 131 + t);
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(installed.load(), 0);
  EXPECT_GT(refused.load(), 0);
  EXPECT_EQ(installed.load() + refused.load(), kThreads * kIters);
  EXPECT_EQ(MultiVptrs(&m), before);
  EXPECT_EQ(Launder(static_cast<Right*>(&m))->r(), kMultiR);
  EXPECT_EQ(Launder(&m)->l(), kMultiL);
}


// ---- the registry's shards (P18, P19, P21, P22 across shards) ----------------------------

// `count` Derived objects whose complete objects all hash to one registry shard.
std::vector<Derived*> ObjectsOfOneShard(size_t count) {
  std::vector<Derived*> picked, others;
  internal::Registry* shard = nullptr;
  while (picked.size() < count) {
    Derived* d = new Derived;
    internal::Registry& r = internal::Registry::OfObject(d);
    if (shard == nullptr) shard = &r;
    (&r == shard ? picked : others).push_back(d);
  }
  for (Derived* d : others) delete d;
  return picked;
}

// Threads on objects of ONE shard: they contend for its mutex, its stack map and its handle
// table (both grow while the others use them); every operation still completes as alone.
TEST_F(Threads, ObjectsOfOneShardConcurrently) {
  constexpr int kThreads = 4, kPerThread = 8, kIters = 150;
  std::vector<Derived*> objects = ObjectsOfOneShard(kThreads * kPerThread);
  std::atomic<int> failures{0}, hooks{0};
  auto work = [&](int t) {
    std::mt19937 rng(500 + t);
    for (int i = 0; i < kIters; ++i) {
      std::vector<InstallResult> mine;
      for (int k = 0; k < kPerThread; ++k) {
        InstallRequest req = Request(objects[t * kPerThread + k], ShapeOf<Base>(),
                                     {{SlotOf(&Base::f), AsVoid(&ReplacementF)}});
        req.extra_slots = 1 + rng() % 2;
        mine.push_back(Install(req, HostShapes()));
        if (!mine.back().ok()) failures.fetch_add(1);
      }
      for (int k = 0; k < kPerThread; ++k) {
        Derived* d = objects[t * kPerThread + k];
        if (Launder(d)->f() != 9007) failures.fetch_add(1);
        ExtraSlot(d, mine[k].overlay.first_extra_index()) = d;  // its own cell, on top of its stack
        if (ExtraSlot(Launder(d), mine[k].overlay.first_extra_index()) != d) failures.fetch_add(1);
      }
      for (int k = kPerThread; k-- > 0;) {
        if (mine[k].overlay.Teardown() != TeardownResult::kRestored) failures.fetch_add(1);
      }
    }
    // The last round ends each object with a hooked death.
    for (int k = 0; k < kPerThread; ++k) {
      Derived* d = objects[t * kPerThread + k];
      InstallRequest req = Request(d, ShapeOf<Base>());
      req.on_destroy = [](void*, void* ud) { static_cast<std::atomic<int>*>(ud)->fetch_add(1); };
      req.user_data = &hooks;
      OverlayId id = Install(req, HostShapes()).overlay.release();
      delete Launder(d);
      if (TeardownOverlay(id) != TeardownResult::kObjectDestroyed) failures.fetch_add(1);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(work, t);
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(hooks.load(), kThreads * kPerThread);
}

// P21 across shards: LiveBlocks/LiveHandles read on one thread while others install, tear
// down and destroy objects of every shard; each read is within the bounds the others allow,
// and once they are done the counts are exact (P22: the last hooked deaths' removals are
// finished by the count itself).
TEST_F(Threads, CountsSummedOverShardsWhileOthersWork) {
  constexpr int kThreads = 3, kIters = 400;
  const size_t blocks0 = LiveBlocks(), handles0 = LiveHandles();
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  auto work = [&](int t) {
    std::mt19937 rng(900 + t);
    for (int i = 0; i < kIters; ++i) {
      Derived* d = new Derived;
      InstallRequest req = Request(d, ShapeOf<Base>());
      req.on_destroy = [](void*, void*) {};
      InstallResult r = Install(req, HostShapes());
      if (!r.ok()) failures.fetch_add(1);
      if (rng() % 2 == 0) {
        if (r.overlay.Teardown() != TeardownResult::kRestored) failures.fetch_add(1);
        delete Launder(d);
      } else {
        delete Launder(d);
        if (r.overlay.Teardown() != TeardownResult::kObjectDestroyed) failures.fetch_add(1);
      }
    }
  };
  std::thread counter([&] {
    while (!stop.load()) {
      // At most one overlay per working thread is alive at any time.
      if (LiveBlocks() > blocks0 + kThreads) failures.fetch_add(1);
      if (LiveHandles() > handles0 + kThreads) failures.fetch_add(1);
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(work, t);
  for (auto& t : threads) t.join();
  stop.store(true);
  counter.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(LiveBlocks(), blocks0);
  EXPECT_EQ(LiveHandles(), handles0);
}

// An id names its shard: ids made on every shard tear down from any thread, and an id
// altered in its shard bits (or generation) finds nothing, whichever shard it now names.
TEST_F(Threads, IdsOfEveryShardAreCheckedInTheirOwnShard) {
  const size_t blocks0 = LiveBlocks(), handles0 = LiveHandles();
  std::vector<Derived*> objects;
  std::vector<InstallResult> overlays;
  std::vector<bool> seen(internal::kShards, false);
  size_t shards_seen = 0;
  while (shards_seen < internal::kShards && objects.size() < 20000) {
    Derived* d = new Derived;
    objects.push_back(d);
    overlays.push_back(Ok(Request(d, ShapeOf<Base>())));
    const size_t shard = overlays.back().overlay.id() & (internal::kShards - 1);
    if (!seen[shard]) ++shards_seen, seen[shard] = true;
  }
  ASSERT_EQ(shards_seen, internal::kShards);
  // P21: every shard's overlays are counted.
  EXPECT_EQ(LiveBlocks(), blocks0 + overlays.size());
  EXPECT_EQ(LiveHandles(), handles0 + overlays.size());
  std::vector<OverlayId> ids;
  for (InstallResult& r : overlays) ids.push_back(r.overlay.release());
  for (OverlayId id : ids) {
    for (OverlayId forged : {id ^ 1u, id ^ (internal::kShards - 1), id + (OverlayId{1} << 32)}) {
      if (forged == id) continue;
      // Another live overlay may own the forged id by chance; only an unowned one must miss.
      if (std::find(ids.begin(), ids.end(), forged) != ids.end()) continue;
      EXPECT_EQ(FirstExtraIndex(forged), 0u);
      EXPECT_EQ(TeardownOverlay(forged), TeardownResult::kAlreadyTornDown);
    }
  }
  std::atomic<size_t> next{0};
  std::atomic<int> failures{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < ids.size();) {
      if (TeardownOverlay(ids[i]) != TeardownResult::kRestored) failures.fetch_add(1);
    }
  };
  std::thread a(work), b(work);
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
  for (Derived* d : objects) delete Launder(d);
}

// ShapeTable::Find takes no lock: finds on several threads while another adds shapes (the
// index grows and is replaced under them) see every shape added before they started, and
// never a torn one.
TEST(ThreadsShapeTable, FindWhileAdding) {
  ShapeTable table;
  constexpr int kShapes = 600;
  std::vector<std::string> names;
  for (int i = 0; i < kShapes; ++i) names.push_back("N3vto4test5ShapeE" + std::to_string(i));
  table.Add([&] { ClassShape s = ShapeOf<Base>(); s.rtti_name = names[0]; return s; }());
  std::atomic<int> added{1};
  std::atomic<int> failures{0};
  auto find = [&] {
    while (added.load() < kShapes) {
      const int known = added.load();
      for (int i = 0; i < known; i += 7) {
        const ClassShape* s = table.Find(names[i]);
        if (s == nullptr || s->rtti_name != names[i] || s->num_slots != ShapeOf<Base>().num_slots) {
          failures.fetch_add(1);
        }
      }
      if (table.Find("N3vto4test7MissingE") != nullptr) failures.fetch_add(1);
    }
  };
  std::thread a(find), b(find);
  for (int i = 1; i < kShapes; ++i) {
    ClassShape s = ShapeOf<Base>();
    s.rtti_name = names[i];
    table.Add(std::move(s));
    added.store(i + 1);
  }
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(table.size(), static_cast<size_t>(kShapes));
  for (int i = 0; i < kShapes; ++i) ASSERT_NE(table.Find(names[i]), nullptr);
}


// A resolver that may block (answers_without_blocking() false, the default) is asked with no
// lock of the library held, on every path: it checks that the shards of the instance and of its
// complete object are free by taking and dropping their locks.
class ProbingResolver final : public ShapeResolver {
 public:
  explicit ProbingResolver(const void* object) : object_(object) {}
  const ClassShape* Find(std::string_view name) const override {
    internal::ShardMutex& mu = internal::Registry::OfObject(object_).mu;
    if (!mu.try_lock()) {
      locked_calls.fetch_add(1);
    } else {
      mu.unlock();
    }
    calls.fetch_add(1);
    return HostShapes().Find(name);
  }
  mutable std::atomic<int> calls{0}, locked_calls{0};

 private:
  const void* object_;
};

TEST_F(Threads, BlockingResolverIsAskedWithNoLockHeld) {
  // One thread: another thread holding the shard's lock for its own object would look the same.
  for (int i = 0; i < 200; ++i) {
    Derived* d = new Derived;
    ProbingResolver resolver(d);
    InstallResult r = Install(Request(d, ShapeOf<Base>()), resolver);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_GT(resolver.calls.load(), 0);
    EXPECT_EQ(resolver.locked_calls.load(), 0);
    EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kRestored);
    delete Launder(d);
  }
}

}  // namespace
}  // namespace vto::test
