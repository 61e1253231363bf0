"""The worker side of a bulk run: townships through the one pipeline, small records back.

Work is sent in chunks (:func:`run_chunk`: a few dozen townships per task, so the pool's per-task cost is
shared).  A :class:`Job` holds an input file path, one raw row of a county workbook (built into a report
here, :func:`reportgen.formats.excel.county.build_row`) or one township's report, never more.  The worker
runs :func:`reportgen.pipelines.generate.read_and_check` and
:func:`~reportgen.pipelines.generate.render_documents`, writes the pair under temporary ``.part`` names
(plain writes: the ``.part`` names are the atomicity — the main process renames them once, after naming
the township in input order) and sends back a :class:`Done`: the outcome, the township's non-zero leaf
figures and the organ facts the roll-up needs.

With ``job.pdf`` the worker also converts the .docx to PDF through its own warm LibreOffice (one
:class:`~reportgen.formats.office.pool.PdfConverter` per worker process, started on the first PDF and
stopped when the worker exits) and, with ``preview``, draws the pages and table 三's contact sheet —
all into a temporary folder that the main process renames into place.

Budgets (:mod:`reportgen.pipelines.parallel`): :func:`run_chunk` re-arms the time budget for each township
(:func:`~reportgen.pipelines.parallel.task_progress`), so every township of a chunk has the whole budget and
the one that runs out is the one that fails; a ``MemoryError`` is that township's ``WORKER-MEMORY``; LibreOffice
and poppler are started outside the worker's memory budget. A job run again (its worker died or was killed
with its pool) replaces the temporaries its first attempt may have left.
"""

from __future__ import annotations

import contextlib
import multiprocessing.util
import shutil
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from reportgen.domain.errors import InputError, OutputError, ReportgenError
from reportgen.domain.findings import Finding, Location, status_of
from reportgen.domain.layout import FormatVersion
from reportgen.domain.model import Report
from reportgen.domain.naming import output_stem
from reportgen.formats.excel.county import build_row
from reportgen.formats.office.pool import PdfConverter
from reportgen.formats.office.preview import page_pngs, table3_sheet
from reportgen.pipelines.bulk.records import (
    MAX_FINDINGS_KEPT,
    PDF_STEM,
    Done,
    Figures,
    Job,
    OrganInfo,
    PdfOptions,
    TownshipOutcome,
    failed,
    temp_paths,
    temp_pdf_dir,
)
from reportgen.pipelines.generate import Checked, docx_renderer, read_and_check, render_documents
from reportgen.pipelines.parallel import as_budget_error, extend_deadline, memory_unlimited, task_progress

__all__ = ["close_converter", "discard_parts", "figures_of", "init_worker", "pieces", "render_checked", "run_chunk",
           "run_job"]

_CONVERTER: list[PdfConverter] = []
"""This process's warm LibreOffice (at most one), made on the first PDF."""


def init_worker(template: str | None) -> None:
    """Prepare the Word template once per worker process (a no-op when inherited by fork)."""
    with contextlib.suppress(ReportgenError):
        docx_renderer(template, FormatVersion.V2021)


def close_converter() -> None:
    """Stop this process's LibreOffice, if one was started (the end of a run in this process, or of a worker)."""
    while _CONVERTER:
        _CONVERTER.pop().close()


def _converter(options: PdfOptions) -> PdfConverter:
    if _CONVERTER and (_CONVERTER[0].timeout != options.timeout
                       or (options.soffice is not None and _CONVERTER[0].soffice != options.soffice)):
        close_converter()
    if not _CONVERTER:
        _CONVERTER.append(PdfConverter(soffice=options.soffice, timeout=options.timeout))
        # A pool worker leaves through multiprocessing's exit path, which runs these finalizers (not atexit).
        multiprocessing.util.Finalize(None, close_converter, exitpriority=10)
    return _CONVERTER[0]


def figures_of(report: Report) -> Figures:
    """The non-zero leaf figures of ``report``."""
    return tuple(((table.key, row, col), value)
                 for table in report.tables() for (row, col), value in table.figures.items() if value)


def _create(path: Path, data: bytes, written: list[Path]) -> None:
    with path.open("xb") as fh:
        written.append(path)
        fh.write(data)


def _write_parts(files: Sequence[tuple[Path, bytes]]) -> None:
    """Write the temporary pair; on failure remove what was written (the names say: not finished)."""
    written: list[Path] = []
    try:
        for path, data in files:
            try:
                _create(path, data, written)
            except FileExistsError:  # left by this job's first attempt, on a pool that was lost
                path.unlink()
                _create(path, data, written)
    except OSError as exc:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        raise OutputError(f"无法写入文件（{exc.strerror or exc}）：请检查输出文件夹是否存在、是否有写入权限、磁盘是否已满。",
                          location=Location(file=str(files[len(written) - 1 if written else 0][0]))) from exc


PDFTOPPM_SECONDS = 300.0
"""The time limit of one pdftoppm run of :mod:`reportgen.formats.office.preview` (pages, then table 三's sheet)."""


def pdf_seconds(converter: PdfConverter, preview: bool) -> float:
    """The longest a PDF (and its previews) may take within LibreOffice's and poppler's own time limits: every
    attempt of the converter a fresh start and a full conversion timeout, plus a margin."""
    attempts = converter.retries + 1
    seconds = attempts * (converter.start_timeout + 5 + converter.timeout)
    return seconds + (2 * PDFTOPPM_SECONDS if preview else 0) + 30


def _pdf(job: Job, options: PdfOptions, docx: bytes) -> tuple[int, bool, tuple[str, ...]]:
    """PDF (and previews) of ``docx`` into the job's temporary folder: ``(pages drawn, contact sheet, fonts)``."""
    folder = temp_pdf_dir(Path(job.outdir), job.temp)
    if folder.is_dir():  # left by this job's first attempt, on a pool that was lost
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    try:
        # LibreOffice and pdftoppm, started here, must not inherit the worker's memory budget (the worker
        # only waits for them meanwhile; they have their own time limit).
        with memory_unlimited():
            converter = _converter(options)  # may probe LibreOffice's Python: a process too
            # The worker's time budget must not cut short what LibreOffice's own timeouts allow (--pdf-timeout).
            extend_deadline(pdf_seconds(converter, options.preview))
            result = converter.convert(docx, folder / f"{PDF_STEM}.pdf")
            pages, sheet = 0, False
            if options.preview:
                pages = len(page_pngs(result.pdf, folder))
                sheet = table3_sheet(result.pdf, folder / f"{PDF_STEM}-表三.png") is not None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return pages, sheet, tuple(str(s) for s in result.substituted)


def _read(job: Job, file: str | None) -> Checked:
    if job.row is not None:
        assert job.county is not None
        entry = build_row(job.county, job.row)
        if isinstance(entry.result, InputError):
            raise entry.result
        return read_and_check(entry.result, county_row=job.county_row)  # findings name the row's cells
    return read_and_check(job.report if job.report is not None else job.path or "", file=file)


def run_job(job: Job) -> Done:
    """Read, check and render one township (runs in a worker)."""
    file = job.path and Path(job.path).name
    try:
        checked = _read(job, file)
    except Exception as exc:
        return Done(failed(job.name, job.source, as_budget_error(exc), file))
    report, findings = checked.report, checked.findings
    pages, sheet, pdf_error = 0, False, ""
    fonts: tuple[str, ...] = ()
    try:
        if not job.check_only:
            docx, xlsx = render_documents(checked, template=job.template)
            assert xlsx is not None
            _write_parts(tuple(zip(temp_paths(Path(job.outdir), job.temp), (docx, xlsx), strict=True)))
            if job.pdf is not None:
                try:
                    pages, sheet, fonts = _pdf(job, job.pdf, docx)
                except ReportgenError as exc:
                    pdf_error = exc.message
    except Exception as exc:
        return Done(failed(job.name, job.source, as_budget_error(exc), file, report.organ.name))
    errors = sum(f.is_error for f in findings)
    version = report.format_version.value
    outcome = TownshipOutcome(
        name=job.name, source=job.source, status=status_of(findings), organ=report.organ.name, errors=errors,
        warnings=len(findings) - errors, findings=findings[:MAX_FINDINGS_KEPT],
        year=report.year, format_version=version, pdf=job.pdf is not None and not pdf_error and not job.check_only,
        pdf_error=pdf_error, pages=pages, sheet=sheet,
    )
    return Done(outcome, output_stem(report), None if job.check_only else job.temp, version, report.year,
                OrganInfo.of(report), figures_of(report), report.processing_fee or Decimal(0), fonts)


def render_checked(report: Report, template: str | None) -> tuple[tuple[Finding, ...], bytes, bytes]:
    """The findings, .docx and .xlsx of ``report`` (the county roll-up: checked and rendered on a worker whose
    templates are ready)."""
    checked = read_and_check(report)
    docx, xlsx = render_documents(checked, template=template)
    assert xlsx is not None
    return checked.findings, docx, xlsx


def pieces(jobs: tuple[Job, ...]) -> tuple[tuple[Job, ...], ...]:
    """A chunk as chunks of one job (``bounded_map(split=)``: after a lost pool only the township at fault fails)."""
    return tuple((job,) for job in jobs)


def discard_parts(job: Job) -> None:
    """Remove what an attempt at ``job`` that never came back (its worker died or was killed) may have written."""
    if job.check_only:
        return
    outdir = Path(job.outdir)
    for path in temp_paths(outdir, job.temp):
        with contextlib.suppress(OSError):
            path.unlink()
    if job.pdf is not None:
        shutil.rmtree(temp_pdf_dir(outdir, job.temp), ignore_errors=True)


def run_chunk(jobs: Sequence[Job]) -> list[Done]:
    """:func:`run_job` for each job of a chunk, in order (one task of the pool; each job has the whole time budget)."""
    out: list[Done] = []
    for i, job in enumerate(jobs):
        task_progress(i)
        out.append(run_job(job))
    return out
