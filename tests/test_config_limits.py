"""What a checkout's own files may ask for: `jobs:` up to the CPU count, and YAML whose keys
are unique (PyYAML keeps the last of two silently; every loader of byok-ci refuses it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from byok_ci.cli import main
from byok_ci.config import available_cpus, load_config, resolve_settings
from byok_ci.errors import ConfigError, ManifestError
from byok_ci.manifest import check_manifest
from byok_ci.manifest.policy import load_shipped_policy
from byok_ci.manifest.workflows import secret_uses
from byok_ci.rules import load_rules
from tests.manifest.conftest import MANIFESTS, TODAY


def test_jobs_from_the_config_is_capped_at_the_cpu_count(tmp_path: Path) -> None:
    (tmp_path / ".byok-ci.yaml").write_text("exclude: [x]\njobs: 300\n")
    settings, errors = resolve_settings(cwd=tmp_path, environ={})
    cpus = available_cpus()
    assert errors == [] and settings.jobs == cpus
    (note,) = settings.notes
    assert note.line == 2 and not note.blocking and f"this machine has {cpus} CPUs" in note.message


def test_jobs_within_the_cpu_count_and_from_the_operator_are_kept(tmp_path: Path) -> None:
    (tmp_path / ".byok-ci.yaml").write_text("jobs: 1\n")
    settings, _ = resolve_settings(cwd=tmp_path, environ={})
    assert settings.jobs == 1 and settings.notes == ()
    settings, _ = resolve_settings(cwd=tmp_path, environ={"BYOK_CI_JOBS": "300"})
    assert settings.jobs == 300  # the environment is the operator's choice, not the checkout's


def test_capped_jobs_is_a_warning_not_an_error_on_the_command_line(tmp_path: Path) -> None:
    (tmp_path / ".byok-ci.yaml").write_text("jobs: 300\n")
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, ["scan", "."], env={"BYOK_CI_CONFIG": None, "BYOK_CI_JOBS": None})
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output
    assert "byok-ci: warning: .byok-ci.yaml:1: field 'jobs' asks for 300 worker processes" in result.stderr


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ("exclude: [a]\nmax_file_size: 1MB\nexclude: [b]\n", 3, "key 'exclude'"),
        ("policy:\n  checks:\n    manifest.owner: warning\n    manifest.owner: off\n", 4, "key 'manifest.owner'"),
        ("check:\n  run: scan\n  run: drift\n", 3, "key 'run'"),
    ],
)
def test_duplicate_keys_in_the_config_are_an_error(tmp_path: Path, text: str, line: int, key: str) -> None:
    path = tmp_path / ".byok-ci.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.line == line and caught.value.reason == f"{key} is given twice in one mapping"


def test_a_key_shaped_duplicate_key_is_not_quoted(tmp_path: Path) -> None:
    token = "ab12" * 8
    path = tmp_path / ".byok-ci.yaml"
    path.write_text(f"policy:\n  environment_aliases:\n    {token}: [x]\n    {token}: [y]\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert token not in str(caught.value) and caught.value.reason == "a key is given twice in one mapping"


def test_duplicate_keys_in_a_rule_file_are_an_error(tmp_path: Path) -> None:
    path = tmp_path / "ours.yaml"
    path.write_text("provider: acme\nrules:\n  - id: acme.token\n    description: one\n    description: two\n")
    (error,) = load_rules(extra=[path]).errors
    assert error.line == 5 and error.message == "key 'description' is given twice in one mapping"


def test_duplicate_keys_anywhere_in_a_manifest_are_schema_findings(tmp_path: Path) -> None:
    text = (MANIFESTS / "good.yaml").read_text()
    nested = "  checks:\n    manifest.owner: warning\n    manifest.owner: error\n"
    path = tmp_path / "byok.yaml"
    path.write_text(text.replace("  expiry_warning_days: 30\n", "  expiry_warning_days: 30\n" + nested, 1))
    report = check_manifest(path, today=TODAY, root=tmp_path)
    schema = [f for f in report.findings if f.rule_id == "manifest.schema"]
    assert [f.message for f in schema] == ["field 'manifest.owner' in policy.checks is given twice; the last one wins"]


def test_duplicate_keys_in_workflows_and_the_shipped_policy_are_errors(tmp_path: Path) -> None:
    workflow = tmp_path / "ci.yml"
    workflow.write_text("on: push\njobs:\n  a:\n    runs-on: x\n  a:\n    runs-on: y\n")
    with pytest.raises(ManifestError) as caught:
        secret_uses(workflow, "ci.yml")
    assert (caught.value.line, caught.value.reason) == (5, "key 'a' is given twice in one mapping")
    policy = tmp_path / "policy.yaml"
    policy.write_text("rotate_every_days: 30\nrotate_every_days: 60\n")
    _, problems = load_shipped_policy(policy)
    assert [(p.line, p.message) for p in problems] == [(2, "key 'rotate_every_days' is given twice in one mapping")]
