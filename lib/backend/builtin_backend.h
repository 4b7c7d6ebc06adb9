// builtin_backend.h — the built-in backend: this project's overlay library (lib/overlay)
// reflecting through this project's interpreter layer (lib/interp), as a vto_backend_api
// table. Capabilities: destroy hook, extra slots, stacking, more-derived objects, several
// vptrs and virtual bases (docs/CONTRACT.md, P23-P26); it compiles each unit in the mode
// asked (compile_in_mode).
#ifndef VTO_BACKEND_BUILTIN_BACKEND_H
#define VTO_BACKEND_BUILTIN_BACKEND_H

#include <string>

#include "backend/backend_abi.h"
#include "interp/interpreter.h"
#include "overlay/class_shape.h"

namespace vto::backend {

[[nodiscard]] const vto_backend_api* BuiltinBackendApi();
// The shapes of a state made by BuiltinBackendApi()->create (Backend::native_shapes).
[[nodiscard]] const ShapeResolver* BuiltinShapes(const vto_backend* state);
// Backend::Prepare for such a state: FindClass(class_name) and, for a class with a vptr, its
// shape by RTTI name, both then answered from the interpreter's caches.
void BuiltinPrepare(vto_backend* state, const std::string& class_name);
// The interpreter's spelling of an ABI mode (every field set).
[[nodiscard]] interp::UnitMode ToUnitMode(const vto_unit_mode& mode);

}  // namespace vto::backend

#endif  // VTO_BACKEND_BUILTIN_BACKEND_H
