// subobjects.h — the subobject lattice of a complete object of one class.
//
// Defines vto::gen::SubobjectGraph. Node 0 is the complete object; every node is one base
// class subobject, with edges to its direct base subobjects in base-specifier order. A virtual
// base is one node shared by all paths that reach it; a non-virtual base reached along two
// paths is two nodes (the non-virtual diamond). The C++ rules in cxx_rules.h work on nodes,
// because "which subobject" is what an overrider's `this` and an ambiguity are about.
//
// A node's subtree (Contains) is the subobject graph of its own class as a complete object
// (its virtual bases are the shared nodes of the enclosing object), which is how the rules
// model "during construction of level K the object behaves as a K".
//
// Example:
//   SubobjectGraph g(h, c);
//   for (int n : g.ConstructionOrder()) { /* constructor body of class g.node(n).cls runs */ }
//
// Thread-safety: immutable after construction; safe to share.
#ifndef VTO_GEN_SUBOBJECTS_H
#define VTO_GEN_SUBOBJECTS_H

#include <cstddef>
#include <cstdint>
#include <vector>

#include "gen/model.h"

namespace vto::gen {

struct Subobject {
  int cls = 0;
  bool is_virtual = false;  // a virtual base subobject (reached only through virtual edges)
  int parent = -1;          // the node whose base list first reached this one; -1 for node 0
  std::vector<int> bases;   // direct base subobjects, in base-specifier order
};

class SubobjectGraph {
 public:
  // The graph of a complete `cls` object. REQUIRES: h.classes[0..cls] are well-formed bases
  // (each base precedes its derived) and CountSubobjects(h, cls) is small (it is built eagerly).
  SubobjectGraph(const Hierarchy& h, int cls);

  [[nodiscard]] int size() const { return static_cast<int>(nodes_.size()); }
  [[nodiscard]] const Subobject& node(int n) const { return nodes_[n]; }

  // True if `inner` is `outer` or a (direct or indirect) base subobject of it.
  [[nodiscard]] bool Contains(int outer, int inner) const {
    return (reach_[static_cast<size_t>(outer) * words_ + inner / 64] >> (inner % 64)) & 1;
  }
  // Nodes of class `cls` inside `within`'s subtree, in node order.
  [[nodiscard]] std::vector<int> OfClass(int cls, int within = 0) const;
  // The one node of class `cls` in `within`'s subtree, or -1 if there is none or more than one
  // (an ambiguous base).
  [[nodiscard]] int Unique(int cls, int within = 0) const;

  // The nodes whose constructor bodies run, in order, when the complete object is built:
  // virtual bases first (in the order of VirtualBaseOrder), each with its non-virtual bases
  // before it, then the non-virtual bases of node 0 depth-first left to right, then node 0.
  // Destructor bodies run in exactly the reverse order.
  [[nodiscard]] std::vector<int> ConstructionOrder() const;

  // Classes from the complete object down to `n`, each a direct base of the one before.
  [[nodiscard]] std::vector<int> PathTo(int n) const;

 private:
  int AddNode(const Hierarchy& h, int cls, bool is_virtual, int parent);
  void ConstructNonVirtual(int n, std::vector<int>& order) const;

  std::vector<Subobject> nodes_;
  std::vector<int> vbase_node_;  // class -> its virtual base node, or -1
  std::vector<int> vbase_order_; // virtual base classes of node 0 in initialization order
  int words_ = 0;                     // 64-bit words per row of reach_
  std::vector<std::uint64_t> reach_;  // row n: bit i set iff Contains(n, i)
};

// The virtual base classes of `cls`, in initialization order: for each direct base in order,
// first that base's virtual bases, then the base itself if it is virtual (each class once).
[[nodiscard]] std::vector<int> VirtualBaseOrder(const Hierarchy& h, int cls);

// Number of nodes SubobjectGraph(h, cls) would have, without building it (cheap even when the
// answer is huge). Saturates at 1'000'000.
[[nodiscard]] int CountSubobjects(const Hierarchy& h, int cls);

}  // namespace vto::gen

#endif  // VTO_GEN_SUBOBJECTS_H
