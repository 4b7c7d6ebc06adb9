// lifecycle_kit.cc — EmitLifecycleKitUnits (see lifecycle_kit.h).
#include "gen/lifecycle_kit.h"

#include <string>

#include "gen/conventions.h"

namespace vto::gen {
namespace {

// The base every LcX class adds (one text for the kit and its declarations).
const char* const kExtension = R"(// Links and the constructor/destructor behaviours the lifecycle fuzzer asks for.
struct Extension {
  std::shared_ptr<void> link;
  std::weak_ptr<void> wlink;
  int mode = 0;
};
)";

// The kit body for one concrete class; `D` is a template parameter so the plain class and
// its LcX extension share one definition.
const char* const kPrelude = R"(
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <utility>
#include <vector>

extern "C" void vto_lc_body(void* ctx, void* obj);
extern "C" void vto_lc_storage(int event, void* p, std::size_t size);

namespace @NS@ {
namespace lc {

inline void* Ptr(std::uintptr_t v) { return reinterpret_cast<void*>(v); }
inline std::uintptr_t Int(void* p) { return reinterpret_cast<std::uintptr_t>(p); }

@EXTENSION@
template <class D>
D* Make(int mode) {
  if constexpr (std::is_constructible_v<D, int>) return new D(mode);
  else return new D();
}
template <class D>
void Use(D&& temporary, void* ctx) { vto_lc_body(ctx, &temporary); }

// Frees storage `new D` allocated with the global allocation functions: the aligned ones for
// a D over-aligned by an alignas (gen/model.h, Hierarchy::class_align).
template <class D>
void FreeStorage(void* p) {
  if constexpr (alignof(D) > __STDCPP_DEFAULT_NEW_ALIGNMENT__) ::operator delete(p, std::align_val_t{alignof(D)});
  else ::operator delete(p);
}

template <class D>
void DestroyExact(D* p) {
  if constexpr (std::has_virtual_destructor_v<D> || std::is_final_v<D>) {
    delete p;
  } else {  // polymorphic without a virtual destructor: the same calls, without the warning
    p->D::~D();
    FreeStorage<D>(p);
  }
}

template <class D>
void GlobalDestroyExact(D* p) {
  if constexpr (std::has_virtual_destructor_v<D> || std::is_final_v<D>) {
    ::delete p;
  } else {  // as DestroyExact
    p->D::~D();
    FreeStorage<D>(p);
  }
}

template <class D>
void* Entry(int op, void* a, void* b) {
  const int mode = op & 0xF000;
  switch (op & 0xFF) {
    case @NEW@: return Make<D>(mode);
    case @DELETE_EXACT@: DestroyExact(static_cast<D*>(a)); return nullptr;
    case @GLOBAL_DELETE_EXACT@: GlobalDestroyExact(static_cast<D*>(a)); return nullptr;
    case @QUALIFIED@:
      static_cast<D*>(a)->D::~D();
      if (b != nullptr) FreeStorage<D>(a);
      return nullptr;
    case @PLACEMENT@:
      if constexpr (std::is_constructible_v<D, int>) return ::new (a) D(mode);
      else return ::new (a) D();
    case @SCOPE@: {
      if constexpr (std::is_constructible_v<D, int>) {
        D obj(mode);
        vto_lc_body(b, &obj);
      } else {
        D obj;
        vto_lc_body(b, &obj);
      }
      return nullptr;
    }
    case @TEMPORARY@:
      if constexpr (std::is_constructible_v<D, int>) Use(D(mode), b);
      else Use(D(), b);
      return nullptr;
    case @MAKE_SHARED@:
      if constexpr (std::is_constructible_v<D, int>) return new std::shared_ptr<void>(std::make_shared<D>(mode));
      else return new std::shared_ptr<void>(std::make_shared<D>());
    case @SHARED_NEW@: return new std::shared_ptr<void>(std::shared_ptr<D>(Make<D>(mode)));
    case @UNIQUE_NEW@:
      if constexpr (std::has_virtual_destructor_v<D> || std::is_final_v<D>) return new std::unique_ptr<D>(Make<D>(mode));
      else return nullptr;
    case @UNIQUE_RESET@:
      if constexpr (std::has_virtual_destructor_v<D> || std::is_final_v<D>) {
        auto* u = static_cast<std::unique_ptr<D>*>(a);
        u->reset();
        delete u;
      }
      return nullptr;
    case @UNIQUE_GET@:
      if constexpr (std::has_virtual_destructor_v<D> || std::is_final_v<D>) return static_cast<std::unique_ptr<D>*>(a)->get();
      else return nullptr;
    case @OPTIONAL@:
      if constexpr (std::is_constructible_v<D, int>) return new std::optional<D>(std::in_place, mode);
      else return new std::optional<D>(std::in_place);
    case @OPTIONAL_RESET@: {
      auto* o = static_cast<std::optional<D>*>(a);
      o->reset();
      delete o;
      return nullptr;
    }
    case @OPTIONAL_GET@: return &**static_cast<std::optional<D>*>(a);
    case @VECTOR_NEW@: return new std::vector<D>();
    case @VECTOR_PUSH@: {
      auto* v = static_cast<std::vector<D>*>(a);
      if constexpr (std::is_constructible_v<D, int>) v->emplace_back(mode);
      else v->emplace_back();
      return nullptr;
    }
    case @VECTOR_ERASE@: {
      auto* v = static_cast<std::vector<D>*>(a);
      v->erase(v->begin() + static_cast<std::ptrdiff_t>(Int(b)));
      return nullptr;
    }
    case @VECTOR_CLEAR@: static_cast<std::vector<D>*>(a)->clear(); return nullptr;
    case @VECTOR_DELETE@: delete static_cast<std::vector<D>*>(a); return nullptr;
    case @VECTOR_DATA@: return static_cast<std::vector<D>*>(a)->data();
    case @VECTOR_SIZE@: return Ptr(static_cast<std::vector<D>*>(a)->size());
    case @VECTOR_CAPACITY@: return Ptr(static_cast<std::vector<D>*>(a)->capacity());
    case @ARRAY_NEW@: return new D[Int(b)];
    case @ARRAY_DELETE@: delete[] static_cast<D*>(a); return nullptr;
    case @FREE@: FreeStorage<D>(a); return nullptr;
    case @SIZE@: return Ptr(sizeof(D));
    case @ALIGN@: return Ptr(alignof(D));
    case @SHARED_GET@: return static_cast<std::shared_ptr<void>*>(a)->get();
    case @SHARED_COPY@: return new std::shared_ptr<void>(*static_cast<std::shared_ptr<void>*>(a));
    case @SHARED_RELEASE@: delete static_cast<std::shared_ptr<void>*>(a); return nullptr;
    case @SHARED_USE_COUNT@: return Ptr(static_cast<std::uintptr_t>(static_cast<std::shared_ptr<void>*>(a)->use_count()));
    default: break;
  }
  if constexpr (std::is_base_of_v<Extension, D>) {
    D* x = static_cast<D*>(a);
    switch (op & 0xFF) {
      case @LINK@: x->link = *static_cast<std::shared_ptr<void>*>(b); return nullptr;
      case @WEAK_LINK@: x->wlink = *static_cast<std::shared_ptr<void>*>(b); return nullptr;
      case @UNLINK@: {
        // Move the link out first: releasing it may destroy a cycle that ends with *x.
        std::shared_ptr<void> strong = std::move(x->link);
        x->wlink.reset();
        strong.reset();
        return nullptr;
      }
      case @WEAK_ALIVE@: return Ptr(x->wlink.expired() ? 0 : 1);
      default: break;
    }
  }
  return Ptr(~std::uintptr_t{0});  // unknown op: the host treats this as a harness error
}

template <class S>
void StaticEntry(int op, void* s) {
  S* p = static_cast<S*>(s);
  switch (op) {
    case @S_DELETE@: delete p; break;
    case @S_EXPLICIT_DTOR@: p->~S(); break;
    default: break;
  }
}

}  // namespace lc
)";

void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
}

// struct LcX_C : C, lc::Extension, with its member functions defined (the kit) or only
// declared (EmitLifecycleKitDeclarations).
std::string LcXClass(const std::string& cn, const std::string& xn, bool bodies) {
  std::string out = "struct " + xn + " : " + cn + ", lc::Extension {\n";
  if (!bodies) {
    return out + "  explicit " + xn + "(int m = 0);\n  " + xn + "(const " + xn + "&) = default;\n" +
           "  static void* operator new(std::size_t n);\n  static void operator delete(void* p, std::size_t n);\n" +
           "  static void* operator new(std::size_t n, std::align_val_t al);\n" +
           "  static void operator delete(void* p, std::align_val_t al);\n" +
           "  ~" + xn + "() override;\n};\n";
  }
  out += "  explicit " + xn + "(int m = 0) {\n    mode = m;\n";
  out += "    if (m & " + std::to_string(kLcModeCtorBody) + ") vto_lc_body(nullptr, this);\n";
  out += "    if (m & " + std::to_string(kLcModeCtorThrows) + ") throw int(" + std::to_string(kLcThrowValue) + ");\n  }\n";
  out += "  " + xn + "(const " + xn + "&) = default;\n";
  // Its own allocation functions, reporting to the host's storage oracle.
  out += "  static void* operator new(std::size_t n) {\n    void* p = ::operator new(n);\n    vto_lc_storage(" +
         std::to_string(kLcStorageNew) + ", p, n);\n    return p;\n  }\n";
  out += "  static void operator delete(void* p, std::size_t n) {\n    vto_lc_storage(" +
         std::to_string(kLcStorageDelete) + ", p, n);\n    ::operator delete(p, n);\n  }\n";
  // ... and the aligned forms `new` and `delete` of an over-aligned LcX select. The aligned
  // operator delete is the unsized one: with only a sized aligned form, clang 22 calls no
  // deallocation function when the constructor of `new LcX` throws (the storage leaks), and
  // the size is LcX's own anyway (it is the most derived class).
  out += "  static void* operator new(std::size_t n, std::align_val_t al) {\n    void* p = ::operator new(n, al);\n"
         "    vto_lc_storage(" + std::to_string(kLcStorageNew) + ", p, n);\n    return p;\n  }\n";
  out += "  static void operator delete(void* p, std::align_val_t al) {\n    vto_lc_storage(" +
         std::to_string(kLcStorageDelete) + ", p, sizeof(" + xn + "));\n    ::operator delete(p, sizeof(" + xn +
         "), al);\n  }\n";
  out += "  ~" + xn + "() override {\n";
  out += "    try {\n      if (mode & " + std::to_string(kLcModeDtorThrows) + ") throw int(" +
         std::to_string(kLcThrowValue) + ");\n    } catch (int) {\n      mode = 0;\n    }\n  }\n};\n";
  return out;
}

std::string Prelude(std::string_view ns) {
  std::string s = kPrelude;
  ReplaceAll(s, "@EXTENSION@", kExtension);
  const std::pair<const char*, int> codes[] = {
      {"@NEW@", kLcNew}, {"@DELETE_EXACT@", kLcDeleteExact}, {"@GLOBAL_DELETE_EXACT@", kLcGlobalDeleteExact}, {"@QUALIFIED@", kLcQualifiedDtor},
      {"@PLACEMENT@", kLcPlacementNew}, {"@SCOPE@", kLcScope}, {"@TEMPORARY@", kLcTemporary},
      {"@MAKE_SHARED@", kLcMakeShared}, {"@SHARED_NEW@", kLcSharedNew}, {"@UNIQUE_NEW@", kLcUniqueNew},
      {"@UNIQUE_RESET@", kLcUniqueReset}, {"@UNIQUE_GET@", kLcUniqueGet}, {"@OPTIONAL@", kLcOptional},
      {"@OPTIONAL_RESET@", kLcOptionalReset}, {"@OPTIONAL_GET@", kLcOptionalGet},
      {"@VECTOR_NEW@", kLcVectorNew}, {"@VECTOR_PUSH@", kLcVectorPush}, {"@VECTOR_ERASE@", kLcVectorErase},
      {"@VECTOR_CLEAR@", kLcVectorClear}, {"@VECTOR_DELETE@", kLcVectorDelete}, {"@VECTOR_DATA@", kLcVectorData},
      {"@VECTOR_SIZE@", kLcVectorSize}, {"@VECTOR_CAPACITY@", kLcVectorCapacity}, {"@ARRAY_NEW@", kLcArrayNew}, {"@ARRAY_DELETE@", kLcArrayDelete},
      {"@FREE@", kLcFree}, {"@SIZE@", kLcSize}, {"@ALIGN@", kLcAlign}, {"@SHARED_GET@", kLcSharedGet},
      {"@SHARED_COPY@", kLcSharedCopy}, {"@SHARED_RELEASE@", kLcSharedRelease},
      {"@SHARED_USE_COUNT@", kLcSharedUseCount}, {"@LINK@", kLcLink}, {"@WEAK_LINK@", kLcWeakLink},
      {"@UNLINK@", kLcUnlink}, {"@WEAK_ALIVE@", kLcWeakAlive}, {"@S_DELETE@", kLcsDelete},
      {"@S_EXPLICIT_DTOR@", kLcsExplicitDtor}};
  for (const auto& [k, v] : codes) ReplaceAll(s, k, std::to_string(v));
  ReplaceAll(s, "@NS@", std::string(ns));
  return s;
}

}  // namespace

std::vector<int> KitClasses(const Hierarchy& h) {
  std::vector<int> out;
  for (size_t c = 0; c < h.classes.size(); ++c) {
    const ClassModel& cm = h.classes[c];
    if (cm.polymorphic && !cm.abstract) out.push_back(static_cast<int>(c));
  }
  return out;
}

std::vector<int> KitStaticClasses(const Hierarchy& h) {
  std::vector<int> out;
  for (size_t c = 0; c < h.classes.size(); ++c) {
    if (h.classes[c].polymorphic && h.classes[c].virtual_dtor) out.push_back(static_cast<int>(c));
  }
  return out;
}

std::string LcEntryName(std::string_view ns, int cls) { return std::string(ns) + "_lc_C" + std::to_string(cls); }
std::string LcStaticName(std::string_view ns, int cls) { return std::string(ns) + "_lcs_C" + std::to_string(cls); }
std::string LcThrowName(std::string_view ns, int sig) { return std::string(ns) + "_lcthrow_" + std::to_string(sig); }
std::string LcXName(int cls) { return "LcX_" + ClassName(cls); }

std::string EmitLifecycleKitDeclarations(const Hierarchy& h, std::string_view ns_view) {
  const std::string ns(ns_view);
  std::string out = "#include <cstddef>\n#include <memory>\n\nnamespace " + ns + " {\nnamespace lc {\n" +
                    kExtension + "}  // namespace lc\n";
  for (int c : KitClasses(h)) {
    if (HasLcX(h, c)) out += LcXClass(ClassName(c), LcXName(c), /*bodies=*/false);
  }
  return out + "}  // namespace " + ns + "\n";
}

bool HasLcX(const Hierarchy& h, int cls) {
  return h.classes[static_cast<size_t>(cls)].virtual_dtor && !IsEffectivelyFinal(h, cls);
}

std::vector<std::string> EmitLifecycleKitUnits(const Hierarchy& h, std::string_view ns_view) {
  const std::string ns(ns_view);
  std::vector<std::string> units;
  // Unit 0: the templates (no instantiation, so no symbols), the throwing replacements and
  // the static entries.
  std::string first = Prelude(ns) + "}  // namespace " + ns + "\n\n";
  for (int s : KitStaticClasses(h)) {
    first += "extern \"C\" void " + LcStaticName(ns, s) + "(int op, void* s) { " + ns + "::lc::StaticEntry<" + ns +
             "::" + ClassName(s) + ">(op, s); }\n";
  }
  for (size_t k = 0; k < h.signatures.size(); ++k) {
    const Signature& sig = h.signatures[k];
    std::string params = "void* self";
    for (size_t i = 0; i < sig.args.size(); ++i) {
      params += ", ";
      params += ParamSpelling(h, static_cast<int>(k), i, ns + "::");
    }
    if (IsVariadic(h, static_cast<int>(k))) params += ", ...";
    const std::string ret = sig.ret == ValueKind::kSmall ? ns + "::Small" : TypeSpelling(sig.ret);
    // conventions.h, kNonCReturnBegin.
    const bool non_c = sig.ret == ValueKind::kSmall && h.small_in_memory;
    if (non_c) first += kNonCReturnBegin;
    first += "extern \"C\" " + ret + " " + LcThrowName(ns, static_cast<int>(k)) + "(" + params + ") {\n" +
             "  vto_trace_record(" + std::to_string(kLcThrowIdBase + static_cast<int>(k)) + ", self);\n" +
             "  throw int(" + std::to_string(kLcThrowValue) + ");\n}\n";
    if (non_c) first += kNonCReturnEnd;
  }
  units.push_back(std::move(first));
  // One unit per class: its LcX extension and the entry point, i.e. all of its
  // instantiations (ORC's cost per unit grows faster than its symbol count).
  for (int c : KitClasses(h)) {
    std::string out;
    const std::string cn = ClassName(c), xn = LcXName(c), q = ns + "::" + cn;
    const bool x = HasLcX(h, c);
    if (x) {
      out += "namespace " + ns + " {\n";
      out += LcXClass(cn, xn, /*bodies=*/true);
      out += "}  // namespace " + ns + "\n";
    }
    out += "extern \"C\" void* " + LcEntryName(ns, c) + "(int op, void* a, void* b) {\n";
    if (x) {
      out += "  if (op & " + std::to_string(kLcVariantX) + ") return " + ns + "::lc::Entry<" + ns + "::" + xn +
             ">(op, a, b);\n";
    }
    out += "  return " + ns + "::lc::Entry<" + q + ">(op, a, b);\n}\n";
    units.push_back(std::move(out));
  }
  return units;
}

}  // namespace vto::gen
