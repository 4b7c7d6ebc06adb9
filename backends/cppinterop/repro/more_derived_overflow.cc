// more_derived_overflow.cc — the clone holds as many slots as the reflected class's vtable,
// but the object's vtable is its dynamic type's: a virtual function the more derived class
// adds is read from past the end of the clone. Sanitizer: address (heap-buffer-overflow).
#include "repro.h"

#define CLASSES                                 \
  namespace r4 {                                \
  struct Base {                                 \
    virtual ~Base() {}                          \
    virtual int f() { return 1; }               \
  };                                            \
  struct Derived : Base {                       \
    virtual int g() { return 2; }               \
  };                                            \
  }
CLASSES

int Replacement(void*) { return 100; }

int main() {
  repro::StartWith(REPRO_STR(CLASSES));
  Cpp::DeclRef base = repro::Class("r4::Base");
  Cpp::ConstFuncRef f = repro::Method(base, "f");
  void* fn = repro::Fn(&Replacement);
  auto* obj = new r4::Derived;  // a binding reflects what it knows: the base
  Cpp::VTableOverlay* ov = Cpp::MakeVTableOverlay(obj, base, &f, &fn, 1);
  if (ov == nullptr) repro::NotReproduced("refused an object more derived than the reflected class");
  const int got = obj->g();  // reads the slot after the clone's last
  Cpp::DestroyVTableOverlay(ov);
  delete obj;
  if (got != 2) repro::Reproduced("Derived::g() through the overlay returned " + std::to_string(got) + ", not 2");
  repro::NotReproduced("Derived::g() returned 2");
}
