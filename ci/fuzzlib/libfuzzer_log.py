"""libfuzzer_log.py — reading what libFuzzer writes: status lines and crash reports.

ci/fuzz runs each libFuzzer worker with its output split two ways: the raw log
(`fuzz.<w>.log`, everything the process printed, all runs appended) and a timeline
(`timeline.<w>.tsv`): every status line ("#N ... cov: X ft: Y corp: Z/S ... exec/s: E rss: RMb")
prefixed with the milliseconds since the campaign of that target started and a tab.

Functions here are pure (text in, values out), so tests can feed them fixed samples.
"""
import re

# "#1234\tNEW    cov: 2345 ft: 5678 corp: 56/2048b lim: 4 exec/s: 310 rss: 512Mb L: ..."
# Fields may be missing (early "pulse" lines have no cov or corp); missing numbers are 0.
_HEAD = re.compile(r"^#(\d+)\s+(\w+)\b")
_FIELDS = {
    "cov": re.compile(r"\bcov: (\d+)"),
    "features": re.compile(r"\bft: (\d+)"),
    "exec_per_s": re.compile(r"\bexec/s: (\d+)"),
    "rss_mb": re.compile(r"\brss: (\d+)Mb"),
}
_CORP = re.compile(r"\bcorp: (\d+)/(\d+)(b|Kb|Mb)?")

_UNIT_SCALE = {"b": 1, None: 1, "Kb": 1024, "Mb": 1024 * 1024}


def parse_status(line):
    """One libFuzzer status line as a dict, or None if the line is not one."""
    m = _HEAD.match(line.strip())
    if not m or "exec/s:" not in line:
        return None
    out = {"execs": int(m.group(1)), "event": m.group(2)}
    for name, rx in _FIELDS.items():
        f = rx.search(line)
        out[name] = int(f.group(1)) if f else 0
    c = _CORP.search(line)
    out["corpus"] = int(c.group(1)) if c else 0
    out["corpus_bytes"] = int(c.group(2)) * _UNIT_SCALE[c.group(3)] if c else 0
    return out


def parse_timeline(text):
    """Rows of a timeline file ("<ms>\\t<status line>") as dicts with a "t" (seconds) key.

    A new libFuzzer run (the supervisor restarts workers after a crash) shows as an exec
    count that goes down; each row carries "run", counted from 1."""
    rows, run, last_execs = [], 1, -1
    for line in text.splitlines():
        ms, _, rest = line.partition("\t")
        status = parse_status(rest)
        if status is None or not ms.strip().lstrip("-").isdigit():
            continue
        if status["execs"] < last_execs:
            run += 1
        last_execs = status["execs"]
        status["t"] = int(ms) / 1000.0
        status["run"] = run
        rows.append(status)
    return rows


def total_execs(rows):
    """Inputs executed over all runs of one worker: the last exec count of each run."""
    last = {}
    for r in rows:
        last[r["run"]] = r["execs"]
    return sum(last.values())


# "Test unit written to PATH": libFuzzer saved an input (run_outcome.py reads it too).
WRITTEN = re.compile(r"Test unit written to (\S+)")
_RUN_START = re.compile(r"^INFO: Seed: \d+", re.M)


def crash_sections(log):
    """Maps each artifact path named in a libFuzzer log ("Test unit written to PATH") to the
    text of the report that produced it: from the start of that libFuzzer run, or the end of
    the previous artifact's line, whichever is later."""
    out = {}
    pos = 0
    for m in WRITTEN.finditer(log):
        start = pos
        for s in _RUN_START.finditer(log, pos, m.start()):
            start = s.start()
        out[m.group(1)] = log[start:m.end()]
        pos = m.end()
    return out
