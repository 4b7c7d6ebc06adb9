// crashing_backend.cc — a plug-in whose own code has a heap overflow that AddressSanitizer
// reports: the built-in backend, except that every 20,000th install in a process writes past
// a heap block first. Every report ends the fuzzer, so a campaign on it measures how fast
// fuzzing starts again after a sanitizer report (warm restarts, lib/harness/warm_restart.h):
// what the fuzzer has already compiled is kept, or paid for again.
//
// Built as a MODULE (libvto_ci_crashing_backend.so) with the preset's sanitizer flags, so its
// code is instrumented like a user's plug-in built as docs/BACKENDS.md says; BuiltinBackendApi()
// is resolved from the fuzzer, as for broken_backend.cc.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "backend/backend_abi.h"
#include "backend/builtin_backend.h"

namespace {

constexpr uint64_t kEvery = 20000;
std::atomic<uint64_t> g_installs{0};

int Install(vto_backend* b, const vto_backend_request* request, uint64_t* handle, char* msg, size_t msg_size) {
  if (g_installs.fetch_add(1) % kEvery == kEvery - 1) {
    volatile char* scratch = static_cast<char*>(std::malloc(8));
    scratch[8 + request->num_methods] = 1;  // past the end: heap-buffer-overflow
    std::free(const_cast<char*>(scratch));
  }
  return vto::backend::BuiltinBackendApi()->install(b, request, handle, msg, msg_size);
}

vto_backend_api MakeApi() {
  vto_backend_api api = *vto::backend::BuiltinBackendApi();
  api.name = "crashing-every-20000th-install";
  api.install = &Install;
  return api;
}

const vto_backend_api kApi = MakeApi();

}  // namespace

extern "C" __attribute__((visibility("default"))) const vto_backend_api* vto_backend_entry(void) { return &kApi; }
