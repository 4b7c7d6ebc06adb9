// class_index.h — finds the complete class definitions of an incremental compilation by
// qualified name and by RTTI name. Internal to the interpreter layer (used by Interpreter).
//
// The index is lazy: Interpreter::Compile only queues the new translation unit (one
// TranslationUnitDecl per incremental input); the first lookup after it walks the queued
// units' declarations (namespaces, linkage specifications, classes and their nested
// classes) and, because an input may instantiate class templates declared by an earlier
// one, the specializations of every class template seen so far that it has not visited
// yet, plus those it visited while they were only declared. A catch-up therefore costs
// what the new units added, not the size of everything compiled before (the standard
// headers alone declare thousands of templates). Classes local to a function body and
// lambdas are not indexed.
//
// A class is also found by the names that namespace- and class-scope aliases give it, as a
// binding's user may write them: a using-declaration (`using inner::C;`), a typedef or an
// alias-declaration (`using C = inner::C;`, `typedef Impl<int> C;`). An alias of a template
// specialization that is not instantiated yet is resolved when one is. A class of an unnamed
// namespace is found by its qualified name ("ns::(anonymous namespace)::C", as clang prints
// it) and by the name code outside that namespace writes ("ns::C").
#ifndef VTO_INTERP_CLASS_INDEX_H
#define VTO_INTERP_CLASS_INDEX_H

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace clang {
class ClassTemplateDecl;
class ClassTemplateSpecializationDecl;
class CXXRecordDecl;
class DeclContext;
class TranslationUnitDecl;
}  // namespace clang

namespace vto::interp {

class LayoutBuilder;

// Thread-compatible; the Interpreter serializes access.
class ClassIndex {
 public:
  // `builder` computes names; it must outlive the index.
  explicit ClassIndex(LayoutBuilder& builder) : builder_(builder) {}
  ClassIndex(const ClassIndex&) = delete;
  ClassIndex& operator=(const ClassIndex&) = delete;

  // Queues a successfully compiled translation unit for indexing.
  void AddTranslationUnit(clang::TranslationUnitDecl* unit) { pending_.push_back(unit); }

  // The complete definition named `qualified_name` (as LayoutBuilder::QualifiedName prints
  // it; whitespace is normalized), or nullptr.
  const clang::CXXRecordDecl* FindByName(std::string_view qualified_name);
  // The complete dynamic class (one with a vptr) whose type_info::name() is `rtti_name`,
  // or nullptr.
  const clang::CXXRecordDecl* FindByRttiName(std::string_view rtti_name);

  // Number of complete classes indexed so far (after the last lookup's catch-up).
  size_t size() const { return by_name_.size(); }

 private:
  void CatchUp();
  void Walk(const clang::DeclContext* context);
  void AddRecord(const clang::CXXRecordDecl* record);
  void ScanSpecializations();
  void VisitSpecialization(const clang::ClassTemplateSpecializationDecl* spec);
  // Indexes `alias` as a name of `target`'s class once that has a complete definition.
  void AddAlias(std::string alias, const clang::CXXRecordDecl* target);
  void ResolveAliases();

  // A class template (its canonical declaration) and how many of its specializations, in
  // clang's insertion order, have been visited.
  struct TemplateScan {
    const clang::ClassTemplateDecl* decl;
    size_t visited = 0;
  };

  LayoutBuilder& builder_;
  std::vector<clang::TranslationUnitDecl*> pending_;
  std::vector<TemplateScan> templates_;
  // Specializations visited while only declared: a later input may instantiate them.
  std::vector<const clang::ClassTemplateSpecializationDecl*> declared_only_;
  std::unordered_set<const void*> seen_templates_;
  std::unordered_set<const void*> seen_records_;
  // Aliases whose class had no complete definition yet: (normalized alias, class).
  std::vector<std::pair<std::string, const clang::CXXRecordDecl*>> pending_aliases_;
  std::unordered_map<std::string, const clang::CXXRecordDecl*> by_name_;
  std::unordered_map<std::string, const clang::CXXRecordDecl*> by_rtti_;
};

}  // namespace vto::interp

#endif  // VTO_INTERP_CLASS_INDEX_H
