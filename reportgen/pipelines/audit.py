"""Audit many published or submitted reports at once: every inconsistency, in one workbook.

A county office reviewing dozens of township reports before publishing them runs::

    reportgen audit 乡镇报告/ -o audit.xlsx

Each file (published ``.docx`` read by :func:`reportgen.formats.published.extract.extract`, filled ``.xlsx`` forms,
county workbooks — one entry per township —, YAML/JSON inputs; folders are searched recursively) is
read and checked by
:func:`reportgen.domain.checks.check` in a process pool (:func:`reportgen.pipelines.parallel.bounded_map`, at most a
few files in flight; each worker held to its memory and time budget — a file that exceeds one is listed as
无法读取 with ``WORKER-MEMORY`` / ``WORKER-TIMEOUT``, the others go on).  The workbook, written atomically, has two sheets::

    报告  一行一份报告: 序号 文件 机关 年度 格式 状态(通过/有警告/有错误/无法读取) 错误数 警告数
    问题  一行一条问题: 文件 机关 代码 严重程度 表格 行 列 期望 实际 说明 其他位置

both with an autofilter and a frozen header row — the list a reviewer works through.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import attrs
from openpyxl import Workbook

from reportgen.domain.checks import CHECKS, check
from reportgen.domain.errors import ReportgenError
from reportgen.domain.findings import Finding, Severity, Status, finding_columns
from reportgen.domain.layout import normalize_label
from reportgen.domain.model import Report
from reportgen.domain.naming import MANIFEST_NAME, SUMMARY_NAME
from reportgen.formats._io import atomic_path
from reportgen.formats.excel import county
from reportgen.formats.excel._tables import write_table
from reportgen.formats.published.extract import PUBLISHED_SUFFIXES, read_published
from reportgen.pipelines.generate import read_and_check
from reportgen.pipelines.parallel import (
    Completed,
    InlineExecutor,
    as_budget_error,
    bounded_map,
    default_jobs,
    restartable_pool,
    task_progress,
)

__all__ = [
    "AUDIT_SUFFIXES",
    "STATUS_ERRORS",
    "STATUS_OK",
    "STATUS_UNREADABLE",
    "STATUS_WARNINGS",
    "AuditEntry",
    "AuditResult",
    "audit",
    "audit_file",
    "audit_files",
    "audit_path",
]

AUDIT_SUFFIXES = (*PUBLISHED_SUFFIXES, ".xlsx", ".yaml", ".yml", ".json")
"""The files an audit reads: published reports in every form, forms, inputs; other files are listed as skipped."""

_CROSS_YEAR = frozenset(c.code for c in CHECKS if c.needs_previous)

STATUS_OK = Status.OK
STATUS_WARNINGS = Status.WARNINGS
STATUS_ERRORS = Status.ERRORS
STATUS_UNREADABLE = Status.UNREADABLE


@attrs.frozen(kw_only=True)
class AuditEntry:
    """One audited file: what it is and what was found in it."""

    file: str
    organ: str | None = None
    year: int | None = None
    format_version: str | None = None
    """``2021`` or ``2019``; ``None`` when the file could not be read."""
    readable: bool = True
    findings: tuple[Finding, ...] = ()
    """The checks' findings; for an unreadable file, why it could not be read."""
    partial: bool = False
    """A published report read only in part: what could not be read is among the findings (``EX-…``)."""
    report: Report | None = attrs.field(default=None, eq=False, repr=False)
    """The report read (kept for the cross-year checks between files of one run)."""
    incomplete: frozenset[str] = frozenset()
    """Keys of its tables with figures not read."""

    @property
    def errors(self) -> int:
        """Error findings (for an unreadable file: the reading problems)."""
        return sum(f.is_error for f in self.findings)

    @property
    def warnings(self) -> int:
        """Warning findings."""
        return sum(not f.is_error for f in self.findings)

    @property
    def status(self) -> Status:
        """通过, 有警告, 有错误 or 无法读取."""
        if not self.readable:
            return STATUS_UNREADABLE
        if self.errors:
            return STATUS_ERRORS
        return STATUS_WARNINGS if self.findings else STATUS_OK


@attrs.frozen
class AuditResult:
    """The outcome of :func:`audit`: one entry per file, in the order the files were given."""

    entries: tuple[AuditEntry, ...]
    workbook: Path | None = None
    skipped: tuple[tuple[str, str], ...] = ()
    """``(file, reason)`` of every file found in a folder and not audited (not a report type)."""

    @property
    def findings(self) -> list[Finding]:
        """Every finding of every file, located by file and organ."""
        return [f for e in self.entries for f in e.findings]

    def counts(self) -> dict[str, int]:
        """``{status: number of files}`` for the four statuses."""
        out: dict[str, int] = dict.fromkeys((STATUS_OK, STATUS_WARNINGS, STATUS_ERRORS, STATUS_UNREADABLE), 0)
        for entry in self.entries:
            out[entry.status] += 1
        return out

    @property
    def exit_code(self) -> int:
        """1 when any report has errors or cannot be read, or when there was no report at all, else 0."""
        if not self.entries:
            return 1
        return 1 if any(e.status in (STATUS_ERRORS, STATUS_UNREADABLE) for e in self.entries) else 0


# --------------------------------------------------------------------------------------------
# One file


def _unreadable(file: str, exc: BaseException) -> AuditEntry:
    exc = as_budget_error(exc)  # MemoryError: WORKER-MEMORY
    if isinstance(exc, ReportgenError):
        findings = exc.as_findings()
    else:  # a bug, not the file's fault; still reported per file so the others go on
        findings = (Finding(code="AUDIT-INTERNAL", severity=Severity.ERROR,
                            message=f"读取时发生内部错误：{type(exc).__name__}: {exc}"),)
    return AuditEntry(file=file, readable=False, findings=tuple(f.with_context(file=file) for f in findings))


def audit_file(path: str | os.PathLike[str]) -> AuditEntry:
    """Read and check one report file; never raises for a problem of the file (it becomes an unreadable entry)."""
    file = os.fspath(path)
    if Path(file).suffix.lower() in PUBLISHED_SUFFIXES:
        return _published(file)
    try:
        return _checked(file, file)
    except ReportgenError as exc:
        return _unreadable(file, exc)


def _published(file: str) -> AuditEntry:
    """A published report, read as far as it can be: figures not read are findings, never identity errors."""
    try:
        reading = read_published(file)
    except ReportgenError as exc:
        return _unreadable(file, exc)
    report = reading.report
    read_findings = tuple(f.with_context(file=file) for f in reading.findings)
    if report is None:
        return AuditEntry(file=file, readable=False, partial=True, findings=read_findings)
    organ = report.organ.name
    checked = check(report, incomplete=reading.incomplete_tables)
    return AuditEntry(
        file=file,
        organ=organ,
        year=report.year,
        format_version=report.format_version.value,
        findings=tuple(f.with_context(file=file, organ=organ) for f in (*reading.findings, *checked)),
        partial=reading.partial,
        report=report,
        incomplete=reading.incomplete_tables,
    )


def _checked(file: str, source: str | Report) -> AuditEntry:
    checked = read_and_check(source, file=file)
    report = checked.report
    return AuditEntry(
        file=file,
        organ=report.organ.name,
        year=report.year,
        format_version=report.format_version.value,
        findings=checked.findings,
        report=report,
    )


def audit_path(path: str | os.PathLike[str]) -> tuple[AuditEntry, ...]:
    """The entries of one file: one, or one per township of a county workbook (:mod:`reportgen.formats.excel.county`)."""
    file = os.fspath(path)
    if not county.is_county_workbook(file):
        return (audit_file(file),)
    entries: list[AuditEntry] = []
    try:
        for name, result, _row in county.iter_county(file):
            task_progress()  # each township has the whole time budget of a worker
            label = f"{file}（{name}）"
            entries.append(_unreadable(label, result) if isinstance(result, ReportgenError) else _checked(label, result))
    except ReportgenError as exc:  # the workbook as a whole is unusable
        entries.append(_unreadable(file, exc))
    return tuple(entries)


def _is_bulk_summary(path: Path) -> bool:
    return path.name == SUMMARY_NAME and (path.parent / MANIFEST_NAME).exists()


def skipped_files(paths: Iterable[str | os.PathLike[str]]) -> list[tuple[str, str]]:
    """``(file, reason)`` for every file inside the folders of ``paths`` that an audit does not read."""
    out: list[tuple[str, str]] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            continue
        for found in sorted(path.rglob("*")):
            if (found.is_file() and found.suffix.lower() not in AUDIT_SUFFIXES
                    and not any(part.startswith(".") for part in found.relative_to(path).parts)):
                out.append((str(found), f"不是报告文件类型（{found.suffix or '无后缀'}），已跳过；"
                                        f"可读取：{'、'.join(AUDIT_SUFFIXES)}"))
    return out


def cross_year(entries: Sequence[AuditEntry]) -> list[AuditEntry]:
    """The entries with the cross-year checks added between reports of one organ for consecutive years.

    Organs are matched by name (spaces and punctuation width ignored); each report is compared with the
    report of the year before, when the run has exactly one of it.
    """
    by_key: dict[tuple[str, int], list[int]] = {}
    for i, e in enumerate(entries):
        if e.report is not None and e.organ:
            by_key.setdefault((normalize_label(e.organ), e.report.year), []).append(i)
    out = list(entries)
    for (organ, year), indexes in by_key.items():
        before = by_key.get((organ, year - 1), [])
        if len(before) != 1:
            continue
        previous = entries[before[0]]
        assert previous.report is not None
        for i in indexes:
            e = out[i]
            assert e.report is not None
            found = check(e.report, previous=previous.report, only=_CROSS_YEAR, incomplete=e.incomplete,
                          previous_incomplete=previous.incomplete)
            extra = tuple(f.with_context(file=e.file, organ=e.organ) for f in found)
            if extra:
                out[i] = attrs.evolve(e, findings=(*e.findings, *extra))
    return out


def audit_files(paths: Iterable[str | os.PathLike[str]], *, exclude: Sequence[Path] = ()) -> Iterator[Path]:
    """The files to audit: files as given, folders searched recursively for :data:`AUDIT_SUFFIXES`.

    Hidden files, Office lock files (``~$…``), unfinished ``.part`` files and ``exclude`` are skipped, and
    so is the ``summary.xlsx`` of a bulk run (recognised by the bulk manifest beside it): it lists
    reports, it is not one.
    """
    skip = {p.resolve() for p in exclude}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if (
                    found.is_file()
                    and found.suffix.lower() in AUDIT_SUFFIXES
                    and not any(part.startswith(".") for part in found.relative_to(path).parts)
                    and not found.name.startswith("~$")
                    and found.resolve() not in skip
                    and not _is_bulk_summary(found)
                ):
                    yield found
        elif path.resolve() not in skip:
            yield path  # a missing or odd file is reported as unreadable, not skipped


# --------------------------------------------------------------------------------------------
# Many files


def audit(
    paths: Iterable[str | os.PathLike[str]],
    out: str | os.PathLike[str] | None,
    *,
    jobs: int | None = None,
    executor: cf.Executor | None = None,
    progress: Callable[[AuditEntry], None] | None = None,
) -> AuditResult:
    """Read and check every file of ``paths`` (folders included) and write the audit workbook to ``out``.

    ``jobs``: worker processes (default: all cores; 1 runs in this process).  ``executor``: run on this
    executor instead.  ``progress``: called in this process after each file.  ``out=None`` writes no
    workbook.  Returns the entries in the order of the files.
    """
    paths = list(paths)
    exclude = [Path(out)] if out is not None else []
    files = [str(p) for p in audit_files(paths, exclude=exclude)]
    entries: dict[int, tuple[AuditEntry, ...]] = {}

    def record(index: int, found: tuple[AuditEntry, ...]) -> None:
        entries[index] = found
        if progress is not None:
            for entry in found:
                progress(entry)

    def run(pool: cf.Executor, in_flight: int, restart: Callable[[], cf.Executor] | None = None) -> None:
        outcomes: Iterator[Completed[tuple[int, str], tuple[AuditEntry, ...]]] = bounded_map(
            _audit_indexed, enumerate(files), pool, max_in_flight=in_flight, restart=restart
        )
        for done in outcomes:
            index, file = done.item
            found = done.result if done.result is not None else (_unreadable(file, done.error or Exception()),)
            record(index, found)

    if executor is not None:
        run(executor, 2 * (jobs or default_jobs()))
    elif jobs == 1 or len(files) <= 1:
        run(InlineExecutor(), 1)
    else:
        n = min(jobs or default_jobs(), len(files))
        # A worker that dies, runs out of its memory or time budget costs only its file (WORKER-…).
        with restartable_pool(n) as (pool, restart):
            run(pool, 2 * n, restart)
    ordered = cross_year([entry for i in range(len(files)) for entry in entries[i]])
    result = AuditResult(tuple(ordered), skipped=tuple(skipped_files(paths)))
    if out is not None:
        result = attrs.evolve(result, workbook=write_audit_workbook(result, out))
    return result


def _audit_indexed(item: tuple[int, str]) -> tuple[AuditEntry, ...]:
    return audit_path(item[1])


# --------------------------------------------------------------------------------------------
# The workbook


REPORT_HEADER = ("序号", "文件", "机关", "年度", "格式", "状态", "错误数", "警告数")
FINDING_HEADER = ("文件", "机关", *finding_columns("parts"))
_REPORT_WIDTHS = (6, 50, 30, 8, 8, 10, 8, 8)
_FINDING_WIDTHS = (40, 26, 24, 8, 14, 40, 14, 12, 12, 90, 30)


def write_audit_workbook(result: AuditResult, out: str | os.PathLike[str]) -> Path:
    """Write the two sheets of the audit workbook to ``out`` atomically; returns the path."""
    wb = Workbook()
    reports = wb.active
    reports.title = "报告"
    write_table(reports, REPORT_HEADER, [
        (i, e.file, e.organ or "", e.year, e.format_version or "", e.status.label, e.errors, e.warnings)
        for i, e in enumerate(result.entries, start=1)
    ], _REPORT_WIDTHS)
    write_table(wb.create_sheet("问题"), FINDING_HEADER, [
        (f.location.file or e.file, f.location.organ or e.organ or "", *f.cells("parts"))
        for e in result.entries for f in e.findings
    ], _FINDING_WIDTHS)
    target = Path(out)
    with atomic_path(target) as tmp:
        wb.save(tmp)
    return target
