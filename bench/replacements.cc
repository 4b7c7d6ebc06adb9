// replacements.cc — replacement functions and the mutex-protected state registry (see
// replacements.h). Part of libvto_bench_classes.so.
#include "replacements.h"

#include "overlay/overlay.h"  // vto::ExtraSlot only (inline): the .so links no library code

namespace vto_bench {

void StateRegistry::Add(const void* instance, WidgetState* state) {
  std::lock_guard<std::mutex> lock(mu_);
  states_[instance] = state;
}

void StateRegistry::Remove(const void* instance) {
  std::lock_guard<std::mutex> lock(mu_);
  states_.erase(instance);
}

WidgetState* StateRegistry::Find(const void* instance) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = states_.find(instance);
  return it == states_.end() ? nullptr : it->second;
}

StateRegistry& Registry() {
  static StateRegistry* registry = new StateRegistry;  // never destroyed
  return *registry;
}

int PlainValue(Widget* self, int x) { return self->value_ + x; }
int PanePlainValue(Pane* self, int x) { return self->value_ + x; }

int ValueViaExtraSlot(Widget* self, int x) {
  auto* state = static_cast<WidgetState*>(vto::ExtraSlot(self, 0));
  return self->value_ + x + state->bias;
}

int ValueViaRegistry(Widget* self, int x) {
  WidgetState* state = Registry().Find(self);
  return self->value_ + x + state->bias;
}

void CountDeath(void* /*instance*/, void* user_data) { ++static_cast<DeathCounter*>(user_data)->calls; }

}  // namespace vto_bench
