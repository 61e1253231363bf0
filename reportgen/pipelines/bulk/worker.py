"""The worker side of a bulk run: one township through the one pipeline, a small record back.

A :class:`Job` holds an input file path or one township's report, never more.  The worker runs
:func:`reportgen.pipelines.generate.read_and_check` and :func:`~reportgen.pipelines.generate.render_documents`,
writes the pair under temporary ``.part`` names (:func:`~reportgen.pipelines.generate.write_together`; the main
process renames them once it has named the township in input order) and sends back a :class:`Done`: the
outcome, the township's non-zero leaf figures and the organ facts the roll-up needs.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal
from pathlib import Path
from typing import TypeAlias

import attrs

from reportgen.domain.errors import ReportgenError
from reportgen.domain.findings import Finding, Severity, Status, status_of
from reportgen.domain.layout import FormatVersion
from reportgen.domain.model import Figure, Report
from reportgen.domain.naming import output_stem
from reportgen.pipelines.bulk.outcome import MAX_FINDINGS_KEPT, TownshipOutcome
from reportgen.pipelines.generate import docx_renderer, read_and_check, render_documents, write_together

__all__ = ["Done", "FigureRef", "Figures", "Job", "OrganInfo", "error_findings", "failed", "init_worker", "run_job",
           "temp_paths"]

FigureRef: TypeAlias = tuple[str, str, str]
"""``(table key, row key, column key)`` of a leaf figure."""
Figures: TypeAlias = tuple[tuple[FigureRef, Figure], ...]
"""A report's non-zero leaf figures."""


@attrs.frozen
class OrganInfo:
    """What the roll-up needs to know of an organ: its kind and where it is."""

    kind: str
    province: str = ""
    city: str = ""
    county: str = ""

    @classmethod
    def of(cls, report: Report) -> OrganInfo:
        """The organ facts of ``report``."""
        o = report.organ
        return cls(o.kind.value, o.province, o.city, o.county)


@attrs.frozen
class Job:
    """One township's work, as sent to a worker (small: a path, or one report)."""

    index: int
    name: str
    source: str
    temp: str
    """Stem of the temporary outputs ``.<temp>.docx.part``; the main process renames them once named."""
    outdir: str
    template: str | None
    check_only: bool
    path: str | None = None
    report: Report | None = None


@attrs.frozen
class Done:
    """What a worker sends back (or what the manifest remembers of a township)."""

    outcome: TownshipOutcome
    wanted: str = ""
    """The output stem the report asks for (:func:`~reportgen.domain.naming.output_stem`), before de-duplication."""
    temp: str | None = None
    """Stem of the temporary outputs when they were written."""
    version: str | None = None
    year: int | None = None
    organ: OrganInfo | None = None
    figures: Figures | None = None
    """Non-zero leaf figures; ``None`` when the report did not load."""
    fee: Decimal = Decimal(0)
    """信息处理费, summed by the roll-up."""


def init_worker(template: str | None) -> None:
    """Prepare the Word template once per worker process (a no-op when inherited by fork)."""
    with contextlib.suppress(ReportgenError):
        docx_renderer(template, FormatVersion.V2021)


def figures_of(report: Report) -> Figures:
    """The non-zero leaf figures of ``report``."""
    return tuple(((table.key, row, col), value)
                 for table in report.tables() for (row, col), value in table.figures.items() if value)


def error_findings(exc: BaseException, file: str | None, organ: str | None) -> tuple[Finding, ...]:
    """Why a township failed, as findings located in ``file`` and ``organ`` (an unexpected exception: BULK-INTERNAL)."""
    if isinstance(exc, ReportgenError):
        findings = exc.findings or (
            Finding(code=exc.code, severity=Severity.ERROR, message=exc.message, location=exc.location),
        )
    else:
        findings = (Finding(code="BULK-INTERNAL", severity=Severity.ERROR,
                            message=f"内部错误：{type(exc).__name__}: {exc}"),)
    return tuple(f.with_context(file=file, organ=organ) for f in findings)


def failed(name: str, source: str, exc: BaseException, file: str | None, organ: str = "") -> TownshipOutcome:
    """The outcome of a township that could not be loaded or rendered."""
    findings = error_findings(exc, file, organ or name)
    return TownshipOutcome(name=name, source=source, status=Status.FAILED, organ=organ,
                           errors=max(1, sum(f.is_error for f in findings)),
                           findings=findings[:MAX_FINDINGS_KEPT])


def temp_paths(outdir: Path, temp: str) -> tuple[Path, Path]:
    """The temporary .docx and .xlsx of a job, renamed by the main process."""
    return outdir / f"{temp}.docx.part", outdir / f"{temp}.xlsx.part"


def run_job(job: Job) -> Done:
    """Read, check and render one township (runs in a worker)."""
    file = job.path and Path(job.path).name
    try:
        checked = read_and_check(job.report if job.report is not None else job.path or "", file=file)
    except Exception as exc:
        return Done(failed(job.name, job.source, exc, file))
    report, findings = checked.report, checked.findings
    try:
        if not job.check_only:
            docx, xlsx = render_documents(checked, template=job.template)
            assert xlsx is not None
            write_together(tuple(zip(temp_paths(Path(job.outdir), job.temp), (docx, xlsx), strict=True)))
    except Exception as exc:
        return Done(failed(job.name, job.source, exc, file, report.organ.name))
    errors = sum(f.is_error for f in findings)
    version = report.format_version.value
    outcome = TownshipOutcome(
        name=job.name, source=job.source, status=status_of(findings), organ=report.organ.name, errors=errors,
        warnings=len(findings) - errors, findings=findings[:MAX_FINDINGS_KEPT],
        year=report.year, format_version=version,
    )
    return Done(outcome, output_stem(report), None if job.check_only else job.temp, version, report.year,
                OrganInfo.of(report), figures_of(report), report.processing_fee or Decimal(0))
