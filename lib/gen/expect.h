// expect.h — what the emitted program must do, computed from the model alone.
//
// Defines:
//   SubobjectPath, Expected   a function run on a subobject: which implementation, which `this`.
//   ObjectExpectations        for one dynamic class: the result of every planned call stub,
//                             the virtual calls its constructors and destructors make (level
//                             by level), and every dynamic_cast.
//   ExpectedTypeName          typeid(...).name() of a class (Itanium C++ ABI).
//
// This is the oracle: it follows the standard's rules (cxx_rules.h) on the model and never asks
// a compiler, so a disagreement with the JIT'd program is a finding, not a tautology.
//
// Locating `this`: a SubobjectPath lists classes from the complete object down to the
// subobject, each a direct base of the one before, so the runner reaches the pointer by
// chaining up stubs: p = up_<path[0]>_<path[1]>(p), then up_<path[1]>_<path[2]>(p), ... (each
// step is an unambiguous direct base). If the subobject's class is an unambiguous base of the
// dynamic class, up_<dynamic>_<this_class> gives the same pointer in one step.
//
// Example:
//   ObjectExpectations ex(h, c);
//   std::optional<Expected> e = ex.Call(s, call.name, call.sig);
//   EXPECT_EQ(call_stub(up(obj, c, s)), e->impl_id);
//
// Thread-safety: ObjectExpectations is immutable after construction; it does not own the
// hierarchy, which must outlive it.
#ifndef VTO_GEN_EXPECT_H
#define VTO_GEN_EXPECT_H

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gen/model.h"
#include "gen/subobjects.h"

namespace vto::gen {

// Classes from the complete object (front) to a subobject (back), each a direct base of the
// previous one.
using SubobjectPath = std::vector<int>;

struct Expected {
  int impl_id = 0;         // the implementation that runs (records it, returns it encoded)
  int this_class = -1;     // the class of the subobject it receives as `this`
  SubobjectPath this_path; // which subobject of that class (this_path.back() == this_class)
  // The call may compile to a direct call (the static type is `final`, or its overrider is
  // declared `final`): an overlay's replacement for this method is then bypassed.
  bool may_devirtualize = false;
};

class ObjectExpectations {
 public:
  // Expectations for an object whose dynamic type is `dynamic_class`. REQUIRES: h satisfies
  // ValidateHierarchy. Does not own h; h must outlive this object.
  ObjectExpectations(const Hierarchy& h, int dynamic_class);

  // The call stub <ns>_call_<static_class>_m<name>_<sig> applied to the static_class subobject.
  // nullopt if that stub does not exist or static_class is not an unambiguous base of the
  // dynamic class (or the class itself). REQUIRES: the dynamic class is concrete.
  [[nodiscard]] std::optional<Expected> Call(int static_class, int name, int sig) const;
  // The same call made through the subobject `node` of graph() (any node: a class the object
  // holds more than once included), as a binding's reflected subobject sees it. nullopt if the
  // node's class is not polymorphic or the call does not resolve there.
  [[nodiscard]] std::optional<Expected> CallAt(int node, int name, int sig) const;

  // Trace records `new` of the dynamic class makes, in order: each constructor body's virtual
  // calls, dispatched as if the object were of that constructor's class. (may_devirtualize is
  // false.)
  [[nodiscard]] std::vector<Expected> ConstructionTrace() const;
  // Trace records destroying the object makes (the constructor order reversed, each
  // destructor body's calls in source order).
  [[nodiscard]] std::vector<Expected> DestructionTrace() const;

  // Result of <ns>_dyncast_<static_class>_<target> (target kVoidTarget: dynamic_cast<void*>):
  // the subobject it points to, or nullopt for a null pointer. REQUIRES: the stub exists and
  // static_class is an unambiguous base of the dynamic class (or the class itself).
  [[nodiscard]] std::optional<SubobjectPath> DynamicCast(int static_class, int target) const;

  // The path to the static_class subobject, for an unambiguous base (or the class itself).
  [[nodiscard]] SubobjectPath PathOf(int static_class) const;

  [[nodiscard]] int dynamic_class() const { return cls_; }
  [[nodiscard]] const SubobjectGraph& graph() const { return g_; }

 private:
  std::vector<Expected> BodyCalls(int node, const std::vector<VirtualCall>& calls) const;

  const Hierarchy& h_;
  int cls_;
  SubobjectGraph g_;
};

// typeid(<ns>::C<cls>).name() under the Itanium C++ ABI: "N<len><ns><len>C<cls>E", with
// "<len>inner<cls>" before the class where it is nested (Hierarchy::nested_classes), and
// "<len>C<cls>TILi<cls>EE" for a class template's specialization (template_classes), and
// "12_GLOBAL__N_1" before the class where it is in an unnamed namespace (unnamed_classes).
[[nodiscard]] std::string ExpectedTypeName(const Hierarchy& h, std::string_view ns, int cls);

}  // namespace vto::gen

#endif  // VTO_GEN_EXPECT_H
