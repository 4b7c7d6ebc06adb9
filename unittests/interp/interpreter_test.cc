// interpreter_test.cc — compiling, diagnostics, symbol lookup, arguments, recycling.
#include "interp/interpreter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "interp_test_util.h"

namespace vto::interp::test {
namespace {

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST_F(InterpTest, CompilesAndCallsExternCFunction) {
  ASSERT_NE(interp_, nullptr);
  EXPECT_EQ(interp_->translation_units(), 0u);
  CompileClean("extern \"C\" int square(int x) { return x * x; }");
  EXPECT_EQ(interp_->translation_units(), 1u);
  auto* square = Function<int(int)>("square");
  ASSERT_NE(square, nullptr);
  EXPECT_EQ(square(7), 49);
  EXPECT_EQ(square(-12), 144);
}

TEST_F(InterpTest, LaterUnitSeesEarlierDeclarations) {
  CompileClean("namespace ns { inline int base() { return 40; } int two() { return 2; } }");
  CompileClean("extern \"C\" int answer() { return ns::base() + ns::two(); }");
  EXPECT_EQ(interp_->translation_units(), 2u);
  auto* answer = Function<int()>("answer");
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(answer(), 42);
}

TEST_F(InterpTest, LooksUpMangledNames) {
  CompileClean("namespace ns { int twice(int x) { return 2 * x; } }");
  auto* twice = Function<int(int)>("_ZN2ns5twiceEi");
  ASSERT_NE(twice, nullptr);
  EXPECT_EQ(twice(21), 42);
}

TEST_F(InterpTest, CompileErrorComesBackAsDiagnostics) {
  std::string diags;
  EXPECT_FALSE(interp_->Compile("extern \"C\" int broken() { return undeclared_name; }", &diags));
  EXPECT_NE(diags.find("error:"), std::string::npos) << diags;
  EXPECT_NE(diags.find("undeclared_name"), std::string::npos) << diags;
  EXPECT_EQ(diags, interp_->last_diagnostics());
  EXPECT_GE(interp_->last_error_count(), 1u);
  EXPECT_EQ(interp_->translation_units(), 0u);
  std::string error;
  EXPECT_EQ(interp_->LookupSymbol("broken", &error), nullptr);

  // The interpreter stays usable, and the failed unit left nothing behind: its name is free.
  CompileClean("extern \"C\" int broken() { return 5; }");
  auto* fixed = Function<int()>("broken");
  ASSERT_NE(fixed, nullptr);
  EXPECT_EQ(fixed(), 5);
  EXPECT_EQ(interp_->last_error_count(), 0u);
  EXPECT_EQ(interp_->last_diagnostics(), "");
}

TEST_F(InterpTest, WarningsAreReportedSeparately) {
  std::string diags;
  // -Wreturn-type is on by default.
  ASSERT_TRUE(interp_->Compile("extern \"C\" int no_return(int x) { if (x) return 1; }", &diags))
      << diags;
  EXPECT_EQ(interp_->last_warning_count(), 1u) << diags;
  EXPECT_EQ(interp_->last_error_count(), 0u);
  EXPECT_NE(diags.find("warning:"), std::string::npos) << diags;
  EXPECT_NE(interp_->last_warnings().find("-Wreturn-type"), std::string::npos)
      << interp_->last_warnings();

  // An error with no warning: the warnings text stays empty.
  EXPECT_FALSE(interp_->Compile("int x = ;", &diags));
  EXPECT_EQ(interp_->last_warning_count(), 0u);
  EXPECT_EQ(interp_->last_warnings(), "");
  EXPECT_NE(diags.find("error:"), std::string::npos);

  // -W options from extra_args reach the compiler.
  InterpreterOptions options;
  options.extra_args = {"-Wunused-variable"};
  auto strict = MakeInterpreter(options);
  ASSERT_NE(strict, nullptr);
  ASSERT_TRUE(strict->Compile("extern \"C\" void f() { int unused = 3; }", &diags)) << diags;
  EXPECT_EQ(strict->last_warning_count(), 1u) << diags;
  EXPECT_NE(strict->last_warnings().find("unused"), std::string::npos);
}

TEST_F(InterpTest, MissingSymbolIsAnError) {
  CompileClean("extern \"C\" int present() { return 1; }");
  std::string error;
  EXPECT_EQ(interp_->LookupSymbol("absent_symbol", &error), nullptr);
  EXPECT_NE(error.find("absent_symbol"), std::string::npos) << error;
  EXPECT_NE(interp_->LookupSymbol("present", &error), nullptr) << error;
}

TEST_F(InterpTest, UndefinedSymbolFailsCompileAndLeavesNothing) {
  std::string diags;
  EXPECT_FALSE(interp_->Compile(R"(
      extern "C" int vto_no_such_function();
      int global_value = vto_no_such_function();   // runs at load: the link must fail
      extern "C" int uses_it() { return global_value; })",
                                &diags));
  EXPECT_NE(diags.find("error: undefined symbol 'vto_no_such_function'"), std::string::npos)
      << diags;
  EXPECT_EQ(interp_->translation_units(), 0u);
  // A mangled name is shown demangled too.
  EXPECT_FALSE(interp_->Compile("namespace ns { int absent(int); } "
                                "extern \"C\" int call_absent() { return ns::absent(1); }",
                                &diags));
  EXPECT_NE(diags.find("undefined symbol 'ns::absent(int)' (_ZN2ns6absentEi)"), std::string::npos)
      << diags;
  // The names of the failed units are free again, and the interpreter still works.
  CompileClean("int global_value = 3; extern \"C\" int uses_it() { return global_value; }\n"
               "extern \"C\" int call_absent() { return 4; }");
  auto* uses_it = Function<int()>("uses_it");
  ASSERT_NE(uses_it, nullptr);
  EXPECT_EQ(uses_it(), 3);
}

TEST_F(InterpTest, StandardLibraryHeadersWork) {
  CompileClean(R"(
      #include <memory>
      #include <optional>
      #include <stdexcept>
      #include <string>
      #include <thread>
      #include <vector>
      std::string global_string = "a global with a destructor";  // __cxa_atexit, __dso_handle
      static std::vector<int> global_vector{1, 2, 3};
      extern "C" int use_std(int n) {
        std::vector<std::unique_ptr<int>> v;
        for (int i = 1; i <= n; ++i) v.push_back(std::make_unique<int>(i));
        int sum = 0;
        std::thread t([&] { for (auto& p : v) sum += *p; });
        t.join();
        std::optional<int> extra;
        try {
          throw std::runtime_error("thrown in JIT'd code");
        } catch (const std::exception& e) {
          extra = static_cast<int>(std::string(e.what()).size());
        }
        return sum * 100 + extra.value_or(-1) + static_cast<int>(global_vector.size() * 10000);
      }
      extern "C" const char* global_text() { return global_string.c_str(); })");
  auto* use_std = Function<int(int)>("use_std");
  ASSERT_NE(use_std, nullptr);
  EXPECT_EQ(use_std(4), 30000 + 10 * 100 + 20);  // 1+2+3+4, strlen("thrown in JIT'd code")
  auto* global_text = Function<const char*()>("global_text");
  ASSERT_NE(global_text, nullptr);
  EXPECT_STREQ(global_text(), "a global with a destructor");
  // Classes of the standard library are indexed too (inline namespaces included).
  auto start = std::chrono::steady_clock::now();
  std::string error;
  const ClassLayout* runtime_error = interp_->FindClassByRttiName("St13runtime_error", &error);
  const double index_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ASSERT_NE(runtime_error, nullptr) << error;
  EXPECT_EQ(runtime_error->shape.name, "std::runtime_error");
  EXPECT_EQ(runtime_error->shape.num_slots, 3u);  // D1, D0, what
  EXPECT_EQ(runtime_error->FindSlot("what"), 2);
  EXPECT_EQ(runtime_error->shape.primary_bases, std::vector<std::string>({"St9exception"}));
  std::printf("first class lookup after <memory>, <thread>, ...: %.1f ms\n", index_ms);
}

TEST_F(InterpTest, DefaultCompilerArguments) {
  const std::vector<std::string>& args = interp_->compiler_args();
  EXPECT_TRUE(Contains(args, "-std=c++17"));
  EXPECT_TRUE(Contains(args, "-O1"));
  EXPECT_TRUE(Contains(args, "-resource-dir"));
  EXPECT_TRUE(Contains(args, "-fno-assume-unique-vtables"));
  EXPECT_FALSE(interp_->assumes_unique_vtables());
  for (const std::string& san : HostSanitizerArgs()) EXPECT_TRUE(Contains(args, san)) << san;
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
  EXPECT_TRUE(Contains(HostSanitizerArgs(), "-fsanitize=address,undefined"));
#endif
#endif

  InterpreterOptions options;
  options.sanitize_like_host = false;
  options.assume_unique_vtables = true;
  options.opt_level = 2;
  auto plain = MakeInterpreter(options);
  ASSERT_NE(plain, nullptr);
  for (const std::string& san : HostSanitizerArgs())
    EXPECT_FALSE(Contains(plain->compiler_args(), san)) << san;
  EXPECT_FALSE(Contains(plain->compiler_args(), "-fno-assume-unique-vtables"));
  EXPECT_TRUE(Contains(plain->compiler_args(), "-O2"));
  EXPECT_TRUE(plain->assumes_unique_vtables());
}

// -fstrict-vtable-pointers lets LLVM keep a vptr it loaded across an opaque call, so an
// optimized caller compiled with it does not see a vptr its callee changed (what a binding's
// callers must know: CONTRACT.md, compiler modes). Per unit: the same code in a unit without
// the mode, or at -O0, sees the change.
void* g_retarget_vptr = nullptr;
void RetargetVptr(void* object) { *static_cast<void**>(object) = g_retarget_vptr; }

std::string StrictCodeIn(const std::string& ns) {
  return "namespace " + ns + R"( {
      struct B { virtual ~B() {} virtual int f() { return 1; } };
      struct D : B { int f() override { return 2; } }; }
    extern "C" void* )" + ns + "_make_b() { return new " + ns + R"(::B; }
    extern "C" void* )" + ns + "_make_d() { return static_cast<" + ns + "::B*>(new " + ns + R"(::D); }
    extern "C" void )" + ns + "_destroy(void* p) { delete static_cast<" + ns + R"(::B*>(p); }
    extern "C" int )" + ns + R"(_twice(void* p, void (*change)(void*)) {
      auto* b = static_cast<)" + ns + R"(::B*>(p);
      int first = b->f();
      change(b);
      return first * 10 + b->f();
    })";
}

TEST_F(InterpTest, StrictVtablePointersModeKeepsALoadedVptr) {
  struct Case {
    const char* ns;
    UnitMode mode;
    int want;  // 12: the second call saw D's vtable; 11: it reused B's
  };
  const Case cases[] = {
      {"args", {}, 12},
      {"o2", {2, std::nullopt, false}, 12},
      {"o0_strict", {0, std::nullopt, true}, 12},
      {"o2_strict", {2, std::nullopt, true}, 11},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.ns);
    const std::string ns = c.ns;
    std::string diags;
    ASSERT_TRUE(interp_->Compile(StrictCodeIn(ns), c.mode, &diags)) << diags;
    void* b = Function<void*()>(ns + "_make_b")();
    void* d = Function<void*()>(ns + "_make_d")();
    g_retarget_vptr = *static_cast<void**>(d);
    void* original = *static_cast<void**>(b);
    EXPECT_EQ(Function<int(void*, void (*)(void*))>(ns + "_twice")(b, &RetargetVptr), c.want);
    *static_cast<void**>(b) = original;
    Function<void(void*)>(ns + "_destroy")(b);
    Function<void(void*)>(ns + "_destroy")(d);
  }
}

TEST_F(InterpTest, ExtraArgumentsReachTheCompiler) {
  InterpreterOptions options;
  options.extra_args = {"-DVTO_VALUE=42", "-std=c++20"};
  auto interp = MakeInterpreter(options);
  ASSERT_NE(interp, nullptr);
  CompileClean(*interp, "extern \"C\" long cxx() { return __cplusplus; } "
                        "extern \"C\" int value() { return VTO_VALUE; }");
  auto* value = interp->LookupFunction<int()>("value");
  auto* cxx = interp->LookupFunction<long()>("cxx");
  ASSERT_NE(value, nullptr);
  ASSERT_NE(cxx, nullptr);
  EXPECT_EQ(value(), 42);
  EXPECT_EQ(cxx(), 202002L);  // the later -std wins
}

TEST_F(InterpTest, BadOptionsFailCreate) {
  InterpreterOptions options;
  options.opt_level = 7;
  std::string error;
  EXPECT_EQ(Interpreter::Create(options, &error), nullptr);
  EXPECT_NE(error.find("opt_level"), std::string::npos) << error;

  // A bad argument comes back as clang's message.
  options.opt_level = 1;
  options.extra_args = {"-std=c++9999"};
  error.clear();
  EXPECT_EQ(Interpreter::Create(options, &error), nullptr);
  EXPECT_NE(error.find("invalid value 'c++9999'"), std::string::npos) << error;

  options.extra_args = {"-fvto-no-such-flag"};
  error.clear();
  EXPECT_EQ(Interpreter::Create(options, &error), nullptr);
  EXPECT_NE(error.find("-fvto-no-such-flag"), std::string::npos) << error;
}

// clang 22 re-emits the vtable of a class whose key function an earlier unit defined
// (llvm#141039); Compile makes the later unit's copy local. Objects, typeid, dynamic_cast
// and exceptions work across the two units.
TEST_F(InterpTest, ClassWithOutOfLineKeyFunctionUsableFromLaterUnit) {
  CompileClean(R"(
      struct KBase { virtual ~KBase() {} };
      struct Keyed : KBase { virtual int f(); ~Keyed() override; int x = 3; };
      int Keyed::f() { return 10 + x; }
      Keyed::~Keyed() {}
      extern "C" void* make_keyed_1() { return static_cast<KBase*>(new Keyed); }
      extern "C" void throw_keyed_1() { throw Keyed(); })");
  CompileClean(R"(
      #include <typeinfo>
      extern "C" int use_keyed() {
        Keyed on_stack;
        Keyed* on_heap = new Keyed;
        int r = on_stack.f() + on_heap->f();
        delete on_heap;
        return r;
      }
      extern "C" void* make_keyed_2() { return static_cast<KBase*>(new Keyed); }
      extern "C" int is_keyed(void* p) { return dynamic_cast<Keyed*>(static_cast<KBase*>(p)) != nullptr; }
      extern "C" int catches_keyed() {
        try { throw_keyed_1(); } catch (const Keyed& k) { return k.x; } catch (...) { return -1; }
        return 0;
      }
      extern "C" void delete_kbase(void* p) { delete static_cast<KBase*>(p); }
      extern "C" const char* keyed_name() { Keyed k; return typeid(k).name(); })");
  auto* use_keyed = Function<int()>("use_keyed");
  auto* keyed_name = Function<const char*()>("keyed_name");
  auto* is_keyed = Function<int(void*)>("is_keyed");
  auto* catches_keyed = Function<int()>("catches_keyed");
  auto* destroy = Function<void(void*)>("delete_kbase");
  ASSERT_TRUE(use_keyed && keyed_name && is_keyed && catches_keyed && destroy);
  EXPECT_EQ(use_keyed(), 26);
  EXPECT_STREQ(keyed_name(), "5Keyed");
  EXPECT_EQ(catches_keyed(), 3);
  void* one = Function<void*()>("make_keyed_1")();
  void* two = Function<void*()>("make_keyed_2")();
  EXPECT_EQ(is_keyed(one), 1);
  EXPECT_EQ(is_keyed(two), 1);
  EXPECT_STREQ(DynamicRttiName(one), "5Keyed");
  EXPECT_STREQ(DynamicRttiName(two), "5Keyed");
  const ClassLayout& keyed = Layout("Keyed");
  EXPECT_EQ(reinterpret_cast<int (*)(void*)>(VtableEntry(two, keyed.FindSlot("f")))(two), 13);
  destroy(one);
  destroy(two);
}

// The same with virtual bases (construction vtables, _ZTC) and with a class whose vtable
// has no key function, each constructed in two later units: the lifecycle kit compiles one
// unit per class, and every unit that constructs such a class emits its construction
// vtables (and, under ASan, an ODR indicator for every instrumented global) again.
TEST_F(InterpTest, VirtualBaseClassConstructedFromSeveralLaterUnits) {
  CompileClean(R"(
      struct VRoot { virtual ~VRoot() {} virtual int r() { return 1; } int rv = 5; };
      struct VMid : virtual VRoot { virtual int m(); int mv = 7; };
      int VMid::m() { return 20 + mv; }
      struct VLeaf : VMid { int m() override { return 30 + rv; } };  // no key function
      struct VKeyed : VMid { virtual int k(); };  // key function here: a strong _ZTC group
      int VKeyed::k() { return 40 + mv; })");
  for (int unit = 1; unit <= 3; ++unit) {
    const std::string n = std::to_string(unit);
    CompileClean("extern \"C\" int use_vbase_" + n + "() {\n"
                 "  VMid mid; VLeaf leaf; VKeyed keyed; VMid* p = new VLeaf;\n"
                 "  int r = mid.m() + leaf.m() + keyed.k() + p->m() + dynamic_cast<VLeaf*>(p)->rv;\n"
                 "  delete p; return r;\n}\n");
    auto* use = Function<int()>("use_vbase_" + n);
    ASSERT_NE(use, nullptr) << unit;
    EXPECT_EQ(use(), 27 + 35 + 47 + 35 + 5) << unit;
  }
}

// Recycling: an Interpreter is dropped and replaced; the new one starts from nothing.
TEST_F(InterpTest, RecyclingStartsFresh) {
  const char* kCode = R"(
      struct Recycled { virtual ~Recycled() {} virtual int gen() const { return GEN; } };
      extern "C" int recycled_gen() { Recycled r; return r.gen(); })";
  for (int generation = 1; generation <= 3; ++generation) {
    InterpreterOptions options;
    options.extra_args = {"-DGEN=" + std::to_string(generation)};
    std::unique_ptr<Interpreter> interp = MakeInterpreter(options);
    ASSERT_NE(interp, nullptr);
    std::string error;
    // Nothing of the previous generation is visible.
    EXPECT_EQ(interp->FindClass("Recycled", &error), nullptr);
    EXPECT_EQ(interp->LookupSymbol("recycled_gen", &error), nullptr);
    CompileClean(*interp, kCode);
    // A second definition in the same interpreter is a redefinition...
    std::string diags;
    EXPECT_FALSE(interp->Compile(kCode, &diags));
    EXPECT_NE(diags.find("redefinition"), std::string::npos) << diags;
    EXPECT_EQ(interp->translation_units(), 1u);
    // ...but each fresh interpreter compiles it anew.
    auto* gen = interp->LookupFunction<int()>("recycled_gen", &error);
    ASSERT_NE(gen, nullptr) << error;
    EXPECT_EQ(gen(), generation);
    const ClassLayout* layout = interp->FindClass("Recycled", &error);
    ASSERT_NE(layout, nullptr) << error;
    EXPECT_EQ(layout->shape.num_slots, 3u);
  }
}

TEST_F(InterpTest, DestroyingRunsStaticDestructorsOfJitCode) {
  CompileClean(R"(
      struct Marker { int* flag = nullptr; ~Marker() { if (flag) *flag = 42; } };
      Marker marker;
      extern "C" void arm(int* flag) { marker.flag = flag; })");
  auto* arm = Function<void(int*)>("arm");
  ASSERT_NE(arm, nullptr);
  int flag = 0;
  arm(&flag);
  EXPECT_EQ(flag, 0);
  interp_.reset();
  EXPECT_EQ(flag, 42);
}

TEST_F(InterpTest, TranslationUnitCountBoundsMemory) {
  // The count a caller compares with its limit grows with every successful unit only.
  for (int i = 0; i < 5; ++i) {
    CompileClean(*interp_, "extern \"C\" int unit_" + std::to_string(i) + "() { return " +
                               std::to_string(i) + "; }");
    EXPECT_EQ(interp_->translation_units(), static_cast<size_t>(i + 1));
  }
  std::string diags;
  EXPECT_FALSE(interp_->Compile("not C++", &diags));
  EXPECT_EQ(interp_->translation_units(), 5u);
}

// Not a correctness test: reports what a small hierarchy costs to JIT in this build.
TEST_F(InterpTest, MeasuresJitTimeOfSmallHierarchy) {
  constexpr int kRounds = 5;
  double best_ms = 1e9;
  double total_ms = 0;
  for (int i = 0; i < kRounds; ++i) {
    const std::string n = std::to_string(i);
    const std::string code =
        "namespace h" + n + " {\n"
        "struct Base { virtual ~Base() {} virtual int f() const { return 1; } virtual int g(int x) { return x; } };\n"
        "struct Mid : Base { int f() const override { return 2; } virtual int h() { return 3; } };\n"
        "struct Leaf final : Mid { int g(int x) override { return 2 * x; } int h() override { return 4; } };\n"
        "}\n"
        "extern \"C\" int run_h" + n + "() { h" + n + "::Base* b = new h" + n +
        "::Leaf; int r = b->f() + b->g(5); delete b; return r; }\n";
    auto start = std::chrono::steady_clock::now();
    CompileClean(code);
    auto* run = Function<int()>("run_h" + n);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                    .count();
    ASSERT_NE(run, nullptr);
    EXPECT_EQ(run(), 12);
    best_ms = std::min(best_ms, ms);
    total_ms += ms;
  }
  auto create_start = std::chrono::steady_clock::now();
  std::unique_ptr<Interpreter> fresh = MakeInterpreter();
  const double create_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - create_start)
          .count();
  ASSERT_NE(fresh, nullptr);
  RecordProperty("create_ms", std::to_string(create_ms));
  std::printf("Interpreter::Create: %.1f ms\n", create_ms);
  RecordProperty("jit_ms_best", std::to_string(best_ms));
  RecordProperty("jit_ms_mean", std::to_string(total_ms / kRounds));
  std::printf("JIT of a small hierarchy (compile + link + lookup): best %.1f ms, mean %.1f ms\n",
              best_ms, total_ms / kRounds);
  EXPECT_LT(best_ms, 10000.0);
}

}  // namespace
}  // namespace vto::interp::test

namespace vto::interp::test {

// A class of an unnamed namespace, used from later units: found by the name code outside the
// namespace writes, and by clang's spelling. Each incremental unit that constructs such a
// class emits its own copy of the vtable (internal linkage: llvm#141039 does not apply, the
// copies are separate symbols), so objects of one class made by two units have two vptrs;
// dynamic_cast, typeid and catch still agree across them. (Why the lifecycle kit, whose
// units construct the hierarchy's classes, never assumes unique vtables.)
TEST_F(InterpTest, ClassInAnUnnamedNamespaceAcrossUnits) {
  CompileClean(R"(
      namespace an { namespace {
      struct ABase { virtual ~ABase() {} virtual int f() { return 1; } };
      struct AKeyed : ABase { int f() override; int x = 3; };
      int AKeyed::f() { return 10 + x; }
      template <class T> struct ABox : ABase { int f() override { return 30; } };
      } }
      extern "C" void* make_a_1() { return static_cast<an::ABase*>(new an::AKeyed); }
      extern "C" int is_keyed_1(void* p) { return dynamic_cast<an::AKeyed*>(static_cast<an::ABase*>(p)) != nullptr; }
      extern "C" void throw_a_1() { throw an::AKeyed(); })");
  CompileClean(R"(
      extern "C" void* make_a_2() { return static_cast<an::ABase*>(new an::AKeyed); }
      extern "C" void* make_box_2() { return static_cast<an::ABase*>(new an::ABox<an::AKeyed>); }
      extern "C" int is_keyed_2(void* p) { return dynamic_cast<an::AKeyed*>(static_cast<an::ABase*>(p)) != nullptr; }
      extern "C" int call_2(void* p) { return static_cast<an::ABase*>(p)->f(); }
      extern "C" int catches_2() { try { throw_a_1(); } catch (const an::AKeyed& k) { return k.x; } catch (...) { return -1; } return 0; }
      extern "C" void delete_2(void* p) { delete static_cast<an::ABase*>(p); })");
  void* one = Function<void*()>("make_a_1")();
  void* two = Function<void*()>("make_a_2")();
  void* box = Function<void*()>("make_box_2")();
  EXPECT_NE(*static_cast<void**>(one), *static_cast<void**>(two)) << "one vtable per unit";
  for (void* p : {one, two}) {
    EXPECT_EQ(Function<int(void*)>("is_keyed_1")(p), 1);
    EXPECT_EQ(Function<int(void*)>("is_keyed_2")(p), 1);
    EXPECT_EQ(Function<int(void*)>("call_2")(p), 13);
    EXPECT_STREQ(DynamicRttiName(p), "N2an12_GLOBAL__N_16AKeyedE");
  }
  EXPECT_EQ(Function<int(void*)>("call_2")(box), 30);
  EXPECT_EQ(Function<int()>("catches_2")(), 3);

  const ClassLayout& written = Layout("an::AKeyed");
  const ClassLayout& clangs = Layout("an::(anonymous namespace)::AKeyed");
  EXPECT_EQ(written.shape.rtti_name, clangs.shape.rtti_name);
  EXPECT_EQ(written.shape.name, "an::(anonymous namespace)::AKeyed");
  EXPECT_EQ(reinterpret_cast<int (*)(void*)>(VtableEntry(two, written.FindSlot("f")))(two), 13);
  EXPECT_EQ(Layout("an::ABox<an::AKeyed>").shape.rtti_name,
            Layout("an::(anonymous namespace)::ABox<an::(anonymous namespace)::AKeyed>").shape.rtti_name);
  for (void* p : {one, two, box}) Function<void(void*)>("delete_2")(p);
}

}  // namespace vto::interp::test
