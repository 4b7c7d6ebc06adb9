// single_slot_refused.cc — MakeVTableOverlay refuses a polymorphic class whose vtable has one
// slot (one virtual function, no virtual destructor). Its documentation lists the refusals
// (null instance, a method null or not virtual, a class not polymorphic, several polymorphic
// bases or a virtual base); this class is none of them. Sanitizer: none.
#include "repro.h"

#define CLASSES                                \
  namespace r1 {                               \
  struct One {                                 \
    virtual int f() { return 1; }              \
  };                                           \
  }
CLASSES

int Replacement(void*) { return 100; }

int main() {
  repro::StartWith(REPRO_STR(CLASSES));
  Cpp::DeclRef one = repro::Class("r1::One");
  Cpp::ConstFuncRef f = repro::Method(one, "f");
  r1::One obj;
  void* fn = repro::Fn(&Replacement);
  Cpp::VTableOverlay* ov = Cpp::MakeVTableOverlay(&obj, one, &f, &fn, 1);
  if (ov == nullptr) repro::Reproduced("MakeVTableOverlay returned null for r1::One, a polymorphic class with one virtual");
  const int got = static_cast<r1::One&>(obj).f();
  Cpp::DestroyVTableOverlay(ov);
  repro::NotReproduced("installed; f() through the overlay returned " + std::to_string(got));
}
