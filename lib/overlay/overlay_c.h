/* overlay_c.h — the overlay library's C API, for bindings written in C or called through
 * an FFI. Same promises as overlay.h (docs/CONTRACT.md); this header adds only the calling
 * convention:
 *
 *   - handles are vto_overlay_t values (uint64_t, 0 = none), generation-checked: tearing a
 *     handle down twice is harmless (VTO_TEARDOWN_ALREADY_TORN_DOWN the second time);
 *   - status codes are the numeric values of vto::Status / vto::TeardownResult;
 *   - class shapes come from a vto_shape_resolver (a vto::ShapeResolver*): the interpreter
 *     layer's resolver, or a table built here with vto_shape_table_* (with
 *     vto_shape_table_add_group for several vptrs or virtual bases);
 *   - vto_extra_slot(p, vto_first_extra_index(h) + i) reads through the pointer p the overlay
 *     was installed with.
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

/* The vtable group, for dynamic types with several vptrs or virtual bases (CONTRACT P23-P26;
 * vto::VTableEntry, vto::VTableShape and vto::SubobjectShape in class_shape.h). */
enum {
  VTO_ENTRY_FUNCTION = 0,
  VTO_ENTRY_COMPLETE_DTOR = 1,
  VTO_ENTRY_DELETING_DTOR = 2,
  VTO_ENTRY_UNUSED = 3
};
typedef struct {
  uint32_t kind;          /* VTO_ENTRY_* */
  uint32_t overrider;     /* equal ids: the same function on the same subobject; UINT32_MAX if UNUSED */
  int return_adjusted;    /* nonzero: a covariant-return thunk */
  int returns_in_memory;  /* nonzero: the result is returned in memory (this in rsi) */
} vto_vtable_entry_desc;

typedef struct {
  int64_t vptr_offset;    /* of its vptr in the complete object; 0 for the first (primary) */
  uint32_t prefix_words;  /* words before the address point, >= 2 */
  uint32_t num_slots;
  const vto_vtable_entry_desc* entries; /* num_slots of them */
} vto_vtable_desc;

typedef struct {
  const char* rtti_name;
  int64_t offset;         /* a vptr_offset of the group */
} vto_subobject_desc;

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
/* The same with the class's vtable group (group[0] the primary vtable, its num_slots equal to
 * desc->num_slots) and its polymorphic subobjects (the class itself at offset 0 among them).
 * 0, or -1 on a bad description (nothing added). */
int vto_shape_table_add_group(vto_shape_table* table, const vto_class_shape_desc* desc,
                              const vto_vtable_desc* group, size_t num_vtables,
                              const vto_subobject_desc* subobjects, size_t num_subobjects);
const vto_shape_resolver* vto_shape_table_resolver(const vto_shape_table* table);

#ifdef __cplusplus
}
#endif

#endif /* VTO_OVERLAY_OVERLAY_C_H */
