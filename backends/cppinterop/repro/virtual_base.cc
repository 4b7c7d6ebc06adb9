// virtual_base.cc — the documentation says a class with a virtual base is "rejected
// outright", but only the REFLECTED class is checked. An object whose class has a virtual
// base, reflected as its (simple) primary base, is accepted; the clone copies only the
// offset-to-top and type_info words before the address point, so the virtual-base offset the
// object's code reads at vptr[-3] is CppInterOp's hidden self-pointer: converting to the
// virtual base gives a wild pointer. Sanitizer: none (the pointer is compared).
#include "repro.h"

#define CLASSES                                 \
  namespace r8 {                                \
  struct Primary {                              \
    virtual ~Primary() {}                       \
    virtual int f() { return 1; }               \
  };                                            \
  struct Shared {                               \
    virtual ~Shared() {}                        \
    int value = 7;                              \
  };                                            \
  struct Obj : Primary, virtual Shared {};      \
  inline Shared* ToShared(Obj* o) { return o; } \
  }
CLASSES

int Replacement(void*) { return 100; }

int main() {
  repro::StartWith(REPRO_STR(CLASSES));
  Cpp::DeclRef primary = repro::Class("r8::Primary");
  Cpp::ConstFuncRef f = repro::Method(primary, "f");
  void* fn = repro::Fn(&Replacement);
  auto* obj = new r8::Obj;
  r8::Shared* before = r8::ToShared(obj);  // through the vbase offset in the vtable
  Cpp::VTableOverlay* ov = Cpp::MakeVTableOverlay(obj, primary, &f, &fn, 1);
  if (ov == nullptr) repro::NotReproduced("refused: the object's class has a virtual base");
  r8::Shared* after = r8::ToShared(obj);
  Cpp::DestroyVTableOverlay(ov);
  delete obj;
  if (after != before) {
    char text[160];
    std::snprintf(text, sizeof text, "the r8::Shared virtual base of an overlaid r8::Obj is at %p, not %p",
                  static_cast<void*>(after), static_cast<void*>(before));
    repro::Reproduced(text);
  }
  repro::NotReproduced("the virtual base is where it was");
}
