// finding.cc — keep-going findings (finding.h).
#include "harness/finding.h"

#include <atomic>
#include <cctype>
#include <cstdio>
#include <exception>
#include <map>
#include <mutex>
#include <unistd.h>
#include <vector>

extern "C" void __sanitizer_print_stack_trace() __attribute__((weak));

namespace vto::harness {
namespace {

struct Config {
  int max_findings = 0;
  int max_rss_mb = 0;
  std::string prefix = "./";
};
Config* g_config = new Config;  // process lifetime; read by every Fail()

thread_local FindingScope::Input* t_input = nullptr;
thread_local int t_no_unwind = 0;

std::atomic<uint64_t> g_findings{0}, g_saved{0};
std::mutex g_kinds_mu;
std::map<std::string, int>* g_kinds = new std::map<std::string, int>;  // saved inputs per kind

uint32_t Rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

bool IsValueWord(const std::string& w) {
  if (w.empty()) return false;
  if (w.size() > 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X')) return true;
  size_t i = (w[0] == 'h' || w[0] == 'C' || w[0] == 'm') && w.size() > 1 ? 1 : 0;
  for (; i < w.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(w[i]))) return false;
  }
  return true;
}

long ResidentMb() {
  long pages = 0, resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
  std::fclose(f);
  return resident * (sysconf(_SC_PAGESIZE) / 1024) / 1024;
}

bool WriteFile(const std::string& path, const uint8_t* data, size_t size) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(data, 1, size, f) == size;
  return std::fclose(f) == 0 && ok;
}

}  // namespace

void EnableKeepGoing(int max_findings, std::string artifact_prefix, int max_rss_mb) {
  g_config->max_findings = max_findings;
  g_config->max_rss_mb = max_rss_mb;
  g_config->prefix = artifact_prefix.empty() ? "./" : std::move(artifact_prefix);
}

FindingScope::FindingScope(const uint8_t* data, size_t size) : input_{data, size} { t_input = &input_; }
FindingScope::~FindingScope() { t_input = nullptr; }

bool UnwindingFinding() { return t_input != nullptr && t_input->unwinding; }

NoUnwindScope::NoUnwindScope() { ++t_no_unwind; }
NoUnwindScope::~NoUnwindScope() { --t_no_unwind; }

void KeepAfterFinding(std::shared_ptr<void> scenario) {
  static auto* mu = new std::mutex;
  static auto* kept = new std::vector<std::shared_ptr<void>>;  // process lifetime, reachable
  std::lock_guard<std::mutex> l(*mu);
  kept->push_back(std::move(scenario));
}

FindingStats KeptFindings() { return {g_findings.load(), g_saved.load()}; }

std::string FindingKind(const std::string& message) {
  const std::string line = message.substr(0, message.find('\n'));
  std::string out, word;
  auto flush = [&] {
    out += IsValueWord(word) ? "#" : word;
    word.clear();
  };
  for (char c : line) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      word += c;
    } else {
      flush();
      out += c;
    }
  }
  flush();
  return out;
}

std::string Sha1Hex(const uint8_t* data, size_t size) {
  uint32_t h[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
  std::vector<uint8_t> m(data, data + size);
  const uint64_t bits = static_cast<uint64_t>(size) * 8;
  m.push_back(0x80);
  while (m.size() % 64 != 56) m.push_back(0);
  for (int i = 7; i >= 0; --i) m.push_back(static_cast<uint8_t>(bits >> (8 * i)));
  for (size_t block = 0; block < m.size(); block += 64) {
    uint32_t w[80];
    for (int t = 0; t < 16; ++t) {
      const uint8_t* p = &m[block + 4 * static_cast<size_t>(t)];
      w[t] = uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
    }
    for (int t = 16; t < 80; ++t) w[t] = Rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int t = 0; t < 80; ++t) {
      uint32_t f, k;
      if (t < 20) {
        f = (b & c) | (~b & d), k = 0x5A827999u;
      } else if (t < 40) {
        f = b ^ c ^ d, k = 0x6ED9EBA1u;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDCu;
      } else {
        f = b ^ c ^ d, k = 0xCA62C1D6u;
      }
      const uint32_t tmp = Rotl(a, 5) + f + e + k + w[t];
      e = d, d = c, c = Rotl(b, 30), b = a, a = tmp;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
  }
  char out[41];
  for (int i = 0; i < 5; ++i) std::snprintf(out + 8 * i, 9, "%08x", h[i]);
  return std::string(out, 40);
}

FindingAction DecideFinding(const std::string& message) {
  FindingScope::Input* in = t_input;
  if (g_config->max_findings == 0 || in == nullptr || in->failed || t_no_unwind > 0 ||
      std::uncaught_exceptions() > 0) {
    return FindingAction::kAbort;
  }
  if (g_findings.load() >= static_cast<uint64_t>(g_config->max_findings)) {
    std::fprintf(stderr, "VTO FINDING: %d findings recorded, the limit of --vto-keep_going: this one ends the run\n",
                 g_config->max_findings);
    return FindingAction::kAbort;
  }
  if (g_config->max_rss_mb > 0) {
    const long mb = ResidentMb();
    if (mb > g_config->max_rss_mb) {
      std::fprintf(stderr, "VTO FINDING: the process holds %ld MB, past --vto-keep_going_mb=%d: this one ends the run\n",
                   mb, g_config->max_rss_mb);
      return FindingAction::kAbort;
    }
  }
  in->failed = true;
  in->unwinding = true;  // Fail() throws from here on, whether it saves or counts
  ++g_findings;
  std::lock_guard<std::mutex> l(g_kinds_mu);
  int& n = (*g_kinds)[FindingKind(message)];
  if (n >= kSavedPerKind || g_saved.load() >= static_cast<uint64_t>(kMaxSaved)) return FindingAction::kCount;
  ++n;
  return FindingAction::kSave;
}

bool SaveFinding() {
  FindingScope::Input* in = t_input;
  if (in == nullptr) return false;
  if (__sanitizer_print_stack_trace != nullptr) __sanitizer_print_stack_trace();
  const std::string path = g_config->prefix + "crash-" + Sha1Hex(in->data, in->size);
  if (!WriteFile(path, in->data, in->size)) {
    std::fprintf(stderr, "VTO FINDING: cannot write %s; this finding ends the run\n", path.c_str());
    return false;
  }
  ++g_saved;
  std::fprintf(stderr, "VTO FINDING: Test unit written to %s\n", path.c_str());
  std::fflush(stderr);
  return true;
}

}  // namespace vto::harness
