"""Keys in blobs and trees a ref or a tag names directly, outside every commit.

A ref or an annotated tag may name a blob or a tree instead of a commit (git.git's
``junio-gpg-pub`` tag names a blob: ``git tag -a key-file <blob>``). No commit holds it, so a
history scan, which reads commits, never met it; yet a clone fetches it and GitHub serves
it. Each such blob, and each blob of such a tree, is read as a file is (binary skipped
as history scans skip it, UTF-16 decoded), its path ``<ref>`` or ``<ref>:<path in the
tree>``; one over the size limit is reported not scanned. Every file name in such a tree
is checked for a key too, binary files' and clean ones' alike (the names stage,
:mod:`byok_ci.pipeline.names`, from where the path in the tree starts: the ref's own name is
the ref's finding).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from byok_ci.model import Chunk, ScanError
from byok_ci.sources.git.patch import display
from byok_ci.sources.git.process import read_blobs, run


@dataclass(frozen=True)
class NamedObject:
    """A blob or tree a ref or tag names: its id, the name reports give it, how it is reached."""

    sha: bytes
    kind: bytes
    path: str
    reachability: str | None = None


def object_chunks(objects: Sequence[NamedObject], max_size: int, cwd: str | None, reached: dict[str, str | None],
                  errors: list[ScanError], listed: list[tuple[str, int]] | None = None) -> Iterator[Chunk]:
    """The text of every blob ``objects`` name (a tree's blobs, recursively), chunks whose
    path is the object's; each path read goes into ``reached`` with its reachability, each
    path a tree lists (a submodule's too) into ``listed`` with where its part in the tree starts."""
    blobs: list[tuple[bytes, str, str | None]] = []
    for named in objects:
        if named.kind == b"blob":
            blobs.append((named.sha, named.path, named.reachability))
            continue
        tree = run(["ls-tree", "-r", "-z", "--full-tree", named.sha.decode("ascii")], cwd=cwd)
        if tree.returncode != 0:
            errors.append(ScanError(named.path, "not scanned: git could not list the tree this ref names"))
            continue
        for entry in filter(None, tree.stdout.split(b"\0")):
            info, _, name = entry.partition(b"\t")
            fields = info.split()
            path = f"{named.path}:{display(name)}"
            if listed is not None:
                listed.append((path, len(named.path) + 1))
            if len(fields) == 3 and fields[1] == b"blob":
                blobs.append((fields[2], path, named.reachability))
    from byok_ci.sources.read import decode

    for (_, path, reachability), data in zip(blobs, read_blobs([sha for sha, _, _ in blobs], max_size, cwd)):
        if isinstance(data, int):
            errors.append(ScanError(path, f"not scanned: {data} bytes, over the size limit ({max_size})"))
        elif data is None:
            errors.append(ScanError(path, "not scanned: git could not read the blob this ref names"))
        elif (text := decode(data)) is not None:
            reached[path] = reachability
            yield Chunk(text=text, path=path)
