"""Sharded scans (issue 19): N shards merged equal the one scan, byte for byte on the findings."""

from __future__ import annotations

import io
import json
import re
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from byok_ci.cli import main
from byok_ci.merge import merge_reports
from byok_ci.model import Report, fingerprint
from byok_ci.report.json import envelope, write
from byok_ci.scan import scan_paths
from byok_ci.scan_git import GitTarget, scan_git
from byok_ci.shard import SPLIT_ABOVE, Shard, assign, parse_shard, tree_units, unit_owner
from tests.conftest import key_for
from tests.gitrepo import GitRepo, git_env

COUNTS = (1, 2, 3, 7)
PROVIDERS = ("openai.project-key", "anthropic.api-key", "aws.access-key-id", "groq.api-key")


def _keys(shipped_rules, rng, n: int) -> list[str]:
    return [key_for(shipped_rules, PROVIDERS[i % len(PROVIDERS)], rng) for i in range(n)]


def _history(path: Path, keys: list[str]) -> GitRepo:
    """A history with keys added, copied, moved, deleted and only in a pull-request ref."""
    repo = GitRepo(path)
    for i in range(12):
        repo.write(f"src/mod{i}.py", f"# module {i}\n" + "x = 1\n" * (i * 40))
    repo.write("app/settings.py", f"TOKEN = '{keys[0]}'\n")
    repo.commit("start")
    repo.write("app/copy.py", f"TOKEN = '{keys[0]}'\n")  # the same key at a second path
    repo.write("deploy/env.sh", f"export KEY={keys[1]}\n")
    repo.commit("copy and deploy")
    repo.git("rm", "-q", "deploy/env.sh")  # history only
    repo.write("src/mod3.py", f"# module 3\nKEY = '{keys[2]}'\n")
    repo.commit("drop deploy")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("feature/flag.py", f"KEY = '{keys[3]}'\n")
    repo.commit("on a branch")
    repo.git("checkout", "-q", "main")
    repo.write("src/mod3.py", f"# module 3\nKEY = '{keys[2]}'\nOTHER = '{keys[4]}'\n")
    pr = repo.commit("pull request head")
    repo.git("update-ref", "refs/pull/1/head", pr)
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.write("src/mod7.py", "# module 7, no key\n")
    repo.write("lib/we[ir]d*.py", f"KEY = '{keys[3]}'\n")  # glob characters, and a space, in names
    repo.write("lib/with space.py", f"KEY = '{keys[4]}'\n")
    repo.write("README.md", "readme\n")
    for i in range(4):  # a key in a directory name is one finding, whichever shards hold its files
        repo.write(f"keys-{keys[5]}/n{i}.txt", "x\n" * (i * 100 + 1))
    repo.write("lib/README.md", "another readme\n")
    repo.write("app/settings.py", f"TOKEN = '{keys[0]}'\nREFRESH = '{keys[5]}'\n")
    repo.commit("more")
    return repo


def _tree(path: Path, keys: list[str]) -> Path:
    """A directory with text files and archives holding keys (and nested archives)."""
    path.mkdir()
    for i in range(15):
        (path / f"f{i:02d}.txt").write_text("line\n" * (i * 30) + (f"k = {keys[i % len(keys)]}\n" if i % 3 == 0 else ""))
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("pkg/settings.py", f"KEY = '{keys[1]}'\n")
    with zipfile.ZipFile(path / "dist.whl", "w") as z:
        z.writestr("app/config.py", f"KEY = '{keys[2]}'\n")
        z.writestr("vendor/inner.zip", inner.getvalue())
    data = f"KEY={keys[3]}\n".encode()
    with tarfile.open(path / "release.tar.gz", "w:gz") as tar:
        info = tarfile.TarInfo(".env")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    for i in range(4):  # a key in a directory name is one finding, whichever shards hold its files
        (path / f"keys-{keys[5]}").mkdir(exist_ok=True)
        (path / f"keys-{keys[5]}" / f"n{i}.txt").write_text("x\n" * (i * 100 + 1))
    (path / "sub").mkdir()
    (path / "sub" / "big.txt").write_text("filler\n" * 4000 + f"k = {keys[4]}\n")
    return path


def _merged(reports: list[Report], tmp_path: Path) -> Report:
    paths = []
    for index, report in enumerate(reports):
        out = tmp_path / f"shard-{index}.json"
        with open(out, "w", encoding="utf-8") as stream:
            write(report, stream)
        paths.append(out)
    return merge_reports(paths)


def _findings_json(report: Report) -> str:
    return json.dumps(envelope(report)["findings"], indent=2, sort_keys=True)


def _stats(report: Report) -> dict:
    return {k: v for k, v in report.stats.to_dict().items() if k != "seconds"}


@pytest.mark.parametrize("count", COUNTS)
def test_history_shards_merge_to_the_single_scan(tmp_path, shipped_rules, rng, count):
    repo = _history(tmp_path / "repo", _keys(shipped_rules, rng, 6))
    target = GitTarget("history", all_objects=True)
    single = scan_git(target, cwd=str(repo.path))
    assert single.findings and not single.errors
    assert any(f.history_only for f in single.findings) and any(f.reachability for f in single.findings)
    assert any(f.found_in == "path" for f in single.findings)
    shards = [scan_git(target, cwd=str(repo.path), shard=Shard(k, count)) for k in range(1, count + 1)]
    merged = _merged(shards, tmp_path)
    assert not merged.errors, merged.errors
    assert _findings_json(merged) == _findings_json(single)
    # No blob read twice: the shards' counts add up to the one scan's.
    assert _stats(merged) == _stats(single)


@pytest.mark.parametrize("count", COUNTS)
def test_directory_shards_with_archives_merge_to_the_single_scan(tmp_path, shipped_rules, rng, count):
    tree = _tree(tmp_path / "tree", _keys(shipped_rules, rng, 6))
    single = scan_paths([tree], root=tmp_path)
    assert any("!" in f.path for f in single.findings) and any(f.found_in == "path" for f in single.findings)
    shards = [scan_paths([tree], root=tmp_path, shard=Shard(k, count)) for k in range(1, count + 1)]
    assert len({s.scanned for s in shards}) == 1
    merged = _merged(shards, tmp_path)
    assert not merged.errors, merged.errors
    assert _findings_json(merged) == _findings_json(single)
    assert _stats(merged) == _stats(single)
    if count > 1:
        assert all(s.stats.files < single.stats.files for s in shards)


def test_the_assignment_packs_by_bytes_and_is_the_same_in_any_order():
    sizes = [(f"f{i}", size) for i, size in enumerate([900, 10, 10, 500, 400, 300, 200, 100, 0, 0])]
    owners = assign(sizes, 3)
    assert owners == assign(list(reversed(sizes)), 3)
    loads = {k: sum(size for path, size in sizes if owners[path] == k) for k in (1, 2, 3)}
    assert max(loads.values()) == 900 and min(loads.values()) >= 700


@pytest.mark.parametrize("spec", ["0/3", "4/3", "3", "a/b", "1/0"])
def test_a_shard_that_is_not_k_of_n_is_refused(spec):
    with pytest.raises(ValueError):
        parse_shard(spec)


def _clean_shards(tmp_path: Path, count: int, name: str = "tree") -> list[Path]:
    tree = tmp_path / name
    tree.mkdir(exist_ok=True)
    for i in range(6):
        (tree / f"f{i}.txt").write_text("nothing\n" * (i + 1))
    out = []
    for k in range(1, count + 1):
        path = tmp_path / f"{name}-{k}.json"
        with open(path, "w", encoding="utf-8") as stream:
            write(scan_paths([tree], root=tmp_path, shard=Shard(k, count)), stream)
        out.append(path)
    return out


def _merge(*paths: Path) -> tuple[int, dict]:
    out = paths[0].parent / "merged.json"
    result = CliRunner().invoke(main, ["report", "merge", "-q", "--json", str(out), *map(str, paths)])
    return result.exit_code, json.loads(out.read_text())


def test_complete_clean_shards_merge_clean(tmp_path):
    code, merged = _merge(*_clean_shards(tmp_path, 3))
    assert code == 0, merged
    assert merged["stats"]["files"] == 6 and not merged["errors"]


@pytest.mark.parametrize("case", ["missing", "duplicated", "other-tree", "other-rules", "overlap", "unreadable",
                                  "nested-too-deep"])
def test_an_incomplete_or_inconsistent_merge_is_never_clean(tmp_path, case):
    a, b, c = _clean_shards(tmp_path, 3)
    given = {"missing": [a, c], "duplicated": [a, b, b, c], "unreadable": [a, b, c, tmp_path / "nope.json"]}.get(case)
    if case == "other-tree":
        given = [a, b, _clean_shards(tmp_path, 3, "other")[2]]
    if case == "other-rules":
        data = json.loads(c.read_text())
        data["tool"]["rules"]["digest"] = "0" * 16
        c.write_text(json.dumps(data))
        given = [a, b, c]
    if case == "nested-too-deep":  # json.load raises RecursionError, not a JSON error
        deep = tmp_path / "deep.json"
        deep.write_text("[" * 100_000)
        given = [a, b, c, deep]
    if case == "overlap":
        data, other = json.loads(b.read_text()), json.loads(a.read_text())
        finding = {"rule_id": "openai.project-key", "provider": "openai", "severity": "warning", "path": "tree/f0.txt",
                   "line": 1, "column": 1, "commit": None, "message": "m", "redacted": "…", "fingerprint": "f" * 16}
        data["findings"], other["findings"] = [finding], [finding]
        b.write_text(json.dumps(data))
        a.write_text(json.dumps(other))
        given = [a, b, c]
    code, merged = _merge(*given)
    assert code == 2, merged
    assert merged["errors"]


def _tricky_history(path: Path, keys: list[str]) -> GitRepo:
    """Directories that whole-directory units split and keep, a file moved between
    directories, a deleted directory, a merge that resolves a conflict with a key, and names
    that git's pathspec and attribute patterns would read as magic or globs."""
    repo = GitRepo(path)
    for i in range(30):  # one heavy flat directory (glob characters in its name): split into its files
        repo.write(f"b[i]g*/f{i:02d}.py", f"# {i}\n" + "y = 2\n" * (i * 20) + (f"K = '{keys[i % 3]}'\n" if i % 7 == 0 else ""))
    for i in range(3):  # light directories: one unit each
        repo.write(f"small/s{i}/a.txt", "z\n" * 5)
    repo.write("old/dir/moved.py", f"KEY = '{keys[0]}'\n")
    repo.write("gone/a.py", f"KEY = '{keys[1]}'\n")
    repo.write("gone/deep/b.py", f"KEY = '{keys[2]}'\n")
    tricky = ["star*.py", "col:on.py", ":(top)magic.py", "br[ack]et.py", "-dash.py", "sp ace/x y.py", "q?.py",
              "back\\slash.py"]
    for i, name in enumerate(tricky):
        repo.write(f"odd/{name}", f"K{i} = '{keys[(i + 3) % len(keys)]}'\n")
        repo.write(name, f"K = '{keys[(i + 4) % len(keys)]}'\n")
    repo.write(b"latin/caf\xe9.py", f"KEY = '{keys[5]}'\n".encode())  # not UTF-8
    repo.write("win/settings.ini", f"[a]\r\nKEY = {keys[1]}\r\n".encode("utf-16"))  # git diffs it as binary
    repo.write(b"caf\xe9-top.py", f"KEY = '{keys[4]}'\n".encode())
    repo.write("conflict.py", "A = 1\n")
    repo.commit("start")
    (repo.path / "new/place").mkdir(parents=True)
    repo.git("mv", "old/dir/moved.py", "new/place/moved.py")  # a rename: delete + add, as history scans see it
    repo.git("rm", "-q", "-r", "gone")  # a deleted directory: history only
    repo.write("b[i]g*/f03.py", "# 3\n" + "y = 3\n" * 70)
    repo.write("win/settings.ini", f"[a]\r\nKEY = {keys[1]}\r\nOTHER = {keys[3]}\r\n".encode("utf-16"))
    repo.commit("move and delete")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("conflict.py", "A = 2\n")
    repo.write("small/s1/b.txt", f"KEY = '{keys[3]}'\n")
    repo.commit("side")
    repo.git("checkout", "-q", "main")
    repo.write("conflict.py", "A = 3\n")
    repo.commit("main")
    done = subprocess.run(["git", "merge", "-q", "side"], cwd=repo.path, capture_output=True, env=git_env())
    assert done.returncode != 0  # the conflict, resolved with a key no parent had (an "evil" merge)
    repo.write("conflict.py", f"A = 4\nKEY = '{keys[5]}'\n")
    repo.write("merge-only/new.py", f"KEY = '{keys[0]}'\n")  # a path only the merge adds
    repo.commit("merge side")
    return repo


@pytest.mark.parametrize("count", (2, 3, 5, 8))
@pytest.mark.parametrize("all_objects", [False, True])
def test_tricky_history_shards_merge_to_the_single_scan(tmp_path, shipped_rules, rng, count, all_objects):
    repo = _tricky_history(tmp_path / "repo", _keys(shipped_rules, rng, 6))
    target = GitTarget("history", all_objects=all_objects)
    single = scan_git(target, cwd=str(repo.path))
    assert not single.errors and any(f.history_only for f in single.findings)
    paths = {f.path for f in single.findings}
    assert {"conflict.py", "merge-only/new.py", "new/place/moved.py", "odd/:(top)magic.py", "-dash.py",
            "latin/caf\\xe9.py", "gone/deep/b.py", "win/settings.ini"} <= paths, paths
    assert sorted(f.line for f in single.findings if f.path == "win/settings.ini") == [2, 3]  # UTF-16, each key once
    shards = [scan_git(target, cwd=str(repo.path), shard=Shard(k, count)) for k in range(1, count + 1)]
    merged = _merged(shards, tmp_path)
    assert not merged.errors, merged.errors
    assert _findings_json(merged) == _findings_json(single)
    assert _stats(merged) == _stats(single)


def _patches(repo: GitRepo, narrowing) -> list[str]:
    """The file patches `git log -p` writes for the whole history with a shard's pathspecs,
    leaving out those it was told to write as binary (another shard's)."""
    only = ["--sparse", "--full-history", "--", *narrowing.pathspecs] if narrowing else []
    done = subprocess.run(["git", *(narrowing.config if narrowing else []), "log", "--all", "-p", "--cc",
                           "--no-renames", "--format=%H", *only], cwd=repo.path, capture_output=True, env=git_env())
    assert done.returncode == 0, done.stderr
    patches = re.split(r"^(?=diff )", done.stdout.decode("utf-8", "surrogateescape"), flags=re.M)
    return [patch.splitlines()[0] for patch in patches if patch.startswith("diff ") and "\nBinary files " not in patch]


@pytest.mark.parametrize("count", (2, 3, 5))
def test_git_diffs_each_path_for_one_shard_only(tmp_path, shipped_rules, rng, count):
    """The shards' pathspecs have git diff each patch of the history once in all: no shard
    diffs another's, so git's diff work splits N ways; a whole directory is one pathspec,
    and many files of one directory one glob."""
    from byok_ci.sources.git.sharding import history_weights, narrowed

    repo = _tricky_history(tmp_path / "repo", _keys(shipped_rules, rng, 6))
    weights = history_weights(str(repo.path), all_objects=False)
    assert b"merge-only/new.py" in weights and b"latin/caf\xe9.py" in weights
    whole = _patches(repo, None)
    seen: list[str] = []
    globs = 0
    for k in range(1, count + 1):
        with narrowed(Shard(k, count), weights, (), str(repo.path)) as narrowing:
            assert narrowing.pathspecs and all(spec.startswith((":(top,literal)", ":(top,glob)"))
                                               or spec == ":(top,exclude)*" for spec in narrowing.pathspecs)
            assert not any(spec.startswith(":(top,literal)small/s") for spec in narrowing.pathspecs)
            globs += sum(spec.startswith(":(top,glob)") for spec in narrowing.pathspecs)
            mine = _patches(repo, narrowing)
            assert len(mine) < len(whole)
            seen += mine
    assert sorted(seen) == sorted(whole)
    assert globs or count > 2


def test_a_history_scan_with_pathspecs_spares_git_the_other_shards_diffs(tmp_path, shipped_rules, rng):
    """git adds pathspecs up rather than intersecting them: with the user's own, a shard
    marks the others' paths -diff in an attributes file instead (those it can name)."""
    from byok_ci.sources.git.sharding import history_weights, narrowed

    repo = _history(tmp_path / "repo", _keys(shipped_rules, rng, 6))
    weights = history_weights(str(repo.path), all_objects=False)
    names = sorted(path.decode() for path in weights)
    assert {"README.md", "lib/README.md", "lib/we[ir]d*.py", "deploy/env.sh"} <= set(names)
    with narrowed(Shard(1, 3), weights, ["."], str(repo.path)) as narrowing:
        assert narrowing.pathspecs == []
        done = subprocess.run(["git", *narrowing.config, "check-attr", "--stdin", "-z", "diff"], cwd=repo.path,
                              input="".join(p + "\0" for p in names).encode(), capture_output=True)
    fields = done.stdout.decode().split("\0")
    marks = {fields[i]: fields[i + 2] for i in range(0, len(fields) - 2, 3)}
    owns = narrowing.owns
    assert {p for p, mark in marks.items() if mark == "unset"} == {p for p in names if not owns(p) and " " not in p}
    assert any(owns(p) for p in names) and any(not owns(p) for p in names)
    single = scan_git(GitTarget("history"), ["."], cwd=str(repo.path))
    shards = [scan_git(GitTarget("history"), ["."], cwd=str(repo.path), shard=Shard(k, 3)) for k in (1, 2, 3)]
    assert _findings_json(_merged(shards, tmp_path)) == _findings_json(single)


def _loads(units: dict[str, int], weights: dict[str, int], count: int) -> dict[int, int]:
    owner = unit_owner(units, count)
    loads = dict.fromkeys(range(1, count + 1), 0)
    for path, weight in weights.items():
        loads[owner(path)] += weight
    return loads


@pytest.mark.parametrize("count", (1, 2, 3, 4, 8, 16))
def test_whole_directory_units_cover_every_path_once_and_stay_balanced(count):
    import random

    rng = random.Random(count)
    weights = {f"d{a}/e{b}/f{c}.py": rng.randint(1, 1000) for a in range(6) for b in range(a + 1) for c in range(8)}
    weights.update({f"flat/g{i:03d}": rng.randint(1, 100) for i in range(300)})
    weights["lone/heavy.bin"] = 3000
    units = tree_units(weights, count)
    assert units == tree_units(dict(reversed(list(weights.items()))), count)
    # No unit below another; every path under exactly one unit.
    for unit in units:
        parts = unit.split("/")
        assert not any("/".join(parts[:d]) in units for d in range(1, len(parts)))
    assert all(any(p == u or p.startswith(u + "/") for u in units) for p in weights)
    share = sum(weights.values()) / count
    heaviest = max(weights.values())
    assert max(_loads(units, weights, count).values()) <= share * (1 + 1 / SPLIT_ABOVE) + heaviest
    assert max(_loads(units, weights, count).values()) <= max(share * (1 + 1 / SPLIT_ABOVE), heaviest * 1.0001) \
        or count >= 8
    # A directory no heavier than 1/SPLIT_ABOVE of a share stays whole.
    limit = share / SPLIT_ABOVE
    for top in ("flat", *(f"d{a}" for a in range(6))):
        below = sum(w for p, w in weights.items() if p.startswith(top + "/"))
        assert (top in units) == (below <= limit or count == 1)
    if count <= 2:
        assert not any(unit.endswith(".py") for unit in units)
    if count == 1:
        assert set(units) == {"d0", "d1", "d2", "d3", "d4", "d5", "flat", "lone"}


def test_a_name_that_was_a_file_and_a_directory_is_one_unit():
    weights = {"x": 500, "x/y": 500, "x/z": 500, "w": 10}
    units = tree_units(weights, 4)
    assert "x" in units and not any(u.startswith("x/") for u in units)


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "sarif", "github", "gitlab"])
def test_merged_shards_write_every_format(tmp_path, shipped_rules, rng, fmt):
    tree = _tree(tmp_path / "tree", _keys(shipped_rules, rng, 6))
    reports = []
    for k in (1, 2, 3):
        out = tmp_path / f"s{k}.json"
        with open(out, "w", encoding="utf-8") as stream:
            write(scan_paths([tree], root=tmp_path, shard=Shard(k, 3)), stream)
        reports.append(str(out))
    result = CliRunner().invoke(main, ["report", "merge", "--format", fmt, "--output", str(tmp_path / "out"), *reports])
    assert result.exit_code == 1, result.output
    written = (tmp_path / "out").read_text()
    assert "openai" in written or "OpenAI" in written


def test_sharded_incremental_histories_merge_to_the_single_incremental_one(tmp_path, shipped_rules, rng):
    keys = _keys(shipped_rules, rng, 8)
    repo = _history(tmp_path / "repo", keys)
    target = GitTarget("history")
    states = tmp_path / "states"
    states.mkdir()
    runs = {label: [] for label in ("single", "sharded")}
    for round_ in range(2):
        if round_:
            repo.write("new/a.py", f"KEY = '{keys[6]}'\n")
            repo.write("src/mod5.py", f"KEY = '{keys[7]}'\n")
            repo.commit("new keys")
        runs["single"].append(scan_git(target, cwd=str(repo.path), state=states / "single"))
        shards = [scan_git(target, cwd=str(repo.path), state=states / f"shard-{k}", shard=Shard(k, 3))
                  for k in (1, 2, 3)]
        runs["sharded"].append(_merged(shards, tmp_path))
    for single, merged in zip(runs["single"], runs["sharded"]):
        assert not merged.errors, merged.errors
        assert _findings_json(merged) == _findings_json(single)
    assert {fingerprint(k) for k in keys[6:]} <= {f.fingerprint for f in runs["single"][1].findings}



def test_every_commit_walked_is_counted_so_shards_agree_with_the_single_scan(tmp_path):
    """A commit that only deletes, a clean merge and an empty commit have no diff to show;
    git's diff filter used to hide them (and their authors), and a shard, whose pathspecs
    leave most commits no diff, would have hidden more."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("a.txt", "a\n")
    repo.write("b.txt", "b\n")
    repo.commit("start")
    repo.git("rm", "-q", "b.txt")
    repo.commit("delete only")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("c.txt", "c\n")
    repo.commit("side")
    repo.git("checkout", "-q", "main")
    repo.write("d.txt", "d\n")
    repo.commit("main")
    repo.git("merge", "-q", "--no-edit", "side")
    repo.commit("empty")
    walked = int(repo.git("rev-list", "--all", "--count"))
    single = scan_git(GitTarget("history"), cwd=str(repo.path))
    assert single.stats.commits == walked == 6
    merged = _merged([scan_git(GitTarget("history"), cwd=str(repo.path), shard=Shard(k, 3)) for k in (1, 2, 3)], tmp_path)
    assert merged.stats.commits == walked


# Names git's pathspecs read as magic (":!", ":(exclude)", ":(glob)", a leading ":"), globs,
# names differing only in case (a directory and a file too) or in Unicode normalisation, and
# a newline: written by git fast-import, so no file system has to hold them.
HOSTILE_NAMES = [":!x.py", ":(exclude)y.py", ":(glob)z.py", "*", ":", ":x", "!bang.py", ":(icase)A.py",
                 "dir:(attr:x)/f.py", ":!dir/f.py", ":(exclude)dir/g.py", "**/deep.py", "[a]/b.py", "a/[b]",
                 "Conf/a.py", "conf", "CONF/b.py", "Mixed.py", "mixed.py", "nl\ndir/f.py", "tab\tname.py",
                 "cafe\u0301/x.py", "caf\u00e9/x.py", "~tilde", "--option.py", "@{u}.py", "HEAD", "refs/x.py"]


def _quoted(name: str) -> bytes:
    return b'"' + name.encode().replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b"\n", b"\\n") + b'"'


def _hostile_history(path: Path, keys: list[str]) -> Path:
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=git_env())
    stream = bytearray()
    commits = [
        [(name, f"K = '{keys[i % len(keys)]}'\n") for i, name in enumerate(HOSTILE_NAMES)]
        + [(f"pad/{i}.txt", "y\n" * (i * 37)) for i in range(len(HOSTILE_NAMES))],
        [(name, f"K2 = '{keys[(i + 5) % len(keys)]}'\n") for i, name in enumerate(HOSTILE_NAMES[::3])],
    ]
    for n, files in enumerate(commits):
        stream += b"commit refs/heads/main\ncommitter Ada <ada@example.com> %d +0000\ndata 1\nc\n" % (1_700_000_000 + n)
        for name, text in files:
            data = text.encode()
            stream += b"M 100644 inline %s\ndata %d\n%s\n" % (_quoted(name), len(data), data)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=bytes(stream), check=True, env=git_env())
    return path


@pytest.mark.parametrize("count", (2, 3, 5, 8))
@pytest.mark.parametrize("all_objects", [False, True])
def test_shards_of_a_history_with_pathspec_magic_names_merge_to_the_single_scan(tmp_path, shipped_rules, rng,
                                                                                count, all_objects):
    repo = _hostile_history(tmp_path / "repo", _keys(shipped_rules, rng, 12))
    target = GitTarget("history", all_objects=all_objects)
    single = scan_git(target, cwd=str(repo))
    assert not single.errors and len(single.findings) == len(HOSTILE_NAMES) + len(HOSTILE_NAMES[::3])
    shards = [scan_git(target, cwd=str(repo), shard=Shard(k, count)) for k in range(1, count + 1)]
    merged = _merged(shards, tmp_path)
    assert not merged.errors, merged.errors
    assert _findings_json(merged) == _findings_json(single)
    assert _stats(merged) == _stats(single)


def test_history_shards_cut_under_different_assignments_never_merge_clean(tmp_path, shipped_rules, rng,
                                                                          monkeypatch):
    """A history's assignment is computed from what each runner's git lists and reads: runners
    whose git or clone differ (or one that could not read a blob the weights look at) cut it
    otherwise, and a path can then be in no shard, its key in no report. Each shard records
    its assignment's id with what it scanned, and the merge is incomplete where they differ."""
    from dataclasses import replace

    from byok_ci.exitcodes import exit_code
    from byok_ci.sources.git import cost

    repo = _history(tmp_path / "repo", _keys(shipped_rules, rng, 6))
    target = GitTarget("history", all_objects=True)
    alike = [scan_git(target, cwd=str(repo.path), shard=Shard(k, 2)) for k in (1, 2)]
    assert len({s.scanned for s in alike}) == 1 and not _merged(alike, tmp_path).errors
    monkeypatch.setattr(cost, "ADDED_EXTRA", 0)  # another runner weighs the paths otherwise
    other = scan_git(target, cwd=str(repo.path), shard=Shard(2, 2))
    assert other.scanned.split("+plan:")[0] == alike[0].scanned.split("+plan:")[0]
    assert other.scanned != alike[0].scanned
    merged = _merged([alike[0], other], tmp_path)
    assert [e for e in merged.errors if e.blocking and "cut the history into shards otherwise" in e.message]
    assert exit_code(replace(merged, findings=())) == 2  # incomplete, never clean
