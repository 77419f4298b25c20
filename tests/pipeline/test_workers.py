"""The forked worker pool a large directory scan shares its files with (byok_ci.pipeline.workers)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import pytest

from byok_ci.pipeline import workers
from byok_ci.pipeline.workers import in_workers, worker_state

pytestmark = pytest.mark.skipif(not workers.can_fork(), reason="workers are forked")


@pytest.fixture(autouse=True)
def deadline() -> Iterator[None]:
    """A pool that waits forever fails the test instead of hanging the suite."""

    def expired(_signum: int, _frame: object) -> None:
        raise TimeoutError("the pool did not finish in 30 s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(30)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _children() -> set[int]:
    """This process's children still present (zombies too), from /proc."""
    me = str(os.getpid())
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == me:
                found.add(int(entry))
    return found


def test_results_come_in_batch_order_with_their_batches_and_the_state() -> None:
    def work(batch: int) -> tuple[int, str, int]:
        time.sleep(0.002 * (batch % 5))  # later batches often finish first
        return batch * batch, worker_state(), os.getpid()

    out = list(in_workers(work, iter(range(40)), 3, "the state"))
    assert [batch for batch, _ in out] == list(range(40))
    assert [result[:2] for _, result in out] == [(n * n, "the state") for n in range(40)]
    assert os.getpid() not in {result[2] for _, result in out}
    assert len({result[2] for _, result in out}) > 1  # shared out, not one worker's


def test_batches_and_results_larger_than_a_pipe_holds_do_not_deadlock() -> None:
    big = [bytes([n]) * (3 << 20) for n in range(6)]
    out = list(in_workers(lambda data: data[::-1] + data, iter(big), 2, None))
    assert [result for _, result in out] == [data + data for data in big]


def test_a_workers_exception_is_raised_in_the_parent_and_every_worker_ends() -> None:
    before = _children()

    def work(batch: int) -> int:
        if batch == 7:
            raise ValueError(f"batch {batch} is bad")
        return batch

    with pytest.raises(ValueError, match="batch 7 is bad"):
        list(in_workers(work, iter(range(20)), 2, None))
    assert _children() == before


def test_a_killed_worker_is_an_error_not_a_hang() -> None:
    before = _children()

    def work(batch: int) -> int:
        if batch == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return batch

    batches = iter(range(10))
    yielded = []
    with pytest.raises(workers.WorkerLost, match="killed by SIGKILL .*before it finished its batch") as lost:
        for batch, _ in in_workers(work, batches, 2, None):
            yielded.append(batch)
    assert _children() == before
    # Every batch is accounted for: yielded, lost, drawn and pending, or still to be drawn.
    assert lost.value.batch == 3
    assert sorted(yielded + [3] + lost.value.pending + list(batches)) == list(range(10))


def test_a_consumer_that_stops_early_leaves_no_worker_behind() -> None:
    before = _children()
    results = in_workers(lambda batch: time.sleep(0.01) or batch, iter(range(100)), 2, None)
    assert [next(results)[1] for _ in range(3)] == [0, 1, 2]
    results.close()
    assert _children() == before


def test_batches_are_drawn_as_workers_need_them() -> None:
    drawn: list[int] = []

    def batches() -> Iterator[int]:
        for n in range(30):
            drawn.append(n)
            yield n

    def work(batch: int) -> int:
        time.sleep(0.2 if batch == 0 else 0)  # the other worker runs ahead
        return batch

    for batch, _ in in_workers(work, batches(), 2, None):
        # Batches wait for an earlier one's result only so far (and one is pickled ahead).
        assert len(drawn) <= batch + 2 * workers.AHEAD + 1


def test_a_stop_signal_that_arrives_while_workers_are_forked_leaves_no_worker_behind(monkeypatch) -> None:
    """Ctrl-C or SIGTERM is held while the workers are forked and raised when the pool
    unblocks it: the workers forked by then are the pool's to stop, not orphans waiting
    on a batch pipe the parent still holds."""
    before = _children()
    fork = os.fork

    def fork_then_interrupted() -> int:
        pid = fork()
        if pid:
            os.kill(os.getpid(), signal.SIGINT)  # blocked now: raised as the pool unblocks it
        return pid

    monkeypatch.setattr(os, "fork", fork_then_interrupted)
    with pytest.raises(KeyboardInterrupt):
        list(in_workers(lambda batch: batch, iter(range(10)), 2, None))
    monkeypatch.undo()
    assert _children() == before


def _tagged(batch: int) -> tuple[int, object]:
    return batch, worker_state()


def test_two_scans_in_two_threads_each_get_their_own_pool_and_state(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The state is a module global the workers inherit at fork, and a pool's workers inherit
    every pipe end open in the parent: two pools at once in one process (the Python API called
    from two threads; the CLI never does) mixed their states, or hung, another pool's worker
    holding a pipe whose batches then never ended. One pool at a time: the second waits."""
    import threading

    forking = workers._fork
    second_set_its_state = threading.Event()
    first = threading.current_thread()

    def slow_first_fork(function, jobs, pool):  # type: ignore[no-untyped-def]
        if threading.current_thread() is first:
            second_set_its_state.wait(timeout=1.0)  # the other thread's scan starts meanwhile
        else:
            second_set_its_state.set()
        forking(function, jobs, pool)

    monkeypatch.setattr(workers, "_fork", slow_first_fork)
    found: dict[str, list[object]] = {}

    def second() -> None:
        found["second"] = [state for _batch, (_, state) in in_workers(_tagged, range(4), 2, "second")]

    other = threading.Thread(target=second)
    results = in_workers(_tagged, range(4), 2, "first")
    other.start()
    found["first"] = [state for _batch, (_, state) in results]
    other.join(timeout=20)
    assert found == {"first": ["first"] * 4, "second": ["second"] * 4}
