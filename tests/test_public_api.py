"""The public API is what `byok_ci.__all__` lists; changing it must be deliberate."""

from __future__ import annotations

import subprocess
import sys

import byok_ci

EXPECTED = {
    "__version__",
    "scan_paths",
    "scan_text",
    "scan_git",
    "GitTarget",
    "load_rules",
    "Settings",
    "resolve_settings",
    "Finding",
    "Report",
    "ScanError",
    "RuleSet",
    "Rule",
    "ByokError",
    "ConfigError",
    "RuleError",
    "InputError",
    "GitError",
    "exit_code",
    "Check",
    "check_manifest",
}


def test_all_lists_exactly_the_public_api() -> None:
    assert set(byok_ci.__all__) == EXPECTED


def test_every_public_name_resolves() -> None:
    for name in byok_ci.__all__:
        assert getattr(byok_ci, name) is not None, name


def test_unknown_attribute_raises() -> None:
    try:
        byok_ci.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_scan_import_path_stays_light() -> None:
    """`byok-ci scan` must not import httpx, GitPython, detect-secrets or junit-xml."""
    code = (
        "import sys, byok_ci.cli, byok_ci.scan, byok_ci.report.text, byok_ci.report.json;"
        "heavy = [m for m in ('httpx', 'git', 'detect_secrets', 'junit_xml', 'requests') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
