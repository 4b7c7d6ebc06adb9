// call_loop.h — the one loop every call benchmark times: n virtual calls of
// Widget::Value through whatever vtable the object has now.
#ifndef VTO_BENCH_CALL_LOOP_H
#define VTO_BENCH_CALL_LOOP_H

#include "classes.h"

namespace vto_bench {

// Calls w->Value(i) for i in [0, n) and returns the sum of the results. `w` must stay valid.
// Each call loads w's vptr and calls slot 2; the binary does not know w's dynamic type (it
// came from the .so), so the call is never devirtualized. Defined once, out of line
// (call_loop.cc), so every variant runs the very same machine code: inlined copies at
// different code alignments measured up to one cycle apart per call on this machine, more
// than the 2 % the dispatch target allows.
int CallMany(Widget* w, int n);

// Calls ws[i]->Value(i) once for each i in [0, n) and returns the sum: one call per object,
// each through that object's own vtable (for overlaid objects, its own clone).
int CallEach(Widget* const* ws, int n);

}  // namespace vto_bench

#endif  // VTO_BENCH_CALL_LOOP_H
