// concurrent_teardown.cc — an overlay torn down on one thread while its object is deleted on
// another (a binding's collector thread releasing a handle while C++ code deletes the object):
// DestroyVTableOverlay reads `dtor_fired`, which the destroy-hook wrapper writes on the other
// thread with nothing ordering the two, then frees the overlay the wrapper found through the
// object's vptr. Nothing in CppInterOp's API lets a binding do this safely (it promises no
// thread safety; the harness's profile for it does not make this promise, and this program
// shows what happens when a binding does it anyway). Sanitizer: thread (data race).
#include <atomic>
#include <thread>

#include "repro.h"

#define CLASSES                                 \
  namespace r10 {                               \
  struct Widget {                               \
    virtual ~Widget() {}                        \
    virtual int f() { return 1; }               \
  };                                            \
  }
CLASSES

int Replacement(void*) { return 100; }
// Relaxed on purpose: the two threads of the program do not order their work with each other,
// as a binding's threads would not; they only wait so the accesses overlap in time.
std::atomic<bool> g_in_hook{false}, g_torn_down{false};
void Hook(void*, void*) {
  g_in_hook.store(true, std::memory_order_relaxed);
  while (!g_torn_down.load(std::memory_order_relaxed)) std::this_thread::yield();
}

int main() {
  repro::StartWith(REPRO_STR(CLASSES));
  Cpp::DeclRef cls = repro::Class("r10::Widget");
  Cpp::ConstFuncRef f = repro::Method(cls, "f");
  void* fn = repro::Fn(&Replacement);
  auto* obj = new r10::Widget;
  Cpp::VTableOverlay* ov = Cpp::MakeVTableOverlay(obj, cls, &f, &fn, 1, 0, &Hook, nullptr);
  if (ov == nullptr) repro::Setup("MakeVTableOverlay refused");
  std::thread collector([&] {
    while (!g_in_hook.load(std::memory_order_relaxed)) std::this_thread::yield();
    Cpp::DestroyVTableOverlay(ov);  // while the object's deleting destructor runs on main
    g_torn_down.store(true, std::memory_order_relaxed);
  });
  delete obj;
  collector.join();
  repro::NotReproduced("no data race reported");
}
