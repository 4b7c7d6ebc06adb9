// class_tables.h — everything a scenario needs about objects of one class of a compiled
// hierarchy, computed once and reused by every input: resolved stub pointers, the model's
// expected result of every planned call, cast and typeid, the construction/destruction
// traces, and the offsets of subobjects (constant for complete objects of one class).
// Without it each input would rebuild stub names, hash them and re-derive expectations.
//
// Owned by the CompiledHierarchy (HierarchyCache), built lazily by Tables(). Thread-
// compatible.
#ifndef VTO_HARNESS_CLASS_TABLES_H
#define VTO_HARNESS_CLASS_TABLES_H

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "gen/expect.h"
#include "harness/hierarchy_cache.h"
#include "harness/vptr_words.h"

namespace vto::harness {

using NewFn = void* (*)();
using PtrFn = void* (*)(void*);
using CallFn = long (*)(void*);
using NameFn = const char* (*)(void*);
using DeleteFn = void (*)(void*);

struct CallCheck {
  int s = -1;                 // static type
  gen::VirtualCall call;
  CallFn fn = nullptr;
  gen::Expected expected;     // the model's final overrider and its `this`
};

struct CastCheck {
  int target = -1;            // gen::kVoidTarget for dynamic_cast<void*>
  PtrFn fn = nullptr;
  std::optional<gen::SubobjectPath> expected;  // nullopt: a null result
};

struct IdentityCheck {
  int s = -1;
  NameFn type_fn = nullptr;
  std::vector<CastCheck> casts;
};

class ClassTables {
 public:
  ClassTables(const CompiledHierarchy& ch, int cls);

  int cls;
  NewFn make = nullptr;
  DeleteFn del = nullptr;
  std::vector<PtrFn> up;            // by static class; nullptr where there is no up stub
  std::vector<DeleteFn> delete_via; // by static class; nullptr where there is none
  std::vector<CallCheck> calls;     // every planned call through every static type
  std::vector<IdentityCheck> identity;
  std::vector<gen::Expected> construction, destruction;
  std::string type_name;            // expected typeid(...).name()
  // Whose own operator new/delete `new` and `delete` of this class call (gen::AllocationOwner;
  // -1: the global ones), and the alignment they pass (the class's alignas; 0: none).
  int alloc_owner = -1;
  std::size_t alloc_align = 0;
  // Layout facts from the model (never from clang), deciding which refusals a backend's
  // capabilities allow.
  bool has_virtual_bases = false;
  bool has_multiple_vptrs = false;  // a polymorphic subobject off the primary-base chain
  // Every polymorphic subobject (a node of ex().graph(): where an instance pointer may point
  // and a vptr sits), in node order; node 0 first when the class is polymorphic.
  std::vector<int> polymorphic_nodes;
  const gen::ObjectExpectations& ex() const { return *ex_; }

  // The check for a call of (name, sig) through static type s, or nullptr.
  [[nodiscard]] const CallCheck* Find(int s, int name, int sig) const;

  // A call of (name, sig) through polymorphic subobject `node` of ex().graph(), as an
  // overlay reflecting that subobject replaces it: its final overrider (nullopt: the call
  // does not resolve there), and whether the contract refuses to replace it because some
  // vtable entry adjusts its returned pointer (return_adjustment.h, CONTRACT R19). Computed
  // on first use; the reference stays valid as long as the tables.
  struct ReflectedCall {
    std::optional<gen::Expected> expected;
    bool return_adjusted = false;
  };
  [[nodiscard]] const ReflectedCall& CallAt(int node, int name, int sig) const;
  // ex().graph().PathTo(node), computed once; the reference stays valid as long as the tables.
  [[nodiscard]] const gen::SubobjectPath& PathOf(int node) const { return node_paths_[static_cast<size_t>(node)]; }
  // Every subobject of class `c` (ex().graph().OfClass(c)), in node order, computed once.
  [[nodiscard]] const std::vector<int>& NodesOf(int c) const { return nodes_of_class_[static_cast<size_t>(c)]; }
  // The subobject `path` of the complete object `obj` of exactly this class (first use per
  // path walks the up stubs; later uses add a cached offset).
  [[nodiscard]] void* PointerOf(void* obj, const gen::SubobjectPath& path) const;
  // The same for `obj` whose dynamic type is MORE derived than this class (virtual bases
  // then sit elsewhere): always walks the up stubs, never reads or fills the cache.
  [[nodiscard]] void* WalkPath(void* obj, const gen::SubobjectPath& path) const;
  // The offset of subobject `node` of ex().graph() from `obj`: PointerOf its path (cached
  // by node), or (`walk`: obj's dynamic type is more derived) WalkPath.
  [[nodiscard]] std::ptrdiff_t OffsetOf(void* obj, int node, bool walk = false) const;
  // Where every vptr of `obj` sits: the offsets of polymorphic_nodes (duplicates included).
  [[nodiscard]] std::vector<std::ptrdiff_t> VptrOffsets(void* obj) const;
  // Captures the vptrs at those offsets into `words` (walked where `walk`, as OffsetOf),
  // without building the list.
  void CaptureVptrs(void* obj, bool walk, VptrWords* words) const;

 private:
  // The subobject `node` of `obj`, reached through node_walk_[node].
  [[nodiscard]] void* WalkNode(void* obj, int node) const;

  const CompiledHierarchy& ch_;
  std::unique_ptr<gen::ObjectExpectations> ex_;
  std::unordered_map<uint64_t, size_t> call_index_;
  mutable std::map<gen::SubobjectPath, std::ptrdiff_t> offsets_;
  std::vector<gen::SubobjectPath> node_paths_;  // by node of ex().graph()
  std::vector<std::vector<int>> nodes_of_class_;  // by class: its nodes of ex().graph()
  std::vector<std::vector<PtrFn>> node_walk_;   // by node: the up stubs along its path
  mutable std::vector<std::ptrdiff_t> node_offsets_;  // by node; kUnknownOffset until first use
  mutable std::unordered_map<uint64_t, ReflectedCall> reflected_calls_;
  // By from * classes + to: the up stub from class `from` to its direct base `to` (WalkPath's
  // steps), looked up by name on first use.
  mutable std::vector<PtrFn> base_up_;
};

// The capabilities (VTO_CAP_*) an overlay request on an object of these tables needs and
// `caps` lacks, as " virtual-bases stacking ..." ("" when the backend must accept it).
[[nodiscard]] std::string MissingCapabilities(const ClassTables& t, uint32_t caps, bool hook, bool extra_slots,
                                              bool stacked, bool more_derived);

// The tables of class `cls` of `ch`, built on first use.
[[nodiscard]] const ClassTables& Tables(const CompiledHierarchy& ch, int cls);

}  // namespace vto::harness

#endif  // VTO_HARNESS_CLASS_TABLES_H
