"""Text a drift run shows never carries a key: echoed bodies, httpx messages with ?key=."""

from __future__ import annotations

import random

import httpx

from byok_ci.detect.engine import Detector
from byok_ci.drift.engine import error_summary
from byok_ci.drift.http import Limits, _describe_error
from byok_ci.drift.scrub import Scrubber
from byok_ci.rules import RuleSet
from tests.conftest import key_for


def scrubber(ruleset: RuleSet, *keys: tuple[str, str]) -> Scrubber:
    s = Scrubber(Detector(ruleset))
    s.add_all(keys)
    return s


def test_whole_and_partial_echoes_are_removed(shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "deepseek.api-key", rng)
    s = scrubber(shipped_rules, (key, "sk-"))
    assert key not in s.scrub(f"Authentication Fails, Your api key: {key} is invalid")
    assert key[3:23] not in s.scrub(f"Incorrect API key provided: {key[:23]}")
    assert key[-12:] not in s.scrub(f"key ending {key[-12:]} was revoked")
    assert s.scrub("nothing secret here") == "nothing secret here"


def test_other_key_shaped_text_is_redacted_by_the_rules(shipped_rules: RuleSet, rng: random.Random) -> None:
    other = key_for(shipped_rules, "openai.project-key", rng)
    s = scrubber(shipped_rules)
    out = s.scrub(f"leaked: {other} in body", limit=1000)
    assert other not in out and "sk-proj-…" in out


def test_query_parameters_and_httpx_errors(shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "google.api-key", rng)
    s = scrubber(shipped_rules, (key, "AIza"))
    url = f"https://generativelanguage.googleapis.com/v1beta/models?key={key}&alt=json"
    for exc in (httpx.ConnectError(f"failed to connect to {url}"), httpx.ReadError(f"reset while reading {url}"),
                httpx.RemoteProtocolError(f"bad answer from {url}")):
        text = _describe_error(exc, s, Limits())
        assert key not in text and key[4:16] not in text, text
    assert "key=REDACTED" in Scrubber(None).scrub("GET /x?key=abc&alt=json")


def test_error_summary_reads_provider_error_shapes(shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "openai.project-key", rng)
    s = scrubber(shipped_rules, (key, "sk-proj-"))
    body = '{"error": {"message": "Incorrect API key provided: %s", "type": "invalid_request_error", ' \
           '"code": "invalid_api_key"}}' % key
    summary = error_summary(body, s)
    assert summary.startswith("invalid_api_key: invalid_request_error: Incorrect API key provided: sk-proj-…")
    assert key not in summary
    assert error_summary('{"detail": {"status": "missing_permissions", "message": "needs user_read"}}', s) == \
        "missing_permissions: needs user_read"
    assert error_summary("<html>502 Bad Gateway</html>", s) == "<html>502 Bad Gateway</html>"
