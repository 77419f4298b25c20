"""The words a label names (a key, a host, a path component) and the part of a file's path a
reviewer reads: the small, import-cheap half of byok_ci.detect.structure, which the detector
needs for every file (a path can name a provider) while the structural reading is imported
only when a context rule has a candidate."""

from __future__ import annotations

import re

from byok_ci._patterns import lazy_compile

_WORD = lazy_compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def word_parts(label: str) -> list[str]:
    """The words of a label in order, lower case: ``XiApiKey`` → xi, api, key."""
    return [w.lower() for w in _WORD.findall(label)]


def words(label: str) -> set[str]:
    """The words of a label, lower case, with every run of up to three adjacent words
    joined: ``api.retellai.com`` → retellai; ``AssemblyAI`` → assemblyai; ``Z.ai`` → zai."""
    parts = word_parts(label)
    out = set(parts)
    for size in (2, 3):
        out.update("".join(parts[i:i + size]) for i in range(len(parts) - size + 1))
    return out


def path_label(path: str) -> str:
    """The part of a file's path a reviewer reads as context: its last two directories and
    its name (the ``!`` of an archive member's path separates like ``/``)."""
    parts = [p for p in path.replace("\\", "/").replace("!", "/").rsplit("/", 3)[-3:] if p]
    return "/".join(parts)


# A label's letters and digits, lower case, as bytes: for an ASCII label (nearly every path
# component) one `bytes.translate`, a sixth of what the regex substitution costs.
_NOT_ALNUM = lazy_compile(r"[^A-Za-z0-9]+")
_ASCII_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
_ASCII_NOT_ALNUM = bytes(c for c in range(128) if not chr(c).isalnum())


def squashed(label: str) -> bytes:
    """``label`` with all but ASCII letters and digits taken out, lower case: ``Open_AI`` → openai."""
    if label.isascii():
        return label.encode().translate(_ASCII_LOWER, _ASCII_NOT_ALNUM)
    return _NOT_ALNUM.sub("", label).lower().encode()


# Labels tested name by name before the trie is compiled: compiling it costs ~2 ms (the
# shipped rules' names), what some 400 labels tested name by name cost; a pre-commit hook
# tests a handful, a tree's scan thousands.
TESTED_BEFORE_COMPILING = 64


class AnyOf:
    """Whether any of ``names`` occurs in :func:`squashed` text: ``in`` for each name for the
    first :data:`TESTED_BEFORE_COMPILING` labels, then one search of them all as a trie
    (``a(?:zure|ws)|…``), where the regex engine tries a position in a step or two (an
    alternation of every name tries them all, 2-3× as long on a file name). Both answer
    the same: a name occurs in the label."""

    def __init__(self, names: list[str]) -> None:
        self._names = tuple(name.encode() for name in names) or (b"",)  # no names: the empty trie matches
        self._untested = TESTED_BEFORE_COMPILING
        self._trie: re.Pattern[bytes] | None = None

    def compile(self) -> None:
        """Use the trie from now on (a scan about to fork its workers compiles it once for all)."""
        if self._trie is None:
            self._trie = trie_of([name.decode() for name in self._names])

    def found_in(self, label: bytes) -> bool:
        if self._trie is not None:
            return self._trie.search(label) is not None
        self._untested -= 1
        if self._untested < 0:
            self.compile()
        return any(name in label for name in self._names)


def any_of(names: list[str]) -> AnyOf:
    """A test for any of ``names`` in :func:`squashed` text (:class:`AnyOf`)."""
    return AnyOf(names)


def trie_of(names: list[str]) -> re.Pattern[bytes]:
    """A search for any of ``names`` as a trie. A name's longer names are left out, as an
    alternation sorted longest first finds them too."""
    trie: _Trie = {}
    for name in names:
        node = trie
        for char in name:
            node = node.setdefault(char, {})
        node[""] = {}  # a name ends here

    def branches(node: _Trie) -> str:
        if "" in node:
            return ""
        options = [re.escape(char) + branches(node[char]) for char in sorted(node)]
        return options[0] if len(options) == 1 else f"(?:{'|'.join(options)})"

    return re.compile(branches(trie).encode())


_Trie = dict[str, "_Trie"]
