// lifecycle_log.cc — fuzz_lifecycle's scenario log and failure reports (lifecycle_model.h).
// The log is kept as data (LogEv) and rendered only for a failure or --vto-verbose.
#include <cstdio>
#include <string>

#include "gen/conventions.h"
#include "gen/describe.h"
#include "gen/lifecycle_kit.h"
#include "harness/failure.h"
#include "harness/lifecycle_model.h"

namespace vto::harness::lifecycle {

void LifecycleScenario::Fail(const std::string& what) const {
  SetFailureContext("hierarchy " + ch_.ns + " (generator version " + std::to_string(gen::kGeneratorVersion) +
                    ", backend " + b_.name() + ")\n" + gen::DescribeHierarchy(h_) + "\nscenario so far:\n" + RenderLog());
  harness::Fail("hierarchy " + ch_.ns + ": " + what);
}

void LifecycleScenario::FailThunk(const void* self, const std::string& what) {
  static_cast<const LifecycleScenario*>(self)->Fail(what);
}

void LifecycleScenario::Log(Ev kind, int obj, int a, int b, int c) {
  const LogEv e{kind, obj, a, b, c};
  if (log_.size() < kMaxLogLines) log_.push_back(e);
  if (verbose_ > 0) std::fprintf(stderr, "  %s\n", Render(e).c_str());
}

std::string LifecycleScenario::ClassOf(int cls, int x) const { return x ? gen::LcXName(cls) : gen::ClassName(cls); }

std::string LifecycleScenario::Render(const LogEv& e) const {
  const Obj* o = e.obj >= 0 && static_cast<size_t>(e.obj) < objs_.size() ? &objs_[static_cast<size_t>(e.obj)] : nullptr;
  auto d = [&] { return o ? Describe(*o) : std::string("?"); };
  switch (e.kind) {
    case Ev::kBorn: return "born " + d();
    case Ev::kInsideCtor: return "  inside the constructor of " + d();
    case Ev::kCreate:
      return "create " + std::string(kStoreNames[e.a]) + " " + ClassOf(e.obj, e.b) + " mode " + std::to_string(e.c);
    case Ev::kCreateVector: return "create vector<" + ClassOf(e.obj, e.b) + ">";
    case Ev::kVectorPush: return "vector push";
    case Ev::kCreateArray: return "create new " + ClassOf(e.obj, e.b) + "[" + std::to_string(e.a) + "]";
    case Ev::kEnter: return "enter " + std::string(kStoreNames[e.a]) + " " + ClassOf(e.obj, e.b);
    case Ev::kLeft: return "left " + d();
    case Ev::kUnwound: return "unwound " + d();
    case Ev::kInstall:
      return "install on " + d() + " reflected as " + gen::ClassName(e.a) + (e.b ? " +hook" : "") + " -> " +
             std::to_string(e.c);
    case Ev::kPropagate: return "call " + gen::MethodName(e.a) + " on " + d() + ", propagating its exception";
    case Ev::kThrow: return "throw";
    case Ev::kTeardown:
      return "teardown overlay " + std::to_string(e.a) + " of " + d() + " -> " + std::to_string(e.b);
    case Ev::kDied: return "died by " + std::string(kPathNames[e.a]) + ": " + d();
    case Ev::kAbandon: return std::string(e.b ? "teardown after the death of " : "abandon ") + d() + " -> " + std::to_string(e.a);
    case Ev::kUnlink: return "unlink " + d();
    case Ev::kLink: return "link " + d() + " -> object #" + std::to_string(e.a);
    case Ev::kWeakLink: return "weak-link " + d() + " -> object #" + std::to_string(e.a);
  }
  return "?";
}

std::string LifecycleScenario::RenderLog() const {
  std::string out;
  for (const LogEv& e : log_) out += "  " + Render(e) + "\n";
  if (log_.size() >= kMaxLogLines) out += "  ... (log truncated)\n";
  return out;
}

std::string LifecycleScenario::Describe(const Obj& o) const {
  return "object #" + std::to_string(o.id) + " (" + (o.x ? gen::LcXName(o.cls) : gen::ClassName(o.cls)) + " by " +
         kStoreNames[static_cast<int>(o.store)] + " at " + Hex(o.ptr) + ")";
}

std::string LifecycleScenario::TypeName(const Obj& o) const {
  if (!o.x) return gen::ExpectedTypeName(ch_.model, ch_.ns, o.cls);
  const std::string xn = gen::LcXName(o.cls);
  return "N" + std::to_string(ch_.ns.size()) + ch_.ns + std::to_string(xn.size()) + xn + "E";
}

}  // namespace vto::harness::lifecycle
