// cxx_rules.h — the C++ rules the generator, the emitter and the expectation pass share.
//
// Defines, over a SubobjectGraph (subobjects.h):
//   LookupMember     class member name lookup ([class.member.lookup]), with dominance.
//   ResolveCall      where a call `p->m<name>(args of sig)` on a subobject lands statically.
//   DefaultedArgs    how many of its arguments the call may leave to default arguments.
//   FinalOverriders  the final overrider(s) of a virtual function of a subobject ([class.virtual]).
//   AllocationOwner  whose operator new/delete `new` and `delete` of a class call.
//   ComputeFacts     the derived facts of ClassModel (polymorphic, abstract, virtual_dtor).
//
// "within" is the node that acts as the complete object: node 0 for an object of the graph's
// class, or a base subobject's node while that base's constructor or destructor body runs
// (then virtual calls dispatch as if the object were of that base class).
//
// These are implemented from the standard's wording, never by asking a compiler: the
// expectations built on them are the oracle clang is checked against.
//
// Thread-safety: pure functions.
#ifndef VTO_GEN_CXX_RULES_H
#define VTO_GEN_CXX_RULES_H

#include <vector>

#include "gen/model.h"
#include "gen/subobjects.h"

namespace vto::gen {

struct MemberLookup {
  enum class Kind { kNotFound, kFound, kAmbiguous };
  Kind kind = Kind::kNotFound;
  int node = -1;  // kFound: the one subobject whose class declares the name
};

// Looks up the name m<name> as a member of node `from`'s class: the declarations in the
// nearest subobjects that declare it, where one found in a base subobject of another found
// one is hidden (dominance). kFound only if exactly one subobject remains.
[[nodiscard]] MemberLookup LookupMember(const Hierarchy& h, const SubobjectGraph& g, int from,
                                        int name);

// The subobject whose declaration a call `p->m<name>(canonical args of sig)` names, where p
// points to node `from`: the lookup must find one subobject, declaring an overload with
// signature `sig`, of a class that is an unambiguous base of `from`'s class. -1 if the call
// is ill-formed (or no such overload exists).
[[nodiscard]] int ResolveCall(const Hierarchy& h, const SubobjectGraph& g, int from, int name,
                              int sig);

// How many trailing arguments a call `p->m<name>(...)` of signature `sig`, where p is a
// `cls*`, leaves out: the default arguments (Method::defaults) of the declaration its lookup
// finds ([dcl.fct.default]: those of the static type's declaration, never the final
// overrider's). 0 if the call is ill-formed.
[[nodiscard]] int DefaultedArgs(const Hierarchy& h, int cls, int name, int sig);

// The final overriders, inside `within`'s subtree, of the virtual function (name, sig) that
// node `node`'s class declares: the most derived subobjects containing `node` whose class
// declares (name, sig). Exactly one in a well-formed program. REQUIRES: node's class declares
// (name, sig) and Contains(within, node).
[[nodiscard]] std::vector<int> FinalOverriders(const Hierarchy& h, const SubobjectGraph& g,
                                               int within, int node, int name, int sig);
// The unique final overrider, or -1 if there is more than one.
[[nodiscard]] int FinalOverrider(const Hierarchy& h, const SubobjectGraph& g, int within,
                                 int node, int name, int sig);

// True if some virtual function of a subobject in `within`'s subtree has a pure final overrider
// (inside that subtree). Ill-formed (non-unique) overriders count as not pure.
[[nodiscard]] bool IsAbstractAt(const Hierarchy& h, const SubobjectGraph& g, int within);

// The classes a declaration of (name, sig) in `cls` may return a pointer to
// (Hierarchy::class_return_sigs), in class order: `cls` or an unambiguous base of it (so
// `return this;` converts), of which the class every overridden declaration (in a direct or
// indirect base of `cls`) returns is itself or an unambiguous base ([class.virtual]: the
// covariant return rule). Reads Method::ret_class of the bases' declarations. Empty when no
// class qualifies: the declaration cannot return a class pointer.
[[nodiscard]] std::vector<int> ReturnClassCandidates(const Hierarchy& h, int cls, int name, int sig);

// The class whose allocation functions (Hierarchy::class_alloc) `new` of node `from`'s class
// and its deleting destructor call: lookup of `operator new`/`operator delete` in that class's
// scope ([expr.new], [expr.delete], [class.dtor]). -1 if it finds none (the global ones),
// kAmbiguousOwner if it finds declarations of two classes, neither hiding the other (the
// program would be ill-formed; Generate never makes one). Several subobjects of one class
// are one declaration set: static members are not ambiguous.
inline constexpr int kAmbiguousOwner = -2;
[[nodiscard]] int AllocationOwner(const Hierarchy& h, const SubobjectGraph& g, int from);
// The same for a complete object of class `cls`.
[[nodiscard]] int AllocationOwner(const Hierarchy& h, int cls);

// Fills ClassModel::polymorphic, abstract and virtual_dtor of every class (abstract also for a
// pure destructor, Hierarchy::pure_dtors). Idempotent: the source variants call it again.
void ComputeFacts(Hierarchy& h);

}  // namespace vto::gen

#endif  // VTO_GEN_CXX_RULES_H
