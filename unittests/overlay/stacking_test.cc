// stacking_test.cc — P6, P12: two or more overlays on one object, any teardown order.
#include <vector>

#include "overlay_test_util.h"

namespace vto::test {
namespace {

using Stacking = OverlayTest;

int ReplacementF2(Base*) { return 7777; }

TEST_F(Stacking, BothReplacementsActiveNewerWins) {
  Derived d;
  InstallResult a = Ok(Request(&d, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF)}}));
  InstallResult b = Ok(Request(&d, ShapeOf<Base>(), {{SlotOf(&Base::g), AsVoid(&ReplacementG)}}));
  Derived* p = Launder(&d);
  EXPECT_EQ(p->f(), 9007);  // from the lower overlay
  EXPECT_EQ(p->g(), 9100);  // from the upper
  EXPECT_EQ(p->h(), kDerivedH);
  InstallResult c = Ok(Request(&d, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF2)}}));
  EXPECT_EQ(p->f(), 7777);  // newest wins
}

// Tears down three overlays in every order and checks dispatch after every step.
TEST_F(Stacking, TeardownAnyOrderThreeDeep) {
  const uint32_t f = SlotOf(&Base::f), g = SlotOf(&Base::g), h = SlotOf(&Derived::h);
  std::vector<int> order = {0, 1, 2};
  do {
    Derived d;
    abi::VPtr original = Vptr(&d);
    // overlay 0 replaces f; overlay 1 replaces g; overlay 2 replaces f (again) and h.
    InstallResult o[3] = {
        Ok(Request(&d, ShapeOf<Base>(), {{f, AsVoid(&ReplacementF)}})),
        Ok(Request(&d, ShapeOf<Base>(), {{g, AsVoid(&ReplacementG)}})),
        Ok(Request(&d, ShapeOf<Derived>(), {{f, AsVoid(&ReplacementF2)}, {h, AsVoid(&ReplacementH)}})),
    };
    bool alive[3] = {true, true, true};
    auto expect_dispatch = [&](const char* when) {
      Derived* p = Launder(&d);
      int want_f = alive[2] ? 7777 : alive[0] ? 9007 : kDerivedF;
      EXPECT_EQ(p->f(), want_f) << when;
      EXPECT_EQ(p->g(), alive[1] ? 9100 : kBaseG) << when;
      EXPECT_EQ(p->h(), alive[2] ? 9211 : kDerivedH) << when;
    };
    expect_dispatch("all installed");
    for (int i : order) {
      EXPECT_EQ(o[i].overlay.Teardown(), TeardownResult::kRestored);
      alive[i] = false;
      expect_dispatch("after a teardown");
    }
    EXPECT_EQ(Vptr(&d), original) << "order " << order[0] << order[1] << order[2];
  } while (std::next_permutation(order.begin(), order.end()));
}

TEST_F(Stacking, ExtraSlotsHaveOwnRangesAndSurvive) {
  const uint32_t f = SlotOf(&Base::f);
  int a0 = 0, a1 = 0, b0 = 0;
  for (int lower_first = 0; lower_first < 2; ++lower_first) {
    Base obj;
    InstallRequest ra = Request(&obj, ShapeOf<Base>(), {{f, AsVoid(&ReplacementF)}});
    ra.extra_slots = 2;
    InstallResult a = Ok(ra);
    size_t ia = a.overlay.first_extra_index();
    ExtraSlot(&obj, ia + 0) = &a0;
    ExtraSlot(&obj, ia + 1) = &a1;
    InstallRequest rb = Request(&obj, ShapeOf<Base>());
    rb.extra_slots = 1;
    InstallResult b = Ok(rb);
    size_t ib = b.overlay.first_extra_index();
    EXPECT_EQ(ia, 0u);
    EXPECT_EQ(ib, 2u);
    EXPECT_EQ(ExtraSlot(&obj, ia + 0), &a0) << "values move up with a new overlay";
    EXPECT_EQ(ExtraSlot(&obj, ia + 1), &a1);
    EXPECT_EQ(ExtraSlot(&obj, ib), nullptr);
    ExtraSlot(&obj, ib) = &b0;
    ExtraSlot(&obj, ia + 1) = &b0;  // a write while b is on top must survive b's teardown
    if (lower_first) {
      EXPECT_EQ(a.overlay.Teardown(), TeardownResult::kRestored);
      EXPECT_EQ(ExtraSlot(&obj, ib), &b0);
      EXPECT_EQ(Launder(&obj)->f(), kBaseF);
      EXPECT_EQ(b.overlay.Teardown(), TeardownResult::kRestored);
    } else {
      EXPECT_EQ(b.overlay.Teardown(), TeardownResult::kRestored);
      EXPECT_EQ(ExtraSlot(&obj, ia + 0), &a0) << "values move down when the top goes";
      EXPECT_EQ(ExtraSlot(&obj, ia + 1), &b0);
      EXPECT_EQ(Launder(&obj)->f(), 9007);
      EXPECT_EQ(a.overlay.Teardown(), TeardownResult::kRestored);
    }
  }
}

TEST_F(Stacking, HooksFireTopDownOnce) {
  struct Log {
    std::vector<int> order;
    std::vector<int> f_seen;
  };
  static Log log;
  log = Log{};
  struct Hooks {
    static void Lower(void* inst, void*) {
      log.order.push_back(0);
      log.f_seen.push_back(Launder(static_cast<Base*>(inst))->f());
    }
    static void Upper(void* inst, void*) {
      log.order.push_back(1);
      log.f_seen.push_back(Launder(static_cast<Base*>(inst))->f());
    }
  };
  Base* p = new Base;
  InstallRequest ra = Request(p, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF)}});
  ra.on_destroy = &Hooks::Lower;
  InstallRequest rb = Request(p, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF2)}});
  rb.on_destroy = &Hooks::Upper;
  InstallResult a = Ok(ra), b = Ok(rb);
  delete Launder(p);
  EXPECT_EQ(log.order, (std::vector<int>{1, 0}));
  // Each callback sees its own overlay on top: upper sees 7777, lower sees 9007.
  EXPECT_EQ(log.f_seen, (std::vector<int>{7777, 9007}));
  EXPECT_EQ(g_base_dtor_calls, 1);
  EXPECT_EQ(a.overlay.Teardown(), TeardownResult::kObjectDestroyed);
  EXPECT_EQ(b.overlay.Teardown(), TeardownResult::kObjectDestroyed);
}

TEST_F(Stacking, LowerHookSurvivesUpperTeardownAndFiresOnce) {
  HookLog log;
  Base* p = new Base;
  InstallRequest ra = Request(p, ShapeOf<Base>());
  ra.on_destroy = &RecordingHook;
  ra.user_data = &log;
  InstallResult a = Ok(ra);
  InstallResult b = Ok(Request(p, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF)}}));
  EXPECT_EQ(b.overlay.Teardown(), TeardownResult::kRestored);
  delete Launder(p);
  EXPECT_EQ(log.calls, 1);
  EXPECT_EQ(a.overlay.Teardown(), TeardownResult::kObjectDestroyed);
}

TEST_F(Stacking, UpperHookAfterLowerTeardownFiresOnce) {
  HookLog lower_log, upper_log;
  Base* p = new Base;
  InstallRequest ra = Request(p, ShapeOf<Base>());
  ra.on_destroy = &RecordingHook;
  ra.user_data = &lower_log;
  InstallRequest rb = Request(p, ShapeOf<Base>());
  rb.on_destroy = &RecordingHook;
  rb.user_data = &upper_log;
  InstallResult a = Ok(ra), b = Ok(rb);
  EXPECT_EQ(a.overlay.Teardown(), TeardownResult::kRestored);  // lower goes first
  delete Launder(p);
  EXPECT_EQ(lower_log.calls, 0);
  EXPECT_EQ(upper_log.calls, 1);
  EXPECT_EQ(b.overlay.Teardown(), TeardownResult::kObjectDestroyed);
}

TEST_F(Stacking, UnhookedOverlayBelowHookedIsReleased) {
  HookLog log;
  Base* p = new Base;
  InstallResult plain = Ok(Request(p, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF)}}));
  InstallRequest rh = Request(p, ShapeOf<Base>());
  rh.on_destroy = &RecordingHook;
  rh.user_data = &log;
  InstallResult hooked = Ok(rh);
  delete Launder(p);
  EXPECT_EQ(log.calls, 1);
  EXPECT_EQ(log.f_during_callback, 9007);
  // The plain overlay's object is gone: its teardown must not write into freed memory.
  EXPECT_EQ(plain.overlay.Teardown(), TeardownResult::kObjectDestroyed);
  EXPECT_EQ(hooked.overlay.Teardown(), TeardownResult::kObjectDestroyed);
}

TEST_F(Stacking, HookWithoutReplacementsBelowPlainOverlay) {
  // Lower hooked, upper plain: the upper clone copies the hook trampolines, and a
  // destruction through them still fires the lower hook once.
  HookLog log;
  Derived* p = new Derived;
  InstallRequest rh = Request(p, ShapeOf<Base>());
  rh.on_destroy = &RecordingHook;
  rh.user_data = &log;
  InstallResult hooked = Ok(rh);
  InstallResult plain = Ok(Request(p, ShapeOf<Derived>(), {{SlotOf(&Derived::h), AsVoid(&ReplacementH)}}));
  Launder(p)->~Derived();  // complete-object destructor through the vtable
  EXPECT_EQ(log.calls, 1);
  EXPECT_EQ(g_base_dtor_calls, 1);
  ::operator delete(p);
  EXPECT_EQ(plain.overlay.Teardown(), TeardownResult::kObjectDestroyed);
  EXPECT_EQ(hooked.overlay.Teardown(), TeardownResult::kObjectDestroyed);
}

}  // namespace
}  // namespace vto::test
