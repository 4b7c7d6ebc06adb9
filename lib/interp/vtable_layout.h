// vtable_layout.h — the Itanium-ABI vtable layout of one class, as clang computes it.
//
// Defines:
//   vto::interp::Method        one function-pointer entry of a class's primary vtable.
//   vto::interp::ClassLayout   a vto::ClassShape plus the named entries of the primary vtable,
//                              and FindSlot("f") / FindSlot("f(int)") to find a slot by name.
//   vto::interp::LayoutBuilder derives ClassLayouts from clang's ItaniumVTableContext (used by
//                              vto::interp::Interpreter; you normally call Interpreter::FindClass).
//
// All knowledge of clang's AST and of the Itanium C++ ABI lives in vtable_layout.cc.
//
// Example (what FindClass returns for this class, x86-64 Linux):
//
//   struct Shape { virtual int sides() const; virtual ~Shape(); virtual int f(int); virtual int f(double); };
//   layout.shape.num_slots          == 5      // sides, D1, D0, f(int), f(double)
//   layout.shape.complete_dtor_slot == 1      // the destructor sits where it was declared
//   layout.shape.deleting_dtor_slot == 2
//   layout.FindSlot("sides")        == 0
//   layout.FindSlot("f")            == -1     // ambiguous: f is overloaded
//   layout.FindSlot("f(double)")    == 4
#ifndef VTO_INTERP_VTABLE_LAYOUT_H
#define VTO_INTERP_VTABLE_LAYOUT_H

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "overlay/class_shape.h"

namespace clang {
class ASTContext;
class CXXRecordDecl;
class MangleContext;
}  // namespace clang

namespace vto::interp {

// One function-pointer entry of the primary vtable (at or after the address point).
struct Method {
  // Unqualified name as declared: "f", "operator()", "~Shape".
  std::string name;
  // The function's type as clang prints it: "int (int) const", "void () noexcept".
  std::string signature;
  // Index relative to the address point: the entry is (*(void***)object)[slot].
  uint32_t slot = 0;
  // The entry is a pure virtual function (__cxa_pure_virtual in the vtable).
  bool is_pure = false;
  // The entry is the complete-object (D1) or the deleting (D0) destructor.
  bool is_destructor = false;
  // "f(int, size_t)": the name and the parameter types as written (used by FindSlot).
  std::string call;
  // The same with canonical parameter types: "f(int, unsigned long)".
  std::string canonical_call;
  // What follows the parameter list: "", " const", " &&", " const &".
  std::string qualifiers;
  // FindSlot's keys, made once by LayoutBuilder::Build: NormalizeTypeName of `name`, and of
  // `call` and `canonical_call` without ([0], [1]) and with ([2], [3]) the qualifiers.
  std::string key_name;
  std::string key_forms[4];
};

// The layout of one class: its ClassShape (every field filled, the vtable group included) and
// the named entries of its primary vtable, in slot order. For an overriding function the
// entry names the final overrider in this class (same name and parameters as the overridden
// one).
struct ClassLayout {
  vto::ClassShape shape;
  std::vector<Method> methods;

  // The slot of a virtual function, or -1 with a message in *error.
  //   "f"            the only virtual function named f (error if f is overloaded)
  //   "f(int)"       the overload of f whose parameter types are exactly `int`
  //   "f(int) const" the same, also matching the qualifiers after the parameter list
  //   "~Shape"       the complete-object destructor's slot (shape.complete_dtor_slot)
  // Whitespace is ignored where C++ allows it ("f(const char*)" == "f(const char *)").
  // Types are compared as clang prints them (no typedef resolution: write "unsigned int",
  // not "unsigned").
  int FindSlot(std::string_view name_or_signature, std::string* error = nullptr) const;
};

// Computes ClassLayouts with clang's Itanium C++ ABI machinery for one ASTContext.
// Thread-compatible; the owner (Interpreter) serializes all access to the AST.
class LayoutBuilder {
 public:
  // Whether code that sees `record` may compare its vptr with the address of its vtable:
  // the class's unit was compiled with -fassume-unique-vtables at -O1 or above. It decides
  // ClassShape::vptr_identity_assumed for final classes.
  using AssumesUniqueVtables = std::function<bool(const clang::CXXRecordDecl* record)>;
  LayoutBuilder(clang::ASTContext& context, AssumesUniqueVtables assumes_unique_vtables);
  ~LayoutBuilder();
  LayoutBuilder(const LayoutBuilder&) = delete;
  LayoutBuilder& operator=(const LayoutBuilder&) = delete;

  // std::type_info::name() of the class: its Itanium mangled type name without "_ZTS".
  std::string RttiName(const clang::CXXRecordDecl* record);

  // The class's qualified name as clang prints it ("ns::Box<int>", "ns::Pair<int, long>").
  static std::string QualifiedName(const clang::CXXRecordDecl* record);
  // The name code outside the class's unnamed namespaces writes it by: QualifiedName without
  // "(anonymous namespace)::", also in template arguments ("ns::Impl" for a class of
  // `namespace ns { namespace { struct Impl; } }`: [namespace.unnamed] makes it a member of
  // ns for lookup). The same as QualifiedName for a class that involves no unnamed namespace.
  static std::string WrittenName(const clang::CXXRecordDecl* record);

  // Fills *out for a complete class definition; false with a message in *error otherwise.
  bool Build(const clang::CXXRecordDecl* record, ClassLayout* out, std::string* error);

 private:
  clang::ASTContext& context_;
  AssumesUniqueVtables assumes_unique_vtables_;
  std::unique_ptr<clang::MangleContext> mangler_;
};

// Removes whitespace that C++ does not need ("ns::Box< int * >" -> "ns::Box<int*>"); keeps
// one space between two identifier characters ("unsigned int").
std::string NormalizeTypeName(std::string_view name);

}  // namespace vto::interp

#endif  // VTO_INTERP_VTABLE_LAYOUT_H
