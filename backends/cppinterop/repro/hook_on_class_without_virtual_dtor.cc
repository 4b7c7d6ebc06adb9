// hook_on_class_without_virtual_dtor.cc — a destroy hook on a class without a virtual
// destructor is accepted, and the hook wrapper replaces slot 1, which is an ordinary virtual
// method: calling that method runs the callback on a live object, then calls the method through
// the destructor's signature. Sanitizer: none.
#include "repro.h"

#define CLASSES                                 \
  namespace r3 {                                \
  struct NoVirtualDtor {                        \
    virtual int f() { return 1; }               \
    virtual int g() { return 2; }               \
  };                                            \
  }
CLASSES

int Replacement(void*) { return 100; }
int g_hook_calls = 0;
void Hook(void*, void*) { ++g_hook_calls; }

int main() {
  repro::StartWith(REPRO_STR(CLASSES));
  Cpp::DeclRef cls = repro::Class("r3::NoVirtualDtor");
  Cpp::ConstFuncRef f = repro::Method(cls, "f");
  void* fn = repro::Fn(&Replacement);
  r3::NoVirtualDtor obj;
  Cpp::VTableOverlay* ov = Cpp::MakeVTableOverlay(&obj, cls, &f, &fn, 1, 0, &Hook, nullptr);
  if (ov == nullptr) repro::NotReproduced("refused: a hook on a class without a virtual destructor can never fire");
  r3::NoVirtualDtor* volatile p = &obj;  // no devirtualization: the call goes through the vtable
  p->g();                                // a live object, an ordinary call
  const int calls = g_hook_calls;
  Cpp::DestroyVTableOverlay(ov);
  if (calls != 0) repro::Reproduced("calling g() on a live object ran the destroy hook");
  repro::NotReproduced("installed, and g() did not run the hook");
}
