// builtin_backend.cc — the built-in backend as a vto_backend_api table (builtin_backend.h).
#include "backend/builtin_backend.h"

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "interp/interpreter.h"
#include "overlay/overlay.h"
#include "reflect/reflect_overlay.h"

struct vto_backend {
  std::unique_ptr<vto::interp::Interpreter> interpreter;
  std::unique_ptr<vto::reflect::Reflector> reflector;
};

namespace vto::backend {
namespace {

void Copy(const std::string& text, char* out, size_t size) {
  if (out == nullptr || size == 0) return;
  size_t n = std::min(text.size(), size - 1);
  std::memcpy(out, text.data(), n);
  out[n] = '\0';
}

vto_backend* Create(const char* const* args, size_t num_args, char* err, size_t err_size) {
  interp::InterpreterOptions options;
  for (size_t i = 0; i < num_args; ++i) options.extra_args.emplace_back(args[i]);
  std::string error;
  auto state = std::make_unique<vto_backend>();
  state->interpreter = interp::Interpreter::Create(options, &error);
  if (!state->interpreter) {
    Copy(error, err, err_size);
    return nullptr;
  }
  state->reflector = std::make_unique<reflect::Reflector>(*state->interpreter);
  return state.release();
}

void Destroy(vto_backend* b) {
  if (b == nullptr) return;
  b->reflector.reset();
  b->interpreter.reset();
  delete b;
}

// One unit in `mode` (an unset field: the interpreter's arguments), diagnostics into diag.
int CompileUnit(vto_backend* b, const char* code, const interp::UnitMode& mode, char* diag, size_t diag_size) {
  std::string diagnostics;
  bool ok = b->interpreter->Compile(code, mode, &diagnostics);
  Copy(diagnostics, diag, diag_size);
  return ok ? 0 : 1;
}

int Compile(vto_backend* b, const char* code, char* diag, size_t diag_size) {
  return CompileUnit(b, code, interp::UnitMode{}, diag, diag_size);
}

int CompileInMode(vto_backend* b, const char* code, const vto_unit_mode* mode, char* diag, size_t diag_size) {
  return CompileUnit(b, code, ToUnitMode(*mode), diag, diag_size);
}

void* Lookup(vto_backend* b, const char* symbol) { return b->interpreter->LookupSymbol(symbol); }

int InstallOverlay(vto_backend* b, const vto_backend_request* req, uint64_t* handle, char* msg, size_t msg_size) {
  *handle = 0;
  reflect::NamedRequest named;
  named.instance = req->instance;
  named.class_name = req->class_name != nullptr ? req->class_name : "";
  for (size_t i = 0; i < req->num_methods; ++i) {
    named.methods.push_back({req->method_names[i], req->replacements[i]});
  }
  named.extra_slots = req->extra_slots;
  named.on_destroy = req->on_destroy;
  named.user_data = req->user_data;
  InstallResult r = b->reflector->Overlay(named);
  Copy(r.message, msg, msg_size);
  if (!r.ok()) return static_cast<int>(r.status);
  *handle = r.overlay.release();
  return 0;
}

int Teardown(vto_backend*, uint64_t handle) { return static_cast<int>(TeardownOverlay(handle)); }
int Abandon(vto_backend*, uint64_t handle) { return static_cast<int>(AbandonOverlay(handle)); }

void** ExtraSlotAddress(vto_backend*, uint64_t handle, void* instance, size_t i) {
  return &ExtraSlot(instance, FirstExtraIndex(handle) + i);
}

size_t LiveOverlays(vto_backend*) { return LiveBlocks(); }
size_t CompiledUnits(vto_backend* b) { return b->interpreter->translation_units(); }

const vto_backend_api kApi = {
    VTO_BACKEND_ABI_VERSION,
    "builtin",
    VTO_CAP_DESTROY_HOOK | VTO_CAP_EXTRA_SLOTS | VTO_CAP_STACKING | VTO_CAP_MORE_DERIVED | VTO_CAP_MULTIPLE_VPTRS |
        VTO_CAP_VIRTUAL_BASES,  // every Itanium layout (CONTRACT P23-P26)
    &Create,
    &Destroy,
    &Compile,
    &Lookup,
    &InstallOverlay,
    &Teardown,
    &ExtraSlotAddress,
    &LiveOverlays,
    &CompiledUnits,
    &Abandon,
    VTO_PROMISE_ALL,  // docs/CONTRACT.md makes every promise
    &Compile,         // declare: its interpreter parses declarations as any unit (used when a
                      // copy of this table leaves compile NULL to only reflect)
    &CompileInMode,
};

}  // namespace

const vto_backend_api* BuiltinBackendApi() { return &kApi; }
const ShapeResolver* BuiltinShapes(const vto_backend* state) { return &state->reflector->resolver(); }

void BuiltinPrepare(vto_backend* state, const std::string& class_name) {
  const interp::ClassLayout* layout = state->interpreter->FindClass(class_name);
  if (layout != nullptr && layout->shape.polymorphic) (void)state->reflector->resolver().Find(layout->shape.rtti_name);
}

interp::UnitMode ToUnitMode(const vto_unit_mode& mode) {
  return interp::UnitMode{mode.opt_level, mode.assume_unique_vtables != 0, mode.strict_vtable_pointers != 0};
}

}  // namespace vto::backend
