// return_adjustment.cc — predicting CONTRACT R19's refusals (return_adjustment.h).
#include "harness/return_adjustment.h"

#include <vector>

#include "gen/conventions.h"
#include "gen/stub_names.h"

namespace vto::harness {

bool ReturnConversionAdjusts(const CompiledHierarchy& ch, int from, int to) {
  if (from == to) return false;
  const gen::SubobjectGraph g(ch.model, from);
  const int target = g.Unique(to);
  // Reachable from the complete object through non-virtual bases only?
  std::vector<int> todo = {0};
  bool non_virtual = false;
  while (!todo.empty() && !non_virtual) {
    const int n = todo.back();
    todo.pop_back();
    non_virtual = n == target;
    for (int b : g.node(n).bases)
      if (!g.node(b).is_virtual) todo.push_back(b);
  }
  if (!non_virtual) return true;
  // A static_cast along non-virtual bases only adds a constant: the stub is given an address
  // no object is at, which it never reads.
  alignas(64) static char probe[64];
  auto up = reinterpret_cast<void* (*)(void*)>(ch.Stub(gen::UpStubName(ch.ns, from, to)));
  return up(probe) != static_cast<void*>(probe);
}

int ReturnAdjustingDeclaration(const CompiledHierarchy& ch, const gen::Expected& e, int name, int sig) {
  if (!gen::ReturnsClass(ch.model, sig)) return -1;
  const int d = e.this_class;
  const gen::Method* overrider = gen::FindMethod(ch.model, d, name, sig);
  if (overrider == nullptr || overrider->ret_class < 0) return -1;
  const gen::SubobjectGraph g(ch.model, d);
  for (int b = 0; b < d; ++b) {
    if (g.OfClass(b).empty()) continue;  // not a base of the overrider's class
    const gen::Method* overridden = gen::FindMethod(ch.model, b, name, sig);
    if (overridden != nullptr && ReturnConversionAdjusts(ch, overrider->ret_class, overridden->ret_class)) return b;
  }
  return -1;
}

bool ReplacesReturnAdjusted(const CompiledHierarchy& ch, const gen::Expected& e, int name, int sig) {
  return ReturnAdjustingDeclaration(ch, e, name, sig) >= 0;
}

}  // namespace vto::harness
