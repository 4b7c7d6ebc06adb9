#!/usr/bin/env python3
"""supervisor_test.py — ci/fuzz's supervisor (supervisor.py) against a fake libFuzzer: a
small script with libFuzzer's command line and output that finds, fails or passes as told.
Run by fuzzlib_test.py (ctest: ci.fuzzlib)."""
import hashlib
import io
import os
import stat
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import supervisor  # noqa: E402

FAKE = r'''#!/usr/bin/env python3
import hashlib, os, sys
args = sys.argv[1:]
prefix = next(a.split("=", 1)[1] for a in args if a.startswith("-artifact_prefix="))
corpus = args[-1]
mode = os.environ["FAKE_MODE"]
print("INFO: Seed: 1")
files = sorted(os.listdir(corpus))
print(f"#2\tINITED cov: 10 ft: 20 corp: {len(files)}/100b exec/s: 0 rss: 30Mb")
print(f"#512\tpulse  cov: 12 ft: 22 corp: {len(files)}/100b lim: 4 exec/s: 50 rss: 31Mb")
def crash(data):
    path = prefix + "crash-" + hashlib.sha1(data).hexdigest()
    open(path, "wb").write(data)
    print("VTO ORACLE FAILURE: hierarchy h1: call of m0: expected id 3")
    print("Test unit written to " + path)
    sys.exit(1)
if mode == "harness-error":
    print("ERROR: vtoverlay harness: cannot compile")
    sys.exit(2)
if mode == "no-finding":
    sys.exit(1)
if mode == "always-crash":
    crash(b"")
if mode == "crash-on-boom":
    for f in files:
        if open(os.path.join(corpus, f), "rb").read() == b"boom":
            crash(b"boom")
print("Done 512 runs")
sys.exit(0)
'''


class Supervisor(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.fake = os.path.join(self.dir, "fake_fuzzer")
        with open(self.fake, "w") as f:
            f.write(FAKE)
        os.chmod(self.fake, os.stat(self.fake).st_mode | stat.S_IEXEC)
        self.work = os.path.join(self.dir, "work")
        os.makedirs(os.path.join(self.work, "corpus"))

    def campaign(self, mode, seeds=()):
        for i, data in enumerate(seeds):
            with open(os.path.join(self.work, "corpus", f"seed{i}"), "wb") as f:
                f.write(data)
        os.environ["FAKE_MODE"] = mode
        c = supervisor.Campaign(self.fake, self.work, seconds=30)
        out = io.StringIO()
        c.run("fuzz_x", status_every=60, out=out)
        with open(os.path.join(self.work, "fuzz.1.log")) as f:
            return c, out.getvalue(), f.read()

    def test_restarts_after_a_finding_without_the_crashing_seed(self):
        c, status, log = self.campaign("crash-on-boom", [b"ok", b"boom"])
        self.assertIn("run 1 ended with exit code 1", log)
        self.assertIn("run 2 ended with exit code 0", log)
        self.assertEqual(os.listdir(os.path.join(self.work, "crashed-seeds")), ["seed1"])
        self.assertEqual(sorted(os.listdir(os.path.join(self.work, "corpus"))), ["seed0"])
        findings = supervisor._read(os.path.join(self.work, "findings.1")).split()
        self.assertEqual([os.path.basename(f) for f in findings], ["crash-" + hashlib.sha1(b"boom").hexdigest()])
        self.assertIn("fuzz_x: execs 512  exec/s 50  cov 12  corpus 1  crashes 1", status)
        rows = supervisor._read(os.path.join(self.work, "timeline.1.tsv")).splitlines()
        self.assertEqual(len(rows), 4)  # two status lines per run, each after its milliseconds
        self.assertTrue(all(r.split("\t", 1)[0].isdigit() and r.split("\t", 1)[1].startswith("#") for r in rows))

    def test_stops_when_the_same_input_fails_again(self):
        _, _, log = self.campaign("always-crash", [b"ok"])
        self.assertIn("run 2 ended with exit code 1", log)
        self.assertIn("the same input failed again after a restart", log)
        self.assertNotIn("run 3", log)

    def test_stops_on_a_harness_error(self):
        _, _, log = self.campaign("harness-error")
        self.assertIn("run 1 ended with exit code 2", log)
        self.assertNotIn("run 2", log)
        self.assertNotIn("without a finding", log)

    def test_stops_when_libfuzzer_fails_without_a_finding(self):
        _, _, log = self.campaign("no-finding")
        self.assertIn("libFuzzer failed without a finding (exit 1); not restarting", log)
        self.assertNotIn("run 2", log)

    def test_a_clean_run_ends_the_worker(self):
        c, status, log = self.campaign("clean", [b"a", b"b"])
        self.assertIn("run 1 ended with exit code 0", log)
        self.assertNotIn("run 2", log)
        self.assertIn("crashes 0", status)

    def test_an_interrupt_file_stops_before_a_run(self):
        open(os.path.join(self.dir, "stop"), "w").close()
        os.environ["FAKE_MODE"] = "clean"
        c = supervisor.Campaign(self.fake, self.work, seconds=30, interrupt_file=os.path.join(self.dir, "stop"))
        out = io.StringIO()
        c.run("fuzz_x", status_every=60, out=out)
        self.assertFalse(os.path.exists(os.path.join(self.work, "fuzz.1.log")))
        self.assertIn("starting (JIT warm-up, seed corpus)  crashes 0", out.getvalue())

    def test_bad_arguments(self):
        self.assertEqual(supervisor.main(["supervisor.py", "--bin", "/nonexistent", "--target", "t", "--work",
                                          self.work, "--seconds", "5"]), 2)
        self.assertEqual(supervisor.main(["supervisor.py", "--bin", self.fake, "--target", "t", "--work", self.work,
                                          "--seconds", "5", "--jobs", "0"]), 2)


if __name__ == "__main__":
    unittest.main()
