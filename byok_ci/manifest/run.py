"""Run every manifest check and build the shared :class:`Report` (findings, checks, errors)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace
from pathlib import Path

from byok_ci.rules.ids import rule_infos
from byok_ci.config import Settings
from byok_ci.detect.engine import Detector
from byok_ci.errors import ManifestError
from byok_ci.manifest.checks import KEY_CHECKS, Context, Issue, Verdict, check_workflows
from byok_ci.manifest.load import load_manifest
from byok_ci.manifest.located import MAX_BYTES
from byok_ci.manifest.model import KeyEntry, Manifest
from byok_ci.manifest.policy import Policy, Problem, apply_layer, load_shipped_policy
from byok_ci.manifest.workflows import SecretUse, secret_uses, workflow_files
from byok_ci.model import Check, Chunk, Finding, Report, ScanError, Stats, fingerprint
from byok_ci.paths import report_root, shown_path
from byok_ci.rules import RuleSet, load_rules
from byok_ci.suppress.stage import Suppression

COMMAND = "manifest check"
_WITHHELD = "(text withheld: it would contain a key)"


def _error(problem: Problem) -> ScanError:
    return ScanError(problem.path, problem.message, problem.line, problem.column)


def base_policy(settings: Settings, errors: list[ScanError]) -> Policy:
    """Shipped defaults, then the config file's ``policy:``; problems go to ``errors``."""
    policy, problems = load_shipped_policy()
    if settings.policy is not None:
        shown = settings.config_path.as_posix() if settings.config_path else ".byok-ci.yaml"
        policy, more = apply_layer(policy, settings.policy, shown)
        problems += more
    errors.extend(_error(p) for p in problems)
    return policy


class _Builder:
    """Turns verdicts into checks and findings, applying levels, --strict and the no-leak guard."""

    def __init__(self, manifest: Manifest, detector: Detector, strict: bool) -> None:
        self.manifest, self.detector, self.strict = manifest, detector, strict
        self.findings: list[Finding] = []
        self.checks: list[Check] = []
        self._safe: dict[str, str] = {}

    def safe(self, text: str) -> str:
        # Messages quote names, environments and scopes; none should hold a key, but if one
        # does, the key must not reach a report through the message.
        if text not in self._safe:
            found = text and self.detector.detect(Chunk(text=text, path="<message>"))
            self._safe[text] = _WITHHELD if found else text
        return self._safe[text]

    def add(self, rule_id: str, verdict: Verdict, *, suite_env: str, key: str | None, provider: str,
            pos: tuple[int, int], seconds: float, name: str, path: str | None = None) -> None:
        """One check from one verdict; ``path`` and ``pos`` say where a passing check looked."""
        level = self.manifest.policy.level(rule_id)
        suite = f"manifest/{suite_env}" if suite_env else "manifest"
        key = self.safe(key) if key else key
        name = self.safe(name)
        findings = [self.finding(rule_id, issue, level, suite_env, key, provider) for issue in verdict.issues]
        self.findings.extend(findings)
        if findings:
            outcome = "failed" if any(f.severity == "error" for f in findings) else "warning"
            first = next(f for f in findings if f.severity == "error") if outcome == "failed" else findings[0]
            detail = "\n".join(f"{f.path}:{f.line}:{f.column}: {f.severity}: {f.message}" for f in findings)
            check = Check(suite, name, outcome, seconds, first.path, first.line, first, detail)
        else:
            outcome = "skipped" if verdict.skipped else "inconclusive" if verdict.inconclusive else "passed"
            detail = self.safe(verdict.skipped or verdict.inconclusive or verdict.detail)
            check = Check(suite, name, outcome, seconds, path or self.manifest.path, pos[0], None, detail)
        self.checks.append(check)

    def finding(self, rule_id: str, issue: Issue, level: str, env: str, key: str | None, provider: str) -> Finding:
        severity = "warning" if issue.warn or level == "warning" else "error"
        if self.strict:
            severity = "error"
        identity = f"{rule_id}\0{key or ''}\0{issue.identity or issue.message}"
        return Finding(
            rule_id=rule_id,
            provider=issue.provider or provider or "manifest",
            severity=severity,
            path=issue.path or self.manifest.path,
            line=issue.pos[0],
            column=issue.pos[1],
            message=self.safe(issue.message),
            redacted=issue.redacted,
            fingerprint=issue.fingerprint or fingerprint(identity),
            key=key,
            env=env or None,
        )

    def skipped(self, rule_id: str, entry: KeyEntry, name: str) -> None:
        suite = f"manifest/{entry.env}" if entry.env else "manifest"
        detail = f"{rule_id} is turned off by the policy"
        self.checks.append(Check(suite, name, "skipped", 0.0, self.manifest.path, entry.pos[0], None, detail))


def _inline_issues(manifest: Manifest, detector: Detector, settings: Settings) -> tuple[dict[int, tuple[Issue, ...]], list[Issue]]:
    """Keys written into the manifest, by the key entry they sit in (or the manifest at large);
    the settings' ``allow_fingerprints`` hold back what they know."""
    by_entry: dict[int, list[Issue]] = {}
    loose: list[Issue] = []
    allowed = Suppression(allowed=frozenset(settings.allow_fingerprints))
    keys, _ = allowed.apply(detector.detect(Chunk(text=manifest.text, path=manifest.path)), Path(manifest.path).parent)
    for found in keys:
        issue = Issue(
            f"{found.message}; keep keys out of the manifest and reference them (env://, vault://, aws-sm://, …)",
            (found.line, found.column),
            redacted=found.redacted,
            fingerprint=found.fingerprint,
            provider=found.provider,
        )
        entry = manifest.entry_at_line(found.line)
        if entry is None:
            loose.append(issue)
        else:
            by_entry.setdefault(entry.index, []).append(issue)
    return {k: tuple(v) for k, v in by_entry.items()}, loose


def _scan_unloadable(path: Path, shown: str, ruleset: RuleSet, settings: Settings) -> _Builder | None:
    """A manifest that is not valid YAML can still hold a key: scan its text anyway."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if not raw or len(raw) > MAX_BYTES:
        return None
    detector = Detector(ruleset)
    text = raw.decode("utf-8", errors="replace")
    manifest = Manifest(path=shown, project="", keys=(), policy=Policy(), text=text)
    _, loose = _inline_issues(manifest, detector, settings)
    if not loose:
        return None
    build = _Builder(manifest, detector, False)
    build.add("manifest.inline-secret", Verdict(tuple(loose)), suite_env="", key=None, provider="",
              pos=(1, 1), seconds=0.0, name="manifest: inline-secret")
    return build


def _workflow_uses(root: Path, errors: list[ScanError], report_root: Path) -> list[SecretUse]:
    uses: list[SecretUse] = []
    for path in workflow_files(root):
        shown = shown_path(path, report_root)
        try:
            uses.extend(secret_uses(path, shown))
        except ManifestError as exc:
            errors.append(ScanError(exc.path, exc.reason, exc.line, exc.column))
    return uses


def check_manifest(
    path: str | Path,
    *,
    today: dt.date | None = None,
    settings: Settings | None = None,
    strict: bool = False,
    rules: RuleSet | None = None,
    workflows_root: str | Path | None = None,
    shown: str | None = None,
    root: str | Path | None = None,
) -> Report:
    """Check a key manifest: every key against every check, plus the GitHub workflows.

    ``workflows_root`` holds ``.github/workflows`` (default: the manifest's directory).
    Paths in the report are relative to ``root`` (default: the report root of the
    manifest, see :mod:`byok_ci.paths`); ``shown`` overrides the manifest's.
    With ``strict``, warnings count as failures. A manifest that cannot be loaded at all
    is an error in ``report.errors`` and no check runs.
    """
    started = time.perf_counter()
    settings = settings or Settings()
    path = Path(path)
    base = Path(root) if root is not None else report_root([path])
    shown = shown or shown_path(path, base)
    ruleset = rules if rules is not None else load_rules(extra=settings.rule_files, disabled=settings.disable_rules)
    errors = list(ruleset.errors)
    policy = base_policy(settings, errors)

    def report(build: _Builder | None, stats: Stats = Stats()) -> Report:
        return Report(command=COMMAND, findings=sorted(build.findings, key=Finding.sort_key) if build else (),
                      errors=errors, stats=replace(stats, seconds=time.perf_counter() - started),
                      rules_count=len(ruleset.rules), rules_digest=ruleset.digest, rules=rule_infos("manifest"),
                      checks=build.checks if build else (), root=str(base))

    try:
        manifest = load_manifest(path, base_policy=policy, providers=ruleset.providers, shown=shown)
    except ManifestError as exc:
        errors.append(ScanError(exc.path, exc.reason, exc.line, exc.column))
        return report(_scan_unloadable(path, shown, ruleset, settings))
    detector = Detector(ruleset)
    inline, loose = _inline_issues(manifest, detector, settings)
    root = Path(workflows_root) if workflows_root is not None else path.resolve().parent
    uses = _workflow_uses(root, errors, base)
    ctx = Context.build(manifest, today or dt.date.today(), inline, tuple(uses))
    build = _Builder(manifest, detector, strict)

    # The manifest as a whole: problems outside any key entry.
    top = tuple(
        Issue(p.message, (p.line or 0, p.column or 0), identity=p.message)
        for p, index in zip(manifest.problems, manifest.problem_keys, strict=True) if index is None
    )
    build.add("manifest.schema", Verdict(top, detail="version, project, policy and keys are valid"),
              suite_env="", key=None, provider="", pos=(1, 1), seconds=0.0, name="manifest: schema")
    build.add("manifest.inline-secret", Verdict(tuple(loose), detail="no key-shaped value outside the key entries"),
              suite_env="", key=None, provider="", pos=(1, 1), seconds=0.0, name="manifest: inline-secret")

    for entry in manifest.keys:
        label = entry.label
        for rule_id, check in KEY_CHECKS.items():
            name = f"{label}: {rule_id.removeprefix('manifest.')}"
            if manifest.policy.level(rule_id) == "off":
                build.skipped(rule_id, entry, name)
                continue
            began = time.perf_counter()
            verdict = check(entry, ctx)
            build.add(rule_id, verdict, suite_env=entry.env, key=label, provider=entry.provider, pos=entry.pos,
                      seconds=time.perf_counter() - began, name=name)

    if manifest.policy.level("manifest.workflow") != "off":
        for result in check_workflows(ctx):
            use = result.use
            name = f"{use.path} job {use.job}: workflow reads secrets.{use.secret}"
            key = result.key.label if result.key else None
            provider = result.key.provider if result.key else ""
            build.add("manifest.workflow", result.verdict, suite_env=result.env, key=key, provider=provider,
                      pos=(use.line, use.column), seconds=0.0, name=name, path=use.path)
    from byok_ci.manifest.iac.run import add_iac_checks

    iac_files = add_iac_checks(build, manifest, root, base, settings, errors, detector, tuple(ruleset.providers))
    return report(build, Stats(files=1 + iac_files, bytes=len(manifest.text.encode("utf-8", "surrogatepass"))))
