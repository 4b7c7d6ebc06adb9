// generate.cc — Generate: shape → signatures → members → virtuals → fix-up → finals → bodies
// → ids (see generate.h).
#include "gen/generate.h"

#include <algorithm>
#include <cassert>
#include <iterator>
#include <set>
#include <tuple>
#include <vector>

#include "gen/cxx_rules.h"
#include "gen/subobjects.h"

namespace vto::gen {
namespace {

// ---- helpers ---------------------------------------------------------------------------

// Declares every overload of `name` in `cls` (an override set; never hides an overload).
void DeclareAllOverloads(Hierarchy& h, int cls, int name) {
  assert(!DeclaresName(h, cls, name));
  for (int sig : h.names[name].sigs) h.classes[cls].methods.push_back(Method{name, sig});
}

// ---- 1. shape --------------------------------------------------------------------------

// A base list is acceptable if the class stays small and every direct base is an unambiguous
// base (else clang warns "direct base is inaccessible due to ambiguity").
bool ShapeOk(const Hierarchy& h, int cls, const GenPolicy& policy) {
  if (CountSubobjects(h, cls) > policy.max_subobjects) return false;
  const SubobjectGraph g(h, cls);
  for (const Base& b : h.classes[cls].bases)
    if (g.Unique(b.cls) < 0) return false;
  return true;
}

void ShapePass(ByteSource& src, const GenPolicy& policy, Hierarchy& h) {
  const int n = src.InRange(policy.min_classes, policy.max_classes);
  for (int c = 0; c < n; ++c) {
    h.classes.emplace_back();
    if (c == 0) continue;
    std::vector<Base>& bases = h.classes[c].bases;
    const int want = std::min(static_cast<int>(src.PickWeighted(policy.num_bases_weights)), c);
    for (int attempt = 0; attempt < 2 * want && static_cast<int>(bases.size()) < want; ++attempt) {
      const int lo = src.Chance(policy.p_recent_base) ? c / 2 : 0;
      const int base = src.InRange(lo, c - 1);
      const bool is_virtual = src.Chance(policy.p_virtual_base);
      if (std::any_of(bases.begin(), bases.end(), [&](const Base& b) { return b.cls == base; }))
        continue;
      bases.push_back(Base{base, is_virtual});
      if (!ShapeOk(h, c, policy)) bases.pop_back();
    }
  }
  const std::vector<char> leaf = LeafClasses(h);
  for (int c = 0; c < n; ++c)
    if (leaf[c]) h.classes[c].is_final = src.Chance(policy.p_final_class);
}

// ---- 2. signatures ---------------------------------------------------------------------

void SignaturePass(ByteSource& src, const GenPolicy& policy, Hierarchy& h) {
  const int n = src.InRange(policy.min_signatures, policy.max_signatures);
  for (int i = 0; i < n; ++i) {
    Signature s;
    s.ret = static_cast<ValueKind>(src.PickWeighted(policy.return_weights));
    const size_t arity = src.PickWeighted(policy.arity_weights);
    for (size_t a = 0; a < arity; ++a)
      s.args.push_back(static_cast<ValueKind>(1 + src.PickWeighted(policy.arg_weights)));
    s.is_const = src.Chance(policy.p_const);
    if (std::find(h.signatures.begin(), h.signatures.end(), s) == h.signatures.end())
      h.signatures.push_back(s);
  }
}

// ---- 3. members ------------------------------------------------------------------------

void MemberPass(ByteSource& src, const GenPolicy& policy, Hierarchy& h) {
  const auto kinds = static_cast<std::uint32_t>(policy.member_kinds.size());
  for (ClassModel& cm : h.classes) {
    const size_t count = kinds == 0 ? 0 : src.PickWeighted(policy.num_members_weights);
    for (size_t i = 0; i < count; ++i) {
      const MemberKind& k = policy.member_kinds[src.Below(kinds)];
      cm.members.push_back(DataMember{k.size, k.align});
    }
  }
}

// ---- 4. virtuals -----------------------------------------------------------------------

// Introduces a fresh name in `cls` with 1..3 overloads: distinct parameter lists, one constness
// (mixed constness could make a call with exact arguments ambiguous).
void IntroduceName(ByteSource& src, const GenPolicy& policy, Hierarchy& h, int cls) {
  const auto nsig = static_cast<std::uint32_t>(h.signatures.size());
  std::vector<int> sigs = {static_cast<int>(src.Below(nsig))};
  const bool is_const = h.signatures[sigs[0]].is_const;
  const size_t overloads = 1 + src.PickWeighted(policy.overloads_weights);
  for (size_t k = 1; k < overloads; ++k) {
    const int s = static_cast<int>(src.Below(nsig));
    const Signature& cand = h.signatures[s];
    const bool clash = std::any_of(sigs.begin(), sigs.end(),
                                   [&](int t) { return h.signatures[t].args == cand.args; });
    if (cand.is_const == is_const && !clash) sigs.push_back(s);
  }
  const int name = static_cast<int>(h.names.size());
  h.names.push_back(NameInfo{cls, sigs});
  for (int s : sigs) {
    Method m{name, s};
    m.pure = src.Chance(policy.p_pure_new);
    h.classes[cls].methods.push_back(m);
  }
}

void VirtualPass(ByteSource& src, const GenPolicy& policy, Hierarchy& h) {
  const size_t n = h.classes.size();
  std::vector<char> polymorphic(n, 0), virtual_dtor(n, 0);
  for (size_t ci = 0; ci < n; ++ci) {
    const int c = static_cast<int>(ci);
    bool inherited_poly = false, inherited_vdtor = false;
    for (const Base& b : h.classes[c].bases) {
      inherited_poly = inherited_poly || polymorphic[b.cls];
      inherited_vdtor = inherited_vdtor || virtual_dtor[b.cls];
    }
    // Overrides: any name some base subobject declares, with all its overloads.
    const SubobjectGraph g(h, c);
    std::set<int> inherited;
    for (int node = 1; node < g.size(); ++node)
      for (const Method& m : h.classes[g.node(node).cls].methods) inherited.insert(m.name);
    for (int name : inherited) {
      if (!src.Chance(policy.p_override)) continue;
      for (int sig : h.names[name].sigs) {
        Method m{name, sig};
        m.pure = src.Chance(policy.p_pure_override);
        h.classes[c].methods.push_back(m);
      }
    }
    // New names (a final class introduces none: clang flags a virtual that cannot be overridden).
    ClassModel& cm = h.classes[c];
    const bool introduce = !cm.is_final &&
                           src.Chance(inherited_poly ? policy.p_more_names : policy.p_polymorphic);
    if (introduce) {
      const size_t count = 1 + src.PickWeighted(policy.new_names_weights);
      for (size_t k = 0; k < count; ++k) IntroduceName(src, policy, h, c);
    }
    polymorphic[c] = inherited_poly || !cm.methods.empty();
    if (polymorphic[c] && !inherited_vdtor && !cm.is_final)
      cm.declares_virtual_dtor = src.Chance(policy.p_virtual_dtor);
    cm.declares_dtor = cm.declares_virtual_dtor || src.Chance(policy.p_user_dtor);
    virtual_dtor[c] = inherited_vdtor || cm.declares_virtual_dtor;
  }
}

// ---- 5. fix-up -------------------------------------------------------------------------

// Makes every final overrider in `cls` unique: where two bases' overriders of one virtual
// meet (through a shared virtual base), `cls` overrides the name itself.
void UniqueOverriders(Hierarchy& h, const SubobjectGraph& g, int cls) {
  std::set<int> need;
  for (int node = 1; node < g.size(); ++node)
    for (const Method& m : h.classes[g.node(node).cls].methods)
      if (FinalOverriders(h, g, 0, node, m.name, m.sig).size() > 1) need.insert(m.name);
  for (int name : need) DeclareAllOverloads(h, cls, name);
}

// Makes a leaf concrete: each pure final overrider is replaced by a definition here.
void MakeConcrete(Hierarchy& h, const SubobjectGraph& g, int cls) {
  std::set<int> names_to_declare;
  std::set<std::pair<int, int>> own_to_define;
  for (int node = 0; node < g.size(); ++node) {
    for (const Method& m : h.classes[g.node(node).cls].methods) {
      const int fo = FinalOverrider(h, g, 0, node, m.name, m.sig);
      assert(fo >= 0 && "UniqueOverriders ran first");
      if (!FindMethod(h, g.node(fo).cls, m.name, m.sig)->pure) continue;
      if (fo == 0)
        own_to_define.insert({m.name, m.sig});
      else
        names_to_declare.insert(m.name);
    }
  }
  for (Method& m : h.classes[cls].methods)
    if (own_to_define.count({m.name, m.sig})) m.pure = false;
  for (int name : names_to_declare) DeclareAllOverloads(h, cls, name);
}

void FixUpPass(Hierarchy& h) {
  const std::vector<char> leaf = LeafClasses(h);
  for (size_t c = 0; c < h.classes.size(); ++c) {
    const SubobjectGraph g(h, static_cast<int>(c));  // depends on bases only
    UniqueOverriders(h, g, static_cast<int>(c));
    if (leaf[c]) MakeConcrete(h, g, static_cast<int>(c));
  }
}

// ---- 6. finals -------------------------------------------------------------------------

void FinalPass(ByteSource& src, const GenPolicy& policy, Hierarchy& h) {
  const std::vector<std::vector<char>> is_base = BaseClosure(h);
  const size_t n = h.classes.size();
  for (size_t c = 0; c < n; ++c) {
    for (Method& m : h.classes[c].methods) {
      if (m.pure) continue;
      bool overridden_below = false;
      for (size_t d = c + 1; d < n && !overridden_below; ++d)
        overridden_below = is_base[d][c] && DeclaresName(h, static_cast<int>(d), m.name);
      if (!overridden_below) m.is_final = src.Chance(policy.p_final_method);
    }
  }
}

// ---- 7. constructor and destructor bodies ----------------------------------------------

// Calls a body of `cls` may make: the lookup is unambiguous and, with `cls` as the complete
// object (as during its constructor and destructor), the final overrider is not pure.
std::vector<VirtualCall> CallableInBody(const Hierarchy& h, int cls) {
  std::vector<VirtualCall> out;
  const SubobjectGraph g(h, cls);
  for (size_t name = 0; name < h.names.size(); ++name) {
    for (int sig : h.names[name].sigs) {
      const int found = ResolveCall(h, g, 0, static_cast<int>(name), sig);
      if (found < 0) continue;
      const int fo = FinalOverrider(h, g, 0, found, static_cast<int>(name), sig);
      if (fo < 0 || FindMethod(h, g.node(fo).cls, static_cast<int>(name), sig)->pure) continue;
      out.push_back(VirtualCall{static_cast<int>(name), sig});
    }
  }
  return out;
}

void BodyPass(ByteSource& src, const GenPolicy& policy, Hierarchy& h) {
  for (size_t c = 0; c < h.classes.size(); ++c) {
    if (!h.classes[c].polymorphic) continue;
    const std::vector<VirtualCall> callable = CallableInBody(h, static_cast<int>(c));
    if (callable.empty()) continue;
    const auto count = static_cast<std::uint32_t>(callable.size());
    ClassModel& cm = h.classes[c];
    for (std::vector<VirtualCall>* calls : {&cm.ctor_calls, &cm.dtor_calls}) {
      const double p = calls == &cm.ctor_calls ? policy.p_ctor_calls : policy.p_dtor_calls;
      if (!src.Chance(p)) continue;
      const int k = src.InRange(1, std::max(1, policy.max_body_calls));
      for (int i = 0; i < k; ++i) calls->push_back(callable[src.Below(count)]);
    }
    if (!cm.dtor_calls.empty()) cm.declares_dtor = true;
  }
}

// ---- 8. ids ----------------------------------------------------------------------------

void IdPass(Hierarchy& h) {
  int next = 1;
  for (ClassModel& cm : h.classes)
    for (Method& m : cm.methods) m.impl_id = next++;
}

// Every declaration of signature `sig` (of every signature: -1) returns void* again.
void ResetClassReturns(Hierarchy& h, int sig) {
  for (ClassModel& c : h.classes)
    for (Method& m : c.methods)
      if (sig < 0 || m.sig == sig) m.ret_class = -1;
}

// Source variant class_return_sigs: each void*-returning, non-variadic signature may return class
// pointers instead, each declaration one of its ReturnClassCandidates (in class order, so an
// override sees what its bases chose). Where some declaration has no candidate the signature
// keeps void* (its draws are spent all the same).
void DrawClassReturns(ByteSource& src, const GenPolicy& policy, Hierarchy& h) {
  h.class_return_sigs.assign(h.signatures.size(), 0);
  for (size_t k = 0; k < h.signatures.size(); ++k) {
    // Not a variadic one: clang 22 miscompiles the return-adjusting thunk of a variadic
    // covariant override (model.h, class_return_sigs).
    if (h.signatures[k].ret != ValueKind::kPtr || IsVariadic(h, static_cast<int>(k)) ||
        !src.Chance(policy.p_class_return_sig))
      continue;
    bool ok = true;
    for (size_t c = 0; c < h.classes.size(); ++c) {
      for (Method& m : h.classes[c].methods) {
        if (m.sig != static_cast<int>(k)) continue;
        const std::vector<int> cands = ReturnClassCandidates(h, static_cast<int>(c), m.name, m.sig);
        if (cands.empty()) {
          ok = false;
          continue;
        }
        // The declaring class itself (the usual `Derived* clone()`) half the time.
        m.ret_class = src.Chance(0.5) ? cands.back() : cands[src.Below(static_cast<uint32_t>(cands.size()))];
      }
    }
    if (ok) {
      h.class_return_sigs[k] = 1;
    } else {
      ResetClassReturns(h, static_cast<int>(k));
    }
  }
}

// Source variant class_alloc: in class order, a class may get its own allocation functions,
// unless then some class (one derived from it) would find two classes' with no one hiding
// the other (ill-formed: AllocationOwner, cxx_rules.h); its draws are spent all the same.
void DrawClassAlloc(ByteSource& src, const GenPolicy& policy, Hierarchy& h) {
  const int n = static_cast<int>(h.classes.size());
  h.class_alloc.assign(h.classes.size(), 0);
  for (int c = 0; c < n; ++c) {
    if (!src.Chance(policy.p_class_alloc)) continue;
    h.class_alloc[static_cast<size_t>(c)] = src.Chance(policy.p_class_alloc_sized) ? kAllocSized : kAllocUnsized;
    for (int d = c + 1; d < n; ++d) {
      if (AllocationOwner(h, d) == kAmbiguousOwner) {
        h.class_alloc[static_cast<size_t>(c)] = 0;
        break;
      }
    }
  }
}

}  // namespace

Hierarchy Generate(ByteSource& src, const GenPolicy& policy) {
  assert(policy.min_classes >= 1 && policy.min_classes <= policy.max_classes &&
         policy.max_classes <= 12 && "GenPolicy: class count bounds");
  assert(policy.min_signatures >= 1 && policy.min_signatures <= policy.max_signatures &&
         "GenPolicy: signature count bounds");
  Hierarchy h;
  ShapePass(src, policy, h);
  SignaturePass(src, policy, h);
  MemberPass(src, policy, h);
  VirtualPass(src, policy, h);
  FixUpPass(h);
  FinalPass(src, policy, h);
  ComputeFacts(h);  // the last two passes change none of the facts
  BodyPass(src, policy, h);
  IdPass(h);
  return h;
}

void DrawSourceVariants(ByteSource& src, const GenPolicy& policy, Hierarchy* h) {
  h->small_in_memory = src.Chance(policy.p_small_in_memory);
  h->class_align.assign(h->classes.size(), 0);
  for (size_t c = 0; c < h->classes.size(); ++c) {
    if (!src.Chance(policy.p_overaligned_class)) continue;
    int a = 32 << src.PickWeighted(policy.overaligned_weights);
    // An alignas below the alignment a base already requires is ill-formed.
    for (const Base& b : h->classes[c].bases) a = std::max(a, ObjectAlignas(*h, b.cls));
    h->class_align[c] = a;
  }
  h->throwing_dtors = src.Chance(policy.p_throwing_dtors);
  h->variadic_sigs.assign(h->signatures.size(), 0);
  for (size_t k = 0; k < h->signatures.size(); ++k) {
    if (MayBeVariadic(*h, static_cast<int>(k)) && src.Chance(policy.p_variadic_sig)) h->variadic_sigs[k] = 1;
  }
  DrawClassReturns(src, policy, *h);
  // Each level's draws come after the earlier levels', so those do not depend on them.
  h->class_return_refs.assign(h->signatures.size(), 0);
  for (size_t k = 0; k < h->signatures.size(); ++k) {
    if (ReturnsClass(*h, static_cast<int>(k)) && src.Chance(policy.p_class_return_ref)) h->class_return_refs[k] = 1;
  }
  DrawClassAlloc(src, policy, *h);
  const std::vector<char> leaf = LeafClasses(*h);
  h->final_dtors.assign(h->classes.size(), 0);
  for (size_t c = 0; c < h->classes.size(); ++c) {
    if (MayHaveFinalDtor(*h, static_cast<int>(c), leaf) && src.Chance(policy.p_final_dtor)) h->final_dtors[c] = 1;
  }
  h->inline_classes.assign(h->classes.size(), 0);
  for (size_t c = 0; c < h->classes.size(); ++c) {
    if (src.Chance(policy.p_inline_class)) h->inline_classes[c] = 1;
  }
  h->pure_dtors.assign(h->classes.size(), 0);
  for (size_t c = 0; c < h->classes.size(); ++c) {
    if (MayHavePureDtor(*h, static_cast<int>(c), leaf) && src.Chance(policy.p_pure_dtor)) h->pure_dtors[c] = 1;
  }
  ComputeFacts(*h);  // a pure destructor makes its class abstract
  static constexpr char kQualSets[] = {kQualVolatile, kQualLRef, kQualRRef, kQualVolatile | kQualLRef,
                                       kQualVolatile | kQualRRef};
  static_assert(std::size(kQualSets) == std::tuple_size_v<decltype(policy.qualifier_weights)>);
  h->sig_quals.assign(h->signatures.size(), 0);
  for (size_t k = 0; k < h->signatures.size(); ++k) {
    if (IsSoleOverload(*h, static_cast<int>(k)) && src.Chance(policy.p_qualified_sig))
      h->sig_quals[k] = kQualSets[src.PickWeighted(policy.qualifier_weights)];
  }
  h->default_arg_sigs.assign(h->signatures.size(), 0);
  for (size_t k = 0; k < h->signatures.size(); ++k) {
    if (!MayHaveDefaultArgs(*h, static_cast<int>(k)) || !src.Chance(policy.p_default_arg_sig)) continue;
    h->default_arg_sigs[k] = 1;
    const int args = static_cast<int>(h->signatures[k].args.size());
    for (ClassModel& c : h->classes)
      for (Method& m : c.methods)
        if (m.sig == static_cast<int>(k)) m.defaults = src.InRange(0, args);
  }
  h->class_arg_sigs.assign(h->signatures.size(), 0);
  for (size_t k = 0; k < h->signatures.size(); ++k) {
    if (MayHaveClassArg(*h, static_cast<int>(k)) && src.Chance(policy.p_class_arg_sig))
      h->class_arg_sigs[k] = static_cast<char>(kClassArgValue + src.PickWeighted(policy.class_arg_weights));
  }
  h->nested_classes.assign(h->classes.size(), 0);
  for (size_t c = 0; c < h->classes.size(); ++c) {
    if (src.Chance(policy.p_nested_class)) h->nested_classes[c] = 1;
  }
  h->template_classes.assign(h->classes.size(), 0);
  for (size_t c = 0; c < h->classes.size(); ++c) {
    if (src.Chance(policy.p_template_class)) h->template_classes[c] = 1;
  }
  h->unnamed_classes.assign(h->classes.size(), 0);
  for (size_t c = 0; c < h->classes.size(); ++c) {
    if (h->template_classes[c] == 0 && src.Chance(policy.p_unnamed_class)) h->unnamed_classes[c] = 1;
  }
  h->local_classes.assign(h->classes.size(), 0);
  const std::vector<std::vector<char>> is_base = BaseClosure(*h);
  for (size_t c = 0; c < h->classes.size(); ++c) {
    if (MayBeLocalClass(*h, static_cast<int>(c), leaf, is_base) && src.Chance(policy.p_local_class))
      h->local_classes[c] = 1;
  }
}

void LimitSourceVariants(Hierarchy* h, int level) {
  if (level < 15) h->local_classes.clear();
  if (level < 14) h->unnamed_classes.clear();
  if (level < 13) h->template_classes.clear();
  if (level < 12) h->nested_classes.clear();
  if (level < 11) h->class_arg_sigs.clear();
  if (level < 10) {
    h->default_arg_sigs.clear();
    for (ClassModel& c : h->classes)
      for (Method& m : c.methods) m.defaults = 0;
  }
  if (level < 9) h->sig_quals.clear();
  if (level < 8 && !h->pure_dtors.empty()) {
    h->pure_dtors.clear();
    ComputeFacts(*h);
  }
  if (level < 7) h->inline_classes.clear();
  if (level < 6) h->final_dtors.clear();
  if (level < 5) h->class_alloc.clear();
  if (level < 4) h->class_return_refs.clear();
  if (level < 3) {
    h->class_return_sigs.clear();
    ResetClassReturns(*h, -1);
  }
  if (level < 1) h->small_in_memory = false;
  if (level < 2) {
    h->class_align.clear();
    h->throwing_dtors = false;
    h->variadic_sigs.clear();
  }
}

}  // namespace vto::gen
