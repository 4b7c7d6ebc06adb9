#!/usr/bin/env python3
"""report.py — the campaign report of ci/fuzz, for machines and for people.

  report.py OUT_DIR TARGET...

Reads, per target, OUT_DIR/<target>/meta.json (written by ci/fuzz), timeline.*.tsv,
fuzz.*.log and triage.json (ci/fuzzlib/triage.py), and OUT_DIR/coverage.json if ci/coverage
ran. Writes OUT_DIR/report.json, OUT_DIR/report.html (one self-contained page: inline SVG
plot of coverage over time, no scripts, no external files) and OUT_DIR/report.txt, and
prints the text report. Exit status: 0 written; 2 a per-target meta.json is missing.
"""
import glob
import html
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import libfuzzer_log  # noqa: E402

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]


def load_target(out, t):
    work = os.path.join(out, t)
    with open(os.path.join(work, "meta.json")) as f:
        rep = json.load(f)
    workers = []
    for tl in sorted(glob.glob(os.path.join(work, "timeline.*.tsv"))):
        with open(tl, errors="replace") as f:
            rows = libfuzzer_log.parse_timeline(f.read())
        w = re.search(r"timeline\.(\d+)\.tsv$", tl).group(1)
        workers.append({"worker": int(w), "rows": rows})
    execs = sum(libfuzzer_log.total_execs(w["rows"]) for w in workers)
    finals = [w["rows"][-1] for w in workers if w["rows"]]
    stats, runs = [], 0
    for log in sorted(glob.glob(os.path.join(work, "fuzz.*.log"))):
        with open(log, errors="replace") as f:
            text = f.read()
        stats += re.findall(r"vto-stats: (.*)", text)
        runs += len(re.findall(r"^ci/fuzz: worker \d+ run \d+ ended", text, re.M))
    triage = {"crashes": 0, "groups": []}
    if os.path.exists(os.path.join(work, "triage.json")):
        with open(os.path.join(work, "triage.json")) as f:
            triage = json.load(f)
    slow = sorted(glob.glob(os.path.join(work, "artifacts", "slow-unit-*")))
    wall = rep.get("fuzz_seconds_measured") or rep["seconds"]
    # Distinct hierarchies one process's inputs asked for (the largest over the workers' runs:
    # forked children and restarts each count their own).
    distinct = max((int(m) for line in stats for m in re.findall(r"\bdistinct_hierarchies=(\d+)", line)), default=None)
    rep.update({
        "distinct_hierarchies": distinct,
        "distinct_hierarchies_per_hour": round(distinct * 3600.0 / wall) if distinct is not None and wall else None,
        "execs": execs,
        "exec_per_s_overall": round(execs / wall, 1) if wall else None,
        "exec_per_s_last": [f["exec_per_s"] for f in finals],
        "cov": max((f["cov"] for f in finals), default=None),
        "features": max((f["features"] for f in finals), default=None),
        "peak_rss_mb": max((r["rss_mb"] for w in workers for r in w["rows"]), default=None),
        "runs": runs,  # libFuzzer processes started, over all workers
        "timeline": [{"worker": w["worker"], "points": [[r["t"], r["cov"], r["features"], r["execs"], r["exec_per_s"],
                                                          r["rss_mb"], r["run"]] for r in thin(w["rows"], 400)]}
                     for w in workers],
        "timeline_columns": ["seconds", "cov", "features", "execs", "exec_per_s", "rss_mb", "run"],
        "crashes": triage["crashes"],
        "crash_groups": triage["groups"],
        "slow_units": slow,
        "harness_stats": stats[-1] if stats else None,
    })
    return rep


def thin(rows, n):
    if len(rows) <= n:
        return rows
    step = len(rows) / float(n)
    return [rows[int(i * step)] for i in range(n)] + [rows[-1]]


def svg_plot(rep, width=640, height=220):
    series = [s for s in rep["timeline"] if s["points"]]
    pad_l, pad_b, pad_t, pad_r = 56, 34, 12, 12
    if not series:
        return "<p><em>no status lines were printed (the target did not start fuzzing)</em></p>"
    tmax = max(max(p[0] for p in s["points"]) for s in series) or 1.0
    cmax = max(max(p[1] for p in s["points"]) for s in series) or 1
    cmin = min(min(p[1] for p in s["points"]) for s in series)
    cmin = max(0, cmin - (cmax - cmin) * 0.1 - 1)
    x = lambda t: pad_l + (width - pad_l - pad_r) * t / tmax
    y = lambda c: height - pad_b - (height - pad_b - pad_t) * (c - cmin) / max(cmax - cmin, 1)
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" '
             'aria-label="coverage over time">' % (width, height),
             '<rect x="%d" y="%d" width="%d" height="%d" fill="#fff" stroke="#999"/>' % (
                 pad_l, pad_t, width - pad_l - pad_r, height - pad_b - pad_t)]
    for i in range(5):
        c = cmin + (cmax - cmin) * i / 4.0
        t = tmax * i / 4.0
        parts.append('<text x="%d" y="%.1f" font-size="10" text-anchor="end">%d</text>' % (pad_l - 4, y(c) + 3, c))
        parts.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#eee"/>' % (pad_l, width - pad_r, y(c), y(c)))
        parts.append('<text x="%.1f" y="%d" font-size="10" text-anchor="middle">%ds</text>' % (x(t), height - pad_b + 14, t))
    parts.append('<text x="%d" y="%d" font-size="11" text-anchor="middle">seconds since start</text>' % (
        (width + pad_l) // 2, height - 4))
    parts.append('<text x="12" y="%d" font-size="11" transform="rotate(-90 12 %d)" text-anchor="middle">cov (edges)</text>'
                 % (height // 2, height // 2))
    for i, s in enumerate(series):
        color = COLORS[i % len(COLORS)]
        # One line per libFuzzer run: a restart after a crash begins again from the corpus.
        for run in sorted({p[6] for p in s["points"]}):
            pts = " ".join("%.1f,%.1f" % (x(p[0]), y(p[1])) for p in s["points"] if p[6] == run)
            parts.append('<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>' % (color, pts))
            first = next(p for p in s["points"] if p[6] == run)
            if run > 1:
                parts.append('<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"><title>restart %d</title></circle>' % (
                    x(first[0]), y(first[1]), color, run))
        parts.append('<text x="%d" y="%d" font-size="10" fill="%s">worker %d (dots: restarts after a finding)</text>' % (
            pad_l + 6, pad_t + 12 + 12 * i, color, s["worker"]))
    parts.append("</svg>")
    return "\n".join(parts)


def esc(v):
    return html.escape("" if v is None else str(v))


def write_html(path, report):
    reps = report["targets"]
    h = ["<!DOCTYPE html>", "<html><head><meta charset='utf-8'><title>vtoverlay fuzz campaign</title>",
         "<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}"
         "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}"
         "th{background:#f4f4f4}code{font-size:90%}.bad{color:#b00;font-weight:bold}.ok{color:#070}</style>",
         "</head><body>", "<h1>vtoverlay fuzz campaign</h1>",
         "<p>started %s; budget %s s per target; backend %s; exit status <b>%s</b> (%s)%s</p>" % (
             esc(report["started"]), esc(report["seconds"]), esc(report["backend"] or "built-in"),
             esc(report["exit_code"]), esc(report["verdict"]),
             " — <span class='bad'>interrupted, partial results</span>" if report["interrupted"] else "")]
    h.append("<h2>Targets</h2><table><tr><th>target</th><th>preset</th><th>execs</th><th>exec/s overall</th>"
             "<th>exec/s last</th><th>cov</th><th>ft</th><th>peak RSS</th><th>corpus before → after</th>"
             "<th>libFuzzer runs</th><th>crashes</th><th>signatures</th><th>status</th></tr>")
    for r in reps:
        h.append("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s MB</td>"
                 "<td>%s files (%s B) → %s files (%s B)</td><td>%s</td><td class='%s'>%s</td><td>%s</td><td>%s</td></tr>" % (
                     esc(r["target"]), esc(r["preset"]), esc(r["execs"]), esc(r["exec_per_s_overall"]),
                     esc(", ".join(map(str, r["exec_per_s_last"]))), esc(r["cov"]), esc(r["features"]),
                     esc(r["peak_rss_mb"]), esc(r["corpus_before"]), esc(r["corpus_before_bytes"]),
                     esc(r["corpus_after"]), esc(r["corpus_after_bytes"]), esc(r["runs"]),
                     "bad" if r["crashes"] else "ok", esc(r["crashes"]), esc(len(r["crash_groups"])), esc(r["status"])))
    h.append("</table>")
    cov = report.get("coverage")
    h.append("<h2>Line coverage of lib/</h2>")
    if cov:
        link = os.path.relpath(cov["html"], report["out"])  # relative: the directory can be moved as a whole
        h.append("<p>%s — <a href='%s'>llvm-cov HTML report</a> (%s)</p><table><tr><th>directory</th><th>lines</th>"
                 "<th>covered</th><th>%%</th></tr>" % (esc(cov.get("note", "")), esc(link), esc(cov["generated"])))
        for d in cov["directories"]:
            h.append("<tr><td>%s</td><td>%s</td><td>%s</td><td>%.2f</td></tr>" % (
                esc(d["dir"]), d["lines"], d["covered"], d["percent"]))
        h.append("</table>")
    else:
        h.append("<p>not measured in this campaign (run <code>ci/fuzz --coverage</code> or <code>ci/coverage</code>)</p>")
    for r in reps:
        h.append("<h2>%s</h2>" % esc(r["target"]))
        h.append("<h3>Coverage over time</h3>" + svg_plot(r))
        if r["harness_stats"]:
            h.append("<p><code>%s</code></p>" % esc(r["harness_stats"]))
        h.append("<h3>Crashes (%d, %d signatures)</h3>" % (r["crashes"], len(r["crash_groups"])))
        if r["crash_groups"]:
            h.append("<table><tr><th></th><th>dedup key</th><th>count</th><th>minimized input</th><th>reproducer</th></tr>")
            for g in r["crash_groups"]:
                rp = g["reproducer"]
                h.append("<tr><td class='%s'>%s</td><td><code>%s</code> (%s)</td><td>%d</td><td><code>%s</code><br>%s B; %s</td><td>%s%s%s</td></tr>" % (
                    "ok" if g.get("known") else "bad", "known" if g.get("known") else "NEW",
                    esc(g["key"]), esc(g.get("key_id", "")), g["count"], esc(g["minimized"]), esc(g["minimized_bytes"]), esc(g["minimized_note"]),
                    esc(rp["status"]), "<br><code>%s</code>" % esc(rp["path"]) if rp["path"] else "",
                    "<br><code>%s</code>" % esc(rp["command"]) if rp["command"] else ""))
            h.append("</table>")
        else:
            h.append("<p class='ok'>none</p>")
        if r["slow_units"]:
            h.append("<p>%d slow-unit inputs (inputs that triggered a JIT compile; not findings)</p>" % len(r["slow_units"]))
        h.append("<p>logs: <code>%s</code></p>" % esc(os.path.join(report["out"], r["target"])))
    h.append("</body></html>")
    with open(path, "w") as f:
        f.write("\n".join(h) + "\n")


def text_report(report):
    lines = ["fuzz campaign report (exit %s: %s)%s" % (report["exit_code"], report["verdict"],
                                                        " — INTERRUPTED, partial results" if report["interrupted"] else ""), ""]
    lines.append("%-16s %-9s %10s %8s %6s %9s %22s %8s %5s" % ("target", "preset", "execs", "exec/s", "cov", "peak rss",
                                                             "corpus files", "crashes", "keys"))
    for r in report["targets"]:
        lines.append("%-16s %-9s %10s %8s %6s %9s %22s %8s %5s" % (
            r["target"], r["preset"], r["execs"], r["exec_per_s_overall"], r["cov"], "%s MB" % r["peak_rss_mb"],
            "%s -> %s" % (r["corpus_before"], r["corpus_after"]), r["crashes"], len(r["crash_groups"])))
    for r in report["targets"]:
        if r.get("distinct_hierarchies") is not None:
            lines.append("  %s: %s distinct hierarchies (%s per hour)" % (
                r["target"], r["distinct_hierarchies"], r["distinct_hierarchies_per_hour"]))
    for r in report["targets"]:
        for g in r["crash_groups"]:
            lines.append("  %s %s: %d x %s (%s)" % ("known" if g.get("known") else "NEW  ", r["target"], g["count"],
                                                  g["key"], g.get("key_id", "")))
            lines.append("      minimized: %s (%s)" % (g["minimized"], g["minimized_note"]))
            lines.append("      reproducer: %s%s" % (g["reproducer"]["status"],
                                                     " " + g["reproducer"]["path"] if g["reproducer"]["path"] else ""))
    cov = report.get("coverage")
    if cov:
        lines.append("")
        lines.append("line coverage of lib/, %s (%s):" % (cov.get("note", ""), cov["html"]))
        for d in cov["directories"]:
            lines.append("  %-16s %6.2f %% (%d/%d lines)" % (d["dir"], d["percent"], d["covered"], d["lines"]))
    return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) < 2:
        print("usage: report.py OUT_DIR TARGET...", file=sys.stderr)
        return 2
    out, targets = sys.argv[1], sys.argv[2:]
    with open(os.path.join(out, "campaign.json")) as f:
        report = json.load(f)
    try:
        report["targets"] = [load_target(out, t) for t in targets]
    except FileNotFoundError as e:
        print("ERROR: report: %s" % e, file=sys.stderr)
        return 2
    cov_path = os.path.join(out, "coverage.json")
    if os.path.exists(cov_path):
        with open(cov_path) as f:
            report["coverage"] = json.load(f)
    with open(os.path.join(out, "report.json"), "w") as f:
        json.dump(report, f, indent=1)
    write_html(os.path.join(out, "report.html"), report)
    text = text_report(report)
    with open(os.path.join(out, "report.txt"), "w") as f:
        f.write(text)
    print(text)
    print("report: %s %s %s" % tuple(os.path.join(out, n) for n in ("report.json", "report.html", "report.txt")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
