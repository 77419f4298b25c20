"""The patch parser: added lines, new-file line numbers, combined diffs, quoted paths."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from byok_ci.sources.git.patch import (
    COMMIT_MARK,
    LOG_FORMAT,
    SUBMODULE_MODE,
    FilePatch,
    _commit,
    _patch_by_lines,
    parse,
    sections,
    unquote,
)
from byok_ci.sources.git.process import DIFF_OPTIONS
from tests.gitrepo import GitRepo, git_env

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
    # The file ends without a newline after "new": the run holds the file's bytes, not git's.
    assert [(r.first, r.text()) for r in changed.runs] == [(2, "two\nthree\n"), (9, "new")]
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


def test_a_pure_rename_is_named_by_its_new_path() -> None:
    """git's rename detection shows a pure rename with no ---/+++ (nor index) line: its
    paths are on the rename lines, quoted as any other (the new one may name a provider)."""
    text = b'diff --git config/a b.ini "config/caf\\303\\251.ini"\nsimilarity index 100%\nrename from config/a b.ini\n' \
           b'rename to "config/caf\\303\\251.ini"\n'
    (patch,) = parse(text.splitlines(keepends=True))
    assert (patch.path, patch.renamed_from, patch.blob, patch.runs) == ("config/café.ini", "config/a b.ini", None, [])


# -- reading whole hunks: the same as reading line by line, however the stream is cut --------

def _by_lines(data: bytes) -> list[tuple[object, ...]]:
    """What reading every file patch line by line gives (the reference)."""
    commit = None
    found = []
    for section in sections([data]):
        if section.startswith(COMMIT_MARK):
            commit = _commit(section.split(b"\n", 1)[0])
        elif section.startswith(b"diff "):
            found.append(_shape(_patch_by_lines(section, commit)))
    return found


def _shape(patch: FilePatch) -> tuple[object, ...]:
    sha = patch.commit.sha if patch.commit else None
    return (sha, patch.path, patch.blob, patch.mode, patch.binary, [(r.first, r.data) for r in patch.runs],
            patch.added_bytes)


def _cut(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


def _tricky_history(tmp_path: Path) -> GitRepo:
    """Commits with what patch text can hold: CRLF lines, a last line without a newline,
    removed and context lines, a binary file, a path with a newline (quoted), a line that
    reads like a diff header, and a merge that adds lines of its own."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("crlf.txt", b"one\r\ntwo\r\n")
    repo.write("last.txt", b"no newline at the end")
    repo.write(b"we\nird diff --git x", b"+++ b\ndiff --git a b\n\\ not a marker\n")
    repo.write("bin.dat", b"\0\1\2")
    repo.write("lines.txt", "".join(f"line {n}\n" for n in range(40)))
    repo.commit("first")
    repo.write("crlf.txt", b"one\r\nTWO\r\nthree\r\n")
    repo.write("last.txt", b"still no newline, changed")
    repo.write("lines.txt", "".join(f"line {n}\n" if n % 7 else f"changed {n}\n" for n in range(40)))
    repo.write("bin.dat", b"\0\1\2\3")
    repo.commit("second")
    repo.git("checkout", "-q", "-b", "side", "HEAD~1")
    repo.write("lines.txt", "".join(f"line {n}\n" if n != 30 else "side 30\n" for n in range(40)))
    repo.commit("side")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-commit", "side")
    repo.write("lines.txt", "".join(f"line {n}\n" if n % 7 else f"changed {n}\n" for n in range(40))
               .replace("line 30\n", "side 30\nevil\n"))
    repo.commit("merge")
    return repo


@pytest.mark.parametrize("context", ["-U0", "-U3"])
def test_whole_hunks_read_as_lines_do(tmp_path: Path, context: str) -> None:
    repo = _tricky_history(tmp_path)
    args = ["log", "-p", "--cc", "--root", *[o for o in DIFF_OPTIONS if o != "-U0"], context, f"--format={LOG_FORMAT}",
            "--all", "--no-renames"]
    data = subprocess.run(["git", *args], cwd=repo.path, capture_output=True, check=True, env=git_env()).stdout
    assert b"diff --cc" in data and b"\\ No newline" in data and b"\r\n" in data and b"Binary files" in data
    expected = _by_lines(data)
    assert any(runs for *_, runs, _ in expected)
    for size in (1, 2, 5, 9, 64, 4096, len(data)):
        assert [_shape(p) for p in parse(_cut(data, size))] == expected, size


def test_a_start_cut_between_blocks_is_found() -> None:
    data = ORDINARY + COMBINED
    whole = [_shape(p) for p in parse([data])]
    mark = data.index(b"\n\0commit bbbb")
    for at in range(mark - 2, mark + 12):
        assert [_shape(p) for p in parse([data[:at], data[at:]])] == whole
    assert [len(s) for s in sections(_cut(data, 3))] == [len(s) for s in sections([data])]


def test_lines_after_a_hunk_that_no_hunk_holds_are_read_as_headers() -> None:
    odd = ORDINARY.replace(b"+new\n", b"+new\nindex 4444..5555 100644\n")
    (changed, _gone) = parse([odd])
    assert changed.blob == "5555" and [(r.first, r.text()) for r in changed.runs] == [(2, "two\nthree\n"), (9, "new\n")]


def test_no_newline_marker_is_not_part_of_the_line() -> None:
    text = b"diff --git f f\nindex 1..2 100644\n--- f\n+++ f\n@@ -1 +1,2 @@\n-a\n\\ No newline at end of file\n+b\n+c\n\\ No newline at end of file\n"
    (patch,) = parse([text])
    # The second marker is of the new side: "c" ends the file without a newline (as it is read from disk).
    assert [(r.first, r.data) for r in patch.runs] == [(1, b"b\nc")] and patch.added_bytes == 3


def test_hunks_that_end_without_a_newline_are_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file without a newline at its end (a notebook, a minified report: 3,168 of haystack's
    patches) is read whole, not line by line, and gives what reading it by lines gives."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("a.txt", b"one\ntwo")  # the new side ends without a newline
    repo.write("b.txt", b"kept\nold last")
    repo.commit("first")
    repo.write("a.txt", b"one\nTWO\nthree")  # both sides
    repo.write("b.txt", b"kept\nold last\nnew last\n")  # the old side only
    repo.commit("second")
    repo.write("a.txt", b"")  # removed lines, the old side's marker, nothing added
    repo.commit("third")
    args = ["log", "-p", "--root", *DIFF_OPTIONS, f"--format={LOG_FORMAT}", "--no-renames"]
    data = subprocess.run(["git", *args], cwd=repo.path, capture_output=True, check=True, env=git_env()).stdout
    assert data.count(b"\\ No newline") >= 4
    expected = _by_lines(data)
    from byok_ci.sources.git import patch as module

    by_lines: list[bytes] = []
    real = module._patch_by_lines
    monkeypatch.setattr(module, "_patch_by_lines", lambda section, commit: by_lines.append(section) or real(section, commit))
    for size in (1, 7, len(data)):
        assert [_shape(p) for p in parse(_cut(data, size))] == expected, size
    assert by_lines == []
