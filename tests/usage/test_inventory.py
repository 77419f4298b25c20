"""The inventory checks end to end: keys the provider does not list, disabled keys, keys matched
by the provider's redacted hint of their secret, and the fields every finding carries."""

from __future__ import annotations

import json
import random
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from byok_ci.rules import RuleSet
from byok_ci.usage import checks as c
from tests.conftest import key_for
from tests.usage.conftest import TODAY, Scenario, unix
from tests.usage.emulator import AnthropicKey, OpenAIKey

DEPENDENT = c.KEY_CHECKS[1:]  # what needs the provider's key: state, environment, idle, budget, spike, models
PREFIX = {"openai": "sk-proj-", "anthropic": "sk-ant-api03-"}
RULE = {"openai": "openai.project-key", "anthropic": "anthropic.api-key"}


def add_entry(scenario: Scenario, name: str, provider: str, *extra: str, env: str = "prod") -> int:
    """Append a key entry to the manifest; the line of its ``- name:``."""
    manifest = scenario.root / "byok.yaml"
    text = manifest.read_text()
    var = name.upper().replace("-", "_")
    lines = [f"  - name: {name}", f"    env: {env}", f"    provider: {provider}", f"    secret: env://{var}",
             "    owner: ml-platform", "    rotated: 2026-11-01", *(f"    {line}" for line in extra)]
    manifest.write_text(text + "\n".join(lines) + "\n")
    return text.count("\n") + 1


def line_of(scenario: Scenario, name: str) -> int:
    text = (scenario.root / "byok.yaml").read_text()
    return text[:text.index(f"  - name: {name}\n")].count("\n") + 1


def hint(provider: str, secret: str) -> str:
    """The provider's redacted form of a key, in its documented style (research §1.4, §2.4)."""
    head = len(PREFIX[provider]) + 3
    return f"{secret[:head]}...{secret[-4:]}"


def cases(path: Path, key: str) -> dict[str, ET.Element]:
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None
    return {case.get("name", "").rsplit(" / ", 1)[1]: case for case in suite.findall("testcase")
            if case.get("name", "").startswith(f"prod / {key} / ")}


def run_all(scenario: Scenario, key: str, *args: str, env: dict[str, str | None] | None = None
            ) -> tuple[int, str, dict, Path]:  # type: ignore[type-arg]
    out = scenario.root
    result = scenario.run("--env", "prod", "--key", key, "--json", str(out / "u.json"), "--junit", str(out / "u.xml"),
                          "--sarif", str(out / "u.sarif"), "--audit-log", "/dev/null", *args, env=env)
    return result.exit_code, result.output, json.loads((out / "u.json").read_text()), out / "u.xml"


# ---------------------------------------------------------------- usage.key-missing (gap 1)

@pytest.mark.parametrize("provider", ["openai", "anthropic"])
@pytest.mark.parametrize("by", ["provider_key_id", "name"])
def test_a_key_the_provider_does_not_list_is_missing_and_its_other_checks_say_why(
        scenario: Scenario, provider: str, by: str) -> None:
    extra = ["provider_key_id: key_Deleted" if provider == "openai" else "provider_key_id: apikey_Deleted"] \
        if by == "provider_key_id" else []
    line = add_entry(scenario, "acme-prod-gone", provider, "budget: {monthly_usd: 5}", "models: [m]", *extra)
    code, text, document, junit = run_all(scenario, "acme-prod-gone")
    assert code == 1, text

    (missing,) = [f for f in document["findings"] if f["rule_id"] == "usage.key-missing"]
    assert (missing["path"], missing["line"], missing["key"], missing["env"]) == ("byok.yaml", line, "acme-prod-gone",
                                                                                  "prod")
    assert ("has id" if by == "provider_key_id" else "is named acme-prod-gone") in missing["message"]
    checks = {ch["check"]: ch for ch in document["checks"] if ch["key"] == "acme-prod-gone"}
    for title in DEPENDENT:
        assert checks[title]["outcome"] == "skipped", title
        assert checks[title]["detail"] == "not checked: the key is not in the provider's inventory"
    # Only the inventory fails: nothing is judged of a key that is not there.
    assert {f["rule_id"] for f in document["findings"] if f["key"] == "acme-prod-gone"} == {"usage.key-missing"}
    # Text lists findings only: the finding names what was not checked.
    assert f"{line}:1  error  usage.key-missing" in text
    assert "not checked without it: " + ", ".join(DEPENDENT) in text
    # JUnit: every testcase of the key at its line; the dependent ones skipped with the reason.
    found = cases(junit, "acme-prod-gone")
    assert all(case.get("file") == "byok.yaml" and case.get("line") == str(line) for case in found.values())
    failure = found[c.INVENTORY].find("failure")
    assert failure is not None and failure.get("type") == "usage.key-missing"
    for title in DEPENDENT:
        skipped = found[title].find("skipped")
        assert skipped is not None and "the key is not in the provider's inventory" in skipped.get("message", "")
    sarif = json.loads((scenario.root / "u.sarif").read_text())
    (result,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "usage.key-missing"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == line


# ---------------------------------------------------------------- usage.key-disabled (gap 2)

@pytest.mark.parametrize("status", ["inactive", "archived", "expired"])
def test_an_anthropic_key_that_is_not_active_is_disabled(scenario: Scenario, status: str) -> None:
    key = next(k for k in scenario.emulator.anthropic.anthropic_keys if k.id == "apikey_ProdAnthropic")
    key.status = status
    code, text, document, junit = run_all(scenario, "acme-prod-anthropic")
    assert code == 1, text
    (disabled,) = [f for f in document["findings"] if f["rule_id"] == "usage.key-disabled"]
    assert disabled["line"] == line_of(scenario, "acme-prod-anthropic")
    assert f"apikey_ProdAnthropic is {'disabled' if status == 'inactive' else status} at the provider " \
           f"(status: {status})" in disabled["message"]
    checks = {ch["check"]: ch["outcome"] for ch in document["checks"] if ch["key"] == "acme-prod-anthropic"}
    assert checks[c.INVENTORY] == "passed" and checks[c.STATE] == "failed"
    failure = cases(junit, "acme-prod-anthropic")[c.STATE].find("failure")
    assert failure is not None and failure.get("type") == "usage.key-disabled"


def test_an_anthropic_status_byok_ci_does_not_know_is_inconclusive(scenario: Scenario) -> None:
    key = next(k for k in scenario.emulator.anthropic.anthropic_keys if k.id == "apikey_ProdAnthropic")
    key.status = "suspended"
    code, text, document, _ = run_all(scenario, "acme-prod-anthropic")
    assert code == 4, text
    state = next(ch for ch in document["checks"] if ch["key"] == "acme-prod-anthropic" and ch["check"] == c.STATE)
    assert state["outcome"] == "inconclusive" and "status 'suspended', which byok-ci does not know" in state["detail"]


def test_openai_has_no_disabled_state_so_the_check_is_skipped_with_the_reason(scenario: Scenario) -> None:
    code, text, document, junit = run_all(scenario, "acme-prod-openai")
    assert code == 1, text
    state = next(ch for ch in document["checks"] if ch["key"] == "acme-prod-openai" and ch["check"] == c.STATE)
    assert state["outcome"] == "skipped"  # never "passed": OpenAI cannot say
    assert state["detail"].startswith("OpenAI has no disabled state for project keys")
    skipped = cases(junit, "acme-prod-openai")[c.STATE].find("skipped")
    assert skipped is not None and "OpenAI has no disabled state" in skipped.get("message", "")


def test_an_openai_key_whose_owner_lost_access_is_inconclusive_not_disabled(scenario: Scenario) -> None:
    key = next(k for k in scenario.emulator.openai.openai_keys if k.id == "key_ProdOpenAI")
    key.owner_project_access = "inactive"
    code, _, document, _ = run_all(scenario, "acme-prod-openai")
    state = next(ch for ch in document["checks"] if ch["key"] == "acme-prod-openai" and ch["check"] == c.STATE)
    assert state["outcome"] == "inconclusive" and "owner_project_access: inactive" in state["detail"]
    assert "usage.key-disabled" not in {f["rule_id"] for f in document["findings"]}
    assert code == 1  # the spike and the budget are still judged


def test_an_openai_key_in_an_archived_project_is_disabled(scenario: Scenario) -> None:
    key = next(k for k in scenario.emulator.openai.openai_keys if k.id == "key_ProdOpenAI")
    key.project_id = "proj_Old"
    _, _, document, _ = run_all(scenario, "acme-prod-openai")
    (disabled,) = [f for f in document["findings"] if f["rule_id"] == "usage.key-disabled"]
    assert "key_ProdOpenAI is archived at the provider (its project acme-prod-old is archived)" in disabled["message"]


# ---------------------------------------------------------------- matching by hint (gap 3)

def twins(scenario: Scenario, rules: RuleSet, provider: str, *, same_hint: bool = False,
          names: tuple[str, str] = ("acme-prod-twin", "acme-prod-twin")) -> list[str]:
    """Two provider keys in the prod project or workspace, named ``names``; their secrets."""
    rng = random.Random(99)
    secrets = [key_for(rules, RULE[provider], rng) for _ in range(2)]
    hints = [hint(provider, secrets[0])] * 2 if same_hint else [hint(provider, s) for s in secrets]
    for i, (name, shown) in enumerate(zip(names, hints)):
        if provider == "openai":
            scenario.emulator.openai.openai_keys.append(OpenAIKey(
                f"key_Twin{i}", name, "proj_Prod", shown, unix(TODAY) - 90 * 86400, unix(TODAY) - 86400))
        else:
            scenario.emulator.anthropic.anthropic_keys.append(AnthropicKey(
                f"apikey_Twin{i}", name, "wrkspc_Prod", shown, "2026-08-01T00:00:00Z"))
    return secrets


def ids(provider: str) -> tuple[str, str]:
    return ("key_Twin0", "key_Twin1") if provider == "openai" else ("apikey_Twin0", "apikey_Twin1")


def assert_no_raw(output: str, provider: str, secrets: list[str]) -> None:
    """No secret (no 8 characters of its random part) and no provider hint (nor its head, which
    holds random characters) in ``output``."""
    for secret in secrets:
        body = secret[len(PREFIX[provider]):]
        assert all(body[i:i + 8] not in output for i in range(len(body) - 8)), "a key reached an output"
        raw = hint(provider, secret)
        assert raw not in output and raw.split("...")[0] not in output, "a provider hint reached an output"


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_two_keys_of_one_name_are_told_apart_by_the_hint_of_the_secret(
        scenario: Scenario, shipped_rules: RuleSet, provider: str) -> None:
    secrets = twins(scenario, shipped_rules, provider)
    add_entry(scenario, "acme-prod-twin", provider)
    first, second = ids(provider)
    code, text, document, _ = run_all(scenario, "acme-prod-twin", env={"ACME_PROD_TWIN": secrets[1]})
    inventory = next(ch for ch in document["checks"] if ch["key"] == "acme-prod-twin" and ch["check"] == c.INVENTORY)
    assert inventory["outcome"] == "passed"
    assert inventory["detail"] == f"{second}, matched by the provider's hint of its secret"
    # The other key of that name is declared by no entry: unmanaged, shown in byok-ci's form only.
    unmanaged = {f["key"]: f for f in document["findings"] if f["rule_id"] == "usage.unmanaged-key"}
    assert first in unmanaged and second not in unmanaged
    assert unmanaged[first]["redacted"] == f"{PREFIX[provider]}…{secrets[0][-4:]}"
    written = text + json.dumps(document) + "".join(p.read_text() for p in scenario.root.glob("u.*"))
    assert_no_raw(written, provider, secrets)
    assert code == 1


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_without_the_secret_two_keys_of_one_name_are_inconclusive(
        scenario: Scenario, shipped_rules: RuleSet, provider: str) -> None:
    twins(scenario, shipped_rules, provider)
    add_entry(scenario, "acme-prod-twin", provider)
    code, text, document, _ = run_all(scenario, "acme-prod-twin", env={"ACME_PROD_TWIN": None})
    inventory = next(ch for ch in document["checks"] if ch["key"] == "acme-prod-twin" and ch["check"] == c.INVENTORY)
    assert inventory["outcome"] == "inconclusive" and inventory["rule_id"] == "usage.inconclusive"
    assert f"2 {provider} keys ({', '.join(ids(provider))}) are named acme-prod-twin" in inventory["detail"]
    assert "BYOK_CI_SECRET_ACME_PROD_TWIN" in inventory["detail"]
    # Either may be the declared one: neither is called unmanaged, and nothing is missing.
    rules = {(f["key"], f["rule_id"]) for f in document["findings"]}
    assert not {key for key, rule in rules if rule == "usage.unmanaged-key"} & set(ids(provider))
    assert ("acme-prod-twin", "usage.key-missing") not in rules
    assert code == (1 if provider == "openai" else 4), text  # OpenAI's key_Rogue is still unmanaged


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_an_ambiguous_hint_is_inconclusive_never_a_guess(
        scenario: Scenario, shipped_rules: RuleSet, provider: str) -> None:
    secrets = twins(scenario, shipped_rules, provider, same_hint=True)
    add_entry(scenario, "acme-prod-twin", provider)
    _, _, document, _ = run_all(scenario, "acme-prod-twin", env={"ACME_PROD_TWIN": secrets[0]})
    checks = {ch["check"]: ch for ch in document["checks"] if ch["key"] == "acme-prod-twin"}
    assert checks[c.INVENTORY]["outcome"] == "inconclusive"
    assert f"the hints of 2 {provider} keys ({', '.join(ids(provider))}) fit the key's secret" \
        in checks[c.INVENTORY]["detail"]
    assert all(checks[title]["outcome"] == "skipped" for title in DEPENDENT)
    assert checks[c.STATE]["detail"] == "not checked: the key cannot be told apart from other keys at the provider"


def test_a_key_the_provider_names_differently_is_matched_by_its_hint(
        scenario: Scenario, shipped_rules: RuleSet) -> None:
    secrets = twins(scenario, shipped_rules, "anthropic", names=("prod-runner", "something-else"))
    add_entry(scenario, "acme-prod-twin", "anthropic")
    _, _, document, _ = run_all(scenario, "acme-prod-twin", env={"ACME_PROD_TWIN": secrets[0]})
    inventory = next(ch for ch in document["checks"] if ch["key"] == "acme-prod-twin" and ch["check"] == c.INVENTORY)
    assert inventory["detail"] == ("apikey_Twin0, matched by the provider's hint of its secret; the provider names it "
                                   "'prod-runner'")


def test_a_named_key_whose_hint_does_not_fit_the_secret_is_inconclusive(
        scenario: Scenario, shipped_rules: RuleSet) -> None:
    secrets = twins(scenario, shipped_rules, "openai", names=("acme-prod-twin", "other"))
    scenario.emulator.openai.openai_keys.pop()  # the key the secret holds is gone (rotated, deleted)
    add_entry(scenario, "acme-prod-twin", "openai")
    _, _, document, _ = run_all(scenario, "acme-prod-twin", env={"ACME_PROD_TWIN": secrets[1]})
    inventory = next(ch for ch in document["checks"] if ch["key"] == "acme-prod-twin" and ch["check"] == c.INVENTORY)
    assert inventory["outcome"] == "inconclusive"
    assert "key_Twin0 is named acme-prod-twin, but its hint does not fit the key's secret" in inventory["detail"]


def test_no_key_by_name_nor_by_hint_is_missing(scenario: Scenario, shipped_rules: RuleSet) -> None:
    secret = key_for(shipped_rules, RULE["anthropic"], random.Random(3))
    add_entry(scenario, "acme-prod-nowhere", "anthropic")
    code, _, document, _ = run_all(scenario, "acme-prod-nowhere", env={"ACME_PROD_NOWHERE": secret})
    (missing,) = [f for f in document["findings"] if f["rule_id"] == "usage.key-missing"]
    assert "no anthropic key is named acme-prod-nowhere, and no anthropic key's hint fits the key's secret" \
        in missing["message"]
    assert code == 1


# ---------------------------------------------------------------- key and env on every finding (gap 5)

def test_every_usage_finding_carries_its_key_and_environment(scenario: Scenario) -> None:
    """Runs on the emulator's fixtures that together emit every usage rule id."""
    add_entry(scenario, "acme-prod-gone", "openai", "provider_key_id: key_Deleted")
    log = scenario.root / "audit.jsonl"
    log.write_text("".join(json.dumps({"time": f"2026-11-1{n}T05:00:00+00:00", "env": "prod",
                                       "key": "acme-prod-anthropic", "probe": "real", "status": 401,
                                       "outcome": "invalid"}) + "\n" for n in range(3)))
    found = json.loads(scenario.run("--env", "prod", "--format", "json", "--audit-log", str(log)).stdout)["findings"]
    found += json.loads(scenario.run("--env", "staging", "--format", "json").stdout)["findings"]
    org = scenario.emulator
    next(k for k in org.anthropic.anthropic_keys if k.id == "apikey_ProdAnthropic").status = "archived"
    next(k for k in org.openai.openai_keys if k.id == "key_ProdOpenAI").last_used_at = unix(TODAY) - 60 * 86400
    found += json.loads(scenario.run("--env", "prod", "--format", "json").stdout)["findings"]

    assert {f["rule_id"] for f in found} == set(c.RULE_IDS)
    for finding in found:
        assert isinstance(finding.get("key"), str) and finding["key"], finding
        assert finding.get("env") in ("prod", "staging"), finding
        assert finding["message"].startswith(f"{finding['env']} / {finding['key']}: ")
