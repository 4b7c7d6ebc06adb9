// teardown_test.cc — P13–P17: restore, idempotence, hands off after death, foreign vptr
// writes, Abandon.
#include <cstring>
#include <new>
#include <typeinfo>

#include "overlay_test_util.h"

namespace vto::test {
namespace {

using Teardown = OverlayTest;

TEST_F(Teardown, RestoresVptrBitForBit) {
  MoreDerived m;
  abi::VPtr original = Vptr(&m);
  unsigned char before[sizeof(MoreDerived)];
  std::memcpy(before, static_cast<void*>(&m), sizeof m);
  InstallRequest req = Request(&m, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF)}});
  req.extra_slots = 4;
  InstallResult r = Ok(req);
  ExtraSlot(&m, 3) = &m;
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kRestored);
  EXPECT_EQ(Vptr(&m), original);
  EXPECT_EQ(std::memcmp(before, static_cast<void*>(&m), sizeof m), 0) << "every byte of the object is as before";
}

TEST_F(Teardown, Idempotent) {
  Base b;
  InstallResult r = Ok(Request(&b, ShapeOf<Base>()));
  OverlayId id = r.overlay.id();
  EXPECT_TRUE(r.overlay.valid());
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kRestored);
  EXPECT_FALSE(r.overlay.valid());
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kNullHandle);
  EXPECT_EQ(TeardownOverlay(id), TeardownResult::kAlreadyTornDown) << "stale id is recognised";
  EXPECT_EQ(AbandonOverlay(id), TeardownResult::kAlreadyTornDown);
  // A new overlay reusing the same table entry is not reachable through the old id.
  InstallResult again = Ok(Request(&b, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF)}}));
  EXPECT_EQ(TeardownOverlay(id), TeardownResult::kAlreadyTornDown);
  EXPECT_EQ(Launder(&b)->f(), 9007) << "the old id did not tear down the new overlay";
}

TEST_F(Teardown, RaiiHandleTearsDownAndMoves) {
  Base b;
  abi::VPtr original = Vptr(&b);
  {
    Overlay outer;
    {
      InstallResult r = Ok(Request(&b, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF)}}));
      outer = std::move(r.overlay);
      EXPECT_FALSE(r.overlay.valid());
    }
    EXPECT_EQ(Launder(&b)->f(), 9007) << "moved-from handle did not tear down";
    Overlay moved(std::move(outer));
    EXPECT_FALSE(outer.valid());
    EXPECT_TRUE(moved.valid());
  }
  EXPECT_EQ(Vptr(&b), original);
}

// P14: a move-assignment tears down what the target owned, empties the source, and a
// self-move-assignment changes nothing.
TEST_F(Teardown, MoveAssignmentTearsDownTheTargetsOverlayAndSelfMoveKeepsIt) {
  Base a, b;
  const abi::VPtr original_a = Vptr(&a);
  InstallResult ra = Ok(Request(&a, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF)}}));
  InstallResult rb = Ok(Request(&b, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF)}}));
  const OverlayId id_b = rb.overlay.id();
  const size_t live = LiveBlocks();
  ra.overlay = std::move(rb.overlay);
  EXPECT_EQ(Vptr(&a), original_a) << "the target's old overlay was not torn down";
  EXPECT_EQ(LiveBlocks(), live - 1);
  EXPECT_FALSE(rb.overlay.valid());
  EXPECT_EQ(ra.overlay.id(), id_b);
  Overlay& alias = ra.overlay;
  ra.overlay = std::move(alias);
  EXPECT_EQ(ra.overlay.id(), id_b) << "self-move-assignment dropped the overlay";
  EXPECT_EQ(Launder(&b)->f(), 9007);
  ra.overlay = Overlay();
  EXPECT_FALSE(ra.overlay.valid());
  EXPECT_EQ(LiveBlocks(), live - 2);
}

TEST_F(Teardown, AfterHookedDeathTouchesNothing) {
  alignas(Derived) unsigned char buffer[sizeof(Derived)];
  Derived* p = new (buffer) Derived;
  InstallRequest req = Request(p, ShapeOf<Base>());
  req.on_destroy = [](void*, void*) {};
  InstallResult r = Ok(req);
  Launder(p)->~Derived();
  std::memset(buffer, 0xAB, sizeof buffer);  // the memory is reused
  EXPECT_EQ(r.overlay.Teardown(), TeardownResult::kObjectDestroyed);
  for (unsigned char c : buffer) ASSERT_EQ(c, 0xAB) << "teardown wrote into memory it does not own";
}

// Installing while a base-class constructor runs: the derived constructor then rewrites the
// vptr, silently dropping the overlay. Teardown must notice and not write the base's vtable
// over the finished object.
Overlay* g_ctor_overlay = nullptr;
struct SelfOverlaying : Base {
  SelfOverlaying();
};
struct Outer : SelfOverlaying {
  int f() override { return 4242; }
};
SelfOverlaying::SelfOverlaying() {
  ClassShape shape = ShapeOf<Base>();
  shape.rtti_name = typeid(SelfOverlaying).name();
  shape.name = "SelfOverlaying";
  shape.primary_bases = {typeid(Base).name()};
  HostShapes().Add(shape);  // the dynamic type while this constructor runs
  InstallResult r = Install(OverlayTest::Request(this, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF)}}),
                            HostShapes());
  if (r.ok()) *g_ctor_overlay = std::move(r.overlay);
}

TEST_F(Teardown, DetectsVptrRewrittenByConstructor) {
  Overlay overlay;
  g_ctor_overlay = &overlay;
  Outer* o = new Outer;  // SelfOverlaying() installs; Outer() then rewrites the vptr
  ASSERT_TRUE(overlay.valid());
  abi::VPtr outer_vptr = Vptr(o);
  EXPECT_EQ(Launder(o)->f(), 4242);
  EXPECT_EQ(overlay.Teardown(), TeardownResult::kDetached);
  EXPECT_EQ(Vptr(o), outer_vptr) << "teardown must not write the base's vtable over the finished object";
  EXPECT_EQ(Launder(o)->f(), 4242);
  delete o;
}

TEST_F(Teardown, ForeignVptrWriteDropsOnlyUpperOverlays) {
  Derived d;
  InstallResult a = Ok(Request(&d, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF)}}));
  abi::VPtr a_vptr = Vptr(&d);
  InstallResult b = Ok(Request(&d, ShapeOf<Base>(), {{SlotOf(&Base::g), AsVoid(&ReplacementG)}}));
  abi::WriteVptr(&d, a_vptr);  // foreign code put the lower overlay back on top
  EXPECT_EQ(b.overlay.Teardown(), TeardownResult::kDetached);
  EXPECT_EQ(Launder(&d)->f(), 9007);
  EXPECT_EQ(a.overlay.Teardown(), TeardownResult::kRestored);
  EXPECT_EQ(Launder(&d)->f(), kDerivedF);
}

TEST_F(Teardown, AbandonTouchesNothing) {
  alignas(Derived) unsigned char buffer[sizeof(Derived)];
  Derived* p = new (buffer) Derived;
  InstallResult a = Ok(Request(p, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF)}}));
  InstallResult b = Ok(Request(p, ShapeOf<Base>()));
  p->Derived::~Derived();  // invisible destruction: a direct, non-virtual call
  std::memset(buffer, 0xCD, sizeof buffer);
  EXPECT_EQ(a.overlay.Abandon(), TeardownResult::kAbandoned);
  EXPECT_EQ(b.overlay.Teardown(), TeardownResult::kDetached) << "Abandon forgot every overlay of the object";
  for (unsigned char c : buffer) ASSERT_EQ(c, 0xCD) << "Abandon/Teardown wrote into the dead object";
}

TEST_F(Teardown, NewObjectAtSameAddressAfterAbandon) {
  alignas(MoreDerived) unsigned char buffer[sizeof(MoreDerived)];
  Derived* p = new (buffer) Derived;
  InstallResult a = Ok(Request(p, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF)}}));
  p->Derived::~Derived();
  EXPECT_EQ(a.overlay.Abandon(), TeardownResult::kAbandoned);
  MoreDerived* q = new (buffer) MoreDerived;
  InstallResult b = Ok(Request(q, ShapeOf<Base>(), {{SlotOf(&Base::g), AsVoid(&ReplacementG)}}));
  EXPECT_EQ(Launder(q)->k(), kMoreK) << "sized from the new object's dynamic type";
  EXPECT_EQ(Launder(q)->g(), 9100);
  EXPECT_EQ(b.overlay.Teardown(), TeardownResult::kRestored);
  q->~MoreDerived();
}

TEST_F(Teardown, StaleStackAtReusedAddressIsDetachedOnInstall) {
  // A binding forgot to Abandon after an invisible death; a new object appears at the
  // same address. Installing on it must not stack on the stale overlay.
  alignas(Derived) unsigned char buffer[sizeof(Derived)];
  Derived* p = new (buffer) Derived;
  InstallResult stale = Ok(Request(p, ShapeOf<Base>(), {{SlotOf(&Base::f), AsVoid(&ReplacementF)}}));
  p->Derived::~Derived();
  Derived* q = new (buffer) Derived;
  InstallResult fresh = Ok(Request(q, ShapeOf<Base>()));
  EXPECT_EQ(fresh.overlay.first_extra_index(), 0u);
  EXPECT_EQ(Launder(q)->f(), kDerivedF) << "the stale replacement is not inherited";
  EXPECT_EQ(stale.overlay.Teardown(), TeardownResult::kDetached);
  EXPECT_EQ(fresh.overlay.Teardown(), TeardownResult::kRestored);
  q->~Derived();
}

}  // namespace
}  // namespace vto::test
