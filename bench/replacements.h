// replacements.h — the functions the overlay benchmarks install, and the two ways a
// replacement can find its per-instance state. Part of libvto_bench_classes.so, next to
// Widget::Value, so the native method and its replacements are compiled alike and are
// reached the same way (through a vtable, across the shared-library boundary).
//
// Defines:
//   PlainValue          a replacement with Widget::Value's exact body (value_ + x).
//   ValueViaExtraSlot   finds its WidgetState through the overlay's extra slot 0
//                       (vto::ExtraSlot: one vptr load + one fixed-offset load).
//   ValueViaRegistry    finds its WidgetState in a StateRegistry: a mutex-protected hash
//                       map keyed by `this` — what a binding uses without extra slots.
//   CountDeath          a destroy callback (counts calls in a DeathCounter).
// Thread-safety: StateRegistry is thread-safe (its mutex); the rest holds no shared state.
#ifndef VTO_BENCH_REPLACEMENTS_H
#define VTO_BENCH_REPLACEMENTS_H

#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "classes.h"

namespace vto_bench {

// Per-instance state a binding keeps for an overlaid object (e.g. its script object).
struct WidgetState {
  int bias = 0;
};

// The registry a binding would otherwise use: `this` -> state, under a mutex.
class StateRegistry {
 public:
  void Add(const void* instance, WidgetState* state);
  void Remove(const void* instance);
  // nullptr when `instance` is not registered.
  WidgetState* Find(const void* instance);

 private:
  std::mutex mu_;
  std::unordered_map<const void*, WidgetState*> states_;
};

// The registry ValueViaRegistry consults (process-wide, as a binding's would be).
StateRegistry& Registry();

// Replacements for Widget::Value (slot 2), called with the object's `this`.
int PlainValue(Widget* self, int x);         // self->value_ + x
int ValueViaExtraSlot(Widget* self, int x);  // self->value_ + x + state.bias, state in extra slot 0
int ValueViaRegistry(Widget* self, int x);   // self->value_ + x + state.bias, state from Registry()
// Replacement for Pane::Value reflected as Pane: called with the Pane (complete object), so
// calls through Widget* reach it through the library's this-adjusting thunk.
int PanePlainValue(Pane* self, int x);       // self->value_ + x

struct DeathCounter {
  uint64_t calls = 0;
};
// on_destroy callback; user_data is a DeathCounter*.
void CountDeath(void* instance, void* user_data);

}  // namespace vto_bench

#endif  // VTO_BENCH_REPLACEMENTS_H
