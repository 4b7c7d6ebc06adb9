// vptr_words.h — every vptr of an object, captured before its first overlay and compared
// after its last teardown (CONTRACT: teardown restores every vptr bit for bit), or after a
// refused install (a refusal writes nothing). Shared by every scenario.
//
// Thread-safety: a value; Add and Now read the object's memory.
#ifndef VTO_HARNESS_VPTR_WORDS_H
#define VTO_HARNESS_VPTR_WORDS_H

#include <cstddef>
#include <string>
#include <vector>

namespace vto::harness {

struct VptrWord {
  std::ptrdiff_t offset = 0;  // of the polymorphic subobject in the object
  void* word = nullptr;       // its first word (the vptr) when captured
  int tx = -1;                // the reproducer's W[tx] holding the same word, or -1
};

class VptrWords {
 public:
  // Forgets every word and makes room for `n` (no reallocation while Add adds up to n).
  void Reset(size_t n);
  // Captures the word at `offset` of `object` too, unless one at that offset is captured
  // (duplicates are kept once, in the order added).
  void Add(const void* object, std::ptrdiff_t offset);
  // The vptr at `w` in `object` now.
  [[nodiscard]] static void* Now(const void* object, const VptrWord& w);
  [[nodiscard]] const std::vector<VptrWord>& words() const { return words_; }
  [[nodiscard]] std::vector<VptrWord>& words() { return words_; }
  // The reproducer's expression for the vptr at `w` of the object named `object_cxx` ("V[3]").
  [[nodiscard]] static std::string NowCxx(const std::string& object_cxx, const VptrWord& w);
  [[nodiscard]] static std::string CapturedCxx(const VptrWord& w) { return "W[" + std::to_string(w.tx) + "]"; }

 private:
  std::vector<VptrWord> words_;
};

}  // namespace vto::harness

#endif  // VTO_HARNESS_VPTR_WORDS_H
