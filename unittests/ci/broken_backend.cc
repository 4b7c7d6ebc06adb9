// broken_backend.cc — a deliberately broken plug-in backend for the campaign self-test
// (ci/selftest-fuzz): the built-in backend (lib/overlay through lib/interp), except that
// install applies only the FIRST replacement of each request and silently drops the rest.
// It claims the built-in backend's capabilities, so the dispatch oracles must report the
// dropped replacements ("expected replacement id ...") — a campaign that stays clean on
// this backend would prove nothing.
//
// Built as a MODULE (libvto_ci_broken_backend.so) and loaded through dlopen exactly like a
// user's backend: ci/fuzz --backend PATH.so (docs/BACKENDS.md). It only loads into a harness
// executable: BuiltinBackendApi() is resolved from the host's exported symbols.
#include <cstddef>
#include <cstdint>

#include "backend/backend_abi.h"
#include "backend/builtin_backend.h"

namespace {

int InstallFirstReplacementOnly(vto_backend* b, const vto_backend_request* request, uint64_t* handle, char* msg,
                                size_t msg_size) {
  vto_backend_request truncated = *request;
  if (truncated.num_methods > 1) truncated.num_methods = 1;
  return vto::backend::BuiltinBackendApi()->install(b, &truncated, handle, msg, msg_size);
}

vto_backend_api MakeApi() {
  vto_backend_api api = *vto::backend::BuiltinBackendApi();
  api.name = "broken-drops-replacements";
  api.install = &InstallFirstReplacementOnly;
  return api;
}

const vto_backend_api kApi = MakeApi();

}  // namespace

extern "C" __attribute__((visibility("default"))) const vto_backend_api* vto_backend_entry(void) { return &kApi; }
