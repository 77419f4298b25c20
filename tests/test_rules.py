"""Shipped rules: complete, safe, and each rule's own examples pass."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from byok_ci.keygen import generate_key
from byok_ci.rules.redos import catastrophic_backtracking
from byok_ci.rules import default_rules_dir, load_rules
from byok_ci.detect.engine import Detector
from byok_ci.rules.examples import run_examples

SHIPPED = load_rules()
REQUIRED = {
    "openai.legacy-key", "openai.project-key", "openai.service-account-key", "openai.admin-key",
    "anthropic.api-key", "anthropic.admin-key",
    "google.api-key", "google.gemini-auth-key", "google.service-account",
    "azure.openai-key",
    "aws.access-key-id", "aws.secret-access-key", "aws.bedrock-api-key",
    "cohere.api-key", "mistral.api-key", "groq.api-key", "together.api-key", "fireworks.api-key",
    "perplexity.api-key", "xai.api-key", "deepseek.api-key", "openrouter.api-key",
    "huggingface.user-token", "huggingface.org-token", "replicate.api-token", "voyage.api-key",
    "jina.api-key", "elevenlabs.api-key", "assemblyai.api-key", "deepgram.api-key",
    "stability.api-key", "pinecone.api-key", "langsmith.personal-key", "langsmith.service-key",
    "wandb.api-key", "cerebras.api-key", "nvidia.api-key",
    # Issue 14, section 2: every key generation of the covered providers.
    "openai.named-service-key", "openai.none-key", "azure.ai-services-key", "together.legacy-key",
    "pinecone.legacy-key", "google.adc-refresh-token",
    # Issue 14, section 3: the AI providers that had no rule.
    "cartesia.api-key", "cursor.api-key", "devin.api-key", "fal.api-key", "greptile.api-key",
    "moonshot.api-key", "llamacloud.api-key", "mem0.api-key", "minimax.api-key", "ollama.api-key",
    "runpod.api-key", "retell.api-key", "upstage.api-key", "zai.api-key", "langfuse.secret-key",
    "tavily.api-key", "ai21.api-key", "clarifai.api-key", "privateai.api-key", "nvidia.ngc-key",
}
EXAMPLE_RESULTS = run_examples(SHIPPED, Detector(SHIPPED).detect)


def test_shipped_rules_load_without_errors() -> None:
    assert SHIPPED.errors == ()


def test_every_required_key_type_has_its_own_rule() -> None:
    assert REQUIRED <= {r.id for r in SHIPPED.rules}


def test_one_file_per_provider() -> None:
    for rule in SHIPPED.rules:
        assert Path(rule.source).name == f"{rule.provider}.yaml", rule.id


@pytest.mark.parametrize("rule", SHIPPED.rules, ids=lambda r: r.id)
def test_rule_is_complete(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.examples.positive and rule.examples.negative
    assert rule.key_management.startswith("https://")
    assert rule.keywords and rule.description
    assert catastrophic_backtracking(rule.pattern.pattern) is None
    if rule.context is not None:
        assert catastrophic_backtracking(rule.context.pattern.pattern) is None


@pytest.mark.parametrize("result", EXAMPLE_RESULTS, ids=lambda r: f"{r.rule_id}-{r.kind}-{r.index + 1}")
def test_rule_example(result) -> None:  # type: ignore[no-untyped-def]
    assert result.passed, result.describe()


@pytest.mark.parametrize("rule", SHIPPED.rules, ids=lambda r: r.id)
def test_generated_keys_match_their_own_pattern(rule) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(rule.id)
    for length in ("min", "max", "random"):
        key = generate_key(rule, rng, length)
        assert rule.pattern.fullmatch(key) or rule.pattern.search(key), (rule.id, length)


def test_templates_hold_no_key() -> None:
    """Examples are templates: no shipped rule file may contain a key-shaped literal."""
    from byok_ci.scan import scan_paths

    report = scan_paths([str(default_rules_dir())], rules=SHIPPED)
    assert report.findings == ()


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    return path


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "provider: mine\nrules:\n  - id: mine.key\n    pattern: [unclosed\n")
    ruleset = load_rules([path])
    (error,) = ruleset.errors
    assert error.path == path.as_posix() and error.line is not None and "malformed YAML" in error.message


RULE = """provider: mine
name: Mine
rules:
  - id: mine.key
    description: my key
    keywords: [mk_]
    pattern: 'mk_[a-z0-9]{{32}}'
    format: [mk_, {{lower_alnum: 32}}]
{extra}"""


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ("    severity: fatal\n", "severity"),
        ("    entropy: lots\n", "entropy"),
        ("    require: [symbols]\n", "require"),
        ("    colour: blue\n", "colour"),
        ("    context: {pattern: '(a|aa)+'}\n", "context.pattern"),
        ("    allow: ['[unclosed']\n", "allow"),
    ],
)
def test_bad_field_names_file_line_rule_and_field(tmp_path: Path, extra: str, field: str) -> None:
    path = _write(tmp_path, RULE.format(extra=extra))
    ruleset = load_rules([path])
    (error,) = ruleset.errors
    assert error.path == path.as_posix()
    assert error.line and error.line >= 4
    assert "rule mine.key" in error.message and f"'{field}'" in error.message
    assert ruleset.rules == ()


def test_error_never_quotes_the_value(tmp_path: Path) -> None:
    value = "".join(random.Random(5).choice("abcdefghijklmnop0123456789") for _ in range(40))
    path = _write(tmp_path, RULE.format(extra=f"    severity: {value}\n"))
    (error,) = load_rules([path]).errors
    assert value[:12] not in error.message


def test_catastrophic_user_pattern_rejected_at_load(tmp_path: Path) -> None:
    path = _write(tmp_path, RULE.format(extra="").replace("mk_[a-z0-9]{{32}}".format(), "mk_(?:[a-z]+)+"))
    (error,) = load_rules([path]).errors
    assert "backtrack catastrophically" in error.message


def test_good_rules_in_a_file_survive_a_bad_neighbour(tmp_path: Path) -> None:
    text = RULE.format(extra="") + "  - id: mine.other\n    description: x\n"
    ruleset = load_rules([_write(tmp_path, text)])
    assert [r.id for r in ruleset.rules] == ["mine.key"]
    assert len(ruleset.errors) == 1 and "mine.other" in ruleset.errors[0].message


def test_extra_rules_extend_and_disabled_rules_drop(tmp_path: Path) -> None:
    path = _write(tmp_path, RULE.format(extra=""))
    ruleset = load_rules(extra=[path], disabled=["openai.project-key"])
    ids = {r.id for r in ruleset.rules}
    assert "mine.key" in ids and "openai.project-key" not in ids and "anthropic.api-key" in ids


def test_rule_ids_follow_provider_dot_type() -> None:
    for rule in SHIPPED.rules:
        assert re.fullmatch(r"[a-z0-9-]+\.[a-z0-9-]+", rule.id), rule.id
        assert rule.id.split(".")[0] == rule.provider
