#!/usr/bin/env python3
"""triage.py — after a target's campaign: deduplicate its crashes, minimize one input per
crash signature, and ask ci/repro for a standalone reproducer.

  triage.py --work DIR --bin FUZZER --target T --preset P --source ROOT [--build-dir DIR | --no-repro]
            [--minimize-seconds N] [--no-minimize] [--known FILE] [-- HARNESS_FLAGS...]

Reads DIR/fuzz.*.log and DIR/artifacts/{crash,timeout,oom,leak}-* (libFuzzer's, and those the
harness saved for findings it kept going after); writes DIR/triage.json:
  {"crashes": N, "groups": [{"key", "key_id", "kind", "frames", "known", "count", "files",
   "representative", "minimized", "minimized_note", "reproducer": {"status", "path", "command"}}]}
--known FILE (known.py): groups whose key_id it lists are "known", and neither minimized nor
reproduced.
Exit status: 0 (triage written), 2 (bad arguments or unreadable work directory).
"""
import argparse
import glob
import json
import os
import shutil
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crash_signature  # noqa: E402
import known as known_file  # noqa: E402
import libfuzzer_log  # noqa: E402

FINDINGS = ("crash-", "timeout-", "oom-", "leak-")


def run(cmd, timeout, log_path):
    """Runs cmd in its own process group, output to log_path; after `timeout` seconds the
    whole group is killed (libFuzzer's minimizer runs its steps as child processes).
    Returns (exit code, or None on timeout; output text)."""
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            code = None
    with open(log_path, errors="replace") as f:
        return code, f.read()


def report_of(args, path, sections, scratch):
    """The crash report of one input: from the campaign's logs, else by running it again."""
    if path in sections:
        return sections[path]
    code, text = run([args.bin, *args.harness_flags, path], 600, os.path.join(scratch, os.path.basename(path) + ".rerun.log"))
    return text


def minimize(args, rep, key, out_path, scratch):
    """Minimizes rep with libFuzzer; keeps the result only if it fails with the same key."""
    log = os.path.join(scratch, os.path.basename(out_path) + ".minimize.log")
    cmd = [args.bin, *args.harness_flags, "-minimize_crash=1", "-runs=100000",
           f"-max_total_time={args.minimize_seconds}", f"-exact_artifact_path={out_path}", rep]
    # The budget bounds the whole minimization; what the last finished step wrote is kept.
    code, _ = run(cmd, args.minimize_seconds, log)
    if not os.path.exists(out_path) or os.path.getsize(out_path) >= os.path.getsize(rep):
        shutil.copyfile(rep, out_path)
        if code is None:
            return "the minimization budget (%d s) ran out before a smaller input was found; the original is kept" % (
                args.minimize_seconds)
        return "libFuzzer found no smaller input (exit %s); the original is kept" % code
    check_log = out_path + ".report.log"
    _, text = run([args.bin, *args.harness_flags, out_path], 600, check_log)
    new_key, _, _ = crash_signature.signature(text, args.source)
    if new_key != key:
        shutil.copyfile(rep, out_path)
        return "the minimized input failed differently (%s); the original input is kept" % new_key
    return "minimized from %d to %d bytes" % (os.path.getsize(rep), os.path.getsize(out_path))


def reproducer(args, minimized, kid):
    if args.no_repro:
        return {"status": "not available: prebuilt binaries (ci/repro builds a reproducer in a source tree)",
                "path": None, "command": None}
    repro = os.path.join(args.source, "ci", "repro")
    if not os.access(repro, os.X_OK):
        return {"status": "not available: ci/repro does not exist in this checkout", "path": None, "command": None}
    out = os.path.join(args.work, "repro", kid)
    os.makedirs(out, exist_ok=True)
    cmd = [repro, "--target", args.target, "--preset", args.preset, "--no-setup", "--out", out, minimized]
    if args.build_dir:
        cmd[5:5] = ["--build-dir", args.build_dir]
    code, text = run(cmd, 1800, os.path.join(out, "ci-repro.log"))
    errors = [l for l in text.splitlines() if l.startswith("ERROR:")]
    status = {1: "reproduced", 0: "not reproduced (the reproducer passes)"}.get(
        code, "not available: %s" % (errors[-1] if errors else "ci/repro exit %s" % code))
    path = os.path.join(out, "repro.cc")
    return {"status": status, "path": path if os.path.exists(path) else None, "command": " ".join(cmd)}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--work", required=True)
    p.add_argument("--bin", required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--preset", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--build-dir", help="build directory of the preset (passed to ci/repro)")
    p.add_argument("--no-repro", action="store_true", help="no reproducers (prebuilt binaries: no source build)")
    p.add_argument("--minimize-seconds", type=int, default=60)
    p.add_argument("--no-minimize", action="store_true")
    p.add_argument("--known", help="signatures already known (known.py): their groups are marked known")
    p.add_argument("harness_flags", nargs="*")
    args = p.parse_args()
    known = frozenset()
    if args.known:
        try:
            known = known_file.read_known(args.known)
        except ValueError as e:
            print("ERROR: triage: --known: %s" % e, file=sys.stderr)
            return 2
    if not os.path.isdir(os.path.join(args.work, "artifacts")):
        print("ERROR: triage: no artifacts directory in %s" % args.work, file=sys.stderr)
        return 2
    sections = {}
    for log in sorted(glob.glob(os.path.join(args.work, "fuzz.*.log"))):
        with open(log, errors="replace") as f:
            sections.update(libfuzzer_log.crash_sections(f.read()))
    scratch = os.path.join(args.work, "triage")
    os.makedirs(scratch, exist_ok=True)
    files = sorted(f for f in glob.glob(os.path.join(args.work, "artifacts", "*"))
                   if os.path.basename(f).startswith(FINDINGS))
    groups = {}
    for f in files:
        key, kind, frames = crash_signature.signature(report_of(args, f, sections, scratch), args.source)
        g = groups.setdefault(key, {"key": key, "key_id": crash_signature.key_id(key), "kind": kind,
                                    "frames": frames, "files": []})
        g["known"] = g["key_id"] in known
        g["files"].append(f)
    for g in groups.values():
        g["count"] = len(g["files"])
        if g["known"]:  # not minimized or reproduced again: only counted
            g["representative"] = min(g["files"], key=lambda f: (os.path.getsize(f), f))
            g.update(minimized=None, minimized_bytes=None, minimized_note="known (--known): not minimized",
                     reproducer={"status": "known (--known): not reproduced", "path": None, "command": None})
            print("ci/fuzz: %s: %d crash(es) with KNOWN key: %s" % (args.target, g["count"], g["key"]), flush=True)
            continue
        g["representative"] = min(g["files"], key=lambda f: (os.path.getsize(f), f))
        minimized = os.path.join(args.work, "minimized", "%s-%s" % (args.target, g["key_id"]))
        os.makedirs(os.path.dirname(minimized), exist_ok=True)
        kind_prefix = os.path.basename(g["representative"]).split("-")[0]
        if args.no_minimize or kind_prefix in ("timeout", "oom"):
            shutil.copyfile(g["representative"], minimized)
            g["minimized_note"] = "not minimized (%s)" % ("interrupted or --no-minimize" if args.no_minimize else kind_prefix)
        else:
            g["minimized_note"] = minimize(args, g["representative"], g["key"], minimized, scratch)
        g["minimized"] = minimized
        g["minimized_bytes"] = os.path.getsize(minimized)
        g["reproducer"] = reproducer(args, minimized, g["key_id"])
        print("ci/fuzz: %s: %d crash(es) with key: %s\n  minimized: %s (%s)\n  reproducer: %s%s" % (
            args.target, g["count"], g["key"], minimized, g["minimized_note"], g["reproducer"]["status"],
            " " + g["reproducer"]["path"] if g["reproducer"]["path"] else ""), flush=True)
    with open(os.path.join(args.work, "triage.json"), "w") as f:
        json.dump({"crashes": len(files), "groups": sorted(groups.values(), key=lambda g: -g["count"])}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
