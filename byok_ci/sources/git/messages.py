"""Keys in commit messages and annotated tag messages.

GitHub serves a pushed commit's message, and a tag's, to anyone who can read the
repository: a key in ``git commit -m "rotate; old key was …"`` is leaked as surely as one
in a file. The message is scanned as text like a file's (content detection, allow markers,
baselines), and a finding in it is marked ``found_in`` ``message`` (a commit's: ``path``
is the commit's sha) or ``tag-message`` (an annotated tag's: ``path`` is the tag's ref
name); ``line`` is the line within the message.

Each commit a scan reads is read once more, by one ``git log --no-walk --no-patch`` over
all of them (a history of 2,357 commits: about 0.05 s of git). Tag messages are read with
one ``git cat-file --batch``: every tag for a history scan, the pushed ones for a push.
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

# Fields a NUL apart, each record ended by one (-z): sha, author, date, the whole message.
_FORMAT = "%H%x00%an <%ae>%x00%aI%x00%B"  # the author as written, as sources.git.patch reads it
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
    """Each commit's whole message (``%B``, in UTF-8 as git re-encodes it), a chunk whose
    path is the commit's sha, read as git writes them (a history's messages are not all
    held at once)."""
    if not shas:
        return
    read: set[str] = set()
    try:
        with stream(["log", "--no-walk=unsorted", "--stdin", "--no-patch", "-z", f"--format={_FORMAT}"], cwd=cwd,
                    input=b"\n".join(shas) + b"\n") as out:
            for record in _records(blocks(out)):
                read.add(record[0])
                yield from _chunk(*record)
    except GitError:
        # A commit git cannot read stops the log: read the others one by one (the walk has
        # reported the damage already).
        for sha in shas:
            if sha.decode("ascii") not in read:
                done = run(["log", "--no-walk", "--no-patch", "-z", f"--format={_FORMAT}", sha.decode("ascii")],
                           cwd=cwd)
                for record in _records([done.stdout] if done.returncode == 0 else []):
                    yield from _chunk(*record)


def _chunk(sha: str, author: str, date: str, message: str) -> Iterator[Chunk]:
    if message.strip():
        yield Chunk(text=message, path=sha, commit=sha, commit_info=CommitInfo(author=author, date=date))


def _records(pieces: Iterable[bytes]) -> Iterator[tuple[str, str, str, str]]:
    """(sha, author, date, message) of each record of ``pieces``, git's output cut anywhere."""
    fields: list[bytes] = []
    rest = b""
    for piece in pieces:
        cut = (rest + piece).split(b"\0")
        rest = cut.pop()
        fields += cut
        whole = len(fields) // 4 * 4
        for at in range(0, whole, 4):
            sha, author, date, message = fields[at:at + 4]
            yield (sha.decode("ascii", "replace"), author.decode("utf-8", "replace"),
                   date.decode("ascii", "replace"), message.decode("utf-8", "replace"))
        del fields[:whole]


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
                        commit_info=_tagger(fields.get(b"tagger")))


def _tagger(line: bytes | None) -> CommitInfo | None:
    """``Name <email> 1700000000 +0100`` as a commit's author and ISO date are shown."""
    parts = (line or b"").rsplit(b" ", 2)
    if len(parts) != 3 or not parts[1].isdigit() or len(parts[2]) != 5:
        return None
    sign = -1 if parts[2][:1] == b"-" else 1
    zone = timezone(sign * timedelta(hours=int(parts[2][1:3]), minutes=int(parts[2][3:5])))
    when = datetime.fromtimestamp(int(parts[1]), zone).isoformat()
    return CommitInfo(author=parts[0].decode("utf-8", "replace"), date=when)
