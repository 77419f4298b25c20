"""Hostile and broken input never breaks a scan, and positions stay right (hypothesis)."""

from __future__ import annotations

import base64
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from byok_ci.detect.engine import Detector
from byok_ci.keygen import generate_key
from byok_ci.model import Chunk
from byok_ci.rules import load_rules
from byok_ci.scan import scan_paths
from byok_ci.sources.read import decode

pytestmark = pytest.mark.slow  # hypothesis: hundreds of generated inputs

RULES = load_rules()
DETECTOR = Detector(RULES)
PREFIXED = [r for r in RULES.rules if r.context is None and r.prefix]
SEPARATORS = ["\n", "\r\n", "\r", " ", "\t", "\x00", '"', "'", "=", ": ", "\u00e9", "\U0001f600", "\ufeff"]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4096))
def test_decode_never_raises(data: bytes) -> None:
    text = decode(data)
    assert text is None or isinstance(text, str)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000))
def test_detect_never_raises_on_any_text(text: str) -> None:
    for finding in DETECTOR.detect(Chunk(text=text, path="p")):
        assert finding.line >= 1 and finding.column >= 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=st.lists(st.sampled_from(SEPARATORS + ["word", "sk-", "hf_", "AIza", "x" * 50]), max_size=60),
    after=st.lists(st.sampled_from(SEPARATORS + ["word", "gsk_"]), max_size=20),
    rule_index=st.integers(min_value=0, max_value=len(PREFIXED) - 1),
    seed=st.integers(min_value=0, max_value=10**6),
)
def test_planted_key_is_found_at_the_right_line_and_column(before, after, rule_index, seed) -> None:  # type: ignore[no-untyped-def]
    rule = PREFIXED[rule_index]
    key = generate_key(rule, random.Random(seed))
    prefix = "".join(before) + "\n"  # the key starts a line, so boundaries hold whatever came before
    text = prefix + key + "\n" + "".join(after)
    found = [f for f in DETECTOR.detect(Chunk(text=text, path="p")) if f.line == prefix.count("\n") + 1]
    assert [(f.rule_id, f.column) for f in found] == [(rule.id, 1)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2048), name=st.sampled_from(["a.txt", "b.bin", "c.py"]))
def test_scanning_random_files_never_raises(tmp_path: Path, data: bytes, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    report = scan_paths([str(path)], rules=RULES, root=tmp_path)
    # Bytes that start like an archive but are not one are a one-line error about that file.
    assert all(e.path == name and "\n" not in e.message for e in report.errors)


def test_huge_single_line_and_empty_file(tmp_path: Path) -> None:
    rule = RULES.get("groq.api-key")
    assert rule is not None
    key = generate_key(rule, random.Random(3))
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "long.js").write_text("a" * 3_000_000 + " " + key + " " + "b" * 1_000_000)
    report = scan_paths([str(tmp_path)], rules=RULES, root=tmp_path)
    assert [(f.path, f.line, f.column) for f in report.findings] == [("long.js", 1, 3_000_002)]
    assert report.stats.files == 2


def test_device_and_path_given_twice(tmp_path: Path) -> None:
    rule = RULES.get("groq.api-key")
    assert rule is not None
    (tmp_path / "k.py").write_text("K=" + generate_key(rule, random.Random(4)))
    report = scan_paths([str(tmp_path / "k.py"), str(tmp_path), "/dev/zero", str(tmp_path / "k.py")],
                        rules=RULES, root=tmp_path)
    assert len(report.findings) == 1
    assert [(e.path, e.message) for e in report.errors] == [("/dev/zero", "not a regular file (device); skipped")]


# --- Archives: random bytes behind archive magic, and damaged real archives -------------------

def _archive_samples() -> dict[str, bytes]:
    import bz2
    import gzip
    import io
    import lzma
    import tarfile
    import zipfile

    rule = RULES.get("groq.api-key")
    assert rule is not None
    text = ("line\n" * 20 + "K=" + generate_key(rule, random.Random(8)) + "\n").encode()
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a/k.env", text)
        archive.writestr("b.txt", b"hello\n" * 50)
    tarred = io.BytesIO()
    with tarfile.open(fileobj=tarred, mode="w") as archive:
        for name, data in (("a/k.env", text), ("b.txt", b"hello\n" * 50)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    tar = tarred.getvalue()
    return {"zip": zipped.getvalue(), "tar": tar, "tar.gz": gzip.compress(tar), "tar.bz2": bz2.compress(tar),
            "tar.xz": lzma.compress(tar), "gz": gzip.compress(text)}


SAMPLES = _archive_samples()
MAGIC = [b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b\x08", b"BZh91AY&SY", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd"]


def _scan_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "artifact.bin"
    path.write_bytes(data)
    report = scan_paths([str(path)], rules=RULES, root=tmp_path)
    assert all(e.path.startswith("artifact.bin") and "\n" not in e.message for e in report.errors)
    for finding in report.findings:
        assert finding.line >= 1 and finding.column >= 1


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(magic=st.sampled_from(MAGIC), rest=st.binary(max_size=2048), tar=st.booleans())
def test_random_bytes_behind_archive_magic_never_raise(tmp_path: Path, magic: bytes, rest: bytes, tar: bool) -> None:
    data = magic + rest
    if tar:  # a ustar header: the magic sits at offset 257
        data = (rest + bytes(512))[:257] + b"ustar\x0000" + rest
    _scan_bytes(tmp_path, data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(SAMPLES)), flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)),
                                                              min_size=1, max_size=6),
       cut=st.one_of(st.none(), st.integers(1, 10**6)))
def test_damaged_archives_never_raise(tmp_path: Path, kind: str, flips: list[tuple[int, int]], cut: int | None) -> None:
    """Real archives holding a key, with bytes changed and the end cut off."""
    data = bytearray(SAMPLES[kind])
    for where, value in flips:
        data[where % len(data)] = value
    if cut is not None:
        data = data[: cut % len(data)]
    _scan_bytes(tmp_path, bytes(data))


def test_a_zip_member_with_an_empty_name_is_read(tmp_path: Path) -> None:
    """Found by the damaged-archive test above: ZipInfo.is_dir() raised IndexError."""
    import struct

    data = bytearray(SAMPLES["zip"])
    central = data.index(b"PK\x01\x02")
    length = struct.unpack_from("<H", data, central + 28)[0]  # "a/k.env": 7 characters
    struct.pack_into("<H", data, central + 28, 0)
    del data[central + 46:central + 46 + length]  # the first member's name, now empty
    end = data.rindex(b"PK\x05\x06")
    struct.pack_into("<L", data, end + 12, struct.unpack_from("<L", data, end + 12)[0] - length)
    path = tmp_path / "app.zip"
    path.write_bytes(bytes(data))
    report = scan_paths([str(path)], rules=RULES, root=tmp_path)
    assert all(e.path == "app.zip" and "\n" not in e.message for e in report.errors)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(count=st.integers(2, 8), damaged=st.data(), junk=st.binary(min_size=1, max_size=3000),
       gzip_it=st.booleans())
def test_a_tar_with_damage_before_the_key_member_still_yields_the_key(tmp_path: Path, count: int, damaged,  # type: ignore[no-untyped-def]
                                                                      junk: bytes, gzip_it: bool) -> None:
    """A header made invalid, or junk put between members, anywhere before the member
    holding the key: the tar is read on from the next valid header (as GNU tar does), the
    key is found, and the damage reported."""
    import gzip

    from tests import hostile_inputs as hostile

    rule = RULES.get("groq.api-key")
    assert rule is not None
    members = [hostile.tar_member(f"m{n}.txt", b"plain text\n" * (n + 1)) for n in range(count - 1)]
    members.append(hostile.tar_member("app/.env", f"GROQ_API_KEY={generate_key(rule, random.Random(count))}\n".encode()))
    where = damaged.draw(st.integers(0, count - 2))
    if damaged.draw(st.booleans()):
        header = bytearray(members[where])
        # Any byte of the header (the checksum then fails), but not the first header's
        # "ustar" magic: without it nothing says the file is a tar (GNU tar and file agree).
        spot = damaged.draw(st.integers(0, 511).filter(lambda i: where > 0 or not 257 <= i < 265))
        header[spot] ^= 0xFF
        members[where] = bytes(header)
    else:
        members.insert(where + 1, junk + bytes(-len(junk) % 512))  # blocks stay 512-aligned
    data = b"".join(members) + hostile.tar_end()
    path = tmp_path / ("a.tar.gz" if gzip_it else "a.tar")
    path.write_bytes(gzip.compress(data) if gzip_it else data)
    report = scan_paths([str(path)], rules=RULES, root=tmp_path)
    assert [f.path for f in report.findings] == [f"{path.name}!app/.env"]
    assert all(e.path == path.name and "\n" not in e.message for e in report.errors)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=st.lists(st.text(alphabet="abcdefghij =$\"'#{}()|;-\t", max_size=70), max_size=40),
       kind=st.sampled_from(["tar", "tar.gz", "tar.bz2", "tar.xz", "zip", "v7"]))
def test_an_archive_after_any_script_is_opened(tmp_path: Path, script: list[str], kind: str) -> None:
    import bz2
    import gzip
    import io
    import lzma
    import zipfile

    from tests import hostile_inputs as hostile

    rule = RULES.get("groq.api-key")
    assert rule is not None
    members = {"app/.env": f"GROQ_API_KEY={generate_key(rule, random.Random(5))}\n".encode()}
    if kind == "zip":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("app/.env", members["app/.env"])
        payload = out.getvalue()
    else:
        payload = hostile.v7_tar(members) if kind == "v7" else hostile.in_memory_tar(members)
        compress = {"tar.gz": gzip.compress, "tar.bz2": bz2.compress, "tar.xz": lzma.compress}.get(kind)
        payload = compress(payload) if compress else payload
    path = tmp_path / "installer.sh"
    path.write_bytes(("#!/bin/sh\n" + "\n".join(script) + "\nexit 0\n").encode() + payload)
    report = scan_paths([str(path)], rules=RULES, root=tmp_path)
    assert [f.path for f in report.findings] == ["installer.sh!app/.env"]
    assert report.errors == ()


def test_a_zip_needing_an_unsupported_version_is_one_error(tmp_path: Path) -> None:
    """Found by the test above: zipfile raises NotImplementedError ("zip file version 6.4")."""
    import struct

    data = bytearray(SAMPLES["zip"])
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 6, 64)  # version needed to extract: 6.4
    path = tmp_path / "app.zip"
    path.write_bytes(bytes(data))
    report = scan_paths([str(path)], rules=RULES, root=tmp_path)
    assert [(e.path, e.message) for e in report.errors] == [("app.zip", "cannot read: zip archive needs an unsupported zip version")]


# --- Hostile names and values on their way out (Security round 2, items 3 and 8) ------------
# A file name is data: it must never start a workflow command, move the cursor, recolour
# the terminal, reorder text, or carry a key into any output.

HOSTILE_NAMES = [
    "x\n::stop-commands::tok\n.env",
    "::add-mask::mask.env",
    "a\n::error file=evil.py,line=1::injected\n.env",
    "\x1b[2J\x1b]0;owned\x07clear.env",
    "bidi\u202ecod.env",
    "cr\r::warning::x.env",
    "c1\x9b31m.env",
    "v1 ##[stop-commands]tok.env",  # the runner's older form, recognised anywhere in a line
]
INJECTED = ("::stop-commands::", "::add-mask::", "::error file=evil.py", "::warning::x")
RAW_CONTROLS = ("\x1b", "\x9b", "\u202e", "\r", "\x07")


def _plant_hostile_names(root: Path) -> None:
    rule = RULES.get("groq.api-key")
    assert rule is not None
    for index, name in enumerate(HOSTILE_NAMES):
        (root / name).write_text(f"K={generate_key(rule, random.Random(index))}\n")


def _assert_no_injection(name: str, text: str, human: bool) -> None:
    assert "##[" not in text, name
    for line in text.replace("\r", "\n").split("\n"):
        assert not line.lstrip().startswith(INJECTED), (name, line)
    if human:
        for char in RAW_CONTROLS:
            assert char not in text, (name, repr(char))


def _outputs(root: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in (root / "out").iterdir()}


def test_hostile_file_names_in_every_scan_format(tmp_path: Path) -> None:
    """Real files named to inject workflow commands and terminal escapes, in every format."""
    import json

    from tests.test_no_leak import run_in

    _plant_hostile_names(tmp_path)
    (tmp_path / "out").mkdir()
    for fmt in ("text", "github", "junit", "json", "sarif"):
        result = run_in(tmp_path, ["scan", ".", "--format", fmt, "--no-color"], env={"NO_COLOR": None})
        assert result.exit_code == 1, result.output
        _assert_no_injection(fmt, result.stdout + result.stderr, human=fmt in ("text", "github", "junit"))
    # Machine formats keep the names exact (a consumer may open the file); they are escaped JSON.
    result = run_in(tmp_path, ["scan", ".", "--format", "json"])
    assert sorted(f["path"] for f in json.loads(result.stdout)["findings"]) == sorted(HOSTILE_NAMES)


def test_hostile_file_names_under_check_on_github_actions(tmp_path: Path) -> None:
    """`check` with annotations, job summary, step outputs and report files, names hostile."""
    from tests.test_no_leak import run_in

    _plant_hostile_names(tmp_path)
    (tmp_path / "out").mkdir()
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp_path / "out" / "summary.md"),
           "GITHUB_OUTPUT": str(tmp_path / "out" / "outputs.txt"), "NO_COLOR": None}
    result = run_in(tmp_path, ["check", "--run", "scan", "--paths", ".", "--junit", "out/c.xml", "--sarif",
                               "out/c.sarif", "--json", "out/c.json"], env=env)
    assert result.exit_code == 1, result.output
    assert sum(line.startswith("::error ") for line in result.stdout.splitlines()) == len(HOSTILE_NAMES)
    _assert_no_injection("stdout", result.stdout + result.stderr, human=True)
    for name, text in _outputs(tmp_path).items():
        _assert_no_injection(name, text, human=name.endswith((".md", ".xml", ".txt")))


def test_hostile_submodule_paths_and_notices(tmp_path: Path) -> None:
    """Notes (submodules skipped) go to standard error and, under `check`, become notices:
    a submodule path is as hostile as a file name."""
    from tests.gitrepo import GIT_ENV, GitRepo
    from tests.test_no_leak import run_in

    repo = GitRepo(tmp_path)
    sha = repo.commit("start")
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{sha},sub\n::stop-commands::tok\n\x1b[2Jx")
    repo.git("commit", "-qm", "a submodule with a hostile path")
    (tmp_path / "out").mkdir()
    event = tmp_path / "out" / "event.json"
    event.write_text('{"repository": {"default_branch": "main"}}')
    plain = run_in(tmp_path, ["scan", "--history"], env=GIT_ENV)
    assert "submodule(s) not scanned" in plain.stderr
    _assert_no_injection("scan", plain.stdout + plain.stderr, human=True)
    env = {**GIT_ENV, "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "workflow_dispatch",
           "GITHUB_EVENT_PATH": str(event), "GITHUB_STEP_SUMMARY": str(tmp_path / "out" / "summary.md")}
    checked = run_in(tmp_path, ["check", "--run", "scan"], env=env)
    assert "::notice title=byok-ci::" in checked.stdout
    _assert_no_injection("check", checked.stdout + checked.stderr, human=True)
    _assert_no_injection("summary", (tmp_path / "out" / "summary.md").read_text(), human=True)


# Text that could come from anywhere: a file name, a config value, a provider's answer.
_HOSTILE_TEXT = st.lists(st.sampled_from(
    ["\n", "\r", "\x1b", "\x9b", "\u202e", "\u2066", "\x00", "\x7f", ":", ",", "%", "::", " ", "a", "é", "😀", "\t",
     "::stop-commands::", "::add-mask::"]
), max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=_HOSTILE_TEXT)
def test_escape_terminal_output_has_no_control_characters(text: str) -> None:
    from byok_ci.outbound import escape_terminal

    assert escape_terminal(text).isprintable()


@settings(max_examples=300, deadline=None)
@given(message=_HOSTILE_TEXT, value=_HOSTILE_TEXT)
def test_a_workflow_command_is_one_line_whose_data_cannot_end_it(message: str, value: str) -> None:
    from byok_ci.report.github import workflow_command

    line = workflow_command("warning", message, file=value, title=value)
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    head, _, data = line.partition("::")[2].partition("::")
    assert head.startswith("warning") and "::" not in head  # the properties end where the command says
    assert not data.startswith(("stop-commands", "add-mask"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=st.text(max_size=30), after=st.text(max_size=30),
    rule_index=st.integers(min_value=0, max_value=len(PREFIXED) - 1), seed=st.integers(min_value=0, max_value=10**6),
)
def test_a_key_anywhere_in_any_text_is_redacted(before: str, after: str, rule_index: int, seed: int) -> None:
    """Whatever surrounds it (a word glued on, control characters, more of a file name)."""
    from byok_ci.outbound import redact_text

    rule = PREFIXED[rule_index]
    key = generate_key(rule, random.Random(seed))
    body = key[len(rule.prefix):]
    shown = redact_text(before + key + after)
    assert all(body[i:i + 12] not in shown for i in range(len(body) - 12 + 1)), rule.id


def test_undecodable_file_names_in_human_formats(tmp_path: Path) -> None:
    """A name that is not UTF-8 (a lone 0x9b is CSI to an 8-bit terminal) is shown with \\xNN
    escapes, as git paths are; JUnit no longer fails on the character XML cannot hold."""
    import os

    from tests.test_no_leak import run_in

    rule = RULES.get("groq.api-key")
    assert rule is not None
    with open(os.path.join(os.fsencode(tmp_path), b"bad\x9b31m\xff.env"), "w") as handle:
        handle.write(f"K={generate_key(rule, random.Random(1))}\n")
    for fmt in ("text", "junit", "github"):
        result = run_in(tmp_path, ["scan", ".", "--format", fmt], env={"NO_COLOR": None})
        assert result.exit_code == 1, (fmt, result.output)
        assert "bad\\x9b31m\\xff.env" in result.stdout, fmt


# --- Encoded text: the bulk decoding agrees with the one-run-at-a-time reference -------------

_B64_PARTS = st.one_of(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789=_-:\"'\n", max_size=60),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABCDEFG.,:=\n", min_size=16, max_size=90).map(
        lambda t: base64.b64encode(t.encode()).decode()),
    st.binary(min_size=20, max_size=60).map(lambda b: base64.b64encode(b).decode()),
    st.sampled_from(["=", "==", "===", "+/", "é", "\u2028", "%41%42", " "]),
)


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(_B64_PARTS, max_size=40), block=st.sampled_from([10, 64, 200, 1 << 20]),
       longest=st.sampled_from([40, 100, 1 << 20]), reach=st.sampled_from([(0, 0), (30, 20), (600, 400)]))
@example(parts=["x ", base64.b64encode(b"a" * 63).decode(), " y"], block=10, longest=40, reach=(0, 0))
def test_bulk_base64_decoding_finds_the_reference_segments(parts: list[str], block: int, longest: int,
                                                          reach: tuple[int, int]) -> None:
    """Checked against :func:`encoded._base64_segments`, which decodes one run at a time."""
    from byok_ci.detect import encoded

    text = "".join(parts)
    original = encoded.BLOCK, encoded.MAX_SEGMENT
    # Small blocks put segments on every block edge; a small MAX_SEGMENT makes runs that
    # long that a block edge cuts them.
    encoded.BLOCK, encoded.MAX_SEGMENT = block, longest
    try:
        reference = [(start, end, decoded) for start, end, _, decoded in encoded._base64_segments(text)]
        assert list(encoded.decoded_runs(text, reach)) == reference
    finally:
        encoded.BLOCK, encoded.MAX_SEGMENT = original


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    layout=st.lists(st.tuples(st.booleans(), st.integers(0, 3)), min_size=1, max_size=25),
    seed=st.integers(0, 10**6),
    dense=st.sampled_from([0.0, float("inf")]),
)
def test_keys_in_base64_are_found_whether_decoded_as_one_piece_or_in_windows(layout, seed, dense) -> None:  # type: ignore[no-untyped-def]
    """Each base64 run holding a key is reported at the run, whichever way its block is cut up."""
    from byok_ci.detect import encoded

    rng = random.Random(seed)
    rule = RULES.get("groq.api-key")
    assert rule is not None
    lines, expected = [], []
    for n, (holds_key, filler) in enumerate(layout):
        if holds_key:
            value = base64.b64encode(f"GROQ_API_KEY={generate_key(rule, rng)}".encode()).decode()
            expected.append((len(lines) + 1, len(f"k{n}: ") + 1))
        else:
            value = base64.b64encode(b"just some words " * (filler + 1)).decode()
        lines.append(f"k{n}: {value}\n")
    original = encoded.DENSE
    encoded.DENSE = dense
    try:
        found = DETECTOR.detect(Chunk(text="".join(lines), path="secret.yaml"))
    finally:
        encoded.DENSE = original
    assert sorted((f.line, f.column) for f in found) == expected
    assert all(f.encoding == "base64" for f in found)
