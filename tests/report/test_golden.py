"""Golden reports for a fixed-seed corpus. Regenerate on purpose: BYOK_CI_REGEN_GOLDEN=1 pytest."""

from __future__ import annotations

import io
import os
import random
import re
from pathlib import Path

import pytest

from byok_ci._version import __version__

from byok_ci.model import Report
from byok_ci.report import write_report
from byok_ci.rules import RuleSet
from byok_ci.scan import scan_paths
from tests.conftest import key_for

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "golden"
SEED = 20261127


def corpus(root: Path, ruleset: RuleSet) -> None:
    rng = random.Random(SEED)
    (root / "src").mkdir()
    (root / "src" / "settings.py").write_text(
        "import os\n\n"
        f'OPENAI_API_KEY = "{key_for(ruleset, "openai.project-key", rng)}"\n'
        'FALLBACK = os.environ["ANTHROPIC_API_KEY"]\n'
    )
    (root / ".env").write_text(
        f"ANTHROPIC_API_KEY={key_for(ruleset, 'anthropic.api-key', rng)}\r\n"
        f"COHERE_API_KEY={key_for(ruleset, 'cohere.api-key', rng)}\r\n"
        "GROQ_API_KEY=gsk_your_key_here\r\n"
    )
    (root / "README.md").write_text("Set `OPENAI_API_KEY=sk-...` before running.\n")


def normalise(text: str) -> str:
    text = re.sub(r'time="[0-9.]+"', 'time="T"', text)
    text = re.sub(r'"seconds": [0-9.]+', '"seconds": 0', text)
    text = re.sub(r'"digest": "[0-9a-f]+"', '"digest": "D"', text)
    text = re.sub(r'"count": \d+', '"count": N', text)
    # The tool's version changes with every release, not with the report's shape.
    text = text.replace(f'"version": "{__version__}"', '"version": "V"')
    text = text.replace(f'"semanticVersion": "{__version__}"', '"semanticVersion": "V"')
    # SARIF names the report root absolutely: where the checkout or tmp dir happens to be.
    text = re.sub(r'"uri": "file://[^"]*"', '"uri": "file:///ROOT/"', text)
    text = re.sub(r"\(([0-9.]+)s(, |\))", r"(Ts\2", text)
    return re.sub(r"in [0-9.]+s\)", "in Ts)", text)


@pytest.mark.parametrize(("fmt", "suffix"), [("text", "txt"), ("json", "json"), ("junit", "xml"), ("sarif", "sarif")])
def test_golden(tmp_path: Path, shipped_rules: RuleSet, fmt: str, suffix: str) -> None:
    corpus(tmp_path, shipped_rules)
    report = scan_paths([str(tmp_path)], rules=shipped_rules, root=tmp_path)
    stream = io.StringIO()
    write_report(report, fmt, stream)
    actual = normalise(stream.getvalue())
    golden = GOLDEN / f"scan.{suffix}"
    if os.environ.get("BYOK_CI_REGEN_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual)
    assert actual == golden.read_text()


def github_outputs(report: Report) -> dict[str, str]:
    """What `byok-ci check` writes under GitHub Actions: annotations and the job summary
    (with the drift matrix when the report has drift checks)."""
    from byok_ci.report.github import write_summary

    annotations, summary = io.StringIO(), io.StringIO()
    write_report(report, "github", annotations)
    write_summary(report, summary)
    return {"github": annotations.getvalue(), "summary.md": summary.getvalue()}


@pytest.mark.parametrize("name", ["scan", "manifest", "drift"])
@pytest.mark.parametrize("kind", ["github", "summary.md"])
def test_github_golden(tmp_path: Path, shipped_rules: RuleSet, name: str, kind: str) -> None:
    """Annotations and job summary of a scan, a manifest check (findings without a redacted
    form) and a drift run (error checks, the probe matrix)."""
    from byok_ci.manifest import check_manifest
    from tests.manifest.conftest import MANIFESTS, TODAY

    if name == "scan":
        corpus(tmp_path, shipped_rules)
        report = scan_paths([str(tmp_path)], rules=shipped_rules, root=tmp_path)
    elif name == "manifest":
        report = check_manifest(MANIFESTS / "isolation.yaml", today=TODAY, rules=shipped_rules, shown="byok.yaml")
    else:
        from tests.report.test_drift_reports import sample

        report = sample()
    actual = normalise(github_outputs(report)[kind])
    golden = GOLDEN / f"{name}.{kind}"
    if os.environ.get("BYOK_CI_REGEN_GOLDEN"):
        golden.write_text(actual)
    assert actual == golden.read_text()


def manifest_report(shipped_rules: RuleSet) -> Report:
    from byok_ci.manifest import check_manifest
    from tests.manifest.conftest import MANIFESTS, TODAY

    return check_manifest(MANIFESTS / "isolation.yaml", today=TODAY, rules=shipped_rules, shown="byok.yaml")


@pytest.mark.parametrize(("fmt", "suffix"), [("text", "txt"), ("json", "json"), ("junit", "xml"), ("sarif", "sarif")])
def test_manifest_golden(shipped_rules: RuleSet, fmt: str, suffix: str) -> None:
    """`byok-ci manifest check` in every format: findings without a redacted form, checks by suite."""
    stream = io.StringIO()
    write_report(manifest_report(shipped_rules), fmt, stream)
    actual = normalise(stream.getvalue())
    golden = GOLDEN / f"manifest.{suffix}"
    if os.environ.get("BYOK_CI_REGEN_GOLDEN"):
        golden.write_text(actual)
    assert actual == golden.read_text()
