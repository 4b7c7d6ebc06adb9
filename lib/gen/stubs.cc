// stubs.cc — PlanStubs (see stubs.h).
#include "gen/stubs.h"

#include <utility>

#include "gen/cxx_rules.h"
#include "gen/subobjects.h"

namespace vto::gen {

StubPlan PlanStubs(const Hierarchy& h) {
  StubPlan plan;
  plan.num_signatures = static_cast<int>(h.signatures.size());
  const int n = static_cast<int>(h.classes.size());
  for (int c = 0; c < n; ++c) {
    const ClassModel& cm = h.classes[c];
    const SubobjectGraph g(h, c);
    ClassStubs stubs;
    stubs.new_and_delete = IsConcrete(cm);
    stubs.up.push_back(c);
    for (int s = 0; s < c; ++s)
      if (g.Unique(s) >= 0) stubs.up.push_back(s);
    if (cm.polymorphic) {
      stubs.typeid_and_void_cast = true;
      stubs.delete_via = cm.virtual_dtor;
      for (size_t name = 0; name < h.names.size(); ++name)
        for (int sig : h.names[name].sigs)
          if (ResolveCall(h, g, 0, static_cast<int>(name), sig) >= 0)
            stubs.calls.push_back(VirtualCall{static_cast<int>(name), sig});
      // Targets are the polymorphic classes. A cast to a base is a static upcast and needs an
      // unambiguous base; to any other class it is a run-time cast.
      for (int t = 0; t < n; ++t)
        if (h.classes[t].polymorphic && g.OfClass(t).size() <= 1) stubs.dyncasts.push_back(t);
    }
    plan.classes.push_back(std::move(stubs));
  }
  return plan;
}

}  // namespace vto::gen
