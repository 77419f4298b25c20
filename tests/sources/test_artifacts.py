"""Archives, saved container images, source maps and notebooks, all built here with generated keys."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import lzma
import random
import tarfile
import zipfile
from pathlib import Path

import pytest

from byok_ci.config import Settings
from byok_ci.exitcodes import exit_code
from byok_ci.rules import RuleSet
from byok_ci.scan import scan_paths
from byok_ci.sources.artifacts import sniff
from tests.conftest import key_for


def zip_bytes(members: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def tar_bytes(members: dict[str, bytes | str], mode: str = "w") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as archive:  # type: ignore[call-overload]
        for name, data in members.items():
            raw = data.encode() if isinstance(data, str) else data
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
    return out.getvalue()


def located(report) -> list[tuple[str, int, int]]:  # type: ignore[no-untyped-def]
    return sorted((f.path, f.line, f.column) for f in report.findings)


def scan(tmp_path: Path, rules: RuleSet, settings: Settings | None = None, target: str = "dist"):  # type: ignore[no-untyped-def]
    return scan_paths([str(tmp_path / target)], rules=rules, settings=settings, root=tmp_path)


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    path = tmp_path / "dist"
    path.mkdir()
    return path


@pytest.fixture
def key(shipped_rules: RuleSet, rng: random.Random):  # type: ignore[no-untyped-def]
    return lambda rule_id="groq.api-key": key_for(shipped_rules, rule_id, rng)


def test_zip_family_and_tarballs_are_opened_by_content(dist: Path, tmp_path: Path, shipped_rules: RuleSet, key) -> None:  # type: ignore[no-untyped-def]
    (dist / "app-1.0-py3-none-any.whl").write_bytes(
        zip_bytes({"app/__init__.py": "", "app/settings.py": f"DEBUG = False\nGROQ_API_KEY = '{key()}'\n"})
    )
    (dist / "tool.jar").write_bytes(zip_bytes({"config.properties": f"a=1\nb=2\ntoken={key()}\n"}))
    (dist / "pkg.nupkg").write_bytes(zip_bytes({"content/app.json": f'{{"k": "{key()}"}}'}, zipfile.ZIP_STORED))
    (dist / "no-extension").write_bytes(zip_bytes({"x.env": f"K={key()}"}))
    (dist / "app-1.0.tar.gz").write_bytes(tar_bytes({"app-1.0/setup.cfg": f"[x]\nkey = {key()}\n"}, "w:gz"))
    (dist / "lib-2.0.tgz").write_bytes(tar_bytes({"package/index.js": f"\n\nconst k = '{key()}';\n"}, "w:gz"))
    (dist / "plain.tar").write_bytes(tar_bytes({"./etc/app.env": f"KEY={key()}\n"}))
    (dist / "b.tar.bz2").write_bytes(tar_bytes({"b.txt": f"{key()}\n"}, "w:bz2"))
    (dist / "x.tar.xz").write_bytes(tar_bytes({"x.txt": f" {key()}\n"}, "w:xz"))
    (dist / "server.log.gz").write_bytes(gzip.compress(f"start\nuser token {key()}\n".encode()))
    (dist / "notes.txt.bz2").write_bytes(bz2.compress(f"{key()}\n".encode()))
    (dist / "notes.txt.xz").write_bytes(lzma.compress(f"\n{key()}\n".encode()))
    report = scan(tmp_path, shipped_rules)
    assert report.errors == ()
    assert located(report) == [
        ("dist/app-1.0-py3-none-any.whl!app/settings.py", 2, 17),
        ("dist/app-1.0.tar.gz!app-1.0/setup.cfg", 2, 7),
        ("dist/b.tar.bz2!b.txt", 1, 1),
        ("dist/lib-2.0.tgz!package/index.js", 3, 12),
        ("dist/no-extension!x.env", 1, 3),
        ("dist/notes.txt.bz2!notes.txt", 1, 1),
        ("dist/notes.txt.xz!notes.txt", 2, 1),
        ("dist/pkg.nupkg!content/app.json", 1, 8),
        ("dist/plain.tar!etc/app.env", 1, 5),
        ("dist/server.log.gz!server.log", 2, 12),
        ("dist/tool.jar!config.properties", 3, 7),
        ("dist/x.tar.xz!x.txt", 1, 2),
    ]


def test_nested_archives_are_opened_to_the_depth_limit(dist: Path, tmp_path: Path, shipped_rules: RuleSet, key) -> None:  # type: ignore[no-untyped-def]
    innermost = zip_bytes({"c.py": f"\n\nT = '{key()}'\n"})
    (dist / "a.tar.gz").write_bytes(tar_bytes({"b.zip": innermost, "top.txt": f"{key()}"}, "w:gz"))
    report = scan(tmp_path, shipped_rules)
    assert located(report) == [("dist/a.tar.gz!b.zip!c.py", 3, 6), ("dist/a.tar.gz!top.txt", 1, 1)]
    assert report.errors == ()

    shallow = scan(tmp_path, shipped_rules, Settings(max_archive_depth=1))
    assert located(shallow) == [("dist/a.tar.gz!top.txt", 1, 1)]
    assert [(e.path, e.message) for e in shallow.errors] == [
        ("dist/a.tar.gz", "not fully scanned: nested archive b.zip is deeper than --max-archive-depth 1")
    ]


def test_deep_nesting_stops_at_the_limit_and_says_so(dist: Path, tmp_path: Path, shipped_rules: RuleSet, key) -> None:  # type: ignore[no-untyped-def]
    data = zip_bytes({"deep.txt": key()})
    for level in range(6, 0, -1):
        data = zip_bytes({f"level{level}.zip": data})
    (dist / "nest.zip").write_bytes(data)
    report = scan(tmp_path, shipped_rules)
    assert report.findings == ()
    (error,) = report.errors
    assert error.path == "dist/nest.zip!level1.zip!level2.zip"
    assert error.message == "not fully scanned: nested archive level3.zip is deeper than --max-archive-depth 3"
    assert exit_code(report) == 2
    deep = scan(tmp_path, shipped_rules, Settings(max_archive_depth=7))
    assert located(deep) == [
        ("dist/nest.zip!level1.zip!level2.zip!level3.zip!level4.zip!level5.zip!level6.zip!deep.txt", 1, 1)
    ]


def test_zip_bomb_is_reported_not_expanded(dist: Path, tmp_path: Path, shipped_rules: RuleSet, key) -> None:  # type: ignore[no-untyped-def]
    (dist / "bomb.zip").write_bytes(zip_bytes({"zeros.txt": b"0" * (20 * 1024 * 1024), "ok.txt": key()}))
    (dist / "bomb.gz").write_bytes(gzip.compress(b" " * (20 * 1024 * 1024)))
    report = scan(tmp_path, shipped_rules)
    assert located(report) == [("dist/bomb.zip!ok.txt", 1, 1)]
    messages = sorted((e.path, e.message) for e in report.errors)
    assert messages == [
        ("dist/bomb.gz", "not fully scanned: compression ratio over 200:1, a likely zip bomb (raise --max-archive-ratio)"),
        ("dist/bomb.zip", "not fully scanned: member zeros.txt has a compression ratio over 200:1, a likely zip bomb "
                          "(raise --max-archive-ratio)"),
    ]


def test_member_count_size_and_total_limits(dist: Path, tmp_path: Path, shipped_rules: RuleSet, key) -> None:  # type: ignore[no-untyped-def]
    (dist / "many.zip").write_bytes(zip_bytes({f"f{i:03}.txt": "x" for i in range(50)}))
    (dist / "big.tar").write_bytes(tar_bytes({"big.txt": "y " * 5000, "small.txt": key()}))
    settings = Settings(max_archive_members=10, max_archive_member_size=4000)
    report = scan(tmp_path, shipped_rules, settings)
    assert located(report) == [("dist/big.tar!small.txt", 1, 1)]
    assert sorted((e.path, e.message) for e in report.errors) == [
        ("dist/big.tar", "not fully scanned: member big.txt is 9.8 KB, over the member size limit of 3.9 KB "
                         "(raise --max-archive-member-size)"),
        ("dist/many.zip", "not fully scanned: more than 10 members (raise --max-archive-members)"),
    ]
    total = scan(tmp_path, shipped_rules, Settings(max_archive_bytes=2000))
    assert ("dist/big.tar", "not fully scanned: more than 2.0 KB uncompressed (raise --max-archive-bytes)") in [
        (e.path, e.message) for e in total.errors
    ]


def test_corrupt_truncated_and_encrypted_archives_are_one_line_errors(
    dist: Path, tmp_path: Path, shipped_rules: RuleSet, key  # type: ignore[no-untyped-def]
) -> None:
    good = zip_bytes({"ok.py": f"k = '{key()}'\n"})
    (dist / "good.zip").write_bytes(good)
    (dist / "truncated.zip").write_bytes(good[: len(good) // 2])
    big = random.Random(6).randbytes(50_000).hex()
    # Members before the damage are still scanned.
    (dist / "truncated.tar.gz").write_bytes(tar_bytes({"first.env": f"K={key()}\n", "a.txt": big}, "w:gz")[:-2000])
    corrupt = bytearray(zip_bytes({"c.txt": random.Random(5).randbytes(3000).hex()}))
    corrupt[135:185] = b"\xff" * 50  # inside the deflated data, after the 35-byte local header
    (dist / "corrupt.zip").write_bytes(bytes(corrupt))
    locked = bytearray(zip_bytes({"secret.txt": key()}, zipfile.ZIP_STORED))
    locked[6] |= 1  # local header: encrypted
    central = locked.find(b"PK\x01\x02")
    locked[central + 8] |= 1
    (dist / "locked.zip").write_bytes(bytes(locked))
    report = scan(tmp_path, shipped_rules)
    assert located(report) == [("dist/good.zip!ok.py", 1, 6), ("dist/truncated.tar.gz!first.env", 1, 3)]
    assert sorted((e.path, e.message) for e in report.errors) == [
        ("dist/corrupt.zip", "cannot read member c.txt: corrupt, truncated or unsupported"),
        ("dist/locked.zip", "not fully scanned: password-protected member secret.txt"),
        ("dist/truncated.tar.gz", "not fully scanned: corrupt or truncated gzip stream "
                                  "(what came before the damage was scanned)"),
        ("dist/truncated.zip", "cannot read: corrupt or truncated zip archive"),
    ]
    assert all(e.blocking for e in report.errors) and exit_code(report) == 1


def test_member_names_never_reach_the_file_system(dist: Path, tmp_path: Path, shipped_rules: RuleSet, key) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "target.txt").write_text(f"{key()}\n")
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for name, kind, link in (("../../escape.py", tarfile.REGTYPE, ""), ("/abs/evil.py", tarfile.REGTYPE, ""),
                                 ("link", tarfile.SYMTYPE, str(outside / "target.txt")),
                                 ("hard", tarfile.LNKTYPE, "../../escape.py")):
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, link
            data = f"k = '{key()}'\n".encode() if kind == tarfile.REGTYPE else b""
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    (dist / "evil.tar").write_bytes(out.getvalue())
    symlink = zipfile.ZipInfo("zlink")
    symlink.external_attr = (0o120777 << 16)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr(symlink, str(outside / "target.txt"))
        archive.writestr("../zip-escape.txt", key())
    (dist / "evil.zip").write_bytes(buf.getvalue())
    before = sorted(p for p in tmp_path.rglob("*"))
    report = scan(tmp_path, shipped_rules)
    assert sorted(p for p in tmp_path.rglob("*")) == before
    assert located(report) == [
        ("dist/evil.tar!../../escape.py", 1, 6),
        ("dist/evil.tar!/abs/evil.py", 1, 6),
        ("dist/evil.zip!../zip-escape.txt", 1, 1),
    ]
    assert report.stats.skipped_other == 3 and report.errors == ()


def test_exclude_applies_to_inner_paths(dist: Path, tmp_path: Path, shipped_rules: RuleSet, key) -> None:  # type: ignore[no-untyped-def]
    (dist / "a.zip").write_bytes(zip_bytes({"keep.py": key(), "vendor.min.js": key()}))
    report = scan(tmp_path, shipped_rules, Settings(exclude=("*.min.js",)))
    assert located(report) == [("dist/a.zip!keep.py", 1, 1)]


def test_no_archives_leaves_them_unopened(dist: Path, tmp_path: Path, shipped_rules: RuleSet, key) -> None:  # type: ignore[no-untyped-def]
    (dist / "a.whl").write_bytes(zip_bytes({"k.py": key()}))
    report = scan(tmp_path, shipped_rules, Settings(archives=False))
    assert report.findings == () and report.stats.skipped_binary == 1


def _layer(members: dict[str, str]) -> bytes:
    return tar_bytes(members)


def docker_save(layers: list[bytes], config: dict) -> bytes:  # type: ignore[type-arg]
    files: dict[str, bytes | str] = {}
    names = []
    for data in layers:
        digest = hashlib.sha256(data).hexdigest()
        files[f"{digest}/layer.tar"] = data
        names.append(f"{digest}/layer.tar")
    config_name = hashlib.sha256(json.dumps(config).encode()).hexdigest() + ".json"
    files[config_name] = json.dumps(config)
    # docker save writes the manifest last: it is found wherever it is.
    files["manifest.json"] = json.dumps([{"Config": config_name, "RepoTags": ["app:1"], "Layers": names}])
    return tar_bytes(files)


def oci_layout(layers: list[bytes]) -> bytes:
    blobs: dict[str, bytes | str] = {}

    def add(data: bytes, media: str) -> dict:  # type: ignore[type-arg]
        digest = hashlib.sha256(data).hexdigest()
        blobs[f"blobs/sha256/{digest}"] = data
        return {"mediaType": media, "digest": f"sha256:{digest}", "size": len(data)}

    layer_descs = [add(gzip.compress(data, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip") for data in layers]
    config = add(b'{"config": {}}', "application/vnd.oci.image.config.v1+json")
    manifest = add(json.dumps({"schemaVersion": 2, "config": config, "layers": layer_descs}).encode(),
                   "application/vnd.oci.image.manifest.v1+json")
    files: dict[str, bytes | str] = {"oci-layout": '{"imageLayoutVersion": "1.0.0"}',
                                     "index.json": json.dumps({"schemaVersion": 2, "manifests": [manifest]})}
    files.update(blobs)
    return tar_bytes(files)


def test_docker_save_image_scans_every_layer_and_files_deleted_later(
    dist: Path, tmp_path: Path, shipped_rules: RuleSet, key  # type: ignore[no-untyped-def]
) -> None:
    base = _layer({"app/.env": f"GROQ_API_KEY={key()}\n", "app/main.py": "print()\n", "etc/old/conf": key()})
    top = _layer({"app/.wh..env": "", "etc/old/.wh..wh..opq": "", "app/settings.py": f"\nK = '{key()}'\n"})
    config = {"config": {"Env": ["PATH=/usr/bin", f"GROQ_KEY={key()}"]}}
    (dist / "app-image.tar").write_bytes(docker_save([base, top], config))
    report = scan(tmp_path, shipped_rules)
    assert report.errors == ()
    base_name = f"{hashlib.sha256(base).hexdigest()}/layer.tar"
    top_name = f"{hashlib.sha256(top).hexdigest()}/layer.tar"
    config_name = hashlib.sha256(json.dumps(config).encode()).hexdigest() + ".json"
    found = sorted((f.path, f.line, f.column, f.scanned_as) for f in report.findings)
    assert found == sorted([
        (f"dist/app-image.tar!{base_name}!app/.env", 1, 14, "image layer 1 of 2, deleted in a later layer (still in the image)"),
        (f"dist/app-image.tar!{base_name}!etc/old/conf", 1, 1, "image layer 1 of 2, deleted in a later layer (still in the image)"),
        (f"dist/app-image.tar!{top_name}!app/settings.py", 2, 6, "image layer 2 of 2"),
        (f"dist/app-image.tar!{config_name}", 1, 48, None),
    ])



def test_an_image_layer_given_twice_scans_both_copies(
    dist: Path, tmp_path: Path, shipped_rules: RuleSet, key  # type: ignore[no-untyped-def]
) -> None:
    """A tarball holding a layer's name twice: the image loads the last copy, and only that
    one was read; the first, with its keys, shipped in the tarball unscanned."""
    hidden = _layer({"app/.env": f"GROQ_API_KEY={key()}\n"})
    shown = _layer({"app/readme": "hello\n"})
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for name, data in [("manifest.json", json.dumps([{"Config": "c.json", "Layers": ["l/layer.tar"]}]).encode()),
                           ("c.json", b"{}"), ("l/layer.tar", hidden), ("l/layer.tar", shown)]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    (dist / "image.tar").write_bytes(out.getvalue())
    report = scan(tmp_path, shipped_rules)
    assert [f.path for f in report.findings] == ["dist/image.tar!l/layer.tar!app/.env"]


def test_oci_layout_with_gzip_layers(dist: Path, tmp_path: Path, shipped_rules: RuleSet, key) -> None:  # type: ignore[no-untyped-def]
    base = _layer({"srv/config.yaml": f"llm:\n  key: {key()}\n"})
    top = _layer({"srv/.wh.config.yaml": ""})
    (dist / "oci.tar").write_bytes(oci_layout([base, top]))
    # An image inside a tarball is still an image, one level down.
    (dist / "release.tar.gz").write_bytes(tar_bytes({"images/oci.tar": oci_layout([base])}, "w:gz"))
    report = scan(tmp_path, shipped_rules)
    assert report.errors == ()
    digest = hashlib.sha256(gzip.compress(base, mtime=0)).hexdigest()
    found = sorted((f.path, f.line, f.column, f.scanned_as) for f in report.findings)
    assert found == [
        (f"dist/oci.tar!blobs/sha256/{digest}!srv/config.yaml", 2, 8,
         "image layer 1 of 2, deleted in a later layer (still in the image)"),
        (f"dist/release.tar.gz!images/oci.tar!blobs/sha256/{digest}!srv/config.yaml", 2, 8, "image layer 1 of 1"),
    ]


@pytest.mark.parametrize(
    ("head", "kind"),
    [(b"PK\x03\x04rest", "zip"), (b"\x1f\x8b\x08\x00", "gzip"), (b"\xfd7zXZ\x00", "xz"),
     (b"BZh91AY&SY", "bzip2"), (b"BZhello world", None), (b"plain text", None),
     (b"\0" * 257 + b"ustar\x0000", "tar"), (b"\x28\xb5\x2f\xfd", "zstd"), (b"7z\xbc\xaf\x27\x1c\x00\x04", "7z"),
     (b"Rar!\x1a\x07\x01\x00", "rar"), (b"Rar!\x1a\x07\x00", "rar"), (b"Rar! is a word", None)],
)
def test_sniff(head: bytes, kind: str | None) -> None:
    assert sniff(head) == kind


def _cli(tmp_path: Path, *args: str):  # type: ignore[no-untyped-def]
    import os

    from click.testing import CliRunner

    from byok_ci.cli import main

    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        return CliRunner().invoke(main, ["scan", "dist", *args], env={"NO_COLOR": "1"})
    finally:
        os.chdir(old)


def test_cli_limits_exit_2_unless_partial_archives_are_allowed(dist: Path, tmp_path: Path, key) -> None:  # type: ignore[no-untyped-def]
    data = zip_bytes({"deep.txt": key()})
    for level in range(3, 0, -1):
        data = zip_bytes({f"level{level}.zip": data})
    (dist / "nest.zip").write_bytes(data)
    strict = _cli(tmp_path, "--format", "json")
    assert strict.exit_code == 2, strict.output
    assert "not fully scanned: nested archive level3.zip is deeper than --max-archive-depth 3" in strict.stderr
    allowed = _cli(tmp_path, "--allow-partial-archives", "--format", "json")
    assert allowed.exit_code == 0
    assert json.loads(allowed.stdout)["errors"][0]["blocking"] is False
    junit = _cli(tmp_path, "--allow-partial-archives", "--format", "junit")
    assert junit.exit_code == 0 and "<skipped" in junit.stdout and "<error" not in junit.stdout
    from tests.report.test_junit import SCHEMA

    SCHEMA.validate(junit.stdout)
    deeper = _cli(tmp_path, "--max-archive-depth", "4", "-q")
    assert deeper.exit_code == 1 and "dist/nest.zip!level1.zip!level2.zip!level3.zip!deep.txt" in deeper.stdout
    assert _cli(tmp_path, "--no-archives").exit_code == 0
    bad = _cli(tmp_path, "--max-archive-members", "-3")
    assert bad.exit_code == 2 and "--max-archive-members" in bad.stderr


def test_config_file_sets_archive_limits(dist: Path, tmp_path: Path, key) -> None:  # type: ignore[no-untyped-def]
    (dist / "a.tar").write_bytes(tar_bytes({"inner.zip": zip_bytes({"k.txt": key()})}))
    (tmp_path / ".byok-ci.yaml").write_text("max_archive_depth: 1\nallow_partial_archives: true\n")
    result = _cli(tmp_path)
    assert result.exit_code == 0 and "deeper than --max-archive-depth 1" in result.stderr
    (tmp_path / ".byok-ci.yaml").write_text("version: 1\nmax_archive_bytes: lots\n")
    result = _cli(tmp_path)
    assert ".byok-ci.yaml:2: field 'max_archive_bytes' must be a size" in result.stderr


def source_map(sources: dict[str, str]) -> str:
    return json.dumps({
        "version": 3, "file": "app.min.js", "sources": list(sources), "names": [],
        "sourcesContent": list(sources.values()), "mappings": "AAAA,SAASA;AACA",
    })


def test_source_map_findings_name_the_original_source_and_line(
    dist: Path, tmp_path: Path, shipped_rules: RuleSet, key  # type: ignore[no-untyped-def]
) -> None:
    first, second = key(), key()
    config = f'export const a = 1;\n\n{first}\nexport const k = "{second}";\n'
    text = source_map({"src/index.ts": "import './config';\n", "src/config.ts": config})
    (dist / "app.min.js.map").write_text(text)
    # Inside an npm tarball, the same map is found with the same lines and sources.
    (dist / "web-1.0.0.tgz").write_bytes(tar_bytes({"package/dist/app.min.js.map": text}, "w:gz"))
    report = scan(tmp_path, shipped_rules)
    assert report.errors == ()
    # The first key follows a \n escape: only the decoded source shows it on a line of its own.
    column_1 = text.index(first) + 1
    column_2 = text.index(second) + 1
    found = sorted((f.path, f.line, f.column, f.source) for f in report.findings)
    assert found == [
        ("dist/app.min.js.map", 1, column_1, "src/config.ts:3"),
        ("dist/app.min.js.map", 1, column_2, "src/config.ts:4"),
        ("dist/web-1.0.0.tgz!package/dist/app.min.js.map", 1, column_1, "src/config.ts:3"),
        ("dist/web-1.0.0.tgz!package/dist/app.min.js.map", 1, column_2, "src/config.ts:4"),
    ]


def test_notebook_code_and_output_cells(dist: Path, tmp_path: Path, shipped_rules: RuleSet, key) -> None:  # type: ignore[no-untyped-def]
    code, printed, shown = key(), key(), key()
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Setup\n"]},
            {"cell_type": "code", "execution_count": 1, "metadata": {},
             "source": ["import os\n", f'os.environ["GROQ_API_KEY"] = "{code}"\n'],
             "outputs": [
                 {"output_type": "stream", "name": "stdout", "text": ["using key\n", f"{printed}\n"]},
                 {"output_type": "execute_result", "execution_count": 1, "metadata": {},
                  "data": {"image/png": base64_png(), "text/plain": [f"'{shown}'"]}},
             ]},
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    text = json.dumps(notebook, indent=1)
    (dist / "setup.ipynb").write_text(text)
    lines = text.splitlines()

    def where(secret: str) -> tuple[int, int]:
        number = next(i for i, line in enumerate(lines, 1) if secret in line)
        return number, lines[number - 1].index(secret) + 1

    report = scan(tmp_path, shipped_rules)
    found = sorted((f.path, f.line, f.column, f.source) for f in report.findings)
    assert found == sorted([
        ("dist/setup.ipynb", *where(code), "cell 2:2"),
        ("dist/setup.ipynb", *where(printed), "cell 2 output:2"),
        ("dist/setup.ipynb", *where(shown), "cell 2 output:1"),
    ])


def base64_png() -> str:
    import base64

    return base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4).decode()


def test_text_and_junit_show_the_original_source(dist: Path, tmp_path: Path, key) -> None:  # type: ignore[no-untyped-def]
    (dist / "a.js.map").write_text(source_map({"src/config.ts": f"\n{key()}\n"}))
    text = _cli(tmp_path)
    assert "source src/config.ts:2" in text.stdout
    junit = _cli(tmp_path, "--format", "junit")
    assert "(original source src/config.ts:2)" in junit.stdout


def test_member_names_are_one_line_and_depth_0_opens_nothing(dist: Path, tmp_path: Path, shipped_rules: RuleSet, key) -> None:  # type: ignore[no-untyped-def]
    (dist / "odd.zip").write_bytes(zip_bytes({"bad\nname\x1b[31m.py": key()}))
    report = scan(tmp_path, shipped_rules)
    assert located(report) == [("dist/odd.zip!bad?name?[31m.py", 1, 1)]
    closed = scan(tmp_path, shipped_rules, Settings(max_archive_depth=0))
    assert closed.findings == () and closed.errors == () and closed.stats.skipped_binary == 1


def zstd_bytes(data: bytes) -> bytes:
    """A zstd frame holding ``data`` as one raw block (what `zstd` writes for data it cannot
    shrink): magic, a single-segment header with the size, the last block's header."""
    assert len(data) < 256
    return b"\x28\xb5\x2f\xfd" + bytes([0x20, len(data)]) + (1 | len(data) << 3).to_bytes(3, "little") + data


def seven_zip_empty() -> bytes:
    """What 7-Zip writes for an empty archive: the 32-byte signature header, no next header."""
    import zlib

    after = bytes(20)  # next header offset, size, CRC: none
    return b"7z\xbc\xaf\x27\x1c\x00\x04" + zlib.crc32(after).to_bytes(4, "little") + after


def rar5_empty() -> bytes:
    """A RAR 5 archive with no file: signature, main archive header, end of archive header."""
    import zlib

    def block(kind: int) -> bytes:
        body = bytes([kind, 0, 0])  # type, header flags, archive (or end-of-archive) flags
        sized = bytes([len(body)]) + body
        return zlib.crc32(sized).to_bytes(4, "little") + sized

    return b"Rar!\x1a\x07\x01\x00" + block(1) + block(5)


def test_zstd_7z_and_rar_files_are_reported_not_scanned_not_passed_as_binary(
    dist: Path, tmp_path: Path, shipped_rules: RuleSet, key  # type: ignore[no-untyped-def]
) -> None:
    """byok-ci cannot read inside them: a scan that counted them as binary files called the
    tree clean. Ordinary binaries stay quiet."""
    import shutil
    import subprocess

    frame = zstd_bytes(b"plain text\n")
    if shutil.which("zstd"):  # the frame is one zstd itself reads
        assert subprocess.run(["zstd", "-dc"], input=frame, capture_output=True, check=True).stdout == b"plain text\n"
    (dist / "settings.env.zst").write_bytes(frame)
    (dist / "bundle.7z").write_bytes(seven_zip_empty())
    (dist / "bundle.rar").write_bytes(rar5_empty())
    (dist / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (dist / "lib.so").write_bytes(b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 4)
    big = dist / "big.7z"  # read in blocks (past the size read whole): sniffed the same
    big.write_bytes(seven_zip_empty() + random.Random(8).randbytes(2 << 20))
    report = scan(tmp_path, shipped_rules)
    assert sorted((e.path, e.message) for e in report.errors) == [
        ("dist/big.7z", "not scanned: 7z archives are not supported; extract it and scan the files"),
        ("dist/bundle.7z", "not scanned: 7z archives are not supported; extract it and scan the files"),
        ("dist/bundle.rar", "not scanned: RAR archives are not supported; extract it and scan the files"),
        ("dist/settings.env.zst", "not scanned: zstd compression is not supported; decompress it and scan the result"),
    ]
    assert all(e.blocking for e in report.errors) and exit_code(report) == 2
    nested = tar_bytes({"inner.zst": frame}, "w:gz")
    for name in ("settings.env.zst", "bundle.7z", "bundle.rar", "big.7z"):
        (dist / name).unlink()
    (dist / "release.tar.gz").write_bytes(nested)
    assert [(e.path, e.message) for e in scan(tmp_path, shipped_rules).errors] == [
        ("dist/release.tar.gz!inner.zst", "not scanned: zstd compression is not supported; decompress it and scan "
                                          "the result")]
    # Otherwise read as any file is (a binary one is counted so): what was read before still is.
    assert report.stats.skipped_binary == 6
