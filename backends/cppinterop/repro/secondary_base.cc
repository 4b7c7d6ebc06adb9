// secondary_base.cc — the documentation says a class with several polymorphic direct bases is
// "rejected outright", but only the REFLECTED class is checked. Reflecting a secondary base of
// the object's class is accepted, and its slot numbers are written into the object's PRIMARY
// vtable: the secondary base's method is not replaced, and a method of the primary base is
// replaced by a function meant for another. Sanitizer: none.
#include "repro.h"

#define CLASSES                                 \
  namespace r7 {                                \
  struct Left {                                 \
    virtual ~Left() {}                          \
    virtual int left() { return 1; }            \
  };                                            \
  struct Right {                                \
    virtual ~Right() {}                         \
    virtual int right() { return 2; }           \
  };                                            \
  struct Both : Left, Right {};                 \
  }
CLASSES

int ReplaceRight(void*) { return 200; }

int main() {
  repro::StartWith(REPRO_STR(CLASSES));
  Cpp::DeclRef right = repro::Class("r7::Right");
  Cpp::ConstFuncRef m = repro::Method(right, "right");
  void* fn = repro::Fn(&ReplaceRight);
  auto* obj = new r7::Both;
  Cpp::VTableOverlay* ov = Cpp::MakeVTableOverlay(obj, right, &m, &fn, 1);
  if (ov == nullptr) repro::NotReproduced("refused: the object has several polymorphic bases");
  const int via_right = static_cast<r7::Right*>(obj)->right();
  const int via_left = static_cast<r7::Left*>(obj)->left();
  Cpp::DestroyVTableOverlay(ov);
  delete obj;
  if (via_right != 200 || via_left != 1) {
    repro::Reproduced("installed on an r7::Both reflected as r7::Right: right() returned " + std::to_string(via_right) +
                      " (replacement: 200), left() returned " + std::to_string(via_left) + " (original: 1)");
  }
  repro::NotReproduced("both calls answered correctly");
}
