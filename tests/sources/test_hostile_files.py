"""Files that change or vanish mid-scan, directories that cannot be listed, growing files."""

from __future__ import annotations

import io
import os
import random
import sys
from pathlib import Path

import pytest

from byok_ci.detect.engine import Detector
from byok_ci.rules import RuleSet
from byok_ci.scan import scan_paths
from byok_ci.sources.files import FileSource, WalkOptions
from tests.conftest import key_for


def _artifact_reader(source: FileSource, settings):  # type: ignore[no-untyped-def]
    from byok_ci.sources.artifacts import ArtifactReader, archive_limits

    return ArtifactReader(source.reader, archive_limits(settings), settings.exclude, archives=settings.archives)


def _scan_entries(source: FileSource, entries, detector: Detector) -> list:  # type: ignore[no-untyped-def]
    return [f for entry in entries for chunk in source.entry_chunks(entry) for f in detector.detect(chunk)]


@pytest.mark.parametrize("artifacts", [False, True], ids=["plain", "with-artifact-reader"])
def test_a_file_deleted_between_listing_and_reading(
    tmp_path: Path, shipped_rules: RuleSet, rng: random.Random, artifacts: bool
) -> None:
    from byok_ci.config import Settings

    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_text(f"K = '{key_for(shipped_rules, 'groq.api-key', rng)}'\n")
    source = FileSource([str(tmp_path)], WalkOptions(root=tmp_path))
    if artifacts:
        source.artifacts = _artifact_reader(source, Settings())
    entries = list(source.files())
    (tmp_path / "b.py").unlink()
    found = _scan_entries(source, entries, Detector(shipped_rules))
    assert sorted(f.path for f in found) == ["a.py", "c.py"]
    assert [(e.path, e.message) for e in source.reading.errors] == [("b.py", "cannot read: no such file or directory")]


@pytest.mark.parametrize("artifacts", [False, True], ids=["plain", "with-artifact-reader"])
def test_a_file_that_grows_past_the_limit_after_listing_is_not_read_whole(
    tmp_path: Path, shipped_rules: RuleSet, rng: random.Random, artifacts: bool
) -> None:
    """The size check at listing time is not trusted: a log still being written is cut off at
    the limit and reported, never read whole into memory."""
    from byok_ci.config import Settings

    (tmp_path / "ok.py").write_text(f"K = '{key_for(shipped_rules, 'groq.api-key', rng)}'\n")
    (tmp_path / "app.log").write_text("starting\n")
    source = FileSource([str(tmp_path)], WalkOptions(root=tmp_path, max_file_size=4096))
    if artifacts:
        source.artifacts = _artifact_reader(source, Settings(max_file_size=4096))
    entries = list(source.files())
    with open(tmp_path / "app.log", "a") as handle:
        handle.write("x" * 10_000 + "\n")
    found = _scan_entries(source, entries, Detector(shipped_rules))
    assert [f.path for f in found] == ["ok.py"]
    (error,) = source.reading.errors
    assert error.path == "app.log" and "10,010 bytes is over the maximum file size 4,096" in error.message


def test_standard_input_over_the_limit_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"y" * 5000)))
    source = FileSource(["-"], WalkOptions(root=tmp_path, max_file_size=4096))
    assert list(source.chunks()) == []
    assert [e.one_line() for e in source.reading.errors] == [
        "<stdin>: skipped: more than the maximum file size 4,096 bytes (raise it with --max-file-size)"
    ]


def test_a_directory_deleted_while_the_walk_is_under_way(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    (tmp_path / "a.py").write_text(f"K = '{key_for(shipped_rules, 'groq.api-key', rng)}'\n")
    (tmp_path / "gone").mkdir()
    (tmp_path / "gone" / "x.py").write_text("x\n")
    (tmp_path / "z").mkdir()
    (tmp_path / "z" / "z.py").write_text(f"K = '{key_for(shipped_rules, 'groq.api-key', rng)}'\n")
    source = FileSource([str(tmp_path)], WalkOptions(root=tmp_path))
    walk = source.files()
    first = next(walk)  # a.py: the top directory is listed, its subdirectories not yet
    (tmp_path / "gone" / "x.py").unlink()
    (tmp_path / "gone").rmdir()
    rest = list(walk)
    assert [first.shown] + [e.shown for e in rest] == ["a.py", "z/z.py"]
    assert [(e.path, e.message) for e in source.reading.errors] == [("gone", "cannot list directory: no such file or directory")]


def _nest_beyond_path_max(top: Path, leaf_text: str) -> int:
    """Directories nested deeper than PATH_MAX (built with dir fds: no path that long is ever used)."""
    name = "d" * 250
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    depth = 0
    try:
        while depth * (len(name) + 1) < 4200:
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
            depth += 1
        leaf = os.open("leaf.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(leaf, leaf_text.encode())
        os.close(leaf)
    finally:
        os.close(fd)
    return depth


def test_a_directory_that_cannot_be_listed_is_reported_and_the_rest_scanned(
    tmp_path: Path, shipped_rules: RuleSet, rng: random.Random
) -> None:
    """Works as root too (chmod 000 does not stop root): a tree deeper than PATH_MAX cannot be
    listed by path, which is a listing failure like any other."""
    key = key_for(shipped_rules, "groq.api-key", rng)
    (tmp_path / "a.py").write_text(f"K = '{key}'\n")
    (tmp_path / "deep").mkdir()
    _nest_beyond_path_max(tmp_path / "deep", f"K = '{key}'\n")
    report = scan_paths([str(tmp_path)], rules=shipped_rules, root=tmp_path)
    assert [f.path for f in report.findings] == ["a.py"]
    (error,) = report.errors
    assert error.path.startswith("deep/ddd") and error.message == "cannot list directory: file name too long"


@pytest.mark.skipif(getattr(os, "geteuid", lambda: -1)() == 0, reason="root lists and reads every directory regardless of its mode")
def test_an_unreadable_directory(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    (tmp_path / "a.py").write_text(f"K = '{key_for(shipped_rules, 'groq.api-key', rng)}'\n")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "x.py").write_text("x\n")
    locked.chmod(0)
    try:
        report = scan_paths([str(tmp_path)], rules=shipped_rules, root=tmp_path)
    finally:
        locked.chmod(0o755)
    assert [f.path for f in report.findings] == ["a.py"]
    assert [(e.path, e.message) for e in report.errors] == [("locked", "cannot list directory: permission denied")]


@pytest.mark.parametrize("artifacts", [False, True], ids=["plain", "with-artifact-reader"])
@pytest.mark.parametrize("size", ["small", "streamed"])
def test_a_file_replaced_by_a_fifo_after_listing_does_not_hang(
    tmp_path: Path, shipped_rules: RuleSet, rng: random.Random, artifacts: bool, size: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a FIFO waits for a writer: a FIFO put where the walk saw a file hung the scan
    forever. The file is opened without blocking and its type checked once open."""
    import threading

    from byok_ci.config import Settings
    from byok_ci.sources import read

    if size == "streamed":
        monkeypatch.setattr(read, "STREAM_ABOVE", 0)  # the path that reads large files in blocks
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_text(f"K = '{key_for(shipped_rules, 'groq.api-key', rng)}'\n")
    source = FileSource([str(tmp_path)], WalkOptions(root=tmp_path))
    if artifacts:
        source.artifacts = _artifact_reader(source, Settings())
    entries = list(source.files())
    (tmp_path / "b.py").unlink()
    os.mkfifo(tmp_path / "b.py")
    found: list = []  # type: ignore[type-arg]
    scan = threading.Thread(target=lambda: found.extend(_scan_entries(source, entries, Detector(shipped_rules))),
                            daemon=True)
    scan.start()
    scan.join(timeout=20)
    hung = scan.is_alive()
    if hung:  # let the blocked open return, so the thread ends
        os.close(os.open(tmp_path / "b.py", os.O_WRONLY))
        scan.join(timeout=20)
    assert not hung, "the scan blocked on a FIFO"
    assert sorted(f.path for f in found) == ["a.py", "c.py"]
    assert [(e.path, e.message) for e in source.reading.errors] == [("b.py", "not a regular file when opened (FIFO); skipped")]
