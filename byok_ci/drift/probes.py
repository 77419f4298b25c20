"""Provider probes as data: the ``probe:`` mapping of each shipped ``rules/<provider>.yaml``.

A probe is the cheapest authenticated call that costs nothing, how the key is sent, and
which answers mean the key is valid, invalid, or tell nothing. ``key_types`` overrides
fields for one rule id (e.g. admin keys use another endpoint); ``none`` marks a provider or
key type without a free probe; ``paid`` holds named probes that cost money, run only when
the user opts in with ``--paid-probe PROVIDER=NAME``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from byok_ci._yaml import LineDict, load_yaml_file
from byok_ci.errors import MalformedYaml, ProbeProblem
from byok_ci.model import ScanError
from byok_ci.rules import default_rules_dir, rule_files_in

MEANINGS = ("valid", "invalid", "inconclusive")
METHODS = ("GET", "POST")
_PROBE_FIELDS = {"base_url", "method", "path", "auth", "headers", "json", "answers", "metadata", "none"}
_TOP_FIELDS = _PROBE_FIELDS | {"key_types", "paid"}


@dataclass(frozen=True)
class Auth:
    """How the key travels: a header (with an optional scheme), Basic, a query or form field."""

    kind: str  # header | basic | query | form
    name: str = "Authorization"
    scheme: str = ""


BEARER = Auth("header", "Authorization", "Bearer")


@dataclass(frozen=True)
class Answer:
    """One row of a probe's answer table: status (and optional body matchers) -> meaning."""

    statuses: tuple[int, ...]
    means: str
    contains: str = ""
    json: tuple[tuple[str, Any], ...] = ()
    note: str = ""

    def matches(self, status: int, text: str, body: Any) -> bool:
        if status not in self.statuses:
            return False
        if self.contains and self.contains not in text:
            return False
        return all(_lookup(body, path) == value for path, value in self.json)


@dataclass(frozen=True)
class Probe:
    provider: str
    base_url: str | None
    path: str
    method: str = "GET"
    auth: Auth = BEARER
    headers: tuple[tuple[str, str], ...] = ()
    json_body: str | None = None  # serialised, so the record stays hashable and immutable
    answers: tuple[Answer, ...] = ()
    metadata: str | None = None
    none: str = ""  # why there is no free probe; empty when there is one
    name: str = ""  # the paid probe's name, empty for the free one

    @property
    def official_host(self) -> str | None:
        return urlsplit(self.base_url).hostname if self.base_url else None

    def classify(self, status: int, text: str) -> tuple[str, str] | None:
        """(meaning, note) of the first matching answer, or None when no row matches."""
        try:
            body = json.loads(text) if text else None
        except (ValueError, RecursionError):  # RecursionError: nested past the recursion limit
            body = None
        for answer in self.answers:
            if answer.matches(status, text, body):
                return answer.means, answer.note
        return None

    def describe(self) -> str:
        """Where `byok-ci drift` sends a key of this type, and how (for docs/rules.md)."""
        if self.none:
            return f"none ({self.none})."
        auth = self.auth
        if auth.kind == "header":
            how = f"`{auth.name}: {auth.scheme + ' ' if auth.scheme else ''}<key>`"
        elif auth.kind == "basic":
            how = f"HTTP Basic, user `{auth.name}`, the key as password"
        else:
            how = f"{auth.kind} field `{auth.name}`"
        base = self.base_url or "<the key's base_url>"
        return f"`{self.method} {base}{self.path}`, key in {how}."


@dataclass(frozen=True)
class ProviderProbes:
    """A provider's default probe, its per-key-type variants and its opt-in paid probes."""

    default: Probe
    key_types: dict[str, Probe] = field(default_factory=dict)
    paid: dict[str, Probe] = field(default_factory=dict)

    def for_rule(self, rule_id: str | None) -> Probe:
        return self.key_types.get(rule_id or "", self.default)


def _lookup(body: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(body, dict) or part not in body:
            return _MISSING
        body = body[part]
    return body


_MISSING = object()


def _auth(raw: Any, line: int) -> Auth:
    if raw == "bearer":
        return BEARER
    if isinstance(raw, dict) and len(raw) in (1, 2):
        if "header" in raw and isinstance(raw["header"], str):
            scheme = raw.get("scheme", "")
            if not isinstance(scheme, str) or set(raw) - {"header", "scheme"}:
                raise ProbeProblem(line, "auth: a header form takes only 'header' and 'scheme'")
            return Auth("header", raw["header"], scheme)
        if len(raw) == 1:
            ((kind, name),) = raw.items()
            if kind in ("basic", "query", "form") and isinstance(name, str) and name:
                return Auth(kind, name)
    raise ProbeProblem(line, "auth must be 'bearer', {header: NAME[, scheme: S]}, {basic: USER}, {query: P} or {form: F}")


def _answers(raw: Any, line: int) -> tuple[Answer, ...]:
    if not isinstance(raw, list) or not raw:
        raise ProbeProblem(line, "answers must be a non-empty list")
    out = []
    for item in raw:
        where = getattr(item, "line", line)
        if not isinstance(item, dict) or set(item) - {"status", "means", "contains", "json", "note"}:
            raise ProbeProblem(where, "each answer takes status, means, and optional contains, json, note")
        status = item.get("status")
        statuses = tuple(status) if isinstance(status, list) else (status,)
        if not statuses or not all(isinstance(s, int) and 100 <= s <= 599 for s in statuses):
            raise ProbeProblem(where, "answer status must be an HTTP status or a list of them")
        if item.get("means") not in MEANINGS:
            raise ProbeProblem(where, f"answer means must be one of {', '.join(MEANINGS)}")
        matchers = item.get("json", {}) or {}
        if not isinstance(matchers, dict):
            raise ProbeProblem(where, "answer json must map dotted paths to values")
        out.append(Answer(statuses, item["means"], str(item.get("contains", "")),
                          tuple(sorted(matchers.items())), str(item.get("note", ""))))
    return tuple(out)


def _build(provider: str, raw: dict[str, Any], line: int, name: str = "") -> Probe:
    unknown = set(raw) - _PROBE_FIELDS
    if unknown:
        raise ProbeProblem(line, f"unknown probe field {sorted(unknown)[0]!r}")
    if raw.get("none"):
        return Probe(provider, None, "", none=str(raw["none"]), name=name)
    base_url = raw.get("base_url")
    if base_url is not None and (not isinstance(base_url, str) or urlsplit(base_url).scheme != "https"
                                 or not urlsplit(base_url).hostname):
        raise ProbeProblem(line, "base_url must be an https:// URL (keys only travel over HTTPS)")
    path = raw.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise ProbeProblem(line, "path must start with '/'")
    method = raw.get("method", "GET")
    if method not in METHODS:
        raise ProbeProblem(line, f"method must be one of {', '.join(METHODS)}")
    headers = raw.get("headers", {}) or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise ProbeProblem(line, "headers must map names to strings")
    metadata = raw.get("metadata")
    if metadata is not None and not (isinstance(metadata, dict) and isinstance(metadata.get("check"), str)):
        raise ProbeProblem(line, "metadata must be {check: NAME}")
    body = raw.get("json")
    return Probe(
        provider=provider,
        base_url=base_url,
        path=path,
        method=method,
        auth=_auth(raw.get("auth", "bearer"), line),
        headers=tuple(sorted(headers.items())),
        json_body=json.dumps(body, sort_keys=True) if body is not None else None,
        answers=_answers(raw.get("answers"), line),
        metadata=metadata["check"] if metadata else None,
        name=name,
    )


def _provider_probes(provider: str, raw: LineDict) -> ProviderProbes:
    unknown = set(raw) - _TOP_FIELDS
    if unknown:
        raise ProbeProblem(raw.line_of(sorted(unknown)[0]), f"unknown probe field {sorted(unknown)[0]!r}")
    base = {k: v for k, v in raw.items() if k in _PROBE_FIELDS}
    default = _build(provider, base, raw.line)
    variants = {}
    for rule_id, override in (raw.get("key_types") or {}).items():
        if not isinstance(override, dict):
            raise ProbeProblem(raw.line_of("key_types"), f"key_types.{rule_id} must be a mapping")
        if override.get("none"):
            merged = dict(override)
        else:
            merged = {k: v for k, v in {**base, **override}.items() if k != "none"}
        variants[rule_id] = _build(provider, merged, getattr(override, "line", raw.line))
    paid = {}
    for name, spec in (raw.get("paid") or {}).items():
        if not isinstance(spec, dict):
            raise ProbeProblem(raw.line_of("paid"), f"paid.{name} must be a mapping")
        paid[name] = _build(provider, dict(spec), getattr(spec, "line", raw.line), name=str(name))
    return ProviderProbes(default, variants, paid)


def load_probes(directory: Path | None = None) -> tuple[dict[str, ProviderProbes], list[ScanError]]:
    """The probes of the shipped rules (never a file of the checkout: docs/drift.md#a-pull-request-cannot-steal-a-key)."""
    probes: dict[str, ProviderProbes] = {}
    errors: list[ScanError] = []
    for path in rule_files_in(directory or default_rules_dir()):
        try:
            data = load_yaml_file(path)
        except (MalformedYaml, OSError):
            continue  # the rule loader reports these
        if not isinstance(data, LineDict) or not isinstance(data.get("provider"), str):
            continue
        raw = data.get("probe")
        if raw is None:
            continue
        if not isinstance(raw, LineDict):
            errors.append(ScanError(path.as_posix(), "probe must be a mapping", data.line_of("probe")))
            continue
        try:
            probes[data["provider"]] = _provider_probes(data["provider"], raw)
        except ProbeProblem as problem:
            errors.append(ScanError(path.as_posix(), f"probe: {problem.reason}", problem.line))
    return probes, errors
