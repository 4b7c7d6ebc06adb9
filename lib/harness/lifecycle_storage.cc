// lifecycle_storage.cc — fuzz_lifecycle's storage oracle (storage_ledger.h): right after an
// object dies, its memory went where its death path sends it (lifecycle_model.h).
//   - died by `delete` (through any static type, a unique_ptr's reset, the last shared_ptr
//     made from `new`): freed, exactly once, and by its class's own operator delete when it
//     has one (the kit's LcX classes);
//   - died by `::delete`, or by a qualified destructor call followed by the kit's global
//     operator delete: freed, never by the class's function;
//   - destroyed by ~T() or by its owner (a frame, a control block, an optional, a vector,
//     an array): never freed by its class's function, and a `new`ed block whose object was
//     destroyed by p->~S() is still allocated (the scenario frees it afterwards).
// Whether a block is allocated is seen in AddressSanitizer builds only; the class functions
// in every build.
#include <string>

#include "gen/lifecycle_kit.h"
#include "harness/lifecycle_model.h"
#include "harness/storage_ledger.h"

namespace vto::harness::lifecycle {
namespace {

// The block starts at the object: made by a `new` expression of its own class.
bool OwnBlock(Store s) { return s == Store::kNew || s == Store::kSharedNew || s == Store::kUnique; }

bool DeletedByClass(Store s, Path p) {
  return p == Path::kDeleteVia || p == Path::kDeleteExact || p == Path::kUniqueReset ||
         (p == Path::kSharedRelease && s == Store::kSharedNew);
}

}  // namespace

void LifecycleScenario::CheckStorage(const Obj& o, Path path) {
  const bool by_class = DeletedByClass(o.store, path);
  const bool sees_block = OwnBlock(o.store) && SeesAllocations();
  if (o.x || sees_block) ++stats_.storage_checked;
  auto via = [&] { return std::string(" after it died by ") + kPathNames[static_cast<int>(path)]; };
  if (o.x) {  // LcX: its own operator delete reports every call
    const StorageRecord r = StorageOf(o.ptr);
    oracle_->Check(Expectation::Equal(Value::Int(by_class ? 1 : 0)), Value::Int(r.class_deletes), [&] {
      return Spelling{std::string("the storage of ") + Describe(o) + (by_class ? " was freed exactly once" : " was not freed") +
                          " by " + gen::LcXName(o.cls) + "::operator delete" + via(),
                      "vto_repro::ClassFrees(" + V(o) + ")", {}, {}};
    });
  }
  if (!sees_block) return;
  const bool freed = by_class || path == Path::kGlobalDeleteExact || path == Path::kQualified;
  if (!freed && path != Path::kExplicitDtorVia) return;  // no other path ends a `new`ed object
  const Expectation e = Expectation::Equal(Value::Bool(!freed));
  auto spell = [&] {
    return Spelling{"the storage of " + Describe(o) + " is still allocated" + via(),
                    "vto_repro::StillAllocated(" + V(o) + ")", {}, {}};
  };
  oracle_->RecordIf("vto_repro::SeesAllocations()", e, spell);
  oracle_->Verify(e, Value::Bool(StillAllocated(o.ptr)), spell);
}

}  // namespace vto::harness::lifecycle
