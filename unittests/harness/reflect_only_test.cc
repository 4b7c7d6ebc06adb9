// reflect_only_test.cc — a backend that only reflects (backend_abi.h, `declare`): the harness's
// own interpreter compiles and runs every hierarchy, the backend's parses only declarations.
// The built-in library behind such a table must behave exactly as the built-in backend on the
// committed inputs of all three targets: the same overlays, calls, hooks — and no finding.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "backend/builtin_backend.h"
#include "gen/emit.h"
#include "gen/lifecycle_kit.h"
#include "harness/dispatch_scenario.h"
#include "harness/hierarchy_cache.h"
#include "harness/lifecycle_scenario.h"
#include "harness/race_scenario.h"
#include "seed_corpus.h"
#include "test_backend.h"

namespace vto::harness {
namespace {

const vto_backend_api* ReflectOnly() {
  return PatchedBuiltin([](vto_backend_api& a) {
    a.compile = nullptr;
    a.lookup = nullptr;
    a.compiled_units = nullptr;
  });
}

template <typename Runner>
auto RunSeeds(backend::Backend& b, const char* target, bool kit, int batch) {
  Options options;
  options.batch = batch;
  HierarchyCache cache(b, options, kit);
  Runner runner(b, cache, options);
  for (const auto& s : ReadSeedCorpus(target)) runner.Run(s.data(), s.size());
  return runner.stats();
}

TEST(ReflectOnly, TheBackendIsGivenDeclarationsAndTheHarnessRunsTheCode) {
  std::unique_ptr<backend::Backend> b = OpenTestBackend(ReflectOnly());
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->reflects_only());
  std::string diag;
  EXPECT_TRUE(b->Compile("extern \"C\" int vto_reflect_only_probe() { return 42; }", &diag)) << diag;
  auto probe = reinterpret_cast<int (*)()>(b->Lookup("vto_reflect_only_probe"));
  ASSERT_NE(probe, nullptr);  // from the harness's interpreter: the table has no lookup
  EXPECT_EQ(probe(), 42);
  EXPECT_EQ(b->CompiledUnits(), 1u);
  EXPECT_TRUE(b->Declare("namespace rd { struct S { virtual ~S(); virtual int f(); }; }", &diag)) << diag;
  EXPECT_FALSE(b->Declare("namespace rd { struct S; int x = ; }", &diag));
  EXPECT_NE(diag.find("error"), std::string::npos) << diag;
  std::unique_ptr<backend::Backend> full = OpenTestBackend(nullptr);
  ASSERT_NE(full, nullptr);
  EXPECT_FALSE(full->reflects_only());
}

// What a reflecting backend is given compiles without a diagnostic and emits no vtable: the
// backend's interpreter has no code of its own to run.
TEST(ReflectOnly, DeclarationsCompileCleanlyAndEmitNoVtable) {
  std::string error;
  interp::InterpreterOptions options;
  options.extra_args = interp::HostSanitizerArgs();
  std::unique_ptr<interp::Interpreter> in = interp::Interpreter::Create(options, &error);
  std::unique_ptr<interp::Interpreter> code = interp::Interpreter::Create(options, &error);
  ASSERT_TRUE(in && code) << error;
  int vtables_in_code = 0;  // the same lookup finds them where the code was compiled
  for (uint32_t id = 0; id < 8; ++id) {
    const gen::Hierarchy h = HierarchyCache::Model(id);
    const std::string ns = HierarchyCache::Namespace(id);
    std::string diag;
    EXPECT_TRUE(in->Compile(gen::EmitDeclarations(h, ns) + gen::EmitLifecycleKitDeclarations(h, ns), &diag));
    EXPECT_EQ(diag, "") << ns;
    const std::string c0 = "N" + std::to_string(ns.size()) + ns + "2C0E";
    EXPECT_EQ(in->LookupSymbol("_ZTV" + c0), nullptr) << ns;
    EXPECT_EQ(in->LookupSymbol("_ZTI" + c0), nullptr) << ns;
    EXPECT_TRUE(code->Compile(gen::EmitSource(h, ns), &diag)) << diag;
    vtables_in_code += code->LookupSymbol("_ZTV" + c0) != nullptr;
  }
  EXPECT_GT(vtables_in_code, 0);
}

TEST(ReflectOnly, DispatchAsOnTheBuiltinBackend) {
  std::unique_ptr<backend::Backend> b = OpenTestBackend(ReflectOnly());
  std::unique_ptr<backend::Backend> full = OpenTestBackend(nullptr);
  ASSERT_TRUE(b && full);
  const DispatchStats r = RunSeeds<DispatchRunner>(*b, "fuzz_dispatch", false, 8);
  const DispatchStats f = RunSeeds<DispatchRunner>(*full, "fuzz_dispatch", false, 8);
  EXPECT_GT(r.overlays, 100u);
  EXPECT_EQ(r.overlays, f.overlays);
  EXPECT_EQ(r.calls_checked, f.calls_checked);
  EXPECT_EQ(r.hooks_fired, f.hooks_fired);
}

TEST(ReflectOnly, LifecycleAsOnTheBuiltinBackend) {
  std::unique_ptr<backend::Backend> b = OpenTestBackend(ReflectOnly());
  std::unique_ptr<backend::Backend> full = OpenTestBackend(nullptr);
  ASSERT_TRUE(b && full);
  const LifecycleStats r = RunSeeds<LifecycleRunner>(*b, "fuzz_lifecycle", true, 1);
  const LifecycleStats f = RunSeeds<LifecycleRunner>(*full, "fuzz_lifecycle", true, 1);
  EXPECT_GT(r.overlays, 100u);
  EXPECT_EQ(r.overlays, f.overlays);
  EXPECT_EQ(r.calls_checked, f.calls_checked);
  EXPECT_EQ(r.hooks_fired, f.hooks_fired);
  EXPECT_EQ(r.abandons, f.abandons);
}

TEST(ReflectOnly, RaceAsOnTheBuiltinBackend) {
  std::unique_ptr<backend::Backend> b = OpenTestBackend(ReflectOnly());
  ASSERT_NE(b, nullptr);
  Options defaults;
  const RaceStats r = RunSeeds<RaceRunner>(*b, "fuzz_race", false, std::min(defaults.batch, 1 << defaults.lifecycle_hierarchy_bits));
  EXPECT_GT(r.overlays, 10u);
  EXPECT_GT(r.hooks_fired, 0u);
}

}  // namespace
}  // namespace vto::harness
