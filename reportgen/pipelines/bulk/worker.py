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

from reportgen.domain.errors import ReportgenError
from reportgen.domain.findings import status_of
from reportgen.domain.layout import FormatVersion
from reportgen.domain.model import Report
from reportgen.domain.naming import output_stem
from reportgen.pipelines.bulk.records import (
    MAX_FINDINGS_KEPT,
    Done,
    Figures,
    Job,
    OrganInfo,
    TownshipOutcome,
    failed,
    temp_paths,
)
from reportgen.pipelines.generate import docx_renderer, read_and_check, render_documents, write_together

__all__ = ["figures_of", "init_worker", "run_job"]

def init_worker(template: str | None) -> None:
    """Prepare the Word template once per worker process (a no-op when inherited by fork)."""
    with contextlib.suppress(ReportgenError):
        docx_renderer(template, FormatVersion.V2021)


def figures_of(report: Report) -> Figures:
    """The non-zero leaf figures of ``report``."""
    return tuple(((table.key, row, col), value)
                 for table in report.tables() for (row, col), value in table.figures.items() if value)


def run_job(job: Job) -> Done:
    """Read, check and render one township (runs in a worker)."""
    file = job.path and Path(job.path).name
    try:
        checked = read_and_check(job.report if job.report is not None else job.path or "", file=file,
                                 county_row=job.county_row)
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
