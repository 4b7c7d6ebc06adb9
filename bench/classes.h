// classes.h — the host classes the overlay benchmarks dispatch through. Built into the
// shared library libvto_bench_classes.so, apart from the benchmark binary, so that every
// virtual call a benchmark makes crosses a shared-library boundary: the binary sees only
// declarations and gets its objects from the factories below, so the compiler knows no
// dynamic type and cannot devirtualize (no LTO, and the vtables and key functions live in
// the .so).
//
// Defines:
//   vto_bench::Widget          one virtual method (Value) and a virtual destructor;
//                              the dispatch, state and delete benchmarks use it.
//   vto_bench::Pane            Widget as its SECOND base (calls through Widget* use a
//                              secondary vptr); overrides Value.
//   vto_bench::Stream          Widget as a VIRTUAL base (a virtual thunk); overrides Value.
//   vto_bench::Slots4/16/64    classes whose primary vtables have exactly 4, 16 and 64
//                              slots (the destructor's two entries count), for install cost.
//   Make*                      factories (operator new inside the .so).
// Thread-safety: the classes hold no shared state; Widget's destructor counts into a
// thread_local counter (a shared one would make every thread's `delete` bounce one cache line
// between the cores, and the thread-scaling benchmarks measure that instead of the library).
#ifndef VTO_BENCH_CLASSES_H
#define VTO_BENCH_CLASSES_H

#include <cstdint>

namespace vto_bench {

class Widget {
 public:
  explicit Widget(int value);
  virtual ~Widget();
  // Returns value_ + x. Slot 2 of Widget's vtable (D1 = 0, D0 = 1).
  virtual int Value(int x);
  int value_;
};

class Base0 {
 public:
  virtual ~Base0();
  virtual int Zero(int x);
  long zero_ = 0;
};

// Widget is Pane's second base: Widget* points 16 bytes into a Pane.
class Pane : public Base0, public Widget {
 public:
  explicit Pane(int value);
  int Value(int x) override;  // value_ + x, reached from Widget* through clang's thunk
};

// Widget is Stream's virtual base.
class Stream : public virtual Widget {
 public:
  explicit Stream(int value);
  int Value(int x) override;  // value_ + x, reached from Widget* through a virtual thunk
  long stream_ = 0;
};

// Counts Widget destructor runs (the delete benchmarks check every object really died).
// Widget destructors run on the calling thread so far.
uint64_t WidgetDtorCalls();

#define VTO_BENCH_DECL2(p) virtual int p##0(); virtual int p##1();
#define VTO_BENCH_DECL4(p) VTO_BENCH_DECL2(p##a) VTO_BENCH_DECL2(p##b)
#define VTO_BENCH_DECL8(p) VTO_BENCH_DECL4(p##a) VTO_BENCH_DECL4(p##b)

// 2 destructor entries + 2 methods = 4 slots; the last method is a1.
struct Slots4 {
  virtual ~Slots4();
  VTO_BENCH_DECL2(a)
};
// 2 + 8 + 4 + 2 = 16 slots; the last method is c1.
struct Slots16 {
  virtual ~Slots16();
  VTO_BENCH_DECL8(a) VTO_BENCH_DECL4(b) VTO_BENCH_DECL2(c)
};
// 2 + 7 * 8 + 4 + 2 = 64 slots; the last method is i1.
struct Slots64 {
  virtual ~Slots64();
  VTO_BENCH_DECL8(a) VTO_BENCH_DECL8(b) VTO_BENCH_DECL8(c) VTO_BENCH_DECL8(d) VTO_BENCH_DECL8(e)
  VTO_BENCH_DECL8(f) VTO_BENCH_DECL8(g) VTO_BENCH_DECL4(h) VTO_BENCH_DECL2(i)
};

#undef VTO_BENCH_DECL2
#undef VTO_BENCH_DECL4
#undef VTO_BENCH_DECL8

// Factories: the caller owns the result (delete through the base pointer).
Widget* MakeWidget(int value);
// A Pane or a Stream, returned as the Widget subobject (delete through it).
Widget* MakePaneWidget(int value);
Widget* MakeStreamWidget(int value);
Slots4* MakeSlots4();
Slots16* MakeSlots16();
Slots64* MakeSlots64();

}  // namespace vto_bench

#endif  // VTO_BENCH_CLASSES_H
