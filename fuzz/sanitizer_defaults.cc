// sanitizer_defaults.cc — the sanitizer runtime options of sanitizers/*.options, compiled into
// every fuzz and replay binary as the runtimes' defaults, so an installed binary (cmake/
// Install.cmake) runs with them without the source tree. ASAN_OPTIONS, UBSAN_OPTIONS and
// TSAN_OPTIONS in the environment still win, option by option (the runtimes parse these
// defaults first). The strings are set by fuzz/CMakeLists.txt from sanitizers/Sanitizers.cmake;
// in a build without the sanitizer nothing calls them.
#define VTO_DEFAULT_OPTIONS(fn, value) \
  extern "C" __attribute__((visibility("default"), used)) const char* fn() { return value; }

VTO_DEFAULT_OPTIONS(__asan_default_options, VTO_DEFAULT_ASAN)
VTO_DEFAULT_OPTIONS(__ubsan_default_options, VTO_DEFAULT_UBSAN)
VTO_DEFAULT_OPTIONS(__tsan_default_options, VTO_DEFAULT_TSAN)
