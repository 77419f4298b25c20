"""Read the repository's IaC and add the IaC checks to a manifest run (called by manifest/run.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from byok_ci.config import Settings
from byok_ci.detect.engine import Detector
from byok_ci.manifest.checks import Issue, Verdict
from byok_ci.manifest.iac.checks import INLINE, IacResult, check_keys, check_missing, check_reads
from byok_ci.manifest.iac.discover import read_iac
from byok_ci.manifest.iac.model import IacReading
from byok_ci.manifest.iac.settings import parse_settings
from byok_ci.manifest.model import Manifest
from byok_ci.model import Chunk, ScanError
from byok_ci.suppress.stage import Suppression


class _Builder(Protocol):
    def add(self, rule_id: str, verdict: Verdict, *, suite_env: str, key: str | None, provider: str,
            pos: tuple[int, int], seconds: float, name: str, path: str | None = None) -> None: ...


_INSTEAD = {
    "terraform": "read the key with a data source (aws_secretsmanager_secret_version, vault_kv_secret_v2, …)",
    "cloudformation": "read the key with a dynamic reference ({{resolve:secretsmanager:…}})",
    "pulumi": "set it with `pulumi config set --secret` (stored as secure: ciphertext)",
    "kubernetes": "read the key with an ExternalSecret or a SecretProviderClass",
}


def _tool_of(path: str, reading: IacReading) -> str:
    name = path.rsplit("/", 1)[-1]
    if name.endswith((".tf", ".tfvars")):
        return "terraform"
    if name.startswith("Pulumi."):
        return "pulumi"
    tools = {t.path: t.tool for t in reading.templates}
    return tools.get(path, "cloudformation" if name.endswith(".json") else "kubernetes")


def _inline(reading: IacReading, detector: Detector, settings: Settings) -> list[IacResult]:
    allowed = Suppression(allowed=frozenset(settings.allow_fingerprints))
    out = []
    for path, text in sorted(reading.texts.items()):
        keys, _ = allowed.apply(detector.detect(Chunk(text=text, path=path)), Path("."))
        issues = []
        for found in keys:
            slot = next((s for s in reading.slots if s.path == path and s.first <= found.line <= s.last), None)
            where = f"{slot.what} holds it: {slot.instead}" if slot else _INSTEAD[_tool_of(path, reading)]
            issues.append(Issue(f"{found.message} in infrastructure code; {where}", (found.line, found.column),
                                path=path, redacted=found.redacted, fingerprint=found.fingerprint, provider=found.provider))
        if issues:
            out.append(IacResult(INLINE, Verdict(tuple(issues)), "", f"{path}: iac-inline", path, issues[0].pos))
    if reading.texts and not out:
        out.append(IacResult(INLINE, Verdict(detail=f"no key-shaped value in {len(reading.texts)} IaC files"), "",
                             "infrastructure code: iac-inline", "", (1, 1)))
    return out


def add_iac_checks(build: _Builder, manifest: Manifest, root: Path, base: Path, settings: Settings,
                   errors: list[ScanError], detector: Detector, providers: tuple[str, ...]) -> int:
    """Read the IaC under ``root`` and add its checks to ``build``; returns the number of files read."""
    shown_config = settings.config_path.as_posix() if settings.config_path else ".byok-ci.yaml"
    iac_settings, problems = parse_settings(getattr(settings, "iac", None), shown_config, manifest.policy.environments)
    try:
        prefix = root.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        prefix = ""
    prefix = "" if prefix in ("", ".") else prefix + "/"
    reading = read_iac(root, manifest.policy, iac_settings, prefix)
    for problem in (*problems, *reading.problems):
        errors.append(ScanError(problem.path, problem.message, problem.line, problem.column))
    results = [*check_missing(reading), *check_reads(reading, manifest, providers), *check_keys(reading, manifest)]
    if manifest.policy.level(INLINE) != "off":
        results += _inline(reading, detector, settings)
    for result in results:
        if manifest.policy.level(result.rule_id) == "off":
            continue
        build.add(result.rule_id, result.verdict, suite_env=result.env,
                  key=result.key.label if result.key else None,
                  provider=result.provider or (result.key.provider if result.key else ""),
                  pos=result.pos, seconds=0.0, name=result.name, path=result.path or None)
    return len(reading.texts)
