// seed_race — writes the seed corpus of fuzz_race: for every hierarchy id an input may select
// (2^--vto-lifecycle_hierarchy_bits of them), a few inputs with fixed pseudo-random schedule
// bytes.
//
//   seed_race OUT_DIR [--vto-lifecycle_hierarchy_bits=N]
//
// The schedule bytes decide threads, objects, overlays, pairs on one object, hooked deaths
// and defined races (docs/FORMATS.md, "fuzz_race"); 200 bytes cover the decisions of a
// full-size input, so each seed is a different schedule rather than the continuation
// stream's. File names: "seed-h<id>-<k>". Deterministic: the same build writes the same files.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "harness/input_header.h"
#include "harness/options.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: seed_race OUT_DIR [--vto-lifecycle_hierarchy_bits=N]\n");
    return 2;
  }
  vto::harness::Options options;
  std::string error;
  if (!vto::harness::ParseOptions(std::vector<std::string>(argv + 1, argv + argc), &options, &error)) {
    std::fprintf(stderr, "ERROR: %s\n", error.c_str());
    return 2;
  }
  const std::string out = argv[1];
  const int per_hierarchy = 3, schedule_bytes = 200;
  const uint32_t ids = vto::harness::HierarchyCount(options.lifecycle_hierarchy_bits);
  uint64_t rng = 0x2545f4914f6cdd1dull;
  int files = 0;
  for (uint32_t id = 0; id < ids && id < 64; ++id) {
    for (int k = 0; k < per_hierarchy; ++k) {
      std::vector<uint8_t> bytes = {static_cast<uint8_t>(id & 0xff), static_cast<uint8_t>(id >> 8)};
      for (int i = 0; i < schedule_bytes; ++i) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        bytes.push_back(static_cast<uint8_t>(rng));
      }
      const std::string path = out + "/seed-h" + std::to_string(id) + "-" + std::to_string(k);
      std::ofstream f(path, std::ios::binary);
      if (!f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()))) {
        std::fprintf(stderr, "ERROR: cannot write %s\n", path.c_str());
        return 2;
      }
      ++files;
    }
  }
  std::printf("wrote %d seeds to %s\n", files, out.c_str());
  return 0;
}
