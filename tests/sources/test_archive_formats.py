"""Archives that were passed over as binary or cut short without a word: a tar with a damaged
header in the middle, V7 tars, zipapps and shell self-extractors. Each holds a generated key
that must be found; the files are built here, with the real tools where they exist."""

from __future__ import annotations

import gzip
import io
import os
import random
import shutil
import subprocess
import tarfile
import time
import zipapp
import zipfile
from pathlib import Path

import pytest

from byok_ci.config import Settings
from byok_ci.rules import RuleSet
from byok_ci.scan import scan_paths
from byok_ci.sources.artifacts import sniff
from tests import hostile_inputs as hostile
from tests.conftest import key_for

DAMAGED = ("not fully scanned: 1 damaged tar header (the first at byte 1,024): skipped to the next "
           "valid header, as GNU tar does")


def _scan(tmp_path: Path, rules: RuleSet, name: str, settings: Settings | None = None):  # type: ignore[no-untyped-def]
    return scan_paths([str(tmp_path / name)], rules=rules, settings=settings, root=tmp_path)


def _errors(report) -> list[tuple[str, str, bool]]:  # type: ignore[no-untyped-def]
    return [(e.path, e.message, e.blocking) for e in report.errors]


# -- 4. a damaged header in the middle of a tar --------------------------------------------------


def test_a_damaged_tar_header_is_skipped_like_gnu_tar_and_reported(tmp_path: Path, shipped_rules: RuleSet,
                                                                     rng: random.Random) -> None:
    key = key_for(shipped_rules, "groq.api-key", rng)
    (tmp_path / "release.tar").write_bytes(hostile.corrupt_header_tar(f"GROQ_API_KEY={key}\n".encode()))
    assert [m.name for m in tarfile.open(tmp_path / "release.tar")] == ["README.md"]  # tarfile stops, silently
    report = _scan(tmp_path, shipped_rules, "release.tar")
    assert [(f.path, f.line) for f in report.findings] == [("release.tar!app/.env", 1)]
    # A damaged archive is not clean even once resynchronised: exit 2 unless partial archives are accepted.
    assert _errors(report) == [("release.tar", DAMAGED, True)]
    accepted = _scan(tmp_path, shipped_rules, "release.tar", Settings(allow_partial_archives=True))
    assert _errors(accepted) == [("release.tar", DAMAGED, False)]


@pytest.mark.skipif(shutil.which("tar") is None, reason="needs GNU tar")
def test_gnu_tar_reads_the_damaged_tar_the_same_way(tmp_path: Path) -> None:
    (tmp_path / "release.tar").write_bytes(hostile.corrupt_header_tar(b"K=v\n"))
    done = subprocess.run(["tar", "-tf", str(tmp_path / "release.tar")], capture_output=True, text=True)
    assert done.stdout.split() == ["README.md", "app/.env"]
    assert "Skipping to next header" in done.stderr and done.returncode == 2


def test_a_damaged_header_inside_a_compressed_tar(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "groq.api-key", rng)
    data = hostile.corrupt_header_tar(f"GROQ_API_KEY={key}\n".encode())
    (tmp_path / "release.tar.gz").write_bytes(gzip.compress(data))
    report = _scan(tmp_path, shipped_rules, "release.tar.gz")
    assert [f.path for f in report.findings] == ["release.tar.gz!app/.env"]
    assert _errors(report) == [("release.tar.gz", DAMAGED, True)]


def test_members_after_the_end_of_archive_blocks_are_read(tmp_path: Path, shipped_rules: RuleSet,
                                                          rng: random.Random) -> None:
    """``cat a.tar b.tar``: GNU tar needs --ignore-zeros to see b's members; a key there is
    still in the file."""
    key = key_for(shipped_rules, "groq.api-key", rng)
    first = hostile.tar_member("a.txt", b"hello\n") + hostile.tar_end() + bytes(8 * 512)
    second = hostile.tar_member("b/.env", f"GROQ_API_KEY={key}\n".encode()) + hostile.tar_end()
    (tmp_path / "both.tar").write_bytes(first + second)
    report = _scan(tmp_path, shipped_rules, "both.tar")
    assert [f.path for f in report.findings] == ["both.tar!b/.env"]
    assert report.errors == () and report.stats.files == 2


def test_a_tar_that_is_all_damage_is_one_error(tmp_path: Path, shipped_rules: RuleSet) -> None:
    header = bytearray(hostile.tar_member("a.txt", b"x"))
    header[148:156] = b"0000000\0"
    (tmp_path / "bad.tar").write_bytes(bytes(header) + bytes(4096))
    report = _scan(tmp_path, shipped_rules, "bad.tar")
    assert _errors(report) == [("bad.tar", "cannot read: corrupt or truncated tar archive", True)]


# -- 5. formats that were counted as binary ------------------------------------------------------


def test_a_v7_tar_without_the_ustar_magic(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "groq.api-key", rng)
    data = hostile.v7_tar({"app/.env": f"GROQ_API_KEY={key}\n".encode(), "README": b"hello\n"})
    assert data[257:262] != b"ustar" and sniff(data[:512]) == "tar"
    assert [m.name for m in tarfile.open(fileobj=io.BytesIO(data))] == ["app/.env", "README"]
    (tmp_path / "old.tar").write_bytes(data)
    (tmp_path / "old.tar.gz").write_bytes(gzip.compress(data))
    for name in ("old.tar", "old.tar.gz"):
        report = _scan(tmp_path, shipped_rules, name)
        assert [f.path for f in report.findings] == [f"{name}!app/.env"]
        assert report.errors == () and report.stats.skipped_binary == 0


def test_a_zipapp(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "groq.api-key", rng)
    source = tmp_path / "tool"
    source.mkdir()
    (source / "__main__.py").write_text("from settings import KEY\nprint(len(KEY))\n")
    (source / "settings.py").write_text(f'GROQ_API_KEY = KEY = "{key}"\n')
    zipapp.create_archive(source, tmp_path / "tool.pyz", interpreter="/usr/bin/env python3", compressed=True)
    # A real zipapp: Python runs it.
    run = subprocess.run([os.environ.get("PYTHON", "python3"), str(tmp_path / "tool.pyz")],
                         capture_output=True, text=True)
    assert run.stdout.strip() == str(len(key))
    report = _scan(tmp_path, shipped_rules, "tool.pyz")
    assert [(f.path, f.line) for f in report.findings] == [("tool.pyz!settings.py", 1)]
    assert report.errors == () and report.stats.skipped_binary == 0


INSTALLER = """#!/bin/sh
# Self-extracting installer: the payload follows the line after __PAYLOAD__.
set -e
target=${{1:-$(mktemp -d)}}
line=$(awk '/^__PAYLOAD__$/ {{ print NR + 1; exit }}' "$0")
tail -n +"$line" "$0" | {extract}
echo "$target"
exit 0
__PAYLOAD__
"""


@pytest.mark.parametrize("payload", ["tar", "tar.gz", "v7-tar", "zip"])
def test_a_shell_self_extractor(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random, payload: str) -> None:
    key = key_for(shipped_rules, "groq.api-key", rng)
    script_key = key_for(shipped_rules, "groq.api-key", rng)
    members = {"app/.env": f"GROQ_API_KEY={key}\n".encode(), "app/run.sh": b"echo run\n"}
    if payload == "zip":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        archive_bytes, extract = out.getvalue(), 'cat > "$target/p.zip"'
    elif payload == "v7-tar":
        archive_bytes, extract = hostile.v7_tar(members), 'tar -x -C "$target"'
    else:
        archive_bytes = hostile.in_memory_tar(members)
        if payload == "tar.gz":
            archive_bytes = gzip.compress(archive_bytes)
        extract = 'tar -x{} -C "$target"'.format("z" if payload == "tar.gz" else "")
    script = INSTALLER.format(extract=extract).replace(
        "set -e\n", f"set -e\n# token for the download: GROQ_API_KEY={script_key}\n")
    (tmp_path / "script.sh").write_text(script)
    (tmp_path / f"payload.{payload}").write_bytes(archive_bytes)
    with open(tmp_path / "installer.sh", "wb") as out_file:  # cat script.sh payload > installer.sh
        subprocess.run(["cat", str(tmp_path / "script.sh"), str(tmp_path / f"payload.{payload}")],
                       stdout=out_file, check=True)
    if payload != "zip" and shutil.which("tar"):  # the installer really installs
        target = tmp_path / "installed"
        target.mkdir()
        subprocess.run(["sh", str(tmp_path / "installer.sh"), str(target)], check=True, capture_output=True)
        assert (target / "app" / ".env").read_bytes() == members["app/.env"]
    report = _scan(tmp_path, shipped_rules, "installer.sh")
    assert sorted((f.path, f.line) for f in report.findings) == [("installer.sh", 4), ("installer.sh!app/.env", 1)]
    assert report.errors == () and report.stats.skipped_binary == 0


def test_plain_binaries_and_scripts_stay_what_they_were(tmp_path: Path, shipped_rules: RuleSet) -> None:
    """Random bytes, a binary holding the zip end-record signature without a zip, and a long
    script are not mistaken for archives."""
    rng = random.Random(5)
    (tmp_path / "blob.bin").write_bytes(bytes(rng.randrange(256) for _ in range(200_000)))
    (tmp_path / "fake.bin").write_bytes(b"\0" * 1000 + b"PK\x05\x06" + bytes(18) + b"\0" * 100)
    (tmp_path / "long.sh").write_text("#!/bin/sh\n" + "echo hello\n" * 100_000)
    report = scan_paths([str(tmp_path)], rules=shipped_rules, root=tmp_path)
    assert report.errors == () and report.findings == ()
    assert report.stats.skipped_binary == 2 and report.stats.files == 1


def test_embedded_detection_is_cheap_on_large_binaries(tmp_path: Path, shipped_rules: RuleSet) -> None:
    """The search for an archive inside a file is bounded (the last 64 KiB, and the first MiB
    of a ``#!`` file), so a large binary costs about what it did: one more read of its end."""
    (tmp_path / "big.bin").write_bytes(b"\0" * 40_000_000)
    started = time.monotonic()
    report = scan_paths([str(tmp_path)], rules=shipped_rules, root=tmp_path)
    assert time.monotonic() - started < 5  # reading 40 MB once; generous for a shared machine
    assert report.stats.skipped_binary == 1 and report.errors == ()


def test_an_installer_over_the_file_size_limit_is_opened_as_an_archive(tmp_path: Path, shipped_rules: RuleSet,
                                                                       rng: random.Random) -> None:
    """Like any archive, the payload of a self-extractor is held to the archive limits, not
    to --max-file-size (a file that size is not read into memory whole)."""
    key = key_for(shipped_rules, "groq.api-key", rng)
    payload = gzip.compress(hostile.in_memory_tar({"app/.env": f"GROQ_API_KEY={key}\n".encode(),
                                                    "noise.bin": random.Random(3).randbytes(20_000)}))
    (tmp_path / "installer.sh").write_bytes(INSTALLER.format(extract="tar -xz").encode() + payload)
    report = _scan(tmp_path, shipped_rules, "installer.sh", Settings(max_file_size=4096))
    assert [f.path for f in report.findings] == ["installer.sh!app/.env"]
    assert report.errors == ()


def test_a_files_whole_bytes_sniff_as_its_first_512_do(rng: random.Random) -> None:
    """A plain file is sniffed on its whole bytes (no copy of its head): every format,
    V7 tar headers with and without a good checksum, and random bytes around 512."""
    members = {"app/.env": b"A=1\n", "README": b"hello\n"}
    heads = [hostile.v7_tar(members), hostile.in_memory_tar(members), gzip.compress(b"x" * 600), b"PK\x03\x04" + b"\0" * 600,
             b"BZh91AY&SY" + b"\0" * 600, b"\xfd7zXZ\x00" + b"\0" * 600, b"\x28\xb5\x2f\xfd" + b"\0" * 600]
    damaged = bytearray(heads[0])
    damaged[150] ^= 1  # the checksum no longer verifies
    heads.append(bytes(damaged))
    octal = bytearray(rng.randbytes(600))
    octal[100:108] = b"0000644\0"  # a mode field, then no header
    heads.append(bytes(octal))
    heads += [rng.randbytes(size) for size in (0, 1, 100, 511, 512, 513, 4096)]
    for data in heads:
        assert sniff(data) == sniff(data[:512])
    assert [sniff(h) for h in heads[:2]] == ["tar", "tar"]


def test_a_zip_end_record_is_looked_for_in_the_last_window_exactly() -> None:
    """A byte 0x05 and the end record are searched for from ``ZIP_END_WINDOW`` bytes before
    the end (from the start of a shorter file), as before the search counted from the end."""
    from byok_ci.sources.artifacts import ZIP_END_WINDOW, _may_embed

    record = b"PK\x05\x06" + b"\0" * 18
    for before in (0, 10, ZIP_END_WINDOW - len(record), ZIP_END_WINDOW - len(record) + 1, ZIP_END_WINDOW, 2 * ZIP_END_WINDOW):
        data = b"x" * before + record
        start = max(0, len(data) - ZIP_END_WINDOW)
        assert _may_embed(data) == (data.rfind(b"PK\x05\x06", start) >= 0), before
        assert _may_embed(record + b"y" * before) == (before + len(record) <= ZIP_END_WINDOW), before
