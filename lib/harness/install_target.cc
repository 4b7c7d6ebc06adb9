// install_target.cc — drawing where an overlay is installed (install_target.h).
#include "harness/install_target.h"

#include <vector>

#include "harness/contract_rules.h"
#include "harness/failure.h"

namespace vto::harness {
namespace {

// Fills the reflected subobject of `at` (instance fields set) per the contract.
InstallTarget Select(const ClassTables& t, void* obj, bool walk, InstallTarget at) {
  const std::vector<int>& nodes = t.NodesOf(at.reflected);
  // The offsets on the stack: a class rarely occurs more than a few times in one object.
  constexpr size_t kInline = 8;
  std::ptrdiff_t inline_offsets[kInline];
  std::vector<std::ptrdiff_t> more;
  std::ptrdiff_t* offsets = inline_offsets;
  if (nodes.size() > kInline) {
    more.resize(nodes.size());
    offsets = more.data();
  }
  for (size_t i = 0; i < nodes.size(); ++i) offsets[i] = t.OffsetOf(obj, nodes[i], walk);
  const int k = ReflectedSubobject(offsets, nodes.size(), at.instance_off);
  if (k >= 0) {
    at.reflected_node = nodes[static_cast<size_t>(k)];
    at.reflected_path = &t.PathOf(at.reflected_node);
    at.reflected_off = offsets[static_cast<size_t>(k)];
  }
  return at;
}

// Draws one of the `count` items for which `take(i)` holds, i < n (the same bytes as
// src.Below(count) into a list of them). REQUIRES: count > 0.
template <typename Take>
int DrawAmong(gen::ByteSource& src, size_t n, size_t count, Take take) {
  uint32_t k = src.Below(static_cast<uint32_t>(count));
  for (size_t i = 0; i < n; ++i) {
    if (take(i) && k-- == 0) return static_cast<int>(i);
  }
  HarnessError("DrawAmong: fewer items than counted");
}

template <typename Take>
size_t CountOf(size_t n, Take take) {
  size_t count = 0;
  for (size_t i = 0; i < n; ++i) count += take(i) ? 1 : 0;
  return count;
}

}  // namespace

bool Reflectable(const CompiledHierarchy& ch, const ClassTables& t) {
  return ch.model.classes[static_cast<size_t>(t.cls)].polymorphic;
}

InstallTarget TargetAt(const ClassTables& t, void* obj, bool more_derived, int instance_node, int reflected) {
  InstallTarget at;
  at.reflected = reflected;
  at.instance_node = instance_node;
  at.instance_path = &t.PathOf(instance_node);
  at.instance_off = instance_node == 0 ? 0 : t.OffsetOf(obj, instance_node, more_derived);
  at.instance = static_cast<char*>(obj) + at.instance_off;
  return Select(t, obj, more_derived, at);
}

InstallTarget DrawInstallTarget(gen::ByteSource& src, const CompiledHierarchy& ch, const ClassTables& t, void* obj,
                                bool more_derived, const TargetPolicy& policy) {
  // Each draw below picks among the items a predicate takes, in order, without building
  // the list (DrawAmong): the same bytes mean the same target as when it was built.
  if (!t.has_multiple_vptrs || !policy.subobjects) {
    // One vptr: the earlier draw, byte for byte.
    const std::vector<int>& up = ch.plan.classes[static_cast<size_t>(t.cls)].up;
    auto reflectable = [&](size_t i) {
      const int s = up[i];
      return ch.model.classes[static_cast<size_t>(s)].polymorphic && gen::IsNameable(ch.model, s);
    };
    const int k = DrawAmong(src, up.size(), CountOf(up.size(), reflectable), reflectable);
    return ObjectTarget(t, obj, more_derived, up[static_cast<size_t>(k)]);
  }
  const gen::SubobjectGraph& g = t.ex().graph();
  const std::vector<int>& poly = t.polymorphic_nodes;
  int instance_node = 0;
  if (!src.Chance(policy.complete_object)) instance_node = poly[src.Below(static_cast<uint32_t>(poly.size()))];
  // R: the class of a polymorphic subobject a binding can name (never a local class).
  auto nameable = [&](size_t i) { return gen::IsNameable(ch.model, g.node(poly[i]).cls); };
  auto within = [&](size_t i) { return g.Contains(instance_node, poly[i]) && nameable(i); };
  size_t count = src.Chance(policy.within_instance) ? CountOf(poly.size(), within) : 0;
  const int k = count > 0 ? DrawAmong(src, poly.size(), count, within)
                          : DrawAmong(src, poly.size(), CountOf(poly.size(), nameable), nameable);
  const int reflected = g.node(poly[static_cast<size_t>(k)]).cls;
  return TargetAt(t, obj, more_derived, instance_node, reflected);
}

}  // namespace vto::harness
