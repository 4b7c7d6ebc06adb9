// hook_slot_not_deleting_dtor.cc — the destroy hook is written into vtable slot 1 whatever is
// there. Slot 1 is the deleting destructor only when the class's first virtual function is its
// destructor. Here (a virtual method declared before the virtual destructor) slot 1 is the
// complete-object destructor: `delete p` never runs the callback, and `p->~T()` runs it and
// then the complete-object destructor as if it were the deleting one. Sanitizer: none.
#include "repro.h"

#define CLASSES                                 \
  namespace r2 {                                \
  struct MethodFirst {                          \
    virtual int f() { return 1; }               \
    virtual ~MethodFirst() {}                   \
  };                                            \
  }
CLASSES

int Replacement(void*) { return 100; }
int g_hook_calls = 0;
void Hook(void*, void*) { ++g_hook_calls; }

int main() {
  repro::StartWith(REPRO_STR(CLASSES));
  Cpp::DeclRef cls = repro::Class("r2::MethodFirst");
  Cpp::ConstFuncRef f = repro::Method(cls, "f");
  void* fn = repro::Fn(&Replacement);
  auto* obj = new r2::MethodFirst;
  Cpp::VTableOverlay* ov = Cpp::MakeVTableOverlay(obj, cls, &f, &fn, 1, 0, &Hook, nullptr);
  if (ov == nullptr) repro::Setup("MakeVTableOverlay refused");
  delete obj;  // the operator-delete path the hook is documented for
  const int calls = g_hook_calls;
  Cpp::DestroyVTableOverlay(ov);
  if (calls != 1) {
    repro::Reproduced("delete of an overlaid r2::MethodFirst ran the destroy hook " + std::to_string(calls) +
                      " times (documented: once, on the deleting-destructor path)");
  }
  repro::NotReproduced("the hook ran once on delete");
}
