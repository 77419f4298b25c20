"""Forked worker processes fed over pipes: what a large directory scan shares its files with.

Each worker is forked (it inherits the compiled rules and the prefilter instead of
unpickling them) with a pipe of its own for batches and one for results. The parent keeps
one batch in every worker's hands and the next one already pickled, so a worker that hands
back a result has its next batch at once, and only the walk, the dispatch and the results
take the parent's CPU. ``multiprocessing`` took more: its import (about 20 ms before the
first fork, on the scan's serial path), a task, a result and a handler thread, and queues
that pickle through them.

A message is an 8-byte length and a pickle. The parent never blocks on a pipe (it writes
what fits and waits with ``poll``), so a worker writing a large result and the parent
writing it a batch cannot wait for each other.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from byok_ci.errors import WorkerLost

T = TypeVar("T")
R = TypeVar("R")

_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_LENGTH = 8
# Batches given out past the first whose result is not in yet, per worker: results come in
# batch order, so a worker slow on a large file keeps the others' results (and their
# batches) waiting; this bounds what waits.
AHEAD = 8
# Set in the parent just before forking, so workers inherit the compiled rules and the
# prefilter instead of unpickling them.
_WORKER_STATE: Any = None
# One pool at a time in a process: the state above is read at fork, and a pool's workers
# would inherit another pool's pipe ends (whose workers then never see their batches end).
# A scan started from a second thread (the Python API) waits for the first's pool.
_ONE_POOL = threading.Lock()


def can_fork() -> bool:
    return hasattr(os, "fork") and hasattr(os, "register_at_fork") and hasattr(select, "poll")


def worker_state() -> Any:
    """What the parent handed :func:`in_workers` (in a worker process)."""
    assert _WORKER_STATE is not None
    return _WORKER_STATE


@dataclass
class _Worker:
    pid: int
    tasks: int  # the parent's end: batches go out
    results: int  # the parent's end: results come in
    out: memoryview = field(default_factory=lambda: memoryview(b""))  # what is still to be written
    received: bytearray = field(default_factory=bytearray)
    batch: int = -1  # the index of the batch in its hands, -1 when idle
    reaped: bool = False  # waited for already: its pid may be another process's now


def in_workers(function: Callable[[T], R], batches: Iterable[T], jobs: int, state: Any) -> Iterator[tuple[T, R]]:
    """``function`` over ``batches`` in ``jobs`` forked processes, results in batch order.
    Workers read ``state`` with :func:`worker_state` (``function`` runs in the worker as
    the parent has it). ``batches`` may be a generator: it is drawn from as workers need
    batches (one ahead, at most :data:`AHEAD` a worker past the first result not in yet),
    and each result comes with its batch. An exception a worker raised is raised here; a
    worker that ends with a batch in its hands (killed, out of memory) is a
    :class:`WorkerLost` naming that batch and those drawn but not yet answered, not a wait
    for ever."""
    with _ONE_POOL:
        yield from _pool(function, batches, jobs, state)


def _pool(function: Callable[[T], R], batches: Iterable[T], jobs: int, state: Any) -> Iterator[tuple[T, R]]:
    global _WORKER_STATE
    _WORKER_STATE = state
    workers: list[_Worker] = []  # filled as they are forked, so every one forked is stopped
    held: dict[int, T] = {}
    done = False
    try:
        _fork(function, jobs, workers)
        yield from _dispatch(workers, iter(batches), held)
        done = True
    except WorkerLost as lost:
        # What the caller may still do without the pool: the lost batch, and every other one
        # drawn and not yet yielded (given out, answered out of order, or pickled ahead).
        lost.batch = held.pop(lost.index)
        lost.pending = [held[index] for index in sorted(held)]
        raise
    finally:
        _WORKER_STATE = None
        _stop(workers, done)


def _fork(function: Callable[[Any], Any], jobs: int, workers: list[_Worker]) -> None:
    """Fork ``jobs`` workers into ``workers``, the caller's list: a stop signal held while
    they are forked is raised as it is unblocked, and the workers forked by then must be in
    the list the caller stops (they would wait for ever on a batch pipe the parent holds)."""
    # Blocked across the fork: a worker sets its own handlers before it takes any signal.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        for _ in range(jobs):
            task_in, task_out = os.pipe()
            result_in, result_out = os.pipe()
            try:
                pid = os.fork()
            except OSError:
                for fd in (task_in, task_out, result_in, result_out):
                    os.close(fd)
                raise
            if pid == 0:  # the worker: never returns
                _worker_main(function, task_in, result_out, [fd for w in workers for fd in (w.tasks, w.results)]
                             + [task_out, result_in])
            workers.append(_Worker(pid, task_out, result_in))
            os.close(task_in)
            os.close(result_out)
            os.set_blocking(task_out, False)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _dispatch(workers: list[_Worker], batches: Iterator[T], held: dict[int, T]) -> Iterator[tuple[T, Any]]:
    """Results of ``batches`` in order; ``held`` (the caller's) has every batch drawn, by
    index, until its result is yielded."""
    results: dict[int, Any] = {}
    ahead: tuple[int, T, bytes] | None = None  # the next batch, pickled while the workers work
    count = next_result = 0
    exhausted = False
    window = AHEAD * len(workers)
    while True:
        if ahead is None and not exhausted and count - next_result < window:
            batch = next(batches, _END)
            if batch is _END:
                exhausted = True
            else:
                ahead = (count, batch, _frame(batch))  # type: ignore[arg-type]
                held[count] = batch
                count += 1
        for worker in workers:
            if ahead is not None and worker.batch < 0:
                index, batch, message = ahead
                worker.batch, worker.out = index, memoryview(message)
                _write_some(worker)
                ahead = None
                break  # the next batch is pickled before another worker takes it
        while next_result in results:
            yield held.pop(next_result), results.pop(next_result)
            next_result += 1
        busy = [w for w in workers if w.batch >= 0]
        if not busy:
            if exhausted and ahead is None:
                return
            continue
        if (ahead is not None or (not exhausted and count - next_result < window)) and len(busy) < len(workers):
            continue  # an idle worker takes the next batch now
        # poll, not select: a process with a thousand files open has descriptors select cannot take.
        poller = select.poll()
        for worker in busy:
            poller.register(worker.results, select.POLLIN)
            if worker.out:
                poller.register(worker.tasks, select.POLLOUT)
        ready = {fd for fd, _event in poller.poll()}  # an error or hang-up shows when read or written
        for worker in busy:
            if worker.tasks in ready:
                _write_some(worker)
            if worker.results in ready:
                result = _receive(worker)
                if result is not None:
                    ok, value = result
                    if not ok:
                        raise value
                    results[worker.batch] = value
                    worker.batch = -1


_END: Any = object()


class Child:
    """``function()`` run in a process forked when this is made, while the caller goes on
    (fork only where no other thread runs: a lock another thread held stays held in the
    child). :meth:`result` waits for what it returned, raising what it raised."""

    def __init__(self, function: Callable[[], Any]) -> None:
        read_end, write_end = os.pipe()
        # Blocked across the fork: the child sets its own handlers before it takes any signal.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            pid = os.fork()
        except OSError:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            os.close(read_end)
            os.close(write_end)
            raise
        if pid == 0:  # the child: never returns
            _child_main(function, write_end, read_end)
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        os.close(write_end)
        self.pid: int | None = pid
        self._results = read_end

    def result(self) -> Any:
        """What ``function`` returned; None if the process ended without an answer (killed)."""
        try:
            with open(self._results, "rb", closefd=False) as source:
                data = source.read()
        finally:
            self.stop()
        size = int.from_bytes(data[:_LENGTH], "big")
        if len(data) < _LENGTH or len(data) < _LENGTH + size:
            return None
        ok, value = pickle.loads(data[_LENGTH:_LENGTH + size])
        if not ok:
            raise value
        return value

    def stop(self) -> None:
        """End the process (if it has not ended) and wait for it."""
        pid, self.pid = self.pid, None
        if pid is None:
            return
        os.close(self._results)
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def _frame(value: object) -> bytes:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(_LENGTH, "big") + data


def _write_some(worker: _Worker) -> None:
    if worker.out:
        try:
            written = os.write(worker.tasks, worker.out)
        except BlockingIOError:
            return
        except BrokenPipeError:
            raise _lost(worker, "took its batch") from None
        worker.out = worker.out[written:]


def _receive(worker: _Worker) -> tuple[bool, Any] | None:
    """The worker's (ok, result or exception) once all of it has come, else None."""
    data = os.read(worker.results, 1 << 20)
    if not data:
        raise _lost(worker, "finished its batch")
    received = worker.received
    received += data
    if len(received) < _LENGTH:
        return None
    size = int.from_bytes(received[:_LENGTH], "big")
    if len(received) < _LENGTH + size:
        return None
    value = pickle.loads(received[_LENGTH:_LENGTH + size])
    del received[:_LENGTH + size]
    return value  # type: ignore[no-any-return]


def _lost(worker: _Worker, before: str) -> WorkerLost:
    how = _ended(worker)
    return WorkerLost(f"a worker process (pid {worker.pid}) {how} before it {before}", worker.batch, how)


def _ended(worker: _Worker) -> str:
    """How a worker whose pipe closed ended (it has exited: only its end closes it)."""
    try:
        _, status = os.waitpid(worker.pid, 0)
    except ChildProcessError:
        return "ended"
    worker.reaped = True
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        name = signal.Signals(number).name if number in signal.Signals._value2member_map_ else f"signal {number}"
        return f"was killed by {name}" + (" (out of memory?)" if number == signal.SIGKILL else "")
    return f"ended with status {os.waitstatus_to_exitcode(status)}"


def _stop(workers: list[_Worker], finished: bool) -> None:
    """Workers end on the end of their batch pipe; stopped early (an error, Ctrl-C, a
    consumer that stopped reading), they are terminated. Each is waited for."""
    for worker in workers:
        os.close(worker.tasks)
        os.close(worker.results)
        if not finished and not worker.reaped:
            try:
                os.kill(worker.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    for worker in workers:
        if worker.reaped:
            continue
        try:
            os.waitpid(worker.pid, 0)
        except ChildProcessError:
            pass


def _worker_main(function: Callable[[Any], Any], tasks: int, results: int, others: list[int]) -> None:
    """A worker's whole life: batches from ``tasks`` until it ends, each result to ``results``."""
    status = 1
    try:
        # Workers leave Ctrl-C to the parent and die quietly when it stops them: they
        # inherit the CLI's SIGTERM-as-KeyboardInterrupt handler, which printed a traceback.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        for fd in others:  # other workers' pipes: their ends must close when the parent closes them
            os.close(fd)
        with open(tasks, "rb") as source, open(results, "wb", buffering=0) as sink:
            while True:
                head = source.read(_LENGTH)
                if len(head) < _LENGTH:
                    break
                batch = pickle.loads(source.read(int.from_bytes(head, "big")))
                try:
                    message = _frame((True, function(batch)))
                except BaseException as exc:  # noqa: BLE001 - raised again in the parent
                    message = _frame_error(exc)
                sink.write(message)
        status = 0
    finally:
        os._exit(status)


def _child_main(function: Callable[[], Any], results: int, other: int) -> None:
    """A :class:`Child`'s whole life: ``function()``, its result (or exception) to ``results``."""
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        os.close(other)
        try:
            message = _frame((True, function()))
        except BaseException as exc:  # noqa: BLE001 - raised again in the parent
            message = _frame_error(exc)
        with open(results, "wb", buffering=0) as sink:
            sink.write(message)
        status = 0
    finally:
        os._exit(status)


def _frame_error(exc: BaseException) -> bytes:
    try:
        return _frame((False, exc))
    except Exception:  # noqa: BLE001 - an exception pickle cannot carry
        return _frame((False, RuntimeError(f"a worker failed: {type(exc).__name__}")))


__all__ = ["Child", "WorkerLost", "can_fork", "in_workers", "worker_state"]
