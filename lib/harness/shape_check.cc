// shape_check.cc — CheckReflectedShape (see shape_check.h).
#include "harness/shape_check.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gen/expect.h"
#include "gen/primary_vtable.h"
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
  const gen::SubobjectGraph& g = t.ex().graph();
  std::vector<int> at_zero;  // nodes other than the object with a vptr at offset 0
  bool elsewhere = false;
  for (int n = 1; n < g.size(); ++n) {
    if (!gen::IsDynamic(h, g.node(n).cls)) continue;
    if (t.OffsetOf(obj, n) == 0) at_zero.push_back(n);
    else elsewhere = true;
  }
  // Nearest first: each one's class is a base of the classes before it, and a base precedes
  // its derived classes in the model (a chain through a virtual base need not follow the
  // subobject graph's edges, so the class order decides).
  std::sort(at_zero.begin(), at_zero.end(), [&](int a, int b) { return g.node(a).cls > g.node(b).cls; });
  std::vector<std::string> want;
  for (int n : at_zero) want.push_back(gen::ExpectedTypeName(h, ch.ns, g.node(n).cls));
  auto on = [&] { return " of the reflected shape of " + gen::ClassName(t.cls) + " (" + shape.name + ")"; };
  oracle.Verify(Expectation::Holds(), Value::Bool(shape.primary_bases == want), [&] {
    return Spelling{"primary_bases" + on() + " lists the classes sharing its vptr at offset 0, nearest first: " +
                        Join(want) + ", not " + Join(shape.primary_bases),
                    "", {}, {}};
  });
  oracle.Verify(Expectation::Holds(), Value::Bool(shape.has_secondary_vptrs == elsewhere), [&] {
    return Spelling{"has_secondary_vptrs" + on() + " is " + (elsewhere ? "true" : "false") +
                        ": a subobject with a vptr sits " + (elsewhere ? "off" : "only at") + " offset 0",
                    "", {}, {}};
  });
  oracle.Verify(Expectation::Holds(), Value::Bool(shape.has_virtual_bases == t.has_virtual_bases), [&] {
    return Spelling{"has_virtual_bases" + on() + " is " + (t.has_virtual_bases ? "true" : "false"), "", {},
                    {}};
  });
}

}  // namespace vto::harness
