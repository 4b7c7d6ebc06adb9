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
 * several threads at once (the race fuzzer does); `create`, `destroy`, `compile`, `lookup`
 * and `declare` are called from one thread at a time. */
#ifndef VTO_BACKEND_BACKEND_ABI_H
#define VTO_BACKEND_BACKEND_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VTO_BACKEND_ABI_VERSION 4u /* 1 to 3 are still accepted: tables without `abandon`
                                    * (1), without `promises` (1, 2: they promise all) and
                                    * without `compile_in_mode` (1 to 3) */

/* Capability bits: what the backend claims to support. A request needing a capability
 * the backend lacks must be refused; a refusal of a request within the capabilities is
 * reported by the fuzzers as a bug ("unexpected refusal"). */
#define VTO_CAP_DESTROY_HOOK 0x01u         /* on_destroy */
#define VTO_CAP_EXTRA_SLOTS 0x02u          /* extra_slots > 0 */
#define VTO_CAP_STACKING 0x04u             /* a second overlay on an object that has one */
#define VTO_CAP_MULTIPLE_VPTRS 0x08u       /* dynamic types with secondary vptrs */
#define VTO_CAP_VIRTUAL_BASES 0x10u        /* dynamic types with virtual bases */
#define VTO_CAP_MORE_DERIVED 0x20u         /* objects more derived than the reflected class */

/* Promise bits (ABI version 3): what the backend does where overlay implementations differ,
 * beyond its capabilities. The oracles check each promise the backend makes; a promise it
 * does not make is never a finding (the fuzzers avoid the situation, or accept any answer
 * that is memory-safe) and is counted as "not promised" in the harness's statistics. What
 * no overlay may break is checked always: memory safety under the sanitizers, the dispatch
 * and identity of every accepted install, a hook never firing twice, a live object's vptrs
 * restored bit for bit, nothing leaked. docs/BACKENDS.md lists the oracles of each bit. */
#define VTO_PROMISE_CALLBACK_BEFORE_DESTRUCTOR 0x001u /* the callback runs before the original
                                                        destructor: the object is intact in it */
#define VTO_PROMISE_REFUSES_INVALID_TARGET 0x002u  /* a null instance or a class the object does not
                                                     derive from is refused, nothing changed */
#define VTO_PROMISE_REFUSES_DYING_OBJECT 0x004u    /* an install from inside a callback on its own
                                                     dying object is refused (vto::Status 15) */
#define VTO_PROMISE_TERMINATES_ON_THROW 0x008u     /* a callback that throws terminates the process
                                                     with the contract's message (P9) */
#define VTO_PROMISE_DETACHES_FOREIGN_VPTR 0x010u   /* a teardown that finds a vptr not its own (a
                                                     constructor or a death rewrote it) writes nothing
                                                     and returns kDetached (P16) */
#define VTO_PROMISE_RELEASE_IN_CALLBACK 0x020u     /* the callback may tear its own overlay down:
                                                     kObjectDestroyed, then kAlreadyTornDown */
#define VTO_PROMISE_IDEMPOTENT_TEARDOWN 0x040u     /* a second teardown of a handle touches nothing
                                                     and returns kAlreadyTornDown */
#define VTO_PROMISE_STACKED_EXTRA_SLOTS 0x080u     /* every overlay of a stack keeps its own extra
                                                     slots, reached through its own handle */
#define VTO_PROMISE_HOOKS_COMPLETE_DESTRUCTOR 0x100u /* the callback also fires where the complete-
                                                       object destructor entry is called (p->~T(),
                                                       make_shared, containers, ::delete), not
                                                       only the deleting one (delete p) */
#define VTO_PROMISE_TEARDOWN_RESULTS 0x200u  /* teardown says what it did: kRestored on a live
                                                object, kObjectDestroyed after a hooked death,
                                                kDetached, kAlreadyTornDown (P13-P16); without it the
                                                answer is not read (an API whose teardown returns
                                                nothing, as CppInterOp's DestroyVTableOverlay) */
#define VTO_PROMISE_CONCURRENT_TEARDOWN 0x400u /* a teardown may run on another thread while the
                                                 object's hooked destruction runs (the defined
                                                 race, P20): kObjectDestroyed or kCancelled, the
                                                 hook once or never, no data race */
#define VTO_PROMISE_FREES_AT_DEATH 0x800u /* an overlay's memory is freed when its object dies
                                            through a hooked destructor, not when its handle is
                                            released afterwards: live_overlays() drops at the
                                            death (P21). Without it, an overlay of a dead object
                                            may count as live until its handle is released */
#define VTO_PROMISE_ALL 0xFFFu

typedef struct vto_backend vto_backend; /* the backend's own state */

/* ABI version 4: how one translation unit is compiled where it may differ from create's
 * arguments (docs/GENERATOR.md, "Compiler modes"). */
typedef struct {
  int opt_level;              /* -O<n>: 0, 1 or 2 */
  int assume_unique_vtables;  /* 1: -fassume-unique-vtables (clang's default), 0: -fno-... */
  int strict_vtable_pointers; /* 1: -fstrict-vtable-pointers, 0: -fno-strict-vtable-pointers */
} vto_unit_mode;

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
  /* Number of translation units compiled by this instance since create (for recycling).
   * Unused (may be NULL) for a backend that only reflects. */
  size_t (*compiled_units)(vto_backend* b);
  /* ABI version 2. The binding's report of an invisible death (docs/CONTRACT.md, P17/Q2):
   * free every overlay of the object `handle` belongs to WITHOUT touching the object; no
   * callback runs. Returns a vto::TeardownResult value. May be NULL: the fuzzers then tear
   * every overlay down before an invisible death instead. */
  int (*abandon)(vto_backend* b, uint64_t handle);
  /* ABI version 3: VTO_PROMISE_* bits. Read only from version-3 tables; older ones promise
   * VTO_PROMISE_ALL (what the fuzzers assumed before promises existed). */
  uint32_t promises;
  /* ABI version 3, may be NULL: a backend that only REFLECTS. With `compile` NULL (`lookup`
   * is then unused and may be NULL), the harness compiles and runs every translation unit in
   * its own interpreter (lib/interp: instrumented like the host, with its workarounds for
   * clang-repl under ASan) and, before any object of them exists, hands the backend the
   * declarations of the same classes: every member function declared and none defined, so
   * there is no code to generate and no vtable or RTTI to emit. The backend parses them in
   * its own interpreter and reflects by name; the objects it overlays were made by the
   * harness's code. Returns 0 on success; diagnostics as for compile. */
  int (*declare)(vto_backend* b, const char* declarations, char* diag, size_t diag_size);
  /* ABI version 4, may be NULL: as `compile`, with this one unit compiled in `mode`; the next
   * unit is compiled as create's arguments say again. A backend that compiles without it
   * gets every unit compiled with its arguments; one that only reflects needs none (the
   * harness's interpreter compiles in every mode). */
  int (*compile_in_mode)(vto_backend* b, const char* code, const vto_unit_mode* mode, char* diag, size_t diag_size);
} vto_backend_api;

typedef const vto_backend_api* (*vto_backend_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* VTO_BACKEND_BACKEND_ABI_H */
