// seed_dispatch — writes the seed corpus of fuzz_dispatch: for each inheritance shape, a few
// hierarchy ids whose model has it, each with fixed operation bytes.
//
//   seed_dispatch OUT_DIR [--vto-hierarchy_bits=N]
//
// Shapes are read from the model (gen/), never from clang. File names say the shape and id:
// "seed-<shape>-h<id>". Deterministic: the same build writes the same files.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "gen/model.h"
#include "gen/subobjects.h"
#include "harness/input_header.h"
#include "harness/hierarchy_cache.h"
#include "harness/options.h"

namespace {

using vto::gen::Hierarchy;

std::vector<std::string> Shapes(const Hierarchy& h) {
  std::vector<std::string> s;
  bool multi = false, vbase = false, nonpoly_base = false, final_cls = false, abstract = false, overload = false,
       nonvirtual_dtor = false, ctor_calls = false, repeated = false, single_only = true;
  for (size_t c = 0; c < h.classes.size(); ++c) {
    const auto& cls = h.classes[c];
    if (cls.bases.size() > 1) multi = true;
    for (const auto& b : cls.bases) {
      if (b.is_virtual) vbase = true;
      if (!h.classes[b.cls].polymorphic && cls.polymorphic) nonpoly_base = true;
    }
    if (cls.bases.size() > 1 || (!cls.bases.empty() && cls.bases[0].is_virtual)) single_only = false;
    final_cls |= cls.is_final;
    abstract |= cls.abstract;
    nonvirtual_dtor |= cls.polymorphic && !cls.virtual_dtor;
    ctor_calls |= !cls.ctor_calls.empty() || !cls.dtor_calls.empty();
    vto::gen::SubobjectGraph g(h, static_cast<int>(c));
    for (size_t k = 0; k < h.classes.size(); ++k) repeated |= g.OfClass(static_cast<int>(k)).size() > 1;
  }
  for (const auto& n : h.names) overload |= n.sigs.size() > 1;
  if (single_only) s.push_back("single");
  if (multi) s.push_back("multiple");
  if (vbase) s.push_back("virtual-base");
  if (repeated) s.push_back("repeated-base");
  if (multi && vbase) s.push_back("diamond");
  if (nonpoly_base) s.push_back("nonpolymorphic-base");
  if (final_cls) s.push_back("final");
  if (abstract) s.push_back("abstract");
  if (overload) s.push_back("overloads");
  if (nonvirtual_dtor) s.push_back("nonvirtual-dtor");
  if (ctor_calls) s.push_back("ctor-dtor-calls");
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: seed_dispatch OUT_DIR [--vto-hierarchy_bits=N]\n");
    return 2;
  }
  vto::harness::Options options;
  std::string error;
  if (!vto::harness::ParseOptions(std::vector<std::string>(argv + 1, argv + argc), &options, &error)) {
    std::fprintf(stderr, "ERROR: %s\n", error.c_str());
    return 2;
  }
  const std::string out = argv[1];
  const int per_shape = 3;
  std::map<std::string, int> written;
  const uint32_t limit = vto::harness::HierarchyCount(options.hierarchy_bits);
  uint64_t rng = 0x9e3779b97f4a7c15ull;
  int files = 0;
  for (uint32_t id = 0; id < limit && id < 2048; ++id) {
    Hierarchy h = vto::harness::HierarchyCache::Model(id);
    for (const std::string& shape : Shapes(h)) {
      if (written[shape] >= per_shape) continue;
      ++written[shape];
      std::vector<uint8_t> bytes = {static_cast<uint8_t>(id & 0xff), static_cast<uint8_t>(id >> 8)};
      for (int i = 0; i < 48; ++i) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        bytes.push_back(static_cast<uint8_t>(rng));
      }
      std::string path = out + "/seed-" + shape + "-h" + std::to_string(id);
      std::ofstream f(path, std::ios::binary);
      if (!f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()))) {
        std::fprintf(stderr, "ERROR: cannot write %s\n", path.c_str());
        return 2;
      }
      ++files;
      break;  // one file per id
    }
  }
  for (const auto& [shape, n] : written) std::printf("%-22s %d\n", shape.c_str(), n);
  std::printf("wrote %d seeds to %s\n", files, out.c_str());
  return 0;
}
