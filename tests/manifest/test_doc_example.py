"""docs/manifests.md's example manifest and policy stay true: they load and pass."""

from __future__ import annotations

import re
from pathlib import Path

from byok_ci.config import load_config
from byok_ci.manifest import check_manifest
from tests.conftest import REPO
from tests.manifest.conftest import TODAY


def yaml_block(heading: str) -> str:
    """The first YAML example of the section of docs/manifests.md that starts with ``heading``."""
    text = (REPO / "docs" / "manifests.md").read_text()
    section = text.split(heading + "\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```yaml\n(.*?)```", section, re.S)[0]


def example_manifest() -> str:
    return yaml_block("# Environment key manifests")


def example_policy() -> str:
    return yaml_block("## Policy")


def test_example_manifest_passes(tmp_path: Path) -> None:
    manifest = tmp_path / "byok.yaml"
    manifest.write_text(example_manifest())
    report = check_manifest(manifest, today=TODAY)
    assert report.errors == () and report.findings == ()
    assert {c.suite for c in report.checks} == {"manifest", "manifest/prod", "manifest/staging"}


def test_example_policy_loads(tmp_path: Path) -> None:
    config = tmp_path / ".byok-ci.yaml"
    config.write_text(example_policy())
    manifest = tmp_path / "byok.yaml"
    manifest.write_text(example_manifest().replace("env: prod", "env: production"))
    report = check_manifest(manifest, today=TODAY, settings=load_config(config))
    assert report.errors == ()
    # the manifest's own policy (environments dev, staging, prod) wins over the config's
    assert {f.rule_id for f in report.findings} == {"manifest.environment"}
