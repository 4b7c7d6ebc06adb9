// call_loop.cc — the shared call loop (see call_loop.h).
#include "call_loop.h"

namespace vto_bench {

__attribute__((noinline)) int CallMany(Widget* w, int n) {
  int sum = 0;
  for (int i = 0; i < n; ++i) {
    sum += w->Value(i);
    asm volatile("" : "+r"(w) : : "memory");  // w's vptr may have changed: reload it every call
  }
  return sum;
}

__attribute__((noinline)) int CallEach(Widget* const* ws, int n) {
  int sum = 0;
  for (int i = 0; i < n; ++i) {
    Widget* w = ws[i];
    asm volatile("" : "+r"(w) : : "memory");
    sum += w->Value(i);
  }
  return sum;
}

}  // namespace vto_bench
