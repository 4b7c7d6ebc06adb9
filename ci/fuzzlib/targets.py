"""targets.py — the fuzz targets and the preset each one is fuzzed in.

The one reader of fuzz/CMakeLists.txt's target lists for every ci/ script:
  VTO_FUZZ_TARGETS            every libFuzzer target (fuzz/<t>.cc)
  VTO_FUZZ_TSAN_ONLY_TARGETS  the targets fuzzed and replayed only without a sanitizer or
                              under ThreadSanitizer (the race target): preset fuzz-tsan

From a shell script:
  python3 ci/fuzzlib/targets.py ROOT list            every target, one per line
  python3 ci/fuzzlib/targets.py ROOT tsan-only       the ThreadSanitizer-only targets
  python3 ci/fuzzlib/targets.py ROOT preset TARGET   fuzz or fuzz-tsan (exit 2: unknown target)
"""
import os
import re
import sys


def cmake_list(root, var):
    """The words of `set(VAR a b c)` in fuzz/CMakeLists.txt ([] when it is missing)."""
    with open(os.path.join(root, "fuzz", "CMakeLists.txt")) as f:
        text = f.read()
    m = re.search(r"^set\(%s ([^)]*)\)" % re.escape(var), text, re.M)
    return m.group(1).split() if m else []


def fuzz_targets(root):
    return cmake_list(root, "VTO_FUZZ_TARGETS")


def tsan_only_targets(root):
    return cmake_list(root, "VTO_FUZZ_TSAN_ONLY_TARGETS")


def preset_of(root, target):
    """The build preset a target is fuzzed in: fuzz-tsan for a ThreadSanitizer-only target."""
    return "fuzz-tsan" if target in tsan_only_targets(root) else "fuzz"


def main(argv):
    if len(argv) < 3 or argv[2] not in ("list", "tsan-only", "preset") or (argv[2] == "preset") != (len(argv) == 4):
        print("usage: targets.py ROOT list | tsan-only | preset TARGET", file=sys.stderr)
        return 2
    root, what = argv[1], argv[2]
    if what == "list":
        print("\n".join(fuzz_targets(root)))
    elif what == "tsan-only":
        print("\n".join(tsan_only_targets(root)))
    else:
        if argv[3] not in fuzz_targets(root):
            print(f"ERROR: unknown fuzz target '{argv[3]}' (have: {' '.join(fuzz_targets(root))})", file=sys.stderr)
            return 2
        print(preset_of(root, argv[3]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
