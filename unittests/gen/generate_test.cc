// generate_test.cc — Generate: deterministic, diverse, always valid, and over 10,000 ids every
// feature of docs/GENERATOR.md's feature table occurs (the test prints each one's share).
#include "gen/generate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "gen/compiler_mode.h"
#include "gen/cxx_rules.h"
#include "gen/describe.h"
#include "gen/emit.h"
#include "gen/expect.h"
#include "gen/lifecycle_kit.h"
#include "gen/primary_vtable.h"
#include "gen/stubs.h"
#include "gen/subobjects.h"
#include "gen/validate.h"

namespace vto::gen {
namespace {

constexpr int kSeeds = 1000;

Hierarchy FromSeed(std::uint64_t seed, const GenPolicy& policy = GenPolicy{}) {
  ByteSource src = ByteSource::FromSeed(seed);
  return Generate(src, policy);
}

TEST(Generate, SameBytesSameSource) {
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    ByteSource a = ByteSource::FromSeed(seed);
    ByteSource b(a.bytes());  // the saved bytes reproduce the program
    EXPECT_EQ(EmitSource(Generate(a, GenPolicy{}), "ns"), EmitSource(Generate(b, GenPolicy{}), "ns"))
        << "seed " << seed;
  }
}

TEST(Generate, SeedsGiveDistinctPrograms) {
  std::set<std::string> sources;
  for (std::uint64_t seed = 0; seed < 300; ++seed) sources.insert(EmitSource(FromSeed(seed), "ns"));
  EXPECT_GE(sources.size(), 280u);
}

TEST(Generate, ShortAndEmptyInputsYieldValidPrograms) {
  for (size_t n = 0; n < 40; ++n) {
    std::vector<std::uint8_t> bytes(n, static_cast<std::uint8_t>(n * 37));
    ByteSource src(bytes);
    const Hierarchy h = Generate(src, GenPolicy{});
    EXPECT_EQ(ValidateHierarchy(h), "") << "input of " << n << " bytes\n" << DescribeHierarchy(h);
  }
}

TEST(Generate, EverySeedIsValid) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const Hierarchy h = FromSeed(seed);
    ASSERT_EQ(ValidateHierarchy(h), "") << "seed " << seed << "\n" << DescribeHierarchy(h);
    ASSERT_GE(h.classes.size(), 1u);
    ASSERT_LE(h.classes.size(), 12u);
  }
}

// The source variants as the harness draws them (after the mode) are valid too, and every
// level of LimitSourceVariants leaves a valid hierarchy with only the earlier variants.
// The per-class and per-signature variants of levels 4 and up, in level order.
constexpr std::vector<char> Hierarchy::* kVariantVectors[] = {
    &Hierarchy::class_return_refs, &Hierarchy::class_alloc,      &Hierarchy::final_dtors,
    &Hierarchy::inline_classes,    &Hierarchy::pure_dtors,       &Hierarchy::sig_quals,
    &Hierarchy::default_arg_sigs,  &Hierarchy::class_arg_sigs,   &Hierarchy::nested_classes,
    &Hierarchy::template_classes,  &Hierarchy::unnamed_classes,  &Hierarchy::local_classes,
};
constexpr int kFirstVectorLevel = 4;
static_assert(kFirstVectorLevel + std::size(kVariantVectors) - 1 == kSourceVariantLevels,
              "a new variant level needs its entry in kVariantVectors");

TEST(Generate, SourceVariantsAreValidAtEveryLevel) {
  int overaligned = 0;
  std::array<long, std::size(kVariantVectors)> drawn{};
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    ByteSource src = ByteSource::FromSeed(seed);
    Hierarchy h = Generate(src, GenPolicy{});
    (void)DrawCompilerMode(src, GenPolicy{});
    DrawSourceVariants(src, GenPolicy{}, &h);
    ASSERT_EQ(ValidateHierarchy(h), "") << "seed " << seed << "\n" << DescribeHierarchy(h);
    for (size_t c = 0; c < h.classes.size(); ++c) overaligned += ClassAlignas(h, static_cast<int>(c)) > 0;
    Hierarchy v1 = h;
    LimitSourceVariants(&v1, 1);
    EXPECT_EQ(v1.small_in_memory, h.small_in_memory);
    EXPECT_TRUE(v1.class_align.empty());
    EXPECT_FALSE(v1.throwing_dtors);
    EXPECT_TRUE(v1.variadic_sigs.empty());
    Hierarchy v2 = h;
    LimitSourceVariants(&v2, 2);
    ASSERT_EQ(ValidateHierarchy(v2), "") << "seed " << seed;
    EXPECT_EQ(v2.variadic_sigs, h.variadic_sigs);
    EXPECT_TRUE(v2.class_return_sigs.empty());
    for (const ClassModel& c : v2.classes)
      for (const Method& m : c.methods) EXPECT_EQ(m.ret_class, -1);
    Hierarchy v3 = h;
    LimitSourceVariants(&v3, 3);
    ASSERT_EQ(ValidateHierarchy(v3), "") << "seed " << seed;
    EXPECT_EQ(v3.class_return_sigs, h.class_return_sigs);
    EXPECT_TRUE(v3.class_return_refs.empty());
    // Level 3 keeps version 4's program: the reference draw comes last.
    for (size_t k = 0; k < h.signatures.size(); ++k) {
      if (!ReturnsClassRef(h, static_cast<int>(k))) continue;
      EXPECT_TRUE(ReturnsClass(v3, static_cast<int>(k)));
      EXPECT_FALSE(ReturnsClassRef(v3, static_cast<int>(k)));
    }
    // Levels 4.. each keep one per-class or per-signature variant and drop the next.
    for (size_t i = 0; i + 1 < std::size(kVariantVectors); ++i) {
      const int level = kFirstVectorLevel + static_cast<int>(i);
      Hierarchy v = h;
      LimitSourceVariants(&v, level);
      ASSERT_EQ(ValidateHierarchy(v), "") << "seed " << seed << ", level " << level;  // facts recomputed
      EXPECT_EQ(v.*kVariantVectors[i], h.*kVariantVectors[i]) << "level " << level;
      EXPECT_TRUE((v.*kVariantVectors[i + 1]).empty()) << "level " << level;
      drawn[i + 1] += std::count_if((h.*kVariantVectors[i + 1]).begin(), (h.*kVariantVectors[i + 1]).end(),
                                    [](char e) { return e != 0; });
      if (level == 9)  // default_arg_sigs dropped: no declaration keeps its defaults
        for (const ClassModel& cm : v.classes)
          for (const Method& m : cm.methods) EXPECT_EQ(m.defaults, 0);
    }
    Hierarchy v0 = h;
    LimitSourceVariants(&v0, 0);
    EXPECT_FALSE(v0.small_in_memory);
    EXPECT_EQ(EmitSource(v0, "ns"), EmitSource(FromSeed(seed), "ns"));
  }
  EXPECT_GT(overaligned, 0);
  for (size_t i = 1; i < drawn.size(); ++i) EXPECT_GT(drawn[i], 0) << "no hierarchy drew the variant of level " << kFirstVectorLevel + i;
}

TEST(Generate, AnAlignasBelowABasesAlignmentIsInvalid) {
  Hierarchy h;  // struct C0 {}; struct C1 : C0 {};
  h.classes.resize(2);
  h.classes[1].bases.push_back(Base{0, false});
  ASSERT_EQ(ValidateHierarchy(h), "");
  h.class_align = {64, 32};
  EXPECT_EQ(ValidateHierarchy(h).rfind("C1: alignas below", 0), 0u) << ValidateHierarchy(h);
  h.class_align = {64, 64};
  EXPECT_EQ(ValidateHierarchy(h).find("alignas"), std::string::npos);
  h.class_align = {16, 0};
  EXPECT_EQ(ValidateHierarchy(h), "C0: alignas is not 32 or 64");
}

// Lookup of operator new/delete must find one class's: two bases declaring them, neither
// hiding the other, make every class derived from both ill-formed; a class declaring its own
// hides both; two subobjects of one class are one declaration set.
TEST(Generate, AmbiguousAllocationLookupIsInvalid) {
  Hierarchy h;  // struct C0 {}; struct C1 {}; struct C2 : C0, C1 {};
  h.classes.resize(3);
  h.classes[2].bases = {{0, false}, {1, false}};
  h.classes[0].methods = {};
  ComputeFacts(h);
  h.class_alloc = {kAllocUnsized, kAllocSized, 0};
  EXPECT_EQ(AllocationOwner(h, 2), kAmbiguousOwner);
  EXPECT_NE(ValidateHierarchy(h).find("operator new/delete lookup is ambiguous"), std::string::npos)
      << ValidateHierarchy(h);
  h.class_alloc[2] = kAllocUnsized;  // C2's own hide both
  EXPECT_EQ(AllocationOwner(h, 2), 2);
  EXPECT_EQ(ValidateHierarchy(h).find("ambiguous"), std::string::npos) << ValidateHierarchy(h);
  h.class_alloc = {0, kAllocSized, 0};
  EXPECT_EQ(AllocationOwner(h, 2), 1);
  EXPECT_EQ(AllocationOwner(h, 0), -1);
  Hierarchy d;  // struct C0; struct C1 : C0; struct C2 : C0; struct C3 : C1, C2 (two C0 subobjects)
  d.classes.resize(4);
  d.classes[1].bases = {{0, false}};
  d.classes[2].bases = {{0, false}};
  d.classes[3].bases = {{1, false}, {2, false}};
  ComputeFacts(d);
  d.class_alloc = {kAllocSized, 0, 0, 0};
  EXPECT_EQ(AllocationOwner(d, 3), 0);  // two C0 subobjects, one declaration set
  d.class_alloc = {kAllocSized, kAllocUnsized, 0, 0};
  EXPECT_EQ(AllocationOwner(d, 3), kAmbiguousOwner);  // C1's and C0's through C2
  d.classes[1].bases = {{0, true}};
  d.classes[2].bases = {{0, true}};
  EXPECT_EQ(AllocationOwner(d, 3), 1);  // one virtual C0, which C1's dominates
}

TEST(Generate, PolicyBoundsAreObeyed) {
  GenPolicy policy;
  policy.min_classes = policy.max_classes = 3;
  policy.max_subobjects = 5;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    const Hierarchy h = FromSeed(seed, policy);
    ASSERT_EQ(h.classes.size(), 3u);
    for (size_t c = 0; c < h.classes.size(); ++c)
      ASSERT_LE(CountSubobjects(h, static_cast<int>(c)), 5);
    ASSERT_EQ(ValidateHierarchy(h), "");
  }
}

// A polymorphic class with a vptr besides its primary one: a polymorphic direct base that is
// not its primary base, or a base that has several itself.
bool HasSeveralVptrs(const Hierarchy& h, int c) {
  if (!h.classes[static_cast<size_t>(c)].polymorphic) return false;
  for (const Base& b : h.classes[static_cast<size_t>(c)].bases) {
    if (h.classes[static_cast<size_t>(b.cls)].polymorphic && PrimaryBase(h, c) != b.cls) return true;
    if (HasSeveralVptrs(h, b.cls)) return true;
  }
  return false;
}

// Ids the feature table of docs/GENERATOR.md is measured over.
constexpr int kFeatureIds = 10000;

// Counts, over ids 0..kFeatureIds-1, how many hierarchies have each feature (with the
// compiler mode and source variants the harness draws after the hierarchy).
std::map<std::string, int> CountFeatures() {
  std::map<std::string, int> n;
  for (std::uint64_t seed = 0; seed < kFeatureIds; ++seed) {
    ByteSource src = ByteSource::FromSeed(seed);
    Hierarchy h = Generate(src, GenPolicy{});
    const CompilerMode mode = DrawCompilerMode(src, GenPolicy{});
    DrawSourceVariants(src, GenPolicy{}, &h);
    std::set<std::string> f;
    if (mode.opt_level == 1) f.insert("compiled at -O1");
    if (mode.opt_level == 2) f.insert("compiled at -O2");
    if (mode.assume_unique_vtables) f.insert("-fassume-unique-vtables");
    if (mode.strict_vtable_pointers) f.insert("-fstrict-vtable-pointers");
    if (h.classes.size() == 1) f.insert("one class");
    if (h.classes.size() == 12) f.insert("twelve classes");
    for (const NameInfo& name : h.names)
      if (name.sigs.size() >= 2) f.insert("overloaded virtuals");
    for (const Signature& s : h.signatures) {
      if (s.is_const) f.insert("const signature");
      if (s.args.size() == 3) f.insert("three arguments");
    }
    const std::vector<std::vector<char>> is_base = BaseClosure(h);
    for (size_t ci = 0; ci < h.classes.size(); ++ci) {
      const int c = static_cast<int>(ci);
      const ClassModel& cm = h.classes[c];
      const SubobjectGraph g(h, c);
      if (cm.bases.size() >= 2) f.insert("multiple inheritance");
      if (HasSeveralVptrs(h, c)) f.insert("class with several vptrs");
      bool polymorphic_base = false;
      for (const Base& b : cm.bases) polymorphic_base = polymorphic_base || h.classes[b.cls].polymorphic;
      for (const Method& m : cm.methods) {
        if (polymorphic_base && h.names[m.name].introduced_by == c) f.insert("new virtual in a derived class");
      }
      for (const Base& b : cm.bases) {
        if (b.is_virtual) f.insert("virtual base");
        if (cm.polymorphic && !h.classes[b.cls].polymorphic) f.insert("non-polymorphic base of polymorphic");
      }
      if (!VirtualBaseOrder(h, c).empty() && !cm.polymorphic) f.insert("virtual base, no virtuals");
      for (int node = 0; node < g.size(); ++node) {
        if (g.OfClass(g.node(node).cls).size() >= 2) f.insert("non-virtual diamond");
        int parents = 0;
        for (int p = 0; p < g.size(); ++p)
          for (int b : g.node(p).bases) parents += b == node;
        if (g.node(node).is_virtual && parents >= 2) f.insert("virtual diamond");
      }
      if (ClassAlignas(h, c) > 0) f.insert("over-aligned class");
      if (ObjectAlignas(h, c) > 0 && cm.polymorphic && cm.virtual_dtor && !cm.abstract)
        f.insert("over-aligned object with a virtual destructor");
      if (ObjectAlignas(h, c) > 0 && ClassAlignas(h, c) == 0) f.insert("over-aligned by a base");
      if (h.throwing_dtors && !cm.abstract && cm.virtual_dtor && RunsDeclaredDestructor(h, c))
        f.insert("throwing destructor under a virtual one");
      if (HasPureDtor(h, c)) f.insert("pure virtual destructor");
      if (!ClassNamespace(h, c).empty() && cm.polymorphic) f.insert("polymorphic class in a nested namespace");
      if (IsUnnamedNamespaceClass(h, c) && cm.polymorphic) {
        f.insert("polymorphic class in an unnamed namespace");
        if (!cm.abstract && cm.virtual_dtor) f.insert("... a concrete one with a virtual destructor (unnamed)");
      }
      if (IsLocalClass(h, c)) {
        f.insert("local class");
        if (cm.virtual_dtor) f.insert("... with a virtual destructor (local)");
        if (HasLcX(h, c)) f.insert("... that the lifecycle kit derives from (local)");
      }
      if (IsTemplateClass(h, c) && cm.polymorphic) {
        f.insert("polymorphic class template specialization");
        if (!cm.abstract && cm.virtual_dtor) f.insert("... a concrete one with a virtual destructor");
      }
      if (cm.polymorphic && !HasKeyFunction(h, c)) {
        f.insert("polymorphic class without a key function");
        if (IsInlineClass(h, c) && !cm.abstract) f.insert("... a concrete one, by inline_classes");
      }
      if (HasFinalDtor(h, c)) {
        f.insert("final destructor");
        if (mode.assume_unique_vtables && mode.opt_level >= 1) f.insert("final destructor, vptr identity assumed (R13)");
      }
      if (ClassAlloc(h, c) != 0) f.insert("class operator new/delete");
      if (const int owner = AllocationOwner(h, c); owner >= 0 && !cm.abstract && cm.virtual_dtor) {
        // A delete through the vtable's deleting destructor frees through the class's own.
        f.insert("deleting destructor calls a class operator delete");
        if (owner != c) f.insert("... a base's");
        if (ClassAlloc(h, owner) == kAllocSized) f.insert("... the sized one");
        if (ObjectAlignas(h, c) > 0) f.insert("... the aligned one");
      }
      if (cm.is_final && cm.polymorphic) f.insert("final polymorphic class");
      if (cm.abstract) f.insert("abstract class");
      if (cm.polymorphic && !cm.virtual_dtor) f.insert("non-virtual dtor");
      if (cm.declares_virtual_dtor) f.insert("virtual dtor");
      if (!cm.ctor_calls.empty()) f.insert("ctor calls virtual");
      if (!cm.dtor_calls.empty()) f.insert("dtor calls virtual");
      for (const DataMember& d : cm.members)
        if (d.align == 16) f.insert("16-aligned member");
      for (const Method& m : cm.methods) {
        const bool introduced = h.names[m.name].introduced_by == c;
        if (m.pure) f.insert(introduced ? "pure virtual" : "pure override");
        if (m.is_final) f.insert("final method");
        bool intro_is_direct_base = false;
        for (const Base& b : cm.bases) intro_is_direct_base |= b.cls == h.names[m.name].introduced_by;
        if (!introduced && !intro_is_direct_base) f.insert("override of a grand-base method");
        f.insert(std::string("returns ") + TypeSpelling(h.signatures[m.sig].ret));
        if (h.signatures[m.sig].ret == ValueKind::kSmall && h.small_in_memory) f.insert("returns Small in memory");
        if (IsVariadic(h, m.sig)) f.insert("variadic virtual");
        if (m.defaults > 0) f.insert("default arguments");
        switch (ClassArg(h, m.sig)) {
          case kClassArgValue: f.insert(h.small_in_memory ? "class argument by value, passed in memory" : "class argument by value"); break;
          case kClassArgRef: f.insert("class argument by const reference"); break;
          case kClassArgRRef: f.insert("class argument by rvalue reference"); break;
          default: break;
        }
        for (int b = 0; b < c; ++b) {
          const Method* o = is_base[ci][static_cast<size_t>(b)] ? FindMethod(h, b, m.name, m.sig) : nullptr;
          if (o != nullptr && o->defaults != m.defaults) f.insert("override with other default arguments");
        }
        if (const char q = SigQuals(h, m.sig); q != 0) {
          if ((q & kQualVolatile) != 0) f.insert("volatile virtual");
          if ((q & kQualLRef) != 0) f.insert("&-qualified virtual");
          if ((q & kQualRRef) != 0) f.insert("&&-qualified virtual");
        }
        if (m.ret_class >= 0) {
          f.insert(ReturnsClassRef(h, m.sig) ? "returns a class reference" : "returns a class pointer");
          for (int b = 0; b < c; ++b) {
            const Method* o = is_base[ci][static_cast<size_t>(b)] ? FindMethod(h, b, m.name, m.sig) : nullptr;
            if (o == nullptr || o->ret_class == m.ret_class) continue;
            f.insert("covariant return");
            if (ReturnsClassRef(h, m.sig)) f.insert("covariant reference return");
            // Off the chain of primary bases (each at offset 0, never virtual) a conversion
            // moves the pointer or crosses a virtual base, mostly: a return-adjusting entry.
            int r = m.ret_class;
            while (r >= 0 && r != o->ret_class) r = PrimaryBase(h, r);
            if (r < 0) f.insert("covariant return off the primary chain");
            if (r < 0 && ReturnsClassRef(h, m.sig)) f.insert("covariant reference return off the primary chain");
          }
        }
        for (ValueKind a : h.signatures[m.sig].args) f.insert(std::string("takes ") + TypeSpelling(a));
      }
      if (cm.abstract) continue;
      // Dispatch facts, from the expectation pass.
      const ObjectExpectations ex(h, c);
      for (const Expected& e : ex.ConstructionTrace()) {
        f.insert("virtual call during construction");
        const MethodRef ref = FindImpl(h, e.impl_id);
        const Method& m = h.classes[ref.cls].methods[ref.index];
        const std::optional<Expected> full = ex.Call(c, m.name, m.sig);
        if (full && full->impl_id != e.impl_id) f.insert("construction dispatch differs from complete");
      }
      const StubPlan plan = PlanStubs(h);
      for (int s : plan.classes[c].up) {
        for (const VirtualCall& call : plan.classes[s].calls) {
          const std::optional<Expected> e = ex.Call(s, call.name, call.sig);
          if (e && e->this_path != ex.PathOf(s)) f.insert("call adjusts this");
          if (e && e->this_path != ex.PathOf(s) && h.small_in_memory && h.signatures[call.sig].ret == ValueKind::kSmall) {
            f.insert("call adjusts this, returns in memory");
          }
          if (e && e->this_path != ex.PathOf(s) && IsVariadic(h, call.sig)) f.insert("variadic call adjusts this");
          if (e && e->this_path != ex.PathOf(s) && ClassArg(h, call.sig) == kClassArgValue && h.small_in_memory)
            f.insert("call adjusts this, class argument in memory");
          if (const int omitted = DefaultedArgs(h, s, call.name, call.sig); omitted > 0) {
            f.insert("call leaves arguments to defaults");
            const MethodRef fo = e ? FindImpl(h, e->impl_id) : MethodRef{};
            if (fo.cls >= 0 && h.classes[static_cast<size_t>(fo.cls)].methods[static_cast<size_t>(fo.index)].defaults != omitted)
              f.insert("... the final overrider's defaults differ");
          }
          if (e && e->may_devirtualize) f.insert("devirtualizable call");
        }
        for (int t : plan.classes[s].dyncasts)
          if (!ex.DynamicCast(s, t)) f.insert("failing dynamic_cast");
      }
    }
    for (const std::string& s : f) ++n[s];
  }
  return n;
}

TEST(Generate, FeatureCoverageOverFixedSeeds) {
  const std::map<std::string, int> n = CountFeatures();
  const char* required[] = {
      "one class", "twelve classes", "overloaded virtuals", "const signature", "three arguments",
      "multiple inheritance", "virtual base", "non-polymorphic base of polymorphic",
      "virtual base, no virtuals", "non-virtual diamond", "virtual diamond",
      "final polymorphic class", "abstract class", "non-virtual dtor", "virtual dtor",
      "ctor calls virtual", "dtor calls virtual", "16-aligned member", "pure virtual",
      "pure override", "final method", "override of a grand-base method", "returns void",
      "returns int", "returns long", "returns double", "returns void*", "returns Small",
      "takes int", "takes long", "takes double", "takes void*",
      "virtual call during construction", "construction dispatch differs from complete",
      "call adjusts this", "devirtualizable call", "failing dynamic_cast", "class with several vptrs",
      "new virtual in a derived class", "compiled at -O1", "compiled at -O2", "-fassume-unique-vtables",
      "-fstrict-vtable-pointers", "returns Small in memory", "call adjusts this, returns in memory",
      "over-aligned class", "over-aligned object with a virtual destructor", "over-aligned by a base",
      "throwing destructor under a virtual one", "variadic virtual", "variadic call adjusts this",
      "returns a class pointer", "covariant return", "covariant return off the primary chain",
      "returns a class reference", "covariant reference return", "covariant reference return off the primary chain",
      "class operator new/delete", "deleting destructor calls a class operator delete", "... a base's",
      "... the sized one", "... the aligned one", "final destructor", "final destructor, vptr identity assumed (R13)",
      "polymorphic class without a key function", "... a concrete one, by inline_classes",
      "pure virtual destructor", "volatile virtual", "&-qualified virtual", "&&-qualified virtual",
      "default arguments", "override with other default arguments", "call leaves arguments to defaults",
      "... the final overrider's defaults differ",
      "class argument by value", "class argument by value, passed in memory", "class argument by const reference",
      "class argument by rvalue reference", "call adjusts this, class argument in memory",
      "polymorphic class in a nested namespace", "polymorphic class template specialization",
      "... a concrete one with a virtual destructor", "polymorphic class in an unnamed namespace", "local class",
      "... with a virtual destructor (local)",
  };
  std::string report;
  for (const auto& [feature, count] : n) {
    char line[160];
    std::snprintf(line, sizeof line, "  %5.1f %%  %s\n", 100.0 * count / kFeatureIds, feature.c_str());
    report += line;
  }
  for (const char* feature : required) {
    const auto it = n.find(feature);
    // Each feature in at least 1% of the hierarchies, so it is exercised, not a fluke.
    EXPECT_TRUE(it != n.end() && it->second >= kFeatureIds / 100)
        << "feature '" << feature << "' too rare over " << kFeatureIds << " ids:\n" << report;
  }
  std::printf("share of hierarchies with each feature, ids 0..%d (docs/GENERATOR.md, feature table):\n%s",
              kFeatureIds - 1, report.c_str());
}

}  // namespace
}  // namespace vto::gen
