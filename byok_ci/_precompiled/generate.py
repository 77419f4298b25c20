"""Write the ``methods_*`` modules: ``python -m byok_ci._precompiled.generate``.

Imports the modules a pre-commit hook's scans import (files, ``--staged``, ``--pre-push``) in
a fresh interpreter, records each text :mod:`dataclasses` compiles as their records are
defined, and writes the texts as they are, each followed by the line that files its code
under its key. Run it again when a record on the hook's path changes (tests/test_precompiled.py
says when). The texts are those of the Python that runs it: Python 3.10's and 3.11's
dataclasses write the same ones, 3.12's others and 3.13's one per class, which are then
compiled at start-up as before.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
PARTS = ("methods_1.py", "methods_2.py", "methods_3.py")  # byok_ci._precompiled.install imports these
MAX_LINES = 440  # house rule: no module over 450 lines
# What `byok-ci scan FILES`, `--staged` and `--pre-push` import, records or not.
HOOK_MODULES = (
    "byok_ci.cli", "byok_ci.cli.scan", "byok_ci.config", "byok_ci.scan", "byok_ci.scan_git",
    "byok_ci.rules.cache", "byok_ci.sources.artifacts", "byok_ci.sources.git.staged",
    "byok_ci.sources.git.commits", "byok_ci.detect.encoded", "byok_ci.detect.structure",
    "byok_ci.detect.hyperscan_prefilter", "byok_ci.pipeline.context", "byok_ci.report.output",
    "byok_ci.report.text", "byok_ci.report.progress",
)

# The texts of one small record first: which texts a Python's dataclasses write (its "format").
_RECORD = """
import builtins, dataclasses, importlib, json, sys
texts = []
def recording(source, globals, locals):
    texts.append(source)
    builtins.exec(source, globals, locals)
dataclasses.exec = recording
dataclasses.dataclass(frozen=True)(type("Format", (), {"__annotations__": {"name": "str"}}))
format_texts = texts[:]
del texts[:]
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps([format_texts, texts]))
"""


def recorded_texts() -> tuple[str, list[str]]:
    """This Python's text format, and the texts it compiles for the hook's records, in order,
    each once."""
    from byok_ci._precompiled import key_of

    done = subprocess.run([sys.executable, "-c", _RECORD, *HOOK_MODULES], capture_output=True, text=True,
                          check=True)
    format_texts, texts = json.loads(done.stdout)
    return key_of("".join(format_texts))[:16], list(dict.fromkeys(texts))


def written_format() -> str:
    """The text format of the Python the modules were written with (their first line)."""
    return (HERE / PARTS[0]).read_text().split("\n", 1)[0].rsplit("format ", 1)[-1].rstrip(":")


def module_texts(text_format: str, texts: list[str]) -> list[str]:
    """The ``methods_*`` modules' contents, in PARTS' order."""
    from byok_ci._precompiled import key_of

    head = (f"# Written by `python -m byok_ci._precompiled.generate` with Python "
            f"{sys.version_info[0]}.{sys.version_info[1]}, dataclasses' text format {text_format}:\n"
            "# do not edit.\n"
            "# The texts are dataclasses' own, compiled as they are: no __future__ import here.\n"
            "# mypy: ignore-errors\n# ruff: noqa\n\nCODE = {}\n")
    parts = [head]
    for text in texts:
        entry = f"\n{text}\nCODE[{key_of(text)!r}] = __create_fn__.__code__\n"
        if (parts[-1] + entry).count("\n") > MAX_LINES:
            parts.append(head)
        parts[-1] += entry
    if len(parts) > len(PARTS):
        raise SystemExit(f"{len(parts)} modules needed: add to PARTS and to byok_ci._precompiled.install")
    return parts + [head] * (len(PARTS) - len(parts))


def main() -> None:
    for name, content in zip(PARTS, module_texts(*recorded_texts())):
        (HERE / name).write_text(content)


if __name__ == "__main__":
    main()
