#!/usr/bin/env python3
"""supervisor_test.py — the workers of a ci/fuzz target (supervisor.py) against a fake
libFuzzer (fake_libfuzzer.py) that finds, fails, hangs or passes as told.
Run by fuzzlib_test.py (ctest: ci.fuzzlib)."""
import hashlib
import io
import os
import shutil
import stat
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import supervisor  # noqa: E402


def install_fake(directory, name="fake_fuzzer"):
    """fake_libfuzzer.py as an executable `name` in `directory`; returns its path."""
    path = os.path.join(directory, name)
    shutil.copyfile(os.path.join(HERE, "fake_libfuzzer.py"), path)
    os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)
    return path


class SupervisorTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.fake = install_fake(self.dir)
        self.work = os.path.join(self.dir, "work")
        os.makedirs(os.path.join(self.work, "corpus"))
        self.saved_env = dict(os.environ)
        self.addCleanup(lambda: (os.environ.clear(), os.environ.update(self.saved_env)))

    def campaign(self, mode, seeds=(), seconds=30, jobs=1, status_every=60, **kw):
        for i, data in enumerate(seeds):
            with open(os.path.join(self.work, "corpus", f"seed{i}"), "wb") as f:
                f.write(data)
        os.environ["FAKE_MODE"] = mode
        s = supervisor.Supervisor(self.fake, self.work, seconds=seconds, jobs=jobs, **kw)
        out = io.StringIO()
        s.run("fuzz_x", status_every=status_every, out=out)
        log = os.path.join(self.work, "fuzz.1.log")
        return s, out.getvalue(), supervisor._read(log) if os.path.exists(log) else None

    def test_restarts_after_a_finding_without_the_crashing_seed(self):
        _, status, log = self.campaign("crash-on-boom", [b"ok", b"boom"])
        self.assertIn("run 1 ended with exit code 1", log)
        self.assertIn("run 2 ended with exit code 0", log)
        self.assertEqual(os.listdir(os.path.join(self.work, "crashed-seeds")), ["seed1"])
        self.assertNotIn("seed1", os.listdir(os.path.join(self.work, "corpus")))
        self.assertIn("seed0", os.listdir(os.path.join(self.work, "corpus")))
        crash = "crash-" + hashlib.sha1(b"boom").hexdigest()
        self.assertEqual(os.listdir(os.path.join(self.work, "artifacts")), [crash])
        findings = supervisor._read(os.path.join(self.work, "findings.1")).split()
        self.assertEqual([os.path.basename(f) for f in findings], [crash])
        self.assertIn("fuzz_x: execs 600  exec/s 50  cov 12  corpus 2  crashes 1", status)
        rows = supervisor._read(os.path.join(self.work, "timeline.1.tsv")).splitlines()
        self.assertEqual(len(rows), 5)  # INITED, pulse; INITED, pulse, NEW — each after its milliseconds
        self.assertTrue(all(r.split("\t", 1)[0].isdigit() and r.split("\t", 1)[1].startswith("#") for r in rows))
        ms = [int(r.split("\t", 1)[0]) for r in rows]
        self.assertEqual(ms, sorted(ms))

    def test_libfuzzer_command_line(self):
        _, _, log = self.campaign("clean", seconds=30)
        args = next(l for l in log.splitlines() if l.startswith("INFO: fake libFuzzer: args ")).split()[4:]
        budget = int(next(a for a in args if a.startswith("-max_total_time=")).split("=")[1])
        self.assertTrue(25 <= budget <= 30, budget)
        for a in ("-print_final_stats=1", "-timeout=60", "-rss_limit_mb=3072",
                  "-artifact_prefix=" + os.path.join(self.work, "artifacts") + "/"):
            self.assertIn(a, args)
        self.assertEqual(args[-1], os.path.join(self.work, "corpus"))

    def test_stops_when_the_same_input_fails_again(self):
        _, _, log = self.campaign("always-crash", [b"ok"], seconds=8)  # a short budget bounds a regression
        self.assertIn("run 2 ended with exit code 1", log)
        self.assertIn(supervisor.REPEAT, log)
        self.assertNotIn("run 3", log)
        self.assertEqual(len(os.listdir(os.path.join(self.work, "artifacts"))), 1)

    def test_stops_on_a_harness_error(self):
        _, _, log = self.campaign("harness-error")
        self.assertIn("run 1 ended with exit code 2", log)
        self.assertNotIn("run 2", log)
        self.assertNotIn(supervisor.NO_FINDING, log)

    def test_stops_when_libfuzzer_fails_without_a_finding(self):
        _, _, log = self.campaign("no-finding")
        self.assertIn("libFuzzer failed without a finding (exit 1); not restarting", log)
        self.assertNotIn("run 2", log)

    def test_a_clean_run_ends_the_worker(self):
        _, status, log = self.campaign("clean", [b"a", b"b"])
        self.assertIn("run 1 ended with exit code 0", log)
        self.assertNotIn("run 2", log)
        self.assertIn("crashes 0", status)

    def test_every_worker_has_its_log_and_timeline(self):
        self.campaign("clean", [b"a"], jobs=3)
        for w in (1, 2, 3):
            self.assertIn("ended with exit code 0", supervisor._read(os.path.join(self.work, f"fuzz.{w}.log")))
            self.assertTrue(supervisor._read(os.path.join(self.work, f"timeline.{w}.tsv")))

    def test_a_budget_below_the_minimum_runs_nothing(self):
        _, status, log = self.campaign("clean", seconds=supervisor.MIN_RUN_SECONDS - 1)
        self.assertIsNone(log)
        self.assertIn("starting (JIT warm-up, seed corpus)", status)

    def test_an_interrupt_file_stops_before_a_run(self):
        open(os.path.join(self.dir, "stop"), "w").close()
        _, status, log = self.campaign("clean", interrupt_file=os.path.join(self.dir, "stop"))
        self.assertIsNone(log)
        self.assertIn("starting (JIT warm-up, seed corpus)  crashes 0", status)

    def test_request_stop_terminates_a_running_libfuzzer(self):
        os.environ["FAKE_MODE"] = "hang"
        os.environ["FAKE_HANG_SECONDS"] = "30"
        s = supervisor.Supervisor(self.fake, self.work, seconds=30)
        timer = threading.Timer(0.5, s.request_stop)
        timer.start()
        t0 = time.monotonic()
        s.run("fuzz_x", status_every=60, out=io.StringIO())
        self.assertLess(time.monotonic() - t0, 10)
        log = supervisor._read(os.path.join(self.work, "fuzz.1.log"))
        self.assertIn("run 1 ended with exit code -15", log)  # SIGTERM
        self.assertNotIn(supervisor.NO_FINDING, log)  # a stop is not a failure
        self.assertNotIn("run 2", log)

    def test_status_lines_every_n_seconds(self):
        os.environ["FAKE_HANG_SECONDS"] = "1.1"
        _, status, _ = self.campaign("hang", seconds=30, status_every=1)
        lines = status.splitlines()
        self.assertGreaterEqual(len(lines), 2, status)  # at least one on the way, and one at the end
        self.assertTrue(all(l.startswith("ci/fuzz: [") and "/30s] fuzz_x: " in l for l in lines), status)
        self.assertIn("exec/s 50", lines[-1])


if __name__ == "__main__":
    unittest.main()
