# Sanitizers.cmake — the one place where sanitizer, fuzzer and coverage flags are chosen.
#
# Input (cache variables set by CMakePresets.json):
#   VTO_SANITIZE   '' | 'address;undefined' | 'thread'
#   VTO_FUZZ       ON adds -fsanitize=fuzzer-no-link to all code (targets link -fsanitize=fuzzer)
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

if(VTO_FUZZ)
  list(APPEND _vto_san_flags -fsanitize=fuzzer-no-link)
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
