// vptr_words.cc — capturing and reading vptr words (vptr_words.h).
#include "harness/vptr_words.h"

#include <algorithm>

#include "harness/transcript.h"

namespace vto::harness {

void VptrWords::Capture(const void* object, const std::vector<std::ptrdiff_t>& offsets) {
  words_.clear();
  for (std::ptrdiff_t off : offsets) {
    if (std::any_of(words_.begin(), words_.end(), [&](const VptrWord& w) { return w.offset == off; })) continue;
    VptrWord w;
    w.offset = off;
    w.word = Now(object, w);
    words_.push_back(w);
  }
}

void* VptrWords::Now(const void* object, const VptrWord& w) {
  return *reinterpret_cast<void* const*>(static_cast<const char*>(object) + w.offset);
}

std::string VptrWords::NowCxx(const std::string& object_cxx, const VptrWord& w) {
  return "*(void**)" + PointerCxx(object_cxx, w.offset);
}

}  // namespace vto::harness
