"""crash_signature.py — the deduplication key of a crash report.

key = "<kind> @ <frame> < <frame> ..." where

* kind names what went wrong, with every value taken out:
  - an oracle failure ("VTO ORACLE FAILURE: <message>"): "oracle: " and the words of the
    message before its first value (class, method and hierarchy names, numbers, addresses),
    e.g. "oracle: call of" or "oracle: unexpected refusal";
  - a sanitizer report: the tool and the bug type, e.g. "AddressSanitizer: heap-use-after-free",
    "ThreadSanitizer: data race", "UndefinedBehaviorSanitizer: member call on address";
  - libFuzzer's own findings: "libFuzzer: timeout", "libFuzzer: out-of-memory", ...
* frames are the top functions of the PROJECT's own code (files under lib/ or fuzz/ of the
  source tree) in the first stack of the report, argument lists and addresses stripped,
  the oracle's reporting path (Fail, FailThunk, the Oracle of lib/harness/expectation.h, and
  the keep-going recorder of lib/harness/finding.cc, whose stack has the same frames) skipped. An oracle failure keeps one frame — the
  check that failed; its callers only say when the check ran. Other reports keep three.
"""
import hashlib
import re

_VALUE = re.compile(r"\b(h\d+|C\d+|m\d+|0x[0-9a-fA-F]+|\d+)\b")
# A symbolized frame. ASan/UBSan: "#3 0x55b9 in f(int) /src/x.cc:19:3"; ThreadSanitizer prints no
# address and ends with the module: "#3 f(int) /src/x.cc:19:3 (fuzz_race+0x2d55c1) (BuildId: 12e3)".
_FRAME = re.compile(r"^\s*#(\d+) (?:0x[0-9a-f]+ in )?(.+?) (/\S+?):(\d+)(?::\d+)?(?: \([^()]*\))*\s*$")
_SAN_ERROR = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer|MemorySanitizer|libFuzzer): ([\w-]+(?: [\w-]+)*)")
_TSAN = re.compile(r"WARNING: ThreadSanitizer: ([\w-]+(?: [\w-]+)*)")
_UBSAN = re.compile(r"runtime error: ([^\n]*)")

# The reporting path of an oracle: Fail(), the scenarios' FailThunk, and the Oracle that
# evaluates every Expectation (lib/harness/expectation.h): the frame below them is the check.
SKIPPED_FUNCTIONS = re.compile(r"(^|::)(Fail|FailThunk)$|(^|::)Oracle::")
SKIPPED_FILES = ("lib/harness/failure.cc", "lib/harness/finding.cc", "lib/harness/expectation.h",
                 "lib/harness/expectation.cc")


def _words_before_value(message):
    words = []
    for w in message.split():
        if _VALUE.search(w) or any(ch in w for ch in "(*=<'\""):
            break
        words.append(w.rstrip(":;,"))
        if w.endswith((":", ";", ",")):
            break
    return " ".join(words)


def crash_kind(report):
    m = re.search(r"VTO ORACLE FAILURE: (?:hierarchy h\d+: )?([^\n]*)", report)
    if m:
        return "oracle: " + (_words_before_value(m.group(1)) or "?")
    m = _TSAN.search(report)
    if m:
        return "ThreadSanitizer: " + m.group(1)
    m = _UBSAN.search(report)
    if m:
        return "UndefinedBehaviorSanitizer: " + (_words_before_value(m.group(1)) or "?")
    m = _SAN_ERROR.search(report)
    if m:
        kind = m.group(2).split(" on ")[0]
        kind = re.sub(r" (on|after|at|of|in)( .*)?$", "", kind)
        return m.group(1) + ": " + kind
    if "deadly signal" in report:
        return "deadly signal"
    return "unknown"


def strip_arguments(function):
    """'ns::(anonymous namespace)::Scenario::Run(unsigned char const*) const' -> 'ns::Scenario::Run'."""
    f = function.replace("(anonymous namespace)::", "")
    depth, out = 0, []
    for ch in f:
        if ch == "(":
            if depth == 0 and out:
                break
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out).strip()


def project_frames(report, source_root, limit):
    """Top `limit` frames of the first stack in `report` whose file is in the project's
    lib/ or fuzz/ directories (under source_root)."""
    root = source_root.rstrip("/") + "/"
    frames, seen_stack = [], False
    for line in report.splitlines():
        m = _FRAME.match(line)
        if not m:
            if seen_stack and frames and not line.strip():
                break  # end of the first stack that had project frames
            continue
        if m.group(1) == "0" and seen_stack and frames:
            break  # a second stack begins
        seen_stack = True
        path = m.group(3)
        if not path.startswith(root):
            continue
        rel = path[len(root):]
        if not rel.startswith(("lib/", "fuzz/")) or rel in SKIPPED_FILES:
            continue
        fn = strip_arguments(m.group(2))
        if SKIPPED_FUNCTIONS.search(fn):
            continue
        frames.append(fn)
        if len(frames) == limit:
            break
    return frames


def signature(report, source_root):
    """(key, kind, frames) of one crash report."""
    kind = crash_kind(report)
    frames = project_frames(report, source_root, 1 if kind.startswith("oracle:") else 3)
    key = kind + " @ " + (" < ".join(frames) if frames else "(no project frame)")
    return key, kind, frames


def key_id(key):
    """A short stable name for a key, for file names."""
    return hashlib.sha1(key.encode()).hexdigest()[:12]
