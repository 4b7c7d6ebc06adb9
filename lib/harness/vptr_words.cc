// vptr_words.cc — capturing and reading vptr words (vptr_words.h).
#include "harness/vptr_words.h"

#include <algorithm>

#include "harness/transcript.h"

namespace vto::harness {

void VptrWords::Reset(size_t n) {
  words_.clear();
  words_.reserve(n);
}

void VptrWords::Add(const void* object, std::ptrdiff_t offset) {
  if (std::any_of(words_.begin(), words_.end(), [&](const VptrWord& w) { return w.offset == offset; })) return;
  VptrWord w;
  w.offset = offset;
  w.word = Now(object, w);
  words_.push_back(w);
}

void* VptrWords::Now(const void* object, const VptrWord& w) {
  return *reinterpret_cast<void* const*>(static_cast<const char*>(object) + w.offset);
}

std::string VptrWords::NowCxx(const std::string& object_cxx, const VptrWord& w) {
  return "*(void**)" + PointerCxx(object_cxx, w.offset);
}

}  // namespace vto::harness
