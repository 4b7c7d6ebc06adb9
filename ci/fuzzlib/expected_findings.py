"""expected_findings.py — replay inputs that must FAIL on a backend, each with its signature.

A backend with known bugs (CppInterOp's, docs/CPPINTEROP.md) keeps one input per finding
under corpus/<target>/<backend>/, and one findings file lists them:

    # comment
    <12-hex signature id>  <target>/<dir>/<input file>  [env:NAME=VALUE,...]  <free text: the kind, the promise broken>

The optional env: token sets harness variables for that input's replay, for an input kept from
before a harness change that lets it fail earlier (e.g. env:VTO_COMPILER_MODES=0: found when
every hierarchy was compiled in one mode; with modes a check made before it fails first).

The same file is a `ci/fuzz --known` file (its first column is the signature id). This script
replays every listed input of one target with the replay binary and the plug-in, takes the
signature of what it printed (crash_signature.py, the same key ci/fuzz deduplicates with),
and compares. An input that passes, or fails differently, is reported: an upstream fix shows
up as a changed result, not as silence. Every file under the inputs' directories must be
listed, and every listed file must exist.

  python3 ci/fuzzlib/expected_findings.py --findings FILE --target T --replay BIN --plugin SO
                                          [--root SRC] [--timeout S]

Exit status: 0 every input failed with its signature; 1 some did not; 2 bad arguments or
findings file.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crash_signature  # noqa: E402
from known import _ID  # noqa: E402


def read_findings(path):
    """[(id, relative input path, text, line number, env dict)]. Raises ValueError naming the line."""
    try:
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise ValueError(f"cannot read '{path}': {e.strerror}")
    out = []
    for n, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        parts = text.split(None, 2)
        if len(parts) < 2 or not _ID.fullmatch(parts[0]) or "/" not in parts[1]:
            raise ValueError(f"{path}:{n}: expected '<12-hex signature id> <target>/<dir>/<input> <text>', "
                             f"got '{text}'")
        rest = parts[2] if len(parts) > 2 else ""
        env = {}
        if rest.startswith("env:"):
            token, _, rest = rest.partition(" ")
            for pair in token[len("env:"):].split(","):
                name, eq, value = pair.partition("=")
                if not eq or not name.startswith("VTO_") or not name.replace("_", "").isalnum():
                    raise ValueError(f"{path}:{n}: expected env:VTO_NAME=VALUE[,VTO_NAME=VALUE], got '{token}'")
                env[name] = value
            rest = rest.strip()
        out.append((parts[0], parts[1], rest, n, env))
    return out


def replay_one(replay, plugin, input_path, timeout, extra_env=None):
    env = dict(os.environ, VTO_BACKEND=plugin)
    env.update(extra_env or {})
    try:
        p = subprocess.run([replay, input_path], env=env, capture_output=True, text=True, errors="replace",
                           timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or "") + (e.stderr or "") if isinstance(e.stdout, str) else ""
        return None, out + f"\n(timed out after {timeout} s)"
    return p.returncode, p.stdout + p.stderr


def main(argv):
    ap = argparse.ArgumentParser(description="replay inputs expected to fail with their signatures")
    ap.add_argument("--findings", required=True)
    ap.add_argument("--target", required=True)
    ap.add_argument("--replay", required=True, help="the target's replay binary (<target>_replay)")
    ap.add_argument("--plugin", required=True, help="the plug-in backend (VTO_BACKEND)")
    ap.add_argument("--root", default=os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..")),
                    help="the source tree (its corpus/ and the frames' paths)")
    ap.add_argument("--timeout", type=int, default=300)
    a = ap.parse_args(argv)
    try:
        findings = [f for f in read_findings(a.findings) if f[1].split("/", 1)[0] == a.target]
    except ValueError as e:
        print(f"ERROR: expected_findings: {e}", file=sys.stderr)
        return 2
    for path in (a.replay, a.plugin):
        if not os.path.isfile(path):
            print(f"ERROR: expected_findings: '{path}' does not exist", file=sys.stderr)
            return 2
    corpus = os.path.join(a.root, "corpus")
    listed = {os.path.normpath(os.path.join(corpus, rel)) for _, rel, _, _, _ in findings}
    dirs = {os.path.dirname(p) for p in listed}
    failures = 0
    for d in sorted(dirs):
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            p = os.path.normpath(os.path.join(d, name))
            if os.path.isfile(p) and p not in listed:
                print(f"FAIL {os.path.relpath(p, corpus)}: not listed in {a.findings}")
                failures += 1
    if not findings:
        print(f"no findings of {a.target} listed in {a.findings}")
        return 0
    for sid, rel, text, line, extra_env in findings:
        p = os.path.join(corpus, rel)
        if not os.path.isfile(p):
            print(f"FAIL {rel} ({a.findings}:{line}): the input does not exist")
            failures += 1
            continue
        rc, out = replay_one(a.replay, a.plugin, p, a.timeout, extra_env)
        if rc == 0:
            print(f"FAIL {rel}: passed, expected signature {sid} ({text}) — fixed upstream? Then move it out "
                  f"and update {a.findings}")
            failures += 1
            continue
        key, kind, _ = crash_signature.signature(out, a.root)
        got = crash_signature.key_id(key)
        if got != sid:
            print(f"FAIL {rel}: signature {got} ({key}), expected {sid} ({text})")
            print("  " + "\n  ".join(out.strip().splitlines()[-40:]))
            failures += 1
            continue
        print(f"ok   {rel}: {sid} {key}" + (" (" + ",".join(f"{k}={v}" for k, v in extra_env.items()) + ")"
                                                if extra_env else ""))
    print(f"{len(findings) - failures if failures <= len(findings) else 0} of {len(findings)} inputs of "
          f"{a.target} failed as expected" + (f"; {failures} problem(s)" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
