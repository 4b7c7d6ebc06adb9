// stats.cc — the vto-stats text (stats.h), derived from stats.def.
#include "harness/stats.h"

#include <cstdio>

namespace vto::harness {
namespace {

void Field(std::string& out, const char* name, uint64_t value) {
  out += ' ';
  out += name;
  out += '=';
  out += std::to_string(value);
}

// num/den in percent with one decimal.
void Share(std::string& out, const char* name, uint64_t num, uint64_t den) {
  char buf[64];
  std::snprintf(buf, sizeof buf, " %s=%.1f", name, den == 0 ? 0.0 : 100.0 * static_cast<double>(num) / static_cast<double>(den));
  out += buf;
}

template <typename Stats>
void Shares(std::string& out, const Stats& s) {
  Share(out, "multi_vptr_inputs_pct", s.inputs_multi_vptr, s.inputs);
  Share(out, "multi_vptr_installs_pct", s.on_multi_vptr, s.overlays);
}

}  // namespace

std::string StatsText(const DispatchStats& s) {
  std::string out;
#define VTO_DISPATCH_STAT(name, help) Field(out, #name, s.name);
#include "harness/stats.def"
  Shares(out, s);
  return out;
}

std::string StatsText(const LifecycleStats& s) {
  std::string out;
#define VTO_LIFECYCLE_STAT(name, help) Field(out, #name, s.name);
#include "harness/stats.def"
  Shares(out, s);
  return out;
}

std::string StatsText(const RaceStats& s) {
  std::string out;
#define VTO_RACE_STAT(name, help) Field(out, #name, s.name);
#include "harness/stats.def"
  Shares(out, s);
  return out;
}

}  // namespace vto::harness
