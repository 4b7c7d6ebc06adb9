#!/usr/bin/env python3
"""fuzzlib_test.py — unit tests of ci/fuzzlib on fixed log samples (ctest: ci.fuzzlib).

  python3 ci/fuzzlib/fuzzlib_test.py
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crash_signature  # noqa: E402
import libfuzzer_log  # noqa: E402

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


if __name__ == "__main__":
    unittest.main()
