"""Structural context: what a reader sees around a value besides its own line (issue 14 §1).

A prefix-less key (Deepgram's 40 characters, Together's 64 hex, a Pinecone UUID…) counts only
with provider context. A person reads that context from the document's structure, not only
from the key's line:

- the enclosing keys of YAML, JSON, TOML, INI, HCL and ``.properties`` documents
  (``together:`` → ``api_key:``; ``"Deepgram": {"ApiKey": …}``; ``[pinecone]``;
  ``variable "deepgram_api_key" { default = … }``; ``module "kimi_worker" {``);
- the labels of the mapping the value sits in and of its ancestors: a sibling ``name``,
  ``key`` or ``provider`` (Postman and Kubernetes name/value pairs, Helm ``integrations:``
  lists, an Insomnia environment's ``name``) and the hosts of sibling URLs (a ``base_url`` or
  ``endpoint`` before or after the key, a logged request line, a HAR ``url``);
- in code: the module a receiver or callee was imported from (``import assemblyai as
  aai`` → ``aai.settings.api_key = …``), a trailing comment (``NewClient("…") // deepgram``),
  the logger that wrote a log line (``DEBUG pinecone._base_client:``).

The index is built only around candidate matches: each query walks the lines above and
below the match, within a fixed budget of lines and characters, and parsed lines are cached
per text, so a file with many candidates is read once. Nothing here parses a whole file.

A rule's context holds structurally when the value carries a credential-like name (its own,
or for a ``value``/``default`` slot the name its sibling or block gives it; a setting named
only after the provider, ``greptile = …``, counts unless the value is hex, a digest's shape)
or is passed to a call, and one of these labels names the provider: a word of the rule's ``context.names``
among the label's words (``DeepgramClient`` → deepgram, ``api.retellai.com`` → retellai,
``Z.ai`` → zai), or the rule's context pattern in the joined labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from byok_ci.detect.filters import assigned_name, is_generic_key_name
from byok_ci.detect.imports import imported_names
from byok_ci.detect.words import path_label, word_parts, words

# How far a query looks: lines above and below the value's line, and characters before and
# after the value (no text outside them is read, so the prefilter's reach covers them).
LINES_BEFORE, CHARS_BEFORE = 60, 4096
LINES_AFTER, CHARS_AFTER = 40, 3072

# A value in one of these slots takes its name from a sibling label or the enclosing block:
# {"key": "TOGETHER_API_KEY", "value": "…"}, - name: X / value: …, variable "x" { default = … }.
_SLOTS = frozenset({"value", "default", "defaultvalue", "currentvalue", "initialvalue", "secretvalue"})
# Sibling keys whose value labels the mapping they are in.
_LABEL_KEYS = frozenset({
    "name", "key", "provider", "service", "vendor", "type", "id", "label", "title", "platform", "integration",
})
# Sibling keys whose value names the value's own name in a name/value pair.
_NAME_KEYS = ("key", "name", "variable", "id")

_SECTION = re.compile(r"\[\[?\s*([^\]\[]{1,120}?)\s*\]\]?\s*(?:[#;].*)?")
_KEY_VALUE = re.compile(r"""(?:-\s+)?(?:(?:export|ENV|ARG)\s+)?["']?([\w$@.\-/]{1,100}?)["']?\s*(?:=|:(?![:/]))\s*(.*)""")
_BLOCK_HEADER = re.compile(r"""([\w-]+(?:\s+"[^"]{1,100}"|\s+[\w-]+){0,3})\s*[{(\[]\s*""")
_URL_HOST = re.compile(r"(?i)\b(?:https?|wss?)://([a-z0-9][a-z0-9.-]{1,200})")
_HOST_HEADER = re.compile(r"(?im)^\s*host:\s*([a-z0-9][a-z0-9.-]{1,200})")
_LOGGER = re.compile(r"\b(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR)\b[\s:\]]+([A-Za-z_][\w]*(?:\.[\w]+)+|[A-Za-z_]\w*)\s*[:\]-]")
_COMMENT = re.compile(r"""["'`)\s,;]\s*(?:#|//|--|/\*)\s*(.{1,120})""")
_CALL_ARGUMENT = re.compile(r"""([\w.]+)\s*\(\s*(?:[\w]+\s*=\s*)?["'`]?$|,\s*["'`]?$""")
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
# Words of a label: camelCase and acronym humps, digit runs.
# Typed declarations the assigned-name check reads wrongly (it sees the type, not the name):
# Rust/TS/Kotlin ``NAME: &str = "``, Go ``NAME string = "``.
_TYPED_NAME = re.compile(
    r"""(?:^|\s)([A-Za-z_]\w*)\s*(?::\s*[&\w<>\[\]:'. ]{1,40}?|\s+(?:string|\[\]byte))\s*=\s*["'`]?$"""
)
# ``ENV NAME value`` (Dockerfile legacy form), fish ``set -x NAME value``, Windows ``setx NAME value``.
_SPACE_ASSIGNED = re.compile(r"""(?:^|\s)(?:ENV|ARG|set\s+-[gxU]+|setx)\s+([A-Za-z_][\w]*)\s+["']?$""")
_SUBSCRIPTS = re.compile(r"""([A-Za-z_][\w.]*)((?:\[\s*["'][^"'\]]{1,60}["']\s*\])+)\s*=\s*["'`]?$""")
# An XML element holding the value: ``<wandbToken>VALUE`` or ``<wandbToken>`` alone on the line above.
_XML_OPEN = re.compile(r"<([A-Za-z_][\w.:-]{0,100})(?:\s[^<>]{0,200})?>\s*$")
_SCHEME = re.compile(r"""(?i)(?:bearer|token|key|basic)\s+$""")



@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    indent: int  # where the line's content (after a list dash) starts
    dash: int  # where a YAML list dash stands, -1 if none
    blank: bool
    closer: bool
    section: str | None
    key: str | None
    value: str = field(repr=False)  # scanned text: may hold a key
    header: str | None  # a block opener: `variable "x" {`, `"Deepgram": {`, `together:`


def _parse(text: str, start: int, end: int) -> _Line:
    raw = text[start:end]
    content = raw.lstrip(" \t")
    indent = len(raw) - len(content)
    content = content.rstrip()
    if not content or content.startswith(("#", "//", ";", "/*", "*", "<!--")):
        return _Line(start, end, indent, -1, True, False, None, None, "", None)
    if content[0] in "}])" or content in ("end", "fi", "done"):
        return _Line(start, end, indent, -1, False, True, None, None, "", None)
    dash = -1
    if content.startswith("- ") or content == "-":
        dash = indent
        rest = content[1:].lstrip(" ")
        indent += len(content) - len(rest)
        content = rest
    section = None
    if indent == 0 and content.startswith("["):
        found = _SECTION.fullmatch(content)
        if found:
            section = found.group(1)
    key, value, header = None, "", None
    found_kv = _KEY_VALUE.match(content)
    if section is None and found_kv:
        key, value = found_kv.group(1), found_kv.group(2).strip()
        if value in ("", "{", "[", "|", ">", "|-", ">-", "{}", "(") or value.endswith(("{", "[", "(")):
            header = key if value in ("", "{", "[", "|", ">", "|-", ">-") else f"{key} {value}"
    elif section is None:
        found_header = _BLOCK_HEADER.fullmatch(content)
        if found_header:
            header = found_header.group(1)
    return _Line(start, end, indent, dash, False, False, section, key, value, header)


def _unquote(value: str) -> str:
    return value.strip().rstrip(",;").strip().strip("\"'`")


@dataclass
class Around:
    """What surrounds one value: its effective name and, computed on first use, its labels."""

    name: str | None
    in_call: bool
    _structure: Structure
    _start: int
    _end: int
    _labels: tuple[str, ...] | None = field(default=None, repr=False)
    # The name is a slot's (``default =``): the slot's sibling or block, which the lines at
    # hand may not hold, gives its name.
    slotted: bool = False

    @property
    def labels(self) -> tuple[str, ...]:
        if self._labels is None:
            self._labels = tuple(self._structure.labels(self._start, self._end))
        return self._labels

    def credential_like(self, pattern: re.Pattern[str], names: Iterable[str] = (), value: str = "") -> bool:
        """The value is named as a credential (or only after the provider, unless it is hex),
        or handed to a call."""
        if self.name is not None:
            return (
                is_generic_key_name(self.name)
                or pattern.search(self.name) is not None
                or (names_only(self.name, names) and not _HEX.fullmatch(value))
            )
        return self.in_call

    def names_provider(self, names: Iterable[str], pattern: re.Pattern[str]) -> bool:
        """A label (or the value's own name) names the provider."""
        wanted = set(names)
        labels = self.labels
        if self.name is not None:
            labels = (*labels, self.name)
        if wanted and any(wanted & words(label) for label in labels):
            return True
        return pattern.search("\n".join(labels)) is not None if labels else False


class Structure:
    """Lazily parsed lines of one text, for structural queries around its candidate matches."""

    def __init__(self, text: str, path: str = "") -> None:
        self.text = text
        self._path = path
        self._lines: dict[int, _Line] = {}

    def line_at(self, start: int) -> _Line:
        """The line that starts at ``start`` (cached)."""
        line = self._lines.get(start)
        if line is None:
            end = self.text.find("\n", start)
            line = _parse(self.text, start, len(self.text) if end < 0 else end)
            self._lines[start] = line
        return line

    def _previous(self, line: _Line) -> _Line | None:
        if line.start == 0:
            return None
        return self.line_at(self.text.rfind("\n", 0, line.start - 1) + 1)

    def _next(self, line: _Line) -> _Line | None:
        if line.end >= len(self.text):
            return None
        return self.line_at(line.end + 1)

    # -- the value's name ------------------------------------------------------------------

    def around(self, start: int, end: int) -> Around:
        text = self.text
        line_start = text.rfind("\n", 0, start) + 1
        before = text[max(line_start, start - 160):start]
        name = _name_before(before)
        if name is None:
            name = self._element_name(before, line_start)
        in_call = name is None and _CALL_ARGUMENT.search(before) is not None
        slotted = name is not None and _slot(name)
        if slotted:
            name = self._slot_name(self.line_at(line_start), *_bounds(start, end)) or name
        return Around(name, in_call, self, start, end, slotted=slotted)

    def _element_name(self, before: str, line_start: int) -> str | None:
        """The XML element the value is the text of: opened before it on its line, or on the
        line above when the value stands alone on its line."""
        found = _XML_OPEN.search(before)
        if found is None and not before.strip() and line_start > 0:
            above = self.text.rfind("\n", 0, line_start - 1) + 1
            if line_start - above <= 300:
                found = _XML_OPEN.fullmatch(self.text[above:line_start - 1].strip())
        return found.group(1) if found else None

    def _slot_name(self, line: _Line, low: int, high: int) -> str | None:
        """The name a ``value``/``default`` slot takes from its sibling or its block."""
        found = _NAME_KEY_ON_LINE.search(self.text, max(line.start, low), min(line.end, high))
        if found:  # {"key": "X", "value": "…"} on one line
            return found.group(1)
        level = line.indent
        for step, other in enumerate(self._walk(line, True, low, high)):
            if step > 16:
                break
            if other.closer or other.indent > level:
                continue
            if other.indent == level:
                if other.key in _NAME_KEYS:
                    return _unquote(other.value)
                if other.dash >= 0:
                    break  # the list item starts here
                continue
            if other.header and other.key is None:  # variable "x" { … default = … }
                return _block_name(other.header)
            break
        for step, other in enumerate(self._walk(line, False, low, high)):
            if step > 16 or other.indent < level or (other.indent == level and other.dash >= 0):
                break
            if other.indent == level and other.key in _NAME_KEYS:
                return _unquote(other.value)
        return None

    # -- labels ----------------------------------------------------------------------------

    def _walk(self, line: _Line, backwards: bool, low: int, high: int) -> Iterable[_Line]:
        """Non-blank lines above or below ``line`` that lie wholly in ``low``..``high``,
        within the line budget."""
        current: _Line | None = line
        for _ in range(LINES_BEFORE if backwards else LINES_AFTER):
            current = self._previous(current) if backwards else self._next(current)  # type: ignore[arg-type]
            if current is None or current.start < low or current.end > high:
                return
            if not current.blank:
                yield current

    def labels(self, start: int, end: int) -> list[str]:
        text = self.text
        low, high = _bounds(start, end)
        line = self.line_at(text.rfind("\n", 0, start) + 1)
        labels: list[str] = []
        own = text[max(line.start, low):min(line.end, high)]
        comment = _COMMENT.search(text, end, min(line.end, high))
        if comment:
            labels.append(comment.group(1))
        labels.extend(_hosts(own))
        logger = _LOGGER.search(own)
        if logger:
            labels.append(logger.group(1))
        labels.extend(self._imported(text[max(line.start, low):start], low, line.start))
        level = line.indent
        depth = 0  # ancestors found so far
        collect = True  # siblings at this level still belong to the value's mapping
        for other in self._walk(line, True, low, high):
            if other.closer:
                continue
            if other.section is not None:
                labels.append(other.section)
                break
            if other.indent > level:
                if depth == 0 and collect:
                    labels.extend(_hosts(text[other.start:other.end]))
                continue
            if other.indent == level:
                if collect:
                    labels.extend(self._sibling_labels(other, hosts=depth <= 2))
                if other.dash >= 0:
                    # The list item starts here; the lines above are other items.
                    collect, level = False, other.dash
                continue
            # A parent: its key or block header, then its own siblings.
            depth += 1
            labels.append(other.header or other.key or "")
            if other.dash >= 0 and other.key is not None and other.key.lower() in _LABEL_KEYS:
                labels.append(_unquote(other.value))
            level, collect = (other.dash, False) if other.dash >= 0 else (other.indent, True)
        level = line.indent
        for other in self._walk(line, False, low, high):
            if other.indent < level or other.section is not None or (other.indent == level and other.dash >= 0):
                break  # the value's block (or list item) ends
            if other.closer:
                continue
            labels.extend(self._sibling_labels(other) if other.indent == level else _hosts(text[other.start:other.end]))
        labels.append(path_label(self._path))
        return [label for label in labels if label]

    def _sibling_labels(self, other: _Line, hosts: bool = True) -> list[str]:
        found = _hosts(self.text[other.start:other.end]) if hosts else []
        if other.key is not None and other.key.lower() in _LABEL_KEYS:
            found.append(_unquote(other.value))
        logger = _LOGGER.search(self.text, other.start, other.end)
        if logger:
            found.append(logger.group(1))
        return found

    def _imported(self, before: str, low: int, high: int) -> list[str]:
        """Modules that identifiers before the value on its line were imported from, by
        imports in ``low``..``high``."""
        identifiers = _IDENTIFIER.findall(before)
        if not identifiers:
            return []
        imports = imported_names(self.text[low:high])
        return [imports[i] for i in identifiers if i in imports]


_NAME_KEY_ON_LINE = re.compile(r"""["']?(?:key|name)["']?\s*[:=]\s*["']([^"']{1,100})["']""")


_NO_SECRET_NAME = re.compile(
    r"(?i)(?:md5|sha\d*|checksum|digest|hash|commit|rev|revision|uuid|request[_-]?id|trace[_-]?id|"
    r"session[_-]?id|version|model|url|endpoint|fingerprint)$"
)
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.")


_HEX = re.compile(r"[0-9a-fA-F]+")


def names_only(name: str, names: Iterable[str]) -> bool:
    """``name`` is nothing but one of ``names``: ``greptile``, ``GLM``, ``z.ai``."""
    parts = word_parts(name)
    wanted = set(names)
    return bool(parts) and (set(parts) <= wanted or "".join(parts) in wanted)


def names_no_secret(name: str) -> bool:
    """A name that says its value is a digest, an id or a version, never a key."""
    return _NO_SECRET_NAME.search(name) is not None


def inside_jwt(text: str, start: int, end: int) -> bool:
    """The match is a segment of a JSON Web Token (``eyJ….eyJ….sig``), not a key of its own."""
    at = start
    while at > 0 and start - at < 4096 and text[at - 1] in _TOKEN_CHARS:
        at -= 1
    if not text.startswith("eyJ", at):
        return False
    return "." in text[at:start] or text.startswith(".", end)


def _bounds(start: int, end: int) -> tuple[int, int]:
    return max(0, start - CHARS_BEFORE), end + CHARS_AFTER


def _slot(name: str) -> bool:
    return name.rsplit(".", 1)[-1].lower().replace("_", "") in _SLOTS


def _block_name(header: str) -> str:
    quoted = re.findall(r'"([^"]+)"', header)
    return quoted[-1] if quoted else header.split()[-1]


def _hosts(line: str) -> list[str]:
    return [*_URL_HOST.findall(line), *_HOST_HEADER.findall(line)]


def _name_before(before: str) -> str | None:
    """The name of the value that follows ``before`` (the text before it on its line): the
    assignment, typed constant, ``ENV NAME value``, ``x["a"]["b"] =`` or header
    (``Authorization: Bearer …``) it is written in."""
    cleaned = before.replace('\\"', '"').replace("\\'", "'")  # JSON-escaped code (notebooks)
    # Each pattern is searched for only where the text's end can complete it (each is
    # anchored there, and a search tries every position before it): a scheme ends in
    # whitespace; a typed or subscripted name in ``=`` and at most a quote.
    scheme = _SCHEME.search(cleaned) if cleaned[-1:].isspace() else None
    if scheme:
        cleaned = cleaned[:scheme.start()]
    tail = cleaned[:-1] if cleaned[-1:] in ("\"", "'", "`") else cleaned
    equals = tail.rstrip().endswith("=")
    found = _TYPED_NAME.search(cleaned) if equals else None
    if found is None and ("ENV" in cleaned or "ARG" in cleaned or "set" in cleaned):
        found = _SPACE_ASSIGNED.search(cleaned)
    if found:
        return found.group(1)
    subscripted = _SUBSCRIPTS.search(cleaned) if equals and "]" in cleaned else None
    if subscripted:
        keys = re.findall(r"""["']([^"']+)["']""", subscripted.group(2))
        return ".".join([subscripted.group(1), *keys])
    return assigned_name(cleaned, len(cleaned))


def after_context(text: str, end: int, limit: int, beyond_line: bool) -> tuple[int, int]:
    """The span after a value where its provider context may stand: the rest of its line
    and, if ``beyond_line``, following lines up to ``limit`` characters, stopping at the first
    line that names a value of its own with a credential-like name (that line's context
    belongs to that value) or that leaves the value's block (a smaller indentation)."""
    line_end = text.find("\n", end)
    if line_end < 0:
        return end, min(len(text), end + limit)
    if not beyond_line:
        return end, min(line_end, end + limit)
    own_start = text.rfind("\n", 0, end) + 1
    own = text[own_start:line_end]
    level = len(own) - len(own.lstrip(" \t"))
    stop = min(len(text), end + limit)
    at = line_end
    while at < stop:
        next_end = text.find("\n", at + 1)
        next_end = len(text) if next_end < 0 else next_end
        line = text[at + 1:next_end]
        stripped = line.lstrip(" \t")
        if stripped:
            if len(line) - len(stripped) < level:
                break
            named = _KEY_VALUE.match(stripped)
            if named and named.group(2).strip() and is_generic_key_name(named.group(1)):
                break
        at = next_end
    return end, min(at, stop)
