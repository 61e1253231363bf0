"""Map a function over many items on an executor with a bounded number of tasks in flight.

Used by ``reportgen bulk``, ``reportgen audit`` and ``reportgen check -j``.  The items are consumed lazily
from any iterable, at most ``max_in_flight`` futures exist at a time, and each outcome is handed back as
it completes, so memory stays flat however many items there are (38,602 townships or more).  An exception
raised for one item is returned as that item's outcome; it never stops the others.

Any :class:`concurrent.futures.Executor` works: a :class:`~concurrent.futures.ProcessPoolExecutor`, a
thread pool, or a dask.distributed cluster through ``Client.get_executor()``.  The pools made by
:func:`process_pool` (a :class:`WorkerPool`) also hold every worker to a :class:`WorkerBudget`:

* memory — each worker's private writable memory is limited (``RLIMIT_DATA``: heap and anonymous maps) to
  what it starts with plus :data:`~reportgen.domain.limits.MAX_WORKER_MEMORY_MB`; an input that needs more
  fails with ``WORKER-MEMORY`` (the ``MemoryError`` unwinds, the worker goes on with the next input).
  ``RLIMIT_AS`` (address space) is not used: it also counts mere reservations — glibc reserves 64 MB of
  address space for each thread's malloc arena, so the thread that talks to LibreOffice costs a worker 93 MB
  of address space but 16 MB of data;
* time — a worker reports when it starts each input (:func:`task_progress` for each item of a chunk);
  one that is still busy with an input after :data:`~reportgen.domain.limits.MAX_TASK_SECONDS` is killed
  with everything it started (LibreOffice), its pool replaced, the input fails with ``WORKER-TIMEOUT``
  and the inputs lost with the pool are run again.

A pool's workers keep their temporary files (LibreOffice profiles, documents being converted) in one folder of
the pool's own, ``reportgen-pool-<pid>-…`` in the temporary folder: a worker killed by the kernel or by its
time budget cannot clean up after itself, so the process that made the pool removes that folder when the pool
is shut down (and a later pool removes the folder of a process that was itself killed).
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import contextlib
import ctypes
import gc
import math
import multiprocessing
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Generic, TypeVar

import attrs

from reportgen.domain.codes import WORKER_BUDGET, WORKER_DIED, WORKER_MEMORY, WORKER_TIMEOUT
from reportgen.domain.errors import ReportgenError
from reportgen.domain.limits import MAX_TASK_SECONDS, MAX_WORKER_MEMORY_MB, TASK_SECONDS_ENV, WORKER_MEMORY_ENV
from reportgen.formats.office.sessions import watch_sessions

try:
    import resource
except ImportError:  # pragma: no cover - Windows: no memory budget
    resource = None  # type: ignore[assignment]

__all__ = [
    "STALE_SCRATCH_SECONDS",
    "Completed",
    "InlineExecutor",
    "WorkerBudget",
    "WorkerBudgetError",
    "WorkerDiedError",
    "WorkerPool",
    "as_budget_error",
    "bounded_map",
    "default_jobs",
    "extend_deadline",
    "memory_unlimited",
    "process_pool",
    "restartable_pool",
    "task_progress",
]

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


# --------------------------------------------------------------------------------------------
# Budgets and their errors


class WorkerBudgetError(ReportgenError):
    """One input exceeded its worker's memory (``WORKER-MEMORY``) or time (``WORKER-TIMEOUT``) budget, or a
    budget setting is invalid (``WORKER-BUDGET``). The caller locates it (file, township)."""

    code = WORKER_TIMEOUT.code


class WorkerDiedError(WorkerBudgetError, BrokenProcessPool):
    """The worker died on this input twice, the second time alone (``WORKER-DIED``); still a
    :class:`~concurrent.futures.process.BrokenProcessPool` for callers that test for one."""

    code = WORKER_DIED.code


@attrs.frozen
class WorkerBudget:
    """What each worker of a :class:`WorkerPool` may use: ``memory_mb`` of data (RLIMIT_DATA) beyond what it starts
    with, ``task_seconds`` per input (0: no limit)."""

    memory_mb: int = attrs.field(default=MAX_WORKER_MEMORY_MB, validator=attrs.validators.ge(0))
    task_seconds: float = attrs.field(default=MAX_TASK_SECONDS, validator=attrs.validators.ge(0))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WorkerBudget:
        """The budget set by :data:`~reportgen.domain.limits.WORKER_MEMORY_ENV` and
        :data:`~reportgen.domain.limits.TASK_SECONDS_ENV`, else the defaults; raises ``WORKER-BUDGET``."""
        env = os.environ if environ is None else environ
        memory, seconds = MAX_WORKER_MEMORY_MB, MAX_TASK_SECONDS
        if (raw := env.get(WORKER_MEMORY_ENV, "").strip()):
            try:
                memory = int(raw)
            except ValueError:
                memory = -1
            if memory < 0:
                raise _setting_error(WORKER_MEMORY_ENV, raw, "不小于 0 的整数（MB）")
        if (raw := env.get(TASK_SECONDS_ENV, "").strip()):
            try:
                seconds = float(raw)
            except ValueError:
                seconds = -1
            if not math.isfinite(seconds) or seconds < 0:
                raise _setting_error(TASK_SECONDS_ENV, raw, "不小于 0 的秒数")
        return cls(memory_mb=memory, task_seconds=seconds)


def _setting_error(name: str, value: str, expected: str) -> WorkerBudgetError:
    error = WorkerBudgetError.single(WORKER_BUDGET.code, WORKER_BUDGET.message(name=name, value=value,
                                                                              expected=expected))
    error.exit_code = 2  # like a usage error: nothing was run
    return error


def _memory_error(limit_mb: int | None) -> WorkerBudgetError:
    limit = f"（超出工作进程的内存上限 {limit_mb} MB）" if limit_mb else ""
    return WorkerBudgetError.single(WORKER_MEMORY.code, WORKER_MEMORY.message(limit=limit))


def _timeout_error(seconds: float) -> WorkerBudgetError:
    return WorkerBudgetError.single(WORKER_TIMEOUT.code, WORKER_TIMEOUT.message(seconds=f"{seconds:g}"))


def _died_error() -> WorkerDiedError:
    return WorkerDiedError.single(WORKER_DIED.code, WORKER_DIED.message())


def as_budget_error(exc: BaseException) -> BaseException:
    """``exc``, or for a ``MemoryError`` the ``WORKER-MEMORY`` error that names this worker's limit (for the
    code of a task that catches every exception itself, as a bulk worker does per township)."""
    if isinstance(exc, MemoryError):
        gc.collect()  # the failed input's objects are unreachable now; give their memory back before the next
        return _memory_error(_WORKER.budget.memory_mb if _WORKER.budget is not None else None)
    return exc


# --------------------------------------------------------------------------------------------
# The worker side


PARENT_POLL_SECONDS = 0.5
"""How often a pool worker checks that the process that started it is still alive."""

POOL_MARK = "REPORTGEN_POOL"
"""The environment variable a pool's workers set to the pool's folder; every process they start inherits it."""


_SESSIONS = 4
"""Sessions (LibreOffice, its bridge) a worker can have open at once and tell its pool about."""
_SESSION_FIELDS = 5
"""Where a slot's ``(pid, start time)`` pairs of sessions begin (after version, pid, task, part, deadline)."""
_SLOT_FIELDS = _SESSION_FIELDS + 2 * _SESSIONS
"""Per worker in :attr:`WorkerPool` slots: version (odd while being written), pid, task, part, deadline (ns), then
``(pid, start time)`` of each session it has open (0: none)."""


@attrs.define
class _WorkerState:
    """This process's place in its pool (set by the pool's initializer; empty in the main process)."""

    budget: WorkerBudget | None = None
    slots: Any = None
    slot: int = -1
    task: int = -1
    part: int = -1
    limit: int | None = None
    """The soft ``RLIMIT_DATA`` set for the budget, in bytes."""


_WORKER = _WorkerState()


def _noop() -> None:
    return None


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


def _data_size() -> int:
    """This process's private writable memory (``VmData``) in bytes (0 where /proc is missing)."""
    with contextlib.suppress(OSError, ValueError, IndexError), open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


def _limit_memory(memory_mb: int) -> None:
    """Limit this process's data to what it has now plus ``memory_mb`` (never above a stricter limit)."""
    if not memory_mb or resource is None:
        return
    with contextlib.suppress(ValueError, OSError):  # a platform without RLIMIT_DATA: no memory budget
        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        limit = _data_size() + memory_mb * 1024 * 1024
        for cap in (soft, hard):
            if cap != resource.RLIM_INFINITY:
                limit = min(limit, cap)
        # Only the soft limit: memory_unlimited() can lift it again for LibreOffice.
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
        _WORKER.limit = limit


@contextlib.contextmanager
def memory_unlimited() -> Iterator[None]:
    """Lift this worker's memory budget while the block runs: processes started in it (LibreOffice, poppler) do
    not inherit it. For blocks that mostly wait for such a process; a no-op outside a budgeted worker."""
    if _WORKER.limit is None or resource is None:
        yield
        return
    hard = resource.getrlimit(resource.RLIMIT_DATA)[1]
    resource.setrlimit(resource.RLIMIT_DATA, (hard, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (_WORKER.limit, hard))


def _write_slot(task: int, part: int, deadline_ns: int) -> None:
    _write_fields(2, (task, part, deadline_ns))


def _write_fields(offset: int, values: tuple[int, ...]) -> None:
    slots, base = _WORKER.slots, _WORKER.slot * _SLOT_FIELDS
    version = slots[base]
    slots[base] = version + 1  # odd: the reader retries (a seqlock; a lock could die with a killed worker)
    for i, value in enumerate(values):
        slots[base + offset + i] = value
    slots[base] = version + 2


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (state, ppid, …; ``None``: no such process or no
    /proc).  The name is in parentheses and may hold spaces and parentheses itself: cut at the last ``)``."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as fh:
            stat = fh.read()
        fields = stat[stat.rindex(")") + 2:].split()
    except (OSError, ValueError):
        return None
    return fields if len(fields) > 19 else None


def _start_time(pid: int) -> int:
    """When ``pid`` started (clock ticks since boot, from /proc; 0 where unknown): tells a pid from its reuse."""
    fields = _proc_stat(pid)
    return int(fields[19]) if fields is not None else 0


def _note_session(pid: int, started: bool) -> None:
    """In a pool worker: record (or forget) a session it started, in its slot, for :meth:`WorkerPool.kill`."""
    if _WORKER.slot < 0:
        return
    base = _WORKER.slot * _SLOT_FIELDS
    for i in range(_SESSIONS):
        offset = _SESSION_FIELDS + 2 * i
        held = _WORKER.slots[base + offset]
        if started and not held:
            _write_fields(offset, (pid, _start_time(pid)))
            return
        if not started and held == pid:
            _write_fields(offset, (0, 0))
            return


def task_progress(part: int | None = None) -> None:
    """In a budgeted worker: the current task starts its item ``part`` now (a chunk's function calls it for each
    item, so that every item has the whole time budget and the one that runs out is known); elsewhere nothing."""
    state = _WORKER
    state.part = -1 if part is None else part
    if state.slot < 0 or state.task < 0 or state.budget is None or not state.budget.task_seconds:
        return
    _write_slot(state.task, state.part, time.monotonic_ns() + int(state.budget.task_seconds * 1e9))


def extend_deadline(seconds: float) -> None:
    """In a budgeted worker: give the current item at least ``seconds`` more from now — for work bounded by its own,
    longer timeouts (LibreOffice's start and conversion timeouts and retries), which the budget must not cut short."""
    state = _WORKER
    if state.slot < 0 or state.task < 0 or state.budget is None or not state.budget.task_seconds:
        return
    current = state.slots[state.slot * _SLOT_FIELDS + 4]
    _write_slot(state.task, state.part, max(current, time.monotonic_ns() + int(seconds * 1e9)))


def _init_worker(parent: int, budget: WorkerBudget, slots: Any, counter: Any, scratch: str,
                 initializer: Callable[..., object] | None, initargs: tuple[Any, ...]) -> None:
    _exit_with_parent(parent)
    # This process's temporary files, and those of what it starts (LibreOffice, pdftoppm: TMPDIR), go into the
    # pool's folder, which the pool's maker removes even when this worker is killed.
    tempfile.tempdir = scratch
    os.environ["TMPDIR"] = scratch
    # Inherited by all it starts: the pool finds them by it even if this worker is killed before it could record
    # a session it had just started (between Popen returning and the slot being written).
    os.environ[POOL_MARK] = scratch
    _WORKER.budget, _WORKER.slots = budget, slots
    with counter.get_lock():
        slot, counter.value = counter.value, counter.value + 1
    if slot < len(slots) // _SLOT_FIELDS:
        _WORKER.slot = slot
        slots[slot * _SLOT_FIELDS + 1] = os.getpid()
        watch_sessions(_note_session)
    if initializer is not None:
        initializer(*initargs)
    # Last, so that what the initializer prepares (templates) is part of the worker's starting size.
    _limit_memory(budget.memory_mb)


def _run_task(fn: Callable[[T], R], task: int, item: T) -> R:
    """Run ``fn(item)`` as task ``task`` of a :class:`WorkerPool` (in the worker): its deadline armed, a
    ``MemoryError`` turned into ``WORKER-MEMORY``."""
    _WORKER.task = task
    task_progress()
    try:
        return fn(item)
    except MemoryError as exc:
        raise as_budget_error(exc) from None
    finally:
        if _WORKER.slot >= 0:
            _write_slot(-1, -1, 0)
        _WORKER.task = _WORKER.part = -1


# --------------------------------------------------------------------------------------------
# The pool


def _descendants(*pids: int) -> list[int]:
    """Every process below ``pids`` (from /proc; empty where it is missing)."""
    children: dict[int, list[int]] = {}
    with contextlib.suppress(OSError):
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            fields = _proc_stat(int(name))
            if fields is not None:
                children.setdefault(int(fields[1]), []).append(int(name))
    out: list[int] = []
    todo = list(pids)
    while todo:
        for child in children.get(todo.pop(), ()):
            out.append(child)
            todo.append(child)
    return out


def _marked(mark: str) -> list[int]:
    """Every process (of this user, from /proc; empty where it is missing) whose environment says ``POOL_MARK=mark``.

    /proc/<pid>/environ is the environment a process was started (exec'd) with, so the workers themselves, forked
    before they set it, do not carry it; only what they started does."""
    wanted = f"{POOL_MARK}={mark}".encode()
    me = os.getpid()
    out: list[int] = []
    with contextlib.suppress(OSError):
        for name in os.listdir("/proc"):
            if not name.isdigit() or int(name) == me:
                continue
            try:
                with open(f"/proc/{name}/environ", "rb") as fh:
                    env = fh.read()
            except OSError:  # gone, or another user's
                continue
            if wanted in env.split(b"\0"):
                out.append(int(name))
    return out


def _kill_marked(mark: str) -> None:
    """SIGKILL every process carrying ``mark`` and the process group of each that leads one (soffice.bin)."""
    for pid in _marked(mark):
        _kill_with_group(pid)


def _kill_with_group(pid: int) -> None:
    """SIGKILL ``pid``, and first its group when it leads one (soffice's launcher and soffice.bin)."""
    with contextlib.suppress(OSError):
        if os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)
        os.kill(pid, signal.SIGKILL)


def _parent_of(pid: int) -> int | None:
    """The parent of ``pid`` (from /proc), ``-1`` when there is no such process, ``None`` where /proc is missing."""
    if not os.path.isdir("/proc/self"):
        return None
    fields = _proc_stat(pid)
    return int(fields[1]) if fields is not None else -1


def _kill_session(pid: int, start: int) -> None:
    """SIGKILL the session (process group) ``pid`` leads, unless ``pid`` has since been reused by another process.

    A pid is not reused while a process group of that number exists, so a leader that has exited (soffice.bin
    still running in its group) can still be told apart: no /proc entry, but a group to signal."""
    now = _start_time(pid)
    if now and now != start:
        return
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)


def _kill_trees(pids: Iterable[int], sessions: Iterable[tuple[int, int]] = (), mark: str | None = None) -> None:
    """SIGKILL ``pids`` and everything they started, including processes in their own session (LibreOffice):
    ``sessions`` (pid, start time) the workers said they have open, every descendant still below them, and every
    process carrying the pool's ``mark`` (those of a worker killed before it could say so: orphans by then)."""
    pids = list(pids)
    # All frozen first: none can start another LibreOffice while the others die, and none is killed (by the
    # pool's own clean-up of a broken pool, SIGTERM) before its descendants have been found.
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGSTOP)
    for pid, start in sessions:
        _kill_session(pid, start)
    for child in _descendants(*pids):
        _kill_with_group(child)
    if mark is not None:
        _kill_marked(mark)
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


class WorkerPool(cf.ProcessPoolExecutor):
    """A process pool whose workers are held to a :class:`WorkerBudget` (made by :func:`process_pool`)."""

    def __init__(self, max_workers: int, mp_context: Any, budget: WorkerBudget,
                 initializer: Callable[..., object] | None, initargs: tuple[Any, ...]) -> None:
        self.budget = budget
        self._slots: Any = mp_context.RawArray("q", max_workers * _SLOT_FIELDS)
        counter = mp_context.Value("i", 0)
        _remove_stale_scratch()
        self.scratch = tempfile.mkdtemp(prefix=f"{_SCRATCH_PREFIX}{os.getpid()}-")
        """The workers' temporary folder (removed by :meth:`shutdown`)."""
        super().__init__(max_workers=max_workers, mp_context=mp_context, initializer=_init_worker,
                         initargs=(os.getpid(), budget, self._slots, counter, self.scratch, initializer, initargs))

    def _read_slots(self) -> Iterator[tuple[int, int, int, int]]:
        """``(pid, task, part, deadline ns)`` of every worker that has started."""
        slots = self._slots
        for base in range(0, len(slots), _SLOT_FIELDS):
            for _ in range(100):
                version = slots[base]
                if version % 2:
                    continue
                pid, task, part, deadline = (slots[base + i] for i in range(1, _SESSION_FIELDS))
                if slots[base] == version:
                    if pid:
                        yield pid, task, part, deadline
                    break

    def overdue(self) -> list[tuple[int, int | None]]:
        """``(task, part)`` of every task whose current item has run past its deadline."""
        now = time.monotonic_ns()
        return [(task, None if part < 0 else part) for _, task, part, deadline in self._read_slots()
                if deadline and task >= 0 and deadline < now]

    def sessions(self) -> list[tuple[int, int]]:
        """``(pid, start time)`` of every session (LibreOffice) the workers have said they have open."""
        slots = self._slots
        out: list[tuple[int, int]] = []
        for base in range(0, len(slots), _SLOT_FIELDS):
            fields = list(slots[base:base + _SLOT_FIELDS])  # a torn read at worst misses one just started
            out += [(fields[i], fields[i + 1]) for i in range(_SESSION_FIELDS, _SLOT_FIELDS, 2) if fields[i]]
        return out

    def kill(self) -> None:
        """Kill every worker (and what it started); the pool breaks and its tasks fail with BrokenProcessPool.

        Also for a pool that broke by itself (a worker killed by the kernel): the other workers, and the
        LibreOffice sessions of the dead one, would otherwise outlive it."""
        pids = {pid for pid, *_ in self._read_slots()} | set(getattr(self, "_processes", None) or ())
        me = os.getpid()
        # Only our own children: a worker that already died and was reaped may have left its pid to another process.
        _kill_trees(sorted(pid for pid in pids if _parent_of(pid) in (me, None)), self.sessions(), self.scratch)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Shut the pool down; then end any session a worker left open (one that exited without closing)."""
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
        if wait:
            for pid, start in self.sessions():
                _kill_session(pid, start)
            _kill_marked(self.scratch)  # a session a killed worker had no time to record
            # What a killed worker (or its LibreOffice) left: no process of the pool can be using it now.
            shutil.rmtree(self.scratch, ignore_errors=True)


_SCRATCH_PREFIX = "reportgen-pool-"
_SCRATCH_NAME = re.compile(re.escape(_SCRATCH_PREFIX) + r"([0-9]+)-")
STALE_SCRATCH_SECONDS = 3600.0
"""A pool folder whose maker is gone is removed once unchanged this long (its pid may live on in another
container sharing the temporary folder: the age keeps a live folder from being taken)."""


def _remove_stale_scratch() -> None:
    """Remove the pool folders of processes that were killed before they could (``kill -9``, the OOM killer)."""
    now = time.time()
    uid = os.getuid() if hasattr(os, "getuid") else None
    with contextlib.suppress(OSError), os.scandir(tempfile.gettempdir()) as entries:
        for entry in entries:
            m = _SCRATCH_NAME.match(entry.name)
            if m is None or int(m.group(1)) == os.getpid():
                continue
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                if (not entry.is_dir(follow_symlinks=False) or (uid is not None and info.st_uid != uid)
                        or now - info.st_mtime < STALE_SCRATCH_SECONDS or _alive(int(m.group(1)))):
                    continue
                shutil.rmtree(entry.path, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs; where that cannot be asked safely, yes (on Windows ``os.kill`` ends the process)."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process
    return True


@contextlib.contextmanager
def process_pool(
    jobs: int | None = None,
    *,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
    budget: WorkerBudget | None = None,
) -> Iterator[WorkerPool]:
    """A process pool of ``jobs`` workers (all cores by default), started before it is returned.

    Starting every worker up front (with ``fork`` on Linux) means the workers are forked before the
    caller starts any threads, e.g. a progress bar's refresh thread.  ``initializer`` runs once per
    worker — the place to prepare templates.  ``budget`` (default: :meth:`WorkerBudget.from_env`) is what
    each worker may use; :func:`bounded_map` enforces its time part.

    Workers exit by themselves when the process that made the pool dies, even by ``kill -9``
    (``prctl(PR_SET_PDEATHSIG)`` on Linux, and everywhere a watcher thread that checks the parent
    process id every :data:`PARENT_POLL_SECONDS`).
    """
    budget = WorkerBudget.from_env() if budget is None else budget
    n = jobs or default_jobs()
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    ctx = multiprocessing.get_context(method)
    pool = WorkerPool(n, ctx, budget, initializer, initargs)
    try:
        # With fork the pool starts all workers at the first submit; wait for them here.
        for future in [pool.submit(_noop) for _ in range(n)]:
            future.result()
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def restartable_pool(
    jobs: int | None = None,
    *,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Iterator[tuple[WorkerPool, Callable[[], WorkerPool]]]:
    """``(pool, restart)``: a :func:`process_pool` and the ``restart`` for :func:`bounded_map` that makes the
    next one; every pool made is shut down when the block ends."""
    with contextlib.ExitStack() as stack:

        def restart() -> WorkerPool:
            return stack.enter_context(process_pool(jobs, initializer=initializer, initargs=initargs))

        yield restart(), restart


# --------------------------------------------------------------------------------------------
# Mapping

WATCH_SECONDS = 0.5
"""How often :func:`bounded_map` looks for a task past its deadline (at most; a quarter of a small budget)."""


def bounded_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    executor: cf.Executor,
    *,
    max_in_flight: int,
    progress: Callable[[Completed[T, R]], None] | None = None,
    restart: Callable[[], cf.Executor] | None = None,
    split: Callable[[T], Sequence[T]] | None = None,
) -> Iterator[Completed[T, R]]:
    """Run ``fn(item)`` for every item on ``executor``, yielding each :class:`Completed` as it finishes.

    ``items`` is read lazily: a new item is submitted only when fewer than ``max_in_flight`` are
    running, so neither the items nor the results pile up in memory.  Outcomes come in completion
    order, not input order.  ``progress`` (if given) is called in the calling thread for every
    outcome before it is yielded.  Closing the generator early cancels the tasks not yet started.

    ``restart`` (for a process pool): when a worker dies (killed, out of memory) the pool breaks and every
    task in it fails with ``BrokenProcessPool``; ``restart()`` then gives a new executor and each of those
    items is run once more, alone. An item whose second run (alone) breaks a pool too is yielded with a
    :class:`WorkerDiedError` (``WORKER-DIED``), so one input that kills its worker costs only itself.

    ``split`` (for chunks: an item that is a sequence of inputs): the pieces (each an item of one input) an item
    lost with a pool is run again as, so that only the input at fault fails, not its whole chunk.

    On a :class:`WorkerPool` with ``restart`` and a time budget, a task still busy with one input after
    ``budget.task_seconds`` (each item of a chunk re-arms it, :func:`task_progress`) has its pool killed: that
    input (the piece of its chunk) is yielded with ``WORKER-TIMEOUT`` — not run again — and every other task
    lost with the pool is run again on the new pool, in parallel as before (they were not at fault).
    """
    if max_in_flight < 1:
        raise ValueError("max_in_flight must be at least 1")
    source = iter(items)
    # future → (task number, item, generation of the executor it was submitted to)
    running: dict[cf.Future[Any], tuple[int, T, int]] = {}
    retried: set[int] = set()
    # task → (the part that ran out of time, the budget it had), while its pool is being killed
    timed_out: dict[int, tuple[int | None, float]] = {}
    generation = 0
    killed = -1  # the generation whose pool bounded_map killed for a timeout
    counter = 0
    exhausted = False

    def submit(task: int, item: T) -> None:
        nonlocal executor, generation
        for attempt in (0, 1):
            try:
                if isinstance(executor, WorkerPool):
                    future: cf.Future[Any] = executor.submit(_run_task, fn, task, item)
                else:
                    future = executor.submit(fn, item)
                break
            except BrokenProcessPool:
                if restart is None or attempt:
                    raise
                executor, generation = restart(), generation + 1
        running[future] = (task, item, generation)

    def pieces(item: T) -> Sequence[T]:
        return split(item) if split is not None else (item,)

    def new_task() -> int:
        nonlocal counter
        counter += 1
        return counter - 1

    # Items lost with a pool that broke by itself are run again one at a time, alone, so the one that kills its
    # worker breaks only its own pool the second time and the others it shared a pool with are not blamed.
    suspects: collections.deque[tuple[int, T]] = collections.deque()
    # Items lost with a pool killed for another item's timeout: innocent, submitted again as usual.
    again: collections.deque[tuple[int, T]] = collections.deque()
    try:
        while True:
            if suspects:
                if not running:
                    submit(*suspects.popleft())
            else:
                while len(running) < max_in_flight:
                    if again:
                        submit(*again.popleft())
                        continue
                    if exhausted:
                        break
                    try:
                        item = next(source)
                    except StopIteration:
                        exhausted = True
                        break
                    submit(new_task(), item)
            if not running:
                if suspects or again:
                    continue
                return
            pool = executor if isinstance(executor, WorkerPool) and restart is not None else None
            seconds = pool.budget.task_seconds if pool is not None else 0.0
            done, _ = cf.wait(running, timeout=min(WATCH_SECONDS, seconds / 4) if seconds else None,
                              return_when=cf.FIRST_COMPLETED)
            if pool is not None and seconds and killed != generation:
                mine = {task for task, _, born in running.values() if born == generation}
                late = {task: (part, seconds) for task, part in pool.overdue() if task in mine}
                if late:
                    timed_out.update(late)
                    killed = generation
                    pool.kill()
            outcomes: list[Completed[T, R]] = []
            for future in done:
                task, item, born = running.pop(future)
                try:
                    outcomes.append(Completed(item, result=future.result()))
                    timed_out.pop(task, None)  # finished just in time
                except BrokenProcessPool:
                    if restart is None:
                        outcomes.append(Completed(item, error=_died_error()))
                        continue
                    if born == generation:  # the first of its pool's losses: replace the pool once
                        if isinstance(executor, WorkerPool):
                            executor.kill()  # what its dead worker started (LibreOffice) dies with it
                        executor, generation = restart(), generation + 1
                    if task in timed_out:
                        part, budget = timed_out.pop(task)
                        split_up = pieces(item) if part is not None else (item,)
                        late_piece = part if part is not None and part < len(split_up) else 0
                        for i, piece in enumerate(split_up):
                            if i == late_piece:
                                outcomes.append(Completed(piece, error=_timeout_error(budget)))
                            else:
                                again.append((new_task(), piece))
                    elif born == killed:
                        again.append((task, item))
                    elif task in retried:
                        outcomes.append(Completed(item, error=_died_error()))
                    else:
                        for piece in pieces(item):
                            retry = new_task()
                            retried.add(retry)
                            suspects.append((retry, piece))
                except BaseException as exc:
                    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                        raise
                    outcomes.append(Completed(item, error=exc))
            for outcome in outcomes:
                if progress is not None:
                    progress(outcome)
                yield outcome
    finally:
        for future in running:
            future.cancel()
