"""Git scans honour baselines and the ignore file, and report rule help for SARIF."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from byok_ci.config import Settings
from byok_ci.rules import RuleSet
from byok_ci.scan_git import GitTarget, scan_git
from tests.conftest import key_for
from tests.gitrepo import GitRepo, git_env


def test_history_scan_with_ignore_file(tmp_path: Path, shipped_rules: RuleSet, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in git_env().items():
        monkeypatch.setenv(name, value)
    repo = GitRepo(tmp_path / "r")
    rng = random.Random(8)
    known, new = key_for(shipped_rules, "groq.api-key", rng), key_for(shipped_rules, "xai.api-key", rng)
    repo.write("a.env", f"GROQ={known}\n")
    repo.commit("known key")
    repo.write("b.env", f"XAI={new}\n")
    repo.commit("new key")
    first = scan_git(GitTarget("history"), rules=shipped_rules, cwd=str(repo.path))
    assert {f.rule_id for f in first.findings} == {"groq.api-key", "xai.api-key"}
    assert set(first.rules) >= {"groq.api-key", "xai.api-key"}
    groq = next(f for f in first.findings if f.rule_id == "groq.api-key")
    ignore = tmp_path / "ignore"
    ignore.write_text(f"{groq.fingerprint} accepted: revoked test key\n")
    second = scan_git(GitTarget("history"), rules=shipped_rules, settings=Settings(ignore_file=ignore),
                      cwd=str(repo.path))
    assert [f.rule_id for f in second.findings] == ["xai.api-key"] and second.stats.ignored == 1


def test_allowed_fingerprints_are_held_back_after_detection_and_counted(tmp_path: Path, shipped_rules: RuleSet) -> None:
    """allow_fingerprints is one of the suppressions of the one stage: held back, counted, for
    files and git alike (a key in a file name included)."""
    from byok_ci.model import fingerprint
    from byok_ci.scan import scan_paths

    rng = random.Random(3)
    allowed, other = key_for(shipped_rules, "groq.api-key", rng), key_for(shipped_rules, "xai.api-key", rng)
    repo = GitRepo(tmp_path / "repo")
    repo.write("a.env", f"A={allowed}\nB={other}\n")
    repo.write(f"backup_{allowed}.txt", "nothing here\n")
    repo.git("add", "-A")
    settings = Settings(allow_fingerprints=(fingerprint(allowed),))
    files = scan_paths([str(repo.path)], rules=shipped_rules, settings=settings)
    staged = scan_git(GitTarget("staged"), rules=shipped_rules, settings=settings, cwd=str(repo.path))
    for report in (files, staged):
        assert {f.fingerprint for f in report.findings} == {fingerprint(other)}
        assert report.stats.allowed == 2 and report.stats.to_dict()["allowed"] == 2
    assert "allowed" not in scan_paths([str(repo.path)], rules=shipped_rules).stats.to_dict()
