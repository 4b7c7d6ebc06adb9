"""campaign.py — ci/fuzz: a fuzz campaign over the fuzz targets, with a report.

ci/fuzz (the entry point; its header is the --help text and documents the flags, the output
files and the exit status) runs this from the source root with its own arguments:

  python3 ci/fuzzlib/campaign.py [ci/fuzz's arguments]     (the current directory is the root)

The steps, in order:
  1. the arguments (parse_args); ci/setup unless --no-setup
  2. the builds (build): each preset once (targets.py: fuzz, or fuzz-tsan for the race
     target), only the targets it fuzzes, in <build-prefix><preset>; or, with --prebuilt
     (and --prebuilt-tsan), the binaries of an installed tree (prebuilt), no build and no merge
  3. the sanitizer environment (sanitizer_env.py, mode fuzz) and VTO_BACKEND
  4. per target (run_target): a working copy of corpus/<target>/, the workers
     (supervisor.py), the triage of the findings (triage.py), the merge of new coverage into
     corpus/<target>/ (libFuzzer -merge=1), <out>/<target>/meta.json
  5. ci/coverage if --coverage; <out>/campaign.json; the report (report.py)

SIGINT/SIGTERM before step 4: exit 2 at once. During or after it: the workers stop (through
<out>/.interrupted), the remaining targets are skipped, triage does not minimize, nothing is
merged, and the report is written from what ran.
"""
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import known as known_file  # noqa: E402
import run_outcome  # noqa: E402
import sanitizer_env  # noqa: E402
import supervisor  # noqa: E402
import targets as target_list  # noqa: E402

TOOL = "ci/fuzz"
ENTRY = os.path.join(os.path.dirname(HERE), "fuzz")  # the script whose header is --help


class Fail(Exception):
    """The campaign cannot run: "ERROR: ci/fuzz: <message>", exit status 2."""


def help_text(entry=ENTRY):
    """The comment header of ci/fuzz without its '# ' (from line 2 to the first code line)."""
    out = []
    with open(entry) as f:
        for line in list(f)[1:]:
            if not line.startswith("#"):
                break
            out.append(re.sub(r"^# ?", "", line.rstrip("\n")))
    return "\n".join(out)


# Oracle failures one libFuzzer process records and goes on after (--vto-keep_going; the
# harness's lib/harness/finding.h; the flag's maximum). The next one ends the run, and so does
# the first failure after the process's RSS passed --vto-keep_going_mb (given as 2/3 of
# -rss_limit_mb): the bounds on the memory of the scenarios kept after findings.
KEEP_GOING = 1 << 20
KEEP_GOING_MB = 2048


class Options:
    seconds, jobs, minimize_seconds, status_every, timeout = 120, 1, 60, 10, 60
    backend, out, targets, build_prefix, known = "", "", "", "build/", ""
    prebuilt, prebuilt_tsan = "", ""
    setup, merge, coverage, keep_going, warm_restarts = True, True, False, True, True
    known_ids = frozenset()


VALUED = {"--seconds": "seconds", "--targets": "targets", "--jobs": "jobs", "--backend": "backend", "--out": "out",
          "--minimize-seconds": "minimize_seconds", "--build-prefix": "build_prefix",
          "--status-every": "status_every", "--known": "known", "--timeout": "timeout",
          "--prebuilt": "prebuilt", "--prebuilt-tsan": "prebuilt_tsan"}
FLAGS = {"--coverage": ("coverage", True), "--no-setup": ("setup", False), "--no-merge": ("merge", False),
         "--no-keep-going": ("keep_going", False), "--no-warm-restarts": ("warm_restarts", False)}


def parse_args(argv, root="."):
    """ci/fuzz's arguments -> Options, or None for --help; a relative --backend is relative to
    `root`. Raises Fail."""
    o = Options()
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in VALUED:
            if i + 1 >= len(argv) or not argv[i + 1]:
                raise Fail(f"{a} needs a value (see --help)")
            setattr(o, VALUED[a], argv[i + 1])
            i += 2
        elif a in FLAGS:
            setattr(o, *FLAGS[a])
            i += 1
        elif a in ("-h", "--help"):
            return None
        else:
            raise Fail(f"unknown argument '{a}' (see --help)")
    for flag in ("--seconds", "--jobs", "--minimize-seconds", "--status-every", "--timeout"):
        value = str(getattr(o, VALUED[flag]))
        if not re.fullmatch(r"[0-9]+", value):
            raise Fail(f"{flag} needs a whole number, got '{value}'")
        setattr(o, VALUED[flag], int(value))
    if o.jobs < 1:
        raise Fail("--jobs needs at least 1")
    if o.status_every < 1:
        raise Fail("--status-every needs at least 1")
    if o.timeout < 1:
        raise Fail("--timeout needs at least 1")
    if o.known:
        o.known = os.path.normpath(os.path.join(os.path.abspath(root), o.known))
        try:
            o.known_ids = known_file.read_known(o.known)
        except ValueError as e:
            raise Fail(f"--known: {e}")
    for flag in ("--prebuilt", "--prebuilt-tsan"):
        d = getattr(o, VALUED[flag])
        if d:
            d = os.path.normpath(os.path.join(os.path.abspath(root), d))
            if not os.path.isdir(d):
                raise Fail(f"{flag}: '{d}' is not a directory")
            setattr(o, VALUED[flag], d)
    if (o.prebuilt or o.prebuilt_tsan) and o.coverage:
        raise Fail("--coverage builds the coverage preset from a source tree; not with --prebuilt")
    if o.backend:
        if not os.path.isfile(os.path.join(root, o.backend)):
            raise Fail(f"backend '{o.backend}' does not exist")
        o.backend = os.path.normpath(os.path.join(os.path.abspath(root), o.backend))
    return o


def choose_targets(root, wanted):
    """The targets to fuzz, in the order given (default: every VTO_FUZZ_TARGETS entry)."""
    try:
        known = target_list.fuzz_targets(root)
    except OSError:
        raise Fail("cannot read the fuzz targets")
    if not known:
        raise Fail("no VTO_FUZZ_TARGETS in fuzz/CMakeLists.txt")
    chosen = [t for t in re.split(r"[,\s]+", wanted) if t] or list(known)
    for t in chosen:
        if t not in known:
            raise Fail(f"unknown target '{t}' (have: {' '.join(known)})")
    return chosen


def _tail(path, n):
    with open(path, errors="replace") as f:
        sys.stdout.write("".join(f.readlines()[-n:]))
    sys.stdout.flush()


def _logged(cmd, log_path):
    with open(log_path, "w") as log:
        try:
            return subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT).returncode
        except OSError as e:
            log.write(f"{cmd[0]}: {e}\n")
            return 127


def build(root, o, chosen, out):
    """Configures and builds each preset once, only its targets. Returns ({target: binary},
    {preset: build dir}). Raises Fail."""
    preset_of = {t: target_list.preset_of(root, t) for t in chosen}
    binaries, dirs = {}, {}
    try:
        jobs = len(os.sched_getaffinity(0))
    except AttributeError:
        jobs = os.cpu_count() or 1
    for p in sorted(set(preset_of.values())):
        d = f"{root}/{o.build_prefix}{p}"
        dirs[p] = d
        want = [t for t in chosen if preset_of[t] == p]
        print(f"=== {TOOL}: building {' '.join(want)} in preset {p} ({d})", flush=True)
        log = os.path.join(out, f"configure.{p}.log")
        if _logged(["cmake", "--preset", p, "-B", d], log) != 0:
            _tail(log, 30)
            raise Fail(f"configure of preset {p} failed (log: {log})")
        log = os.path.join(out, f"build.{p}.log")
        if _logged(["cmake", "--build", d, "--target", *want, "-j", str(jobs)], log) != 0:
            _tail(log, 40)
            raise Fail(f"build of preset {p} failed (log: {log})")
        for t in want:
            binaries[t] = os.path.join(d, "fuzz", t)
            if not os.access(binaries[t], os.X_OK):
                raise Fail(f"{binaries[t]} was not built")
    return binaries, dirs


def prebuilt(root, o, chosen):
    """The libFuzzer binaries of an installed (or otherwise built) tree: <t> in --prebuilt, or
    in --prebuilt-tsan for a target of the fuzz-tsan preset. Returns ({target: binary},
    {preset: None}): there is no build directory. Raises Fail."""
    binaries, dirs = {}, {}
    for t in chosen:
        p = target_list.preset_of(root, t)
        d = o.prebuilt_tsan if p == "fuzz-tsan" else o.prebuilt
        flag = "--prebuilt-tsan" if p == "fuzz-tsan" else "--prebuilt"
        if not d:
            raise Fail(f"{t} is fuzzed in the {p} preset: give its binary's directory with {flag} DIR "
                       f"(or leave {t} out with --targets)")
        binaries[t], dirs[p] = os.path.join(d, t), None
        if not os.access(binaries[t], os.X_OK):
            raise Fail(f"{flag}: no executable {t} in {d} (a libFuzzer build, VTO_FUZZ=ON, installs it)")
        print(f"=== {TOOL}: {t}: prebuilt {binaries[t]}", flush=True)
    return binaries, dirs


def corpus_size(path):
    """(files, bytes) under path."""
    files = size = 0
    for d, _, names in os.walk(path):
        for n in names:
            try:
                size += os.path.getsize(os.path.join(d, n))
                files += 1
            except OSError:
                pass
    return files, size


class Interrupt:
    """The SIGINT/SIGTERM handler: before the fuzzing, exit 2; during and after it, stop the
    workers (the interrupt file) and let the campaign write its report from what ran."""

    def __init__(self, out):
        self.flag_file = os.path.join(out, ".interrupted")
        self.fuzzing = False
        self.interrupted = False
        self.supervisor = None

    def __call__(self, signum, frame):
        # os.write, not print: the handler may interrupt a print to the same stream.
        if not self.fuzzing:
            os.write(2, f"ERROR: {TOOL}: interrupted before fuzzing began (exit 2)\n".encode())
            raise SystemExit(2)
        self.interrupted = True
        open(self.flag_file, "a").close()
        os.write(2, f"{TOOL}: interrupted; stopping the workers and writing the report from what ran\n".encode())
        if self.supervisor is not None:
            self.supervisor.request_stop()


def run_target(root, o, t, binary, preset, build_dir, out, interrupt):
    """Fuzzes one target, triages its findings, merges its new coverage, writes its meta.json.
    Returns (status, found, harness_failed)."""
    work = os.path.join(out, t)
    shutil.rmtree(work, ignore_errors=True)
    for d in ("corpus", "artifacts", "crashed-seeds"):
        os.makedirs(os.path.join(work, d))
    seeds = os.path.join(root, "corpus", t)
    os.makedirs(seeds, exist_ok=True)
    try:
        shutil.copytree(seeds, os.path.join(work, "corpus"), dirs_exist_ok=True)
    except (OSError, shutil.Error):
        pass
    before, before_bytes = corpus_size(seeds)
    print(f"=== {TOOL}: {t} ({preset}) for {o.seconds}s with {o.jobs} worker(s); logs: {work}/fuzz.<worker>.log",
          flush=True)
    start = time.monotonic()
    extra = [f"--vto-keep_going={KEEP_GOING}", f"--vto-keep_going_mb={KEEP_GOING_MB}"] if o.keep_going else []
    # Warm restarts (lib/harness/warm_restart.h) fork after the JIT warm-up: not under TSan,
    # whose target (fuzz_race) has worker threads by then.
    if o.warm_restarts and preset != "fuzz-tsan":
        extra.append("--vto-warm_restarts=1")
    interrupt.supervisor = supervisor.Supervisor(binary, work, o.seconds, o.jobs, interrupt_file=interrupt.flag_file,
                                                 extra_args=extra, timeout=o.timeout)
    interrupt.supervisor.run(t, o.status_every)
    interrupt.supervisor = None
    fuzz_seconds = int(time.monotonic() - start)

    logs = []
    for name in sorted(os.listdir(work)):
        if re.fullmatch(r"fuzz\..*\.log", name):
            with open(os.path.join(work, name), errors="replace") as f:
                logs.append(f.read())
    status, found, harness_failed = "clean", False, False
    errors = [line for text in logs for line in text.splitlines() if run_outcome.is_harness_error(line)]
    if errors:
        harness_failed, status = True, "harness error"
        print("\n".join(errors[:3]), file=sys.stderr, flush=True)
    elif any(supervisor.NO_FINDING in text for text in logs):
        harness_failed, status = True, "libFuzzer failed"
    crashes = len([a for a in os.listdir(os.path.join(work, "artifacts"))
                   if not a.startswith("slow-unit-") and not a.startswith(".")])
    if crashes > 0:
        found, status = True, f"{crashes} finding(s)"
        print(f"=== {TOOL}: {t}: triage of {crashes} finding(s)", flush=True)
        cmd = [sys.executable, os.path.join(HERE, "triage.py"), "--work", work, "--bin", binary, "--target", t,
               "--preset", preset, "--source", root,
               "--minimize-seconds", str(o.minimize_seconds)] + (["--no-minimize"] if interrupt.interrupted else []) + \
              (["--build-dir", build_dir] if build_dir else ["--no-repro"]) + \
              (["--known", o.known] if o.known else [])
        if subprocess.run(cmd).returncode != 0:
            print(f"WARNING: {TOOL}: triage failed for {t}; every finding counts as new", file=sys.stderr, flush=True)
        else:
            groups = json.loads(open(os.path.join(work, "triage.json")).read())["groups"]
            new = [g for g in groups if not g.get("known")]
            found = bool(new)
            status = f"{crashes} finding(s), {len(new)} new and {len(groups) - len(new)} known signature(s)"
    if o.merge and not interrupt.interrupted:
        print(f"=== {TOOL}: {t}: merging new coverage into corpus/{t}", flush=True)
        merge_log = os.path.join(work, "merge.log")
        if _logged([binary, "-merge=1", "-timeout=60", "-rss_limit_mb=3072", seeds, os.path.join(work, "corpus")],
                   merge_log) != 0:
            print(f"WARNING: {TOOL}: merge failed for {t} (see {merge_log})", file=sys.stderr, flush=True)
    after, after_bytes = corpus_size(seeds)
    with open(os.path.join(work, "meta.json"), "w") as f:
        json.dump({"target": t, "preset": preset, "seconds": o.seconds, "fuzz_seconds_measured": fuzz_seconds,
                   "corpus_before": before, "corpus_before_bytes": before_bytes, "corpus_after": after,
                   "corpus_after_bytes": after_bytes, "status": status, "workers": o.jobs}, f, indent=1)
    return status, found, harness_failed


def main(argv):
    """ci/fuzz, run from the root of the source tree (relative --out and --backend paths are
    relative to it, as ci/fuzz cd's there first). Returns the exit status."""
    root = os.getcwd()
    pwd = os.environ.get("PWD")  # the shell's name of it (ci/fuzz's `pwd`), symbolic links kept
    if pwd and os.path.isabs(pwd) and os.path.isdir(pwd) and os.path.samefile(pwd, root):
        root = pwd
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `ci/fuzz --help | head` ends quietly, as a shell script would
    try:
        o = parse_args(argv, root)
        if o is None:
            print(help_text())
            return 0
        chosen = choose_targets(root, o.targets)
        out = o.out or os.path.join(root, "build/fuzz-campaign",
                                    datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ"))
        try:
            os.makedirs(os.path.join(root, out), exist_ok=True)
        except OSError:
            raise Fail(f"cannot create {out}")
        out = os.path.normpath(os.path.join(root, out))
        started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        interrupt = Interrupt(out)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, interrupt)
        if o.setup and subprocess.run(["bash", "ci/setup"], cwd=root).returncode != 0:
            return 2
        if o.prebuilt or o.prebuilt_tsan:
            if o.merge:
                print(f"=== {TOOL}: --prebuilt: new coverage stays in {out}/<target>/corpus (no merge into "
                      f"{root}/corpus)", flush=True)
            o.merge = False
            binaries, dirs = prebuilt(root, o, chosen)
        else:
            binaries, dirs = build(root, o, chosen, out)
        try:
            os.environ.update(sanitizer_env.sanitizer_env(root, "fuzz"))
        except (OSError, ValueError):
            raise Fail("cannot make the sanitizer environment")
        if o.backend:
            os.environ["VTO_BACKEND"] = o.backend
    except Fail as e:
        print(f"ERROR: {TOOL}: {e}", file=sys.stderr, flush=True)
        return 2

    interrupt.fuzzing = True
    found = harness_failed = False
    for t in chosen:
        if interrupt.interrupted:
            break
        preset = target_list.preset_of(root, t)
        _, f, h = run_target(root, o, t, binaries[t], preset, dirs[preset], out, interrupt)
        found, harness_failed = found or f, harness_failed or h

    if o.coverage and not interrupt.interrupted:
        print(f"=== {TOOL}: line coverage of lib/ from the corpus (ci/coverage)", flush=True)
        cmd = ["bash", "ci/coverage", "--no-setup", "--corpus-only", "--build-dir", f"{root}/{o.build_prefix}coverage",
               "--out", os.path.join(out, "coverage"), "--json", os.path.join(out, "coverage.json")]
        if subprocess.run(cmd, cwd=root).returncode != 0:
            print(f"WARNING: {TOOL}: ci/coverage failed; the report has no coverage section", file=sys.stderr,
                  flush=True)

    signatures = []
    for t in chosen:
        path = os.path.join(out, t, "triage.json")
        if os.path.isfile(path):
            for g in json.loads(open(path).read())["groups"]:
                signatures.append(f"{g['key_id']}  {'known' if g.get('known') else 'NEW'}  {t}: {g['key']}\n")
    with open(os.path.join(out, "signatures.txt"), "w") as f:
        f.write("# every finding's signature id, then known/NEW, the target and the key; the file\n"
                "# ci/fuzz --known reads (a nightly job: keep the ids of accepted bugs)\n" + "".join(signatures))

    code, verdict = 0, "clean" if not signatures else "only known findings"
    if found:
        code, verdict = 1, "crash found"
    elif harness_failed:
        code, verdict = 2, "the harness itself failed"
    elif interrupt.interrupted:
        code, verdict = 2, "interrupted before the budget was spent"
    ran = [t for t in chosen if os.path.isfile(os.path.join(out, t, "meta.json"))]
    with open(os.path.join(out, "campaign.json"), "w") as f:
        json.dump({"started": started, "seconds": o.seconds, "backend": o.backend or None, "known": o.known or None,
                   "keep_going": o.keep_going, "exit_code": code,
                   "verdict": verdict, "interrupted": interrupt.interrupted, "out": out}, f, indent=1)
    if subprocess.run([sys.executable, os.path.join(HERE, "report.py"), out, *ran]).returncode != 0:
        print(f"ERROR: {TOOL}: the report could not be written", file=sys.stderr, flush=True)
        return 2
    try:
        os.remove(interrupt.flag_file)
    except FileNotFoundError:
        pass
    if code == 0:
        print(f"{TOOL}: clean (exit 0)")
    elif code == 1:
        print(f"{TOOL}: FOUND crashes (exit 1)")
    else:
        print(f"ERROR: {TOOL}: {verdict} (exit 2); see the logs in {out}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
