"""Running detection over a source's chunks: one chunk at a time, in batches of many small
chunks, or on several threads (one source each); forked worker processes are
:mod:`byok_ci.pipeline.workers`."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol, runtime_checkable

from byok_ci._offsets import cr_line_ends_as_lf
from byok_ci.detect.engine import _MAY_ENCODE, Detector
from byok_ci.detect.prefilter import merge
from byok_ci.model import Chunk, Finding
from byok_ci.sources import Source

BATCH_CHARS = 1 << 20


def chunk_findings(chunk: Chunk, detector: Detector) -> list[Finding]:
    findings = detector.detect(chunk)
    if chunk.origin is not None:
        # Text decoded from the file (a source map's sources, a notebook cell): report the
        # file's own line and column. Lines as detection counted them (classic Mac CRs end lines).
        text = cr_line_ends_as_lf(chunk.text)
        findings = [chunk.origin.relocate(f, text) for f in findings]
    return findings


def detect_chunks(chunks: Iterable[Chunk], detector: Detector) -> list[Finding]:
    """Findings of every chunk, in chunk order."""
    findings: list[Finding] = []
    for chunk in chunks:
        findings.extend(chunk_findings(chunk, detector))
    return findings


def detect_batched(chunks: Iterable[Chunk], detector: Detector) -> Iterator[Finding]:
    """Findings of many small chunks, in chunk order, with one prefilter pass per ~1 MB.

    A diff yields thousands of small chunks and nearly all hold no keyword; asking the
    prefilter once for their concatenation, then running detection only on the chunks a
    prefilter span touches, gives the same findings for a fraction of the calls.
    """
    batch: list[Chunk] = []
    size = 0
    try:
        for chunk in chunks:
            batch.append(chunk)
            size += len(chunk.text) + 1
            if size >= BATCH_CHARS:
                yield from _detect_batch(batch, detector)
                batch, size = [], 0
    except Exception:
        # The source failed part-way (git stopped): what it produced before that is still scanned.
        yield from _detect_batch(batch, detector)
        raise
    if batch:
        yield from _detect_batch(batch, detector)


def _detect_batch(batch: list[Chunk], detector: Detector) -> list[Finding]:
    if len(batch) == 1:
        return chunk_findings(batch[0], detector)
    spans = detector.prefilter.spans("\n".join(chunk.text for chunk in batch))
    # A key only decoding finds has no keyword near it: such a chunk is detected whatever
    # the spans say, as Detector.detect decodes it (without it, history scans with the
    # pure-Python prefilter missed every base64 and URL-encoded key in a batch).
    decodes = detector.decode_depth > 0
    # Nor has a key whose provider only its path names (`pinecone.ini`): the joined text has
    # no path, so a chunk at such a path is detected whatever the spans say, as alone it is.
    if not spans and not decodes and not any(detector.named_by(chunk.path) for chunk in batch):
        return []
    intervals = merge([span for rule_spans in spans.values() for span in rule_spans])
    found: list[Finding] = []
    start, k = 0, 0
    for chunk in batch:
        end = start + len(chunk.text)
        while k < len(intervals) and intervals[k][1] <= start:
            k += 1
        if ((k < len(intervals) and intervals[k][0] <= end) or (decodes and _MAY_ENCODE.search(chunk.text))
                or detector.named_by(chunk.path)):
            found.extend(chunk_findings(chunk, detector))
        start = end + 1
    return found


@runtime_checkable
class Ahead(Protocol):
    """A source whose input another process produces (git), which can start it before its
    chunks are read and tell when it has produced all of it (sources.git.commits.CommitPart)."""

    def start(self) -> None: ...

    def when_written(self, then: Callable[[], None]) -> None: ...


def detect_concurrently(sources: Sequence[Source], detector: Detector, batched: bool = True,
                        workers: int = 0) -> tuple[list[list[Finding]], BaseException | None]:
    """Findings of each source (batched, or chunk by chunk for sources that screened their
    chunks already), and the first failure if one failed (the other sources' findings, and
    what the failed one found before, count).

    For sources whose chunks come from other processes (git computes diffs in its own), so
    threads keep every core busy while detection, in Python, takes the smaller share. Each
    source has a thread of its own; with ``workers`` (fewer than the sources), that many
    threads take the sources in the order given, each the next one when its own ends, so
    they end together however the work is spread. A thread whose source is :class:`Ahead`
    starts its next source once the current one's process has produced everything, so that
    process's core goes on working while the thread reads what is left.
    """
    results: list[list[Finding]] = [[] for _ in sources]
    failures: list[BaseException] = []
    pending = list(range(len(sources)))[::-1]  # popped from the end: in the order given
    lock = threading.Lock()

    def take() -> int | None:
        with lock:
            return pending.pop() if pending else None

    def work(index: int) -> None:
        try:
            chunks = sources[index].chunks()
            if batched:
                results[index].extend(detect_batched(chunks, detector))
            else:
                for chunk in chunks:
                    results[index].extend(chunk_findings(chunk, detector))
        except Exception as exc:  # noqa: BLE001 - handed to the caller's thread, never lost
            failures.append(exc)

    def worker() -> None:
        index = take()
        while index is not None:
            source = sources[index]
            ahead = _Ahead(sources, pending, lock)
            if isinstance(source, Ahead):
                source.when_written(ahead.start_next)
            work(index)
            following = ahead.close()
            index = following if following is not None else take()

    count = min(workers, len(sources)) if workers > 0 else len(sources)
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(1, count)]
    for thread in threads:
        thread.start()
    if sources:
        worker()
    for thread in threads:
        thread.join()
    return results, (failures[0] if failures else None)


class _Ahead:
    """The source a thread reads next, taken and started when its current source's process
    has produced everything (on that process's reading thread), unless the thread is done
    with its current source first."""

    def __init__(self, sources: Sequence[Source], pending: list[int], lock: threading.Lock) -> None:
        self.sources, self.pending, self.lock = sources, pending, lock
        self.open = True
        self.taken: int | None = None
        self.ready = threading.Event()

    def start_next(self) -> None:
        with self.lock:
            if not self.open or not self.pending or self.taken is not None:
                return  # (git, restarted after a damaged commit, can end twice)
            self.taken = self.pending.pop()
        try:
            source = self.sources[self.taken]
            if isinstance(source, Ahead):
                source.start()
        except Exception:  # noqa: BLE001 - met again when its chunks are read
            pass
        finally:
            self.ready.set()

    def close(self) -> int | None:
        """The source taken for the thread, once started (None: none)."""
        with self.lock:
            self.open = False
        if self.taken is not None:
            self.ready.wait()
        return self.taken


def unique(findings: list[Finding]) -> list[Finding]:
    """Sorted findings without repeats: a large file is read in chunks that overlap, and
    what is found in an overlap is found twice, at the same line and column."""
    seen: set[tuple[object, ...]] = set()
    out: list[Finding] = []
    for finding in sorted(findings, key=Finding.sort_key):
        key = (*finding.sort_key(), finding.encoding, finding.scanned_as, finding.message)
        if key not in seen:
            seen.add(key)
            out.append(finding)
    return out
