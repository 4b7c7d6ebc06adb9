// broken_backend.cc — a deliberately broken plug-in backend for the campaign self-test
// (ci/selftest-fuzz): the built-in backend (lib/overlay through lib/interp) with four
// distinct bugs, each on a part of the requests, so that a campaign must keep finding past
// its first bug (keep-going, lib/harness/finding.h) to see them all. It claims the built-in
// backend's capabilities, so every bug is a broken promise the fuzz_dispatch oracles report:
//
//   fault                                             oracle (signature kind)
//   install applies only the FIRST replacement        "call of ..." (expected replacement id)
//     of each request and drops the rest
//   extra slot i >= 1 of an overlay with 3 or more    "extra slot ..." (is not null after
//     extra slots is the address of slot 0              install / keeps what was written)
//   install refuses a request reflected as a class    "unexpected refusal: ..."
//     named C5 with its own code 100
//   teardown of an overlay installed with exactly     "teardown ..." / the vptrs restored bit
//     one extra slot does nothing, says kRestored       for bit
//
// Each bug depends on the request alone, never on what ran before, so an input fails the
// same way when it is replayed or minimized on its own.
//
// A campaign that stays clean on this backend, or stops after one of them, proves nothing.
//
// Built as a MODULE (libvto_ci_broken_backend.so) and loaded through dlopen exactly like a
// user's backend: ci/fuzz --backend PATH.so (docs/BACKENDS.md). It only loads into a harness
// executable: BuiltinBackendApi() is resolved from the host's exported symbols.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <set>

#include "backend/backend_abi.h"
#include "backend/builtin_backend.h"

namespace {

const vto_backend_api& Builtin() { return *vto::backend::BuiltinBackendApi(); }

std::mutex g_mu;
std::set<uint64_t>* g_aliased = new std::set<uint64_t>;  // overlays whose extra slots alias slot 0
std::set<uint64_t>* g_sticky = new std::set<uint64_t>;   // overlays whose teardown does nothing

bool EndsWith(const char* s, const char* suffix) {
  const size_t n = std::strlen(s), m = std::strlen(suffix);
  return n >= m && std::strcmp(s + n - m, suffix) == 0;
}

int Install(vto_backend* b, const vto_backend_request* request, uint64_t* handle, char* msg, size_t msg_size) {
  if (request->class_name != nullptr && EndsWith(request->class_name, "::C5")) {
    *handle = 0;
    std::snprintf(msg, msg_size, "broken backend: C5 is not supported");
    return 100;
  }
  vto_backend_request truncated = *request;
  if (truncated.num_methods > 1) truncated.num_methods = 1;
  const int rc = Builtin().install(b, &truncated, handle, msg, msg_size);
  if (rc != 0) return rc;
  std::lock_guard<std::mutex> l(g_mu);
  if (request->extra_slots >= 3) g_aliased->insert(*handle);
  if (request->extra_slots == 1) g_sticky->insert(*handle);
  return 0;
}

void** ExtraSlot(vto_backend* b, uint64_t handle, void* instance, size_t i) {
  bool aliased;
  {
    std::lock_guard<std::mutex> l(g_mu);
    aliased = g_aliased->count(handle) != 0;
  }
  return Builtin().extra_slot(b, handle, instance, aliased ? 0 : i);
}

int Teardown(vto_backend* b, uint64_t handle) {
  {
    std::lock_guard<std::mutex> l(g_mu);
    if (g_sticky->erase(handle) != 0) return 0;  // vto::TeardownResult::kRestored
  }
  return Builtin().teardown(b, handle);
}

vto_backend_api MakeApi() {
  vto_backend_api api = Builtin();
  api.name = "broken-four-faults";
  api.install = &Install;
  api.extra_slot = &ExtraSlot;
  api.teardown = &Teardown;
  return api;
}

const vto_backend_api kApi = MakeApi();

}  // namespace

extern "C" __attribute__((visibility("default"))) const vto_backend_api* vto_backend_entry(void) { return &kApi; }
