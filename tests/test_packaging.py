"""The wheel ships the top-level rules/ and byok-ci loads them from there by default."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow  # builds a wheel


def test_wheel_contains_the_rules(tmp_path: Path) -> None:
    builders = pytest.importorskip("hatchling.builders.wheel")
    wheel = Path(next(iter(builders.WheelBuilder(str(REPO)).build(directory=str(tmp_path), versions=["standard"]))))
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.name for p in (REPO / "rules").glob("*.yaml")}
    assert shipped and {f"byok_ci/_rules/{name}" for name in shipped} <= names
    assert "byok_ci/cli/__init__.py" in names
    # The JSON Schemas `byok-ci schema` prints and editors point at (issue 21 §4).
    assert {f"byok_ci/schemas/{n}.schema.json" for n in ("config", "manifest", "report")} <= names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "byok-ci = byok_ci.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
