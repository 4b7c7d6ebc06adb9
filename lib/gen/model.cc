// model.cc — lookups over the hierarchy model (see model.h).
#include "gen/model.h"

namespace vto::gen {

const char* TypeSpelling(ValueKind k) {
  switch (k) {
    case ValueKind::kVoid: return "void";
    case ValueKind::kInt: return "int";
    case ValueKind::kLong: return "long";
    case ValueKind::kDouble: return "double";
    case ValueKind::kPtr: return "void*";
    case ValueKind::kSmall: return "Small";
  }
  return "?";
}

const Method* FindMethod(const Hierarchy& h, int cls, int name, int sig) {
  for (const Method& m : h.classes[cls].methods)
    if (m.name == name && m.sig == sig) return &m;
  return nullptr;
}

bool DeclaresName(const Hierarchy& h, int cls, int name) {
  for (const Method& m : h.classes[cls].methods)
    if (m.name == name) return true;
  return false;
}

MethodRef FindImpl(const Hierarchy& h, int impl_id) {
  for (size_t c = 0; c < h.classes.size(); ++c) {
    const std::vector<Method>& ms = h.classes[c].methods;
    for (size_t i = 0; i < ms.size(); ++i)
      if (ms[i].impl_id == impl_id) return {static_cast<int>(c), static_cast<int>(i)};
  }
  return {};
}

}  // namespace vto::gen
