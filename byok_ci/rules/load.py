"""Load rule files into typed, immutable rules.

Raw YAML → validation with a precise error (file, line, rule id, field) → frozen
:class:`~byok_ci.rules.model.Rule` records with compiled regexes. A bad rule is dropped and
reported; the other rules of the file still load, so one typo never silently disables a
whole provider. The YAML is read and checked by :mod:`byok_ci.rules.parse`, imported only
when the cache (:mod:`byok_ci.rules.cache`) does not hold the files' rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from byok_ci._sha256 import sha256
from byok_ci.model import ScanError
from byok_ci.outbound import remember_rules
from byok_ci.rules.files import rule_files_in, rule_ids_in
from byok_ci.rules.model import Provider, Rule, RuleSet, default_rules_dir


def load_rule_file(path: Path, display: str | None = None) -> tuple[Provider | None, list[Rule], list[ScanError]]:
    """Load one provider file. Errors name the file, line, rule id and field, never a value."""
    from byok_ci.rules.parse import parse_rule_file

    return parse_rule_file(path, display)


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
