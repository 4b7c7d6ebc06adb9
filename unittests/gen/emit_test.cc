// emit_test.cc — EmitSource: the planned stubs are exactly the exported names, names carry
// the namespace, and the spellings that keep clang quiet are used. (That the source compiles
// without diagnostics and behaves as modeled is jit_dispatch_test.cc.)
#include "gen/emit.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "gen/conventions.h"
#include "gen/expect.h"
#include "gen/generate.h"
#include "gen/stub_names.h"
#include "gen/stubs.h"
#include "gen/validate.h"
#include "hierarchy_builder.h"

namespace vto::gen {
namespace {

using test::HierarchyBuilder;
using test::NV;
using test::V;

// Names of all extern "C" functions the source defines.
std::set<std::string> DefinedCNames(const std::string& source) {
  std::set<std::string> names;
  const std::regex def(R"(extern "C" [^\n(]*?([A-Za-z_][A-Za-z_0-9]*)\([^\n;]*\) \{)");
  for (std::sregex_iterator it(source.begin(), source.end(), def), end; it != end; ++it)
    names.insert((*it)[1].str());
  return names;
}

std::set<std::string> PlannedNames(const Hierarchy& h, const std::string& ns) {
  const StubPlan plan = PlanStubs(h);
  std::set<std::string> names;
  for (size_t ci = 0; ci < plan.classes.size(); ++ci) {
    const int c = static_cast<int>(ci);
    const ClassStubs& st = plan.classes[c];
    if (st.new_and_delete) {
      names.insert(NewStubName(ns, c));
      names.insert(DeleteStubName(ns, c));
    }
    for (int s : st.up) names.insert(UpStubName(ns, c, s));
    for (const VirtualCall& call : st.calls) names.insert(CallStubName(ns, c, call.name, call.sig));
    if (st.delete_via) names.insert(DeleteViaStubName(ns, c));
    if (st.typeid_and_void_cast) {
      names.insert(TypeidStubName(ns, c));
      names.insert(DynCastStubName(ns, c, kVoidTarget));
    }
    for (int t : st.dyncasts) names.insert(DynCastStubName(ns, c, t));
  }
  for (int k = 0; k < plan.num_signatures; ++k)
    for (int r = 0; r < kReplacementsPerSignature; ++r) names.insert(ReplacementStubName(ns, k, r));
  names.insert(StubTableName(ns));
  return names;
}

TEST(Emit, DefinesExactlyThePlannedStubs) {
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    ByteSource src = ByteSource::FromSeed(seed);
    const Hierarchy h = Generate(src, GenPolicy{});
    const std::string ns = "s" + std::to_string(seed);
    const std::string source = EmitSource(h, ns);
    const std::set<std::string> planned = PlannedNames(h, ns);
    EXPECT_EQ(DefinedCNames(source), planned) << "seed " << seed;
    // The stub table lists every stub (all but the table itself).
    for (const std::string& name : planned)
      if (name != StubTableName(ns))
        EXPECT_NE(source.find("{\"" + name + "\", reinterpret_cast<void*>(&" + name + ")}"),
                  std::string::npos) << name;
    for (const std::string& name : DefinedCNames(source))
      EXPECT_EQ(name.rfind(ns + "_", 0), 0u) << name;
  }
}

TEST(Emit, SpellsOverridesFinalsAndDestructors) {
  HierarchyBuilder hb;
  const int si = hb.Sig({ValueKind::kInt, ValueKind::kPtr}, ValueKind::kSmall, /*is_const=*/true);
  const int a = hb.Class(), b = hb.Class({V(a)}), c = hb.Class({NV(b)});
  const int m0 = hb.Introduce(a, {si}, /*pure=*/true);
  hb.Override(b, m0);
  hb.At(a).declares_dtor = true;  // polymorphic, non-virtual destructor
  hb.At(b).ctor_calls = {{m0, si}};
  hb.At(c).is_final = true;
  hb.At(c).members = {{3, 1}, {16, 16}};
  const Hierarchy h = hb.Build();
  const std::string s = EmitSource(h, "ns");
  EXPECT_NE(s.find("struct C0 {\n  ~C0();\n  virtual Small m0(int, void*) const = 0;\n"),
            std::string::npos) << s;
  EXPECT_NE(s.find("struct C1 : virtual C0 {\n  C1();\n  Small m0(int, void*) const override;\n"),
            std::string::npos) << s;
  EXPECT_NE(s.find("struct C2 final : C1 {\n  unsigned char d0[3] = {};\n"
                   "  alignas(16) unsigned char d1[16] = {};\n"),
            std::string::npos) << s;
  EXPECT_NE(s.find("C1::C1() {\n  m0(11, CanonicalPtr());\n}"), std::string::npos) << s;
  EXPECT_NE(s.find("  vto_trace_record(a0 == 11 && a1 == CanonicalPtr() ? 2 : -2, this);\n"
                   "  return Small{2, -3};\n"),
            std::string::npos) << s;
  // C1 is polymorphic, not final, non-virtual destructor: no `delete` expression on it.
  EXPECT_NE(s.find("p->ns::C1::~C1();\n  if constexpr (alignof(ns::C1) > __STDCPP_DEFAULT_NEW_ALIGNMENT__)\n"
                   "    ::operator delete(c, std::align_val_t{alignof(ns::C1)});\n  else\n    ::operator delete(c);\n"),
            std::string::npos) << s;
  // C2 is final: a plain delete draws no warning.
  EXPECT_NE(s.find("delete static_cast<ns::C2*>(c);"), std::string::npos) << s;
  EXPECT_EQ(s.find("ns_delete_via_"), std::string::npos) << "no virtual destructor anywhere";
}

// Hierarchy::class_align: the alignas goes before the class name (and before `final`).
TEST(Emit, SpellsOverAlignedClasses) {
  HierarchyBuilder hb;
  const int a = hb.Class(), b = hb.Class({NV(a)});
  hb.At(b).is_final = true;
  Hierarchy h = hb.Build();
  h.class_align = {32, 64};
  const std::string s = EmitSource(h, "ns");
  EXPECT_NE(s.find("struct alignas(32) C0 {\n"), std::string::npos) << s;
  EXPECT_NE(s.find("struct alignas(64) C1 final : C0 {\n"), std::string::npos) << s;
}

// Hierarchy::class_alloc: all four allocation functions declared, defined as calls of the
// host; the delete stub that calls the destructor itself frees as `delete` would, through
// the operator delete lookup finds (sized and aligned as declared and as the class needs).
TEST(Emit, SpellsClassAllocationFunctions) {
  HierarchyBuilder hb;
  const int si = hb.Sig({}, ValueKind::kInt);
  const int a = hb.Class(), b = hb.Class({NV(a)});
  hb.Introduce(a, {si});  // polymorphic, non-virtual destructor: the stubs call ~C themselves
  Hierarchy h = hb.Build();
  h.class_alloc = {kAllocSized, 0};
  h.class_align = {0, 32};
  ASSERT_EQ(ValidateHierarchy(h), "");
  const std::string s = EmitSource(h, "ns");
  EXPECT_NE(s.find("extern \"C\" void* vto_class_new(int cls, std::size_t size, std::size_t align);\n"
                   "extern \"C\" void vto_class_delete(int cls, void* p, std::size_t size, std::size_t align);\n"),
            std::string::npos) << s;
  EXPECT_NE(s.find("  static void* operator new(std::size_t n);\n  static void* operator new(std::size_t n, std::align_val_t al);\n"
                   "  static void operator delete(void* p, std::size_t n);\n"
                   "  static void operator delete(void* p, std::size_t n, std::align_val_t al);\n"),
            std::string::npos) << s;
  EXPECT_NE(s.find("void* C0::operator new(std::size_t n, std::align_val_t al) { return vto_class_new(0, n, "
                   "static_cast<std::size_t>(al)); }\n"),
            std::string::npos) << s;
  EXPECT_NE(s.find("void C0::operator delete(void* p, std::size_t n) { vto_class_delete(0, p, n, 0); }\n"),
            std::string::npos) << s;
  EXPECT_NE(s.find("  ns::C0::operator delete(c, sizeof(ns::C0));\n"), std::string::npos) << s;
  EXPECT_NE(s.find("  ns::C1::operator delete(c, sizeof(ns::C1), std::align_val_t{alignof(ns::C1)});\n"),
            std::string::npos) << s;
  EXPECT_EQ(s.find("  static void* operator new", s.find("struct alignas(32) C1")), std::string::npos) << s;

  // The unsized form: no size argument anywhere.
  h.class_alloc = {kAllocUnsized, 0};
  const std::string u = EmitSource(h, "ns");
  EXPECT_NE(u.find("  static void operator delete(void* p);\n  static void operator delete(void* p, std::align_val_t al);\n"),
            std::string::npos) << u;
  EXPECT_NE(u.find("void C0::operator delete(void* p, std::align_val_t al) { vto_class_delete(0, p, 0, "
                   "static_cast<std::size_t>(al)); }\n"),
            std::string::npos) << u;
  EXPECT_NE(u.find("  ns::C1::operator delete(c, std::align_val_t{alignof(ns::C1)});\n"), std::string::npos) << u;
  // None: the global functions, as before the variant existed.
  h.class_alloc.clear();
  const std::string g = EmitSource(h, "ns");
  EXPECT_EQ(g.find("vto_class_new"), std::string::npos) << g;
  EXPECT_NE(g.find("    ::operator delete(c, std::align_val_t{alignof(ns::C1)});\n"), std::string::npos) << g;
}

// Hierarchy::final_dtors: a leaf's declared virtual destructor is `final` in a class not
// declared final; the unit silences the warning that asks for the class to be.
TEST(Emit, SpellsFinalDestructors) {
  HierarchyBuilder hb;
  const int si = hb.Sig({}, ValueKind::kInt);
  const int a = hb.Class(), b = hb.Class({NV(a)}), c = hb.Class({NV(a)});
  const int m0 = hb.Introduce(a, {si});
  hb.Override(b, m0);
  hb.At(a).declares_dtor = hb.At(a).declares_virtual_dtor = true;
  hb.At(b).declares_dtor = true;
  hb.At(c).declares_dtor = hb.At(c).declares_virtual_dtor = true;
  Hierarchy h = hb.Build();
  h.final_dtors = {0, 1, 1};
  ASSERT_EQ(ValidateHierarchy(h), "");
  const std::string s = EmitSource(h, "ns");
  EXPECT_NE(s.find("#pragma clang diagnostic ignored \"-Wfinal-dtor-non-final-class\"\n"), std::string::npos) << s;
  EXPECT_NE(s.find("struct C1 : C0 {\n  ~C1() override final;\n  int m0() override;\n"), std::string::npos) << s;
  EXPECT_NE(s.find("struct C2 : C0 {\n  ~C2() override final;\n"), std::string::npos) << s;
  EXPECT_TRUE(IsEffectivelyFinal(h, b));
  EXPECT_FALSE(IsEffectivelyFinal(h, a));
  // Not on a class something derives from, nor on an implicit destructor, nor in a class that
  // introduces a virtual (clang would warn about a `virtual` in an effectively final class).
  h.final_dtors = {1, 0, 0};
  EXPECT_NE(ValidateHierarchy(h).find("final destructor"), std::string::npos) << ValidateHierarchy(h);
  h.final_dtors = {0, 1, 0};
  h.classes[static_cast<size_t>(b)].declares_dtor = false;
  EXPECT_NE(ValidateHierarchy(h).find("final destructor"), std::string::npos) << ValidateHierarchy(h);
  h.classes[static_cast<size_t>(b)].declares_dtor = true;
  HierarchyBuilder hb2;
  const int a2 = hb2.Class(), b2 = hb2.Class({NV(a2)});
  hb2.At(a2).declares_dtor = hb2.At(a2).declares_virtual_dtor = true;
  hb2.At(b2).declares_dtor = true;
  hb2.Introduce(b2, {hb2.Sig()});
  Hierarchy h2 = hb2.Build();
  h2.final_dtors = {0, 1};
  EXPECT_NE(ValidateHierarchy(h2).find("final destructor"), std::string::npos) << ValidateHierarchy(h2);
  h.final_dtors.clear();
  EXPECT_EQ(EmitSource(h, "ns").find("-Wfinal-dtor"), std::string::npos);
  (void)c;
}

// Hierarchy::inline_classes: every member function inline, in the class and on its
// definition (no key function); the declarations for a reflect-only backend say nothing.
TEST(Emit, SpellsInlineClasses) {
  HierarchyBuilder hb;
  const int si = hb.Sig({}, ValueKind::kInt);
  const int a = hb.Class(), b = hb.Class({NV(a)});
  const int m0 = hb.Introduce(a, {si});
  hb.Introduce(a, {hb.Sig({ValueKind::kLong})}, /*pure=*/true);
  hb.Override(b, m0);
  hb.Override(b, 1);
  hb.At(a).declares_dtor = hb.At(a).declares_virtual_dtor = true;
  hb.At(a).ctor_calls = {{m0, si}};
  Hierarchy h = hb.Build();
  h.inline_classes = {1, 0};
  ASSERT_EQ(ValidateHierarchy(h), "");
  EXPECT_FALSE(HasKeyFunction(h, a));
  EXPECT_TRUE(HasKeyFunction(h, b));
  const std::string s = EmitSource(h, "ns");
  EXPECT_NE(s.find("struct C0 {\n  inline C0();\n  inline virtual ~C0();\n  inline virtual int m0();\n"
                   "  virtual int m1(long) = 0;\n"),
            std::string::npos) << s;
  EXPECT_NE(s.find("inline C0::C0() {\n"), std::string::npos) << s;
  EXPECT_NE(s.find("inline C0::~C0() {\n"), std::string::npos) << s;
  EXPECT_NE(s.find("inline int C0::m0() {\n"), std::string::npos) << s;
  EXPECT_NE(s.find("\nint C1::m0() {\n"), std::string::npos) << s;
  const std::string d = EmitDeclarations(h, "ns");
  EXPECT_NE(d.find("struct C0 {\n  C0();\n  virtual ~C0();\n  virtual int m0();\n"), std::string::npos) << d;
}

// Hierarchy::sig_quals: the qualifiers on every declaration and definition; a `&&` one is
// called on an xvalue, in the call stubs and in constructor bodies; a volatile body records a
// `this` without volatile.
TEST(Emit, SpellsQualifiedVirtuals) {
  HierarchyBuilder hb;
  const int sv = hb.Sig({ValueKind::kInt}, ValueKind::kInt);
  const int sr = hb.Sig({}, ValueKind::kLong, /*is_const=*/true);
  const int a = hb.Class(), b = hb.Class({NV(a)});
  const int mv = hb.Introduce(a, {sv});
  const int mr = hb.Introduce(a, {sr});
  hb.Override(b, mv);
  hb.Override(b, mr);
  hb.At(b).ctor_calls = {{mr, sr}, {mv, sv}};
  Hierarchy h = hb.Build();
  h.sig_quals = {kQualVolatile | kQualLRef, kQualRRef};
  ASSERT_EQ(ValidateHierarchy(h), "");
  EXPECT_EQ(MemberQualifiers(h, sr), " const &&");
  const std::string s = EmitSource(h, "ns");
  EXPECT_NE(s.find("  virtual int m0(int) volatile &;\n  virtual long m1() const &&;\n"), std::string::npos) << s;
  EXPECT_NE(s.find("  int m0(int) volatile & override;\n  long m1() const && override;\n"), std::string::npos) << s;
  EXPECT_NE(s.find("int C1::m0(int a0) volatile & {\n"), std::string::npos) << s;
  EXPECT_NE(s.find("const_cast<const C1*>(this));\n"), std::string::npos) << s;
  EXPECT_NE(s.find("C1::C1() {\n  static_cast<C1&&>(*this).m1();\n  m0(11);\n}\n"), std::string::npos) << s;
  EXPECT_NE(s.find("static_cast<const ns::C0&&>(*p).m1()"), std::string::npos) << s;
  EXPECT_NE(s.find("p->m0(11)"), std::string::npos) << s;
  h.sig_quals = {kQualLRef | kQualRRef, 0};
  EXPECT_NE(ValidateHierarchy(h).find("no qualifier set"), std::string::npos) << ValidateHierarchy(h);
}

// Hierarchy::default_arg_sigs: each declaration's defaults; a call leaves out what the
// declaration its static type finds has defaults for, whatever the final overrider declares.
TEST(Emit, SpellsDefaultArguments) {
  HierarchyBuilder hb;
  const int sd = hb.Sig({ValueKind::kInt, ValueKind::kLong, ValueKind::kDouble}, ValueKind::kInt);
  const int a = hb.Class(), b = hb.Class({NV(a)});
  const int m = hb.Introduce(a, {sd});
  hb.Override(b, m);
  hb.At(b).ctor_calls = {{m, sd}};
  Hierarchy h = hb.Build();
  h.default_arg_sigs = {1};
  h.classes[static_cast<size_t>(a)].methods[0].defaults = 2;
  h.classes[static_cast<size_t>(b)].methods[0].defaults = 0;
  ASSERT_EQ(ValidateHierarchy(h), "");
  EXPECT_EQ(DefaultedArgs(h, a, m, sd), 2);
  EXPECT_EQ(DefaultedArgs(h, b, m, sd), 0);
  const std::string s = EmitSource(h, "ns");
  EXPECT_NE(s.find("  virtual int m0(int, long = 22L, double = 3.5);\n"), std::string::npos) << s;
  EXPECT_NE(s.find("  int m0(int, long, double) override;\n"), std::string::npos) << s;
  EXPECT_NE(s.find("int C0::m0(int a0, long a1, double a2) {\n"), std::string::npos) << s;
  EXPECT_NE(s.find("C1::C1() {\n  m0(11, 22L, 3.5);\n}\n"), std::string::npos) << s;
  EXPECT_NE(s.find("ns::C0* p = static_cast<ns::C0*>(s);\n  return p->m0(11);\n"), std::string::npos) << s;
  EXPECT_NE(s.find("ns::C1* p = static_cast<ns::C1*>(s);\n  return p->m0(11, 22L, 3.5);\n"), std::string::npos) << s;
  h.classes[static_cast<size_t>(b)].methods[0].defaults = 4;
  EXPECT_NE(ValidateHierarchy(h).find("4 default arguments"), std::string::npos) << ValidateHierarchy(h);
}

// Hierarchy::class_arg_sigs: the first parameter a Small, by value, const reference or rvalue
// reference; every call passes Small{11, ~11}, every body and replacement checks it.
TEST(Emit, SpellsClassArguments) {
  HierarchyBuilder hb;
  const int sv = hb.Sig({ValueKind::kLong, ValueKind::kInt}, ValueKind::kInt);
  const int sr = hb.Sig({ValueKind::kInt}, ValueKind::kVoid);
  const int a = hb.Class();
  hb.Introduce(a, {sv});
  hb.Introduce(a, {sr});
  Hierarchy h = hb.Build();
  h.variadic_sigs = {1, 0};
  h.class_arg_sigs = {kClassArgValue, kClassArgRef};
  ASSERT_EQ(ValidateHierarchy(h), "");
  const std::string s = EmitSource(h, "ns");
  EXPECT_NE(s.find("  virtual int m0(Small, int, ...);\n  virtual void m1(const Small&);\n"), std::string::npos) << s;
  EXPECT_NE(s.find("int C0::m0(Small a0, int a1, ...) {\n"), std::string::npos) << s;
  EXPECT_NE(s.find("a0.a == 11 && a0.b == ~11 && a1 == 11 && v0 == 4.25"), std::string::npos) << s;
  EXPECT_NE(s.find("p->m0(ns::Small{11, ~11}, 11, 4.25, 33)"), std::string::npos) << s;
  EXPECT_NE(s.find("_repl_1_0(void* self, const ns::Small& a0) {\n"), std::string::npos) << s;
  h.class_arg_sigs = {kClassArgRRef, kClassArgRRef};
  EXPECT_NE(EmitSource(h, "ns").find("  virtual void m1(Small&&);\n"), std::string::npos);
  // va_start needs a parameter after it; and no overload may get another's parameter list.
  h.variadic_sigs = {0, 1};
  EXPECT_NE(ValidateHierarchy(h).find("may have none"), std::string::npos) << ValidateHierarchy(h);
}

// Hierarchy::nested_classes: the class in a namespace of its own, its name brought back into
// the hierarchy's by a using-declaration that everything else names it through.
TEST(Emit, SpellsNestedClasses) {
  HierarchyBuilder hb;
  const int a = hb.Class(), b = hb.Class({NV(a)});
  const int m = hb.Introduce(a, {hb.Sig()});
  hb.Override(b, m);
  Hierarchy h = hb.Build();
  h.nested_classes = {1, 0};
  ASSERT_EQ(ValidateHierarchy(h), "");
  const std::string s = EmitSource(h, "ns");
  EXPECT_NE(s.find("namespace inner0 {\nstruct C0 {\n  virtual int m0();\n};\n}  // namespace inner0\n"
                   "using inner0::C0;\n\nstruct C1 : C0 {\n"),
            std::string::npos) << s;
  EXPECT_NE(s.find("int C0::m0() {\n"), std::string::npos) << s;
  EXPECT_EQ(ExpectedTypeName(h, "ns", a), "N2ns6inner02C0E");
}

// Hierarchy::template_classes: a class template's specialization, named by an alias; its
// members defined as the template's and instantiated explicitly (declared only: an explicit
// instantiation declaration).
TEST(Emit, SpellsTemplateClasses) {
  HierarchyBuilder hb;
  const int a = hb.Class(), b = hb.Class({NV(a)});
  const int m = hb.Introduce(a, {hb.Sig()});
  hb.Override(b, m);
  hb.At(b).declares_dtor = true;
  hb.At(b).ctor_calls = {{m, 0}};
  Hierarchy h = hb.Build();
  h.template_classes = {0, 1};
  h.nested_classes = {0, 1};
  ASSERT_EQ(ValidateHierarchy(h), "");
  const std::string s = EmitSource(h, "ns");
  EXPECT_NE(s.find("namespace inner1 {\ntemplate <int>\nstruct C1T;\n}  // namespace inner1\nusing C1 = inner1::C1T<1>;\n"
                   "namespace inner1 {\ntemplate <int>\nstruct C1T : C0 {\n  C1T();\n  ~C1T();\n  int m0() override;\n};\n"
                   "}  // namespace inner1\n\n"),
            std::string::npos) << s;
  EXPECT_NE(s.find("template <int N>\ninner1::C1T<N>::C1T() {\n  m0();\n}\n"), std::string::npos) << s;
  EXPECT_NE(s.find("template <int N>\ninner1::C1T<N>::~C1T() {\n"), std::string::npos) << s;
  EXPECT_NE(s.find("template <int N>\nint inner1::C1T<N>::m0() {\n"), std::string::npos) << s;
  EXPECT_NE(s.find("}\ntemplate struct inner1::C1T<1>;\n"), std::string::npos) << s;
  EXPECT_NE(s.find("p->ns::C1::~C1()"), std::string::npos) << s;
  EXPECT_EQ(ExpectedTypeName(h, "ns", b), "N2ns6inner13C1TILi1EEE");
  const std::string d = EmitDeclarations(h, "ns");
  EXPECT_NE(d.find("}  // namespace inner1\nextern template struct inner1::C1T<1>;\n"), std::string::npos) << d;
}

// Hierarchy::unnamed_classes: the class in an unnamed namespace (inside its nested one where
// it has one); everything names it as code outside the namespace does.
TEST(Emit, SpellsUnnamedNamespaceClasses) {
  HierarchyBuilder hb;
  const int a = hb.Class(), b = hb.Class({NV(a)});
  const int m = hb.Introduce(a, {hb.Sig()});
  hb.Override(b, m);
  hb.At(b).declares_dtor = true;
  Hierarchy h = hb.Build();
  h.unnamed_classes = {1, 1};
  h.nested_classes = {0, 1};
  ASSERT_EQ(ValidateHierarchy(h), "");
  const std::string s = EmitSource(h, "ns");
  EXPECT_NE(s.find("namespace {\nstruct C0 {\n  virtual int m0();\n};\n}  // namespace\n\n"
                   "namespace inner1 {\nnamespace {\nstruct C1 : C0 {\n"),
            std::string::npos) << s;
  EXPECT_NE(s.find("};\n}  // namespace\n}  // namespace inner1\nusing inner1::C1;\n"), std::string::npos) << s;
  EXPECT_NE(s.find("int C0::m0() {\n"), std::string::npos) << s;
  EXPECT_EQ(ExpectedTypeName(h, "ns", a), "N2ns12_GLOBAL__N_12C0E");
  EXPECT_EQ(ExpectedTypeName(h, "ns", b), "N2ns6inner112_GLOBAL__N_12C1E");
  h.template_classes = {1, 0};
  EXPECT_NE(ValidateHierarchy(h).find("a template class in an unnamed namespace"), std::string::npos);
}

// Hierarchy::local_classes: the class defined in the body of an inline function, every member
// defined in the class, and named outside through decltype of what the function returns.
TEST(Emit, SpellsLocalClasses) {
  HierarchyBuilder hb;
  const int si = hb.Sig({ValueKind::kInt}, ValueKind::kInt);
  const int a = hb.Class(), b = hb.Class({NV(a)});
  const int m = hb.Introduce(a, {si});
  hb.Override(b, m);
  hb.At(a).declares_dtor = hb.At(a).declares_virtual_dtor = true;
  hb.At(b).declares_dtor = true;
  hb.At(b).ctor_calls = {{m, si}};
  Hierarchy h = hb.Build();
  h.local_classes = {0, 1};
  h.class_alloc = {0, kAllocSized};
  ASSERT_EQ(ValidateHierarchy(h), "");
  const std::string s = EmitSource(h, "ns");
  EXPECT_NE(s.find("#include <type_traits>\n"), std::string::npos) << s;
  EXPECT_NE(s.find("inline auto local_C1() {\nstruct C1 : C0 {\n  C1() {\n  m0(" + std::to_string(kArgInt) + ");\n  }\n"), std::string::npos) << s;
  EXPECT_NE(s.find("  ~C1() override {\n  }\n"), std::string::npos) << s;
  EXPECT_NE(s.find("  static void operator delete(void* p, std::size_t n) {\n    vto_class_delete(1, p, n, 0);\n  }\n"),
            std::string::npos) << s;
  EXPECT_NE(s.find("  int m0(int a0) override {\n  vto_trace_record("), std::string::npos) << s;
  EXPECT_NE(s.find("};\nreturn static_cast<C1*>(nullptr);\n}\nusing C1 = std::remove_pointer_t<decltype(local_C1())>;\n"),
            std::string::npos) << s;
  EXPECT_EQ(s.find("C1::m0"), std::string::npos) << s;  // nothing out of the class
  EXPECT_NE(s.find("int C0::m0(int a0) {\n"), std::string::npos) << s;
  EXPECT_EQ(ExpectedTypeName(h, "ns", b), "ZN2ns8local_C1EvE2C1");
  // The declarations a reflect-only backend parses define it all the same (a local class
  // cannot be declared without its members' definitions).
  const std::string d = EmitDeclarations(h, "ns");
  EXPECT_NE(d.find("  int m0(int a0) override {\n"), std::string::npos) << d;
  // Only a concrete polymorphic leaf with a polymorphic base, no template's, nested or unnamed.
  h.local_classes = {1, 0};
  EXPECT_NE(ValidateHierarchy(h).find("C0: a local class"), std::string::npos) << ValidateHierarchy(h);
  h.local_classes = {0, 1};
  h.nested_classes = {0, 1};
  EXPECT_NE(ValidateHierarchy(h).find("C1: a local class"), std::string::npos) << ValidateHierarchy(h);
}

// Hierarchy::pure_dtors: a pure virtual destructor, still defined; its class is abstract (no
// new/delete stubs), its derived classes are not.
TEST(Emit, SpellsPureDestructors) {
  HierarchyBuilder hb;
  const int si = hb.Sig({}, ValueKind::kInt);
  const int a = hb.Class(), b = hb.Class({NV(a)});
  hb.Introduce(a, {si});
  hb.At(a).declares_dtor = hb.At(a).declares_virtual_dtor = true;
  Hierarchy h = hb.Build();
  h.pure_dtors = {1, 0};
  ComputeFacts(h);
  ASSERT_EQ(ValidateHierarchy(h), "");
  EXPECT_TRUE(h.classes[static_cast<size_t>(a)].abstract);
  EXPECT_FALSE(h.classes[static_cast<size_t>(b)].abstract);
  const std::string s = EmitSource(h, "ns");
  EXPECT_NE(s.find("  virtual ~C0() = 0;\n"), std::string::npos) << s;
  EXPECT_NE(s.find("C0::~C0() {\n"), std::string::npos) << s;
  EXPECT_EQ(s.find("ns_new_C0"), std::string::npos) << s;
  EXPECT_NE(s.find("ns_new_C1"), std::string::npos) << s;
  // Never on a leaf (it would be abstract), nor without a declared virtual destructor.
  h.pure_dtors = {0, 1};
  ComputeFacts(h);
  EXPECT_NE(ValidateHierarchy(h).find("C1: "), std::string::npos) << ValidateHierarchy(h);  // an abstract leaf
  h.pure_dtors = {1, 0};
  h.classes[static_cast<size_t>(a)].declares_virtual_dtor = false;  // C0 declares a non-virtual one
  ComputeFacts(h);
  EXPECT_NE(ValidateHierarchy(h).find("pure destructor"), std::string::npos) << ValidateHierarchy(h);
}

// Hierarchy::throwing_dtors: noexcept(false) on every declared destructor, whose body ends
// with the throw the host arms.
TEST(Emit, SpellsThrowingDestructors) {
  HierarchyBuilder hb;
  const int si = hb.Sig({}, ValueKind::kInt);
  const int a = hb.Class(), b = hb.Class({NV(a)});
  const int m0 = hb.Introduce(a, {si});
  hb.At(a).declares_dtor = hb.At(a).declares_virtual_dtor = true;
  hb.At(b).declares_dtor = true;
  hb.At(b).dtor_calls = {{m0, si}};
  Hierarchy h = hb.Build();
  h.throwing_dtors = true;
  const std::string s = EmitSource(h, "ns");
  EXPECT_NE(s.find("extern \"C\" int vto_dtor_should_throw(const void* self);\n"), std::string::npos) << s;
  EXPECT_NE(s.find("  virtual ~C0() noexcept(false);\n"), std::string::npos) << s;
  EXPECT_NE(s.find("  ~C1() noexcept(false) override;\n"), std::string::npos) << s;
  EXPECT_NE(s.find("C1::~C1() noexcept(false) {\n  m0();\n  if (vto_dtor_should_throw(this)) throw int(" +
                   std::to_string(kDtorThrowValue) + ");\n}\n"),
            std::string::npos) << s;
  h.throwing_dtors = false;
  EXPECT_EQ(EmitSource(h, "ns").find("vto_dtor_should_throw"), std::string::npos);
}

// Hierarchy::variadic_sigs: `...` in every declaration, definition and replacement, the two
// extra arguments in every call, read back by every body.
TEST(Emit, SpellsVariadicVirtuals) {
  HierarchyBuilder hb;
  const int sl = hb.Sig({ValueKind::kLong}, ValueKind::kInt);
  const int a = hb.Class();
  hb.Introduce(a, {sl});
  Hierarchy h = hb.Build();
  ASSERT_TRUE(MayBeVariadic(h, sl));
  h.variadic_sigs = {1};
  const std::string s = EmitSource(h, "ns");
  EXPECT_NE(s.find("  virtual int m0(long, ...);\n"), std::string::npos) << s;
  EXPECT_NE(s.find("int C0::m0(long a0, ...) {\n  std::va_list ap;\n  va_start(ap, a0);\n"
                   "  const double v0 = va_arg(ap, double);\n  const int v1 = va_arg(ap, int);\n  va_end(ap);\n"
                   "  vto_trace_record(a0 == 22L && v0 == 4.25 && v1 == 33 ? 1 : -1, this);\n"),
            std::string::npos) << s;
  EXPECT_NE(s.find("p->m0(22L, 4.25, 33)"), std::string::npos) << s;
  EXPECT_NE(s.find("(void* self, long a0, ...) {\n  std::va_list ap;"), std::string::npos) << s;
  EXPECT_EQ(MethodSpelling(h, 0, sl), "m0");
}

// A class-returning signature (class_return_sigs): declarations spell their own class
// pointer, bodies return `this`, and a call stub converts the traced `this` of whichever
// function ran as that function and the call's declaration do.
TEST(Emit, SpellsClassReturns) {
  HierarchyBuilder hb;
  const int sp = hb.Sig({}, ValueKind::kPtr, /*is_const=*/true);
  const int a = hb.Class();
  const int x = hb.Class();
  const int b = hb.Class({Base{x, false}, Base{a, false}});
  const int name = hb.Introduce(a, {sp});  // impl 1
  hb.Override(b, name);                    // impl 2
  Hierarchy h = hb.Build();
  h.class_return_sigs = {1};
  h.classes[static_cast<size_t>(a)].methods[0].ret_class = a;
  h.classes[static_cast<size_t>(b)].methods[0].ret_class = b;
  ASSERT_EQ(ValidateHierarchy(h), "");
  const std::string s = EmitSource(h, "ns");
  EXPECT_NE(s.find("extern \"C\" const void* vto_trace_last_self(void);"), std::string::npos) << s;
  EXPECT_NE(s.find("  virtual C0* m0() const;\n"), std::string::npos) << s;
  EXPECT_NE(s.find("  C2* m0() const override;\n"), std::string::npos) << s;
  EXPECT_NE(s.find("C2* C2::m0() const {\n  vto_trace_record(2, this);\n  return const_cast<C2*>(this);\n}"),
            std::string::npos) << s;
  // Through C0 the call returns a C0*: C2's function's result, converted (an adjusting entry).
  EXPECT_NE(s.find("  ns::C0* const q = p->m0();\n"), std::string::npos) << s;
  EXPECT_NE(s.find("    case 1: want = static_cast<ns::C0*>(static_cast<ns::C0*>(static_cast<ns::C0*>(self))); break;\n"
                   "    case 2: want = static_cast<ns::C0*>(static_cast<ns::C2*>(static_cast<ns::C2*>(self))); break;\n"),
            std::string::npos) << s;
  // Through C2 only C2's function can run.
  EXPECT_NE(s.find("  ns::C2* const q = p->m0();\n  const long t = vto_trace_last_id();"), std::string::npos) << s;
  EXPECT_NE(s.find("    case " + std::to_string(ReplacementId(sp, 0)) + ": want = reinterpret_cast<ns::C0*>(std::uintptr_t{" +
                   std::to_string(static_cast<std::uintptr_t>(ReplacementId(sp, 0)) * kPtrFactor) + "u}); break;\n"),
            std::string::npos) << s;
  EXPECT_NE(s.find("  return q == want ? id : 0L;\n"), std::string::npos) << s;
  // A replacement stays a void* function.
  EXPECT_NE(s.find("extern \"C\" void* ns_repl_0_0(void* self) {"), std::string::npos) << s;

  // C2 may not return C1 (C0's declaration returns C0, no base of C1), nor C0 return C2.
  h.classes[static_cast<size_t>(b)].methods[0].ret_class = x;
  EXPECT_NE(ValidateHierarchy(h).find("covariance"), std::string::npos) << ValidateHierarchy(h);
  h.classes[static_cast<size_t>(b)].methods[0].ret_class = a;
  EXPECT_EQ(ValidateHierarchy(h), "");
  h.classes[static_cast<size_t>(a)].methods[0].ret_class = b;
  EXPECT_NE(ValidateHierarchy(h).find("covariance"), std::string::npos) << ValidateHierarchy(h);
  h.classes[static_cast<size_t>(a)].methods[0].ret_class = a;
  h.classes[static_cast<size_t>(b)].methods[0].ret_class = b;

  // The same signature returning references: the bodies return *this, the stub takes the
  // reference's address, the replacement is unchanged.
  h.class_return_refs = {1};
  ASSERT_EQ(ValidateHierarchy(h), "");
  const std::string r = EmitSource(h, "ns");
  EXPECT_NE(r.find("  virtual C0& m0() const;\n"), std::string::npos) << r;
  EXPECT_NE(r.find("  C2& m0() const override;\n"), std::string::npos) << r;
  EXPECT_NE(r.find("C2& C2::m0() const {\n  vto_trace_record(2, this);\n  return *const_cast<C2*>(this);\n}"),
            std::string::npos) << r;
  EXPECT_NE(r.find("  ns::C0* const q = &(p->m0());\n"), std::string::npos) << r;
  EXPECT_NE(r.find("extern \"C\" void* ns_repl_0_0(void* self) {"), std::string::npos) << r;
  h.class_return_sigs = {0};
  h.classes[static_cast<size_t>(a)].methods[0].ret_class = -1;
  h.classes[static_cast<size_t>(b)].methods[0].ret_class = -1;
  EXPECT_EQ(ValidateHierarchy(h), "sig" + std::to_string(sp) + ": returns references, but no class");
}

TEST(Emit, ReturnEncodingsFollowTheConventions) {
  HierarchyBuilder hb;
  const int sl = hb.Sig({}, ValueKind::kLong), sd = hb.Sig({ValueKind::kDouble}, ValueKind::kDouble),
            sp = hb.Sig({ValueKind::kLong}, ValueKind::kPtr), sv = hb.Sig({}, ValueKind::kVoid);
  const int a = hb.Class();
  hb.Introduce(a, {sl});  // impl 1
  hb.Introduce(a, {sd});  // impl 2
  hb.Introduce(a, {sp});  // impl 3
  hb.Introduce(a, {sv});  // impl 4
  const std::string s = EmitSource(hb.Build(), "ns");
  EXPECT_NE(s.find("return " + std::to_string(1 * kLongFactor) + "L;"), std::string::npos);
  EXPECT_NE(s.find("return 2.25;"), std::string::npos);
  EXPECT_NE(s.find("a0 == 22L ? 3 : -3"), std::string::npos);
  EXPECT_NE(s.find("std::uintptr_t{48u}"), std::string::npos);
  EXPECT_NE(s.find("return vto_trace_last_id();"), std::string::npos);
  const int repl = ReplacementId(1, 2);
  EXPECT_NE(s.find("extern \"C\" double ns_repl_1_2(void* self, double a0) {\n"
                   "  vto_trace_record(a0 == 3.5 ? " + std::to_string(repl) + " : -" +
                   std::to_string(repl) + ", self);\n  return " + std::to_string(repl) + ".25;\n"),
            std::string::npos) << s;
}

TEST(Emit, NamespacesKeepBatchedHierarchiesApart) {
  std::set<std::string> all;
  size_t total = 0;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    ByteSource src = ByteSource::FromSeed(seed);
    const std::set<std::string> names = DefinedCNames(EmitSource(Generate(src, GenPolicy{}), "b" + std::to_string(seed)));
    total += names.size();
    all.insert(names.begin(), names.end());
  }
  EXPECT_EQ(all.size(), total);
}

}  // namespace
}  // namespace vto::gen
