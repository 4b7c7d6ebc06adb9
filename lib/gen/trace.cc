// trace.cc — the thread-local trace buffer and its extern "C" entry points (see trace.h).
#include "gen/trace.h"

#include <cassert>
#include <new>

namespace vto::gen {
namespace {

struct Buffer {
  TraceRecord records[Trace::kCapacity];
  std::size_t size = 0;
  bool overflowed = false;
  int last_id = 0;
  const void* last_self = nullptr;
  bool dtor_throw_armed = false;
  AllocationRecord class_new;
  AllocationRecord class_delete;
};

Buffer& ThreadBuffer() {
  thread_local Buffer buffer;
  return buffer;
}

}  // namespace

void Trace::Clear() {
  Buffer& b = ThreadBuffer();
  b.size = 0;
  b.overflowed = false;
  b.last_id = 0;
  b.last_self = nullptr;
  b.dtor_throw_armed = false;
  b.class_new = AllocationRecord{};
  b.class_delete = AllocationRecord{};
}

void Trace::ArmDestructorThrow() { ThreadBuffer().dtor_throw_armed = true; }

bool Trace::DestructorThrowArmed() { return ThreadBuffer().dtor_throw_armed; }

std::size_t Trace::size() { return ThreadBuffer().size; }

TraceRecord Trace::at(std::size_t i) {
  const Buffer& b = ThreadBuffer();
  assert(i < b.size && "Trace::at: index out of range");
  return b.records[i];
}

bool Trace::overflowed() { return ThreadBuffer().overflowed; }

AllocationRecord Trace::ClassNew() { return ThreadBuffer().class_new; }

AllocationRecord Trace::ClassDelete() { return ThreadBuffer().class_delete; }

}  // namespace vto::gen

extern "C" void vto_trace_record(int impl_id, const void* self) {
  vto::gen::Buffer& b = vto::gen::ThreadBuffer();
  b.last_id = impl_id;
  b.last_self = self;
  if (b.size < vto::gen::Trace::kCapacity)
    b.records[b.size++] = vto::gen::TraceRecord{impl_id, self};
  else
    b.overflowed = true;
}

extern "C" int vto_trace_last_id(void) { return vto::gen::ThreadBuffer().last_id; }

extern "C" const void* vto_trace_last_self(void) { return vto::gen::ThreadBuffer().last_self; }

extern "C" int vto_dtor_should_throw(const void*) {
  vto::gen::Buffer& b = vto::gen::ThreadBuffer();
  const bool armed = b.dtor_throw_armed;
  b.dtor_throw_armed = false;
  return armed ? 1 : 0;
}

extern "C" void* vto_class_new(int cls, std::size_t size, std::size_t align) {
  void* p = align > 0 ? ::operator new(size, std::align_val_t{align}) : ::operator new(size);
  vto::gen::AllocationRecord& r = vto::gen::ThreadBuffer().class_new;
  r = vto::gen::AllocationRecord{r.calls + 1, cls, p, size, align};
  return p;
}

extern "C" void vto_class_delete(int cls, void* p, std::size_t size, std::size_t align) {
  vto::gen::AllocationRecord& r = vto::gen::ThreadBuffer().class_delete;
  r = vto::gen::AllocationRecord{r.calls + 1, cls, p, size, align};
  if (p == nullptr) return;
  if (align > 0) {
    if (size > 0) ::operator delete(p, size, std::align_val_t{align});
    else ::operator delete(p, std::align_val_t{align});
  } else if (size > 0) {
    ::operator delete(p, size);
  } else {
    ::operator delete(p);
  }
}
