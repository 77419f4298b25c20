"""Hostile `.byok-ci.yaml` and `byok.yaml`: a one-line error naming the file (and line),
exit 2, the rest of the scan still done; never a traceback, a hang or "no leaks found"."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def _bomb() -> bytes:
    lines = ["exclude:", "  - &a [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        lines.append(f"  - &{chr(97 + level)} [" + ", ".join([f"*{chr(96 + level)}"] * 9) + "]")
    return ("\n".join(lines) + "\n").encode()


CASES = {
    "alias bomb": (_bomb(), ".byok-ci.yaml:"),
    "10,000-deep nesting": (b"exclude: " + b"[" * 10_000 + b"]" * 10_000 + b"\n", ".byok-ci.yaml:1: malformed YAML"),
    "deep mapping": ("".join(" " * n + f"k{n}:\n" for n in range(3000)).encode(), ".byok-ci.yaml:"),
    "huge integer": (b"jobs: " + b"9" * 5000 + b"\n", ".byok-ci.yaml: malformed YAML"),
    "non-string key": (b"? [a, b]\n: 1\n", ".byok-ci.yaml:1: malformed YAML"),
    "duplicate keys": (b"exclude: [a]\nexclude: [b]\n", ".byok-ci.yaml:2: key 'exclude' is given twice"),
    "python tag": (b"exclude: !!python/object/apply:os.system ['true']\n", ".byok-ci.yaml:1: malformed YAML"),
    # Read with replacement characters, these were a config with other globs, and exit 0.
    "invalid UTF-8": (b"version: 1\nexclude: ['\xff\xfe']\n", ".byok-ci.yaml:2: not UTF-8 text (byte 0xff)"),
    "binary": (bytes(range(256)) * 4, ".byok-ci.yaml:2: not UTF-8 text (byte 0x80)"),
    # PyYAML gives a control character's position, not a line: the error had none.
    "NUL": (b"exclude: [a]\njobs: 1\0\n", ".byok-ci.yaml:2: malformed YAML: control characters are not allowed"),
}


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "byok_ci", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_config_is_one_error_line_and_exit_2(case: str, tmp_path: Path) -> None:
    data, message = CASES[case]
    (tmp_path / ".byok-ci.yaml").write_bytes(data)
    (tmp_path / "a.txt").write_text("hello\n")
    done = _run(tmp_path, "scan", "a.txt")
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("byok-ci: error:")]
    assert len(errors) == 1 and message in errors[0], done.stderr
    assert "Traceback" not in done.stderr and not done.stdout.startswith("no leaks found")
    assert done.stdout.startswith("incomplete, not clean:") and "1 files" in done.stdout  # a.txt was still scanned


def test_a_config_with_a_bom_is_read(tmp_path: Path) -> None:
    (tmp_path / ".byok-ci.yaml").write_bytes(b"\xef\xbb\xbfexclude: ['skipped/*']\n")
    (tmp_path / "a.txt").write_text("hello\n")
    done = _run(tmp_path, "scan", ".")
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_a_manifest_that_is_not_utf8_is_an_error_naming_its_line(tmp_path: Path) -> None:
    (tmp_path / "byok.yaml").write_bytes(b"version: 1\nkeys:\n  - name: OPENAI_API_KEY\n    owner: \"\xff\"\n")
    done = _run(tmp_path, "manifest", "check")
    assert done.returncode == 2 and "byok.yaml:4: not UTF-8 text (byte 0xff)" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_a_control_character_in_a_manifest_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "byok.yaml").write_bytes(b"version: 1\nproject: p\0\nkeys: []\n")
    done = _run(tmp_path, "manifest", "check")
    assert done.returncode == 2 and "byok.yaml:2: malformed YAML: control characters are not allowed" in done.stderr, \
        done.stderr
