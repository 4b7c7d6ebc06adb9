"""supervisor.py — ci/fuzz's campaign of one target: N libFuzzer workers for a time budget,
each restarted after every finding, with a status line every few seconds.

Each worker is an in-process libFuzzer run on the working corpus <work>/corpus. After a run
ends with a finding (an artifact libFuzzer reports writing; slow units are not findings) the
worker moves the working-corpus inputs with the finding's contents out to crashed-seeds/ (else
every restart would fail on them again) and restarts, until the budget is spent. It stops
instead when the harness itself failed (run_outcome.HARNESS_ERROR), when libFuzzer failed
without a finding, or when the same input failed again right after a restart (an input
libFuzzer always runs first, such as the empty one: restarting cannot get past it).
libFuzzer's own -fork mode is not used: each short-lived child would pay the JIT warm-up of
the hierarchy cache again.

Files in <work> (the report reads them): fuzz.<w>.log (everything a worker's runs printed,
and one "ci/fuzz: worker <w> run <r> ended with exit code <c>" line per run), timeline.<w>.tsv
(every status line, after the milliseconds since the campaign of the target started and a tab),
findings.<w> (the artifacts already seen), artifacts/, crashed-seeds/.

Stopping: SIGTERM/SIGINT, or the file <interrupt_file> appearing, ends the runs (the current
libFuzzer process gets SIGTERM) and the supervisor returns what ran.

  python3 ci/fuzzlib/supervisor.py --bin B --target T --work DIR --seconds N [--jobs N]
                                   [--status-every N] [--interrupt-file F]

Exit status: 0 the budget was spent or a worker stopped (the logs say why); 2 bad arguments.
"""
import argparse
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import libfuzzer_log  # noqa: E402
import run_outcome  # noqa: E402

def _read(path, mode="r"):
    with open(path, mode, **({} if "b" in mode else {"errors": "replace"})) as f:
        return f.read()


MIN_RUN_SECONDS = 5  # a budget left below this is not worth a restart (init alone costs seconds)
STATUS_LINE = re.compile(r"^#[0-9]")  # what goes into the timeline (libfuzzer_log parses it)


class Campaign:
    """The workers of one target. Thread-safe: the workers run on their own threads; stop()
    may be called from any thread or a signal handler."""

    def __init__(self, binary, work, seconds, jobs=1, interrupt_file=None, extra_args=()):
        self.binary, self.work, self.seconds, self.jobs = binary, work, seconds, jobs
        self.interrupt_file = interrupt_file
        self.extra_args = list(extra_args)
        self.t0 = time.monotonic()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._children = {}
        for d in ("corpus", "artifacts", "crashed-seeds"):
            os.makedirs(os.path.join(work, d), exist_ok=True)

    # ---- stopping ----
    def stopped(self):
        return self._stop.is_set() or (self.interrupt_file is not None and os.path.exists(self.interrupt_file))

    def stop(self):
        self._stop.set()
        with self._lock:
            for proc in self._children.values():
                try:
                    proc.terminate()
                except OSError:
                    pass

    # ---- one worker ----
    def _run_once(self, w, left):
        log_path = os.path.join(self.work, f"fuzz.{w}.log")
        timeline_path = os.path.join(self.work, f"timeline.{w}.tsv")
        offset = os.path.getsize(log_path) if os.path.exists(log_path) else 0
        cmd = [self.binary, f"-max_total_time={left}", "-print_final_stats=1", "-timeout=60", "-rss_limit_mb=3072",
               "-artifact_prefix=" + os.path.join(self.work, "artifacts") + "/"] + self.extra_args + \
              [os.path.join(self.work, "corpus")]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
        with self._lock:
            self._children[w] = proc
        if self.stopped():
            proc.terminate()
        with open(log_path, "a") as log, open(timeline_path, "a") as timeline:
            for line in proc.stdout:
                log.write(line)
                if STATUS_LINE.match(line):
                    timeline.write(f"{int((time.monotonic() - self.t0) * 1000)}\t{line}")
                    timeline.flush()
        code = proc.wait()
        with self._lock:
            self._children.pop(w, None)
        return code, offset

    def worker(self, w):
        deadline = self.t0 + self.seconds
        log_path = os.path.join(self.work, f"fuzz.{w}.log")
        findings_path = os.path.join(self.work, f"findings.{w}")
        run = 0
        while not self.stopped():
            left = int(deadline - time.monotonic())
            if left < MIN_RUN_SECONDS:
                break
            run += 1
            code, offset = self._run_once(w, left)
            with open(log_path, "a") as log:
                log.write(f"ci/fuzz: worker {w} run {run} ended with exit code {code}\n")
            if code == 0:
                break
            text = _read(log_path)
            if run_outcome.is_harness_error(text):
                break
            found = run_outcome.written_artifacts(text[offset:])
            if not found:
                if not self.stopped():
                    with open(log_path, "a") as log:
                        log.write(f"ci/fuzz: worker {w}: libFuzzer failed without a finding (exit {code}); "
                                  "not restarting\n")
                break
            seen = _read(findings_path).split("\n") if os.path.exists(findings_path) else []
            if any(f in seen for f in found):
                with open(log_path, "a") as log:
                    log.write(f"ci/fuzz: worker {w}: the same input failed again after a restart "
                              f"({os.path.basename(found[0])}); not restarting\n")
                break
            with open(findings_path, "a") as f:
                f.write("".join(a + "\n" for a in found))
            self._move_out_of_corpus(found)

    def _move_out_of_corpus(self, artifacts):
        """Moves the working-corpus files whose contents are a finding's to crashed-seeds/."""
        sums = {os.path.basename(a).rsplit("-", 1)[-1] for a in artifacts}
        corpus = os.path.join(self.work, "corpus")
        for root, _, files in os.walk(corpus):
            for name in files:
                path = os.path.join(root, name)
                try:
                    digest = hashlib.sha1(_read(path, "rb")).hexdigest()
                except OSError:
                    continue
                if digest in sums:
                    shutil.move(path, os.path.join(self.work, "crashed-seeds", name))

    # ---- status ----
    def status_line(self, target):
        execs = eps = cov = corp = 0
        started = False
        for w in range(1, self.jobs + 1):
            path = os.path.join(self.work, f"timeline.{w}.tsv")
            rows = libfuzzer_log.parse_timeline(_read(path)) if os.path.exists(path) else []
            if not rows:
                continue
            started = True
            last = rows[-1]
            execs += last["execs"]
            eps += last["exec_per_s"]
            cov = max(cov, last["cov"])
            corp = max(corp, last["corpus"])
        crashes = len([a for a in os.listdir(os.path.join(self.work, "artifacts")) if not a.startswith("slow-unit-")])
        elapsed = int(time.monotonic() - self.t0)
        head = f"ci/fuzz: [{elapsed:4d}s/{self.seconds}s] {target}: "
        if not started or (execs == 0 and cov == 0):
            return head + f"starting (JIT warm-up, seed corpus)  crashes {crashes}"
        return head + f"execs {execs}  exec/s {eps}  cov {cov}  corpus {corp}  crashes {crashes}"

    def run(self, target, status_every=10, out=sys.stdout):
        threads = [threading.Thread(target=self.worker, args=(w,), daemon=True) for w in range(1, self.jobs + 1)]
        for t in threads:
            t.start()
        next_status = time.monotonic() + status_every
        while any(t.is_alive() for t in threads):
            for t in threads:
                t.join(timeout=0.2)
            if self.stopped():
                self.stop()
            if time.monotonic() >= next_status:
                print(self.status_line(target), file=out, flush=True)
                next_status = time.monotonic() + status_every
        print(self.status_line(target), file=out, flush=True)


def main(argv):
    ap = argparse.ArgumentParser(prog="supervisor.py", description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--target", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--seconds", type=int, required=True)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--status-every", type=int, default=10)
    ap.add_argument("--interrupt-file")
    try:
        args = ap.parse_args(argv[1:])
    except SystemExit:
        return 2
    if args.seconds < 0 or args.jobs < 1 or args.status_every < 1:
        print("ERROR: supervisor.py: --seconds >= 0, --jobs >= 1 and --status-every >= 1", file=sys.stderr)
        return 2
    if not os.access(args.bin, os.X_OK):
        print(f"ERROR: supervisor.py: {args.bin} is not an executable", file=sys.stderr)
        return 2
    campaign = Campaign(args.bin, args.work, args.seconds, args.jobs, args.interrupt_file)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: campaign.stop())
    campaign.run(args.target, args.status_every)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
