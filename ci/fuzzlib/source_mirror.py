"""source_mirror.py — the copy of the source tree that ci/mutants builds from, so that a fault
given as a patch (ci/mutants --patch) is applied to the copy and never to the working tree.

  mirror = SourceMirror(root, dest)
  mirror.sync()            # dest holds root's source files, byte for byte
  err = mirror.check(p)    # None when patch p applies to the synced copy, else git's words
  mirror.apply(p)          # applies it (after check)

What is copied: the files `git ls-files --cached --others --exclude-standard` lists (tracked
files and new files not ignored, so uncommitted work is fuzzed as it is), or, outside a git
checkout, every file under root except build/ and .git/. A file is rewritten only when its
bytes differ, with a fresh modification time, so the build directory configured on the copy
recompiles only what changed (a patch's files, then the same files again when the next sync
restores them); files the copy has but root does not (a patch's new files) are removed.

Patches are read by `git apply` (unified diffs with a/ b/ prefixes as `git diff` writes them,
or -p0 ones with --p 0; works outside a repository). A patch may say what it breaks in its
preamble (the text before the first diff header): `Breaks: P7 R5`; the first other non-empty
line is its description.

Thread-safety: none; one ci/mutants process owns dest.
"""
import os
import re
import shutil
import subprocess


class MirrorError(Exception):
    pass


def _git_files(root):
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                             capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return [f for f in out.decode().split("\0") if f]


def _walk_files(root, skip_top):
    files = []
    for d, dirs, names in os.walk(root):
        rel = os.path.relpath(d, root)
        if rel == ".":
            dirs[:] = [x for x in dirs if x not in skip_top]
        for n in names:
            files.append(os.path.normpath(os.path.join(rel, n)))
    return files


class SourceMirror:
    def __init__(self, root, dest):
        self.root = os.path.abspath(root)
        self.dest = os.path.abspath(dest)
        if self.dest == self.root or not self.dest.startswith(self.root + os.sep + "build" + os.sep):
            # The copy is deleted from freely: never let it be anything but a build directory.
            raise MirrorError(f"the source copy must be a directory under {self.root}/build/, not {self.dest}")

    def files(self):
        files = _git_files(self.root)
        if files is None:
            files = _walk_files(self.root, {"build", ".git"})
        return sorted(f for f in files if not f.startswith("build/") and os.path.isfile(os.path.join(self.root, f)))

    def sync(self):
        """Makes dest hold exactly root's source files. Returns how many files were written."""
        wanted = self.files()
        os.makedirs(self.dest, exist_ok=True)
        written = 0
        for rel in wanted:
            src = os.path.join(self.root, rel)
            dst = os.path.join(self.dest, rel)
            with open(src, "rb") as f:
                data = f.read()
            try:
                with open(dst, "rb") as f:
                    same = f.read() == data
            except OSError:
                same = False
            if same and os.access(dst, os.X_OK) == os.access(src, os.X_OK):
                continue
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if os.path.lexists(dst):
                os.remove(dst)
            with open(dst, "wb") as f:
                f.write(data)
            shutil.copymode(src, dst)
            written += 1
        keep = set(wanted)
        for rel in _walk_files(self.dest, set()):
            if rel not in keep:
                os.remove(os.path.join(self.dest, rel))
        return written

    def _git_apply(self, *args):
        # The copy lies inside root's checkout (under build/): without a ceiling, git would find
        # root's repository and apply paths relative to its top, skipping everything outside dest.
        env = dict(os.environ, GIT_CEILING_DIRECTORIES=os.path.dirname(self.dest))
        return subprocess.run(["git", "apply", *args], cwd=self.dest, capture_output=True, text=True, env=env)

    def check(self, patch):
        """None when `patch` applies to the synced copy; else the reason, in git's words."""
        if not os.path.isfile(patch):
            return f"{patch}: no such file"
        r = self._git_apply("--check", os.path.abspath(patch))
        if r.returncode != 0:
            return (r.stderr or r.stdout).strip() or f"git apply --check exited {r.returncode}"
        r = self._git_apply("--numstat", os.path.abspath(patch))
        if r.returncode != 0 or not r.stdout.strip():
            return "the patch changes no file"
        return None

    def apply(self, patch):
        r = self._git_apply(os.path.abspath(patch))
        if r.returncode != 0:
            raise MirrorError(f"{patch} does not apply: {(r.stderr or r.stdout).strip()}")


def describe_patch(path):
    """(promises, description) from a patch's preamble: `Breaks: P7 R5` and its first other line."""
    promises, description = [], ""
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith(("diff --git ", "--- ", "Index: ")):
                break
            text = line.strip()
            m = re.match(r"^Breaks:\s*(.*)$", text)
            if m:
                promises = m.group(1).split()
            elif text and not description and not text.startswith(("From ", "Date:", "From:")):
                description = re.sub(r"^Subject:\s*(\[PATCH[^\]]*\]\s*)?", "", text)
    return promises, description
