"""`.byok-ci-ignore`: fingerprints with a required reason and an optional expiry."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from byok_ci.cli import main
from byok_ci.config import resolve_settings
from byok_ci.rules import RuleSet
from byok_ci.scan import scan_paths
from byok_ci.suppress.ignorefile import parse_ignore_file
from byok_ci.suppress.stage import load_suppression
from tests.conftest import key_for


def test_entries_with_reason_and_optional_expiry() -> None:
    entries, errors = parse_ignore_file(
        "# comment\n\n0123456789abcdef  expires=2026-06-30  vendor sample, revoked\n"
        "fedcba9876543210\trotated in 2025\n"
        "00112233445566ff expires=2026-01-02T10:00:00Z timestamp form\n",
        ".byok-ci-ignore",
    )
    assert errors == []
    assert [(e.fingerprint, e.expires, e.reason, e.line) for e in entries] == [
        ("0123456789abcdef", dt.date(2026, 6, 30), "vendor sample, revoked", 3),
        ("fedcba9876543210", None, "rotated in 2025", 4),
        ("00112233445566ff", dt.date(2026, 1, 2), "timestamp form", 5),
    ]
    assert not entries[0].expired(dt.date(2026, 6, 30)) and entries[0].expired(dt.date(2026, 7, 1))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("0123456789abcdef", "needs a reason"),
        ("0123456789abcdef expires=2026-06-30", "needs a reason"),
        ("0123456789abcdef expires=next-week reason", "ISO 8601"),
        ("0123456789ABCDEF reason", "fingerprint"),
        ("sk-not-a-fingerprint reason", "fingerprint"),
    ],
)
def test_malformed_entries_are_one_line_errors_naming_file_and_line(line: str, message: str) -> None:
    entries, errors = parse_ignore_file(f"# header\n{line}\nfedcba9876543210 fine\n", "repo/.byok-ci-ignore")
    assert [e.fingerprint for e in entries] == ["fedcba9876543210"]  # the rest still loads
    assert len(errors) == 1
    assert errors[0].one_line().startswith("repo/.byok-ci-ignore:2: ") and message in errors[0].message
    assert "sk-not" not in errors[0].one_line()


@pytest.fixture
def repo(tmp_path: Path, shipped_rules: RuleSet, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "sub").mkdir()
    key = key_for(shipped_rules, "groq.api-key", random.Random(2))
    (tmp_path / "sub" / "app.env").write_text(f"GROQ_API_KEY={key}\n")
    fp = scan_paths([str(tmp_path)], root=tmp_path).findings[0].fingerprint
    (tmp_path / "fp").write_text(fp)
    monkeypatch.chdir(tmp_path / "sub")
    return tmp_path


def test_found_at_the_git_root_and_suppresses_until_it_expires(repo: Path) -> None:
    fp = (repo / "fp").read_text()
    (repo / ".byok-ci-ignore").write_text(f"{fp} expires=2999-01-01 test fixture from the vendor docs\n")
    settings, errors = resolve_settings()
    assert errors == [] and settings.ignore_file == repo / ".byok-ci-ignore"
    report = scan_paths(["."], settings=settings)
    assert report.findings == () and report.stats.ignored == 1 and report.warnings == ()


def test_an_expired_entry_stops_suppressing_and_says_so(repo: Path) -> None:
    fp = (repo / "fp").read_text()
    (repo / ".byok-ci-ignore").write_text(f"# accepted\n{fp} expires=2020-01-31 was a test key\n")
    settings, _ = resolve_settings()
    report = scan_paths(["."], settings=settings)
    assert len(report.findings) == 1
    assert "expired on 2020-01-31" in report.findings[0].message
    assert [w.line for w in report.warnings] == [2] and "expired" in report.warnings[0].message

    result = CliRunner().invoke(main, ["scan", ".", "--format", "json"])
    assert result.exit_code == 1
    assert "byok-ci: warning: " in result.stderr and ".byok-ci-ignore:2:" in result.stderr
    assert '"warnings"' in result.stdout


def test_a_renewed_entry_below_an_expired_one_wins(repo: Path) -> None:
    fp = (repo / "fp").read_text()
    (repo / ".byok-ci-ignore").write_text(f"{fp} expires=2020-01-31 old\n{fp} expires=2999-01-01 renewed\n")
    suppression, errors = load_suppression(resolve_settings()[0])
    assert errors == [] and fp in suppression.ignore and fp not in suppression.expired


def test_a_malformed_ignore_file_makes_the_run_incomplete_but_still_scans(repo: Path) -> None:
    (repo / ".byok-ci-ignore").write_text("not-a-fingerprint reason\n")
    result = CliRunner().invoke(main, ["scan", "."])
    assert result.exit_code == 1  # the key is still reported; leaks win over an incomplete run
    assert ".byok-ci-ignore:1: expected a fingerprint" in result.stderr


def test_config_can_name_the_ignore_file_and_baselines(repo: Path) -> None:
    fp = (repo / "fp").read_text()
    (repo / "ci").mkdir()
    (repo / "ci" / "ignore.txt").write_text(f"{fp} accepted\n")
    (repo / ".byok-ci.yaml").write_text("ignore_file: ci/ignore.txt\nbaseline: [ci/b.json]\n")
    settings, errors = resolve_settings()
    assert errors == []
    assert settings.ignore_file == repo / "ci" / "ignore.txt" and settings.baselines == (repo / "ci" / "b.json",)
    (repo / ".byok-ci.yaml").write_text("baseline: 3\n")
    _, errors = resolve_settings()
    assert errors[0].line == 1 and "baseline" in errors[0].message
