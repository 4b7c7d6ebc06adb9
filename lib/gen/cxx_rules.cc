// cxx_rules.cc — name lookup, final overriders, derived facts (see cxx_rules.h).
#include "gen/cxx_rules.h"

#include <algorithm>
#include <cassert>

namespace vto::gen {
namespace {

// Removes every node contained in another node of the set (the most derived remain).
std::vector<int> MostDerived(const SubobjectGraph& g, const std::vector<int>& nodes) {
  std::vector<int> out;
  for (int a : nodes) {
    bool hidden = false;
    for (int b : nodes)
      if (b != a && g.Contains(b, a)) hidden = true;
    if (!hidden) out.push_back(a);
  }
  return out;
}

// The nearest subobjects below `n` (itself included) whose class declares the name.
template <typename Declares>
void CollectDeclaring(const SubobjectGraph& g, int n, const Declares& declares, std::vector<int>& found,
                      std::vector<char>& seen) {
  if (seen[n]) return;
  seen[n] = 1;
  if (declares(g.node(n).cls)) {
    found.push_back(n);
    return;  // a declaration hides everything of that name in this subobject's bases
  }
  for (int b : g.node(n).bases) CollectDeclaring(g, b, declares, found, seen);
}

// [class.member.lookup]: the subobjects whose declarations of a name lookup from `from`
// finds. A declaration found in a base subobject of another found subobject is hidden by it
// (with non-virtual bases that cannot happen: the walk stops at the first declaring
// subobject on each path; with virtual bases it can).
template <typename Declares>
std::vector<int> LookupSet(const SubobjectGraph& g, int from, const Declares& declares) {
  std::vector<int> found;
  std::vector<char> seen(g.size(), 0);
  CollectDeclaring(g, from, declares, found, seen);
  return MostDerived(g, found);
}

}  // namespace

int AllocationOwner(const Hierarchy& h, const SubobjectGraph& g, int from) {
  if (h.class_alloc.empty()) return -1;
  const std::vector<int> found = LookupSet(g, from, [&](int cls) { return ClassAlloc(h, cls) != 0; });
  if (found.empty()) return -1;
  // Static members: several subobjects of one class are one declaration set, not ambiguous.
  for (int n : found)
    if (g.node(n).cls != g.node(found[0]).cls) return kAmbiguousOwner;
  return g.node(found[0]).cls;
}

int AllocationOwner(const Hierarchy& h, int cls) {
  if (h.class_alloc.empty()) return -1;
  return AllocationOwner(h, SubobjectGraph(h, cls), 0);
}

MemberLookup LookupMember(const Hierarchy& h, const SubobjectGraph& g, int from, int name) {
  const std::vector<int> found = LookupSet(g, from, [&](int cls) { return DeclaresName(h, cls, name); });
  if (found.empty()) return {};
  if (found.size() > 1) return {MemberLookup::Kind::kAmbiguous, -1};
  return {MemberLookup::Kind::kFound, found[0]};
}

int ResolveCall(const Hierarchy& h, const SubobjectGraph& g, int from, int name, int sig) {
  const MemberLookup lookup = LookupMember(h, g, from, name);
  if (lookup.kind != MemberLookup::Kind::kFound) return -1;
  const int declaring = g.node(lookup.node).cls;
  if (FindMethod(h, declaring, name, sig) == nullptr) return -1;
  // [expr.ref]: the declaring class must be an unambiguous base of the naming class.
  if (g.Unique(declaring, from) != lookup.node) return -1;
  return lookup.node;
}

int DefaultedArgs(const Hierarchy& h, int cls, int name, int sig) {
  if (VariantEntry(h.default_arg_sigs, sig) == 0) return 0;
  const SubobjectGraph g(h, cls);
  const int found = ResolveCall(h, g, 0, name, sig);
  return found < 0 ? 0 : FindMethod(h, g.node(found).cls, name, sig)->defaults;
}

std::vector<int> FinalOverriders(const Hierarchy& h, const SubobjectGraph& g, int within,
                                 int node, int name, int sig) {
  assert(FindMethod(h, g.node(node).cls, name, sig) != nullptr);
  assert(g.Contains(within, node));
  std::vector<int> candidates;
  for (int d = 0; d < g.size(); ++d) {
    if (g.Contains(within, d) && g.Contains(d, node) &&
        FindMethod(h, g.node(d).cls, name, sig) != nullptr)
      candidates.push_back(d);
  }
  return MostDerived(g, candidates);
}

int FinalOverrider(const Hierarchy& h, const SubobjectGraph& g, int within, int node, int name,
                   int sig) {
  const std::vector<int> all = FinalOverriders(h, g, within, node, name, sig);
  return all.size() == 1 ? all[0] : -1;
}

bool IsAbstractAt(const Hierarchy& h, const SubobjectGraph& g, int within) {
  for (int n = 0; n < g.size(); ++n) {
    if (!g.Contains(within, n)) continue;
    for (const Method& m : h.classes[g.node(n).cls].methods) {
      const int fo = FinalOverrider(h, g, within, n, m.name, m.sig);
      if (fo >= 0 && FindMethod(h, g.node(fo).cls, m.name, m.sig)->pure) return true;
    }
  }
  return false;
}

void ComputeFacts(Hierarchy& h) {
  for (size_t c = 0; c < h.classes.size(); ++c) {
    ClassModel& cm = h.classes[c];
    cm.polymorphic = !cm.methods.empty() || cm.declares_virtual_dtor;
    cm.virtual_dtor = cm.declares_virtual_dtor;
    for (const Base& b : cm.bases) {
      cm.polymorphic = cm.polymorphic || h.classes[b.cls].polymorphic;
      cm.virtual_dtor = cm.virtual_dtor || h.classes[b.cls].virtual_dtor;
    }
    const SubobjectGraph g(h, static_cast<int>(c));
    // A pure destructor's final overrider is the class's own destructor: only it is abstract.
    cm.abstract = HasPureDtor(h, static_cast<int>(c)) || IsAbstractAt(h, g, 0);
  }
}

std::vector<int> ReturnClassCandidates(const Hierarchy& h, int cls, int name, int sig) {
  const SubobjectGraph g(h, cls);
  std::vector<int> returned;  // what the overridden declarations return
  for (int b = 0; b < cls; ++b) {
    if (g.OfClass(b).empty()) continue;  // not a base of cls
    if (const Method* m = FindMethod(h, b, name, sig)) returned.push_back(m->ret_class);
  }
  std::vector<int> out;
  for (int x = 0; x <= cls; ++x) {
    const int xn = g.Unique(x);
    if (xn < 0) continue;  // not a base, or an ambiguous one
    bool ok = true;
    for (int r : returned) ok = ok && r >= 0 && g.Unique(r, xn) >= 0;
    if (ok) out.push_back(x);
  }
  return out;
}

}  // namespace vto::gen
