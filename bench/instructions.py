#!/usr/bin/env python3
"""bench/instructions.py — instructions per round of each install and delete mode, counted by
valgrind (callgrind), and their ratios: a measurement that does not move with the machine's
load, beside ci/bench's times that do.

  bench/instructions.py [--build DIR] [--rounds N] [--modes m1,m2] [--json FILE]

  --build   a build with VTO_BUILD_BENCH=ON (default build/release): its
            bench/vto_instruction_rounds is run
  --rounds  N (default 20000): each mode runs N and 2N rounds; instructions per round are
            (count(2N) - count(N)) / N, so start-up and the one-time setup cancel out
  --modes   a subset of floor,vto,vto_hook,plain_delete,hooked_delete,teardown_delete
  --json    also write the numbers printed to FILE (a JSON object)

What a mode does: bench/instruction_rounds.cc. Printed besides: vto / floor and vto_hook / floor,
the instruction counterparts of ci/bench's install targets (install+teardown against the floor
of any clone-based overlay); hooked_delete - teardown_delete, what a hooked death executes
beyond a teardown and a plain delete (both modes make the object and install the same hooked
overlay); hooked_delete - plain_delete, everything a hooked overlay adds to an object's life.

Instructions are not time: a locked instruction or a cache miss costs many cycles, a
well-predicted compare less than one. They show what a change removed, exactly.

Exit status: 0; 1 a mode failed (its rounds reported a failure); 2 bad arguments or no
valgrind/callgrind_annotate (Debian package `valgrind`).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

MODES = ["floor", "vto", "vto_hook", "plain_delete", "hooked_delete", "teardown_delete"]
RATIOS = [("vto", "floor"), ("vto_hook", "floor")]
DIFFERENCES = [("hooked_delete", "teardown_delete"), ("hooked_delete", "plain_delete")]


def count(binary, mode, rounds, tmp):
    """Instructions the whole process executed for `rounds` rounds of `mode`."""
    out = os.path.join(tmp, f"{mode}.{rounds}.out")
    run = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary, mode, str(rounds)],
                         capture_output=True, text=True)
    if run.returncode != 0:
        tail = "\n".join(run.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"{mode} with {rounds} rounds exited {run.returncode}:\n{tail}")
    text = subprocess.run(["callgrind_annotate", out], capture_output=True, text=True, check=True).stdout
    m = re.search(r"^\s*([0-9,]+)\s.*PROGRAM TOTALS", text, re.M)
    if m is None:
        raise RuntimeError(f"no PROGRAM TOTALS in callgrind_annotate's output for {mode}")
    return int(m.group(1).replace(",", ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build/release")
    ap.add_argument("--rounds", type=int, default=20000)
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--json")
    args = ap.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        print(f"instructions.py: unknown mode(s) {unknown}; choose from {','.join(MODES)}", file=sys.stderr)
        return 2
    if args.rounds < 1 or args.rounds > 10_000_000:
        print("instructions.py: --rounds must be in [1, 1e7]", file=sys.stderr)
        return 2
    binary = os.path.join(args.build, "bench", "vto_instruction_rounds")
    if not os.access(binary, os.X_OK):
        print(f"instructions.py: {binary} not found: build the release preset (VTO_BUILD_BENCH=ON) first",
              file=sys.stderr)
        return 2
    for tool in ("valgrind", "callgrind_annotate"):
        if shutil.which(tool) is None:
            print(f"instructions.py: {tool} not found (Debian package valgrind)", file=sys.stderr)
            return 2
    per_round = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in modes:
            try:
                once, twice = count(binary, mode, args.rounds, tmp), count(binary, mode, 2 * args.rounds, tmp)
            except RuntimeError as e:
                print(f"instructions.py: {e}", file=sys.stderr)
                return 1
            per_round[mode] = (twice - once) / args.rounds
            print(f"{mode:16} {per_round[mode]:8.0f} instructions per round")
    result = dict(per_round)
    for a, b in RATIOS:
        if a in per_round and b in per_round and per_round[b] > 0:
            result[f"{a}_over_{b}"] = per_round[a] / per_round[b]
            print(f"{a} / {b}: {result[f'{a}_over_{b}']:.2f}")
    for a, b in DIFFERENCES:
        if a in per_round and b in per_round:
            result[f"{a}_minus_{b}"] = per_round[a] - per_round[b]
            print(f"{a} - {b}: {result[f'{a}_minus_{b}']:.0f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
