// backend_test.cc — the backend interface (docs/BACKENDS.md): the built-in backend, and the
// in-tree plug-in loaded through dlopen as a user's would be.
#include "backend/backend.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <string>
#include <vector>

#include "backend/builtin_backend.h"
#include "overlay/status.h"

namespace vto::backend {
namespace {

constexpr const char* kSource = R"cpp(
  namespace bk {
  struct Shape { virtual ~Shape() {} virtual int sides() { return 0; } virtual int area() { return 1; } };
  struct Square : Shape { int sides() override { return 4; } virtual int diagonal() { return 141; } };
  }
  extern "C" void* bk_new_square() { return new bk::Square; }
  extern "C" int bk_sides(void* p) { return static_cast<bk::Shape*>(p)->sides(); }
  extern "C" int bk_area(void* p) { return static_cast<bk::Shape*>(p)->area(); }
  extern "C" int bk_diagonal(void* p) { return static_cast<bk::Square*>(static_cast<bk::Shape*>(p))->diagonal(); }
  extern "C" void bk_delete(void* p) { delete static_cast<bk::Shape*>(p); }
)cpp";

extern "C" int Sides9(void*) { return 9; }
extern "C" int Diag7(void*) { return 7; }
std::atomic<int> g_hooks{0};
void Hook(void*, void*) { g_hooks.fetch_add(1); }

struct Stubs {
  void* (*make)();
  int (*sides)(void*);
  int (*area)(void*);
  int (*diagonal)(void*);
  void (*del)(void*);
};

Stubs Load(Backend& b) {
  std::string diags;
  EXPECT_TRUE(b.Compile(kSource, &diags)) << diags;
  EXPECT_EQ(diags, "");
  return Stubs{reinterpret_cast<void* (*)()>(b.Lookup("bk_new_square")),
               reinterpret_cast<int (*)(void*)>(b.Lookup("bk_sides")),
               reinterpret_cast<int (*)(void*)>(b.Lookup("bk_area")),
               reinterpret_cast<int (*)(void*)>(b.Lookup("bk_diagonal")),
               reinterpret_cast<void (*)(void*)>(b.Lookup("bk_delete"))};
}

OverlaySpec Spec(void* obj, const char* cls, std::vector<MethodReplacement> methods) {
  OverlaySpec s;
  s.instance = obj;
  s.class_name = cls;
  s.methods = std::move(methods);
  return s;
}

TEST(Backend, BuiltinDispatchHookExtraSlotsTeardown) {
  unsetenv("VTO_BACKEND");
  std::string error;
  std::unique_ptr<Backend> b = OpenBackend({}, &error);
  ASSERT_NE(b, nullptr) << error;
  EXPECT_EQ(b->name(), "builtin");
  EXPECT_TRUE(b->capabilities() & VTO_CAP_DESTROY_HOOK);
  EXPECT_TRUE(b->capabilities() & VTO_CAP_MULTIPLE_VPTRS);  // every Itanium layout (CONTRACT P23-P26)
  EXPECT_TRUE(b->capabilities() & VTO_CAP_VIRTUAL_BASES);
  Stubs s = Load(*b);
  ASSERT_TRUE(s.make && s.sides && s.area && s.diagonal && s.del);
  EXPECT_EQ(b->CompiledUnits(), 1u);
  size_t live = b->LiveOverlays();
  void* sq = s.make();
  OverlaySpec spec = Spec(sq, "bk::Shape", {{"sides", reinterpret_cast<void*>(&Sides9)}});
  spec.extra_slots = 2;
  spec.on_destroy = &Hook;
  InstallOutcome o = b->Install(spec);
  ASSERT_TRUE(o.ok()) << o.message;
  EXPECT_EQ(s.sides(sq), 9);
  EXPECT_EQ(s.area(sq), 1);
  EXPECT_EQ(s.diagonal(sq), 141);
  ASSERT_NE(b->ExtraSlot(o.handle, sq, 1), nullptr);
  EXPECT_EQ(*b->ExtraSlot(o.handle, sq, 1), nullptr);
  *b->ExtraSlot(o.handle, sq, 1) = sq;
  EXPECT_EQ(*b->ExtraSlot(o.handle, sq, 1), sq);
  EXPECT_EQ(b->LiveOverlays(), live + 1);
  g_hooks = 0;
  s.del(sq);
  EXPECT_EQ(g_hooks.load(), 1);
  EXPECT_EQ(b->Teardown(o.handle), static_cast<int>(TeardownResult::kObjectDestroyed));
  EXPECT_EQ(b->LiveOverlays(), live);
}

TEST(Backend, BuiltinRefusalCodesAreStatusValues) {
  std::string error;
  std::unique_ptr<Backend> b = OpenBackend({}, &error);
  ASSERT_NE(b, nullptr) << error;
  Stubs s = Load(*b);
  void* sq = s.make();
  InstallOutcome o = b->Install(Spec(sq, "bk::Shape", {{"diagonal", reinterpret_cast<void*>(&Diag7)}}));
  EXPECT_EQ(o.code, static_cast<int>(Status::kMethodNotInVTable)) << o.message;
  EXPECT_EQ(o.handle, 0u);
  EXPECT_EQ(s.sides(sq), 4);
  s.del(sq);
}

TEST(Backend, RecycleGivesFreshInterpreter) {
  std::string error;
  std::unique_ptr<Backend> b = OpenBackend({}, &error);
  ASSERT_NE(b, nullptr) << error;
  Load(*b);
  ASSERT_TRUE(b->Recycle(&error)) << error;
  EXPECT_EQ(b->CompiledUnits(), 0u);
  EXPECT_EQ(b->Lookup("bk_new_square"), nullptr) << "old units are gone";
  Stubs s = Load(*b);  // the same source compiles again in the fresh interpreter
  void* sq = s.make();
  EXPECT_EQ(s.sides(sq), 4);
  s.del(sq);
}

TEST(Backend, PluginLoadedThroughDlopen) {
  BackendOptions options;
  options.plugin_path = VTO_MINIMAL_BACKEND_PATH;
  std::string error;
  std::unique_ptr<Backend> b = OpenBackend(options, &error);
  ASSERT_NE(b, nullptr) << error;
  EXPECT_EQ(b->name(), "minimal");
  EXPECT_EQ(b->capabilities(), VTO_CAP_MORE_DERIVED);
  EXPECT_EQ(b->promises(), VTO_PROMISE_REFUSES_INVALID_TARGET | VTO_PROMISE_DETACHES_FOREIGN_VPTR |
                               VTO_PROMISE_IDEMPOTENT_TEARDOWN | VTO_PROMISE_TEARDOWN_RESULTS |
                               VTO_PROMISE_CONCURRENT_TEARDOWN | VTO_PROMISE_FREES_AT_DEATH);
  Stubs s = Load(*b);
  void* sq = s.make();
  InstallOutcome o = b->Install(Spec(sq, "bk::Shape", {{"sides", reinterpret_cast<void*>(&Sides9)}}));
  ASSERT_TRUE(o.ok()) << o.message;
  EXPECT_EQ(s.sides(sq), 9);
  EXPECT_EQ(s.diagonal(sq), 141) << "sized from the dynamic type";
  EXPECT_EQ(b->LiveOverlays(), 1u);
  OverlaySpec hooked = Spec(sq, "bk::Shape", {});
  hooked.on_destroy = &Hook;
  InstallOutcome refused = b->Install(hooked);
  EXPECT_GE(refused.code, 100) << "outside its capabilities: refused with its own code";
  EXPECT_EQ(b->Teardown(o.handle), static_cast<int>(TeardownResult::kRestored));
  EXPECT_EQ(b->Teardown(o.handle), static_cast<int>(TeardownResult::kAlreadyTornDown));
  EXPECT_EQ(s.sides(sq), 4);
  EXPECT_EQ(b->LiveOverlays(), 0u);
  s.del(sq);
}

TEST(Backend, PluginNamedByEnvironment) {
  setenv("VTO_BACKEND", VTO_MINIMAL_BACKEND_PATH, 1);
  std::string error;
  std::unique_ptr<Backend> b = OpenBackend({}, &error);
  unsetenv("VTO_BACKEND");
  ASSERT_NE(b, nullptr) << error;
  EXPECT_EQ(b->name(), "minimal");
}

TEST(Backend, BadPluginsRejectedWithReason) {
  std::string error;
  BackendOptions missing;
  missing.plugin_path = "/nonexistent/libnothing.so";
  EXPECT_EQ(OpenBackend(missing, &error), nullptr);
  EXPECT_NE(error.find("/nonexistent/libnothing.so"), std::string::npos) << error;
  BackendOptions not_a_backend;
  not_a_backend.plugin_path = "libm.so.6";  // loads, but exports no vto_backend_entry
  error.clear();
  EXPECT_EQ(OpenBackend(not_a_backend, &error), nullptr);
  EXPECT_NE(error.find("vto_backend_entry"), std::string::npos) << error;
}

TEST(Backend, BadApiTablesRejected) {
  std::string error;
  EXPECT_EQ(WrapBackendApi(nullptr, "null-table", {}, &error), nullptr);
  EXPECT_NE(error.find("null-table"), std::string::npos) << error;
  vto_backend_api future = {};
  future.abi_version = VTO_BACKEND_ABI_VERSION + 1;
  EXPECT_EQ(WrapBackendApi(&future, "future", {}, &error), nullptr);
  EXPECT_NE(error.find("ABI version"), std::string::npos) << error;
  vto_backend_api holes = {};
  holes.abi_version = VTO_BACKEND_ABI_VERSION;
  EXPECT_EQ(WrapBackendApi(&holes, "holes", {}, &error), nullptr);
  EXPECT_NE(error.find("null function"), std::string::npos) << error;
  vto_backend_api neither = *BuiltinBackendApi();  // compiles nothing and reflects nothing
  neither.compile = nullptr;
  neither.declare = nullptr;
  EXPECT_EQ(WrapBackendApi(&neither, "neither", {}, &error), nullptr);
  EXPECT_NE(error.find("no compile and no declare"), std::string::npos) << error;
  vto_backend_api zero = *BuiltinBackendApi();
  zero.abi_version = 0;
  EXPECT_EQ(WrapBackendApi(&zero, "zero", {}, &error), nullptr);
  EXPECT_NE(error.find("ABI version 0, expected 1 to " + std::to_string(VTO_BACKEND_ABI_VERSION)), std::string::npos)
      << error;
}

// ABI 3's promises are read from version-3 tables only; older plug-ins were written when the
// fuzzers assumed every promise, and keep that profile.
TEST(Backend, PromisesComeFromVersion3TablesOlderOnesPromiseAll) {
  std::string error;
  EXPECT_EQ(BuiltinBackendApi()->promises, VTO_PROMISE_ALL);
  static vto_backend_api v3 = *BuiltinBackendApi();  // outlives the backends made from it
  v3.promises = VTO_PROMISE_IDEMPOTENT_TEARDOWN | VTO_PROMISE_REFUSES_DYING_OBJECT;
  std::unique_ptr<Backend> b = WrapBackendApi(&v3, "v3", {}, &error);
  ASSERT_NE(b, nullptr) << error;
  EXPECT_EQ(b->promises(), VTO_PROMISE_IDEMPOTENT_TEARDOWN | VTO_PROMISE_REFUSES_DYING_OBJECT);
  static vto_backend_api v2 = v3;
  v2.abi_version = 2;
  v2.promises = 0;  // a version-2 table has no such field; whatever follows it is not read
  b = WrapBackendApi(&v2, "v2", {}, &error);
  ASSERT_NE(b, nullptr) << error;
  EXPECT_EQ(b->promises(), VTO_PROMISE_ALL);
  EXPECT_TRUE(b->can_abandon());
}

// A final class and an object of it, for the compiler modes: R13 follows the unit's mode.
std::string FinalSource(const std::string& ns) {
  return "namespace " + ns + R"( {
      struct Base { virtual ~Base() {} virtual int f() { return 1; } };
      struct Leaf final : Base { int f() override { return 2; } }; }
    extern "C" void* )" + ns + "_new_leaf() { return static_cast<" + ns + "::Base*>(new " + ns + R"(::Leaf); }
    extern "C" int )" + ns + "_is_leaf(void* p) { return dynamic_cast<" + ns + "::Leaf*>(static_cast<" + ns +
         R"(::Base*>(p)) != nullptr; }
    extern "C" void )" + ns + "_delete(void* p) { delete static_cast<" + ns + "::Base*>(p); }";
}

// ABI 4: the built-in backend compiles a unit in the mode asked; a final class from a unit
// that assumes unique vtables at -O2 is refused (R13), the same class from a unit that does
// not is overlaid and its dynamic_cast still finds it.
TEST(Backend, BuiltinCompilesEachUnitInItsMode) {
  std::string error;
  std::unique_ptr<Backend> b = OpenBackend({}, &error);
  ASSERT_NE(b, nullptr) << error;
  ASSERT_TRUE(b->compiles_in_modes());
  struct Case {
    const char* ns;
    vto_unit_mode mode;
    int want;  // install outcome
  };
  const Case cases[] = {
      {"unique_o2", {2, 1, 0}, static_cast<int>(Status::kVptrIdentityAssumed)},
      {"unique_o0", {0, 1, 0}, 0},  // -O0 emits no vptr comparison
      {"not_unique_o2", {2, 0, 1}, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.ns);
    const std::string ns = c.ns;
    std::string diags;
    ASSERT_TRUE(b->CompileInMode(FinalSource(ns), c.mode, &diags)) << diags;
    EXPECT_EQ(diags, "");
    void* obj = reinterpret_cast<void* (*)()>(b->Lookup(ns + "_new_leaf"))();
    auto* is_leaf = reinterpret_cast<int (*)(void*)>(b->Lookup(ns + "_is_leaf"));
    InstallOutcome o = b->Install(Spec(obj, (ns + "::Leaf").c_str(), {}));
    EXPECT_EQ(o.code, c.want) << o.message;
    EXPECT_EQ(is_leaf(obj), 1);
    if (o.ok()) EXPECT_EQ(b->Teardown(o.handle), static_cast<int>(TeardownResult::kRestored));
    reinterpret_cast<void (*)(void*)>(b->Lookup(ns + "_delete"))(obj);
  }
  std::string diags;
  EXPECT_FALSE(b->CompileInMode("int bad_mode_x;", vto_unit_mode{5, 0, 0}, &diags));
  EXPECT_NE(diags.find("opt_level must be 0..3, not 5"), std::string::npos) << diags;
  EXPECT_EQ(b->LiveOverlays(), 0u);
}

// A table older than ABI 4, or one whose compile_in_mode is NULL, compiles with its
// arguments only; one that only reflects compiles in every mode (in the harness's interpreter).
TEST(Backend, CompileInModeNeedsAVersion4TableOrReflection) {
  std::string error;
  static vto_backend_api v3 = *BuiltinBackendApi();
  v3.abi_version = 3;
  std::unique_ptr<Backend> b = WrapBackendApi(&v3, "v3", {}, &error);
  ASSERT_NE(b, nullptr) << error;
  EXPECT_FALSE(b->compiles_in_modes());
  static vto_backend_api without = *BuiltinBackendApi();
  without.compile_in_mode = nullptr;
  b = WrapBackendApi(&without, "without", {}, &error);
  ASSERT_NE(b, nullptr) << error;
  EXPECT_FALSE(b->compiles_in_modes());
  static vto_backend_api reflecting = *BuiltinBackendApi();
  reflecting.compile = nullptr;
  reflecting.compile_in_mode = nullptr;
  b = WrapBackendApi(&reflecting, "reflecting", {}, &error);
  ASSERT_NE(b, nullptr) << error;
  ASSERT_TRUE(b->reflects_only());
  EXPECT_TRUE(b->compiles_in_modes());
  std::string diags;
  EXPECT_TRUE(b->CompileInMode(FinalSource("reflected"), vto_unit_mode{2, 1, 1}, &diags)) << diags;
}

// --vto-without: the named capabilities are masked off what the backend claims.
TEST(Backend, CapabilitiesOffAreMaskedAndNamesParsed) {
  uint32_t bits = 1;
  std::string error;
  EXPECT_TRUE(ParseCapabilities("", &bits, &error));
  EXPECT_EQ(bits, 0u);
  EXPECT_TRUE(ParseCapabilities("stacking,destroy-hook", &bits, &error));
  EXPECT_EQ(bits, VTO_CAP_STACKING | VTO_CAP_DESTROY_HOOK);
  EXPECT_FALSE(ParseCapabilities("stacking,bogus", &bits, &error));
  EXPECT_NE(error.find("unknown capability 'bogus'"), std::string::npos) << error;
  std::unique_ptr<Backend> b = WrapBackendApi(BuiltinBackendApi(), "masked", {}, &error, VTO_CAP_STACKING);
  ASSERT_NE(b, nullptr) << error;
  EXPECT_EQ(b->capabilities(), BuiltinBackendApi()->capabilities & ~VTO_CAP_STACKING);
}

}  // namespace
}  // namespace vto::backend
