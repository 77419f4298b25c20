"""Keys in commit messages and annotated tag messages.

GitHub serves a pushed commit's message, and a tag's, to anyone who can read the
repository: a key in ``git commit -m "rotate; old key was …"`` is leaked as surely as one
in a file. The message is scanned as text like a file's (content detection, allow markers,
baselines), and a finding in it is marked ``found_in`` ``message`` (a commit's: ``path``
is the commit's sha) or ``tag-message`` (an annotated tag's: ``path`` is the tag's ref
name); ``line`` is the line within the message.

Each commit a scan reads is read once more, as git stores it, by one ``git cat-file
--batch`` over all of them (a history of 2,357 commits: about 0.05 s of git); not through
``git log``'s formats, which convert a message from the encoding its header names (git
records i18n.commitEncoding there without converting the message: "from UTF-16", the
UTF-8 bytes the commit holds, key and all, came out as nothing) and rename its author by a
``.mailmap``. Tag messages are read with one ``git cat-file --batch`` too: every tag for a
history scan, the pushed ones for a push.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from byok_ci.model import Chunk, CommitInfo, Finding
from byok_ci.errors import GitError
from byok_ci.sources.git.process import blocks, run, stream

if TYPE_CHECKING:
    from byok_ci.sources.git.commits import CommitPart
    from byok_ci.sources.git.revisions import GitTarget

TAGS = "refs/tags/"


def message_chunks(target: GitTarget, parts: Sequence[CommitPart], cwd: str | None) -> Iterator[Chunk]:
    """The messages of the commits ``parts`` read, then of the annotated tags ``target``
    covers (every tag for a history, the pushed tags for a push)."""
    yield from commit_messages([sha for part in parts for sha in part.shas.split()], cwd)
    if target.mode == "history":
        listed = run(["for-each-ref", "--format=%(objecttype) %(refname)", TAGS], cwd=cwd).stdout
        # (shown as reports show text; asked for as git wrote it)
        tags = [(name.decode("utf-8", "replace"), name.decode("utf-8", "surrogateescape"))
                for kind, _, name in (line.partition(b" ") for line in listed.splitlines()) if kind == b"tag"]
    else:
        tags = [(ref, local) for ref, local in target.refs if ref.startswith(TAGS)]
    yield from tag_messages(tags, cwd)


def in_messages(findings: Iterable[Finding]) -> list[Finding]:
    """``findings`` of :func:`message_chunks` marked as found in a commit's message (a
    path that is a sha) or a tag's (a path that is a tag's ref name)."""
    return [replace(f, found_in="tag-message" if f.path.startswith(TAGS) else "message") for f in findings]


def commit_messages(shas: Sequence[bytes], cwd: str | None) -> Iterator[Chunk]:
    """Each commit's whole message as the commit holds it, a chunk whose path is the
    commit's sha, read as git writes them (a history's messages are not all held at once)."""
    if not shas:
        return
    read: set[bytes] = set()
    try:
        with stream(["cat-file", "--batch"], cwd=cwd, input=b"\n".join(shas) + b"\n") as out:
            for sha, kind, body in _objects(blocks(out)):
                read.add(sha)
                if kind == b"commit":
                    yield from _commit_chunk(sha, body)
    except GitError:
        # An object git cannot inflate stops the batch: read the others one by one (the
        # walk has reported the damage already).
        for sha in shas:
            if sha not in read:
                done = run(["cat-file", "commit", sha.decode("ascii")], cwd=cwd)
                if done.returncode == 0:
                    yield from _commit_chunk(sha, done.stdout)


def _commit_chunk(sha: bytes, body: bytes) -> Iterator[Chunk]:
    head, _, message = body.partition(b"\n\n")
    if message.strip():
        # After the tree's line (a header's continuation lines start with a space).
        start = head.find(b"\nauthor ")
        author = head[start + len(b"\nauthor "):].split(b"\n", 1)[0] if start >= 0 else None
        name = sha.decode("ascii", "replace")
        yield Chunk(text=message.decode("utf-8", "replace"), path=name, commit=name, commit_info=_person(author))


def _objects(pieces: Iterable[bytes]) -> Iterator[tuple[bytes, bytes, bytes]]:
    """(name, type, contents) of each object of ``git cat-file --batch`` output cut anywhere
    (a name git reports missing has none)."""
    pending = bytearray()
    for piece in pieces:
        pending += piece
        at = 0
        while (end := pending.find(b"\n", at)) >= 0:
            header = bytes(pending[at:end]).split()
            if len(header) != 3 or not header[2].isdigit():  # "<name> missing", "<name> ambiguous"
                at = end + 1
                continue
            stop = end + 1 + int(header[2])
            if stop >= len(pending):  # its contents, and the newline after them, still to come
                break
            yield header[0], header[1], bytes(pending[end + 1:stop])
            at = stop + 1
        del pending[:at]


def tag_messages(tags: Sequence[tuple[str, str]], cwd: str | None) -> Iterator[Chunk]:
    """The messages of ``tags`` (ref name, and the object git reads it by), chunks whose
    path is the ref name; one that is no annotated tag has no message."""
    if not tags:
        return
    asked = b"".join(obj.encode("utf-8", "surrogateescape") + b"\n" for _, obj in tags)
    out = run(["cat-file", "--batch"], cwd=cwd, input=asked).stdout
    at = 0
    for name, _ in tags:
        end = out.find(b"\n", at)
        if end < 0:
            break
        header = out[at:end].split()
        at = end + 1
        if len(header) != 3 or not header[2].isdigit():  # "<name> missing", "<name> ambiguous"
            continue
        body = out[at:at + int(header[2])]
        at += int(header[2]) + 1
        if header[1] != b"tag":
            continue
        head, _, message = body.partition(b"\n\n")
        fields = dict(line.split(b" ", 1) for line in head.splitlines() if b" " in line and not line.startswith(b" "))
        target = fields.get(b"object", b"").decode("ascii", "replace") if fields.get(b"type") == b"commit" else None
        if message.strip():
            yield Chunk(text=message.decode("utf-8", "replace"), path=name, commit=target,
                        commit_info=_person(fields.get(b"tagger")))


_ZONES: dict[bytes, timezone] = {}


def _person(line: bytes | None) -> CommitInfo | None:
    """An author's or tagger's ``Name <email> 1700000000 +0100`` as a commit's author and
    ISO date are shown (None for a date git could not have written)."""
    parts = (line or b"").rsplit(b" ", 2)
    if len(parts) != 3 or not parts[1].isdigit() or len(parts[2]) != 5 or not parts[2][1:].isdigit():
        return None
    try:
        zone = _ZONES.get(parts[2])
        if zone is None:  # a history has a few zones, and as many dates as commits
            sign = -1 if parts[2][:1] == b"-" else 1
            zone = _ZONES[parts[2]] = timezone(sign * timedelta(hours=int(parts[2][1:3]), minutes=int(parts[2][3:5])))
        when = datetime.fromtimestamp(int(parts[1]), zone).isoformat()
    except (ValueError, OverflowError, OSError):  # a zone of 24 hours or more, a year past 9999
        return None
    return CommitInfo(author=parts[0].decode("utf-8", "replace"), date=when)
