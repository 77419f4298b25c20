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
    assert "drift/prod" in result.stdout and "PASS" in result.stdout
    assert "6 passed, 0 failed, 0 inconclusive, 0 skipped (2 keys" in result.stdout


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
    assert "PASS" not in result.stdout and "FAIL" in result.stdout


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
    assert "INCONCLUSIVE" not in result.stdout and "0 inconclusive" in result.stdout and "3 errors" in result.stdout
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
