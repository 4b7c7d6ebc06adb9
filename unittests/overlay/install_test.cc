// install_test.cc — P1–P5: install on one object, replacements, identity, extra slots,
// accounting.
#include <typeinfo>

#include "overlay_test_util.h"

namespace vto::test {
namespace {

using Install = OverlayTest;
using ExtraSlots = OverlayTest;
using Accounting = OverlayTest;

TEST_F(Install, SlotNumbersFromMemberPointersMatchShapes) {
  EXPECT_EQ(SlotOf(&Base::f), 2u);
  EXPECT_EQ(SlotOf(&Base::g), 3u);
  EXPECT_EQ(SlotOf(&Derived::h), 4u);
  EXPECT_EQ(SlotOf(&MoreDerived::k), 5u);
  EXPECT_EQ(SlotOf(&DtorLater::f), 0u);
  // The last virtual of each class is its last slot: shapes' num_slots agree.
  EXPECT_EQ(ShapeOf<Base>().num_slots, SlotOf(&Base::g) + 1);
  EXPECT_EQ(ShapeOf<Derived>().num_slots, SlotOf(&Derived::h) + 1);
  EXPECT_EQ(ShapeOf<MoreDerived>().num_slots, SlotOf(&MoreDerived::k) + 1);
}

TEST_F(Install, ReplacesOneSlotKeepsOthers) {
  Base* b = new Base;
  abi::VPtr original = Vptr(b);
  InstallResult r = Ok(Request(b, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF)}}));
  EXPECT_NE(Vptr(b), original);
  EXPECT_EQ(Launder(b)->f(), 9000 + 7);
  EXPECT_EQ(Launder(b)->g(), kBaseG);
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kRestored);
  EXPECT_EQ(Launder(b)->f(), kBaseF);
  delete b;
}

TEST_F(Install, SeveralSlots) {
  Derived d;
  InstallResult r = Ok(Request(&d, ShapeOf<Derived>(),
                               {{SlotOf(&Base::f), AsVoid(&ReplacementF)},
                                {SlotOf(&Base::g), AsVoid(&ReplacementG)},
                                {SlotOf(&Derived::h), AsVoid(&ReplacementH)}}));
  Derived* p = Launder(&d);
  EXPECT_EQ(p->f(), 9007);
  EXPECT_EQ(p->g(), 9100);
  EXPECT_EQ(p->h(), 9211);
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kRestored);
  EXPECT_EQ(p->f(), kDerivedF);
  EXPECT_EQ(p->h(), kDerivedH);
}

TEST_F(Install, OtherObjectsUntouched) {
  Derived a, b;
  abi::VPtr shared = Vptr(&a);
  ASSERT_EQ(Vptr(&b), shared);
  InstallResult r = Ok(Request(&a, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF)}}));
  EXPECT_EQ(Vptr(&b), shared);
  EXPECT_EQ(Launder(&b)->f(), kDerivedF);
  EXPECT_EQ(Launder(&a)->f(), 9007);
  // The class's own vtable was not written.
  EXPECT_EQ(shared[SlotOf(&Base::f)], Vptr(&b)[SlotOf(&Base::f)]);
  Derived c;
  EXPECT_EQ(Launder(&c)->f(), kDerivedF);
}

TEST_F(Install, SizedFromDynamicType) {
  // Reflected as Base (4 slots), the object is a MoreDerived (6 slots): the derived-only
  // virtuals h and k must still dispatch, so the clone must hold all 6.
  MoreDerived m;
  InstallResult r = Ok(Request(&m, ShapeOf<Base>(), {{SlotOf(&Base::g), AsVoid(&ReplacementG)}}));
  MoreDerived* p = Launder(&m);
  EXPECT_EQ(p->g(), 9100);
  EXPECT_EQ(p->f(), kDerivedF);
  EXPECT_EQ(p->h(), kDerivedH);
  EXPECT_EQ(p->k(), kMoreK);
  MoreDerived fresh;
  for (uint32_t s = 0; s < ShapeOf<MoreDerived>().num_slots; ++s) {
    if (s == SlotOf(&Base::g)) continue;
    EXPECT_EQ(Vptr(&m)[s], Vptr(&fresh)[s]) << "slot " << s << " not copied from the dynamic type";
  }
}

TEST_F(Install, ReplacementReceivesThis) {
  static Base* seen = nullptr;
  struct Probe {
    static int F(Base* self) {
      seen = self;
      return self->value * 3;
    }
  };
  Derived d;
  d.value = 5;
  InstallResult r = Ok(Request(&d, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&Probe::F)}}));
  EXPECT_EQ(Launder(static_cast<Base*>(&d))->f(), 15);
  EXPECT_EQ(seen, static_cast<Base*>(&d));
}

TEST_F(Install, TypeidAndDynamicCastSurvive) {
  MoreDerived m;
  InstallResult r = Ok(Request(&m, ShapeOf<Derived>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF)}}));
  Base* b = Launder(static_cast<Base*>(&m));
  EXPECT_EQ(typeid(*b), typeid(MoreDerived));
  EXPECT_EQ(dynamic_cast<MoreDerived*>(b), &m);
  EXPECT_EQ(dynamic_cast<Derived*>(b), static_cast<Derived*>(&m));
  EXPECT_EQ(dynamic_cast<void*>(b), static_cast<void*>(&m));
  EXPECT_EQ(dynamic_cast<Unrelated*>(b), nullptr);
  EXPECT_EQ(abi::OffsetToTop(Vptr(&m)), 0);
  EXPECT_EQ(abi::Rtti(Vptr(&m)), &typeid(MoreDerived));
}

TEST_F(Install, DerivedOverridesStayInEffect) {
  // Reflected as Base, replace g only: f is Derived's override and must stay so.
  Derived d;
  InstallResult r = Ok(Request(&d, ShapeOf<Base>(), {{SlotOf(&Base::g), AsVoid(&ReplacementG)}}));
  EXPECT_EQ(Launder(static_cast<Base*>(&d))->f(), kDerivedF);
  EXPECT_EQ(Launder(static_cast<Base*>(&d))->g(), 9100);
}

TEST_F(Install, DestructorSlotsNotFirst) {
  auto* p = new DtorLater;
  HookLog log;
  InstallRequest req = Request(p, ShapeOf<DtorLater>());
  req.on_destroy = [](void* inst, void* ud) {
    auto* l = static_cast<HookLog*>(ud);
    ++l->calls;
    l->last_instance = inst;
  };
  req.user_data = &log;
  InstallResult r = Ok(req);
  EXPECT_EQ(Launder(p)->f(), kDtorLaterF);  // slot 0 is f, not a destructor
  delete Launder(p);
  EXPECT_EQ(log.calls, 1);
  EXPECT_EQ(log.last_instance, p);
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kObjectDestroyed);
}

TEST_F(ExtraSlots, StartNullWritablePerInstance) {
  Base a, b;
  InstallRequest ra = Request(&a, ShapeOf<Base>());
  ra.extra_slots = 3;
  InstallRequest rb = Request(&b, ShapeOf<Base>());
  rb.extra_slots = 3;
  InstallResult oa = Ok(ra), ob = Ok(rb);
  ASSERT_EQ(oa.overlay.first_extra_index(), 0u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(ExtraSlot(&a, i), nullptr);
    EXPECT_EQ(ExtraSlot(&b, i), nullptr);
  }
  int x = 0, y = 0;
  ExtraSlot(&a, 0) = &x;
  ExtraSlot(&a, 2) = &y;
  ExtraSlot(&b, 0) = &y;
  EXPECT_EQ(ExtraSlot(&a, 0), &x);
  EXPECT_EQ(ExtraSlot(&a, 1), nullptr);
  EXPECT_EQ(ExtraSlot(&a, 2), &y);
  EXPECT_EQ(ExtraSlot(&b, 0), &y);
  EXPECT_EQ(Launder(&a)->f(), kBaseF);  // writing cells does not disturb dispatch
}

TEST_F(ExtraSlots, FixedOffsetBelowVptr) {
  Base a;
  InstallRequest ra = Request(&a, ShapeOf<Base>());
  ra.extra_slots = 2;
  InstallResult o = Ok(ra);
  abi::VPtr vptr = Vptr(&a);
  EXPECT_EQ(&ExtraSlot(&a, 0), &vptr[-4]);
  EXPECT_EQ(&ExtraSlot(&a, 1), &vptr[-5]);
}

TEST_F(ExtraSlots, ZeroExtraSlotsStillInstalls) {
  Base a;
  InstallResult o = Ok(Request(&a, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF)}}));
  EXPECT_EQ(o.overlay.first_extra_index(), 0u);
  EXPECT_EQ(Launder(&a)->f(), 9007);
}

TEST_F(Accounting, OneBlockPerInstall) {
  size_t blocks = LiveBlocks(), handles = LiveHandles();
  Base a, b;
  InstallResult oa = Ok(Request(&a, ShapeOf<Base>()));
  EXPECT_EQ(LiveBlocks(), blocks + 1);
  EXPECT_EQ(LiveHandles(), handles + 1);
  InstallResult ob = Ok(Request(&b, ShapeOf<Base>()));
  EXPECT_EQ(LiveBlocks(), blocks + 2);
  oa.overlay.Teardown();
  EXPECT_EQ(LiveBlocks(), blocks + 1);
  EXPECT_EQ(LiveHandles(), handles + 1);
  ob.overlay.Teardown();
  EXPECT_EQ(LiveBlocks(), blocks);
  EXPECT_EQ(LiveHandles(), handles);
}

TEST_F(Accounting, HandleOutlivesBlockAfterHookedDeath) {
  size_t blocks = LiveBlocks(), handles = LiveHandles();
  HookLog log;
  Base* p = new Base;
  InstallRequest req = Request(p, ShapeOf<Base>());
  req.on_destroy = &RecordingHook;
  req.user_data = &log;
  InstallResult r = Ok(req);
  delete Launder(p);
  EXPECT_EQ(LiveBlocks(), blocks) << "the hook frees the block";
  EXPECT_EQ(LiveHandles(), handles + 1) << "the handle lives until torn down";
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kObjectDestroyed);
  EXPECT_EQ(LiveHandles(), handles);
}

TEST_F(Accounting, RefusalAllocatesNothing) {
  size_t blocks = LiveBlocks(), handles = LiveHandles();
  Base a;
  InstallResult r = vto::Install(Request(&a, ShapeOf<Base>(), {{99, AsVoid(&ReplacementF)}}), HostShapes());
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.overlay.valid());
  EXPECT_EQ(LiveBlocks(), blocks);
  EXPECT_EQ(LiveHandles(), handles);
}

}  // namespace
}  // namespace vto::test
