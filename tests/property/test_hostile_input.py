"""Hostile and broken input never breaks a scan, and positions stay right (hypothesis)."""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from byok_ci.detect.engine import Detector
from byok_ci.keygen import generate_key
from byok_ci.model import Chunk
from byok_ci.rules import load_rules
from byok_ci.scan import scan_paths
from byok_ci.sources.files import decode

RULES = load_rules()
DETECTOR = Detector(RULES)
PREFIXED = [r for r in RULES.rules if r.context is None and r.prefix]
SEPARATORS = ["\n", "\r\n", "\r", " ", "\t", "\x00", '"', "'", "=", ": ", "\u00e9", "\U0001f600", "\ufeff"]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4096))
def test_decode_never_raises(data: bytes) -> None:
    text = decode(data)
    assert text is None or isinstance(text, str)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000))
def test_detect_never_raises_on_any_text(text: str) -> None:
    for finding in DETECTOR.detect(Chunk(text=text, path="p")):
        assert finding.line >= 1 and finding.column >= 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=st.lists(st.sampled_from(SEPARATORS + ["word", "sk-", "hf_", "AIza", "x" * 50]), max_size=60),
    after=st.lists(st.sampled_from(SEPARATORS + ["word", "gsk_"]), max_size=20),
    rule_index=st.integers(min_value=0, max_value=len(PREFIXED) - 1),
    seed=st.integers(min_value=0, max_value=10**6),
)
def test_planted_key_is_found_at_the_right_line_and_column(before, after, rule_index, seed) -> None:  # type: ignore[no-untyped-def]
    rule = PREFIXED[rule_index]
    key = generate_key(rule, random.Random(seed))
    prefix = "".join(before) + "\n"  # the key starts a line, so boundaries hold whatever came before
    text = prefix + key + "\n" + "".join(after)
    found = [f for f in DETECTOR.detect(Chunk(text=text, path="p")) if f.line == prefix.count("\n") + 1]
    assert [(f.rule_id, f.column) for f in found] == [(rule.id, 1)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2048), name=st.sampled_from(["a.txt", "b.bin", "c.py"]))
def test_scanning_random_files_never_raises(tmp_path: Path, data: bytes, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    report = scan_paths([str(path)], rules=RULES, root=tmp_path)
    # Bytes that start like an archive but are not one are a one-line error about that file.
    assert all(e.path == name and "\n" not in e.message for e in report.errors)


def test_huge_single_line_and_empty_file(tmp_path: Path) -> None:
    rule = RULES.get("groq.api-key")
    assert rule is not None
    key = generate_key(rule, random.Random(3))
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "long.js").write_text("a" * 3_000_000 + " " + key + " " + "b" * 1_000_000)
    report = scan_paths([str(tmp_path)], rules=RULES, root=tmp_path)
    assert [(f.path, f.line, f.column) for f in report.findings] == [("long.js", 1, 3_000_002)]
    assert report.stats.files == 2


def test_device_and_path_given_twice(tmp_path: Path) -> None:
    rule = RULES.get("groq.api-key")
    assert rule is not None
    (tmp_path / "k.py").write_text("K=" + generate_key(rule, random.Random(4)))
    report = scan_paths([str(tmp_path / "k.py"), str(tmp_path), "/dev/zero", str(tmp_path / "k.py")],
                        rules=RULES, root=tmp_path)
    assert len(report.findings) == 1
    assert [(e.path, e.message) for e in report.errors] == [("/dev/zero", "not a regular file (device); skipped")]
