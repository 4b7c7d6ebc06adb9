// classes.cc — definitions (key functions, vtables) of the benchmark classes; part of
// libvto_bench_classes.so (see classes.h).
#include "classes.h"

namespace vto_bench {

namespace {
__attribute__((tls_model("initial-exec"))) thread_local uint64_t t_widget_dtor_calls = 0;  // no __tls_get_addr call
}  // namespace
uint64_t WidgetDtorCalls() { return t_widget_dtor_calls; }

Widget::Widget(int value) : value_(value) {}
Widget::~Widget() { ++t_widget_dtor_calls; }
int Widget::Value(int x) { return value_ + x; }

Base0::~Base0() = default;
int Base0::Zero(int x) { return x; }
Pane::Pane(int value) : Widget(value) {}
int Pane::Value(int x) { return value_ + x; }
Stream::Stream(int value) : Widget(value) {}
int Stream::Value(int x) { return value_ + x; }

// Each method returns its own position so that no two bodies are alike.
#define VTO_BENCH_DEF2(C, p, n) int C::p##0() { return 2 * (n); } int C::p##1() { return 2 * (n) + 1; }
#define VTO_BENCH_DEF4(C, p, n) VTO_BENCH_DEF2(C, p##a, 2 * (n)) VTO_BENCH_DEF2(C, p##b, 2 * (n) + 1)
#define VTO_BENCH_DEF8(C, p, n) VTO_BENCH_DEF4(C, p##a, 2 * (n)) VTO_BENCH_DEF4(C, p##b, 2 * (n) + 1)

Slots4::~Slots4() = default;
VTO_BENCH_DEF2(Slots4, a, 0)

Slots16::~Slots16() = default;
VTO_BENCH_DEF8(Slots16, a, 0) VTO_BENCH_DEF4(Slots16, b, 4) VTO_BENCH_DEF2(Slots16, c, 12)

Slots64::~Slots64() = default;
VTO_BENCH_DEF8(Slots64, a, 0) VTO_BENCH_DEF8(Slots64, b, 1) VTO_BENCH_DEF8(Slots64, c, 2)
VTO_BENCH_DEF8(Slots64, d, 3) VTO_BENCH_DEF8(Slots64, e, 4) VTO_BENCH_DEF8(Slots64, f, 5)
VTO_BENCH_DEF8(Slots64, g, 6) VTO_BENCH_DEF4(Slots64, h, 28) VTO_BENCH_DEF2(Slots64, i, 60)

Widget* MakeWidget(int value) { return new Widget(value); }
Widget* MakePaneWidget(int value) { return new Pane(value); }
Widget* MakeStreamWidget(int value) { return new Stream(value); }
Slots4* MakeSlots4() { return new Slots4; }
Slots16* MakeSlots16() { return new Slots16; }
Slots64* MakeSlots64() { return new Slots64; }

}  // namespace vto_bench
