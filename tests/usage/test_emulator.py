"""The emulator answers with the shapes the providers document (tests/usage/emulator.py cites
them), so the usage tests exercise byok-ci against those shapes and not against the emulator's
own invention. Field lists transcribed from the OpenAI OpenAPI spec and the Anthropic API
reference (usage-research notes §1–2)."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from tests.usage.conftest import TODAY, Scenario, unix

OPENAI_PAGE = {"object", "data", "has_more", "next_page"}
OPENAI_BUCKET = {"object", "start_time", "end_time", "results"}
OPENAI_COMPLETIONS_REQUIRED = {"object", "input_tokens", "output_tokens", "num_model_requests"}
OPENAI_COSTS = {"object", "amount", "line_item", "project_id", "api_key_id", "quantity", "quantity_unit"}
OPENAI_LIST = {"object", "data", "first_id", "last_id", "has_more"}
OPENAI_PROJECT_KEY = {"object", "redacted_value", "name", "created_at", "last_used_at", "id", "owner_project_access",
                      "owner"}
ANTHROPIC_REPORT = {"data", "has_more", "next_page"}
ANTHROPIC_BUCKET = {"starting_at", "ending_at", "results"}
ANTHROPIC_USAGE = {"uncached_input_tokens", "cache_creation", "cache_read_input_tokens", "output_tokens",
                   "server_tool_use", "api_key_id", "workspace_id", "model", "service_tier", "context_window"}
ANTHROPIC_COST = {"amount", "currency", "cost_type", "description", "model", "service_tier", "token_type",
                  "context_window", "inference_geo", "workspace_id"}
ANTHROPIC_LIST = {"data", "first_id", "last_id", "has_more"}
ANTHROPIC_KEY = {"type", "id", "name", "created_at", "created_by", "expires_at", "partial_key_hint", "principal",
                 "scope", "status", "workspace_id"}


def openai(s: Scenario, path: str, key: str | None = None, **params: object) -> httpx.Response:
    return httpx.get(s.emulator.base("openai") + path, params=params,  # type: ignore[arg-type]
                     headers={"Authorization": f"Bearer {key or s.openai_admin}"}, trust_env=False)


def anthropic(s: Scenario, path: str, key: str | None = None, **params: object) -> httpx.Response:
    return httpx.get(s.emulator.base("anthropic") + path, params=params,  # type: ignore[arg-type]
                     headers={"x-api-key": key or s.anthropic_admin, "anthropic-version": "2023-06-01"},
                     trust_env=False)


def test_openai_shapes(scenario: Scenario) -> None:
    start = unix(TODAY - dt.timedelta(days=3))
    page = openai(scenario, "/organization/usage/completions", start_time=start, end_time=unix(TODAY), bucket_width="1d",
                  limit=2,
                  **{"group_by[]": ["api_key_id", "model"]}).json()
    assert set(page) == OPENAI_PAGE and page["object"] == "page" and page["has_more"] is True
    assert set(page["data"][0]) == OPENAI_BUCKET and page["data"][0]["end_time"] - page["data"][0]["start_time"] == 86400
    result = page["data"][0]["results"][0]
    assert OPENAI_COMPLETIONS_REQUIRED <= set(result) and result["object"] == "organization.usage.completions.result"
    assert result["project_id"] is None  # not grouped by it: null
    rest = openai(scenario, "/organization/usage/completions", start_time=start, end_time=unix(TODAY), limit=2,
                  page=page["next_page"]).json()
    assert rest["data"][0]["start_time"] == page["data"][-1]["end_time"]
    costs = openai(scenario, "/organization/costs", start_time=start, limit=180,
                   **{"group_by[]": ["project_id", "api_key_id"]}).json()
    result = costs["data"][0]["results"][0]
    assert set(result) == OPENAI_COSTS and result["amount"]["currency"] == "usd"
    assert isinstance(result["amount"]["value"], float)
    keys = openai(scenario, "/organization/projects/proj_Prod/api_keys", limit=100, owner_project_access="any").json()
    assert set(keys) == OPENAI_LIST and set(keys["data"][0]) == OPENAI_PROJECT_KEY
    # owner_project_access filters by the owner's access: "inactive" lists only the keys whose
    # owner lost it (spec: listProjectApiKeys), "any" all enabled keys.
    lost = openai(scenario, "/organization/projects/proj_Staging/api_keys", owner_project_access="inactive").json()
    assert [k["id"] for k in lost["data"]] == ["key_StagingOwn"]
    assert not openai(scenario, "/organization/projects/proj_Staging/api_keys", owner_project_access="active"
                      ).json()["data"]


def test_openai_limits_and_errors(scenario: Scenario) -> None:
    start = unix(TODAY)
    assert openai(scenario, "/organization/usage/completions", start_time=start, limit=32).status_code == 400
    assert openai(scenario, "/organization/costs", start_time=start, limit=181).status_code == 400
    refused = openai(scenario, "/organization/costs", key=scenario.openai_plain, start_time=start)
    assert refused.status_code == 403 and "Missing scopes: api.usage.read" in refused.json()["error"]["message"]
    assert set(refused.json()["error"]) == {"message", "type", "param", "code"}
    unknown = openai(scenario, "/organization/projects", key="not-a-key")
    assert unknown.status_code == 401 and unknown.json()["error"]["code"] == "invalid_api_key"
    scenario.emulator.modes.add("rate-limit")
    limited = openai(scenario, "/organization/projects/proj_Staging/api_keys")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "0"
    assert openai(scenario, "/organization/projects/proj_Staging/api_keys").status_code == 200


def test_anthropic_shapes(scenario: Scenario) -> None:
    start = f"{(TODAY - dt.timedelta(days=3)).isoformat()}T00:00:00Z"
    page = anthropic(scenario, "/v1/organizations/usage_report/messages", starting_at=start,
                     ending_at=f"{TODAY.isoformat()}T00:00:00Z", limit=2,
                     **{"group_by[]": ["api_key_id", "workspace_id", "model"]}).json()
    assert set(page) == ANTHROPIC_REPORT and page["has_more"] is True
    assert set(page["data"][0]) == ANTHROPIC_BUCKET and page["data"][0]["starting_at"].endswith("T00:00:00Z")
    result = page["data"][0]["results"][0]
    assert set(result) == ANTHROPIC_USAGE and "num_model_requests" not in result
    assert set(result["cache_creation"]) == {"ephemeral_1h_input_tokens", "ephemeral_5m_input_tokens"}
    costs = anthropic(scenario, "/v1/organizations/cost_report", starting_at=start, limit=31,
                      **{"group_by[]": ["workspace_id"]}).json()
    result = costs["data"][0]["results"][0]
    assert set(result) == ANTHROPIC_COST and result["currency"] == "USD" and result["amount"] == "200.0000"  # cents
    keys = anthropic(scenario, "/v1/organizations/api_keys", limit=1).json()
    assert set(keys) == ANTHROPIC_LIST and set(keys["data"][0]) == ANTHROPIC_KEY and keys["has_more"] is True
    more = anthropic(scenario, "/v1/organizations/api_keys", limit=1, after_id=keys["last_id"]).json()
    assert more["data"][0]["id"] != keys["data"][0]["id"]


@pytest.mark.parametrize(("key", "status", "kind"), [("plain", 403, "permission_error"),
                                                      ("unknown", 401, "authentication_error")])
def test_anthropic_errors(scenario: Scenario, key: str, status: int, kind: str) -> None:
    scenario.emulator.anthropic.other_keys = {"plain-key"}
    answer = anthropic(scenario, "/v1/organizations/api_keys", key="plain-key" if key == "plain" else "nope")
    assert answer.status_code == status
    assert answer.json()["type"] == "error" and answer.json()["error"]["type"] == kind
    assert anthropic(scenario, "/v1/organizations/cost_report",
                     starting_at="2026-11-01T00:00:00Z", limit=32).status_code == 400
