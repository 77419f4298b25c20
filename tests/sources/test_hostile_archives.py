"""Archives that lie about themselves: a tar member claiming more bytes than the file holds,
10,000 members. Limits hold, errors are one line, nothing is allocated for the lie."""

from __future__ import annotations

import io
import random
import tarfile
import time
import zipfile
from pathlib import Path

from byok_ci.rules import RuleSet
from byok_ci.scan import scan_paths
from tests.conftest import key_for


def test_a_tar_member_claiming_more_than_the_file_holds(tmp_path: Path, shipped_rules: RuleSet,
                                                         rng: random.Random) -> None:
    key = key_for(shipped_rules, "groq.api-key", rng)
    first = f"K={key}\n".encode()
    info = tarfile.TarInfo("first.env")
    info.size = len(first)
    liar = tarfile.TarInfo("liar.txt")
    liar.size = 4 * 1024**3  # 4 GB claimed; 50 bytes follow, and no end-of-archive blocks
    data = info.tobuf() + first + bytes(-len(first) % 512) + liar.tobuf() + b"tiny\n" * 10
    (tmp_path / "liar.tar").write_bytes(data)
    started = time.monotonic()
    report = scan_paths([str(tmp_path)], rules=shipped_rules, root=tmp_path)
    assert time.monotonic() - started < 10
    assert [f.path for f in report.findings] == ["liar.tar!first.env"]
    assert [(e.path, e.message) for e in report.errors] == [
        ("liar.tar", "cannot read member liar.txt: corrupt, truncated or unsupported"),
        ("liar.tar", "not fully scanned: corrupt or truncated tar archive"),
    ]


def test_ten_thousand_members(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "groq.api-key", rng)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n in range(10_000):
            archive.writestr(f"m/{n:05}.txt", f"K={key}\n" if n in (0, 9_999) else "plain\n")
    (tmp_path / "many.zip").write_bytes(out.getvalue())
    started = time.monotonic()
    report = scan_paths([str(tmp_path)], rules=shipped_rules, root=tmp_path)
    assert time.monotonic() - started < 20
    assert [f.path for f in report.findings] == ["many.zip!m/00000.txt", "many.zip!m/09999.txt"]
    assert report.errors == [] and report.stats.files == 10_000
