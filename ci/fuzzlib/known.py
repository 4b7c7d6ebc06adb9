"""known.py — the signatures a nightly job has accepted: ci/fuzz --known FILE.

The file lists one signature per line: its 12-hex id first (crash_signature.key_id, as in a
campaign's signatures.txt), then anything (the key, a bug link) for people. '#' starts a
comment; blank lines are skipped. A finding whose signature is listed is "known": reported
apart, and it does not make ci/fuzz exit 1.
"""
import re

_ID = re.compile(r"[0-9a-f]{12}")


def read_known(path):
    """The ids of a --known file. Raises ValueError naming the file and line of anything that
    is not one, or OSError's reason when the file cannot be read."""
    try:
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise ValueError(f"cannot read '{path}': {e.strerror}")
    ids = set()
    for n, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        first = text.split()[0]
        if not _ID.fullmatch(first):
            raise ValueError(f"{path}:{n}: expected a 12-hex signature id (as in signatures.txt), got '{first}'")
        ids.add(first)
    return frozenset(ids)
