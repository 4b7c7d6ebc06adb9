// install_target.cc — drawing where an overlay is installed (install_target.h).
#include "harness/install_target.h"

#include <vector>

#include "harness/contract_rules.h"

namespace vto::harness {
namespace {

// Fills the reflected subobject of `at` (instance fields set) per the contract.
InstallTarget Select(const ClassTables& t, void* obj, bool walk, InstallTarget at) {
  const gen::SubobjectGraph& g = t.ex().graph();
  const std::vector<int> nodes = g.OfClass(at.reflected);
  std::vector<std::ptrdiff_t> offsets;
  for (int n : nodes) offsets.push_back(t.OffsetOf(obj, n, walk));
  const int k = ReflectedSubobject(offsets, at.instance_off);
  if (k >= 0) {
    at.reflected_node = nodes[static_cast<size_t>(k)];
    at.reflected_path = t.PathOf(at.reflected_node);
    at.reflected_off = offsets[static_cast<size_t>(k)];
  }
  return at;
}

}  // namespace

bool Reflectable(const CompiledHierarchy& ch, const ClassTables& t) {
  return ch.model.classes[static_cast<size_t>(t.cls)].polymorphic;
}

InstallTarget TargetAt(const ClassTables& t, void* obj, bool more_derived, int instance_node, int reflected) {
  InstallTarget at;
  at.reflected = reflected;
  at.instance_node = instance_node;
  at.instance_path = t.PathOf(instance_node);
  at.instance_off = instance_node == 0 ? 0 : t.OffsetOf(obj, instance_node, more_derived);
  at.instance = static_cast<char*>(obj) + at.instance_off;
  return Select(t, obj, more_derived, at);
}

InstallTarget DrawInstallTarget(gen::ByteSource& src, const CompiledHierarchy& ch, const ClassTables& t, void* obj,
                                bool more_derived, const TargetPolicy& policy) {
  if (!t.has_multiple_vptrs || !policy.subobjects) {
    // One vptr: the earlier draw, byte for byte.
    std::vector<int> reflectable;
    for (int s : ch.plan.classes[static_cast<size_t>(t.cls)].up) {
      if (ch.model.classes[static_cast<size_t>(s)].polymorphic && gen::IsNameable(ch.model, s)) reflectable.push_back(s);
    }
    return ObjectTarget(t, obj, more_derived, reflectable[src.Below(static_cast<uint32_t>(reflectable.size()))]);
  }
  const gen::SubobjectGraph& g = t.ex().graph();
  const std::vector<int>& poly = t.polymorphic_nodes;
  int instance_node = 0;
  if (!src.Chance(policy.complete_object)) instance_node = poly[src.Below(static_cast<uint32_t>(poly.size()))];
  // R: the class of a polymorphic subobject a binding can name (never a local class).
  std::vector<int> from;
  if (src.Chance(policy.within_instance)) {
    for (int n : poly) {
      if (g.Contains(instance_node, n) && gen::IsNameable(ch.model, g.node(n).cls)) from.push_back(n);
    }
  }
  if (from.empty()) {
    for (int n : poly) {
      if (gen::IsNameable(ch.model, g.node(n).cls)) from.push_back(n);
    }
  }
  const int reflected = g.node(from[src.Below(static_cast<uint32_t>(from.size()))]).cls;
  return TargetAt(t, obj, more_derived, instance_node, reflected);
}

}  // namespace vto::harness
