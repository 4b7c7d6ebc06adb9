// class_shape.cc — ShapeTable.
#include "overlay/class_shape.h"

namespace vto {

const ClassShape* ShapeTable::Add(ClassShape shape) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_name_.find(shape.rtti_name);
  if (it != by_name_.end()) return it->second;
  storage_.push_back(std::move(shape));
  const ClassShape* stored = &storage_.back();
  by_name_.emplace(std::string_view(stored->rtti_name), stored);
  return stored;
}

const ClassShape* ShapeTable::Find(std::string_view rtti_name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_name_.find(rtti_name);
  return it == by_name_.end() ? nullptr : it->second;
}

size_t ShapeTable::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return storage_.size();
}

}  // namespace vto
