"""One path per finding, relative to the report root (the git work tree's root), in every
format and from any directory: what GitHub code scanning, annotations and baselines need."""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result

from byok_ci.cli import main
from byok_ci.paths import report_root, shown_path
from byok_ci.rules import RuleSet
from tests.conftest import REPO, key_for
from tests.gitrepo import GIT_ENV, GitRepo
from tests.manifest.conftest import MANIFESTS

SARIF_SCHEMA = json.loads((REPO / "tests" / "data" / "sarif-2.1.0.json").read_text())


def invoke(args: list[str], cwd: Path, stdin: str | None = None) -> Result:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, args, input=stdin, catch_exceptions=False,
                                  env={**GIT_ENV, "NO_COLOR": "1", "BYOK_CI_CONFIG": None})
    finally:
        os.chdir(old)


def paths_in(result: Result) -> list[str]:
    assert result.exit_code == 1, result.output
    return [f["path"] for f in json.loads(result.stdout)["findings"]]


@pytest.fixture
def repo(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.write("src/app.py", f'KEY = "{key_for(shipped_rules, "openai.project-key", rng)}"\n')
    repo.write("README.md", "hello\n")
    repo.commit("leak")
    return repo


# The report root itself.

def test_report_root_is_the_work_tree_root_inside_git(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "src").mkdir()
    (tmp_path / "repo" / "src" / "app.py").write_text("x\n")
    src = tmp_path / "repo" / "src"
    assert report_root(["."], cwd=src) == tmp_path / "repo"
    assert report_root(["app.py"], cwd=src) == tmp_path / "repo"
    assert report_root(["-"], cwd=src) == tmp_path / "repo"
    assert report_root([], cwd=src) == tmp_path / "repo"


def test_report_root_outside_git_is_here_or_the_scanned_directory(tmp_path: Path) -> None:
    (tmp_path / "here" / "sub").mkdir(parents=True)
    (tmp_path / "other").mkdir()
    here = tmp_path / "here"
    assert report_root(["sub"], cwd=here) == here  # inside the current directory: as before
    assert report_root(["../other"], cwd=here) == tmp_path / "other"
    assert report_root(["../other/x.py"], cwd=here) == tmp_path / "other"
    assert shown_path(tmp_path / "other" / "x.py", tmp_path / "other") == "x.py"
    assert shown_path(tmp_path / "elsewhere.py", here) == (tmp_path / "elsewhere.py").as_posix()


# Every format names the file the same way, from any directory.

def test_scan_from_a_subdirectory_reports_repository_paths_in_every_format(repo: GitRepo) -> None:
    src = repo.path / "src"
    result = invoke(["scan", ".", "--format", "json", "--sarif", "r.sarif", "--junit", "r.xml"], src)
    assert paths_in(result) == ["src/app.py"]
    sarif = json.loads((src / "r.sarif").read_text())
    jsonschema.validate(sarif, SARIF_SCHEMA, cls=jsonschema.Draft4Validator)
    run = sarif["runs"][0]
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "src/app.py", "uriBaseId": "%SRCROOT%"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.path.as_uri() + "/"
    cases = ET.parse(src / "r.xml").getroot().iter("testcase")
    assert [c.get("file") for c in cases if c.find("failure") is not None] == ["src/app.py"]
    annotations = invoke(["scan", "app.py", "--format", "github"], src)
    assert annotations.stdout.startswith("::error file=src/app.py,line=1")


def test_the_same_paths_from_the_root_a_subdirectory_and_for_one_file(repo: GitRepo) -> None:
    assert paths_in(invoke(["scan", "--format", "json"], repo.path)) == ["src/app.py"]
    assert paths_in(invoke(["scan", "--format", "json", "app.py"], repo.path / "src")) == ["src/app.py"]
    (repo.path / "docs").mkdir()
    assert paths_in(invoke(["scan", "--format", "json", "../src"], repo.path / "docs")) == ["src/app.py"]


def test_standard_input_and_errors(repo: GitRepo) -> None:
    src = repo.path / "src"
    text = (src / "app.py").read_text()
    assert paths_in(invoke(["scan", "--format", "json", "-"], src, stdin=text)) == ["<stdin>"]
    missing = invoke(["scan", "--format", "json", "missing.py"], src)
    assert missing.exit_code == 2 and json.loads(missing.stdout)["errors"][0]["path"] == "src/missing.py"


def test_scanning_another_directory_outside_git_names_files_inside_it(tmp_path: Path, shipped_rules: RuleSet,
                                                                       rng: random.Random) -> None:
    (tmp_path / "here").mkdir()
    (tmp_path / "other" / "pkg").mkdir(parents=True)
    (tmp_path / "other" / "pkg" / "x.py").write_text(f'K = "{key_for(shipped_rules, "groq.api-key", rng)}"\n')
    assert paths_in(invoke(["scan", "--format", "json", "../other"], tmp_path / "here")) == ["pkg/x.py"]


def test_git_modes_from_a_subdirectory(repo: GitRepo, shipped_rules: RuleSet, rng: random.Random) -> None:
    repo.write("src/new.py", f'K = "{key_for(shipped_rules, "groq.api-key", rng)}"\n')
    repo.git("add", "src/new.py")
    src = repo.path / "src"
    assert paths_in(invoke(["scan", "--staged", "--format", "json"], src)) == ["src/new.py"]
    assert paths_in(invoke(["scan", "--history", "--format", "json"], src)) == ["src/app.py"]


def test_archive_members_keep_the_bang_form_and_sarif_points_at_the_archive(repo: GitRepo, shipped_rules: RuleSet,
                                                                            rng: random.Random) -> None:
    wheel = io.BytesIO()
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("pkg/x.py", f'K = "{key_for(shipped_rules, "groq.api-key", rng)}"\n')
    (repo.path / "dist").mkdir()
    (repo.path / "dist" / "app.whl").write_bytes(wheel.getvalue())
    src = repo.path / "src"
    result = invoke(["scan", "../dist", "--format", "json", "--sarif", "r.sarif"], src)
    assert paths_in(result) == ["dist/app.whl!pkg/x.py"]
    sarif = json.loads((src / "r.sarif").read_text())
    jsonschema.validate(sarif, SARIF_SCHEMA, cls=jsonschema.Draft4Validator)
    (found,) = sarif["runs"][0]["results"]
    (location,) = found["locations"]
    assert location["physicalLocation"]["artifactLocation"] == {"uri": "dist/app.whl", "uriBaseId": "%SRCROOT%"}
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "dist/app.whl!pkg/x.py"
    assert "dist/app.whl!pkg/x.py, line 1" in found["message"]["text"]


def test_exclude_globs_match_the_reported_path(repo: GitRepo) -> None:
    src = repo.path / "src"
    result = invoke(["scan", ".", "--exclude", "src/app.py"], src)
    assert result.exit_code == 0, result.output


# Manifest and drift findings.

def test_manifest_and_workflow_paths_from_a_subdirectory(tmp_path: Path) -> None:
    shutil.copytree(MANIFESTS / "workflow", tmp_path, dirs_exist_ok=True)
    (tmp_path / ".git").mkdir()
    (tmp_path / "src").mkdir()
    result = invoke(["manifest", "check", "--today", "2026-11-27", "--format", "json"], tmp_path / "src")
    assert paths_in(result) == [".github/workflows/deploy.yml"]
    shutil.copy(MANIFESTS / "naming.yaml", tmp_path / "byok.yaml")
    result = invoke(["manifest", "check", "--today", "2026-11-27", "--format", "json"], tmp_path / "src")
    assert set(paths_in(result)) == {"byok.yaml"}
    result = invoke(["manifest", "check", "--manifest", "../byok.yaml", "--today", "2026-11-27", "--format", "json"],
                    tmp_path / "src")
    assert "byok.yaml" in paths_in(result)


def test_drift_names_the_manifest_from_the_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "src").mkdir()
    (tmp_path / "byok.yaml").write_text(
        "version: 1\nproject: acme\nkeys:\n  - name: acme-prod-openai\n    env: prod\n    provider: openai\n"
        "    secret: env://ACME_NOT_SET_ANYWHERE\n")
    result = invoke(["drift", "--manifest", "../byok.yaml", "--env", "prod", "--format", "json"], tmp_path / "src")
    errors = json.loads(result.stdout)["errors"]
    assert result.exit_code == 2 and [e["path"] for e in errors] == ["byok.yaml"]


# Baselines bound to paths hold from any directory.

@pytest.mark.parametrize("git_mode", [False, True])
def test_a_baseline_made_at_the_root_holds_in_a_subdirectory(repo: GitRepo, git_mode: bool) -> None:
    created = invoke(["baseline", "create", "--bind-paths"], repo.path)
    assert created.exit_code == 0, created.output
    entry = next(iter(json.loads((repo.path / ".byok-ci-baseline.json").read_text())["entries"].values()))
    assert entry["paths"] == ["src/app.py"]
    mode = ["--history"] if git_mode else ["."]
    src = repo.path / "src"
    held = invoke(["scan", *mode, "--baseline", "../.byok-ci-baseline.json", "--format", "json"], src)
    assert held.exit_code == 0, held.output
    assert json.loads(held.stdout)["stats"]["baselined"] == 1


@pytest.mark.parametrize("git_mode", [False, True])
def test_a_baseline_made_in_a_subdirectory_holds_at_the_root(repo: GitRepo, git_mode: bool) -> None:
    src = repo.path / "src"
    created = invoke(["baseline", "create", "--bind-paths", "--output", "base.json", "."], src)
    assert created.exit_code == 0, created.output
    entry = next(iter(json.loads((src / "base.json").read_text())["entries"].values()))
    assert entry["paths"] == ["app.py"]  # relative to the baseline file, as before
    mode = ["--history"] if git_mode else []
    held = invoke(["scan", *mode, "--baseline", "src/base.json", "--format", "json"], repo.path)
    assert held.exit_code == 0, held.output
    # The same baseline from the subdirectory itself.
    held = invoke(["scan", *mode, "--baseline", "base.json", "--format", "json"], src)
    assert held.exit_code == 0, held.output


def test_ignore_file_warnings_name_it_relative_to_the_root(repo: GitRepo) -> None:
    (repo.path / ".byok-ci-ignore").write_text("0123456789abcdef expires=2020-01-01 old\n")
    result = invoke(["scan", ".", "--format", "json"], repo.path / "src")
    assert json.loads(result.stdout)["warnings"][0]["path"] == ".byok-ci-ignore"
