"""The CircleCI and Buildkite snippets of docs/circleci.md and docs/buildkite.md, run in a clone of a real remote:
their commands (minus the install, done once here), the range they pass and the JUnit file
the CI system is told to read."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
import xmlschema
import yaml

from byok_ci.rules import RuleSet
from tests.conftest import REPO, key_for
from tests.gitrepo import GitRepo, git_env
from tests.realclient.harness import Remote, developer

pytestmark = pytest.mark.slow

PAGES = {name: (REPO / "docs" / f"{name.lower()}.md").read_text() for name in ("Jenkins", "CircleCI", "Buildkite")}
BIN = Path(sys.executable).parent  # this test run's byok-ci
JUNIT = xmlschema.XMLSchema(str(REPO / "tests" / "data" / "junit-10-file-line.xsd"))


def block(header: str) -> dict:  # type: ignore[type-arg]
    """The YAML code block that follows ``## <header>``."""
    section = PAGES[header].split(f"## {header}", 1)[1]
    return yaml.safe_load(re.search(r"```yaml\n(.*?)```", section, re.S).group(1))  # type: ignore[union-attr]


def run_lines(lines: list[str], workspace: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    script = "\n".join(line for line in lines if "install -q byok-ci" not in line)  # installed here
    return subprocess.run(["bash", "-e", "-c", script], cwd=workspace, capture_output=True, text=True,
                          env={**git_env(), **env, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"})


@pytest.fixture
def clone(tmp_path: Path, shipped_rules: RuleSet) -> tuple[GitRepo, str]:
    """A CI checkout of a branch that adds a key on top of main (whose history has another)."""
    remote = Remote(tmp_path / "origin.git")
    dev = developer(remote, tmp_path / "dev")
    dev.write("old.env", f"ANTHROPIC_API_KEY={key_for(shipped_rules, 'anthropic.api-key', random.Random(7))}\n")
    dev.commit("old key")
    dev.git("rm", "-q", "old.env")
    dev.commit("removed")
    dev.git("push", "-q", "origin", "main")
    dev.git("checkout", "-q", "-b", "feature")
    dev.write("new.env", f"OPENAI_API_KEY={key_for(shipped_rules, 'openai.project-key', random.Random(8))}\n")
    dev.commit("new key")
    dev.git("push", "-q", "origin", "feature")
    GitRepo(tmp_path, init=False).git("clone", "-q", "--branch", "feature", remote.url, str(tmp_path / "ci"))
    return GitRepo(tmp_path / "ci", init=False), remote.sha("feature")


def findings(xml_path: Path) -> list[str]:
    JUNIT.validate(str(xml_path))
    text = xml_path.read_text()
    return sorted(set(re.findall(r'file="([^"]+)"', text)))


def test_circleci_snippet(clone: tuple[GitRepo, str]) -> None:
    repo, sha = clone
    job = block("CircleCI")["jobs"]["byok-ci"]
    lines = [line for step in job["steps"] if isinstance(step, dict) and "run" in step
             for line in step["run"].splitlines()]
    done = run_lines(lines, repo.path, {"CIRCLE_SHA1": sha, "CIRCLECI": "true"})
    assert done.returncode == 1, done.stderr
    (results,) = [step["store_test_results"]["path"] for step in job["steps"] if "store_test_results" in step]
    (xml,) = list((repo.path / results).glob("*.xml"))
    assert findings(xml) == ["new.env"]  # the branch's key, not main's old one


def test_buildkite_snippet(clone: tuple[GitRepo, str]) -> None:
    repo, sha = clone
    step = block("Buildkite")["steps"][0]
    lines = step["command"].replace("$$", "$").splitlines()  # Buildkite's own interpolation
    done = run_lines(lines, repo.path, {"BUILDKITE_COMMIT": sha, "BUILDKITE_PULL_REQUEST_BASE_BRANCH": "main"})
    assert done.returncode == 1, done.stderr
    assert findings(repo.path / step["artifact_paths"]) == ["new.env"]
    annotate = block("Buildkite")["steps"][2]["plugins"][0]
    assert next(iter(annotate.values()))["artifacts"] == step["artifact_paths"]


def test_jenkins_snippet(clone: tuple[GitRepo, str]) -> None:
    repo, _ = clone
    section = PAGES["Jenkins"].split("## Jenkins", 1)[1].split("## ", 1)[0]
    lines = re.findall(r"^\s*sh '(.*)'$", section, re.M)  # Groovy single quotes: the shell expands ${...}
    tmp = repo.path.parent / "workspace@tmp"  # Jenkins' WORKSPACE_TMP, with byok-ci installed
    (tmp / "byok" / "bin").mkdir(parents=True)
    (tmp / "byok" / "bin" / "byok-ci").symlink_to(BIN / "byok-ci")
    done = run_lines(lines, repo.path, {"CHANGE_TARGET": "main", "BRANCH_NAME": "PR-1", "WORKSPACE_TMP": str(tmp)})
    assert done.returncode == 1, done.stderr
    written = re.search(r"junit testResults: '([^']+)'", section).group(1)  # type: ignore[union-attr]
    assert findings(repo.path / written) == ["new.env"], done.stderr
