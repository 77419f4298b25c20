"""Run byok-ci's CLI in a directory and read its JSON report (the platform tests' shared step)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner

from byok_ci.cli import main


def json_report(cwd: Path, args: list[str], code: int = 1) -> dict:  # type: ignore[type-arg]
    """The JSON report ``byok-ci ARGS`` prints in ``cwd``, after checking its exit code."""
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, args, catch_exceptions=False)
    finally:
        os.chdir(old)
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)
