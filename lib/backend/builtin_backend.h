// builtin_backend.h — the built-in backend: this project's overlay library (lib/overlay)
// reflecting through this project's interpreter layer (lib/interp), as a vto_backend_api
// table. Capabilities: destroy hook, extra slots, stacking, more-derived objects; refuses
// secondary vptrs and virtual bases (docs/CONTRACT.md, R12).
#ifndef VTO_BACKEND_BUILTIN_BACKEND_H
#define VTO_BACKEND_BUILTIN_BACKEND_H

#include "backend/backend_abi.h"
#include "overlay/class_shape.h"

namespace vto::backend {

[[nodiscard]] const vto_backend_api* BuiltinBackendApi();
// The shapes of a state made by BuiltinBackendApi()->create (Backend::native_shapes).
[[nodiscard]] const ShapeResolver* BuiltinShapes(const vto_backend* state);

}  // namespace vto::backend

#endif  // VTO_BACKEND_BUILTIN_BACKEND_H
