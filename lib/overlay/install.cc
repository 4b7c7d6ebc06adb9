// install.cc — vto::Install: validate, clone the dynamic type's vtable, patch, link.
#include <algorithm>
#include <new>
#include <string>

#include "overlay/block.h"
#include "overlay/destroy_hook.h"
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
  if (req.on_destroy != nullptr && (cls.complete_dtor_slot < 0 || cls.deleting_dtor_slot < 0)) {
    return Refuse(Status::kNoVirtualDestructor,
                  "a destroy hook needs a virtual destructor; " + cls.name + "'s destructor is not virtual");
  }
  return InstallResult{};
}

// Checks the dynamic type's shape against the request. `dyn` is the resolved shape.
InstallResult CheckDynamicType(const InstallRequest& req, const ClassShape& dyn) {
  const ClassShape& cls = *req.reflected;
  if (dyn.has_virtual_bases) {
    return Refuse(Status::kUnsupportedLayout,
                  "dynamic type " + dyn.name + " has virtual bases (vbase/vcall offsets are not supported yet)");
  }
  if (dyn.has_secondary_vptrs) {
    return Refuse(Status::kUnsupportedLayout, "dynamic type " + dyn.name +
                                                  " has more than one vptr (multiple inheritance of polymorphic "
                                                  "bases is not supported yet)");
  }
  if (dyn.vptr_identity_assumed) {
    return Refuse(Status::kVptrIdentityAssumed,
                  "dynamic type " + dyn.name +
                      " is final and compiled with -fassume-unique-vtables: dynamic_cast to it compares the vptr "
                      "with its vtable's address and would fail on a clone");
  }
  bool on_chain = dyn.rtti_name == cls.rtti_name ||
                  std::find(dyn.primary_bases.begin(), dyn.primary_bases.end(), cls.rtti_name) !=
                      dyn.primary_bases.end();
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
  InstallResult checked = CheckRequest(req);
  if (!checked.ok()) return checked;

  internal::Registry& reg = internal::Registry::Get();
  std::lock_guard<std::mutex> lock(reg.mu);

  internal::Stack* stack = nullptr;
  if (auto it = reg.stacks.find(req.instance); it != reg.stacks.end()) {
    if (it->second.dying) {
      return Refuse(Status::kObjectDying, "the object is inside a hooked destructor");
    }
    if (reg.ValidateStack(req.instance, it->second)) stack = &it->second;
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
  switch (internal::AllocateBlock(dyn->num_slots, first_extra + req.extra_slots, &block)) {
    case internal::AllocOutcome::kOk: break;
    case internal::AllocOutcome::kTooLarge:
      return Refuse(Status::kExtraSlotsOverflow, "the overlay block would be too large");
    case internal::AllocOutcome::kNoMemory:
      return Refuse(Status::kOutOfMemory, "allocating the overlay block failed");
  }

  block->instance = req.instance;
  block->prev_vptr = current;
  block->below = below;
  block->hook = req.on_destroy;
  block->user_data = req.user_data;
  block->complete_dtor_slot = dyn->complete_dtor_slot;
  block->deleting_dtor_slot = dyn->deleting_dtor_slot;
  block->first_extra = first_extra;
  block->num_extra = req.extra_slots;

  abi::VPtr clone = block->address_point();
  clone[abi::kOffsetToTopIndex] = current[abi::kOffsetToTopIndex];
  clone[abi::kRttiIndex] = current[abi::kRttiIndex];
  for (uint32_t s = 0; s < dyn->num_slots; ++s) clone[s] = current[s];
  for (const SlotReplacement& r : req.replacements) {
    clone[r.slot] = r.function;
    block->set_replaced(r.slot);
  }
  if (req.on_destroy != nullptr) {
    clone[dyn->complete_dtor_slot] = reinterpret_cast<void*>(&internal::HookedCompleteDestructor);
    clone[dyn->deleting_dtor_slot] = reinterpret_cast<void*>(&internal::HookedDeletingDestructor);
    block->set_replaced(static_cast<uint32_t>(dyn->complete_dtor_slot));
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
