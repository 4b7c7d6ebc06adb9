// shapes.h — vto::ClassShape values of the benchmark classes (classes.h), in one
// ShapeTable, computed without a compiler library: method slots come from the Itanium
// encoding of pointers to virtual member functions, and each class declares its virtual
// destructor first (D1 = slot 0, D0 = slot 1).
//
// Every shape is checked when the table is built (slot counts 4/16/64, Widget::Value in
// slot 2); a mismatch is a bug in this file and aborts with a message.
// Thread-safety: BenchShapes() is safe to call from any thread (a function-local static).
#ifndef VTO_BENCH_SHAPES_H
#define VTO_BENCH_SHAPES_H

#include <cstdint>

#include "overlay/class_shape.h"

namespace vto_bench {

// The table (never destroyed) holding Widget, Slots4, Slots16 and Slots64.
vto::ShapeTable& BenchShapes();
// The shape of T (one of the classes above).
template <typename T>
const vto::ClassShape& ShapeOf();

// Slot of Widget::Value, and of the last method of Slots4/16/64 (the slot the install
// benchmarks replace, so that the whole clone is in use).
uint32_t WidgetValueSlot();
template <typename T>
uint32_t LastMethodSlot();

// The function pointer in slot `slot` of the vtable `instance` dispatches through now.
inline void* ReadSlot(const void* instance, uint32_t slot) {
  return (*static_cast<void* const* const*>(instance))[slot];
}

}  // namespace vto_bench

#endif  // VTO_BENCH_SHAPES_H
