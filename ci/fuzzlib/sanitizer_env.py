"""sanitizer_env.py — the sanitizer runtime options every ci/ script runs fuzz and replay
binaries with: the files of sanitizers/ (one option a line, '#' comments), the suppressions,
and clang 22's symbolizer. One place, so a campaign, a mutants run and a replay of the same
input see the same reports.

  mode "fuzz"    ASAN_OPTIONS from asan.options + asan.fuzz.options (ci/fuzz, ci/mutants)
  mode "replay"  ASAN_OPTIONS from asan.options only (ci/replay, as ctest runs the corpora)

From a shell script:  eval "$(python3 ci/fuzzlib/sanitizer_env.py ROOT fuzz|replay)"
prints `export NAME='value'` lines.
"""
import os
import shlex
import shutil
import sys

DEFAULT_SYMBOLIZER = "/usr/lib/llvm-22/bin/llvm-symbolizer"


def options(root, *names):
    """The options of sanitizers/<name>... joined with ':' (a missing file adds nothing)."""
    vals = []
    for n in names:
        p = os.path.join(root, "sanitizers", n)
        if not os.path.exists(p):
            continue
        with open(p) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    vals.append(line)
    return ":".join(vals)


def symbolizer():
    return shutil.which("llvm-symbolizer-22") or DEFAULT_SYMBOLIZER


def sanitizer_env(root, mode="fuzz", symbolizer_path=None):
    """{ASAN,UBSAN,TSAN,LSAN}_OPTIONS for `mode` ("fuzz" or "replay")."""
    if mode not in ("fuzz", "replay"):
        raise ValueError(f"mode must be fuzz or replay, not {mode!r}")
    sym = "external_symbolizer_path=" + (symbolizer_path or symbolizer())

    def join(*parts):
        return ":".join(p for p in parts if p)

    asan_files = ("asan.options", "asan.fuzz.options") if mode == "fuzz" else ("asan.options",)
    supp = os.path.join(root, "sanitizers")
    tsan_supp = "suppressions=" + os.path.join(supp, "tsan.supp") if os.path.exists(os.path.join(supp, "tsan.supp")) else ""
    lsan_supp = "suppressions=" + os.path.join(supp, "lsan.supp") if os.path.exists(os.path.join(supp, "lsan.supp")) else ""
    return {
        "ASAN_OPTIONS": join(options(root, *asan_files), sym),
        "UBSAN_OPTIONS": join(options(root, "ubsan.options"), sym),
        "TSAN_OPTIONS": join(options(root, "tsan.options"), tsan_supp, sym),
        "LSAN_OPTIONS": lsan_supp,
    }


def with_sanitizer_env(root, mode="fuzz", base=None):
    """A copy of `base` (default os.environ) with the sanitizer options set."""
    env = dict(os.environ if base is None else base)
    env.update(sanitizer_env(root, mode))
    return env


def main(argv):
    if len(argv) != 3 or argv[2] not in ("fuzz", "replay"):
        print("usage: sanitizer_env.py ROOT fuzz|replay", file=sys.stderr)
        return 2
    for name, value in sanitizer_env(argv[1], argv[2]).items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
