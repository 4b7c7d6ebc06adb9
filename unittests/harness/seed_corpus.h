// seed_corpus.h — the committed seed inputs of one fuzz target, for the scenario tests.
//
// ReadSeedCorpus("fuzz_race") returns the contents of every regular file directly in
// corpus/fuzz_race/ (VTO_SOURCE_DIR is the source tree), in name order; subdirectories such
// as regress/ are left to ctest's corpus replay. Empty if the directory is missing.
#ifndef VTO_UNITTESTS_HARNESS_SEED_CORPUS_H
#define VTO_UNITTESTS_HARNESS_SEED_CORPUS_H

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace vto::harness {

inline std::vector<std::vector<uint8_t>> ReadSeedCorpus(const std::string& target) {
  std::vector<std::vector<uint8_t>> out;
  const std::string dir = std::string(VTO_SOURCE_DIR) + "/corpus/" + target;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    struct stat st {};
    const std::string path = dir + "/" + e->d_name;
    if (e->d_name[0] != '.' && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) names.push_back(path);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  for (const std::string& path : names) {
    std::ifstream in(path, std::ios::binary);
    out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

}  // namespace vto::harness

#endif  // VTO_UNITTESTS_HARNESS_SEED_CORPUS_H
