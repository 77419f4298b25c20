"""The manifest's keys read into DriftTargets through the manifest package's loader."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from byok_ci.drift.targets import load_targets
from byok_ci.errors import UsageError

MANIFEST = """\
version: 1
project: acme
keys:
  - name: acme-prod-openai
    env: prod
    provider: openai
    secret: env://OPENAI_KEY
    scopes: [models.read]
    expires: 2027-03-31
    base_url: https://acme.openai.azure.com
  - name: acme-staging-openai
    env: staging
    provider: openai
    secret: env://OPENAI_STAGING_KEY
  - name: acme-prod-anthropic
    env: prod
    provider: anthropic
    secret: vault://secret/acme/prod/anthropic#key
    models: [claude-haiku]
  - name: acme-prod-broken
    env: prod
    provider: openai
    expires: 31/03/2027
    secret: env://X
"""


def test_reads_the_environments_keys(tmp_path: Path) -> None:
    path = tmp_path / "byok.yaml"
    path.write_text(MANIFEST)
    targets, errors = load_targets(path, "prod")
    assert [t.key_name for t in targets] == ["acme-prod-openai", "acme-prod-anthropic"]
    first = targets[0]
    assert (first.expires, first.declared_scopes, first.base_url, first.line) == (
        dt.date(2027, 3, 31), ("models.read",), "https://acme.openai.azure.com", 4)
    assert targets[1].declared_scopes == ("claude-haiku",)
    (error,) = errors
    assert error.line == 23 and error.message.startswith("key acme-prod-broken: ") and "expires" in error.message


def test_key_filter_and_unknown_names(tmp_path: Path) -> None:
    path = tmp_path / "byok.yaml"
    path.write_text(MANIFEST)
    targets, _ = load_targets(path, "prod", ["acme-prod-anthropic"])
    assert [t.key_name for t in targets] == ["acme-prod-anthropic"]
    with pytest.raises(UsageError) as raised:
        load_targets(path, "prod", ["acme-prod-anthropic", "acme-prod-antropic"])
    assert str(raised.value) == (
        "byok.yaml: no key named 'acme-prod-antropic' in environment 'prod'; did you mean 'acme-prod-anthropic'?")


def test_unknown_environment_is_a_usage_error_with_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "byok.yaml"
    path.write_text(MANIFEST)
    with pytest.raises(UsageError, match=r"no keys for environment 'prdo'; did you mean 'prod'\?$"):
        load_targets(path, "prdo")
    with pytest.raises(UsageError, match=r"no keys for environment 'qa' \(environments with keys: "):
        load_targets(path, "qa")
    # A pasted key is never echoed whole.
    with pytest.raises(UsageError) as raised:
        load_targets(path, "prod", ["x" * 200])
    assert "x" * 64 not in str(raised.value)


def test_bad_files(tmp_path: Path) -> None:
    assert "cannot read" in load_targets(tmp_path / "none.yaml", "prod")[1][0].message
    (tmp_path / "bad.yaml").write_text("keys: [\n")
    (error,) = load_targets(tmp_path / "bad.yaml", "prod")[1]
    assert error.line and "\n" not in error.message
    (tmp_path / "list.yaml").write_text("- a\n")
    assert "mapping" in load_targets(tmp_path / "list.yaml", "prod")[1][0].message
