"""Secret uses of environment-bound jobs, found with exact positions in workflow files."""

from __future__ import annotations

from pathlib import Path

import pytest

from byok_ci.errors import ManifestError
from byok_ci.exitcodes import exit_code
from byok_ci.manifest import check_manifest
from byok_ci.manifest.workflows import SecretUse, secret_uses, workflow_files
from tests.manifest.conftest import MANIFESTS, TODAY

WORKFLOW = """\
name: ci
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
        env:
          TOKEN: ${{ secrets.GITHUB_TOKEN }}
  deploy:
    environment: { name: staging }
    steps:
      # - run: echo ${{ secrets.COMMENTED_OUT }}
      - run: deploy --key "${{ secrets.OPENAI_API_KEY }}" --other ${{secrets['HF_TOKEN']}}
  matrix:
    environment: ${{ matrix.env }}
    steps:
      - run: x
        env: {K: "${{ secrets.ANTHROPIC_API_KEY }}"}
concurrency: deploy
"""


def test_secret_uses_with_positions(tmp_path: Path) -> None:
    path = tmp_path / "ci.yml"
    path.write_text(WORKFLOW)
    assert secret_uses(path, "ci.yml") == [
        SecretUse("ci.yml", "deploy", "staging", "OPENAI_API_KEY", 14, 32),
        SecretUse("ci.yml", "deploy", "staging", "HF_TOKEN", 14, 70),
        SecretUse("ci.yml", "matrix", "${{ matrix.env }}", "ANTHROPIC_API_KEY", 19, 23, dynamic=True),
    ]


def test_workflow_files_are_yml_and_yaml(tmp_path: Path) -> None:
    directory = tmp_path / ".github" / "workflows"
    directory.mkdir(parents=True)
    for name in ("a.yml", "b.yaml", "README.md"):
        (directory / name).write_text("on: push\n")
    assert [p.name for p in workflow_files(tmp_path)] == ["a.yml", "b.yaml"]
    assert workflow_files(tmp_path / "nowhere") == []


def test_unsafe_workflow_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ci.yml"
    path.write_text("jobs: !!python/object:os.system {}\n")
    with pytest.raises(ManifestError, match="ci.yml:1:7"):
        secret_uses(path, "ci.yml")


def test_a_broken_workflow_is_an_error_and_the_rest_still_runs(tmp_path: Path) -> None:
    (tmp_path / "byok.yaml").write_text((MANIFESTS / "good.yaml").read_text())
    directory = tmp_path / ".github" / "workflows"
    directory.mkdir(parents=True)
    (directory / "broken.yml").write_text("jobs: [\n")
    report = check_manifest(tmp_path / "byok.yaml", today=TODAY)
    (error,) = report.errors
    assert error.path.endswith("broken.yml") and error.line == 2
    assert report.findings == () and len(report.checks) == 38
    assert exit_code(report) == 2


def test_secret_defined_only_for_another_github_environment(tmp_path: Path) -> None:
    (tmp_path / "byok.yaml").write_text(
        "version: 1\nproject: acme\nkeys:\n"
        "  - {name: acme-prod-openai, env: prod, provider: openai, secret: 'github://prod/OPENAI_API_KEY',"
        " owner: ml, models: [gpt-4o], rotated: 2026-11-01}\n"
    )
    directory = tmp_path / ".github" / "workflows"
    directory.mkdir(parents=True)
    (directory / "ci.yml").write_text(
        "jobs:\n  stage:\n    environment: staging\n    steps:\n      - run: x ${{ secrets.OPENAI_API_KEY }}\n"
    )
    report = check_manifest(tmp_path / "byok.yaml", today=TODAY)
    (finding,) = report.findings
    assert finding.rule_id == "manifest.workflow" and (finding.line, finding.column) == (5, 20)
    assert "defines only for GitHub environment(s) prod" in finding.message
