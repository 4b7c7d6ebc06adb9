// c_api.cc — the C API (overlay_c.h) over the C++ API.
#include <cstring>
#include <string>

#include "overlay/overlay.h"
#include "overlay/overlay_c.h"

static_assert(vto::abi::kFirstExtraDistance == 4, "vto_extra_slot in overlay_c.h hard-codes the distance");

namespace {

const vto::ShapeResolver* AsResolver(const vto_shape_resolver* r) {
  return reinterpret_cast<const vto::ShapeResolver*>(r);
}

void CopyMessage(const std::string& m, char* out, size_t size) {
  if (out == nullptr || size == 0) return;
  size_t n = m.size() < size - 1 ? m.size() : size - 1;
  std::memcpy(out, m.data(), n);
  out[n] = '\0';
}

int Refuse(vto::Status s, const std::string& why, char* message, size_t size) {
  CopyMessage(std::string(vto::StatusName(s)) + ": " + why, message, size);
  return static_cast<int>(s);
}

}  // namespace

namespace {

// The ClassShape a descriptor describes, without the group; false on a bad descriptor.
bool ShapeFromDesc(const vto_class_shape_desc* d, vto::ClassShape* out) {
  if (d == nullptr || d->rtti_name == nullptr) return false;
  if (d->num_primary_bases != 0 && d->primary_bases == nullptr) return false;
  vto::ClassShape& s = *out;
  s.rtti_name = d->rtti_name;
  s.name = d->name != nullptr ? d->name : d->rtti_name;
  s.polymorphic = d->polymorphic != 0 || d->num_slots > 0;
  s.num_slots = d->num_slots;
  s.complete_dtor_slot = d->complete_dtor_slot;
  s.deleting_dtor_slot = d->deleting_dtor_slot;
  s.has_secondary_vptrs = d->has_secondary_vptrs != 0;
  s.has_virtual_bases = d->has_virtual_bases != 0;
  s.vptr_identity_assumed = d->vptr_identity_assumed != 0;
  for (size_t i = 0; i < d->num_primary_bases; ++i) {
    if (d->primary_bases[i] == nullptr) return false;
    s.primary_bases.emplace_back(d->primary_bases[i]);
  }
  return true;
}

// The group and subobjects; false when they contradict each other or the descriptor.
bool GroupFromDesc(const vto_vtable_desc* group, size_t n, const vto_subobject_desc* subs, size_t m,
                   vto::ClassShape* s) {
  if (group == nullptr || n == 0 || subs == nullptr || m == 0) return false;
  if (group[0].vptr_offset != 0 || group[0].num_slots != s->num_slots) return false;
  for (size_t j = 0; j < n; ++j) {
    const vto_vtable_desc& g = group[j];
    if (g.prefix_words < 2 || (g.num_slots != 0 && g.entries == nullptr)) return false;
    for (size_t k = 0; k < j; ++k)
      if (group[k].vptr_offset == g.vptr_offset) return false;  // one vtable per vptr
    vto::VTableShape v;
    v.vptr_offset = g.vptr_offset;
    v.prefix_words = g.prefix_words;
    v.num_slots = g.num_slots;
    for (uint32_t t = 0; t < g.num_slots; ++t) {
      const vto_vtable_entry_desc& e = g.entries[t];
      if (e.kind > VTO_ENTRY_UNUSED) return false;
      vto::VTableEntry entry;
      entry.kind = static_cast<vto::VTableEntry::Kind>(e.kind);
      entry.overrider = e.kind == VTO_ENTRY_UNUSED ? vto::VTableEntry::kNoOverrider : e.overrider;
      if (e.kind != VTO_ENTRY_UNUSED && e.overrider == vto::VTableEntry::kNoOverrider) return false;
      entry.return_adjusted = e.return_adjusted != 0;
      entry.returns_in_memory = e.returns_in_memory != 0;
      v.entries.push_back(entry);
    }
    s->vtable_group.push_back(std::move(v));
  }
  bool self = false;
  for (size_t i = 0; i < m; ++i) {
    if (subs[i].rtti_name == nullptr) return false;
    bool has_vtable = false;
    for (size_t j = 0; j < n; ++j) has_vtable = has_vtable || group[j].vptr_offset == subs[i].offset;
    if (!has_vtable) return false;
    self = self || (subs[i].offset == 0 && s->rtti_name == subs[i].rtti_name);
    s->subobjects.push_back({subs[i].rtti_name, subs[i].offset});
  }
  return self;
}

}  // namespace

extern "C" {

int vto_install(const vto_install_args* args, const vto_shape_resolver* resolver, vto_overlay_t* out,
                char* message, size_t message_size) {
  if (out != nullptr) *out = 0;
  CopyMessage("", message, message_size);
  if (args == nullptr || out == nullptr) return Refuse(vto::Status::kNullInstance, "args or out is NULL", message, message_size);
  if (resolver == nullptr) return Refuse(vto::Status::kNullShape, "resolver is NULL", message, message_size);
  if (args->reflected_rtti_name == nullptr) return Refuse(vto::Status::kNullShape, "reflected_rtti_name is NULL", message, message_size);
  if (args->num_replacements != 0 && args->replacements == nullptr) {
    return Refuse(vto::Status::kNullReplacement, "replacements is NULL", message, message_size);
  }
  vto::InstallRequest req;
  req.instance = args->instance;
  req.reflected = AsResolver(resolver)->Find(args->reflected_rtti_name);
  if (req.reflected == nullptr) {
    return Refuse(vto::Status::kNullShape,
                  std::string("the resolver has no shape for reflected class '") + args->reflected_rtti_name + "'",
                  message, message_size);
  }
  try {
    for (size_t i = 0; i < args->num_replacements; ++i) {
      req.replacements.push_back({args->replacements[i].slot, args->replacements[i].function});
    }
  } catch (...) {
    return Refuse(vto::Status::kOutOfMemory, "copying the replacements failed", message, message_size);
  }
  req.extra_slots = args->extra_slots;
  req.on_destroy = args->on_destroy;
  req.user_data = args->user_data;
  vto::InstallResult r = vto::Install(req, *AsResolver(resolver));
  if (!r.ok()) {
    CopyMessage(r.message, message, message_size);
    return static_cast<int>(r.status);
  }
  *out = r.overlay.release();
  return 0;
}

int vto_teardown(vto_overlay_t overlay) { return static_cast<int>(vto::TeardownOverlay(overlay)); }
int vto_abandon(vto_overlay_t overlay) { return static_cast<int>(vto::AbandonOverlay(overlay)); }
size_t vto_first_extra_index(vto_overlay_t overlay) { return vto::FirstExtraIndex(overlay); }
size_t vto_live_blocks(void) { return vto::LiveBlocks(); }
size_t vto_live_handles(void) { return vto::LiveHandles(); }
const char* vto_status_name(int status) { return vto::StatusName(static_cast<vto::Status>(status)); }
const char* vto_teardown_result_name(int result) {
  return vto::TeardownResultName(static_cast<vto::TeardownResult>(result));
}

vto_shape_table* vto_shape_table_new(void) {
  try {
    return reinterpret_cast<vto_shape_table*>(new vto::ShapeTable);
  } catch (...) {
    return nullptr;
  }
}

void vto_shape_table_free(vto_shape_table* table) { delete reinterpret_cast<vto::ShapeTable*>(table); }

int vto_shape_table_add(vto_shape_table* table, const vto_class_shape_desc* d) {
  if (table == nullptr) return -1;
  try {
    vto::ClassShape s;
    if (!ShapeFromDesc(d, &s)) return -1;
    reinterpret_cast<vto::ShapeTable*>(table)->Add(std::move(s));
    return 0;
  } catch (...) {
    return -1;
  }
}

int vto_shape_table_add_group(vto_shape_table* table, const vto_class_shape_desc* d, const vto_vtable_desc* group,
                              size_t num_vtables, const vto_subobject_desc* subobjects, size_t num_subobjects) {
  if (table == nullptr) return -1;
  try {
    vto::ClassShape s;
    if (!ShapeFromDesc(d, &s) || !GroupFromDesc(group, num_vtables, subobjects, num_subobjects, &s)) return -1;
    s.has_secondary_vptrs = s.has_secondary_vptrs || num_vtables > 1;
    reinterpret_cast<vto::ShapeTable*>(table)->Add(std::move(s));
    return 0;
  } catch (...) {
    return -1;
  }
}

const vto_shape_resolver* vto_shape_table_resolver(const vto_shape_table* table) {
  return reinterpret_cast<const vto_shape_resolver*>(static_cast<const vto::ShapeResolver*>(
      reinterpret_cast<const vto::ShapeTable*>(table)));
}

}  // extern "C"
