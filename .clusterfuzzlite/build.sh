#!/bin/bash -eu
# .clusterfuzzlite/build.sh — the OSS-Fuzz / ClusterFuzzLite build of the fuzz targets.
#
#   CC=... CXX=... CFLAGS=... CXXFLAGS=... LIB_FUZZING_ENGINE=... SRC=... OUT=... [WORK=...]
#   bash build.sh
#
# Honours the OSS-Fuzz build environment: $CC $CXX $CFLAGS $CXXFLAGS (sanitizer and
# engine instrumentation), $LIB_FUZZING_ENGINE (linked into every target), $SRC (the
# source tree is $SRC/vtoverlay, or $VTO_SOURCE_DIR), $OUT (the results), $WORK (the build
# directory, kept between runs: $WORK/vtoverlay-build; default $SRC/vtoverlay-build).
#
# For every target of fuzz/CMakeLists.txt (VTO_FUZZ_TARGETS; the ThreadSanitizer-only race
# target is skipped: OSS-Fuzz has no TSan build) it writes to $OUT:
#   <t>                     the fuzz target
#   <t>_seed_corpus.zip     every file of corpus/<t>/ (regress/ included), if it exists
#   <t>.options             libFuzzer and sanitizer options (timeout, RSS limit, and the
#                           campaign ASan options of sanitizers/asan.fuzz.options)
# No <t>.dict: the inputs are a hierarchy selector and a byte stream of decisions, without
# tokens a dictionary could hold.
#
# Self-contained $OUT: the targets link the shared LLVM/clang-cpp 22 libraries (they JIT
# C++). Those and every other non-glibc library they need are copied to $OUT/lib, and the
# targets are linked with RPATH $ORIGIN/lib (DT_RPATH, so the libraries' own dependencies
# resolve there too). The JIT'd code is compiled at run time against headers: every header
# the generated hierarchies include, and everything those include in turn (clang -M), and
# clang 22's resource files are copied under their absolute paths into
# $OUT/vto-jit-sysroot, which the interpreter uses when it finds it next to the executable
# (lib/interp/interpreter.h; docs/FUZZING.md, "OSS-Fuzz / ClusterFuzzLite").
#
# Exit status: 0 built; non-zero on the first failing step (bash -e), with a message.
set -eu  # also when run as `bash build.sh` (the #! line's flags then do not apply)
src=${VTO_SOURCE_DIR:-$SRC/vtoverlay}
[ -f "$src/fuzz/CMakeLists.txt" ] || { echo "ERROR: build.sh: no vtoverlay source tree at $src" >&2; exit 2; }
for v in CC CXX LIB_FUZZING_ENGINE OUT; do
  [ -n "${!v:-}" ] || { echo "ERROR: build.sh: \$$v is not set" >&2; exit 2; }
done
build=${WORK:-$SRC}/vtoverlay-build
mkdir -p "$OUT/lib" "$build"

targets=$(sed -n 's/^set(VTO_FUZZ_TARGETS \(.*\))/\1/p' "$src/fuzz/CMakeLists.txt")
tsan_only=$(sed -n 's/^set(VTO_FUZZ_TSAN_ONLY_TARGETS \(.*\))/\1/p' "$src/fuzz/CMakeLists.txt")
build_targets=()
for t in $targets; do
  case " $tsan_only " in *" $t "*) echo "build.sh: skipping $t (ThreadSanitizer only)"; continue ;; esac
  build_targets+=("$t")
done

# VTO_SANITIZE stays empty: the sanitizers come from $CXXFLAGS, and Sanitizers.cmake gives
# JIT'd code the same -fsanitize lists.
cmake -S "$src" -B "$build" -G Ninja \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="${CFLAGS:-}" -DCMAKE_CXX_FLAGS="${CXXFLAGS:-}" \
  -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_SKIP_BUILD_RPATH=ON \
  -DCMAKE_EXE_LINKER_FLAGS='-Wl,--disable-new-dtags -Wl,-rpath,\$ORIGIN/lib' \
  -DVTO_BUILD_TESTS=OFF -DVTO_FUZZ=ON -DVTO_SANITIZE= \
  -DVTO_FUZZ_ENGINE="$LIB_FUZZING_ENGINE"
# (the backslash keeps $ORIGIN literal through the shell ninja runs the linker with)
cmake --build "$build" --target "${build_targets[@]}" -j "$(nproc)"

# The JIT's sysroot (see above). clang++-22 is the compiler the interpreter embeds, so its
# driver finds the same headers the interpreter would.
clang22=$(command -v clang++-22 || echo /usr/lib/llvm-22/bin/clang++)
resource=$("$clang22" -print-resource-dir)
sysroot="$OUT/vto-jit-sysroot"
rm -rf "$sysroot"
probe="$build/jit-headers-probe.cc"
{
  # what lib/gen emits (and a margin of headers generated code may reasonably use)
  grep -ho '#include <[a-z_]*>' "$src"/lib/gen/*.cc | sort -u
  printf '#include <%s>\n' atomic exception functional mutex stdexcept thread
} >"$probe"
"$clang22" -std=c++17 -M -MT probe "$probe" | tr ' \\' '\n\n' | grep '^/' | grep -v "^$probe$" | sort -u |
  while read -r header; do
    header=$(realpath -s -m "$header")  # /usr/bin/../lib/gcc/... -> /usr/lib/gcc/...
    mkdir -p "$sysroot$(dirname "$header")"
    cp -L "$header" "$sysroot$header"
  done
mkdir -p "$sysroot$resource"
cp -rL "$resource/include" "$sysroot$resource/"
[ -d "$resource/share" ] && cp -rL "$resource/share" "$sysroot$resource/"
# clang's driver accepts a GCC installation (and so adds libstdc++'s include directories)
# only where it finds its crtbegin.o.
crt=$("$clang22" -print-file-name=crtbegin.o)
mkdir -p "$sysroot$(dirname "$crt")" && cp -L "$crt" "$sysroot$crt"
echo "build.sh: $sysroot ($(find "$sysroot" -type f | wc -l) files, $(du -sh "$sysroot" | cut -f1))"

options_section() {  # file: its non-comment lines as "key = value"
  grep -v '^#' "$1" | grep -v '^$' | sed 's/=/ = /'
}
for t in "${build_targets[@]}"; do
  cp "$build/fuzz/$t" "$OUT/$t"
  rm -f "$OUT/${t}_seed_corpus.zip"
  if [ -d "$src/corpus/$t" ]; then
    (cd "$src/corpus/$t" && find . -type f | sed "s|^\./||" | sort | zip -q -X "$OUT/${t}_seed_corpus.zip" -@)
  else
    echo "build.sh: $t has no corpus/$t/; no seed corpus"
  fi
  {
    echo "[libfuzzer]"
    echo "timeout = 60"
    echo "rss_limit_mb = 2560"
    echo "[asan]"
    options_section "$src/sanitizers/asan.fuzz.options"
    echo "[ubsan]"
    options_section "$src/sanitizers/ubsan.options"
  } >"$OUT/$t.options"
  # Shared libraries next to the target, except glibc's own (always in the runner).
  ldd "$OUT/$t" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | while read -r lib; do
    case "$lib" in "$OUT/lib/"*) continue ;; esac  # found through RPATH: copied for an earlier target
    case "$(basename "$lib")" in
      libc.so*|libm.so*|libdl.so*|librt.so*|libpthread.so*|libresolv.so*|ld-linux*) continue ;;
    esac
    cp -L -u "$lib" "$OUT/lib/"
  done
  echo "build.sh: $OUT/$t ($( [ -f "$OUT/${t}_seed_corpus.zip" ] && unzip -Z1 "$OUT/${t}_seed_corpus.zip" | wc -l || echo 0) seeds)"
done
