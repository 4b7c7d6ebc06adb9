/* backend_abi.h — the C ABI a plug-in overlay backend exports (docs/BACKENDS.md).
 *
 * A backend is a shared library with one exported function:
 *
 *   const vto_backend_api* vto_backend_entry(void);
 *
 * returning a table of function pointers that lives as long as the library is loaded.
 * The harness loads it with dlopen (environment variable VTO_BACKEND, or a fuzzer flag),
 * checks `abi_version`, and reaches the overlay implementation only through this table:
 * compile C++ source, look up symbols, install/tear down overlays by class and method
 * NAME (the backend reflects them itself), read extra slots, count live overlays, and
 * declare which layouts it refuses.
 *
 * Threading: `install`, `teardown`, `extra_slot` and `live_overlays` may be called from
 * several threads at once (the race fuzzer does); `create`, `destroy`, `compile` and
 * `lookup` are called from one thread at a time. */
#ifndef VTO_BACKEND_BACKEND_ABI_H
#define VTO_BACKEND_BACKEND_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VTO_BACKEND_ABI_VERSION 2u /* 1 is still accepted: a table without `abandon` */

/* Capability bits: what the backend claims to support. A request needing a capability
 * the backend lacks must be refused; a refusal of a request within the capabilities is
 * reported by the fuzzers as a bug ("unexpected refusal"). */
#define VTO_CAP_DESTROY_HOOK 0x01u         /* on_destroy */
#define VTO_CAP_EXTRA_SLOTS 0x02u          /* extra_slots > 0 */
#define VTO_CAP_STACKING 0x04u             /* a second overlay on an object that has one */
#define VTO_CAP_MULTIPLE_VPTRS 0x08u       /* dynamic types with secondary vptrs */
#define VTO_CAP_VIRTUAL_BASES 0x10u        /* dynamic types with virtual bases */
#define VTO_CAP_MORE_DERIVED 0x20u         /* objects more derived than the reflected class */

typedef struct vto_backend vto_backend; /* the backend's own state */

typedef struct {
  void* instance;                  /* complete object */
  const char* class_name;          /* reflected class, qualified ("ns::C") */
  const char* const* method_names; /* "m3" or "m3(int, double)" for overloads */
  void* const* replacements;       /* one per method name */
  size_t num_methods;
  size_t extra_slots;
  void (*on_destroy)(void* instance, void* user_data);
  void* user_data;
} vto_backend_request;

/* Outcome codes of install: 0 success; otherwise a refusal. Codes 1..99 mean the
 * numeric values of vto::Status (lib/overlay/status.h); a backend with its own reasons
 * may use 100 and above. */
/* Outcome codes of teardown: the numeric values of vto::TeardownResult. */

typedef struct {
  uint32_t abi_version; /* VTO_BACKEND_ABI_VERSION */
  const char* name;
  uint32_t capabilities; /* VTO_CAP_* */
  /* compiler_args: extra clang arguments (sanitizer flags...). On failure returns NULL and
   * writes a message into err. */
  vto_backend* (*create)(const char* const* compiler_args, size_t num_args, char* err, size_t err_size);
  void (*destroy)(vto_backend* b);
  /* Compiles and runs one translation unit. Returns 0 on success; diagnostics (warnings
   * included) are written to diag either way (NUL-terminated, truncated). */
  int (*compile)(vto_backend* b, const char* code, char* diag, size_t diag_size);
  void* (*lookup)(vto_backend* b, const char* symbol);
  int (*install)(vto_backend* b, const vto_backend_request* req, uint64_t* handle, char* msg, size_t msg_size);
  int (*teardown)(vto_backend* b, uint64_t handle);
  /* Address of extra slot i of the overlay `handle` on `instance` (valid while installed). */
  void** (*extra_slot)(vto_backend* b, uint64_t handle, void* instance, size_t i);
  /* Overlays whose memory the backend still holds (for leak checks). */
  size_t (*live_overlays)(vto_backend* b);
  /* Number of translation units compiled by this instance since create (for recycling). */
  size_t (*compiled_units)(vto_backend* b);
  /* ABI version 2. The binding's report of an invisible death (docs/CONTRACT.md, P17/Q2):
   * free every overlay of the object `handle` belongs to WITHOUT touching the object; no
   * callback runs. Returns a vto::TeardownResult value. May be NULL: the fuzzers then tear
   * every overlay down before an invisible death instead. */
  int (*abandon)(vto_backend* b, uint64_t handle);
} vto_backend_api;

typedef const vto_backend_api* (*vto_backend_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* VTO_BACKEND_BACKEND_ABI_H */
