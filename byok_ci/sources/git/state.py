"""The state of an incremental history scan: which commits were scanned, with what.

A file (JSON, data only: read with ``json.loads``, never code) records

- ``settings``: a digest of everything that changes what a commit's scan finds (the rule
  set, byok-ci's version, excludes, limits, pathspecs, the suppression in effect);
- ``heads``: commits such that every commit scanned is one of them or an ancestor. Commits
  never change, so the next run scans ``git rev-list --all --not <heads>``: the new ones;
- ``shallow``: a shallow clone's boundary (deepening it brings old commits in);
- ``checksum``: a SHA-256 of the rest, so a damaged or hand-edited file is noticed.

It holds no key, no finding and no fingerprint. It is written whole to a temporary file
and renamed over the old one, so a reader sees the old state or the new, never half.

What does not match (another digest, another repository, a damaged file, a file git tracks,
which a commit could have written) means scanning
everything again, with a one-line note saying why: never a scan that silently skips. Heads
that are gone (a force-push, in a fresh clone) are dropped: the commits only they covered
are scanned again, which can only scan more, never less.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

# CPython's SHA-256, not OpenSSL's hashlib (~3 ms), as elsewhere on the path of `scan --staged`.
from byok_ci._sha256 import sha256
from byok_ci.sources.git.process import run

KIND = "byok-ci history state"
VERSION = 1
_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


def settings_digest(parts: Iterable[str]) -> str:
    """One digest of the settings ``parts`` (each already a canonical string)."""
    digest = sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    return digest.hexdigest()


def _checksum(body: dict[str, object]) -> str:
    return sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def load(path: Path, digest: str, shallow: Iterable[bytes], cwd: str | None) -> tuple[list[bytes], str | None]:
    """The heads of what was scanned before, or ``([], why)`` when everything must be
    scanned (``why`` says so in one line)."""
    shown = path.as_posix()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return [], f"no history state at {shown} yet: scanning the whole history"
    except OSError as exc:
        return [], f"cannot read the history state {shown} ({(exc.strerror or str(exc)).lower()}): scanning the whole history"
    try:
        data = json.loads(raw)
        body = {name: data[name] for name in ("kind", "version", "settings", "shallow", "heads")}
        valid = (isinstance(data, dict) and body["kind"] == KIND and data.get("checksum") == _checksum(body)
                 and isinstance(body["heads"], list) and isinstance(body["shallow"], list)
                 and all(isinstance(s, str) and _SHA.fullmatch(s) for s in [*body["heads"], *body["shallow"]]))
    except (ValueError, TypeError, KeyError, RecursionError):  # RecursionError: nested too deeply
        valid = False
    if not valid:
        return [], f"the history state {shown} is damaged or was edited: scanning the whole history"
    if _tracked(path, cwd):
        # The checksum is no signature: a commit can carry a valid state naming its own
        # parents, and a clone without a cached state would then skip them.
        return [], (f"the history state {shown} is tracked by git, so a commit can choose what it skips: "
                    "scanning the whole history (keep the state out of the repository, e.g. in a CI cache)")
    if body["version"] != VERSION:
        return [], f"the history state {shown} is of another version of byok-ci: scanning the whole history"
    if body["settings"] != digest:
        return [], (f"rules or settings changed since the history state {shown} was written: "
                    "scanning the whole history")
    if sorted(body["shallow"]) != sorted(sha.decode("ascii") for sha in shallow):
        return [], f"the clone's depth changed since the history state {shown} was written: scanning the whole history"
    heads = [sha.encode("ascii") for sha in body["heads"]]  # type: ignore[union-attr]
    present = _commits_among(heads, cwd)
    if heads and not present:
        return [], (f"the history state {shown} names no commit of this repository (another repository?): "
                    "scanning the whole history")
    if len(present) < len(heads):
        # History was rewritten and the old commits pruned (a force-push, in a fresh clone):
        # what the missing heads covered and is still here is scanned again, nothing less.
        return present, (f"{len(heads) - len(present)} commit(s) of the history state {shown} are gone "
                         "(history rewritten): the commits they covered are scanned again")
    return heads, None


def _tracked(path: Path, cwd: str | None) -> bool:
    """Whether ``path`` is a file of the repository's index (a checkout wrote it from a commit),
    as named or where its links lead (a committed link to a committed state)."""
    names = {os.path.abspath(path), os.path.realpath(path)}
    return any(run(["ls-files", "--error-unmatch", "--", name], cwd=cwd).returncode == 0 for name in names)


def _commits_among(shas: Sequence[bytes], cwd: str | None) -> list[bytes]:
    """Those of ``shas`` that are commits here."""
    if not shas:
        return []
    done = run(["cat-file", "--batch-check=%(objecttype)"], cwd=cwd, input=b"".join(sha + b"\n" for sha in shas))
    if done.returncode != 0:
        return []
    return [sha for sha, kind in zip(shas, done.stdout.split(b"\n")) if kind == b"commit"]


def save(path: Path, digest: str, heads: Sequence[bytes], shallow: Iterable[bytes]) -> None:
    """Write the state atomically (a temporary file in the same directory, renamed). Raises OSError."""
    body: dict[str, object] = {
        "kind": KIND,
        "version": VERSION,
        "settings": digest,
        "shallow": sorted(sha.decode("ascii") for sha in shallow),
        "heads": sorted(sha.decode("ascii") for sha in heads),
    }
    text = json.dumps({**body, "checksum": _checksum(body)}, indent=1) + "\n"
    directory = path.parent if str(path.parent) else Path(".")
    import tempfile  # an incremental history only: not on the path of `scan --staged`

    handle, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        try:
            os.unlink(partial)
        except OSError:
            pass
        raise
