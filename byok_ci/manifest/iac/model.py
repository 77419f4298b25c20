"""Records of what the IaC reader found: secret reads, inline-key slots, unreadable files."""

from __future__ import annotations

from dataclasses import dataclass, field

from byok_ci.manifest.refs import SecretRef

TOOLS = ("terraform", "cloudformation", "pulumi", "kubernetes")


@dataclass(frozen=True)
class Read:
    """One secret location a template reads (or creates, ``creates``), in environment ``env``.

    ``ref`` is the location as a manifest reference when it resolved completely; ``text``
    is the location as far as it resolved (for messages and environment words), and
    ``unresolved`` says why the rest could not be resolved statically. ``store_unknown``
    marks a read whose path is known but whose store is not (an ``ExternalSecret`` whose
    ``SecretStore`` is not in the repository): binding cannot be judged, isolation can.
    """

    path: str
    line: int
    column: int
    tool: str
    construct: str
    env: str = ""
    ref: SecretRef | None = None
    text: str = ""
    unresolved: str = ""
    store_unknown: str = ""
    creates: bool = False
    whole: bool = False  # reads a whole item or config (Doppler config, 1Password item)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Slot:
    """Lines of a construct that must not hold a key, and what to write instead."""

    path: str
    first: int
    last: int
    what: str
    instead: str


@dataclass(frozen=True)
class Template:
    """A file the reader used, with the environments it was evaluated for."""

    path: str
    tool: str
    envs: tuple[str, ...] = ()
    inconclusive: str = ""  # why nothing in it could be judged (a Pulumi program in Go)


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    column: int | None
    message: str


@dataclass(frozen=True)
class IacReading:
    """Everything read from the repository's IaC."""

    reads: tuple[Read, ...] = ()
    slots: tuple[Slot, ...] = ()
    templates: tuple[Template, ...] = ()
    problems: tuple[Problem, ...] = ()  # unreadable files and bad `iac:` settings
    missing: str = ""  # a parser that is not installed, with what to install
    texts: dict[str, str] = field(default_factory=dict, compare=False)  # shown path -> text, for the key scan

    def envs(self) -> set[str]:
        return {r.env for r in self.reads if r.env} | {e for t in self.templates for e in t.envs}
