"""`byok-ci hook pre-receive` installed in a bare repository, driven by real `git push`."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from byok_ci.rules import RuleSet
from tests.conftest import key_for
from tests.gitrepo import GitRepo, git_env
from tests.realclient.harness import Remote, developer

pytestmark = pytest.mark.slow  # real pushes, a hook process per push

BYOK_CI = Path(sys.executable).parent / "byok-ci"


def install_hook(server: Remote, *options: str) -> None:
    hook = server.path / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\nexec {BYOK_CI} hook pre-receive {' '.join(options)}\n")
    hook.chmod(0o755)


def push(repo: GitRepo, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # A local push runs the hook with the pusher's environment (GitLab sets GL_ID for its hooks).
    return subprocess.run(["git", "push", "origin", *args], cwd=repo.path, capture_output=True, text=True,
                          env={**git_env(), "NO_COLOR": "1", **(env or {})})


def remote_lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    """What the hook said, as the pusher sees it (git prefixes `remote: ` and pads lines)."""
    return [line.rstrip() for line in done.stderr.splitlines() if line.startswith("remote: ")]


@pytest.fixture
def key(shipped_rules: RuleSet) -> str:
    return key_for(shipped_rules, "openai.project-key", random.Random(21))


@pytest.fixture
def server(tmp_path: Path, shipped_rules: RuleSet) -> Remote:
    """main, pushed before the hook was installed, holds an old key in its history."""
    server = Remote(tmp_path / "server.git")
    repo = developer(server, tmp_path / "seed")
    repo.write("README.md", "hello\n")
    repo.commit("start")
    repo.write("old.env", f"ANTHROPIC_API_KEY={key_for(shipped_rules, 'anthropic.api-key', random.Random(4))}\n")
    repo.commit("old key")
    repo.git("rm", "-q", "old.env")
    repo.commit("remove old key")
    repo.git("push", "-q", "origin", "main")
    install_hook(server)
    return server


@pytest.fixture
def dev(server: Remote, tmp_path: Path) -> GitRepo:
    return developer(server, tmp_path / "dev")


def test_a_clean_push_is_accepted(server: Remote, dev: GitRepo) -> None:
    dev.write("app.py", "print('hi')\n")
    dev.commit("work")
    done = push(dev, "main")
    assert done.returncode == 0, done.stderr
    assert server.sha("main") == dev.git("rev-parse", "HEAD")
    assert remote_lines(done) == []


def test_a_push_that_adds_a_key_is_rejected_with_file_line_rule_and_redacted_key(
        server: Remote, dev: GitRepo, key: str, tmp_path: Path) -> None:
    before = server.sha("main")
    dev.write("config/settings.env", f"# settings\nOPENAI_API_KEY={key}\n")
    dev.commit("add settings")
    dev.write("app.py", "print('hi')\n")
    dev.commit("more work")
    done = push(dev, "main")
    assert done.returncode != 0
    assert server.sha("main") == before  # nothing moved
    lines = remote_lines(done)
    commit = dev.git("rev-parse", "HEAD~1")
    assert lines[0] == "remote: byok-ci: push rejected: 1 leaked key in the pushed commits"
    assert lines[1].startswith("remote: byok-ci:   config/settings.env:2: openai.project-key sk-proj-")
    assert lines[1].endswith(f"(commit {commit[:12]})")
    assert lines[-1].endswith("docs/git.md#pre-receive-hook")
    assert "[remote rejected] main -> main (pre-receive hook declined)" in done.stderr
    assert key not in done.stderr + done.stdout
    # The message as a user sees it (the docs quote it).
    (tmp_path / "rejection.txt").write_text(done.stderr)


def test_a_new_branch_scans_only_commits_on_no_existing_ref(server: Remote, dev: GitRepo, key: str) -> None:
    dev.git("checkout", "-q", "-b", "feature")  # from main, whose history holds an old key
    dev.write("notes.txt", "clean\n")
    dev.commit("clean work")
    assert push(dev, "feature").returncode == 0
    dev.git("checkout", "-q", "-b", "leaky")
    dev.write("leak.env", f"OPENAI_API_KEY={key}\n")
    dev.commit("leak")
    done = push(dev, "leaky")
    assert done.returncode != 0
    assert any("leak.env:1: openai.project-key" in line for line in remote_lines(done))
    assert not any("old.env" in line for line in remote_lines(done))


def test_tags(server: Remote, dev: GitRepo, key: str) -> None:
    dev.git("tag", "-a", "-m", "release", "v1.0", "main")  # main's commits are on the server already
    assert push(dev, "v1.0").returncode == 0
    dev.git("checkout", "-q", "--detach")
    dev.write("leak.env", f"OPENAI_API_KEY={key}\n")
    dev.commit("leak on a tag only")
    dev.git("tag", "v1.1")
    done = push(dev, "v1.1")
    assert done.returncode != 0
    assert "[remote rejected] v1.1 -> v1.1" in done.stderr
    assert any("leak.env:1" in line for line in remote_lines(done))


def test_deleting_a_branch_scans_nothing(server: Remote, dev: GitRepo) -> None:
    server.git("branch", "old-work", "main~1")  # holds the old key's commit
    done = push(dev, "--delete", "old-work")
    assert done.returncode == 0, done.stderr
    assert remote_lines(done) == []
    assert "old-work" not in server.git("branch", "--list")


def test_a_multi_ref_push_is_rejected_whole_when_one_ref_adds_a_key(server: Remote, dev: GitRepo, key: str) -> None:
    dev.git("checkout", "-q", "-b", "clean")
    dev.write("ok.txt", "ok\n")
    dev.commit("ok")
    dev.git("checkout", "-q", "-b", "dirty", "main")
    dev.write("leak.env", f"OPENAI_API_KEY={key}\n")
    dev.commit("leak")
    done = push(dev, "clean", "dirty")
    assert done.returncode != 0
    assert "clean" not in server.git("branch", "--list") and "dirty" not in server.git("branch", "--list")
    assert sum("openai.project-key" in line for line in remote_lines(done)) == 1
    dev.git("checkout", "-q", "-b", "also-clean", "main")
    dev.write("fine.txt", "fine\n")
    dev.commit("fine")
    assert push(dev, "clean", "also-clean").returncode == 0


def test_a_force_push_scans_the_new_commits_only(server: Remote, dev: GitRepo, key: str) -> None:
    dev.git("reset", "-q", "--hard", "main~1")  # back to the commit that added the old key
    assert push(dev, "--force", "main").returncode == 0  # nothing new: all on the server
    dev.write("leak.env", f"OPENAI_API_KEY={key}\n")
    dev.commit("rewrite with a key")
    assert push(dev, "--force", "main").returncode != 0


@pytest.mark.parametrize(("policy", "accepted"), [("accept", True), ("reject", False), (None, False)])
def test_time_budget_policy(server: Remote, dev: GitRepo, key: str, policy: str | None, accepted: bool) -> None:
    """A push whose scan ran out of time is rejected unless the server chose to accept it."""
    install_hook(server, "--timeout", "0.01", *(("--on-timeout", policy) if policy else ()))
    dev.write("leak.env", f"OPENAI_API_KEY={key}\n")
    dev.commit("leak, but the budget is too small to find it")
    done = push(dev, "main")
    assert (done.returncode == 0) is accepted, done.stderr
    lines = remote_lines(done)
    assert "did not finish within its time budget of 0.01s" in lines[0]
    assert f"(policy: on timeout {policy or 'reject'})" in lines[0]
    assert ("accepted without a complete scan" if accepted else "push rejected") in lines[0]


def test_the_budget_and_policy_come_from_the_environment(server: Remote, dev: GitRepo) -> None:
    hook = server.path / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\nBYOK_CI_PRE_RECEIVE_TIMEOUT=0.01 BYOK_CI_PRE_RECEIVE_ON_TIMEOUT=reject "
                    f"exec {BYOK_CI} hook pre-receive\n")
    dev.write("x.txt", "x\n")
    dev.commit("x")
    done = push(dev, "main")
    assert done.returncode != 0
    assert "(policy: on timeout reject)" in done.stderr


def test_bad_input_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run([str(BYOK_CI), "hook", "pre-receive"], input="not a ref update\n", capture_output=True,
                          text=True, cwd=tmp_path)
    assert done.returncode == 2
    assert "<stdin>:1: expected '<old-sha> <new-sha> <ref>'" in done.stderr


def test_under_gitlab_each_line_carries_gitlabs_prefix(server: Remote, dev: GitRepo, key: str) -> None:
    dev.write("leak.env", f"OPENAI_API_KEY={key}\n")
    dev.commit("leak")
    done = push(dev, "main", env={"GL_ID": "user-2234", "GL_PROTOCOL": "ssh"})
    assert done.returncode != 0
    lines = remote_lines(done)
    assert lines and all(line.startswith("remote: GL-HOOK-ERR: byok-ci: ") for line in lines)


def test_a_scan_that_dies_rejects_the_push_and_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A scan process killed from outside (the OOM killer, a signal) rejects the push with
    a line saying so, not an internal error of the hook."""
    import os

    from byok_ci import pre_receive
    from byok_ci.config import Settings

    repo = GitRepo(tmp_path / "repo")
    head = repo.commit("one")
    monkeypatch.setattr(pre_receive, "scan_git", lambda *args, **kwargs: os._exit(9))  # the forked scan dies
    updates = pre_receive.read_updates(f"{'0' * 40} {head} refs/heads/main\n")
    verdict = pre_receive.check_push(updates, Settings(), cwd=str(repo.path))
    assert verdict.code == 2
    assert any("the scan stopped without a result" in line and "push rejected" in "".join(verdict.lines)
               for line in verdict.lines), verdict.lines


def test_a_key_only_in_the_pushed_branch_name_is_rejected(server: Remote, dev: GitRepo, key: str) -> None:
    """The server's refs are what everyone fetches: a key in a new branch's name reaches them
    as surely as one in a file."""
    dev.git("checkout", "-q", "-b", "feature")
    dev.write("app.py", "print('hi')\n")
    dev.commit("clean work")
    done = push(dev, f"feature:refs/heads/fix-{key}")
    assert done.returncode != 0
    lines = remote_lines(done)
    assert lines[0] == "remote: byok-ci: push rejected: 1 leaked key in the pushed commits"
    assert lines[1].startswith("remote: byok-ci:   refs/heads/fix-sk-proj-") and key not in lines[1]
    assert "remote: byok-ci: a branch or tag name holds a key: push it under another name." in lines
    assert key not in "".join(lines)
    assert "refs/heads/fix-" not in subprocess.run(["git", "for-each-ref"], cwd=server.path, capture_output=True,
                                                   text=True).stdout


@pytest.mark.parametrize("options, accepted", [((), False), (("--inline-allow",), True)])
def test_an_allow_marker_in_the_pushed_file_does_not_wave_the_key_through_unless_the_server_says_so(
        server: Remote, dev: GitRepo, key: str, options: tuple[str, ...], accepted: bool) -> None:
    install_hook(server, *options)
    dev.write("settings.env", f"OPENAI_API_KEY={key}  # byok-ci: allow\n")
    dev.write("other.env", f"# pragma: allowlist nextline secret\nOPENAI_API_KEY={key}\n")
    dev.commit("a key the pusher marked as allowed")
    done = push(dev, "main")
    assert (done.returncode == 0) is accepted, done.stderr
    lines = remote_lines(done)
    if accepted:
        assert lines == []
    else:
        assert lines[0] == "remote: byok-ci: push rejected: 2 leaked keys in the pushed commits"
        assert any("markers in pushed files are not honoured here" in line for line in lines)
    assert key not in done.stderr + done.stdout


@pytest.mark.parametrize("options, accepted", [((), False), (("--skip-binary",), True)])
def test_a_nul_byte_does_not_carry_a_key_past_the_gate(server: Remote, dev: GitRepo, key: str,
                                                       options: tuple[str, ...], accepted: bool) -> None:
    install_hook(server, *options)
    (dev.path / "settings.env").write_bytes(b"\0\x01binary\n" + f"OPENAI_API_KEY={key}\n".encode() + b"\xff\0")
    dev.commit("a key in a file git calls binary")
    done = push(dev, "main")
    assert (done.returncode == 0) is accepted, done.stderr
    if not accepted:
        lines = remote_lines(done)
        assert lines[0] == "remote: byok-ci: push rejected: 1 leaked key in the pushed commits"
        assert lines[1].startswith("remote: byok-ci:   settings.env:2: openai.project-key sk-proj-")
    assert key not in done.stderr + done.stdout


@pytest.mark.parametrize("options", [(), ("--skip-binary",)])
def test_a_key_in_a_utf16_file_is_rejected_once_at_the_push_that_adds_it(
        server: Remote, dev: GitRepo, shipped_rules: RuleSet, key: str, options: tuple[str, ...]) -> None:
    """git diffs UTF-16 (Windows .ini/.reg/.ps1 files) as binary; the hook decodes it as a
    directory scan does, --skip-binary or not (its printable bytes spell no key)."""
    install_hook(server, *options)
    (dev.path / "settings.ini").write_bytes(f"[openai]\r\napi_key = {key}\r\n".encode("utf-16"))
    dev.commit("a key in a UTF-16 file")
    done = push(dev, "main")
    assert done.returncode != 0
    lines = remote_lines(done)
    assert lines[0] == "remote: byok-ci: push rejected: 1 leaked key in the pushed commits"
    assert lines[1].startswith("remote: byok-ci:   settings.ini:2: openai.project-key sk-proj-")
    assert key not in done.stderr + done.stdout
    server.git("fetch", "-q", str(dev.path), "main:main")  # the key reached the server another way
    other = key_for(shipped_rules, "groq.api-key", random.Random(5))
    (dev.path / "settings.ini").write_bytes(f"[openai]\r\napi_key = {key}\r\n[groq]\r\nkey = {other}\r\n"
                                            .encode("utf-16"))
    dev.commit("another key in it")
    done = push(dev, "main")
    assert done.returncode != 0
    lines = remote_lines(done)
    assert lines[0] == "remote: byok-ci: push rejected: 1 leaked key in the pushed commits"  # not the first again
    assert lines[1].startswith("remote: byok-ci:   settings.ini:4: groq.api-key gsk_")
    assert key not in done.stderr + done.stdout and other not in done.stderr + done.stdout
