#!/usr/bin/env python3
"""source_mirror_test.py — the copy ci/mutants builds from (source_mirror.py), and ci/mutants'
refusal of a patch that cannot run. Run by fuzzlib_test.py (ctest: ci.fuzzlib)."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from source_mirror import MirrorError, SourceMirror, describe_patch  # noqa: E402

PATCH = """Breaks: P8 R5
make the answer wrong

diff --git a/lib/a.cc b/lib/a.cc
--- a/lib/a.cc
+++ b/lib/a.cc
@@ -1 +1 @@
-int answer() { return 42; }
+int answer() { return 41; }
diff --git a/lib/new.cc b/lib/new.cc
new file mode 100644
--- /dev/null
+++ b/lib/new.cc
@@ -0,0 +1 @@
+int extra() { return 1; }
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def read(path):
    with open(path) as f:
        return f.read()


class Mirror(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.root, True)
        write(os.path.join(self.root, "lib/a.cc"), "int answer() { return 42; }\n")
        write(os.path.join(self.root, "lib/b.cc"), "int other() { return 7; }\n")
        write(os.path.join(self.root, ".gitignore"), "build/\n*.o\n")
        write(os.path.join(self.root, "build/old/CMakeCache.txt"), "not source\n")
        write(os.path.join(self.root, "lib/a.o"), "ignored\n")
        subprocess.run(["git", "init", "-q"], cwd=self.root, check=True)
        subprocess.run(["git", "add", "lib/a.cc", "lib/b.cc", ".gitignore"], cwd=self.root, check=True)
        write(os.path.join(self.root, "lib/wip.cc"), "int wip() { return 0; }\n")  # new, not yet added
        self.dest = os.path.join(self.root, "build", "mutants-src")
        self.patch = os.path.join(self.root, "build", "answer.patch")
        write(self.patch, PATCH)
        self.mirror = SourceMirror(self.root, self.dest)

    def test_copies_tracked_and_new_files_but_not_build_or_ignored_ones(self):
        self.assertEqual(self.mirror.sync(), 4)
        self.assertEqual(sorted(os.listdir(os.path.join(self.dest, "lib"))), ["a.cc", "b.cc", "wip.cc"])
        self.assertFalse(os.path.exists(os.path.join(self.dest, "build")))
        self.assertEqual(self.mirror.sync(), 0)  # nothing differs: nothing rewritten

    def test_a_patch_changes_the_copy_only_and_the_next_sync_restores_it(self):
        self.mirror.sync()
        b_mtime = os.stat(os.path.join(self.dest, "lib/b.cc")).st_mtime_ns
        self.assertIsNone(self.mirror.check(self.patch))
        self.mirror.apply(self.patch)
        self.assertIn("41", read(os.path.join(self.dest, "lib/a.cc")))
        self.assertIn("42", read(os.path.join(self.root, "lib/a.cc")))  # the working tree is untouched
        self.assertTrue(os.path.exists(os.path.join(self.dest, "lib/new.cc")))
        self.assertEqual(self.mirror.sync(), 1)  # a.cc back; new.cc removed
        self.assertIn("42", read(os.path.join(self.dest, "lib/a.cc")))
        self.assertFalse(os.path.exists(os.path.join(self.dest, "lib/new.cc")))
        self.assertEqual(os.stat(os.path.join(self.dest, "lib/b.cc")).st_mtime_ns, b_mtime)

    def test_a_patch_that_does_not_apply_is_refused_with_git_s_reason(self):
        self.mirror.sync()
        write(os.path.join(self.dest, "lib/a.cc"), "int answer() { return 0; }\n")
        self.assertIn("lib/a.cc", self.mirror.check(self.patch))
        self.assertIn("no such file", self.mirror.check(os.path.join(self.root, "missing.patch")))
        empty = os.path.join(self.root, "build", "empty.patch")
        write(empty, "just words\n")
        self.assertIsNotNone(self.mirror.check(empty))
        with self.assertRaises(MirrorError):
            self.mirror.apply(self.patch)

    def test_the_copy_must_live_under_build(self):
        with self.assertRaises(MirrorError):
            SourceMirror(self.root, os.path.join(self.root, "lib"))
        with self.assertRaises(MirrorError):
            SourceMirror(self.root, self.root)

    def test_the_preamble_names_promises_and_description(self):
        self.assertEqual(describe_patch(self.patch), (["P8", "R5"], "make the answer wrong"))


class MutantsCommandLine(unittest.TestCase):
    def run_mutants(self, *args):
        return subprocess.run([sys.executable, os.path.join(HERE, "..", "mutants"), "--no-setup", *args],
                              capture_output=True, text=True)

    def test_a_missing_patch_is_an_error_before_anything_is_built(self):
        r = self.run_mutants("--patch", "/nonexistent/fault.patch")
        self.assertEqual(r.returncode, 2)
        self.assertIn("ERROR: ci/mutants: patch /nonexistent/fault.patch: no such file", r.stderr)

    def test_an_unknown_fault_is_an_error(self):
        r = self.run_mutants("--faults", "no_such_fault", "--patch", "/nonexistent/fault.patch")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown fault 'no_such_fault'", r.stderr)


if __name__ == "__main__":
    unittest.main()
