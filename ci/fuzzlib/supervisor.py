"""supervisor.py — the workers of one target in a ci/fuzz campaign (campaign.py): N libFuzzer
processes for a time budget, each restarted after every finding, with a status line every few
seconds.

Each worker is an in-process libFuzzer run on the working corpus <work>/corpus. With
--vto-keep_going among the extra arguments (ci/fuzz passes it) the harness records oracle
failures and goes on in the same process ("VTO FINDING: Test unit written to ..."): those do not
end a run and are not restarted for. After a run ends with a finding (an artifact libFuzzer reports writing; slow units are not findings) the
worker moves the working-corpus inputs with the finding's contents out to crashed-seeds/ (else
every restart would fail on them again) and restarts, until the budget is spent. It stops
instead when the harness itself failed (run_outcome: harness error), when libFuzzer failed
without a finding (NO_FINDING), or when the same input failed again right after a restart
(REPEAT: an input libFuzzer always runs first, such as the empty one: restarting cannot get
past it). libFuzzer's own -fork mode is not used: each short-lived child would pay the JIT
warm-up of the hierarchy cache again.

Files in <work> (the report reads them): fuzz.<w>.log (everything a worker's runs printed,
and one "ci/fuzz: worker <w> run <r> ended with exit code <c>" line per run), timeline.<w>.tsv
(every status line, after the milliseconds since the campaign of the target started and a tab),
findings.<w> (the artifacts already seen), artifacts/, crashed-seeds/.

Stopping: request_stop() (safe in a signal handler), or the file <interrupt_file> appearing,
ends the runs (the current libFuzzer process gets SIGTERM); run() returns what ran.
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import libfuzzer_log  # noqa: E402
import run_outcome  # noqa: E402

MIN_RUN_SECONDS = 5  # a budget left below this is not worth a restart (init alone costs seconds)
STATUS_LINE = re.compile(r"^#[0-9]")  # what goes into the timeline (libfuzzer_log parses it)
# The notes a worker writes into its log when it stops early (campaign.py looks for NO_FINDING).
NO_FINDING = "failed without a finding"
REPEAT = "the same input failed again after a restart"


def _read(path, mode="r"):
    with open(path, mode, **({} if "b" in mode else {"errors": "replace"})) as f:
        return f.read()


def _note(log_path, text):
    with open(log_path, "a") as log:
        log.write(text + "\n")


class Supervisor:
    """The workers of one target. The workers run on their own threads; request_stop() may be
    called from any thread or a signal handler."""

    def __init__(self, binary, work, seconds, jobs=1, interrupt_file=None, extra_args=(), timeout=60):
        self.binary, self.work, self.seconds, self.jobs = binary, work, seconds, jobs
        self.timeout = timeout  # libFuzzer's -timeout: seconds one input may run
        self.interrupt_file = interrupt_file
        self.extra_args = list(extra_args)
        self.t0 = time.monotonic()
        self._stop = threading.Event()
        self._lock = threading.RLock()
        self._children = {}
        for d in ("corpus", "artifacts", "crashed-seeds"):
            os.makedirs(os.path.join(work, d), exist_ok=True)

    # ---- stopping ----
    def stopped(self):
        return self._stop.is_set() or (self.interrupt_file is not None and os.path.exists(self.interrupt_file))

    def request_stop(self):
        """Only sets a flag: run() terminates the libFuzzer processes within 0.2 s."""
        self._stop.set()

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
        """One libFuzzer process; returns its exit code and what it printed."""
        log_path = os.path.join(self.work, f"fuzz.{w}.log")
        timeline_path = os.path.join(self.work, f"timeline.{w}.tsv")
        cmd = [self.binary, f"-max_total_time={left}", "-print_final_stats=1", f"-timeout={self.timeout}",
               "-rss_limit_mb=3072", "-artifact_prefix=" + os.path.join(self.work, "artifacts") + "/"] + self.extra_args + \
              [os.path.join(self.work, "corpus")]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
        with self._lock:
            self._children[w] = proc
        if self.stopped():
            proc.terminate()
        printed = []
        with open(log_path, "a") as log, open(timeline_path, "a") as timeline, proc.stdout:
            for line in proc.stdout:
                log.write(line)
                printed.append(line)
                if STATUS_LINE.match(line):
                    timeline.write(f"{int((time.monotonic() - self.t0) * 1000)}\t{line}")
                    timeline.flush()
        code = proc.wait()
        with self._lock:
            self._children.pop(w, None)
        return code, "".join(printed)

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
            code, printed = self._run_once(w, left)
            _note(log_path, f"ci/fuzz: worker {w} run {run} ended with exit code {code}")
            if code == 0:
                break
            # Findings the harness kept going after (keep-going) did not end the run.
            outcome = run_outcome.classify(printed, code, run_outcome.ending_artifacts(printed))
            if outcome.kind == run_outcome.Kind.HARNESS_ERROR:
                break
            if not outcome.artifacts:
                if not self.stopped():
                    _note(log_path, f"ci/fuzz: worker {w}: libFuzzer {NO_FINDING} (exit {code}); not restarting")
                break
            seen = _read(findings_path).split("\n") if os.path.exists(findings_path) else []
            if any(f in seen for f in outcome.artifacts):
                _note(log_path, f"ci/fuzz: worker {w}: {REPEAT} "
                                f"({os.path.basename(outcome.artifacts[0])}); not restarting")
                break
            with open(findings_path, "a") as f:
                f.write("".join(a + "\n" for a in outcome.artifacts))
            self._move_out_of_corpus(outcome.artifacts)

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

    def run(self, target, status_every=10, out=None):
        """Runs the workers to their end, a status line on `out` (default stdout) every
        `status_every` seconds and one at the end."""
        out = out or sys.stdout
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
