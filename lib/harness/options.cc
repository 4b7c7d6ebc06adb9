// options.cc — parsing flags.def flags from the environment and the command line.
#include "harness/options.h"

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>

namespace vto::harness {
namespace {

bool SetInt(const std::string& name, const std::string& value, int lo, int hi, int* out, std::string* error) {
  errno = 0;
  char* end = nullptr;
  long v = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || errno != 0 || v < lo || v > hi) {
    *error = "flag --vto-" + name + ": '" + value + "' is not a number in [" + std::to_string(lo) + ", " +
             std::to_string(hi) + "]";
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

bool SetString(const std::string&, const std::string& value, int, int, std::string* out, std::string*) {
  *out = value;
  return true;
}

bool Set(Options* o, const std::string& name, const std::string& value, std::string* error) {
#define VTO_FLAG(type, flag, def, lo, hi, help) \
  if (name == #flag) return VTO_SET_##type(name, value, lo, hi, &o->flag, error);
#define VTO_SET_int SetInt
#define VTO_SET_string SetString
#include "harness/flags.def"
#undef VTO_FLAG
#undef VTO_SET_int
#undef VTO_SET_string
  *error = "unknown flag --vto-" + name + " (see --vto-help=1)";
  return false;
}

// " in [lo, hi]" for an int flag, "" for a string.
std::string Range(const std::string& type, int lo, int hi) {
  if (type != "int") return "";
  return ", in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
}

std::string EnvName(const std::string& flag) {
  std::string env = "VTO_";
  for (char c : flag) env += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return env;
}

}  // namespace

bool ParseOptions(const std::vector<std::string>& args, Options* out, std::string* error) {
  static const char* const kNames[] = {
#define VTO_FLAG(type, name, def, lo, hi, help) #name,
#include "harness/flags.def"
#undef VTO_FLAG
  };
  for (const char* name : kNames) {
    if (const char* v = std::getenv(EnvName(name).c_str()); v != nullptr) {
      if (!Set(out, name, v, error)) {
        *error = "environment " + EnvName(name) + ": " + *error;
        return false;
      }
    }
  }
  const std::string prefix = "--vto-";
  for (const std::string& arg : args) {
    if (arg.compare(0, prefix.size(), prefix) != 0) continue;
    size_t eq = arg.find('=');
    std::string name = arg.substr(prefix.size(), eq == std::string::npos ? std::string::npos : eq - prefix.size());
    for (char& c : name) c = c == '-' ? '_' : c;
    if (name == "help") continue;
    if (eq == std::string::npos) {
      *error = "flag " + arg + " needs a value (--vto-" + name + "=...)";
      return false;
    }
    if (!Set(out, name, arg.substr(eq + 1), error)) return false;
  }
  return true;
}

std::string OptionsHelp() {
  std::string text = "harness flags (--vto-<name>=<value>, or environment VTO_<NAME>):\n";
#define VTO_FLAG(type, name, def, lo, hi, help) \
  text += std::string("  --vto-") + #name + " (" #type ", default " #def + Range(#type, lo, hi) + "): " + help + "\n";
#include "harness/flags.def"
#undef VTO_FLAG
  return text;
}

}  // namespace vto::harness
