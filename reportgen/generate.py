"""One call from an input file to the finished documents: load → check → Word → Excel (→ PDF).

This is the convenience layer over :func:`reportgen.load`, :func:`reportgen.check`,
:class:`reportgen.DocxRenderer` and :func:`reportgen.render_xlsx`; the ``reportgen render`` command is a
thin layer over it.  Templates are prepared once per process (the renderers cache them), so calling
:func:`generate` in a loop costs only the per-report work.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import attrs

from reportgen.checks import check
from reportgen.docx import DocxRenderer
from reportgen.findings import Finding, has_errors
from reportgen.loading import load
from reportgen.model import Report
from reportgen.naming import UniqueStems, output_stem
from reportgen.xlsx import render_xlsx

__all__ = ["Generated", "generate", "match_previous"]


@attrs.frozen(kw_only=True)
class Generated:
    """What :func:`generate` produced for one input."""

    source: str
    report: Report
    findings: tuple[Finding, ...]
    """Check findings, located in the input file and organ."""
    docx: Path
    xlsx: Path | None

    @property
    def has_errors(self) -> bool:
        """Whether the checks found errors (the documents are written all the same)."""
        return has_errors(self.findings)


def match_previous(report: Report, previous: Sequence[Report]) -> Report | None:
    """Last year's report for ``report``: the only one given, or the one of the same organ."""
    if len(previous) == 1:
        return previous[0]
    return next((p for p in previous if p.organ.name == report.organ.name), None)


def generate(
    source: str | os.PathLike[str] | Report,
    outdir: str | os.PathLike[str],
    *,
    template: str | os.PathLike[str] | None = None,
    previous: Sequence[Report] = (),
    xlsx: bool = True,
    names: UniqueStems | None = None,
) -> Generated:
    """Load ``source`` (a file or a :class:`Report`), check it and write ``<stem>.docx`` and ``<stem>.xlsx``.

    ``previous`` are last year's reports: the one of the same organ (or the only one) fills
    上年结转 where a YAML/JSON input leaves it out and enables the cross-year checks.  A report
    with error findings is still written — the findings travel in the result.  Files are named by
    :func:`reportgen.naming.output_stem`; pass one ``names`` to a series of calls so that two
    inputs for the same organ and year get distinct files.  Raises :class:`reportgen.InputError` when the input
    cannot be read; writes are atomic.
    """
    if isinstance(source, Report):
        report, name = source, "<report>"
        prev = match_previous(report, previous)
    else:
        name = os.fspath(source)
        report = load(Path(source), previous=previous[0] if len(previous) == 1 else None)
        prev = match_previous(report, previous)
        if len(previous) > 1 and prev is not None:  # the organ is known only once the input is read
            report = load(Path(source), previous=prev)
    findings = tuple(
        f.with_context(file=None if isinstance(source, Report) else name, organ=report.organ.name)
        for f in check(report, previous=prev)
    )
    out = Path(outdir)
    stem = names.claim(output_stem(report)) if names is not None else output_stem(report)
    docx_path = DocxRenderer(template, version=report.format_version).render(report, out / f"{stem}.docx")
    xlsx_path = render_xlsx(report, out / f"{stem}.xlsx", findings=findings) if xlsx else None
    return Generated(source=name, report=report, findings=findings, docx=docx_path, xlsx=xlsx_path)
