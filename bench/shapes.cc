// shapes.cc — ClassShapes of the benchmark classes (see shapes.h).
#include "shapes.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <typeinfo>

#include "classes.h"

namespace vto_bench {
namespace {

// Itanium ABI: a pointer to a virtual member function is {1 + byte offset of its vtable
// entry from the address point, this-adjustment}.
template <typename C, typename R, typename... A>
uint32_t SlotOf(R (C::*pmf)(A...)) {
  struct Rep {
    uintptr_t ptr;
    ptrdiff_t adj;
  } rep;
  static_assert(sizeof(rep) == sizeof(pmf), "Itanium member pointers are two words");
  std::memcpy(&rep, &pmf, sizeof rep);
  if ((rep.ptr & 1u) == 0) {
    std::fprintf(stderr, "ERROR: bench shapes: a member pointer is not virtual\n");
    std::abort();
  }
  return static_cast<uint32_t>((rep.ptr - 1) / sizeof(void*));
}

template <typename T>
vto::ClassShape Shape(const char* name, uint32_t num_slots, uint32_t expected_slots) {
  if (num_slots != expected_slots) {
    std::fprintf(stderr, "ERROR: bench shapes: %s has %u vtable slots, expected %u\n", name, num_slots,
                 expected_slots);
    std::abort();
  }
  vto::ClassShape s;
  s.rtti_name = typeid(T).name();
  s.name = name;
  s.polymorphic = true;
  s.num_slots = num_slots;
  s.complete_dtor_slot = 0;
  s.deleting_dtor_slot = 1;
  return s;
}

}  // namespace

uint32_t WidgetValueSlot() { return SlotOf(&Widget::Value); }
template <>
uint32_t LastMethodSlot<Slots4>() { return SlotOf(&Slots4::a1); }
template <>
uint32_t LastMethodSlot<Slots16>() { return SlotOf(&Slots16::c1); }
template <>
uint32_t LastMethodSlot<Slots64>() { return SlotOf(&Slots64::i1); }

namespace {

vto::ShapeTable* MakeTable() {
  auto* t = new vto::ShapeTable;
  if (WidgetValueSlot() != 2) {
    std::fprintf(stderr, "ERROR: bench shapes: Widget::Value is in slot %u, expected 2\n", WidgetValueSlot());
    std::abort();
  }
  t->Add(Shape<Widget>("vto_bench::Widget", WidgetValueSlot() + 1, 3));
  t->Add(Shape<Slots4>("vto_bench::Slots4", LastMethodSlot<Slots4>() + 1, 4));
  t->Add(Shape<Slots16>("vto_bench::Slots16", LastMethodSlot<Slots16>() + 1, 16));
  t->Add(Shape<Slots64>("vto_bench::Slots64", LastMethodSlot<Slots64>() + 1, 64));
  return t;
}

}  // namespace

vto::ShapeTable& BenchShapes() {
  static vto::ShapeTable* table = MakeTable();
  return *table;
}

template <typename T>
const vto::ClassShape& ShapeOf() {
  const vto::ClassShape* s = BenchShapes().Find(typeid(T).name());
  if (s == nullptr) {
    std::fprintf(stderr, "ERROR: bench shapes: no shape for %s\n", typeid(T).name());
    std::abort();
  }
  return *s;
}

template const vto::ClassShape& ShapeOf<Widget>();
template const vto::ClassShape& ShapeOf<Slots4>();
template const vto::ClassShape& ShapeOf<Slots16>();
template const vto::ClassShape& ShapeOf<Slots64>();

}  // namespace vto_bench
