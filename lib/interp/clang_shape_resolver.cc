// clang_shape_resolver.cc — ClassShapes by RTTI name from an Interpreter.
#include "interp/clang_shape_resolver.h"

namespace vto::interp {

const vto::ClassShape* ClangShapeResolver::Find(std::string_view rtti_name) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string key(rtti_name);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  // Unknown classes are not cached: a later translation unit may define them.
  const ClassLayout* layout = interpreter_.FindClassByRttiName(rtti_name);
  if (layout == nullptr || !layout->shape.polymorphic) return nullptr;
  cache_.emplace(std::move(key), &layout->shape);
  return &layout->shape;
}

}  // namespace vto::interp
