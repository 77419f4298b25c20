"""The pre-commit hook's path imports only what a scan of a few plain files uses (issue 16 §1)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

from byok_ci.rules import RuleSet
from tests.conftest import key_for

# Modules a scan of a few ordinary source files never needs.
NOT_ON_THE_HOOK_PATH = [
    "yaml", "tarfile", "zipfile", "tempfile", "random", "httpx", "git", "detect_secrets", "junit_xml",
    "byok_ci.sources.artifacts.archives", "byok_ci.sources.artifacts.documents", "byok_ci.suppress.baseline",
    "byok_ci.detect.encoded", "byok_ci.detect.structure", "byok_ci.rules.ids", "byok_ci.schemas", "jsonschema",
    # an archive's (or a file holding one) only: sniffing is byok_ci.sources.artifacts.formats'
    "byok_ci.sources.artifacts.tarheaders", "byok_ci.sources.artifacts.zipdir",
    # --shard only; an ignore file only
    "byok_ci.shard", "byok_ci.suppress.ignorefile",
    # large scans' worker processes
    "byok_ci.pipeline.workers", "pickle", "multiprocessing",
    # OpenSSL's hashlib: fingerprints, the rule cache's key and the rules' digest use CPython's SHA-256
    "hashlib", "_hashlib",
    # rules from the cache, no config file, every file read: no YAML reading, no error tree;
    # signal's enums (the CLI sets its SIGTERM handler through _signal)
    "byok_ci._yaml", "byok_ci.rules.parse", "byok_ci.errors", "signal",
    # the rule cache's entry is read by json's C scanner (_json) alone; a text report writes no JSON
    "json",
]

_PROBE = """
import sys
from byok_ci.cli import main
sys.argv = ["byok-ci", "scan", "--no-color", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("MODULES", " ".join(sorted(sys.modules)), file=sys.stderr)
"""


def _modules(tmp_path: Path, files: list[str]) -> set[str]:
    env = {**os.environ, "BYOK_CI_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("BYOK_CI_RULES_CACHE", None)
    for _ in range(2):  # the first run fills the rule cache; the second is every later commit
        done = subprocess.run([sys.executable, "-c", _PROBE, *files], cwd=tmp_path, env=env, capture_output=True,
                              text=True, check=True)
    line = next(line for line in done.stderr.splitlines() if line.startswith("MODULES "))
    return set(line.split()[1:])


def test_the_hook_imports_only_what_three_plain_files_need(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import os\n\nDEBUG = False\nprint(os.environ.get('HOME'))\n")
    (tmp_path / "client.ts").write_text("export const url = '/api/v1/items';\n")
    (tmp_path / "main.go").write_text("package main\n\nfunc main() {}\n")
    loaded = _modules(tmp_path, ["app.py", "client.ts", "main.go"])
    assert "byok_ci.scan" in loaded and "byok_ci.rules.cache" in loaded
    assert sorted(set(NOT_ON_THE_HOOK_PATH) & loaded) == []


def test_a_staged_scan_loads_no_openssl_and_no_temporary_files(tmp_path: Path) -> None:
    """`scan --staged` (a hook reading the index itself): no hashlib (OpenSSL's start-up), no
    shard module, no tempfile (and random) that only an incremental history's state needs."""
    from tests.gitrepo import GitRepo

    repo = GitRepo(tmp_path / "repo")
    repo.write("app.py", "DEBUG = False\n")
    repo.git("add", "app.py")
    env = {**os.environ, "BYOK_CI_CACHE_DIR": str(tmp_path / "cache")}
    for _ in range(2):  # the first run fills the rule cache
        done = subprocess.run([sys.executable, "-c", _PROBE, "--staged"], cwd=repo.path, env=env,
                              capture_output=True, text=True, check=True)
    loaded = set(next(line for line in done.stderr.splitlines() if line.startswith("MODULES ")).split()[1:])
    assert "byok_ci.scan_git" in loaded
    assert sorted({"hashlib", "_hashlib", "byok_ci.shard", "tempfile", "random"} & loaded) == []


# What a history or a range needs and `scan --staged` (a hook reading the index) does not:
# the commits' machinery, the history state, reachability, shards; shutil (with bz2 and
# lzma) only for its which().
NOT_ON_THE_STAGED_PATH = [
    "byok_ci.sources.git.commits", "byok_ci.sources.git.cost", "byok_ci.sources.git.runs",
    "byok_ci.sources.git.reach", "byok_ci.sources.git.state", "byok_ci.sources.git.sharding",
    "shutil", "bz2", "lzma",
]


def _staged_probe(tmp_path: Path, probe: str) -> str:
    from tests.gitrepo import GitRepo

    repo = GitRepo(tmp_path / "repo")
    repo.write("app.py", "import os\n\nDEBUG = False\n")
    repo.write("web/client.ts", "export const url = '/api/v1/items';\n")
    repo.git("add", ".")
    env = {**os.environ, "BYOK_CI_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("BYOK_CI_RULES_CACHE", None)
    for _ in range(2):  # the first run fills the rule cache
        done = subprocess.run([sys.executable, "-c", probe, "--staged"], cwd=repo.path, env=env,
                              capture_output=True, text=True, check=True)
    return done.stderr


def test_a_staged_scan_imports_no_history_machinery(tmp_path: Path) -> None:
    """`scan --staged` reads one `git diff --cached`: it imports none of what commits need."""
    stderr = _staged_probe(tmp_path, _PROBE)
    loaded = set(next(line for line in stderr.splitlines() if line.startswith("MODULES ")).split()[1:])
    assert {"byok_ci.scan_git", "byok_ci.sources.git.staged"} <= loaded
    assert sorted(set(NOT_ON_THE_STAGED_PATH) & loaded) == []


def test_a_staged_scan_compiles_few_dataclass_methods(tmp_path: Path) -> None:
    """The git sources' records take ==, hash and repr from byok_ci._values.by_value, and
    their machinery (chunker, readers, sources) writes none: 139 compiled methods before, 99."""
    stderr = _staged_probe(tmp_path, _METHODS_PROBE)
    assert int(next(line for line in stderr.splitlines() if line.startswith("METHODS ")).split()[1]) <= 105


def test_what_a_file_needs_is_imported_when_it_needs_it(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    """A key that needs provider context, and a base64 run, bring in their modules (and are found)."""
    key = key_for(shipped_rules, "cohere.api-key", rng)
    (tmp_path / "settings.py").write_text(f"COHERE_API_KEY = '{key}'\nLOGO = '{'QUJD' * 20}'\n")
    loaded = _modules(tmp_path, ["settings.py"])
    assert {"byok_ci.detect.structure", "byok_ci.detect.encoded"} <= loaded
    assert "yaml" not in loaded and "tarfile" not in loaded


def test_a_config_file_brings_in_its_schema_and_no_more(tmp_path: Path) -> None:
    """`.byok-ci.yaml` is validated with the shipped schema by byok-ci's own validator: not jsonschema
    (rpds-py, referencing, attrs), and no did-you-mean unless a field is unknown."""
    (tmp_path / ".byok-ci.yaml").write_text("version: 1\nexclude: [vendor]\nmax_file_size: 10MB\n")
    (tmp_path / "app.py").write_text("DEBUG = False\n")
    loaded = _modules(tmp_path, ["app.py"])
    assert "byok_ci.schemas.validate" in loaded
    assert sorted({"jsonschema", "byok_ci.rules.ids", "tarfile", "httpx"} & loaded) == []


_METHODS_PROBE = """
import dataclasses, sys
compiled = []
generate = dataclasses._create_fn
def counted(name, *args, **kwargs):
    compiled.append(name)
    return generate(name, *args, **kwargs)
dataclasses._create_fn = counted
from byok_ci.cli import main
sys.argv = ["probe", "scan", "--no-color", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("METHODS", len(compiled), file=sys.stderr)
"""


def test_the_hook_compiles_few_dataclass_methods(tmp_path: Path) -> None:
    """@dataclass compiles each method it writes (exec) as a class is defined: 171 methods for
    the 33 dataclasses of a hook's scan cost it ~10 ms. Records compared by value take theirs
    from byok_ci._values.by_value (nothing compiled), classes never compared write none."""
    (tmp_path / "app.py").write_text("import os\n\nDEBUG = False\n")
    env = {**os.environ, "BYOK_CI_CACHE_DIR": str(tmp_path / "cache")}
    for _ in range(2):  # the first run fills the rule cache
        done = subprocess.run([sys.executable, "-c", _METHODS_PROBE, "app.py"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, check=True)
    compiled = int(next(line for line in done.stderr.splitlines() if line.startswith("METHODS ")).split()[1])
    assert compiled <= 100


_GC_PROBE = """
import atexit, gc, sys
sys.argv = [sys.argv[1], *sys.argv[2:]]
import byok_ci.cli
paused = not gc.isenabled()
# Printed at exit: a handler registered, the scan command exits the usual way.
atexit.register(lambda: print("GC", paused, gc.isenabled(), gc.get_freeze_count() > 0))
byok_ci.cli.main()
"""


def _gc_states(tmp_path: Path, argv: list[str]) -> str:
    env = {**os.environ, "BYOK_CI_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", _GC_PROBE, *argv], cwd=tmp_path, env=env, capture_output=True,
                          text=True)
    return next(line for line in done.stdout.splitlines() if line.startswith("GC "))


def test_the_scan_command_pauses_the_collector_while_it_starts(tmp_path: Path) -> None:
    """`byok-ci scan` (the console script) starts without the cyclic collector and scans with it,
    start-up's objects frozen (byok_ci._startup); anything else that imports byok-ci keeps it."""
    (tmp_path / "app.py").write_text("DEBUG = False\n")
    assert _gc_states(tmp_path, ["/venv/bin/byok-ci", "scan", "app.py"]) == "GC True True True"
    assert _gc_states(tmp_path, ["/venv/bin/byok-ci", "scan", "--staged"]).startswith("GC True True")
    assert _gc_states(tmp_path, ["/venv/bin/byok-ci", "rules", "list"]) == "GC False True False"
    assert _gc_states(tmp_path, ["/usr/bin/pytest", "scan", "app.py"]) == "GC False True False"



def test_a_history_scan_keeps_the_collector_paused_to_its_end(tmp_path: Path) -> None:
    """A whole history's scan makes next to no cyclic garbage (44 objects on openai-python):
    its collector stays paused, start-up's objects never walked (bench/README.md, "Round 6 —
    hist-small"); a scan of a commit range resumes it as a scan of files does."""
    from tests.gitrepo import GitRepo

    repo = GitRepo(tmp_path / "repo")
    repo.write("app.py", "DEBUG = False\n")
    repo.commit("one")
    assert _gc_states(repo.path, ["/venv/bin/byok-ci", "scan", "--history"]) == "GC True False False"
    assert _gc_states(repo.path, ["/venv/bin/byok-ci", "scan", "--since", "HEAD"]) == "GC True True True"


_EXIT_PROBE = """
import sys
sys.argv = [sys.argv[1], *sys.argv[2:]]


class Canary:
    def __del__(self):
        sys.stderr.write("torn down\\n")


canary = Canary()
from byok_ci.cli import main
main()
"""


def test_the_scan_command_ends_without_tearing_the_process_down(tmp_path: Path, shipped_rules: RuleSet,
                                                                  rng: random.Random) -> None:
    """Its reports written and its exit code decided, `byok-ci scan` ends at once (os._exit):
    the output is whole and the exit code the same; another command, or an import of the CLI
    by another program, exits the usual way (objects finalized)."""
    key = key_for(shipped_rules, "openai.project-key", rng)
    (tmp_path / "app.py").write_text(f"OPENAI_API_KEY = '{key}'\n" + "x = 1\n" * 5000)
    env = {**os.environ, "BYOK_CI_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", _EXIT_PROBE, *argv], cwd=tmp_path, env=env,
                              capture_output=True, text=True)

    done = run("/venv/bin/byok-ci", "scan", "--format", "json", "app.py")
    assert done.returncode == 1 and "torn down" not in done.stderr
    assert len(json.loads(done.stdout)["findings"]) == 1 and key not in done.stdout
    clean = run("/venv/bin/byok-ci", "scan", "--no-color", "--exclude", "app.py", ".")
    assert clean.returncode == 0 and "torn down" not in clean.stderr and "no leaks" in clean.stdout.lower()
    usual = run("/usr/bin/python3", "scan", "--format", "json", "app.py")
    assert usual.returncode == 1 and "torn down" in usual.stderr
    assert json.loads(usual.stdout)["findings"] == json.loads(done.stdout)["findings"]


def test_the_hook_path_sha256_is_hashlib_sha256() -> None:
    """byok_ci._sha256 (no OpenSSL to load) gives hashlib's digests: fingerprints and digests
    in reports and baselines are unchanged."""
    import hashlib

    from byok_ci._sha256 import sha256
    from byok_ci.model import fingerprint

    for data in (b"", b"sk-proj-" + bytes(range(256)) * 300):
        incremental = sha256()
        for start in range(0, len(data), 4096):
            incremental.update(data[start:start + 4096])
        assert sha256(data).hexdigest() == incremental.hexdigest() == hashlib.sha256(data).hexdigest()
    assert fingerprint("x" * 40) == hashlib.sha256(b"x" * 40).hexdigest()[:16]


def test_the_zip_end_window_the_reader_looks_in_is_zipdirs() -> None:
    """ArtifactReader keeps its own copy (zipdir is not imported for plain files)."""
    from byok_ci.sources import artifacts
    from byok_ci.sources.artifacts import zipdir

    assert artifacts.ZIP_END_WINDOW == zipdir.END_WINDOW


_SIGNATURE_PROBE = """
import inspect, sys
asked = []
real = inspect.signature
inspect.signature = lambda obj, *a, **k: asked.append(getattr(obj, "__qualname__", "?")) or real(obj, *a, **k)
from byok_ci.cli import main
sys.argv = ["probe", "scan", "--no-color", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("SIGNATURES", " ".join(asked), file=sys.stderr)
"""


def test_the_hooks_records_have_docstrings_so_dataclass_writes_no_signature(tmp_path: Path) -> None:
    """@dataclass writes a class without a docstring an ``inspect.signature`` text as one (every
    field a Parameter): the records a hook's scan defines have docstrings of their own."""
    stderr = _staged_probe(tmp_path, _SIGNATURE_PROBE)
    assert next(line for line in stderr.splitlines() if line.startswith("SIGNATURES")).split()[1:] == []
    (tmp_path / "app.py").write_text("DEBUG = False\n")
    env = {**os.environ, "BYOK_CI_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", _SIGNATURE_PROBE, "app.py"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=True)
    assert next(line for line in done.stderr.splitlines() if line.startswith("SIGNATURES")).split()[1:] == []
