"""Hyperscan as a "which rules can match here" filter in front of the keyword spans.

Each rule without context contributes its own pattern (look-arounds removed, which only
widens it), so a rule fires only where its key shape occurs, not wherever a short keyword
such as ``sk-`` does. Rules with context, and patterns Hyperscan cannot compile, contribute
their keywords as literals; a rule with context also contributes its key shape, and fires
only when both occur in the text (a file that says "False" or "openai" but holds nothing
shaped like the key cannot hold one). A shape that is only a long run of a character class
is searched for in a second pass, where its rule's keyword fired (see
:class:`HyperscanPrefilter`). Every expression is single-match: one callback per rule per
text at most. The expressions are made in :mod:`byok_ci.detect.hyperscan_expressions`. The rules that fired then get exactly the spans
:class:`KeywordPrefilter` gives, so findings are identical to the pure-Python path by
construction.

Two more expressions say whether the text can hold an encoded key at all (a base64 run the
decoder would take, a percent escape): :meth:`HyperscanPrefilter.survey` hands that to the
detector, which skips the decoding pass when neither occurs.

The compiled databases are cached on disk, keyed by the rules' digest and the Hyperscan
version, because compiling costs more than scanning a small tree.
"""

from __future__ import annotations

import bisect
import itertools
import os
import re
import threading
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

from byok_ci._sha256 import sha256  # not hashlib: loading OpenSSL costs a large scan's start-up 3 ms
from byok_ci.detect.hyperscan_expressions import Layout, _expressions, _gates, _second_pass, _widened
from byok_ci.detect.hyperscan_expressions import code_id, layout_data, layout_from, pack, unpack
from byok_ci.detect.prefilter import KeywordPrefilter, Spans
from byok_ci.paths import caches_in_use, read_cache_file, user_cache_dir, write_cache_file
from byok_ci.rules.model import Rule


def _compiles(expression: bytes, hyperscan: Any) -> bool:
    try:
        probe = hyperscan.Database()
        probe.compile(expressions=[_widened(expression)], ids=[0], elements=1, flags=[_flags(hyperscan)])
    except Exception:  # noqa: BLE001 - any compile failure means "use the keywords"
        return False
    return True


def _compile(expressions: Sequence[bytes], ids: Sequence[int], hyperscan: Any, every: bool = False) -> Any:
    """The database of ``expressions``; each reports its first match only, or (``every``) all."""
    database = hyperscan.Database()
    database.compile(expressions=[_widened(e) for e in expressions], ids=list(ids), elements=len(expressions),
                     flags=[0 if every else _flags(hyperscan)] * len(expressions))
    return database


def _databases(rules: Sequence[Rule], hyperscan: Any) -> list[Any]:
    """The first pass's database, then one for each expression of :func:`_second_pass`.

    Each is compiled at once; only when Hyperscan refuses one are its expressions tried one
    by one (each try is a compile: for the shipped rules that cost a scan of a small tree
    on every CI run, where the compiled databases are not cached)."""
    try:
        first = _compile(*_expressions(rules, lambda _: True), hyperscan)
    except Exception:  # noqa: BLE001 - an expression Hyperscan refuses: find it
        first = _compile(*_expressions(rules, lambda expression: _compiles(expression, hyperscan)), hyperscan)
    databases = [first]
    for expression in _second_pass(rules)[0]:
        try:
            databases.append(_compile([expression], [0], hyperscan))
        except Exception:  # noqa: BLE001 - refused: the empty expression fires always
            databases.append(_compile([b""], [0], hyperscan))
    return databases


class _PerThread(threading.local):
    """What each thread keeps: its scratch spaces (made again in a forked worker: ``forks``)
    and the text :meth:`HyperscanPrefilter.shapes` screened last. Every attribute is set
    here: ``getattr`` with a default on a missing one costs 2 µs (an exception raised and
    caught), and :meth:`HyperscanPrefilter.survey` asked that once for each file of a tree."""

    def __init__(self) -> None:
        self.forks = -1
        self.scratch: dict[int | str, Any] = {}
        self.screened: tuple[bytes, set[int]] | None = None


def _flags(hyperscan: Any) -> int:
    return int(hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_ALLOWEMPTY)


def cache_dir() -> Path:
    return user_cache_dir()


# Changes whenever _databases lays the databases out differently, so cached databases of
# another layout are never loaded.
_LAYOUT = "two-pass-11"


class HyperscanPrefilter:
    """Two passes over a text. The first has every expression with fixed text: the rules'
    shapes or keywords, the shapes of rules with context that hold fixed text, and the
    encoded-text gates. A rule with context whose shape is a run of a character class only
    (a hex or alphanumeric run: such an expression costs Hyperscan as much per byte as all
    the rest) is searched for in a second pass, one expression at a time, and only in a
    text where the rule's keyword fired. There, texts to detect in (:meth:`survey`) take
    the rule's :func:`sharp_gate`, far more selective than the shared run."""

    def __init__(self, rules: Sequence[Rule], digest: str) -> None:
        import hyperscan

        self._hyperscan = hyperscan
        self._keywords = KeywordPrefilter(rules, check_shapes=False)  # Hyperscan checks shapes
        version = getattr(hyperscan, "__version__", "")
        key = sha256(f"{digest}|{version}|{[r.id for r in rules]}|{_LAYOUT}|{code_id()}".encode()).hexdigest()[:24]
        self._cache_path = cache_dir() / f"hyperscan-{key}.db"  # where the databases are kept
        gates, of_rule, second, self._second_of = self._layout(rules)
        self._second_expressions = second
        # A rule with context fires only with its shape's expression: in the first pass
        # (this id), or in the second (_second_of).
        self._gate_of = {index: len(rules) + n for index, n in of_rule.items() if index not in self._second_of}
        self._count = len(rules)
        self._encoded = (len(rules) + gates, len(rules) + gates + 1)
        databases = self._load_or_build(rules, 1 + len(second))
        self._database, self._second = databases[0], databases[1:]
        # Hyperscan scratch space may be used by one scan at a time: one per thread and
        # database, and a forked worker (which inherits the parent's) makes its own.
        self._local = _PerThread()
        self._words: Any = None  # keywords_in's database
        self._pairs: tuple[list[bytes], list[int]] | None = None  # _context_words'
        self._runs: Any = None  # _run_shapes' database

    def _layout(self, rules: Sequence[Rule]) -> Layout:
        """How many gates the first pass has, the gate of each rule with context, the second
        pass's expressions and each rule's pair of them (:func:`_gates`, :func:`_second_pass`).
        Read from the cache beside the databases as JSON data when it is there and fits the
        rules: working it out parses every rule's pattern, 5-10 ms of a large scan's serial
        start-up (more than loading the databases)."""
        path = self._cache_path.with_suffix(".layout")
        use_cache = caches_in_use()
        cached = read_cache_file(path) if use_cache else None
        if cached is not None:
            try:
                return layout_from(cached, [rule.context is not None for rule in rules])
            except (ValueError, TypeError, KeyError):  # damaged or not ours: worked out again
                pass
        gates, of_rule = _gates(rules)
        second, second_of = _second_pass(rules)
        if use_cache:
            write_cache_file(path, layout_data(len(gates), of_rule, second, second_of))
        return len(gates), of_rule, second, second_of

    def _load_or_build(self, rules: Sequence[Rule], count: int) -> list[Any]:
        hyperscan = self._hyperscan
        path = self._cache_path
        # A database that never matches would make every scan pass: read only one this user
        # alone can have written, and none on CI machines (byok_ci.paths.caches_in_use).
        use_cache = caches_in_use()
        cached = read_cache_file(path) if use_cache else None
        if cached is not None:
            try:
                loaded = [hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK) for blob in unpack(cached)]
                if len(loaded) == count:
                    return loaded
            except Exception:  # noqa: BLE001 - a stale or damaged cache is rebuilt
                pass
        databases = _databases(rules, hyperscan)
        if not use_cache:
            return databases
        write_cache_file(path, pack([hyperscan.dumpb(database) for database in databases]))
        return databases

    def spans(self, text: str) -> dict[int, Spans]:
        return self.survey(text)[0]

    def survey(self, text: str, data: bytes | None = None,
               named: Collection[int] = ()) -> tuple[dict[int, Spans], bool]:
        """The spans of :meth:`spans`, and whether ``text`` may hold an encoded key.
        ``data``, when given, is ``text`` encoded as UTF-8 (a file's own bytes): scanned
        as it is, not encoded again. ``named``: rules with context the text's path names,
        searched in the whole text where their (sharp) shape occurs, in that order after
        the others (a path that names Mistral sent every file under it to Mistral's regex:
        a fifth of the rules' time on a tree with such a directory)."""
        if data is None:
            data = text.encode("utf-8", "surrogatepass")
        screened = self._local.screened
        if screened is not None and screened[0] == data:  # bytes compared, not scanned again
            fired = screened[1]
        else:
            fired = self._scan_with(self._database, -1, data)  # _fired's first pass, one call less a text
        if not fired and not named:
            return {}, False
        encoded = self._encoded[0] in fired or self._encoded[1] in fired
        rules = self._rules_fired(data, fired, sharp=True) if fired else set()
        spans = self._keywords.spans(text, only=rules) if rules else {}
        if named:
            passed: dict[int, bool] = {}
            whole = [(0, len(text))]
            shaped = [i for i in named if self._shaped(data, fired, i, passed)]
            if shaped:
                spans = {**spans, **{i: whole for i in shaped}}
        return spans, encoded

    def _shaped(self, data: bytes, fired: set[int], index: int, passed: dict[int, bool]) -> bool:
        """Whether rule ``index``'s shape occurs in ``data`` (its sharp gate, as
        :meth:`_rules_fired` asks of a rule whose keyword fired; a rule without a gate may
        match anywhere)."""
        if index in self._second_of:
            return all(self._passed(data, n, passed) for n in self._second_of[index][:2])
        gate = self._gate_of.get(index)
        return gate is None or gate in fired

    def _rules_fired(self, data: bytes, fired: set[int], sharp: bool, first: bool = False,
                     runs: set[int] | None = None) -> set[int]:
        """The rules that fired in ``data`` (``fired``: the first pass's ids): with their
        shape, in the first pass or the second (its sharp gates, or the loose ones).
        ``first``: the first rule found is enough. ``runs``: :meth:`_run_shapes` of ``data``
        (the loose gates' answers), when known."""
        count, gate_of, second_of = self._count, self._gate_of, self._second_of
        rules: set[int] = set()
        passed: dict[int, bool] = {}
        for i in fired:
            if i >= count:
                continue
            if not sharp and runs is not None and i in second_of:
                if i not in runs:
                    continue
            elif i in second_of:
                # The loose gate first: a run of one class costs Hyperscan a fraction of what
                # the sharp gate (which implies it) costs per byte, and rules most texts out.
                if not all(self._passed(data, n, passed) for n in second_of[i][:1 + sharp]):
                    continue
            elif i in gate_of and gate_of[i] not in fired:
                continue
            rules.add(i)
            if first:
                break
        return rules

    def _passed(self, data: bytes, n: int, passed: dict[int, bool]) -> bool:
        """:meth:`_passes`, each expression scanned for once in a text (``passed``)."""
        if n not in passed:
            passed[n] = self._passes(data, n)
        return passed[n]

    def _passes(self, data: bytes, n: int) -> bool:
        """Whether expression ``n`` of the second pass matches in ``data``."""
        return bool(self._fired(data, n))

    def may_find(self, data: bytes, named: Callable[[], Collection[int]] = tuple) -> bool:
        """Whether detection can find anything in a text whose UTF-8 bytes lie within ``data``:
        a rule fired with its shape, the shape of a rule ``named()`` gives (rules the text's
        path names) occurs, or an encoded key may. For bytes no text was made of yet (git's
        patches): what this rules out is never decoded."""
        fired = self._fired(data)
        if self._encoded[0] in fired or self._encoded[1] in fired:
            return True
        # A named rule's shape may be in the second pass: nothing firing in the first is no answer.
        return bool(self._rules_fired(data, fired, sharp=False, first=True)) or self._shape_of_any(data, fired, named())

    def _shape_of_any(self, data: bytes, fired: set[int], rules: Collection[int]) -> bool:
        """Whether the loose shape of any of ``rules`` (with context) occurs in ``data``."""
        return any(self._passes(data, self._second_of[i][0]) if i in self._second_of else self._gate_of.get(i) in fired
                   for i in rules)

    def shapes(self, data: bytes, named: Callable[[], Collection[int]] = tuple,
               everywhere: bool = True) -> tuple[bool, list[int], list[int]]:
        """:meth:`may_find`'s answer, the rules with context whose (loose) shape occurs in
        ``data`` whether or not their keywords do, and those one of whose keywords does (a
        git scan reads the whole file where a shape is without its keyword). The second
        pass's shapes are looked for everywhere here, in one database of their own, unless
        ``everywhere`` is False (then the list holds only the first pass's)."""
        fired = self._fired(data)
        # A git scan detects in a one-run patch's bytes next (survey): the same scan.
        self._local.screened = (data, fired)
        count, gate_of, second_of = self._count, self._gate_of, self._second_of
        shaped = [i for i, gate in gate_of.items() if gate in fired]
        # The runs database's answer is the loose gates': _rules_fired need not scan again.
        runs: set[int] | None = None
        if second_of and everywhere:
            runs = self._run_shapes(data)
            shaped += runs
        worded = [i for i in fired if i < count and (i in gate_of or i in second_of)]
        if self._encoded[0] in fired or self._encoded[1] in fired:
            # A key in base64 or URL encoding has its shape only decoded: a git scan that
            # reads a file whole for a shape without its keyword must know that one too.
            shaped += self._decoded_shapes(data, everywhere)
            return True, shaped, worded
        if self._rules_fired(data, fired, sharp=False, first=True, runs=runs):
            return True, shaped, worded
        names = named()
        if not names:
            return False, shaped, worded
        if everywhere:
            return not set(names).isdisjoint(shaped), shaped, worded
        # ``everywhere`` False: the second pass's shapes were not looked for (the caller
        # wants the shapes of no file it would read): those of the rules the path names are.
        return self._shape_of_any(data, fired, names), shaped, worded

    def _decoded_shapes(self, data: bytes, everywhere: bool, depth: int = 2) -> list[int]:
        """The rules with context whose shape occurs in the text the decoder makes of
        ``data``'s encoded segments (decoded again ``depth`` deep, as detection decodes)."""
        from byok_ci.detect.encoded import _url_segments, decoded_runs

        text = data.decode("utf-8", "replace")
        pieces = [decoded for *_, decoded in decoded_runs(text)]
        if "%" in text:
            pieces += [decoded for *_, decoded in _url_segments(text)]
        # All segments at once: a shape a join makes across two of them only reads a file more.
        inner = "\n".join(pieces).encode("utf-8", "replace")
        if not inner:
            return []
        fired = self._fired(inner)
        shaped = [i for i, gate in self._gate_of.items() if gate in fired]
        if self._second_of and everywhere:
            shaped += self._run_shapes(inner)
        if depth > 1 and (self._encoded[0] in fired or self._encoded[1] in fired):
            shaped += self._decoded_shapes(inner, everywhere, depth - 1)
        return shaped

    def _run_shapes(self, data: bytes) -> set[int]:
        """The rules of the second pass whose loose gate occurs in ``data`` (a database of
        those gates alone, built on first use: git scans ask it of every patch)."""
        runs = self._runs
        if runs is None:
            expressions = [self._second_expressions[pair[0]] for pair in self._second_of.values()]
            ids = list(self._second_of)

            def compiled() -> Any:
                try:
                    return _compile(expressions, ids, self._hyperscan)
                except Exception:  # noqa: BLE001 - one refused: those fire always (the empty expression)
                    return _compile([e if _compiles(e, self._hyperscan) else b"" for e in expressions], ids,
                                    self._hyperscan)

            runs = self._runs = self._kept("runs", compiled)
        return self._scan_with(runs, "runs", data)

    def _kept(self, name: str, build: Callable[[], Any]) -> Any:
        """A database made on first use (``build``: compiling this one costs a history scan
        ~25 ms), cached on disk beside the first pass's as they are (same key: the rules,
        Hyperscan's version and :data:`_LAYOUT`, which changes with what ``build`` makes)."""
        hyperscan = self._hyperscan
        path = self._cache_path.with_suffix(f".{name}")
        use_cache = caches_in_use() and self._cache_path.name != ""
        cached = read_cache_file(path) if use_cache else None
        if cached is not None:
            try:
                return hyperscan.loadb(cached, hyperscan.HS_MODE_BLOCK)
            except Exception:  # noqa: BLE001 - a stale or damaged cache is rebuilt
                pass
        database = build()
        if use_cache:
            write_cache_file(path, hyperscan.dumpb(database))
        return database

    def keywords_in(self, data: bytes) -> set[int]:
        """The rules with context one of whose keywords occurs in ``data`` (a small database
        of those literals alone, built on first use: whole files of a history are asked)."""
        if not self._context_words()[0]:
            return set()  # no rule with context: nothing to find (and Hyperscan compiles no empty database)
        words = self._words
        if words is None:
            words = self._words = _compile(*self._context_words(), self._hyperscan)
        return self._scan_with(words, "words", data)

    def _context_words(self) -> tuple[list[bytes], list[int]]:
        if self._pairs is None:
            pairs = [(re.escape(keyword).encode(), index) for index in (*self._gate_of, *self._second_of)
                     for keyword in self._keywords.keywords_of(index)]
            self._pairs = [e for e, _ in pairs], [i for _, i in pairs]
        return self._pairs

    def worded(self, names: Sequence[str]) -> list[bool]:
        """For each of ``names``, whether a keyword of a rule with context occurs in it: one
        scan of them joined, every occurrence reported (a database of its own, kept as the
        others are). A name sieve sifts such names apart from the others, which then cannot
        fire together by one's keyword and another's long run."""
        if not self._context_words()[0]:
            return [False] * len(names)
        words = self._kept("wordlines", lambda: _compile(*self._context_words(), self._hyperscan, every=True))
        data = "\n".join(names).encode("utf-8", "surrogatepass")
        ends: list[int] = self._scan_with(words, "wordlines", data, _end, [])
        # Where each name's line ends (its newline's offset + 1): a match ending at ``end``
        # lies in the first name whose line ends at or after it.
        lines = list(itertools.accumulate(len(name.encode("utf-8", "surrogatepass")) + 1 for name in names))
        out = [False] * len(names)
        for end in ends:
            out[bisect.bisect_left(lines, end)] = True
        return out

    def _scan_with(self, database: Any, name: int | str, data: bytes, handler: Any = None, into: Any = None) -> Any:
        """The ids of ``database`` that match in ``data``, with this thread's scratch space for
        it (``name``: which database; made again in a forked worker); or what ``handler``
        gathers of the matches ``into`` (returned)."""
        local = self._local
        if local.forks != _forks:
            local.scratch = {}
            local.forks = _forks
        scratch = local.scratch.get(name)
        if scratch is None:
            scratch = local.scratch[name] = self._hyperscan.Scratch(database)
        fired = set() if into is None else into
        # Positional: keywords cost the extension's argument parsing 1.5 µs a call (as much as the scan of a small file).
        database.scan(data, handler or _collect, 0, fired, scratch)
        return fired

    def _fired(self, data: bytes, second: int = -1) -> set[int]:
        """The ids that match in ``data`` of the first pass's expressions, or (``second``)
        of that expression of the second pass."""
        return self._scan_with(self._database if second < 0 else self._second[second], second, data)

    def may_hold(self, text: str, alone: Collection[int]) -> bool:
        """Whether a rule can match somewhere in ``text`` without its context being read:
        a rule without context whose shape occurs; a rule with context whose keyword and
        shape both occur; a rule with context of ``alone`` whose shape occurs. More than
        :class:`~byok_ci.detect.anywhere.KeyMatcher` finds, never less (``alone``: the
        rules it matches without context), for a fraction of its cost."""
        data = text.encode("utf-8", "surrogatepass")
        fired = self._fired(data)
        return bool(self._rules_fired(data, fired, sharp=False, first=True)) or self._shape_of_any(data, fired, alone)


# Forks this process came through: a forked worker inherits the parent's scratch spaces and
# makes its own (counted, not compared by process id: os.getpid is a system call, and a
# tree scan scans one text one to three times).
_forks = 0


def _forked() -> None:
    global _forks
    _forks += 1


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)


def _collect(expression: int, _start: int, _end: int, _flags: int, fired: set[int]) -> None:
    fired.add(expression)


def _end(_expression: int, _start: int, end: int, _flags: int, ends: list[int]) -> None:
    ends.append(end)
