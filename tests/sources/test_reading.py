"""Reading files fast without reading them wrong: one read of the file's size, the walk
streamed to detection, UTF-8 bytes scanned as they are (issue 16 §2, §5)."""

from __future__ import annotations

import codecs
import os
import random
from dataclasses import FrozenInstanceError, replace
from pathlib import Path

import pytest

import byok_ci.scan
from byok_ci.config import Settings
from byok_ci.model import Chunk
from byok_ci.rules import RuleSet
from byok_ci.scan import scan_paths
from byok_ci.sources import Reading, read
from byok_ci.sources.read import FileReader, open_regular
from tests.conftest import key_for


def _reader(limit: int = 1 << 20) -> FileReader:
    return FileReader(Reading(), limit)


def test_a_file_read_whole_allocates_its_size_not_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"x" * 1000)
    asked: list[int] = []
    real = read.os.read

    def counting(fd: int, size: int) -> bytes:
        asked.append(size)
        return real(fd, size)

    monkeypatch.setattr(read.os, "read", counting)
    with open_regular(str(path)) as handle:
        assert _reader(50 << 20).read_whole(handle, "a.txt") == b"x" * 1000
    assert asked == [1001]  # one read, of the file's size plus the byte that shows it grew


def _pretend_size(monkeypatch: pytest.MonkeyPatch, size: int, inode: int | None = None) -> None:
    """Files (the one of ``inode``) change size between the ``fstat`` of their open and the read."""
    real = read.open_sized

    def opened(path: str) -> tuple[int, int]:
        fd, real_size = real(path)
        return fd, size if inode is None or os.fstat(fd).st_ino == inode else real_size

    monkeypatch.setattr(read, "open_sized", opened)


@pytest.mark.parametrize("artifacts", [False, True], ids=["plain", "artifacts"])
def test_a_file_that_grew_after_its_size_was_taken_is_read_to_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shipped_rules: RuleSet, rng: random.Random, artifacts: bool
) -> None:
    key = key_for(shipped_rules, "groq.api-key", rng)
    (tmp_path / "app.log").write_text("start\n" * 100 + f"GROQ_API_KEY={key}\n")
    # The size fstat gave is 10 bytes: the rest was written after it was taken.
    _pretend_size(monkeypatch, 10)
    report = scan_paths([tmp_path], settings=Settings(archives=artifacts), root=tmp_path)
    assert [(f.path, f.line, f.column) for f in report.findings] == [("app.log", 101, 14)]
    assert not report.errors


@pytest.mark.parametrize("artifacts", [False, True], ids=["plain", "artifacts"])
def test_a_file_that_shrank_after_its_size_was_taken_is_read_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shipped_rules: RuleSet, rng: random.Random, artifacts: bool
) -> None:
    key = key_for(shipped_rules, "groq.api-key", rng)
    (tmp_path / "app.py").write_text(f"K = '{key}'\n")
    _pretend_size(monkeypatch, 10_000)
    report = scan_paths([tmp_path], settings=Settings(archives=artifacts), root=tmp_path)
    assert [(f.path, f.line, f.column) for f in report.findings] == [("app.py", 1, 6)]
    assert report.stats.bytes == len(f"K = '{key}'\n")


@pytest.mark.parametrize("artifacts", [False, True], ids=["plain", "artifacts"])
def test_a_file_over_the_limit_when_read_is_an_error_not_a_partial_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, artifacts: bool
) -> None:
    from byok_ci.scan import file_source
    from byok_ci.sources.files import WalkOptions

    (tmp_path / "big.log").write_bytes(b"y" * 5000)
    (tmp_path / "grew.log").write_bytes(b"z" * 10)
    settings = Settings(archives=artifacts, max_file_size=4096)
    source = file_source([str(tmp_path)], WalkOptions(root=tmp_path, max_file_size=4096), settings)
    if not artifacts:
        source.artifacts = None
    entries = list(source.files())
    (tmp_path / "grew.log").write_bytes(b"z" * 5000)
    # grew.log was small when listed and says so when opened too: it is read up to the
    # limit and refused, never read whole nor scanned in part.
    _pretend_size(monkeypatch, 10, inode=(tmp_path / "grew.log").stat().st_ino)
    chunks = [chunk for entry in entries for chunk in source.entry_chunks(entry)]
    assert chunks == []
    messages = {e.path: e.message for e in source.reading.errors}
    assert messages["big.log"].startswith("skipped: 5,000 bytes is over the maximum file size 4,096")
    # Refused when read (plain), or when the artifact reader's own fstat saw its size.
    assert messages["grew.log"].startswith(("skipped: more than the maximum file size 4,096 bytes",
                                            "skipped: 5,000 bytes is over the maximum file size 4,096"))


def _line_with_key(prefix: str, key: str) -> str:
    return f"{prefix}GROQ_API_KEY='{key}'\n"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-8"])
@pytest.mark.parametrize("prefilter", ["hyperscan", "python"])
def test_columns_count_characters_in_every_encoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shipped_rules: RuleSet, rng: random.Random, encoding: str,
    prefilter: str,
) -> None:
    if prefilter == "hyperscan":
        pytest.importorskip("hyperscan")
        monkeypatch.setattr("byok_ci.detect.choose.FAST_PREFILTER_MIN_BYTES", 0)
        monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path / "cache"))
    else:
        monkeypatch.setenv("BYOK_CI_PREFILTER", "python")
    key = key_for(shipped_rules, "groq.api-key", rng)
    # Characters of 2, 3 and 4 UTF-8 bytes (and a UTF-16 surrogate pair) before the key.
    text = "# é€😀 intro\n" + _line_with_key("name = 'ünïcödé €😀' ; ", key)
    data = text.encode(encoding)
    if encoding == "utf-16":
        assert data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    (tmp_path / "app.py").write_bytes(data)
    report = scan_paths([tmp_path], settings=Settings(), root=tmp_path)
    column = text.splitlines()[1].index(key) + 1
    assert [(f.line, f.column) for f in report.findings] == [(2, column)]



@pytest.mark.parametrize(("encoding", "before"), [("utf-16", "[default]\r\n"), ("utf-16-le", "[default]\r\n"),
                                                  ("utf-16-be", "[default]\r\n"), ("utf-16", "")])
def test_text_after_the_utf16_text_of_a_file_is_read_as_utf8(
    tmp_path: Path, shipped_rules: RuleSet, rng: random.Random, encoding: str, before: str
) -> None:
    """A UTF-16 file appended to by another shell (`echo KEY=... >> .env` after PowerShell
    wrote it), or a UTF-16 byte-order mark put before UTF-8 text, was read as UTF-16 to its
    end: the UTF-8 lines became CJK-looking characters and their keys passed as clean. Every
    ASCII character of UTF-16 text has a NUL byte, so the bytes after the last NUL are read as
    UTF-8 instead: nothing UTF-16 could hold a key in is lost."""
    key, other = key_for(shipped_rules, "groq.api-key", rng), key_for(shipped_rules, "groq.api-key", rng)
    head = (before + _line_with_key("", other)).encode(encoding) if before else codecs.BOM_UTF16_LE
    (tmp_path / "ps.env").write_bytes(head + b"# appended\r\n" + _line_with_key("", key).encode())
    report = scan_paths([tmp_path], settings=Settings(), root=tmp_path)
    lines = 1 + 2 * bool(before)
    expected = ([(2, 15)] if before else []) + [(lines + 1, 15)]  # after GROQ_API_KEY='
    assert [(f.line, f.column) for f in report.findings] == expected


def test_bad_utf8_bytes_keep_lines_and_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shipped_rules: RuleSet, rng: random.Random
) -> None:
    pytest.importorskip("hyperscan")
    monkeypatch.setattr("byok_ci.detect.choose.FAST_PREFILTER_MIN_BYTES", 0)
    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path / "cache"))
    key = key_for(shipped_rules, "groq.api-key", rng)
    (tmp_path / "app.py").write_bytes(b"\xfd\xff\xfe = 1\nx = '\xc3\xa9\xff' ; K='" + key.encode() + b"'\n")
    report = scan_paths([tmp_path], settings=Settings(), root=tmp_path)
    assert [(f.line, f.column) for f in report.findings] == [(2, 15)]  # each bad byte one U+FFFD


def test_chunks_carry_their_utf8_bytes_only_when_they_are_the_text(tmp_path: Path) -> None:
    reader = _reader()
    assert reader.text_chunk("é ok".encode(), "a").data == "é ok".encode()  # type: ignore[union-attr]
    assert reader.text_chunk(b"\xff bad", "b").data is None  # type: ignore[union-attr]
    assert reader.text_chunk(codecs.BOM_UTF8 + b"bom", "c").data is None  # type: ignore[union-attr]
    assert reader.text_chunk("utf16".encode("utf-16"), "d").data is None  # type: ignore[union-attr]


def test_a_files_chunk_is_the_chunk_its_fields_make() -> None:
    """Chunk.of_file sets every field as the dataclass's own __init__ does (a field added to
    Chunk and not to of_file fails here)."""
    for data in (b"t", None):
        made, expected = Chunk.of_file("t", "p", data), Chunk(text="t", path="p", data=data)
        assert made == expected and vars(made) == vars(expected)
        with pytest.raises(FrozenInstanceError):
            made.text = "x"  # type: ignore[misc]


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_streamed_walk_finds_what_the_listed_walk_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shipped_rules: RuleSet, rng: random.Random, jobs: int
) -> None:
    """Workers fed as the walk goes, names sifted in batches: the same findings, errors and
    counts, a key in a file name included."""
    planted = []
    for n in range(60):
        directory = tmp_path / f"d{n % 7}"
        directory.mkdir(exist_ok=True)
        body = "x = 1\n" * (n % 5)
        if n % 9 == 0:
            key = key_for(shipped_rules, "groq.api-key", rng)
            body += f"K = '{key}'\n"
            planted.append(f"d{n % 7}/f{n:02d}.py")
        (directory / f"f{n:02d}.py").write_text(body)
    named = key_for(shipped_rules, "groq.api-key", rng)
    (tmp_path / "d3" / f"backup_{named}.env").write_text("nothing\n")
    (tmp_path / "d4" / "huge.txt").write_bytes(b"h" * 3000)
    settings = replace(Settings(max_file_size=2048), jobs=jobs)
    monkeypatch.setattr(byok_ci.scan, "PARALLEL_MIN_BYTES", {"python": 0, "hyperscan": 0})
    monkeypatch.setattr(byok_ci.scan, "BATCH_FILES", 4)
    monkeypatch.setattr(byok_ci.scan.NameSieve, "BATCH", 5)
    streamed = scan_paths([tmp_path], settings=settings, root=tmp_path)
    listed = scan_paths([tmp_path], settings=settings, root=tmp_path, progress=lambda done, total: None)
    assert streamed.findings == listed.findings
    assert streamed.errors == listed.errors
    assert replace(streamed.stats, seconds=0) == replace(listed.stats, seconds=0)
    assert sorted(f.path for f in streamed.findings if f.found_in is None) == sorted(planted)
    assert [f.found_in for f in streamed.findings if f.found_in] == ["path"]
    assert [e.path for e in streamed.errors] == ["d4/huge.txt"]
    assert streamed.stats.files == 61


@pytest.mark.parametrize("jobs", [1, 2], ids=["one-process", "workers"])
def test_keys_at_the_very_start_and_end_of_files_read_with_hyperscan(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
    shipped_rules: RuleSet, rng: random.Random, jobs: int,
) -> None:
    """Files read on the bare descriptor and scanned by Hyperscan (the encoded-text gate
    matches at a run's start, including the file's first byte): keys at the first and last
    byte, with and without a final newline, plain and base64, are where the pure-Python path
    finds them."""
    import base64

    import byok_ci.detect.choose

    pytest.importorskip("hyperscan")
    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    key = key_for(shipped_rules, "groq.api-key", rng)
    hidden = base64.b64encode(f"GROQ_API_KEY={key}".encode()).decode()
    files = {
        "start.txt": f"{key} is here\n",
        "end.txt": f"x = 1\nK={key}",
        "end-newline.txt": f"x = 1\nK={key}\n",
        "only.txt": key,
        "base64-start.txt": hidden,
        "base64-end.txt": f"x = 1\ndata: {hidden}",
        "bom.txt": f"\ufeff{key}",
        "empty.txt": "",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    settings = replace(Settings(), jobs=jobs)

    def found() -> list[tuple[str, int, int, str | None]]:
        report = scan_paths([tmp_path], settings=settings, root=tmp_path)
        assert not report.errors and report.stats.files == len(files)
        return [(f.path, f.line, f.column, f.encoding) for f in report.findings]

    monkeypatch.setenv("BYOK_CI_PREFILTER", "python")
    expected = found()
    monkeypatch.delenv("BYOK_CI_PREFILTER")
    monkeypatch.setattr(byok_ci.detect.choose, "FAST_PREFILTER_MIN_BYTES", 0)
    monkeypatch.setattr(byok_ci.scan, "PARALLEL_MIN_BYTES", {"python": 0, "hyperscan": 0})
    assert type(byok_ci.detect.choose.prefilter_for(shipped_rules, 1)).__name__ == "HyperscanPrefilter"
    assert found() == expected
    assert ("base64-start.txt", 1, 1, "base64") in expected
    assert {("start.txt", 1, 1), ("only.txt", 1, 1), ("bom.txt", 1, 1), ("end.txt", 2, 3)} <= {e[:3] for e in expected}
