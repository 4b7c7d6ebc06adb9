// vtable_layout.cc — ClassLayout from clang's ItaniumVTableContext. The only file of the
// interpreter layer that knows the Itanium C++ ABI (vtable groups, address points, D0/D1).
#include "interp/vtable_layout.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/GlobalDecl.h"
#include "clang/AST/Mangle.h"
#include "clang/AST/PrettyPrinter.h"
#include "clang/AST/RecordLayout.h"
#include "clang/AST/VTableBuilder.h"
#include "llvm/Support/Casting.h"
#include "llvm/Support/raw_ostream.h"

namespace vto::interp {
namespace {

bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

clang::PrintingPolicy TypePrintingPolicy(const clang::ASTContext& context) {
  clang::PrintingPolicy policy(context.getLangOpts());
  policy.SuppressTagKeyword = true;     // "ns::Foo", not "struct ns::Foo"
  policy.SuppressScope = false;
  policy.FullyQualifiedName = true;
  policy.UsePreferredNames = false;     // "std::basic_string<char>", as written by the mangler
  policy.SplitTemplateClosers = false;  // "A<B<int>>"
  return policy;
}

// "f(int, char *)" and, when the method has qualifiers, "f(int, char *) const &".
struct CallForms {
  std::string written;    // parameter types as written (typedefs kept)
  std::string canonical;  // parameter types canonicalized
  std::string qualifiers; // " const", " &&", ...
};

CallForms MakeCallForms(const clang::CXXMethodDecl* method, const clang::PrintingPolicy& policy) {
  CallForms forms;
  std::string name = method->getNameAsString();
  forms.written = name + "(";
  forms.canonical = name + "(";
  bool first = true;
  for (const clang::ParmVarDecl* param : method->parameters()) {
    if (!first) {
      forms.written += ", ";
      forms.canonical += ", ";
    }
    first = false;
    forms.written += param->getType().getAsString(policy);
    forms.canonical += param->getType().getCanonicalType().getAsString(policy);
  }
  if (method->isVariadic()) {
    forms.written += first ? "..." : ", ...";
    forms.canonical += first ? "..." : ", ...";
  }
  forms.written += ")";
  forms.canonical += ")";
  if (method->isConst()) forms.qualifiers += " const";
  if (method->isVolatile()) forms.qualifiers += " volatile";
  switch (method->getRefQualifier()) {
    case clang::RQ_LValue: forms.qualifiers += " &"; break;
    case clang::RQ_RValue: forms.qualifiers += " &&"; break;
    case clang::RQ_None: break;
  }
  return forms;
}

// The vtable group of a complete object of `name`'s class: for each vtable, the offset of
// the vptr that points into it (the base offset of the subobjects whose address point lies in
// it; the subobjects that share a vptr agree on it), the words before the address point and
// the words after it. False, with a message, where clang's layout says otherwise.
bool DescribeGroup(const std::string& name, const clang::VTableLayout& vt, std::vector<vto::VTableShape>* out,
                   std::string* error) {
  const size_t n = vt.getNumVTables();
  std::vector<vto::VTableShape> group(n);
  std::vector<bool> seen(n, false);
  for (const auto& [base, ap] : vt.getAddressPoints()) {
    if (ap.VTableIndex >= n || ap.AddressPointIndex > vt.getVTableSize(ap.VTableIndex)) {
      *error = "class '" + name + "': an address point lies outside its vtable group";
      return false;
    }
    vto::VTableShape v;
    v.vptr_offset = base.getBaseOffset().getQuantity();
    v.prefix_words = ap.AddressPointIndex;
    v.num_slots = static_cast<uint32_t>(vt.getVTableSize(ap.VTableIndex) - ap.AddressPointIndex);
    vto::VTableShape& slot = group[ap.VTableIndex];
    if (seen[ap.VTableIndex] && (slot.vptr_offset != v.vptr_offset || slot.prefix_words != v.prefix_words)) {
      *error = "class '" + name + "': vtable " + std::to_string(ap.VTableIndex) +
               " of its group has two address points (offsets " + std::to_string(slot.vptr_offset) + " and " +
               std::to_string(v.vptr_offset) + ")";
      return false;
    }
    slot = v;
    seen[ap.VTableIndex] = true;
  }
  for (size_t i = 0; i < n; ++i) {
    if (!seen[i]) {
      *error = "class '" + name + "': vtable " + std::to_string(i) + " of its group has no address point";
      return false;
    }
  }
  *out = std::move(group);
  return true;
}

// Whether the x86-64 SysV ABI returns `fn`'s result in memory (the caller passes the address
// in rdi and `this` moves to rsi): a class that cannot be passed in registers (a non-trivial
// copy constructor or destructor) or is larger than two eightbytes, and _Complex long double.
// Smaller trivially copyable classes come back in registers, long double members included
// (x87). Only thunks that adjust `this` depend on it.
bool ReturnsInMemory(const clang::ASTContext& context, const clang::CXXMethodDecl* fn) {
  const clang::QualType type = fn->getReturnType().getCanonicalType();
  if (const auto* record = type->getAsCXXRecordDecl()) {
    if (!record->canPassInRegisters()) return true;
    return context.getTypeSize(type) > 128;
  }
  if (const auto* complex = type->getAs<clang::ComplexType>()) {
    return complex->getElementType()->isSpecificBuiltinType(clang::BuiltinType::LongDouble);
  }
  return false;
}

// The overrider map of a vtable group: fills VTableShape::entries. An entry's final overrider
// is identified by the function, the destructor variant and the offset (in the complete
// object) of the subobject the function receives as `this`: the entry's own vptr offset, moved
// by its thunk's adjustment, which applies the non-virtual part first and then the vcall
// offset found in the vtable of the subobject it reached (clang's ThisAdjustment).
bool DescribeEntries(const std::string& name, const clang::ASTContext& context, const clang::VTableLayout& vt,
                     std::vector<vto::VTableShape>* group, std::string* error) {
  llvm::ArrayRef<clang::VTableComponent> components = vt.vtable_components();
  std::map<uint64_t, const clang::ThunkInfo*> thunks;
  for (const auto& [index, info] : vt.vtable_thunks()) thunks[index] = &info;
  auto vtable_at = [&](int64_t offset) -> int {
    for (size_t k = 0; k < group->size(); ++k)
      if ((*group)[k].vptr_offset == offset) return static_cast<int>(k);
    return -1;
  };
  std::map<std::tuple<const clang::CXXMethodDecl*, int, int64_t>, uint32_t> ids;
  for (size_t i = 0; i < group->size(); ++i) {
    vto::VTableShape& v = (*group)[i];
    const size_t first = vt.getVTableOffset(i) + v.prefix_words;
    v.entries.assign(v.num_slots, vto::VTableEntry{});
    for (uint32_t t = 0; t < v.num_slots; ++t) {
      const clang::VTableComponent& c = components[first + t];
      vto::VTableEntry& e = v.entries[t];
      switch (c.getKind()) {
        case clang::VTableComponent::CK_FunctionPointer: e.kind = vto::VTableEntry::Kind::kFunction; break;
        case clang::VTableComponent::CK_CompleteDtorPointer: e.kind = vto::VTableEntry::Kind::kCompleteDtor; break;
        case clang::VTableComponent::CK_DeletingDtorPointer: e.kind = vto::VTableEntry::Kind::kDeletingDtor; break;
        case clang::VTableComponent::CK_UnusedFunctionPointer: e.kind = vto::VTableEntry::Kind::kUnused; continue;
        default:
          *error = "class '" + name + "': entry " + std::to_string(t) + " of vtable " + std::to_string(i) +
                   " of its group is not a function pointer";
          return false;
      }
      const clang::CXXMethodDecl* fn = llvm::cast<clang::CXXMethodDecl>(c.getFunctionDecl()->getCanonicalDecl());
      int64_t this_offset = v.vptr_offset;
      auto thunk = thunks.find(first + t);
      if (thunk != thunks.end()) {
        const clang::ThunkInfo& info = *thunk->second;
        this_offset += info.This.NonVirtual;
        if (const int64_t vcall = info.This.Virtual.Itanium.VCallOffsetOffset; vcall != 0) {
          const int k = vtable_at(this_offset);
          const int64_t word = vcall / 8;
          if (k < 0 || vcall % 8 != 0 || -word > (*group)[static_cast<size_t>(k)].prefix_words) {
            *error = "class '" + name + "': a thunk's vcall offset lies outside its vtable";
            return false;
          }
          const clang::VTableComponent& off =
              components[vt.getVTableOffset(static_cast<size_t>(k)) + (*group)[static_cast<size_t>(k)].prefix_words +
                         static_cast<size_t>(word)];
          if (off.getKind() != clang::VTableComponent::CK_VCallOffset) {
            *error = "class '" + name + "': a thunk's vcall offset is not a vcall offset entry";
            return false;
          }
          this_offset += off.getVCallOffset().getQuantity();
        }
        e.return_adjusted = !info.Return.isEmpty();
      }
      e.returns_in_memory = ReturnsInMemory(context, fn);
      const auto key = std::make_tuple(fn, static_cast<int>(e.kind), this_offset);
      auto [it, fresh] = ids.emplace(key, static_cast<uint32_t>(ids.size()));
      e.overrider = it->second;
    }
  }
  return true;
}

// Every polymorphic subobject of a complete `cls` at `offset`: itself, then its bases depth
// first in declaration order; a virtual base once, at its offset in the complete object.
void CollectSubobjects(LayoutBuilder& names, const clang::ASTContext& context, const clang::CXXRecordDecl* cls,
                       int64_t offset, const clang::ASTRecordLayout& complete,
                       std::set<const clang::CXXRecordDecl*>* virtual_seen, std::vector<vto::SubobjectShape>* out) {
  if (!cls->isDynamicClass()) return;  // no vptr here, and none in its bases
  out->push_back({names.RttiName(cls), offset});
  const clang::ASTRecordLayout& layout = context.getASTRecordLayout(cls);
  for (const clang::CXXBaseSpecifier& spec : cls->bases()) {
    const clang::CXXRecordDecl* base = spec.getType()->getAsCXXRecordDecl()->getDefinition();
    if (spec.isVirtual()) {
      if (!virtual_seen->insert(base).second) continue;
      CollectSubobjects(names, context, base, complete.getVBaseClassOffset(base).getQuantity(), complete,
                        virtual_seen, out);
    } else {
      CollectSubobjects(names, context, base, offset + layout.getBaseClassOffset(base).getQuantity(), complete,
                        virtual_seen, out);
    }
  }
}

}  // namespace

std::string NormalizeTypeName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  bool pending_space = false;
  for (char c : name) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      pending_space = true;
      continue;
    }
    if (pending_space && !out.empty() && IsIdentChar(out.back()) && IsIdentChar(c)) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// ClassLayout::FindSlot

int ClassLayout::FindSlot(std::string_view name_or_signature, std::string* error) const {
  auto fail = [&](std::string message) {
    if (error) *error = std::move(message);
    return -1;
  };
  const std::string wanted = NormalizeTypeName(name_or_signature);
  if (wanted.empty()) return fail("FindSlot: empty name");
  const std::string& cls = shape.name;

  if (wanted.find('(') == std::string::npos) {
    // A bare name: must name exactly one virtual function (both destructor entries count
    // as one: the name gives the complete-object destructor).
    if (wanted[0] == '~') {
      if (shape.complete_dtor_slot < 0)
        return fail("FindSlot: " + cls + " has no virtual destructor");
      if (std::none_of(methods.begin(), methods.end(),
                       [&](const Method& m) { return m.is_destructor && m.key_name == wanted; })) {
        return fail("FindSlot: '" + wanted + "' is not the destructor of " + cls);
      }
      return shape.complete_dtor_slot;
    }
    int found = -1;
    int count = 0;
    for (const Method& m : methods) {
      if (m.is_destructor || m.key_name != wanted) continue;
      ++count;
      if (found < 0) found = static_cast<int>(m.slot);
    }
    if (count == 0) return fail("FindSlot: " + cls + " has no virtual function named '" + wanted + "'");
    if (count > 1) {
      std::string list;
      for (const Method& m : methods)
        if (!m.is_destructor && m.key_name == wanted)
          list += "\n  slot " + std::to_string(m.slot) + ": " + m.name + " : " + m.signature;
      return fail("FindSlot: '" + wanted + "' is overloaded in " + cls +
                  "; give the parameter types, e.g. \"" + wanted + "(int)\":" + list);
    }
    return found;
  }

  // A call form "f(int) const": compare with each method's written and canonical forms,
  // first including the qualifiers, then (when the caller gave none) without them.
  std::vector<const Method*> exact;
  std::vector<const Method*> unqualified;
  for (const Method& m : methods) {
    if (m.is_destructor) continue;
    for (int form = 0; form < 2; ++form) {
      if (m.key_forms[2 + form] == wanted) {
        if (exact.empty() || exact.back() != &m) exact.push_back(&m);
      } else if (m.key_forms[form] == wanted) {
        if (unqualified.empty() || unqualified.back() != &m) unqualified.push_back(&m);
      }
    }
  }
  const std::vector<const Method*>& hits = exact.empty() ? unqualified : exact;
  if (hits.empty())
    return fail("FindSlot: " + cls + " has no virtual function '" + wanted + "'");
  if (hits.size() > 1) {
    std::string list;
    for (const Method* m : hits)
      list += "\n  slot " + std::to_string(m->slot) + ": " + m->name + " : " + m->signature;
    return fail("FindSlot: '" + wanted + "' matches several virtual functions of " + cls +
                "; add the qualifiers:" + list);
  }
  return static_cast<int>(hits.front()->slot);
}

// ---------------------------------------------------------------------------------------
// LayoutBuilder

LayoutBuilder::LayoutBuilder(clang::ASTContext& context, AssumesUniqueVtables assumes_unique_vtables)
    : context_(context),
      assumes_unique_vtables_(std::move(assumes_unique_vtables)),
      mangler_(context.createMangleContext()) {}

LayoutBuilder::~LayoutBuilder() = default;

std::string LayoutBuilder::RttiName(const clang::CXXRecordDecl* record) {
  std::string mangled;
  llvm::raw_string_ostream os(mangled);
  // Itanium: the type_info name object is _ZTS<type>; type_info::name() points after _ZTS.
  mangler_->mangleCXXRTTIName(context_.getCanonicalTagType(record), os);
  os.flush();
  constexpr std::string_view kPrefix = "_ZTS";
  if (mangled.compare(0, kPrefix.size(), kPrefix) == 0) mangled.erase(0, kPrefix.size());
  return mangled;
}

std::string LayoutBuilder::QualifiedName(const clang::CXXRecordDecl* record) {
  const clang::ASTContext& context = record->getASTContext();
  const clang::QualType type = context.getCanonicalTagType(record);
  return type.getAsString(TypePrintingPolicy(context));
}

std::string LayoutBuilder::WrittenName(const clang::CXXRecordDecl* record) {
  const clang::ASTContext& context = record->getASTContext();
  clang::PrintingPolicy policy = TypePrintingPolicy(context);
  policy.SuppressUnwrittenScope = true;  // drops "(anonymous namespace)::"
  const clang::QualType type = context.getCanonicalTagType(record);
  return type.getAsString(policy);
}

bool LayoutBuilder::Build(const clang::CXXRecordDecl* record, ClassLayout* out,
                          std::string* error) {
  auto fail = [&](std::string message) {
    if (error) *error = std::move(message);
    return false;
  };
  if (record == nullptr) return fail("no class");
  const clang::CXXRecordDecl* def = record->getDefinition();
  if (def == nullptr)
    return fail("class '" + QualifiedName(record) + "' is declared but not defined");
  if (def->isInvalidDecl()) return fail("class '" + QualifiedName(def) + "' is invalid");
  if (def->isDependentContext())
    return fail("class '" + QualifiedName(def) + "' is a template pattern, not a class");

  ClassLayout layout;
  vto::ClassShape& shape = layout.shape;
  shape.name = QualifiedName(def);
  shape.rtti_name = RttiName(def);
  shape.polymorphic = def->isDynamicClass();  // has a vptr
  shape.has_virtual_bases = def->getNumVBases() != 0;
  shape.vptr_identity_assumed = shape.polymorphic && def->isEffectivelyFinal() && assumes_unique_vtables_(def);

  // The primary-base chain, nearest first: the bases sharing this class's vptr at offset 0.
  // A virtual primary base of a base is shared by every base that has it, so in this class it
  // may sit at another base's place: the chain ends there.
  const clang::ASTRecordLayout& complete = context_.getASTRecordLayout(def);
  for (const clang::CXXRecordDecl *prev = def, *base = complete.getPrimaryBase(); base != nullptr;
       prev = base, base = context_.getASTRecordLayout(base).getPrimaryBase()) {
    if (prev != def && context_.getASTRecordLayout(prev).isPrimaryBaseVirtual() &&
        !complete.getVBaseClassOffset(base).isZero()) {
      break;
    }
    shape.primary_bases.push_back(RttiName(base));
  }

  if (shape.polymorphic) {
    auto* vtables = llvm::dyn_cast<clang::ItaniumVTableContext>(context_.getVTableContext());
    if (vtables == nullptr) return fail("the target does not use the Itanium C++ ABI");
    const clang::VTableLayout& vt = vtables->getVTableLayout(def);
    shape.has_secondary_vptrs = vt.getNumVTables() > 1;

    std::string group_error;
    if (!DescribeGroup(shape.name, vt, &shape.vtable_group, &group_error) ||
        !DescribeEntries(shape.name, context_, vt, &shape.vtable_group, &group_error)) {
      return fail(group_error);
    }
    std::set<const clang::CXXRecordDecl*> virtual_seen;
    CollectSubobjects(*this, context_, def, 0, context_.getASTRecordLayout(def), &virtual_seen, &shape.subobjects);
    for (const vto::SubobjectShape& sub : shape.subobjects) {
      if (std::none_of(shape.vtable_group.begin(), shape.vtable_group.end(),
                       [&](const vto::VTableShape& v) { return v.vptr_offset == sub.offset; })) {
        return fail("class '" + shape.name + "': no vtable of its group belongs to the subobject at offset " +
                    std::to_string(sub.offset));
      }
    }
    // The class's own address point lies in the primary vtable (index 0 of the group), so the
    // group's first entry describes it (DescribeGroup checked its bounds, and that every
    // address point in one vtable agrees).
    if (vt.getAddressPoint(clang::BaseSubobject(def, clang::CharUnits::Zero())).VTableIndex != 0)
      return fail("class '" + shape.name + "': address point not in the primary vtable");
    const vto::VTableShape& primary = shape.vtable_group[0];
    shape.num_slots = primary.num_slots;
    const size_t first_slot = vt.getVTableOffset(0) + primary.prefix_words;

    const clang::PrintingPolicy policy = TypePrintingPolicy(context_);
    llvm::ArrayRef<clang::VTableComponent> components = vt.vtable_components();
    for (uint32_t slot = 0; slot < shape.num_slots; ++slot) {
      const clang::VTableComponent& c = components[first_slot + slot];
      if (!c.isFunctionPointerKind())
        return fail("class '" + shape.name + "': vtable entry " + std::to_string(slot) +
                    " after the address point is not a function pointer");
      const clang::CXXMethodDecl* fn = c.getFunctionDecl();
      Method m;
      m.slot = slot;
      m.name = fn->getNameAsString();
      m.signature = fn->getType().getAsString(policy);
      m.is_pure = fn->isPureVirtual();
      switch (c.getKind()) {
        case clang::VTableComponent::CK_CompleteDtorPointer:
          m.is_destructor = true;
          shape.complete_dtor_slot = static_cast<int32_t>(slot);
          break;
        case clang::VTableComponent::CK_DeletingDtorPointer:
          m.is_destructor = true;
          shape.deleting_dtor_slot = static_cast<int32_t>(slot);
          break;
        default:
          break;
      }
      CallForms forms = MakeCallForms(fn, policy);
      m.call = std::move(forms.written);
      m.canonical_call = std::move(forms.canonical);
      m.qualifiers = std::move(forms.qualifiers);
      m.key_name = NormalizeTypeName(m.name);
      m.key_forms[0] = NormalizeTypeName(m.call);
      m.key_forms[1] = NormalizeTypeName(m.canonical_call);
      m.key_forms[2] = NormalizeTypeName(m.call + m.qualifiers);
      m.key_forms[3] = NormalizeTypeName(m.canonical_call + m.qualifiers);
      layout.methods.push_back(std::move(m));
    }
  }
  *out = std::move(layout);
  return true;
}

}  // namespace vto::interp
