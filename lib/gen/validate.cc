// validate.cc — ValidateHierarchy (see validate.h).
#include "gen/validate.h"

#include <algorithm>
#include <set>

#include "gen/conventions.h"
#include "gen/cxx_rules.h"
#include "gen/subobjects.h"

namespace vto::gen {
namespace {

std::string At(int cls) { return ClassName(cls) + ": "; }

std::string CheckBases(const Hierarchy& h, int c) {
  std::set<int> seen;
  for (const Base& b : h.classes[c].bases) {
    if (b.cls < 0 || b.cls >= c) return At(c) + "base " + ClassName(b.cls) + " does not precede it";
    if (!seen.insert(b.cls).second) return At(c) + "base " + ClassName(b.cls) + " listed twice";
  }
  const SubobjectGraph g(h, c);
  for (const Base& b : h.classes[c].bases)
    if (g.Unique(b.cls) < 0) return At(c) + "direct base " + ClassName(b.cls) + " is ambiguous";
  return "";
}

std::string CheckNames(const Hierarchy& h) {
  for (size_t n = 0; n < h.names.size(); ++n) {
    const NameInfo& info = h.names[n];
    if (info.sigs.empty()) return MethodName(static_cast<int>(n)) + ": no overloads";
    for (size_t i = 0; i < info.sigs.size(); ++i) {
      const Signature& a = h.signatures[info.sigs[i]];
      if (a.is_const != h.signatures[info.sigs[0]].is_const)
        return MethodName(static_cast<int>(n)) + ": overloads differ in constness";
      for (size_t j = 0; j < i; ++j)
        if (h.signatures[info.sigs[j]].args == a.args)
          return MethodName(static_cast<int>(n)) + ": two overloads with one parameter list";
    }
  }
  return "";
}

std::string CheckMethods(const Hierarchy& h, int c, const std::vector<std::vector<char>>& is_base) {
  const ClassModel& cm = h.classes[c];
  std::set<int> declared;
  for (const Method& m : cm.methods) {
    if (m.name < 0 || m.name >= static_cast<int>(h.names.size())) return At(c) + "unknown name";
    declared.insert(m.name);
    const int intro = h.names[m.name].introduced_by;
    if (intro != c && !is_base[c][intro])
      return At(c) + MethodName(m.name) + " declared but neither introduced nor inherited";
    if (m.is_final && m.pure) return At(c) + MethodName(m.name) + " is pure and final";
  }
  for (int name : declared) {
    for (int sig : h.names[name].sigs) {
      int count = 0;
      for (const Method& m : cm.methods) count += m.name == name && m.sig == sig;
      if (count != 1) return At(c) + MethodName(name) + " does not declare each overload once";
    }
    int total = 0;
    for (const Method& m : cm.methods) total += m.name == name;
    if (total != static_cast<int>(h.names[name].sigs.size()))
      return At(c) + MethodName(name) + " declares a signature outside its overload set";
    if (h.names[name].introduced_by == c) {
      for (size_t b = 0; b < h.classes.size(); ++b)
        if (is_base[c][b] && DeclaresName(h, static_cast<int>(b), name))
          return At(c) + MethodName(name) + " introduced but a base declares it";
    }
  }
  // Nothing below a final method declares its name.
  for (const Method& m : cm.methods) {
    if (!m.is_final) continue;
    for (size_t d = 0; d < h.classes.size(); ++d)
      if (is_base[d][c] && DeclaresName(h, static_cast<int>(d), m.name))
        return At(c) + "final " + MethodName(m.name) + " overridden in " +
               ClassName(static_cast<int>(d));
  }
  return "";
}

std::string CheckOverridersAndCalls(const Hierarchy& h, int c) {
  const ClassModel& cm = h.classes[c];
  const SubobjectGraph g(h, c);
  for (int node = 0; node < g.size(); ++node)
    for (const Method& m : h.classes[g.node(node).cls].methods)
      if (FinalOverrider(h, g, 0, node, m.name, m.sig) < 0)
        return At(c) + MethodName(m.name) + " of " + ClassName(g.node(node).cls) +
               " has more than one final overrider";
  for (const auto* calls : {&cm.ctor_calls, &cm.dtor_calls}) {
    for (const VirtualCall& call : *calls) {
      const int found = ResolveCall(h, g, 0, call.name, call.sig);
      if (found < 0) return At(c) + "body calls " + MethodName(call.name) + " ambiguously";
      const int fo = FinalOverrider(h, g, 0, found, call.name, call.sig);
      if (FindMethod(h, g.node(fo).cls, call.name, call.sig)->pure)
        return At(c) + "body calls pure " + MethodName(call.name);
    }
  }
  if (!cm.dtor_calls.empty() && !cm.declares_dtor) return At(c) + "dtor calls without a dtor";
  if (cm.declares_virtual_dtor && !cm.declares_dtor) return At(c) + "virtual dtor not declared";
  return "";
}

}  // namespace

std::string ValidateHierarchy(const Hierarchy& h) {
  const int n = static_cast<int>(h.classes.size());
  if (n == 0) return "no classes";
  for (int c = 0; c < n; ++c)
    if (std::string e = CheckBases(h, c); !e.empty()) return e;
  const std::vector<std::vector<char>> is_base = BaseClosure(h);
  const std::vector<char> leaf = LeafClasses(h);
  if (std::string e = CheckNames(h); !e.empty()) return e;
  std::set<int> ids;
  Hierarchy facts = h;
  ComputeFacts(facts);
  bool any_concrete = false;
  for (int c = 0; c < n; ++c) {
    const ClassModel& cm = h.classes[c];
    if (std::string e = CheckMethods(h, c, is_base); !e.empty()) return e;
    if (std::string e = CheckOverridersAndCalls(h, c); !e.empty()) return e;
    for (const Method& m : cm.methods)
      if (m.impl_id < 1 || m.impl_id >= kReplacementIdBase || !ids.insert(m.impl_id).second)
        return At(c) + "bad or duplicate impl id " + std::to_string(m.impl_id);
    for (const DataMember& d : cm.members)
      if (d.size < 1 || d.align < 1 || d.align > 16 || (d.align & (d.align - 1)) != 0)
        return At(c) + "bad data member";
    const ClassModel& f = facts.classes[c];
    if (f.polymorphic != cm.polymorphic || f.abstract != cm.abstract ||
        f.virtual_dtor != cm.virtual_dtor)
      return At(c) + "derived facts are stale";
    if (leaf[c] && cm.abstract) return At(c) + "leaf class is abstract";
    if (cm.is_final) {
      if (!leaf[c]) return At(c) + "final class has a derived class";
      for (const Method& m : cm.methods)
        if (h.names[m.name].introduced_by == c) return At(c) + "final class introduces a virtual";
      if (cm.declares_virtual_dtor && !InheritsVirtualDtor(h, c))
        return At(c) + "final class introduces a virtual destructor";
    }
    any_concrete = any_concrete || !cm.abstract;
  }
  if (!any_concrete) return "no concrete class";
  if (!h.class_align.empty() && h.class_align.size() != h.classes.size()) return "class_align: not one entry per class";
  for (int c = 0; c < static_cast<int>(h.class_align.size()); ++c) {
    const int a = h.class_align[static_cast<size_t>(c)];
    if (a != 0 && a != 32 && a != 64) return At(c) + "alignas is not 32 or 64";
    for (const Base& b : h.classes[static_cast<size_t>(c)].bases)
      if (a != 0 && a < ObjectAlignas(h, b.cls)) return At(c) + "alignas below the alignment of a base";
  }
  if (!h.variadic_sigs.empty() && h.variadic_sigs.size() != h.signatures.size())
    return "variadic_sigs: not one entry per signature";
  for (int k = 0; k < static_cast<int>(h.variadic_sigs.size()); ++k)
    if (IsVariadic(h, k) && !MayBeVariadic(h, k)) return "sig" + std::to_string(k) + ": variadic, but it may not be";
  if (!h.sig_quals.empty() && h.sig_quals.size() != h.signatures.size()) return "sig_quals: not one entry per signature";
  for (int k = 0; k < static_cast<int>(h.sig_quals.size()); ++k) {
    const char q = SigQuals(h, k);
    if ((q & ~(kQualVolatile | kQualLRef | kQualRRef)) != 0 || ((q & kQualLRef) != 0 && (q & kQualRRef) != 0))
      return "sig" + std::to_string(k) + ": sig_quals is no qualifier set";
    if (q != 0 && !IsSoleOverload(h, k)) return "sig" + std::to_string(k) + ": qualified, but a name has another overload";
  }
  if (!h.nested_classes.empty() && h.nested_classes.size() != h.classes.size()) return "nested_classes: not one entry per class";
  if (!h.template_classes.empty() && h.template_classes.size() != h.classes.size()) return "template_classes: not one entry per class";
  if (!h.unnamed_classes.empty() && h.unnamed_classes.size() != h.classes.size()) return "unnamed_classes: not one entry per class";
  for (int c = 0; c < static_cast<int>(h.unnamed_classes.size()); ++c)
    if (IsUnnamedNamespaceClass(h, c) && IsTemplateClass(h, c))
      return "C" + std::to_string(c) + ": a template class in an unnamed namespace";
  if (!h.local_classes.empty() && h.local_classes.size() != h.classes.size()) return "local_classes: not one entry per class";
  for (int c = 0; c < static_cast<int>(h.local_classes.size()); ++c)
    if (IsLocalClass(h, c) && !MayBeLocalClass(facts, c, leaf, is_base))
      return "C" + std::to_string(c) + ": a local class, but it may not be one";
  if (!h.class_arg_sigs.empty() && h.class_arg_sigs.size() != h.signatures.size())
    return "class_arg_sigs: not one entry per signature";
  for (int k = 0; k < static_cast<int>(h.class_arg_sigs.size()); ++k) {
    const char a = ClassArg(h, k);
    if (a != 0 && a != kClassArgValue && a != kClassArgRef && a != kClassArgRRef)
      return "sig" + std::to_string(k) + ": class_arg_sigs is no way of passing";
    if (a != 0 && !MayHaveClassArg(h, k)) return "sig" + std::to_string(k) + ": a class argument, but it may have none";
  }
  if (!h.default_arg_sigs.empty() && h.default_arg_sigs.size() != h.signatures.size())
    return "default_arg_sigs: not one entry per signature";
  for (int k = 0; k < static_cast<int>(h.default_arg_sigs.size()); ++k)
    if (VariantEntry(h.default_arg_sigs, k) != 0 && !MayHaveDefaultArgs(h, k))
      return "sig" + std::to_string(k) + ": default arguments, but it may have none";
  for (int c = 0; c < static_cast<int>(h.classes.size()); ++c) {
    for (const Method& m : h.classes[static_cast<size_t>(c)].methods) {
      const int args = static_cast<int>(h.signatures[static_cast<size_t>(m.sig)].args.size());
      if (m.defaults < 0 || m.defaults > args || (m.defaults > 0 && VariantEntry(h.default_arg_sigs, m.sig) == 0))
        return At(c) + MethodName(m.name) + "/sig" + std::to_string(m.sig) + ": " + std::to_string(m.defaults) +
               " default arguments";
    }
  }
  if (!h.class_return_sigs.empty() && h.class_return_sigs.size() != h.signatures.size())
    return "class_return_sigs: not one entry per signature";
  if (!h.class_return_refs.empty() && h.class_return_refs.size() != h.signatures.size())
    return "class_return_refs: not one entry per signature";
  for (int k = 0; k < static_cast<int>(h.class_return_refs.size()); ++k)
    if (h.class_return_refs[static_cast<size_t>(k)] != 0 && !ReturnsClass(h, k))
      return "sig" + std::to_string(k) + ": returns references, but no class";
  if (!h.class_alloc.empty() && h.class_alloc.size() != h.classes.size()) return "class_alloc: not one entry per class";
  for (int c = 0; c < static_cast<int>(h.class_alloc.size()); ++c) {
    const char a = h.class_alloc[static_cast<size_t>(c)];
    if (a != 0 && a != kAllocUnsized && a != kAllocSized) return At(c) + "class_alloc is no flavour";
    if (AllocationOwner(h, c) == kAmbiguousOwner) return At(c) + "operator new/delete lookup is ambiguous";
  }
  if (!h.final_dtors.empty() && h.final_dtors.size() != h.classes.size()) return "final_dtors: not one entry per class";
  if (!h.inline_classes.empty() && h.inline_classes.size() != h.classes.size()) return "inline_classes: not one entry per class";
  if (!h.pure_dtors.empty() && h.pure_dtors.size() != h.classes.size()) return "pure_dtors: not one entry per class";
  for (int c = 0; c < static_cast<int>(h.pure_dtors.size()); ++c)
    if (HasPureDtor(h, c) && !MayHavePureDtor(h, c, leaf)) return At(c) + "a pure destructor where none may be (model.h, MayHavePureDtor)";
  for (int c = 0; c < static_cast<int>(h.final_dtors.size()); ++c) {
    if (HasFinalDtor(h, c) && !MayHaveFinalDtor(h, c, leaf))
      return At(c) + "a final destructor where none may be (model.h, MayHaveFinalDtor)";
  }
  for (int c = 0; c < static_cast<int>(h.classes.size()); ++c) {
    for (const Method& m : h.classes[static_cast<size_t>(c)].methods) {
      const std::string at = At(c) + MethodName(m.name) + "/sig" + std::to_string(m.sig) + ": ";
      if (!ReturnsClass(h, m.sig)) {
        if (m.ret_class != -1) return at + "returns a class, but its signature does not";
        continue;
      }
      if (h.signatures[static_cast<size_t>(m.sig)].ret != ValueKind::kPtr) return at + "a class return replaces a non-void* return";
      if (IsVariadic(h, m.sig)) return at + "a variadic signature returns a class (clang 22 miscompiles its covariant thunks)";
      const std::vector<int> ok = ReturnClassCandidates(h, c, m.name, m.sig);
      if (std::find(ok.begin(), ok.end(), m.ret_class) == ok.end())
        return at + "returns C" + std::to_string(m.ret_class) + "*, which is no unambiguous base it may return (covariance)";
    }
  }
  return "";
}

}  // namespace vto::gen
