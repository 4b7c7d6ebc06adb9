// backend.h — the one interface through which the fuzzers reach an overlay
// implementation (docs/BACKENDS.md).
//
// Defines:
//   vto::backend::Backend         compile / lookup / install / teardown / extra slots /
//                                 accounting, by class and method name.
//   vto::backend::OpenBackend     the built-in backend (this project's library and
//                                 interpreter), or a plug-in .so named by a path or by the
//                                 VTO_BACKEND environment variable.
//
// Example:
//   std::string error;
//   std::unique_ptr<Backend> b = OpenBackend(BackendOptions{}, &error);
//   if (!b) { fprintf(stderr, "ERROR: %s\n", error.c_str()); exit(2); }
//   b->Compile(source, &diagnostics);
//   auto make = reinterpret_cast<void* (*)()>(b->Lookup("h0_new_C3"));
//   InstallOutcome o = b->Install({obj, "h0::C3", {{"m1", repl}}, /*extra*/1, hook, ud});
//   ... b->Teardown(o.handle);
//
// Thread-safety: Install, Teardown, ExtraSlot and LiveOverlays are thread-safe; the rest
// is thread-compatible (one thread at a time), except that a backend that
// compiles_concurrently() lets one thread Compile, CompileInMode, Lookup and Prepare while
// others Install, Teardown, Abandon, ExtraSlot and LiveOverlays. Symbols from Lookup die
// with the Backend or at Recycle().
#ifndef VTO_BACKEND_BACKEND_H
#define VTO_BACKEND_BACKEND_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "backend/backend_abi.h"
#include "overlay/class_shape.h"

namespace vto::backend {

struct MethodReplacement {
  std::string method;  // "m3", or "m3(int, double)" to pick an overload
  void* function = nullptr;
};

struct OverlaySpec {
  void* instance = nullptr;
  std::string class_name;  // reflected class, qualified
  std::vector<MethodReplacement> methods;
  size_t extra_slots = 0;
  void (*on_destroy)(void*, void*) = nullptr;
  void* user_data = nullptr;
};

struct InstallOutcome {
  int code = 0;  // 0 installed; else a refusal code (vto::Status values, or >= 100)
  std::string message;
  uint64_t handle = 0;
  [[nodiscard]] bool ok() const { return code == 0; }
};

struct BackendOptions {
  std::string plugin_path;                 // empty: VTO_BACKEND, else the built-in backend
  std::vector<std::string> compiler_args;  // extra clang arguments for JIT'd code
  // VTO_CAP_* bits the fuzzers treat the backend as lacking (the harness's --vto-without):
  // they avoid what they can (fuzz_race stacks nothing without VTO_CAP_STACKING) and accept
  // a refusal of the rest, so a campaign gets past a known bug in one capability.
  uint32_t capabilities_off = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  [[nodiscard]] virtual const std::string& name() const = 0;
  [[nodiscard]] virtual uint32_t capabilities() const = 0;
  // VTO_PROMISE_* bits (harness/promises.h): VTO_PROMISE_ALL for tables older than ABI 3.
  [[nodiscard]] virtual uint32_t promises() const = 0;
  // Compiles one translation unit. false on error; *diagnostics gets every diagnostic. For a
  // backend that only reflects, the harness's own interpreter compiles it.
  virtual bool Compile(const std::string& code, std::string* diagnostics) = 0;
  // Whether CompileInMode works: a backend that only reflects (the harness's interpreter
  // compiles), or a table with compile_in_mode (ABI version 4).
  [[nodiscard]] virtual bool compiles_in_modes() const = 0;
  // Compiles one unit in `mode` (backend_abi.h, vto_unit_mode); false on error, with every
  // diagnostic in *diagnostics, also for a mode outside the ranges. REQUIRES:
  // compiles_in_modes().
  virtual bool CompileInMode(const std::string& code, const vto_unit_mode& mode, std::string* diagnostics) = 0;
  // A backend that only reflects (backend_abi.h, `declare`): Compile and Lookup run in the
  // harness's interpreter, and the backend gets each hierarchy's declarations through
  // Declare before any of its objects exists.
  [[nodiscard]] virtual bool reflects_only() const = 0;
  // false on error; *diagnostics gets every diagnostic. REQUIRES: reflects_only().
  virtual bool Declare(const std::string& declarations, std::string* diagnostics) = 0;
  [[nodiscard]] virtual void* Lookup(const std::string& symbol) = 0;
  // Whether units may be compiled on one thread while overlays are installed on another (see
  // Thread-safety above): the built-in backend's own table. The harness then compiles
  // hierarchies on a thread of their own (harness/hierarchy_cache.h, --vto-compile_thread).
  [[nodiscard]] virtual bool compiles_concurrently() const { return false; }
  // Reflects the class `class_name` (qualified, as OverlaySpec::class_name) ahead of the
  // first Install naming it or an object of it, so that Install does not wait for a compile
  // on another thread. Nothing for a backend that does not compile concurrently.
  virtual void Prepare(const std::string& class_name) { (void)class_name; }
  [[nodiscard]] virtual InstallOutcome Install(const OverlaySpec& spec) = 0;
  virtual int Teardown(uint64_t handle) = 0;  // a vto::TeardownResult value
  // Reports an invisible death of the object `handle` is on (CONTRACT.md P17): frees its
  // overlays without touching it. Only when can_abandon(); returns a vto::TeardownResult.
  [[nodiscard]] virtual bool can_abandon() const = 0;
  virtual int Abandon(uint64_t handle) = 0;
  [[nodiscard]] virtual void** ExtraSlot(uint64_t handle, void* instance, size_t i) = 0;
  [[nodiscard]] virtual size_t LiveOverlays() = 0;
  [[nodiscard]] virtual size_t CompiledUnits() = 0;
  // Drops every compiled unit and starts a fresh interpreter (bounds memory). Every
  // symbol, object and overlay from before is invalid afterwards. false on failure.
  virtual bool Recycle(std::string* error) = 0;
  // This project's overlay library behind the backend, reachable through its own C++ API
  // (lib/overlay/overlay.h): the shapes its interpreter resolves, for a vto::Install by slot,
  // and handle ids that are vto::OverlayIds (vto::Overlay may adopt them). The built-in
  // backend's own table only; nullptr for a plug-in or a patched copy of the table. Lets the scenarios
  // fuzz what the C ABI cannot express: slot-level requests (CONTRACT R2-R8) and the
  // vto::Overlay handle. Valid until Recycle.
  [[nodiscard]] virtual const ShapeResolver* native_shapes() const { return nullptr; }
};

// The plug-in OpenBackend loads for `options`: plugin_path, else $VTO_BACKEND; "" for the
// built-in backend (neither set, or "builtin").
[[nodiscard]] std::string PluginPath(const BackendOptions& options);

// Opens the backend options name (plugin_path, else $VTO_BACKEND, else built-in).
// Returns nullptr with *error set (naming the file and the reason) on failure.
[[nodiscard]] std::unique_ptr<Backend> OpenBackend(const BackendOptions& options, std::string* error);

// A Backend over a C ABI table (the plug-in path; also used to test a table in-process).
// `capabilities_off`: as BackendOptions::capabilities_off.
[[nodiscard]] std::unique_ptr<Backend> WrapBackendApi(const vto_backend_api* api, std::string label,
                                                      std::vector<std::string> compiler_args, std::string* error,
                                                      uint32_t capabilities_off = 0);

// "stacking,destroy-hook" -> VTO_CAP_* bits ("" -> 0). false, with *error naming the word and
// the choices, for anything else.
[[nodiscard]] bool ParseCapabilities(const std::string& names, uint32_t* bits, std::string* error);

}  // namespace vto::backend

#endif  // VTO_BACKEND_BACKEND_H
