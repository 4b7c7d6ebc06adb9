// replay_main.cc — runs a fuzz target over files without libFuzzer, for corpus replay in
// every preset (ctest) and in users' own CI.
//
//   <target>_replay [--vto-flags...] [FILE_OR_DIR...]
//
// Directories are read recursively (files in sorted order). Without a path it replays the
// target's own corpus: the installed one (share/vtoverlay/corpus/<target>, found from the
// executable's directory, cmake/Install.cmake) or else the source tree's corpus/<target>.
// Prints one line per input with --vto-verbose=1 and a summary "replayed N inputs from M
// paths". Exit status: 0 every input passed; an oracle failure aborts (like the fuzzer) —
// with --vto-keep_going=N it is recorded (harness/finding.h), "replay: FAILED <file>" is
// printed, the replay goes on and exits 1; 2 when a path cannot be read.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "ERROR: replay: %s\n", what.c_str());
  std::exit(2);
}

void Collect(const std::string& path, std::vector<std::string>* files) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) Die("cannot read '" + path + "': " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) {
    files->push_back(path);
    return;
  }
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) Die("cannot open directory '" + path + "': " + std::strerror(errno));
  std::vector<std::string> entries;
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name == "." || name == ".." || name[0] == '.') continue;
    entries.push_back(path + "/" + name);
  }
  closedir(dir);
  std::sort(entries.begin(), entries.end());
  for (const std::string& e : entries) Collect(e, files);
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The target's corpus when no path is given (VTO_REPLAY_* are set by fuzz/CMakeLists.txt):
// <directory of this executable>/VTO_REPLAY_INSTALLED_CORPUS, else VTO_REPLAY_SOURCE_CORPUS.
std::string DefaultCorpus() {
  std::string exe(4096, '\0');
  const ssize_t n = readlink("/proc/self/exe", exe.data(), exe.size() - 1);
  std::string installed = "(executable not found)";
  if (n > 0) {
    exe.resize(static_cast<size_t>(n));
    installed = exe.substr(0, exe.rfind('/') + 1) + VTO_REPLAY_INSTALLED_CORPUS;
    if (IsDirectory(installed)) return installed;
  }
  if (IsDirectory(VTO_REPLAY_SOURCE_CORPUS)) return VTO_REPLAY_SOURCE_CORPUS;
  Die(std::string("no corpus file or directory given, and no corpus of " VTO_REPLAY_TARGET
                  " at the installed place (") + installed + ") or in the source tree (" VTO_REPLAY_SOURCE_CORPUS ")");
}

}  // namespace

int main(int argc, char** argv) {
  LLVMFuzzerInitialize(&argc, &argv);
  std::vector<std::string> files;
  int paths = 0;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--vto-verbose=1" || a == "--vto-verbose=2") verbose = true;
    if (a.rfind("-", 0) == 0) continue;  // flags
    Collect(a, &files);
    ++paths;
  }
  if (paths == 0) {
    const std::string corpus = DefaultCorpus();
    std::fprintf(stderr, "replay: no path given: replaying %s\n", corpus.c_str());
    Collect(corpus, &files);
    ++paths;
  }
  size_t failed = 0;  // inputs whose oracle failure was kept (--vto-keep_going)
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) Die("cannot read '" + f + "'");
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (verbose) std::fprintf(stderr, "replay: %s (%zu bytes)\n", f.c_str(), bytes.size());
    if (LLVMFuzzerTestOneInput(bytes.data(), bytes.size()) != 0) {
      std::fprintf(stderr, "replay: FAILED %s\n", f.c_str());
      ++failed;
    }
  }
  std::fprintf(stderr, "replayed %zu inputs from %d paths\n", files.size(), paths);
  if (failed > 0) {
    std::fprintf(stderr, "replay: %zu of %zu inputs failed\n", failed, files.size());
    return 1;
  }
  return 0;
}
