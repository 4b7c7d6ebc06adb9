// reflect_only_backend.cc — the built-in backend as a plug-in that only REFLECTS
// (backend_abi.h, `declare`): its table leaves compile and lookup NULL, so the harness runs
// every hierarchy in its own interpreter and this backend's interpreter parses only their
// declarations (no code of its own, no vtables emitted there) — how a binding whose own
// interpreter cannot run the harness's code is plugged in. The fuzzers must run all three
// targets on it with the full hierarchy set, as clean as on the built-in backend.
//
// Built as a MODULE (libvto_ci_reflect_only_backend.so), loaded through dlopen like a user's
// backend (VTO_BACKEND=...); BuiltinBackendApi() is resolved from the host executable, as
// for broken_backend.cc.
#include "backend/backend_abi.h"
#include "backend/builtin_backend.h"

namespace {

vto_backend_api MakeApi() {
  vto_backend_api api = *vto::backend::BuiltinBackendApi();
  api.name = "builtin-reflects-only";
  api.compile = nullptr;
  api.lookup = nullptr;
  api.compiled_units = nullptr;
  return api;  // declare: the built-in interpreter parses the declarations
}

const vto_backend_api kApi = MakeApi();

}  // namespace

extern "C" __attribute__((visibility("default"))) const vto_backend_api* vto_backend_entry(void) { return &kApi; }
