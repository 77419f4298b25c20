"""`byok-ci usage` end to end against the admin API emulator on loopback (issue 17)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from byok_ci.manifest import check_manifest
from tests.usage.conftest import TODAY, Scenario

DATA = Path(__file__).resolve().parent.parent / "data"
JUNIT = xmlschema.XMLSchema(str(DATA / "junit-10-file-line.xsd"))
SARIF = json.loads((DATA / "sarif-2.1.0.json").read_text())


def findings(path: Path) -> dict[tuple[str, str], dict]:  # type: ignore[type-arg]
    document = json.loads(path.read_text())
    return {(f["key"], f["rule_id"]): f for f in document["findings"]}


def test_the_fixture_manifest_passes_its_own_checks(scenario: Scenario) -> None:
    report = check_manifest(scenario.root / "byok.yaml", today=TODAY)
    assert report.findings == (), [f.message for f in report.findings]


def test_prod_finds_the_spike_the_overrun_the_model_and_the_unmanaged_key(scenario: Scenario) -> None:
    out = scenario.root
    result = scenario.run("--env", "prod", "--json", str(out / "u.json"), "--junit", str(out / "u.xml"),
                          "--sarif", str(out / "u.sarif"))
    assert result.exit_code == 1, result.output
    found = findings(out / "u.json")
    checks = {(c["key"], c["check"]): c for c in json.loads((out / "u.json").read_text())["checks"]}
    assert checks[("acme-prod-anthropic", "within budget")]["outcome"] == "passed"
    assert checks[("acme-prod-openai", "within budget")]["rule_id"] == "usage.budget"
    assert checks[("anthropic", "unmanaged keys")]["env"] == "prod"
    assert len(checks) == 18 and sum(c["outcome"] == "failed" for c in checks.values()) == 4
    assert found[("acme-prod-openai", "usage.spike")]["severity"] == "error"
    assert "12.0× the median" in found[("acme-prod-openai", "usage.spike")]["message"]
    assert "forecast $300.00" in found[("acme-prod-openai", "usage.budget")]["message"]
    assert "gpt-4o-2024-08-06" in found[("acme-prod-openai", "usage.model-not-allowed")]["message"]
    rogue = found[("key_Rogue", "usage.unmanaged-key")]
    assert rogue["env"] == "prod" and rogue["provider"] == "openai"
    assert rogue["redacted"] == "sk-proj-…rstu"  # byok-ci's own form of the provider's hint
    # The declared staging key living in prod is staging's problem (see below), not unmanaged;
    # the quiet Anthropic key has no finding but the auth-failure check without audit logs.
    assert {k for k, _ in found} == {"acme-prod-openai", "acme-prod-anthropic", "key_Rogue"}
    assert [r for k, r in found if k == "acme-prod-anthropic"] == ["usage.inconclusive"]
    assert {f["line"] for (k, _), f in found.items() if k == "acme-prod-openai"} == {22}

    JUNIT.validate(str(out / "u.xml"))
    suites = ET.parse(out / "u.xml").getroot().findall("testsuite")
    assert [s.get("name") for s in suites] == ["usage/prod"]
    cases = {c.get("name"): c for c in suites[0].findall("testcase")}
    assert cases["prod / acme-prod-openai / no spike against its baseline"].find("failure") is not None
    assert cases["prod / acme-prod-anthropic / within budget"].find("failure") is None
    sarif = json.loads((out / "u.sarif").read_text())
    jsonschema.validate(sarif, SARIF, cls=jsonschema.Draft4Validator)
    rules = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {"usage.spike", "usage.unmanaged-key", "usage.budget"} <= rules


def test_a_staging_key_in_the_prod_project_is_the_wrong_environment(scenario: Scenario) -> None:
    result = scenario.run("--env", "staging", "--format", "json")
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    rules = {(f["key"], f["rule_id"]) for f in document["findings"]}
    assert ("acme-staging-openai", "usage.wrong-environment") in rules
    wrong = next(f for f in document["findings"] if f["rule_id"] == "usage.wrong-environment")
    assert "lives in project acme-prod, which is prod's, not staging's" in wrong["message"]
    # The staging project's own key has lost its owner's access: whether it still works is not
    # documented, so it is not called unmanaged (nor disabled): inconclusive.
    assert not any(f["rule_id"] == "usage.unmanaged-key" for f in document["findings"])
    lost = next(f for f in document["findings"] if f["key"] == "key_StagingOwn")
    assert lost["rule_id"] == "usage.inconclusive" and "owner_project_access: inactive" in lost["message"]


def test_a_quiet_month_with_clean_audit_logs_passes(scenario: Scenario) -> None:
    log = scenario.root / "drift-audit.jsonl"
    log.write_text(json.dumps({"time": "2026-11-19T05:00:00.000+00:00", "env": "prod", "key": "acme-prod-anthropic",
                               "probe": "real", "status": 200, "outcome": "valid"}) + "\n")
    result = scenario.run("--env", "prod", "--key", "acme-prod-anthropic", "--audit-log", str(log))
    assert result.exit_code == 0, result.output
    assert "usage/prod: 9 passed, 0 failed\n" in result.output and "inconclusive" not in result.output


def test_repeated_refusals_in_the_audit_logs_fail(scenario: Scenario) -> None:
    logs = []
    for i in range(2):
        log = scenario.root / f"audit-{i}.jsonl"
        lines = [{"time": f"2026-11-1{5 + i}T05:0{n}:00.000+00:00", "env": "prod", "key": "acme-prod-anthropic",
                  "probe": "real", "status": 401, "outcome": "invalid"} for n in range(2)]
        lines.append({"time": "2026-01-01T00:00:00+00:00", "env": "prod", "key": "acme-prod-anthropic",
                      "probe": "real", "status": 401, "outcome": "invalid"})  # before the window: not counted
        log.write_text("\n".join(json.dumps(line) for line in lines) + "\nnot json\n")
        logs += ["--audit-log", str(log)]
    result = scenario.run("--env", "prod", "--key", "acme-prod-anthropic", *logs, "--format", "json")
    assert result.exit_code == 1
    (failure,) = json.loads(result.stdout)["findings"]
    assert failure["rule_id"] == "usage.auth-failures" and "refused 4 times" in failure["message"]


def test_no_admin_key_in_any_output(scenario: Scenario) -> None:
    out = scenario.root
    scenario.emulator.modes.add("partial")
    result = scenario.run("--env", "prod", "--json", str(out / "u.json"), "--junit", str(out / "u.xml"),
                          "--sarif", str(out / "u.sarif"), "--markdown", str(out / "u.md"), "--format", "github")
    written = result.output + "".join(p.read_text() for p in out.iterdir() if p.is_file() and p.name != "byok.yaml")
    assert "usage.spike" in written
    for secret in scenario.secrets:
        body = secret[-40:]
        assert all(body[i:i + 12] not in written for i in range(len(body) - 12)), "a key reached an output"


@pytest.mark.parametrize("which", ["plain", "invalid"])
def test_a_key_that_is_not_an_admin_key_is_inconclusive(scenario: Scenario, which: str) -> None:
    key = scenario.openai_plain if which == "plain" else scenario.openai_admin[:-6] + "abcdef"
    env = {"OPENAI_ADMIN_KEY": key}
    result = scenario.run("--env", "prod", "--key", "acme-prod-openai", "--format", "json",
                          "--audit-log", "/dev/null", env=env)
    assert result.exit_code == 4, result.output
    document = json.loads(result.stdout)
    assert {f["rule_id"] for f in document["findings"]} == {"usage.inconclusive"}
    message = document["findings"][0]["message"]
    status = "403" if which == "plain" else "401"
    assert f"the admin key was refused ({status})" in message
    assert ("Missing scopes" in message) == (which == "plain")
    strict = scenario.run("--env", "prod", "--key", "acme-prod-openai", "--strict", "--audit-log", "/dev/null",
                          env=env)
    assert strict.exit_code == 1


def test_429_with_retry_after_is_retried(scenario: Scenario) -> None:
    scenario.emulator.modes.add("rate-limit")
    result = scenario.run("--env", "prod", "--format", "json")
    assert result.exit_code == 1
    assert "usage.spike" in {f["rule_id"] for f in json.loads(result.stdout)["findings"]}
    paths = [r["path"] for r in scenario.emulator.requests]
    assert paths.count("/v1/organization/projects") == 2  # the 429, then the answer


def test_a_rate_limit_that_never_ends_is_inconclusive(scenario: Scenario) -> None:
    scenario.emulator.modes.add("rate-limit-forever")
    result = scenario.run("--env", "prod", "--format", "json", "--audit-log", "/dev/null")
    assert result.exit_code == 4
    messages = [f["message"] for f in json.loads(result.stdout)["findings"]]
    assert messages and all("rate limited (429)" in m for m in messages)


def test_costs_the_key_may_not_read_leave_only_the_budget_undecided(scenario: Scenario) -> None:
    scenario.emulator.modes.add("costs-forbidden")
    result = scenario.run("--env", "prod", "--key", "acme-prod-openai", "--format", "json")
    rules = {f["rule_id"]: f for f in json.loads(result.stdout)["findings"]}
    assert "usage.budget" not in rules and "usage.spike" in rules
    assert result.exit_code == 1
    undecided = [f for f in json.loads(result.stdout)["findings"] if f["rule_id"] == "usage.inconclusive"]
    assert any("spend unknown: costs:" in f["message"] for f in undecided)


def test_an_unresolved_admin_key_is_an_error(scenario: Scenario) -> None:
    result = scenario.run("--env", "prod", "--key", "acme-prod-openai", env={"OPENAI_ADMIN_KEY": None})
    assert result.exit_code == 2, result.output
    assert "admin key acme-openai-admin: secret unavailable: environment variable OPENAI_ADMIN_KEY is not set" \
        in result.output
    assert not [r for r in scenario.emulator.requests if r["provider"] == "openai"]


def test_a_refused_host_is_an_error_and_nothing_is_sent(scenario: Scenario) -> None:
    text = (scenario.root / "byok.yaml").read_text().replace(
        "    secret: env://OPENAI_ADMIN_KEY\n",
        f"    secret: env://OPENAI_ADMIN_KEY\n    base_url: {scenario.emulator.base('openai')}\n")
    (scenario.root / "byok.yaml").write_text(text)
    scenario.base_url_args = ["--base-url", f"acme-anthropic-admin={scenario.emulator.base('anthropic')}"]
    result = scenario.run("--env", "prod", "--key", "acme-prod-openai")
    assert result.exit_code == 2
    assert "refusing plain http to 127.0.0.1" in result.output
    result = scenario.run("--env", "prod", "--key", "acme-prod-openai", "--allow-insecure-loopback")
    assert result.exit_code == 2
    assert "is not on the allowlist; the workflow must allow it with --allow-host" in result.output
    assert not [r for r in scenario.emulator.requests if r["provider"] == "openai"]


def test_paging_and_proxy_variables(scenario: Scenario) -> None:
    """Lists of one item a page and a window of more than 31 daily buckets page as documented;
    the environment's proxy variables are never used."""
    scenario.emulator.list_page = 1
    proxies = {name: "http://127.0.0.1:9" for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy")}
    result = scenario.run("--env", "prod", "--format", "json", env=proxies)  # type: ignore[arg-type]
    assert result.exit_code == 1
    assert "usage.unmanaged-key" in {f["rule_id"] for f in json.loads(result.stdout)["findings"]}
    requests = scenario.emulator.requests
    assert any("after" in r["query"] for r in requests if r["path"] == "/v1/organization/projects")
    assert any("after_id" in r["query"] for r in requests if r["path"] == "/v1/organizations/api_keys")
    usage = [r for r in requests if r["path"] == "/v1/organization/usage/completions"]
    assert len(usage) == 2 and "page" in usage[1]["query"]
    assert all(int(r["query"]["limit"][0]) <= 31 for r in usage)
    assert usage[0]["query"]["group_by[]"] == ["api_key_id", "project_id", "model"]
    anthropic = [r for r in requests if r["provider"] == "anthropic"]
    assert all(r["headers"]["anthropic-version"] == "2023-06-01" and "authorization" not in r["headers"]
               for r in anthropic)
    assert all(r["headers"]["authorization"].startswith("Bearer ") for r in requests if r["provider"] == "openai")
    keys = [r for r in requests if r["path"].endswith("/api_keys") and r["provider"] == "openai"]
    assert keys and all(r["query"]["owner_project_access"] == ["any"] for r in keys)


def test_partial_data_is_read_without_inventing_anything(scenario: Scenario) -> None:
    """Optional fields missing, Console usage without a key, an undocumented field: the same verdicts."""
    scenario.emulator.modes.add("partial")
    result = scenario.run("--env", "prod", "--format", "json")
    assert result.exit_code == 1
    found = {(f["key"], f["rule_id"]) for f in json.loads(result.stdout)["findings"]}
    assert {("acme-prod-openai", "usage.spike"), ("key_Rogue", "usage.unmanaged-key")} <= found


def test_markdown_report_and_chart(scenario: Scenario) -> None:
    path = scenario.root / "usage.md"
    result = scenario.run("--env", "prod", "--markdown", str(path))
    assert result.exit_code == 1
    text = path.read_text()
    row = next(line for line in text.splitlines() if "`acme-prod-openai`" in line)
    assert "$190.00" in row and "$300.00" in row and "$200.00/month (150% forecast)" in row
    assert row.rstrip(" |").endswith("▂▂▂▂▂▂▂▂▂▂▂▂▂▂█")
    assert "Anthropic reports cost per workspace" in text
    assert "| prod | openai | acme-prod | $199.50 | $315.00 |" in text  # both keys of the prod project
    assert "| prod | anthropic | Production | $38.00 | $60.00 |" in text
    assert "acme-prod-old" not in text  # archived, nothing spent
    svg = ET.parse(scenario.root / "usage.prod.svg").getroot()
    assert svg.tag.endswith("svg") and len(svg.findall("{http://www.w3.org/2000/svg}polyline")) == 2


def test_the_job_summary_under_github_actions(scenario: Scenario) -> None:
    summary = scenario.root / "summary.md"
    summary.write_text("earlier step\n")
    result = scenario.run("--env", "prod", env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 1
    text = summary.read_text()
    assert text.startswith("earlier step\n") and "## byok-ci usage: prod" in text and "usage.spike" in text
    assert not list(scenario.root.glob("summary*.svg"))  # no chart beside a job summary


def test_an_unknown_environment_or_key_is_a_usage_error(scenario: Scenario) -> None:
    result = scenario.run("--env", "prd")
    assert result.exit_code == 2 and "did you mean 'prod'" in result.output
    result = scenario.run("--env", "prod", "--key", "acme-openai-admin")
    assert result.exit_code == 2 and "no key named 'acme-openai-admin' in environment 'prod'" in result.output


def test_openrouter_keys_report_their_own_monthly_spend(scenario: Scenario, shipped_rules) -> None:  # type: ignore[no-untyped-def]
    import random

    from tests.conftest import key_for

    rng = random.Random(5)
    live, revoked = key_for(shipped_rules, "openrouter.api-key", rng), key_for(shipped_rules, "openrouter.api-key", rng)
    scenario.emulator.openrouter_keys[live] = {
        "label": "sk-or-v1-ab1...9f0", "limit": 50, "limit_remaining": 37.25, "limit_reset": "monthly",
        "include_byok_in_limit": False, "usage": 912.75, "usage_daily": 4.0, "usage_weekly": 31.0,
        "usage_monthly": 120.0, "byok_usage": 0, "byok_usage_daily": 0, "byok_usage_weekly": 0,
        "byok_usage_monthly": 0, "is_free_tier": False, "is_management_key": False, "is_provisioning_key": False,
        "creator_user_id": "user_Example", "expires_at": None,
        "rate_limit": {"requests": -1, "interval": "10s", "note": "This field is deprecated and safe to ignore."}}
    manifest = scenario.root / "byok.yaml"
    for name, var in (("acme-prod-openrouter", "OR_LIVE"), ("acme-dev-openrouter", "OR_REVOKED")):
        manifest.write_text(manifest.read_text() + (
            f"  - name: {name}\n    env: {name.split('-')[1]}\n    provider: openrouter\n    secret: env://{var}\n"
            "    owner: ml-platform\n    models: [openai/gpt-4o-mini]\n    rotated: 2026-11-01\n"
            "    budget: {monthly_usd: 150}\n"))
    scenario.base_url_args = [*scenario.base_urls,
                              "--base-url", f"acme-prod-openrouter={scenario.emulator.base('openrouter')}",
                              "--base-url", f"acme-dev-openrouter={scenario.emulator.base('openrouter')}"]
    env = {"OR_LIVE": live, "OR_REVOKED": revoked}
    md = scenario.root / "or.md"
    result = scenario.run("--env", "prod", "--key", "acme-prod-openrouter", "--format", "json", "--audit-log",
                          "/dev/null", "--markdown", str(md), env=env)
    found = {f["rule_id"]: f for f in json.loads(result.stdout)["findings"]}
    # $120 in 20 days is a $180 forecast against $150: over budget; what /key does not tell is inconclusive.
    assert "forecast $180.00" in found["usage.budget"]["message"] and result.exit_code == 1
    assert "does not report models" in json.dumps(json.loads(result.stdout)["findings"])
    assert "| prod | `acme-prod-openrouter` | openrouter | $120.00 | $180.00 |" in md.read_text()
    result = scenario.run("--env", "dev", "--format", "json", "--audit-log", "/dev/null", env=env)
    (refused,) = [f for f in json.loads(result.stdout)["findings"] if f["rule_id"] != "usage.inconclusive"]
    assert refused["rule_id"] == "usage.key-disabled" and "User not found" in refused["message"]
    assert result.exit_code == 1
    result = scenario.run("--env", "dev", env={"OR_LIVE": live})
    assert result.exit_code == 2 and "key acme-dev-openrouter: secret unavailable" in result.output
    assert live[-12:] not in result.output


def test_a_provider_without_an_organization_admin_key_is_an_error(scenario: Scenario) -> None:
    manifest = scenario.root / "byok.yaml"
    text = manifest.read_text()
    start = text.index("  - name: acme-anthropic-admin")
    manifest.write_text(text[:start] + text[text.index("  - name: acme-prod-openai"):])
    result = scenario.run("--env", "prod", "--key", "acme-prod-anthropic", "--audit-log", "/dev/null")
    assert result.exit_code == 2
    assert "byok.yaml:22: no organization-scoped anthropic admin key in the manifest" in result.output


def test_a_key_unused_longer_than_the_policy_allows_is_idle(scenario: Scenario) -> None:
    from tests.usage.conftest import unix

    key = next(k for k in scenario.emulator.openai.openai_keys if k.id == "key_ProdOpenAI")
    key.last_used_at = unix(TODAY) - 45 * 86400
    result = scenario.run("--env", "prod", "--key", "acme-prod-openai", "--format", "json")
    idle = next(f for f in json.loads(result.stdout)["findings"] if f["rule_id"] == "usage.idle-key")
    assert "last used 2026-10-06; the policy allows 30 days unused" in idle["message"]


def test_base_urls_from_the_workflows_environment(scenario: Scenario) -> None:
    scenario.base_url_args = ["--allow-insecure-loopback"]
    env = {"BYOK_CI_BASE_URL_ACME_OPENAI_ADMIN": scenario.emulator.base("openai")}
    result = scenario.run("--env", "prod", "--key", "acme-prod-openai", "--format", "json", env=env)
    assert result.exit_code == 1
    assert "usage.spike" in {f["rule_id"] for f in json.loads(result.stdout)["findings"]}
    assert {r["provider"] for r in scenario.emulator.requests} == {"openai"}


@pytest.mark.parametrize(("mode", "reason"), [
    ("server-error", "answered 500 (api_error: Internal server error)"),
    ("not-json", "the answer is not JSON"),
])
def test_a_faulty_admin_api_is_inconclusive(scenario: Scenario, mode: str, reason: str) -> None:
    scenario.emulator.modes.add(mode)
    result = scenario.run("--env", "prod", "--format", "json", "--audit-log", "/dev/null")
    assert result.exit_code == 4, result.output
    found = json.loads(result.stdout)["findings"]
    assert found and all(f["rule_id"] == "usage.inconclusive" and reason in f["message"] for f in found)


def test_a_cursor_that_never_ends_stops(scenario: Scenario) -> None:
    scenario.emulator.modes.add("endless")
    result = scenario.run("--env", "prod", "--key", "acme-prod-openai", "--format", "json", "--audit-log", "/dev/null")
    found = {(f["rule_id"], f["message"].split(": ", 1)[1][:60]) for f in json.loads(result.stdout)["findings"]}
    assert any(rule == "usage.inconclusive" and "usage (completions)" in why for rule, why in found)
    usage = [r for r in scenario.emulator.requests if r["path"] == "/v1/organization/usage/completions"]
    assert len(usage) == 60
    # The inventory and the costs were read: the budget is still judged.
    assert any(rule == "usage.budget" for rule, _ in found)


@pytest.mark.parametrize("command", ["usage", "drift", "check"])
def test_the_shared_loopback_option_is_not_described_as_drifts_alone(command: str) -> None:
    from click.testing import CliRunner

    from byok_ci.cli import main

    result = CliRunner().invoke(main, [command, "--help"], env={"COLUMNS": "200"})
    line = next(x for x in result.output.splitlines() if "--allow-insecure-loopback" in x)
    assert "Drift:" not in line and "Allow plain http to a loopback base URL" in line


def test_a_file_secret_is_read_beside_the_manifest(scenario: Scenario) -> None:
    """file:// references are relative to the manifest's directory, for the admin key as for
    drift's keys (byok_ci/drift/secrets.py), not to the working directory."""
    sub = scenario.root / "config"
    sub.mkdir()
    text = (scenario.root / "byok.yaml").read_text().replace("secret: env://OPENAI_ADMIN_KEY",
                                                            "secret: file://openai-admin.key")
    (sub / "byok.yaml").write_text(text)
    (sub / "openai-admin.key").write_text(scenario.openai_admin + "\n")
    result = scenario.run("--manifest", "config/byok.yaml", "--env", "prod", "--key", "acme-prod-openai",
                          "--format", "json", env={"OPENAI_ADMIN_KEY": None})
    assert result.exit_code == 1, result.output
    assert "usage.spike" in {f["rule_id"] for f in json.loads(result.stdout)["findings"]}


def test_a_rule_file_of_the_checkout_cannot_widen_what_is_sent_as_an_admin_key(scenario: Scenario) -> None:
    """docs/drift.md#a-pull-request-cannot-steal-a-key: a value is sent only in the format of
    one of the provider's *installed* key rules. A checkout's `.byok-ci.yaml` naming a rule
    file that declares a broad "openai" format must not make the manifest's admin entry send
    another secret of the job (here a CI token) to an allowed host."""
    token = "ghp_" + "Ab3dE" * 7 + "x"  # a CI token's shape, not an OpenAI key's
    (scenario.root / "evil.yaml").write_text(
        "provider: openai\nname: OpenAI\nrules:\n"
        "  - id: openai.anything\n    description: anything\n    keywords: ['ghp_']\n"
        "    pattern: 'ghp_[A-Za-z0-9]{36}'\n    format: ['ghp_', {alnum: 36}]\n")
    (scenario.root / ".byok-ci.yaml").write_text("rule_files: [evil.yaml]\n")
    text = (scenario.root / "byok.yaml").read_text().replace(
        "    secret: env://OPENAI_ADMIN_KEY\n",
        f"    secret: env://CI_JOB_TOKEN\n    base_url: {scenario.emulator.base('openai')}\n")
    (scenario.root / "byok.yaml").write_text(text)
    scenario.base_url_args = ["--base-url", f"acme-anthropic-admin={scenario.emulator.base('anthropic')}"]
    result = scenario.run("--env", "prod", "--key", "acme-prod-openai", "--allow-insecure-loopback",
                          "--allow-host", "127.0.0.1", env={"CI_JOB_TOKEN": token})
    assert not [r for r in scenario.emulator.requests if r["provider"] == "openai"]
    assert result.exit_code == 2, result.output
    assert "does not have the format of any openai key" in result.output
