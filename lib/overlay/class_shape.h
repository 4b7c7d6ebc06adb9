// class_shape.h — what the overlay library must know about a class's vtable.
//
// Defines:
//   vto::ClassShape     a plain description of one class's primary vtable (slot count,
//                       destructor slots, layout features), keyed by its RTTI name.
//   vto::VTableShape    one vtable of a class's vtable group (where its vptr sits, its prefix,
//                       its length and, per entry, the final overrider it reaches).
//   vto::VTableEntry    one entry of such a vtable.
//   vto::SubobjectShape a polymorphic base subobject of a complete object (class, offset).
//   vto::ShapeResolver  the interface the library asks for the shape of an object's
//                       *dynamic* type (read from the object's RTTI at install time).
//   vto::ShapeTable     a thread-safe ShapeResolver filled by hand (host-compiled classes,
//                       tests) or by a reflection layer.
//
// The library itself has no compiler knowledge: the interpreter layer
// (lib/interp/vtable_layout.h) derives shapes from clang's Itanium vtable layout, and a
// binding with its own reflection can fill a ShapeTable.
//
// Example (a host-compiled class whose layout is known from the Itanium ABI):
//
//   struct Animal { virtual ~Animal(); virtual int legs() const; };   // D1=0, D0=1, legs=2
//   vto::ShapeTable shapes;
//   vto::ClassShape s;
//   s.rtti_name = typeid(Animal).name();
//   s.name = "Animal";
//   s.polymorphic = true;
//   s.num_slots = 3;
//   s.complete_dtor_slot = 0;
//   s.deleting_dtor_slot = 1;
//   shapes.Add(s);
#ifndef VTO_OVERLAY_CLASS_SHAPE_H
#define VTO_OVERLAY_CLASS_SHAPE_H

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

namespace vto {

// One entry of a vtable, at or after its address point: which function a call through it
// reaches, as far as an overlay needs to know. A plain value type.
struct VTableEntry {
  enum class Kind : uint8_t {
    kFunction,        // a virtual function (or a this-adjusting thunk to one)
    kCompleteDtor,    // Itanium D1 (or a thunk to it)
    kDeletingDtor,    // Itanium D0 (or a thunk to it)
    kUnused,          // an entry no call reaches (clang's "unused function pointer")
  };
  static constexpr uint32_t kNoOverrider = UINT32_MAX;
  Kind kind = Kind::kFunction;
  // Entries of one vtable group with equal ids call the same function on the same subobject
  // (the final overrider; the entries that are thunks adjust `this` to that subobject).
  // kNoOverrider for kUnused. Ids are small (< the group's total entry count).
  uint32_t overrider = kNoOverrider;
  // The entry is a covariant-return thunk: it adjusts the pointer its function returns.
  bool return_adjusted = false;
  // The function returns its value in memory (x86-64 SysV "sret"): `this` arrives in the
  // second integer register (rsi), not the first (rdi). A this-adjusting thunk must know.
  bool returns_in_memory = false;
};

// One vtable of a class's vtable group (the Itanium ABI's virtual table group: the primary
// vtable, then one secondary vtable per other vptr of a complete object of the class), as
// that object's vptr sees it. A plain value type.
struct VTableShape {
  // Byte offset in the complete object of the vptr that points into this vtable: 0 for the
  // primary vtable. The vtable's offset-to-top entry holds its negation.
  int64_t vptr_offset = 0;
  // Words before the address point: vcall and vbase offsets (with virtual bases), then
  // offset-to-top and RTTI. 2 for a class without virtual bases.
  uint32_t prefix_words = 0;
  // Words from the address point to the end of this vtable: function pointers, this-adjusting
  // thunks included (for the primary vtable: ClassShape::num_slots).
  uint32_t num_slots = 0;
  // One per slot (num_slots of them), when the shape came with its overrider map (the
  // interpreter layer fills it); empty otherwise, which the library accepts only for a class
  // with one vptr (each slot is then its own final overrider).
  std::vector<VTableEntry> entries;
};

// A polymorphic subobject of a complete object of the class (the class itself at offset 0
// included): which class it is and where it sits. A class that occurs more than once (a
// non-virtual diamond) has one entry per occurrence; a virtual base has one.
struct SubobjectShape {
  std::string rtti_name;  // as ClassShape::rtti_name
  int64_t offset = 0;     // bytes from the start of the complete object; its vptr sits there
};

// The Itanium-ABI facts about one class that an overlay depends on. A plain value type.
struct ClassShape {
  // std::type_info::name() of the class: the Itanium mangled type name without "_ZTS"
  // (e.g. "N2ns6AnimalE"). The library matches an object's dynamic type by this string.
  std::string rtti_name;
  // Human-readable qualified name, used only in messages.
  std::string name;
  // The class has a vptr. A non-polymorphic class is refused before the object is read.
  bool polymorphic = false;
  // Number of virtual-function entries from the address point of the class's primary
  // vtable to its end (both destructor entries count as two slots).
  uint32_t num_slots = 0;
  // Slot of the complete-object destructor (Itanium D1) and of the deleting destructor
  // (D0) in the primary vtable, or -1 when the destructor is not virtual. They are not
  // always 0 and 1: they sit where the class first declared its virtual destructor.
  int32_t complete_dtor_slot = -1;
  int32_t deleting_dtor_slot = -1;
  // The object of this class has more than one vptr (a secondary vtable in its vtable
  // group: a second polymorphic base, or a polymorphic base that is not primary).
  bool has_secondary_vptrs = false;
  // The class has virtual bases (its vtables carry vbase/vcall offsets).
  bool has_virtual_bases = false;
  // Some code may compare this class's vptr with the address of its vtable: the class is
  // `final` and code that sees it was compiled with -fassume-unique-vtables (clang >= 17's
  // default), which turns dynamic_cast<ThisClass*> into a vptr comparison. A clone can
  // never pass that comparison, so the library refuses such dynamic types.
  bool vptr_identity_assumed = false;
  // RTTI names of the primary-base chain: the primary base first, then its primary
  // base, and so on. For a shape without `subobjects` the library accepts a reflected class
  // only when it is the dynamic type or on this chain (its slots are then valid in the
  // primary vtable).
  std::vector<std::string> primary_bases;
  // The class's vtable group, in the order it lies in memory (primary first), as the
  // interpreter layer reads it from clang (lib/interp/vtable_layout.h). Empty for a class
  // without a vptr, or when the shape was filled by hand: the library then treats the
  // primary vtable as the only one (num_slots, the destructor slots) and refuses a dynamic
  // type with more than one vptr or with virtual bases (docs/CONTRACT.md R12).
  std::vector<VTableShape> vtable_group;
  // Every polymorphic subobject, the class itself first (offset 0), with the vtable_group
  // (filled together by the interpreter layer). The library looks the reflected class up here
  // to find the subobject, and so the vtable, its slots index.
  std::vector<SubobjectShape> subobjects;
};

// Answers "what is the shape of the class whose RTTI name is N?".
//
// Implementations must be thread-safe: the library calls Find from any thread that
// installs an overlay. The returned pointer must stay valid and unchanged for as long
// as the resolver lives. Returns nullptr for an unknown class.
class ShapeResolver {
 public:
  virtual ~ShapeResolver() = default;
  [[nodiscard]] virtual const ClassShape* Find(std::string_view rtti_name) const = 0;
  // The shape of the class whose std::type_info is `type` (what Install asks): by default
  // Find(type.name()). A resolver may answer faster from the type_info's identity, but must
  // give what Find would.
  [[nodiscard]] virtual const ClassShape* FindType(const std::type_info& type) const { return Find(type.name()); }
  // True when FindType never blocks (no lock, no I/O, no compiling) and never calls into this
  // library: Install may then ask it while it holds a lock of its own, saving a second lock
  // acquisition. False by default: Install asks with no lock held.
  [[nodiscard]] virtual bool answers_without_blocking() const { return false; }
};

// A ShapeResolver filled by Add. Thread-safe: Add and Find may be called concurrently.
// Shapes are never removed; a pointer returned by Find or Add stays valid for the life
// of the table.
//
// Find takes no lock and writes nothing shared (installs on many threads look shapes up at
// once): it probes an open-addressing index of the stored shapes, published by Add with
// release order. Add (rare: once per class) takes a mutex, stores the shape, and inserts it
// into the index in place — an entry's hash is written before its shape pointer, which a Find
// loads with acquire order — or, when the index is half full, publishes a copy twice the size.
// Replaced indexes are kept until the table is destroyed (their sizes sum to less than the
// last one's), so a Find still probing one never reads freed memory.
class ShapeTable final : public ShapeResolver {
 public:
  ShapeTable() = default;
  ~ShapeTable() override;
  ShapeTable(const ShapeTable&) = delete;
  ShapeTable& operator=(const ShapeTable&) = delete;

  // Adds `shape`, or returns the already-present shape with the same rtti_name (the
  // first one added wins; shapes of one class do not change).
  const ClassShape* Add(ClassShape shape);
  // Allocates nothing, locks nothing.
  [[nodiscard]] const ClassShape* Find(std::string_view rtti_name) const override;
  // Find(type.name()), but a repeated type is answered from a small cache keyed by the
  // address of its name: a hit compares the name's characters with the cached shape's
  // rtti_name (no strlen, no hash), so a name at a reused address is never mistaken.
  // Allocates nothing, locks nothing; a miss stores into the cache (relaxed atomics).
  [[nodiscard]] const ClassShape* FindType(const std::type_info& type) const override;
  // True: Find and FindType take no lock.
  [[nodiscard]] bool answers_without_blocking() const override { return true; }
  [[nodiscard]] size_t size() const;

 private:
  struct Index;
  mutable std::mutex mu_;           // Add and size
  std::deque<ClassShape> storage_;  // deque: stable addresses
  std::atomic<Index*> index_{nullptr};
  struct CacheEntry {
    std::atomic<const char*> name{nullptr};  // a type_info's name() pointer
    std::atomic<const ClassShape*> shape{nullptr};
  };
  static constexpr size_t kCacheSize = 64;  // a power of two
  mutable CacheEntry cache_[kCacheSize];
  std::vector<Index*> retired_;     // indexes replaced by a larger one (under mu_)
};

}  // namespace vto

#endif  // VTO_OVERLAY_CLASS_SHAPE_H
