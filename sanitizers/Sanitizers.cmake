# Sanitizers.cmake — the one place where sanitizer, fuzzer and coverage flags are chosen.
#
# Input (cache variables set by CMakePresets.json):
#   VTO_SANITIZE   '' | 'address;undefined' | 'undefined' | 'thread'
#                  (or '' with -fsanitize=... in CMAKE_CXX_FLAGS, as OSS-Fuzz builds do)
#   VTO_FUZZ       ON adds -fsanitize=fuzzer-no-link to all code (targets link VTO_FUZZ_ENGINE),
#                  except what coverage_ignorelist.txt leaves out
#   VTO_FUZZ_ENGINE  what fuzz targets link: '-fsanitize=fuzzer' or OSS-Fuzz's $LIB_FUZZING_ENGINE
#   VTO_COVERAGE   ON adds clang source-based coverage
# Output:
#   global compile/link options for every target, and
#   VTO_JIT_SANITIZE_ARGS — the matching arguments the interpreter passes to clang when it
#   compiles code at run time, so JIT'd code is instrumented with the same sanitizer as the host.

set(VTO_JIT_SANITIZE_ARGS "")
set(_vto_san_flags "")

if(VTO_SANITIZE)
  list(SORT VTO_SANITIZE)
  string(REPLACE ";" "," _vto_san_list "${VTO_SANITIZE}")
  if("thread" IN_LIST VTO_SANITIZE AND "address" IN_LIST VTO_SANITIZE)
    message(FATAL_ERROR "VTO_SANITIZE: thread and address cannot be combined")
  endif()
  set(_vto_san_flags -fsanitize=${_vto_san_list} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  if("undefined" IN_LIST VTO_SANITIZE)
    # UBSan's -fsanitize=vptr needs RTTI (on by default); function checks need matching
    # type hashes across JIT and host, which the JIT cannot guarantee for extern "C" stubs.
    list(APPEND _vto_san_flags -fno-sanitize=function)
  endif()
  set(VTO_JIT_SANITIZE_ARGS ${_vto_san_flags})
endif()

# What the fuzz targets link as their engine: libFuzzer by default; OSS-Fuzz and
# ClusterFuzzLite pass $LIB_FUZZING_ENGINE (.clusterfuzzlite/build.sh).
set(VTO_FUZZ_ENGINE "-fsanitize=fuzzer" CACHE STRING "Fuzzing engine the fuzz targets link (flags or a library path)")
separate_arguments(VTO_FUZZ_ENGINE UNIX_COMMAND "${VTO_FUZZ_ENGINE}")
# Sanitizers chosen by the caller's CMAKE_CXX_FLAGS instead of VTO_SANITIZE (OSS-Fuzz and
# ClusterFuzzLite pass them in $CXXFLAGS): JIT'd code gets the same -fsanitize lists (the
# fuzzer instrumentation left out: it needs libFuzzer's callbacks, not a sanitizer runtime).
if(NOT VTO_SANITIZE AND CMAKE_CXX_FLAGS MATCHES "-f(no-)?sanitize")
  separate_arguments(_vto_cxx_flags UNIX_COMMAND "${CMAKE_CXX_FLAGS}")
  foreach(_f IN LISTS _vto_cxx_flags)
    if(_f MATCHES "^-fsanitize=(.*)$")
      string(REPLACE "," ";" _l "${CMAKE_MATCH_1}")
      list(FILTER _l EXCLUDE REGEX "^fuzzer")
      if(_l)
        string(REPLACE ";" "," _l "${_l}")
        list(APPEND VTO_JIT_SANITIZE_ARGS "-fsanitize=${_l}")
      endif()
    elseif(_f MATCHES "^-f(no-)?sanitize-recover=" OR _f MATCHES "^-fno-sanitize=")
      list(APPEND VTO_JIT_SANITIZE_ARGS "${_f}")
    endif()
  endforeach()
  if(VTO_JIT_SANITIZE_ARGS)
    list(APPEND VTO_JIT_SANITIZE_ARGS -fno-sanitize=function)  # see above: stubs' type hashes
  endif()
endif()

# libFuzzer's instrumentation for everything; another engine (OSS-Fuzz's AFL++,
# honggfuzz, ...) brings its own instrumentation flags in CMAKE_CXX_FLAGS.
if(VTO_FUZZ AND VTO_FUZZ_ENGINE STREQUAL "-fsanitize=fuzzer")
  list(APPEND _vto_san_flags -fsanitize=fuzzer-no-link)
endif()
# What the compile thread runs stays out of the coverage instrumentation, whichever engine
# instruments (coverage_ignorelist.txt says why). Compile options only: the linker has no use
# for it.
if(VTO_FUZZ)
  add_compile_options(-fsanitize-coverage-ignorelist=${CMAKE_CURRENT_LIST_DIR}/coverage_ignorelist.txt)
endif()

if(VTO_COVERAGE)
  list(APPEND _vto_san_flags -fprofile-instr-generate -fcoverage-mapping)
endif()

if(_vto_san_flags)
  add_compile_options(${_vto_san_flags})
  add_link_options(${_vto_san_flags})
endif()

message(STATUS "vtoverlay: host sanitizer flags: '${_vto_san_flags}'")
message(STATUS "vtoverlay: JIT sanitizer args:   '${VTO_JIT_SANITIZE_ARGS}'")

# Runtime options for tests: VTO_SANITIZER_ENV, a list of NAME=VALUE set on every ctest test.
function(_vto_options_string file out)
  file(STRINGS "${CMAKE_CURRENT_LIST_DIR}/${file}" _lines REGEX "^[^#]")
  string(REPLACE ";" ":" _joined "${_lines}")
  set(${out} "${_joined}" PARENT_SCOPE)
endfunction()
set(VTO_SANITIZER_ENV "")
_vto_options_string(asan.options _asan)
_vto_options_string(ubsan.options _ubsan)
_vto_options_string(tsan.options _tsan)
list(APPEND VTO_SANITIZER_ENV
  "ASAN_OPTIONS=${_asan}"
  "UBSAN_OPTIONS=${_ubsan}"
  "LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_LIST_DIR}/lsan.supp"
  "TSAN_OPTIONS=${_tsan}:suppressions=${CMAKE_CURRENT_LIST_DIR}/tsan.supp")

# The same options compiled into the fuzz and replay binaries as the runtimes' defaults
# (fuzz/sanitizer_defaults.cc): an installed binary has them without this tree. The
# environment still wins, option by option. Replay binaries: asan.options; libFuzzer
# binaries: asan.options + asan.fuzz.options, as ci/fuzz runs them.
_vto_options_string(asan.fuzz.options _asan_fuzz)
set(VTO_DEFAULT_ASAN_REPLAY "${_asan}")
set(VTO_DEFAULT_ASAN_FUZZ "${_asan}:${_asan_fuzz}")
set(VTO_DEFAULT_UBSAN "${_ubsan}")
set(VTO_DEFAULT_TSAN "${_tsan}")
