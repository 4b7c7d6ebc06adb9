// contract_rules.h — the rules of docs/CONTRACT.md that the oracles apply, as pure
// functions of the model and the contract (never of what the library did). Each scenario's
// expectations are made from these, so one rule has one place; contract_rules_test.cc checks
// each against the contract's words.
//
// Thread-safety: pure functions.
#ifndef VTO_HARNESS_CONTRACT_RULES_H
#define VTO_HARNESS_CONTRACT_RULES_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "overlay/status.h"

namespace vto::harness {

// ---- installs (CONTRACT R-rules, backend capabilities) --------------------------------------

// The reflected subobject (P23): among the reflected class's `count` subobjects, at
// `offsets_of_reflected` in the complete object (none: the class is no base of it), the one
// at the instance pointer's offset, else the only one. -1 when there is none: the class is no
// base (R11), or it occurs more than once and the pointer is at none of them (R18).
[[nodiscard]] int ReflectedSubobject(const std::ptrdiff_t* offsets_of_reflected, size_t count,
                                     std::ptrdiff_t instance_offset);

enum class InstallVerdict : uint8_t {
  kMustInstall,  // within the backend's capabilities and the contract: a refusal is a bug
  kMayRefuse,    // needs a capability the backend does not declare: either answer is fine
  kMustRefuse,   // the contract forbids it (no reflected subobject, R11/R18; a destroy hook
                 // on a class without a virtual destructor can never fire, R9; a final dynamic
                 // type whose code compares vptrs, R13; a replacement for an overrider whose
                 // returned pointer some vtable entry adjusts, R19): an install is a bug
};
// `missing_capabilities`: MissingCapabilities() of the request ("" when the backend has
// every capability it needs); `has_reflected_subobject`: ReflectedSubobject() found one;
// `dynamic_type_assumes_vptr_identity`: the object's dynamic type is final and its unit was
// compiled with -fassume-unique-vtables at -O1 or above (CompiledHierarchy::VptrIdentityAssumed);
// `replaces_return_adjusted`: a replaced method's final overrider returns a class pointer that
// some entry of the group adjusts (overlay_request.h, AnyReturnAdjusted).
// A class with a vptr whose primary vtable names no function of its own (its virtual
// functions all in a virtual base) is polymorphic (R3 is "no vptr"): it must install.
[[nodiscard]] InstallVerdict ExpectedInstall(const std::string& missing_capabilities, bool hook,
                                             bool reflected_has_virtual_dtor, bool has_reflected_subobject,
                                             bool dynamic_type_assumes_vptr_identity,
                                             bool replaces_return_adjusted = false);
// The reproducer's spelling: "VTO_MUST_INSTALL", "VTO_MAY_REFUSE", "VTO_MUST_REFUSE".
[[nodiscard]] const char* InstallVerdictCxx(InstallVerdict v);

// ---- deaths (CONTRACT "Words": visible destruction) -----------------------------------------

// How a destruction reaches the destructor.
enum class DeathRoute : uint8_t {
  kThroughStaticType,   // delete (S*)p, p->~S(): virtual unless S is final
  kThroughDynamicType,  // delete (D*)p and the library paths that use the dynamic type's pointer
  kNotThroughVtable,    // qualified destructor call, end of scope, unwinding, optional, delete[]
};
struct DeathFacts {
  DeathRoute route = DeathRoute::kNotThroughVtable;
  bool static_type_final = false;        // kThroughStaticType: S is final (the call is devirtualized)
  bool dynamic_virtual_dtor = false;     // kThroughDynamicType: the dynamic type's destructor is virtual
  bool dynamic_type_final = false;       // kThroughDynamicType: the dynamic type is final
};
// Whether the destruction goes through the object's vtable (where a destroy hook can see it).
[[nodiscard]] bool DeathIsVisible(const DeathFacts& d);

// ---- teardown results (CONTRACT P-rules on TeardownOverlay / AbandonOverlay) -----------------

// What one overlay handle stands for, from the binding's side.
enum class HandleState : uint8_t {
  kActive,                // installed, its block alive
  kDiedHooked,            // the object died through a hooked destructor: teardown → kObjectDestroyed
  kDetachedAfterAbandon,  // another overlay of the dead object was abandoned: teardown → kDetached
  kClosed,                // torn down, abandoned or released: teardown → kAlreadyTornDown
};
// The result of TeardownOverlay on a handle in `state`; `object_alive` matters only for
// kActive (kRestored while alive; kDetached once the object died unseen and its storage
// holds a foreign vptr).
[[nodiscard]] TeardownResult ExpectedTeardown(HandleState state, bool object_alive);
// After an unseen death the binding must not touch the object (Q2): Abandon returns
// kAbandoned; a teardown is allowed only where the storage is host-owned and holds a vptr
// that is not the overlay's, and returns kDetached (P16).
[[nodiscard]] TeardownResult ExpectedAfterUnseenDeath(bool teardown_instead_of_abandon);
// A release of its own handle from inside the destroy callback (P14/P15): the first returns
// kObjectDestroyed, the second kAlreadyTornDown.
inline constexpr TeardownResult kInHookFirstRelease = TeardownResult::kObjectDestroyed;
inline constexpr TeardownResult kInHookSecondRelease = TeardownResult::kAlreadyTornDown;

// ---- the defined race (P20) -------------------------------------------------------------------

// One collector teardown (or Abandon) of an overlay of an object whose hooked destruction
// has begun: `rank` is the overlay's stack position, the trigger is the overlay whose
// callback started the collector.
struct RaceFacts {
  bool is_trigger = false;
  int rank = 0, trigger_rank = 0;
  bool trigger_blocks = false;  // the trigger's callback waits for the collector to finish
};
struct RaceVerdict {
  std::vector<TeardownResult> allowed;  // kObjectDestroyed and/or kCancelled
  std::string why;                      // the reason when one outcome is forced ("" otherwise)
};
[[nodiscard]] RaceVerdict DefinedRaceAllows(const RaceFacts& f);
// Its hook ran exactly once when the collector's result was kObjectDestroyed, never when kCancelled.
[[nodiscard]] int HookCallsAfterRace(TeardownResult collector_result);

}  // namespace vto::harness

#endif  // VTO_HARNESS_CONTRACT_RULES_H
