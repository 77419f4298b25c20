"""Load rule files into typed, immutable rules.

Raw YAML → validation with a precise error (file, line, rule id, field) → frozen
:class:`~byok_ci.rules.model.Rule` records with compiled regexes. A bad rule is dropped and
reported; the other rules of the file still load, so one typo never silently disables a
whole provider.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from byok_ci._sha256 import sha256
from byok_ci._yaml import LineDict, load_yaml_file
from byok_ci.errors import MalformedYaml, RuleProblem
from byok_ci.model import SEVERITIES, ScanError
from byok_ci.outbound import remember_rules
from byok_ci.rules.keygen import leading_literal, parse_format
from byok_ci.rules.files import rule_files_in, rule_ids_in
from byok_ci.rules.model import Context, Examples, Provider, Rule, RuleSet, default_rules_dir
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


def load_rule_file(path: Path, display: str | None = None) -> tuple[Provider | None, list[Rule], list[ScanError]]:
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


def load_rules(
    paths: Sequence[Path | str] | None = None,
    *,
    extra: Sequence[Path | str] = (),
    disabled: Iterable[str] = (),
) -> RuleSet:
    """Load rule files (default: the shipped rules), plus ``extra`` files, minus ``disabled`` ids.

    Each path may be a rule file or a directory of them. Problems are collected in
    ``RuleSet.errors``; rules that loaded are kept. A later rule with an id already loaded is
    reported and ignored.
    """
    sources = [Path(p) for p in paths] if paths is not None else [default_rules_dir()]
    files: list[Path] = []
    seen_files: set[Path] = set()
    everything = [*sources, *(Path(p) for p in extra)]
    for source in everything:
        for path in rule_files_in(source) if source.is_dir() else [source]:
            if len(everything) == 1:
                files.append(path)  # one directory lists each file once: no need to resolve
                continue
            # The same file named twice (e.g. `--rules rules/` in a checkout) loads once.
            resolved = path.resolve()
            if resolved not in seen_files:
                seen_files.add(resolved)
                files.append(path)
    digest = sha256()
    contents: list[bytes] = []
    for path in files:
        try:
            contents.append(path.read_bytes())
        except OSError:
            pass
    for content in contents:
        digest.update(content)
    # The contents' digest also keys the rule cache: the files are hashed once, not twice.
    loaded = _load_files(files, contents, digest.digest())
    rules: list[Rule] = []
    providers: dict[str, Provider] = {}
    errors: list[ScanError] = []
    seen: set[str] = set()
    broken: list[Path] = []
    for path, (provider, file_rules, file_errors) in zip(files, loaded):
        errors.extend(file_errors)
        if file_errors:
            broken.append(path)
        if provider is not None:
            providers.setdefault(provider.id, provider)
        for rule in file_rules:
            if rule.id in seen:
                errors.append(ScanError(path.as_posix(), f"rule {rule.id}: duplicate id; the first definition is kept"))
                continue
            seen.add(rule.id)
            rules.append(rule)
    # Whatever byok-ci prints is redacted with every rule it has loaded, disabled ones too:
    # turning a rule off stops its findings, not the redaction of its keys.
    remember_rules(rules)
    drop = set(disabled)
    if drop:
        # Renamed ids still turn their rule off; an id that names no rule is an error, never
        # a setting that silently does nothing (the CLI and the config catch it earlier).
        from byok_ci.rules.ids import load_registry

        # A rule that failed to load is reported already; turning it off is no mistake.
        failed = [rule_id for path in broken for rule_id in rule_ids_in(path)]
        known = load_registry().with_detection([*(r.id for r in rules), *failed])
        for rule_id in sorted(drop):
            why = known.unknown_detection(rule_id)
            if why:
                errors.append(ScanError("disable_rules", why))
        drop = {known.canonical(rule_id) for rule_id in drop}
    kept = tuple(r for r in rules if r.id not in drop)
    digest.update(",".join(sorted(drop)).encode())
    return RuleSet(kept, providers, tuple(errors), digest.hexdigest()[:16])


def _load_files(files: Sequence[Path], contents: Sequence[bytes],
                contents_digest: bytes) -> list[tuple[Provider | None, list[Rule], list[ScanError]]]:
    """Each file's provider, rules and errors: from the cache (:mod:`byok_ci.rules.cache`)
    when it holds these contents, else from YAML (then cached)."""
    from byok_ci.rules import cache

    shown = [path.as_posix() for path in files]
    # A file that could not be read is not cached: loading it says why, every time.
    cacheable = cache.enabled() and len(contents) == len(files)
    key = cache.key_of(contents_digest, [len(content) for content in contents]) if cacheable else ""
    loaded = cache.load(key, shown) if cacheable else None
    if loaded is None:
        loaded = [load_rule_file(path) for path in files]
        if cacheable:
            cache.store(key, loaded)
    return loaded
