"""History shards cut a flat directory into name ranges (issue 19): each range is a few git
glob pathspecs that match exactly its names, whatever bytes they hold, so a shard diffs only
its own files of a directory it shares with others, and every path of every commit (deleted,
or never listed) is one shard's."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from byok_ci.scan_git import GitTarget, scan_git
from byok_ci.shard import Shard, range_owner, tree_plan, unit_owner
from tests.gitrepo import git_env
from tests.test_shard import _findings_json, _keys, _merged, _stats

# Bytes a range glob must handle: its own metacharacters, "-", "!", "^", ".", a control
# byte, the bytes around "/", and bytes of UTF-8 and of names that are not UTF-8.
ALPHABET = b"\x01\t !*-.0:?[\\]^az~\x7f\x80\xa9\xc3\xff" + bytes([0x2E, 0x30])
FLAT = "fl[a]t*"  # the flat directory: glob characters in its own name too


def _quoted(name: bytes) -> bytes:
    return b'"' + b"".join(b"\\%03o" % c if c < 0x20 or c >= 0x7F or c in b'"\\' else bytes([c]) for c in name) + b'"'


def _fast_import(path: Path, commits: list[list[tuple[bytes, bytes | None]]]) -> None:
    """A history of ``commits`` (each a list of (path, text), None deleting the path) on main."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=git_env())
    stream = bytearray()
    for n, files in enumerate(commits):
        stream += b"commit refs/heads/main\ncommitter Ada <ada@example.com> %d +0000\ndata 1\nc\n" % (1_700_000_000 + n)
        for name, text in files:
            if text is None:
                stream += b"D %s\n" % _quoted(name)
            else:
                stream += b"M 100644 inline %s\ndata %d\n%s\n" % (_quoted(name), len(text), text)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=bytes(stream), check=True, env=git_env())


def _names(rng: random.Random, count: int) -> list[bytes]:
    names = {bytes(rng.choice(ALPHABET) for _ in range(rng.randint(1, 4))) for _ in range(count)}
    return sorted(name for name in names if name not in (b".", b".."))


def _matched(repo: Path, specs: list[str]) -> set[bytes]:
    done = subprocess.run(["git", "log", "--format=", "--name-only", "-z", "--no-renames", "--", *specs],
                          cwd=repo, capture_output=True, env=git_env())
    assert done.returncode == 0, done.stderr
    return {path for path in done.stdout.replace(b"\n", b"").split(b"\0") if path}


def test_range_globs_match_exactly_the_names_in_their_range(tmp_path):
    """Against git itself: a range's pathspecs match every name of the directory in the
    range and nothing else, neither names outside it nor paths in its subdirectories,
    whatever bytes the names and the cuts hold (the cuts are not names of the tree: names
    a listing never saw fall in their range too)."""
    from byok_ci.sources.git.sharding import lossless, range_globs

    rng = random.Random(19)
    names = _names(rng, 400)
    directories = [b"", FLAT.encode()]
    files = [(d + b"/" + n if d else n, b"x\n") for d in directories for n in names]
    files += [(FLAT.encode() + b"/" + n + b"\x01sub/below", b"y\n") for n in names[::7]]  # subdirectories: never matched
    _fast_import(tmp_path / "repo", [files])
    tried = 0
    for cuts in (_names(rng, 5), _names(rng, 12), [b"a", b"a\x01", b"a\xff", b"a\xff\xff", b"b"], [b"\x01", b"\xff"]):
        bounds = [b"", *cuts]
        for directory in directories:
            base = directory + b"/" if directory else b""
            for index, lowest in enumerate(bounds):
                above = bounds[index + 1] if index + 1 < len(bounds) else None
                expected = {base + n for n in names if lowest <= n and (above is None or n < above)}
                globs = range_globs(lowest, above)
                specs = [(":(top,glob)" if glob else ":(top,literal)")
                         + lossless((re.sub(rb"([*?\[\]\\])", rb"\\\1", base) if glob else base) + pattern)
                         for pattern, glob in globs]
                if not specs:
                    assert not expected
                    continue
                assert _matched(tmp_path / "repo", specs) == expected, (lowest, above, globs)
                tried += len(expected)
    assert tried >= 2 * 4 * len(names)


def test_a_range_owner_puts_every_name_in_one_range():
    cut = [(b"", 1), (b"c", 2), (b"co", 3), (b"d\xff", 1)]
    assert [range_owner(cut, n) for n in (b"\x01", b"b\xff", b"c", b"cn\xff", b"co", b"cz", b"d", b"d\xff", b"\xff")] \
        == [1, 1, 2, 2, 3, 3, 3, 1, 1]


def _flat_weights(count: int) -> dict[str, int]:
    rng = random.Random(count)
    weights = {f"{FLAT}/{name.decode('utf-8', 'surrogateescape')}": rng.randint(1, 400) for name in _names(rng, 200)}
    weights.update({f"{FLAT}/sub/f{i}.py": 30 for i in range(5)})
    weights.update({f"other/g{i}.py": rng.randint(1, 400) for i in range(30)})
    weights["top.md"] = 500
    return weights


@pytest.mark.parametrize("count", (2, 3, 7))
def test_a_plan_splits_a_flat_directory_into_ranges_and_covers_every_name_once(count):
    weights = _flat_weights(count)
    plan = tree_plan(weights, count)
    assert plan == tree_plan(dict(reversed(list(weights.items()))), count)
    assert len({shard for _, shard in plan.ranges[FLAT]}) >= 2  # the flat directory is shared by shards
    assert all(not unit.startswith(FLAT + "/") or unit == FLAT + "/sub" for unit in plan.units)
    owner = unit_owner(plan.units, count, plan.ranges)
    loads = dict.fromkeys(range(1, count + 1), 0)
    for path, weight in weights.items():
        loads[owner(path)] += weight
    share = sum(weights.values()) / count
    assert max(loads.values()) <= share * 1.5, loads
    # A name no listing held: the range it falls in, not a hash.
    for name in ("zzz-new.py", "\udcff.bin", "[new]*", "a"):
        shard = owner(f"{FLAT}/{name}")
        assert shard == range_owner(plan.ranges[FLAT], name.encode("utf-8", "surrogateescape"))


@pytest.mark.parametrize("count", (2, 4, 8))
def test_a_range_ends_early_where_its_bounds_are_shorter(count):
    """Coverage reports name files z_<16 hex>_<module>.html (haystack's htmlcov/): a cut
    where the weight falls exactly lands inside a group of one hash, with bounds of 20 bytes
    and more, about three pathspecs a byte, which git matches against every entry it walks.
    A range may end a little early (not below 1 - CUT_SLACK of its cap) at a shorter bound;
    the shards stay balanced and every name is still in one range."""
    rng = random.Random(count)
    groups = ["".join(rng.choice("0123456789abcdef") for _ in range(16)) for _ in range(24)]
    weights = {f"htmlcov/z_{group}_{module}_py.html": 100 for group in sorted(groups) for module in
               ("agent", "base", "chat", "component", "pipeline", "utils", "router")}
    weights.update({"haystack/core.py": 150, "index.html": 300})
    plan = tree_plan(weights, count)
    lowest = [bound for bound, _ in plan.ranges["htmlcov"]]
    assert len(lowest) >= 2 and max(len(bound) for bound in lowest) <= len("z_") + 2, lowest
    owner = unit_owner(plan.units, count, plan.ranges)
    loads = dict.fromkeys(range(1, count + 1), 0)
    for path, weight in weights.items():
        loads[owner(path)] += weight
    assert max(loads.values()) <= sum(weights.values()) / count * 1.3, loads


def _flat_history(path: Path, keys: list[str]) -> list[list[tuple[bytes, bytes | None]]]:
    """A flat directory of many files (names with glob characters, names that are not UTF-8,
    a deleted file), split into ranges several shards share, and a few other paths."""
    rng = random.Random(7)
    names = _names(rng, 90)
    first = [(FLAT.encode() + b"/" + n, b"# %d\n" % i + b"v = 1\n" * rng.randint(1, 60)
              + (b"K = '%s'\n" % keys[i % len(keys)].encode() if i % 9 == 0 else b""))
             for i, n in enumerate(names)]
    first += [(b"lib/a.py", b"a\n" * 50), (b"README.md", b"r\n" * 200)]
    gone = FLAT.encode() + b"/gone\xe9[1].py"
    first.append((gone, b"KEY = '%s'\n" % keys[1].encode()))
    second = [(gone, None), (FLAT.encode() + b"/" + names[4], b"KEY = '%s'\n" % keys[2].encode())]
    later = [(FLAT.encode() + b"/" + n, b"NEW = '%s'\n" % keys[3].encode())
             for n in (b"new*[x].py", b"\xc3\xa9t\xc3\xa9.py", b"\xff\xfe", b"-dash", b"0zero")]
    commits = [first, second, later]
    _fast_import(path, commits)
    return commits


def _patches(repo: Path, config: list[str], specs: list[str]) -> list[str]:
    done = subprocess.run(["git", *config, "log", "--all", "-p", "--cc", "--no-renames", "--format=%H",
                           *(["--sparse", "--full-history", "--", *specs] if specs else [])],
                          cwd=repo, capture_output=True, env=git_env())
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode("utf-8", "surrogateescape")
    return [p.splitlines()[0] for p in re.split(r"^(?=diff )", text, flags=re.M) if p.startswith("diff ")]


@pytest.mark.parametrize("count", (2, 3, 7))
def test_every_patch_of_every_commit_is_one_shards_even_names_the_plan_never_saw(tmp_path, shipped_rules, rng,
                                                                                  count):
    """A plan made before the last commit (which adds new names to the flat directory):
    every patch git writes for the whole history, a deleted file's too, is written for
    exactly one shard, by its pathspecs, and owned by that shard."""
    from byok_ci.sources.git.sharding import history_weights, narrowed

    repo, listed = tmp_path / "repo", tmp_path / "listed"
    commits = _flat_history(repo, _keys(shipped_rules, rng, 4))
    _fast_import(listed, commits[:-1])
    weights = history_weights(str(listed), all_objects=False)
    whole = _patches(repo, [], [])
    seen: list[str] = []
    for k in range(1, count + 1):
        with narrowed(Shard(k, count), weights, (), str(repo)) as narrowing:
            assert narrowing.pathspecs and not narrowing.config
            seen += _patches(repo, narrowing.config, narrowing.pathspecs)
    assert sorted(seen) == sorted(whole)
    assert any("new*[x].py" in patch for patch in whole) and any("gone" in patch for patch in whole)


@pytest.mark.parametrize("count", (1, 2, 3, 7))
def test_shards_of_a_flat_directory_split_in_ranges_merge_to_the_single_scan(tmp_path, shipped_rules, rng, count):
    from byok_ci.sources.git.sharding import lossless, history_weights

    repo = tmp_path / "repo"
    _flat_history(repo, _keys(shipped_rules, rng, 4))
    weights = history_weights(str(repo), all_objects=False)
    plan = tree_plan({lossless(p): w for p, w in weights.items()}, count)
    if count > 2:
        assert len({shard for _, shard in plan.ranges[FLAT]}) >= 2
    target = GitTarget("history")
    single = scan_git(target, cwd=str(repo))
    assert not single.errors and any(f.history_only for f in single.findings)
    assert any("gone" in f.path for f in single.findings) and any("new*" in f.path for f in single.findings)
    shards = [scan_git(target, cwd=str(repo), shard=Shard(k, count)) for k in range(1, count + 1)]
    merged = _merged(shards, tmp_path)
    assert not merged.errors, merged.errors
    assert _findings_json(merged) == _findings_json(single)
    assert _stats(merged) == _stats(single)


@pytest.mark.parametrize("variable", ["GIT_LITERAL_PATHSPECS", "GIT_NOGLOB_PATHSPECS", "GIT_GLOB_PATHSPECS",
                                      "GIT_ICASE_PATHSPECS"])
def test_shards_ignore_the_environments_pathspec_switches(tmp_path, shipped_rules, rng, monkeypatch, variable):
    """git reads every pathspec literally (or otherwise) when these are set: a shard's own
    pathspecs would then match nothing, and its findings would be lost without an error."""
    repo = tmp_path / "repo"
    _flat_history(repo, _keys(shipped_rules, rng, 4))
    target = GitTarget("history")
    single = scan_git(target, cwd=str(repo))
    assert single.findings
    monkeypatch.setenv(variable, "1")
    merged = _merged([scan_git(target, cwd=str(repo), shard=Shard(k, 3)) for k in (1, 2, 3)], tmp_path)
    assert not merged.errors, merged.errors
    assert _findings_json(merged) == _findings_json(single)


@pytest.mark.parametrize("pathspecs", [(), (f":(glob){FLAT.replace('[', '[[]').replace('*', '[*]')}/*",)],
                         ids=["every path", "the user's own glob pathspec"])
def test_shards_of_names_that_differ_only_in_case_on_a_case_insensitive_config(tmp_path, shipped_rules, rng,
                                                                               monkeypatch, pathspecs):
    """core.ignorecase and GIT_ICASE_PATHSPECS make git match a range's globs without regard
    to case, so a shard's globs also match names of a range next to its own (`A*` and `a*`):
    the other shard's patches git then writes are dropped unseen, and none is lost."""
    monkeypatch.setattr(sys.modules[__name__], "ALPHABET", b"aAbBzZ*[]?-\\\xc3\xa9\xc3\x89")
    repo = tmp_path / "repo"
    _flat_history(repo, _keys(shipped_rules, rng, 4))
    subprocess.run(["git", "config", "core.ignorecase", "true"], cwd=repo, check=True, env=git_env())
    monkeypatch.setenv("GIT_ICASE_PATHSPECS", "1")
    target = GitTarget("history")
    single = scan_git(target, pathspecs, cwd=str(repo))
    assert any(f.path.startswith(FLAT) for f in single.findings)
    merged = _merged([scan_git(target, pathspecs, cwd=str(repo), shard=Shard(k, 3)) for k in (1, 2, 3)], tmp_path)
    assert not merged.errors, merged.errors
    assert _findings_json(merged) == _findings_json(single)


def test_name_ranges_cut_early_still_hold_every_name_once():
    """Round 5's early cuts (CUT_SLACK, shortest bounds): over random directories of names
    that are prefixes of each other, weightless files and files heavier than a range, each
    range is non-empty, its bound above the name before it and its weight its names'."""
    from byok_ci.shard import _name_ranges

    rng = random.Random(5)
    for _ in range(3000):
        raw = {bytes(rng.choice(b"ab-\xff") for _ in range(rng.randint(1, 5))) for _ in range(rng.randint(1, 30))}
        names = [name.decode("utf-8", "surrogateescape") for name in raw]
        totals = {name: rng.choice([0, 1, 5, 50, 500]) for name in names}
        cap = rng.choice([0.5, 1, 10, 100, 1000])
        cut = list(_name_ranges(names, totals, cap))
        bounds = [bound for bound, _ in cut]
        assert bounds[0] == b"" and bounds == sorted(set(bounds))
        for index, (bound, weight) in enumerate(cut):
            above = bounds[index + 1] if index + 1 < len(bounds) else None
            mine = [n for n in names if bound <= n.encode("utf-8", "surrogateescape") and (above is None or
                                                                                           n.encode("utf-8", "surrogateescape") < above)]
            assert mine and sum(totals[n] for n in mine) == weight and (len(mine) == 1 or weight <= cap)
