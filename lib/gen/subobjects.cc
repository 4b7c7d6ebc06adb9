// subobjects.cc — SubobjectGraph (see subobjects.h).
#include "gen/subobjects.h"

#include <algorithm>
#include <cassert>

namespace vto::gen {
namespace {

constexpr long long kCountCap = 1'000'000;

void AppendOnce(std::vector<int>& list, int v) {
  if (std::find(list.begin(), list.end(), v) == list.end()) list.push_back(v);
}

// Virtual base orders of classes 0..last, each computed from its bases' (memoized by class).
std::vector<std::vector<int>> AllVirtualBaseOrders(const Hierarchy& h, int last) {
  std::vector<std::vector<int>> order(last + 1);
  for (int c = 0; c <= last; ++c) {
    for (const Base& b : h.classes[c].bases) {
      assert(b.cls < c && "bases precede derived classes");
      for (int v : order[b.cls]) AppendOnce(order[c], v);
      if (b.is_virtual) AppendOnce(order[c], b.cls);
    }
  }
  return order;
}

}  // namespace

std::vector<int> VirtualBaseOrder(const Hierarchy& h, int cls) {
  return AllVirtualBaseOrders(h, cls)[cls];
}

int CountSubobjects(const Hierarchy& h, int cls) {
  // nonvirtual[c]: nodes of a c subobject not counting its virtual bases.
  std::vector<long long> nonvirtual(cls + 1, 0);
  for (int c = 0; c <= cls; ++c) {
    long long n = 1;
    for (const Base& b : h.classes[c].bases)
      if (!b.is_virtual) n = std::min(kCountCap, n + nonvirtual[b.cls]);
    nonvirtual[c] = n;
  }
  long long total = nonvirtual[cls];
  for (int v : VirtualBaseOrder(h, cls)) total = std::min(kCountCap, total + nonvirtual[v]);
  return static_cast<int>(total);
}

SubobjectGraph::SubobjectGraph(const Hierarchy& h, int cls)
    : vbase_node_(h.classes.size(), -1), vbase_order_(VirtualBaseOrder(h, cls)) {
  AddNode(h, cls, /*is_virtual=*/false, /*parent=*/-1);
  const int n = size();
  words_ = (n + 63) / 64;
  reach_.assign(static_cast<size_t>(n) * words_, 0);
  // Post-order over the DAG: a node's reach is itself plus its bases' reach.
  std::vector<char> done(n, 0);
  std::vector<std::pair<int, size_t>> stack = {{0, 0}};
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < nodes_[node].bases.size()) {
      const int b = nodes_[node].bases[next++];
      if (!done[b]) stack.push_back({b, 0});
      continue;
    }
    std::uint64_t* row = &reach_[static_cast<size_t>(node) * words_];
    row[node / 64] |= std::uint64_t{1} << (node % 64);
    for (int b : nodes_[node].bases) {
      const std::uint64_t* brow = &reach_[static_cast<size_t>(b) * words_];
      for (int w = 0; w < words_; ++w) row[w] |= brow[w];
    }
    done[node] = 1;
    stack.pop_back();
  }
}

int SubobjectGraph::AddNode(const Hierarchy& h, int cls, bool is_virtual, int parent) {
  const int index = size();
  nodes_.push_back(Subobject{cls, is_virtual, parent, {}});
  for (const Base& b : h.classes[cls].bases) {
    int child;
    if (b.is_virtual) {
      child = vbase_node_[b.cls];
      if (child < 0) {
        child = AddNode(h, b.cls, /*is_virtual=*/true, index);
        vbase_node_[b.cls] = child;
      }
    } else {
      child = AddNode(h, b.cls, /*is_virtual=*/false, index);
    }
    nodes_[index].bases.push_back(child);
  }
  return index;
}

std::vector<int> SubobjectGraph::OfClass(int cls, int within) const {
  std::vector<int> out;
  for (int i = 0; i < size(); ++i)
    if (nodes_[i].cls == cls && Contains(within, i)) out.push_back(i);
  return out;
}

int SubobjectGraph::Unique(int cls, int within) const {
  int found = -1;
  for (int i = 0; i < size(); ++i) {
    if (nodes_[i].cls != cls || !Contains(within, i)) continue;
    if (found >= 0) return -1;
    found = i;
  }
  return found;
}

void SubobjectGraph::ConstructNonVirtual(int n, std::vector<int>& order) const {
  for (int b : nodes_[n].bases)
    if (!nodes_[b].is_virtual) ConstructNonVirtual(b, order);
  order.push_back(n);
}

std::vector<int> SubobjectGraph::ConstructionOrder() const {
  std::vector<int> order;
  for (int v : vbase_order_) ConstructNonVirtual(vbase_node_[v], order);
  ConstructNonVirtual(0, order);
  return order;
}

std::vector<int> SubobjectGraph::PathTo(int n) const {
  std::vector<int> path;
  for (int i = n; i >= 0; i = nodes_[i].parent) path.push_back(nodes_[i].cls);
  std::reverse(path.begin(), path.end());
  return path;
}

}  // namespace vto::gen
