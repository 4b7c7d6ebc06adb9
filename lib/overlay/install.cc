// install.cc — vto::Install: validate, clone the dynamic type's vtable, patch, link.
#include <algorithm>
#include <new>
#include <string>

#include "overlay/block.h"
#include "overlay/destroy_hook.h"
#include "overlay/fault.h"
#include "overlay/overlay.h"
#include "overlay/registry.h"

namespace vto {
namespace {

using internal::Block;

InstallResult Refuse(Status status, std::string message) {
  InstallResult r;
  r.status = status;
  r.message = std::string(StatusName(status)) + ": " + message;
  return r;
}

std::string Num(long long v) { return std::to_string(v); }

// Everything that can be decided from the request alone, before the object is read.
InstallResult CheckRequest(const InstallRequest& req) {
  if (req.instance == nullptr) return Refuse(Status::kNullInstance, "instance is null");
  if (req.reflected == nullptr) return Refuse(Status::kNullShape, "no reflected class shape given");
  const ClassShape& cls = *req.reflected;
  if (!cls.polymorphic || cls.num_slots == 0) {
    return Refuse(Status::kNotPolymorphic, "class " + cls.name + " has no virtual functions (no vptr)");
  }
  if (req.extra_slots > internal::kMaxExtraSlots) {
    return Refuse(Status::kExtraSlotsOverflow, "extra_slots = " + Num(req.extra_slots) +
                                                   " exceeds the limit of " + Num(internal::kMaxExtraSlots));
  }
  std::vector<uint32_t> seen;
  for (const SlotReplacement& r : req.replacements) {
    if (r.slot >= cls.num_slots) {
      return Refuse(Status::kSlotOutOfRange, "slot " + Num(r.slot) + " is out of range: class " + cls.name +
                                                 " has " + Num(cls.num_slots) + " vtable slots");
    }
    if (static_cast<int64_t>(r.slot) == cls.complete_dtor_slot ||
        static_cast<int64_t>(r.slot) == cls.deleting_dtor_slot) {
      return Refuse(Status::kDestructorSlot,
                    "slot " + Num(r.slot) + " of " + cls.name + " is a destructor slot; use on_destroy");
    }
    if (r.function == nullptr) {
      return Refuse(Status::kNullReplacement, "replacement for slot " + Num(r.slot) + " is null");
    }
    if (std::find(seen.begin(), seen.end(), r.slot) != seen.end()) {
      return Refuse(Status::kDuplicateSlot, "slot " + Num(r.slot) + " is replaced twice");
    }
    seen.push_back(r.slot);
  }
#if !VTO_FAULT_IS(hook_on_nonvirtual_dtor_accepted)  // (checked against the dynamic type instead)
  if (req.on_destroy != nullptr && (cls.complete_dtor_slot < 0 || cls.deleting_dtor_slot < 0)) {
    return Refuse(Status::kNoVirtualDestructor,
                  "a destroy hook needs a virtual destructor; " + cls.name + "'s destructor is not virtual");
  }
#endif
  return InstallResult{};
}

// Checks the dynamic type's shape against the request. `dyn` is the resolved shape.
InstallResult CheckDynamicType(const InstallRequest& req, const ClassShape& dyn) {
  const ClassShape& cls = *req.reflected;
  if (dyn.has_virtual_bases) {
    return Refuse(Status::kUnsupportedLayout,
                  "dynamic type " + dyn.name + " has virtual bases (vbase/vcall offsets are not supported yet)");
  }
#if VTO_FAULT_IS(hook_on_nonvirtual_dtor_accepted)
  // FAULT: the hook is written into the dynamic type's destructor slots, so its destructor
  // is the one checked.
  if (req.on_destroy != nullptr && (dyn.complete_dtor_slot < 0 || dyn.deleting_dtor_slot < 0)) {
    return Refuse(Status::kNoVirtualDestructor,
                  "a destroy hook needs a virtual destructor; " + dyn.name + "'s destructor is not virtual");
  }
#endif
#if !VTO_FAULT_IS(refused_layout_installed)  // FAULT: only virtual bases were thought unsupported
  if (dyn.has_secondary_vptrs) {
    return Refuse(Status::kUnsupportedLayout, "dynamic type " + dyn.name +
                                                  " has more than one vptr (multiple inheritance of polymorphic "
                                                  "bases is not supported yet)");
  }
#endif
  if (dyn.vptr_identity_assumed) {
    return Refuse(Status::kVptrIdentityAssumed,
                  "dynamic type " + dyn.name +
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
    return Refuse(Status::kNotPrimaryBase,
                  "reflected class " + cls.name + " is not dynamic type " + dyn.name + " or one of its primary bases");
  }
  if (!dyn.polymorphic || dyn.num_slots < cls.num_slots || dyn.num_slots > internal::kMaxSlots ||
      (cls.complete_dtor_slot >= 0 && dyn.complete_dtor_slot != cls.complete_dtor_slot) ||
      (cls.deleting_dtor_slot >= 0 && dyn.deleting_dtor_slot != cls.deleting_dtor_slot)) {
    return Refuse(Status::kInconsistentShapes,
                  "shapes of " + cls.name + " (" + Num(cls.num_slots) + " slots) and its derived dynamic type " +
                      dyn.name + " (" + Num(dyn.num_slots) + " slots) contradict each other");
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
  std::lock_guard<std::mutex> lock(reg.mu);
#else
  std::lock_guard<std::mutex> lock(reg.mu);
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
    return Refuse(Status::kUnsupportedLayout,
                  "instance points at a base-class subobject (offset-to-top " + Num(abi::OffsetToTop(current)) +
                      "), not at the complete object's primary vptr");
  }
  const std::type_info* rtti = abi::Rtti(current);
  if (rtti == nullptr) {
    return Refuse(Status::kUnknownDynamicType, "the object's vtable has no RTTI (compiled with -fno-rtti?)");
  }
  const ClassShape* dyn = resolver.Find(rtti->name());
  if (dyn == nullptr) {
    return Refuse(Status::kUnknownDynamicType,
                  std::string("the resolver has no shape for the dynamic type '") + rtti->name() + "'");
  }
  InstallResult dyn_checked = CheckDynamicType(req, *dyn);
  if (!dyn_checked.ok()) return dyn_checked;

  Block* below = stack != nullptr ? stack->top : nullptr;
  size_t first_extra = below != nullptr ? below->total_cells : 0;
  if (first_extra + req.extra_slots > internal::kMaxExtraSlots) {
    return Refuse(Status::kExtraSlotsOverflow, "stacked overlays would hold " + Num(first_extra + req.extra_slots) +
                                                   " extra slots, over the limit of " +
                                                   Num(internal::kMaxExtraSlots));
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
