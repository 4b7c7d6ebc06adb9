// cppinterop_backend.cc — CppInterOp's vtable overlay (Cpp::MakeVTableOverlay,
// Cpp::DestroyVTableOverlay, Cpp::VTableOverlayExtraSlot) as a plug-in backend
// (lib/backend/backend_abi.h), so the harness's fuzzers, oracles and reproducers test it.
//
// A pure pass-through. It reflects with CppInterOp's own calls (GetScopeFromCompleteName,
// GetFunctionsUsingName, GetFunctionArgType) and hands what it finds to MakeVTableOverlay
// unchanged: it refuses nothing itself (a name its reflection cannot resolve is the only
// refusal of its own), keeps no table of handles (a handle IS the VTableOverlay*), and
// answers every teardown with what DestroyVTableOverlay can say, which is nothing: the
// profile below does not promise teardown results. Its contract profile is what
// CppInterOp's header and PR promise (docs/CPPINTEROP.md), nothing more.
//
// Reflection only (`declare`): CppInterOp's interpreter parses the hierarchies' declarations
// and the harness's interpreter runs their code and makes the objects (CppInterOp's JIT has
// LLVM #141039 and the ASan small-code-model link failure, docs/BACKENDS.md).
//
// Threading: the ABI lets install, teardown, extra_slot and live_overlays run on several
// threads at once. MakeVTableOverlay reflects (clang's Sema and VTableContext, which are not
// thread-safe), so install holds one lock across the lookups and MakeVTableOverlay, as a
// binding holding its interpreter lock would. DestroyVTableOverlay and the extra slot do not
// reflect and run unlocked: what CppInterOp does there under concurrency is what is tested.
//
// Process state: CppInterOp's first CreateInterpreter installs signal handlers that print a
// banner and exit(1), which would hide every sanitizer report and oracle abort; create puts
// back the handlers and the terminate handler it found.
#include <atomic>
#include <csignal>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "CppInterOp/CppInterOp.h"
#include "backend/backend_abi.h"
#include "process_state.h"

struct vto_backend {
  Cpp::InterpRef interp = nullptr;
  std::mutex reflect_mu;                 // CppInterOp's reflection and MakeVTableOverlay
  std::atomic<size_t> made{0}, destroyed{0};  // MakeVTableOverlay successes, DestroyVTableOverlay calls
};

namespace {

// Refusal codes (backend_abi.h: 1..99 are vto::Status values, 100+ the backend's own).
enum Refusal : int {
  kNoClass = 2,     // vto::Status::kNullShape: GetScopeFromCompleteName found nothing
  kNoMethod = 5,    // vto::Status::kMethodNotInVTable: no such (virtual) member found by name
  kMakeRefused = 100,  // MakeVTableOverlay returned null (it gives no reason)
};

void Copy(const std::string& text, char* out, size_t size) {
  if (out == nullptr || size == 0) return;
  const size_t n = text.size() < size - 1 ? text.size() : size - 1;
  std::memcpy(out, text.data(), n);
  out[n] = '\0';
}

// "int", "void*", "ns::Small" spelled without blanks and without a namespace qualifier on
// the last component: the harness writes "m3(int, Small)", CppInterOp's GetTypeAsString may
// write "ns::Small".
std::string Normalize(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c != ' ') out += c;
  }
  return out;
}
std::string Unqualified(const std::string& type) {
  const std::string t = Normalize(type);
  const size_t colon = t.rfind("::");
  return colon == std::string::npos ? t : t.substr(colon + 2);
}

// "m3" or "m3(int, double)" → the function CppInterOp's lookup finds in `scope` (its bases
// included). A bare name must be unambiguous; a call form must match the parameter types.
Cpp::FuncRef FindMethod(Cpp::DeclRef scope, const std::string& spelling, std::string* error) {
  const size_t paren = spelling.find('(');
  const std::string name = Normalize(spelling.substr(0, paren));
  if (!name.empty() && name[0] == '~') {
    Cpp::FuncRef d = Cpp::GetDestructor(scope);
    if (d == nullptr) *error = "GetDestructor found no destructor";
    return d;
  }
  // GetFunctionsUsingName looks in the class itself only: an inherited virtual (declared in
  // a base, not overridden here) is found in the nearest bases that declare it, as C++'s
  // member lookup would.
  std::vector<Cpp::FuncRef> candidates = Cpp::GetFunctionsUsingName(scope, name);
  std::vector<Cpp::DeclRef> level = {scope};
  while (candidates.empty() && !level.empty()) {
    std::vector<Cpp::DeclRef> bases;
    for (Cpp::DeclRef c : level) {
      for (size_t i = 0, n = Cpp::GetNumBases(c); i < n; ++i) bases.push_back(Cpp::GetBaseClass(c, i));
    }
    for (Cpp::DeclRef base : bases) {
      for (Cpp::FuncRef f : Cpp::GetFunctionsUsingName(base, name)) candidates.push_back(f);
    }
    level = std::move(bases);
  }
  if (candidates.empty()) {
    *error = "GetFunctionsUsingName found no '" + name + "' in the class or its bases";
    return nullptr;
  }
  if (paren == std::string::npos) {
    if (candidates.size() == 1) return candidates[0];
    *error = "'" + name + "' is overloaded (" + std::to_string(candidates.size()) + " found)";
    return nullptr;
  }
  std::vector<std::string> wanted;
  const std::string args = spelling.substr(paren + 1, spelling.rfind(')') - paren - 1);
  size_t start = 0;
  while (start < args.size()) {
    const size_t comma = args.find(',', start);
    const std::string arg = args.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!Normalize(arg).empty()) wanted.push_back(Unqualified(arg));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  for (Cpp::FuncRef f : candidates) {
    if (Cpp::GetFunctionNumArgs(f) != wanted.size()) continue;
    bool same = true;
    for (size_t i = 0; i < wanted.size() && same; ++i) {
      same = Unqualified(Cpp::GetTypeAsString(Cpp::GetFunctionArgType(f, i))) == wanted[i];
    }
    if (same) return f;
  }
  *error = "no overload of '" + name + "' takes (" + args + ")";
  return nullptr;
}

vto_backend* Create(const char* const* args, size_t n, char* err, size_t err_size) {
  auto b = std::make_unique<vto_backend>();
  // Its interpreter defaults to C++14; the harness's declarations are C++17. It only parses
  // (declare), so the harness's sanitizer flags are not passed on: with them its JIT still
  // emits each incremental module's ASan constructor, and the second one fails to link
  // (the small-code-model failure, docs/BACKENDS.md). The objects and their code are the
  // harness's, instrumented by its own interpreter.
  std::vector<const char*> argv = {"-std=c++17"};
  for (size_t i = 0; i < n; ++i) {
    if (std::strncmp(args[i], "-fsanitize", 10) != 0 && std::strncmp(args[i], "-fno-sanitize", 13) != 0) {
      argv.push_back(args[i]);
    }
  }
  {
    vto_cppinterop::ProcessStateGuard guard;
    b->interp = Cpp::CreateInterpreter(argv);
  }
  if (b->interp == nullptr) {
    Copy("Cpp::CreateInterpreter returned null", err, err_size);
    return nullptr;
  }
  return b.release();
}

void Destroy(vto_backend* b) {
  if (b->interp != nullptr) Cpp::DeleteInterpreter(b->interp);
  delete b;
}

int Declare(vto_backend* b, const char* code, char* diag, size_t size) {
  std::lock_guard<std::mutex> lock(b->reflect_mu);
  Cpp::ActivateInterpreter(b->interp);
  Cpp::BeginStdStreamCapture(Cpp::kStdErr);
  const int rc = Cpp::Declare(code, /*silent=*/false);
  Copy(Cpp::EndStdStreamCapture(), diag, size);
  return rc == 0 ? 0 : 1;
}

int Install(vto_backend* b, const vto_backend_request* r, uint64_t* handle, char* msg, size_t size) {
  *handle = 0;
  Copy("", msg, size);
  std::lock_guard<std::mutex> lock(b->reflect_mu);
  Cpp::ActivateInterpreter(b->interp);
  Cpp::DeclRef scope = Cpp::GetScopeFromCompleteName(r->class_name);
  if (scope == nullptr) {
    Copy(std::string("GetScopeFromCompleteName(\"") + r->class_name + "\") found nothing", msg, size);
    return kNoClass;
  }
  std::vector<Cpp::ConstFuncRef> methods;
  for (size_t i = 0; i < r->num_methods; ++i) {
    std::string error;
    Cpp::FuncRef f = FindMethod(scope, r->method_names[i], &error);
    if (f == nullptr) {
      Copy(std::string(r->class_name) + "::" + r->method_names[i] + ": " + error, msg, size);
      return kNoMethod;
    }
    methods.push_back(f);
  }
  Cpp::VTableOverlay* ov =
      Cpp::MakeVTableOverlay(r->instance, scope, methods.data(), r->replacements, r->num_methods, r->extra_slots,
                             r->on_destroy, r->user_data);
  if (ov == nullptr) {
    Copy("Cpp::MakeVTableOverlay returned null", msg, size);
    return kMakeRefused;
  }
  b->made.fetch_add(1, std::memory_order_relaxed);
  *handle = reinterpret_cast<uintptr_t>(ov);
  return 0;
}

// DestroyVTableOverlay returns nothing: 0 (kRestored) is the only answer a pass-through can
// give. The profile does not promise teardown results, so the oracles do not read it.
int Teardown(vto_backend* b, uint64_t handle) {
  Cpp::DestroyVTableOverlay(reinterpret_cast<Cpp::VTableOverlay*>(static_cast<uintptr_t>(handle)));
  b->destroyed.fetch_add(1, std::memory_order_relaxed);
  return 0;
}

// The canonical access path of CppInterOp's header: through the object's current vptr (the
// handle is not consulted: CppInterOp reaches the top overlay's slots only).
void** ExtraSlot(vto_backend*, uint64_t handle, void* instance, size_t i) {
  if (handle == 0) return nullptr;  // no overlay: the accessor would compute an address in the class's own vtable
  return &Cpp::VTableOverlayExtraSlot(instance, i);
}

// Blocks CppInterOp allocated and not yet freed: one per MakeVTableOverlay success, freed
// only by DestroyVTableOverlay (a death does not free it).
size_t Live(vto_backend* b) {
  return b->made.load(std::memory_order_relaxed) - b->destroyed.load(std::memory_order_relaxed);
}

// What CppInterOp claims (CppInterOp.td, MakeVTableOverlay's documentation):
// - capabilities: a destroy hook (on_destroy), extra prefix slots, an object whose dynamic
//   type is more derived than `base` (`base` only "supplies inst's vtable layout"), and a
//   second overlay on an overlaid object (nothing refuses or forbids it). It refuses a `base`
//   with several polymorphic direct bases or a virtual base: no MULTIPLE_VPTRS or
//   VIRTUAL_BASES.
// - promises: the callback runs "while inst is still alive and may inspect its state"
//   (CALLBACK_BEFORE_DESTRUCTOR). Not promised: refusing a class the object does not derive
//   from (it refuses only a null instance), refusing an install on a dying object, any
//   behaviour of a throwing callback ("undefined behavior"), a teardown that finds a foreign
//   vptr, releasing the overlay in its callback ("must not destroy this overlay"), a second
//   teardown (a second delete), every stacked overlay's own extra slots (reached through the
//   current vptr only), the callback on p->~T() ("Stack-only destruction (D1) does not
//   trigger the callback"), teardown results (DestroyVTableOverlay returns void). No Abandon.
const vto_backend_api kApi = {
    VTO_BACKEND_ABI_VERSION,
    "cppinterop",
    VTO_CAP_DESTROY_HOOK | VTO_CAP_EXTRA_SLOTS | VTO_CAP_STACKING | VTO_CAP_MORE_DERIVED,
    &Create,
    &Destroy,
    /*compile=*/nullptr,
    /*lookup=*/nullptr,
    &Install,
    &Teardown,
    &ExtraSlot,
    &Live,
    /*compiled_units=*/nullptr,
    /*abandon=*/nullptr,
    VTO_PROMISE_CALLBACK_BEFORE_DESTRUCTOR,
    &Declare,
    /*compile_in_mode=*/nullptr,  // it only reflects: the harness compiles each unit in its mode
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const vto_backend_api* vto_backend_entry(void) { return &kApi; }
