// destroy_hook_test.cc — P7–P11: the destroy hook fires exactly once, in order, through
// every virtual destructor path.
#include <memory>
#include <new>
#include <vector>

#include "overlay_test_util.h"

namespace vto::test {
namespace {

using DestroyHook = OverlayTest;

InstallRequest Hooked(void* obj, const ClassShape& reflected, HookLog* log) {
  InstallRequest r;
  r.instance = obj;
  r.reflected = &reflected;
  r.on_destroy = &RecordingHook;
  r.user_data = log;
  return r;
}

TEST_F(DestroyHook, FiresOnceOnDelete) {
  HookLog log;
  Derived* p = new Derived;
  InstallResult r = Ok(Hooked(p, ShapeOf<Base>(), &log));
  delete Launder(static_cast<Base*>(p));
  EXPECT_EQ(log.calls, 1);
  EXPECT_EQ(log.last_instance, p);
  EXPECT_EQ(g_base_dtor_calls, 1) << "the original destructor ran once";
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kObjectDestroyed);
  EXPECT_EQ(log.calls, 1);
}

TEST_F(DestroyHook, FiresOnceOnExplicitDestructorCall) {
  HookLog log;
  alignas(Derived) unsigned char buffer[sizeof(Derived)];
  Derived* p = new (buffer) Derived;
  InstallResult r = Ok(Hooked(p, ShapeOf<Base>(), &log));
  abi::VPtr overlay_vptr = Vptr(p);
  Launder(static_cast<Base*>(p))->~Base();  // complete-object destructor through the vtable
  EXPECT_EQ(log.calls, 1);
  EXPECT_EQ(g_base_dtor_calls, 1);
  EXPECT_NE(Vptr(buffer), overlay_vptr) << "the dead object no longer points at the freed block";
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kObjectDestroyed);
}

TEST_F(DestroyHook, FiresOnceOnGlobalDelete) {
  HookLog log;
  Derived* p = new Derived;
  InstallResult r = Ok(Hooked(p, ShapeOf<Base>(), &log));
  ::delete Launder(static_cast<Base*>(p));  // D1 through the vtable, then global operator delete
  EXPECT_EQ(log.calls, 1);
  EXPECT_EQ(g_base_dtor_calls, 1);
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kObjectDestroyed);
}

TEST_F(DestroyHook, FiresOnceWhenMakeSharedReleases) {
  HookLog log;
  InstallResult r;
  {
    std::shared_ptr<Base> sp = std::make_shared<Derived>();
    std::shared_ptr<Base> copy = sp;
    r = Ok(Hooked(sp.get(), ShapeOf<Base>(), &log));
    sp.reset();
    EXPECT_EQ(log.calls, 0) << "still owned by copy";
  }
  EXPECT_EQ(log.calls, 1);
  EXPECT_EQ(g_base_dtor_calls, 1);
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kObjectDestroyed);
}

TEST_F(DestroyHook, FiresOnceWhenUniquePtrResets) {
  HookLog log;
  std::unique_ptr<Base> up(new MoreDerived);
  InstallResult r = Ok(Hooked(up.get(), ShapeOf<Derived>(), &log));
  up.reset();
  EXPECT_EQ(log.calls, 1);
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kObjectDestroyed);
}

TEST_F(DestroyHook, NotAfterTeardown) {
  HookLog log;
  Derived* p = new Derived;
  InstallResult r = Ok(Hooked(p, ShapeOf<Base>(), &log));
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kRestored);
  delete Launder(static_cast<Base*>(p));
  EXPECT_EQ(log.calls, 0);
  EXPECT_EQ(g_base_dtor_calls, 1);
}

TEST_F(DestroyHook, CallbackSeesIntactObject) {
  static abi::VPtr vptr_in_callback = nullptr;
  static void* extra_in_callback = nullptr;
  static int value_in_callback = 0;
  static int h_in_callback = 0;
  struct Hook {
    static void Run(void* inst, void*) {
      auto* d = static_cast<Derived*>(inst);
      vptr_in_callback = abi::ReadVptr(inst);
      extra_in_callback = ExtraSlot(inst, 0);
      value_in_callback = d->value + d->extra;
      h_in_callback = Launder(d)->h();
    }
  };
  Derived* p = new Derived;
  InstallRequest req = Request(p, ShapeOf<Derived>(), {{SlotOf(&Derived::h), AsVoid(&ReplacementH)}});
  req.extra_slots = 1;
  req.on_destroy = &Hook::Run;
  InstallResult r = Ok(req);
  int state = 0;
  ExtraSlot(p, 0) = &state;
  abi::VPtr overlay_vptr = Vptr(p);
  delete Launder(p);
  EXPECT_EQ(vptr_in_callback, overlay_vptr) << "callback runs with the overlay installed";
  EXPECT_EQ(extra_in_callback, &state);
  EXPECT_EQ(value_in_callback, 7 + 11) << "data members intact";
  EXPECT_EQ(h_in_callback, 9211) << "virtual calls reach the replacement";
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kObjectDestroyed);
}

TEST_F(DestroyHook, OriginalDestructorRunsAfterCallback) {
  static int dtor_calls_seen_by_callback = -1;
  struct Hook {
    static void Run(void*, void*) { dtor_calls_seen_by_callback = g_base_dtor_calls; }
  };
  Base* p = new Base;
  InstallRequest req = Request(p, ShapeOf<Base>());
  req.on_destroy = &Hook::Run;
  InstallResult r = Ok(req);
  delete Launder(p);
  EXPECT_EQ(dtor_calls_seen_by_callback, 0);
  EXPECT_EQ(g_base_dtor_calls, 1);
  r.overlay.Teardown();
}

TEST_F(DestroyHook, ThrowingCallbackTerminates) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        Base* p = new Base;
        InstallRequest req = Request(p, ShapeOf<Base>());
        req.on_destroy = [](void*, void*) { throw 1; };
        InstallResult r = Install(req, HostShapes());
        (void)r.overlay.release();
        delete Launder(p);
      },
      "on_destroy callback threw");
}

TEST_F(DestroyHook, ThrowingOriginalDestructorPropagates) {
  HookLog log;
  static int calls = 0;
  calls = 0;
  ThrowingDtor* p = new ThrowingDtor;
  InstallRequest req = Request(p, ShapeOf<ThrowingDtor>());
  req.on_destroy = [](void*, void*) { ++calls; };
  InstallResult r = Ok(req);
  bool caught = false;
  try {
    Launder(p)->~ThrowingDtor();
  } catch (int v) {
    caught = v == 42;
  }
  EXPECT_TRUE(caught);
  EXPECT_EQ(calls, 1);
  ::operator delete(p);
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kObjectDestroyed);
}

TEST_F(DestroyHook, WithoutHookSlotsVerbatim) {
  Derived d;
  abi::VPtr original = Vptr(&d);
  const ClassShape& s = ShapeOf<Derived>();
  InstallResult r = Ok(Request(&d, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF)}}));
  EXPECT_EQ(Vptr(&d)[s.complete_dtor_slot], original[s.complete_dtor_slot]);
  EXPECT_EQ(Vptr(&d)[s.deleting_dtor_slot], original[s.deleting_dtor_slot]);
}

TEST_F(DestroyHook, HookedSlotsDifferFromOriginal) {
  HookLog log;
  Derived d;
  abi::VPtr original = Vptr(&d);
  const ClassShape& s = ShapeOf<Derived>();
  InstallResult r = Ok(Hooked(&d, ShapeOf<Base>(), &log));
  EXPECT_NE(Vptr(&d)[s.complete_dtor_slot], original[s.complete_dtor_slot]);
  EXPECT_NE(Vptr(&d)[s.deleting_dtor_slot], original[s.deleting_dtor_slot]);
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kRestored);
}

TEST_F(DestroyHook, PerInstance) {
  HookLog la, lb;
  Base* a = new Base;
  Base* b = new Base;
  Base* c = new Base;
  InstallResult ra = Ok(Hooked(a, ShapeOf<Base>(), &la));
  InstallResult rb = Ok(Hooked(b, ShapeOf<Base>(), &lb));
  delete Launder(c);  // no overlay: no callback anywhere
  EXPECT_EQ(la.calls + lb.calls, 0);
  delete Launder(a);
  EXPECT_EQ(la.calls, 1);
  EXPECT_EQ(la.last_instance, a);
  EXPECT_EQ(lb.calls, 0);
  delete Launder(b);
  EXPECT_EQ(lb.calls, 1);
  EXPECT_EQ(lb.last_instance, b);
  ra.overlay.Teardown();
  rb.overlay.Teardown();
}

TEST_F(DestroyHook, VectorOfUniquePtrsReleasesEach) {
  HookLog log;
  std::vector<InstallResult> overlays;
  {
    std::vector<std::unique_ptr<Base>> v;
    for (int i = 0; i < 8; ++i) {
      v.emplace_back(i % 2 ? static_cast<Base*>(new Derived) : new MoreDerived);
      overlays.push_back(Ok(Hooked(v.back().get(), ShapeOf<Base>(), &log)));
    }
    v.erase(v.begin() + 3);
    EXPECT_EQ(log.calls, 1);
  }
  EXPECT_EQ(log.calls, 8);
  for (auto& o : overlays) EXPECT_EQ(o.overlay.Teardown(), TeardownResult::kObjectDestroyed);
}

// P14/P15 from inside the callback: a binding releases the dying object's handle where it
// learns of the death. The first release reports kObjectDestroyed, every later one
// kAlreadyTornDown, and the entry is freed exactly once (the fixture checks the counts).
struct SelfRelease {
  OverlayId id = 0;
  bool abandon = false;
  TeardownResult first = TeardownResult::kNullHandle, second = TeardownResult::kNullHandle;
  size_t handles_in_callback = 0;
  size_t extra_before = 0, extra_after = 0;
  int calls = 0;
};

void ReleaseOwnHandle(void* /*self*/, void* user_data) {
  auto* s = static_cast<SelfRelease*>(user_data);
  ++s->calls;
  s->extra_before = FirstExtraIndex(s->id);
  s->first = s->abandon ? AbandonOverlay(s->id) : TeardownOverlay(s->id);
  s->second = TeardownOverlay(s->id);
  s->extra_after = FirstExtraIndex(s->id);
  s->handles_in_callback = LiveHandles();
}

TEST_F(DestroyHook, CallbackReleasesItsOwnHandleOnce) {
  for (bool abandon : {false, true}) {
    SCOPED_TRACE(abandon ? "AbandonOverlay" : "TeardownOverlay");
    const size_t handles = LiveHandles();
    SelfRelease s;
    s.abandon = abandon;
    Derived* p = new Derived;
    InstallRequest req = Request(p, ShapeOf<Base>());
    req.on_destroy = &ReleaseOwnHandle;
    req.user_data = &s;
    s.id = Ok(req).overlay.release();
    delete Launder(static_cast<Base*>(p));
    EXPECT_EQ(s.calls, 1);
    EXPECT_EQ(s.first, TeardownResult::kObjectDestroyed);
    EXPECT_EQ(s.second, TeardownResult::kAlreadyTornDown);
    EXPECT_EQ(s.handles_in_callback, handles + 1) << "counted until the destructor returns (P21)";
    EXPECT_EQ(LiveHandles(), handles) << "freed once the destructor returned";
    EXPECT_EQ(TeardownOverlay(s.id), TeardownResult::kAlreadyTornDown);
    EXPECT_EQ(g_base_dtor_calls, abandon ? 2 : 1);
  }
}

// The same with the hooked overlay stacked on an unhooked one (so the walk goes on after
// the callback): the lower overlay's extra slots put the upper's first index at 2, which
// FirstExtraIndex reports until the release and 0 after it.
TEST_F(DestroyHook, CallbackReleasesItsOwnHandleAboveAnotherOverlay) {
  SelfRelease s;
  Derived* p = new Derived;
  InstallRequest lower = Request(p, ShapeOf<Base>());
  lower.extra_slots = 2;
  InstallResult lo = Ok(lower);
  InstallRequest upper = Request(p, ShapeOf<Base>());
  upper.extra_slots = 1;
  upper.on_destroy = &ReleaseOwnHandle;
  upper.user_data = &s;
  s.id = Ok(upper).overlay.release();
  delete Launder(static_cast<Base*>(p));
  EXPECT_EQ(s.calls, 1);
  EXPECT_EQ(s.extra_before, 2u);
  EXPECT_EQ(s.first, TeardownResult::kObjectDestroyed);
  EXPECT_EQ(s.second, TeardownResult::kAlreadyTornDown);
  EXPECT_EQ(s.extra_after, 0u) << "a released id reports no extra range";
  EXPECT_EQ(TeardownOverlay(s.id), TeardownResult::kAlreadyTornDown);
  EXPECT_EQ(lo.overlay.Teardown(), TeardownResult::kObjectDestroyed) << "P12: the whole stack died";
}

// Callbacks nest when one destroys another hooked object. Each may release its own handle
// or the outer one's; every id is released once, whichever callback gets to it first.
struct Nested {
  Base* inner = nullptr;
  OverlayId outer_id = 0, inner_id = 0;
  std::vector<TeardownResult> results;
};

void InnerReleasesBoth(void* /*self*/, void* user_data) {
  auto* n = static_cast<Nested*>(user_data);
  n->results.push_back(TeardownOverlay(n->outer_id));  // the outer callback is still running
  n->results.push_back(TeardownOverlay(n->inner_id));
}

void OuterDestroysInner(void* /*self*/, void* user_data) {
  auto* n = static_cast<Nested*>(user_data);
  delete n->inner;
  n->results.push_back(TeardownOverlay(n->outer_id));  // released by the inner callback
}

TEST_F(DestroyHook, NestedCallbacksReleaseEachHandleOnce) {
  Nested n;
  Derived* outer = new Derived;
  n.inner = new MoreDerived;
  InstallRequest ro = Request(outer, ShapeOf<Base>());
  ro.on_destroy = &OuterDestroysInner;
  ro.user_data = &n;
  InstallRequest ri = Request(n.inner, ShapeOf<Derived>());
  ri.on_destroy = &InnerReleasesBoth;
  ri.user_data = &n;
  n.outer_id = Ok(ro).overlay.release();
  n.inner_id = Ok(ri).overlay.release();
  delete Launder(static_cast<Base*>(outer));
  EXPECT_EQ(n.results, (std::vector<TeardownResult>{TeardownResult::kObjectDestroyed, TeardownResult::kObjectDestroyed,
                                                    TeardownResult::kAlreadyTornDown}));
  EXPECT_EQ(g_base_dtor_calls, 2);
}

// The end of a hooked destruction is finished by the library's next critical section (P22):
// storage reused at once — here by the same thread, before any other library call — holds
// a new object that installs and dies like any other (no kObjectDying from the old one).
TEST_F(DestroyHook, StorageReusedRightAfterHookedDestruction) {
  alignas(Derived) unsigned char buffer[sizeof(Derived)];
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    HookLog log;
    Derived* p = new (buffer) Derived;
    InstallResult r = Ok(Hooked(p, ShapeOf<Base>(), &log));
    Launder(static_cast<Base*>(p))->~Base();
    ASSERT_EQ(log.calls, 1);
    Derived* q = new (buffer) Derived;
    HookLog log2;
    InstallResult r2 = Ok(Hooked(q, ShapeOf<Base>(), &log2));
    EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kObjectDestroyed);
    Launder(static_cast<Base*>(q))->~Base();
    EXPECT_EQ(log2.calls, 1);
    EXPECT_EQ(log.calls, 1);
    EXPECT_EQ(r2.overlay.Teardown(), TeardownResult::kObjectDestroyed);
  }
}

}  // namespace
}  // namespace vto::test
