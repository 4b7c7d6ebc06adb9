// trace.h — the host-side trace sink that generated code reports to.
//
// Defines vto::gen::Trace (the calling thread's buffer of TraceRecord) and the extern "C"
// functions emitted code calls:
//   void vto_trace_record(int impl_id, const void* self);  // every method body, first thing
//   int  vto_trace_last_id(void);                          // call stubs of void methods
//   const void* vto_trace_last_self(void);                 // call stubs of class-returning ones
//   int  vto_dtor_should_throw(const void* self);          // the end of every destructor body
//                                                          // of a hierarchy with throwing_dtors
//   void* vto_class_new(int cls, size_t size, size_t align);          // a class's own operator
//   void vto_class_delete(int cls, void* p, size_t size, size_t align); // new and delete
// The JIT resolves them from the host process, so an executable that JITs generated code
// must export its symbols (CMake ENABLE_EXPORTS ON, or -Wl,--export-dynamic) and reference
// Trace (which links this file in from the static library).
//
// Example:
//   vto::gen::Trace::Clear();
//   long id = call_stub(obj);
//   ASSERT_EQ(vto::gen::Trace::size(), 1u);
//   EXPECT_EQ(vto::gen::Trace::at(0).self, expected_this);
//
// Thread-safety: each thread has its own buffer; all functions act on the caller's. Records
// made on one thread are invisible to others.
#ifndef VTO_GEN_TRACE_H
#define VTO_GEN_TRACE_H

#include <cstddef>

extern "C" {
// Appends (impl_id, self) to the calling thread's trace. Never fails: past kCapacity records it
// only counts (overflowed() becomes true) and updates the last id.
void vto_trace_record(int impl_id, const void* self);
// The impl_id of the most recent vto_trace_record on this thread since Trace::Clear, else 0.
int vto_trace_last_id(void);
// The self of that record (nullptr after Trace::Clear): the `this` the function ran on.
const void* vto_trace_last_self(void);
// Nonzero once after Trace::ArmDestructorThrow() on this thread (the destructor body that
// asks then throws int(kDtorThrowValue), gen/conventions.h), else 0.
int vto_dtor_should_throw(const void* self);
// The body of class C<cls>'s own operator new (model.h, Hierarchy::class_alloc): `size` bytes
// from the global operator new, the aligned one when `align` > 0 (the aligned form was
// called). Records the call (Trace::ClassNew). Throws std::bad_alloc as operator new does.
void* vto_class_new(int cls, std::size_t size, std::size_t align);
// The body of C<cls>'s own operator delete: records the call (Trace::ClassDelete) and frees
// `p` with the global operator delete that matches vto_class_new (sized when `size` > 0: the
// sized form was called; aligned when `align` > 0). Null: records only.
void vto_class_delete(int cls, void* p, std::size_t size, std::size_t align);
}

namespace vto::gen {

struct TraceRecord {
  int impl_id = 0;  // +id: the function ran with canonical arguments; -id: with others
  const void* self = nullptr;
};

// The calls of one kind of class allocation function since Trace::Clear on this thread.
struct AllocationRecord {
  int calls = 0;          // how many
  int cls = -1;           // the last one's: whose function it was
  const void* p = nullptr;  // the pointer it returned (new) or got (delete)
  std::size_t size = 0;   // its size argument (0: the unsized operator delete)
  std::size_t align = 0;  // its alignment argument (0: not the aligned form)
};

class Trace {
 public:
  static constexpr std::size_t kCapacity = 1024;

  // Forgets this thread's records, and disarms ArmDestructorThrow.
  static void Clear();
  // The next destructor body of a hierarchy with throwing destructors (model.h,
  // Hierarchy::throwing_dtors) to end on this thread throws.
  static void ArmDestructorThrow();
  // Whether the destructor throw is armed and has not happened yet.
  [[nodiscard]] static bool DestructorThrowArmed();
  // Records kept since Clear (at most kCapacity).
  [[nodiscard]] static std::size_t size();
  // The i-th record since Clear. REQUIRES: i < size().
  [[nodiscard]] static TraceRecord at(std::size_t i);
  // True if records were dropped since Clear (more than kCapacity were made).
  [[nodiscard]] static bool overflowed();
  // The class-specific operator new and operator delete calls since Clear.
  [[nodiscard]] static AllocationRecord ClassNew();
  [[nodiscard]] static AllocationRecord ClassDelete();
};

}  // namespace vto::gen

#endif  // VTO_GEN_TRACE_H
