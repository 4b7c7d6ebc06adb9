// clang_shape_resolver.h — a vto::ShapeResolver that answers from the classes an Interpreter
// compiled.
//
// Defines:
//   vto::interp::ClangShapeResolver  maps a run-time RTTI name (std::type_info::name() of an
//                                    object's dynamic type) to the ClassShape of that class,
//                                    for any complete class with a vptr defined at namespace
//                                    or class scope in any translation unit the Interpreter
//                                    has compiled — including units compiled after the
//                                    resolver was made.
//
// Example:
//
//   vto::interp::ClangShapeResolver shapes(*interp);
//   void* obj = make();                                          // a JIT'd object
//   const char* rtti = (*reinterpret_cast<std::type_info***>(obj))[-1]->name();
//   const vto::ClassShape* shape = shapes.Find(rtti);           // nullptr if unknown
//
// Lifetime: the resolver must not outlive its Interpreter (the shapes live in it); a
// returned pointer stays valid and unchanged while both live.
//
// Thread-safe: Find may be called from any thread, concurrently with itself and with the
// Interpreter's Compile on another thread. A hit is one hash lookup under the resolver's
// mutex; a miss indexes the units compiled since the last miss (see class_index.h).
#ifndef VTO_INTERP_CLANG_SHAPE_RESOLVER_H
#define VTO_INTERP_CLANG_SHAPE_RESOLVER_H

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "interp/interpreter.h"
#include "overlay/class_shape.h"

namespace vto::interp {

class ClangShapeResolver final : public vto::ShapeResolver {
 public:
  explicit ClangShapeResolver(Interpreter& interpreter) : interpreter_(interpreter) {}
  ClangShapeResolver(const ClangShapeResolver&) = delete;
  ClangShapeResolver& operator=(const ClangShapeResolver&) = delete;

  [[nodiscard]] const vto::ClassShape* Find(std::string_view rtti_name) const override;

 private:
  Interpreter& interpreter_;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, const vto::ClassShape*> cache_;
};

}  // namespace vto::interp

#endif  // VTO_INTERP_CLANG_SHAPE_RESOLVER_H
