/* overlay_c.h — the overlay library's C API, for bindings written in C or called through
 * an FFI. Same promises as overlay.h (docs/CONTRACT.md); this header adds only the calling
 * convention:
 *
 *   - handles are vto_overlay_t values (uint64_t, 0 = none), generation-checked: tearing a
 *     handle down twice is harmless (VTO_TEARDOWN_ALREADY_TORN_DOWN the second time);
 *   - status codes are the numeric values of vto::Status / vto::TeardownResult;
 *   - class shapes come from a vto_shape_resolver (a vto::ShapeResolver*): the interpreter
 *     layer's resolver, or a table built here with vto_shape_table_*.
 *
 * Example:
 *   vto_shape_table* t = vto_shape_table_new();
 *   vto_class_shape_desc d = {0};
 *   d.rtti_name = "6Animal"; d.name = "Animal"; d.num_slots = 3;
 *   d.complete_dtor_slot = 0; d.deleting_dtor_slot = 1;
 *   vto_shape_table_add(t, &d);
 *   vto_slot_replacement rep = {2, (void*)&my_legs};
 *   vto_install_args a = {0};
 *   a.instance = obj; a.reflected_rtti_name = "6Animal"; a.replacements = &rep; a.num_replacements = 1;
 *   vto_overlay_t h; char msg[256];
 *   if (vto_install(&a, vto_shape_table_resolver(t), &h, msg, sizeof msg) != 0) puts(msg);
 *   ...
 *   vto_teardown(h);
 *
 * Thread-safety: as overlay.h. */
#ifndef VTO_OVERLAY_OVERLAY_C_H
#define VTO_OVERLAY_OVERLAY_C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t vto_overlay_t;
typedef struct vto_shape_resolver vto_shape_resolver; /* a vto::ShapeResolver */
typedef struct vto_shape_table vto_shape_table;       /* a vto::ShapeTable */
typedef void (*vto_destroy_callback)(void* instance, void* user_data);

typedef struct {
  uint32_t slot;
  void* function;
} vto_slot_replacement;

typedef struct {
  const char* rtti_name; /* std::type_info::name() */
  const char* name;      /* for messages; may be NULL */
  int polymorphic;       /* nonzero when the class has a vptr; 0 is taken as 1 when num_slots > 0 */
  uint32_t num_slots;
  int32_t complete_dtor_slot; /* -1 when the destructor is not virtual */
  int32_t deleting_dtor_slot;
  int has_secondary_vptrs;
  int has_virtual_bases;
  int vptr_identity_assumed;
  const char* const* primary_bases; /* RTTI names, nearest first */
  size_t num_primary_bases;
} vto_class_shape_desc;

typedef struct {
  void* instance;
  const char* reflected_rtti_name; /* looked up in the resolver */
  const vto_slot_replacement* replacements;
  size_t num_replacements;
  size_t extra_slots;
  vto_destroy_callback on_destroy;
  void* user_data;
} vto_install_args;

/* Returns a vto::Status value (0 on success, then *out holds the handle). On refusal *out
 * is 0 and, when message_size > 0, `message` holds a NUL-terminated reason (truncated). */
int vto_install(const vto_install_args* args, const vto_shape_resolver* resolver, vto_overlay_t* out,
                char* message, size_t message_size);
/* Return vto::TeardownResult values. */
int vto_teardown(vto_overlay_t overlay);
int vto_abandon(vto_overlay_t overlay);
size_t vto_first_extra_index(vto_overlay_t overlay);
static inline void** vto_extra_slot(void* instance, size_t index) {
  void** vptr = *(void***)instance;
  return &vptr[-(ptrdiff_t)(4 + index)];
}
size_t vto_live_blocks(void);
size_t vto_live_handles(void);
const char* vto_status_name(int status);
const char* vto_teardown_result_name(int result);

vto_shape_table* vto_shape_table_new(void);
void vto_shape_table_free(vto_shape_table* table); /* no overlay may be installed through it later */
int vto_shape_table_add(vto_shape_table* table, const vto_class_shape_desc* desc); /* 0, or -1 on bad desc */
const vto_shape_resolver* vto_shape_table_resolver(const vto_shape_table* table);

#ifdef __cplusplus
}
#endif

#endif /* VTO_OVERLAY_OVERLAY_C_H */
