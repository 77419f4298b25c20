"""A server-side gate: git's ``pre-receive`` hook, in a bare repository.

git runs the hook once per push, after the objects have arrived but before any ref moves,
with one ``<old> <new> <ref>`` line per ref on standard input (githooks(5)). The new
objects sit in a quarantine directory (``GIT_QUARANTINE_PATH``, reached through
``GIT_OBJECT_DIRECTORY`` / ``GIT_ALTERNATE_OBJECT_DIRECTORIES`` in the hook's environment,
which every git process byok-ci starts inherits) and no ref points at them yet. So "what
this push adds" is exactly ``git rev-list <new tips> --not --all``: the commits no existing
branch, tag or other ref holds, whether a ref is new, updated or force-pushed. A deletion
adds nothing. A non-zero exit rejects the whole push, and git shows the hook's standard
error to the pusher, each line prefixed ``remote:``.

The scan runs in a child process with a time budget: a push must not hang on a huge
history. When the budget runs out the child and its git processes are killed and the
policy decides (accept or reject), which the message says.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from byok_ci._version import PROJECT_URL
from byok_ci.config import Settings
from byok_ci.errors import InputError
from byok_ci.exitcodes import decide, exit_code
from byok_ci.model import Report, ScanError
from byok_ci.scan_git import GitTarget, scan_git

ZERO_SHA = "0" * 40
POLICIES = ("accept", "reject")
DEFAULT_TIMEOUT = 60.0
DOCS = f"{PROJECT_URL}/blob/main/docs/git.md#pre-receive-hook"
SHOWN = 10  # findings listed in the message; the rest are counted


@dataclass(frozen=True)
class RefUpdate:
    """One line of the hook's input."""

    old: str
    new: str
    ref: str

    @property
    def deleted(self) -> bool:
        return set(self.new) == {"0"}


@dataclass(frozen=True)
class Verdict:
    """What the hook decided: ``code`` (0 accepts the push) and the lines to print."""

    code: int
    lines: tuple[str, ...]
    report: Report | None = None
    timed_out: bool = False


def read_updates(text: str) -> tuple[RefUpdate, ...]:
    """The ``<old> <new> <ref>`` lines; a malformed line is an InputError naming it."""
    updates = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(" ", 2)
        if len(parts) != 3 or not all(_is_sha(p) for p in parts[:2]):
            raise InputError(f"<stdin>:{number}: expected '<old-sha> <new-sha> <ref>' (git's pre-receive input)")
        updates.append(RefUpdate(*parts))
    return tuple(updates)


def _is_sha(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def target_for(updates: Sequence[RefUpdate]) -> GitTarget | None:
    """The commits the push adds: every new tip, minus what any existing ref reaches."""
    tips = [u.new for u in updates if not u.deleted]
    if not tips:
        return None
    refs = tuple((u.ref, u.new) for u in updates if not u.deleted)  # a key in a pushed name counts
    return GitTarget("pre-push", updates=tuple((ZERO_SHA, tip) for tip in tips), known=("--all",), refs=refs)


def check_push(updates: Sequence[RefUpdate], settings: Settings, *, timeout: float = DEFAULT_TIMEOUT,
               on_timeout: str = "reject", cwd: str | None = None) -> Verdict:
    """Scan what ``updates`` add within ``timeout`` seconds and decide."""
    if on_timeout not in POLICIES:
        raise ValueError(f"on_timeout must be one of {POLICIES}")
    target = target_for(updates)
    if target is None:
        return Verdict(0, ())
    report, timed_out = _scan_with_budget(target, settings, timeout, cwd)
    if timed_out:
        accept = on_timeout == "accept"
        what = "accepted without a complete scan" if accept else "rejected"
        return Verdict(decide(incomplete=not accept), (
            f"byok-ci: the scan for leaked keys did not finish within its time budget of {timeout:g}s; "
            f"push {what} (policy: on timeout {on_timeout}).",
            f"byok-ci: see {DOCS}",
        ), None, True)
    assert report is not None
    return Verdict(exit_code(report), tuple(rejection(report, settings.inline_allow)), report)


def rejection(report: Report, inline_allow: bool = True) -> list[str]:
    """The lines a pusher sees: each key's file, line, rule and redacted form, what to do
    (and, when the scan did not honour them, that allow markers do not help)."""
    blocking = [e for e in report.errors if e.blocking]
    found = [f for f in report.sorted_findings() if f.severity == "error"]
    if not found and not blocking:
        return []
    lines = []
    if found:
        noun = "key" if len(found) == 1 else "keys"
        lines.append(f"byok-ci: push rejected: {len(found)} leaked {noun} in the pushed commits")
        for f in found[:SHOWN]:
            where = f" (commit {f.commit[:12]})" if f.commit else ""
            lines.append(f"byok-ci:   {f.path}:{f.line}: {f.rule_id} {f.redacted}{where}")
        if len(found) > SHOWN:
            lines.append(f"byok-ci:   ... and {len(found) - SHOWN} more")
        lines.append("byok-ci: remove the key from those commits (git commit --amend, or git rebase -i for older "
                     "ones), revoke it at its provider, then push again.")
        if not inline_allow:
            lines.append("byok-ci: 'byok-ci: allow' markers in pushed files are not honoured here; the server's "
                         "administrators allow a false positive by its fingerprint (allow_fingerprints).")
        if any(f.found_in == "ref" for f in found):
            lines.append("byok-ci: a branch or tag name holds a key: push it under another name.")
        if any(f.found_in in ("author", "committer", "tagger") for f in found):
            lines.append("byok-ci: a commit's author or committer, or a tag's tagger, holds a key: set user.name and "
                         "user.email, then make those commits (git commit --amend --reset-author, git rebase -i) "
                         "or tags again.")
    if blocking:
        lines.append("byok-ci: push rejected: the pushed commits could not be scanned completely:")
        lines += [f"byok-ci:   {e.one_line()}" for e in blocking[:SHOWN]]
    lines.append(f"byok-ci: see {DOCS}")
    return lines


# ---------------------------------------------------------------- the time budget

def _scan_with_budget(target: GitTarget, settings: Settings, timeout: float,
                      cwd: str | None) -> tuple[Report | None, bool]:
    """The scan's report, run in a child process killed (with its git processes) after
    ``timeout`` seconds: (None, True) then."""
    if "fork" not in multiprocessing.get_all_start_methods():  # no fork (Windows): no budget
        return scan_git(target, settings=settings, cwd=cwd), False
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, target, settings, cwd), daemon=True)
    child.start()
    send.close()
    deadline = time.monotonic() + timeout
    try:
        if receive.poll(max(deadline - time.monotonic(), 0)):
            try:
                wire = receive.recv()
            except EOFError:
                # The child died (killed, out of memory): the push is rejected as not scanned.
                wire = {"command": "scan", "errors": [ScanError("git", "the scan stopped without a result")]}
            child.join()
            if isinstance(wire, BaseException):
                raise wire
            return Report(**wire), False
        return None, True
    finally:
        if child.is_alive():
            try:
                # The child and the git processes it started (no such group before its setsid).
                os.killpg(child.pid, signal.SIGKILL)  # type: ignore[arg-type]  # started: has a pid
            except OSError:
                child.kill()
            child.join()
        receive.close()


def _child(send: Any, target: GitTarget, settings: Settings, cwd: str | None) -> None:
    os.setsid()  # a process group of its own, so a timeout kills its git processes too
    try:
        report = scan_git(target, settings=settings, cwd=cwd)
        # Report.rules is a read-only mapping proxy, which does not pickle: send the fields.
        wire: Any = {f.name: getattr(report, f.name) for f in fields(report)}
        wire["rules"] = dict(report.rules)
    except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
        wire = RuntimeError(f"{type(exc).__name__}: {exc}")
    send.send(wire)
    send.close()
