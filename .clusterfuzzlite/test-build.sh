#!/usr/bin/env bash
# .clusterfuzzlite/test-build.sh — runs build.sh as OSS-Fuzz would and checks its $OUT.
#
#   .clusterfuzzlite/test-build.sh [--work DIR]
#
#   --work  build directory kept between runs, so a second run only relinks (default
#           build/ci-ossfuzz)
#
# Environment given to build.sh (OSS-Fuzz's libFuzzer + ASan build): CC=clang-22
# CXX=clang++-22 CFLAGS=CXXFLAGS="-fsanitize=address,fuzzer-no-link -O1 -g"
# LIB_FUZZING_ENGINE=-fsanitize=fuzzer SANITIZER=address SRC=<temporary dir with the source
# tree at vtoverlay> OUT=<SRC>/out. Then, for every target build.sh is expected to build:
# $OUT/<t> is executable with RPATH $ORIGIN/lib and every shared library it loads outside
# glibc comes from $OUT/lib; <t>.options exists; <t>_seed_corpus.zip holds every file of
# corpus/<t>/; and <t> run from $OUT on the unzipped seed corpus (-runs=0, with the options
# file's [libfuzzer] flags, e.g. its timeout, and [asan] options) executes every seed and
# exits 0 — as root inside a private mount namespace where /usr/include, /usr/lib/gcc and
# clang's resource directory are empty, so the JIT compiles from $OUT/vto-jit-sysroot alone.
#
# Exit status: 0 every check passed; 1 a check failed; 2 build.sh failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work="$root/build/ci-ossfuzz"
while [ $# -gt 0 ]; do
  case "$1" in
    --work) work="${2:?--work needs a value}"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "ERROR: test-build.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
mkdir -p "$work"
# $SRC at a fixed place under the work directory: CMake's cache in $WORK remembers the
# source path, so a new temporary $SRC per run would make the second run fail.
src="$work/src"
rm -rf "$src"
mkdir -p "$src"
trap 'rm -rf "$src"' EXIT
ln -s "$root" "$src/vtoverlay"
start=$SECONDS
echo "=== test-build.sh: build.sh (SRC=$src OUT=$src/out WORK=$work)"
env CC=clang-22 CXX=clang++-22 \
  CFLAGS="-fsanitize=address,fuzzer-no-link -O1 -g" CXXFLAGS="-fsanitize=address,fuzzer-no-link -O1 -g" \
  LIB_FUZZING_ENGINE=-fsanitize=fuzzer SANITIZER=address FUZZING_ENGINE=libfuzzer ARCHITECTURE=x86_64 \
  SRC="$src" OUT="$src/out" WORK="$work" \
  bash "$root/.clusterfuzzlite/build.sh" >"$work/build.sh.log" 2>&1
code=$?
build_s=$((SECONDS - start))
if [ "$code" != 0 ]; then tail -40 "$work/build.sh.log"; echo "ERROR: test-build.sh: build.sh failed (exit $code) after ${build_s} s" >&2; exit 2; fi
echo "build.sh: ${build_s} s"

out="$src/out" fail=0
# Run the targets with the system's headers hidden when a private mount namespace is
# available (root); otherwise say the self-containment of the JIT headers was not checked.
empty="$src/empty"; mkdir -p "$empty"
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
  hide=1 hide_note=" with /usr/include, /usr/lib/gcc and clang's resource dir hidden"
else
  hide=0 hide_note=" (system headers visible: no mount namespace without root)"
fi
check() { if eval "$2"; then echo "  ok    $1"; else echo "  FAIL  $1"; fail=1; fi; }
check "\$OUT/vto-jit-sysroot holds the JIT's headers" "[ -f '$out/vto-jit-sysroot/usr/include/stdint.h' ]"
targets=$(sed -n 's/^set(VTO_FUZZ_TARGETS \(.*\))/\1/p' fuzz/CMakeLists.txt)
tsan_only=$(sed -n 's/^set(VTO_FUZZ_TSAN_ONLY_TARGETS \(.*\))/\1/p' fuzz/CMakeLists.txt)
for t in $targets; do
  case " $tsan_only " in *" $t "*) check "$t is not built (ThreadSanitizer only)" "[ ! -e '$out/$t' ]"; continue ;; esac
  check "$t is executable" "[ -x '$out/$t' ]"
  check "$t has RPATH \$ORIGIN/lib" "readelf -d '$out/$t' | grep -q 'RPATH.*\\\$ORIGIN/lib'"
  foreign=$(ldd "$out/$t" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' \
    | grep -v "^$out/lib/" | grep -Ev '/(libc|libm|libdl|librt|libpthread|libresolv)\.so' || true)
  check "$t loads every non-glibc library from \$OUT/lib${foreign:+ (not: $(echo $foreign))}" "[ -z '$foreign' ]"
  check "$t.options exists" "grep -q '^\[libfuzzer\]' '$out/$t.options'"
  seeds="$src/seeds-$t"; mkdir -p "$seeds"
  if [ -d "corpus/$t" ]; then
    n_corpus=$(find "corpus/$t" -type f | wc -l)
    n_zip=$(unzip -Z1 "$out/${t}_seed_corpus.zip" 2>/dev/null | wc -l)
    check "${t}_seed_corpus.zip holds all $n_corpus corpus files (has $n_zip)" "[ '$n_zip' -eq '$n_corpus' ] && [ '$n_zip' -gt 0 ]"
    unzip -q "$out/${t}_seed_corpus.zip" -d "$seeds"
  else
    n_zip=0
    check "$t has no corpus/$t/, so no seed zip" "[ ! -e '$out/${t}_seed_corpus.zip' ]"
  fi
  # As OSS-Fuzz runs it: [libfuzzer] options as flags, [asan] as ASAN_OPTIONS.
  section() { sed -n "/^\[$1\]/,/^\[/p" "$out/$t.options" | grep ' = ' | sed 's/ = /=/'; }
  asan=$(section asan | paste -sd:)
  mapfile -t flags < <(section libfuzzer | sed 's/^/-/')
  run_start=$SECONDS
  if [ "$hide" = 1 ]; then
    # The build machine's headers hidden (a private mount namespace): the JIT must compile
    # from $OUT/vto-jit-sysroot alone, as on a runner without them.
    unshare -m bash -c 'empty=$1 out=$2 t=$3 asan=$4; shift 4
      for d in /usr/include /usr/lib/gcc "$(clang++-22 -print-resource-dir)"; do
        [ -d "$d" ] && mount --bind "$empty" "$d"
      done
      cd "$out" && exec env -u LD_LIBRARY_PATH -u VTO_JIT_SYSROOT ASAN_OPTIONS="$asan" "./$t" "$@"' \
      _ "$empty" "$out" "$t" "$asan" "${flags[@]}" -runs=0 "$seeds" >"$work/$t.run.log" 2>&1
  else
    (cd "$out" && env -u LD_LIBRARY_PATH -u VTO_JIT_SYSROOT ASAN_OPTIONS="$asan" "./$t" "${flags[@]}" -runs=0 "$seeds") \
      >"$work/$t.run.log" 2>&1
  fi
  rc=$?
  check "$t runs its seed corpus from \$OUT${hide_note}: exit $rc in $((SECONDS - run_start)) s" "[ $rc -eq 0 ]"
  if [ "$n_zip" -gt 0 ]; then
    check "$t executed all $n_zip seeds" "grep -q 'INFO: seed corpus: files: $n_zip ' '$work/$t.run.log' && grep -q 'INITED' '$work/$t.run.log'"
  else
    check "$t started (empty corpus)" "grep -q 'INITED' '$work/$t.run.log'"
  fi
done
echo "test-build.sh: $([ $fail = 0 ] && echo passed || echo FAILED) in $((SECONDS - start)) s (build.sh ${build_s} s; logs in $work)"
exit $fail
