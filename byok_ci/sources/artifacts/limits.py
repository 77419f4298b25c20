"""Limits that keep an archive from costing unbounded time, memory or disk.

A limit that is hit, or damage that was skipped over, is reported as "not fully scanned:
<reason>" for that archive, never dropped silently. :class:`LimitExceeded` stops the whole top-level archive (its budget is
spent); :class:`MemberSkipped` skips one member and the scan of the archive goes on.
"""

from __future__ import annotations

from dataclasses import dataclass

from byok_ci._values import by_value

# The errors (byok_ci.errors' ArchiveProblem and its subclasses) are imported where an archive
# is read: every scan builds its ArchiveLimits, few open an archive (issue 16 §1).
__all__ = ["ArchiveLimits", "Budget", "human_size"]

MB = 1024 * 1024


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class ArchiveLimits:
    """What one top-level archive (with everything nested in it) may cost."""

    max_depth: int = 3  # archives nested this deep are opened; 1 opens no archive inside an archive
    max_member_size: int = 50 * MB  # a member read as text or opened as an archive
    max_total_bytes: int = 1024 * MB  # uncompressed bytes read from one top-level archive
    max_ratio: int = 200  # uncompressed / compressed size (zip bombs)
    max_members: int = 100_000  # members of one top-level archive, nested ones included
    allow_partial: bool = False  # a limit hit is still reported but does not fail the run


# Below this size a high compression ratio is normal (a file of spaces) and costs nothing.
RATIO_FLOOR = 1 * MB


def human_size(n: int) -> str:
    for unit, size in (("GB", 1024**3), ("MB", MB), ("KB", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


class Budget:
    """Bytes and members spent so far on one top-level archive."""

    def __init__(self, limits: ArchiveLimits, path: str) -> None:
        self.limits = limits
        self.path = path
        self.bytes = 0
        self.members = 0

    def member(self, where: str) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            from byok_ci.errors import LimitExceeded

            raise LimitExceeded(
                where, f"more than {self.limits.max_members:,} members (raise --max-archive-members)"
            )

    def spend(self, n: int, where: str) -> None:
        self.bytes += n
        if self.bytes > self.limits.max_total_bytes:
            from byok_ci.errors import LimitExceeded

            raise LimitExceeded(
                where,
                f"more than {human_size(self.limits.max_total_bytes)} uncompressed (raise --max-archive-bytes)",
            )

    def check_ratio(self, produced: int, consumed: int, where: str) -> None:
        if produced > RATIO_FLOOR and produced > self.limits.max_ratio * max(consumed, 1):
            from byok_ci.errors import LimitExceeded

            raise LimitExceeded(
                where,
                f"compression ratio over {self.limits.max_ratio}:1, a likely zip bomb (raise --max-archive-ratio)",
            )
