// api_backend.cc — Backend over a vto_backend_api table, and OpenBackend (dlopen).
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "backend/backend.h"
#include "backend/builtin_backend.h"
#include "interp/interpreter.h"

namespace vto::backend {
namespace {

constexpr size_t kMessageSize = 1 << 16;

[[noreturn]] void HarnessMisuse(const char* what) {
  std::fprintf(stderr, "ERROR: backend: %s\n", what);
  std::abort();
}

// Calls a table entry that writes diagnostics into a buffer (compile, declare,
// compile_in_mode) and returns 0 on success; *diagnostics (if given) gets the text.
template <typename Call>
bool WithDiagnostics(std::string* diagnostics, Call call) {
  std::vector<char> diag(kMessageSize, '\0');
  const int rc = call(diag.data(), diag.size());
  if (diagnostics != nullptr) *diagnostics = diag.data();
  return rc == 0;
}

class ApiBackend final : public Backend {
 public:
  ApiBackend(const vto_backend_api* api, std::string label, std::vector<std::string> args, uint32_t caps_off)
      : api_(api), name_(std::move(label)), args_(std::move(args)), caps_off_(caps_off) {}
  ~ApiBackend() override {
    if (state_ != nullptr) api_->destroy(state_);
    // interpreter_ is destroyed after: the backend may hold the harness's objects until then.
    // The plug-in's code may still be referenced (destroy callbacks of objects that
    // outlive the backend), so the library stays loaded: no dlclose.
  }

  bool Start(std::string* error) {
    if (reflects_only()) {
      // The harness's own interpreter runs the code (lib/interp's ASan and #141039
      // workarounds apply), instrumented with the same arguments.
      interp::InterpreterOptions options;
      options.extra_args = args_;
      interpreter_ = interp::Interpreter::Create(options, error);
      if (!interpreter_) {
        *error = "backend '" + name_ + "': the harness's interpreter failed to start: " + *error;
        return false;
      }
    }
    std::vector<const char*> argv;
    for (const std::string& a : args_) argv.push_back(a.c_str());
    std::vector<char> err(kMessageSize, '\0');
    state_ = api_->create(argv.data(), argv.size(), err.data(), err.size());
    if (state_ == nullptr) {
      *error = "backend '" + name_ + "' failed to start: " + err.data();
      return false;
    }
    return true;
  }

  const std::string& name() const override { return name_; }
  uint32_t capabilities() const override { return api_->capabilities & ~caps_off_; }
  uint32_t promises() const override { return api_->abi_version >= 3 ? api_->promises : VTO_PROMISE_ALL; }

  bool reflects_only() const override { return api_->abi_version >= 3 && api_->compile == nullptr; }
  bool Declare(const std::string& declarations, std::string* diagnostics) override {
    if (!reflects_only()) HarnessMisuse("Declare on a backend that compiles");
    return WithDiagnostics(diagnostics, [&](char* diag, size_t size) {
      return api_->declare(state_, declarations.c_str(), diag, size);
    });
  }

  bool Compile(const std::string& code, std::string* diagnostics) override {
    if (interpreter_) return interpreter_->Compile(code, diagnostics);
    return WithDiagnostics(diagnostics, [&](char* diag, size_t size) {
      return api_->compile(state_, code.c_str(), diag, size);
    });
  }
  bool compiles_in_modes() const override {
    return reflects_only() || (api_->abi_version >= 4 && api_->compile_in_mode != nullptr);
  }
  bool CompileInMode(const std::string& code, const vto_unit_mode& mode, std::string* diagnostics) override {
    if (!compiles_in_modes()) HarnessMisuse("CompileInMode on a backend without compile_in_mode");
    if (interpreter_) return interpreter_->Compile(code, ToUnitMode(mode), diagnostics);
    return WithDiagnostics(diagnostics, [&](char* diag, size_t size) {
      return api_->compile_in_mode(state_, code.c_str(), &mode, diag, size);
    });
  }
  void* Lookup(const std::string& symbol) override {
    return interpreter_ ? interpreter_->LookupSymbol(symbol) : api_->lookup(state_, symbol.c_str());
  }

  InstallOutcome Install(const OverlaySpec& spec) override {
    // The request's arrays on the stack for the usual few methods (no allocation per install).
    constexpr size_t kInline = 16;
    const char* inline_names[kInline];
    void* inline_fns[kInline];
    std::vector<const char*> more_names;
    std::vector<void*> more_fns;
    const char** names = inline_names;
    void** fns = inline_fns;
    if (spec.methods.size() > kInline) {
      more_names.resize(spec.methods.size());
      more_fns.resize(spec.methods.size());
      names = more_names.data();
      fns = more_fns.data();
    }
    for (size_t i = 0; i < spec.methods.size(); ++i) {
      names[i] = spec.methods[i].method.c_str();
      fns[i] = spec.methods[i].function;
    }
    vto_backend_request req{};
    req.instance = spec.instance;
    req.class_name = spec.class_name.c_str();
    req.method_names = names;
    req.replacements = fns;
    req.num_methods = spec.methods.size();
    req.extra_slots = spec.extra_slots;
    req.on_destroy = spec.on_destroy;
    req.user_data = spec.user_data;
    char msg[1024] = {0};
    InstallOutcome out;
    out.code = api_->install(state_, &req, &out.handle, msg, sizeof msg);
    out.message = msg;
    if (out.code != 0) out.handle = 0;
    return out;
  }
  int Teardown(uint64_t handle) override { return api_->teardown(state_, handle); }
  bool can_abandon() const override { return api_->abi_version >= 2 && api_->abandon != nullptr; }
  int Abandon(uint64_t handle) override {
    if (!can_abandon()) HarnessMisuse("Abandon on a backend without abandon");
    return api_->abandon(state_, handle);
  }
  void** ExtraSlot(uint64_t handle, void* instance, size_t i) override {
    return api_->extra_slot(state_, handle, instance, i);
  }
  size_t LiveOverlays() override { return api_->live_overlays(state_); }
  size_t CompiledUnits() override {
    return interpreter_ ? interpreter_->translation_units() : api_->compiled_units(state_);
  }

  bool compiles_concurrently() const override { return native_shapes() != nullptr; }
  void Prepare(const std::string& class_name) override {
    if (native_shapes() != nullptr) BuiltinPrepare(state_, class_name);
  }

  const ShapeResolver* native_shapes() const override {
    // The built-in table only: a table a test patched must be reached through its entries.
    return state_ != nullptr && api_ == BuiltinBackendApi() ? BuiltinShapes(state_) : nullptr;
  }

  bool Recycle(std::string* error) override {
    api_->destroy(state_);
    state_ = nullptr;
    interpreter_.reset();
    return Start(error);
  }

 private:
  const vto_backend_api* api_;
  std::string name_;
  std::vector<std::string> args_;
  uint32_t caps_off_;  // BackendOptions::capabilities_off
  vto_backend* state_ = nullptr;
  std::unique_ptr<interp::Interpreter> interpreter_;  // reflects_only(): runs the code
};

}  // namespace

std::unique_ptr<Backend> WrapBackendApi(const vto_backend_api* api, std::string label,
                                        std::vector<std::string> compiler_args, std::string* error,
                                        uint32_t capabilities_off) {
  if (api == nullptr) {
    *error = label + ": backend entry returned no API table";
    return nullptr;
  }
  if (api->abi_version < 1 || api->abi_version > VTO_BACKEND_ABI_VERSION) {
    *error = label + ": backend ABI version " + std::to_string(api->abi_version) + ", expected 1 to " +
             std::to_string(VTO_BACKEND_ABI_VERSION);
    return nullptr;
  }
  // A version-3 table may leave compile and lookup NULL if it has declare (it only reflects).
  const bool reflects_only = api->abi_version >= 3 && api->compile == nullptr && api->declare != nullptr;
  if (!api->create || !api->destroy || (!reflects_only && (!api->compile || !api->lookup || !api->compiled_units)) ||
      !api->install || !api->teardown || !api->extra_slot || !api->live_overlays) {
    *error = label + ": backend API table has a null function" +
             (api->abi_version >= 3 && api->compile == nullptr ? " (no compile and no declare)" : "");
    return nullptr;
  }
  auto b = std::make_unique<ApiBackend>(api, api->name != nullptr ? api->name : label, std::move(compiler_args),
                                        capabilities_off);
  if (!b->Start(error)) return nullptr;
  return b;
}

std::string PluginPath(const BackendOptions& options) {
  std::string path = options.plugin_path;
  if (path.empty()) {
    if (const char* env = std::getenv("VTO_BACKEND"); env != nullptr && *env != '\0') path = env;
  }
  return path == "builtin" ? "" : path;
}

std::unique_ptr<Backend> OpenBackend(const BackendOptions& options, std::string* error) {
  const std::string path = PluginPath(options);
  if (path.empty()) {
    return WrapBackendApi(BuiltinBackendApi(), "builtin", options.compiler_args, error, options.capabilities_off);
  }
  void* dl = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (dl == nullptr) {
    const char* why = dlerror();
    *error = "cannot load backend '" + path + "': " + (why != nullptr ? why : "unknown dlopen error");
    return nullptr;
  }
  auto entry = reinterpret_cast<vto_backend_entry_fn>(dlsym(dl, "vto_backend_entry"));
  if (entry == nullptr) {
    *error = "backend '" + path + "' does not export vto_backend_entry";
    return nullptr;
  }
  return WrapBackendApi(entry(), path, options.compiler_args, error, options.capabilities_off);
}

namespace {
constexpr struct {
  const char* name;
  uint32_t bit;
} kCapabilityNames[] = {{"destroy-hook", VTO_CAP_DESTROY_HOOK},     {"extra-slots", VTO_CAP_EXTRA_SLOTS},
                        {"stacking", VTO_CAP_STACKING},             {"multiple-vptrs", VTO_CAP_MULTIPLE_VPTRS},
                        {"virtual-bases", VTO_CAP_VIRTUAL_BASES}, {"more-derived", VTO_CAP_MORE_DERIVED}};
}  // namespace

bool ParseCapabilities(const std::string& names, uint32_t* bits, std::string* error) {
  *bits = 0;
  size_t start = 0;
  while (start <= names.size() && !names.empty()) {
    const size_t comma = names.find(',', start);
    const std::string name = names.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    bool found = false;
    for (const auto& c : kCapabilityNames) {
      if (name == c.name) *bits |= c.bit, found = true;
    }
    if (!found) {
      *error = "unknown capability '" + name + "' (one of: destroy-hook, extra-slots, stacking, multiple-vptrs, "
               "virtual-bases, more-derived)";
      return false;
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return true;
}

}  // namespace vto::backend
