"""`byok-ci report merge`: the JSON reports of a sharded scan (:mod:`byok_ci.shard`) as one report.

Each shard's report records which shard it is (``K/N``), what it scanned (an id of the file
tree, or of the commit and refs) and the rules' digest. The merge reads the reports one at
a time and checks that they are every shard of one scan, each once: a missing or duplicated
shard, shards of different trees or rules, or a finding two shards both report (a wrong
assignment) are errors of the merged report, which makes it incomplete (exit 2), never clean.
A key in a directory's name is the one exception: a name, not content, it is met by every
shard holding a file below that directory, and reported once.
Counts are summed, except ``commits``: every history shard walks every commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from byok_ci.model import CommitInfo, Finding, Report, RuleInfo, ScanError, Stats
from byok_ci.report.json import ENVELOPE_VERSION

__all__ = ["merge_reports"]

_FINDING_FIELDS = {f.name for f in fields(Finding)}
_STATS_FIELDS = {f.name for f in fields(Stats)}


@dataclass
class _Shard:
    name: str
    index: int
    count: int
    scanned: str
    digest: str
    command: str


@dataclass
class _Merge:
    findings: dict[tuple[Any, ...], tuple[Finding, str]] = field(default_factory=dict)
    errors: dict[ScanError, None] = field(default_factory=dict)
    warnings: dict[ScanError, None] = field(default_factory=dict)
    problems: list[ScanError] = field(default_factory=list)
    stats: Stats | None = None
    shards: list[_Shard] = field(default_factory=list)
    rules_count: int = 0

    def add(self, name: str, data: dict[str, Any]) -> None:
        tool = data.get("tool") or {}
        rules = tool.get("rules") or {}
        index, count = _shard_of(data.get("shard"))
        shard = _Shard(name, index, count, str(data.get("scanned") or ""), str(rules.get("digest") or ""),
                       str(data.get("command") or "scan"))
        twin = next((s for s in self.shards if (s.index, s.count) == (index, count)), None)
        if twin is not None:
            self.problems.append(ScanError(name, f"shard {index}/{count} is also {twin.name}: a shard was given "
                                           "twice; this one was left out"))
            return
        self.shards.append(shard)
        self.rules_count = self.rules_count or int(rules.get("count") or 0)
        for raw in data.get("findings") or ():
            finding = _finding(raw)
            key = (finding.found_in, finding.rule_id, finding.fingerprint, finding.path, finding.line,
                   finding.column, finding.commit)
            earlier = self.findings.get(key)
            if earlier is not None and finding.found_in == "path" and finding == earlier[0]:
                continue  # a key in a directory name: every shard holding a file below it names it
            if earlier is not None:
                self.problems.append(ScanError(name, f"shard {index}/{count} reports a finding ({finding.rule_id} "
                                               f"at {finding.path}) that {earlier[1]} reports too: the shards overlap "
                                               "(a wrong assignment); the merged report is incomplete"))
                continue
            self.findings[key] = (finding, f"{name} (shard {index}/{count})")
        for raw in data.get("errors") or ():
            self.errors.setdefault(_error(raw), None)
        for raw in data.get("warnings") or ():
            self.warnings.setdefault(_error(raw), None)
        stats = _stats(data.get("stats") or {})
        if self.stats is None:
            self.stats = stats
        else:
            commits = self.stats.commits if stats.commits is None else max(self.stats.commits or 0, stats.commits)
            self.stats = replace(self.stats + stats, commits=commits)

    def check_shards(self) -> None:
        """Every shard of one scan, each once."""
        if not self.shards:
            return
        first = self.shards[0]
        for shard in self.shards[1:]:
            apart = _plan_apart(shard.scanned, first.scanned)
            if apart and shard.count == first.count:
                self.problems.append(ScanError(shard.name, f"shard {shard.index}/{shard.count} cut the history into "
                                               f"shards otherwise than {first.name} (assignment {apart}): paths may "
                                               "be in no shard; run every shard with the same git on the same clone"))
                continue
            for what, mine, theirs in (("shard count", shard.count, first.count),
                                       ("scanned tree", shard.scanned, first.scanned),
                                       ("rules digest", shard.digest, first.digest),
                                       ("command", shard.command, first.command)):
                if mine != theirs:
                    self.problems.append(ScanError(shard.name, f"{what} {mine or 'none'} differs from "
                                                   f"{first.name}'s ({theirs or 'none'}): not shards of one scan; "
                                                   "merge the reports of one scan only"))
                    break
        seen = {shard.index for shard in self.shards}
        missing = [str(k) for k in range(1, first.count + 1) if k not in seen]
        if missing:
            self.problems.append(ScanError(
                "merge", f"shard(s) {', '.join(missing)} of {first.count} missing: what they scan is not in this "
                "report (a shard's job failed or its report was not given)"))


def _plan_apart(mine: str, theirs: str) -> str:
    """"A against B" where two history shards scanned the same commits and refs under different
    assignments (``scanned`` ends ``+plan:<id>``), else empty."""
    mine_scanned, _, mine_plan = mine.partition("+plan:")
    theirs_scanned, _, theirs_plan = theirs.partition("+plan:")
    apart = mine_scanned == theirs_scanned and mine_plan and theirs_plan and mine_plan != theirs_plan
    return f"{mine_plan} against {theirs_plan}" if apart else ""


def merge_reports(paths: Sequence[str | Path], rules: Iterable[RuleInfo] = ()) -> Report:
    """The shards' JSON reports at ``paths`` as one report (read one at a time).

    ``rules`` describe rule ids for reports that need them (SARIF); problems reading or
    matching the inputs are blocking errors of the report returned.
    """
    merge = _Merge()
    read_problems: list[ScanError] = []
    for path in paths:
        name = Path(path).as_posix()
        try:
            with open(path, encoding="utf-8") as stream:
                data = json.load(stream)
        except OSError as exc:
            read_problems.append(ScanError(name, f"cannot read: {(exc.strerror or str(exc)).lower()}"))
            continue
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: nested too deep
            line = getattr(exc, "lineno", None)
            read_problems.append(ScanError(name, f"not a byok-ci JSON report ({type(exc).__name__})", line))
            continue
        if not isinstance(data, dict) or data.get("version") != ENVELOPE_VERSION:
            read_problems.append(ScanError(name, f"not a byok-ci JSON report of version {ENVELOPE_VERSION}"))
            continue
        try:
            merge.add(name, data)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            read_problems.append(ScanError(name, f"malformed byok-ci JSON report: {exc}"))
    merge.check_shards()
    infos = {info.id: info for info in rules}
    findings = [finding for finding, _ in merge.findings.values()]
    first = merge.shards[0] if merge.shards else None
    return Report(
        command=first.command if first else "scan",
        findings=sorted(findings, key=Finding.sort_key),
        errors=[*read_problems, *merge.problems, *merge.errors],
        stats=merge.stats or Stats(),
        warnings=list(merge.warnings),
        rules_count=merge.rules_count,
        rules_digest=first.digest if first else "",
        rules={rid: infos[rid] for rid in sorted({f.rule_id for f in findings}) if rid in infos},
        scanned=first.scanned if first else "",
    )


def _shard_of(value: object) -> tuple[int, int]:
    """``K/N`` of a report; an unsharded report is the one shard of its scan."""
    if value is None:
        return 1, 1
    from byok_ci.shard import parse_shard

    shard = parse_shard(str(value))
    return shard.index, shard.count


def _finding(raw: dict[str, Any]) -> Finding:
    values = {k: v for k, v in raw.items() if k in _FINDING_FIELDS}
    info = values.get("commit_info")
    if info is not None:
        values["commit_info"] = CommitInfo(str(info["author"]), str(info["date"]))
    return Finding(**values)


def _error(raw: dict[str, Any]) -> ScanError:
    return ScanError(str(raw["path"]), str(raw["message"]), raw.get("line"), raw.get("column"),
                     blocking=bool(raw.get("blocking", True)))


def _stats(raw: dict[str, Any]) -> Stats:
    return Stats(**{k: v for k, v in raw.items() if k in _STATS_FIELDS})
