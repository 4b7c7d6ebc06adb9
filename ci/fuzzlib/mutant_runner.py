"""mutant_runner.py — one run of ci/mutants: a fuzz target on a library built with an injected
fault (or none), one libFuzzer process on one core, and what it came to.

fuzz_once() runs the target from a copy of corpus/<target>/ for the budget and returns a dict
(the row ci/mutants writes to mutants.json): exit_code, wall_seconds, seeded, log, init_seconds,
found, harness_error, and for a finding seconds, message, artifacts. outcome() is the reading
of what the process printed (run_outcome.classify, so ci/fuzz and ci/mutants agree on a
finding and a harness error), apart from the process, for the tests.

Times are seconds from process start: "init" until libFuzzer reports the seed corpus (the
harness and its clang interpreter are up), "seconds" until the finding's first line.
"""
import os
import re
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_outcome  # noqa: E402

# A process that hangs is killed this many seconds after its budget and reported as a hang.
HANG_GRACE = 240
# libFuzzer prints this after LLVMFuzzerInitialize (the harness and its interpreter are up)
# and before it runs the first seed.
SEED_CORPUS = re.compile(r"^INFO: seed corpus: ")


def outcome(lines, exit_code, artifacts, root, killed=False, total=None, hang_grace=HANG_GRACE):
    """What a run came to. lines: [(seconds since start, line)]; artifacts: the findings'
    files in its artifact directory; killed: the hang timer killed it; total: its wall time.
    Returns the dict fuzz_once() adds to (found, harness_error, init_seconds, and for a finding
    or a harness error, message; for a finding, seconds)."""
    res = {"found": False, "harness_error": False}
    init = next((t for t, l in lines if SEED_CORPUS.match(l)), None)
    res["init_seconds"] = round(init, 2) if init is not None else None
    text = [l for _, l in lines]
    run = run_outcome.classify(text, exit_code, artifacts)
    if run.kind == run_outcome.Kind.HARNESS_ERROR:
        res["harness_error"] = True
        res["message"] = run.line
        return res
    if run.kind == run_outcome.Kind.CLEAN:
        return res
    # A finding, or a process that failed without one (a hang, a crash no report names): the
    # fault is caught either way.
    res["found"] = True
    if total is None:
        total = lines[-1][0] if lines else 0.0
    if run.line is not None:
        t_hit, msg = lines[run.index][0], run.line
    else:
        t_hit = total
        msg = f"hang: killed {hang_grace} s after the budget" if killed else f"exit code {exit_code}"
    summary = next((m for m in (run_outcome.SUMMARY.search(l) for l in text) if m), None)
    if summary and not msg.startswith("VTO ORACLE FAILURE") and not msg.startswith("vtoverlay:"):
        msg = f"{summary.group(1)}: {summary.group(2).strip()}"
        if "<unknown module>" in msg or summary.group(2).strip() in ("", "deadly signal"):
            # In JIT'd code: name the first frame of this project's sources instead.
            project_frame = re.compile(r"#\d+ 0x[0-9a-f]+ in (.+?) (" + re.escape(root) + r"/(?:lib|fuzz)/\S+)\s*$")
            frame = next((m for m in (project_frame.search(l) for t, l in lines if t >= t_hit) if m), None)
            kind = summary.group(2).split(" ")[0]
            if frame:
                fn = frame.group(1).replace("(anonymous namespace)::", "").split("(")[0]
                msg = (f"{summary.group(1)}: {kind} in JIT'd code called from {fn} "
                       f"{os.path.relpath(frame.group(2), root)}")
    res["seconds"] = round(t_hit, 2)
    res["message"] = msg.replace(root + "/", "")
    return res


def fuzz_once(binary, target, seconds, work, env, root, hang_grace=HANG_GRACE):
    """Runs one libFuzzer process of `target` in `work` (emptied first); returns a dict
    describing what happened."""
    corpus = os.path.join(work, "corpus")
    arts = os.path.join(work, "artifacts")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(arts)
    src = os.path.join(root, "corpus", target)
    seeded = os.path.isdir(src)
    if seeded:
        shutil.copytree(src, corpus)
    else:
        os.makedirs(corpus)
    # The per-input timeout is above the budget: compiling a batch of hierarchies under ASan on
    # a loaded machine can exceed ci/fuzz's 60 s, and that is not a finding.
    cmd = [binary, f"-max_total_time={seconds}", "-print_final_stats=1", f"-timeout={seconds + 60}",
           "-rss_limit_mb=3072", f"-artifact_prefix={arts}/", corpus]
    log_path = os.path.join(work, "fuzz.log")
    lines = []  # (seconds since start, line)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, errors="replace")
    killed = []
    killer = threading.Timer(seconds + hang_grace, lambda: (killed.append(True), proc.kill()))
    killer.start()
    with open(log_path, "w") as log, proc.stdout:
        for line in proc.stdout:
            t = time.monotonic() - start
            lines.append((t, line.rstrip("\n")))
            log.write(f"[{t:8.2f}] {line}")
    code = proc.wait()
    killer.cancel()
    total = time.monotonic() - start
    crashes = [a for a in os.listdir(arts) if run_outcome.is_finding_artifact(a)]
    res = {"target": target, "exit_code": code, "wall_seconds": round(total, 2), "seeded": seeded,
           "log": log_path}
    res.update(outcome(lines, code, crashes, root, killed=bool(killed), total=total, hang_grace=hang_grace))
    if res["found"]:
        res["artifacts"] = [os.path.join(arts, a) for a in crashes]
    return res
