// shape_check.cc — CheckReflectedShape (see shape_check.h).
#include "harness/shape_check.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "gen/expect.h"
#include "gen/model.h"
#include "gen/subobjects.h"

namespace vto::harness {
namespace {

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return "[" + out + "]";
}

}  // namespace

void CheckReflectedShape(const CompiledHierarchy& ch, const ClassTables& t, void* obj, const ClassShape& shape,
                         const Oracle& oracle) {
  const gen::Hierarchy& h = ch.model;
  auto has_vptr = [&](int cls) {
    return h.classes[static_cast<size_t>(cls)].polymorphic || !gen::VirtualBaseOrder(h, cls).empty();
  };
  const gen::SubobjectGraph& g = t.ex().graph();
  std::vector<int> at_zero;  // nodes other than the object with a vptr at offset 0
  bool elsewhere = false;
  for (int n = 1; n < g.size(); ++n) {
    if (!has_vptr(g.node(n).cls)) continue;
    if (t.OffsetOf(obj, n) == 0) at_zero.push_back(n);
    else elsewhere = true;
  }
  // Nearest first: each one's class is a base of the classes before it (a chain through a
  // virtual base need not follow the subobject graph's edges), so order by how many of the
  // others derive from it.
  const std::vector<std::vector<char>> is_base = gen::BaseClosure(h);
  std::vector<std::pair<int, int>> ranked;  // (how many derive from it, node), keys taken before sorting
  for (int n : at_zero) {
    int k = 0;
    for (int m : at_zero) k += m != n && is_base[g.node(m).cls][g.node(n).cls] != 0;
    ranked.emplace_back(k, n);
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const std::pair<int, int>& a, const std::pair<int, int>& b) { return a.first < b.first; });
  std::vector<std::string> want;
  for (const auto& [k, n] : ranked) want.push_back(gen::ExpectedTypeName(h, ch.ns, g.node(n).cls));
  const std::string on = " of the reflected shape of " + gen::ClassName(t.cls) + " (" + shape.name + ")";
  oracle.Verify(Expectation::Holds(), Value::Bool(shape.primary_bases == want), [&] {
    return Spelling{"primary_bases" + on + " lists the classes sharing its vptr at offset 0, nearest first: " +
                        Join(want) + ", not " + Join(shape.primary_bases),
                    "", {}, {}};
  });
  oracle.Verify(Expectation::Holds(), Value::Bool(shape.has_secondary_vptrs == elsewhere), [&] {
    return Spelling{std::string("has_secondary_vptrs") + on + " is " + (elsewhere ? "true" : "false") +
                        ": a subobject with a vptr sits " + (elsewhere ? "off" : "only at") + " offset 0",
                    "", {}, {}};
  });
  const bool vbases = !gen::VirtualBaseOrder(h, t.cls).empty();
  oracle.Verify(Expectation::Holds(), Value::Bool(shape.has_virtual_bases == vbases), [&] {
    return Spelling{std::string("has_virtual_bases") + on + " is " + (vbases ? "true" : "false"), "", {}, {}};
  });
}

}  // namespace vto::harness
