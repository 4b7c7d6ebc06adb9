// policy.h — every limit and probability of the hierarchy generator, as plain data.
//
// Defines vto::gen::GenPolicy and MemberKind. Generate (generate.h) only samples these
// numbers; change a hierarchy's flavour here, not in the generator's code. A default-
// constructed GenPolicy is the policy the fuzzer and the tests use.
//
// Probabilities are in [0, 1]; weight tables are relative (need not sum to anything) and
// index i is the weight of outcome i as named in the comment.
//
// Example:
//   vto::gen::GenPolicy policy;           // defaults
//   policy.max_classes = 4;               // small hierarchies
//   Hierarchy h = Generate(src, policy);
//
// Thread-safety: a plain value; read concurrently by any number of generators.
#ifndef VTO_GEN_POLICY_H
#define VTO_GEN_POLICY_H

#include <array>
#include <vector>

#include "gen/model.h"

namespace vto::gen {

// One data member shape: `alignas(align) unsigned char d<i>[size]`.
struct MemberKind {
  int size = 1;
  int align = 1;  // a power of two, at most 16 (over-aligned classes: GenPolicy::p_overaligned_class)
};

struct GenPolicy {
  // ---- Shape: classes and bases -------------------------------------------------------
  int min_classes = 1;
  int max_classes = 12;  // the fuzz runner's limit; never more
  // Number of direct bases of a class that has earlier classes: 0, 1, 2, 3 (capped by the
  // number of earlier classes). More bases, more multiple inheritance and diamonds.
  std::array<unsigned, 4> num_bases_weights = {2, 5, 3, 2};
  // Bases are picked among the earlier classes; with this probability from the most recent
  // half (which makes deep chains and diamonds likelier than picking uniformly).
  double p_recent_base = 0.5;
  double p_virtual_base = 0.3;  // a base-specifier is `virtual`
  // A class may not have more subobjects than this (non-virtual diamonds multiply them).
  int max_subobjects = 40;

  // ---- Polymorphism ---------------------------------------------------------------------
  // A class with no polymorphic base introduces virtuals (becomes polymorphic).
  double p_polymorphic = 0.8;
  // A class that already is polymorphic introduces new method names as well.
  double p_more_names = 0.45;
  // Number of new names a class introduces once it does: 1, 2, 3.
  std::array<unsigned, 3> new_names_weights = {5, 3, 1};
  // Overloads per new name: 1, 2, 3 (different parameter lists, same constness).
  std::array<unsigned, 3> overloads_weights = {6, 3, 1};
  double p_override = 0.45;        // a class overrides (all overloads of) an inherited name
  double p_pure_new = 0.15;        // a newly introduced virtual is pure
  double p_pure_override = 0.08;   // an override is pure (re-abstracting the method)
  double p_final_method = 0.3;     // a method nothing below overrides is declared `final`
  double p_final_class = 0.35;     // a leaf class is `final` (it then introduces no virtuals)
  // A polymorphic class with no virtual-destructor base declares `virtual ~C()`.
  double p_virtual_dtor = 0.5;
  // A class declares a destructor even with no calls in it (else only if it makes calls).
  double p_user_dtor = 0.3;

  // ---- Signatures -----------------------------------------------------------------------
  int min_signatures = 2;
  int max_signatures = 7;
  // Return kind, indexed by ValueKind: void, int, long, double, void*, Small.
  std::array<unsigned, kNumValueKinds> return_weights = {3, 3, 2, 2, 2, 2};
  // Number of arguments: 0, 1, 2, 3.
  std::array<unsigned, kMaxArgs + 1> arity_weights = {3, 3, 2, 1};
  // Argument kind: int, long, double, void* (ValueKind minus one).
  std::array<unsigned, 4> arg_weights = {3, 2, 2, 2};
  double p_const = 0.25;  // a signature is a const member function

  // ---- Data members ---------------------------------------------------------------------
  // Members per class: 0, 1, 2, 3.
  std::array<unsigned, 4> num_members_weights = {3, 3, 2, 1};
  std::vector<MemberKind> member_kinds = {
      {1, 1}, {2, 2}, {3, 1}, {4, 4}, {5, 1}, {8, 8}, {12, 4}, {16, 16}, {24, 8}, {6, 2},
  };

  // ---- Constructor and destructor bodies ------------------------------------------------
  double p_ctor_calls = 0.5;  // a polymorphic class's constructor makes virtual calls
  double p_dtor_calls = 0.4;  // ... and its destructor
  int max_body_calls = 3;     // calls per body: 1..max

  // ---- Compiler mode (compiler_mode.h): how the hierarchy's units are compiled ---------
  // -O0, -O1, -O2. -O0 compiles fastest (the JIT's cost per mode: docs/GENERATOR.md).
  std::array<unsigned, 3> opt_level_weights = {4, 3, 3};
  // clang's default -fassume-unique-vtables (else -fno-assume-unique-vtables).
  double p_assume_unique_vtables = 0.3;
  double p_strict_vtable_pointers = 0.3;  // -fstrict-vtable-pointers

  // ---- Source variants (generate.h, DrawSourceVariants): drawn after the mode ------------
  // `Small` gets a user-provided destructor: returned in memory (x86-64 "sret": the return
  // slot in the first register, `this` in the second), so a this-adjusting thunk must move
  // the second register.
  double p_small_in_memory = 0.5;
  // A class is declared `alignas(32)` or `alignas(64)` (weights below): over-aligned, so
  // `new` and the deleting destructor take the aligned (and sized) allocation functions.
  double p_overaligned_class = 0.12;
  std::array<unsigned, 2> overaligned_weights = {1, 1};  // alignas(32), alignas(64)
  // The hierarchy's destructors are noexcept(false) and throw when the host arms them.
  double p_throwing_dtors = 0.3;
  // A signature that may be (model.h, MayBeVariadic) is made variadic: `int m(long, ...)`.
  double p_variadic_sig = 0.25;
  // A signature that returns void* returns pointers to classes of the hierarchy instead, each
  // declaration its own (model.h, class_return_sigs): covariant returns where they differ.
  double p_class_return_sig = 0.7;
  // Such a signature returns references (`C2& m()`) instead of pointers (model.h, class_return_refs).
  double p_class_return_ref = 0.4;
  // A class declares its own operator new and operator delete (model.h, class_alloc), the
  // sized operator delete with this probability (else the unsized one). Not where a derived
  // class's lookup would then find two classes' functions (never drawn there).
  double p_class_alloc = 0.15;
  double p_class_alloc_sized = 0.5;
  // A leaf class not declared final whose declared destructor is virtual declares it `final`
  // (model.h, final_dtors): the class becomes effectively final.
  double p_final_dtor = 0.5;
  // A class defines its member functions inline (model.h, inline_classes): no key function.
  double p_inline_class = 0.25;
  // A class that may (model.h, MayHavePureDtor) declares its virtual destructor pure.
  double p_pure_dtor = 0.15;
  // A signature that may (model.h, IsSoleOverload) gets qualifiers (model.h, sig_quals), one of
  // these sets: volatile, &, &&, volatile &, volatile &&.
  double p_qualified_sig = 0.25;
  std::array<unsigned, 5> qualifier_weights = {1, 1, 1, 1, 1};
  // A signature that may (model.h, MayHaveDefaultArgs) lets its declarations have default
  // arguments (model.h, default_arg_sigs); each declaration then defaults 0..all of its
  // trailing parameters, equally likely.
  double p_default_arg_sig = 0.25;
  // A signature that may (model.h, MayHaveClassArg) takes its first argument as a Small
  // (model.h, class_arg_sigs): by value, by const reference, by rvalue reference.
  double p_class_arg_sig = 0.25;
  std::array<unsigned, 3> class_arg_weights = {1, 1, 1};
  // A class is defined in a nested namespace (model.h, nested_classes).
  double p_nested_class = 0.2;
  // A class is a class template's specialization (model.h, template_classes).
  double p_template_class = 0.2;
  // A class that is no template's is defined in an unnamed namespace (model.h, unnamed_classes).
  double p_unnamed_class = 0.2;
  // A class that may (model.h, MayBeLocalClass) is defined in a function body (local_classes).
  double p_local_class = 0.3;
};

}  // namespace vto::gen

#endif  // VTO_GEN_POLICY_H
