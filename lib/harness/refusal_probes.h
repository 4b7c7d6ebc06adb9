// refusal_probes.h — every refusal of docs/CONTRACT.md that the request alone decides
// (R2-R9), asked for through the overlay library's own C++ API (vto::Install by slot) on a
// live object of the hierarchy:
//   R2 no reflected shape; R3 a reflected class without a vptr; R4 a slot at or past the
//   reflected class's slot count; R5 either destructor entry; R6 one slot twice, apart;
//   R7 a null replacement; R8 more extra slots than the limit, in one request and (a quarter
//   of those inputs) summed over a stack whose lower overlay holds exactly the limit; R9 a
//   destroy hook on a polymorphic class whose destructor is not virtual; and, on half of the
//   R7 inputs, overlay_c.h's vto_install over a vto_shape_table for R7 and an unknown name (R2);
//   and R18, which the object decides: a class it holds more than once as a polymorphic
//   subobject, none at the instance pointer (RefusalProbeObject::ambiguous).
// Each kind runs on about a quarter of the inputs (chosen by the hash below). Each must be refused
// with exactly its Status and leave every vptr of the object as it was (the object's captured
// vptrs); R1 and R11/R12 stay with the name-based probes of dispatch_scenario.cc, which every
// backend answers. Only for a backend that exposes the library (Backend::native_shapes); a
// plug-in's refusals are its own contract (issue 17).
//
// Which slots, distances and classes a probe uses comes from `choice` (a hash of the input;
// no input bytes are read, so corpus files keep their meaning), so every variant is asked
// for across a corpus. Every check is an Expectation, so the reproducer makes the same
// requests (vto_repro::Refusal) and the same checks.
//
// Thread-safety: thread-compatible (the fuzzer's thread).
#ifndef VTO_HARNESS_REFUSAL_PROBES_H
#define VTO_HARNESS_REFUSAL_PROBES_H

#include <cstdint>
#include <string>

#include "harness/expectation.h"
#include "harness/hierarchy_cache.h"
#include "harness/stats.h"
#include "harness/vptr_words.h"
#include "overlay/class_shape.h"
#include "overlay/overlay.h"

namespace vto::harness {

struct RefusalProbeObject {
  void* instance = nullptr;
  std::string cxx;  // the object in the reproducer ("V[0]")
  int cls = -1;     // its class (its dynamic type; the probes reflect it as that class)
  // The model says the library overlays it as its own class (no virtual bases, one vptr:
  // CONTRACT R12), which the stacked R8 probe needs.
  bool installable = false;
  const VptrWords* vptrs = nullptr;  // every vptr of the object before any overlay
  // A class the object holds more than once as a polymorphic subobject, none of them at
  // `instance` (R18: kAmbiguousSubobject), or -1 when there is none.
  int ambiguous = -1;
  // Its class is final and its unit assumes unique vtables at -O1+
  // (CompiledHierarchy::VptrIdentityAssumed): every request that passes R1-R9 is refused with
  // kVptrIdentityAssumed (R13), which the contract does not order against R18, so the R18
  // probe is skipped and an R13 probe is made instead.
  bool vptr_identity_assumed = false;
};

// The library entry the probes call: vto::Install, or (tests) a deliberately broken one.
using InstallFn = InstallResult (*)(const InstallRequest& request, const ShapeResolver& resolver);

// Runs the probes; after each refusal every vptr of the object must equal object.vptrs.
// Returns without a check when the object's class has no shape (not polymorphic).
void ProbeSlotRefusals(const CompiledHierarchy& ch, const ShapeResolver& shapes, const RefusalProbeObject& object,
                       uint64_t choice, const Oracle& oracle, Transcript* tx, DispatchStats& stats,
                       InstallFn install = &Install);

}  // namespace vto::harness

#endif  // VTO_HARNESS_REFUSAL_PROBES_H
