"""Every version a user is told to pin is the version this checkout is.

README, docs, the pre-commit hook comment and the Action's examples pin `rev: vX`, `@vX` and
`byok-ci==X`; pinning users to a release from before a fix would be worse than no pin.
"""

from __future__ import annotations

import re
from pathlib import Path

from byok_ci._version import __version__

REPO = Path(__file__).resolve().parent.parent
PINS = re.compile(
    r"rev:\s*v(?P<rev>\d+\.\d+\.\d+)"
    r"|byok-ci@v(?P<action>\d+\.\d+\.\d+)"
    r"|byok-ci==(?P<pip>\d+\.\d+\.\d+)"
    r"|\"name\": \"byok-ci\", \"version\": \"(?P<json>\d+\.\d+\.\d+)\""
)


def pinned_files() -> list[Path]:
    files = [REPO / "README.md", REPO / "action.yml", REPO / ".pre-commit-hooks.yaml"]
    files += sorted(p for p in (REPO / "docs").rglob("*") if p.suffix in (".md", ".yml", ".yaml"))
    return [p for p in files if p.is_file()]


def test_every_pinned_version_is_this_version() -> None:
    pins = [
        (path.relative_to(REPO).as_posix(), match.group(0))
        for path in pinned_files()
        for match in PINS.finditer(path.read_text(encoding="utf-8"))
    ]
    assert pins, "no page pins a version: the test would prove nothing"
    wrong = [(where, pin) for where, pin in pins if __version__ not in pin]
    assert wrong == []


def test_the_changelog_names_this_version_first() -> None:
    headings = re.findall(r"^## (\S+)", (REPO / "CHANGELOG.md").read_text(encoding="utf-8"), re.M)
    released = [h for h in headings if h != "Unreleased"]
    assert released and released[0] == __version__
