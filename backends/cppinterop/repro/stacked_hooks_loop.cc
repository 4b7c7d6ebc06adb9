// stacked_hooks_loop.cc — two overlays with destroy hooks on one object: `delete` enters the
// top overlay's wrapper, which runs its callback and calls the D0 it found at install — the
// bottom overlay's wrapper. That wrapper finds its overlay through the object's CURRENT vptr,
// which is still the top one's, so it runs the top callback again and calls the top's saved
// D0 again: the bottom callback never runs and the top one runs forever (a tail call, so no
// stack overflow ends it). Sanitizer: none (the callback stops the loop after 3 runs).
#include "repro.h"

#define CLASSES                                 \
  namespace r9 {                                \
  struct Widget {                               \
    virtual ~Widget() {}                        \
    virtual int f() { return 1; }               \
  };                                            \
  }
CLASSES

int Replacement(void*) { return 100; }
int g_calls[2];
void Hook(void*, void* which) {
  const int i = *static_cast<int*>(which);
  if (++g_calls[i] == 3) {
    repro::Reproduced(std::string("the ") + (i ? "top" : "bottom") +
                      " overlay's destroy hook ran 3 times in one delete (the other ran " +
                      std::to_string(g_calls[1 - i]) + " times)");
  }
}

int main() {
  repro::StartWith(REPRO_STR(CLASSES));
  Cpp::DeclRef cls = repro::Class("r9::Widget");
  Cpp::ConstFuncRef f = repro::Method(cls, "f");
  void* fn = repro::Fn(&Replacement);
  static int bottom_id = 0, top_id = 1;
  auto* obj = new r9::Widget;
  Cpp::VTableOverlay* bottom = Cpp::MakeVTableOverlay(obj, cls, &f, &fn, 1, 0, &Hook, &bottom_id);
  Cpp::VTableOverlay* top = Cpp::MakeVTableOverlay(obj, cls, &f, &fn, 1, 0, &Hook, &top_id);
  if (bottom == nullptr || top == nullptr) repro::NotReproduced("a second overlay was refused");
  delete obj;
  Cpp::DestroyVTableOverlay(top);
  Cpp::DestroyVTableOverlay(bottom);
  if (g_calls[0] != 1 || g_calls[1] != 1) {
    repro::Reproduced("one delete ran the bottom hook " + std::to_string(g_calls[0]) + " times and the top " +
                      std::to_string(g_calls[1]) + " times");
  }
  repro::NotReproduced("each hook ran once");
}
