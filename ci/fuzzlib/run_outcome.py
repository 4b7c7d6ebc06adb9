"""run_outcome.py — what one libFuzzer (or replay) run printed: a finding, a harness error,
or nothing; and the inputs it saved. Used by ci/fuzz's supervisor (after each run of a worker)
and ci/mutants (after each fault's run), so both read a log the same way. Pure: text in,
values out.

From a shell script:
  python3 ci/fuzzlib/run_outcome.py artifacts LOG [OFFSET]   the findings' files a run wrote
      (its "Test unit written to" lines after byte OFFSET of LOG; slow units are not findings)
  python3 ci/fuzzlib/run_outcome.py harness-error LOG        exit 0 if the harness itself failed
"""
import re
import sys

# The harness could not run (failure.h): never a finding.
HARNESS_ERROR = "ERROR: vtoverlay harness"
# First lines of a finding, in the order they are looked for in a log.
FINDING = re.compile(
    r"(VTO ORACLE FAILURE: .*|ERROR: AddressSanitizer: .*|ERROR: LeakSanitizer: .*|"
    r"WARNING: ThreadSanitizer: .*|ThreadSanitizer: .*|.*runtime error: .*|vtoverlay: FATAL: .*|"
    r"vtoverlay: an on_destroy callback threw.*|ERROR: libFuzzer: .*|==\d+== ERROR: libFuzzer: .*)")
SUMMARY = re.compile(r"SUMMARY: (AddressSanitizer|ThreadSanitizer|UndefinedBehaviorSanitizer|libFuzzer): (.*)")
_WRITTEN = re.compile(r"Test unit written to (\S+)")
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
    for path in _WRITTEN.findall(text):
        name = path.rsplit("/", 1)[-1]
        if name.split("-")[0] in FINDING_ARTIFACTS and path not in out:
            out.append(path)
    return out


def is_finding_artifact(name):
    return name.split("-")[0] in FINDING_ARTIFACTS


def main(argv):
    if len(argv) in (3, 4) and argv[1] == "artifacts":
        data = open(argv[2], "rb").read()
        offset = int(argv[3]) if len(argv) == 4 else 0
        for path in written_artifacts(data[offset:].decode("utf-8", "replace")):
            print(path)
        return 0
    if len(argv) == 3 and argv[1] == "harness-error":
        return 0 if is_harness_error(open(argv[2], errors="replace").read()) else 1
    print("usage: run_outcome.py artifacts LOG [OFFSET] | harness-error LOG", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
