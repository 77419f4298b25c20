"""The rule id registry (rules/_ids.yaml): complete, append-only with aliases, and every name a
user gives (--disable-rule, disable_rules, rules show, drift --env/--key) checked against it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from byok_ci.rules import ids as ruleids
from byok_ci.cli import main
from byok_ci.config import resolve_settings
from byok_ci.manifest.policy import CHECK_IDS, Policy, apply_layer
from byok_ci.rules.ids import RuleIds, did_you_mean, load_check_rules, load_registry, quoted
from byok_ci.rules import load_rules
from byok_ci.usage import checks as usage_checks

DRIFT_IDS = {rid for rid, rule in load_check_rules().items() if rule.family == "drift"}
USAGE_IDS = set(usage_checks.RULE_IDS)


def invoke(args: list[str], cwd: Path, env: dict[str, str | None] | None = None) -> Result:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, args, catch_exceptions=False,
                                  env={"NO_COLOR": "1", "BYOK_CI_CONFIG": None, "BYOK_CI_DISABLE_RULES": None,
                                       **(env or {})})
    finally:
        os.chdir(old)


@pytest.fixture
def renamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RuleIds:
    """The shipped registry plus one renamed detection rule and one renamed manifest check."""
    shipped = load_registry()
    text = (Path(ruleids.registry_path())).read_text().replace(
        "aliases: {}", "aliases:\n  openai.project-api-key: openai.project-key\n  manifest.owners: manifest.owner")
    path = tmp_path / "_ids.yaml"
    path.write_text(text)
    monkeypatch.setattr(ruleids, "registry_path", lambda: path)
    registry = load_registry()
    assert registry is not shipped
    return registry


# The registry itself.

def test_every_id_byok_ci_reports_is_registered() -> None:
    registry = load_registry()
    assert {r.id for r in load_rules().rules} <= registry.ids["detection"]
    assert set(CHECK_IDS) <= registry.ids["manifest"]
    assert DRIFT_IDS <= registry.ids["drift"]
    assert USAGE_IDS == registry.ids["usage"]


def test_every_registered_id_is_still_current_or_aliased() -> None:
    """A shipped id is never renamed or removed without an alias: old configs keep working."""
    registry = load_registry()
    current = {r.id for r in load_rules().rules} | set(CHECK_IDS) | DRIFT_IDS | USAGE_IDS
    for kind, ids in registry.ids.items():
        for rule_id in ids:
            assert registry.canonical(rule_id) in current, f"{kind} id {rule_id} was removed without an alias"
    for old, new in registry.aliases.items():
        assert registry.canonical(old) in current, f"alias {old} -> {new} leads nowhere"
    assert not set(registry.ids["detection"]) & set(registry.ids["manifest"]) & set(registry.ids["drift"])


def test_suggestions_are_close_and_never_echo_long_values() -> None:
    assert did_you_mean("openai.projectkey", ["openai.project-key", "groq.api-key"]) == "; did you mean 'openai.project-key'?"
    assert did_you_mean("nonsense", ["openai.project-key"]) == ""
    assert did_you_mean("x" * 65, ["x" * 66]) == ""
    # Never cut short: half a key escapes the redaction of outputs and is still secret.
    assert quoted("y" * 200) == "(a value of 200 characters, not shown)"


# Unknown ids are usage errors with a did-you-mean.

def test_unknown_disable_rule_option_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke(["scan", "--disable-rule", "openai.projectkey", "."], tmp_path)
    assert result.exit_code == 2
    assert "unknown rule id 'openai.projectkey'; did you mean 'openai.project-key'?" in result.stderr
    assert "no leaks found" not in result.output  # nothing was scanned
    check = invoke(["scan", "--disable-rule", "manifest.owner", "."], tmp_path)
    assert check.exit_code == 2 and "is a manifest check" in check.stderr


def test_unknown_disable_rules_in_the_config_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".byok-ci.yaml").write_text("exclude: [x]\ndisable_rules: [nonsense]\n")
    result = invoke(["scan", "."], tmp_path)
    assert result.exit_code == 2
    assert "byok-ci: error: .byok-ci.yaml:2: field 'disable_rules': unknown rule id 'nonsense'" in result.stderr


def test_unknown_id_in_the_environment(tmp_path: Path) -> None:
    _, errors = resolve_settings(cwd=tmp_path, environ={"BYOK_CI_DISABLE_RULES": "google.api-key,groq.apikey"})
    (error,) = errors
    assert error.path == "BYOK_CI_DISABLE_RULES" and "did you mean 'groq.api-key'?" in error.message


def test_ids_from_rule_files_count_as_known(tmp_path: Path) -> None:
    (tmp_path / "ours.yaml").write_text(
        "provider: acme\nrules:\n  - id: acme.token\n    description: Acme token\n    keywords: [acme_]\n"
        "    pattern: 'acme_[a-z0-9]{32}'\n    format: [acme_, {alnum: 32}]\n")
    (tmp_path / ".byok-ci.yaml").write_text("rule_files: [ours.yaml]\ndisable_rules: [acme.token]\n")
    settings, errors = resolve_settings(cwd=tmp_path, environ={})
    assert errors == [] and settings.disable_rules == ("acme.token",)
    result = invoke(["scan", "--rules", "ours.yaml", "--disable-rule", "acme.token", "."], tmp_path)
    assert result.exit_code == 0, result.output
    assert invoke(["scan", "--disable-rule", "acme.tokn", "--rules", "ours.yaml", "."], tmp_path).exit_code == 2


def test_turning_off_a_rule_that_failed_to_load_is_no_second_error(tmp_path: Path) -> None:
    (tmp_path / "ours.yaml").write_text("provider: acme\nrules:\n  - id: acme.token\n    description: broken\n")
    ruleset = load_rules(extra=[tmp_path / "ours.yaml"], disabled=["acme.token"])
    assert len(ruleset.errors) == 1 and "disable_rules" not in ruleset.errors[0].path


def test_library_callers_hear_of_unknown_ids_too() -> None:
    ruleset = load_rules(disabled=["google.api-key", "google.apikey"])
    assert ruleset.get("google.api-key") is None
    (error,) = ruleset.errors
    assert error.path == "disable_rules" and "did you mean 'google.api-key'?" in error.message


def test_rules_show_suggests(tmp_path: Path) -> None:
    result = invoke(["rules", "show", "anthropic.apikey"], tmp_path)
    assert result.exit_code == 2 and "did you mean 'anthropic.api-key'?" in result.stderr
    assert invoke(["rules", "fixture", "anthropic.apikey"], tmp_path).exit_code == 2


# Renamed ids keep working.

def test_a_renamed_rule_still_turns_off_and_shows(renamed: RuleIds, tmp_path: Path) -> None:
    assert renamed.canonical("openai.project-api-key") == "openai.project-key"
    assert load_rules(disabled=["openai.project-api-key"]).get("openai.project-key") is None
    assert invoke(["scan", "--disable-rule", "openai.project-api-key", "."], tmp_path).exit_code == 0
    (tmp_path / ".byok-ci.yaml").write_text("disable_rules: [openai.project-api-key]\n")
    assert resolve_settings(cwd=tmp_path, environ={})[1] == []
    shown = invoke(["rules", "show", "openai.project-api-key"], tmp_path)
    assert shown.exit_code == 0 and shown.stdout.startswith("id:          openai.project-key")


def test_a_renamed_check_keeps_its_policy_level(renamed: RuleIds) -> None:
    policy, problems = apply_layer(Policy(), {"checks": {"manifest.owners": "warning"}}, "c.yaml")
    assert problems == [] and policy.level("manifest.owner") == "warning"
    _, problems = apply_layer(Policy(), {"checks": {"manifest.ownr": "warning"}}, "c.yaml")
    assert "did you mean 'manifest.owner'?" in problems[0].message


def test_a_baseline_naming_an_old_id_still_holds_its_secret_back(renamed: RuleIds, tmp_path: Path,
                                                                  shipped_rules, rng) -> None:  # type: ignore[no-untyped-def]
    import json

    from tests.conftest import key_for

    (tmp_path / "a.py").write_text(f'K = "{key_for(shipped_rules, "openai.project-key", rng)}"\n')
    assert invoke(["baseline", "create"], tmp_path).exit_code == 0
    path = tmp_path / ".byok-ci-baseline.json"
    data = json.loads(path.read_text())
    for entry in data["entries"].values():
        entry["rule_id"] = "openai.project-api-key"
    path.write_text(json.dumps(data))
    assert invoke(["scan", "--baseline", str(path), "."], tmp_path).exit_code == 0


def test_check_drift_job_with_an_unknown_environment_is_a_usage_error(tmp_path: Path) -> None:
    from byok_ci.check import CheckOptions, CheckUsageError, resolve_options, run_check
    from byok_ci.config import Settings

    (tmp_path / "byok.yaml").write_text(
        "version: 1\nproject: acme\nkeys:\n  - name: acme-prod-openai\n    env: prod\n    provider: openai\n"
        "    secret: env://ACME_NOT_SET_ANYWHERE\n")
    options = resolve_options(CheckOptions(run=("drift",), drift_env="prdo", manifest=str(tmp_path / "byok.yaml"),
                                           environ={}), Settings())
    with pytest.raises(CheckUsageError, match="no keys for environment 'prdo'; did you mean 'prod'"):
        run_check(options, Settings())
