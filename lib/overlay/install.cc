// install.cc — vto::Install: validate, clone the dynamic type's vtable, patch, link.
//
// The success path allocates exactly one thing, the block (CONTRACT P4): the request check
// finds duplicate slots without a container, and every refusal message is built in an
// out-of-line cold function, so no std::string lives in Install's own frame (under ASan
// such temporaries made it an 8 KB frame).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <type_traits>

#include "overlay/block.h"
#include "overlay/destroy_hook.h"
#include "overlay/fault.h"
#include "overlay/overlay.h"
#include "overlay/registry.h"
#include "overlay/thunk_pool.h"

namespace vto {
namespace {

using internal::Block;

template <typename T>
void AppendPart(std::string& out, const T& part) {
  if constexpr (std::is_integral_v<T>) {
    out += std::to_string(part);
  } else {
    out += part;  // text: a literal, a const char* or a std::string
  }
}

// A refusal: the status and "<StatusName>: " followed by the parts (text and integers).
// Out of line and cold: the messages' strings never enter the caller's frame.
template <typename... Parts>
[[gnu::noinline, gnu::cold]] InstallResult Refuse(Status status, const Parts&... parts) {
  InstallResult r;
  r.status = status;
  r.message = StatusName(status);
  r.message += ": ";
  (AppendPart(r.message, parts), ...);
  return r;
}

// Requests with at most this many replacements are checked pair by pair (at most 28
// comparisons), cheaper than clearing the window's bitmap.
constexpr size_t kCompareAll = 8;

// Index of the first replacement whose slot an earlier replacement already names, or
// `replacements.size()` when all slots are distinct. Allocates nothing: the slots are
// checked in windows of kWindow consecutive slot numbers with a bitmap on the stack,
// visiting only windows that hold a slot (at most one window per replacement; a shape of
// at most kWindow slots — nearly every class — needs one pass). Not inlined, so the bitmap
// stays out of Install's frame.
[[gnu::noinline]] size_t FirstDuplicate(const std::vector<SlotReplacement>& replacements) {
  constexpr uint64_t kWindow = 1024;
  const size_t n = replacements.size();
  if (n <= kCompareAll) {  // a few replacements (nearly every request): compared pairwise
    for (size_t i = 1; i < n; ++i)
      for (size_t k = 0; k < i; ++k)
        if (replacements[k].slot == replacements[i].slot) return i;
    return n;
  }
  size_t first = n;
  uint64_t start = 0;  // the window is [start, start + kWindow)
  for (;;) {
    uint64_t seen[kWindow / 64] = {};
    uint64_t next = UINT64_MAX;  // the lowest slot past this window
    for (size_t i = 0; i < n && i < first; ++i) {
      const uint64_t slot = replacements[i].slot;
      if (slot < start) continue;  // an earlier window's
      if (slot - start >= kWindow) {
        next = std::min(next, slot);
        continue;
      }
      const uint64_t bit = uint64_t{1} << ((slot - start) % 64);
      uint64_t& word = seen[(slot - start) / 64];
      if ((word & bit) != 0) {
        first = i;  // the earliest duplicate in this window; later windows only look before it
        break;
      }
      word |= bit;
    }
    if (next == UINT64_MAX) return first;
    start = next;
  }
}

// Everything that can be decided from the request alone, before the object is read.
InstallResult CheckRequest(const InstallRequest& req) {
  if (req.instance == nullptr) return Refuse(Status::kNullInstance, "instance is null");
  if (req.reflected == nullptr) return Refuse(Status::kNullShape, "no reflected class shape given");
  const ClassShape& cls = *req.reflected;
#if VTO_FAULT_IS(not_polymorphic_check_skipped)
  if (false) {  // FAULT: "the dynamic type check will notice"
#else
  if (!cls.polymorphic) {  // (a vptr whose vtable names no function of its own still is one: P23)
#endif
    return Refuse(Status::kNotPolymorphic, "class ", cls.name, " has no vptr");
  }
  if (req.extra_slots > internal::kMaxExtraSlots) {
    return Refuse(Status::kExtraSlotsOverflow, "extra_slots = ", req.extra_slots, " exceeds the limit of ",
                  internal::kMaxExtraSlots);
  }
  // Each replacement is checked in order, the duplicate check last, as one loop would.
#if VTO_FAULT_IS(duplicate_check_adjacent_only)
  (void)&FirstDuplicate;
  size_t duplicate = req.replacements.size();  // FAULT: "a sorted list" is assumed
  for (size_t i = 1; i < req.replacements.size() && duplicate == req.replacements.size(); ++i) {
    if (req.replacements[i].slot == req.replacements[i - 1].slot) duplicate = i;
  }
#else
  const size_t duplicate = FirstDuplicate(req.replacements);
#endif
  for (size_t i = 0; i < req.replacements.size(); ++i) {
    const SlotReplacement& r = req.replacements[i];
#if VTO_FAULT_IS(slot_range_off_by_one)
    if (r.slot > cls.num_slots) {  // FAULT: off by one
#else
    if (r.slot >= cls.num_slots) {
#endif
      return Refuse(Status::kSlotOutOfRange, "slot ", r.slot, " is out of range: class ", cls.name, " has ",
                    cls.num_slots, " vtable slots");
    }
#if VTO_FAULT_IS(deleting_dtor_slot_replaceable)
    if (static_cast<int64_t>(r.slot) == cls.complete_dtor_slot) {  // FAULT: one of the two entries
#else
    if (static_cast<int64_t>(r.slot) == cls.complete_dtor_slot ||
        static_cast<int64_t>(r.slot) == cls.deleting_dtor_slot) {
#endif
      return Refuse(Status::kDestructorSlot, "slot ", r.slot, " of ", cls.name,
                    " is a destructor slot; use on_destroy");
    }
#if VTO_FAULT_IS(null_replacement_accepted)
    if (false) {  // FAULT: a null function is "the original"
#else
    if (r.function == nullptr) {
#endif
      return Refuse(Status::kNullReplacement, "replacement for slot ", r.slot, " is null");
    }
    if (i == duplicate) return Refuse(Status::kDuplicateSlot, "slot ", r.slot, " is replaced twice");
  }
#if !VTO_FAULT_IS(hook_on_nonvirtual_dtor_accepted)  // (checked against the dynamic type instead)
  if (req.on_destroy != nullptr && (cls.complete_dtor_slot < 0 || cls.deleting_dtor_slot < 0)) {
    return Refuse(Status::kNoVirtualDestructor, "a destroy hook needs a virtual destructor; ", cls.name,
                  "'s destructor is not virtual");
  }
#endif
  return InstallResult{};
}

// The dynamic type's vtable group as Install reads it: the shape's group with its overrider
// map, or — for a shape filled by hand without a group — the primary vtable alone, each slot
// its own final overrider and the destructor entries where the shape says.
class GroupView {
 public:
  explicit GroupView(const ClassShape& dyn) : dyn_(dyn) {}
  [[nodiscard]] bool described() const { return !dyn_.vtable_group.empty(); }
  // False when some vtable lacks its overrider map (only a one-vtable group may).
  [[nodiscard]] bool complete() const {
    if (dyn_.vtable_group.size() <= 1) return true;
    for (const VTableShape& v : dyn_.vtable_group)
      if (v.entries.size() != v.num_slots) return false;
    return true;
  }
  [[nodiscard]] size_t size() const { return described() ? dyn_.vtable_group.size() : 1; }
  [[nodiscard]] int64_t offset(size_t j) const { return described() ? dyn_.vtable_group[j].vptr_offset : 0; }
  [[nodiscard]] uint32_t prefix(size_t j) const {
    return described() ? dyn_.vtable_group[j].prefix_words : static_cast<uint32_t>(abi::kPrefixWords);
  }
  [[nodiscard]] uint32_t slots(size_t j) const { return described() ? dyn_.vtable_group[j].num_slots : dyn_.num_slots; }
  [[nodiscard]] VTableEntry entry(size_t j, uint32_t t) const {
    if (described() && dyn_.vtable_group[j].entries.size() == dyn_.vtable_group[j].num_slots) {
      return dyn_.vtable_group[j].entries[t];
    }
    VTableEntry e;  // the primary vtable alone: slot t is overrider t
    e.overrider = t;
    if (static_cast<int64_t>(t) == dyn_.complete_dtor_slot) e.kind = VTableEntry::Kind::kCompleteDtor;
    if (static_cast<int64_t>(t) == dyn_.deleting_dtor_slot) e.kind = VTableEntry::Kind::kDeletingDtor;
    return e;
  }
  // Vtable j's destructor entries (-1 where it has none): from the shape's own fields for
  // the primary vtable alone, else from the vtable's entries.
  void DtorSlots(size_t j, int32_t* complete, int32_t* deleting) const {
    *complete = -1;
    *deleting = -1;
    if (!described() || dyn_.vtable_group[j].entries.size() != dyn_.vtable_group[j].num_slots) {
      const uint32_t n = slots(j);
      if (dyn_.complete_dtor_slot >= 0 && dyn_.complete_dtor_slot < static_cast<int64_t>(n)) {
        *complete = static_cast<int32_t>(dyn_.complete_dtor_slot);
      }
      if (dyn_.deleting_dtor_slot >= 0 && dyn_.deleting_dtor_slot < static_cast<int64_t>(n)) {
        *deleting = static_cast<int32_t>(dyn_.deleting_dtor_slot);
      }
      return;
    }
    const std::vector<VTableEntry>& entries = dyn_.vtable_group[j].entries;
    for (uint32_t t = 0; t < entries.size(); ++t) {
      if (entries[t].kind == VTableEntry::Kind::kCompleteDtor) *complete = static_cast<int32_t>(t);
      if (entries[t].kind == VTableEntry::Kind::kDeletingDtor) *deleting = static_cast<int32_t>(t);
    }
  }
  // The vtable whose vptr sits `offset` bytes into the complete object, or -1.
  [[nodiscard]] int IndexAt(int64_t offset) const {
    for (size_t j = 0; j < size(); ++j)
      if (this->offset(j) == offset) return static_cast<int>(j);
    return -1;
  }
  static internal::VTableSize SizeOf(const void* self, size_t j) {
    const auto* view = static_cast<const GroupView*>(self);
#if VTO_FAULT_IS(secondary_clone_sized_from_primary)
    return {view->prefix(j), view->slots(0)};  // FAULT: "the secondary vtables are copies of the primary's"
#else
    return {view->prefix(j), view->slots(j)};
#endif
  }

 private:
  const ClassShape& dyn_;
};

// Where the overlay goes: the vtable the instance pointer's vptr uses, and the reflected
// subobject (its offset and its vtable).
struct Placement {
  size_t instance_vtable = 0;
  size_t reflected_vtable = 0;
  int64_t reflected_offset = 0;
};

// Checks the dynamic type's shape against the request and finds the reflected subobject.
// `instance_offset` is the instance pointer's offset in the complete object.
InstallResult CheckDynamicType(const InstallRequest& req, const ClassShape& dyn, const GroupView& group,
                               int64_t instance_offset, Placement* out) {
  const ClassShape& cls = *req.reflected;
#if VTO_FAULT_IS(hook_on_nonvirtual_dtor_accepted)
  // FAULT: the hook is written into the dynamic type's destructor slots, so its destructor
  // is the one checked.
  if (req.on_destroy != nullptr && (dyn.complete_dtor_slot < 0 || dyn.deleting_dtor_slot < 0)) {
    return Refuse(Status::kNoVirtualDestructor, "a destroy hook needs a virtual destructor; ", dyn.name,
                  "'s destructor is not virtual");
  }
#endif
  const bool undescribed = (dyn.has_secondary_vptrs || dyn.has_virtual_bases) && (!group.described() || !group.complete());
  if (undescribed) {
    return Refuse(Status::kUnsupportedLayout, "dynamic type ", dyn.name,
                  dyn.has_virtual_bases ? " has virtual bases" : " has more than one vptr",
                  ", and its shape carries no vtable group with overriders (fill ClassShape::vtable_group, "
                  "or reflect it with lib/interp)");
  }
#if VTO_FAULT_IS(vptr_identity_checked_on_reflected)
  // FAULT: "the class the binding asked for is the one that matters": a final dynamic type
  // reflected as one of its (non-final) bases is installed.
  const bool assumed = cls.vptr_identity_assumed;
#else
  const bool assumed = dyn.vptr_identity_assumed;
#endif
  if (assumed) {
    return Refuse(Status::kVptrIdentityAssumed, "dynamic type ", dyn.name,
                  " is final and compiled with -fassume-unique-vtables: dynamic_cast to it compares the vptr "
                  "with its vtable's address and would fail on a clone");
  }
  if (!dyn.polymorphic || group.size() > internal::kMaxVTables) {
    return Refuse(Status::kInconsistentShapes, "the shape of dynamic type ", dyn.name, " has ", group.size(),
                  " vtables");
  }
  const int instance_vtable = group.IndexAt(instance_offset);
  if (instance_vtable < 0 || (!group.described() && instance_offset != 0)) {
    return Refuse(!group.described() ? Status::kUnsupportedLayout : Status::kInconsistentShapes,
                  "instance points at a base-class subobject (offset-to-top ", -instance_offset, ") and the shape of ",
                  dyn.name, !group.described() ? " carries no vtable group" : " has no vptr there");
  }
  // The reflected subobject: the one at the instance pointer, else the only one.
  int64_t reflected_offset = -1;
  if (&dyn == &cls) {
    reflected_offset = 0;  // the reflected class is the dynamic type (a class is never its own base)
  } else if (!dyn.subobjects.empty()) {
    size_t occurrences = 0;
    int64_t first = -1;
    for (const SubobjectShape& sub : dyn.subobjects) {
      if (sub.rtti_name != cls.rtti_name) continue;
      if (occurrences++ == 0) first = sub.offset;
      if (sub.offset == instance_offset) reflected_offset = sub.offset;
    }
#if VTO_FAULT_IS(refused_layout_installed)
    // FAULT: "any of them will do": the first occurrence is taken.
    if (reflected_offset < 0) reflected_offset = first;
#endif
    if (occurrences == 1) reflected_offset = first;
    if (occurrences > 1 && reflected_offset < 0) {
      return Refuse(Status::kAmbiguousSubobject, "reflected class ", cls.name, " occurs ", occurrences,
                    " times in dynamic type ", dyn.name,
                    " and the instance pointer is at none of them: pass the pointer to the one you mean");
    }
  } else if (dyn.rtti_name == cls.rtti_name ||
             std::find(dyn.primary_bases.begin(), dyn.primary_bases.end(), cls.rtti_name) != dyn.primary_bases.end()) {
    reflected_offset = 0;  // a shape without subobjects: the primary-base chain
  }
#if VTO_FAULT_IS(not_primary_base_accepted)
  // FAULT: "the reflected slots fit into the dynamic type's vtable, so they are valid there".
  if (reflected_offset < 0 && dyn.num_slots >= cls.num_slots) reflected_offset = 0;
#endif
  if (reflected_offset < 0) {
    return Refuse(Status::kNotPrimaryBase, "reflected class ", cls.name, " is not dynamic type ", dyn.name,
                  " or one of its bases");
  }
  const int reflected_vtable = group.IndexAt(reflected_offset);
  if (reflected_vtable < 0) {
    return Refuse(Status::kInconsistentShapes, "the shape of ", dyn.name, " has no vtable for its ", cls.name,
                  " subobject at offset ", reflected_offset);
  }
  const size_t jr = static_cast<size_t>(reflected_vtable);
  auto kind_at = [&](int32_t slot) {
    return static_cast<uint32_t>(slot) < group.slots(jr) ? group.entry(jr, static_cast<uint32_t>(slot)).kind
                                                         : VTableEntry::Kind::kUnused;
  };
  if (group.slots(jr) < cls.num_slots || group.slots(jr) > internal::kMaxSlots ||
      (cls.complete_dtor_slot >= 0 && kind_at(cls.complete_dtor_slot) != VTableEntry::Kind::kCompleteDtor) ||
      (cls.deleting_dtor_slot >= 0 && kind_at(cls.deleting_dtor_slot) != VTableEntry::Kind::kDeletingDtor)) {
    return Refuse(Status::kInconsistentShapes, "shapes of ", cls.name, " (", cls.num_slots,
                  " slots) and its derived dynamic type ", dyn.name, " (", group.slots(jr),
                  " slots in that subobject's vtable) contradict each other");
  }
  out->instance_vtable = static_cast<size_t>(instance_vtable);
  out->reflected_vtable = jr;
  out->reflected_offset = reflected_offset;
  return InstallResult{};
}

// Counts the thunks the replacements need (entries of other vtables that reach the same final
// overrider), refusing an overrider whose entries adjust the returned pointer.
InstallResult CountThunks(const InstallRequest& req, const GroupView& group, size_t jr, size_t* thunks) {
  *thunks = 0;
  for (const SlotReplacement& r : req.replacements) {
    const VTableEntry target = group.entry(jr, r.slot);
    if (target.kind != VTableEntry::Kind::kFunction) {
      return Refuse(Status::kInconsistentShapes, "slot ", r.slot, " of ", req.reflected->name,
                    " is not a virtual function in the dynamic type's vtable");
    }
#if VTO_FAULT_IS(covariant_checked_on_replaced_entry_only)
    // FAULT: only the replaced entry is asked whether it adjusts the returned pointer.
    if (target.return_adjusted) {
      return Refuse(Status::kCovariantReturn, "slot ", r.slot, " of ", req.reflected->name, " adjusts its return");
    }
#endif
    if (!group.described()) continue;  // the primary vtable alone: the entry is its overrider's only one
    for (size_t j = 0; j < group.size(); ++j) {
      for (uint32_t t = 0; t < group.slots(j); ++t) {
        const VTableEntry e = group.entry(j, t);
        if (e.overrider != target.overrider) continue;
#if VTO_FAULT_IS(covariant_checked_on_replaced_entry_only)
        if (false) {
#elif VTO_FAULT_IS(covariant_checked_in_reflected_vtable_only)
        // FAULT: the entries of the other vtables of the group are not looked at.
        if (e.return_adjusted && j == jr) {
#else
        if (e.return_adjusted) {
#endif
          return Refuse(Status::kCovariantReturn, "slot ", r.slot, " of ", req.reflected->name,
                        ": its final overrider has a covariant return type that some vtable entry adjusts "
                        "(vtable ", j, ", slot ", t, "); a replacement cannot stand in for it");
        }
        if (j != jr) ++*thunks;
      }
    }
  }
  return InstallResult{};
}

}  // namespace

InstallResult Install(const InstallRequest& req, const ShapeResolver& resolver) {
#if VTO_FAULT_IS(request_checked_after_read)
  // FAULT: the dynamic type is looked at first, "to give better messages".
  if (abi::Rtti(abi::ReadVptr(req.instance)) == nullptr) {
    return Refuse(Status::kUnknownDynamicType, "the object's vtable has no RTTI (compiled with -fno-rtti?)");
  }
#endif
  InstallResult checked = CheckRequest(req);
  if (!checked.ok()) return checked;

  // The vptr at the instance pointer says where the complete object starts (its home shard)
  // and what its dynamic type is. It is read under the lock of the instance pointer's shard:
  // whoever writes it or frees the clone it points at holds that lock (the lock rule,
  // registry.h). The dynamic type's shape is asked for under that lock only from a resolver
  // that never blocks (ShapeResolver::answers_without_blocking); any other resolver is the
  // caller's code, which may parse or compile, and is asked with no lock held.
  using internal::Registry;
  Registry& at_instance = Registry::OfObject(req.instance);
  internal::ShardSetLock lock(at_instance.bit());
  const std::type_info* rtti_seen = nullptr;
  const ClassShape* dyn_seen = nullptr;
  void* complete = nullptr;
  Registry* home = nullptr;
  internal::ShardSet locations_seen = 0;  // LocationsOf the object as dyn_seen's group places its vptrs
  for (int attempt = 0;; ++attempt) {
    const abi::VPtr seen = abi::ReadVptr(req.instance);  // under a set of locks that includes at_instance's
    rtti_seen = abi::Rtti(seen);
    const std::ptrdiff_t offset_to_top = abi::OffsetToTop(seen);  // `seen` may be freed once unlocked
#if VTO_FAULT_IS(subobject_pointer_taken_as_complete)
    complete = req.instance;  // FAULT: "bindings hold complete objects"
#else
    complete = static_cast<char*>(req.instance) + offset_to_top;
#endif
#if VTO_FAULT_IS(install_shard_from_instance_pointer)
    // FAULT: "the pointer the binding holds names the object": the home shard is picked by
    // the instance pointer, so one object reached through two of its bases has two homes.
    home = &at_instance;
#else
    home = &Registry::OfObject(complete);
#endif
    dyn_seen = nullptr;
    if (rtti_seen != nullptr) {
      if (!resolver.answers_without_blocking()) lock.unlock();
      dyn_seen = resolver.FindType(*rtti_seen);
    }
    // Every lock the object's operations take: its home, its vptr locations as the shape
    // describes them, and the instance pointer's shard.
    locations_seen = 0;
    if (dyn_seen != nullptr) {
      const GroupView g(*dyn_seen);
      locations_seen = Registry::LocationsOf(complete, g.size(), [&g](size_t j) { return g.offset(j); });
    }
    const internal::ShardSet want = home->bit() | at_instance.bit() | locations_seen;
    if (!lock.Extend(want)) break;  // held since the read
    // Read again under them. Another install or teardown of the object (P19) may have written
    // the vptr meanwhile, but never its offset-to-top or RTTI: those change only by the
    // object's own code (a constructor) or code that breaks Q1, and then everything is redone.
    const abi::VPtr again = abi::ReadVptr(req.instance);
    if (abi::Rtti(again) == rtti_seen && abi::OffsetToTop(again) == offset_to_top) break;
    if (attempt == 8) {
      return Refuse(Status::kInconsistentShapes,
                    "the object's vptr kept changing its dynamic type while Install read it (written by another "
                    "thread outside the library?)");
    }
  }
  Registry& reg = *home;
#if VTO_FAULT_IS(install_unlocked_lookup)
  // FAULT: the object's stack is looked up before the shard's lock is taken.
  lock.unlock();
  auto found = reg.stacks.find(complete);
  lock.relock();
#else
  auto found = reg.stacks.find(complete);
#endif
  internal::Stack* stack = nullptr;
  if (found != reg.stacks.end()) {
#if !VTO_FAULT_IS(dying_object_accepted)
    if (found->second.dying) {
      return Refuse(Status::kObjectDying, "the object is inside a hooked destructor");
    }
#endif
    if (reg.ValidateStack(complete, found->second)) stack = &found->second;
  }
  abi::VPtr current = abi::ReadVptr(req.instance);

  const std::type_info* rtti = abi::Rtti(current);
  if (rtti == nullptr) {
    return Refuse(Status::kUnknownDynamicType, "the object's vtable has no RTTI (compiled with -fno-rtti?)");
  }
  const ClassShape* dyn = rtti == rtti_seen ? dyn_seen : resolver.FindType(*rtti);
  if (dyn == nullptr) {
    return Refuse(Status::kUnknownDynamicType, "the resolver has no shape for the dynamic type '", rtti->name(),
                  "'");
  }
  const GroupView group(*dyn);
  Placement at;
#if VTO_FAULT_IS(subobject_pointer_taken_as_complete)
  InstallResult dyn_checked = CheckDynamicType(req, *dyn, group, 0, &at);
#else
  InstallResult dyn_checked = CheckDynamicType(req, *dyn, group, -abi::OffsetToTop(current), &at);
#endif
  if (!dyn_checked.ok()) return dyn_checked;
  // Every vptr of the object must be one of this group's (or of the overlay below): its
  // offset-to-top and RTTI say where it sits and what the object is.
  for (size_t j = 0; j < group.size(); ++j) {
    abi::VPtr v = abi::ReadVptrAt(complete, group.offset(j));
    if (abi::OffsetToTop(v) != -group.offset(j) || abi::Rtti(v) != rtti) {
      return Refuse(Status::kInconsistentShapes, "the object's vptr at offset ", group.offset(j),
                    " does not belong to a ", dyn->name, " (offset-to-top ", abi::OffsetToTop(v), ")");
    }
  }
  size_t num_thunks = 0;
  InstallResult counted = CountThunks(req, group, at.reflected_vtable, &num_thunks);
  if (!counted.ok()) return counted;

  Block* below = stack != nullptr ? stack->top : nullptr;
  if (below != nullptr) {  // one object's blocks clone one group
    bool same = below->num_vtables == group.size();
    for (size_t j = 0; same && j < group.size(); ++j) {
      same = below->vtable(j).vptr_offset == group.offset(j) && below->vtable(j).num_slots == group.slots(j) &&
             below->vtable(j).prefix_words == group.prefix(j);
    }
    if (!same) {
      return Refuse(Status::kInconsistentShapes, "the shape of ", dyn->name,
                    " does not match the vtable group the object's overlays were installed with");
    }
  }
  size_t first_extra = below != nullptr ? below->total_cells : 0;
#if VTO_FAULT_IS(stacked_extra_slots_unchecked)
  if (false) {  // FAULT: the request's own count was checked; the stack's sum is not
#else
  if (first_extra + req.extra_slots > internal::kMaxExtraSlots) {
#endif
    return Refuse(Status::kExtraSlotsOverflow, "stacked overlays would hold ", first_extra + req.extra_slots,
                  " extra slots, over the limit of ", internal::kMaxExtraSlots);
  }
  Block* block = nullptr;
#if VTO_FAULT_IS(clone_sized_from_reflected)
  // FAULT: the reflected subobject's vtable is cloned with the slot count of the class the caller knows.
  struct Sized {
    const GroupView* view;
    size_t jr;
    uint32_t reflected_slots;
    static internal::VTableSize Of(const void* self, size_t j) {
      const auto* s = static_cast<const Sized*>(self);
      return {s->view->prefix(j), j == s->jr ? s->reflected_slots : s->view->slots(j)};
    }
  } sized{&group, at.reflected_vtable, req.reflected->num_slots};
  const internal::AllocOutcome allocated =
      internal::AllocateBlock(reg.live_blocks, group.size(), &Sized::Of, &sized, num_thunks, first_extra + req.extra_slots, &block);
#else
  const internal::AllocOutcome allocated =
      internal::AllocateBlock(reg.live_blocks, group.size(), &GroupView::SizeOf, &group, num_thunks, first_extra + req.extra_slots, &block);
#endif
  switch (allocated) {
    case internal::AllocOutcome::kOk: break;
    case internal::AllocOutcome::kTooLarge:
      return Refuse(Status::kExtraSlotsOverflow, "the overlay block would be too large");
    case internal::AllocOutcome::kNoMemory:
      return Refuse(Status::kOutOfMemory, "allocating the overlay block failed");
  }

  block->instance = complete;
  block->installed_with = req.instance;
  block->below = below;
  block->hook = req.on_destroy;
  block->user_data = req.user_data;
  block->first_extra = first_extra;
  block->num_extra = req.extra_slots;

  for (size_t j = 0; j < group.size(); ++j) {
    internal::VTableRecord& v = block->vtable(j);
    v.vptr_offset = group.offset(j);
    const abi::VPtr current_j = abi::ReadVptrAt(complete, v.vptr_offset);
#if VTO_FAULT_IS(stacked_restores_wrong_vptr)
    v.prev_vptr = below != nullptr ? below->vtable(j).prev_vptr : current_j;  // FAULT: "the original vtable"
#else
    v.prev_vptr = current_j;
#endif
    group.DtorSlots(j, &v.complete_dtor_slot, &v.deleting_dtor_slot);
    abi::VPtr clone = v.clone;
#if VTO_FAULT_IS(vbase_offsets_not_copied)
    // FAULT: "a prefix is offset-to-top and RTTI": the vcall and vbase offsets below stay zero.
    for (std::ptrdiff_t w = 1; w <= abi::kPrefixWords; ++w) clone[-w] = current_j[-w];
#elif !VTO_FAULT_IS(abi_prefix_not_copied)  // FAULT: "the prefix is not part of the slots"
    for (std::ptrdiff_t w = 1; w <= static_cast<std::ptrdiff_t>(v.prefix_words); ++w) clone[-w] = current_j[-w];
#endif
#if !VTO_FAULT_IS(replacements_overwritten_by_copy) && !VTO_FAULT_IS(dtor_slots_skipped_without_hook) && \
    !VTO_FAULT_IS(clone_shares_entries_of_one_overrider)
    std::memcpy(clone, current_j, v.num_slots * sizeof(void*));
#elif !VTO_FAULT_IS(replacements_overwritten_by_copy)
    for (uint32_t t = 0; t < v.num_slots; ++t) {
#if VTO_FAULT_IS(dtor_slots_skipped_without_hook)
      // FAULT: "the destructor slots are written below anyway" — not without a hook.
      if (static_cast<int32_t>(t) == v.complete_dtor_slot || static_cast<int32_t>(t) == v.deleting_dtor_slot) continue;
#endif
      clone[t] = current_j[t];
#if VTO_FAULT_IS(clone_shares_entries_of_one_overrider)
      // FAULT: "entries of one vtable that reach the same function hold the same pointer":
      // an entry takes the pointer of the first entry before it with its final overrider,
      // which for a covariant override is the other of its two entries (one adjusts the
      // returned pointer, one does not).
      for (uint32_t u = 0; u < t; ++u) {
        const VTableEntry a = group.entry(j, u), b = group.entry(j, t);
        if (a.kind == VTableEntry::Kind::kFunction && b.kind == VTableEntry::Kind::kFunction && a.overrider == b.overrider) {
          clone[t] = clone[u];
          break;
        }
      }
#endif
    }
#endif
  }
  // Each replacement takes the place of its final overrider in every entry that reaches it:
  // directly in the reflected subobject's vtable, through a thunk that moves `this` to the
  // reflected subobject in the others.
  for (const SlotReplacement& r : req.replacements) {
    if (!group.described()) {  // the primary vtable alone: slot r.slot is the only entry of its overrider
      block->vtable(0).clone[r.slot] = r.function;
      block->set_replaced(0, r.slot);
      continue;
    }
    const uint32_t overrider = group.entry(at.reflected_vtable, r.slot).overrider;
    for (size_t j = 0; j < group.size(); ++j) {
      internal::VTableRecord& v = block->vtable(j);
      for (uint32_t t = 0; t < v.num_slots; ++t) {
        const VTableEntry e = group.entry(j, t);
        if (e.overrider != overrider) continue;
        void* entry = r.function;
        if (j != at.reflected_vtable) {
#if VTO_FAULT_IS(thunk_adjusts_return_slot)
          // FAULT: "`this` is always the first argument": for a method returning in memory
          // the first register holds the return slot.
          const internal::ThisRegister this_reg = internal::ThisRegister::kRdi;
#else
          const internal::ThisRegister this_reg =
              e.returns_in_memory ? internal::ThisRegister::kRsi : internal::ThisRegister::kRdi;
#endif
          entry = internal::TakeThunk(this_reg,
#if VTO_FAULT_IS(thunk_without_adjustment)
                                      0,  // FAULT: "the entry already gets the right object"
#else
                                      at.reflected_offset - v.vptr_offset,
#endif
                                      r.function);
          if (entry == nullptr) {
            internal::FreeBlock(reg.live_blocks, block);
            return Refuse(Status::kOutOfMemory, "mapping a page for this-adjusting thunks failed");
          }
          block->thunks()[block->thunks_used++] = entry;
        }
        v.clone[t] = entry;
        block->set_replaced(j, t);
      }
    }
  }
#if VTO_FAULT_IS(replacements_overwritten_by_copy)
  // FAULT: patch first, copy second.
  for (size_t j = 0; j < group.size(); ++j) {
    internal::VTableRecord& v = block->vtable(j);
    for (uint32_t t = 0; t < v.num_slots; ++t) v.clone[t] = v.prev_vptr[t];
  }
#endif
  if (req.on_destroy != nullptr) {
#if VTO_FAULT_IS(secondary_dtor_not_hooked)
    for (size_t j = 0; j < 1; ++j) {  // FAULT: "the destructor lives in the primary vtable"
#else
    for (size_t j = 0; j < group.size(); ++j) {  // every destructor entry of the group
#endif
      internal::VTableRecord& v = block->vtable(j);
#if !VTO_FAULT_IS(only_deleting_dtor_hooked)  // FAULT: only `delete p` was thought of
      if (v.complete_dtor_slot >= 0) {
        v.clone[v.complete_dtor_slot] = reinterpret_cast<void*>(&internal::HookedCompleteDestructor);
        block->set_replaced(j, static_cast<uint32_t>(v.complete_dtor_slot));
      }
#endif
      if (v.deleting_dtor_slot >= 0) {
        v.clone[v.deleting_dtor_slot] = reinterpret_cast<void*>(&internal::HookedDeletingDestructor);
        block->set_replaced(j, static_cast<uint32_t>(v.deleting_dtor_slot));
      }
    }
  }
  for (size_t i = 0; i < first_extra; ++i) block->cell(i) = below->cell(i);  // values move up the stack
  // Hashed for the lock already when the group is the one read then (the block's vptr offsets
  // are its offsets, on the same complete object).
  block->locations = dyn == dyn_seen ? locations_seen : Registry::LocationsOf(*block);
  // The extra range as seen from the instance pointer's vptr (vto::ExtraSlot counts from
  // kFirstExtraDistance below it).
  const size_t extra_index = first_extra + block->cell_distance() +
                             static_cast<size_t>(block->vtable(at.instance_vtable).clone - block->address_point()) -
                             static_cast<size_t>(abi::kFirstExtraDistance);

  try {
    block->handle = reg.NewHandle(block, extra_index);
    if (stack == nullptr) stack = &reg.stacks[complete];
  } catch (const std::bad_alloc&) {
    if (block->handle != 0) reg.FreeHandle(block->handle);
    internal::FreeBlock(reg.live_blocks, block);
    return Refuse(Status::kOutOfMemory, "allocating the overlay handle failed");
  }
  if (below != nullptr) below->above = block;
  stack->top = block;
#if VTO_FAULT_IS(shard_unlocked_before_vptr_write)
  // FAULT: "the block is linked, the rest is the object's": the vptrs are written after the
  // shard's lock is released, racing with a teardown of the same object on another thread.
  lock.unlock();
#endif
  block->InstallVptrs();
  return InstallResult{Status::kOk, {}, Overlay(block->handle)};
}

}  // namespace vto
