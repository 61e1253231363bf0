"""``reportgen check`` on many files: each file read and checked in a worker process, results in input order.

A county checking the folder of its townships' inputs before a bulk run has hundreds or thousands of files;
reading and checking them is independent work, so it runs on every core like :func:`reportgen.bulk`
(:func:`reportgen.pipelines.parallel.bounded_map` on a restartable pool).  Workers send back small records — the
organ, the findings, or why the file could not be read — never the report.  A file that kills its worker, or
exceeds a worker's memory or time budget, is that file's reading error (``WORKER-DIED``, ``WORKER-MEMORY``,
``WORKER-TIMEOUT``); the files it shared a chunk with are checked again, the others go on.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Sequence

import attrs

from reportgen.domain.errors import ReportgenError
from reportgen.domain.findings import Finding, Location
from reportgen.domain.model import Report
from reportgen.pipelines.generate import read_and_check
from reportgen.pipelines.parallel import (
    as_budget_error,
    bounded_map,
    default_jobs,
    restartable_pool,
    task_progress,
)

__all__ = ["PARALLEL_FROM", "FileCheck", "check_files"]

PARALLEL_FROM = 8
"""Fewer files than this are checked in this process (starting workers would cost more than it saves)."""


@attrs.frozen
class FileCheck:
    """What checking one file found: its organ and findings, or why it could not be read."""

    file: str
    organ: str | None
    findings: tuple[Finding, ...]
    """The check findings; for an unreadable file, the reading problems (located in the file)."""
    error: tuple[str, str] | None = None
    """``(code, message)`` when the file could not be read."""
    error_location: Location | None = None
    """Where the reading error is (with :attr:`error`: the CLI prints it in its shared error layout)."""
    previous: int | None = None
    """The index in ``previous`` of last year's report matched to this file, if one was."""
    carried_over: bool = False
    """Whether 上年结转 was filled from that report (the input left it out)."""

    def reading_error(self) -> ReportgenError | None:
        """:attr:`error` as an error again (code, message, location; its findings are :attr:`findings`)."""
        if self.error is None:
            return None
        return ReportgenError(self.error[1], code=self.error[0], location=self.error_location, findings=self.findings)


def check_one(path: str | os.PathLike[str], previous: Sequence[Report] = ()) -> FileCheck:
    """Read and check one file (as ``reportgen check`` does: 上年结转 carried over from ``previous``)."""
    name = os.fspath(path)
    try:
        checked = read_and_check(path, previous=previous)
    except MemoryError as exc:
        return _failed(name, as_budget_error(exc))
    except ReportgenError as exc:
        return _failed(name, exc)
    # By identity: in a worker, ``previous`` is that process's copy, and the main process knows it by index.
    used = next((i for i, p in enumerate(previous) if p is checked.previous), None)
    return FileCheck(name, checked.report.organ.name, checked.findings, previous=used,
                     carried_over=checked.carried_over)


def _failed(name: str, exc: BaseException) -> FileCheck:
    """The record of a file that could not be read (or whose worker ran out of its budget on it)."""
    if not isinstance(exc, ReportgenError):  # a bug, or a lost pool without restart: still this file's error
        exc = ReportgenError.single("RG-ERROR", f"内部错误：{type(exc).__name__}: {exc}")
    return FileCheck(name, None, tuple(f.with_context(file=name) for f in exc.findings), (exc.code, exc.message),
                     exc.location)


_Chunk = tuple[int, tuple[str, ...]]
"""``(index of the first file, the files)``: one task of the pool."""


def _chunk(chunk: _Chunk, previous: Sequence[Report]) -> list[FileCheck]:
    out: list[FileCheck] = []
    for i, path in enumerate(chunk[1]):
        task_progress(i)  # each file has the whole time budget
        out.append(check_one(path, previous))
    return out


def _pieces(chunk: _Chunk) -> tuple[_Chunk, ...]:
    return tuple((chunk[0] + i, (path,)) for i, path in enumerate(chunk[1]))


def check_files(paths: Sequence[str | os.PathLike[str]], previous: Sequence[Report] = (), *,
                jobs: int | None = None) -> Iterator[FileCheck]:
    """:func:`check_one` for every path, in input order; on ``jobs`` worker processes (default: every core)
    when there are at least :data:`PARALLEL_FROM` files."""
    n_jobs = jobs or default_jobs()
    names = [os.fspath(p) for p in paths]
    if n_jobs == 1 or len(names) < PARALLEL_FROM:
        for name in names:
            yield check_one(name, previous)
        return
    size = max(1, min(32, len(names) // (4 * n_jobs)))
    chunks = ((i, tuple(names[i:i + size])) for i in range(0, len(names), size))
    finished: dict[int, list[FileCheck]] = {}  # by index of the first file; yielded in input order
    next_index = 0
    with restartable_pool(n_jobs) as (pool, restart):
        for done in bounded_map(functools.partial(_chunk, previous=tuple(previous)), chunks, pool,
                                max_in_flight=2 * n_jobs, restart=restart, split=_pieces):
            start, files = done.item
            finished[start] = (done.result if done.result is not None
                               else [_failed(name, done.error or RuntimeError("no result")) for name in files])
            while next_index in finished:
                results = finished.pop(next_index)
                next_index += len(results)
                yield from results
