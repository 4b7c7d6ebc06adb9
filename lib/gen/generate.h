// generate.h — the hierarchy generator: fuzzer bytes + policy → a valid hierarchy model.
//
// Defines vto::gen::Generate. It runs in passes, each reading the model the previous ones
// built and drawing its decisions from the one ByteSource:
//   1. shape       classes and base-specifier lists (single, multiple, virtual, diamonds);
//                  leaves chosen to be `final`
//   2. signatures  the signature table
//   3. members     data members of varied size and alignment
//   4. virtuals    new method names with their overloads, overrides, pure virtuals, destructors
//   5. fix-up      (no randomness) every virtual function gets a unique final overrider in every
//                  class; every leaf class becomes concrete
//   6. finals      `final` on methods nothing below overrides
//   7. bodies      virtual calls in constructor and destructor bodies
//   8. ids         implementation ids, then the derived facts (ComputeFacts)
//
// Promises: the same bytes and policy give the same hierarchy (and, through EmitSource, the
// same source) on every run and platform, for a given kGeneratorVersion. The result satisfies
// ValidateHierarchy (validate.h): it compiles as C++17 without diagnostics, has no undefined
// behaviour, and has at least one concrete class.
//
// Example:
//   vto::gen::ByteSource src(data, size);
//   vto::gen::Hierarchy h = vto::gen::Generate(src, vto::gen::GenPolicy{});
//   std::string code = vto::gen::EmitSource(h, "h0");
//
// Thread-safety: reentrant; the source is the caller's (one per thread).
#ifndef VTO_GEN_GENERATE_H
#define VTO_GEN_GENERATE_H

#include "gen/byte_source.h"
#include "gen/model.h"
#include "gen/policy.h"

namespace vto::gen {

// REQUIRES: 1 <= policy.min_classes <= policy.max_classes <= 12, policy.min_signatures >= 1,
// and every weight table has a positive entry.
[[nodiscard]] Hierarchy Generate(ByteSource& src, const GenPolicy& policy);

// Draws the source variants of `h` (model.h: small_in_memory, class_align, throwing_dtors,
// variadic_sigs, class_return_sigs, class_return_refs, class_alloc, final_dtors, inline_classes,
// pure_dtors, sig_quals, default_arg_sigs, class_arg_sigs, nested_classes, template_classes,
// unnamed_classes, local_classes) with `policy`, from the bytes after Generate and DrawCompilerMode
// (compiler_mode.h), so neither the classes nor the mode depend on them. The harness draws in
// that order (harness/hierarchy_cache.h).
void DrawSourceVariants(ByteSource& src, const GenPolicy& policy, Hierarchy* h);
// Keeps the source variants up to `level` and removes the later ones, so that an input found
// before a variant existed replays its program: 0 none, 1 small_in_memory (generator
// version 2), 2 also class_align, throwing_dtors and variadic_sigs (version 3), 3 also
// class_return_sigs (version 4), 4 also class_return_refs (version 5), 5 also class_alloc
// (version 6), 6 also final_dtors (version 7), 7 also inline_classes (version 8), 8 also
// pure_dtors (version 9), 9 also sig_quals (version 10), 10 also
// default_arg_sigs (version 11), 11 also class_arg_sigs (version 12), 12 also nested_classes
// (version 13), 13 also template_classes (version 14), 14 also unnamed_classes (version 15),
// 15 also local_classes (version 16). The highest level is the default of
// --vto-source_variants (harness/flags.def; Options tests keep both in step).
inline constexpr int kSourceVariantLevels = 15;
void LimitSourceVariants(Hierarchy* h, int level);

}  // namespace vto::gen

#endif  // VTO_GEN_GENERATE_H
