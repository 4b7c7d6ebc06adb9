// primary_vtable.cc — the primary vtable's names (primary_vtable.h).
#include "gen/primary_vtable.h"

namespace vto::gen {

bool IsDynamic(const Hierarchy& h, int cls) {
  const ClassModel& c = h.classes[static_cast<size_t>(cls)];
  if (c.polymorphic) return true;
  for (const Base& b : c.bases) {
    if (b.is_virtual || IsDynamic(h, b.cls)) return true;
  }
  return false;
}

int PrimaryBase(const Hierarchy& h, int cls) {
  for (const Base& b : h.classes[static_cast<size_t>(cls)].bases) {
    if (!b.is_virtual && IsDynamic(h, b.cls)) return b.cls;
  }
  return -1;
}

bool InPrimaryVtable(const Hierarchy& h, int cls, int name, int sig) {
  for (int c = cls; c >= 0; c = PrimaryBase(h, c)) {
    if (FindMethod(h, c, name, sig) != nullptr) return true;
  }
  return false;
}

}  // namespace vto::gen
