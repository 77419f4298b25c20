"""Keys in commit messages and annotated tag messages.

GitHub serves a pushed commit's message, and a tag's, to anyone who can read the
repository: a key in ``git commit -m "rotate; old key was …"`` is leaked as surely as one
in a file. The message is scanned as text like a file's (content detection, allow markers,
baselines), and a finding in it is marked ``found_in`` ``message`` (a commit's: ``path``
is the commit's sha) or ``tag-message`` (an annotated tag's: ``path`` is the ref name
that reaches it, or the tag object's sha when no ref names it: a tag inside another tag,
or a dangling one); ``line`` is the line within the message.

Each commit a scan reads is read once more, as git stores it, by one ``git cat-file
--batch`` over all of them (a history of 2,357 commits: about 0.05 s of git); not through
``git log``'s formats, which convert a message from the encoding its header names (git
records i18n.commitEncoding there without converting the message: "from UTF-16", the
UTF-8 bytes the commit holds, key and all, came out as nothing) and rename its author by a
``.mailmap``. Tag messages are read with ``git cat-file --batch`` too: for a history, every
tag object a ref reaches (not only under ``refs/tags``: a mirror's ``refs/pull/*``, any
other ref) and the tags those tags point to, and with ``--all-objects`` every tag object in
the database, each marked with its reachability as commits are
(:mod:`byok_ci.sources.git.reach`); for a push, the pushed ones.

The headers of the same objects carry names a clone shows too (:class:`NameMet`, looked
for keys with the file names and authors by :mod:`byok_ci.pipeline.names`): each commit's
committer, each tag's tagger and own name (its ``tag`` line: a dangling tag, or one a ref of
another name reaches, still holds it). A merge of an annotated tag copies that tag object
into the commit's ``mergetag`` header, where it stays after the tag is deleted: its message
is scanned as a ``tag-message`` whose ``path`` is the merge commit's sha (reached as that
commit is), its tagger and name as a tag's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from byok_ci.model import Chunk, CommitInfo, Finding, ScanError
from byok_ci.errors import GitError
from byok_ci.sources.git.patch import display
from byok_ci.sources.git.process import blocks, run, stream
from byok_ci.sources.git.reach import RANK, mark_of_ref
from byok_ci.sources.git.refobjects import NamedObject, object_chunks

if TYPE_CHECKING:
    from byok_ci.detect.engine import Detector
    from byok_ci.sources.git.commits import CommitPart
    from byok_ci.sources.git.revisions import GitTarget

BRANCHES = "refs/heads/"  # (a branch holds commits: a pushed one has no tag to read)


@dataclass(frozen=True)
class Tag:
    """A tag object to read: how git is asked for it, how reports name it, and how it is reached."""

    asked: bytes
    path: str
    reachability: str | None = None


@dataclass(eq=False, repr=False)  # never compared nor shown, not changed: one generated method (a hook imports it)
class NameMet:
    """A name a commit or tag holds that no diff shows: ``found_in`` committer, tagger, ref
    (a tag object's own name, as ``refs/tags/<name>``) or path (a file in a tree a ref
    names, checked from ``start``: its ref is the ref's finding); the commit it is reported
    at, what findings there show (``info``), ``of``: which object holds it, when the commit
    does not say, and how a tag object holding it is reached."""

    found_in: str
    name: str
    commit: str | None = None
    info: CommitInfo | None = None
    of: str | None = None
    reachability: str | None = None
    start: int = 0
    when: int = 0  # (of a name's holders, the most visible and earliest is reported)


MERGETAG = ":mergetag"  # a merged tag's message's chunk: the merge commit's sha and this
HEADER = ":header"  # a commit's other header lines' chunk (encoding, gpgsig, any other)
# The header lines read for what they are (a continuation line, which starts with a space, goes with its own).
READ_HEADERS = (b"tree ", b"parent ", b"author ", b"committer ", b"mergetag ")


class MessageSource:
    """The messages a scan of ``target`` reads: of the commits ``parts`` read, then of the
    annotated tags it covers; ``every_tag``: the tag objects an ``--all-objects`` listing
    found (those no ref reaches are read too, and marked ``unreachable``)."""

    def __init__(self, target: GitTarget, parts: Sequence[CommitPart], cwd: str | None,
                 every_tag: Sequence[bytes] = ()) -> None:
        self.target, self.parts, self.cwd, self.every_tag = target, parts, cwd, every_tag
        self.tags: dict[str, str | None] = {}  # path of each tag message read: its reachability
        self.objects: dict[str, str | None] = {}  # path of each blob a ref or tag names: its reachability
        self.met: dict[tuple[str, str], NameMet] = {}  # names the headers hold (and trees' file names)

    def chunks(self, max_size: int, errors: list[ScanError]) -> Iterator[Chunk]:
        yield from commit_messages([sha for part in self.parts for sha in part.shas.split()], self.cwd, self.met)
        read: set[bytes] = set()
        if self.target.mode != "history":
            pushed = [Tag(local.encode("utf-8", "surrogateescape"), ref)
                      for ref, local in self.target.refs if not ref.startswith(BRANCHES)]
            yield from tag_messages(pushed, self.cwd, read, self.tags, met=self.met)
            return
        # The most visible tags first, so a tag reached several ways is named and marked by
        # its most visible way (a tag under refs/tags also in a pull request's ref: a tag).
        levels, named = _reached_tags(self.cwd)
        for level in levels:
            yield from tag_messages(level, self.cwd, read, self.tags, named, self.met)
        dangling = [Tag(sha, sha.decode("ascii"), "unreachable") for sha in self.every_tag if sha not in read]
        yield from tag_messages(dangling, self.cwd, read, self.tags, named, self.met)
        listed: list[tuple[str, int]] = []
        yield from object_chunks(named, max_size, self.cwd, self.objects, errors, listed)
        for path, start in listed:
            self.met[("path", path)] = NameMet("path", path, start=start)

    def findings(self, detector: Detector, max_size: int, errors: list[ScanError]) -> list[Finding]:
        """What ``detector`` finds in :meth:`chunks` (plain text: detected as it is), marked
        as found in a commit's message or a tag's (and a tag's marked with how it is reached);
        in a blob a ref or tag names, marked only with how it is reached; in a merged tag's
        copy, as a tag message at the merge commit (reached as the commit is: no mark here)."""
        found = [finding for chunk in self.chunks(max_size, errors) for finding in detector.detect(chunk)]
        return [replace(f, reachability=self.objects[f.path]) if f.path in self.objects
                else replace(f, found_in="tag-message", reachability=self.tags[f.path]) if f.path in self.tags
                else replace(f, found_in="tag-message", path=f.path.removesuffix(MERGETAG))
                if f.path.endswith(MERGETAG) else replace(f, found_in="header", path=f.path.removesuffix(HEADER))
                if f.path.endswith(HEADER) else replace(f, found_in="message") for f in found]


def _reached_tags(cwd: str | None) -> tuple[list[list[Tag]], list[NamedObject]]:
    """The tag objects refs point to, one list per reachability (most visible first), each
    named by its most visible ref (then the first by name); and the blobs and trees refs
    point to."""
    listed = run(["for-each-ref", "--format=%(objecttype) %(objectname) %(refname)"], cwd=cwd).stdout
    named = [NamedObject(sha, kind, display(name), mark_of_ref(name))
             for kind, sha, name in (line.split(b" ", 2) for line in listed.splitlines()
                                     if line.startswith((b"blob ", b"tree ")))]
    best: dict[bytes, tuple[int, bytes]] = {}
    for kind, sha, name in (line.split(b" ", 2) for line in listed.splitlines() if line.startswith(b"tag ")):
        best[sha] = min(best.get(sha, (len(RANK), b"")), (RANK[mark_of_ref(name)], name))
    levels: list[list[Tag]] = [[] for _ in RANK]
    for sha, (rank, name) in sorted(best.items(), key=lambda item: item[1]):
        levels[rank].append(Tag(sha, display(name), mark_of_ref(name)))
    return [level for level in levels if level], named


def commit_messages(shas: Sequence[bytes], cwd: str | None,
                    met: dict[tuple[str, str], NameMet] | None = None) -> Iterator[Chunk]:
    """Each commit's whole message as the commit holds it, a chunk whose path is the
    commit's sha, read as git writes them (a history's messages are not all held at once);
    then the messages of the tags its ``mergetag`` headers copy. The names the headers hold
    go into ``met``."""
    if not shas:
        return
    read: set[bytes] = set()
    # Each committer's earliest commit: (seconds, sha, the commit's author), made a NameMet
    # at the end (a history has a few committers, and reads its newest commits first).
    committers: dict[bytes, tuple[int, str, CommitInfo | None]] = {}
    try:
        with stream(["cat-file", "--batch"], cwd=cwd, input=b"\n".join(shas) + b"\n") as out:
            for sha, kind, body in _objects(blocks(out)):
                read.add(sha)
                if kind == b"commit":
                    yield from _commit_chunks(sha, body, met, committers)
    except GitError:
        # An object git cannot inflate stops the batch: read the others one by one (the
        # walk has reported the damage already).
        for sha in shas:
            if sha not in read:
                done = run(["cat-file", "commit", sha.decode("ascii")], cwd=cwd)
                if done.returncode == 0:
                    yield from _commit_chunks(sha, done.stdout, met, committers)
    if met is not None:
        for ident, (when, commit, info) in committers.items():
            _meet(met, NameMet("committer", ident.decode("utf-8", "replace"), commit, info, when=when))


def _commit_chunks(sha: bytes, body: bytes, met: dict[tuple[str, str], NameMet] | None,
                   committers: dict[bytes, tuple[int, str, CommitInfo | None]]) -> Iterator[Chunk]:
    head, _, message = body.partition(b"\n\n")
    name = sha.decode("ascii", "replace")
    info = _person(_header(head, b"author"))
    committer = _header(head, b"committer")
    if committer is not None:
        parts = committer.rsplit(b" ", 2)
        whole = len(parts) != 3 or not parts[1].isdigit()  # (as _ident: a line git could not have written)
        ident, when = (committer, 0) if whole else (parts[0], int(parts[1]))
        known = committers.get(ident)
        if known is None or (when, name) < known[:2]:
            committers[ident] = (when, name, info)
    if message.strip():
        yield Chunk(text=message.decode("utf-8", "replace"), path=name, commit=name, commit_info=info)
    others = _other_headers(head)
    if others is not None:
        yield Chunk(text=others, path=name + HEADER, commit=name, commit_info=info)
    if b"\nmergetag " in head:
        for tag in _merged_tags(head):
            tag_head, _, tag_message = tag.partition(b"\n\n")
            fields = _fields(tag_head)
            if met is not None:
                _tag_names(met, fields, name, "the mergetag header of that commit", None)
            if tag_message.strip():
                yield Chunk(text=tag_message.decode("utf-8", "replace"), path=name + MERGETAG, commit=name,
                            commit_info=_person(fields.get(b"tagger")))


def _other_headers(head: bytes) -> str | None:
    """A commit's header lines but those :data:`READ_HEADERS` names, each at its line (the
    others blank): ``encoding``, ``gpgsig`` (a signature's armor headers, ``Comment:``, are
    free text, and git checks nothing of it), any other a tool wrote. None if there are none."""
    # git writes tree, parents, author and committer first: the lines after those, unless a
    # mergetag is among them, are the others whole (a signed commit's 20 lines, read at once).
    at = head.find(b"\ncommitter ")
    if at < 0 or not head.startswith(b"tree ") or head.count(b"\n", 0, at) != (
            head.count(b"\nparent ", 0, at) + head.count(b"\nauthor ", 0, at)):
        return _other_lines(head)
    end = head.find(b"\n", at + 1)
    rest = b"" if end < 0 else head[end + 1:]
    if rest.startswith(b"mergetag ") or b"\nmergetag " in rest:
        return _other_lines(head)
    return "\n" * head.count(b"\n", 0, end + 1) + rest.decode("utf-8", "replace") if rest else None


def _other_lines(head: bytes) -> str | None:
    lines = head.split(b"\n")
    kept, keep = False, False
    for at, line in enumerate(lines):
        if not line.startswith(b" "):
            keep = not line.startswith(READ_HEADERS)
        if keep:
            kept = True
        else:
            lines[at] = b""
    return b"\n".join(lines).decode("utf-8", "replace") if kept else None


def _header(head: bytes, field: bytes) -> bytes | None:
    """The value of a commit's or tag's first header line ``field`` (after the first line,
    as author, committer and tagger lines are)."""
    start = head.find(b"\n" + field + b" ")
    if start < 0:
        return None
    start += len(field) + 2
    end = head.find(b"\n", start)  # (not a copy of the rest: a signed commit's header goes on for a kilobyte)
    return head[start:] if end < 0 else head[start:end]


def _fields(head: bytes) -> dict[bytes, bytes]:
    """A tag's header lines (a continuation line, which starts with a space, is none)."""
    return dict(line.split(b" ", 1) for line in head.splitlines() if b" " in line and not line.startswith(b" "))


def _merged_tags(head: bytes) -> Iterator[bytes]:
    """The tag objects a merge commit's ``mergetag`` headers copy (an octopus merge of tags
    has several): each continuation line less its leading space."""
    lines = head.split(b"\n")
    for at, line in enumerate(lines):
        if line.startswith(b"mergetag "):
            copied = [line[len(b"mergetag "):]]
            for more in lines[at + 1:]:
                if not more.startswith(b" "):
                    break
                copied.append(more[1:])
            yield b"\n".join(copied)


def _ident(line: bytes) -> str:
    """``Name <email>`` of a committer's or tagger's line (the whole line when it has no
    date git could have written: a name hand-made so is shown by git as it is)."""
    parts = line.rsplit(b" ", 2)
    whole = len(parts) != 3 or not parts[1].isdigit()
    return (line if whole else parts[0]).decode("utf-8", "replace")


def _seconds(line: bytes | None) -> int:
    parts = (line or b"").rsplit(b" ", 2)
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else 0


def _meet(met: dict[tuple[str, str], NameMet], name: NameMet) -> None:
    """Note ``name`` at its most visible, then earliest, holder (whatever the read order)."""
    def order(held: NameMet) -> tuple[int, int, str, str]:
        return RANK[held.reachability], held.when, held.commit or "", held.of or ""

    known = met.get((name.found_in, name.name))
    if known is None or order(name) < order(known):
        met[(name.found_in, name.name)] = name


def _tag_names(met: dict[tuple[str, str], NameMet], fields: dict[bytes, bytes], commit: str | None, of: str,
               reachability: str | None) -> None:
    """A tag's tagger and its own name (``refs/tags/<name>``), reported at ``commit``."""
    tagger = fields.get(b"tagger")
    if tagger is not None:
        _meet(met, NameMet("tagger", _ident(tagger), commit, _person(tagger), of, reachability,
                           when=_seconds(tagger)))
    if b"tag" in fields:
        _meet(met, NameMet("ref", "refs/tags/" + fields[b"tag"].decode("utf-8", "replace"), commit, None, of,
                           reachability, when=_seconds(tagger)))


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


def tag_messages(tags: Sequence[Tag], cwd: str | None, read: set[bytes], reached: dict[str, str | None],
                 named: list[NamedObject] | None = None,
                 met: dict[tuple[str, str], NameMet] | None = None) -> Iterator[Chunk]:
    """The messages of ``tags`` not ``read`` yet, then of the tags they point to (named by
    their sha, reached as the tag pointing to them is): chunks whose path is the tag's.
    What is read is added to ``read`` (object names) and ``reached`` (path: reachability),
    a blob or tree a tag points to to ``named``, its tagger and name to ``met``; an object
    that is no annotated tag has no message."""
    while tags:
        out = run(["cat-file", "--batch"], cwd=cwd, input=b"".join(tag.asked + b"\n" for tag in tags)).stdout
        inner: list[Tag] = []
        at = 0
        for tag in tags:
            end = out.find(b"\n", at)
            if end < 0:
                break
            header = out[at:end].split()
            at = end + 1
            if len(header) != 3 or not header[2].isdigit():  # "<name> missing", "<name> ambiguous"
                continue
            body = out[at:at + int(header[2])]
            at += int(header[2]) + 1
            if header[1] != b"tag" or header[0] in read:
                continue
            read.add(header[0])
            reached[tag.path] = tag.reachability
            head, _, message = body.partition(b"\n\n")
            fields = _fields(head)
            pointed = fields.get(b"object", b"")
            if fields.get(b"type") == b"tag" and pointed not in read:
                inner.append(Tag(pointed, pointed.decode("ascii", "replace"), tag.reachability))
            elif fields.get(b"type") in (b"blob", b"tree") and named is not None:
                shown = tag.path + ("^{blob}" if fields[b"type"] == b"blob" else "")
                named.append(NamedObject(pointed, fields[b"type"], shown, tag.reachability))
            target = pointed.decode("ascii", "replace") if fields.get(b"type") == b"commit" else None
            if met is not None:
                _tag_names(met, fields, target, f"tag {tag.path}", tag.reachability)
            if message.strip():
                yield Chunk(text=message.decode("utf-8", "replace"), path=tag.path, commit=target,
                            commit_info=_person(fields.get(b"tagger")))
        tags = inner


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
