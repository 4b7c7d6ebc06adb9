// cppinterop_backend_test.cc — the CppInterOp plug-in passes CppInterOp's answers through:
// it loads as a plug-in (VTO_CPPINTEROP_PLUGIN), reflects by qualified name and by overload,
// overlays, reads extra slots through CppInterOp's own accessor, fires the destroy hook on
// delete, tears down, and refuses only what CppInterOp or its reflection refuses. What
// CppInterOp gets wrong is not tested here but found by the fuzzers and pinned by the
// corpus/<target>/cppinterop/ replays (docs/CPPINTEROP.md).
#include <gtest/gtest.h>

#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "interp/interpreter.h"

namespace {

using vto::backend::Backend;
using vto::backend::InstallOutcome;

// The hierarchy: compiled and run by the harness's interpreter, declared to CppInterOp's.
constexpr const char* kDeclarations = R"(
namespace cpit {
struct Small { int a; };
struct B { virtual ~B(); virtual int f(); virtual int g(int); virtual int g(double); virtual Small h(Small); int x = 7; };
struct D : B { int f() override; virtual int k(); };
}
)";
constexpr const char* kDefinitions = R"(
namespace cpit {
struct Small { int a; };
struct B { virtual ~B() {} virtual int f() { return 1; } virtual int g(int) { return 2; } virtual int g(double) { return 3; }
           virtual Small h(Small s) { return s; } int x = 7; };
struct D : B { int f() override { return 11; } virtual int k() { return 12; } };
}
extern "C" void* cpit_new_B() { return new cpit::B; }
extern "C" void* cpit_new_D() { return static_cast<cpit::B*>(new cpit::D); }
extern "C" void cpit_delete(void* p) { delete static_cast<cpit::B*>(p); }
extern "C" int cpit_f(void* p) { return static_cast<cpit::B*>(p)->f(); }
extern "C" int cpit_g_int(void* p) { return static_cast<cpit::B*>(p)->g(0); }
extern "C" int cpit_g_double(void* p) { return static_cast<cpit::B*>(p)->g(0.0); }
)";

int ReplacementF(void*) { return 101; }
int ReplacementGDouble(void*, double) { return 103; }

struct HookLog {
  int calls = 0;
  void* instance = nullptr;
  int x_seen = 0;
};
void Hook(void* instance, void* user_data) {
  auto* log = static_cast<HookLog*>(user_data);
  ++log->calls;
  log->instance = instance;
  log->x_seen = *reinterpret_cast<int*>(static_cast<char*>(instance) + sizeof(void*));  // B::x, alive
}

class CppInterOpBackend : public ::testing::Test {
 protected:
  void SetUp() override {
    struct sigaction before;
    sigaction(SIGSEGV, nullptr, &before);
    vto::backend::BackendOptions options;
    options.plugin_path = VTO_CPPINTEROP_PLUGIN;
    options.compiler_args = vto::interp::HostSanitizerArgs();
    std::string error;
    b_ = vto::backend::OpenBackend(options, &error);
    ASSERT_NE(b_, nullptr) << error;
    struct sigaction after;
    sigaction(SIGSEGV, nullptr, &after);
    // CppInterOp's first interpreter installs a handler that prints a banner and exit(1)s:
    // the plug-in puts back what it found, so sanitizer reports and oracle aborts stay visible.
    EXPECT_EQ(reinterpret_cast<void*>(before.sa_handler), reinterpret_cast<void*>(after.sa_handler));
    std::string diag;
    ASSERT_TRUE(b_->Compile(kDefinitions, &diag)) << diag;
    ASSERT_TRUE(b_->Declare(kDeclarations, &diag)) << diag;
  }
  template <typename F>
  F Fn(const char* name) {
    void* p = b_->Lookup(name);
    EXPECT_NE(p, nullptr) << name;
    return reinterpret_cast<F>(p);
  }
  void* New(const char* cls) { return Fn<void* (*)()>(cls)(); }
  int Call(const char* stub, void* obj) { return Fn<int (*)(void*)>(stub)(obj); }

  std::unique_ptr<Backend> b_;
};

TEST_F(CppInterOpBackend, DescribesCppInterOpsContract) {
  EXPECT_EQ(b_->name(), "cppinterop");
  EXPECT_TRUE(b_->reflects_only());
  EXPECT_FALSE(b_->can_abandon());
  EXPECT_EQ(b_->promises(), VTO_PROMISE_CALLBACK_BEFORE_DESTRUCTOR);
  EXPECT_EQ(b_->capabilities(),
            VTO_CAP_DESTROY_HOOK | VTO_CAP_EXTRA_SLOTS | VTO_CAP_STACKING | VTO_CAP_MORE_DERIVED);
}

TEST_F(CppInterOpBackend, OverlaysByNameAndOverloadAndTearsDown) {
  void* obj = New("cpit_new_B");
  const size_t live = b_->LiveOverlays();
  InstallOutcome o = b_->Install({obj, "cpit::B",
                                  {{"f", reinterpret_cast<void*>(&ReplacementF)},
                                   {"g(double)", reinterpret_cast<void*>(&ReplacementGDouble)}},
                                  /*extra_slots=*/2, nullptr, nullptr});
  ASSERT_TRUE(o.ok()) << o.message;
  EXPECT_EQ(b_->LiveOverlays(), live + 1);
  EXPECT_EQ(Call("cpit_f", obj), 101);
  EXPECT_EQ(Call("cpit_g_int", obj), 2);  // the other overload keeps its slot
  EXPECT_EQ(Call("cpit_g_double", obj), 103);
  void** slot0 = b_->ExtraSlot(o.handle, obj, 0);
  void** slot1 = b_->ExtraSlot(o.handle, obj, 1);
  ASSERT_NE(slot0, nullptr);
  EXPECT_NE(slot0, slot1);
  EXPECT_EQ(*slot0, nullptr);
  *slot1 = obj;
  EXPECT_EQ(*b_->ExtraSlot(o.handle, obj, 1), obj);
  EXPECT_EQ(b_->Teardown(o.handle), 0);
  EXPECT_EQ(b_->LiveOverlays(), live);
  EXPECT_EQ(Call("cpit_f", obj), 1);
  EXPECT_EQ(Call("cpit_g_double", obj), 3);
  Fn<void (*)(void*)>("cpit_delete")(obj);
}

TEST_F(CppInterOpBackend, TheHookRunsOnDeleteWithTheObjectAlive) {
  void* obj = New("cpit_new_D");
  HookLog log;
  InstallOutcome o =
      b_->Install({obj, "cpit::D", {{"f", reinterpret_cast<void*>(&ReplacementF)}}, 0, &Hook, &log});
  ASSERT_TRUE(o.ok()) << o.message;
  EXPECT_EQ(Call("cpit_f", obj), 101);
  Fn<void (*)(void*)>("cpit_delete")(obj);
  EXPECT_EQ(log.calls, 1);
  EXPECT_EQ(log.instance, obj);
  EXPECT_EQ(log.x_seen, 7);
  b_->Teardown(o.handle);  // frees the block; CppInterOp writes nothing once its hook fired
  EXPECT_EQ(log.calls, 1);
}

TEST_F(CppInterOpBackend, RefusesWhatCppInterOpOrItsReflectionRefuses) {
  void* obj = New("cpit_new_B");
  const size_t live = b_->LiveOverlays();
  InstallOutcome null_instance = b_->Install({nullptr, "cpit::B", {{"f", reinterpret_cast<void*>(&ReplacementF)}}});
  EXPECT_EQ(null_instance.code, 100) << null_instance.message;  // MakeVTableOverlay's null
  InstallOutcome no_class = b_->Install({obj, "cpit::Nope", {{"f", reinterpret_cast<void*>(&ReplacementF)}}});
  EXPECT_EQ(no_class.code, 2) << no_class.message;
  EXPECT_NE(no_class.message.find("cpit::Nope"), std::string::npos);
  InstallOutcome no_method = b_->Install({obj, "cpit::B", {{"nope", reinterpret_cast<void*>(&ReplacementF)}}});
  EXPECT_EQ(no_method.code, 5) << no_method.message;
  InstallOutcome ambiguous = b_->Install({obj, "cpit::B", {{"g", reinterpret_cast<void*>(&ReplacementF)}}});
  EXPECT_EQ(ambiguous.code, 5) << ambiguous.message;
  EXPECT_NE(ambiguous.message.find("overloaded"), std::string::npos);
  EXPECT_EQ(b_->LiveOverlays(), live);
  EXPECT_EQ(Call("cpit_f", obj), 1);
  Fn<void (*)(void*)>("cpit_delete")(obj);
}

TEST_F(CppInterOpBackend, DeclareReportsDiagnostics) {
  std::string diag;
  EXPECT_FALSE(b_->Declare("namespace cpit2 { int x = ; }", &diag));
  EXPECT_NE(diag.find("error"), std::string::npos) << diag;
}

}  // namespace
