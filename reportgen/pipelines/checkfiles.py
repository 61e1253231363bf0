"""``reportgen check`` on many files: each file read and checked in a worker process, results in input order.

A county checking the folder of its townships' inputs before a bulk run has hundreds or thousands of files;
reading and checking them is independent work, so it runs on every core like :func:`reportgen.bulk`
(:func:`reportgen.pipelines.parallel.process_pool`).  Workers send back small records — the organ, the
findings, or why the file could not be read — never the report.
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
from reportgen.pipelines.parallel import default_jobs, process_pool

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
    except ReportgenError as exc:
        return FileCheck(name, None, tuple(f.with_context(file=name) for f in exc.findings), (exc.code, exc.message),
                         exc.location)
    # By identity: in a worker, ``previous`` is that process's copy, and the main process knows it by index.
    used = next((i for i, p in enumerate(previous) if p is checked.previous), None)
    return FileCheck(name, checked.report.organ.name, checked.findings, previous=used,
                     carried_over=checked.carried_over)


def _chunk(paths: Sequence[str], previous: Sequence[Report]) -> list[FileCheck]:
    return [check_one(p, previous) for p in paths]


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
    chunks = [names[i:i + size] for i in range(0, len(names), size)]
    with process_pool(n_jobs) as pool:
        for results in pool.map(functools.partial(_chunk, previous=tuple(previous)), chunks):
            yield from results
