// stacked_teardown_order.cc — each overlay restores, on teardown, the vptr it found at install.
// Two overlays on one object torn down bottom first: the bottom one writes the class's vtable
// back (the top overlay silently stops dispatching), then the top one writes back a pointer
// into the bottom one's freed clone. The next virtual call reads freed memory.
// Sanitizer: address (heap-use-after-free).
#include "repro.h"

#define CLASSES                                 \
  namespace r6 {                                \
  struct Widget {                               \
    virtual ~Widget() {}                        \
    virtual int f() { return 1; }               \
    virtual int g() { return 2; }               \
  };                                            \
  }
CLASSES

int ReplaceF(void*) { return 100; }
int ReplaceG(void*) { return 200; }

int main() {
  repro::StartWith(REPRO_STR(CLASSES));
  Cpp::DeclRef cls = repro::Class("r6::Widget");
  Cpp::ConstFuncRef f = repro::Method(cls, "f");
  Cpp::ConstFuncRef g = repro::Method(cls, "g");
  void* rf = repro::Fn(&ReplaceF);
  void* rg = repro::Fn(&ReplaceG);
  auto* obj = new r6::Widget;
  Cpp::VTableOverlay* bottom = Cpp::MakeVTableOverlay(obj, cls, &f, &rf, 1);
  Cpp::VTableOverlay* top = Cpp::MakeVTableOverlay(obj, cls, &g, &rg, 1);
  if (bottom == nullptr || top == nullptr) repro::Setup("MakeVTableOverlay refused");
  Cpp::DestroyVTableOverlay(bottom);  // the top overlay is still installed
  const int g_after_bottom = obj->g();
  if (g_after_bottom != 200) {
    std::printf("(after the bottom overlay's teardown, g() returned %d: the top overlay was removed with it)\n",
                g_after_bottom);
  }
  Cpp::DestroyVTableOverlay(top);
  const int f_after = obj->f();  // the vptr now points into the bottom overlay's freed clone
  delete obj;
  repro::NotReproduced("no use-after-free reported; f() returned " + std::to_string(f_after));
}
