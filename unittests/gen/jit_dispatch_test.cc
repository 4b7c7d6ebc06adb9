// jit_dispatch_test.cc — generated hierarchies, JIT-compiled by clang 22, behave exactly as the
// model predicts in every compiler mode (compiler_mode.h): 2,000 consecutive seeds (200 under
// ASan or TSan, where JIT'd code is instrumented too and runs several times slower), in units of
// 10, unit u compiled in mode u mod 12 (one test per mode, so ctest runs them side by side),
// compile with zero diagnostics under -Wall -Wextra, and on
// objects without an overlay every planned stub agrees with the expectation pass:
//   - every call through every static type returns the expected implementation's id, and its
//     trace record carries that id and the expected subobject's `this`;
//   - typeid names the dynamic class; every dynamic_cast lands on the expected subobject;
//   - construction and destruction (through C* and through every base with a virtual
//     destructor) make exactly the expected virtual calls, level by level.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "gen/compiler_mode.h"
#include "gen/cxx_rules.h"
#include "gen/describe.h"
#include "gen/emit.h"
#include "gen/expect.h"
#include "gen/generate.h"
#include "gen/stub_names.h"
#include "gen/stubs.h"
#include "gen/trace.h"
#include "interp/interpreter.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define VTO_GEN_TEST_SANITIZED 1
#endif
#endif

namespace vto::gen {
namespace {

#ifdef VTO_GEN_TEST_SANITIZED
constexpr int kSeeds = 200;  // ASan or TSan: JIT'd code is instrumented as well; fewer seeds
#else
constexpr int kSeeds = 2000;  // the number
#endif
// Hierarchies per translation unit. The JIT compiles a unit's machine code on the first symbol
// lookup, and that cost grows faster than the unit (measured: 10 per unit is about 30% faster
// than 50, and than 1).
constexpr int kPerUnit = 10;
constexpr int kUnitsPerInterpreter = 20;  // then a fresh Interpreter, to bound memory
constexpr int kMaxReportedFailures = 10;  // hierarchies described in full on failure

// The stubs of one hierarchy, found through its stub table (one symbol lookup).
class Symbols {
 public:
  Symbols(interp::Interpreter& interp, const std::string& ns, std::string* errors) : errors_(errors) {
    std::string error;
    auto* table = interp.LookupFunction<const StubEntry*()>(StubTableName(ns), &error);
    if (table == nullptr) {
      *errors_ += "  no stub table: " + error + "\n";
      return;
    }
    for (const StubEntry* e = table(); e->name != nullptr; ++e) table_[e->name] = e->address;
  }
  template <typename Fn>
  Fn* Get(const std::string& name) {
    const auto it = table_.find(name);
    if (it == table_.end()) {
      *errors_ += "  stub missing from the table: " + name + "\n";
      return nullptr;
    }
    return reinterpret_cast<Fn*>(it->second);
  }

 private:
  std::string* errors_;
  std::unordered_map<std::string, void*> table_;
};

// Checks one hierarchy; returns "" or a description of every disagreement.
class HierarchyCheck {
 public:
  HierarchyCheck(const Hierarchy& h, std::string ns, interp::Interpreter& interp)
      : h_(h), ns_(std::move(ns)), plan_(PlanStubs(h)), sym_(interp, ns_, &errors_) {}

  std::string Run() {
    for (size_t c = 0; c < h_.classes.size(); ++c)
      if (plan_.classes[c].new_and_delete) CheckClass(static_cast<int>(c));
    return errors_;
  }

 private:
  void Fail(const std::string& what) { errors_ += "  " + what + "\n"; }

  // The subobject at `path` of the object at `obj`, by chaining up stubs.
  void* At(void* obj, const SubobjectPath& path) {
    void* p = obj;
    for (size_t i = 0; i + 1 < path.size() && p; ++i) {
      auto* up = sym_.Get<void*(void*)>(UpStubName(ns_, path[i], path[i + 1]));
      p = up ? up(p) : nullptr;
    }
    return p;
  }

  // Compares the trace since the last Clear with `expected`, on the object at `obj`.
  void CompareTrace(const char* what, int c, const std::vector<Expected>& expected,
                    const std::vector<const void*>& selves) {
    const std::string where = std::string(what) + " of " + ClassName(c);
    if (Trace::size() != expected.size()) {
      Fail(where + ": " + std::to_string(Trace::size()) + " virtual calls, expected " +
           std::to_string(expected.size()));
      return;
    }
    for (size_t i = 0; i < expected.size(); ++i) {
      const TraceRecord r = Trace::at(i);
      if (r.impl_id != expected[i].impl_id || r.self != selves[i])
        Fail(where + ": call " + std::to_string(i) + " ran impl " + std::to_string(r.impl_id) +
             ", expected impl " + std::to_string(expected[i].impl_id) + " on " +
             ClassName(expected[i].this_class) + (r.self != selves[i] ? " (wrong this)" : ""));
    }
  }

  std::vector<const void*> Selves(void* obj, const std::vector<Expected>& trace) {
    std::vector<const void*> out;
    for (const Expected& e : trace) out.push_back(At(obj, e.this_path));
    return out;
  }

  // The class-specific operator new or delete calls since the last Clear (`r`) are the ones
  // lookup from C<c> finds (AllocationOwner; none: the global ones), once, on `obj`, with the
  // class's alignment and (delete) the size the sized form gets: the one `new` got.
  void CheckAlloc(const std::string& what, int c, const void* obj, const AllocationRecord& r, bool is_delete,
                  std::size_t new_size) {
    const int owner = AllocationOwner(h_, c);
    const std::string where = what + " of " + ClassName(c);
    if (owner < 0) {
      if (r.calls != 0) Fail(where + ": called C" + std::to_string(r.cls) + "'s own allocation function");
      return;
    }
    const std::size_t size = is_delete && ClassAlloc(h_, owner) == kAllocSized ? new_size : 0;
    const std::size_t align = static_cast<std::size_t>(ObjectAlignas(h_, c));
    if (r.calls != 1 || r.cls != owner || r.p != obj || r.align != align || (is_delete && r.size != size))
      Fail(where + ": " + std::to_string(r.calls) + " call(s) of its own operator " + (is_delete ? "delete" : "new") +
           ", the last C" + std::to_string(r.cls) + "'s (size " + std::to_string(r.size) + ", align " +
           std::to_string(r.align) + (r.p == obj ? "" : ", another pointer") + "); expected one of C" +
           std::to_string(owner) + "'s (size " + (is_delete ? std::to_string(size) : std::string("any")) + ", align " +
           std::to_string(align) + ")");
  }

  void CheckClass(int c) {
    const ObjectExpectations ex(h_, c);
    auto* make = sym_.Get<void*()>(NewStubName(ns_, c));
    auto* destroy = sym_.Get<void(void*)>(DeleteStubName(ns_, c));
    if (!make || !destroy) return;

    Trace::Clear();
    void* obj = make();
    const std::vector<Expected> ctor = ex.ConstructionTrace();
    CompareTrace("construction", c, ctor, Selves(obj, ctor));
    const std::size_t new_size = Trace::ClassNew().size;
    CheckAlloc("new", c, obj, Trace::ClassNew(), false, 0);

    const std::string type_name = ExpectedTypeName(h_, ns_, c);
    for (int s : plan_.classes[c].up) {
      void* sp = At(obj, {c, s});
      if (sp != At(obj, ex.PathOf(s))) Fail("up " + ClassName(c) + "->" + ClassName(s) + " differs from the chain");
      if (!h_.classes[s].polymorphic) continue;
      const ClassStubs& st = plan_.classes[s];
      if (auto* tid = sym_.Get<const char*(void*)>(TypeidStubName(ns_, s)); tid && type_name != tid(sp))
        Fail("typeid via " + ClassName(s) + " of a " + ClassName(c) + " is " + tid(sp));
      for (const VirtualCall& call : st.calls) {
        const std::optional<Expected> e = ex.Call(s, call.name, call.sig);
        const std::string name = CallStubName(ns_, s, call.name, call.sig);
        auto* fn = sym_.Get<long(void*)>(name);
        if (!e || !fn) {
          Fail(name + ": planned but " + (e ? "missing" : "not modeled"));
          continue;
        }
        Trace::Clear();
        const long got = fn(sp);
        const void* want_this = At(obj, e->this_path);
        if (got != e->impl_id || Trace::size() != 1 || Trace::at(0).impl_id != e->impl_id ||
            Trace::at(0).self != want_this)
          Fail(name + " on a " + ClassName(c) + ": returned " + std::to_string(got) + ", " +
               std::to_string(Trace::size()) + " record(s)" +
               (Trace::size() ? " first impl " + std::to_string(Trace::at(0).impl_id) +
                                    (Trace::at(0).self == want_this ? "" : " wrong this")
                              : std::string()) +
               "; expected impl " + std::to_string(e->impl_id) + " on " + ClassName(e->this_class));
      }
      std::vector<int> targets = st.dyncasts;
      targets.push_back(kVoidTarget);
      for (int t : targets) {
        auto* cast = sym_.Get<void*(void*)>(DynCastStubName(ns_, s, t));
        if (!cast) continue;
        const std::optional<SubobjectPath> want = ex.DynamicCast(s, t);
        void* got = cast(sp);
        if (got != (want ? At(obj, *want) : nullptr))
          Fail(DynCastStubName(ns_, s, t) + " on a " + ClassName(c) + ": " +
               (got ? "non-null" : "null") + (want ? ", expected non-null" : ", expected null"));
      }
    }

    const std::vector<Expected> dtor = ex.DestructionTrace();
    std::vector<const void*> selves = Selves(obj, dtor);
    Trace::Clear();
    destroy(obj);
    CompareTrace("delete", c, dtor, selves);
    CheckAlloc("delete", c, obj, Trace::ClassDelete(), true, new_size);

    for (int s : plan_.classes[c].up) {
      if (!plan_.classes[s].delete_via) continue;
      auto* destroy_via = sym_.Get<void(void*)>(DeleteViaStubName(ns_, s));
      if (!destroy_via) continue;
      void* again = make();
      selves = Selves(again, dtor);
      void* sp = At(again, {c, s});
      Trace::Clear();
      destroy_via(sp);
      CompareTrace(("delete via " + ClassName(s)).c_str(), c, dtor, selves);
      CheckAlloc("delete via " + ClassName(s), c, again, Trace::ClassDelete(), true, new_size);
    }
  }

  const Hierarchy& h_;
  const std::string ns_;
  const StubPlan plan_;
  std::string errors_;
  Symbols sym_;
};

// An interpreter at -O0 (machine code generated fastest) whose units are compiled in their
// modes, as the fuzzers' hierarchy cache does.
std::unique_ptr<interp::Interpreter> NewInterpreter() {
  interp::InterpreterOptions options;
  options.extra_args = {"-Wall", "-Wextra"};
  options.opt_level = 0;
  std::string error;
  std::unique_ptr<interp::Interpreter> interp = interp::Interpreter::Create(options, &error);
  EXPECT_NE(interp, nullptr) << error;
  return interp;
}

interp::UnitMode UnitModeOf(const CompilerMode& mode) {
  return interp::UnitMode{mode.opt_level, mode.assume_unique_vtables, mode.strict_vtable_pointers};
}

// Generates seeds [0, kSeeds) in units of kPerUnit, JITs the units whose index is `mode_index`
// modulo the number of modes in AllCompilerModes()[mode_index], and checks every hierarchy.
// Prints the time it took.
void CheckSeedsInMode(size_t mode_index) {
  const std::vector<CompilerMode> modes = AllCompilerModes();
  const CompilerMode mode = modes.at(mode_index);
  const std::string mode_text = DescribeCompilerMode(mode);
  const auto start = std::chrono::steady_clock::now();
  double compile_seconds = 0;
  int failures = 0, units = 0, seeds = 0;
  long calls_checked = 0;
  std::unique_ptr<interp::Interpreter> interp;
  for (int first = static_cast<int>(mode_index) * kPerUnit; first < kSeeds;
       first += static_cast<int>(modes.size()) * kPerUnit) {
    if (units % kUnitsPerInterpreter == 0) {
      interp.reset();  // before the next one: one at a time in memory
      interp = NewInterpreter();
    }
    ASSERT_NE(interp, nullptr);
    ++units;
    std::vector<Hierarchy> batch;
    std::string tu;
    for (int seed = first; seed < first + kPerUnit && seed < kSeeds; ++seed) {
      ByteSource src = ByteSource::FromSeed(static_cast<std::uint64_t>(seed));
      batch.push_back(Generate(src, GenPolicy{}));
      (void)DrawCompilerMode(src, GenPolicy{});  // as the harness draws: model, mode, variants
      DrawSourceVariants(src, GenPolicy{}, &batch.back());
      tu += EmitSource(batch.back(), "s" + std::to_string(seed));
      ++seeds;
    }
    const auto compile_start = std::chrono::steady_clock::now();
    std::string diagnostics;
    const bool ok = interp->Compile(tu, UnitModeOf(mode), &diagnostics);
    compile_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - compile_start).count();
    ASSERT_TRUE(ok) << "seeds " << first << ".. (" << mode_text << "): " << diagnostics.substr(0, 4000);
    ASSERT_EQ(diagnostics, "") << "seeds " << first << ".. (" << mode_text << "): diagnostics (first 4000 chars):\n"
                               << diagnostics.substr(0, 4000);
    for (size_t i = 0; i < batch.size(); ++i) {
      const int seed = first + static_cast<int>(i);
      const std::string ns = "s" + std::to_string(seed);
      const std::string errors = HierarchyCheck(batch[i], ns, *interp).Run();
      for (const ClassStubs& st : PlanStubs(batch[i]).classes) calls_checked += static_cast<long>(st.calls.size());
      if (errors.empty()) continue;
      ++failures;
      ADD_FAILURE() << "seed " << seed << " (namespace " << ns << ", " << mode_text << "):\n"
                    << errors.substr(0, 3000)
                    << (failures <= kMaxReportedFailures ? DescribeHierarchy(batch[i]) : std::string());
      ASSERT_LT(failures, 50) << "too many failing hierarchies; stopping";
    }
  }
  EXPECT_GT(seeds, 0);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("GenJit: %d seeds in %d units, %s: %.1f s total, %.1f s of it in Compile "
              "(the rest is mostly JIT code generation at the first lookup into a unit); %ld call "
              "stubs (per static type); %d failing hierarchies\n",
              seeds, units, mode_text.c_str(), seconds, compile_seconds, calls_checked, failures);
}

class GenJitMode : public ::testing::TestWithParam<size_t> {};

// Without overlays the mode is invisible to the checks (no clone for a vptr comparison to
// fail, no vptr changed under a kept load): every mode must give the modelled behaviour.
TEST_P(GenJitMode, ConsecutiveSeedsCompileCleanAndDispatchAsModeled) { CheckSeedsInMode(GetParam()); }

INSTANTIATE_TEST_SUITE_P(EveryMode, GenJitMode, ::testing::Range<size_t>(0, AllCompilerModes().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           const CompilerMode m = AllCompilerModes()[info.param];
                           return "O" + std::to_string(m.opt_level) + (m.assume_unique_vtables ? "_unique" : "") +
                                  (m.strict_vtable_pointers ? "_strict" : "");
                         });

}  // namespace
}  // namespace vto::gen
