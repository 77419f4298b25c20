"""A loopback emulator of the OpenAI and Anthropic Admin APIs that `byok-ci usage` reads.

A real HTTP server on 127.0.0.1 (``serve()``). Routes are ``/openai/v1/organization/…`` and
``/anthropic/v1/organizations/…``: a test points the admin key's base URL at
``http://127.0.0.1:PORT/openai/v1`` or ``…/anthropic``. Answers have the shapes of the
providers' references, as read for this task (/work/notes/usage-research.md):

- OpenAI (openai/openai-openapi ``openapi.json`` @ f85dbe22, spec v2.3.0; openai-python
  @ e43b4224 ``resources/admin/organization/usage.py``): usage pages
  ``{object: "page", data: [{object: "bucket", start_time, end_time, results}], has_more,
  next_page}`` with ``start_time``/``end_time`` in Unix seconds, ``bucket_width`` 1d and
  ``limit`` in buckets (1d: default 7, max 31); ``/organization/costs`` (1d only, limit
  1-180, ``amount: {value: <dollars>, currency: "usd"}``); lists ``{object: "list", data,
  first_id, last_id, has_more}`` paged by ``after``; project API keys with
  ``redacted_value``, ``last_used_at``, ``owner_project_access``. Errors are
  ``{"error": {message, type, param, code}}``; a key without ``api.usage.read`` gets 403
  "Missing scopes" (observed by third parties; research §1.1), an unknown key 401
  ``invalid_api_key``; 429 carries ``Retry-After`` (spec ``TooManyRequests``).
- Anthropic (platform.claude.com API reference: usage_report/messages, cost_report,
  api_keys, workspaces; anthropic-sdk-ruby ``beta_api_key.rb`` @ cccb465e): ``x-api-key``
  and ``anthropic-version``; reports ``{data: [{starting_at, ending_at, results}], has_more,
  next_page}`` with RFC 3339 times (1d: limit default 7, max 31; cost_report max 31), the
  nested ``cache_creation`` counts, no request count, cost ``amount`` a decimal string in
  cents with ``currency: "USD"`` and no per-key cost; lists ``{data, first_id, last_id,
  has_more}`` paged by ``after_id``; keys with ``status``, ``partial_key_hint`` and
  ``scope``/``workspace_id``, workspaces with ``tags``. Errors ``{"type": "error", "error":
  {"type": "authentication_error" | "permission_error" | "rate_limit_error", …}}``.

Data is set per test on :class:`Org` (keys, projects or workspaces, daily usage and cost);
``modes`` switch behaviours on: ``rate-limit`` (a 429 with ``Retry-After: 0`` before each
first answer of a path), ``rate-limit-forever``, ``server-error``, ``costs-forbidden``
(the cost endpoint refuses the key: a restricted admin key without costs read),
``partial`` (optional result fields missing, Console usage with ``api_key_id: null``, empty
buckets, an undocumented extra field), ``endless`` (a usage cursor that never ends),
``not-json`` (an HTML maintenance page). ``list_page`` caps list pages so paging is exercised.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Reply = tuple[int, dict[str, str], Any]
DAY = 86400
# Bucket limits per width (both providers' usage reports; research §1.2, §2.2).
USAGE_LIMITS = {"1d": (7, 31), "1h": (24, 168), "1m": (60, 1440)}


class _Refused(Exception):
    def __init__(self, reply: Reply) -> None:
        self.reply = reply


@dataclass
class OpenAIKey:
    id: str
    name: str
    project_id: str
    redacted_value: str
    created_at: int
    last_used_at: int | None = None
    owner_project_access: str = "active"


@dataclass
class AnthropicKey:
    id: str
    name: str
    workspace_id: str | None
    partial_key_hint: str
    created_at: str
    status: str = "active"


@dataclass
class Org:
    """One provider organisation: what its admin API reports."""

    admin_key: str = ""
    other_keys: set[str] = field(default_factory=set)  # recognised, not admin: 403 / 401 permission
    # OpenAI projects: id -> (name, status); Anthropic workspaces: id -> (name, tags)
    projects: dict[str, tuple[str, str]] = field(default_factory=dict)
    workspaces: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    openai_keys: list[OpenAIKey] = field(default_factory=list)
    anthropic_keys: list[AnthropicKey] = field(default_factory=list)
    # (day, key id or None, project/workspace id, model) -> (input tokens, output tokens, requests)
    usage: dict[tuple[dt.date, str | None, str | None, str], tuple[int, int, int]] = field(default_factory=dict)
    # (day, project/workspace id, key id or None) -> dollars
    costs: dict[tuple[dt.date, str | None, str | None], float] = field(default_factory=dict)


@dataclass
class AdminEmulator:
    port: int = 0
    openai: Org = field(default_factory=Org)
    anthropic: Org = field(default_factory=Org)
    # OpenRouter: key -> GET /api/v1/key's data (OpenRouterTeam/typescript-sdk in.openapi.yaml)
    openrouter_keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    modes: set[str] = field(default_factory=set)
    list_page: int = 1000
    requests: list[dict[str, Any]] = field(default_factory=list)
    _limited: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def base(self, provider: str) -> str:
        tail = {"openai": "/v1", "openrouter": "/api/v1"}.get(provider, "")
        return f"http://127.0.0.1:{self.port}/{provider}{tail}"

    # ------------------------------------------------------------------ dispatch

    def answer(self, path: str, query: dict[str, list[str]], headers: Any) -> Reply:
        provider, _, rest = path.strip("/").partition("/")
        with self._lock:
            self.requests.append({"provider": provider, "path": "/" + rest, "query": query,
                                  "headers": {k.lower(): v for k, v in headers.items()}})
            first = path not in self._limited
            self._limited.add(path)
        if "rate-limit-forever" in self.modes or ("rate-limit" in self.modes and first):
            return self._error(provider, 429, "rate_limit_error", "Rate limit reached", {"Retry-After": "0"})
        if "server-error" in self.modes:
            return self._error(provider, 500, "api_error", "Internal server error")
        if "endless" in self.modes and "usage" in rest:
            # A faulty cursor: always one more page, the same one.
            return 200, {}, {"object": "page", "data": [], "has_more": True, "next_page": "page_again"}
        if "not-json" in self.modes:
            return 200, {}, "<html>maintenance</html>"
        if provider == "openai":
            return self._openai("/" + rest, query, headers)
        if provider == "anthropic":
            return self._anthropic("/" + rest, query, headers)
        if provider == "openrouter" and rest == "api/v1/key":
            auth = headers.get("Authorization", "")
            data = self.openrouter_keys.get(auth.removeprefix("Bearer "))
            if data is None:
                return 401, {}, {"error": {"code": 401, "message": "User not found.", "metadata": None},
                                 "user_id": None}
            return 200, {}, {"data": data}
        return 404, {}, {"error": "no such provider"}

    def _error(self, provider: str, status: int, kind: str, message: str, extra: dict[str, str] | None = None,
               code: str | None = None) -> Reply:
        if provider == "anthropic":
            return status, extra or {}, {"type": "error", "error": {"type": kind, "message": message},
                                         "request_id": "req_011Emulator"}
        return status, extra or {}, {"error": {"message": message, "type": "invalid_request_error" if status < 429 else kind,
                                               "param": None, "code": code}}

    # ------------------------------------------------------------------ OpenAI

    def _openai(self, path: str, query: dict[str, list[str]], headers: Any) -> Reply:
        auth = headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else ""
        org = self.openai
        if token in org.other_keys:
            return self._error("openai", 403, "invalid_request_error",
                               "You have insufficient permissions for this operation. Missing scopes: api.usage.read.")
        if not token or token != org.admin_key:
            return self._error("openai", 401, "invalid_request_error", "Incorrect API key provided.",
                               code="invalid_api_key")
        if path == "/v1/organization/projects":
            projects = [{"id": pid, "object": "organization.project", "name": name, "created_at": 1_700_000_000,
                         "archived_at": 1_790_000_000 if status == "archived" else None, "status": status,
                         "external_key_id": None}
                        for pid, (name, status) in org.projects.items()
                        if status != "archived" or _one(query, "include_archived") == "true"]
            return self._list(projects, query, "after", {"object": "list"})
        if path.startswith("/v1/organization/projects/") and path.endswith("/api_keys"):
            pid = path.split("/")[4]
            if pid not in org.projects:
                return 404, {}, {"error": {"message": f"The project {pid} was not found", "type": "invalid_request_error",
                                           "param": None, "code": None}}
            access = _one(query, "owner_project_access")
            keys = [_openai_key(k) for k in org.openai_keys
                    if k.project_id == pid and (access == "any" or k.owner_project_access == (access or "active"))]
            return self._list(keys, query, "after", {"object": "list"})
        if path in ("/v1/organization/usage/completions", "/v1/organization/usage/embeddings"):
            return self._openai_usage(path.rsplit("/", 1)[1], query)
        if path == "/v1/organization/costs":
            if "costs-forbidden" in self.modes:
                return self._error("openai", 403, "invalid_request_error",
                                   "You have insufficient permissions for this operation. Missing scopes: api.usage.read.")
            return self._openai_costs(query)
        return 404, {}, {"error": {"message": f"Unknown request URL: GET {path}", "type": "invalid_request_error",
                                   "param": None, "code": "unknown_url"}}

    def _openai_window(self, query: dict[str, list[str]], limits: tuple[int, int]) -> tuple[int, int, int]:
        """(start, end, limit) of a report request; _Refused with the 400 a bad one gets."""
        if _one(query, "bucket_width", "1d") != "1d":
            raise _Refused(self._error("openai", 400, "invalid_request_error", "this emulator serves 1d buckets only"))
        try:
            start = int(_one(query, "start_time"))
        except ValueError:
            raise _Refused(self._error("openai", 400, "invalid_request_error", "start_time is required")) from None
        limit = int(_one(query, "limit", str(limits[0])))
        if not 1 <= limit <= limits[1]:
            raise _Refused(self._error("openai", 400, "invalid_request_error",
                                       f"limit must be between 1 and {limits[1]}"))
        end = int(_one(query, "end_time", str(start + limit * DAY)))
        page = _one(query, "page")
        if page:
            start = int(base64.b64decode(page.removeprefix("page_")).decode())
        return start, end, limit

    def _openai_usage(self, kind: str, query: dict[str, list[str]]) -> Reply:
        try:
            start, end, limit = self._openai_window(query, USAGE_LIMITS["1d"])
        except _Refused as refused:
            return refused.reply
        groups = set(query.get("group_by[]", []))
        buckets = []
        day = start
        while day < end and len(buckets) < limit:
            date = dt.datetime.fromtimestamp(day, dt.timezone.utc).date()
            rows: dict[tuple[Any, ...], list[int]] = {}
            for (d, key, project, model), (inp, out, req) in self.openai.usage.items():
                if d != date or (kind == "embeddings") != model.startswith("text-embedding"):
                    continue
                if key is None and "partial" not in self.modes:
                    continue
                group = (key if "api_key_id" in groups else None, project if "project_id" in groups else None,
                         model if "model" in groups else None)
                row = rows.setdefault(group, [0, 0, 0])
                row[0] += inp
                row[1] += out
                row[2] += req
            results = []
            for (key, project, model), (inp, out, req) in sorted(rows.items(), key=str):
                result: dict[str, Any] = {"object": f"organization.usage.{kind}.result", "input_tokens": inp,
                                          "num_model_requests": req, "project_id": project, "user_id": None,
                                          "api_key_id": key, "model": model}
                if kind == "completions":
                    result.update(output_tokens=out, batch=None, service_tier=None)
                    if "partial" not in self.modes:  # optional fields, absent in old data
                        result.update(input_cached_tokens=0, input_audio_tokens=0, output_audio_tokens=0,
                                      input_uncached_tokens=inp, input_text_tokens=inp, output_text_tokens=out)
                if "partial" in self.modes:
                    result["an_undocumented_field"] = {"nested": True}
                results.append(result)
            buckets.append({"object": "bucket", "start_time": day, "end_time": day + DAY, "results": results})
            day += DAY
        more = day < end
        return 200, {}, {"object": "page", "data": buckets, "has_more": more,
                         "next_page": "page_" + base64.b64encode(str(day).encode()).decode() if more else None}

    def _openai_costs(self, query: dict[str, list[str]]) -> Reply:
        try:
            start, end, limit = self._openai_window(query, (7, 180))
        except _Refused as refused:
            return refused.reply
        groups = set(query.get("group_by[]", []))
        buckets = []
        day = start
        while day < end and len(buckets) < limit:
            date = dt.datetime.fromtimestamp(day, dt.timezone.utc).date()
            rows: dict[tuple[Any, ...], float] = {}
            for (d, project, key), usd in self.openai.costs.items():
                if d == date:
                    group = (project if "project_id" in groups else None, key if "api_key_id" in groups else None)
                    rows[group] = rows.get(group, 0.0) + usd
            results = [{"object": "organization.costs.result", "amount": {"value": usd, "currency": "usd"},
                        "line_item": None, "project_id": project, "api_key_id": key, "quantity": None,
                        "quantity_unit": None}
                       for (project, key), usd in sorted(rows.items(), key=str)]
            buckets.append({"object": "bucket", "start_time": day, "end_time": day + DAY, "results": results})
            day += DAY
        more = day < end
        return 200, {}, {"object": "page", "data": buckets, "has_more": more,
                         "next_page": "page_" + base64.b64encode(str(day).encode()).decode() if more else None}

    # ------------------------------------------------------------------ Anthropic

    def _anthropic(self, path: str, query: dict[str, list[str]], headers: Any) -> Reply:
        token = headers.get("x-api-key", "")
        org = self.anthropic
        if headers.get("anthropic-version") != "2023-06-01":
            return self._error("anthropic", 400, "invalid_request_error", "anthropic-version header is required")
        if token in org.other_keys:
            return self._error("anthropic", 403, "permission_error",
                               "Your API key does not have permission to use the Admin API.")
        if not token or token != org.admin_key:
            return self._error("anthropic", 401, "authentication_error", "invalid x-api-key")
        if path == "/v1/organizations/workspaces":
            items = [{"type": "workspace", "id": wid, "name": name, "created_at": "2026-01-01T00:00:00Z",
                      "archived_at": None, "display_color": "#6C5BB9", "tags": tags}
                     for wid, (name, tags) in org.workspaces.items()]
            return self._list(items, query, "after_id", {})
        if path == "/v1/organizations/api_keys":
            items = []
            for k in org.anthropic_keys:
                scope: dict[str, Any] = {"type": "workspace", "workspace_id": k.workspace_id or "wrkspc_default"}
                items.append({"type": "api_key", "id": k.id, "name": k.name, "created_at": k.created_at,
                              "created_by": {"id": "user_01Emulator", "type": "user"}, "expires_at": None,
                              "partial_key_hint": k.partial_key_hint, "principal": None, "scope": scope,
                              "status": k.status, "workspace_id": k.workspace_id})
            status = _one(query, "status")
            if status:
                items = [i for i in items if i["status"] == status]
            return self._list(items, query, "after_id", {})
        if path == "/v1/organizations/usage_report/messages":
            return self._anthropic_report(query, usage=True)
        if path == "/v1/organizations/cost_report":
            if "costs-forbidden" in self.modes:
                return self._error("anthropic", 403, "permission_error", "Not allowed to read costs.")
            return self._anthropic_report(query, usage=False)
        return self._error("anthropic", 404, "not_found_error", f"Not found: {path}")

    def _anthropic_report(self, query: dict[str, list[str]], *, usage: bool) -> Reply:
        if _one(query, "bucket_width", "1d") != "1d":
            return self._error("anthropic", 400, "invalid_request_error", "this emulator serves 1d buckets only")
        limit = int(_one(query, "limit", "7"))
        if not 1 <= limit <= 31:
            return self._error("anthropic", 400, "invalid_request_error", "limit must be between 1 and 31")
        try:
            start = _day(_one(query, "starting_at"))
        except ValueError:
            return self._error("anthropic", 400, "invalid_request_error", "starting_at must be RFC 3339")
        end = _day(_one(query, "ending_at")) if _one(query, "ending_at") else start + dt.timedelta(days=limit)
        page = _one(query, "page")
        if page:
            start = dt.date.fromisoformat(base64.b64decode(page.removeprefix("page_")).decode()[:10])
        groups = set(query.get("group_by[]", []))
        buckets = []
        day = start
        while day < end and len(buckets) < limit:
            results: list[dict[str, Any]] = []
            if usage:
                rows: dict[tuple[Any, ...], list[int]] = {}
                for (d, key, workspace, model), (inp, out, _req) in self.anthropic.usage.items():
                    if d != day or (key is None and "partial" not in self.modes):
                        continue
                    group = (key if "api_key_id" in groups else None,
                             workspace if "workspace_id" in groups else None, model if "model" in groups else None)
                    row = rows.setdefault(group, [0, 0])
                    row[0] += inp
                    row[1] += out
                for (key, workspace, model), (inp, out) in sorted(rows.items(), key=str):
                    results.append({"uncached_input_tokens": inp,
                                    "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
                                    "cache_read_input_tokens": 0, "output_tokens": out,
                                    "server_tool_use": {"web_search_requests": 0}, "api_key_id": key,
                                    "workspace_id": workspace, "model": model, "service_tier": None,
                                    "context_window": None})
            else:
                totals: dict[str | None, float] = {}
                for (d, workspace, _key), usd in self.anthropic.costs.items():
                    if d == day:
                        group = workspace if "workspace_id" in groups else None
                        totals[group] = totals.get(group, 0.0) + usd
                for workspace, usd in sorted(totals.items(), key=str):
                    results.append({"amount": f"{usd * 100:.4f}", "currency": "USD", "cost_type": None,
                                    "description": None, "model": None, "service_tier": None, "token_type": None,
                                    "context_window": None, "inference_geo": None, "workspace_id": workspace})
            buckets.append({"starting_at": f"{day.isoformat()}T00:00:00Z",
                            "ending_at": f"{(day + dt.timedelta(days=1)).isoformat()}T00:00:00Z", "results": results})
            day += dt.timedelta(days=1)
        more = day < end
        cursor = "page_" + base64.b64encode(f"{day.isoformat()}T00:00:00Z".encode()).decode()
        return 200, {}, {"data": buckets, "has_more": more, "next_page": cursor if more else None}

    # ------------------------------------------------------------------ lists

    def _list(self, items: list[dict[str, Any]], query: dict[str, list[str]], cursor: str,
              envelope: dict[str, Any]) -> Reply:
        after = _one(query, cursor)
        if after:
            ids = [i["id"] for i in items]
            items = items[ids.index(after) + 1:] if after in ids else []
        limit = min(int(_one(query, "limit", "20")), self.list_page)
        page, more = items[:limit], len(items) > limit
        return 200, {}, {**envelope, "data": page, "first_id": page[0]["id"] if page else None,
                         "last_id": page[-1]["id"] if page else None, "has_more": more}


def _openai_key(k: OpenAIKey) -> dict[str, Any]:
    return {"object": "organization.project.api_key", "redacted_value": k.redacted_value, "name": k.name,
            "created_at": k.created_at, "last_used_at": k.last_used_at, "id": k.id,
            "owner_project_access": k.owner_project_access,
            "owner": {"type": "service_account", "service_account": {"id": "svc_acct_Emulator", "name": "ci",
                                                                     "created_at": k.created_at, "role": "member"}}}


def _one(query: dict[str, list[str]], name: str, default: str = "") -> str:
    values = query.get(name)
    return values[-1] if values else default


def _day(value: str) -> dt.date:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.timezone.utc).date()


def _handler(emulator: AdminEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            parts = urlsplit(self.path)
            status, headers, payload = emulator.answer(parts.path, parse_qs(parts.query), self.headers)
            data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def serve() -> Iterator[AdminEmulator]:
    """The emulator on a free loopback port."""
    emulator = AdminEmulator()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(emulator))
    server.daemon_threads = True
    emulator.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield emulator
    finally:
        server.shutdown()
        server.server_close()
