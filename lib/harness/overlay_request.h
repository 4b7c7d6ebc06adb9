// overlay_request.h — an overlay a scenario asks for, shared by every scenario: how it is
// drawn from the input, the backend request it becomes, what the contract expects of the
// install, which replacement answers a call while a stack of overlays is installed, the
// values written to its extra slots, and the reproducer's spelling of its replacements.
//
// Example:
//   OverlayRequest r = DrawOverlayRequest(src, ch, tables, at, policy);  // at: install_target.h
//   backend::OverlaySpec spec = MakeOverlaySpec(ch, r, at.instance);
//   const InstallVerdict v = ExpectedInstall(MissingCapabilities(...), r.hook, ...);
//
// Thread-safety: values and pure functions (DrawOverlayRequest advances its ByteSource).
#ifndef VTO_HARNESS_OVERLAY_REQUEST_H
#define VTO_HARNESS_OVERLAY_REQUEST_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "gen/byte_source.h"
#include "gen/expect.h"
#include "harness/class_tables.h"
#include "harness/expectation.h"
#include "harness/hierarchy_cache.h"
#include "harness/install_target.h"

namespace vto::harness {

// A method the overlay replaces: replacement stub r of its signature, or the lifecycle kit's
// throwing replacement (r == kThrowingReplacement).
inline constexpr int kThrowingReplacement = -1;
struct ReplacedMethod {
  gen::VirtualCall call;
  int r = 0;
  // The call's final overrider through the reflected subobject (in the object's ClassTables:
  // ClassTables::CallAt); null when there is no such subobject (a request that must be
  // refused) or the call does not resolve there.
  const gen::Expected* on_reflected = nullptr;
  // That overrider returns a class pointer that some entry of the object's vtable group
  // adjusts (return_adjustment.h): the contract refuses to replace it (CONTRACT R19).
  bool return_adjusted = false;
};

struct OverlayRequest {
  int reflected = -1;
  const gen::SubobjectPath* reflected_path = nullptr;  // the reflected subobject (InstallTarget); null: none
  std::vector<ReplacedMethod> methods;
  size_t extra = 0;
  bool hook = false;
};

// The draw's probabilities. Draws happen in this order, each only where it applies: per
// method of the reflected class, replace it (then throwing? then which replacement); the
// number of extra slots; a destroy hook.
struct RequestPolicy {
  bool methods = true;            // false: a transparent overlay (replaces nothing, draws nothing)
  // Leave out of the request (after its draws) a method the reflected class's own primary
  // vtable does not name (gen::InPrimaryVtable): one it inherits from a secondary or virtual
  // base. Set for a backend that claims VTO_CAP_MULTIPLE_VPTRS, whose slots index that vtable
  // (CONTRACT P23; the built-in backend refuses such a name, R17). A backend that does not
  // claim it is asked what it always was, and its install is checked like any other.
  bool primary_names_only = false;
  // Leave out of the request (after its draws) a method whose final overrider the contract
  // does not let a replacement stand in for (ReplacedMethod::return_adjusted, R19): for a
  // scenario that expects every install to succeed.
  bool return_adjusted_allowed = true;
  double replace = 0.5;           // each method of the reflected class is replaced
  double throwing = 0;            // ... by the lifecycle kit's throwing replacement (0: never drawn)
  bool extra_allowed = true;      // false: no extra slots, nothing drawn
  uint32_t max_extra = 3;         // extra slots: 0 .. max_extra
  double hook_virtual = 0.5;      // a hook, when the reflected class's destructor is virtual; < 0: never drawn
  double hook_nonvirtual = 0.1;   // ... when it is not (the contract refuses it); < 0: never drawn
};

// For the install `at` on an object of `object_tables`.
[[nodiscard]] OverlayRequest DrawOverlayRequest(gen::ByteSource& src, const CompiledHierarchy& ch,
                                                const ClassTables& object_tables, const InstallTarget& at,
                                                const RequestPolicy& policy);

// Whether any method of the request does (ReplacedMethod::return_adjusted).
[[nodiscard]] bool AnyReturnAdjusted(const OverlayRequest& r);
// Why an install of `r` must be refused under R19 (names the first such method), for a finding.
[[nodiscard]] std::string ReturnAdjustedWhy(const CompiledHierarchy& ch, const OverlayRequest& r);

// The backend request (no hook callback: the scenario sets on_destroy/user_data).
[[nodiscard]] backend::OverlaySpec MakeOverlaySpec(const CompiledHierarchy& ch, const OverlayRequest& r, void* instance);
// The stub a replaced method installs.
[[nodiscard]] std::string ReplacementStub(const CompiledHierarchy& ch, const ReplacedMethod& m);
// The id a replacement reports (gen::ReplacementId, or the throwing one's id).
[[nodiscard]] long ReplacementImplId(const ReplacedMethod& m);
// The reproducer's replacement list: "{@SLOT(ns::C|m1(int))@, (void*)&ns_repl_1_2}, ...".
[[nodiscard]] std::string ReplacementsCxx(const CompiledHierarchy& ch, const OverlayRequest& r);

// The replacement that answers a call whose final overrider is `e`: the topmost overlay in
// effect (later in `stack`, bottom up) with a replaced method whose final overrider through
// its reflected class is the same function on the same subobject. `active(i)` says whether
// stack[i] is in effect. nullopt: the original answers.
struct Winner {
  size_t overlay = 0;  // index into the stack
  const ReplacedMethod* method = nullptr;
};
template <typename Stack, typename RequestOf, typename Active>
[[nodiscard]] std::optional<Winner> WinningReplacement(const gen::Expected& e, const Stack& stack, size_t upto,
                                                       RequestOf request_of, Active active) {
  std::optional<Winner> w;
  for (size_t k = 0; k < upto && k < stack.size(); ++k) {
    if (!active(stack[k])) continue;
    const OverlayRequest& r = request_of(stack[k]);
    for (const ReplacedMethod& m : r.methods) {
      if (m.on_reflected && m.on_reflected->impl_id == e.impl_id && m.on_reflected->this_path == e.this_path) {
        w = Winner{k, &m};
      }
    }
  }
  return w;
}

// The answer a call must get: the winning replacement's (on the reflected subobject
// `winner_self`), or the final overrider's `e` on `original_self`; both where the compiler
// may devirtualize a replaced call.
[[nodiscard]] CallExpectation ExpectedAnswer(const gen::Expected& e, const void* original_self,
                                             const ReplacedMethod* winner, const void* winner_self);

// The value written to extra slot `slot` of overlay `overlay` of object `object`: distinct
// for every (object, overlay, slot) of an input, never null.
[[nodiscard]] inline void* Cookie(size_t object, size_t overlay, size_t slot) {
  return reinterpret_cast<void*>(((object + 1) << 20) | ((overlay + 1) << 10) | (slot + 1));
}
// The reproducer's spelling of a cookie.
[[nodiscard]] std::string CookieCxx(size_t object, size_t overlay, size_t slot);

}  // namespace vto::harness

#endif  // VTO_HARNESS_OVERLAY_REQUEST_H
