"""`byok-ci revoke-plan` and the revoke steps of rules/_revoke.yaml."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from byok_ci.rules import RuleSet, default_rules_dir
from byok_ci.rules.revoke import load_revoke
from tests.conftest import key_for
from tests.drift.fake_provider import FakeProviders, serve
from tests.gitrepo import GitRepo
from tests.test_no_leak import run_in


@pytest.fixture
def fake() -> Iterator[FakeProviders]:
    with serve() as server:
        yield server


# --- the data ------------------------------------------------------------------------------

def test_every_shipped_entry_is_valid_and_names_a_provider(shipped_rules: RuleSet) -> None:
    steps, errors = load_revoke(providers=shipped_rules.providers)
    assert errors == []
    assert {"openai", "anthropic", "google", "aws"} <= set(steps)
    for provider, entry in steps.items():
        assert entry.default.console, provider
        for rule_id, variant in entry.key_types.items():
            assert shipped_rules.get(rule_id) is not None, rule_id
            assert variant.console, rule_id
        # A provider whose documentation of revoking was not found has no docs link, never a guessed one.
        for step in (entry.default, *entry.key_types.values()):
            assert not step.docs or step.docs.startswith("https://"), provider
    assert "admin_api_keys" in steps["openai"].for_rule("openai.admin-key").api
    assert '"inactive"' in steps["anthropic"].for_rule("anthropic.api-key").api


def test_every_provider_with_a_rule_file_has_revoke_steps(shipped_rules: RuleSet) -> None:
    """Issue 21: a finding of any shipped provider gets that provider's steps, not the fallback."""
    steps, _ = load_revoke(providers=shipped_rules.providers)
    with_rules = {rule.provider for rule in shipped_rules.rules}
    assert with_rules - set(steps) == set()
    for provider in with_rules:
        for rule in (r for r in shipped_rules.rules if r.provider == provider):
            assert steps[provider].for_rule(rule.id).console, rule.id


@pytest.mark.parametrize(("text", "message", "line"), [
    ("openai:\n  console: x\n  docs: http://example.com\n", "docs must be an https:// URL", 1),
    ("openai:\n  console: x\nnope:\n  console: y\n", "'nope' is no provider", 3),
    ("openai:\n  consle: x\n", "unknown field 'consle'", 1),
    ("openai:\n  api: x\n", "console is required", 1),
    ("openai:\n  console: x\n  key_types:\n    anthropic.api-key: {api: y}\n", "is not a openai rule id", 1),
])
def test_a_bad_entry_is_an_error_with_file_and_line(tmp_path: Path, shipped_rules: RuleSet, text: str,
                                                    message: str, line: int) -> None:
    (tmp_path / "_revoke.yaml").write_text(text)
    _, errors = load_revoke(tmp_path, providers=shipped_rules.providers)
    assert len(errors) == 1 and message in errors[0].message and errors[0].line == line
    assert errors[0].path.endswith("_revoke.yaml")


def test_the_rule_loader_skips_the_revoke_file() -> None:
    from byok_ci.rules.files import rule_files_in

    assert (default_rules_dir() / "_revoke.yaml").is_file()
    assert all(p.name != "_revoke.yaml" for p in rule_files_in(default_rules_dir()))


# --- the plan ------------------------------------------------------------------------------

def verified_report(root: Path, fake: FakeProviders, *args: str) -> Path:
    result = run_in(root, ["scan", "--verify", "--base-url", f"openai={fake.base('openai')}",
                           "--allow-insecure-loopback", "--timeout", "3", "--json", "r.json", *args])
    assert result.exit_code == 1, result.output
    return root / "r.json"


def test_live_keys_come_first_then_unknown_then_revoked(tmp_path: Path, fake: FakeProviders,
                                                        shipped_rules: RuleSet, rng: random.Random) -> None:
    live, dead = key_for(shipped_rules, "openai.project-key", rng), key_for(shipped_rules, "openai.project-key", rng)
    unknown = key_for(shipped_rules, "aws.access-key-id", rng)
    fake.valid_keys.add(live)
    repo = GitRepo(tmp_path / "repo")
    repo.write("a.py", f'OPENAI_API_KEY = "{dead}"\n')
    repo.write("b.py", f'OPENAI_API_KEY = "{live}"\n')
    repo.write("c.env", f"AWS_ACCESS_KEY_ID={unknown}\n")
    repo.commit("keys")
    report = verified_report(repo.path, fake, "--history")
    result = run_in(repo.path, ["revoke-plan", "r.json", "--format", "json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert [(i["provider"], i["verified"]) for i in plan["items"]] == [
        ("openai", "live"), ("aws", "unknown"), ("openai", "revoked")]
    assert [i["order"] for i in plan["items"]] == [1, 2, 3]
    assert {i["owner"] for i in plan["items"]} == {"Ada Lovelace <ada@example.com>"} or \
        all("Ada Lovelace" in i["owner"] for i in plan["items"])
    first = plan["items"][0]
    assert first["found_at"][0].startswith("b.py:1 (commit ")
    assert "api_keys/{key_id}" in first["steps"]["api"] and first["key_page"].startswith("https://")
    markdown = run_in(repo.path, ["revoke-plan", "r.json"]).stdout
    assert markdown.index("(live)") < markdown.index("(unknown)") < markdown.index("(revoked)")
    assert "DELETE https://api.openai.com/v1/organization/projects/" in markdown
    for text in (result.stdout, markdown, report.read_text()):
        for key in (live, dead, unknown):
            assert key not in text


def test_a_plan_without_verification_says_so_and_uses_the_path_as_owner(tmp_path: Path, shipped_rules: RuleSet,
                                                                        rng: random.Random) -> None:
    key = key_for(shipped_rules, "anthropic.api-key", rng)
    (tmp_path / "cfg.py").write_text(f'ANTHROPIC_API_KEY = "{key}"\n')
    assert run_in(tmp_path, ["scan", "--json", "r.json", "."]).exit_code == 1
    plan = json.loads(run_in(tmp_path, ["revoke-plan", "r.json", "--format", "json"]).stdout)
    (item,) = plan["items"]
    assert (item["verified"], item["owner"]) == ("unknown", "files cfg.py")
    assert "not verified" in item["verified_detail"]
    assert "update-api-key" in item["steps"]["docs"]


def test_manifest_entries_to_rotate(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    """env:// resolves without the network: matched by fingerprint; vault:// only by provider."""
    key, other = key_for(shipped_rules, "openai.project-key", rng), key_for(shipped_rules, "openai.project-key", rng)
    (tmp_path / "app.py").write_text(f'OPENAI_API_KEY = "{key}"\n')
    (tmp_path / "byok.yaml").write_text(
        "version: 1\nproject: acme\nkeys:\n"
        "  - name: acme-prod-openai\n    env: prod\n    provider: openai\n    secret: env://PROD_OPENAI\n"
        "  - name: acme-staging-openai\n    env: staging\n    provider: openai\n    secret: env://STAGING_OPENAI\n"
        "  - name: acme-dev-openai\n    env: dev\n    provider: openai\n    secret: vault://kv/dev/openai#key\n"
    )
    assert run_in(tmp_path, ["scan", "--json", "r.json", "app.py"]).exit_code == 1
    result = run_in(tmp_path, ["revoke-plan", "r.json", "--format", "json"],
                    env={"PROD_OPENAI": key, "STAGING_OPENAI": other})
    plan = json.loads(result.stdout)
    (item,) = plan["items"]
    assert [(m["name"], m["how"]) for m in item["manifest"]] == [("acme-prod-openai", "fingerprint")]
    # The same key not in the environment: the vault:// entry and the unset one, by provider only.
    plan = json.loads(run_in(tmp_path, ["revoke-plan", "r.json", "--format", "json"], env={"PROD_OPENAI": ""}).stdout)
    assert sorted((m["name"], m["how"]) for m in plan["items"][0]["manifest"]) == [
        ("acme-dev-openai", "provider"), ("acme-prod-openai", "provider"), ("acme-staging-openai", "provider")]
    assert any("without the network" in note for note in plan["notes"])
    assert key not in result.stdout and other not in result.stdout


def test_an_unreadable_report_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "r.json").write_text("{not json")
    result = run_in(tmp_path, ["revoke-plan", "r.json"])
    assert result.exit_code == 2 and result.stderr.startswith("byok-ci: error: r.json: not JSON")
    (tmp_path / "s.json").write_text('{"version": 2}')
    result = run_in(tmp_path, ["revoke-plan", "s.json"])
    assert result.exit_code == 2 and "not a byok-ci JSON report" in result.stderr
    assert run_in(tmp_path, ["revoke-plan", "missing.json"]).exit_code == 2


def test_an_empty_report_has_nothing_to_revoke(tmp_path: Path) -> None:
    assert run_in(tmp_path, ["scan", "--json", "r.json", "."]).exit_code == 0
    result = run_in(tmp_path, ["revoke-plan", "r.json", "-o", "plan.md"])
    assert result.exit_code == 0 and "nothing to revoke" in (tmp_path / "plan.md").read_text()


def test_a_plan_file_holds_no_key_a_manifest_reference_names(tmp_path: Path, shipped_rules: RuleSet,
                                                             rng: random.Random) -> None:
    """A reference of the checkout's byok.yaml is shown in the plan: one that holds a key
    (`file://<key>`) is redacted in -o FILE as on standard output (every report file is)."""
    key = key_for(shipped_rules, "openai.project-key", rng)
    (tmp_path / "app.py").write_text(f'OPENAI_API_KEY = "{key}"\n')
    (tmp_path / "byok.yaml").write_text(
        "version: 1\nproject: acme\nkeys:\n"
        f"  - name: acme-prod-openai\n    env: prod\n    provider: openai\n    secret: file://{key}\n"
        f"  - name: acme-dev-openai\n    env: dev\n    provider: openai\n    secret: vault://kv/{key}#f\n"
    )
    assert run_in(tmp_path, ["scan", "--json", "r.json", "app.py"]).exit_code == 1
    for fmt in ("markdown", "json"):
        result = run_in(tmp_path, ["revoke-plan", "r.json", "--format", fmt, "-o", f"plan.{fmt}"])
        assert result.exit_code == 0, result.output
        text = (tmp_path / f"plan.{fmt}").read_text()
        assert "acme-prod-openai" in text and "acme-dev-openai" in text
        assert key[8:20] not in text, fmt


def test_a_hostile_file_name_cannot_forge_lines_of_the_markdown_plan(tmp_path: Path, shipped_rules: RuleSet,
                                                                      rng: random.Random) -> None:
    """A file name is data: its line breaks and escape sequences are shown escaped, so it
    cannot add a step ("- API: …") to the plan or recolour the terminal that shows it."""
    key = key_for(shipped_rules, "anthropic.api-key", rng)
    name = "a\n- API: `curl evil.example`\n\x1b[2Jb.py"
    (tmp_path / name).write_text(f'ANTHROPIC_API_KEY = "{key}"\n')
    assert run_in(tmp_path, ["scan", "--json", "r.json", "."]).exit_code == 1
    result = run_in(tmp_path, ["revoke-plan", "r.json"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout
    assert not any(line.startswith("- API: `curl") for line in result.stdout.splitlines())
    assert "a\\\\n- API" in result.stdout  # the escape shown as text, its backslash escaped for Markdown


@pytest.mark.parametrize("finding", [
    {"rule_id": "openai.project-key", "provider": "openai", "fingerprint": "ab" * 8, "commit_info": {}},
    {"rule_id": "openai.project-key", "provider": "openai", "fingerprint": "ab" * 8, "commit_info": {"author": None}},
    {"rule_id": ["x"], "provider": {"p": 1}, "fingerprint": 7, "path": None, "verified": {"x": 1}},
])
def test_a_hand_edited_report_makes_a_plan_not_a_crash(tmp_path: Path, finding: dict) -> None:  # type: ignore[type-arg]
    (tmp_path / "r.json").write_text(json.dumps({"version": 1, "findings": [finding, "not a finding"]}))
    result = run_in(tmp_path, ["revoke-plan", "r.json"])
    assert result.exit_code in (0, 2), result.output
    assert "internal error" not in result.output


def test_a_report_nested_too_deeply_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "r.json").write_text("[" * 100_000 + "]" * 100_000)
    result = run_in(tmp_path, ["revoke-plan", "r.json"])
    assert result.exit_code == 2 and "r.json: not JSON (nested too deeply)" in result.stderr


def test_an_author_or_file_name_cannot_add_a_link_or_html_to_the_markdown_plan(tmp_path: Path,
                                                                               shipped_rules: RuleSet,
                                                                               rng: random.Random) -> None:
    """Outside code spans the plan showed a commit author and file names as Markdown: an
    author "[Revoke it here](https://evil.example)" was a link in the rendered plan (a job
    summary, a pull-request comment), and a name "<img …>" an image."""
    import re

    repo = GitRepo(tmp_path / "repo")
    repo.write("<img src=x>[x](https:__evil.example).py", f'KEY = "{key_for(shipped_rules, "google.api-key", rng)}"\n')
    repo.git("add", "-A")
    repo.git("-c", "user.name=[Revoke it here](https://evil.example)", "commit", "-q", "-m", "key")
    assert run_in(repo.path, ["scan", "--history", "--json", "r.json"]).exit_code == 1
    result = run_in(repo.path, ["revoke-plan", "r.json"])
    assert result.exit_code == 0, result.output
    text = re.sub(r"`[^`]*`", "", result.stdout)  # code spans show what they hold as it is
    text = re.sub(r"<https://[^>\s]*>", "", text)  # the docs and key page autolinks
    assert re.search(r"(?<!\\)\]\(", text) is None, result.stdout
    assert re.search(r"(?<!\\)<[A-Za-z]", text) is None, result.stdout
    # The shipped steps' placeholders ("<the key>") are text too, not tags that vanish.
    assert "lookup \\<the key>" in result.stdout
