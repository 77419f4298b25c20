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


# Every allow-marker form detection knows (byok_ci.detect.filters), as a pusher would write it;
# a classic Mac file (its CRs end lines) and a marker inside a base64 blob with the key.
MARKED = {
    "a.env": "OPENAI_API_KEY={key}  # byok-ci: allow\n",
    "b.env": "OPENAI_API_KEY={key}  # byok-ci:allow\n",
    "c.env": "OPENAI_API_KEY={key}  # pragma: allowlist secret\n",
    "d.env": "OPENAI_API_KEY={key}  # gitleaks:allow\n",
    "e.env": "# pragma: allowlist nextline secret\nOPENAI_API_KEY={key}\n",
    "f.txt": "blob: {encoded}\n",
    "g.mac": "OPENAI_API_KEY={key}  # byok-ci: allow\rOPENAI_API_KEY={other}\r",
}


@pytest.mark.parametrize("inline_allow", [False, True])
def test_a_pre_receive_gate_ignores_every_allow_marker_form(inline_allow: bool, tmp_path: Path,
                                                             shipped_rules: RuleSet) -> None:
    import base64

    from byok_ci import pre_receive

    rng = random.Random(5)
    repo = GitRepo(tmp_path / "r")
    for name, text in MARKED.items():
        key = key_for(shipped_rules, "openai.project-key", rng)
        encoded = base64.b64encode(f"OPENAI_API_KEY={key}  # byok-ci: allow".encode()).decode()
        repo.write(name, text.format(key=key, encoded=encoded, other=key_for(shipped_rules, "openai.project-key", rng)))
    repo.git("add", "-A")
    pushed = repo.git("commit-tree", repo.git("write-tree"), "-m", "keys the pusher marked")  # on no ref yet
    updates = pre_receive.read_updates(f"{'0' * 40} {pushed} refs/heads/main\n")
    verdict = pre_receive.check_push(updates, Settings(inline_allow=inline_allow), cwd=str(repo.path))
    assert verdict.report is not None
    found = sorted((f.path, f.line) for f in verdict.report.findings)
    if inline_allow:  # the server chose to honour them: only the classic Mac file's unmarked line
        assert found == [("g.mac", 2)]
    else:
        assert found == [("a.env", 1), ("b.env", 1), ("c.env", 1), ("d.env", 1), ("e.env", 2), ("f.txt", 1),
                         ("g.mac", 1), ("g.mac", 2)]
    assert verdict.code == 1
