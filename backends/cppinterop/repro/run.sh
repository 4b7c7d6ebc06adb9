#!/usr/bin/env bash
# run.sh — build and run every CppInterOp reproducer of this directory (docs/CPPINTEROP.md).
#
#   backends/cppinterop/repro/run.sh CPPINTEROP_SOURCE CPPINTEROP_BUILD [OUT_DIR] [NAME...]
#
# CPPINTEROP_BUILD: a plain build tree with lib/libclangCppInterOp.a (ci/cppinterop
# --print-build-dir plain prints one). Each program is built with plain clang++-22 against that
# library, with the sanitizer its expectation names, and must fail as EXPECTED below says: with
# "REPRODUCED:" (exit 1) or with the sanitizer's report of that kind. Prints one line per
# program. A program whose sanitizer is `thread` needs CppInterOp's own code instrumented (the
# race is inside it): it is built against $CPPINTEROP_TSAN_BUILD (ci/cppinterop
# --print-build-dir tsan), and skipped, with a line saying so, when that is not set. Exit status: 0 every program failed as expected; 1 one did not (fixed upstream?
# then docs/CPPINTEROP.md and this list change); 2 a program did not build.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { sed -n '2,12p' "$0"; exit 2; }
src=$1 build=$2 out=${3:-$(mktemp -d)}
shift $(( $# >= 3 ? 3 : 2 ))
mkdir -p "$out"
# name | sanitizer | what its failure must contain
EXPECTED='
single_slot_refused||REPRODUCED: MakeVTableOverlay returned null
hook_slot_not_deleting_dtor||REPRODUCED: delete of an overlaid r2::MethodFirst ran the destroy hook 0 times
hook_on_class_without_virtual_dtor||REPRODUCED: calling g() on a live object ran the destroy hook
more_derived_overflow|address|ERROR: AddressSanitizer: heap-buffer-overflow
stacked_overflow|address|ERROR: AddressSanitizer: heap-buffer-overflow
stacked_teardown_order|address|ERROR: AddressSanitizer: heap-use-after-free
secondary_base||REPRODUCED: installed on an r7::Both reflected as r7::Right
virtual_base||REPRODUCED: the r8::Shared virtual base of an overlaid r8::Obj is at
stacked_hooks_loop||REPRODUCED: the top overlay'"'"'s destroy hook ran 3 times in one delete (the other ran 0 times)
hooked_under_unhooked|address|ERROR: AddressSanitizer: SEGV on unknown address 0x000000000000
concurrent_teardown|thread|WARNING: ThreadSanitizer: data race
final_class_unique_vtable||REPRODUCED: dynamic_cast<r11::Leaf*> of an overlaid r11::Leaf returned null
covariant_return_adjusted||REPRODUCED: get() of one overlaid r12::Derived ran the replacement through Derived* and the original through Base*
'
status=0
while IFS='|' read -r name san want; do
  [ -n "$name" ] || continue
  if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
  flags=(-std=c++17 -g -O1 -fno-omit-frame-pointer -pthread)
  [ -n "$san" ] && flags+=("-fsanitize=$san")
  lib=$build
  if [ "$san" = thread ]; then
    if [ -z "${CPPINTEROP_TSAN_BUILD:-}" ]; then echo "skipped     $name: needs CPPINTEROP_TSAN_BUILD"; continue; fi
    lib=$CPPINTEROP_TSAN_BUILD
  fi
  if ! clang++-22 "${flags[@]}" -I"$src/include" -I"$lib/include" "$here/$name.cc" \
       -Wl,--whole-archive "$lib/lib/libclangCppInterOp.a" -Wl,--no-whole-archive \
       -L/usr/lib/llvm-22/lib -lclang-cpp -lLLVM -o "$out/$name" >"$out/$name.build.log" 2>&1; then
    echo "BUILD FAILED $name (log: $out/$name.build.log)"; tail -5 "$out/$name.build.log"; status=2; continue
  fi
  ASAN_OPTIONS=detect_leaks=0 TSAN_OPTIONS=halt_on_error=1 timeout 120 "$out/$name" >"$out/$name.log" 2>&1
  rc=$?
  if [ $rc -ne 0 ] && grep -qF -- "$want" "$out/$name.log"; then
    echo "reproduced  $name: $(grep -m1 -F -- "$want" "$out/$name.log" | cut -c1-160)"
  else
    echo "DIFFERENT   $name (exit $rc; expected: $want): $(tail -1 "$out/$name.log" | cut -c1-160)"
    [ $status -eq 0 ] && status=1
  fi
done <<<"$EXPECTED"
exit $status
