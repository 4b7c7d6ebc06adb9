// expect_test.cc — the expectation pass and the C++ rules under it, on hand-built hierarchies
// whose answers follow from the standard's own examples (dominance, non-virtual diamonds,
// construction order, dynamic_cast), and ValidateHierarchy's refusals.
#include "gen/expect.h"

#include <gtest/gtest.h>

#include "gen/cxx_rules.h"
#include "gen/stub_names.h"
#include "gen/stubs.h"
#include "gen/subobjects.h"
#include "gen/validate.h"
#include "hierarchy_builder.h"

namespace vto::gen {
namespace {

using test::HierarchyBuilder;
using test::NV;
using test::V;
using Path = SubobjectPath;

// A { m0 }  B : virtual A { m0 }  C : virtual A { }  D : B, C { }
// The virtual diamond: B::m0 dominates A::m0 in D ([class.member.lookup] example).
struct VirtualDiamond {
  int a, b, c, d, m0, sig;
  Hierarchy h;
  VirtualDiamond() {
    HierarchyBuilder hb;
    sig = hb.Sig();
    a = hb.Class();
    b = hb.Class({V(a)});
    c = hb.Class({V(a)});
    d = hb.Class({NV(b), NV(c)});
    m0 = hb.Introduce(a, {sig});  // impl 1
    hb.Override(b, m0);           // impl 2
    hb.At(b).ctor_calls = {{m0, sig}};
    hb.At(c).ctor_calls = {{m0, sig}};
    hb.At(c).dtor_calls = {{m0, sig}};
    hb.At(c).declares_dtor = true;
    h = hb.Build();
  }
};

TEST(Expect, VirtualDiamondDominance) {
  const VirtualDiamond t;
  ASSERT_EQ(ValidateHierarchy(t.h), "");
  const ObjectExpectations ex(t.h, t.d);
  for (int s : {t.a, t.b, t.c, t.d}) {
    const std::optional<Expected> e = ex.Call(s, t.m0, t.sig);
    ASSERT_TRUE(e) << ClassName(s);
    EXPECT_EQ(e->impl_id, 2) << ClassName(s);
    EXPECT_EQ(e->this_path, (Path{t.d, t.b})) << ClassName(s);
  }
  // An object of class C alone: A::m0 is its own final overrider.
  const ObjectExpectations exc(t.h, t.c);
  EXPECT_EQ(exc.Call(t.c, t.m0, t.sig)->impl_id, 1);
  EXPECT_EQ(exc.Call(t.c, t.m0, t.sig)->this_path, (Path{t.c, t.a}));
}

TEST(Expect, ConstructionDispatchesToTheLevelBeingBuilt) {
  const VirtualDiamond t;
  const ObjectExpectations ex(t.h, t.d);
  // Order: A (virtual base), B, C, D. B's call reaches B::m0; while C is built, the object
  // is a C, and C's A::m0 is not overridden: A::m0 on the shared A.
  const std::vector<Expected> ctor = ex.ConstructionTrace();
  ASSERT_EQ(ctor.size(), 2u);
  EXPECT_EQ(ctor[0].impl_id, 2);
  EXPECT_EQ(ctor[0].this_path, (Path{t.d, t.b}));
  EXPECT_EQ(ctor[1].impl_id, 1);
  EXPECT_EQ(ctor[1].this_class, t.a);
  const std::vector<Expected> dtor = ex.DestructionTrace();
  ASSERT_EQ(dtor.size(), 1u);
  EXPECT_EQ(dtor[0].impl_id, 1);
}

// A { m0 }  B : A { m0 }  C : A { }  D : B, C { }  — two A subobjects.
struct NonVirtualDiamond {
  int a, b, c, d, m0, sig;
  Hierarchy h;
  NonVirtualDiamond() {
    HierarchyBuilder hb;
    sig = hb.Sig({ValueKind::kDouble});
    a = hb.Class();
    b = hb.Class({NV(a)});
    c = hb.Class({NV(a)});
    d = hb.Class({NV(b), NV(c)});
    m0 = hb.Introduce(a, {sig});  // impl 1
    hb.Override(b, m0);           // impl 2
    h = hb.Build();
  }
};

TEST(Expect, NonVirtualDiamondKeepsTwoOverriders) {
  const NonVirtualDiamond t;
  ASSERT_EQ(ValidateHierarchy(t.h), "");
  const ObjectExpectations ex(t.h, t.d);
  EXPECT_EQ(ex.Call(t.b, t.m0, t.sig)->impl_id, 2);
  const std::optional<Expected> via_c = ex.Call(t.c, t.m0, t.sig);
  ASSERT_TRUE(via_c);
  EXPECT_EQ(via_c->impl_id, 1);
  EXPECT_EQ(via_c->this_path, (Path{t.d, t.c, t.a}));
  // Through D the name is ambiguous, and A is an ambiguous base: no stubs.
  EXPECT_FALSE(ex.Call(t.d, t.m0, t.sig));
  EXPECT_FALSE(ex.Call(t.a, t.m0, t.sig));
  const StubPlan plan = PlanStubs(t.h);
  EXPECT_EQ(plan.classes[t.d].up, (std::vector<int>{t.d, t.b, t.c}));
  EXPECT_TRUE(plan.classes[t.d].calls.empty());
  for (int target : plan.classes[t.d].dyncasts) EXPECT_NE(target, t.a);
}

TEST(Expect, DynamicCastDownCrossAndFailing) {
  const NonVirtualDiamond t;
  const ObjectExpectations ex(t.h, t.d);
  EXPECT_EQ(ex.DynamicCast(t.c, t.b), (Path{t.d, t.b}));            // cross-cast
  EXPECT_EQ(ex.DynamicCast(t.b, t.d), (Path{t.d}));                 // downcast
  EXPECT_EQ(ex.DynamicCast(t.b, t.a), (Path{t.d, t.b, t.a}));       // static upcast
  EXPECT_EQ(ex.DynamicCast(t.c, kVoidTarget), (Path{t.d}));
  const ObjectExpectations exb(t.h, t.b);
  EXPECT_EQ(exb.DynamicCast(t.b, t.c), std::nullopt);               // not in a B object
  EXPECT_EQ(exb.DynamicCast(t.a, t.d), std::nullopt);
}

TEST(Expect, VirtualBasesAreBuiltFirstInDepthFirstOrder) {
  // X : virtual V1   Y : virtual V2, virtual V1   Z : X, Y
  HierarchyBuilder hb;
  const int v1 = hb.Class(), v2 = hb.Class();
  const int x = hb.Class({V(v1)}), y = hb.Class({V(v2), V(v1)}), z = hb.Class({NV(x), NV(y)});
  const Hierarchy h = hb.Build();
  EXPECT_EQ(VirtualBaseOrder(h, z), (std::vector<int>{v1, v2}));
  const SubobjectGraph g(h, z);
  std::vector<int> classes;
  for (int n : g.ConstructionOrder()) classes.push_back(g.node(n).cls);
  EXPECT_EQ(classes, (std::vector<int>{v1, v2, x, y, z}));
  // B : virtual A   C : virtual B  — A before B (B's own virtual base first).
  HierarchyBuilder hb2;
  const int a = hb2.Class(), b = hb2.Class({V(a)}), c = hb2.Class({V(b)});
  EXPECT_EQ(VirtualBaseOrder(hb2.Build(), c), (std::vector<int>{a, b}));
}

TEST(Expect, OverloadsResolveByExactSignature) {
  HierarchyBuilder hb;
  const int si = hb.Sig({ValueKind::kInt}), sl = hb.Sig({ValueKind::kLong}, ValueKind::kVoid);
  const int a = hb.Class(), b = hb.Class({NV(a)});
  const int m0 = hb.Introduce(a, {si, sl});  // impl 1, 2
  hb.Override(b, m0);                        // impl 3, 4
  const Hierarchy h = hb.Build();
  ASSERT_EQ(ValidateHierarchy(h), "");
  const ObjectExpectations ex(h, b);
  EXPECT_EQ(ex.Call(a, m0, si)->impl_id, 3);
  EXPECT_EQ(ex.Call(a, m0, sl)->impl_id, 4);
}

TEST(Expect, FinalStaticTypeOrMethodMayDevirtualize) {
  HierarchyBuilder hb;
  const int s = hb.Sig();
  const int a = hb.Class(), b = hb.Class({NV(a)}), c = hb.Class({NV(b)});
  const int m0 = hb.Introduce(a, {s}), m1 = hb.Introduce(a, {s});
  hb.Override(b, m0, /*pure=*/false, /*is_final=*/true);
  hb.At(c).is_final = true;
  const Hierarchy h = hb.Build();
  ASSERT_EQ(ValidateHierarchy(h), "");
  const ObjectExpectations ex(h, c);
  EXPECT_FALSE(ex.Call(a, m0, s)->may_devirtualize);
  EXPECT_TRUE(ex.Call(b, m0, s)->may_devirtualize);   // B::m0 is final
  EXPECT_FALSE(ex.Call(b, m1, s)->may_devirtualize);
  EXPECT_TRUE(ex.Call(c, m1, s)->may_devirtualize);   // C is final
}

TEST(Expect, ItaniumTypeName) {
  Hierarchy h;
  h.classes.resize(12);
  EXPECT_EQ(ExpectedTypeName(h, "h7", 3), "N2h72C3E");
  EXPECT_EQ(ExpectedTypeName(h, "seed1234", 11), "N8seed12343C11E");
  h.nested_classes.assign(12, 0);
  h.nested_classes[11] = 1;
  EXPECT_EQ(ExpectedTypeName(h, "h7", 11), "N2h77inner113C11E");
}

// ---- ValidateHierarchy refuses what would not compile cleanly or would be UB ------------

TEST(Validate, RefusesTwoFinalOverriders) {
  // B and C both override the shared A::m0; D overrides nothing.
  HierarchyBuilder hb;
  const int s = hb.Sig();
  const int a = hb.Class(), b = hb.Class({V(a)}), c = hb.Class({V(a)}), d = hb.Class({NV(b), NV(c)});
  const int m0 = hb.Introduce(a, {s});
  hb.Override(b, m0);
  hb.Override(c, m0);
  (void)d;
  EXPECT_NE(ValidateHierarchy(hb.Build()).find("more than one final overrider"), std::string::npos);
}

TEST(Validate, RefusesAmbiguousDirectBase) {
  HierarchyBuilder hb;
  const int a = hb.Class(), b = hb.Class({NV(a)});
  hb.Class({NV(a), NV(b)});
  EXPECT_NE(ValidateHierarchy(hb.Build()).find("ambiguous"), std::string::npos);
}

TEST(Validate, RefusesHiddenOverload) {
  HierarchyBuilder hb;
  const int si = hb.Sig({ValueKind::kInt}), sd = hb.Sig({ValueKind::kDouble});
  const int a = hb.Class(), b = hb.Class({NV(a)});
  const int m0 = hb.Introduce(a, {si, sd});
  Hierarchy h = hb.Build();
  h.classes[b].methods.push_back(Method{m0, si, false, false, 99});  // only one overload
  ComputeFacts(h);
  EXPECT_NE(ValidateHierarchy(h).find("each overload"), std::string::npos);
}

TEST(Validate, RefusesOverridingFinalAndAbstractLeaf) {
  HierarchyBuilder hb;
  const int s = hb.Sig();
  const int a = hb.Class(), b = hb.Class({NV(a)});
  const int m0 = hb.Introduce(a, {s});
  hb.Override(b, m0);
  Hierarchy h = hb.Build();
  h.classes[a].methods[0].is_final = true;
  EXPECT_NE(ValidateHierarchy(h).find("final"), std::string::npos);
  h.classes[a].methods[0].is_final = false;
  h.classes[b].methods[0].pure = true;
  ComputeFacts(h);
  EXPECT_NE(ValidateHierarchy(h).find("leaf class is abstract"), std::string::npos);
}

TEST(Validate, RefusesPureCallInConstructor) {
  HierarchyBuilder hb;
  const int s = hb.Sig();
  const int a = hb.Class(), b = hb.Class({NV(a)});
  const int m0 = hb.Introduce(a, {s}, /*pure=*/true);
  hb.Override(b, m0);
  hb.At(a).ctor_calls = {{m0, s}};
  EXPECT_NE(ValidateHierarchy(hb.Build()).find("calls pure"), std::string::npos);
}

}  // namespace
}  // namespace vto::gen
