"""`byok-ci check` outside GitHub: jobs from options or config, one combined report."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from pathlib import Path

import pytest
import xmlschema
from click.testing import CliRunner
from junitparser import JUnitXml

from byok_ci.cli import main
from byok_ci.rules import RuleSet
from tests.conftest import key_for

SCHEMA = xmlschema.XMLSchema(str(Path(__file__).resolve().parent / "data" / "junit-10-file-line.xsd"))


def manifest(today: dt.date) -> str:
    rotated = (today - dt.timedelta(days=10)).isoformat()
    return f"""version: 1
project: acme
keys:
  - name: acme-prod-openai
    env: prod
    provider: openai
    secret: env://OPENAI_API_KEY
    owner: ml-platform
    scopes: [models.read]
    rotated: {rotated}
  - name: acme-staging-openai
    env: staging
    provider: openai
    secret: env://OPENAI_API_KEY_STAGING
    owner: ml-platform
    scopes: [models.read]
    rotated: {rotated}
"""


@pytest.fixture
def tree(tmp_path: Path, shipped_rules: RuleSet) -> Path:
    (tmp_path / "app.py").write_text(f'KEY = "{key_for(shipped_rules, "groq.api-key", random.Random(2))}"\n')
    (tmp_path / "byok.yaml").write_text(manifest(dt.date.today()))
    return tmp_path


def invoke(cwd: Path, args: list[str]):  # type: ignore[no-untyped-def]
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, args, catch_exceptions=False)
    finally:
        os.chdir(old)


def test_default_jobs_scan_and_manifest_one_junit(tree: Path) -> None:
    result = invoke(tree, ["check", "--junit", "r.xml", "--json", "r.json", "--sarif", "r.sarif"])
    assert result.exit_code == 1, result.output
    xml = (tree / "r.xml").read_text()
    SCHEMA.validate(xml)
    suites = {s.name: s for s in JUnitXml.fromstring(xml)}
    assert {"scan", "manifest/prod", "manifest/staging"} <= set(suites)
    assert suites["scan"].failures == 1 and suites["manifest/prod"].failures == 0
    data = json.loads((tree / "r.json").read_text())
    assert data["command"] == "check" and [f["rule_id"] for f in data["findings"]] == ["groq.api-key"]


def test_fail_on_policy_only_passes_with_a_leak(tree: Path) -> None:
    assert invoke(tree, ["check", "--fail-on", "policy"]).exit_code == 0


def test_config_section_chooses_the_jobs(tree: Path) -> None:
    (tree / ".byok-ci.yaml").write_text("check:\n  run: [manifest]\n")
    result = invoke(tree, ["check", "--json", "r.json"])
    assert result.exit_code == 0, result.output
    assert json.loads((tree / "r.json").read_text())["findings"] == []


@pytest.mark.parametrize("args", [["check", "--run", "lint"], ["check", "--fail-on", "everything"]])
def test_usage_errors(tree: Path, args: list[str]) -> None:
    assert invoke(tree, args).exit_code == 2


def test_artifacts_job_has_its_own_suite(tree: Path, shipped_rules: RuleSet) -> None:
    import zipfile

    (tree / "dist").mkdir()
    with zipfile.ZipFile(tree / "dist" / "app.whl", "w") as wheel:
        wheel.writestr("app/settings.py", f"K = '{key_for(shipped_rules, 'xai.api-key', random.Random(3))}'\n")
    result = invoke(tree, ["check", "--run", "artifacts", "--artifacts", "dist", "--junit", "r.xml"])
    assert result.exit_code == 1
    (suite,) = JUnitXml.fromstring((tree / "r.xml").read_text())
    assert suite.name == "artifacts" and "dist/app.whl!app/settings.py" in (tree / "r.xml").read_text()


def test_range_outside_github(tmp_path: Path, shipped_rules: RuleSet, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.gitrepo import GitRepo, git_env

    for name, value in git_env().items():
        monkeypatch.setenv(name, value)
    repo = GitRepo(tmp_path / "r")
    repo.write("a.txt", "a\n")
    base = repo.commit("a")
    repo.write("b.env", f"K={key_for(shipped_rules, 'perplexity.api-key', random.Random(4))}\n")
    repo.commit("b")
    result = invoke(repo.path, ["check", "--run", "scan", "--range", f"{base}..HEAD", "--format", "json"])
    assert result.exit_code == 1
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["path"] == "b.env" and finding["commit"]


def test_a_drift_key_that_could_not_be_probed_is_an_error_everywhere(tree: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """No secret for the prod key: the run is incomplete (2, "incomplete"), JUnit has error
    testcases named by env, key and probe, and the summary counts errors, not inconclusive."""
    from junitparser import Error

    for name in ("OPENAI_API_KEY", "BYOK_CI_SECRET_ACME_PROD_OPENAI"):
        monkeypatch.delenv(name, raising=False)
    summary, outputs = tree / "summary.md", tree / "outputs"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    result = invoke(tree, ["check", "--run", "drift", "--drift-env", "prod", "--junit", "r.xml", "--json", "r.json"])
    assert result.exit_code == 2, result.output
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    assert values["result"] == "incomplete" and values["inconclusive"] == "0"
    (suite,) = JUnitXml.fromstring((tree / "r.xml").read_text())
    assert (suite.name, suite.tests, suite.errors, suite.skipped) == ("drift/prod", 3, 3, 0)
    assert all(any(isinstance(r, Error) for r in case.result) for case in suite)
    assert [case.name for case in suite] == [f"prod / acme-prod-openai / {title}" for title in
                                             ("real key accepted", "invalid key refused", "request without a key refused")]
    assert json.loads((tree / "r.json").read_text())["stats"]["checks"]["error"] == 3
    text = summary.read_text()
    assert "| suite | passed | failed | warning | inconclusive | skipped | error |" in text
    assert "| drift/prod | 0 | 0 | 0 | 0 | 0 | 3 |" in text
    assert "| prod | acme-prod-openai | error | error | error |" in text


def test_drift_matrix_lists_probes_in_the_order_they_run() -> None:
    from byok_ci.model import PROBE_TITLES, Check, DriftProbe, Report
    from byok_ci.report.github import drift_matrix

    kinds = ["metadata", "no-auth", "real", "invalid"]
    report = Report("check", checks=[Check("drift/prod", f"prod / k / {PROBE_TITLES[k]}", "passed",
                                           drift=DriftProbe("prod", "k", "openai", k)) for k in kinds])
    header = drift_matrix(report).splitlines()[0]
    assert header == ("| environment | key | real key accepted | invalid key refused | request without a key refused "
                      "| key metadata matches the manifest |")


def test_scan_testcase_names_stay_the_same_when_the_tree_changes(tree: Path) -> None:
    (tree / "app.py").write_text("print('no key here')\n")

    def scan_names() -> list[str]:
        assert invoke(tree, ["check", "--run", "scan", "--junit", "r.xml"]).exit_code == 0
        (suite,) = JUnitXml.fromstring((tree / "r.xml").read_text())
        return [case.name for case in suite]

    first = scan_names()
    (tree / "more.py").write_text("print('still no key')\n")
    assert scan_names() == first == ["no leaks found"]


def test_a_scan_that_could_not_run_is_one_error_testcase(tmp_path: Path) -> None:
    """Commits outside the checkout: the scan job is one error testcase (`scan incomplete`, naming
    what could not be scanned), not that and a second one for the same error."""
    from junitparser import Error

    result = invoke(tmp_path, ["check", "--run", "scan", "--range", "HEAD~1..HEAD", "--junit", "r.xml"])
    assert result.exit_code == 2, result.output
    xml = (tmp_path / "r.xml").read_text()
    SCHEMA.validate(xml)
    cases = [(suite.name, case.name) for suite in JUnitXml.fromstring(xml) for case in suite
             if any(isinstance(r, Error) for r in case.result)]
    assert cases == [("scan", "scan incomplete")]
    assert "could not scan git: " in xml


def test_a_raw_key_outside_the_key_entries_fails_check(tree: Path, shipped_rules: RuleSet) -> None:
    """The manifest-wide suite `manifest` (inline-secret, schema) fails the run as
    `manifest/<env>` does: a key pasted in a comment of byok.yaml is exit 1, not 0."""
    key = key_for(shipped_rules, "openai.project-key", random.Random(5))
    (tree / "byok.yaml").write_text(f"# old key, do not use: {key}\n" + manifest(dt.date.today()))
    outputs = tree / "outputs"
    os.environ["GITHUB_OUTPUT"] = str(outputs)
    try:
        result = invoke(tree, ["check", "--run", "manifest", "--junit", "r.xml"])
    finally:
        del os.environ["GITHUB_OUTPUT"]
    assert result.exit_code == 1, result.output
    suites = {s.name: s for s in JUnitXml.fromstring((tree / "r.xml").read_text())}
    assert suites["manifest"].failures == 1
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    assert values["result"] == "fail" and values["policy-failures"] == "1"
    assert key not in result.output and key not in outputs.read_text()


@pytest.mark.parametrize("before", ["0" * 40, "base", "gitlab"])
def test_a_tag_push_in_ci_scans_the_tags_name_and_message(tmp_path: Path, shipped_rules: RuleSet,
                                                           monkeypatch: pytest.MonkeyPatch, before: str) -> None:
    """A tag's push event scans its commits (a new tag: those no other ref holds; a moved
    one: the range) and the tag itself, as a push hook does; a range alone is commits.
    GitLab's tag pipeline likewise."""
    from tests.realclient.gitlab import variables

    from byok_ci.check import CheckOptions, run_check
    from byok_ci.config import Settings
    from tests.gitrepo import GitRepo

    rng = random.Random(3)
    in_name, in_message = (key_for(shipped_rules, "openai.project-key", rng) for _ in range(2))
    repo = GitRepo(tmp_path / "repo")
    base = repo.commit("base")
    head = repo.commit("head")
    repo.git("tag", "-a", f"v-{in_name}", head, "-m", f"release\n\nkey {in_message}")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"ref": f"refs/tags/v-{in_name}", "before": base if before == "base" else before,
                                 "after": head, "repository": {"default_branch": "main"}}))
    environ = {"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(event)}
    if before == "gitlab":
        environ = variables("push", sha=head, tag=f"v-{in_name}", project_dir=repo.path)
    monkeypatch.chdir(repo.path)
    report = run_check(CheckOptions(run=("scan",), environ=environ), Settings()).report
    assert sorted((f.found_in, f.line) for f in report.findings) == [("ref", 0), ("tag-message", 3)]
    assert in_name not in repr(report) and in_message not in repr(report)
