"""`byok-ci baseline create|update` and `byok-ci scan --baseline`: thin commands, exit codes."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from byok_ci.cli import main
from byok_ci.rules import RuleSet
from tests.conftest import key_for


@pytest.fixture
def tree(tmp_path: Path, shipped_rules: RuleSet, monkeypatch: pytest.MonkeyPatch) -> Path:
    rng = random.Random(31)
    (tmp_path / "a.py").write_text(f'OPENAI_API_KEY = "{key_for(shipped_rules, "openai.project-key", rng)}"\n')
    (tmp_path / "b.env").write_text(f"GROQ_API_KEY={key_for(shipped_rules, 'groq.api-key', rng)}\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), env={"NO_COLOR": "1"})


def test_create_then_scan_with_the_baseline_is_clean(tree: Path) -> None:
    created = run("baseline", "create")
    assert created.exit_code == 0, created.output
    assert created.stdout == ".byok-ci-baseline.json: 2 entries\n"
    assert run("scan").exit_code == 1
    clean = run("scan", "--baseline", ".byok-ci-baseline.json")
    assert clean.exit_code == 0 and "known and held back: 2 baselined" in clean.stdout
    stats = json.loads(run("scan", "--baseline", ".byok-ci-baseline.json", "--format", "json").stdout)["stats"]
    assert stats["baselined"] == 2


def test_the_config_names_the_baseline(tree: Path, shipped_rules: RuleSet) -> None:
    (tree / ".byok-ci.yaml").write_text("baseline: ci/known.json\n")
    (tree / "ci").mkdir()
    assert run("baseline", "create").stdout.startswith(str(tree / "ci" / "known.json"))
    assert run("scan").exit_code == 0
    (tree / "c.py").write_text(f'K = "{key_for(shipped_rules, "xai.api-key", random.Random(1))}"\n')
    result = run("scan", "--format", "json")
    assert result.exit_code == 1 and [f["path"] for f in json.loads(result.stdout)["findings"]] == ["c.py"]


def test_update_lists_added_and_stale_and_prune_removes(tree: Path, shipped_rules: RuleSet) -> None:
    run("baseline", "create")
    (tree / "b.env").unlink()
    (tree / "c.py").write_text(f'K = "{key_for(shipped_rules, "xai.api-key", random.Random(1))}"\n')
    result = run("baseline", "update")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("added  ") and "xai.api-key" in lines[0]
    assert lines[1].startswith("stale  ") and "groq.api-key" in lines[1]
    assert lines[2] == ".byok-ci-baseline.json: 3 entries (1 added, 1 stale kept; --prune removes them)"
    pruned = run("baseline", "update", "--prune")
    assert pruned.stdout.splitlines()[-1] == ".byok-ci-baseline.json: 2 entries (0 added, 1 stale removed)"


def test_update_of_a_broken_baseline_leaves_it_alone(tree: Path) -> None:
    (tree / ".byok-ci-baseline.json").write_text("{broken\n")
    result = run("baseline", "update", "--prune")
    assert result.exit_code == 2
    assert "byok-ci: error: .byok-ci-baseline.json:1: malformed baseline JSON" in result.stderr
    assert (tree / ".byok-ci-baseline.json").read_text() == "{broken\n"


def test_scan_with_a_missing_baseline_reports_everything(tree: Path) -> None:
    result = run("scan", "--baseline", "nope.json")
    assert result.exit_code == 1
    assert "nope.json: baseline not found; create one with `byok-ci baseline create`" in result.stderr


def test_rules_fixture_prints_a_key_the_scanner_does_not_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    fake = run("rules", "fixture", "anthropic.api-key", "--seed", "3").stdout.strip()
    assert fake.startswith("sk-ant-api03-FAKEbyokFAKE")
    assert run("rules", "fixture", "anthropic.api-key", "--seed", "3").stdout.strip() == fake
    (tmp_path / "t.py").write_text(f'ANTHROPIC_API_KEY = "{fake}"\n')
    assert run("scan").exit_code == 0
    assert run("rules", "fixture", "no.such-rule").exit_code == 2


def test_a_baseline_that_is_a_committed_symlink_is_not_written_through(tmp_path: Path) -> None:
    """A cloned repository whose `.byok-ci-baseline.json` is a committed link to another file
    (`~/.bashrc`): `byok-ci baseline create` must not overwrite that file."""
    from tests.gitrepo import GitRepo
    from tests.test_no_leak import run_in

    victim = tmp_path / "bashrc"
    victim.write_text("precious\n")
    repo = GitRepo(tmp_path / "repo")
    repo.write("a.txt", "a\n")
    (repo.path / ".byok-ci-baseline.json").symlink_to(victim)
    repo.commit("a link")
    result = run_in(repo.path, ["baseline", "create", "."])
    assert victim.read_text() == "precious\n"
    assert result.exit_code == 2 and "tracked by git" in result.stderr, result.output
