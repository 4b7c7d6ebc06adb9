// options.h — the harness's options: a plain struct built from flags.def, parsed once by
// the driver (a fuzz target's LLVMFuzzerInitialize, a test, ci scripts) and passed as
// `const Options&` everywhere else. No globals.
#ifndef VTO_HARNESS_OPTIONS_H
#define VTO_HARNESS_OPTIONS_H

#include <string>
#include <vector>

namespace vto::harness {

struct Options {
#define VTO_FLAG(type, name, def, lo, hi, help) VTO_FLAG_TYPE_##type name = def;
#define VTO_FLAG_TYPE_int int
#define VTO_FLAG_TYPE_string std::string
#include "harness/flags.def"
#undef VTO_FLAG
#undef VTO_FLAG_TYPE_int
#undef VTO_FLAG_TYPE_string
};

// Applies VTO_<NAME> environment variables, then every "--vto-<name>=<value>" argument;
// other arguments are left alone. Returns false with *error naming the bad argument
// (unknown --vto- flag, a value that is not a number, a number outside the flag's range in
// flags.def).
[[nodiscard]] bool ParseOptions(const std::vector<std::string>& args, Options* out, std::string* error);
// The --vto-help text: every flag with its default and help.
[[nodiscard]] std::string OptionsHelp();

}  // namespace vto::harness

#endif  // VTO_HARNESS_OPTIONS_H
