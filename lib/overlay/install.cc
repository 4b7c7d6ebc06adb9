// install.cc — vto::Install: validate, clone the dynamic type's vtable, patch, link.
//
// The success path allocates exactly one thing, the block (CONTRACT P4): the request check
// finds duplicate slots without a container, and every refusal message is built in an
// out-of-line cold function, so no std::string lives in Install's own frame (under ASan
// such temporaries made it an 8 KB frame).
#include <algorithm>
#include <cstdint>
#include <new>
#include <string>
#include <type_traits>

#include "overlay/block.h"
#include "overlay/destroy_hook.h"
#include "overlay/fault.h"
#include "overlay/overlay.h"
#include "overlay/registry.h"

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

// Index of the first replacement whose slot an earlier replacement already names, or
// `replacements.size()` when all slots are distinct. Allocates nothing: the slots are
// checked in windows of kWindow consecutive slot numbers with a bitmap on the stack,
// visiting only windows that hold a slot (at most one window per replacement; a shape of
// at most kWindow slots — nearly every class — needs one pass). Not inlined, so the bitmap
// stays out of Install's frame.
[[gnu::noinline]] size_t FirstDuplicate(const std::vector<SlotReplacement>& replacements) {
  constexpr uint64_t kWindow = 1024;
  const size_t n = replacements.size();
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
  if (!cls.polymorphic || cls.num_slots == 0) {
#endif
    return Refuse(Status::kNotPolymorphic, "class ", cls.name, " has no virtual functions (no vptr)");
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

// Checks the dynamic type's shape against the request. `dyn` is the resolved shape.
InstallResult CheckDynamicType(const InstallRequest& req, const ClassShape& dyn) {
  const ClassShape& cls = *req.reflected;
  if (dyn.has_virtual_bases) {
    return Refuse(Status::kUnsupportedLayout, "dynamic type ", dyn.name,
                  " has virtual bases (vbase/vcall offsets are not supported yet)");
  }
#if VTO_FAULT_IS(hook_on_nonvirtual_dtor_accepted)
  // FAULT: the hook is written into the dynamic type's destructor slots, so its destructor
  // is the one checked.
  if (req.on_destroy != nullptr && (dyn.complete_dtor_slot < 0 || dyn.deleting_dtor_slot < 0)) {
    return Refuse(Status::kNoVirtualDestructor, "a destroy hook needs a virtual destructor; ", dyn.name,
                  "'s destructor is not virtual");
  }
#endif
#if !VTO_FAULT_IS(refused_layout_installed)  // FAULT: only virtual bases were thought unsupported
  if (dyn.has_secondary_vptrs) {
    return Refuse(Status::kUnsupportedLayout, "dynamic type ", dyn.name,
                  " has more than one vptr (multiple inheritance of polymorphic bases is not supported yet)");
  }
#endif
  if (dyn.vptr_identity_assumed) {
    return Refuse(Status::kVptrIdentityAssumed, "dynamic type ", dyn.name,
                  " is final and compiled with -fassume-unique-vtables: dynamic_cast to it compares the vptr "
                  "with its vtable's address and would fail on a clone");
  }
  bool on_chain = dyn.rtti_name == cls.rtti_name ||
                  std::find(dyn.primary_bases.begin(), dyn.primary_bases.end(), cls.rtti_name) !=
                      dyn.primary_bases.end();
#if VTO_FAULT_IS(not_primary_base_accepted)
  // FAULT: "the reflected slots fit into the dynamic type's vtable, so they are valid there".
  on_chain = on_chain || dyn.num_slots >= cls.num_slots;
#endif
  if (!on_chain) {
    return Refuse(Status::kNotPrimaryBase, "reflected class ", cls.name, " is not dynamic type ", dyn.name,
                  " or one of its primary bases");
  }
  if (!dyn.polymorphic || dyn.num_slots < cls.num_slots || dyn.num_slots > internal::kMaxSlots ||
      (cls.complete_dtor_slot >= 0 && dyn.complete_dtor_slot != cls.complete_dtor_slot) ||
      (cls.deleting_dtor_slot >= 0 && dyn.deleting_dtor_slot != cls.deleting_dtor_slot)) {
    return Refuse(Status::kInconsistentShapes, "shapes of ", cls.name, " (", cls.num_slots,
                  " slots) and its derived dynamic type ", dyn.name, " (", dyn.num_slots,
                  " slots) contradict each other");
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

  internal::Registry& reg = internal::Registry::Get();
#if VTO_FAULT_IS(install_unlocked_lookup)
  // FAULT: the object's stack is looked up before the mutex is taken.
  auto found = reg.stacks.find(req.instance);
  std::unique_lock<std::mutex> lock = reg.Lock();
#else
  std::unique_lock<std::mutex> lock = reg.Lock();
  auto found = reg.stacks.find(req.instance);
#endif

  internal::Stack* stack = nullptr;
  if (found != reg.stacks.end()) {
#if !VTO_FAULT_IS(dying_object_accepted)
    if (found->second.dying) {
      return Refuse(Status::kObjectDying, "the object is inside a hooked destructor");
    }
#endif
    if (reg.ValidateStack(req.instance, found->second)) stack = &found->second;
  }

  abi::VPtr current = abi::ReadVptr(req.instance);
  if (abi::OffsetToTop(current) != 0) {
    return Refuse(Status::kUnsupportedLayout, "instance points at a base-class subobject (offset-to-top ",
                  abi::OffsetToTop(current), "), not at the complete object's primary vptr");
  }
  const std::type_info* rtti = abi::Rtti(current);
  if (rtti == nullptr) {
    return Refuse(Status::kUnknownDynamicType, "the object's vtable has no RTTI (compiled with -fno-rtti?)");
  }
  const ClassShape* dyn = resolver.Find(rtti->name());
  if (dyn == nullptr) {
    return Refuse(Status::kUnknownDynamicType, "the resolver has no shape for the dynamic type '", rtti->name(),
                  "'");
  }
  InstallResult dyn_checked = CheckDynamicType(req, *dyn);
  if (!dyn_checked.ok()) return dyn_checked;

  Block* below = stack != nullptr ? stack->top : nullptr;
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
  const uint32_t clone_slots = req.reflected->num_slots;  // FAULT: the class the caller knows
#else
  const uint32_t clone_slots = dyn->num_slots;
#endif
  switch (internal::AllocateBlock(clone_slots, first_extra + req.extra_slots, &block)) {
    case internal::AllocOutcome::kOk: break;
    case internal::AllocOutcome::kTooLarge:
      return Refuse(Status::kExtraSlotsOverflow, "the overlay block would be too large");
    case internal::AllocOutcome::kNoMemory:
      return Refuse(Status::kOutOfMemory, "allocating the overlay block failed");
  }

  block->instance = req.instance;
#if VTO_FAULT_IS(stacked_restores_wrong_vptr)
  block->prev_vptr = below != nullptr ? below->prev_vptr : current;  // FAULT: "the original vtable"
#else
  block->prev_vptr = current;
#endif
  block->below = below;
  block->hook = req.on_destroy;
  block->user_data = req.user_data;
  block->complete_dtor_slot = dyn->complete_dtor_slot;
  block->deleting_dtor_slot = dyn->deleting_dtor_slot;
  block->first_extra = first_extra;
  block->num_extra = req.extra_slots;

  abi::VPtr clone = block->address_point();
#if !VTO_FAULT_IS(abi_prefix_not_copied)  // FAULT: "the prefix is not part of the slots"
  clone[abi::kOffsetToTopIndex] = current[abi::kOffsetToTopIndex];
  clone[abi::kRttiIndex] = current[abi::kRttiIndex];
#endif
#if VTO_FAULT_IS(replacements_overwritten_by_copy)
  // FAULT: patch first, copy second.
  for (const SlotReplacement& r : req.replacements) {
    clone[r.slot] = r.function;
    block->set_replaced(r.slot);
  }
  for (uint32_t s = 0; s < clone_slots; ++s) clone[s] = current[s];
#else
  for (uint32_t s = 0; s < clone_slots; ++s) {
#if VTO_FAULT_IS(dtor_slots_skipped_without_hook)
    // FAULT: "the destructor slots are written below anyway" — not without a hook.
    if (static_cast<int32_t>(s) == dyn->complete_dtor_slot || static_cast<int32_t>(s) == dyn->deleting_dtor_slot) {
      continue;
    }
#endif
    clone[s] = current[s];
  }
  for (const SlotReplacement& r : req.replacements) {
    clone[r.slot] = r.function;
    block->set_replaced(r.slot);
  }
#endif
  if (req.on_destroy != nullptr) {
#if !VTO_FAULT_IS(only_deleting_dtor_hooked)  // FAULT: only `delete p` was thought of
    clone[dyn->complete_dtor_slot] = reinterpret_cast<void*>(&internal::HookedCompleteDestructor);
    block->set_replaced(static_cast<uint32_t>(dyn->complete_dtor_slot));
#endif
    clone[dyn->deleting_dtor_slot] = reinterpret_cast<void*>(&internal::HookedDeletingDestructor);
    block->set_replaced(static_cast<uint32_t>(dyn->deleting_dtor_slot));
  }
  for (size_t i = 0; i < first_extra; ++i) block->cell(i) = below->cell(i);  // values move up the stack

  InstallResult result;
  try {
    block->handle = reg.NewHandle(block, first_extra);
    if (stack == nullptr) stack = &reg.stacks[req.instance];
  } catch (const std::bad_alloc&) {
    if (block->handle != 0) reg.FreeHandle(block->handle);
    internal::FreeBlock(block);
    return Refuse(Status::kOutOfMemory, "allocating the overlay handle failed");
  }
  if (below != nullptr) below->above = block;
  stack->top = block;
  abi::WriteVptr(req.instance, clone);
  result.overlay = Overlay(block->handle);
  return result;
}

}  // namespace vto
