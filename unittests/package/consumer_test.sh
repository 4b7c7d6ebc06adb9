#!/usr/bin/env bash
# consumer_test.sh — the installed package as another project sees it (ctest label "package";
# docs/PACKAGING.md). One step per call, in the order ctest runs them (fixtures):
#
#   consumer_test.sh install    BUILD_DIR WORK   cmake --install BUILD_DIR into WORK/staging,
#                                                then moved to WORK/prefix (the package must be
#                                                relocatable)
#   consumer_test.sh cmake      SOURCE_DIR WORK  find_package(vtoverlay): consumer (shared) and
#                                                consumer_static built and run
#   consumer_test.sh pkgconfig  SOURCE_DIR WORK  c++ $(pkg-config --cflags --libs vtoverlay)
#   consumer_test.sh plugin     SOURCE_DIR WORK  lib/backend_minimal/minimal_backend.cc built as a
#                                                plug-in against the installed headers and
#                                                vtoverlay::interp only, then loaded by the
#                                                installed fuzz_dispatch_replay, which replays
#                                                its installed corpus (no path given)
#   consumer_test.sh overlay-only SOURCE_DIR WORK  the tree configured with VTO_BUILD_INTERP=OFF
#                                                (the overlay library alone, no LLVM), installed;
#                                                the consumer builds and runs against it, and
#                                                asking for the interp component fails saying why
#   consumer_test.sh deb        BUILD_DIR WORK   cpack -G DEB in BUILD_DIR, the .deb's metadata
#                                                checked, extracted with dpkg-deb -x into
#                                                WORK/deb-root, and the consumer built against it
#
# Exit status: 0 passed; 1 a step failed (its output says which); 2 bad arguments.
set -uo pipefail
step=${1:-} dir=${2:-} work=${3:-}
if [ -z "$step" ] || [ -z "$dir" ] || [ -z "$work" ]; then
  echo "usage: consumer_test.sh install|cmake|pkgconfig|plugin|overlay-only|deb DIR WORK" >&2; exit 2
fi
prefix="$work/prefix"
here=$(cd "$(dirname "$0")" && pwd)
cxx=${CXX:-clang++-22}
fail() { echo "consumer_test: FAILED: $*" >&2; exit 1; }
run() { echo "+ $*"; "$@" || fail "$* (exit $?)"; }

# The consumer project configured against ROOT (an install prefix), built, run.
build_consumer() {
  local root=$1 out=$2; shift 2
  rm -rf "$out"
  run cmake -S "$here/consumer" -B "$out" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$root" \
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF "$@"
  run cmake --build "$out"
}

case "$step" in
  install)
    rm -rf "$work/staging" "$prefix"
    mkdir -p "$work"
    run cmake --install "$dir" --prefix "$work/staging"
    run mv "$work/staging" "$prefix"
    for f in include/vtoverlay/overlay/overlay.h include/vtoverlay/backend/backend_abi.h \
             share/vtoverlay/corpus/fuzz_dispatch share/vtoverlay/ci/fuzz share/vtoverlay/sanitizers/asan.options \
             bin/fuzz_dispatch_replay; do
      [ -e "$prefix/$f" ] || fail "the install has no $f"
    done
    grep -rl -- "$dir\|$work/staging" "$prefix"/lib*/cmake "$prefix"/lib*/pkgconfig 2>/dev/null &&
      fail "a package file names the build or staging directory: not relocatable"
    echo "consumer_test: installed into $prefix ($(find "$prefix" -type f | wc -l) files)"
    ;;
  cmake)
    build_consumer "$prefix" "$work/cmake-build"
    run "$work/cmake-build/consumer"
    run "$work/cmake-build/consumer_static"
    ;;
  pkgconfig)
    command -v pkg-config >/dev/null || fail "pkg-config is not installed (ci/setup installs it)"
    pc=$(find "$prefix" -name vtoverlay.pc | head -1)
    [ -n "$pc" ] || fail "no vtoverlay.pc under $prefix"
    export PKG_CONFIG_PATH
    PKG_CONFIG_PATH=$(dirname "$pc")
    flags=$(pkg-config --cflags --libs vtoverlay) || fail "pkg-config --cflags --libs vtoverlay"
    echo "pkg-config: $flags"
    mkdir -p "$work/pc-build"
    # shellcheck disable=SC2086  # the flags are words
    run "$cxx" -std=c++17 "-DVTO_CONSUMER_HOW=\"pkg-config\"" "$here/consumer/main.cc" \
      $flags -o "$work/pc-build/consumer"
    LD_LIBRARY_PATH="$(pkg-config --variable=libdir vtoverlay)" run "$work/pc-build/consumer"
    ;;
  plugin)
    build_consumer "$prefix" "$work/plugin-build" -DVTO_CONSUMER_PLUGIN="$dir/lib/backend_minimal/minimal_backend.cc"
    so="$work/plugin-build/libplugin.so"
    [ -f "$so" ] || fail "the plug-in $so was not built"
    out=$("$prefix/bin/fuzz_dispatch_replay" --vto-backend="$so" 2>&1)
    rc=$?
    echo "$out" | tail -5
    [ $rc -eq 0 ] || fail "the installed fuzz_dispatch_replay with the consumer's plug-in exited $rc"
    echo "$out" | grep -q "replaying $prefix/bin/../share/vtoverlay/corpus/fuzz_dispatch" ||
      fail "the installed replay did not replay its installed corpus"
    echo "$out" | grep -q "vto-stats: target=fuzz_dispatch backend=minimal " ||
      fail "the replay's statistics do not name the consumer's plug-in (minimal) as its backend"
    ;;
  overlay-only)
    build="$work/overlay-only-build" root="$work/overlay-only-prefix"
    rm -rf "$build" "$root"
    run cmake -S "$dir" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="${CC:-clang-22}" \
      -DVTO_BUILD_INTERP=OFF -DVTO_BUILD_TESTS=OFF
    run cmake --build "$build"
    run cmake --install "$build" --prefix "$root"
    build_consumer "$root" "$work/overlay-only-consumer"
    run "$work/overlay-only-consumer/consumer"
    run "$work/overlay-only-consumer/consumer_static"
    rm -rf "$work/overlay-only-interp"
    if out=$(cmake -S "$here/consumer" -B "$work/overlay-only-interp" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
               -DCMAKE_PREFIX_PATH="$root" -DVTO_CONSUMER_PLUGIN="$dir/lib/backend_minimal/minimal_backend.cc" 2>&1); then
      fail "find_package(vtoverlay COMPONENTS interp) succeeded against a package built without the interpreter"
    fi
    echo "$out" | tr -s ' \n' ' ' | grep -q "component interp: this vtoverlay was built without the interpreter" ||
      fail "find_package(vtoverlay COMPONENTS interp) failed without saying why: $out"
    ;;
  deb)
    command -v cpack >/dev/null || fail "cpack not found"
    command -v dpkg-deb >/dev/null || fail "dpkg-deb not found"
    rm -f "$dir"/vtoverlay_*.deb
    (cd "$dir" && run cpack -G DEB) || exit 1
    deb=$(ls "$dir"/vtoverlay_*.deb 2>/dev/null | head -1)
    [ -n "$deb" ] || fail "cpack wrote no vtoverlay_*.deb in $dir"
    run dpkg-deb --info "$deb"
    depends=$(dpkg-deb --field "$deb" Depends)
    for d in libllvm22 libclang-cpp22 libclang-common-22-dev; do
      echo "$depends" | grep -q "$d" || fail "the .deb does not depend on $d (Depends: $depends)"
    done
    rm -rf "$work/deb-root"
    run dpkg-deb -x "$deb" "$work/deb-root"
    [ -f "$work/deb-root/usr/bin/fuzz_dispatch_replay" ] || fail "the .deb has no /usr/bin/fuzz_dispatch_replay"
    build_consumer "$work/deb-root/usr" "$work/deb-build"
    run "$work/deb-build/consumer"
    echo "consumer_test: $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB) installs its files under /usr; the consumer builds against them"
    ;;
  *) echo "consumer_test: unknown step '$step'" >&2; exit 2 ;;
esac
echo "consumer_test: $step passed"
