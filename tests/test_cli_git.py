"""`byok-ci scan --staged/--range/--since/--history/--pre-push` on the command line."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from byok_ci.cli import main
from byok_ci.rules import RuleSet
from tests.conftest import key_for
from tests.gitrepo import GIT_ENV, GitRepo


def invoke(args: list[str], cwd: Path, env: dict[str, str | None] | None = None):  # type: ignore[no-untyped-def]
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, args, env={**GIT_ENV, "NO_COLOR": "1", **(env or {})}, catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture
def repo(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> GitRepo:
    repo = GitRepo(tmp_path)
    repo.write("README", "hello\n")
    repo.commit("clean start")
    repo.write("app.py", f'KEY = "{key_for(shipped_rules, "openai.project-key", rng)}"\n')
    repo.commit("leak")
    repo.write("app.py", "KEY = os.environ['OPENAI_API_KEY']\n")
    repo.commit("fix")
    return repo


def test_staged_exit_codes(repo: GitRepo, shipped_rules: RuleSet, rng: random.Random) -> None:
    assert invoke(["scan", "--staged"], repo.path).exit_code == 0
    repo.write("new.py", f'K = "{key_for(shipped_rules, "groq.api-key", rng)}"\n')
    repo.git("add", "new.py")
    result = invoke(["scan", "--staged"], repo.path)
    assert result.exit_code == 1 and "new.py" in result.stdout and "groq.api-key" in result.stdout


def test_history_json_marks_deleted_keys(repo: GitRepo) -> None:
    result = invoke(["scan", "--history", "--format", "json"], repo.path)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    (finding,) = data["findings"]
    assert finding["history_only"] is True and finding["commit"] == repo.git("rev-parse", "HEAD~1")
    assert finding["commit_info"]["author"] == "Ada Lovelace <ada@example.com>"
    assert data["stats"]["commits"] == 3
    assert "\r" not in result.stderr  # no progress bar off a terminal


def test_range_and_since(repo: GitRepo) -> None:
    assert invoke(["scan", "--range", "HEAD~1..HEAD"], repo.path).exit_code == 0
    assert invoke(["scan", "--range", "HEAD~2..HEAD"], repo.path).exit_code == 1
    assert invoke(["scan", "--since", "HEAD~2"], repo.path).exit_code == 1


def test_pre_push_from_pre_commit_environment(repo: GitRepo) -> None:
    env: dict[str, str | None] = {"PRE_COMMIT_FROM_REF": repo.git("rev-parse", "HEAD~1"),
                                  "PRE_COMMIT_TO_REF": repo.git("rev-parse", "HEAD")}
    assert invoke(["scan", "--pre-push"], repo.path, env).exit_code == 0
    env["PRE_COMMIT_FROM_REF"] = "0" * 40
    assert invoke(["scan", "--pre-push"], repo.path, env).exit_code == 1  # no remotes: all of it is new
    outside = invoke(["scan", "--pre-push"], repo.path, {"PRE_COMMIT_FROM_REF": None, "PRE_COMMIT_TO_REF": None})
    assert outside.exit_code == 2 and "outside a push use --range" in outside.stderr


def test_git_errors_exit_2_with_one_line(repo: GitRepo, tmp_path_factory: pytest.TempPathFactory) -> None:
    bad = invoke(["scan", "--range", "nope..HEAD"], repo.path)
    assert bad.exit_code == 2 and "byok-ci: error: git: unknown revision 'nope'" in bad.stderr
    outside = invoke(["scan", "--history"], tmp_path_factory.mktemp("plain"))
    assert outside.exit_code == 2 and "not a git repository" in outside.stderr
    both = invoke(["scan", "--history", "--staged"], repo.path)
    assert both.exit_code == 2 and "choose one of --staged, --history" in both.stderr


def test_shallow_exit_code(repo: GitRepo, tmp_path: Path) -> None:
    clone = GitRepo(tmp_path / "clone", init=False)
    GitRepo(tmp_path, init=False).git("clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone.path))
    strict = invoke(["scan", "--history"], clone.path)
    assert strict.exit_code == 2 and "git fetch --unshallow" in strict.stderr
    allowed = invoke(["scan", "--history", "--allow-shallow"], clone.path)
    assert allowed.exit_code == 0 and "shallow clone" in allowed.stderr


def test_text_report_shows_commits_and_history_only(repo: GitRepo) -> None:
    result = invoke(["scan", "--history"], repo.path)
    assert "history only" in result.stdout and f"commit {repo.git('rev-parse', 'HEAD~1')[:12]}" in result.stdout
    assert "(3 commits, " in result.stdout


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_history_progress_bar_only_on_a_terminal(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from byok_ci.cli.git import scan_git_report
    from byok_ci.config import Settings
    from byok_ci.scan_git import GitTarget

    monkeypatch.chdir(repo.path)
    for name, value in GIT_ENV.items():
        monkeypatch.setenv(name, value)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    report = scan_git_report(GitTarget("history"), (), Settings(), False)
    assert report.stats.commits == 3 and "byok-ci: commits" in terminal.getvalue() and "100%" in terminal.getvalue()
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    scan_git_report(GitTarget("range", "HEAD~2..HEAD"), (), Settings(), False)
    assert terminal.getvalue() == ""  # ranges are quick: no bar


@pytest.mark.parametrize(("since", "code"), [
    ("HEAD@{1 year ago}", 0),  # the commits are dated 2024: HEAD was HEAD then already
    ("HEAD@{2024-01-01 00:00:01}", 1), ("HEAD@{2}", 1), ("main~2", 1), ("v1^{}", 1), (":/clean start", 1),
])
def test_since_takes_every_revision_git_knows(repo: GitRepo, since: str, code: int) -> None:
    """Security round 2, item 14: `--since 'HEAD@{1 year ago}'` was an internal error (exit 3)."""
    repo.git("tag", "-a", "-m", "first", "v1", "HEAD~2")
    result = invoke(["scan", "--since", since, "--format", "json"], repo.path)
    assert result.exit_code == code, result.output  # the leak is after the first commit
    assert "Traceback" not in result.stderr


def test_since_a_tree_is_a_clear_error(repo: GitRepo) -> None:
    result = invoke(["scan", "--since", "HEAD^{tree}"], repo.path)
    assert result.exit_code == 2 and "names a tree, not a commit" in result.stderr


def test_pre_push_without_from_and_to_refs(repo: GitRepo) -> None:
    """pre-commit's variables when the push reaches a root commit the remote lacks."""
    env: dict[str, str | None] = {"PRE_COMMIT_FROM_REF": None, "PRE_COMMIT_TO_REF": None, "PRE_COMMIT": "1",
                                  "PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main", "PRE_COMMIT_REMOTE_NAME": "origin",
                                  "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/main", "PRE_COMMIT_REMOTE_URL": "x"}
    result = invoke(["scan", "--pre-push", "--format", "json"], repo.path, env)
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["stats"]["commits"] == 3


def test_pre_push_reads_gits_hook_input(repo: GitRepo) -> None:
    """As git's own pre-push hook: one line per ref, every one of them scanned."""
    head, leak, start = (repo.git("rev-parse", r) for r in ("HEAD", "HEAD~1", "HEAD~2"))
    zero = "0" * 40
    lines = (f"refs/heads/clean {start} refs/heads/clean {zero}\n"
             f"refs/heads/main {head} refs/heads/main {start}\n"
             f"(delete) {zero} refs/heads/old {leak}\n")
    old = os.getcwd()
    os.chdir(repo.path)
    try:
        result = CliRunner().invoke(main, ["scan", "--pre-push", "--format", "json"], input=lines,
                                    env={**GIT_ENV, "PRE_COMMIT": None, "PRE_COMMIT_TO_REF": None,
                                         "PRE_COMMIT_LOCAL_BRANCH": None})
    finally:
        os.chdir(old)
    assert result.exit_code == 1, result.output
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["commit"] == leak


def test_the_names_of_pushed_refs_are_scanned(shipped_rules) -> None:  # type: ignore[no-untyped-def]
    """A key in the name of a branch being pushed reaches the remote: git's hook input and
    pre-commit's PRE_COMMIT_REMOTE_BRANCH hand the names over."""
    import io
    import random

    from byok_ci.scan_git import pre_push_target
    from tests.conftest import key_for

    key = key_for(shipped_rules, "openai.project-key", random.Random(3))
    zero, sha = "0" * 40, "a" * 40
    stdin = io.StringIO(f"refs/heads/x {sha} refs/heads/fix-{key} {zero}\n(delete) {zero} refs/heads/gone-{key} {sha}\n")
    target = pre_push_target({}, stdin)
    assert target.refs == ((f"refs/heads/fix-{key}", sha),)  # a deletion pushes no name
    target = pre_push_target({"PRE_COMMIT_TO_REF": sha, "PRE_COMMIT_FROM_REF": zero,
                              "PRE_COMMIT_REMOTE_BRANCH": f"refs/heads/fix-{key}"})
    assert target.refs == ((f"refs/heads/fix-{key}", sha),)



def _push_through_hook(repo: GitRepo, *push: str) -> subprocess.CompletedProcess[str]:
    """`git push` with byok-ci as git's own pre-push hook, passing git's arguments on."""
    from tests.gitrepo import git_env

    hook = repo.path / ".git" / "hooks" / "pre-push"
    hook.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m byok_ci scan --pre-push --no-color "$@"\n')
    hook.chmod(0o755)
    return subprocess.run(["git", "push", *push], cwd=repo.path, capture_output=True, text=True,
                          env={**git_env(), "PRE_COMMIT": ""})


def test_gits_pre_push_arguments_name_the_remote(repo: GitRepo) -> None:
    """git runs a pre-push hook with the remote's name and URL as arguments. A hook passing
    "$@" on made them pathspecs, which no file matched: the push passed, 'no leaks found'.
    They name the remote: what only another remote's tracking refs hold is new to this one."""
    repo.git("init", "-q", "--bare", ".git/backup.git")  # a URL that is also a path in the work tree
    repo.git("remote", "add", "backup", ".git/backup.git")
    repo.git("update-ref", "refs/remotes/origin/main", "HEAD")  # another remote holds the leak
    pushed = _push_through_hook(repo, "backup", "main")
    assert pushed.returncode != 0, pushed.stderr
    assert "openai.project-key" in pushed.stdout, pushed.stdout + pushed.stderr
    # Pushed to a URL (no remote's name): no remote-tracking ref tells what it has.
    pushed = _push_through_hook(repo, str(repo.path / ".git" / "backup.git"), "main:other")
    assert pushed.returncode != 0, pushed.stderr
    assert "openai.project-key" in pushed.stdout, pushed.stdout + pushed.stderr


def test_pre_commit_push_over_an_unknown_remote_commit_knows_only_that_remotes_refs(repo: GitRepo) -> None:
    """pre-commit's push whose remote commit is not here (someone else pushed since the last
    fetch): the commits no remote-tracking ref of *that* remote has are scanned, not those
    of no remote at all (a commit on another remote's tracking ref was taken as pushed)."""
    repo.git("update-ref", "refs/remotes/origin/main", "HEAD")  # another remote holds the leak
    env: dict[str, str | None] = {"PRE_COMMIT": "1", "PRE_COMMIT_FROM_REF": "1" * 40,
                                  "PRE_COMMIT_TO_REF": repo.git("rev-parse", "HEAD"),
                                  "PRE_COMMIT_REMOTE_NAME": "backup", "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/main"}
    result = invoke(["scan", "--pre-push", "--format", "json"], repo.path, env)
    assert result.exit_code == 1, result.output
    assert [f["rule_id"] for f in json.loads(result.stdout)["findings"]] == ["openai.project-key"]
