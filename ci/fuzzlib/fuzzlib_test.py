#!/usr/bin/env python3
"""fuzzlib_test.py — the tests of ci/fuzzlib (ctest: ci.fuzzlib): this file's, on fixed log
samples and small source trees (crash signatures, libFuzzer's output, the target list, the
sanitizer environment, the reading of a run), and every sibling *_test.py: supervisor_test
(the workers), campaign_test (ci/fuzz end to end), mutant_runner_test (a ci/mutants run), all
three against a fake libFuzzer (fake_libfuzzer.py).

  python3 ci/fuzzlib/fuzzlib_test.py [-v] [-k PATTERN]
"""
import os
import sys
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
os.environ["PYTHONDONTWRITEBYTECODE"] = "1"  # nor from the tools the tests run
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tempfile  # noqa: E402

import crash_signature  # noqa: E402
import libfuzzer_log  # noqa: E402
import run_outcome  # noqa: E402
import sanitizer_env  # noqa: E402
import targets  # noqa: E402

ROOT = "/src/vto"

ORACLE_REPORT = """INFO: Seed: 4093392152
INFO:       33 files found in /src/vto/corpus/fuzz_dispatch

VTO ORACLE FAILURE: hierarchy h30: call of m1 (signature 3) through static type C1 on a C2 after a teardown: expected replacement id 1000050 on this=0x7bcdd8182c50; got return 3, traced impl 3 on this=0x7bcdd8182c50
--- context ---
hierarchy h30 (generator version 1, backend broken)

AddressSanitizer:DEADLYSIGNAL
==16788==ERROR: AddressSanitizer: ABRT on unknown address 0x000000004194 (pc 0x7f8ddc4a8eec bp 0x7f8de92d2840 sp 0x7ffc32ba5ba0 T0)
    #0 0x7f8ddc4a8eec in __pthread_kill_implementation nptl/pthread_kill.c:44:76
    #1 0x7f8ddc459fb1 in raise signal/../sysdeps/posix/raise.c:26:13
    #2 0x7f8ddc444471 in abort stdlib/abort.c:79:7
    #3 0x55b9530eab0f in vto::harness::Fail(std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char>> const&) /src/vto/lib/harness/failure.cc:19:3
    #4 0x55b95311210a in vto::harness::(anonymous namespace)::Scenario::Fail(std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char>> const&) const /src/vto/lib/harness/dispatch_scenario.cc:113:5
    #5 0x55b9531107b6 in vto::harness::(anonymous namespace)::Scenario::CheckCalls(vto::harness::(anonymous namespace)::Object const&, char const*) /src/vto/lib/harness/dispatch_scenario.cc:226:7
    #6 0x55b953106cdc in vto::harness::(anonymous namespace)::Scenario::Finish(vto::harness::(anonymous namespace)::Object&) /src/vto/lib/harness/dispatch_scenario.cc:420:7
    #7 0x55b953106cdc in vto::harness::(anonymous namespace)::Scenario::Run() /src/vto/lib/harness/dispatch_scenario.cc:100:31
    #8 0x55b9531004e4 in vto::harness::DispatchRunner::Run(unsigned char const*, unsigned long) /src/vto/lib/harness/dispatch_scenario.cc:470:49
    #11 0x55b952fe3b95 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) (/b/fuzz_dispatch+0xeab95)

SUMMARY: AddressSanitizer: ABRT nptl/pthread_kill.c:44:76 in __pthread_kill_implementation
MS: 0 ; base unit: 0000000000000000000000000000000000000000
artifact_prefix='/w/'; Test unit written to /w/artifacts/crash-8921af40386bd1b6118ef36e223d967ab506d40d
Base64: HgCcuaTNSnjOLf0KIFCSOZGGIxGVqs8aZtLxRALA8fDFjL3a686VsJWsD4WUJ6sksus=
"""

UAF_REPORT = """==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010 at pc 0x1 bp 0x2 sp 0x3
READ of size 8 at 0x602000000010 thread T0
    #0 0x55 in vto::internal::ReadVptr(void const*) /src/vto/lib/overlay/itanium_abi.h:40:10
    #1 0x56 in vto::Overlay::Teardown() /src/vto/lib/overlay/teardown.cc:61:3
    #2 0x57 in vto::backend::(anonymous namespace)::Builtin::Teardown(unsigned long) /src/vto/lib/backend/builtin_backend.cc:90:5
    #3 0x58 in vto::harness::(anonymous namespace)::Scenario::Finish(vto::harness::(anonymous namespace)::Object&) /src/vto/lib/harness/dispatch_scenario.cc:410:7
    #4 0x59 in LLVMFuzzerTestOneInput /src/vto/fuzz/fuzz_dispatch.cc:15:3

0x602000000010 is located 0 bytes inside of 16-byte region
freed by thread T0 here:
    #0 0x60 in operator delete(void*) (/b/fuzz_dispatch+0x1)
    #1 0x61 in vto::internal::FreeBlock(vto::internal::Block*) /src/vto/lib/overlay/block.cc:50:3
"""

# ThreadSanitizer (fuzz_race, fault firing_state_unlocked): frames without "0x... in", with the
# module after the file; the first stack is the access that found the race.
TSAN_REPORT = """==================
WARNING: ThreadSanitizer: data race (pid=18991)
  Read of size 1 at 0x72380001504c by thread T1 (mutexes: write M0):
    #0 vto::(anonymous namespace)::FinishWithoutObject(vto::internal::Registry&, unsigned long, vto::internal::HandleEntry&, vto::TeardownResult*) /src/vto/lib/overlay/teardown.cc:30:14 (fuzz_race+0x2d55c1) (BuildId: 12e39cb3372afbe25d5e05454cf487dcddaa2532)
    #1 vto::(anonymous namespace)::Remove(unsigned long, vto::(anonymous namespace)::Mode) /src/vto/lib/overlay/teardown.cc:51:7 (fuzz_race+0x2d55c1)
    #2 vto::TeardownOverlay(unsigned long) /src/vto/lib/overlay/teardown.cc:99:64 (fuzz_race+0x2d541e) (BuildId: 12e39cb3372afbe25d5e05454cf487dcddaa2532)
    #3 std::function<void ()>::operator()() const /usr/include/c++/12/bits/std_function.h:591:9 (fuzz_race+0x27a534)

  Previous write of size 1 at 0x72380001504c by thread T2:
    #0 vto::internal::(anonymous namespace)::RunHooks(void*, vto::internal::(anonymous namespace)::Kind) /src/vto/lib/overlay/destroy_hook.cc:107:18 (fuzz_race+0x2d7e21) (BuildId: 12e39cb3372afbe25d5e05454cf487dcddaa2532)

SUMMARY: ThreadSanitizer: data race /src/vto/lib/overlay/teardown.cc:30:14 in vto::(anonymous namespace)::FinishWithoutObject(vto::internal::Registry&, unsigned long, vto::internal::HandleEntry&, vto::TeardownResult*)
==================
"""


class Signature(unittest.TestCase):
    def test_oracle_failure_kind_and_one_frame(self):
        key, kind, frames = crash_signature.signature(ORACLE_REPORT, ROOT)
        self.assertEqual(kind, "oracle: call of")
        self.assertEqual(frames, ["vto::harness::Scenario::CheckCalls"])
        self.assertEqual(key, "oracle: call of @ vto::harness::Scenario::CheckCalls")

    def test_values_addresses_and_lines_do_not_change_the_key(self):
        other = (ORACLE_REPORT.replace("h30", "h7").replace("m1", "m4").replace("C2", "C5")
                 .replace("0x7bcdd8182c50", "0x1234").replace(":226:7", ":231:9").replace("after a teardown",
                                                                                          "with overlays installed"))
        self.assertEqual(crash_signature.signature(other, ROOT)[0], crash_signature.signature(ORACLE_REPORT, ROOT)[0])

    def test_another_oracle_gets_another_key(self):
        other = ORACLE_REPORT.replace("call of m1 (signature 3)", "unexpected refusal: overlay on a C2")
        self.assertEqual(crash_signature.crash_kind(other), "oracle: unexpected refusal")
        self.assertNotEqual(crash_signature.signature(other, ROOT)[0], crash_signature.signature(ORACLE_REPORT, ROOT)[0])

    def test_sanitizer_report_three_project_frames_of_the_first_stack(self):
        key, kind, frames = crash_signature.signature(UAF_REPORT, ROOT)
        self.assertEqual(kind, "AddressSanitizer: heap-use-after-free")
        self.assertEqual(frames, ["vto::internal::ReadVptr", "vto::Overlay::Teardown",
                                  "vto::backend::Builtin::Teardown"])
        self.assertNotIn("FreeBlock", key)  # the free stack is not the crash stack

    def test_thread_sanitizer_frames_of_the_first_stack(self):
        key, kind, frames = crash_signature.signature(TSAN_REPORT, ROOT)
        self.assertEqual(kind, "ThreadSanitizer: data race")
        self.assertEqual(frames, ["vto::FinishWithoutObject", "vto::Remove", "vto::TeardownOverlay"])
        self.assertNotIn("RunHooks", key)  # the previous access's stack is not the report's

    def test_frames_outside_the_source_tree_do_not_count(self):
        self.assertEqual(crash_signature.project_frames(UAF_REPORT, "/elsewhere", 3), [])
        self.assertTrue(crash_signature.signature(UAF_REPORT, "/elsewhere")[0].endswith("(no project frame)"))

    def test_other_kinds(self):
        self.assertEqual(crash_signature.crash_kind("WARNING: ThreadSanitizer: data race (pid=1)"),
                         "ThreadSanitizer: data race")
        self.assertEqual(crash_signature.crash_kind("==1==ERROR: libFuzzer: timeout after 60 seconds"),
                         "libFuzzer: timeout")
        self.assertEqual(crash_signature.crash_kind("==1== ERROR: libFuzzer: out-of-memory (used: 3100Mb; exceeds: 3072Mb)"),
                         "libFuzzer: out-of-memory")
        self.assertEqual(crash_signature.crash_kind(
            "x.cc:3:5: runtime error: member call on address 0x1 which does not point to an object of type 'A'"),
            "UndefinedBehaviorSanitizer: member call on address")

    def test_strip_arguments(self):
        self.assertEqual(crash_signature.strip_arguments(
            "vto::harness::(anonymous namespace)::Scenario::Run(unsigned char const*) const"),
            "vto::harness::Scenario::Run")
        self.assertEqual(crash_signature.strip_arguments("LLVMFuzzerTestOneInput"), "LLVMFuzzerTestOneInput")


class Log(unittest.TestCase):
    def test_status_line(self):
        s = libfuzzer_log.parse_status(
            "#1234\tNEW    cov: 2345 ft: 5678 corp: 56/2048b lim: 4 exec/s: 310 rss: 512Mb L: 4/4 MS: 1 ChangeBit-")
        self.assertEqual((s["execs"], s["cov"], s["features"], s["corpus"], s["corpus_bytes"], s["exec_per_s"],
                          s["rss_mb"]), (1234, 2345, 5678, 56, 2048, 310, 512))
        self.assertEqual(libfuzzer_log.parse_status("#2\tINITED cov: 9 ft: 9 corp: 1/3Kb exec/s: 0 rss: 400Mb")
                         ["corpus_bytes"], 3072)
        self.assertIsNone(libfuzzer_log.parse_status("INFO: Seed: 1"))
        pulse = libfuzzer_log.parse_status("#2\tpulse  ft: 519 exec/s: 0 rss: 362Mb")  # no cov, no corp yet
        self.assertEqual((pulse["execs"], pulse["cov"], pulse["features"], pulse["corpus"], pulse["rss_mb"]),
                         (2, 0, 519, 0, 362))

    def test_timeline_counts_runs_and_total_execs(self):
        text = "\n".join([
            "1000\t#2\tINITED cov: 10 ft: 10 corp: 1/1b exec/s: 0 rss: 1Mb",
            "5000\t#512\tpulse  cov: 20 ft: 30 corp: 3/9b lim: 4 exec/s: 100 rss: 2Mb",
            "junk line",
            "9000\t#2\tINITED cov: 20 ft: 30 corp: 3/9b exec/s: 0 rss: 2Mb",  # restarted after a crash
            "12000\t#300\tNEW    cov: 25 ft: 40 corp: 4/12b lim: 4 exec/s: 100 rss: 3Mb",
        ])
        rows = libfuzzer_log.parse_timeline(text)
        self.assertEqual([r["run"] for r in rows], [1, 1, 2, 2])
        self.assertEqual([r["t"] for r in rows], [1.0, 5.0, 9.0, 12.0])
        self.assertEqual(libfuzzer_log.total_execs(rows), 512 + 300)

    def test_crash_sections_belong_to_their_artifact(self):
        log = ("INFO: Seed: 1\nnoise\n" + "VTO ORACLE FAILURE: first\nTest unit written to /a/crash-1\n"
               "INFO: Seed: 2\nslow\nTest unit written to /a/slow-unit-9\n"
               "==9==ERROR: AddressSanitizer: heap-use-after-free on address 0x1\nTest unit written to /a/crash-2\n")
        s = libfuzzer_log.crash_sections(log)
        self.assertIn("first", s["/a/crash-1"])
        self.assertNotIn("heap-use-after-free", s["/a/crash-1"])
        self.assertIn("heap-use-after-free", s["/a/crash-2"])
        self.assertNotIn("first", s["/a/crash-2"])


# An oracle failure as the harness reports it now: every check goes through the Oracle of
# lib/harness/expectation.h; the key names the check below it.
EXPECTATION_REPORT = """VTO ORACLE FAILURE: hierarchy h4: teardown of an overlay (reflected as C0) on a C0: got kDetached, expected kRestored
==1== ERROR: libFuzzer: deadly signal
    #0 0x55 in __sanitizer_print_stack_trace (/x/fuzz_dispatch+0x1)
    #1 0x55 in vto::harness::Fail(std::string const&) /src/vto/lib/harness/failure.cc:25:3
    #2 0x55 in vto::harness::(anonymous namespace)::DispatchScenario::FailThunk(void const*, std::string const&) /src/vto/lib/harness/dispatch_scenario.cc:141:5
    #3 0x55 in void vto::harness::Oracle::Verify<vto::harness::Expectation, vto::harness::Value, vto::harness::(anonymous namespace)::DispatchScenario::CheckTeardown(vto::harness::(anonymous namespace)::Object const&)::'lambda'()&>(vto::harness::Expectation const&, vto::harness::Value const&, auto&&) const /src/vto/lib/harness/expectation.h:170:14
    #4 0x55 in vto::harness::(anonymous namespace)::DispatchScenario::CheckTeardown(vto::harness::(anonymous namespace)::Object const&) /src/vto/lib/harness/dispatch_scenario.cc:500:5
    #5 0x55 in vto::harness::(anonymous namespace)::DispatchScenario::Finish(vto::harness::(anonymous namespace)::Object&) /src/vto/lib/harness/dispatch_scenario.cc:523:7
"""


# The same failure recorded by a keep-going run (lib/harness/finding.h): no abort, the stack
# printed by the recorder, then its artifact line.
KEPT_REPORT = """VTO ORACLE FAILURE: hierarchy h4: teardown of an overlay (reflected as C0) on a C0: got kDetached, expected kRestored
    #0 0x55 in __sanitizer_print_stack_trace (/x/fuzz_dispatch+0x1)
    #1 0x55 in vto::harness::SaveFinding() /src/vto/lib/harness/finding.cc:150:47
    #2 0x55 in vto::harness::Fail(std::string const&) /src/vto/lib/harness/failure.cc:33:3
    #3 0x55 in vto::harness::(anonymous namespace)::DispatchScenario::FailThunk(void const*, std::string const&) /src/vto/lib/harness/dispatch_scenario.cc:141:5
    #4 0x55 in void vto::harness::Oracle::Verify<vto::harness::Expectation>(vto::harness::Expectation const&) const /src/vto/lib/harness/expectation.h:170:14
    #5 0x55 in vto::harness::(anonymous namespace)::DispatchScenario::CheckTeardown(vto::harness::(anonymous namespace)::Object const&) /src/vto/lib/harness/dispatch_scenario.cc:500:5
    #6 0x55 in vto::harness::(anonymous namespace)::DispatchScenario::Finish(vto::harness::(anonymous namespace)::Object&) /src/vto/lib/harness/dispatch_scenario.cc:523:7

VTO FINDING: Test unit written to /w/artifacts/crash-dd
"""


class ExpectationFrames(unittest.TestCase):
    def test_the_key_names_the_check_not_the_oracle(self):
        key, kind, frames = crash_signature.signature(EXPECTATION_REPORT, ROOT)
        self.assertEqual(kind, "oracle: teardown of an overlay")
        self.assertEqual(frames, ["vto::harness::DispatchScenario::CheckTeardown"])

    def test_a_kept_finding_has_the_key_of_the_same_failure_that_aborted(self):
        self.assertEqual(crash_signature.signature(KEPT_REPORT, ROOT), crash_signature.signature(EXPECTATION_REPORT, ROOT))
        self.assertIn("VTO ORACLE FAILURE", libfuzzer_log.crash_sections(KEPT_REPORT)["/w/artifacts/crash-dd"])


CMAKE = """set(VTO_FUZZ_TARGETS fuzz_dispatch fuzz_lifecycle fuzz_race)
foreach(t ${VTO_FUZZ_TARGETS})
endforeach()
set(VTO_FUZZ_TSAN_ONLY_TARGETS fuzz_race)
"""


def tree(files):
    """A temporary source tree holding `files` ({relative path: text})."""
    root = tempfile.mkdtemp()
    for rel, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
        with open(os.path.join(root, rel), "w") as f:
            f.write(text)
    return root


class Targets(unittest.TestCase):
    def test_lists_and_presets(self):
        root = tree({"fuzz/CMakeLists.txt": CMAKE})
        self.assertEqual(targets.fuzz_targets(root), ["fuzz_dispatch", "fuzz_lifecycle", "fuzz_race"])
        self.assertEqual(targets.tsan_only_targets(root), ["fuzz_race"])
        self.assertEqual(targets.preset_of(root, "fuzz_race"), "fuzz-tsan")
        self.assertEqual(targets.preset_of(root, "fuzz_dispatch"), "fuzz")
        self.assertEqual(targets.main(["targets.py", root, "preset", "fuzz_nope"]), 2)
        self.assertEqual(targets.main(["targets.py", root, "bogus"]), 2)

    def test_a_missing_list_is_empty(self):
        root = tree({"fuzz/CMakeLists.txt": "set(VTO_FUZZ_TARGETS a)\n"})
        self.assertEqual(targets.tsan_only_targets(root), [])


class SanitizerEnv(unittest.TestCase):
    def setUp(self):
        self.root = tree({
            "sanitizers/asan.options": "# comment\nhalt_on_error=1\n\ndetect_leaks=1\n",
            "sanitizers/asan.fuzz.options": "detect_leaks=0\n",
            "sanitizers/ubsan.options": "print_stacktrace=1\n",
            "sanitizers/tsan.options": "second_deadlock_stack=1\n",
            "sanitizers/tsan.supp": "race:x\n",
            "sanitizers/lsan.supp": "leak:y\n",
        })

    def test_fuzz_and_replay_differ_only_in_the_fuzz_options(self):
        fuzz = sanitizer_env.sanitizer_env(self.root, "fuzz", symbolizer_path="/s")
        replay = sanitizer_env.sanitizer_env(self.root, "replay", symbolizer_path="/s")
        self.assertEqual(fuzz["ASAN_OPTIONS"], "halt_on_error=1:detect_leaks=1:detect_leaks=0:external_symbolizer_path=/s")
        self.assertEqual(replay["ASAN_OPTIONS"], "halt_on_error=1:detect_leaks=1:external_symbolizer_path=/s")
        self.assertEqual(fuzz["UBSAN_OPTIONS"], "print_stacktrace=1:external_symbolizer_path=/s")
        self.assertEqual(fuzz["TSAN_OPTIONS"], "second_deadlock_stack=1:suppressions=%s/sanitizers/tsan.supp:"
                         "external_symbolizer_path=/s" % self.root)
        self.assertEqual(fuzz["LSAN_OPTIONS"], "suppressions=%s/sanitizers/lsan.supp" % self.root)
        for name in ("UBSAN_OPTIONS", "TSAN_OPTIONS", "LSAN_OPTIONS"):
            self.assertEqual(fuzz[name], replay[name])
        with self.assertRaises(ValueError):
            sanitizer_env.sanitizer_env(self.root, "other")

    def test_the_shell_form_round_trips(self):
        import subprocess
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sanitizer_env.py")
        out = subprocess.run(["bash", "-c", 'eval "$(python3 "$0" "$1" fuzz)"; printf %s "$ASAN_OPTIONS"', script,
                              self.root], capture_output=True, text=True, check=True).stdout
        self.assertTrue(out.startswith("halt_on_error=1:detect_leaks=1:detect_leaks=0:external_symbolizer_path="), out)


class RunOutcome(unittest.TestCase):
    LOG = ("INFO: Seed: 1\n#2 INITED cov: 3 ft: 4 corp: 1/1b exec/s: 0 rss: 30Mb\n"
           "Test unit written to /w/artifacts/slow-unit-aa\n"
           "VTO ORACLE FAILURE: hierarchy h1: call of m0: expected id 3\n"
           "Test unit written to /w/artifacts/crash-bb\nTest unit written to /w/artifacts/crash-bb\n"
           "==7==ERROR: AddressSanitizer: heap-use-after-free on address 0x1\n"
           "Test unit written to /w/artifacts/timeout-cc\n")

    def test_findings_and_their_artifacts(self):
        self.assertEqual(run_outcome.written_artifacts(self.LOG), ["/w/artifacts/crash-bb", "/w/artifacts/timeout-cc"])
        i, line = run_outcome.first_finding(self.LOG.splitlines())
        self.assertEqual(line, "VTO ORACLE FAILURE: hierarchy h1: call of m0: expected id 3")
        self.assertEqual(i, 3)
        self.assertIsNone(run_outcome.first_finding(["INFO: Seed: 1", "Done 100 runs"]))
        self.assertTrue(run_outcome.is_finding_artifact("leak-1"))
        self.assertFalse(run_outcome.is_finding_artifact("slow-unit-1"))

    def test_a_harness_error_is_not_a_finding(self):
        lines = ["INFO: Seed: 1", "ERROR: vtoverlay harness: --vto-batch: '0' is not a number in [1, 4096]"]
        self.assertEqual(run_outcome.harness_error_line(lines), lines[1])
        self.assertIsNone(run_outcome.harness_error_line(["VTO ORACLE FAILURE: x"]))

    def test_kept_findings_do_not_end_a_run(self):
        log = "VTO FINDING: Test unit written to /w/artifacts/crash-k1\n" + self.LOG
        self.assertEqual(run_outcome.kept_artifacts(log), ["/w/artifacts/crash-k1"])
        self.assertEqual(run_outcome.written_artifacts(log)[0], "/w/artifacts/crash-k1")
        self.assertEqual(run_outcome.ending_artifacts(log), ["/w/artifacts/crash-bb", "/w/artifacts/timeout-cc"])
        self.assertEqual(run_outcome.ending_artifacts("VTO FINDING: Test unit written to /w/crash-k1\n"), [])

    def test_only_the_artifacts_after_an_offset(self):
        # The supervisor reads the artifacts of one run: the log after the run's first byte.
        offset = self.LOG.index("==7==")
        self.assertEqual(run_outcome.written_artifacts(self.LOG[offset:]), ["/w/artifacts/timeout-cc"])

    def test_classify(self):
        Kind = run_outcome.Kind
        c = run_outcome.classify(self.LOG, 1)
        self.assertEqual((c.kind, c.line, c.index, c.artifacts),
                         (Kind.FINDING, "VTO ORACLE FAILURE: hierarchy h1: call of m0: expected id 3", 3,
                          ["/w/artifacts/crash-bb", "/w/artifacts/timeout-cc"]))
        # A harness error wins over anything else the run printed.
        c = run_outcome.classify(self.LOG + "ERROR: vtoverlay harness: no interpreter\n", 1)
        self.assertEqual((c.kind, c.line, c.index), (Kind.HARNESS_ERROR, "ERROR: vtoverlay harness: no interpreter", 8))
        # A finding's line without an artifact, and an artifact without a finding's line.
        self.assertEqual(run_outcome.classify(["==1==ERROR: AddressSanitizer: SEGV on unknown address"], 1).kind,
                         Kind.FINDING)
        c = run_outcome.classify("INFO: Seed: 1\n", 0, artifacts=["oom-1"])
        self.assertEqual((c.kind, c.line, c.artifacts), (Kind.FINDING, None, ["oom-1"]))
        # A slow unit is not a finding; what remains is the exit status.
        slow = "INFO: Seed: 1\nTest unit written to /w/artifacts/slow-unit-aa\nDone 9 runs\n"
        self.assertEqual(run_outcome.classify(slow, 0).kind, Kind.CLEAN)
        self.assertEqual(run_outcome.classify(slow, -15).kind, Kind.FAILED)
        self.assertEqual(run_outcome.classify("", 0), run_outcome.Outcome(Kind.CLEAN, None, None, []))


if __name__ == "__main__":
    # This file's tests and every sibling *_test.py, with unittest's own options (-v, -k ...).
    unittest.main(module=None, argv=[sys.argv[0], "discover", "-s", HERE, "-t", HERE, "-p", "*_test.py"]
                  + sys.argv[1:])
