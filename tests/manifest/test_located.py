"""Bad input: malformed YAML, empty files, alias bombs and unsafe tags are refused, never run."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from byok_ci.errors import ManifestError
from byok_ci.exitcodes import exit_code
from byok_ci.manifest import check_manifest
from byok_ci.manifest.located import YList, YMap, load_located
from tests.manifest.conftest import MANIFESTS, TODAY


@pytest.mark.parametrize(
    ("name", "line", "column", "words"),
    [
        ("malformed.yaml", 6, 1, "malformed YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 5, column 10)"),
        ("empty.yaml", None, None, "the file is empty"),
        ("comments-only.yaml", None, None, "the file is empty"),
        ("alias-bomb.yaml", 7, 4, "YAML aliases would expand to more than 50000 values; refusing to expand them"),
        ("python-tag.yaml", 7, 13, "YAML tag !!python/object/apply is not allowed (plain values only)"),
    ],
)
def test_unloadable_manifest_is_one_error_with_line_and_column(name: str, line, column, words: str) -> None:  # type: ignore[no-untyped-def]
    report = check_manifest(MANIFESTS / name, today=TODAY, shown=name)
    (error,) = report.errors
    assert (error.path, error.line, error.column, error.message) == (name, line, column, words)
    assert report.findings == () and report.checks == ()
    assert exit_code(report) == 2


def test_alias_bomb_is_refused_without_expanding() -> None:
    levels = ["l0: &l0 [" + ", ".join(["x"] * 10) + "]"]
    for i in range(1, 30):  # 10^30 values if expanded
        levels.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    started = time.perf_counter()
    with pytest.raises(ManifestError, match="refusing to expand"):
        load_located("\n".join(levels) + "\n", "bomb.yaml")
    assert time.perf_counter() - started < 1.0


def test_moderate_alias_use_is_fine() -> None:
    data = load_located("base: &b {owner: ml, rotated: 2026-10-01}\nkeys:\n  - <<: *b\n    name: k\n  - *b\n", "m.yaml")
    assert data["keys"][0] == {"name": "k", "owner": "ml", "rotated": "2026-10-01"}
    assert data["keys"][1] == {"owner": "ml", "rotated": "2026-10-01"}


@pytest.mark.parametrize(
    "text",
    ["a: &a [*a]\n", "a: &a {b: *a}\n"],
    ids=["sequence", "mapping"],
)
def test_recursive_alias_is_refused(text: str) -> None:
    with pytest.raises(ManifestError, match="recursive YAML alias"):
        load_located(text, "m.yaml")


@pytest.mark.parametrize(
    "text",
    [
        "x: !!python/object:os.system {}\n",
        "x: !!python/name:os.system\n",
        "x: !custom 1\n",
        "x: !!set {a, b}\n",
        "x: !!binary aGVsbG8=\n",
    ],
)
def test_only_plain_tags_are_allowed(text: str) -> None:
    with pytest.raises(ManifestError, match=r"m.yaml:1:4: YAML tag .* is not allowed"):
        load_located(text, "m.yaml")


def test_values_remember_line_and_column() -> None:
    data = load_located("keys:\n  - name: a\n    env:   prod\n  - [1, 2]\n", "m.yaml")
    assert isinstance(data, YMap) and isinstance(data["keys"], YList)
    entry = data["keys"][0]
    assert entry.key_at("env") == (3, 5) and entry.value_at("env") == (3, 12)
    assert data["keys"].at(1) == (4, 5)


def test_dates_stay_text_and_duplicates_are_listed() -> None:
    data = load_located("rotated: 2026-10-01\nrotated: 2026-10-02\n", "m.yaml")
    assert data["rotated"] == "2026-10-02"
    assert data.duplicates == [("rotated", (2, 1))]


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "byok.yaml"
    big.write_text("# " + "x" * (1024 * 1024) + "\n")
    report = check_manifest(big, today=TODAY)
    assert "larger than" in report.errors[0].message


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(ManifestError, match="nested"):
        load_located("a: " + "[" * 200 + "]" * 200 + "\n", "m.yaml")
