"""`byok-ci revoke-plan`: what to revoke first, where and how, from a scan's JSON report.

Each distinct leaked key (by fingerprint) becomes one item: its provider and key type, who
introduced it (the commit author where the report knows it, else the files it is in),
where it was found, whether the provider still accepts it (``scan --verify``), the steps to
revoke it (``rules/_revoke.yaml``, else the provider's key page) and the manifest entries
whose secret is that key. Items are ordered live first, then unknown (or not verified),
then revoked; within that by provider and owner. The plan reads only the report (which
holds no key) and, for manifest entries, secret references it can resolve without the
network (``env://``, ``file://``, ``BYOK_CI_SECRET_<NAME>``): their values are fingerprinted
and dropped at once. Other references (``vault://``) are matched by provider only, and the
plan says so.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from byok_ci.errors import ReportUnreadable
from byok_ci.exitcodes import category
from byok_ci.model import fingerprint
from byok_ci.rules import load_rules
from byok_ci.rules.revoke import RevokeSteps, load_revoke

__all__ = ["PlanItem", "RevokePlan", "load_report", "plan_markdown", "revoke_plan"]

ORDER = ("live", "unknown", "revoked")


@dataclass(frozen=True)
class ManifestMatch:
    """A manifest entry to rotate: ``how`` it was matched (fingerprint, or provider only)."""

    name: str
    env: str
    secret: str
    line: int
    how: str


@dataclass(frozen=True)
class PlanItem:
    provider: str
    provider_name: str
    rule_id: str
    redacted: str
    fingerprint: str
    verified: str  # live | unknown | revoked ("unknown" when the scan did not verify)
    verified_detail: str
    owner: str
    found_at: tuple[str, ...]
    key_page: str
    steps: RevokeSteps | None
    manifest: tuple[ManifestMatch, ...] = ()


@dataclass(frozen=True)
class RevokePlan:
    items: tuple[PlanItem, ...]
    manifest: str = ""  # the manifest read, "" when none
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {"version": 1, "manifest": self.manifest or None, "notes": list(self.notes),
                "items": [_item_dict(i, n) for n, i in enumerate(self.items, 1)]}


def load_report(path: Path) -> dict[str, Any]:
    """The JSON envelope of ``path``, or ReportUnreadable saying why (one line)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportUnreadable(f"{path}: cannot read it: {(exc.strerror or str(exc)).lower()}") from None
    except ValueError as exc:
        raise ReportUnreadable(f"{path}: not JSON ({exc})") from None
    except RecursionError:
        raise ReportUnreadable(f"{path}: not JSON (nested too deeply)") from None
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("findings"), list):
        raise ReportUnreadable(f"{path}: not a byok-ci JSON report (write one with byok-ci scan --json FILE)")
    return data


def revoke_plan(report: Mapping[str, Any], *, manifest: Path | None = None,
                environ: Mapping[str, str] | None = None) -> RevokePlan:
    """The plan for the leaked keys of ``report`` (a JSON envelope), with ``manifest``'s entries."""
    ruleset = load_rules()
    steps, _ = load_revoke(providers=ruleset.providers)
    rules = {r.id: r for r in ruleset.rules}
    by_key: dict[str, list[dict[str, Any]]] = {}
    for finding in report.get("findings", []):
        if isinstance(finding, dict) and category(str(finding.get("rule_id", ""))) == "leaks" \
                and finding.get("fingerprint"):
            by_key.setdefault(str(finding["fingerprint"]), []).append(finding)
    entries, notes = _manifest_fingerprints(manifest, environ) if manifest else ([], [])
    items = []
    for fp, found in by_key.items():
        first = found[0]
        rule_id, provider = str(first.get("rule_id", "")), str(first.get("provider", ""))
        rule = rules.get(rule_id)
        info = ruleset.providers.get(provider)
        status = str(first.get("verified") or "unknown")
        detail = str(first.get("verified_detail") or first.get("verified_reason") or
                     ("" if first.get("verified") else "not verified (scan --verify asks the provider)"))
        authors = sorted({str(f["commit_info"]["author"]) for f in found
                          if isinstance(f.get("commit_info"), dict) and f["commit_info"].get("author")})
        where = tuple(sorted({_where(f) for f in found}))
        owner = ", ".join(authors) if authors else "files " + ", ".join(sorted({str(f.get("path")) for f in found}))
        matches = tuple(_matches(entries, fp, provider))
        items.append(PlanItem(
            provider, getattr(info, "name", provider) or provider, rule_id, str(first.get("redacted", "")), fp,
            status if status in ORDER else "unknown", detail, owner, where,
            rule.key_management if rule else getattr(info, "key_management", ""),
            steps[provider].for_rule(rule_id) if provider in steps else None, matches,
        ))
    items.sort(key=lambda i: (ORDER.index(i.verified), i.provider, i.owner, i.fingerprint))
    return RevokePlan(tuple(items), manifest.as_posix() if manifest else "", tuple(notes))


def _where(finding: Mapping[str, Any]) -> str:
    where = f"{finding.get('path')}:{finding.get('line')}"
    return f"{where} (commit {str(finding['commit'])[:12]})" if finding.get("commit") else where


def _manifest_fingerprints(manifest: Path, environ: Mapping[str, str] | None
                           ) -> tuple[list[tuple[ManifestMatch, str, str | None]], list[str]]:
    """(entry, provider, fingerprint of its secret or None) per manifest key, and notes."""
    from byok_ci.drift.secrets import override_variable, resolve_secret
    from byok_ci.drift.targets import DriftTarget
    from byok_ci.errors import DriftError, ManifestError
    from byok_ci.manifest.load import load_manifest

    try:
        loaded = load_manifest(manifest, shown=manifest.as_posix())
    except ManifestError as exc:
        return [], [f"{manifest}: {exc.reason}; no manifest entries matched"]
    env = environ if environ is not None else os.environ
    out: list[tuple[ManifestMatch, str, str | None]] = []
    unresolved = 0
    for entry in loaded.keys:
        if not entry.name or not entry.provider:
            continue
        ref = str(entry.secret or "")
        digest = None
        if ref.startswith(("env://", "file://")) or env.get(override_variable(entry.name)):
            target = DriftTarget(entry.env or "", entry.name, entry.provider, ref, manifest=str(manifest))
            try:
                digest = fingerprint(resolve_secret(target, env))  # the value is dropped here
            except DriftError:
                digest = None
        if digest is None:
            unresolved += 1
        out.append((ManifestMatch(entry.name, entry.env or "", ref, entry.pos[0], ""), entry.provider, digest))
    notes = [f"{unresolved} manifest key(s) have a secret this run could not read without the network "
             "(vault://, or an unset variable): they are listed by provider only; check them by hand"] if unresolved else []
    return out, notes


def _matches(entries: Sequence[tuple[ManifestMatch, str, str | None]], fp: str, provider: str) -> list[ManifestMatch]:
    exact = [m for m, _, digest in entries if digest == fp]
    if exact:
        return [ManifestMatch(m.name, m.env, m.secret, m.line, "fingerprint") for m in exact]
    return [ManifestMatch(m.name, m.env, m.secret, m.line, "provider") for m, p, digest in entries
            if p == provider and digest is None]


def _item_dict(item: PlanItem, order: int) -> dict[str, Any]:
    data = asdict(item)
    data["order"] = order
    data["found_at"] = list(item.found_at)
    data["manifest"] = [asdict(m) for m in item.manifest]
    return data


def plan_markdown(plan: RevokePlan) -> str:
    """The plan as Markdown: one numbered section per key, in the order to act. What the
    report and the manifest hold (file names, authors, references) is shown escaped, so it
    cannot add a line to the plan or drive the terminal that shows it."""
    from byok_ci.outbound import escape_terminal, markdown_text

    # Outside a code span a commit author or file name ("[revoke here](https://…)", "<img …>")
    # would be a link or HTML in the rendered plan: shown as text instead.
    plan = _escaped_plan(plan, escape_terminal, markdown_text)
    if not plan.items:
        return "# Revoke plan\n\nNo leaked keys in this report: nothing to revoke.\n"
    lines = ["# Revoke plan", "",
             "Revoke in this order: keys the provider still accepts first, then those not known, then those "
             "already refused (rotate their users all the same). Removing a key from the code does not "
             "revoke it.", ""]
    lines += [f"> {note}" for note in plan.notes] + ([""] if plan.notes else [])
    for n, item in enumerate(plan.items, 1):
        lines += [f"## {n}. {item.provider_name} `{item.redacted}` ({item.verified})", "",
                  f"- Key type: `{item.rule_id}`, fingerprint `{item.fingerprint}`",
                  f"- Liveness: {item.verified}" + (f" ({item.verified_detail})" if item.verified_detail else ""),
                  f"- Owner: {item.owner}",
                  f"- Found at: {', '.join(item.found_at)}"]
        if item.steps is not None:
            # A placeholder such as "<the key>" is an HTML tag to Markdown, and vanishes.
            lines.append(f"- Console: {_no_tags(item.steps.console)}")
            if item.steps.find:
                lines.append(f"- Find the key: {_no_tags(item.steps.find)}")
            if item.steps.api:
                lines.append(f"- API: `{item.steps.api}`")
            if item.steps.docs:
                lines.append(f"- Provider docs: <{item.steps.docs}>")
        if item.key_page:
            lines.append(f"- Key page: <{item.key_page}>")
        for m in item.manifest:
            how = "same key" if m.how == "fingerprint" else "same provider, not confirmed"
            lines.append(f"- Rotate manifest key `{m.name}` ({m.env or 'organization'}, `{m.secret}`, line {m.line}): "
                         f"{how}")
        lines += ["- Then: create a new key, store it in the secret manager, update every secret that held "
                  "this one, and check the provider's usage for calls you did not make.", ""]
    return "\n".join(lines)


def _no_tags(text: str) -> str:
    return text.replace("<", "\\<")


def _escaped_plan(plan: RevokePlan, escape: Callable[[str], str], plain: Callable[[str], str]) -> RevokePlan:
    """``escape`` for what the plan shows in code spans, ``plain`` for what it shows as text."""
    def item(i: PlanItem) -> PlanItem:
        manifest = tuple(replace(m, name=escape(m.name), env=plain(m.env), secret=escape(m.secret))
                         for m in i.manifest)
        return replace(i, redacted=escape(i.redacted), rule_id=escape(i.rule_id), owner=plain(i.owner),
                       provider_name=plain(i.provider_name), verified_detail=plain(i.verified_detail),
                       found_at=tuple(plain(w) for w in i.found_at), manifest=manifest)

    return replace(plan, items=tuple(item(i) for i in plan.items), notes=tuple(plain(n) for n in plan.notes))
