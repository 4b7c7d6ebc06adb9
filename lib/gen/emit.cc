// emit.cc — EmitSource (see emit.h). Classes, then out-of-line definitions, then the stubs.
#include "gen/emit.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "gen/conventions.h"
#include "gen/cxx_rules.h"
#include "gen/stub_names.h"
#include "gen/stubs.h"

namespace vto::gen {
namespace {

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s = buf;
  if (s.find_first_of(".en") == std::string::npos) s += ".0";  // keep it a double literal
  return s;
}

// Emission context: the hierarchy and the namespace, and the text being built.
class Emitter {
 public:
  Emitter(const Hierarchy& h, std::string_view ns)
      : h_(h), ns_(ns), is_base_(BaseClosure(h)) {}

  std::string Declarations() {
    declarations_only_ = true;
    Prelude();
    for (size_t c = 0; c < h_.classes.size(); ++c) ClassDefinition(static_cast<int>(c));
    out_ += "}  // namespace " + ns_ + "\n";
    return std::move(out_);
  }

  std::string Run() {
    // The replacement stubs are extern "C" (found by name) and may return Small in memory.
    if (h_.small_in_memory) out_ += kNonCReturnBegin;
    Prelude();
    for (size_t c = 0; c < h_.classes.size(); ++c) ClassDefinition(static_cast<int>(c));
    for (size_t c = 0; c < h_.classes.size(); ++c) MemberDefinitions(static_cast<int>(c));
    out_ += "}  // namespace " + ns_ + "\n\n";
    Stubs();
    StubTable();
    if (h_.small_in_memory) out_ += kNonCReturnEnd;
    return std::move(out_);
  }

 private:
  const Signature& Sig(int sig) const { return h_.signatures[sig]; }

  // `ns::T` spelling for use outside the namespace (qualified = true) or inside it.
  std::string Type(ValueKind k, bool qualified) const {
    if (k == ValueKind::kSmall && qualified) return ns_ + "::Small";
    return TypeSpelling(k);
  }

  // The canonical value of parameter `i` of signature `sig`.
  std::string CanonicalArg(int sig, size_t i, bool qualified) const {
    if (i == 0 && ClassArg(h_, sig) != 0)
      return Scope(qualified) + "Small{" + std::to_string(kArgInt) + ", ~" + std::to_string(kArgInt) + "}";
    return CanonicalArg(Sig(sig).args[i], qualified);
  }

  std::string Scope(bool qualified) const { return qualified ? ns_ + "::" : ""; }

  std::string CanonicalArg(ValueKind k, bool qualified) const {
    switch (k) {
      case ValueKind::kInt: return std::to_string(kArgInt);
      case ValueKind::kLong: return std::to_string(kArgLong) + "L";
      case ValueKind::kDouble: return Num(kArgDouble);
      case ValueKind::kPtr: return (qualified ? ns_ + "::" : std::string()) + "CanonicalPtr()";
      default: return "?";
    }
  }

  // The canonical arguments but the last `omit` (left to default arguments), and for a
  // variadic signature the two extra ones after them.
  std::string CanonicalArgs(int sig, bool qualified, int omit = 0) const {
    std::string s;
    const std::vector<ValueKind>& args = Sig(sig).args;
    for (size_t i = 0; i + static_cast<size_t>(omit) < args.size(); ++i)
      s += (s.empty() ? "" : ", ") + CanonicalArg(sig, i, qualified);
    if (IsVariadic(h_, sig)) s += ", " + Num(kVarArgDouble) + ", " + std::to_string(kVarArgInt);
    return s;
  }

  // "(int a0, double a1)" or, without names, "(int, double)"; `self` adds a leading void*;
  // the last `defaults` parameters get their canonical values as default arguments.
  std::string Params(int sig, bool names, bool qualified, bool self = false, int defaults = 0) const {
    std::string s = self ? "void* self" : "";
    const std::vector<ValueKind>& args = Sig(sig).args;
    for (size_t i = 0; i < args.size(); ++i) {
      if (!s.empty()) s += ", ";
      s += ParamSpelling(h_, sig, i, Scope(qualified));
      if (names) s += " a" + std::to_string(i);
      if (i + static_cast<size_t>(defaults) >= args.size()) s += " = " + CanonicalArg(sig, i, qualified);
    }
    if (IsVariadic(h_, sig)) s += ", ...";
    return "(" + s + ")";
  }

  // The condition "all arguments are canonical", or "" for no arguments.
  std::string ArgsCanonical(int sig, bool qualified) const {
    std::string s;
    const std::vector<ValueKind>& args = Sig(sig).args;
    for (size_t i = 0; i < args.size(); ++i) {
      s += s.empty() ? "" : " && ";
      if (i == 0 && ClassArg(h_, sig) != 0)  // a Small: Small{kArgInt, ~kArgInt}
        s += "a0.a == " + std::to_string(kArgInt) + " && a0.b == ~" + std::to_string(kArgInt);
      else
        s += "a" + std::to_string(i) + " == " + CanonicalArg(args[i], qualified);
    }
    return s;
  }

  // Body of a method or replacement: record (±id, self), return the encoded id. A variadic
  // one first reads its two extra arguments; they count as arguments to check.
  // `returned`, if not empty, is what a class-returning method returns (Method::ret_class).
  std::string Body(int sig, int id, const char* self, bool qualified, const std::string& returned = {}) const {
    std::string cond = ArgsCanonical(sig, qualified);
    std::string s;
    if (IsVariadic(h_, sig)) {
      s += "  std::va_list ap;\n  va_start(ap, a" + std::to_string(Sig(sig).args.size() - 1) + ");\n" +
           "  const double v0 = va_arg(ap, double);\n  const int v1 = va_arg(ap, int);\n  va_end(ap);\n";
      cond += " && v0 == " + Num(kVarArgDouble) + " && v1 == " + std::to_string(kVarArgInt);
    }
    s += "  vto_trace_record(";
    s += cond.empty() ? std::to_string(id)
                      : cond + " ? " + std::to_string(id) + " : " + std::to_string(-id);
    s += std::string(", ") + self + ");\n";
    if (!returned.empty()) return s + "  return " + returned + ";\n";
    switch (Sig(sig).ret) {
      case ValueKind::kVoid: break;
      case ValueKind::kInt: s += "  return " + std::to_string(id) + ";\n"; break;
      case ValueKind::kLong: s += "  return " + std::to_string(id * kLongFactor) + "L;\n"; break;
      case ValueKind::kDouble: s += "  return " + Num(id + kDoubleOffset) + ";\n"; break;
      case ValueKind::kPtr:
        s += "  return reinterpret_cast<void*>(std::uintptr_t{" +
             std::to_string(static_cast<std::uintptr_t>(id) * kPtrFactor) + "u});\n";
        break;
      case ValueKind::kSmall:
        s += "  return " + Type(ValueKind::kSmall, qualified) + "{" + std::to_string(id) + ", " +
             std::to_string(~id) + "};\n";
        break;
    }
    return s;
  }

  void Prelude() {
    out_ += "// Generated by vto_gen (generator version " + std::to_string(kGeneratorVersion) +
            "): namespace " + ns_ + ", " + std::to_string(h_.classes.size()) +
            " classes. See docs/GENERATOR.md.\n";
    out_ +=
        "#include <cstdarg>\n#include <cstdint>\n#include <new>\n#include <typeinfo>\n" +
        std::string(Any(h_.local_classes) ? "#include <type_traits>\n" : "") + "\n" +
        "extern \"C\" void vto_trace_record(int impl_id, const void* self);\n"
        "extern \"C\" int vto_trace_last_id(void);\n";
    if (h_.throwing_dtors) out_ += "extern \"C\" int vto_dtor_should_throw(const void* self);\n";
    if (Any(h_.class_return_sigs)) out_ += "extern \"C\" const void* vto_trace_last_self(void);\n";
    if (Any(h_.class_alloc))
      out_ += "extern \"C\" void* vto_class_new(int cls, std::size_t size, std::size_t align);\n"
              "extern \"C\" void vto_class_delete(int cls, void* p, std::size_t size, std::size_t align);\n";
    // A final destructor in a class not declared final is what the variant is about.
    if (Any(h_.final_dtors)) out_ += "#pragma clang diagnostic ignored \"-Wfinal-dtor-non-final-class\"\n";
    // Code that move-assigns a class whose virtual base two of its bases reach (the lifecycle
    // kit's vector erase) assigns that base twice, the second time from a moved-from one;
    // the members are byte arrays, so nothing changes, and clang's warning about it is
    // silenced where the classes are defined (its location).
    bool virtual_base = false;
    for (const ClassModel& cm : h_.classes)
      for (const Base& b : cm.bases) virtual_base = virtual_base || b.is_virtual;
    if (virtual_base) out_ += "#pragma clang diagnostic ignored \"-Wmultiple-move-vbase\"\n";
    out_ += "\n";
    out_ += "namespace " + ns_ + " {\n\n";
    // With a user-provided destructor Small is not trivial for calls: returned in memory.
    out_ += h_.small_in_memory ? "struct Small {\n  int a;\n  int b;\n  ~Small() {}\n};\n"
                               : "struct Small {\n  int a;\n  int b;\n};\n";
    out_ += "struct StubEntry {\n  const char* name;\n  void* address;\n};\n";
    out_ += "inline void* CanonicalPtr() { return reinterpret_cast<void*>(std::uintptr_t{" +
            std::to_string(kArgPtr) + "u}); }\n\n";
  }

  // "inline " for a member function of an inline-only class (Hierarchy::inline_classes),
  // in the class body and on its definition; "" otherwise, and for declarations only.
  std::string Inline(int c) const {
    return IsInlineClass(h_, c) && !IsLocalClass(h_, c) && !declarations_only_ ? "inline " : "";
  }
  // What ends member `c`'s declaration in its class: ";", or for a local class (which has
  // no out-of-class definitions) the definition's `body`, in both Run and Declarations.
  std::string InClass(int c, const std::string& body) const {
    return IsLocalClass(h_, c) ? " {\n" + body + "  }\n" : ";\n";
  }

  // The name of class `c` inside its own definition: C<c>, or its template's C<c>T.
  std::string SelfName(int c) const { return IsTemplateClass(h_, c) ? TemplateName(c) : ClassName(c); }
  // A template-id of class `c`'s template, C<c>T<arg>, from the hierarchy's namespace (through
  // the class's nested namespace where it has one).
  std::string TemplateId(int c, const std::string& arg) const {
    const std::string inner = ClassNamespace(h_, c);
    return (inner.empty() ? "" : inner + "::") + TemplateName(c) + "<" + arg + ">";
  }
  // The specialization a template class `c` is: C<c>T<c>.
  std::string Specialization(int c) const { return TemplateId(c, std::to_string(c)); }
  // Where an out-of-class definition names class `c`'s members: "C<c>::", or for a template
  // "C<c>T<N>::" (after "template <int N>\n", which Template gives).
  std::string Owner(int c) const { return IsTemplateClass(h_, c) ? TemplateId(c, "N") + "::" : ClassName(c) + "::"; }
  std::string Template(int c) const { return IsTemplateClass(h_, c) ? "template <int N>\n" : ""; }
  // What method `m` of class `c` returns, spelled in its class (`in_class`) or before an
  // out-of-class definition. A template's own class is its current instantiation there (C3T,
  // C3T<N>), never the alias C3 of the specialization: a covariant override returning it would
  // otherwise need the specialization complete inside its own definition.
  std::string Returns(int c, const Method& m, bool in_class) const {
    if (m.ret_class != c || !IsTemplateClass(h_, c)) return ReturnSpelling(h_, m);
    return (in_class ? TemplateName(c) : TemplateId(c, "N")) + (ReturnsClassRef(h_, m.sig) ? "&" : "*");
  }

  void ClassDefinition(int c) {
    const ClassModel& cm = h_.classes[c];
    const int align = ClassAlignas(h_, c);
    const std::string inner = ClassNamespace(h_, c), self = SelfName(c);
    const bool unnamed = IsUnnamedNamespaceClass(h_, c);
    const std::string open = (inner.empty() ? "" : "namespace " + inner + " {\n") + (unnamed ? "namespace {\n" : "");
    const std::string close = (unnamed ? "}  // namespace\n" : "") + (inner.empty() ? "" : "}  // namespace " + inner + "\n");
    if (IsTemplateClass(h_, c)) {
      // The alias first: the template's definition may name it (a class-returning method).
      out_ += open + "template <int>\nstruct " + self + ";\n" + close;
      out_ += "using " + ClassName(c) + " = " + Specialization(c) + ";\n";
    }
    // A local class: defined in the body of an inline function that returns a pointer to it
    // (MayBeLocalClass keeps it out of nested and unnamed namespaces: `open` is empty).
    if (IsLocalClass(h_, c)) out_ += "inline auto " + LocalFunctionName(c) + "() {\n";
    out_ += open;
    if (IsTemplateClass(h_, c)) out_ += "template <int>\n";
    out_ += "struct " + (align > 0 ? "alignas(" + std::to_string(align) + ") " : std::string()) +
            self + (cm.is_final ? " final" : "");
    for (size_t i = 0; i < cm.bases.size(); ++i) {
      out_ += i == 0 ? " : " : ", ";
      out_ += std::string(cm.bases[i].is_virtual ? "virtual " : "") + ClassName(cm.bases[i].cls);
    }
    out_ += " {\n";
    for (size_t i = 0; i < cm.members.size(); ++i) {
      const DataMember& d = cm.members[i];
      out_ += "  ";
      if (d.align > 1) out_ += "alignas(" + std::to_string(d.align) + ") ";
      out_ += "unsigned char d" + std::to_string(i) + "[" + std::to_string(d.size) + "] = {};\n";
    }
    if (!cm.ctor_calls.empty()) out_ += "  " + Inline(c) + self + "()" + InClass(c, CtorBody(c));
    if (cm.declares_dtor) {
      const bool inherited = InheritsVirtualDtor(h_, c);
      out_ += "  " + Inline(c) + (cm.declares_virtual_dtor && !inherited ? "virtual " : "") + "~" +
              self + "()" + (h_.throwing_dtors ? " noexcept(false)" : "") + (inherited ? " override" : "") +
              (HasFinalDtor(h_, c) ? " final" : "") + (HasPureDtor(h_, c) ? " = 0;\n" : InClass(c, DtorBody(c)));
    }
    if (const char alloc = ClassAlloc(h_, c); alloc != 0) {
      const char* size = alloc == kAllocSized ? ", std::size_t n" : "";
      auto body = [&](int which) { return InClass(c, "    " + AllocBody(c, which) + "\n"); };
      out_ += "  static void* operator new(std::size_t n)" + body(0) +
              "  static void* operator new(std::size_t n, std::align_val_t al)" + body(1) +
              "  static void operator delete(void* p" + size + ")" + body(2) +
              "  static void operator delete(void* p" + size + ", std::align_val_t al)" + body(3);
    }
    for (const Method& m : cm.methods) {
      const bool introduced = h_.names[m.name].introduced_by == c;
      // In a local class the parameters are named: the body reads them.
      out_ += "  " + (m.pure ? std::string() : Inline(c)) + (introduced ? "virtual " : "") + Returns(c, m, true) + " " +
              MethodName(m.name) + Params(m.sig, IsLocalClass(h_, c), false, false, m.defaults) +
              MemberQualifiers(h_, m.sig) + (introduced ? "" : " override") + (m.is_final ? " final" : "") +
              (m.pure ? " = 0;\n" : InClass(c, MethodBody(c, m)));
    }
    out_ += "};\n" + close;
    if (IsLocalClass(h_, c)) {
      out_ += "return static_cast<" + self + "*>(nullptr);\n}\nusing " + ClassName(c) +
              " = std::remove_pointer_t<decltype(" + LocalFunctionName(c) + "())>;\n\n";
      return;
    }
    if (IsTemplateClass(h_, c)) {
      // Declarations only: complete the class for reflection, emit nothing.
      if (declarations_only_) out_ += "extern template struct " + Specialization(c) + ";\n";
    } else if (!inner.empty()) {
      out_ += "using " + inner + "::" + ClassName(c) + ";\n";
    }
    out_ += "\n";
  }

  // The calls a constructor or destructor body of class `c` makes, leaving out what the
  // declarations they find have default arguments for.
  std::string Calls(int c, const std::vector<VirtualCall>& calls) const {
    std::string s;
    for (const VirtualCall& call : calls)
      s += "  " + Object(call.sig, SelfName(c), "this") + MethodName(call.name) + "(" +
           CanonicalArgs(call.sig, false, DefaultedArgs(h_, c, call.name, call.sig)) +
           ");\n";
    return s;
  }

  // What a call of signature `sig` on `*ptr`, of class `cls`, spells before the method's
  // name: "ptr->", or "" for `this`; for a `&&` member function (Hierarchy::sig_quals) an
  // xvalue, "static_cast<cls&&>(*ptr).".
  std::string Object(int sig, const std::string& cls, const std::string& ptr) const {
    if ((SigQuals(h_, sig) & kQualRRef) != 0) return "static_cast<" + cls + "&&>(*" + ptr + ").";
    return ptr == "this" ? "" : ptr + "->";
  }

  // The bodies of class `c`'s member definitions, out of its class or (a local class) in it.
  std::string CtorBody(int c) const { return Calls(c, h_.classes[c].ctor_calls); }
  std::string DtorBody(int c) const {
    std::string b = Calls(c, h_.classes[c].dtor_calls);
    if (h_.throwing_dtors) b += "  if (vto_dtor_should_throw(this)) throw int(" + std::to_string(kDtorThrowValue) + ");\n";
    return b;
  }
  // The statement of operator new, aligned new, delete, aligned delete (`which` 0..3): they
  // report to the host, which allocates and frees with the global functions.
  std::string AllocBody(int c, int which) const {
    const std::string id = std::to_string(c), al = "static_cast<std::size_t>(al)";
    const std::string n = ClassAlloc(h_, c) == kAllocSized ? "n" : "0";
    switch (which) {
      case 0: return "return vto_class_new(" + id + ", n, 0);";
      case 1: return "return vto_class_new(" + id + ", n, " + al + ");";
      case 2: return "vto_class_delete(" + id + ", p, " + n + ", 0);";
      default: return "vto_class_delete(" + id + ", p, " + n + ", " + al + ");";
    }
  }
  // A class-returning method returns itself: `this` converted (implicitly, to an unambiguous
  // base), from a const or volatile method too. The trace takes no volatile.
  std::string MethodBody(int c, const Method& m) const {
    const std::string self = SelfName(c);
    const std::string me = (SigQuals(h_, m.sig) & kQualVolatile) != 0 ? "const_cast<const " + self + "*>(this)" : "this";
    return Body(m.sig, m.impl_id, me.c_str(), false,
                m.ret_class < 0              ? ""
                : ReturnsClassRef(h_, m.sig) ? "*const_cast<" + self + "*>(this)"
                                             : "const_cast<" + self + "*>(this)");
  }

  // The out-of-class definitions of class `c`'s members (none for a local class: InClass).
  void MemberDefinitions(int c) {
    if (IsLocalClass(h_, c)) return;
    const ClassModel& cm = h_.classes[c];
    // Inside the definitions `self` is the class's own name (a template's current instantiation).
    const std::string self = SelfName(c), owner = Owner(c), tmpl = Template(c);
    if (!cm.ctor_calls.empty()) out_ += tmpl + Inline(c) + owner + self + "() {\n" + CtorBody(c) + "}\n";
    if (cm.declares_dtor)
      out_ += tmpl + Inline(c) + owner + "~" + self + "()" + (h_.throwing_dtors ? " noexcept(false)" : "") + " {\n" +
              DtorBody(c) + "}\n";
    if (const char alloc = ClassAlloc(h_, c); alloc != 0) {
      const std::string size = alloc == kAllocSized ? ", std::size_t n" : "";
      out_ += tmpl + "void* " + owner + "operator new(std::size_t n) { " + AllocBody(c, 0) + " }\n";
      out_ += tmpl + "void* " + owner + "operator new(std::size_t n, std::align_val_t al) { " + AllocBody(c, 1) + " }\n";
      out_ += tmpl + "void " + owner + "operator delete(void* p" + size + ") { " + AllocBody(c, 2) + " }\n";
      out_ += tmpl + "void " + owner + "operator delete(void* p" + size + ", std::align_val_t al) { " + AllocBody(c, 3) +
              " }\n";
    }
    for (const Method& m : cm.methods) {
      if (m.pure) continue;
      out_ += tmpl + Inline(c) + Returns(c, m, false) + " " + owner + MethodName(m.name) + Params(m.sig, true, false) +
              MemberQualifiers(h_, m.sig) + " {\n" + MethodBody(c, m) + "}\n";
    }
    // The template's members above are instantiated here, with the vtable group.
    if (IsTemplateClass(h_, c)) out_ += "template struct " + Specialization(c) + ";\n";
    out_ += "\n";
  }

  // "extern "C" <ret> <name>(<params>) {\n<body>}\n", remembered for the stub table.
  void Stub(const std::string& ret, const std::string& name, const std::string& params,
            const std::string& body) {
    out_ += "extern \"C\" " + ret + " " + name + params + " {\n" + body + "}\n";
    stub_names_.push_back(name);
  }

  // Every stub's name and address, so a host finds them all with one symbol lookup.
  void StubTable() {
    out_ += "\nnamespace " + ns_ + " {\nconst StubEntry kStubTable[] = {\n";
    for (const std::string& name : stub_names_)
      out_ += "    {\"" + name + "\", reinterpret_cast<void*>(&" + name + ")},\n";
    out_ += "    {nullptr, nullptr},\n};\n}  // namespace " + ns_ + "\n";
    out_ += "extern \"C\" const " + ns_ + "::StubEntry* " + StubTableName(ns_) + "(void) {\n  return " +
            ns_ + "::kStubTable;\n}\n";
  }

  std::string Q(int cls) const { return ns_ + "::" + ClassName(cls); }

  // The deallocation `delete` of a C<c> makes, spelled as a call (the delete stub that calls
  // the destructor itself): the class's own operator delete where lookup finds one (sized
  // as it is declared), else the global one; the aligned form for an over-aligned class.
  std::string Deallocate(int c) const {
    const int owner = AllocationOwner(h_, c);
    if (owner < 0)
      return "  if constexpr (alignof(" + Q(c) + ") > __STDCPP_DEFAULT_NEW_ALIGNMENT__)\n    ::operator delete(c, std::align_val_t{alignof(" +
             Q(c) + ")});\n  else\n    ::operator delete(c);\n";
    std::string args = "c";
    if (ClassAlloc(h_, owner) == kAllocSized) args += ", sizeof(" + Q(c) + ")";
    if (ObjectAlignas(h_, c) > 0) args += ", std::align_val_t{alignof(" + Q(c) + ")}";
    return "  " + Q(c) + "::operator delete(" + args + ");\n";
  }

  // Whether a variant vector of the hierarchy (model.h) is on anywhere.
  static bool Any(const std::vector<char>& v) {
    return std::any_of(v.begin(), v.end(), [](char c) { return c != 0; });
  }

  // A call stub of a class-returning signature: the pointer the call returns must be the one
  // the language makes of what the function that ran returned. It asks the trace which
  // function ran (its id) and on which `this`, and converts that `this` as the function did
  // and then as the call's return type asks (the declaration `s`'s lookup finds); a
  // replacement returns the void* of its id, which no conversion may have moved. The stub
  // returns the id, or kBadReturn when the pointer differs.
  std::string ClassReturnCheck(int s, const VirtualCall& call, const std::string& expr) const {
    const SubobjectGraph g(h_, s);
    const int found = ResolveCall(h_, g, 0, call.name, call.sig);
    const Method* decl = FindMethod(h_, g.node(found).cls, call.name, call.sig);
    const std::string rt = Q(decl->ret_class) + "*";
    // A reference's address is what the pointer would be.
    const std::string got = ReturnsClassRef(h_, call.sig) ? "&(" + expr + ")" : expr;
    std::string b = "  " + rt + " const q = " + got + ";\n  const long t = vto_trace_last_id();\n" +
                    "  const long id = t < 0 ? -t : t;\n  void* const self = const_cast<void*>(vto_trace_last_self());\n  (void)self;\n" +
                    "  " + rt + " want = nullptr;\n  switch (id) {\n";
    for (size_t d = 0; d < h_.classes.size(); ++d) {
      const Method* m = FindMethod(h_, static_cast<int>(d), call.name, call.sig);
      if (m == nullptr || m->pure) continue;
      if (static_cast<int>(d) != g.node(found).cls && !is_base_[d][static_cast<size_t>(g.node(found).cls)]) continue;
      b += "    case " + std::to_string(m->impl_id) + ": want = static_cast<" + rt + ">(static_cast<" +
           Q(m->ret_class) + "*>(static_cast<" + Q(static_cast<int>(d)) + "*>(self))); break;\n";
    }
    for (int r = 0; r < kReplacementsPerSignature; ++r) {
      const int id = ReplacementId(call.sig, r);
      b += "    case " + std::to_string(id) + ": want = reinterpret_cast<" + rt + ">(std::uintptr_t{" +
           std::to_string(static_cast<std::uintptr_t>(id) * kPtrFactor) + "u}); break;\n";
    }
    b += "    default: return " + std::to_string(kBadReturn) + "L;\n  }\n  return q == want ? id : " +
         std::to_string(kBadReturn) + "L;\n";
    return b;
  }

  std::string CallStubBody(int s, const VirtualCall& call) const {
    const Signature& sig = Sig(call.sig);
    const std::string ptr_type = (sig.is_const ? "const " : "") + Q(s) + "*";
    std::string b = "  " + ptr_type + " p = static_cast<" + ptr_type + ">(s);\n";
    const std::string expr = Object(call.sig, (sig.is_const ? "const " : "") + Q(s), "p") + MethodName(call.name) + "(" +
                             CanonicalArgs(call.sig, true, DefaultedArgs(h_, s, call.name, call.sig)) + ")";
    if (ReturnsClass(h_, call.sig)) return b + ClassReturnCheck(s, call, expr);
    switch (sig.ret) {
      case ValueKind::kVoid:
        b += "  " + expr + ";\n  return vto_trace_last_id();\n";
        break;
      case ValueKind::kInt: b += "  return " + expr + ";\n"; break;
      case ValueKind::kLong: {
        const std::string f = std::to_string(kLongFactor) + "L";
        b += "  const long r = " + expr + ";\n  return r % " + f + " == 0 ? r / " + f + " : " +
             std::to_string(kBadReturn) + "L;\n";
        break;
      }
      case ValueKind::kDouble:
        b += "  const double r = " + expr + ";\n  const long id = static_cast<long>(r);\n" +
             "  return r == static_cast<double>(id) + " + Num(kDoubleOffset) + " ? id : " +
             std::to_string(kBadReturn) + "L;\n";
        break;
      case ValueKind::kPtr: {
        const std::string f = std::to_string(kPtrFactor) + "u";
        b += "  const std::uintptr_t r = reinterpret_cast<std::uintptr_t>(" + expr + ");\n" +
             "  return r % " + f + " == 0 ? static_cast<long>(r / " + f + ") : " +
             std::to_string(kBadReturn) + "L;\n";
        break;
      }
      case ValueKind::kSmall:
        b += "  const " + ns_ + "::Small r = " + expr + ";\n  return r.b == ~r.a ? r.a : " +
             std::to_string(kBadReturn) + "L;\n";
        break;
    }
    return b;
  }

  void Stubs() {
    const StubPlan plan = PlanStubs(h_);
    for (size_t ci = 0; ci < plan.classes.size(); ++ci) {
      const int c = static_cast<int>(ci);
      const ClassStubs& st = plan.classes[c];
      const ClassModel& cm = h_.classes[c];
      if (st.new_and_delete) {
        Stub("void*", NewStubName(ns_, c), "()", "  return new " + Q(c) + "();\n");
        // delete through C* on a polymorphic non-final class with a non-virtual destructor
        // draws -Wdelete-non-abstract-non-virtual-dtor; the qualified destructor call and
        // operator delete do the same thing (the object's dynamic type is C) quietly (the
        // aligned one for a C over-aligned by its own or a base's alignas, as `new` took).
        if (DeleteStubCallsDestructor(cm))
          Stub("void", DeleteStubName(ns_, c), "(void* c)",
               "  " + Q(c) + "* p = static_cast<" + Q(c) + "*>(c);\n  p->" + Q(c) + "::~" + ClassName(c) +
                   "();\n" + Deallocate(c));
        else
          Stub("void", DeleteStubName(ns_, c), "(void* c)",
               "  delete static_cast<" + Q(c) + "*>(c);\n");
      }
      for (int s : st.up)
        Stub("void*", UpStubName(ns_, c, s), "(void* c)",
             "  return static_cast<" + Q(s) + "*>(static_cast<" + Q(c) + "*>(c));\n");
      if (!cm.polymorphic) continue;
      const std::string self = "static_cast<" + Q(c) + "*>(s)";
      for (const VirtualCall& call : st.calls)
        Stub("long", CallStubName(ns_, c, call.name, call.sig), "(void* s)", CallStubBody(c, call));
      if (st.delete_via) Stub("void", DeleteViaStubName(ns_, c), "(void* s)", "  delete " + self + ";\n");
      if (st.typeid_and_void_cast) {
        Stub("const char*", TypeidStubName(ns_, c), "(void* s)",
             "  return typeid(*" + self + ").name();\n");
        Stub("void*", DynCastStubName(ns_, c, kVoidTarget), "(void* s)",
             "  return dynamic_cast<void*>(" + self + ");\n");
      }
      for (int t : st.dyncasts)
        Stub("void*", DynCastStubName(ns_, c, t), "(void* s)",
             "  return dynamic_cast<" + Q(t) + "*>(" + self + ");\n");
      out_ += "\n";
    }
    for (int k = 0; k < plan.num_signatures; ++k) {
      for (int r = 0; r < kReplacementsPerSignature; ++r)
        Stub(Type(Sig(k).ret, true), ReplacementStubName(ns_, k, r), Params(k, true, true, true),
             Body(k, ReplacementId(k, r), "self", true));
    }
  }

  const Hierarchy& h_;
  const std::string ns_;
  const std::vector<std::vector<char>> is_base_;  // BaseClosure(h_), for ClassReturnCheck
  bool declarations_only_ = false;  // Declarations(): no definitions, so nothing is `inline`
  std::string out_;
  std::vector<std::string> stub_names_;  // in definition order
};

}  // namespace

std::string EmitSource(const Hierarchy& h, std::string_view ns) { return Emitter(h, ns).Run(); }
std::string EmitDeclarations(const Hierarchy& h, std::string_view ns) { return Emitter(h, ns).Declarations(); }

}  // namespace vto::gen
