"""The patch parser: added lines, new-file line numbers, combined diffs, quoted paths."""

from __future__ import annotations

from byok_ci.sources.git.patch import SUBMODULE_MODE, parse, unquote

ORDINARY = b"""\0commit aaaa\0Ada <ada@example.com>\x002024-01-01T00:00:00+00:00

diff --git f.txt f.txt
index 1111..2222 100644
--- f.txt
+++ f.txt
@@ -1,0 +2,2 @@
+two
+three
@@ -7 +9 @@ ctx
-old
+new
\\ No newline at end of file
diff --git gone.txt gone.txt
deleted file mode 100644
index 3333..0000
--- gone.txt
+++ /dev/null
@@ -1 +0,0 @@
-bye
"""

COMBINED = b"""\0commit bbbb\0Ada <ada@example.com>\x002024-01-01T00:00:00+00:00

diff --cc f.txt
index 1111,2222..3333
--- f.txt
+++ f.txt
@@@ -2,0 -2,1 +2,3 @@@
++EVIL
+ from-second-parent
++ALSO-EVIL
"""


def test_added_lines_with_new_file_line_numbers() -> None:
    commits = []
    patches = list(parse(ORDINARY.splitlines(keepends=True), on_commit=commits.append))
    assert [c.sha for c in commits] == ["aaaa"]
    changed, gone = patches
    assert changed.path == "f.txt" and changed.blob == "2222" and changed.mode == "100644"
    assert [(r.first, r.text()) for r in changed.runs] == [(2, "two\nthree\n"), (9, "new\n")]
    assert changed.commit is not None and changed.commit.info.author == "Ada <ada@example.com>"
    assert gone.deleted and gone.runs == []


def test_merge_reports_only_lines_no_parent_had() -> None:
    (patch,) = parse(COMBINED.splitlines(keepends=True))
    assert [(r.first, r.text()) for r in patch.runs] == [(2, "EVIL\n"), (4, "ALSO-EVIL\n")]


def test_submodule_lines_are_not_collected() -> None:
    text = b"diff --git sub sub\nnew file mode 160000\nindex 0000..abcd\n--- /dev/null\n+++ sub\n@@ -0,0 +1 @@\n+Subproject commit abcd\n"
    (patch,) = parse(text.splitlines(keepends=True))
    assert patch.mode == SUBMODULE_MODE and patch.runs == []


def test_quoted_paths() -> None:
    assert unquote(b'"caf\\303\\251 \\"q\\".txt"') == 'café "q".txt'.encode()
    text = b'diff --git "a b" "a b"\nindex 0000..abcd 100644\n--- /dev/null\n+++ "caf\\351 b"\t\n@@ -0,0 +1 @@\n+x\n'
    (patch,) = parse(text.splitlines(keepends=True))
    assert patch.path == "caf\\xe9 b"
