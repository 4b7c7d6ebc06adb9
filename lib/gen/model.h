// model.h — the hierarchy model: the truth every other pass of the generator reads.
//
// Defines:
//   vto::gen::kGeneratorVersion  bumped whenever the same bytes may produce another program.
//   ValueKind, Signature         the method signatures a hierarchy uses (its signature table).
//   Method, Base, DataMember,
//   VirtualCall, ClassModel       one class: its bases, data, virtual methods, ctor/dtor calls.
//   NameInfo, Hierarchy          the whole hierarchy: classes in topological order.
//   ClassName, MethodName        the spellings the emitter uses ("C3", "m2").
//
// The model is plain data: Generate (generate.h) builds it, EmitSource (emit.h) turns it into
// C++ and the expectation pass (expect.h) predicts what that C++ does — from the model alone.
//
// Method identity. A virtual method is a (name, signature) pair. A *name* m<n> is introduced
// by exactly one class (Hierarchy::names[n].introduced_by) together with all its overloads
// (names[n].sigs: distinct parameter lists, one constness). A class that declares a name at all
// declares every overload of it, so no declaration hides an inherited overload; a declaration
// in a class derived from the introducer overrides the base declarations of the same
// (name, signature).
//
// Example:
//   Hierarchy h = Generate(bytes, GenPolicy{});
//   for (size_t c = 0; c < h.classes.size(); ++c)
//     if (!h.classes[c].abstract) { /* C<c> may be instantiated */ }
//
// Thread-safety: plain values; thread-compatible.
#ifndef VTO_GEN_MODEL_H
#define VTO_GEN_MODEL_H

#include <cstdint>
#include <string>
#include <vector>

namespace vto::gen {

// Version of the generator's byte → program mapping. A regression artifact stores it next to
// the input bytes and the emitted source (the source, not the bytes, is the reproducer).
// 2: an id also draws its compiler mode and source variants (compiler_mode.h, generate.h).
// 3: the source variants include over-aligned classes (Hierarchy::class_align),
//    destructors that may throw (Hierarchy::throwing_dtors) and variadic virtuals
//    (Hierarchy::variadic_sigs).
// 4: the source variants include class-pointer and covariant returns
//    (Hierarchy::class_return_sigs, Method::ret_class).
// 5: a class-returning signature may return references instead (Hierarchy::class_return_refs).
// 6: the source variants include class-specific allocation functions (Hierarchy::class_alloc).
// 7: ... and `final` destructors in classes not declared final (Hierarchy::final_dtors).
// 8: ... and classes whose member functions are all inline (Hierarchy::inline_classes).
// 9: ... and pure virtual destructors with a definition (Hierarchy::pure_dtors).
// 10: ... and volatile and ref-qualified virtuals (Hierarchy::sig_quals).
// 11: ... and default arguments (Hierarchy::default_arg_sigs, Method::defaults).
// 12: ... and class-type arguments by value and by reference (Hierarchy::class_arg_sigs).
// 13: ... and classes in nested namespaces (Hierarchy::nested_classes).
// 14: ... and class templates (Hierarchy::template_classes).
// 15: ... and classes in unnamed namespaces (Hierarchy::unnamed_classes).
// 16: ... and local classes (Hierarchy::local_classes).
inline constexpr int kGeneratorVersion = 16;

// A return or argument type. Arguments are never kVoid or kSmall.
enum class ValueKind : std::uint8_t {
  kVoid = 0,
  kInt = 1,     // int
  kLong = 2,    // long
  kDouble = 3,  // double
  kPtr = 4,     // void*
  kSmall = 5,   // struct Small { int a; int b; }: returned in registers on x86-64, or in
                // memory when Hierarchy::small_in_memory gives it a user-provided destructor
};
inline constexpr int kNumValueKinds = 6;
inline constexpr int kMaxArgs = 3;

struct Signature {
  ValueKind ret = ValueKind::kVoid;
  std::vector<ValueKind> args;  // 0..kMaxArgs entries, each kInt, kLong, kDouble or kPtr
  bool is_const = false;        // a const member function

  friend bool operator==(const Signature& a, const Signature& b) {
    return a.ret == b.ret && a.args == b.args && a.is_const == b.is_const;
  }
};

// One virtual member function declared in a class.
struct Method {
  int name = 0;         // spelled MethodName(name); index into Hierarchy::names
  int sig = 0;          // index into Hierarchy::signatures
  bool pure = false;    // declared `= 0` (and never defined)
  bool is_final = false;  // declared `final`: no class derived from this one declares the name
  int impl_id = 0;      // >= 1, unique in the hierarchy; what the body records and returns
  // Hierarchy::class_return_sigs: the method returns C<ret_class>* (its body returns `this`
  // converted to it) instead of void*; -1 otherwise.
  int ret_class = -1;
  // Hierarchy::default_arg_sigs: how many trailing parameters this declaration gives a
  // default argument (their canonical values); 0 otherwise.
  int defaults = 0;
};

struct Base {
  int cls = 0;            // index of an earlier class
  bool is_virtual = false;
};

// A data member: `alignas(align) unsigned char d<i>[size]`.
struct DataMember {
  int size = 1;
  int align = 1;
};

// A call `m<name>(canonical arguments)` made in a constructor or destructor body, resolved by
// overload resolution to the overload with signature `sig`.
struct VirtualCall {
  int name = 0;
  int sig = 0;
};

struct ClassModel {
  std::vector<Base> bases;          // the base-specifier-list, in order; all public
  std::vector<DataMember> members;  // in declaration order
  std::vector<Method> methods;      // declared here; the overloads of a name are adjacent
  bool declares_dtor = false;       // user-declared destructor (always true if dtor_calls)
  bool declares_virtual_dtor = false;  // destructor declared `virtual` here (implies declares_dtor)
  bool is_final = false;            // `final` class: a leaf that introduces no new virtuals
  std::vector<VirtualCall> ctor_calls;  // made, in order, by the constructor body
  std::vector<VirtualCall> dtor_calls;  // made, in order, by the destructor body

  // Derived facts, computed by Generate's last pass from the fields above.
  bool polymorphic = false;  // declares or inherits a virtual function or virtual destructor
  bool abstract = false;     // some final overrider is pure: never instantiated
  bool virtual_dtor = false; // the destructor is virtual (declared so here or in some base)
};

// The overload set of one method name.
struct NameInfo {
  int introduced_by = 0;  // the class that introduces the name (declares it, no base does)
  std::vector<int> sigs;  // signature indices of its overloads, in declaration order
};

struct Hierarchy {
  std::vector<Signature> signatures;  // the signature table; stub names use its indices
  std::vector<NameInfo> names;        // method name n is spelled MethodName(n)
  std::vector<ClassModel> classes;    // topological order: every base precedes its derived
  // Source variant (DrawSourceVariants): `Small` has a user-provided destructor, so every
  // function returning it returns in memory (the return slot is the first argument).
  bool small_in_memory = false;
  // Source variant: class_align[c] > 0 declares class c `alignas(class_align[c])` (32 or 64,
  // more than operator new's default alignment of 16): `new` and `delete` of it take the
  // aligned allocation functions, and its subobjects sit at offsets that are multiples of it.
  // Empty, or one entry per class (0: no alignas).
  std::vector<int> class_align;
  // Source variant: every user-declared destructor is `noexcept(false)` (so is every virtual
  // destructor then, and every implicit one above a declared one) and ends with
  //   if (vto_dtor_should_throw(this)) throw int(kDtorThrowValue);
  // which throws only when the host armed it (gen/trace.h): `delete` must free the storage
  // and a destroy hook must have fired, done its bookkeeping and let the exception through.
  bool throwing_dtors = false;
  // Source variant: variadic_sigs[k] != 0 makes signature k variadic — `int m(long, ...)`:
  // every call passes its canonical arguments and then kVarArgDouble and kVarArgInt
  // (conventions.h), every body reads them back with va_arg. On x86-64 the caller passes in
  // %al the number of vector registers it used, which the callee's prologue reads, so a thunk
  // on the way must leave %al (and the stacked arguments) alone. Only for a signature with
  // at least one argument whose every name has no other overload (a call with the extra
  // arguments could otherwise resolve to another overload). Empty, or one entry per signature.
  std::vector<char> variadic_sigs;
  // Source variant: class_return_sigs[k] != 0 turns signature k's `void*` return into a
  // pointer to a class of the hierarchy, chosen per declaration (Method::ret_class): the
  // declaring class or one of its unambiguous bases, and in an override a class that has the
  // class of every overridden declaration as itself or an unambiguous base — a covariant
  // return type where they differ. Every body returns `this`, converted. A vtable entry whose
  // declaration returns another class than its final overrider calls it through a
  // return-adjusting thunk when that conversion moves the pointer or crosses a virtual base
  // (CONTRACT R19 refuses to replace such an overrider). A replacement returns a void* that
  // only an unadjusted entry passes on unchanged (conventions.h). Only for signatures that
  // return void* and are not variadic: clang 22 clones a variadic function into its
  // return-adjusting thunk with the function's `this` attributes (`align 64
  // dereferenceable(...)` of the derived class) on the thunk's unadjusted `this`, which the
  // optimizer then trusts (at -O1+, UBSan's alignment check in the thunk always fails;
  // docs/GENERATOR.md, "Validity"). Empty, or one entry per signature.
  std::vector<char> class_return_sigs;
  // Source variant: class_return_refs[k] != 0 (only where class_return_sigs[k] != 0) makes
  // signature k's declarations return C<ret_class>& instead of C<ret_class>* (covariant
  // references where they differ; every body returns `*this`). The vtable is the same as for
  // pointers: an entry whose conversion moves the reference is a return-adjusting thunk
  // (R19). A replacement still returns the void* of its id, which the caller takes as the
  // reference's address. Empty, or one entry per signature.
  std::vector<char> class_return_refs;
  // Source variant: class_alloc[c] != 0 gives class c its own allocation functions, all four
  // forms, static members that call the host (gen/trace.h, vto_class_new/vto_class_delete):
  //   void* operator new(std::size_t);  void* operator new(std::size_t, std::align_val_t);
  // and, with kAllocUnsized, operator delete(void*) and operator delete(void*, std::align_val_t),
  // with kAllocSized operator delete(void*, std::size_t) and (void*, std::size_t, std::align_val_t).
  // `new` of a class, and its deleting destructor ([class.dtor]: as `delete this` in the
  // destructor's class), use the functions lookup finds from the class (AllocationOwner,
  // cxx_rules.h): the aligned forms for an over-aligned class, the size and alignment of the
  // most derived object. A destroy hook on the deleting destructor must free through them.
  // Never where that lookup would be ambiguous (a base's declarations that hide neither the
  // other's). Empty, or one entry per class.
  std::vector<char> class_alloc;
  // Source variant: final_dtors[c] != 0 declares the destructor of leaf class c `final`
  // (`~C() override final;`) in a class not declared final. Nothing can derive from it then,
  // and clang treats the class as final (CXXRecordDecl::isEffectivelyFinal): it devirtualizes
  // every virtual call through a C* (a `delete` too: no destroy hook sees it), and at -O1+
  // with -fassume-unique-vtables compiles dynamic_cast<C*> into a vptr comparison (R13). Only
  // where MayHaveFinalDtor; the unit silences clang's -Wfinal-dtor-non-final-class. Empty, or
  // one entry per class.
  std::vector<char> final_dtors;
  // Source variant: inline_classes[c] != 0 declares every member function of class c (its
  // constructor, destructor and virtual functions; not its allocation functions) `inline`, so
  // it has no key function (Itanium C++ ABI 5.2.3: the first non-pure virtual function not
  // inline at the class's definition): its vtable group is emitted, as a COMDAT, by every
  // unit that uses it — the lifecycle kit's units as well as the hierarchy's — instead of
  // once, in the unit that defines the key function. The declarations a reflect-only backend
  // parses (EmitDeclarations) omit `inline` (an inline function must be defined). Empty, or
  // one entry per class.
  std::vector<char> inline_classes;
  // Source variant: pure_dtors[c] != 0 declares class c's virtual destructor pure
  // (`virtual ~C() = 0;`), still defined (every derived class's destructor calls it). C is then
  // abstract (ClassModel::abstract, ComputeFacts), never instantiated, and the destructor
  // entries of its own vtables are __cxa_pure_virtual: the vtable an object of a derived class
  // points at while C's destructor body runs. Only in a class that is no leaf, not final, and
  // declares its destructor virtual (MayHavePureDtor). Empty, or one entry per class.
  std::vector<char> pure_dtors;
  // Source variant: sig_quals[k] adds cv- and ref-qualifiers to every declaration of signature
  // k beyond its constness: kQualVolatile (`volatile`) and at most one of kQualLRef (`&`) and
  // kQualRRef (`&&`). They change the functions' types and mangled names, never their vtable
  // slots or calling convention: a replacement is the same `ret (void* self, args...)`, and a
  // binding that matches methods by type must take the qualifiers into account. Every call
  // of a `&&` one is made on an xvalue (`static_cast<C&&>(*p).m(...)`), a volatile body
  // records `this` without its volatile. Only for a signature whose every name has no other
  // overload (IsSoleOverload: a volatile object parameter would make a call that another
  // overload's conversions also match ambiguous). Empty, or one entry per signature.
  std::vector<char> sig_quals;
  // Source variant: default_arg_sigs[k] != 0 lets each declaration of signature k give its
  // trailing parameters default arguments (Method::defaults of them, each its canonical value,
  // drawn per declaration: an override may add, keep or drop its bases' defaults). A call
  // leaves out the arguments the declaration its lookup finds (DefaultedArgs, cxx_rules.h)
  // has defaults for: the static type, not the final overrider, decides which, and the
  // compiler passes their values. A replacement gets them as any argument. Only for a
  // signature with an argument that is not variadic and IsSoleOverload (a shorter call could
  // otherwise match another overload). Empty, or one entry per signature.
  std::vector<char> default_arg_sigs;
  // Source variant: class_arg_sigs[k] != 0 makes the first parameter of signature k a Small
  // instead of its kind: kClassArgValue `Small` by value (in registers; with small_in_memory
  // not trivial for calls, so the caller passes the address of a temporary it destroys),
  // kClassArgRef `const Small&`, kClassArgRRef `Small&&` (an address either way). Its canonical
  // value is Small{kArgInt, ~kArgInt} (conventions.h), which every call passes and every body
  // checks. A thunk on the way and a replacement (`ret (void* self, Small a0, ...)`) must pass
  // it on as the ABI says. Only where IsSoleOverload (two overloads could otherwise get one
  // parameter list), and in a variadic signature only with a later parameter (va_start's).
  // Empty, or one entry per signature.
  std::vector<char> class_arg_sigs;
  // Source variant: nested_classes[c] != 0 defines class c in a namespace of its own inside
  // the hierarchy's, `namespace inner<c> { struct C<c> ...; }`, and brings the name back with
  // `using inner<c>::C<c>;`: everything else (and every binding, reflecting `<ns>::C<c>`)
  // names it through that using-declaration, while its mangled names, vtable and type_info
  // name (ExpectedTypeName, expect.h) carry the real one. Empty, or one entry per class.
  std::vector<char> nested_classes;
  // Source variant: template_classes[c] != 0 makes class c a specialization of a class
  // template, `template <int> struct C<c>T { ... };` (TemplateName), named by the alias
  // `using C<c> = C<c>T<c>;` (inside its nested namespace where it has one). Its member
  // functions are defined as the template's (`template <int N> int C<c>T<N>::m0() ...`) and
  // instantiated by an explicit instantiation definition, `template struct C<c>T<c>;`, which
  // emits its vtable group with vague linkage; EmitDeclarations gives an explicit instantiation
  // declaration instead (the class is complete, nothing is emitted). A binding reflects it
  // through the alias; its mangled names and type_info name carry the template-id
  // (ExpectedTypeName). Empty, or one entry per class.
  std::vector<char> template_classes;
  // Source variant: unnamed_classes[c] != 0 defines class c in an unnamed namespace (inside its
  // nested namespace where it has one), `namespace { struct C<c> ...; }`: the class, its
  // vtable group and its type_info have internal linkage, so every unit that constructs it
  // (the lifecycle kit's) emits its own copies, and code outside the namespace names it
  // `<ns>::C<c>` as a binding reflects it. Its mangled and type_info names carry
  // `(anonymous namespace)` (ExpectedTypeName). Never a template class (its explicit
  // instantiation could not name the template from outside the namespace). Empty, or one
  // entry per class.
  std::vector<char> unnamed_classes;
  // Source variant: local_classes[c] != 0 defines class c in the body of the inline function
  // `<ns>::local_C<c>()` (LocalFunctionName), which returns a C<c>* and is never called; the
  // hierarchy's namespace names the class `using C<c> = std::remove_pointer_t<decltype(
  // local_C<c>())>;`, through which the stubs, the lifecycle kit and a reproducer reach it.
  // Its member functions are defined in the class (a local class has no out-of-class
  // definitions), so its vtable group has vague linkage. No binding can name it: the harness
  // reflects its objects as one of their bases only (IsNameable), and the library resolves
  // the dynamic type by its type_info name, `ZN<ns>local_C<c>EvE2C<c>` (ExpectedTypeName).
  // Only a concrete polymorphic leaf with a polymorphic base that is no template's, nested or
  // unnamed and has no base in an unnamed namespace (MayBeLocalClass). Empty, or one entry per
  // class.
  std::vector<char> local_classes;
};

// Hierarchy::sig_quals's bits.
inline constexpr char kQualVolatile = 1;
inline constexpr char kQualLRef = 2;
inline constexpr char kQualRRef = 4;

// Hierarchy::class_arg_sigs's values.
inline constexpr char kClassArgValue = 1;
inline constexpr char kClassArgRef = 2;
inline constexpr char kClassArgRRef = 3;

// Hierarchy::class_alloc's values.
inline constexpr char kAllocUnsized = 1;
inline constexpr char kAllocSized = 2;

// Entry i of one of Hierarchy's per-signature or per-class variant vectors, 0 when it is empty
// (the variant is off) or shorter.
[[nodiscard]] inline char VariantEntry(const std::vector<char>& v, int i) {
  return static_cast<size_t>(i) < v.size() ? v[static_cast<size_t>(i)] : 0;
}

[[nodiscard]] inline bool IsConcrete(const ClassModel& c) { return !c.abstract; }

// Whether signature `sig` is variadic (Hierarchy::variadic_sigs).
[[nodiscard]] inline bool IsVariadic(const Hierarchy& h, int sig) {
  return VariantEntry(h.variadic_sigs, sig) != 0;
}
// Whether signature `sig` returns a class pointer or reference (Hierarchy::class_return_sigs).
[[nodiscard]] inline bool ReturnsClass(const Hierarchy& h, int sig) {
  return VariantEntry(h.class_return_sigs, sig) != 0;
}
// Whether it returns a class reference (Hierarchy::class_return_refs).
[[nodiscard]] inline bool ReturnsClassRef(const Hierarchy& h, int sig) {
  return ReturnsClass(h, sig) && VariantEntry(h.class_return_refs, sig) != 0;
}
// Whether no name that uses signature `sig` has another overload.
[[nodiscard]] bool IsSoleOverload(const Hierarchy& h, int sig);
// Whether signature `sig` may be made variadic: it has an argument, and IsSoleOverload.
[[nodiscard]] bool MayBeVariadic(const Hierarchy& h, int sig);
// How signature `sig`'s first parameter is a Small (Hierarchy::class_arg_sigs), 0 if it is not.
[[nodiscard]] inline char ClassArg(const Hierarchy& h, int sig) { return VariantEntry(h.class_arg_sigs, sig); }
// Whether it may be: IsSoleOverload, an argument, and a later one if it is variadic.
[[nodiscard]] bool MayHaveClassArg(const Hierarchy& h, int sig);
// The type of parameter `i` of signature `sig`: TypeSpelling of its kind, or for a class
// argument "Small", "const Small&" or "Small&&"; `scope` ("" or "ns::") qualifies Small.
[[nodiscard]] std::string ParamSpelling(const Hierarchy& h, int sig, size_t i, const std::string& scope = "");
// Whether signature `sig` may have default arguments (Hierarchy::default_arg_sigs).
[[nodiscard]] bool MayHaveDefaultArgs(const Hierarchy& h, int sig);
// The qualifiers Hierarchy::sig_quals adds to signature `sig` (0 if none).
[[nodiscard]] inline char SigQuals(const Hierarchy& h, int sig) { return VariantEntry(h.sig_quals, sig); }
// Every qualifier of signature `sig`'s member functions as declared: "", " const",
// " volatile &&", " const volatile &", ...
[[nodiscard]] std::string MemberQualifiers(const Hierarchy& h, int sig);

// The allocation functions class `cls` declares (Hierarchy::class_alloc): 0, kAllocUnsized or
// kAllocSized.
[[nodiscard]] inline char ClassAlloc(const Hierarchy& h, int cls) {
  return VariantEntry(h.class_alloc, cls);
}

// The namespace class `cls` is defined in inside the hierarchy's (Hierarchy::nested_classes):
// "inner<cls>", or "" for the hierarchy's own.
[[nodiscard]] inline std::string ClassNamespace(const Hierarchy& h, int cls) {
  return VariantEntry(h.nested_classes, cls) != 0 ? "inner" + std::to_string(cls) : std::string();
}

// Whether class `cls` is defined in an unnamed namespace (Hierarchy::unnamed_classes).
[[nodiscard]] inline bool IsUnnamedNamespaceClass(const Hierarchy& h, int cls) {
  return VariantEntry(h.unnamed_classes, cls) != 0;
}

// Whether class `cls` is defined in a function body (Hierarchy::local_classes).
[[nodiscard]] inline bool IsLocalClass(const Hierarchy& h, int cls) { return VariantEntry(h.local_classes, cls) != 0; }
// "local_C<cls>": the inline function of the hierarchy's namespace whose body defines it.
[[nodiscard]] inline std::string LocalFunctionName(int cls) { return "local_C" + std::to_string(cls); }
// Whether a binding can name class `cls` (reflect it by name): every class but a local one.
[[nodiscard]] inline bool IsNameable(const Hierarchy& h, int cls) { return !IsLocalClass(h, cls); }
// Whether class `cls` may be local (Hierarchy::local_classes): a concrete polymorphic leaf
// (`leaf` is LeafClasses(h)) with a polymorphic base, that is no template's, nested or unnamed
// and has no base in an unnamed namespace (`is_base` is BaseClosure(h)).
[[nodiscard]] bool MayBeLocalClass(const Hierarchy& h, int cls, const std::vector<char>& leaf,
                                   const std::vector<std::vector<char>>& is_base);

// Whether class `cls` is a class template's specialization (Hierarchy::template_classes).
[[nodiscard]] inline bool IsTemplateClass(const Hierarchy& h, int cls) { return VariantEntry(h.template_classes, cls) != 0; }
// "C<cls>T": the class template whose specialization C<cls>T<cls> class `cls` is.
[[nodiscard]] inline std::string TemplateName(int cls) { return "C" + std::to_string(cls) + "T"; }

// Whether class `cls`'s member functions are all inline (Hierarchy::inline_classes).
[[nodiscard]] inline bool IsInlineClass(const Hierarchy& h, int cls) {
  return VariantEntry(h.inline_classes, cls) != 0;
}
// Whether polymorphic class `cls` has a key function: a non-pure virtual function it declares
// and does not define inline (a declared virtual destructor counts). Without one, every unit
// that uses the class emits its vtable group.
[[nodiscard]] bool HasKeyFunction(const Hierarchy& h, int cls);

// Whether class `cls` declares its destructor pure (Hierarchy::pure_dtors).
[[nodiscard]] inline bool HasPureDtor(const Hierarchy& h, int cls) {
  return VariantEntry(h.pure_dtors, cls) != 0;
}
// Whether it may: it declares a virtual destructor, is no leaf (`leaf` is LeafClasses(h)) and
// not final.
[[nodiscard]] bool MayHavePureDtor(const Hierarchy& h, int cls, const std::vector<char>& leaf);

// Whether class `cls` declares a `final` destructor (Hierarchy::final_dtors).
[[nodiscard]] inline bool HasFinalDtor(const Hierarchy& h, int cls) {
  return VariantEntry(h.final_dtors, cls) != 0;
}
// Whether class `cls` may declare its destructor `final` (Hierarchy::final_dtors): a leaf not
// declared final that declares a destructor overriding a base's virtual one and introduces
// no virtual function (clang treats the class as final and warns about a `virtual` in it:
// -Wunnecessary-virtual-specifier, as for a final class). `leaf` is LeafClasses(h).
[[nodiscard]] bool MayHaveFinalDtor(const Hierarchy& h, int cls, const std::vector<char>& leaf);
// Whether nothing may derive from `cls`, so a compiler treats it as final: declared `final`,
// or its destructor is (clang's isEffectivelyFinal). Calls through a pointer to it are
// devirtualizable, and its dynamic_cast may compare vptrs.
[[nodiscard]] inline bool IsEffectivelyFinal(const Hierarchy& h, int cls) {
  return h.classes[static_cast<size_t>(cls)].is_final || HasFinalDtor(h, cls);
}

// The alignas of class `cls` (Hierarchy::class_align), 0 if it has none.
[[nodiscard]] inline int ClassAlignas(const Hierarchy& h, int cls) {
  return static_cast<size_t>(cls) < h.class_align.size() ? h.class_align[static_cast<size_t>(cls)] : 0;
}
// The largest alignas of `cls` and its direct and indirect bases, 0 if none has one: an
// object of `cls` is over-aligned (new and delete take the aligned functions) iff > 0.
[[nodiscard]] int ObjectAlignas(const Hierarchy& h, int cls);
// True if `cls` or one of its direct or indirect bases declares a destructor: destroying an
// object of `cls` runs a destructor body (with throwing_dtors, one that can throw).
[[nodiscard]] bool RunsDeclaredDestructor(const Hierarchy& h, int cls);

// What the method `m` returns, spelled inside the hierarchy's namespace: TypeSpelling of its
// signature's kind, or "C<ret_class>*" ("C<ret_class>&" where the signature returns references).
[[nodiscard]] std::string ReturnSpelling(const Hierarchy& h, const Method& m);

// "C<index>" — the class's name inside the hierarchy's namespace.
[[nodiscard]] inline std::string ClassName(int cls) { return "C" + std::to_string(cls); }
// "m<name>".
[[nodiscard]] inline std::string MethodName(int name) { return "m" + std::to_string(name); }
// The C++ spelling of a value kind inside the hierarchy's namespace: "void", "int", "long",
// "double", "void*", "Small".
[[nodiscard]] const char* TypeSpelling(ValueKind k);

// How a binding names a method to reflect it: "m<name>", or "m<name>(int, double)" when the
// name is overloaded (the form ClassLayout::FindSlot and the backends accept).
[[nodiscard]] std::string MethodSpelling(const Hierarchy& h, int name, int sig);

// The method `cls` declares with this name and signature, or nullptr.
[[nodiscard]] const Method* FindMethod(const Hierarchy& h, int cls, int name, int sig);
// True if `cls` declares (any overload of) the name.
[[nodiscard]] bool DeclaresName(const Hierarchy& h, int cls, int name);

// True if a direct base of `cls` has a virtual destructor (reads the derived facts).
[[nodiscard]] bool InheritsVirtualDtor(const Hierarchy& h, int cls);
// is_base[d][c] != 0 iff class c is a direct or indirect base of class d.
[[nodiscard]] std::vector<std::vector<char>> BaseClosure(const Hierarchy& h);
// leaf[c] != 0 iff no class lists c as a base.
[[nodiscard]] std::vector<char> LeafClasses(const Hierarchy& h);

// Where an implementation id lives: class and index into its methods; {-1, -1} if none.
struct MethodRef {
  int cls = -1;
  int index = -1;
};
[[nodiscard]] MethodRef FindImpl(const Hierarchy& h, int impl_id);

}  // namespace vto::gen

#endif  // VTO_GEN_MODEL_H
