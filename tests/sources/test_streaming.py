"""Large files are read in overlapping blocks: the same findings, lines and columns as
reading them whole, with memory bounded by the block size."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import byok_ci.sources.artifacts as artifacts
import byok_ci.sources.files as files
import byok_ci.sources.read as read
from byok_ci.config import Settings
from byok_ci.keygen import generate_key
from byok_ci.rules import load_rules
from byok_ci.scan import scan_paths

RULES = load_rules()
KEYED = [r for r in RULES.rules if r.prefix]


def scan(path: Path, streamed: bool, monkeypatch: pytest.MonkeyPatch, **kw):  # type: ignore[no-untyped-def]
    with monkeypatch.context() as patch:
        if streamed:
            # (a directory scan reads a file up to WHOLE_FIRST whole, before asking whether it streams)
            patch.setattr(artifacts, "WHOLE_FIRST", 100)
            patch.setattr(read, "STREAM_ABOVE", 100)
            patch.setattr(read, "STREAM_BLOCK", 256)
            patch.setattr(read, "STREAM_OVERLAP", 300)
        else:
            patch.setattr(read, "STREAM_ABOVE", 1 << 40)
        return scan_paths([str(path)], rules=RULES, root=path.parent, settings=Settings(jobs=1, **kw))


def positions(report) -> list[tuple[str, int, int, str, str | None]]:  # type: ignore[no-untyped-def]
    return [(f.rule_id, f.line, f.column, f.fingerprint, f.encoding) for f in report.findings]


PIECES = st.sampled_from(["\n", "\r\n", "\r", " ", "x" * 40, "word ", "é", "\U0001f600", "=", "\t", "OPENAI", "base:"])


@pytest.mark.slow  # hypothesis
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=st.lists(st.one_of(PIECES, st.integers(0, len(KEYED) - 1)), min_size=1, max_size=80),
       seed=st.integers(0, 10**6), utf16=st.sampled_from(["", "utf-16", "utf-16-be", "utf-16-le"]),
       appended=st.lists(st.one_of(PIECES, st.integers(0, len(KEYED) - 1)), max_size=20))
def test_streamed_findings_equal_whole_file_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: list[str | int], seed: int, utf16: str,
    appended: list[str | int]
) -> None:
    """UTF-16 with UTF-8 appended too (a PowerShell log another shell wrote to)."""
    rng = random.Random(seed)
    text = "".join(p if isinstance(p, str) else "\nK=" + generate_key(KEYED[p], rng) + "\n" for p in layout)
    tail = "".join(p if isinstance(p, str) else "\nK=" + generate_key(KEYED[p], rng) + "\n" for p in appended)
    path = tmp_path / "big.txt"
    path.write_bytes(text.encode(utf16) + tail.encode() if utf16 else text.encode())
    whole, streamed = scan(path, False, monkeypatch), scan(path, True, monkeypatch)
    assert positions(streamed) == positions(whole)
    assert (streamed.stats.files, streamed.stats.bytes) == (whole.stats.files, whole.stats.bytes)
    assert streamed.errors == whole.errors == ()


def test_utf8_after_utf16_is_read_as_utf8_in_blocks_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file read in blocks was UTF-16 to its end: the key in the UTF-8 appended to it was
    garbled, though a file read whole has it."""
    rule = RULES.get("groq.api-key")
    assert rule is not None
    rng = random.Random(4)
    head = "".join(f"line {n} K={generate_key(rule, rng)}\n" for n in range(40)).encode("utf-16")
    path = tmp_path / "big.log"
    path.write_bytes(head + f"appended K={generate_key(rule, rng)}\n".encode())
    whole, streamed = scan(path, False, monkeypatch), scan(path, True, monkeypatch)
    assert positions(streamed) == positions(whole) and [f.line for f in whole.findings] == list(range(1, 42))


def test_a_long_run_without_nul_in_utf16_is_read_as_utf8_when_met(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """More than a block without a NUL byte is not held to the end: read as UTF-8 (no UTF-16
    ASCII character lies in it), and the UTF-16 after it still is UTF-16."""
    rule = RULES.get("groq.api-key")
    assert rule is not None
    rng = random.Random(5)
    keys = [generate_key(rule, rng) for _ in range(3)]
    path = tmp_path / "big.log"
    run = f" K={keys[1]}\n".encode()
    run = b"x" * (900 + len(run) % 2) + run  # (UTF-16 goes on at the file's even offsets, as when read whole)
    path.write_bytes(f"first K={keys[0]}\n".encode("utf-16") + run + f"last K={keys[2]}\n".encode("utf-16-le"))
    assert [f.line for f in scan(path, True, monkeypatch).findings] == [1, 2, 3]


def test_a_key_across_every_block_boundary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A key on each line, lines of every length around the block size: each key once, at its line."""
    rule = RULES.get("groq.api-key")
    assert rule is not None
    rng = random.Random(1)
    lines = [("y" * n) + " K=" + generate_key(rule, rng) for n in range(0, 600, 7)]
    path = tmp_path / "big.log"
    path.write_text("\n".join(lines) + "\n")
    report = scan(path, True, monkeypatch)
    assert [(f.line, f.column) for f in report.findings] == [(i + 1, n + 4) for i, n in enumerate(range(0, 600, 7))]


def test_streaming_stops_at_the_size_limit_for_a_growing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "grows.log"
    path.write_text("line\n" * 100)
    monkeypatch.setattr(read, "STREAM_ABOVE", 100)
    monkeypatch.setattr(read, "STREAM_BLOCK", 256)
    source = files.FileSource([str(path)], files.WalkOptions(root=tmp_path, max_file_size=1000))
    (entry,) = list(source.files())
    path.write_text("line\n" * 10_000)  # grew after it was listed
    chunks = list(source.reader.read_chunks(entry))
    assert chunks and source.reading.stats().bytes <= 1000 + 256
    assert chunks[-1].line_offset + chunks[-1].text.count("\n") <= (1000 + 256) // 5
    (error,) = source.reading.errors
    assert error.message.startswith("scanned only the first") and "--max-file-size" in error.message


def test_binary_and_documents_are_not_streamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "blob.bin").write_bytes(b"\0\1\2\3" * 1000)
    report = scan(tmp_path / "blob.bin", True, monkeypatch)
    assert report.stats.skipped_binary == 1 and report.stats.files == 0
    monkeypatch.setattr(read, "STREAM_ABOVE", 100)
    source = files.FileSource([], files.WalkOptions(root=tmp_path))
    assert source.reader.streams("big.txt", 1000) and not source.reader.streams("app.js.map", 1000)
    assert not source.reader.streams("n.ipynb", 1000) and not source.reader.streams("small.txt", 99)


def test_context_on_a_long_line_before_a_block_boundary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The provider named at the end of a line longer than the overlap, the key at the start
    of the next block: the whole long line is repeated, so the context is still seen."""
    rule = RULES.get("cohere.api-key")
    assert rule is not None
    path = tmp_path / "big.yaml"
    key_line = "  api_key: " + generate_key(rule, random.Random(2)) + " " * 400  # runs past the first cut
    path.write_text("x" * 1000 + " cohere\n" + key_line + "\n" + "y\n" * 200)
    with monkeypatch.context() as patch:
        patch.setattr(read, "STREAM_ABOVE", 100)
        patch.setattr(read, "STREAM_BLOCK", 600)  # the first cut (after 1,200 bytes) ends the long line
        patch.setattr(read, "STREAM_OVERLAP", 300)
        streamed = scan_paths([str(path)], rules=RULES, root=tmp_path, settings=Settings(jobs=1))
    assert [(f.rule_id, f.line, f.column) for f in streamed.findings] == [("cohere.api-key", 2, 12)]
