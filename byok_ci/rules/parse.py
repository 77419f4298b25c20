"""One rule file's YAML into validated rules: each rule checked field by field, a bad rule
reported with its file, line, rule id and field and the file's other rules kept.

Imported only when rules are read from YAML: a scan whose rules come from the cache
(:mod:`byok_ci.rules.cache`) never parses YAML nor imports PyYAML's wrapper and the
error tree (the pre-commit hook's path, issue 16 §1).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from byok_ci._yaml import LineDict, load_yaml_file
from byok_ci.errors import MalformedYaml, RuleProblem
from byok_ci.model import SEVERITIES, ScanError
from byok_ci.rules.keygen import leading_literal, parse_format
from byok_ci.rules.model import Context, Examples, Provider, Rule
from byok_ci.rules.redos import catastrophic_backtracking, max_width

MAX_PATTERN_WIDTH = 8192
CHAR_CLASSES = ("upper", "lower", "digit")
_ID = re.compile(r"[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9.-]*")
_PROVIDER = re.compile(r"[a-z0-9][a-z0-9-]*")


def _compile(raw: Any, rule: LineDict, rid: str, name: str) -> re.Pattern[str]:
    line = rule.line_of(name)
    if not isinstance(raw, str) or not raw:
        raise RuleProblem(line, rid, name, "must be a non-empty string")
    try:
        compiled = re.compile(raw)
    except re.error as exc:
        raise RuleProblem(line, rid, name, f"invalid regular expression ({exc.msg} at position {exc.pos})") from None
    risk = catastrophic_backtracking(raw)
    if risk:
        raise RuleProblem(line, rid, name, f"can backtrack catastrophically: {risk}")
    return compiled


def _build_rule(raw: Any, provider: Provider, source: str) -> Rule:
    if not isinstance(raw, LineDict):
        raise RuleProblem(getattr(raw, "line", 0), "?", "rules", "each rule must be a mapping")
    rid = raw.get("id")
    if not isinstance(rid, str) or not _ID.fullmatch(rid):
        raise RuleProblem(raw.line_of("id"), str(rid)[:40] if rid else "?", "id", "must look like <provider>.<key-type>")
    if rid.split(".", 1)[0] != provider.id:
        raise RuleProblem(raw.line_of("id"), rid, "id", f"must start with the file's provider id '{provider.id}.'")
    known = {
        "id", "description", "severity", "keywords", "pattern", "format", "prefix", "entropy", "require",
        "context", "allow", "allow_context", "boundary", "priority", "examples",
    }
    for key in raw:
        if key not in known:
            raise RuleProblem(raw.line_of(key), rid, str(key), "unknown field")

    description = raw.get("description")
    if not isinstance(description, str) or not description.strip():
        raise RuleProblem(raw.line_of("description"), rid, "description", "must be a non-empty string")
    severity = raw.get("severity", "error")
    if severity not in SEVERITIES:
        raise RuleProblem(raw.line_of("severity"), rid, "severity", "must be 'error' or 'warning'")
    keywords = raw.get("keywords")
    if not isinstance(keywords, list) or not keywords or not all(isinstance(k, str) and k for k in keywords):
        raise RuleProblem(raw.line_of("keywords"), rid, "keywords", "must be a non-empty list of strings")

    pattern = _compile(raw.get("pattern"), raw, rid, "pattern")
    width = max_width(pattern.pattern)
    if width > MAX_PATTERN_WIDTH:
        raise RuleProblem(raw.line_of("pattern"), rid, "pattern", f"must match at most {MAX_PATTERN_WIDTH} characters")
    if pattern.pattern.startswith("(?<"):
        raise RuleProblem(raw.line_of("pattern"), rid, "pattern", "must not start with a look-behind; use boundary")
    try:
        segments = parse_format(raw.get("format"))
    except ValueError as exc:
        raise RuleProblem(raw.line_of("format"), rid, "format", str(exc)) from None
    prefix = raw.get("prefix", leading_literal(segments))
    if not isinstance(prefix, str):
        raise RuleProblem(raw.line_of("prefix"), rid, "prefix", "must be a string")

    entropy = raw.get("entropy")
    if entropy is not None and (not isinstance(entropy, (int, float)) or isinstance(entropy, bool) or not 0 <= entropy <= 8):
        raise RuleProblem(raw.line_of("entropy"), rid, "entropy", "must be a number between 0 and 8")
    require = raw.get("require", [])
    if not isinstance(require, list) or any(r not in CHAR_CLASSES for r in require):
        raise RuleProblem(raw.line_of("require"), rid, "require", f"must be a list of {', '.join(CHAR_CLASSES)}")

    context = None
    raw_context = raw.get("context")
    if raw_context is not None:
        if not isinstance(raw_context, LineDict):
            raise RuleProblem(raw.line_of("context"), rid, "context", "must be a mapping with a pattern")
        before, after = raw_context.get("before", 200), raw_context.get("after", 80)
        for name, value in (("before", before), ("after", after)):
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 4096:
                raise RuleProblem(raw_context.line_of(name), rid, f"context.{name}", "must be an integer 0..4096")
        names = raw_context.get("names", [provider.id])
        if not isinstance(names, list) or not all(isinstance(n, str) and n.isalnum() and n.islower() for n in names):
            raise RuleProblem(raw_context.line_of("names"), rid, "context.names", "must be a list of lower-case words")
        context = Context(
            _compile(raw_context.get("pattern"), raw_context, rid, "context.pattern"), before, after, tuple(names)
        )

    allow_raw = raw.get("allow", [])
    if not isinstance(allow_raw, list):
        raise RuleProblem(raw.line_of("allow"), rid, "allow", "must be a list of regular expressions")
    allow = tuple(_compile(a, raw, rid, "allow") for a in allow_raw)
    allow_context_raw = raw.get("allow_context", [])
    if not isinstance(allow_context_raw, list):
        raise RuleProblem(raw.line_of("allow_context"), rid, "allow_context", "must be a list of regular expressions")
    allow_context = tuple(_compile(a, raw, rid, "allow_context") for a in allow_context_raw)

    boundary = raw.get("boundary", True)
    if not isinstance(boundary, bool):
        raise RuleProblem(raw.line_of("boundary"), rid, "boundary", "must be true or false")
    priority = raw.get("priority", 0)
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise RuleProblem(raw.line_of("priority"), rid, "priority", "must be an integer")

    examples_raw = raw.get("examples", {}) or {}
    if not isinstance(examples_raw, dict):
        raise RuleProblem(raw.line_of("examples"), rid, "examples", "must map positive/negative to lists")
    lists = {}
    for kind in ("positive", "negative"):
        items = examples_raw.get(kind, []) or []
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise RuleProblem(raw.line_of("examples"), rid, f"examples.{kind}", "must be a list of strings")
        lists[kind] = tuple(items)

    return Rule(
        id=rid,
        provider=provider.id,
        description=description.strip(),
        severity=severity,
        keywords=tuple(keywords),
        pattern=pattern,
        format=segments,
        prefix=prefix,
        entropy=float(entropy) if entropy is not None else None,
        require=frozenset(require),
        context=context,
        allow=allow,
        allow_context=allow_context,
        boundary=boundary,
        priority=priority,
        max_length=width,
        key_management=provider.key_management,
        examples=Examples(lists["positive"], lists["negative"]),
        source=source,
    )


def parse_rule_file(path: Path, display: str | None = None) -> tuple[Provider | None, list[Rule], list[ScanError]]:
    """Load one provider file. Errors name the file, line, rule id and field, never a value."""
    shown = display or path.as_posix()
    try:
        data = load_yaml_file(path)
    except MalformedYaml as exc:
        return None, [], [ScanError(shown, exc.args[0], exc.line)]
    except OSError as exc:
        return None, [], [ScanError(shown, f"cannot read rule file: {exc.strerror or exc}")]
    if not isinstance(data, LineDict):
        return None, [], [ScanError(shown, "a rule file must be a mapping with provider, name and rules", 1)]
    pid = data.get("provider")
    if not isinstance(pid, str) or not _PROVIDER.fullmatch(pid):
        return None, [], [ScanError(shown, "field 'provider' must be a lower-case provider id", data.line_of("provider"))]
    name = data.get("name", pid)
    key_management = data.get("key_management", "")
    provider = Provider(pid, str(name), str(key_management or ""))
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list):
        return provider, [], [ScanError(shown, "field 'rules' must be a list", data.line_of("rules"))]
    rules: list[Rule] = []
    errors: list[ScanError] = []
    for raw in raw_rules:
        try:
            rules.append(_build_rule(raw, provider, shown))
        except RuleProblem as problem:
            errors.append(
                ScanError(shown, f"rule {problem.rule_id}: field '{problem.field_name}' {problem.reason}", problem.line)
            )
    return provider, rules, errors

