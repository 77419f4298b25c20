"""`byok-ci drift`: exit codes, formats (text, JSON checks, JUnit per environment), audit log."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
import xmlschema
from click.testing import CliRunner, Result

from byok_ci.cli import main
from byok_ci.rules import RuleSet
from tests.drift.conftest import Keys, make_keys, name, variable
from tests.drift.fake_provider import FakeProviders

SCHEMA = xmlschema.XMLSchema(str(Path(__file__).resolve().parent.parent / "data" / "junit-10-file-line.xsd"))
PROVIDERS = ["openai", "anthropic"]


def write_manifest(root: Path, providers: list[str], base_url: str | None = None) -> None:
    lines = ["version: 1", "project: acme", "keys:"]
    for p in providers:
        lines += [f"  - name: {name(p)}", "    env: prod", f"    provider: {p}", f"    secret: env://{variable(p)}"]
        if base_url:
            lines.append(f"    base_url: {base_url}/{p}")
    (root / "byok.yaml").write_text("\n".join(lines) + "\n")


@pytest.fixture
def setup(tmp_path: Path, fake: FakeProviders, shipped_rules: RuleSet, rng: random.Random) -> Keys:
    keys = make_keys(shipped_rules, rng, PROVIDERS)
    fake.valid_keys.update(keys.by_provider.values())
    write_manifest(tmp_path, PROVIDERS)
    return keys


def drift(tmp_path: Path, fake: FakeProviders, keys: Keys, *args: str, env: dict[str, str] | None = None,
          base_urls: bool = True) -> Result:
    argv = ["drift", "--env", "prod", "--allow-insecure-loopback", "--timeout", "5"]
    if base_urls:
        for p in PROVIDERS:
            argv += ["--base-url", f"{name(p)}={fake.base(p)}"]
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        return CliRunner().invoke(main, [*argv, *args], env={**keys.environ, **(env or {})}, catch_exceptions=False)
    finally:
        os.chdir(old)


def test_all_pass_exits_0(tmp_path: Path, fake: FakeProviders, setup: Keys) -> None:
    result = drift(tmp_path, fake, setup)
    assert result.exit_code == 0, result.output
    assert "drift/prod: 6 passed, 0 failed\n" in result.stdout and "6 checks: 6 passed, 0 failed (" in result.stdout


def test_failure_exits_1_with_checks_and_findings_in_json(tmp_path: Path, fake: FakeProviders, setup: Keys) -> None:
    fake.modes["openai"] = "revoked"
    result = drift(tmp_path, fake, setup, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert list(data)[:4] == ["version", "tool", "command", "checks"] and data["command"] == "drift"
    assert {"env": "prod", "key": name("openai"), "provider": "openai", "probe": "real", "outcome": "fail",
            "status": 401} == {k: v for k, v in data["checks"][0].items() if k != "reason"}
    assert [f["rule_id"] for f in data["findings"]] == ["drift.real-key-refused"]
    assert data["findings"][0]["path"] == "byok.yaml" and data["findings"][0]["line"] == 4


def test_inconclusive_exits_4_and_strict_exits_1(tmp_path: Path, fake: FakeProviders, setup: Keys) -> None:
    fake.modes["anthropic"] = "500"
    assert drift(tmp_path, fake, setup).exit_code == 4
    assert drift(tmp_path, fake, setup, "--strict").exit_code == 1


def test_junit_has_a_suite_per_environment(tmp_path: Path, fake: FakeProviders, setup: Keys) -> None:
    fake.modes["openai"] = "bypass"
    fake.modes["anthropic"] = "500"
    result = drift(tmp_path, fake, setup, "--junit", "drift.xml", "--json", "drift.json", "-q")
    assert result.exit_code == 1
    xml = (tmp_path / "drift.xml").read_text()
    SCHEMA.validate(xml)
    assert 'name="drift/prod"' in xml and f'name="prod / {name("openai")} / real key accepted"' in xml
    assert 'type="drift.invalid-key-accepted"' in xml and "<skipped" in xml
    assert json.loads((tmp_path / "drift.json").read_text())["command"] == "drift"
    assert "passed" not in result.stdout and "drift.invalid-key-accepted" in result.stdout


def test_usage_errors_exit_2(tmp_path: Path, fake: FakeProviders, setup: Keys) -> None:
    assert drift(tmp_path, fake, setup, "--base-url", "nonsense").exit_code == 2
    assert drift(tmp_path, fake, setup, "--manifest", "missing.yaml").exit_code == 2
    result = drift(tmp_path, fake, setup, "--key", "acme-prod-nope")
    assert result.exit_code == 2 and "no key named 'acme-prod-nope'" in result.stderr
    assert CliRunner().invoke(main, ["drift"]).exit_code == 2


def test_manifest_base_url_via_environment_allowlist(tmp_path: Path, fake: FakeProviders, setup: Keys) -> None:
    write_manifest(tmp_path, PROVIDERS, base_url=fake.url)
    refused = drift(tmp_path, fake, setup, base_urls=False)
    assert refused.exit_code == 2 and "not on the allowlist" in refused.stderr and fake.hits == []
    allowed = drift(tmp_path, fake, setup, base_urls=False, env={"BYOK_CI_ALLOW_HOSTS": f"127.0.0.1:{fake.port}"})
    assert allowed.exit_code == 0, allowed.output


def test_base_url_from_environment(tmp_path: Path, fake: FakeProviders, setup: Keys) -> None:
    env = {f"BYOK_CI_BASE_URL_ACME_PROD_{p.upper()}": fake.base(p) for p in PROVIDERS}
    assert drift(tmp_path, fake, setup, base_urls=False, env=env).exit_code == 0


def test_audit_log_appends_json_lines(tmp_path: Path, fake: FakeProviders, setup: Keys) -> None:
    drift(tmp_path, fake, setup, "--audit-log", "audit.jsonl")
    drift(tmp_path, fake, setup, "--audit-log", "audit.jsonl")
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    assert len(lines) == 12 and all(json.loads(line)["env"] == "prod" for line in lines)
    assert not any(key in "\n".join(lines) for key in setup.by_provider.values())


def test_sarif_and_github_serve_drift_findings(tmp_path: Path, fake: FakeProviders, setup: Keys) -> None:
    fake.modes["openai"] = "revoked"
    result = drift(tmp_path, fake, setup, "--format", "github", "--sarif", "drift.sarif")
    assert result.exit_code == 1
    assert result.stdout.startswith("::error file=byok.yaml,line=4") and "drift.real-key-refused" in result.stdout
    sarif = json.loads((tmp_path / "drift.sarif").read_text())
    from tests.report.test_sarif import validate

    validate(sarif)
    (rule,) = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert rule["id"] == "drift.real-key-refused" and "refused" in rule["shortDescription"]["text"]


def test_a_key_that_could_not_be_probed_is_an_error_in_every_format(tmp_path: Path, fake: FakeProviders,
                                                                    setup: Keys) -> None:
    """Secret unavailable: the run is incomplete (exit 2), and text, JSON, JUnit and the
    summary all call the key's checks "error"; none calls them inconclusive."""
    from junitparser import Error, JUnitXml

    missing = Keys({"openai": setup.by_provider["openai"]})
    result = drift(tmp_path, fake, missing, "--junit", "drift.xml", "--json", "drift.json", "--no-color")
    assert result.exit_code == 2, result.output
    mine = [line for line in result.stdout.splitlines() if name("anthropic") in line]
    assert len(mine) == 3 and all(line.split()[0] == "ERROR" for line in mine), result.stdout
    assert "inconclusive" not in result.stdout.lower() and "3 errors" in result.stdout
    data = json.loads((tmp_path / "drift.json").read_text())
    assert {c["outcome"] for c in data["checks"] if c["key"] == name("anthropic")} == {"error"}
    assert data["stats"]["checks"]["error"] == 3 and data["stats"]["checks"]["inconclusive"] == 0
    xml = (tmp_path / "drift.xml").read_text()
    SCHEMA.validate(xml)
    (suite,) = list(JUnitXml.fromstring(xml))
    errored = [c for c in suite if any(isinstance(r, Error) for r in c.result)]
    assert sorted(c.name for c in errored) == sorted(f"prod / {name('anthropic')} / {title}" for title in
                                                     ("real key accepted", "invalid key refused",
                                                      "request without a key refused"))
    assert suite.errors == 3 and suite.skipped == 0


def test_junit_testcase_names_are_the_same_in_every_run(tmp_path: Path, fake: FakeProviders, setup: Keys) -> None:
    """A checklist compares runs by testcase name: whether a key passed, failed or could
    not be probed, its testcases keep their names, and no name holds a message."""
    from junitparser import JUnitXml

    def names(keys: Keys) -> list[str]:
        drift(tmp_path, fake, keys, "--junit", "drift.xml")
        return sorted(c.name for suite in JUnitXml.fromfile(str(tmp_path / "drift.xml")) for c in suite)

    passing = names(setup)
    fake.modes["openai"] = "revoked"
    assert names(setup) == passing
    assert names(Keys({"openai": setup.by_provider["openai"]})) == passing
    assert not [n for n in passing if ":" in n or "not set" in n]


def _testcases(xml: str) -> list[tuple[object, ...]]:
    """Every testcase as a checklist sees it: suite, name, classname, file, line, and what
    its result says (the time aside)."""
    import xml.etree.ElementTree as ET

    cases = []
    for suite in ET.fromstring(xml).iter("testsuite"):
        for case in suite.iter("testcase"):
            results = tuple((r.tag, r.get("type"), r.get("message"), r.text) for r in case)
            cases.append((suite.get("name"), case.get("name"), case.get("classname"), case.get("file"),
                          case.get("line"), results))
    return cases


def check_drift(tmp_path: Path, fake: FakeProviders, keys: Keys, *args: str) -> Result:
    env = {f"BYOK_CI_BASE_URL_ACME_PROD_{p.upper()}": fake.base(p) for p in PROVIDERS}
    argv = ["check", "--run", "drift", "--drift-env", "prod", "--allow-insecure-loopback", "--timeout", "5", *args]
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        return CliRunner().invoke(main, argv, env={**keys.environ, **env}, catch_exceptions=False)
    finally:
        os.chdir(old)


def test_drift_and_check_give_the_same_junit_testcases(tmp_path: Path, fake: FakeProviders, setup: Keys) -> None:
    """One result model: the same probe is the same testcase whichever command ran it
    (suite drift/<env>, testcase <env> / <key> / <probe>)."""
    fake.modes["openai"] = "bypass"
    fake.modes["anthropic"] = "500"
    assert drift(tmp_path, fake, setup, "--junit", "drift.xml").exit_code == 1
    assert check_drift(tmp_path, fake, setup, "--junit", "check.xml").exit_code == 1
    from_drift = _testcases((tmp_path / "drift.xml").read_text())
    from_check = _testcases((tmp_path / "check.xml").read_text())
    assert len(from_drift) == 6 and {c[0] for c in from_drift} == {"drift/prod"}
    assert from_drift == from_check
    kinds = {case[1]: [r[0] for r in case[5]] for case in from_drift}
    assert kinds[f"prod / {name('openai')} / invalid key refused"] == ["failure"]
    assert kinds[f"prod / {name('anthropic')} / real key accepted"] == ["skipped"]


def test_check_with_inconclusive_drift_exits_4_unless_it_fails_on_them(tmp_path: Path, fake: FakeProviders,
                                                                      setup: Keys) -> None:
    """Exit codes are one contract: some checks inconclusive and none failed is 4, for check
    as for drift; --fail-on inconclusive makes them failures."""
    fake.modes["anthropic"] = "500"
    outputs = tmp_path / "outputs"
    assert drift(tmp_path, fake, setup).exit_code == 4
    result = check_drift(tmp_path, fake, setup)
    assert result.exit_code == 4, result.output
    failing = check_drift(tmp_path, fake, setup, "--fail-on", "drift,inconclusive")
    assert failing.exit_code == 1, failing.output
    os.environ["GITHUB_OUTPUT"] = str(outputs)
    try:
        assert check_drift(tmp_path, fake, setup).exit_code == 4
    finally:
        del os.environ["GITHUB_OUTPUT"]
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    assert values["result"] == "inconclusive" and values["inconclusive"] == "3"
