"""The byok-ci baseline file: known findings keyed by fingerprint, byte-stable.

One JSON object per fingerprint, keys sorted, no timestamps and no absolute paths, so two
people creating a baseline on the same tree write the same bytes and a merge only conflicts
where the known secrets really differ. Paths an entry is bound to are POSIX and relative to
the baseline file's directory. ``first_seen`` is informational and never used for matching.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType

from byok_ci.model import FINGERPRINT_HEX_CHARS, Finding, ScanError
from byok_ci.paths import report_form

BASELINE_NAME = ".byok-ci-baseline.json"
FORMAT_VERSION = 1
_FINGERPRINT = re.compile(rf"[0-9a-f]{{{FINGERPRINT_HEX_CHARS}}}")
_ENTRY_FIELDS = {"rule_id": str, "redacted": str, "reason": str, "first_seen": str, "paths": list}


@dataclass(frozen=True)
class BaselineEntry:
    """A known secret. With ``paths`` it covers findings at those paths only."""

    fingerprint: str
    rule_id: str
    redacted: str
    paths: tuple[str, ...] = ()
    reason: str = ""
    first_seen: str = ""

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"rule_id": self.rule_id, "redacted": self.redacted}
        if self.paths:
            data["paths"] = sorted(self.paths)
        for name in ("reason", "first_seen"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        return data


@dataclass(frozen=True)
class Baseline:
    """Entries by fingerprint; ``base_dir`` is where bound paths are relative to (not stored)."""

    entries: Mapping[str, BaselineEntry] = field(default_factory=dict)
    base_dir: Path = Path(".")

    def covers(self, finding: Finding, root: Path) -> bool:
        entry = self.entries.get(finding.fingerprint)
        if entry is None:
            return False
        return not entry.paths or relative_path(finding.path, root, self.base_dir) in entry.paths


def relative_path(path: str, root: Path, base_dir: Path, flavour: ModuleType = os.path) -> str:
    """A finding's path (relative to the report root) as seen from the baseline's directory,
    in the form reports write (``/``, NFC) whatever the OS."""
    if "!" in path or path.startswith("<"):
        return path  # archive members and standard input keep their report form
    # Both directories physical, so a symlink on the way to either (macOS's /tmp) cannot
    # make the same file look like two paths.
    absolute = flavour.normpath(flavour.join(flavour.realpath(root), path))
    try:
        relative = flavour.relpath(absolute, flavour.realpath(base_dir))
    except ValueError:  # Windows: the baseline is on another drive
        relative = absolute
    return report_form(relative, flavour)


def from_findings(
    findings: Iterable[Finding],
    *,
    root: Path,
    base_dir: Path,
    bind_paths: bool = False,
    reason: str = "",
) -> Baseline:
    """A baseline of ``findings``; one entry per secret, bound to where it was seen if asked."""
    entries: dict[str, BaselineEntry] = {}
    for finding in sorted(findings, key=lambda f: (f.fingerprint, f.rule_id, f.path)):
        paths: tuple[str, ...] = (relative_path(finding.path, root, base_dir),) if bind_paths else ()
        known = entries.get(finding.fingerprint)
        if known is None:
            entries[finding.fingerprint] = BaselineEntry(finding.fingerprint, finding.rule_id, finding.redacted, paths, reason)
        elif paths and paths[0] not in known.paths:
            entries[finding.fingerprint] = replace(known, paths=tuple(sorted(known.paths + paths)))
    return Baseline(entries, base_dir)


@dataclass(frozen=True)
class Update:
    baseline: Baseline
    added: tuple[BaselineEntry, ...]
    stale: tuple[BaselineEntry, ...]
    pruned: bool


def update(old: Baseline, findings: Iterable[Finding], *, root: Path, prune: bool = False) -> Update:
    """Add the findings ``old`` does not know; list entries whose secret no longer appears.

    Entries keep their reason. A bound entry also gains the paths its secret now appears at
    (and, with ``prune``, loses the ones it no longer does); a stale entry is removed only
    with ``prune``.
    """
    findings = list(findings)
    bound = any(e.paths for e in old.entries.values())
    current = from_findings(findings, root=root, base_dir=old.base_dir, bind_paths=True)
    entries: dict[str, BaselineEntry] = {}
    stale, added = [], []
    for fp, entry in old.entries.items():
        seen = current.entries.get(fp)
        if seen is None:
            stale.append(entry)
            if not prune:
                entries[fp] = entry
        else:
            # Rule and redacted form follow the current scan; the reason stays.
            refreshed = replace(entry, rule_id=seen.rule_id, redacted=seen.redacted)
            if entry.paths:
                paths = seen.paths if prune else tuple(sorted(set(entry.paths) | set(seen.paths)))
                refreshed = replace(refreshed, paths=paths)
            entries[fp] = refreshed
    for fp, seen in current.entries.items():
        if fp not in entries and fp not in old.entries:
            new = seen if bound else replace(seen, paths=())
            entries[fp] = new
            added.append(new)
    return Update(Baseline(entries, old.base_dir), tuple(added), tuple(stale), prune)


def dumps(baseline: Baseline) -> str:
    """The file's bytes: sorted keys, two-space indent, a final newline."""
    data = {
        "version": FORMAT_VERSION,
        "tool": "byok-ci",
        "entries": {fp: baseline.entries[fp].to_dict() for fp in sorted(baseline.entries)},
    }
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_baseline(baseline: Baseline, path: Path) -> None:
    import errno

    from byok_ci.outbound import defuse_json, redact_text
    from byok_ci.report.output import committed_link

    link = committed_link(str(path))
    if link:  # a commit chose where it points (docs/robustness.md#faults-while-reporting)
        raise PermissionError(errno.EPERM, f"{link} is a symbolic link tracked by git; not written through")
    # Entries carry redacted forms only, but paths and reasons are the user's text.
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(defuse_json(redact_text(dumps(baseline))))


def is_byok_baseline(data: object) -> bool:
    return isinstance(data, dict) and "entries" in data


def not_found(path: Path) -> ScanError:
    return ScanError(path.as_posix(), "baseline not found; create one with `byok-ci baseline create`")


def read_baseline(path: Path) -> tuple[Baseline, list[ScanError]]:
    """Load a baseline file. A malformed entry is reported and skipped; the rest still load."""
    shown = path.as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Baseline(base_dir=path.parent), [not_found(path)]
    except OSError as exc:
        return Baseline(base_dir=path.parent), [ScanError(shown, f"cannot read baseline: {(exc.strerror or str(exc)).lower()}")]
    except UnicodeDecodeError:
        return Baseline(base_dir=path.parent), [ScanError(shown, "malformed baseline JSON: not UTF-8")]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return Baseline(base_dir=path.parent), [ScanError(shown, f"malformed baseline JSON: {exc.msg}", exc.lineno)]
    except RecursionError:
        return Baseline(base_dir=path.parent), [ScanError(shown, "malformed baseline JSON: nested too deeply")]
    return parse_baseline(data, text, path)


def parse_baseline(data: object, text: str, path: Path) -> tuple[Baseline, list[ScanError]]:
    shown = path.as_posix()
    empty = Baseline(base_dir=path.parent)
    if not is_byok_baseline(data):
        return empty, [ScanError(shown, "not a byok-ci baseline (no 'entries'; create one with `byok-ci baseline create`)", 1)]
    assert isinstance(data, dict)
    if data.get("version") != FORMAT_VERSION:
        return empty, [ScanError(shown, f"unsupported baseline version (this byok-ci reads version {FORMAT_VERSION})", 1)]
    raw = data["entries"]
    if not isinstance(raw, dict):
        return empty, [ScanError(shown, "'entries' must be an object keyed by fingerprint", _line_of(text, '"entries"'))]
    entries: dict[str, BaselineEntry] = {}
    errors: list[ScanError] = []
    for fp, item in raw.items():
        problem = _entry_problem(fp, item)
        if problem:
            errors.append(ScanError(shown, problem, _line_of(text, json.dumps(fp))))
            continue
        entries[fp] = BaselineEntry(
            fingerprint=fp,
            rule_id=item["rule_id"],
            redacted=item["redacted"],
            paths=tuple(item.get("paths", ())),
            reason=item.get("reason", ""),
            first_seen=item.get("first_seen", ""),
        )
    return Baseline(entries, path.parent), errors


def _entry_problem(fp: object, item: object) -> str:
    if not isinstance(fp, str) or not _FINGERPRINT.fullmatch(fp):
        return f"entry key must be a fingerprint of {FINGERPRINT_HEX_CHARS} lowercase hex digits"
    if not isinstance(item, dict):
        return f"entry {fp} must be an object"
    for name in item:
        if name not in _ENTRY_FIELDS:
            return f"entry {fp}: unknown field '{name}' (known: {', '.join(sorted(_ENTRY_FIELDS))})"
    for name in ("rule_id", "redacted"):
        if name not in item:
            return f"entry {fp}: missing field '{name}'"
    for name, kind in _ENTRY_FIELDS.items():
        if name in item and not isinstance(item[name], kind):
            return f"entry {fp}: field '{name}' must be a {'list of paths' if kind is list else 'string'}"
    if not all(isinstance(p, str) for p in item.get("paths", ())):
        return f"entry {fp}: field 'paths' must be a list of paths"
    return ""


def _line_of(text: str, needle: str) -> int | None:
    at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else None
