// stats.cc — the vto-stats text (stats.h), derived from stats.def.
#include "harness/stats.h"

namespace vto::harness {
namespace {

void Field(std::string& out, const char* name, uint64_t value) {
  out += ' ';
  out += name;
  out += '=';
  out += std::to_string(value);
}

}  // namespace

std::string StatsText(const DispatchStats& s) {
  std::string out;
#define VTO_DISPATCH_STAT(name, help) Field(out, #name, s.name);
#include "harness/stats.def"
  return out;
}

std::string StatsText(const LifecycleStats& s) {
  std::string out;
#define VTO_LIFECYCLE_STAT(name, help) Field(out, #name, s.name);
#include "harness/stats.def"
  return out;
}

std::string StatsText(const RaceStats& s) {
  std::string out;
#define VTO_RACE_STAT(name, help) Field(out, #name, s.name);
#include "harness/stats.def"
  return out;
}

}  // namespace vto::harness
