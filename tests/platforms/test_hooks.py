"""The hooks with CRLF files and awkward names: spaces, a backslash (a separator on Windows,
a plain character in a POSIX name), and non-ASCII names (macOS lists them decomposed, git
with core.precomposeunicode names them composed). Each key is reported once, at the LF
file's line and column, under the name git shows (issue 21 §5)."""

from __future__ import annotations

import os
import random
import re
import unicodedata
from pathlib import Path

import pytest

from byok_ci.rules import load_rules
from tests.conftest import key_for
from tests.gitrepo import GitRepo
from tests.platforms.cli import json_report as _json
from tests.test_pre_commit_hooks import Hooks, hooks, try_repo  # noqa: F401  (hooks: a fixture)

RULES = load_rules()
NAMES = ["dir with space/app.env", "caf\u00e9.env", "\u65e5\u672c/\u8a2d\u5b9a.env"]
if os.name == "posix":
    NAMES.append("back\\slash.env")  # on Windows a separator, never part of a name


def _plant(repo: GitRepo, rng: random.Random) -> dict[str, str]:
    """Each name holds a key on line 3, column 16, in a CRLF file; returns name -> redacted tail."""
    tails = {}
    for name in NAMES:
        key = key_for(RULES, "openai.project-key", rng)
        repo.write(name, f"# config\r\nA=1\r\nOPENAI_API_KEY={key}\r\n")
        tails[name] = key[-4:]
    return tails


def _found(report: dict) -> list[tuple[str, int, int]]:  # type: ignore[type-arg]
    return sorted((f["path"], f["line"], f["column"]) for f in report["findings"])


def test_staged_push_and_file_scans_report_each_awkward_name_once(tmp_path: Path, rng: random.Random) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("README", "hello\n")
    base = repo.commit("start")
    _plant(repo, rng)
    expected = sorted((name, 3, 16) for name in NAMES)
    repo.git("add", "-A")
    assert _found(_json(repo.path, ["scan", "--staged", "--format", "json"])) == expected
    # What pre-commit does: the staged names, as git lists them, given as arguments.
    listed = repo.git("diff", "--cached", "--name-only", "-z").split("\0")
    assert _found(_json(repo.path, ["scan", "--format", "json", *filter(None, listed)])) == expected
    head = repo.commit("keys")
    assert _found(_json(repo.path, ["scan", "--range", f"{base}..{head}", "--format", "json"])) == expected
    # A directory scan of the same tree, macOS-style decomposed names on disk included.
    decomposed = unicodedata.normalize("NFD", "caf\u00e9.env")
    os.rename(repo.path / "caf\u00e9.env", repo.path / decomposed)
    assert _found(_json(repo.path, ["scan", "--format", "json", "."])) == expected


@pytest.mark.slow
def test_pre_commit_hooks_report_each_awkward_name_once(hooks: Hooks, tmp_path: Path, rng: random.Random) -> None:  # noqa: F811
    repo = GitRepo(tmp_path / "work")
    repo.write("README", "hello\n")
    base = repo.commit("start")
    tails = _plant(repo, rng)
    repo.git("add", "-A")
    result = try_repo(hooks, repo.path, "byok-ci")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    for name, tail in tails.items():
        assert output.count(f"\u2026{tail}") == 1, (name, output)
        assert re.search(rf"^{re.escape(name)}$", output, re.M), (name, output)
    assert output.count("3:16") == len(NAMES)
    head = repo.commit("keys")
    pushed = try_repo(hooks, repo.path, "byok-ci-push", "--hook-stage", "pre-push", "--from-ref", base, "--to-ref", head)
    output = pushed.stdout + pushed.stderr
    assert pushed.returncode == 1, output
    for name, tail in tails.items():
        assert output.count(f"\u2026{tail}") == 1, (name, output)
