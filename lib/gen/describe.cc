// describe.cc — DescribeHierarchy (see describe.h).
#include "gen/describe.h"

namespace vto::gen {
namespace {

std::string DescribeSignature(const Hierarchy& h, int sig) {
  const Signature& s = h.signatures[static_cast<size_t>(sig)];
  std::string out = std::string(TypeSpelling(s.ret)) + "(";
  for (size_t i = 0; i < s.args.size(); ++i) out += (i ? ", " : "") + ParamSpelling(h, sig, i);
  if (IsVariadic(h, sig)) out += ", ...";
  return out + ")" + MemberQualifiers(h, sig);
}

std::string DescribeCalls(const char* what, const std::vector<VirtualCall>& calls) {
  if (calls.empty()) return "";
  std::string out = std::string(" ") + what + "{";
  for (size_t i = 0; i < calls.size(); ++i)
    out += (i ? " " : "") + MethodName(calls[i].name) + "/" + std::to_string(calls[i].sig);
  return out + "}";
}

}  // namespace

std::string DescribeHierarchy(const Hierarchy& h) {
  std::string out = "vto_gen v" + std::to_string(kGeneratorVersion) + ": " +
                    std::to_string(h.classes.size()) + " classes, " +
                    std::to_string(h.signatures.size()) + " signatures" +
                    (h.small_in_memory ? ", Small in memory" : "") + (h.throwing_dtors ? ", throwing destructors" : "") +
                    "\n ";
  for (size_t i = 0; i < h.signatures.size(); ++i)
    out += " sig" + std::to_string(i) + ": " + DescribeSignature(h, static_cast<int>(i)) + ";";
  out += "\n";
  for (size_t c = 0; c < h.classes.size(); ++c) {
    const ClassModel& cm = h.classes[c];
    out += "  " + ClassName(static_cast<int>(c)) + (cm.is_final ? " final" : "");
    if (const std::string inner = ClassNamespace(h, static_cast<int>(c)); !inner.empty()) out += " in " + inner;
    if (IsUnnamedNamespaceClass(h, static_cast<int>(c))) out += " in an unnamed namespace";
    if (IsLocalClass(h, static_cast<int>(c))) out += " local to " + LocalFunctionName(static_cast<int>(c)) + "()";
    if (IsTemplateClass(h, static_cast<int>(c))) out += " = " + TemplateName(static_cast<int>(c)) + "<" + std::to_string(c) + ">";
    if (const int align = ClassAlignas(h, static_cast<int>(c)); align > 0) out += " alignas(" + std::to_string(align) + ")";
    for (size_t i = 0; i < cm.bases.size(); ++i)
      out += std::string(i ? ", " : " : ") + (cm.bases[i].is_virtual ? "virtual " : "") +
             ClassName(cm.bases[i].cls);
    out += " [";
    out += cm.polymorphic ? "poly" : "plain";
    if (cm.abstract) out += " abstract";
    if (cm.virtual_dtor) out += " vdtor";
    if (cm.declares_dtor) out += cm.declares_virtual_dtor ? " ~virtual" : " ~";
    out += "]";
    if (!cm.members.empty()) {
      out += " d{";
      for (size_t i = 0; i < cm.members.size(); ++i)
        out += (i ? " " : "") + std::to_string(cm.members[i].size) + "@" +
               std::to_string(cm.members[i].align);
      out += "}";
    }
    out += DescribeCalls("ctor", cm.ctor_calls) + DescribeCalls("dtor", cm.dtor_calls);
    for (const Method& m : cm.methods)
      out += " " + MethodName(m.name) + "/" + std::to_string(m.sig) + "#" +
             std::to_string(m.impl_id) + (m.ret_class >= 0 ? "->" + ClassName(m.ret_class) + (ReturnsClassRef(h, m.sig) ? "&" : "*") : "") +
             (m.pure ? "=0" : "") + (m.is_final ? " final" : "") +
             (m.defaults > 0 ? " defaults" + std::to_string(m.defaults) : "");
    out += "\n";
  }
  return out;
}

}  // namespace vto::gen
