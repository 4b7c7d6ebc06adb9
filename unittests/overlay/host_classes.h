// host_classes.h — host-compiled test classes and their ClassShapes.
//
// Slot numbers of virtual functions are not hand-counted: SlotOf reads them from the
// Itanium encoding of a pointer to virtual member function (ptr = 1 + byte offset in the
// vtable). Destructor slots (which have no member pointer) are checked by the tests that
// call through them.
#ifndef VTO_UNITTESTS_OVERLAY_HOST_CLASSES_H
#define VTO_UNITTESTS_OVERLAY_HOST_CLASSES_H

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>

#include "overlay/overlay.h"

namespace vto::test {

// Base: D1=0 D0=1 f=2 g=3, 4 slots.
struct Base {
  int value = 7;
  virtual ~Base();
  virtual int f();
  virtual int g();
};
// Derived: Base's slots plus h=4, 5 slots. Overrides f.
struct Derived : Base {
  int extra = 11;
  int f() override;
  virtual int h();
};
// MoreDerived: adds k=5, 6 slots.
struct MoreDerived : Derived {
  int k_value = 13;
  virtual int k();
};
// A class whose virtual destructor is not first: f=0, D1=1, D0=2.
struct DtorLater {
  virtual int f();
  virtual ~DtorLater();
};
// Polymorphic, destructor not virtual: f=0, 1 slot.
struct NoVirtualDtor {
  virtual int f();
  ~NoVirtualDtor() = default;
};
struct Plain {
  int x = 0;
};
struct Left {
  virtual ~Left();
  virtual int l();
  long left_data = 1;
};
struct Right {
  virtual ~Right();
  virtual int r();
  long right_data = 2;
};
struct Multi : Left, Right {
  int l() override;
  int r() override;
};
struct VirtualDerived : virtual Base {
  int f() override;
};
struct FinalDerived final : Base {
  int f() override;
};
// A class whose destructor throws (noexcept(false)); D1=0 D0=1 f=2.
struct ThrowingDtor {
  virtual ~ThrowingDtor() noexcept(false);
  virtual int f();
};
// An unrelated polymorphic class with Base's slot count.
struct Unrelated {
  virtual ~Unrelated();
  virtual int f();
  virtual int g();
};

// Original implementations return these ids.
enum Impl : int {
  kBaseF = 100, kBaseG = 101, kDerivedF = 200, kDerivedH = 201, kMoreK = 300, kDtorLaterF = 400,
  kNoVirtualDtorF = 500, kLeftL = 600, kRightR = 601, kMultiL = 610, kMultiR = 611, kVirtualDerivedF = 700,
  kFinalF = 800, kThrowingF = 900, kUnrelatedF = 1000, kUnrelatedG = 1001,
};

template <typename C, typename R>
uint32_t SlotOf(R (C::*pmf)()) {
  struct Rep { uintptr_t ptr; ptrdiff_t adj; } rep;
  static_assert(sizeof(rep) == sizeof(pmf), "Itanium member pointers are two words");
  std::memcpy(&rep, &pmf, sizeof rep);
  return static_cast<uint32_t>((rep.ptr - 1) / sizeof(void*));
}

// Shapes of every class above, in one table.
ShapeTable& HostShapes();
const ClassShape& ShapeOf(const char* rtti_name);
template <typename T>
const ClassShape& ShapeOf() { return ShapeOf(typeid(T).name()); }

// Hides the dynamic type from the optimizer, so calls through the result are real
// virtual calls.
template <typename T>
T* Launder(T* p) {
  asm volatile("" : "+r"(p));
  return p;
}

// Destructor calls observed (by class), reset by tests.
extern std::atomic<int> g_base_dtor_calls;
extern std::atomic<int> g_derived_dtor_calls;

// A recording destroy callback: counts calls and remembers what it saw.
struct HookLog {
  int calls = 0;
  void* last_instance = nullptr;
  int f_during_callback = 0;   // result of a virtual call made from the callback
  int value_during_callback = 0;
  void* extra0_during_callback = nullptr;
};
void RecordingHook(void* instance, void* user_data);  // user_data is a HookLog*

// Replacement functions (called with the object's this).
int ReplacementF(Base* self);   // returns 9000 + self->value
int ReplacementG(Base* self);   // returns 9100
int ReplacementH(Derived* self);  // returns 9200 + self->extra
void* AsVoid(int (*fn)(Base*));
void* AsVoid(int (*fn)(Derived*));

}  // namespace vto::test

#endif  // VTO_UNITTESTS_OVERLAY_HOST_CLASSES_H
