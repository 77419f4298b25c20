"""Requests built from probe data, and Retry-After in both of its forms."""

from __future__ import annotations

import base64
import email.utils
import time

import pytest

from byok_ci.drift.http import _retry_after, build_request, endpoint_of
from byok_ci.drift.probes import Auth, Probe

CRED = "credential-value"


def probe(auth: Auth, **extra: object) -> Probe:
    return Probe("p", "https://api.example.com", "/v1/x", auth=auth, headers=(("X-Version", "1"),), **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("auth", "header", "value"),
    [
        (Auth("header", "Authorization", "Bearer"), "Authorization", f"Bearer {CRED}"),
        (Auth("header", "x-api-key"), "x-api-key", CRED),
        (Auth("header", "Authorization", "Token"), "Authorization", f"Token {CRED}"),
        (Auth("basic", "api"), "Authorization", "Basic " + base64.b64encode(f"api:{CRED}".encode()).decode()),
    ],
)
def test_header_forms(auth: Auth, header: str, value: str) -> None:
    request = build_request(probe(auth), "https://gw.example", CRED)
    assert request["url"] == "https://gw.example/v1/x" and request["headers"][header] == value
    assert request["headers"]["X-Version"] == "1" and request["headers"]["User-Agent"].startswith("byok-ci/")
    without = build_request(probe(auth), "https://gw.example", None)
    assert header not in without["headers"]


def test_query_form_and_json_bodies() -> None:
    assert build_request(probe(Auth("query", "key")), "https://b", CRED)["params"] == {"key": CRED}
    assert build_request(probe(Auth("form", "credentials")), "https://b", CRED)["data"] == {"credentials": CRED}
    assert build_request(probe(Auth("form", "credentials")), "https://b", None)["data"] == {}
    with_json = build_request(probe(Auth("header", "Authorization", "Bearer"), method="POST", json_body='{"a": 1}'),
                              "https://b", CRED)
    assert with_json["content"] == b'{"a": 1}' and with_json["headers"]["Content-Type"] == "application/json"


def test_retry_after_seconds_and_dates() -> None:
    assert _retry_after("7") == 7.0 and _retry_after(None) is None and _retry_after("soon") is None
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= (_retry_after(later) or 0) <= 31
    assert _retry_after(email.utils.formatdate(time.time() - 30, usegmt=True)) == 0.0


def test_endpoint_drops_the_query() -> None:
    assert endpoint_of("https://h.example:8443/v1/models?key=abc#x") == "https://h.example:8443/v1/models"
