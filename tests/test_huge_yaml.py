"""100 MB YAML files (config, rule file, manifest): refused in bounded time and memory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

SIZE = 100 * 1024 * 1024


@pytest.fixture(scope="module")
def huge_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return huge(tmp_path_factory.mktemp("huge") / "huge.yaml")


def huge(path: Path) -> Path:
    line = b"  - plain list item of a huge but well-formed YAML document\n"
    block = line * (1 << 20 // len(line))
    with open(path, "wb") as handle:
        handle.write(b"exclude:\n")
        for _ in range(SIZE // len(block) + 1):
            handle.write(block)
    return path


@pytest.mark.parametrize("args, name, message", [
    (["scan", "ok.txt"], ".byok-ci.yaml", ".byok-ci.yaml: file is larger than 16 MB; refusing to parse it"),
    (["scan", "ok.txt", "--rules", "mine.yaml"], "mine.yaml", "file is larger than 16 MB; refusing to parse it"),
    (["manifest", "check"], "byok.yaml", "byok.yaml: file is larger than 1024 KB; refusing to parse it"),
])
def test_a_100_mb_yaml_file_is_refused_quickly_without_reading_it(tmp_path: Path, huge_file: Path, args: list[str],
                                                                  name: str, message: str) -> None:
    (tmp_path / "ok.txt").write_text("hello\n")
    os.link(huge_file, tmp_path / name)
    started = time.monotonic()
    code = (
        "import resource, runpy, sys; resource.setrlimit(resource.RLIMIT_AS, (600 << 20, 600 << 20)); "
        "sys.argv = ['byok-ci', *sys.argv[1:]]; runpy.run_module('byok_ci', run_name='__main__')"
    )
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"}, timeout=60)
    assert time.monotonic() - started < 20
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr and "MemoryError" not in done.stderr
