"""run_outcome.py — what one libFuzzer (or replay) run printed: a finding, a harness error,
or nothing; and the inputs it saved. Used by ci/fuzz's supervisor (after each run of a worker)
and ci/mutants (after each fault's run, mutant_runner.py), so both read a run the same way.
Pure: text in, values out.

classify(text, exit_code[, artifacts]) says what a run came to (Kind):
  harness error  the harness itself could not run (HARNESS_ERROR): never a finding
  finding        a finding's first line (FINDING) or a finding's artifact
  failed         a non-zero exit without either (a crash nothing reported, a kill)
  clean          exit status 0 and no finding
"""
import collections
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import libfuzzer_log  # noqa: E402

# The harness could not run (failure.h): never a finding.
HARNESS_ERROR = "ERROR: vtoverlay harness"
# First lines of a finding, in the order they are looked for in a log.
FINDING = re.compile(
    r"(VTO ORACLE FAILURE: .*|ERROR: AddressSanitizer: .*|ERROR: LeakSanitizer: .*|"
    r"WARNING: ThreadSanitizer: .*|ThreadSanitizer: .*|.*runtime error: .*|vtoverlay: FATAL: .*|"
    r"vtoverlay: an on_destroy callback threw.*|ERROR: libFuzzer: .*|==\d+== ERROR: libFuzzer: .*)")
SUMMARY = re.compile(r"SUMMARY: (AddressSanitizer|ThreadSanitizer|UndefinedBehaviorSanitizer|libFuzzer): (.*)")
# Artifact kinds that are findings (libFuzzer's prefixes); slow-unit-* is not.
FINDING_ARTIFACTS = ("crash", "timeout", "oom", "leak")


def is_harness_error(text):
    return HARNESS_ERROR in text


def harness_error_line(lines):
    return next((l for l in lines if HARNESS_ERROR in l), None)


def first_finding(lines):
    """(index, the finding's first line) of the first finding in `lines`, or None."""
    for i, line in enumerate(lines):
        m = FINDING.search(line)
        if m:
            return i, m.group(1).strip()
    return None


def written_artifacts(text):
    """The files libFuzzer said it wrote for findings (not slow units), in order."""
    out = []
    for path in libfuzzer_log.WRITTEN.findall(text):
        name = path.rsplit("/", 1)[-1]
        if name.split("-")[0] in FINDING_ARTIFACTS and path not in out:
            out.append(path)
    return out


# The harness's keep-going findings (lib/harness/finding.h): saved while the run goes on.
KEPT = re.compile(r"VTO FINDING: Test unit written to (\S+)")


def kept_artifacts(text):
    """The inputs the harness saved for findings it recorded and went on after (keep-going)."""
    return list(dict.fromkeys(KEPT.findall(text)))


def ending_artifacts(text):
    """The findings that ended the run: written_artifacts without the kept ones."""
    kept = set(kept_artifacts(text))
    return [a for a in written_artifacts(text) if a not in kept]


def is_finding_artifact(name):
    return name.split("-")[0] in FINDING_ARTIFACTS


class Kind:
    CLEAN = "clean"
    FINDING = "finding"
    HARNESS_ERROR = "harness error"
    FAILED = "failed"


# kind: a Kind; line: the harness error's or the finding's first line (None otherwise), and
# index: its line number in the text; artifacts: the findings' files.
Outcome = collections.namedtuple("Outcome", "kind line index artifacts")


def classify(text, exit_code, artifacts=None):
    """What one run came to, from everything it printed (a string, or its lines) and its exit
    code. `artifacts`: the findings' files the run wrote (default: those of its "Test unit
    written to" lines)."""
    lines = text.splitlines() if isinstance(text, str) else list(text)
    if artifacts is None:
        artifacts = written_artifacts("\n".join(lines))
    artifacts = list(artifacts)
    for i, line in enumerate(lines):
        if HARNESS_ERROR in line:
            return Outcome(Kind.HARNESS_ERROR, line, i, artifacts)
    hit = first_finding(lines)
    if hit or artifacts:
        return Outcome(Kind.FINDING, hit[1] if hit else None, hit[0] if hit else None, artifacts)
    return Outcome(Kind.FAILED if exit_code != 0 else Kind.CLEAN, None, None, artifacts)
