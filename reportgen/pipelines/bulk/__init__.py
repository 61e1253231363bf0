"""Bulk generation: every township of a county (or of the country) in one call.

::

    inputs ──► main process ─────────────────────────────────────────────► OUTDIR/
               │ scan the folder / cut the county workbook's rows out of     <stem>.docx, <stem>.xlsx
               │   its XML as it streams (never building a report here)      [<stem>.pdf, -N.png, -表三.png]
               │ skip a township when the manifest says nothing changed      summary.xlsx (streamed)
               │ submit chunks of jobs ──► workers: the one pipeline         <roll-up>.docx/.xlsx
               │   (≤ 32 townships each)   (read or build, check, render;    .reportgen-manifest.jsonl
               │                           PDF through the worker's warm
               │                           LibreOffice) to temporary .part files
               │ ◄── small outcome records (status, counts, first messages, non-zero figures)
               │ in input order: name the outputs (organ + year, safe, unique) and rename them once,
               │   drop a second report of the same organ and year, add to the roll-up sums
               └ at the end: pick the roll-up's year and format; progress callback on each return

A *job* sent to a worker holds an input file path, one raw row of a county workbook
(:func:`reportgen.formats.excel.county.build_row` builds it in the worker) or one township's
:class:`~reportgen.domain.model.Report`, never more; jobs travel in chunks (:func:`chunk_size`) so the
pool's cost per task is shared.  A worker sends back a :class:`TownshipOutcome` and the township's
non-zero leaf figures, which the main process adds to the county roll-up and forgets; the settled outcome
goes to a spool on disk (:class:`~reportgen.pipelines.bulk.records.OutcomeSpool`), from which ``summary.xlsx``
is streamed row by row and which :attr:`BulkResult.outcomes` reads back when asked.  At most
``max_in_flight`` chunks exist at a time (:func:`reportgen.pipelines.parallel.bounded_map`), so memory
stays flat for any number of townships.

Status of a township: ``通过`` (no findings), ``有警告``, ``有错误`` (error findings — still rendered),
``失败`` (could not be loaded or rendered).  :attr:`BulkResult.exit_code` is 1 when any township is
``有错误`` or ``失败``.

Re-running skips a township whose input content, template and reportgen version are unchanged and
whose outputs still exist (``force=True`` redoes everything).  The manifest is a JSON-lines journal:
each finished township is appended as one line with one ``write``, so a killed run loses at most the
line being written (a torn last line is ignored and the file is compacted atomically on the next
run).  Every output is written by a worker to a temporary ``.<name>.part`` file (PDFs and previews: a
``.<name>.pdf.part`` folder) and renamed into place by the main process; stale ``.part`` files and
folders of a killed run are removed at the start.

The package: :mod:`~reportgen.pipelines.bulk.sources` (input discovery), :mod:`~reportgen.pipelines.bulk.worker`
(one township through :mod:`reportgen.pipelines.generate`), :mod:`~reportgen.pipelines.bulk._run` (the run's
state: settling in input order, naming, duplicates, the redo pass), :mod:`~reportgen.pipelines.bulk.manifest`
(the journal), :mod:`~reportgen.pipelines.bulk.rollup` (sums → the roll-up report),
:mod:`~reportgen.pipelines.bulk.summary` (``summary.xlsx``) and :mod:`~reportgen.pipelines.bulk.records` (the
records this function returns).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import itertools
import os
import secrets
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType

from reportgen.domain.errors import InputError, OutputError
from reportgen.domain.findings import Finding, Location, Status
from reportgen.domain.layout import FormatVersion
from reportgen.domain.model import Report
from reportgen.domain.naming import MANIFEST_NAME, SUMMARY_NAME, UniqueStems, output_stem
from reportgen.formats._io import os_reason
from reportgen.formats.excel import county as county_mod
from reportgen.formats.office.locate import require_soffice
from reportgen.formats.office.pool import DOCUMENT_TIMEOUT
from reportgen.pipelines.bulk._run import _Run
from reportgen.pipelines.bulk.manifest import Manifest, run_digest
from reportgen.pipelines.bulk.records import (
    EXCLUSION_REASONS,
    BulkResult,
    Done,
    Exclusion,
    Job,
    OutcomeSpool,
    PdfOptions,
    ProgressCallback,
    RollupNote,
    TownshipOutcome,
    failed,
)
from reportgen.pipelines.bulk.rollup import ROLLUP_LISTED, RollUp
from reportgen.pipelines.bulk.sources import INPUT_SUFFIXES, BulkInput, estimate_total, iter_inputs, sources
from reportgen.pipelines.bulk.summary import write_summary
from reportgen.pipelines.bulk.worker import (
    close_converter,
    discard_parts,
    init_worker,
    pieces,
    render_checked,
    run_chunk,
)
from reportgen.pipelines.generate import (
    docx_renderer,
    quiet_spool_errors,
    write_together,
)
from reportgen.pipelines.parallel import Completed, InlineExecutor, bounded_map, default_jobs, process_pool

fcntl: ModuleType | None
try:
    import fcntl
except ImportError:  # Windows: the lock file is only a marker (see _RunLock)
    fcntl = None

__all__ = [
    "EXCLUSION_REASONS",
    "INPUT_SUFFIXES",
    "MANIFEST_NAME",
    "SUMMARY_NAME",
    "BulkInput",
    "BulkResult",
    "Exclusion",
    "ProgressCallback",
    "RollupNote",
    "Status",
    "TownshipOutcome",
    "bulk",
    "chunk_size",
    "iter_inputs",
]


CHUNK = 32
"""Townships per task sent to a worker at most: the pool's cost per task (pickling, queues, a wake-up of the
main process) is shared by a chunk.  Fewer when the run is small, so that every worker gets work."""


def _outcomes(completed: Completed[tuple[Job, ...], list[Done]]) -> Iterator[tuple[Job, Done]]:
    if completed.result is not None:
        yield from zip(completed.item, completed.result, strict=True)
        return
    exc = completed.error or RuntimeError("no result")  # the task as a whole failed (a worker died, timed out)
    for job in completed.item:
        discard_parts(job)
        yield job, Done(failed(job.name, job.source, exc, job.path and Path(job.path).name))


def _chunks(jobs: Iterable[Job], size: int) -> Iterator[tuple[Job, ...]]:
    it = iter(jobs)
    while chunk := tuple(itertools.islice(it, size)):
        yield chunk


def chunk_size(total: int | None, workers: int, *, pdf: bool = False) -> int:
    """Townships per task: :data:`CHUNK`, fewer for a small run (about 8 tasks per worker), 1 for PDFs (slow)."""
    if pdf:
        return 1
    if total is None:
        return CHUNK
    return max(1, min(CHUNK, total // (8 * workers)))


STALE_PART_SECONDS = 3600
"""A temporary file of a run whose lock cannot be found is removed only after this long (it may be written by a
run of an older version, or one just starting)."""


class _RunLock:
    """``.rg-<token>.lock`` in the output folder, locked (``flock``) for as long as the run lives: another run
    starting in the same folder keeps this run's temporaries, and removes those of a run that died (its lock is
    free again).  Where ``fcntl`` does not exist (Windows) the file is only a marker."""

    def __init__(self, outdir: Path, token: str) -> None:
        self.path = outdir / f".rg-{token}.lock"
        self._handle = open(self.path, "wb")  # noqa: SIM115 - held open for the run's lifetime
        if fcntl is not None:
            fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def release(self) -> None:
        self._handle.close()
        with contextlib.suppress(OSError):
            self.path.unlink()


def _lock_is_free(lock: Path) -> bool:
    """Whether the run that made ``lock`` is gone (its flock can be taken)."""
    if fcntl is None:
        return time.time() - lock.stat().st_mtime > STALE_PART_SECONDS
    with open(lock, "rb") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
    return True


def _clean_stale_parts(outdir: Path) -> None:
    """Remove the temporaries of runs that died (kill -9, power cut) — never those of a run still working here."""
    locks = {lock.name[len(".rg-"):-len(".lock")]: lock for lock in outdir.glob(".rg-*.lock")}
    dead = {token for token, lock in locks.items() if _lock_is_free(lock)}
    live = set(locks) - dead
    now = time.time()
    for part in outdir.glob(".*.part"):
        token = part.name[len(".rg-"):].split("-", 1)[0] if part.name.startswith(".rg-") else None
        with contextlib.suppress(OSError):
            if token in dead:
                stale = True
            elif token is not None and token in live:
                stale = False
            elif token is not None:  # no lock at all: a run of an older version, or one just starting
                stale = now - part.stat().st_mtime > STALE_PART_SECONDS
            else:  # an untagged temporary (the main process's atomic writes): stale unless a run is alive
                stale = not live or now - part.stat().st_mtime > STALE_PART_SECONDS
            if not stale:
                continue
            if part.is_dir():
                shutil.rmtree(part)  # a PDF folder of a killed run
            else:
                part.unlink()
    for token in dead:
        with contextlib.suppress(OSError):
            locks[token].unlink()


def _run_all(run: _Run, inputs: str | os.PathLike[str] | Iterable[BulkInput], out: Path, executor: cf.Executor | None,
             n_jobs: int, in_flight: int, size: int, template_str: str | None,
             stack: contextlib.ExitStack) -> cf.Executor:
    """Run every township; the executor it ran them on (the pools it made stay open on ``stack``) is returned, for the
    roll-up."""
    # The pools live on the caller's stack, so the roll-up can be rendered on a warm worker after the townships.
    restart: Callable[[], cf.Executor] | None = None
    if executor is None:
        if n_jobs == 1:
            executor = InlineExecutor()
            stack.callback(close_converter)  # this process's LibreOffice, if a PDF started one
        else:
            pools: list[cf.Executor] = []

            def restart() -> cf.Executor:
                # a worker died (killed, out of memory): a new pool; its townships are run once more
                pools.append(stack.enter_context(
                    process_pool(n_jobs, initializer=init_worker, initargs=(template_str,))))
                return pools[-1]

            executor = restart()
    try:
        chunks = _chunks(run.jobs(sources(inputs, out)), size)
        for completed in bounded_map(run_chunk, chunks, executor, max_in_flight=in_flight, restart=restart,
                                     split=pieces):
            for job, done in _outcomes(completed):
                run.finish(job.index, done)
        # Rare: skipped townships whose name went to an input listed before them (already named).
        if restart is not None:
            executor = pools[-1]  # the pool that replaced a broken one, not the broken one
        for completed in bounded_map(run_chunk, _chunks(run.redo_jobs(), 1), executor, max_in_flight=in_flight,
                                     restart=restart):
            for job, done in _outcomes(completed):
                run.redone(job.index, done)
        if restart is not None:
            executor = pools[-1]
    finally:
        if run.manifest is not None:
            run.manifest.close()
    return executor


def _render_rollup(executor: cf.Executor, report: Report, template: str | None) -> tuple[tuple[Finding, ...], bytes, bytes]:
    """The roll-up's findings, .docx and .xlsx, made on a worker of the run, whose templates are ready (the main
    process would build the workbook template for this one report: ≈ 0.35 s); made here if that fails, so that an
    error is raised here as for any report."""
    if not isinstance(executor, InlineExecutor):
        with contextlib.suppress(Exception):
            return executor.submit(render_checked, report, template).result()
    return render_checked(report, template)


def bulk(
    inputs: str | os.PathLike[str] | Iterable[BulkInput],
    outdir: str | os.PathLike[str],
    *,
    jobs: int | None = None,
    executor: cf.Executor | None = None,
    force: bool = False,
    check_only: bool = False,
    template: str | os.PathLike[str] | None = None,
    progress: ProgressCallback | None = None,
    max_in_flight: int | None = None,
    pdf: bool = False,
    preview: bool = False,
    soffice: str | os.PathLike[str] | None = None,
    pdf_timeout: float = DOCUMENT_TIMEOUT,
    rollup_include_errors: bool = False,
) -> BulkResult:
    """Check and render every township of ``inputs`` into ``outdir``; write ``summary.xlsx`` and the roll-up.

    ``inputs``: a folder of input files (YAML, JSON, filled .xlsx forms, county workbooks), a county
    workbook (:mod:`reportgen.formats.excel.county`), one input file, or an iterable of files, reports and
    ``(name, report or InputError)`` pairs (consumed lazily).  Raises :class:`InputError` when ``inputs``
    is a county workbook that is unusable as a whole (no year, wrong headers); inside a folder such a
    workbook is one failed entry instead.

    For each township ``<stem>.docx`` and ``<stem>.xlsx`` are written, where ``<stem>`` is the report
    title (:func:`~reportgen.domain.naming.output_stem`: organ and year) for every input — made safe for Windows and
    Linux and unique (``-2``, ``-3`` …, given in input order whatever order the workers finish in).  ``summary.xlsx`` lists every township's status, finding
    counts, outputs and first messages; the roll-up is written as its own .docx and .xlsx: the sums of
    the reports of one year and format (the county workbook's; else the most common year, then the most
    common format of it), each organ once — a second report of the same organ and year is ``有错误``
    (``BULK-DUPLICATE``) and left out; :attr:`TownshipOutcome.rollup_note` says why a township is not
    summed.  A township that fails never stops the others.

    ``jobs``: worker processes (default: all cores; 1 runs in this process).  ``executor``: run on
    this executor instead (e.g. ``distributed.Client(...).get_executor()``; files are written by the
    workers, so ``outdir`` must be on a file system they share).  ``force``: redo townships that are
    unchanged since the last run.  ``check_only``: only check; write only ``summary.xlsx``.
    ``template``: a custom Word template.  ``progress``: called after each township.

    ``pdf``: also write ``<stem>.pdf`` through one warm LibreOffice per worker (``soffice``: which one; found
    as ``reportgen render --pdf`` finds it), ``pdf_timeout`` seconds per document; a crashed or hung
    LibreOffice costs that document one retry.  ``preview`` (implies ``pdf``): a PNG of every page
    (``<stem>-1.png`` …) and the contact sheet of table 三 (``<stem>-表三.png``).  A township whose PDF cannot
    be made keeps its .docx and .xlsx; :attr:`TownshipOutcome.pdf_error` and ``summary.xlsx`` say why.

    ``rollup_include_errors``: sum townships whose reports have errors too (by default they are left out,
    named with the reason, so that the roll-up's own identities hold).
    """
    out = Path(outdir)
    if isinstance(inputs, (str, os.PathLike)) and Path(inputs).is_dir() and Path(inputs).resolve() == out.resolve():
        # Outputs are never read back as inputs, so this would process nothing and look like success.
        raise OutputError(f"输出文件夹 {out} 就是输入文件夹：请用 -o 指定另一个文件夹。", location=Location(file=str(out)))
    out.mkdir(parents=True, exist_ok=True)
    _clean_stale_parts(out)
    template_str = None if template is None else str(template)
    if not check_only:
        # A broken template fails every township: report it once, before any work.
        docx_renderer(template_str, FormatVersion.V2021)
    pdf = (pdf or preview) and not check_only
    pdf_options = None
    if pdf:
        # No LibreOffice: say so once, before any work (exit 2), as `reportgen render --pdf` does.
        pdf_options = PdfOptions(soffice=str(require_soffice(soffice)), timeout=pdf_timeout, preview=preview)
    info: county_mod.CountyInfo | None = None
    if isinstance(inputs, (str, os.PathLike)) and county_mod.is_county_workbook(inputs):
        with contextlib.suppress(InputError):
            info = county_mod.read_county_info(inputs)

    token = secrets.token_hex(4)
    try:
        lock = _RunLock(out, token)
    except OSError as exc:
        raise OutputError(f"无法在输出文件夹 {out} 中写入文件（{os_reason(exc)}）。", location=Location(file=str(out))) from None
    run = _Run(
        out=out, token=token, results=OutcomeSpool(out), template=template_str, check_only=check_only, force=force,
        run_key="" if check_only else run_digest(template_str) + ("|pdf" if pdf else "") + ("|preview" if preview else ""),
        manifest=None if check_only else Manifest(out),
        names=UniqueStems([Path(SUMMARY_NAME).stem, Path(MANIFEST_NAME).stem]),
        total=estimate_total(inputs, out), progress=progress, pdf=pdf_options,
        counting_folder=isinstance(inputs, (str, os.PathLike)) and Path(inputs).is_dir(),
        rollup=RollUp(include_errors=rollup_include_errors),
    )
    n_jobs = jobs or default_jobs()
    size = chunk_size(run.total, n_jobs, pdf=pdf)
    # Chunks in flight: enough to keep every worker busy while the main process settles the others.
    in_flight = max_in_flight or max(4, 3 * n_jobs)
    with contextlib.ExitStack() as stack:
        return _finish(run, stack, inputs, out, executor, n_jobs, in_flight, size, template_str, info, lock, pdf)


def _finish(run: _Run, stack: contextlib.ExitStack, inputs: str | os.PathLike[str] | Iterable[BulkInput], out: Path,
            executor: cf.Executor | None, n_jobs: int, in_flight: int, size: int, template_str: str | None,
            info: county_mod.CountyInfo | None, lock: _RunLock, pdf: bool) -> BulkResult:
    """Run every township, then the roll-up (on the same workers) and the summary."""
    try:
        executor = _run_all(run, inputs, out, executor, n_jobs, in_flight, size, template_str, stack)
    except BaseException:  # Ctrl-C, a broken pool: this run's temporaries must not stay behind
        stack.close()  # first the workers stop (a running township finishes its .part files), then they are removed
        for part in out.glob(f".rg-{run.token}-*.part"):
            if part.is_dir():  # a PDF/preview folder
                shutil.rmtree(part, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    part.unlink()
        lock.release()
        raise

    chosen = run.rollup.choose(info)
    outcomes = run.outcomes(chosen)
    # What the roll-up's text and the summary need, from the facts of every outcome (one pass over the spool,
    # kept for the CLI too); only the outcomes named are read back.
    facts = outcomes.facts()
    statuses: Counter[Status] = Counter(f.status for f in facts)
    reasons: Counter[Exclusion] = Counter(f.exclusion for f in facts if not f.in_rollup and f.exclusion is not None)
    summed = [i for i, f in enumerate(facts) if f.in_rollup]
    excluded = [i for i, f in enumerate(facts) if not f.in_rollup]
    noted = [i for i in excluded if facts[i].exclusion is not None]
    listed = [outcomes[i].organ for i in summed[:ROLLUP_LISTED]]
    left_out: list[tuple[str, RollupNote]] = []
    for i in noted[:ROLLUP_LISTED + 1]:  # the roll-up names ROLLUP_LISTED and says whether there are more
        o = outcomes[i]
        assert o.rollup_note is not None
        left_out.append((o.organ or o.name, o.rollup_note))
    n_excluded = len(excluded)
    errors_included = sum(facts[i].status is Status.ERRORS for i in summed)
    rollup_report = None
    if chosen is not None:
        rollup_report = run.rollup.report(chosen, info, listed, {r: reasons[r] for r in Exclusion if reasons[r]},
                                          left_out, errors_included)
    rollup_outputs: tuple[Path, ...] = ()
    rollup_findings: tuple[Finding, ...] = ()
    if rollup_report is not None:
        stem = run.names.claim(output_stem(rollup_report))
        rollup_findings, docx, xlsx = _render_rollup(executor, rollup_report, template_str)
        rollup_outputs = (out / f"{stem}.docx", out / f"{stem}.xlsx")
        write_together(tuple(zip(rollup_outputs, (docx, xlsx), strict=True)))
    summary = out / SUMMARY_NAME
    with quiet_spool_errors():  # a failing save is OUT-WRITE; openpyxl's abandoned spools stay silent
        write_summary(
            summary, outcomes, {s.label: statuses[s] for s in (Status.OK, Status.WARNINGS, Status.ERRORS, Status.FAILED)},
            (rollup_report.organ.name, rollup_outputs, len(outcomes) - n_excluded)
            if rollup_report is not None else None,
            (outcomes[i] for i in excluded), pdf=pdf,
        )
    lock.release()
    return BulkResult(outdir=out, outcomes=outcomes, summary=summary, rollup=rollup_report,
                      rollup_outputs=rollup_outputs, rollup_findings=rollup_findings, fonts_substituted=tuple(run.fonts))
