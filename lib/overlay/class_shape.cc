// class_shape.cc — ShapeTable: a mutex for Add, a lock-free index for Find (class_shape.h).
#include "overlay/class_shape.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>

namespace vto {

// Open addressing, linear probing, never deleted from; `capacity` a power of two, at most
// half full. An empty entry has a null shape.
struct ShapeTable::Index {
  struct Entry {
    size_t hash = 0;                              // written before `shape` is published
    std::atomic<const ClassShape*> shape{nullptr};
  };
  size_t capacity = 0;
  size_t used = 0;  // under ShapeTable::mu_
  std::unique_ptr<Entry[]> entries;

  explicit Index(size_t n) : capacity(n), entries(new Entry[n]) {}
  size_t Home(size_t hash) const { return hash & (capacity - 1); }
  // Under ShapeTable::mu_, with room left. Readers see the entry once `shape` is stored.
  void Insert(size_t hash, const ClassShape* shape) {
    size_t i = Home(hash);
    while (entries[i].shape.load(std::memory_order_relaxed) != nullptr) i = (i + 1) & (capacity - 1);
    entries[i].hash = hash;
    entries[i].shape.store(shape, std::memory_order_release);
    ++used;
  }
};

namespace {
size_t HashName(std::string_view name) { return std::hash<std::string_view>{}(name); }
}  // namespace

ShapeTable::~ShapeTable() {
  delete index_.load(std::memory_order_relaxed);
  for (Index* old : retired_) delete old;
}

const ClassShape* ShapeTable::Add(ClassShape shape) {
  std::lock_guard<std::mutex> lock(mu_);
  if (const ClassShape* present = Find(shape.rtti_name)) return present;
  const size_t hash = HashName(shape.rtti_name);
  Index* index = index_.load(std::memory_order_relaxed);
  // Make room first: a full index is replaced by a copy twice its size (if storing the shape
  // then throws, the copy holds what the old index held: nothing is lost).
  if (index == nullptr || (index->used + 1) * 2 > index->capacity) {
    auto grown = std::make_unique<Index>(index == nullptr ? 16 : index->capacity * 2);
    if (index != nullptr) {
      for (size_t i = 0; i < index->capacity; ++i) {
        const ClassShape* s = index->entries[i].shape.load(std::memory_order_relaxed);
        if (s != nullptr) grown->Insert(index->entries[i].hash, s);
      }
      retired_.push_back(index);  // may throw: nothing published yet
    }
    index = grown.release();
    index_.store(index, std::memory_order_release);
  }
  storage_.push_back(std::move(shape));
  index->Insert(hash, &storage_.back());
  return &storage_.back();
}

const ClassShape* ShapeTable::Find(std::string_view rtti_name) const {
  const Index* index = index_.load(std::memory_order_acquire);
  if (index == nullptr) return nullptr;
  const size_t hash = HashName(rtti_name);
  for (size_t i = index->Home(hash);; i = (i + 1) & (index->capacity - 1)) {
    const ClassShape* s = index->entries[i].shape.load(std::memory_order_acquire);
    if (s == nullptr) return nullptr;
    if (index->entries[i].hash == hash && s->rtti_name == rtti_name) return s;
  }
}

const ClassShape* ShapeTable::FindType(const std::type_info& type) const {
  const char* name = type.name();
  const uint64_t h = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(name)) * 0x9e3779b97f4a7c15ull;
  CacheEntry& c = cache_[h >> (64 - 6)];
  static_assert(kCacheSize == 64, "the shift above picks one of 64 entries");
  // The two words may come from two different stores (another thread's miss): the shape is
  // used only if its own name is the one at `name`, whatever pointer was read beside it.
  const ClassShape* s = c.shape.load(std::memory_order_acquire);
  if (s != nullptr && c.name.load(std::memory_order_relaxed) == name) {
    const std::string_view n = s->rtti_name;
    if (std::strncmp(name, n.data(), n.size()) == 0 && name[n.size()] == '\0') return s;  // stops at name's end
  }
  s = Find(name);
  if (s != nullptr) {
    c.name.store(name, std::memory_order_relaxed);
    c.shape.store(s, std::memory_order_release);
  }
  return s;
}

size_t ShapeTable::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return storage_.size();
}

}  // namespace vto
