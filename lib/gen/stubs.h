// stubs.h — which extern "C" stubs an emitted hierarchy has.
//
// Defines vto::gen::StubPlan and PlanStubs. The emitter emits exactly the planned stubs and the
// fuzz runner calls exactly those, so "is there a stub for this?" has one answer. Names come
// from stub_names.h; what each stub does is in docs/GENERATOR.md.
//
// Example:
//   StubPlan plan = PlanStubs(h);
//   for (int s : plan.classes[c].up)              // static types of a C object
//     for (const VirtualCall& call : plan.classes[s].calls)
//       runner.Call(CallStubName(ns, s, call.name, call.sig), up(c, s));
//
// Thread-safety: plain values.
#ifndef VTO_GEN_STUBS_H
#define VTO_GEN_STUBS_H

#include <vector>

#include "gen/model.h"

namespace vto::gen {

struct ClassStubs {
  bool new_and_delete = false;     // concrete: <ns>_new_C, <ns>_delete_C
  std::vector<int> up;             // S with <ns>_up_C_S: C itself, then its unambiguous bases
                                   // in class order
  // Only for polymorphic classes (all empty/false otherwise):
  bool typeid_and_void_cast = false;  // <ns>_typeid_C and <ns>_dyncast_C_void
  std::vector<VirtualCall> calls;  // <ns>_call_C_m<name>_<sig>: calls whose lookup through C*
                                   // is well-formed, by name then overload order
  bool delete_via = false;         // <ns>_delete_via_C: the destructor is virtual
  std::vector<int> dyncasts;       // T with <ns>_dyncast_C_T: every polymorphic class except
                                   // ambiguous bases of C
};

struct StubPlan {
  std::vector<ClassStubs> classes;  // indexed like Hierarchy::classes
  int num_signatures = 0;           // <ns>_repl_<k>_<r> for k < this, r < kReplacementsPerSignature
};

[[nodiscard]] StubPlan PlanStubs(const Hierarchy& h);

// Whether <ns>_delete_C is a qualified destructor call and operator delete rather than a
// delete expression: for a polymorphic, non-final class with a non-virtual destructor, where
// `delete` draws -Wdelete-non-abstract-non-virtual-dtor. (A destructor that throws there
// leaves the storage allocated.)
[[nodiscard]] inline bool DeleteStubCallsDestructor(const ClassModel& c) {
  return c.polymorphic && !c.virtual_dtor && !c.is_final;
}

}  // namespace vto::gen

#endif  // VTO_GEN_STUBS_H
