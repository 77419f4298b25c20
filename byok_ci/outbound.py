"""Every string that leaves byok-ci: redacted, and safe for a terminal or a CI log.

Two steps, kept apart because they apply at different places:

- :func:`redact_text` replaces every key in a text with its redacted form. It runs where
  text leaves the process: report files, standard output and error (:class:`RedactingWriter`,
  :func:`redacted_std_streams`), baselines, ``$GITHUB_OUTPUT``, and the messages of
  byok-ci's exceptions. Its rules are every rule byok-ci has loaded in this process (user
  rules too): the rule loader hands them to :func:`remember_rules`. byok-ci's own
  identifiers (commit shas, fingerprints, rule ids) are never redacted: none is key-shaped
  for a rule with fixed text, and a commit sha that a prefix-less rule could take for a key
  is kept by :func:`keep_identifiers`.
- :func:`escape_terminal` makes control characters visible (``\\n``, ``\\x1b``,
  ``\\u202e``) and defuses what a GitHub runner would read as a workflow command. Human
  formats apply it to each value they print (a file name, a message), never to a whole
  report, whose own newlines and colours are meant. Machine formats (JSON, SARIF) keep
  values exact and write ``##[`` as ``#\\u0023[``, the same JSON string.

GitHub workflow commands have one writer of their own, :func:`byok_ci.report.github.workflow_command`.

This module sits at the bottom of byok-ci (every layer's errors are redacted when made), so
it imports nothing of byok-ci: how keys are matched (:mod:`byok_ci.detect.anywhere`) and
how the shipped rules are loaded are handed to it once, by the package root
(:func:`use_key_matching`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import sys
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, TextIO, TypeVar


class Matcher(Protocol):
    """Finds the keys in a text and redacts them (:class:`byok_ci.detect.anywhere.KeyMatcher`)."""

    def redact(self, text: str, keep: Collection[str] = ()) -> str: ...


class _Pattern(Protocol):
    @property
    def pattern(self) -> str: ...


class _Rule(Protocol):
    """What the registry needs of a rule: its id and pattern (to know it once)."""

    @property
    def id(self) -> str: ...

    @property
    def pattern(self) -> _Pattern: ...

# C0, DEL and C1 controls (ESC starts every ANSI sequence), line and paragraph separators,
# the Unicode bidirectional controls that reorder what a terminal shows ("Trojan Source"),
# and lone surrogates (a file name's undecodable bytes, which would reach the terminal raw).
_CONTROL = "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Without a loaded rule set (help, version, click's usage errors), text is checked against
# the shipped rules only when it holds a run that could be a key: 16+ key characters with
# a digit or both cases, or 16 capitals in a row (an AWS key id can lack digits). Most
# help texts (lower-case option names, SNAKE_CASE variables) then skip loading the rules.
_KEY_RUN = re.compile(r"[A-Za-z0-9_+/=.\-]{16,}")
_DIGIT = re.compile(r"[0-9]")
_CAPITALS = re.compile(r"[A-Z]{16}")

# Fields that hold several lines on purpose: each line is escaped, the line breaks stay.
_MULTILINE_FIELDS = {"detail"}
_PIECE = 4096
T = TypeVar("T")

_lock = threading.Lock()
_rules: dict[tuple[str, str], Any] = {}
_matcher: Matcher | None = None
_keep: set[str] = set()
# Set once by the package root: builds a matcher from rules, and loads (and so remembers)
# the shipped rules when text must be redacted before any rule was loaded.
_build_matcher: Callable[[Sequence[Any]], Matcher] | None = None
_load_shipped_rules: Callable[[], object] | None = None


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte (surrogateescape): as git shows it
        return f"\\x{code - 0xDC00:02x}"
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def escape_terminal(text: str) -> str:
    """``text`` safe to show in a terminal or a CI log: control characters written out
    visibly (it stays on one line, cannot move the cursor, change colours or reorder
    text), and nothing in it a GitHub runner would take for a workflow command: a leading
    ``::`` (which, at the start of a line, the runner reads as one) gets a backslash in
    front, and ``##[`` (the runner's older form, found anywhere in a line) becomes ``##\\[``.
    """
    # Every character escaped here is non-printable, so printable text takes the fast path.
    if not text.isprintable():
        text = re.sub(_CONTROL, _escape, text)  # compiled on first use (re caches it): most runs never need it
    if "##[" in text:
        text = text.replace("##[", "##\\[")
    if text.lstrip().startswith("::"):
        text = "\\" + text
    return text


# What Markdown (GitHub's) would turn into structure inside a line: links and images ([ ]),
# HTML and autolinks (< >), code spans (`), table columns (|), and the backslash that would
# undo an escape. Emphasis, entities and strikethrough add no link, tag or column, and
# escaping them would break the URLs our own messages carry (security_credentials, #view/…).
_MARKDOWN = re.compile(r"([\\`\[\]<>|])")


def markdown_text(text: str) -> str:
    """``text`` (a file name, an author, a name from a manifest or a provider's answer) as
    plain text in one Markdown line or table cell: on one line and terminal-safe
    (:func:`escape_terminal` writes control characters out), and unable to add a link, an image, a tag or a column."""
    return _MARKDOWN.sub(r"\\\1", escape_terminal(text))


def markdown_code(text: str) -> str:
    """``text`` as a code span no backtick in it can end early (a fence one backtick longer
    than the longest run inside, CommonMark), on one line, ``|`` escaped for a table."""
    text = escape_terminal(text).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def defuse_json(text: str) -> str:
    """JSON text with ``##[`` (a workflow command to a GitHub runner, anywhere in a line)
    written ``#\\u0023[``: the same JSON value, harmless in a CI log. ``#`` occurs in JSON
    text only inside strings, where the escape is valid."""
    return text.replace("##[", "#\\u0023[") if "##[" in text else text


def escaped_report(report: T) -> T:
    """A copy of ``report`` with :func:`escape_terminal` applied to every text it holds
    (findings, errors, checks, probes, rule descriptions): what a human format prints."""
    escaped: T = _escaped(report)
    return escaped


def _escaped(value: Any, name: str = "") -> Any:
    if isinstance(value, str):
        if name in _MULTILINE_FIELDS:
            return "\n".join(escape_terminal(line) for line in value.split("\n"))
        return escape_terminal(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_escaped(item) for item in value)
    if isinstance(value, Mapping):  # a dataclass made from it gets a copy of its own
        return {key: _escaped(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for spec in dataclasses.fields(value):
            if spec.init:
                old = getattr(value, spec.name)
                new = _escaped(old, spec.name)
                if new is not old and new != old:
                    changes[spec.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value


def use_key_matching(build_matcher: Callable[[Sequence[Any]], Matcher], load_shipped_rules: Callable[[], object]) -> None:
    """How keys are found (a matcher built from rules) and how the shipped rules are loaded
    when nothing has loaded any yet: the detection layer's, handed down by the package root."""
    global _build_matcher, _load_shipped_rules, _matcher
    with _lock:
        _build_matcher, _load_shipped_rules, _matcher = build_matcher, load_shipped_rules, None


def remember_rules(rules: Iterable[_Rule]) -> None:
    """Add rules to the ones :func:`redact_text` applies (called by ``load_rules``)."""
    global _matcher
    with _lock:
        for rule in rules:
            if _rules.setdefault((rule.id, rule.pattern.pattern), rule) is rule:
                _matcher = None


def keep_identifiers(identifiers: Iterable[str | None]) -> None:
    """Strings :func:`redact_text` must never touch (commit shas a prefix-less rule could
    take for a key)."""
    with _lock:
        _keep.update(i for i in identifiers if i)


def _random_looking(run: str) -> bool:
    return _DIGIT.search(run) is not None or (run.lower() != run and run.upper() != run)


def _could_hold_key(text: str) -> bool:
    return _CAPITALS.search(text) is not None or any(_random_looking(run) for run in _KEY_RUN.findall(text))


def _matcher_for(text: str) -> Matcher | None:
    global _matcher
    if not _rules:
        if not _could_hold_key(text) or _load_shipped_rules is None:
            return None
        _load_shipped_rules()  # remembers the shipped rules
    with _lock:
        if _matcher is None and _build_matcher is not None and _rules:
            _matcher = _build_matcher(list(_rules.values()))
        return _matcher


def redact_text(text: str) -> str:
    """``text`` with every key in it replaced by its redacted form."""
    if not text:
        return text
    matcher = _matcher_for(text)
    return text if matcher is None else matcher.redact(text, _keep)


class RedactingWriter:
    """A text stream that redacts what is written before ``inner`` sees it.

    Text waits for :meth:`flush` (or, past ``hold`` characters, for a line end), so a key
    is never cut in two by a write boundary. It never closes ``inner``.
    """

    def __init__(self, inner: TextIO, hold: int = 1 << 20) -> None:
        self.inner = inner
        self._hold = hold
        self._pending: list[str] = []
        self._size = 0
        self._narrow: bool | None = None  # whether inner's encoding lacks characters we write

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # as a text stream does (click probes with b"")
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._pending.append(text)
        self._size += len(text)
        if self._size >= self._hold:
            self._drain(whole_lines=True)
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._drain()
        self.inner.flush()

    def _drain(self, whole_lines: bool = False) -> None:
        if not self._pending:
            return
        text = "".join(self._pending)
        rest = ""
        if whole_lines:
            cut = text.rfind("\n") + 1
            if cut == 0:
                return
            text, rest = text[:cut], text[cut:]
        self._pending = [rest] if rest else []
        self._size = len(rest)
        text = self._fitted(redact_text(text))
        # In pieces: one huge write to a file that hits a size limit can lose its tail
        # without an error (CPython's buffered writer), where small ones raise EFBIG.
        for at in range(0, len(text), _PIECE):
            self.inner.write(text[at:at + _PIECE])

    def _fitted(self, text: str) -> str:
        """``text`` as ``inner``'s encoding can write it: a terminal or pipe in ASCII (``LANG=C``,
        ``PYTHONIOENCODING=ascii``) gets ``\\uXXXX`` escapes (UTF-16 pairs past U+FFFF, so JSON on
        standard output stays valid JSON) instead of an error that would lose the report."""
        if self._narrow is None:
            import codecs

            try:
                name = codecs.lookup(self.encoding).name
            except LookupError:
                name = "utf-8"
            self._narrow = not name.startswith("utf")
        if not self._narrow or text.isascii():
            return text
        encoding = self.encoding
        out = []
        for char in text:
            try:
                char.encode(encoding)
            except UnicodeEncodeError:
                code = ord(char)
                if code > 0xFFFF:
                    code -= 0x10000
                    char = f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
                else:
                    char = f"\\u{code:04x}"
            out.append(char)
        return "".join(out)

    # What click and the CLI ask of a stream.
    def isatty(self) -> bool:
        return bool(getattr(self.inner, "isatty", lambda: False)())

    def fileno(self) -> int:
        return self.inner.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:
        return getattr(self.inner, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str:
        return getattr(self.inner, "errors", None) or "strict"


def close_stdout_quietly() -> None:
    """The reader of standard output went away: send the rest to /dev/null, so neither a
    later write nor the interpreter's final flush fails."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.__stdout__.fileno() if sys.__stdout__ is not None else 1)
    finally:
        os.close(devnull)


@contextlib.contextmanager
def redacted_std_streams() -> Iterator[None]:
    """Standard output and error redacted until the block ends (the CLI runs inside one)."""
    saved = sys.stdout, sys.stderr
    writers = RedactingWriter(saved[0]), RedactingWriter(saved[1])
    sys.stdout, sys.stderr = writers  # type: ignore[assignment]
    try:
        yield
    finally:
        for writer in writers:
            try:
                writer.flush()
            except BrokenPipeError:
                if writer is writers[0]:
                    close_stdout_quietly()
            except (OSError, ValueError):
                pass
        sys.stdout, sys.stderr = saved
