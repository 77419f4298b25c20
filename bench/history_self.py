"""byok-ci's own CPU in a history scan, stage by stage, over git's output captured once.

On 2 cores byok-ci's process is a history scan's critical path (git's two processes share
the other core and what byok-ci leaves), so its own CPU is what to cut; and CPU of work
on bytes already captured does not depend on what else the machine runs. This captures
`git log` as a history scan runs it (one part, ``-j 1``) to a file, then times, best of
``--rounds`` (``time.process_time``, one thread):

- ``parse``: cutting the output into commits and file patches (sources/git/patch.py);
- ``+ chunk``: the chunker's screen (Hyperscan), lineage bookkeeping and hand-over of
  versions to read whole (sources/git/chunker.py);
- ``+ detect``: detection of the chunks the screen let through;
- ``whole-file reads``: ContextReader.finish (lineage, `git cat-file`, detection of the
  versions read), after the diffs.

Run it with another checkout first on ``PYTHONPATH`` for "before"::

    .venv/bin/python bench/history_self.py /tmp/oai
    PYTHONPATH=/tmp/old .venv/bin/python bench/history_self.py /tmp/oai
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from byok_ci.config import Settings  # noqa: E402
from byok_ci.detect.choose import FAST_PREFILTER_MIN_BYTES  # noqa: E402
from byok_ci.errors import GitError  # noqa: E402
from byok_ci.pipeline import start  # noqa: E402
from byok_ci.pipeline.detection import chunk_findings  # noqa: E402
from byok_ci.sources.git.blobs import ContextReader  # noqa: E402
from byok_ci.sources.git.chunker import Chunker  # noqa: E402
from byok_ci.sources.git.commits import CommitSource  # noqa: E402
from byok_ci.sources.git.patch import parse  # noqa: E402


def capture(repo: str, out: Path) -> None:
    """git's output for the whole history, as one part of `scan --history` asks for it.

    Where git stops at a damaged commit (/tmp/hay: one missing blob), what it wrote is kept
    and git is asked again for the commits after that one, as the scan itself does
    (CommitSource.chunks): the replace ref is ignored here too, the same bytes are captured."""
    part = CommitSource(all_refs=True, chunker=Chunker(), cwd=repo, max_parts=1).parts()[0]
    remaining = part._remaining()
    with out.open("wb") as sink:
        while remaining:
            begun = sink.tell()
            try:
                with part._log(remaining) as stream:
                    while block := stream.read(1 << 20):
                        sink.write(block)
                return
            except GitError as exc:
                sink.flush()
                seen: list[bytes] = []
                with out.open("rb") as written:
                    written.seek(begun)
                    for _ in parse(iter([written.read()]), on_commit=lambda c: seen.append(c.sha.encode())):
                        pass
                if not seen or seen[-1] not in remaining:
                    raise
                print(f"git stopped at {seen[-1][:12].decode()} ({exc}); kept its output, went on after it",
                      file=sys.stderr)
                remaining = remaining[remaining.index(seen[-1]) + 1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--log", type=Path, help="git's output captured before (else captured now)")
    args = parser.parse_args()
    log = args.log
    if log is None:
        log = Path(tempfile.mkdtemp(prefix="byok-history-self-")) / "git.log"
        capture(args.repo, log)
    data = log.read_bytes()
    blocks = [data[at:at + (1 << 20)] for at in range(0, len(data), 1 << 20)]
    settings = Settings()
    detector = start("scan", settings, Path(args.repo)).detector(FAST_PREFILTER_MIN_BYTES)
    screen, triage = detector.screen(), detector.triage()

    def scanned(detect: bool) -> tuple[float, float, int]:
        reader = ContextReader(detector, settings.max_file_size, args.repo)
        chunker = Chunker(screen=screen, triage=triage, made=reader.made, in_context=reader.add,
                          wants_context=detector.wants_context)
        found = []
        begun = time.process_time()
        for patch in parse(iter(blocks)):
            for chunk in chunker.chunks(patch):
                if detect:
                    found += chunk_findings(chunk, detector)
        diffs = time.process_time() - begun
        begun = time.process_time()
        if detect:
            found += reader.finish(found)[0]
        reader.close()
        return diffs, time.process_time() - begun, len(found)

    def parsed() -> float:
        begun = time.process_time()
        for _ in parse(iter(blocks)):
            pass
        return time.process_time() - begun

    scanned(True)  # warm: databases, caches
    best: dict[str, float] = {}
    findings = 0
    for _ in range(args.rounds):
        gc.collect()
        times = {"parse": parsed(), "+ chunk": scanned(False)[0]}
        gc.collect()
        times["+ detect"], times["whole-file reads"], findings = scanned(True)
        for name, seconds in times.items():
            best[name] = min(best.get(name, seconds), seconds)
    print(f"{args.repo}: {len(data) / 1e6:.0f} MB of git output, {findings} findings; CPU s, best of {args.rounds}")
    for name, seconds in best.items():
        print(f"  {name:18} {seconds:.3f}")


if __name__ == "__main__":
    main()
