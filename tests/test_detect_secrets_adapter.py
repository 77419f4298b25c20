"""A `.secrets.baseline` read through detect-secrets: audited false positives suppress here too."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from byok_ci._detect_secrets import DetectSecretsError, false_positive_hashes
from byok_ci.cli import main
from byok_ci.config import Settings
from byok_ci.rules import RuleSet
from byok_ci.scan import scan_paths
from tests.conftest import key_for


@pytest.fixture
def audited(tmp_path: Path, shipped_rules: RuleSet, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tree and the `.secrets.baseline` detect-secrets writes for it, one entry audited false."""
    rng = random.Random(21)
    (tmp_path / "docs.py").write_text(f'OPENAI_API_KEY = "{key_for(shipped_rules, "openai.project-key", rng)}"\n')
    (tmp_path / "app.py").write_text(f'OPENAI_API_KEY = "{key_for(shipped_rules, "openai.project-key", rng)}"\n')
    out = subprocess.run(
        [sys.executable, "-m", "detect_secrets", "scan", "docs.py", "app.py"],
        cwd=tmp_path, capture_output=True, text=True, check=True, timeout=60,
    ).stdout
    baseline = json.loads(out)
    for entry in baseline["results"]["docs.py"]:
        entry["is_secret"] = False  # what `detect-secrets audit` records for a false positive
    (tmp_path / ".secrets.baseline").write_text(json.dumps(baseline, indent=2))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_audited_false_positives_are_suppressed_and_the_rest_reported(audited: Path) -> None:
    report = scan_paths(["docs.py", "app.py"], settings=Settings(baselines=(Path(".secrets.baseline"),)))
    assert [f.path for f in report.findings] == ["app.py"]
    assert report.errors == ()


def test_the_cli_takes_a_secrets_baseline_as_a_baseline(audited: Path) -> None:
    result = CliRunner().invoke(main, ["scan", "docs.py", "--baseline", ".secrets.baseline"])
    assert result.exit_code == 0, result.output


def test_audited_false_positives_are_counted_as_held_back(audited: Path) -> None:
    """As a byok-ci baseline's are: in stats.baselined and in the text summary."""
    report = scan_paths(["docs.py", "app.py"], settings=Settings(baselines=(Path(".secrets.baseline"),)))
    assert report.stats.baselined == 1 and report.stats.to_dict()["baselined"] == 1
    result = CliRunner().invoke(main, ["scan", "docs.py", "app.py", "--baseline", ".secrets.baseline",
                                       "--json", "r.json", "--no-color"])
    assert result.exit_code == 1, result.output
    assert "known and held back: 1 baselined" in result.stdout
    assert json.loads((audited / "r.json").read_text())["stats"]["baselined"] == 1


def test_audited_false_positives_are_counted_in_a_git_scan(audited: Path) -> None:
    from byok_ci.scan_git import GitTarget, scan_git
    from tests.gitrepo import GitRepo

    repo = GitRepo(audited)
    repo.git("add", "docs.py", "app.py")
    report = scan_git(GitTarget("staged"), settings=Settings(baselines=(Path(".secrets.baseline"),)))
    assert [f.path for f in report.findings] == ["app.py"]
    assert report.stats.baselined == 1


def test_only_is_secret_false_counts(audited: Path) -> None:
    hashes = false_positive_hashes(audited / ".secrets.baseline")
    data = json.loads((audited / ".secrets.baseline").read_text())
    assert hashes == {e["hashed_secret"] for e in data["results"]["docs.py"]}


def test_reading_never_loads_plugins_named_by_path_and_leaves_settings_alone(tmp_path: Path) -> None:
    from detect_secrets.settings import get_settings

    evil = tmp_path / "evil.py"
    evil.write_text("raise SystemExit('a baseline must never run code')\n")
    path = tmp_path / ".secrets.baseline"
    path.write_text(json.dumps({
        "version": "1.5.0",
        "plugins_used": [{"name": "Evil", "path": f"file://{evil}"}],
        "filters_used": [],
        "results": {"a.py": [{"type": "T", "filename": "a.py", "hashed_secret": "ab" * 20, "is_verified": False,
                              "is_secret": False, "line_number": 1}]},
    }))
    before = get_settings().json()
    assert false_positive_hashes(path) == {"ab" * 20}
    assert get_settings().json() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [("{", "malformed baseline JSON"), ('{"results": []}', "'results' must be an object"),
     ('{"results": {"a.py": [{"type": "T"}]}}', "missing field 'hashed_secret'"),
     ('{"results": {"a.py": "x"}}', "must map file names to lists of objects")],
)
def test_a_bad_secrets_baseline_is_an_error_and_suppresses_nothing(
    tmp_path: Path, content: str, message: str, shipped_rules: RuleSet
) -> None:
    (tmp_path / ".secrets.baseline").write_text(content)
    (tmp_path / "a.py").write_text(f'K = "{key_for(shipped_rules, "groq.api-key", random.Random(1))}"\n')
    report = scan_paths([str(tmp_path / "a.py")], settings=Settings(baselines=(tmp_path / ".secrets.baseline",)))
    assert len(report.findings) == 1
    assert len(report.errors) == 1 and message in report.errors[0].message


def test_adapter_raises_its_own_error(tmp_path: Path) -> None:
    with pytest.raises(DetectSecretsError):
        false_positive_hashes(tmp_path / "missing")


def test_a_byok_baseline_does_not_import_detect_secrets(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text('{"version": 1, "tool": "byok-ci", "entries": {}}\n')
    code = (
        "import sys; from pathlib import Path; from byok_ci.config import Settings; from byok_ci.scan import scan_paths;"
        f"scan_paths([{str(tmp_path)!r}], settings=Settings(baselines=(Path({str(tmp_path / 'b.json')!r}),)));"
        "print('detect_secrets' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
