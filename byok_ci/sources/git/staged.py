"""The index: what the next commit will add, with line numbers as they will be committed.

Reads `git diff --cached` (works before the first commit: git compares with the empty
tree). GitPython is not used here: its `index.diff("HEAD")` is a reversed diff, and a
pre-commit hook must start fast.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from byok_ci.model import Chunk
from byok_ci.sources import Reading
from byok_ci.sources.git.chunker import Chunker
from byok_ci.sources.git.patch import parse
from byok_ci.sources.git.process import DIFF_OPTIONS, check_work_tree, diff_config, stream


@dataclass(eq=False, repr=False)
class StagedSource:
    """Chunks of the lines the index adds over HEAD; ``pathspecs`` limit it as in git."""

    pathspecs: Sequence[str] = ()
    chunker: Chunker = field(default_factory=Chunker)
    cwd: str | None = None

    @property
    def reading(self) -> Reading:
        return self.chunker.reading

    def chunks(self) -> Iterator[Chunk]:
        check_work_tree(self.cwd)
        args = [*diff_config(self.chunker.max_file_size), "diff", "--cached", *DIFF_OPTIONS, "-M", "--",
                *self.pathspecs]
        with stream(args, cwd=self.cwd) as lines:
            for patch in parse(lines):
                yield from self.chunker.chunks(patch)
