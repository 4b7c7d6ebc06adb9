// status.cc — names of Status and TeardownResult values.
#include "overlay/status.h"

namespace vto {

const char* StatusName(Status s) noexcept {
  switch (s) {
    case Status::kOk: return "kOk";
    case Status::kNullInstance: return "kNullInstance";
    case Status::kNullShape: return "kNullShape";
    case Status::kNotPolymorphic: return "kNotPolymorphic";
    case Status::kSlotOutOfRange: return "kSlotOutOfRange";
    case Status::kMethodNotInVTable: return "kMethodNotInVTable";
    case Status::kDestructorSlot: return "kDestructorSlot";
    case Status::kDuplicateSlot: return "kDuplicateSlot";
    case Status::kNullReplacement: return "kNullReplacement";
    case Status::kExtraSlotsOverflow: return "kExtraSlotsOverflow";
    case Status::kUnknownDynamicType: return "kUnknownDynamicType";
    case Status::kNotPrimaryBase: return "kNotPrimaryBase";
    case Status::kUnsupportedLayout: return "kUnsupportedLayout";
    case Status::kNoVirtualDestructor: return "kNoVirtualDestructor";
    case Status::kVptrIdentityAssumed: return "kVptrIdentityAssumed";
    case Status::kObjectDying: return "kObjectDying";
    case Status::kOutOfMemory: return "kOutOfMemory";
    case Status::kInconsistentShapes: return "kInconsistentShapes";
    case Status::kAmbiguousSubobject: return "kAmbiguousSubobject";
    case Status::kCovariantReturn: return "kCovariantReturn";
  }
  return "kUnknownStatus";
}

const char* TeardownResultName(TeardownResult r) noexcept {
  switch (r) {
    case TeardownResult::kRestored: return "kRestored";
    case TeardownResult::kObjectDestroyed: return "kObjectDestroyed";
    case TeardownResult::kCancelled: return "kCancelled";
    case TeardownResult::kDetached: return "kDetached";
    case TeardownResult::kAlreadyTornDown: return "kAlreadyTornDown";
    case TeardownResult::kNullHandle: return "kNullHandle";
    case TeardownResult::kAbandoned: return "kAbandoned";
  }
  return "kUnknownTeardownResult";
}

}  // namespace vto
