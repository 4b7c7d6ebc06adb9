// covariant_return_adjusted.cc — Derived overrides Base's `R1* get()` with `R2* get()`, and R1
// sits 16 bytes into R2, so clang gives Derived two entries for get(): Base's slot holds a
// return-adjusting thunk (call Derived::get, add 16), and Derived's own new slot holds
// Derived::get itself. MakeVTableOverlay, asked to replace Derived::get, writes the
// replacement into Derived's own entry only: through Derived* the replacement runs, through
// Base* the thunk still calls the original — one object, one method, two answers. No
// replacement can stand in for both entries (each expects its own return type); this
// project's library refuses the request (docs/CONTRACT.md R19, kCovariantReturn). (Reflected
// as Base instead, the clone has Base's three slots only and Derived's own entry is read past
// it: finding 3.) Sanitizer: none.
#include "repro.h"

#define CLASSES                                       \
  namespace r12 {                                     \
  struct R1 {                                         \
    virtual ~R1() {}                                  \
    long r1 = 1;                                      \
  };                                                  \
  struct X {                                          \
    virtual ~X() {}                                   \
    long x = 2;                                       \
  };                                                  \
  struct R2 : X, R1 {};                               \
  struct Base {                                       \
    virtual ~Base() {}                                \
    virtual R1* get() { return nullptr; }             \
  };                                                  \
  struct Derived : Base {                             \
    R2 r2;                                            \
    R2* get() override { return &r2; }                \
  };                                                  \
  }
CLASSES

// Opaque to the optimizer: each call goes through the object's vtable.
__attribute__((noinline)) r12::R1* GetViaBase(r12::Base* b) { return b->get(); }
__attribute__((noinline)) r12::R2* GetViaDerived(r12::Derived* d) { return d->get(); }

r12::R2 replaced;
r12::R2* ReplaceGet(void*) { return &replaced; }

int main() {
  repro::StartWith(REPRO_STR(CLASSES));
  Cpp::DeclRef derived_class = repro::Class("r12::Derived");
  Cpp::ConstFuncRef m = repro::Method(derived_class, "get");
  void* fn = repro::Fn(&ReplaceGet);
  auto* obj = new r12::Derived;
  r12::R2* own = &obj->r2;
  if (GetViaBase(obj) != static_cast<r12::R1*>(own) || GetViaDerived(obj) != own)
    repro::Setup("get() does not return the object's r2 before any overlay");
  Cpp::VTableOverlay* ov = Cpp::MakeVTableOverlay(obj, derived_class, &m, &fn, 1);
  if (ov == nullptr) repro::NotReproduced("refused: Derived::get's entry in Base's slot adjusts the returned pointer");
  r12::R1* via_base = GetViaBase(obj);
  r12::R2* via_derived = GetViaDerived(obj);
  Cpp::DestroyVTableOverlay(ov);
  delete obj;
  const bool base_original = via_base == static_cast<r12::R1*>(own);
  const bool derived_replaced = via_derived == &replaced;
  if (base_original && derived_replaced) {
    repro::Reproduced("get() of one overlaid r12::Derived ran the replacement through Derived* and the original through "
                      "Base*: the replacement went into Derived's own entry, the return-adjusting thunk in Base's slot "
                      "still calls Derived::get");
  }
  repro::NotReproduced(std::string("through Derived* ") + (derived_replaced ? "the replacement" : "not the replacement") +
                       " ran, through Base* " + (base_original ? "the original" : "not the original"));
}
