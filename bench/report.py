#!/usr/bin/env python3
"""report.py — turn the benchmarks' raw Google Benchmark JSON into the ratio table.

usage: bench/report.py --raw DIR --out DIR [--machine FILE] [--notes FILE]

Reads DIR/*.json (one file per benchmark binary, --benchmark_out_format=json, any number of
repetitions), takes the median over repetitions of every value, computes each ratio from
numbers of the same run, prints the table (target, measured, PASS/MISS) and writes
OUT/bench.json (machine, rows, medians) and OUT/bench.md (the table as Markdown, for the
README). --machine names a JSON object describing the machine, --notes a text file of lines
to report with the table (targets not measured and why); ci/bench writes both.
Times: CPU time of the benchmark thread (a wall clock on a shared machine also counts other
jobs' turns on the core); benchmarks with manual time report their own thread-CPU time.
Exit status: 0 table written (misses included), 2 usage error or unreadable input.
Standard library only.
"""
import argparse
import glob
import json
import os
import statistics
import sys


def die(msg):
    print(f"ERROR: report.py: {msg}", file=sys.stderr)
    sys.exit(2)


def load_runs(raw_dir):
    """name -> list of per-repetition dicts (run_type 'iteration', no errors)."""
    runs = {}
    files = sorted(glob.glob(os.path.join(raw_dir, "*.json")))
    for path in files:
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            die(f"cannot read '{path}': {e}")
        for b in data.get("benchmarks", []):
            if b.get("run_type") != "iteration":
                continue
            if b.get("error_occurred"):
                runs.setdefault("__errors__", []).append(f"{b['name']}: {b.get('error_message')}")
                continue
            runs.setdefault(b["run_name"], []).append(b)
    return runs, files


NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def median_of(runs, name, field):
    """Median over repetitions of a field; 'time' = CPU time (manual: real time) in ns."""
    reps = runs.get(name)
    if not reps:
        return None
    vals = []
    for b in reps:
        if field == "time":
            key = "real_time" if "manual_time" in name else "cpu_time"
            vals.append(b[key] * NS[b.get("time_unit", "ns")])
        elif field in b:
            vals.append(float(b[field]))
    return statistics.median(vals) if vals else None


def fmt(v, unit=""):
    if v is None:
        return "n/a"
    if unit == "x":
        return f"{v:.3f}x"
    if unit == "ns":
        return f"{v:.1f} ns" if v < 1e4 else (f"{v / 1e3:.1f} us" if v < 1e7 else f"{v / 1e6:.0f} ms")
    if unit == "ms":
        return f"{v / 1e6:.0f} ms"
    if unit == "/s":
        return f"{v:,.0f}/s"
    if unit == "s":
        return f"{v:.1f} s"
    return f"{v:.2f}"


def build_rows(runs):
    rows = []

    def ratio_row(what, value, op, target, note=""):
        if value is None:
            status = "n/a"
        elif op == "<=":
            status = "PASS" if value <= target else "MISS"
        elif op == ">=":
            status = "PASS" if value >= target else "MISS"
        else:
            status = "PASS" if abs(value - target) < 1e-9 else "MISS"
        tgt = f"{op} {target}" + ("x" if op != "==" else "")
        rows.append({"what": what, "measured": value, "shown": fmt(value, "x" if op != "==" else ""),
                     "target": tgt, "status": status, "note": note})

    def info_row(what, value, unit, note=""):
        rows.append({"what": what, "measured": value, "shown": fmt(value, unit), "target": "—",
                     "status": "info" if value is not None else "n/a", "note": note})

    c = "BM_Calls"
    ns = {v: median_of(runs, c, f"{v}_ns") for v in ("native", "plain", "identity", "slot", "map")}
    ratio_row("virtual call through an overlay (plain replacement) / native", median_of(runs, c, "plain_over_native"),
              "<=", 1.02, f"{fmt(ns['plain'], 'ns')} vs {fmt(ns['native'], 'ns')}")
    ratio_row("state via mutex-protected map / via extra slot", median_of(runs, c, "map_over_slot"), ">=", 4,
              f"{fmt(ns['map'], 'ns')} vs {fmt(ns['slot'], 'ns')}")
    ratio_row("state via extra slot / native call", median_of(runs, c, "slot_over_native"), "<=", 1.3,
              f"{fmt(ns['slot'], 'ns')} vs {fmt(ns['native'], 'ns')}")
    info_row("overlay replacing nothing / native (heap clone alone)", median_of(runs, c, "identity_over_native"), "x")
    lc = "BM_LayoutCalls"
    ln = {v: median_of(runs, lc, f"{v}_ns") for v in ("pane_native", "pane_plain", "pane_thunk", "stream_native",
                                                     "stream_plain")}
    ratio_row("call through a secondary base, overlay reflected as that base / native",
              median_of(runs, lc, "pane_plain_over_native"), "<=", 1.02,
              f"{fmt(ln['pane_plain'], 'ns')} vs {fmt(ln['pane_native'], 'ns')}")
    ratio_row("call through a virtual base, overlay reflected as that base / native",
              median_of(runs, lc, "stream_plain_over_native"), "<=", 1.02,
              f"{fmt(ln['stream_plain'], 'ns')} vs {fmt(ln['stream_native'], 'ns')}")
    info_row("call through a secondary base reaching the library's this-adjusting thunk / native (clang's thunk)",
             median_of(runs, lc, "pane_thunk_over_native"), "x",
             f"{fmt(ln['pane_thunk'], 'ns')} vs {fmt(ln['pane_native'], 'ns')}")
    for label, name in (("1 vtable (Widget)", "BM_InstallGroup/Widget"), ("2 vtables (Pane)", "BM_InstallGroup/Pane"),
                        ("2 vtables, virtual base (Stream)", "BM_InstallGroup/Stream")):
        t, n = median_of(runs, name, "time"), median_of(runs, name, "vtables")
        info_row(f"install+teardown per vtable of the group, {label}", t / n if t and n else None, "ns",
                 f"{fmt(t, 'ns')} per install+teardown")
    sp = "BM_CallsSpread"
    sn = {v: median_of(runs, sp, f"spread_{v}_ns") for v in ("native", "slot", "map")}
    info_row("one call on each of 10,000 objects: state via map / via extra slot",
             median_of(runs, sp, "spread_map_over_slot"), "x", f"{fmt(sn['map'], 'ns')} vs {fmt(sn['slot'], 'ns')}")
    info_row("one call on each of 10,000 objects: state via extra slot / native call",
             median_of(runs, sp, "spread_slot_over_native"), "x",
             f"{fmt(sn['slot'], 'ns')} vs {fmt(sn['native'], 'ns')} (every object has its own clone)")

    d = "BM_Delete"
    dn = {m: median_of(runs, d, f"{m}_ns") for m in ("plain", "teardown", "abandon", "hooked")}
    ratio_row("delete + binding bookkeeping, hooked overlay / overlay without hook torn down, then deleted",
              median_of(runs, d, "hooked_over_teardown"), "<=", 1.10,
              f"{fmt(dn['hooked'], 'ns')} vs {fmt(dn['teardown'], 'ns')} per object")
    ratio_row("delete + binding bookkeeping, hooked overlay / overlay without hook deleted, then abandoned",
              median_of(runs, d, "hooked_over_abandon"), "<=", 1.10,
              f"{fmt(dn['hooked'], 'ns')} vs {fmt(dn['abandon'], 'ns')} per object")
    ratio_row("delete, hooked overlay / object that never had an overlay",
              median_of(runs, d, "hooked_over_plain"), "<=", 2,
              f"{fmt(dn['hooked'], 'ns')} vs {fmt(dn['plain'], 'ns')} per object")

    # Install speed against the floor of any clone-based overlay and against CppInterOp, in
    # rounds (bench/install_rounds.h); scaling over threads on distinct objects.
    ir = "BM_InstallRounds"
    irn = {m: median_of(runs, ir, f"{m}_ns") for m in ("floor", "vto", "vto_hook")}
    ratio_row("install+teardown, 16 slots, prepared request / floor (malloc, copy, vptr written and restored, free)",
              median_of(runs, ir, "vto_over_floor"), "<=", 2,
              f"{fmt(irn['vto'], 'ns')} vs {fmt(irn['floor'], 'ns')}")
    ratio_row("install+teardown with a destroy hook requested / floor", median_of(runs, ir, "vto_hook_over_floor"),
              "<=", 2, f"{fmt(irn['vto_hook'], 'ns')} vs {fmt(irn['floor'], 'ns')}")
    cr = "BM_InstallRounds/cppinterop"
    crn = {m: median_of(runs, cr, f"{m}_ns") for m in ("vto", "vto_hook", "cppinterop", "cppinterop_hook")}
    note = "" if cr in runs else "not measured: CppInterOp's source was not found (ci/bench's notes say why)"
    ratio_row("install+teardown, 16 slots / CppInterOp's MakeVTableOverlay + DestroyVTableOverlay, same run",
              median_of(runs, cr, "vto_over_cppinterop"), "<=", 0.6,
              note or f"{fmt(crn['vto'], 'ns')} vs {fmt(crn['cppinterop'], 'ns')}")
    ratio_row("install+teardown with a destroy hook / CppInterOp's with on_destroy, same run",
              median_of(runs, cr, "vto_hook_over_cppinterop_hook"), "<=", 0.6,
              note or f"{fmt(crn['vto_hook'], 'ns')} vs {fmt(crn['cppinterop_hook'], 'ns')}")
    for label, bm, target in (("install+teardown", "BM_InstallThreads", 1.7),
                              ("new + hooked install + delete", "BM_HookedDeleteThreads", 1.7),
                              ("new + delete, no overlay", "BM_PlainDeleteThreads", None)):
        ips = {n: median_of(runs, f"{bm}/real_time/threads:{n}", "items_per_second") for n in (1, 2, 4)}
        detail = ", ".join(f"{n} thread{'s' if n > 1 else ''} {fmt(ips[n], '/s')}" for n in (1, 2, 4))
        two = ips[2] / ips[1] if ips[1] and ips[2] else None
        four = ips[4] / ips[1] if ips[1] and ips[4] else None
        if target is None:
            info_row(f"{label} on distinct objects, throughput 2 threads / 1", two, "x", detail)
        else:
            ratio_row(f"{label} on distinct objects, throughput 2 threads / 1", two, ">=", target, detail)
        info_row(f"{label} on distinct objects, throughput 4 threads / 1 (the machine's cores: ci/bench's machine line)",
                 four, "x")

    for label, name in (("4 slots", "BM_Install/4"), ("16 slots", "BM_Install/16"), ("64 slots", "BM_Install/64"),
                        ("stacked 2nd overlay (16 slots)", "BM_Install_Stacked")):
        t = median_of(runs, name, "time")
        ratio_row(f"allocations per install+teardown, {label}", median_of(runs, name, "allocs_per_install"), "==", 1,
                  f"{fmt(t, 'ns')} per install+teardown")
    info_row("allocations per install+teardown, 16 slots, no replacement",
             median_of(runs, "BM_Install_NoReplacement", "allocs_per_install"), "",
             f"{fmt(median_of(runs, 'BM_Install_NoReplacement', 'time'), 'ns')} per install+teardown")
    info_row("allocations per ShapeTable::Find (the resolver lookup)",
             median_of(runs, "BM_ShapeTable_Find", "allocs_per_find"), "",
             f"{fmt(median_of(runs, 'BM_ShapeTable_Find', 'time'), 'ns')} per Find")
    t4, t64 = median_of(runs, "BM_Install/4", "time"), median_of(runs, "BM_Install/64", "time")
    info_row("install+teardown time, 64 slots / 4 slots", t64 / t4 if t4 and t64 else None, "x")

    fresh = median_of(runs, "BM_Jit_FreshInterpreter/process_time", "time")
    cold = median_of(runs, "BM_Jit_ColdHierarchy/process_time", "time")
    b16 = median_of(runs, "BM_Jit_ColdBatch16/process_time", "time")
    hit = median_of(runs, "BM_Jit_CacheHit", "time")
    info_row("JIT one hierarchy, cold in a new interpreter (open + compile + close)", fresh, "ms")
    info_row("JIT one hierarchy, cold in a running interpreter", cold, "ms")
    info_row("JIT a batch of 16 hierarchies (release; the fuzzers compile 8 per unit), per hierarchy", b16 / 16 if b16 else None, "ms")
    info_row("hierarchy from the fuzzers' cache (hit)", hit, "ns")

    # CppInterOp beside ours (backends/cppinterop/cppinterop_bench.cc), when it was measured.
    for label, what in (("install+teardown, 4 slots", "BM_InstallTeardown/{}/4"),
                        ("install+teardown, 16 slots", "BM_InstallTeardown/{}/16"),
                        ("install+teardown, 64 slots", "BM_InstallTeardown/{}/64"),
                        ("new + hooked install + delete (+ CppInterOp's destroy after it)", "BM_HookedDelete/{}"),
                        ("4096 calls through an overlay", "BM_Dispatch/{}")):
        theirs, ours = median_of(runs, what.format("cppinterop"), "time"), median_of(runs, what.format("vto"), "time")
        if theirs is None and ours is None:
            continue
        info_row(f"CppInterOp / ours: {label}", theirs / ours if theirs and ours else None, "x",
                 f"{fmt(theirs, 'ns')} vs {fmt(ours, 'ns')}")

    for name in sorted(n for n in runs if n.startswith("BM_Exec/")):
        target = name.split("/", 1)[1]
        info_row(f"{target}: exec/s over its seed corpus (release, replayed, no mutation)",
                 median_of(runs, name, "items_per_second"), "/s",
                 f"{int(median_of(runs, name, 'corpus_inputs') or 0)} inputs; warm-up (JIT) "
                 f"{fmt(median_of(runs, name, 'warmup_s'), 's')}")
    return rows


def table(rows, markdown):
    head = ["what", "measured", "target", "result", "detail"]
    body = [[r["what"], r["shown"], r["target"], r["status"], r["note"]] for r in rows]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(b) + " |" for b in body]
        return "\n".join(lines)
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    out = ["  ".join(h.ljust(w) for h, w in zip(head, widths))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(c.ljust(w) for c, w in zip(b, widths)) for b in body]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description="benchmark ratio table")
    ap.add_argument("--raw", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--machine")
    ap.add_argument("--notes")
    a = ap.parse_args()
    if not os.path.isdir(a.raw):
        die(f"raw directory '{a.raw}' does not exist")
    runs, files = load_runs(a.raw)
    if not files:
        die(f"no *.json in '{a.raw}'")
    machine = {}
    if a.machine:
        try:
            with open(a.machine) as f:
                machine = json.load(f)
        except (OSError, ValueError) as e:
            die(f"cannot read '{a.machine}': {e}")
    notes = []
    if a.notes:
        try:
            with open(a.notes) as f:
                notes = [line.strip() for line in f if line.strip()]
        except OSError as e:
            die(f"cannot read '{a.notes}': {e}")
    errors = runs.pop("__errors__", [])
    rows = build_rows(runs)
    medians = {name: {k: median_of(runs, name, k) for k in reps[0]
                      if isinstance(reps[0][k], (int, float)) and k not in ("repetitions", "repetition_index",
                                                                            "threads", "family_index",
                                                                            "per_family_instance_index")}
               for name, reps in runs.items()}
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "bench.json"), "w") as f:
        json.dump({"machine": machine, "rows": rows, "medians": medians, "errors": errors, "notes": notes,
                   "raw_files": [os.path.basename(p) for p in files]}, f, indent=2)
    md = table(rows, markdown=True)
    with open(os.path.join(a.out, "bench.md"), "w") as f:
        f.write(md + "\n" + "".join(f"\nNote: {n}\n" for n in notes))
    if machine:
        print("machine: " + ", ".join(f"{k}={v}" for k, v in machine.items()))
    print(table(rows, markdown=False))
    for e in errors:
        print(f"benchmark error: {e}")
    for n in notes:
        print(f"note: {n}")
    misses = sum(r["status"] == "MISS" for r in rows)
    print(f"{misses} target(s) missed; tables in {a.out}/bench.json and {a.out}/bench.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
