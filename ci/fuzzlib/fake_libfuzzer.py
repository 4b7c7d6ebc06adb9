#!/usr/bin/env python3
"""fake_libfuzzer.py — a stand-in for a libFuzzer binary in ci/fuzzlib's tests (supervisor,
campaign, mutant runner): libFuzzer's command line and the lines the tools read, in a few
milliseconds. Copied or linked under a target's name (campaign_test's fake cmake does that).

  fake_libfuzzer.py [-max_total_time=N] [-artifact_prefix=P] [-print_final_stats=1] ... CORPUS_DIR
  fake_libfuzzer.py -merge=1 ... INTO_DIR FROM_DIR      copies FROM's new inputs (by contents)
  fake_libfuzzer.py -minimize_crash=1 ... INPUT         finds nothing smaller (exit 0)
  fake_libfuzzer.py INPUT                               runs one input

What a fuzzing run does: FAKE_MODE_<name of the binary>, else FAKE_MODE (default clean):
  clean          status lines, one new input added to the corpus, exit 0
  crash-on-boom  a crash (oracle failure, "Test unit written to <prefix>crash-<sha1>", exit 1)
                 when a corpus input is "boom", else clean
  keep-going     with --vto-keep_going=N: for each corpus input "boom" or "bang" the harness's
                 kept finding (the failure, "VTO FINDING: Test unit written to ...", two kinds)
                 and the run goes on, clean; without the flag, crash-on-boom
  always-crash   the crash, on the empty input, every time
  harness-error  "ERROR: vtoverlay harness: ...", exit 2
  no-finding     exit 1 without a finding
  hang           status lines every 50 ms until -max_total_time (or FAKE_HANG_SECONDS) is spent
  stuck          no end (until killed)
It also prints its arguments and the ASAN_OPTIONS / VTO_BACKEND it got, for the tests.
"""
import hashlib
import os
import shutil
import sys
import time


def status(n, what, corpus, eps=50):
    print(f"#{n}\t{what} cov: {10 + n // 256} ft: {20 + n // 256} corp: {corpus}/100b lim: 4 exec/s: {eps} "
          f"rss: 31Mb", flush=True)


def crash(prefix, data, execs):
    path = prefix + "crash-" + hashlib.sha1(data).hexdigest()
    with open(path, "wb") as f:
        f.write(data)
    print("VTO ORACLE FAILURE: hierarchy h1: call of m0 (signature 1) through static type C0 on a C0: "
          "expected replacement id 3", flush=True)
    print(f"==42== ERROR: libFuzzer: deadly signal\n    #0 0x55 in __sanitizer_print_stack_trace (/x/fake+0x1)\n"
          f"SUMMARY: libFuzzer: deadly signal\nMS: 0 ; base unit: 0000000000000000000000000000000000000000\n"
          f"artifact_prefix='{prefix}'; Test unit written to {path}", flush=True)
    if execs:
        print(f"stat::number_of_executed_units: {execs}", flush=True)
    sys.exit(1)


KEPT_MESSAGES = {b"boom": "call of m0 (signature 1) through static type C0 on a C0: expected replacement id 3",
                 b"bang": "unexpected refusal of h2::C1: code 4"}


def kept(prefix, data):
    path = prefix + "crash-" + hashlib.sha1(data).hexdigest()
    with open(path, "wb") as f:
        f.write(data)
    print(f"\nVTO ORACLE FAILURE: hierarchy h1: {KEPT_MESSAGES[data]}\n"
          f"    #0 0x55 in __sanitizer_print_stack_trace (/x/fake+0x1)\n"
          f"VTO FINDING: Test unit written to {path}", flush=True)


def merge(into, source):
    have = {hashlib.sha1(open(os.path.join(into, n), "rb").read()).hexdigest() for n in os.listdir(into)}
    added = 0
    for n in sorted(os.listdir(source)):
        data = open(os.path.join(source, n), "rb").read()
        if hashlib.sha1(data).hexdigest() not in have:
            shutil.copyfile(os.path.join(source, n), os.path.join(into, n))
            added += 1
    print(f"MERGE-OUTER: {added} new files", flush=True)
    return 0


def main(argv):
    name = os.path.basename(argv[0])
    mode = os.environ.get("FAKE_MODE_" + name, os.environ.get("FAKE_MODE", "clean"))
    flags, paths = {}, []
    for a in argv[1:]:
        if a.startswith("-") and "=" in a:
            k, v = a[1:].split("=", 1)
            flags[k] = v
        else:
            paths.append(a)
    if flags.get("merge") == "1":
        return merge(paths[0], paths[1])
    if flags.get("minimize_crash") == "1":
        print("CRASH_MIN: failed to minimize beyond the input", flush=True)
        return 0
    if not paths:
        print("ERROR: fake libFuzzer: no corpus directory", flush=True)
        return 1
    prefix = flags.get("artifact_prefix", "./")
    if os.path.isfile(paths[-1]):  # one input
        data = open(paths[-1], "rb").read()
        print("INFO: Seed: 1", flush=True)
        if mode == "always-crash" or (mode == "crash-on-boom" and data == b"boom"):
            crash(prefix, data, 0)
        print(f"Executed {paths[-1]} in 1 ms", flush=True)
        return 0
    corpus = paths[-1]
    print(f"INFO: fake libFuzzer: args {' '.join(argv[1:])}", flush=True)
    print(f"INFO: fake libFuzzer: ASAN_OPTIONS={os.environ.get('ASAN_OPTIONS', '')}", flush=True)
    print(f"INFO: fake libFuzzer: VTO_BACKEND={os.environ.get('VTO_BACKEND', '')}", flush=True)
    print("INFO: Seed: 1", flush=True)
    files = sorted(os.listdir(corpus))
    print(f"INFO: seed corpus: files: {len(files)} min: 1b max: 4b total: 9b rss: 30Mb", flush=True)
    status(2, "INITED", len(files), eps=0)
    if mode == "harness-error":
        print("ERROR: vtoverlay harness: cannot compile the hierarchy", flush=True)
        return 2
    if mode == "no-finding":
        return 1
    if mode == "stuck":
        while True:
            time.sleep(1)
    status(512, "pulse ", len(files))
    if mode == "always-crash":
        crash(prefix, b"", 512)
    if mode == "keep-going" and not any(a.startswith("--vto-keep_going=") and a != "--vto-keep_going=0"
                                        for a in argv[1:]):
        mode = "crash-on-boom"
    if mode == "keep-going":
        for f in files:
            data = open(os.path.join(corpus, f), "rb").read()
            if data in KEPT_MESSAGES:
                kept(prefix, data)
    if mode == "crash-on-boom":
        for f in files:
            if open(os.path.join(corpus, f), "rb").read() == b"boom":
                crash(prefix, b"boom", 512)
    if mode == "hang":
        end = time.monotonic() + float(os.environ.get("FAKE_HANG_SECONDS", flags.get("max_total_time", "1")))
        n = 512
        while time.monotonic() < end:
            time.sleep(0.05)
            n += 64
            status(n, "pulse ", len(files))
    fresh = b"fresh-%d" % len(files)
    with open(os.path.join(corpus, hashlib.sha1(fresh).hexdigest()), "wb") as f:
        f.write(fresh)
    status(600, "NEW   ", len(files) + 1)
    print("Done 600 runs in 0 second(s)", flush=True)
    if flags.get("print_final_stats") == "1":
        print("stat::number_of_executed_units: 600\nstat::average_exec_per_sec:     50\n"
              "stat::new_units_added:          1\nstat::peak_rss_mb:              31", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
