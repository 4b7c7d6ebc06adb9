#!/usr/bin/env python3
"""campaign_test.py — ci/fuzz end to end (campaign.py, run as ci/fuzz runs it) in a small
source tree of its own, with a fake cmake that "builds" each target as a copy of the fake
libFuzzer (fake_libfuzzer.py): builds, workers, restarts, triage, merge, meta.json,
campaign.json, the report, interruptions and the exit status. Also ci/fuzz's own arguments.
Run by fuzzlib_test.py (ctest: ci.fuzzlib)."""
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import campaign  # noqa: E402

CAMPAIGN = os.path.join(HERE, "campaign.py")
CI_FUZZ = os.path.join(os.path.dirname(HERE), "fuzz")

FAKE_CMAKE = r'''#!/usr/bin/env python3
import os, shutil, sys, time
args = sys.argv[1:]
with open(os.environ["FAKE_CMAKE_LOG"], "a") as f:
    f.write(" ".join(args) + "\n")
fail = os.environ.get("FAKE_CMAKE_FAIL", "")
if os.environ.get("FAKE_CMAKE_SLEEP"):
    time.sleep(float(os.environ["FAKE_CMAKE_SLEEP"]))
if args[0] == "--preset":
    if fail == "configure":
        print("CMake Error: fake configure failure")
        sys.exit(1)
    os.makedirs(args[args.index("-B") + 1], exist_ok=True)
    sys.exit(0)
if args[0] == "--build":
    if fail == "build":
        print("error: fake build failure")
        sys.exit(1)
    i = args.index("--target") + 1
    os.makedirs(os.path.join(args[1], "fuzz"), exist_ok=True)
    while i < len(args) and args[i] != "-j":
        if args[i] != fail:  # FAKE_CMAKE_FAIL=<target>: that binary is not made
            dst = os.path.join(args[1], "fuzz", args[i])
            shutil.copyfile(os.environ["FAKE_LIBFUZZER"], dst)
            os.chmod(dst, 0o755)
        i += 1
    sys.exit(0)
sys.exit(2)
'''

CMAKELISTS = """set(VTO_FUZZ_TARGETS fuzz_a fuzz_race)
set(VTO_FUZZ_TSAN_ONLY_TARGETS fuzz_race)
"""


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


class CampaignTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.root, True)
        files = {"fuzz/CMakeLists.txt": CMAKELISTS,
                 "sanitizers/asan.options": "halt_on_error=1\n",
                 "sanitizers/asan.fuzz.options": "# campaigns only\ndetect_leaks=0\n",
                 "corpus/fuzz_a/seed0": "ok", "corpus/fuzz_a/seed1": "boom",
                 "tools/cmake": FAKE_CMAKE}
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(self.root, rel)), exist_ok=True)
            with open(os.path.join(self.root, rel), "w") as f:
                f.write(text)
        os.chmod(os.path.join(self.root, "tools/cmake"), 0o755)
        self.out = os.path.join(self.root, "out")
        self.cmake_log = os.path.join(self.root, "cmake.log")
        self.env = dict(os.environ, PATH=os.path.join(self.root, "tools") + os.pathsep + os.environ["PATH"],
                        PYTHONDONTWRITEBYTECODE="1", FAKE_CMAKE_LOG=self.cmake_log,
                        FAKE_LIBFUZZER=os.path.join(HERE, "fake_libfuzzer.py"))

    def command(self, args, modes):
        env = dict(self.env, **{"FAKE_MODE_" + t: m for t, m in modes.items()})
        cmd = [sys.executable, CAMPAIGN, "--no-setup", "--build-prefix", "b/", "--out", self.out,
               "--minimize-seconds", "5", "--status-every", "60"] + list(args)
        return cmd, env

    def ci_fuzz(self, *args, **modes):
        cmd, env = self.command(args, modes)
        p = subprocess.run(cmd, cwd=self.root, env=env, capture_output=True, text=True, timeout=120)
        return p.returncode, p.stdout, p.stderr

    def json(self, *rel):
        return json.loads(read(os.path.join(self.out, *rel)))

    def test_a_finding_restarts_is_triaged_and_exits_1(self):
        code, out, err = self.ci_fuzz("--seconds", "30", fuzz_a="crash-on-boom", fuzz_race="clean")
        self.assertEqual(code, 1, out + err)
        self.assertIn("ci/fuzz: FOUND crashes (exit 1)", out)
        # Each preset once, only its targets.
        cmake = read(self.cmake_log).splitlines()
        self.assertEqual(cmake[0], f"--preset fuzz -B {self.root}/b/fuzz")
        self.assertTrue(cmake[1].startswith(f"--build {self.root}/b/fuzz --target fuzz_a -j "), cmake)
        self.assertEqual(cmake[2], f"--preset fuzz-tsan -B {self.root}/b/fuzz-tsan")
        self.assertTrue(cmake[3].startswith(f"--build {self.root}/b/fuzz-tsan --target fuzz_race -j "), cmake)
        for name in ("configure.fuzz.log", "build.fuzz.log", "configure.fuzz-tsan.log", "build.fuzz-tsan.log"):
            self.assertTrue(os.path.exists(os.path.join(self.out, name)), name)
        a = os.path.join(self.out, "fuzz_a")
        log = read(os.path.join(a, "fuzz.1.log"))
        self.assertIn("ci/fuzz: worker 1 run 1 ended with exit code 1", log)
        self.assertIn("ci/fuzz: worker 1 run 2 ended with exit code 0", log)
        # The sanitizer options of the tree's sanitizers/ (fuzz mode) reached libFuzzer.
        self.assertIn("ASAN_OPTIONS=halt_on_error=1:detect_leaks=0:external_symbolizer_path=", log)
        crash = "crash-" + hashlib.sha1(b"boom").hexdigest()
        self.assertEqual(os.listdir(os.path.join(a, "artifacts")), [crash])
        self.assertEqual(os.listdir(os.path.join(a, "crashed-seeds")), ["seed1"])
        self.assertEqual(read(os.path.join(a, "findings.1")).split(), [os.path.join(a, "artifacts", crash)])
        self.assertEqual(len(read(os.path.join(a, "timeline.1.tsv")).splitlines()), 5)
        triage = self.json("fuzz_a", "triage.json")
        self.assertEqual(triage["crashes"], 1)
        self.assertTrue(triage["groups"][0]["kind"].startswith("oracle: "), triage)
        self.assertIn("MERGE-OUTER: 1 new files", read(os.path.join(a, "merge.log")))
        meta = self.json("fuzz_a", "meta.json")
        self.assertEqual({k: meta[k] for k in ("target", "preset", "seconds", "status", "workers", "corpus_before",
                                               "corpus_after")},
                         {"target": "fuzz_a", "preset": "fuzz", "seconds": 30, "status": "1 finding(s), 1 new and 0 known signature(s)", "workers": 1,
                          "corpus_before": 2, "corpus_after": 3})
        self.assertEqual(meta["corpus_after_bytes"] - meta["corpus_before_bytes"], len("fresh-1"))
        self.assertIsInstance(meta["fuzz_seconds_measured"], int)
        race = self.json("fuzz_race", "meta.json")
        self.assertEqual((race["preset"], race["status"], race["corpus_before"], race["corpus_after"]),
                         ("fuzz-tsan", "clean", 0, 1))
        self.assertEqual(os.listdir(os.path.join(self.root, "corpus", "fuzz_race")),
                         [hashlib.sha1(b"fresh-0").hexdigest()])  # merged into the tree's corpus
        c = self.json("campaign.json")
        self.assertEqual({k: c[k] for k in ("seconds", "backend", "exit_code", "verdict", "interrupted", "out")},
                         {"seconds": 30, "backend": None, "exit_code": 1, "verdict": "crash found",
                          "interrupted": False, "out": self.out})
        report = self.json("report.json")
        self.assertEqual([t["target"] for t in report["targets"]], ["fuzz_a", "fuzz_race"])
        self.assertEqual(report["targets"][0]["runs"], 2)
        for name in ("report.html", "report.txt"):
            self.assertTrue(os.path.exists(os.path.join(self.out, name)))
        self.assertFalse(os.path.exists(os.path.join(self.out, ".interrupted")))

    def test_a_clean_campaign_with_workers_and_a_backend_exits_0(self):
        backend = os.path.join(self.root, "libb.so")
        open(backend, "w").close()
        code, out, err = self.ci_fuzz("--targets", "fuzz_race", "--jobs", "2", "--no-merge", "--backend", "libb.so",
                                      fuzz_race="clean")
        self.assertEqual(code, 0, out + err)
        self.assertIn("ci/fuzz: clean (exit 0)", out)
        self.assertIn("=== ci/fuzz: fuzz_race (fuzz-tsan) for 120s with 2 worker(s)", out)
        self.assertEqual(read(self.cmake_log).count("--preset"), 1)
        for w in (1, 2):
            self.assertIn("VTO_BACKEND=" + backend, read(os.path.join(self.out, "fuzz_race", f"fuzz.{w}.log")))
            self.assertNotIn("--vto-warm_restarts", read(os.path.join(self.out, "fuzz_race", f"fuzz.{w}.log")))
        self.assertFalse(os.path.exists(os.path.join(self.out, "fuzz_race", "merge.log")))
        self.assertEqual(os.listdir(os.path.join(self.root, "corpus", "fuzz_race")), [])  # --no-merge
        self.assertEqual(self.json("fuzz_race", "meta.json")["workers"], 2)
        self.assertEqual(self.json("campaign.json")["backend"], backend)
        self.assertFalse(os.path.exists(os.path.join(self.out, "fuzz_a")))

    def keep_going_campaign(self, *args):
        with open(os.path.join(self.root, "corpus/fuzz_a/seed2"), "w") as f:
            f.write("bang")
        return self.ci_fuzz("--targets", "fuzz_a", "--seconds", "8", *args, fuzz_a="keep-going")

    def test_kept_findings_do_not_end_the_run_and_are_triaged_apart(self):
        code, out, err = self.keep_going_campaign()
        self.assertEqual(code, 1, out + err)
        a = os.path.join(self.out, "fuzz_a")
        log = read(os.path.join(a, "fuzz.1.log"))
        self.assertIn("--vto-keep_going=%d" % campaign.KEEP_GOING, log)  # the harness was asked to keep going
        self.assertIn("--vto-warm_restarts=1", log)  # an ASan target restarts warm
        self.assertIn("ci/fuzz: worker 1 run 1 ended with exit code 0", log)
        self.assertNotIn("run 2", log)  # two findings, one process
        self.assertEqual(os.listdir(os.path.join(a, "crashed-seeds")), [])
        triage = self.json("fuzz_a", "triage.json")
        self.assertEqual(sorted(g["kind"] for g in triage["groups"]), ["oracle: call of", "oracle: unexpected refusal of"])
        self.assertEqual([g["known"] for g in triage["groups"]], [False, False])
        sig = read(os.path.join(self.out, "signatures.txt"))
        self.assertEqual(len([l for l in sig.splitlines() if " NEW  fuzz_a: oracle: " in l]), 2, sig)

    def test_known_signatures_are_reported_apart_and_only_new_ones_exit_1(self):
        code, out, err = self.keep_going_campaign()
        self.assertEqual(code, 1, out + err)
        groups = {g["kind"]: g["key_id"] for g in self.json("fuzz_a", "triage.json")["groups"]}
        known = os.path.join(self.root, "known.txt")
        with open(known, "w") as f:
            f.write("# accepted\n\n%s  fuzz_a: the refusal bug\n" % groups["oracle: unexpected refusal of"])
        code, out, err = self.keep_going_campaign("--known", known)
        self.assertEqual(code, 1, out + err)  # the other one is new
        self.assertEqual(self.json("fuzz_a", "meta.json")["status"], "2 finding(s), 1 new and 1 known signature(s)")
        self.assertIn("KNOWN key: oracle: unexpected refusal of", out)
        text = read(os.path.join(self.out, "report.txt"))
        self.assertIn("known fuzz_a: 1 x oracle: unexpected refusal of", text)
        self.assertIn("NEW   fuzz_a: 1 x oracle: call of", text)
        shutil.copyfile(os.path.join(self.out, "signatures.txt"), known)  # adopt every signature
        code, out, err = self.keep_going_campaign("--known", known)
        self.assertEqual(code, 0, out + err)
        self.assertEqual(self.json("campaign.json")["verdict"], "only known findings")

    def test_without_keep_going_a_finding_ends_the_run(self):
        code, out, err = self.keep_going_campaign("--no-keep-going")
        self.assertEqual(code, 1, out + err)
        log = read(os.path.join(self.out, "fuzz_a", "fuzz.1.log"))
        self.assertNotIn("--vto-keep_going", log)
        self.assertIn("--vto-warm_restarts=1", log)
        self.assertIn("ci/fuzz: worker 1 run 1 ended with exit code 1", log)

    def test_a_bad_known_file_exits_2_before_building(self):
        known = os.path.join(self.root, "known.txt")
        with open(known, "w") as f:
            f.write("0123456789ab ok\noracle: call of @ X\n")
        code, out, err = self.ci_fuzz("--targets", "fuzz_a", "--known", known)
        self.assertEqual(code, 2, out + err)
        self.assertIn(f"ERROR: ci/fuzz: --known: {known}:2: expected a 12-hex signature id (as in signatures.txt), "
                      "got 'oracle:'", err)
        self.assertFalse(os.path.exists(self.cmake_log))
        code, out, err = self.ci_fuzz("--targets", "fuzz_a", "--known", "missing.txt")
        self.assertEqual(code, 2, out + err)
        self.assertIn("ERROR: ci/fuzz: --known: cannot read", err)

    def test_a_harness_error_exits_2(self):
        code, out, err = self.ci_fuzz("--targets", "fuzz_a", fuzz_a="harness-error")
        self.assertEqual(code, 2, out + err)
        self.assertIn("ERROR: vtoverlay harness: cannot compile the hierarchy", err)
        self.assertIn(f"ERROR: ci/fuzz: the harness itself failed (exit 2); see the logs in {self.out}", err)
        self.assertEqual(self.json("fuzz_a", "meta.json")["status"], "harness error")
        self.assertNotIn("run 2", read(os.path.join(self.out, "fuzz_a", "fuzz.1.log")))
        self.assertTrue(os.path.exists(os.path.join(self.out, "report.json")))

    def test_libfuzzer_failing_without_a_finding_exits_2(self):
        code, out, err = self.ci_fuzz("--targets", "fuzz_a", fuzz_a="no-finding")
        self.assertEqual(code, 2, out + err)
        self.assertEqual(self.json("fuzz_a", "meta.json")["status"], "libFuzzer failed")
        self.assertEqual(self.json("campaign.json")["verdict"], "the harness itself failed")

    def test_the_same_input_failing_twice_is_a_finding_that_stops_the_worker(self):
        code, out, err = self.ci_fuzz("--targets", "fuzz_a", "--seconds", "8", fuzz_a="always-crash")
        self.assertEqual(code, 1, out + err)
        log = read(os.path.join(self.out, "fuzz_a", "fuzz.1.log"))
        self.assertIn("the same input failed again after a restart", log)
        self.assertNotIn("run 3", log)
        self.assertEqual(self.json("fuzz_a", "meta.json")["status"], "1 finding(s), 1 new and 0 known signature(s)")

    def test_sigterm_while_fuzzing_writes_the_report_from_what_ran(self):
        cmd, env = self.command(["--seconds", "30"], {"fuzz_a": "hang", "fuzz_race": "clean"})
        proc = subprocess.Popen(cmd, cwd=self.root, env=dict(env, FAKE_HANG_SECONDS="60"), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        log = os.path.join(self.out, "fuzz_a", "fuzz.1.log")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (os.path.exists(log) and "INITED" in read(log)):
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 2, out + err)
        self.assertIn("ci/fuzz: interrupted; stopping the workers and writing the report from what ran", err)
        self.assertIn("ERROR: ci/fuzz: interrupted before the budget was spent (exit 2)", err)
        c = self.json("campaign.json")
        self.assertEqual((c["interrupted"], c["exit_code"]), (True, 2))
        self.assertEqual([t["target"] for t in self.json("report.json")["targets"]], ["fuzz_a"])
        self.assertFalse(os.path.exists(os.path.join(self.out, "fuzz_race")))  # the next target did not start
        self.assertFalse(os.path.exists(os.path.join(self.out, "fuzz_a", "merge.log")))  # no merge
        self.assertEqual(self.json("fuzz_a", "meta.json")["status"], "clean")
        self.assertFalse(os.path.exists(os.path.join(self.out, ".interrupted")))

    def test_sigterm_before_fuzzing_exits_2_at_once(self):
        cmd, env = self.command([], {})
        proc = subprocess.Popen(cmd, cwd=self.root, env=dict(env, FAKE_CMAKE_SLEEP="60"), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not os.path.exists(self.cmake_log):
            time.sleep(0.05)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        self.assertLess(time.monotonic() - t0, 30)
        self.assertEqual(proc.returncode, 2, out + err)
        self.assertIn("ERROR: ci/fuzz: interrupted before fuzzing began (exit 2)", err)
        self.assertFalse(os.path.exists(os.path.join(self.out, "campaign.json")))

    def test_build_failures_exit_2(self):
        for fail, message in (("configure", f"configure of preset fuzz failed (log: {self.out}/configure.fuzz.log)"),
                              ("build", f"build of preset fuzz failed (log: {self.out}/build.fuzz.log)"),
                              ("fuzz_a", f"{self.root}/b/fuzz/fuzz/fuzz_a was not built")):
            self.env["FAKE_CMAKE_FAIL"] = fail
            code, out, err = self.ci_fuzz("--targets", "fuzz_a")
            self.assertEqual(code, 2, out + err)
            self.assertIn("ERROR: ci/fuzz: " + message, err)
            if fail != "fuzz_a":
                self.assertIn(f"fake {fail} failure", out)  # the log's tail

    def test_prebuilt_binaries_are_fuzzed_without_a_build_or_a_merge(self):
        pre = os.path.join(self.root, "installed", "bin")
        os.makedirs(pre)
        shutil.copyfile(self.env["FAKE_LIBFUZZER"], os.path.join(pre, "fuzz_a"))
        os.chmod(os.path.join(pre, "fuzz_a"), 0o755)
        code, out, err = self.ci_fuzz("--targets", "fuzz_a", "--seconds", "8", "--prebuilt", pre,
                                      fuzz_a="crash-on-boom")
        self.assertEqual(code, 1, out + err)
        self.assertFalse(os.path.exists(self.cmake_log))  # nothing configured or built
        self.assertIn(f"=== ci/fuzz: fuzz_a: prebuilt {pre}/fuzz_a", out)
        self.assertIn("no merge into", out)
        self.assertFalse(os.path.exists(os.path.join(self.out, "fuzz_a", "merge.log")))
        self.assertEqual(sorted(os.listdir(os.path.join(self.root, "corpus", "fuzz_a"))), ["seed0", "seed1"])
        group = self.json("fuzz_a", "triage.json")["groups"][0]
        self.assertTrue(group["reproducer"]["status"].startswith("not available: prebuilt binaries"), group)
        self.assertEqual(self.json("fuzz_a", "meta.json")["status"], "1 finding(s), 1 new and 0 known signature(s)")
        # The race target needs a ThreadSanitizer build of its own; a missing binary is named.
        code, out, err = self.ci_fuzz("--prebuilt", pre, fuzz_a="clean")
        self.assertEqual(code, 2, out + err)
        self.assertIn("ERROR: ci/fuzz: fuzz_race is fuzzed in the fuzz-tsan preset: give its binary's directory with "
                      "--prebuilt-tsan DIR (or leave fuzz_race out with --targets)", err)
        code, out, err = self.ci_fuzz("--targets", "fuzz_race", "--prebuilt-tsan", pre)
        self.assertEqual(code, 2, out + err)
        self.assertIn(f"ERROR: ci/fuzz: --prebuilt-tsan: no executable fuzz_race in {pre}", err)

    def test_arguments(self):
        def fails(args, message):
            with self.assertRaises(campaign.Fail) as e:
                campaign.parse_args(args)
            self.assertEqual(str(e.exception), message)

        o = campaign.parse_args([])
        self.assertEqual((o.seconds, o.jobs, o.minimize_seconds, o.status_every, o.build_prefix, o.targets, o.out,
                          o.backend, o.setup, o.merge, o.coverage), (120, 1, 60, 10, "build/", "", "", "", True, True,
                                                                    False))
        o = campaign.parse_args(["--seconds", "7", "--jobs", "3", "--no-setup", "--no-merge", "--coverage",
                                 "--minimize-seconds", "0", "--status-every", "2", "--targets", "a,b",
                                 "--build-prefix", "x-", "--out", "o"])
        self.assertEqual((o.seconds, o.jobs, o.setup, o.merge, o.coverage, o.minimize_seconds, o.status_every,
                          o.targets, o.build_prefix, o.out), (7, 3, False, False, True, 0, 2, "a,b", "x-", "o"))
        self.assertIsNone(campaign.parse_args(["--no-merge", "--help", "--bogus"]))
        self.assertEqual((o.keep_going, o.warm_restarts), (True, True))
        o = campaign.parse_args(["--no-keep-going", "--no-warm-restarts"])
        self.assertEqual((o.keep_going, o.warm_restarts, o.timeout), (False, False, 60))
        self.assertEqual(campaign.parse_args(["--timeout", "10"]).timeout, 10)
        fails(["--timeout", "0"], "--timeout needs at least 1")
        fails(["--timeout", "1.5"], "--timeout needs a whole number, got '1.5'")
        fails(["--bogus", "--help"], "unknown argument '--bogus' (see --help)")
        fails(["--seconds"], "--seconds needs a value (see --help)")
        fails(["--targets", ""], "--targets needs a value (see --help)")
        fails(["--seconds", "1x"], "--seconds needs a whole number, got '1x'")
        fails(["--status-every", "-1"], "--status-every needs a whole number, got '-1'")
        fails(["--jobs", "0"], "--jobs needs at least 1")
        fails(["--status-every", "0"], "--status-every needs at least 1")
        fails(["--backend", "/nonexistent.so"], "backend '/nonexistent.so' does not exist")
        fails(["--prebuilt", "/nonexistent"], "--prebuilt: '/nonexistent' is not a directory")
        fails(["--prebuilt", self.root, "--coverage"],
              "--coverage builds the coverage preset from a source tree; not with --prebuilt")
        self.assertEqual(campaign.parse_args(["--prebuilt-tsan", "."], self.root).prebuilt_tsan, self.root)
        self.assertEqual(campaign.choose_targets(self.root, ""), ["fuzz_a", "fuzz_race"])
        self.assertEqual(campaign.choose_targets(self.root, "fuzz_race,fuzz_a"), ["fuzz_race", "fuzz_a"])
        with self.assertRaises(campaign.Fail) as e:
            campaign.choose_targets(self.root, "fuzz_a,fuzz_b")
        self.assertEqual(str(e.exception), "unknown target 'fuzz_b' (have: fuzz_a fuzz_race)")

    def test_ci_fuzz_entry_point(self):
        p = subprocess.run(["bash", CI_FUZZ, "--help"], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0)
        self.assertTrue(p.stdout.startswith("ci/fuzz — the main job"), p.stdout)
        for flag in ("--seconds", "--targets", "--jobs", "--backend", "--out", "--no-setup", "--no-merge",
                     "--minimize-seconds", "--coverage", "--build-prefix", "--status-every", "--known",
                     "--no-keep-going", "--no-warm-restarts", "--prebuilt", "--prebuilt-tsan", "signatures.txt",
                     "Exit status"):
            self.assertIn(flag, p.stdout)
        self.assertNotIn("pipefail", p.stdout)
        p = subprocess.run(["bash", CI_FUZZ, "--no-setup", "--bogus"], capture_output=True, text=True, timeout=60)
        self.assertEqual((p.returncode, p.stderr), (2, "ERROR: ci/fuzz: unknown argument '--bogus' (see --help)\n"))


if __name__ == "__main__":
    unittest.main()
