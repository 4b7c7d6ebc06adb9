// fuzz_throughput_main.cc — exec/s of one fuzz target over a fixed seed corpus, as a
// Google Benchmark. Linked with fuzz/<t>.cc into <t>_throughput (bench/CMakeLists.txt), so
// it runs the target's real LLVMFuzzerInitialize / LLVMFuzzerTestOneInput, without
// libFuzzer and without mutation.
//
//   <t>_throughput --corpus=DIR [--benchmark_*...] [--vto-*...]
//
// First every corpus file runs once, untimed (the warm-up: JIT of every hierarchy the
// corpus needs); its wall time is reported as the counter warmup_s. Then BM_Exec/<t> runs
// the corpus files round-robin, one input per iteration, for --benchmark_min_time seconds:
// items_per_second is the steady-state exec/s (all hierarchies cached). Exit status: 0 ran,
// 2 usage error or unreadable corpus (ERROR: <t>_throughput: ...); an oracle failure
// aborts, as in the fuzzer.
#include <benchmark/benchmark.h>
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::string g_tool = "fuzz_throughput";

[[noreturn]] void Usage(const std::string& what) {
  std::fprintf(stderr, "ERROR: %s: %s\nusage: %s --corpus=DIR [--benchmark_*...] [--vto-*...]\n", g_tool.c_str(),
               what.c_str(), g_tool.c_str());
  std::exit(2);
}

// Every regular file directly in `dir`, sorted by name (the corpus layout is flat).
std::vector<std::vector<uint8_t>> ReadCorpus(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) Usage("cannot open corpus directory '" + dir + "'");
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    const std::string path = dir + "/" + e->d_name;
    struct stat st;
    // Only regular files: a subdirectory (e.g. corpus/fuzz_lifecycle/regress/) would read as
    // an empty input.
    if (stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) names.push_back(path);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  std::vector<std::vector<uint8_t>> inputs;
  for (const std::string& name : names) {
    std::ifstream in(name, std::ios::binary);
    if (!in) Usage("cannot read corpus file '" + name + "'");
    inputs.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  if (inputs.empty()) Usage("corpus directory '" + dir + "' holds no inputs");
  return inputs;
}

}  // namespace

int main(int argc, char** argv) {
  std::string self = argv[0];
  g_tool = self.substr(self.find_last_of('/') + 1);
  benchmark::Initialize(&argc, argv);  // removes --benchmark_* flags
  std::string corpus;
  std::vector<char*> rest;  // what the target sees: argv[0] and the --vto-* flags
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--corpus=", 0) == 0) {
      corpus = a.substr(9);
    } else if (i == 0 || a.rfind("--vto-", 0) == 0) {
      rest.push_back(argv[i]);
    } else {
      Usage("unknown argument '" + a + "'");
    }
  }
  if (corpus.empty()) Usage("--corpus=DIR is required");
  int target_argc = static_cast<int>(rest.size());
  rest.push_back(nullptr);
  char** target_argv = rest.data();
  LLVMFuzzerInitialize(&target_argc, &target_argv);

  const std::vector<std::vector<uint8_t>> inputs = ReadCorpus(corpus);
  auto start = std::chrono::steady_clock::now();
  for (const auto& in : inputs) LLVMFuzzerTestOneInput(in.data(), in.size());
  const double warmup_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::string target = g_tool.substr(0, g_tool.rfind("_throughput"));
  benchmark::RegisterBenchmark(("BM_Exec/" + target).c_str(), [&inputs, warmup_s](benchmark::State& state) {
    size_t next = 0;
    for (auto _ : state) {
      const std::vector<uint8_t>& in = inputs[next];
      LLVMFuzzerTestOneInput(in.data(), in.size());
      next = next + 1 == inputs.size() ? 0 : next + 1;
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["warmup_s"] = warmup_s;
    state.counters["corpus_inputs"] = static_cast<double>(inputs.size());
  })->Unit(benchmark::kMicrosecond);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
