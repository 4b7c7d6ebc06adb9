// broken_plugin_backend.cc — a deliberately broken plug-in that stands alone (it needs nothing
// from the executable that loads it), for ci/selftest-repro's plug-in case: the in-tree
// minimal plug-in (lib/backend_minimal), loaded by this one, except that install applies only
// the FIRST replacement of each request. A reproducer ci/repro writes for an input that fails
// on it must load this .so, drive it through its C ABI and fail the same check; built against
// the correct minimal plug-in ($VTO_BACKEND when it runs), the same program must pass.
//
// Built as a MODULE (libvto_ci_broken_plugin_backend.so); VTO_MINIMAL_BACKEND_PATH is the
// minimal plug-in of the same build.
#include <dlfcn.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "backend/backend_abi.h"

namespace {

const vto_backend_api* Minimal() {
  static const vto_backend_api* api = [] {
    void* dl = dlopen(VTO_MINIMAL_BACKEND_PATH, RTLD_NOW | RTLD_LOCAL);
    auto entry = dl != nullptr ? reinterpret_cast<vto_backend_entry_fn>(dlsym(dl, "vto_backend_entry")) : nullptr;
    if (entry == nullptr) {
      std::fprintf(stderr, "broken plug-in: cannot load %s: %s\n", VTO_MINIMAL_BACKEND_PATH, dlerror());
      return static_cast<const vto_backend_api*>(nullptr);
    }
    return entry();
  }();
  return api;
}

int InstallFirstReplacementOnly(vto_backend* b, const vto_backend_request* request, uint64_t* handle, char* msg,
                                size_t msg_size) {
  vto_backend_request truncated = *request;
  if (truncated.num_methods > 1) truncated.num_methods = 1;
  return Minimal()->install(b, &truncated, handle, msg, msg_size);
}

const vto_backend_api* Make() {
  static vto_backend_api api;
  if (Minimal() == nullptr) return nullptr;
  api = *Minimal();
  api.name = "broken-minimal-drops-replacements";
  api.install = &InstallFirstReplacementOnly;
  return &api;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const vto_backend_api* vto_backend_entry(void) {
  static const vto_backend_api* api = Make();
  return api;
}
