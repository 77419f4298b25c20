"""What the real clients do, reproduced step by step, so tests exercise byok-ci the way
GitHub Actions and pre-commit drive it rather than byok-ci's own idea of them.

- :class:`Remote`: a bare repository standing in for GitHub (``refs/pull/N/*`` included).
- :func:`actions_checkout`: the workspace actions/checkout v4 lays out: ``git init``,
  ``git remote add origin``, one ``git fetch`` with the refspec its ref-helper computes
  (depth 1 unless ``fetch-depth: 0``) and ``git checkout --progress --force [-B branch]``.
  Taken from actions/checkout ``src/git-source-provider.ts`` (getSource),
  ``src/ref-helper.ts`` (getRefSpec, getRefSpecForAllHistory, getCheckoutInfo, testRef)
  and ``src/git-command-manager.ts`` (fetch, checkout).
- :func:`event`: GitHub event payloads, from trimmed real-shaped fixtures in
  ``tests/data/github-events`` (shapes of octokit/webhooks ``payload-examples``).
- :class:`ActionRunner`: action.yml's own ``run:`` steps executed with bash, with the
  ``GITHUB_*`` variables and files a runner provides.
- :class:`PreCommit`: the real ``pre-commit`` tool, installed as a pre-push hook from a
  repository config, driven by real ``git push`` commands.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import REPO
from tests.gitrepo import GitRepo, git_env

EVENTS = REPO / "tests" / "data" / "github-events"
ACTION = yaml.safe_load((REPO / "action.yml").read_text())
ZERO = "0" * 40
# actions/checkout's tagsRefSpec (src/ref-helper.ts).
TAGS_REFSPEC = "+refs/tags/*:refs/tags/*"


class Remote(GitRepo):
    """A bare repository in the role of GitHub's copy of the repository."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, init=False)
        path.mkdir(parents=True)
        self.git("init", "-q", "--bare", "-b", "main")

    @property
    def url(self) -> str:
        # file:// and not a plain path: git ignores --depth for local-path transports.
        return f"file://{self.path}"

    def sha(self, ref: str) -> str:
        return self.git("rev-parse", ref)

    def pull_request(self, number: int, head: str, base_branch: str = "main") -> str:
        """GitHub's ``refs/pull/N/head`` and test-merge ``refs/pull/N/merge``; the merge sha."""
        self.git("update-ref", f"refs/pull/{number}/head", head)
        tree = self.git("merge-tree", "--write-tree", base_branch, head)
        base = self.sha(base_branch)
        merge = self.git("commit-tree", tree, "-p", base, "-p", head, "-m", f"Merge {head} into {base}")
        self.git("update-ref", f"refs/pull/{number}/merge", merge)
        return merge


def developer(remote: Remote, path: Path) -> GitRepo:
    """A developer's clone of ``remote`` (an empty remote gives an unborn ``main``)."""
    GitRepo(path.parent, init=False).git("clone", "-q", remote.url, str(path))
    repo = GitRepo(path, init=False)
    repo.git("symbolic-ref", "HEAD", "refs/heads/main")
    return repo


def _refspec(ref: str, commit: str) -> list[str]:
    """ref-helper.ts getRefSpec, for the forms a workflow run passes (a full ref and a sha)."""
    if ref.startswith("refs/heads/"):
        return [f"+{commit}:refs/remotes/origin/{ref[len('refs/heads/'):]}"]
    if ref.startswith("refs/pull/"):
        return [f"+{commit}:refs/remotes/pull/{ref[len('refs/pull/'):]}"]
    if ref.startswith("refs/tags/"):
        return [f"+{commit}:{ref}"]
    return [commit]


def _refspec_all_history(ref: str, commit: str) -> list[str]:
    """ref-helper.ts getRefSpecForAllHistory."""
    specs = ["+refs/heads/*:refs/remotes/origin/*", TAGS_REFSPEC]
    if ref.startswith("refs/pull/"):
        specs.append(f"+{commit or ref}:refs/remotes/pull/{ref[len('refs/pull/'):]}")
    return specs


def _checkout_info(ref: str, commit: str) -> tuple[str, str]:
    """ref-helper.ts getCheckoutInfo: (ref, startPoint)."""
    if not ref:
        return commit, ""
    if ref.startswith("refs/heads/"):
        branch = ref[len("refs/heads/"):]
        return branch, f"refs/remotes/origin/{branch}"
    if ref.startswith("refs/pull/"):
        return f"refs/remotes/pull/{ref[len('refs/pull/'):]}", ""
    return ref, ""


def actions_checkout(remote: Remote, dest: Path, *, ref: str, sha: str, fetch_depth: int = 1) -> GitRepo:
    """The workspace ``actions/checkout@v6`` leaves for ``GITHUB_REF``/``GITHUB_SHA``."""
    repo = GitRepo(dest, init=False)
    dest.mkdir(parents=True)
    repo.git("init", "-q")
    repo.git("remote", "add", "origin", remote.url)
    repo.git("config", "--local", "gc.auto", "0")

    def fetch(specs: list[str], depth: int) -> None:
        args = ["-c", "protocol.version=2", "fetch"]
        if TAGS_REFSPEC not in specs:  # fetch-tags defaults to false
            args.append("--no-tags")
        args += ["--prune", "--no-recurse-submodules"]
        if depth > 0:
            args.append(f"--depth={depth}")
        elif (dest / ".git" / "shallow").exists():
            args.append("--unshallow")
        repo.git(*args, "origin", *specs)

    if fetch_depth <= 0:
        fetch(_refspec_all_history(ref, sha), 0)
        # testRef: the branch or tag may have moved on since the event; fetch the sha then.
        if ref.startswith(("refs/heads/", "refs/tags/")):
            local = ref if ref.startswith("refs/tags/") else f"refs/remotes/origin/{ref[len('refs/heads/'):]}"
            found = subprocess.run(["git", "rev-parse", "--verify", "--quiet", local], cwd=dest,
                                   capture_output=True, text=True, env=git_env()).stdout.strip()
            if found != sha:
                fetch(_refspec(ref, sha), 0)
    else:
        fetch(_refspec(ref, sha), fetch_depth)
    name, start = _checkout_info(ref, sha)
    if start:
        repo.git("checkout", "--progress", "--force", "-B", name, start)
    else:
        repo.git("checkout", "--progress", "--force", name)
    return repo


def _merge(into: dict[str, Any], fields: dict[str, Any]) -> None:
    for dotted, value in fields.items():
        *parents, last = dotted.split(".")
        node = into
        for name in parents:
            node = node.setdefault(name, {})
        node[last] = value


def event(fixture: str, **fields: Any) -> dict[str, Any]:
    """The payload of ``tests/data/github-events/<fixture>.json`` with ``fields`` set;
    dotted names reach inside (``**{"pull_request.head.sha": sha}``)."""
    payload: dict[str, Any] = json.loads((EVENTS / f"{fixture}.json").read_text())
    _merge(payload, copy.deepcopy(fields))
    return payload


def push_event(fixture: str, *, ref: str, before: str, after: str, **fields: Any) -> dict[str, Any]:
    """A push payload whose ``head_commit`` and ``compare`` agree with ``before``/``after``."""
    payload = event(fixture, ref=ref, before=before, after=after, **fields)
    if payload.get("head_commit"):
        payload["head_commit"]["id"] = after
        payload["commits"] = [dict(payload["head_commit"])]
    return payload


@dataclass
class Run:
    """What one run of the Action's check step left behind."""

    done: subprocess.CompletedProcess[str]
    outputs: dict[str, str]
    summary: str
    workspace: Path

    def report(self, name: str) -> str:
        return (self.workspace / self.outputs[name]).read_text()


@dataclass
class ActionRunner:
    """action.yml's run steps, executed the way the runner executes them."""

    venv_bin: Path
    env: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def step(step_id: str) -> dict[str, Any]:
        (found,) = [s for s in ACTION["runs"]["steps"] if s.get("id") == step_id or s.get("name") == step_id]
        return found

    @classmethod
    def install(cls, venv: Path, action_path: Path, wheelhouse: Path) -> ActionRunner:
        """Run the "Install byok-ci" step into a fresh virtual environment (no index)."""
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
               "GITHUB_ACTION_PATH": str(action_path), "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse)}
        done = subprocess.run(["bash", "-e", "-c", cls.step("Install byok-ci")["run"]], env=env,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return cls(venv / "bin")

    @classmethod
    def step_env(cls, inputs: dict[str, str]) -> dict[str, str]:
        """The check step's ``env:``, with ``${{ inputs.x }}`` replaced as the runner does."""
        values = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
        values.update(inputs)
        env = {}
        for name, template in cls.step("check")["env"].items():
            match = re.fullmatch(r"\$\{\{ inputs\.([a-z-]+) \}\}", template)
            assert match, template
            env[name] = values[match.group(1)]
        return env

    def run_check(self, workspace: Path, tmp: Path, event_name: str, payload: dict[str, Any], *,
                  ref: str = "", sha: str = "", inputs: dict[str, str] | None = None,
                  env: dict[str, str] | None = None) -> Run:
        """The check step, from ``workspace``, for one event; ``ref``/``sha`` are GITHUB_REF/SHA;
        ``env`` holds what the workflow adds to the step's environment (secrets)."""
        tmp.mkdir(parents=True, exist_ok=True)
        event_path, output, summary = tmp / "event.json", tmp / "github_output", tmp / "step_summary.md"
        event_path.write_text(json.dumps(payload, indent=2))
        for path in (output, summary):
            path.write_text("")
        env = {
            **git_env(), "PATH": f"{self.venv_bin}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event_path), "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_WORKSPACE": str(workspace), "GITHUB_REF": ref, "GITHUB_SHA": sha,
            "GITHUB_REPOSITORY": str((payload.get("repository") or {}).get("full_name", "")),
            "GITHUB_ACTION_PATH": str(REPO), "RUNNER_TEMP": str(tmp), "BYOK_CI_CACHE_DIR": str(tmp / "cache"),
            **self.env, **(env or {}), **self.step_env(inputs or {}),
        }
        done = subprocess.run(["bash", "-e", "-c", self.step("check")["run"]], cwd=workspace, env=env,
                              capture_output=True, text=True)
        return Run(done, read_outputs(output.read_text()), summary.read_text(), workspace)


def read_outputs(text: str) -> dict[str, str]:
    """``$GITHUB_OUTPUT`` as the runner parses it: ``name=value`` and ``name<<EOF`` blocks."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, marker = line.split("<<", 1)
            body = []
            for part in lines:
                if part == marker:
                    break
                body.append(part)
            outputs[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


@dataclass
class PreCommit:
    """The real pre-commit, with byok-ci installed into its hook environment from a wheelhouse."""

    hook_repo: Path
    env: dict[str, str]

    def install(self, work: GitRepo, hook_id: str = "byok-ci-push") -> None:
        """A ``.pre-commit-config.yaml`` naming the hook repository at its commit, committed,
        and ``pre-commit install --hook-type pre-push``."""
        rev = GitRepo(self.hook_repo, init=False).git("rev-parse", "HEAD")
        work.write(".pre-commit-config.yaml",
                   f"repos:\n  - repo: {self.hook_repo}\n    rev: {rev}\n    hooks:\n      - id: {hook_id}\n")
        work.git("add", ".pre-commit-config.yaml")
        done = self.run(work.path, "install", "--hook-type", "pre-push")
        assert done.returncode == 0, done.stdout + done.stderr

    def run(self, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, capture_output=True, text=True,
                              env=self.env)

    def push(self, work: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
        """``git push ARGS`` from ``work``: git runs the installed pre-push hook."""
        return subprocess.run(["git", "push", *args], cwd=work.path, capture_output=True, text=True, env=self.env)


_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||!|\(|\))"
                    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.-]*))")


def expression(text: str, context: dict[str, Any]) -> Any:
    """A GitHub Actions ``${{ }}`` expression of literals, context names, ``!``, ``==``,
    ``!=``, ``&&``, ``||`` and parentheses, evaluated as the runner does: ``&&``/``||``
    return an operand, and false, 0, -0, '' and null are falsy (so ``cond && 0 || 1`` is
    always 1); strings compare case-insensitively."""
    tokens = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        assert match and match.end() > position, f"cannot read {text[position:]!r}"
        tokens.append(match)
        position = match.end()
    at = [0]

    def peek() -> str:
        return tokens[at[0]].group("op") or "" if at[0] < len(tokens) else ""

    def primary() -> Any:
        token = tokens[at[0]]
        at[0] += 1
        if token.group("op") == "(":
            value = either()
            at[0] += 1
            return value
        if token.group("op") == "!":
            return not truthy(primary())
        if token.group("str") is not None:
            return token.group("str")[1:-1].replace("''", "'")
        if token.group("num") is not None:
            return float(token.group("num"))
        word = token.group("word")
        if word in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[word]
        value: Any = context
        for name in word.split("."):
            value = value.get(name) if isinstance(value, dict) else None
        return value

    def equality() -> Any:
        left = primary()
        while peek() in ("==", "!="):
            op = peek()
            at[0] += 1
            right = primary()
            same = (left.lower() == right.lower() if isinstance(left, str) and isinstance(right, str)
                    else left == right)
            left = same if op == "==" else not same
        return left

    def both() -> Any:
        left = equality()
        while peek() == "&&":
            at[0] += 1
            right = equality()
            left = right if truthy(left) else left
        return left

    def either() -> Any:
        left = both()
        while peek() == "||":
            at[0] += 1
            right = both()
            left = left if truthy(left) else right
        return left

    return either()


def truthy(value: Any) -> bool:
    return value not in (False, 0, "", None)


def with_inputs(step: dict[str, Any], context: dict[str, Any]) -> dict[str, str]:
    """A step's ``with:`` as the action sees it: ``${{ }}`` evaluated, numbers as strings."""
    inputs = {}
    for name, raw in (step.get("with") or {}).items():
        text = str(raw)
        whole = re.fullmatch(r"\$\{\{(.*)\}\}", text.strip(), re.S)
        if whole:
            value = expression(whole.group(1), context)
            text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        inputs[name] = text
    return inputs
