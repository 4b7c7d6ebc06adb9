// expect.cc — the expectation pass (see expect.h).
#include "gen/expect.h"

#include <algorithm>
#include <cassert>

#include "gen/cxx_rules.h"
#include "gen/stub_names.h"

namespace vto::gen {

ObjectExpectations::ObjectExpectations(const Hierarchy& h, int dynamic_class)
    : h_(h), cls_(dynamic_class), g_(h, dynamic_class) {}

SubobjectPath ObjectExpectations::PathOf(int static_class) const {
  const int s = g_.Unique(static_class);
  assert(s >= 0 && "PathOf: not an unambiguous base");
  return g_.PathTo(s);
}

std::optional<Expected> ObjectExpectations::Call(int static_class, int name, int sig) const {
  const int s = g_.Unique(static_class);
  if (s < 0) return std::nullopt;
  return CallAt(s, name, sig);
}

std::optional<Expected> ObjectExpectations::CallAt(int s, int name, int sig) const {
  const int static_class = g_.node(s).cls;
  if (!h_.classes[static_class].polymorphic) return std::nullopt;
  const int found = ResolveCall(h_, g_, s, name, sig);
  if (found < 0) return std::nullopt;
  const int overrider = FinalOverrider(h_, g_, 0, found, name, sig);
  assert(overrider >= 0 && "a valid hierarchy has unique final overriders");
  const Method* m = FindMethod(h_, g_.node(overrider).cls, name, sig);
  assert(!m->pure && "the dynamic class must be concrete");
  // What clang can see statically: the overrider within the static type.
  const int static_overrider = FinalOverrider(h_, g_, s, found, name, sig);
  Expected e;
  e.impl_id = m->impl_id;
  e.this_class = g_.node(overrider).cls;
  e.this_path = g_.PathTo(overrider);
  e.may_devirtualize = IsEffectivelyFinal(h_, static_class) ||
                       FindMethod(h_, g_.node(static_overrider).cls, name, sig)->is_final;
  return e;
}

std::vector<Expected> ObjectExpectations::BodyCalls(int node,
                                                    const std::vector<VirtualCall>& calls) const {
  std::vector<Expected> out;
  for (const VirtualCall& call : calls) {
    // While this node's constructor or destructor body runs, the node is the complete object.
    const int found = ResolveCall(h_, g_, node, call.name, call.sig);
    assert(found >= 0);
    const int overrider = FinalOverrider(h_, g_, node, found, call.name, call.sig);
    assert(overrider >= 0);
    Expected e;
    e.impl_id = FindMethod(h_, g_.node(overrider).cls, call.name, call.sig)->impl_id;
    e.this_class = g_.node(overrider).cls;
    e.this_path = g_.PathTo(overrider);
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<Expected> ObjectExpectations::ConstructionTrace() const {
  std::vector<Expected> out;
  for (int node : g_.ConstructionOrder()) {
    std::vector<Expected> level = BodyCalls(node, h_.classes[g_.node(node).cls].ctor_calls);
    out.insert(out.end(), level.begin(), level.end());
  }
  return out;
}

std::vector<Expected> ObjectExpectations::DestructionTrace() const {
  std::vector<Expected> out;
  std::vector<int> order = g_.ConstructionOrder();
  std::reverse(order.begin(), order.end());
  for (int node : order) {
    std::vector<Expected> level = BodyCalls(node, h_.classes[g_.node(node).cls].dtor_calls);
    out.insert(out.end(), level.begin(), level.end());
  }
  return out;
}

std::optional<SubobjectPath> ObjectExpectations::DynamicCast(int static_class, int target) const {
  const int s = g_.Unique(static_class);
  assert(s >= 0);
  if (target == kVoidTarget) return g_.PathTo(0);  // the most derived object
  // [expr.dynamic.cast]/5: to a base (or the same class) it is a static upcast.
  const std::vector<int> in_static = g_.OfClass(target, s);
  if (!in_static.empty()) {
    assert(in_static.size() == 1 && "no stub for a cast to an ambiguous base");
    return g_.PathTo(in_static[0]);
  }
  // [expr.dynamic.cast]/8 (all bases are public): a downcast if exactly one `target` object
  // contains the subobject, else a cross-cast if `target` is an unambiguous base of the
  // complete object, else null.
  std::vector<int> containing;
  for (int t : g_.OfClass(target))
    if (g_.Contains(t, s)) containing.push_back(t);
  if (containing.size() == 1) return g_.PathTo(containing[0]);
  const int unique = g_.Unique(target);
  if (unique >= 0) return g_.PathTo(unique);
  return std::nullopt;
}

std::string ExpectedTypeName(const Hierarchy& h, std::string_view ns, int cls) {
  if (IsLocalClass(h, cls)) {
    // A local class: Z <its function's encoding> E <name> ([encoding], Itanium ABI 5.1.6).
    const std::string fn = LocalFunctionName(cls), c = ClassName(cls);
    return "ZN" + std::to_string(ns.size()) + std::string(ns) + std::to_string(fn.size()) + fn + "EvE" +
           std::to_string(c.size()) + c;
  }
  const std::string inner = ClassNamespace(h, cls);
  const std::string c = IsTemplateClass(h, cls) ? TemplateName(cls) : ClassName(cls);
  const std::string args = IsTemplateClass(h, cls) ? "ILi" + std::to_string(cls) + "EE" : "";
  return "N" + std::to_string(ns.size()) + std::string(ns) + (inner.empty() ? "" : std::to_string(inner.size()) + inner) +
         (IsUnnamedNamespaceClass(h, cls) ? "12_GLOBAL__N_1" : "") + std::to_string(c.size()) + c + args + "E";
}

}  // namespace vto::gen
