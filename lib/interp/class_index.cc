// class_index.cc — walks the declarations of compiled translation units for class definitions.
#include "interp/class_index.h"

#include <iterator>

#include "clang/AST/Decl.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "interp/vtable_layout.h"
#include "llvm/Support/Casting.h"

namespace vto::interp {

const clang::CXXRecordDecl* ClassIndex::FindByName(std::string_view qualified_name) {
  CatchUp();
  auto it = by_name_.find(NormalizeTypeName(qualified_name));
  return it == by_name_.end() ? nullptr : it->second;
}

const clang::CXXRecordDecl* ClassIndex::FindByRttiName(std::string_view rtti_name) {
  CatchUp();
  auto it = by_rtti_.find(std::string(rtti_name));
  return it == by_rtti_.end() ? nullptr : it->second;
}

void ClassIndex::CatchUp() {
  if (pending_.empty()) return;
  std::vector<clang::TranslationUnitDecl*> units;
  units.swap(pending_);
  for (clang::TranslationUnitDecl* unit : units) Walk(unit);
  // New inputs may have instantiated templates that earlier inputs declared.
  ScanSpecializations();
  ResolveAliases();
}

void ClassIndex::Walk(const clang::DeclContext* context) {
  for (const clang::Decl* decl : context->decls()) {
    if (decl->isInvalidDecl()) continue;
    if (const auto* ns = llvm::dyn_cast<clang::NamespaceDecl>(decl)) {
      Walk(ns);
    } else if (const auto* linkage = llvm::dyn_cast<clang::LinkageSpecDecl>(decl)) {
      Walk(linkage);
    } else if (const auto* exported = llvm::dyn_cast<clang::ExportDecl>(decl)) {
      Walk(exported);
    } else if (const auto* tmpl = llvm::dyn_cast<clang::ClassTemplateDecl>(decl)) {
      const clang::ClassTemplateDecl* canonical = tmpl->getCanonicalDecl();
      if (seen_templates_.insert(canonical).second) templates_.push_back({canonical});
    } else if (const auto* alias = llvm::dyn_cast<clang::TypedefNameDecl>(decl)) {
      if (const clang::CXXRecordDecl* target = alias->getUnderlyingType()->getAsCXXRecordDecl())
        AddAlias(alias->getQualifiedNameAsString(), target);
    } else if (const auto* using_decl = llvm::dyn_cast<clang::UsingDecl>(decl)) {
      for (const clang::UsingShadowDecl* shadow : using_decl->shadows())
        if (const auto* target = llvm::dyn_cast<clang::CXXRecordDecl>(shadow->getTargetDecl()))
          AddAlias(shadow->getQualifiedNameAsString(), target);
    } else if (const auto* fn = llvm::dyn_cast<clang::FunctionDecl>(decl)) {
      // Classes defined in a function body (local classes, R10): code outside cannot name
      // them, but their objects reach the library, which resolves them by RTTI name.
      if (fn->doesThisDeclarationHaveABody() && !fn->isDependentContext()) Walk(fn);
    } else if (const auto* record = llvm::dyn_cast<clang::CXXRecordDecl>(decl)) {
      if (record->isInjectedClassName()) continue;
      if (record->isDependentContext()) continue;  // a template pattern or partial specialization
      if (!record->isThisDeclarationADefinition()) continue;
      if (!record->isLambda()) AddRecord(record);
      Walk(record);  // nested classes, and the local classes of its member functions' bodies
    }
  }
}

void ClassIndex::AddRecord(const clang::CXXRecordDecl* record) {
  if (!record->isCompleteDefinition() || record->isInvalidDecl()) return;
  if (!seen_records_.insert(record).second) return;
  // A local class is found by RTTI name only: no code outside its function can name it, and
  // its name could shadow another class's.
  if (record->isLocalClass() == nullptr) {
    std::string own = NormalizeTypeName(LayoutBuilder::QualifiedName(record));
    // A class of an unnamed namespace (or with one in its template arguments) is also found
    // by the name code outside the namespace writes, as an alias is: a class's own name wins.
    if (own.find("(anonymous namespace)") != std::string::npos)
      AddAlias(NormalizeTypeName(LayoutBuilder::WrittenName(record)), record);
    by_name_.emplace(std::move(own), record);
  }
  if (record->isDynamicClass()) by_rtti_.emplace(builder_.RttiName(record), record);
}

void ClassIndex::AddAlias(std::string alias, const clang::CXXRecordDecl* target) {
  pending_aliases_.emplace_back(NormalizeTypeName(alias), target);
}

void ClassIndex::ResolveAliases() {
  size_t kept = 0;
  for (auto& [alias, target] : pending_aliases_) {
    const clang::CXXRecordDecl* def = target->getDefinition();
    if (def == nullptr || !def->isCompleteDefinition() || def->isInvalidDecl() || def->isDependentContext()) {
      pending_aliases_[kept++] = {std::move(alias), target};  // not instantiated (or defined) yet
      continue;
    }
    by_name_.emplace(std::move(alias), def);  // a class's own name wins
  }
  pending_aliases_.resize(kept);
}

void ClassIndex::ScanSpecializations() {
  std::vector<const clang::ClassTemplateSpecializationDecl*> waiting;
  waiting.swap(declared_only_);
  for (const clang::ClassTemplateSpecializationDecl* spec : waiting) VisitSpecialization(spec);
  // Index, not iterator: walking a specialization can discover member templates. Clang
  // keeps a template's specializations in insertion order and never removes one, so those
  // past `visited` are exactly the new ones.
  for (size_t i = 0; i < templates_.size(); ++i) {
    const auto specs = templates_[i].decl->specializations();
    const auto count = static_cast<size_t>(std::distance(specs.begin(), specs.end()));
    for (size_t k = templates_[i].visited; k < count; ++k) {
      templates_[i].visited = k + 1;  // before the walk, which may append to templates_
      VisitSpecialization(*std::next(templates_[i].decl->specializations().begin(), static_cast<std::ptrdiff_t>(k)));
    }
  }
}

void ClassIndex::VisitSpecialization(const clang::ClassTemplateSpecializationDecl* spec) {
  // Invalid and dependent ones stay so.
  if (spec->isInvalidDecl() || spec->isDependentContext() || seen_records_.count(spec) != 0) return;
  if (!spec->isCompleteDefinition()) {
    declared_only_.push_back(spec);
    return;
  }
  AddRecord(spec);
  Walk(spec);
}

}  // namespace vto::interp
