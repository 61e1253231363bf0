"""Map a function over many items on an executor with a bounded number of tasks in flight.

Used by ``reportgen bulk`` and ``reportgen audit``.  The items are consumed lazily from any
iterable, at most ``max_in_flight`` futures exist at a time, and each outcome is handed back as it
completes, so memory stays flat however many items there are (38,602 townships or more).  An
exception raised for one item is returned as that item's outcome; it never stops the others.

Any :class:`concurrent.futures.Executor` works: a :class:`~concurrent.futures.ProcessPoolExecutor`
(:func:`process_pool` makes one using every core), a thread pool, or a dask.distributed cluster
through ``Client.get_executor()``.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Generic, TypeVar

import attrs

__all__ = ["Completed", "InlineExecutor", "bounded_map", "default_jobs", "process_pool"]

T = TypeVar("T")
R = TypeVar("R")


@attrs.frozen
class Completed(Generic[T, R]):
    """The outcome of one item: its result, or the exception the function raised for it."""

    item: T
    result: R | None = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        """Whether the function returned normally."""
        return self.error is None


class InlineExecutor(cf.Executor):
    """Runs each task at submit time in this process (``jobs=1``: no pool, easy to debug)."""

    def submit(self, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> cf.Future[R]:
        future: cf.Future[R] = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


def default_jobs() -> int:
    """The number of worker processes to use by default: every core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _noop() -> None:
    return None


PARENT_POLL_SECONDS = 0.5
"""How often a pool worker checks that the process that started it is still alive."""


def _exit_with_parent(parent: int) -> None:
    """Make this worker exit when ``parent`` dies (a ``kill -9`` of the main process leaves no workers)."""
    if sys.platform.startswith("linux"):
        # The kernel sends SIGKILL to this process the moment its parent thread dies; best effort.
        with contextlib.suppress(Exception):
            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)

    def watch() -> None:
        # Portable fallback (and a guard for the race before prctl): re-parenting changes getppid().
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(PARENT_POLL_SECONDS)

    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=watch, name="reportgen-parent-watch", daemon=True).start()


def _init_worker(parent: int, initializer: Callable[..., object] | None, initargs: tuple[Any, ...]) -> None:
    _exit_with_parent(parent)
    if initializer is not None:
        initializer(*initargs)


@contextlib.contextmanager
def process_pool(
    jobs: int | None = None,
    *,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Iterator[cf.ProcessPoolExecutor]:
    """A process pool of ``jobs`` workers (all cores by default), started before it is returned.

    Starting every worker up front (with ``fork`` on Linux) means the workers are forked before the
    caller starts any threads, e.g. a progress bar's refresh thread.  ``initializer`` runs once per
    worker — the place to prepare templates.

    Workers exit by themselves when the process that made the pool dies, even by ``kill -9``
    (``prctl(PR_SET_PDEATHSIG)`` on Linux, and everywhere a watcher thread that checks the parent
    process id every :data:`PARENT_POLL_SECONDS`).
    """
    n = jobs or default_jobs()
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    ctx = multiprocessing.get_context(method)
    pool = cf.ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_init_worker,
                                  initargs=(os.getpid(), initializer, initargs))
    try:
        # With fork the pool starts all workers at the first submit; wait for them here.
        for future in [pool.submit(_noop) for _ in range(n)]:
            future.result()
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def bounded_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    executor: cf.Executor,
    *,
    max_in_flight: int,
    progress: Callable[[Completed[T, R]], None] | None = None,
    restart: Callable[[], cf.Executor] | None = None,
) -> Iterator[Completed[T, R]]:
    """Run ``fn(item)`` for every item on ``executor``, yielding each :class:`Completed` as it finishes.

    ``items`` is read lazily: a new item is submitted only when fewer than ``max_in_flight`` are
    running, so neither the items nor the results pile up in memory.  Outcomes come in completion
    order, not input order.  ``progress`` (if given) is called in the calling thread for every
    outcome before it is yielded.  Closing the generator early cancels the tasks not yet started.

    ``restart`` (for a process pool): when a worker dies (killed, out of memory) the pool breaks and every
    task in it fails with ``BrokenProcessPool``; ``restart()`` then gives a new executor and each of those
    items is run once more, alone. An item whose second run (alone) breaks a pool too is yielded with that
    error, so one input that kills its worker costs only itself, never the run.
    """
    if max_in_flight < 1:
        raise ValueError("max_in_flight must be at least 1")
    source = iter(items)
    # future → (sequence number, item, generation of the executor it was submitted to)
    running: dict[cf.Future[R], tuple[int, T, int]] = {}
    retried: set[int] = set()
    generation = 0
    counter = 0
    exhausted = False

    def submit(seq: int, item: T) -> None:
        nonlocal executor, generation
        try:
            future = executor.submit(fn, item)
        except BrokenProcessPool:
            if restart is None:
                raise
            executor, generation = restart(), generation + 1
            future = executor.submit(fn, item)
        running[future] = (seq, item, generation)

    # Items lost with a broken pool are run again one at a time, alone, so the one that kills its worker breaks
    # only its own pool the second time and the others it shared a pool with are not blamed.
    suspects: collections.deque[tuple[int, T]] = collections.deque()
    try:
        while True:
            if suspects:
                if not running:
                    submit(*suspects.popleft())
            else:
                while not exhausted and len(running) < max_in_flight:
                    try:
                        item = next(source)
                    except StopIteration:
                        exhausted = True
                        break
                    submit(counter, item)
                    counter += 1
            if not running:
                if suspects:
                    continue
                return
            done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for future in done:
                seq, item, born = running.pop(future)
                try:
                    outcome: Completed[T, R] = Completed(item, result=future.result())
                except BrokenProcessPool as exc:
                    if restart is not None and seq not in retried:
                        retried.add(seq)
                        if born == generation:  # the first of its pool's losses: replace the pool once
                            executor, generation = restart(), generation + 1
                        suspects.append((seq, item))
                        continue
                    outcome = Completed(item, error=exc)
                except BaseException as exc:
                    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                        raise
                    outcome = Completed(item, error=exc)
                if progress is not None:
                    progress(outcome)
                yield outcome
    finally:
        for future in running:
            future.cancel()
