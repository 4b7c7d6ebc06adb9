#!/usr/bin/env python3
"""mutant_runner_test.py — one ci/mutants run (mutant_runner.py): the reading of sample logs,
and fuzz_once against the fake libFuzzer (fake_libfuzzer.py).
Run by fuzzlib_test.py (ctest: ci.fuzzlib)."""
import hashlib
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mutant_runner  # noqa: E402
from supervisor_test import install_fake  # noqa: E402

ROOT = "/src/vto"


def timed(text, step=0.5):
    """[(seconds, line)]: one line every `step` seconds."""
    return [(i * step, l) for i, l in enumerate(text.splitlines())]


JIT_CRASH = """INFO: Seed: 7
INFO: seed corpus: files: 30 min: 1b max: 90b total: 900b rss: 300Mb
#2\tINITED cov: 10 ft: 10 corp: 30/900b exec/s: 0 rss: 400Mb
==3==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000010 (pc 0x7f0 bp 0x1 sp 0x2 T0)
    #0 0x7f0 (<unknown module>)
    #1 0x55 in vto::(anonymous namespace)::CallThrough(void*) /src/vto/lib/overlay/thunk.cc:40:3
SUMMARY: AddressSanitizer: SEGV (<unknown module>)
Test unit written to /w/artifacts/crash-aa
"""


class Outcome(unittest.TestCase):
    def test_an_oracle_failure_is_found_at_its_first_line(self):
        lines = timed("INFO: Seed: 1\nINFO: seed corpus: files: 3\nVTO ORACLE FAILURE: hierarchy h1: call of m0\n"
                      "SUMMARY: libFuzzer: deadly signal\nTest unit written to /w/artifacts/crash-1\n")
        r = mutant_runner.outcome(lines, 1, ["crash-1"], ROOT)
        self.assertEqual((r["found"], r["harness_error"], r["seconds"], r["init_seconds"]), (True, False, 1.0, 0.5))
        self.assertEqual(r["message"], "VTO ORACLE FAILURE: hierarchy h1: call of m0")  # not the SUMMARY

    def test_a_sanitizer_report_in_jit_code_names_the_project_frame(self):
        r = mutant_runner.outcome(timed(JIT_CRASH), 1, ["crash-aa"], ROOT)
        self.assertEqual(r["message"], "AddressSanitizer: SEGV in JIT'd code called from vto::CallThrough "
                                       "lib/overlay/thunk.cc:40:3")
        self.assertEqual(r["seconds"], 1.5)

    def test_a_harness_error_is_not_a_finding(self):
        lines = timed("INFO: Seed: 1\nVTO ORACLE FAILURE: x\nERROR: vtoverlay harness: no interpreter\n")
        r = mutant_runner.outcome(lines, 1, [], ROOT)
        self.assertEqual((r["found"], r["harness_error"], r["message"]),
                         (False, True, "ERROR: vtoverlay harness: no interpreter"))

    def test_clean_failed_and_killed(self):
        lines = timed("INFO: Seed: 1\nDone 100 runs in 5 second(s)\n")
        self.assertFalse(mutant_runner.outcome(lines, 0, [], ROOT)["found"])
        r = mutant_runner.outcome(lines, 77, [], ROOT, total=9.0)
        self.assertEqual((r["found"], r["message"], r["seconds"]), (True, "exit code 77", 9.0))
        r = mutant_runner.outcome(lines, -9, [], ROOT, killed=True, total=300.0, hang_grace=240)
        self.assertEqual(r["message"], "hang: killed 240 s after the budget")
        r = mutant_runner.outcome(lines, 0, ["timeout-1"], ROOT, total=4.0)  # an artifact alone is a finding
        self.assertEqual((r["found"], r["message"]), (True, "exit code 0"))


class FuzzOnce(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.fake = install_fake(self.dir, "fuzz_t")
        self.root = os.path.join(self.dir, "root")
        os.makedirs(os.path.join(self.root, "corpus", "fuzz_t"))
        for name, data in (("ok", b"ok"), ("boom", b"boom")):
            with open(os.path.join(self.root, "corpus", "fuzz_t", name), "wb") as f:
                f.write(data)
        self.work = os.path.join(self.dir, "work")

    def run_mode(self, mode, seconds=30, **kw):
        env = dict(os.environ, FAKE_MODE=mode, ASAN_OPTIONS="from_the_caller=1")
        return mutant_runner.fuzz_once(self.fake, "fuzz_t", seconds, self.work, env, self.root, **kw)

    def test_a_crash_is_caught(self):
        os.makedirs(os.path.join(self.work, "stale"))  # the work directory starts empty
        r = self.run_mode("crash-on-boom")
        self.assertTrue(r["found"])
        self.assertFalse(r["harness_error"])
        self.assertTrue(r["seeded"])
        self.assertEqual(r["exit_code"], 1)
        self.assertTrue(r["message"].startswith("VTO ORACLE FAILURE: hierarchy h1"), r["message"])
        self.assertEqual(r["artifacts"], [os.path.join(self.work, "artifacts",
                                                       "crash-" + hashlib.sha1(b"boom").hexdigest())])
        self.assertLessEqual(r["init_seconds"], r["seconds"])
        self.assertFalse(os.path.exists(os.path.join(self.work, "stale")))
        with open(r["log"]) as f:
            log = f.read()
        self.assertIn("ASAN_OPTIONS=from_the_caller=1", log)
        self.assertIn("-max_total_time=30 -print_final_stats=1 -timeout=90 -rss_limit_mb=3072", log)

    def test_harness_error_clean_and_failure(self):
        r = self.run_mode("harness-error")
        self.assertEqual((r["found"], r["harness_error"]), (False, True))
        r = self.run_mode("clean")
        self.assertEqual((r["found"], r["harness_error"], r["exit_code"]), (False, False, 0))
        self.assertNotIn("message", r)
        r = self.run_mode("no-finding")
        self.assertEqual((r["found"], r["message"]), (True, "exit code 1"))

    def test_a_hang_is_killed_and_caught(self):
        r = self.run_mode("stuck", seconds=0, hang_grace=0.5)
        self.assertTrue(r["found"])
        self.assertEqual(r["message"], "hang: killed 0.5 s after the budget")
        self.assertLess(r["wall_seconds"], 30)


if __name__ == "__main__":
    unittest.main()
