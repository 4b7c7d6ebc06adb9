// failure.cc — oracle failures and harness errors.
#include "harness/failure.h"

#include "harness/finding.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace vto::harness {
namespace {
thread_local std::string g_context;
std::atomic<void (*)()> g_observer{nullptr};
}  // namespace

void SetFailureContext(std::string context) { g_context = std::move(context); }
const std::string& FailureContext() { return g_context; }

void SetFailureObserver(void (*observer)()) { g_observer.store(observer); }

void Fail(const std::string& what) {
  const FindingAction action = DecideFinding(what);
  if (action == FindingAction::kCount) {
    std::fprintf(stderr, "VTO FINDING (counted, not saved: %d inputs of its kind are): %s\n", kSavedPerKind,
                 FindingKind(what).c_str());
    throw OracleFinding{};
  }
  std::fprintf(stderr, "\nVTO ORACLE FAILURE: %s\n", what.c_str());
  if (!g_context.empty()) std::fprintf(stderr, "--- context ---\n%s\n", g_context.c_str());
  std::fflush(stderr);
  if (action == FindingAction::kSave && SaveFinding()) throw OracleFinding{};
  if (void (*observer)() = g_observer.load()) observer();
  std::abort();
}

std::string Hex(const void* p) {
  std::ostringstream o;
  o << p;
  return o.str();
}

void HarnessError(const std::string& what) {
  std::fprintf(stderr, "\nERROR: vtoverlay harness: %s\n", what.c_str());
  std::fflush(stderr);
  std::_Exit(kHarnessErrorExit);
}

}  // namespace vto::harness
