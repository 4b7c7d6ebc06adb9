// stacked_overflow.cc — a second overlay on an overlaid object copies as many slots as ITS
// reflected class has, from the first overlay's clone, which holds only as many as the first
// reflected class: reflecting the object's own class the second time reads past the first
// clone. Sanitizer: address (heap-buffer-overflow in memcpy).
#include "repro.h"

#define CLASSES                                 \
  namespace r5 {                                \
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
  Cpp::DeclRef base = repro::Class("r5::Base");
  Cpp::DeclRef derived = repro::Class("r5::Derived");
  Cpp::ConstFuncRef f = repro::Method(base, "f");
  Cpp::ConstFuncRef g = repro::Method(derived, "g");
  void* fn = repro::Fn(&Replacement);
  auto* obj = new r5::Derived;
  Cpp::VTableOverlay* first = Cpp::MakeVTableOverlay(obj, base, &f, &fn, 1);       // 4 slots copied
  Cpp::VTableOverlay* second = Cpp::MakeVTableOverlay(obj, derived, &g, &fn, 1);  // 5 read from the first clone
  if (first == nullptr || second == nullptr) repro::NotReproduced("a second overlay was refused");
  const int got = obj->g();
  Cpp::DestroyVTableOverlay(second);
  Cpp::DestroyVTableOverlay(first);
  delete obj;
  repro::NotReproduced("no overflow reported; g() returned " + std::to_string(got));
}
