"""Walking trees and reading files: what is skipped, what is an error, and what still runs."""

from __future__ import annotations

import os
import random
import socket
from pathlib import Path

import pytest

from byok_ci.config import Settings
from byok_ci.rules import RuleSet
from byok_ci.scan import scan_paths
from tests.conftest import key_for


def plant(path: Path, ruleset: RuleSet, rng: random.Random, rule_id: str = "groq.api-key") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"TOKEN={key_for(ruleset, rule_id, rng)}\n")


def paths_found(report) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(f.path for f in report.findings)


def test_walk_skips_dependency_dirs_but_not_build_output_or_ignored_files(
    tmp_path: Path, shipped_rules: RuleSet, rng: random.Random
) -> None:
    for rel in (".git/config", ".venv/x.py", "venv/x.py", "node_modules/a/i.js", "lib/site-packages/m.py",
                "__pycache__/c.py", ".tox/t.py", "dist/app.js", "build/cfg.py", "vendor/v.go", ".env", "src/a.py"):
        plant(tmp_path / rel, shipped_rules, rng)
    (tmp_path / ".gitignore").write_text(".env\n")
    report = scan_paths([str(tmp_path)], rules=shipped_rules, root=tmp_path)
    assert paths_found(report) == [".env", "build/cfg.py", "dist/app.js", "src/a.py", "vendor/v.go"]
    assert report.errors == ()


def test_symlinks_are_not_followed_in_walks(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    """A link within the tree names what the walk reads anyway (once, at its own path); one
    out of it would read what is not the tree's (a runner's files, /dev/zero): never
    followed, and said once (not blocking: the tree itself was read), so "no leaks" does
    not pass for a tree whose link holds one."""
    from byok_ci.exitcodes import exit_code

    outside = tmp_path / "outside"
    plant(outside / "secret.txt", shipped_rules, rng)
    tree = tmp_path / "tree"
    plant(tree / "conf" / "real.env", shipped_rules, rng)
    (tree / "link-dir").symlink_to(outside)
    (tree / "link-file").symlink_to(outside / "secret.txt")
    (tree / "inside.env").symlink_to(tree / "conf" / "real.env")
    (tree / "inside-dir").symlink_to("conf")
    (tree / "broken").symlink_to(tmp_path / "missing")
    (tree / "loop").symlink_to(tree / "loop")
    report = scan_paths([str(tree)], rules=shipped_rules, root=tmp_path)
    assert paths_found(report) == ["tree/conf/real.env"]
    assert [(e.path, e.message, e.blocking) for e in report.errors] == [
        ("tree/link-dir", "symlink to outside the scanned directories, not followed: its target was not scanned "
                          "(and 1 more such symlink(s))", False)]
    assert report.stats.skipped_other == 6 and exit_code(report) == 1
    (tree / "conf" / "real.env").unlink()
    assert exit_code(scan_paths([str(tree)], rules=shipped_rules, root=tmp_path)) == 0
    # Given both directories, the links point within what is scanned.
    both = scan_paths([str(tree), str(outside)], rules=shipped_rules, root=tmp_path)
    assert both.errors == () and paths_found(both) == ["outside/secret.txt"]


def test_excludes(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    for rel in ("keep/a.py", "fixtures/b.py", "deep/x/fixtures/c.py", "d.lock", "e.py"):
        plant(tmp_path / rel, shipped_rules, rng)
    settings = Settings(exclude=("fixtures", "*.lock"))
    report = scan_paths([str(tmp_path)], rules=shipped_rules, settings=settings, root=tmp_path)
    assert paths_found(report) == ["e.py", "keep/a.py"]


def test_binary_files_are_skipped(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "groq.api-key", rng)
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01\x02" + key.encode() + b"\x00" * 100)
    report = scan_paths([str(tmp_path)], rules=shipped_rules, root=tmp_path)
    assert report.findings == () and report.stats.skipped_binary == 1


def test_bad_inputs_are_one_line_errors_and_the_rest_still_scans(
    tmp_path: Path, shipped_rules: RuleSet, rng: random.Random
) -> None:
    good = tmp_path / "good.py"
    plant(good, shipped_rules, rng)
    broken = tmp_path / "broken"
    broken.symlink_to(tmp_path / "nowhere")
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    sock_path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    try:
        paths = [str(tmp_path / "missing.py"), str(broken), str(loop), str(fifo), str(sock_path), str(good)]
        report = scan_paths(paths, rules=shipped_rules, root=tmp_path)
    finally:
        server.close()
    assert paths_found(report) == ["good.py"]
    messages = {e.path: e.message for e in report.errors}
    assert messages == {
        "missing.py": "no such file or directory",
        "broken": "broken symlink",
        "loop": "symlink loop",
        "fifo": "not a regular file (FIFO); skipped",
        "sock": "not a regular file (socket); skipped",
    }
    assert all("\n" not in m for m in messages.values())


@pytest.mark.skipif(getattr(os, "geteuid", lambda: -1)() == 0, reason="root reads every file")
def test_permission_denied(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    locked = tmp_path / "locked.py"
    plant(locked, shipped_rules, rng)
    locked.chmod(0)
    report = scan_paths([str(locked)], rules=shipped_rules, root=tmp_path)
    assert [(e.path, e.message) for e in report.errors] == [("locked.py", "cannot read: permission denied")]


def test_files_over_the_size_limit_are_errors(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    plant(tmp_path / "small.py", shipped_rules, rng)
    (tmp_path / "big.txt").write_text("x" * 5000)
    report = scan_paths([str(tmp_path)], rules=shipped_rules, settings=Settings(max_file_size=1000), root=tmp_path)
    assert paths_found(report) == ["small.py"]
    (error,) = report.errors
    assert error.path == "big.txt" and "maximum file size" in error.message


def test_paths_outside_root_are_absolute(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    plant(tmp_path / "a" / "k.py", shipped_rules, rng)
    report = scan_paths([str(tmp_path / "a")], rules=shipped_rules, root=tmp_path / "elsewhere")
    assert paths_found(report) == [(tmp_path / "a" / "k.py").as_posix()]


def test_findings_are_sorted_deterministically(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    for name in ("b.py", "a.py", "c/d.py"):
        plant(tmp_path / name, shipped_rules, rng)
    report = scan_paths([str(tmp_path)], rules=shipped_rules, root=tmp_path)
    assert paths_found(report) == [f.path for f in report.findings]


def test_parallel_scan_gives_the_same_findings_in_the_same_order(
    tmp_path: Path, shipped_rules: RuleSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    import byok_ci.scan

    rng = random.Random(77)
    for n in range(60):
        rule = shipped_rules.rules[n % len(shipped_rules.rules)]
        text = "\n".join(["filler line"] * rng.randint(0, 200) + [rule.examples.positive[0]])
        from byok_ci.keygen import expand_example

        (tmp_path / f"d{n % 7}").mkdir(exist_ok=True)
        (tmp_path / f"d{n % 7}" / f"f{n}.txt").write_text(expand_example(text, rule, rng))
    (tmp_path / "missing-link").symlink_to(tmp_path / "nowhere")
    sequential = scan_paths([str(tmp_path), str(tmp_path / "missing-link")], rules=shipped_rules,
                            settings=Settings(jobs=1), root=tmp_path)
    monkeypatch.setattr(byok_ci.scan, "PARALLEL_MIN_BYTES", {"python": 0, "hyperscan": 0})
    monkeypatch.setattr(byok_ci.scan, "BATCH_BYTES", 2000)
    parallel = scan_paths([str(tmp_path), str(tmp_path / "missing-link")], rules=shipped_rules,
                          settings=Settings(jobs=2), root=tmp_path)
    assert parallel.findings == sequential.findings and len(parallel.findings) >= 50
    assert parallel.errors == sequential.errors
    assert (parallel.stats.files, parallel.stats.bytes) == (sequential.stats.files, sequential.stats.bytes)


def test_a_walk_feeding_workers_takes_no_sizes_after_its_look_ahead_and_reads_the_same(
    tmp_path: Path, shipped_rules: RuleSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers read each file's size from the fstat of its open: past the look-ahead the walk
    gives files without one (no lstat each), and what is found, reported and counted is what
    a scan in one process gives: a file over --max-file-size, an empty file, keys."""
    import byok_ci.scan
    from byok_ci.keygen import expand_example

    rng = random.Random(5)
    for n in range(40):
        rule = shipped_rules.rules[n % len(shipped_rules.rules)]
        (tmp_path / f"d{n % 4}").mkdir(exist_ok=True)
        text = "x = 1\n" * rng.randint(0, 300) + rule.examples.positive[0] + "\n"
        (tmp_path / f"d{n % 4}" / f"f{n}.txt").write_text(expand_example(text, rule, rng))
    (tmp_path / "d2" / "big.txt").write_text("y\n" * 40_000)
    (tmp_path / "d3" / "empty.txt").write_text("")
    settings = Settings(jobs=1, max_file_size=50_000)
    sequential = scan_paths([str(tmp_path)], rules=shipped_rules, settings=settings, root=tmp_path)
    monkeypatch.setattr(byok_ci.scan, "PARALLEL_MIN_BYTES", {"python": 3000, "hyperscan": 3000})
    monkeypatch.setattr(byok_ci.scan, "BATCH_BYTES", 2000)
    sizes: list[int] = []
    batches = byok_ci.scan._batches

    def seen(entries, target, *unknown):  # type: ignore[no-untyped-def]
        for batch in batches(entries, target, *unknown):
            sizes.extend(entry.size for entry in batch)
            yield batch

    monkeypatch.setattr(byok_ci.scan, "_batches", seen)
    parallel = scan_paths([str(tmp_path)], rules=shipped_rules, settings=Settings(jobs=2, max_file_size=50_000),
                          root=tmp_path)
    assert len(sizes) == 42 and sizes[0] >= 0 and sizes[-1] == -1
    assert parallel.findings == sequential.findings and len(parallel.findings) >= 30
    assert parallel.errors == sequential.errors and "big.txt" in str(parallel.errors)
    assert parallel.stats == sequential.stats.__class__(**{**vars(sequential.stats), "seconds": parallel.stats.seconds})


def test_the_last_batches_shrink_so_the_workers_end_together() -> None:
    """A whole last batch in one worker while the other idles was the end of every large
    scan (30 ms of one core on haystack's tree): once the walk has ended, each batch takes a
    share of what is left. Every file once, in the walk's order, the walk read only a few
    batches ahead of the workers."""
    from byok_ci.scan import BATCH_BYTES, LAST_BATCH_BYTES, WALK_AHEAD, FileEntry, _batches

    sizes = [random.Random(n).randint(0, 40_000) for n in range(3_000)] + [-1] * 1_000
    drawn = 0

    def walk():  # type: ignore[no-untyped-def]
        nonlocal drawn
        for n, size in enumerate(sizes):
            drawn += 1
            yield FileEntry(f"f{n}", f"f{n}", size)

    given = 0
    batches = []
    for batch in _batches(walk(), BATCH_BYTES, 20_000, 2):
        if len(batches) < 3:
            assert drawn == given + len(batch)  # the first batches go out at once: the workers start
        batches.append(batch)
        given += len(batch)
        assert sum(max(e.size, 0) for e in batch) < BATCH_BYTES + 40_000
        assert drawn == len(sizes) or drawn - given <= WALK_AHEAD * 2000  # the walk is read so far ahead only
    assert [e.path for batch in batches for e in batch] == [f"f{n}" for n in range(len(sizes))]
    weights = [sum(e.size if e.size >= 0 else 20_000 for e in batch) for batch in batches]
    tail = weights[-6:]
    assert tail == sorted(tail, reverse=True) and tail[-1] < LAST_BATCH_BYTES + 40_000
    assert weights[0] >= BATCH_BYTES  # full batches while the walk goes on


def test_names_in_a_walk_are_shown_as_display_path_shows_them(tmp_path: Path) -> None:
    """The walk builds an ASCII name's shown path from its directory's: the same as
    display_path, inside the report root, at it, and outside it."""
    from byok_ci.paths import display_path
    from byok_ci.sources.files import _shown_in

    rng = random.Random(3)
    (tmp_path / "root" / "a b" / "c").mkdir(parents=True)
    (tmp_path / "other").mkdir()
    root = tmp_path / "root"
    for directory in (root, root / "a b", root / "a b" / "c", tmp_path / "other", tmp_path):
        shown = _shown_in(str(directory), root)
        for _ in range(200):
            name = "".join(rng.choice(["x", ".env", "-", "é", "e\u0301", " ", "_", "KEY"]) for _ in range(rng.randint(1, 6)))
            assert shown(name) == display_path(str(directory / name), root), (directory, name)


def test_a_worker_killed_mid_scan_names_its_files_and_the_rest_is_still_scanned(
    tmp_path: Path, shipped_rules: RuleSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed with a batch in its hands (the kernel's OOM killer, a SIGKILL) took
    that batch's results with it: those files are errors (never "no leaks found" for files
    not scanned), and every other file's findings are still reported."""
    import signal

    import byok_ci.scan
    from byok_ci.keygen import expand_example
    from byok_ci.pipeline.workers import can_fork

    if not can_fork():
        pytest.skip("workers are forked")
    rng = random.Random(78)
    for n in range(60):
        rule = shipped_rules.rules[n % len(shipped_rules.rules)]
        text = "\n".join(["filler line"] * rng.randint(0, 200) + [rule.examples.positive[0]])
        (tmp_path / f"f{n:02}.txt").write_text(expand_example(text, rule, rng))
    (tmp_path / "victim.txt").write_text("nothing here\n")
    sequential = scan_paths([str(tmp_path)], rules=shipped_rules, settings=Settings(jobs=1), root=tmp_path)
    scan_batch = byok_ci.scan._scan_batch

    def killed_on_the_victim(batch):  # type: ignore[no-untyped-def]
        if "victim.txt" in batch[1]:
            os.kill(os.getpid(), signal.SIGKILL)
        return scan_batch(batch)

    monkeypatch.setattr(byok_ci.scan, "_scan_batch", killed_on_the_victim)
    monkeypatch.setattr(byok_ci.scan, "PARALLEL_MIN_BYTES", {"python": 0, "hyperscan": 0})
    monkeypatch.setattr(byok_ci.scan, "BATCH_FILES", 4)
    report = scan_paths([str(tmp_path)], rules=shipped_rules, settings=Settings(jobs=2), root=tmp_path)
    lost = {error.path for error in report.errors}
    assert "victim.txt" in lost and 1 <= len(lost) <= 4, report.errors
    assert all("not scanned" in e.message and "SIGKILL" in e.message for e in report.errors)
    assert all(error.blocking for error in report.errors)  # exit 2 (1 with findings), never 0
    assert list(report.findings) == [f for f in sequential.findings if f.path not in lost]
    assert report.stats.files == sequential.stats.files - len(lost)
