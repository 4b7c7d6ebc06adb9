// final_class_unique_vtable.cc — clang >= 17 assumes one vtable per class by default
// (-fassume-unique-vtables) and, at -O1 and above, compiles dynamic_cast<Leaf*> for a `final`
// Leaf into "the vptr equals &vtable for Leaf". No clone can pass that comparison, but
// MakeVTableOverlay installs on a final class all the same: code compiled the usual way no
// longer finds the overlaid object's own type. This project's library refuses such a dynamic
// type (docs/CONTRACT.md R13, kVptrIdentityAssumed). Built, as every reproducer here, at -O1
// with clang's defaults. Sanitizer: none.
#include "repro.h"

#define CLASSES                                 \
  namespace r11 {                               \
  struct Base {                                 \
    virtual ~Base() {}                          \
    virtual int f() { return 1; }               \
  };                                            \
  struct Leaf final : Base {                    \
    int f() override { return 2; }              \
  };                                            \
  }
CLASSES

// Opaque to the optimizer: the cast is compiled against an unknown Base*.
__attribute__((noinline)) r11::Leaf* AsLeaf(r11::Base* b) { return dynamic_cast<r11::Leaf*>(b); }

int ReplaceF(void*) { return 100; }

int main() {
  repro::StartWith(REPRO_STR(CLASSES));
  Cpp::DeclRef leaf = repro::Class("r11::Leaf");
  Cpp::ConstFuncRef m = repro::Method(leaf, "f");
  void* fn = repro::Fn(&ReplaceF);
  auto* obj = new r11::Leaf;
  if (AsLeaf(obj) != obj) repro::Setup("dynamic_cast<r11::Leaf*> fails before any overlay");
  Cpp::VTableOverlay* ov = Cpp::MakeVTableOverlay(obj, leaf, &m, &fn, 1);
  if (ov == nullptr) repro::NotReproduced("refused: the class is final and its code assumes unique vtables");
  r11::Base* base = obj;
  r11::Leaf* cast = AsLeaf(base);
  const int f = base->f();
  Cpp::DestroyVTableOverlay(ov);
  delete obj;
  if (cast == nullptr) {
    repro::Reproduced("dynamic_cast<r11::Leaf*> of an overlaid r11::Leaf returned null (f() returned " +
                      std::to_string(f) + ": the overlay is installed, and the cast compares the vptr with the "
                      "vtable's address)");
  }
  repro::NotReproduced("dynamic_cast found the overlaid object");
}
