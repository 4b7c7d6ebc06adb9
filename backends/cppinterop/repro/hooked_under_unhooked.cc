// hooked_under_unhooked.cc — an overlay with a destroy hook, then one without on the same
// object. The top clone copies the bottom's slot 1, the hook wrapper; `delete` enters it, and it
// finds "its" overlay through the object's current vptr: the top one, which has no hook, so its
// saved deleting destructor is null. The wrapper calls it. Sanitizer: address (SEGV on address 0).
#include "repro.h"

#define CLASSES                                 \
  namespace r11 {                               \
  struct Widget {                               \
    virtual ~Widget() {}                        \
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
  Cpp::DeclRef cls = repro::Class("r11::Widget");
  Cpp::ConstFuncRef f = repro::Method(cls, "f");
  Cpp::ConstFuncRef g = repro::Method(cls, "g");
  void* fn = repro::Fn(&Replacement);
  auto* obj = new r11::Widget;
  Cpp::VTableOverlay* hooked = Cpp::MakeVTableOverlay(obj, cls, &f, &fn, 1, 0, &Hook, nullptr);
  Cpp::VTableOverlay* plain = Cpp::MakeVTableOverlay(obj, cls, &g, &fn, 1);
  if (hooked == nullptr || plain == nullptr) repro::NotReproduced("a second overlay was refused");
  delete obj;  // the top overlay has no hook: its saved destructor is null
  Cpp::DestroyVTableOverlay(plain);
  Cpp::DestroyVTableOverlay(hooked);
  repro::NotReproduced("delete returned; the hook ran " + std::to_string(g_hook_calls) + " time(s)");
}
