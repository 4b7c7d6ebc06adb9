// model.cc — lookups over the hierarchy model (see model.h).
#include "gen/model.h"

#include <algorithm>

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

bool InheritsVirtualDtor(const Hierarchy& h, int cls) {
  for (const Base& b : h.classes[cls].bases)
    if (h.classes[b.cls].virtual_dtor) return true;
  return false;
}

std::vector<std::vector<char>> BaseClosure(const Hierarchy& h) {
  const size_t n = h.classes.size();
  std::vector<std::vector<char>> is_base(n, std::vector<char>(n, 0));
  for (size_t d = 0; d < n; ++d) {
    for (const Base& b : h.classes[d].bases) {
      is_base[d][b.cls] = 1;
      for (size_t a = 0; a < n; ++a)
        if (is_base[b.cls][a]) is_base[d][a] = 1;
    }
  }
  return is_base;
}

std::vector<char> LeafClasses(const Hierarchy& h) {
  std::vector<char> leaf(h.classes.size(), 1);
  for (const ClassModel& cm : h.classes)
    for (const Base& b : cm.bases) leaf[b.cls] = 0;
  return leaf;
}

MethodRef FindImpl(const Hierarchy& h, int impl_id) {
  for (size_t c = 0; c < h.classes.size(); ++c) {
    const std::vector<Method>& ms = h.classes[c].methods;
    for (size_t i = 0; i < ms.size(); ++i)
      if (ms[i].impl_id == impl_id) return {static_cast<int>(c), static_cast<int>(i)};
  }
  return {};
}

std::string MethodSpelling(const Hierarchy& h, int name, int sig) {
  std::string s = MethodName(name);
  if (h.names[name].sigs.size() > 1) {
    s += "(";
    const Signature& signature = h.signatures[sig];
    for (size_t i = 0; i < signature.args.size(); ++i) s += (i ? ", " : "") + ParamSpelling(h, sig, i);
    if (IsVariadic(h, sig)) s += signature.args.empty() ? "..." : ", ...";
    s += ")";
  }
  return s;
}

std::string ReturnSpelling(const Hierarchy& h, const Method& m) {
  if (m.ret_class < 0) return TypeSpelling(h.signatures[static_cast<size_t>(m.sig)].ret);
  return ClassName(m.ret_class) + (ReturnsClassRef(h, m.sig) ? "&" : "*");
}

bool MayBeVariadic(const Hierarchy& h, int sig) {
  return !h.signatures[static_cast<size_t>(sig)].args.empty() && IsSoleOverload(h, sig);
}

bool MayHaveClassArg(const Hierarchy& h, int sig) {
  const size_t args = h.signatures[static_cast<size_t>(sig)].args.size();
  return MayBeVariadic(h, sig) && (!IsVariadic(h, sig) || args >= 2);
}

std::string ParamSpelling(const Hierarchy& h, int sig, size_t i, const std::string& scope) {
  const ValueKind k = h.signatures[static_cast<size_t>(sig)].args[i];
  if (i == 0) {
    switch (ClassArg(h, sig)) {
      case kClassArgValue: return scope + "Small";
      case kClassArgRef: return "const " + scope + "Small&";
      case kClassArgRRef: return scope + "Small&&";
      default: break;
    }
  }
  return k == ValueKind::kSmall ? scope + "Small" : TypeSpelling(k);
}

bool MayHaveDefaultArgs(const Hierarchy& h, int sig) {
  return MayBeVariadic(h, sig) && !IsVariadic(h, sig);
}

std::string MemberQualifiers(const Hierarchy& h, int sig) {
  const char q = SigQuals(h, sig);
  std::string s = h.signatures[static_cast<size_t>(sig)].is_const ? " const" : "";
  if ((q & kQualVolatile) != 0) s += " volatile";
  if ((q & kQualLRef) != 0) s += " &";
  if ((q & kQualRRef) != 0) s += " &&";
  return s;
}

bool IsSoleOverload(const Hierarchy& h, int sig) {
  for (const NameInfo& name : h.names) {
    if (name.sigs.size() < 2) continue;
    for (int s : name.sigs)
      if (s == sig) return false;
  }
  return true;
}

// Both walk the classes up to `cls` once, in their topological order (every base precedes
// its derived classes), instead of every path through a diamond.
bool RunsDeclaredDestructor(const Hierarchy& h, int cls) {
  std::vector<char> runs(static_cast<size_t>(cls) + 1, 0);
  for (size_t c = 0; c <= static_cast<size_t>(cls); ++c) {
    runs[c] = h.classes[c].declares_dtor;
    for (const Base& b : h.classes[c].bases) runs[c] = runs[c] || runs[static_cast<size_t>(b.cls)];
  }
  return runs.back() != 0;
}

int ObjectAlignas(const Hierarchy& h, int cls) {
  std::vector<int> align(static_cast<size_t>(cls) + 1, 0);
  for (size_t c = 0; c <= static_cast<size_t>(cls); ++c) {
    align[c] = ClassAlignas(h, static_cast<int>(c));
    for (const Base& b : h.classes[c].bases) align[c] = std::max(align[c], align[static_cast<size_t>(b.cls)]);
  }
  return align.back();
}

bool MayHaveFinalDtor(const Hierarchy& h, int cls, const std::vector<char>& leaf) {
  const ClassModel& cm = h.classes[static_cast<size_t>(cls)];
  if (!leaf[static_cast<size_t>(cls)] || cm.is_final || !cm.declares_dtor || !InheritsVirtualDtor(h, cls)) return false;
  for (const Method& m : cm.methods)
    if (h.names[static_cast<size_t>(m.name)].introduced_by == cls) return false;
  return true;
}

bool MayBeLocalClass(const Hierarchy& h, int cls, const std::vector<char>& leaf,
                     const std::vector<std::vector<char>>& is_base) {
  const ClassModel& cm = h.classes[static_cast<size_t>(cls)];
  if (!leaf[static_cast<size_t>(cls)] || !cm.polymorphic || !IsConcrete(cm)) return false;
  if (IsTemplateClass(h, cls) || !ClassNamespace(h, cls).empty() || IsUnnamedNamespaceClass(h, cls)) return false;
  // No base in an unnamed namespace: the declarations a reflect-only backend parses
  // (EmitDeclarations) define the local class's members, which would use that base's members,
  // declared there and not defined (-Wundefined-internal).
  for (size_t b = 0; b < h.classes.size(); ++b)
    if (is_base[static_cast<size_t>(cls)][b] && IsUnnamedNamespaceClass(h, static_cast<int>(b))) return false;
  for (const Base& b : cm.bases)
    if (h.classes[static_cast<size_t>(b.cls)].polymorphic) return true;
  return false;
}

bool HasKeyFunction(const Hierarchy& h, int cls) {
  const ClassModel& cm = h.classes[static_cast<size_t>(cls)];
  if (!cm.polymorphic || IsInlineClass(h, cls) || IsLocalClass(h, cls)) return false;
  if (cm.declares_dtor && cm.virtual_dtor) return true;
  for (const Method& m : cm.methods)
    if (!m.pure) return true;
  return false;
}

bool MayHavePureDtor(const Hierarchy& h, int cls, const std::vector<char>& leaf) {
  const ClassModel& cm = h.classes[static_cast<size_t>(cls)];
  return !leaf[static_cast<size_t>(cls)] && !cm.is_final && cm.declares_dtor &&
         (cm.declares_virtual_dtor || InheritsVirtualDtor(h, cls));
}

}  // namespace vto::gen
