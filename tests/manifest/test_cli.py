"""`byok-ci manifest check|init|docs`: formats, outputs, exit codes, errors on stderr."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from byok_ci.cli import main
from tests.manifest.conftest import MANIFESTS

TODAY = "2026-11-27"


def run(args: list[str], cwd: Path) -> Result:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, args, catch_exceptions=False, env={"BYOK_CI_CONFIG": None, "NO_COLOR": "1"})
    finally:
        os.chdir(old)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


@pytest.mark.parametrize(
    ("name", "extra", "code"),
    [
        ("good.yaml", [], 0),
        ("naming.yaml", [], 1),
        ("rotation-expiry.yaml", [], 1),
        ("malformed.yaml", [], 2),
        ("empty.yaml", [], 2),
        ("alias-bomb.yaml", [], 2),
    ],
)
def test_exit_codes(repo: Path, name: str, extra: list[str], code: int) -> None:
    shutil.copy(MANIFESTS / name, repo / "byok.yaml")
    result = run(["manifest", "check", "--today", TODAY, *extra], repo)
    assert result.exit_code == code, result.output


def test_warnings_pass_unless_strict(repo: Path) -> None:
    text = (MANIFESTS / "good.yaml").read_text().replace("rotated: 2026-10-01", "rotated: 2026-09-01")
    (repo / "byok.yaml").write_text(text)
    lenient = run(["manifest", "check", "--today", TODAY], repo)
    assert lenient.exit_code == 0 and "warning  manifest.rotation" in lenient.stdout
    assert run(["manifest", "check", "--today", TODAY, "--strict"], repo).exit_code == 1


def test_inconclusive_exits_4_and_strict_fails_it(repo: Path) -> None:
    shutil.copytree(MANIFESTS / "workflow", repo, dirs_exist_ok=True)
    workflow = repo / ".github" / "workflows" / "deploy.yml"
    workflow.write_text(workflow.read_text().replace("  staging:\n", "  staging:\n    if: false\n").replace(
        "OPENAI_API_KEY: ${{ secrets.OPENAI_API_KEY_PROD }}\n          ANTHROPIC_API_KEY: ${{ secrets.ANTHROPIC_API_KEY }}",
        "OPENAI_API_KEY: ${{ secrets.OPENAI_API_KEY_STAGING }}\n          ANTHROPIC_API_KEY: ${{ secrets.ANTHROPIC_API_KEY }}", 1))
    assert run(["manifest", "check", "--today", TODAY], repo).exit_code == 4
    assert run(["manifest", "check", "--today", TODAY, "--strict"], repo).exit_code == 1


def test_all_outputs_in_one_run(repo: Path) -> None:
    shutil.copy(MANIFESTS / "naming.yaml", repo / "acme.yaml")
    result = run(["manifest", "check", "--manifest", "acme.yaml", "--today", TODAY, "--output", "r.txt",
                  "--json", "r.json", "--junit", "r.xml"], repo)
    assert result.exit_code == 1 and result.stdout == ""
    data = json.loads((repo / "r.json").read_text())
    assert [f["path"] for f in data["findings"]] == ["acme.yaml"] * 3
    assert "manifest/prod:" in (repo / "r.txt").read_text()
    assert 'name="manifest/prod"' in (repo / "r.xml").read_text()


def test_bad_today_and_missing_manifest_are_usage_errors(repo: Path) -> None:
    (repo / "byok.yaml").write_text((MANIFESTS / "good.yaml").read_text())
    bad = run(["manifest", "check", "--today", "27/11/2026"], repo)
    assert bad.exit_code == 2 and "--today" in bad.stderr and "ISO 8601" in bad.stderr
    (repo / "byok.yaml").unlink()
    missing = run(["manifest", "check"], repo)
    assert missing.exit_code == 2 and "byok-ci manifest init" in missing.stderr


def test_loader_error_is_one_line_on_stderr(repo: Path) -> None:
    shutil.copy(MANIFESTS / "python-tag.yaml", repo / "byok.yaml")
    result = run(["manifest", "check"], repo)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "byok-ci: error: byok.yaml:7:13: YAML tag !!python/object/apply is not allowed (plain values only)"
    )


def test_manifest_found_at_git_root_from_a_subdirectory(repo: Path) -> None:
    shutil.copy(MANIFESTS / "good.yaml", repo / "byok.yaml")
    (repo / "src").mkdir()
    result = run(["manifest", "check", "--today", TODAY, "--format", "json"], repo / "src")
    assert result.exit_code == 0 and json.loads(result.stdout)["stats"]["checks"]["passed"] == 35


def test_config_policy_is_used(repo: Path) -> None:
    shutil.copy(MANIFESTS / "scopes-owner.yaml", repo / "byok.yaml")
    (repo / ".byok-ci.yaml").write_text("policy:\n  checks:\n    manifest.owner: warning\n    manifest.scopes: warning\n")
    assert run(["manifest", "check", "--today", TODAY], repo).exit_code == 0


def test_init_writes_a_starter_from_names_only(repo: Path) -> None:
    (repo / "app.py").write_text(
        'import os\nclient = OpenAI(api_key=os.environ["OPENAI_API_KEY"])\nhf = os.getenv("HF_TOKEN")\n'
        "DATABASE_URL = os.environ['DATABASE_URL']\n"
    )
    wf = repo / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "ci.yml").write_text(
        "on: push\njobs:\n  deploy:\n    environment: production\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: x\n        env:\n          ANTHROPIC_API_KEY: ${{ secrets.ANTHROPIC_API_KEY }}\n"
    )
    result = run(["manifest", "init", "--project", "Acme Corp"], repo)
    assert result.exit_code == 0, result.output
    text = (repo / "byok.yaml").read_text()
    assert "project: acme-corp" in text and "TODO" in text
    assert "name: acme-corp-prod-anthropic" in text and "secret: github://production/ANTHROPIC_API_KEY" in text
    assert "name: acme-corp-dev-openai" in text and "secret: env://OPENAI_API_KEY" in text
    assert "provider: huggingface" in text and "DATABASE" not in text
    # The starter loads cleanly and fails only on what a person must fill in.
    check = run(["manifest", "check", "--today", TODAY, "--format", "json"], repo)
    assert check.exit_code == 1
    data = json.loads(check.stdout)
    assert data["errors"] == []
    assert {f["rule_id"] for f in data["findings"]} <= {
        "manifest.owner", "manifest.scopes", "manifest.rotation", "manifest.isolation",
    }
    refused = run(["manifest", "init"], repo)
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert run(["manifest", "init", "--force"], repo).exit_code == 0


def test_init_to_stdout(repo: Path) -> None:
    result = run(["manifest", "init", "--manifest", "-"], repo)
    assert result.exit_code == 0 and result.stdout.startswith("# Starter key manifest")
    assert "keys: []" in result.stdout
    assert not (repo / "byok.yaml").exists()


def test_docs_renders_a_table(repo: Path) -> None:
    shutil.copy(MANIFESTS / "good.yaml", repo / "byok.yaml")
    result = run(["manifest", "docs"], repo)
    assert result.exit_code == 0
    rows = [line for line in result.stdout.splitlines() if line.startswith("| prod ")]
    assert rows == [
        "| prod | `acme-prod-anthropic` | anthropic | `github://prod/ANTHROPIC_API_KEY` | ml-platform | 2026-10-20 "
        "| 2027-01-18 | — | models: claude-sonnet-4-5 |",
        "| prod | `acme-prod-openai` | openai | `aws-sm://acme/prod/openai#api_key` | ml-platform | 2026-10-01 "
        "| 2026-12-30 | 2027-03-31 | scopes: models.read, chat |",
    ]
    assert run(["manifest", "docs", "--output", "KEYS.md"], repo).exit_code == 0
    assert (repo / "KEYS.md").read_text() == result.stdout


def test_docs_refuses_a_manifest_holding_a_key(repo: Path, shipped_rules, rng) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import key_for

    key = key_for(shipped_rules, "openai.project-key", rng)
    text = (MANIFESTS / "good.yaml").read_text().replace("owner: dev-experience", f"owner: {key}")
    (repo / "byok.yaml").write_text(text)
    result = run(["manifest", "docs"], repo)
    assert result.exit_code == 2 and "holds a key" in result.stderr
    assert key not in result.output


def test_sarif_report_is_valid(tmp_path: Path) -> None:
    import jsonschema

    manifest = tmp_path / "byok.yaml"
    manifest.write_text((Path(__file__).resolve().parent.parent / "data" / "manifests" / "naming.yaml").read_text())
    result = CliRunner().invoke(main, ["manifest", "check", "--manifest", str(manifest), "--sarif", str(tmp_path / "m.sarif")])
    assert result.exit_code == 1, result.output
    document = json.loads((tmp_path / "m.sarif").read_text())
    schema = json.loads((Path(__file__).resolve().parent.parent / "data" / "sarif-2.1.0.json").read_text())
    jsonschema.validate(document, schema, cls=jsonschema.Draft4Validator)
    assert {r["ruleId"] for r in document["runs"][0]["results"]} == {"manifest.naming"}
