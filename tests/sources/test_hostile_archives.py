"""Archives that lie about themselves: a tar member claiming more bytes than the file holds,
10,000 members. Limits hold, errors are one line, nothing is allocated for the lie."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from byok_ci.config import Settings
from byok_ci.rules import RuleSet
from byok_ci.scan import scan_paths
from tests import hostile_inputs as hostile
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
    assert report.errors == () and report.stats.files == 10_000


# -- Bounded time and memory: each hostile input is scanned in a child process that reports
# -- its own peak RSS. Not getrusage: ru_maxrss survives exec, so a child forked from a large
# -- pytest process would report the parent's size; VmHWM belongs to the new address space.

_CHILD = """
import json, resource, sys, time
from byok_ci.config import Settings
from byok_ci.scan import scan_paths
started = time.monotonic()
report = scan_paths([sys.argv[1]], root=sys.argv[2], settings=Settings(jobs=1, **json.loads(sys.argv[3])))
try:
    status = open("/proc/self/status").read()
    peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
except (OSError, IndexError):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({
    "findings": [f.path for f in report.findings],
    "errors": [[e.path, e.message] for e in report.errors],
    "seconds": time.monotonic() - started,
    "peak_rss_mb": peak,
}))
"""
PEAK_RSS_MB = 200


def scan_in_child(path: Path, root: Path, timeout: float = 120, **settings: object) -> dict:  # type: ignore[type-arg]
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(root), json.dumps(settings)],
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_an_oci_index_fanning_out_is_read_once_per_blob(tmp_path: Path, shipped_rules: RuleSet,
                                                        rng: random.Random) -> None:
    """64 listings of the same nested index, 4 deep: 199 s and 2.3 GB when every listing
    was expanded (64**4 parses)."""
    key = key_for(shipped_rules, "groq.api-key", rng)
    layer = hostile.tar_member("app/.env", f"GROQ_API_KEY={key}\n".encode()) + hostile.tar_end()
    image = hostile.oci_fanout(64, levels=4, layer=layer)
    assert len(image) < 40_000
    (tmp_path / "image.tar").write_bytes(image)
    result = scan_in_child(tmp_path / "image.tar", tmp_path, timeout=60)
    assert result["findings"] == [f"image.tar!blobs/sha256/{'0' * 64}!app/.env"]
    assert result["errors"] == []
    assert result["peak_rss_mb"] < PEAK_RSS_MB


@pytest.mark.parametrize("kind", [b"L", b"x"], ids=["gnu-long-name", "pax"])
@pytest.mark.parametrize("backed", [True, False], ids=["claimed-bytes-present", "claim-is-a-lie"])
def test_a_tar_extended_header_claiming_2_gb(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random,
                                            kind: bytes, backed: bool) -> None:
    """tarfile read what the header claimed into memory (2.1 GB RSS). The header is skipped
    with an error naming the limit, and the member after it is still read."""
    key = key_for(shipped_rules, "groq.api-key", rng)
    path = tmp_path / "big.tar"
    hostile.write_tar_with_huge_extended_header(path, kind, 2 * 1024**3, f"GROQ_API_KEY={key}\n".encode(),
                                                backed=backed)
    result = scan_in_child(path, tmp_path, timeout=60)
    assert result["findings"] == ["big.tar!app/.env"]
    assert result["errors"] == [[
        "big.tar",
        "not fully scanned: the tar extended header (GNU long name or PAX) at byte 1,024 claims 2.0 GB, "
        "over the 1.0 MB limit for one member's headers: skipped to the next valid header",
    ]]
    assert result["peak_rss_mb"] < PEAK_RSS_MB


def test_a_zip_listing_two_million_members(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    """zipfile parsed the whole central directory (1 GB) before the member limit applied."""
    key = key_for(shipped_rules, "groq.api-key", rng)
    (tmp_path / "many.zip").write_bytes(
        hostile.zip_with_huge_central_directory(2_000_000, f"GROQ_API_KEY={key}\n".encode()))
    result = scan_in_child(tmp_path / "many.zip", tmp_path, timeout=60)
    assert result["findings"] == []
    assert result["errors"] == [[
        "many.zip",
        "not fully scanned: its central directory of 97.3 MB is too large for 100,000 members "
        "(raise --max-archive-members)",
    ]]
    assert result["peak_rss_mb"] < PEAK_RSS_MB


def test_the_member_limit_applies_before_the_central_directory_is_parsed(
    tmp_path: Path, shipped_rules: RuleSet, rng: random.Random
) -> None:
    key = key_for(shipped_rules, "groq.api-key", rng)
    (tmp_path / "many.zip").write_bytes(
        hostile.zip_with_huge_central_directory(5_000, f"GROQ_API_KEY={key}\n".encode()))
    report = scan_paths([str(tmp_path)], rules=shipped_rules, root=tmp_path,
                        settings=Settings(max_archive_members=1_000))
    assert report.findings == () and report.stats.files == 0
    assert [(e.path, e.message) for e in report.errors] == [
        ("many.zip", "not fully scanned: more than 1,000 members (raise --max-archive-members)")]
    within = scan_paths([str(tmp_path)], rules=shipped_rules, root=tmp_path,
                        settings=Settings(max_archive_members=5_000))
    assert len(within.findings) == 1 and within.errors == () and within.stats.files == 5_000


def test_member_names_holding_the_entry_signature_are_counted_exactly(
    tmp_path: Path, shipped_rules: RuleSet, rng: random.Random
) -> None:
    """Counting signatures over-counts when names hold them; the exact count decides."""
    key = key_for(shipped_rules, "groq.api-key", rng)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n in range(10):
            archive.writestr(f"m{n}/PK\x01\x02PK\x01\x02.txt", f"K={key}\n" if n == 0 else "plain\n")
    (tmp_path / "odd.zip").write_bytes(out.getvalue())
    report = scan_paths([str(tmp_path)], rules=shipped_rules, root=tmp_path, settings=Settings(max_archive_members=12))
    assert report.errors == () and len(report.findings) == 1 and report.stats.files == 10
