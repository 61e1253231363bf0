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

from reportgen.domain.carry import carry_over
from reportgen.domain.checks import check
from reportgen.domain.findings import Finding, Location, Severity, has_errors
from reportgen.domain.layout import normalize_label
from reportgen.domain.model import Report
from reportgen.domain.naming import UniqueStems, output_stem
from reportgen.formats._io import atomic_write_bytes
from reportgen.formats.excel.write import workbook_bytes
from reportgen.formats.load import read
from reportgen.formats.word.render import DocxRenderer

__all__ = ["Generated", "generate", "load_with_previous", "match_previous"]


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
    """Last year's report for ``report``: the one of the same organ (name compared as printed labels are)
    for the year before, or ``None``.

    Using another organ's or another year's report would fill 上年结转 with someone else's figures, so
    nothing is guessed: a report that does not match is not used (see :func:`load_with_previous`).
    """
    name = normalize_label(report.organ.name)
    for candidate in previous:
        if candidate.year == report.year - 1 and normalize_label(candidate.organ.name) == name:
            return candidate
    return None


def _unmatched(report: Report, previous: Sequence[Report]) -> Finding:
    given = "；".join(f"{p.organ.name} {p.year}年度" for p in previous[:3]) + ("等" if len(previous) > 3 else "")
    return Finding(
        code="PREVIOUS-MISMATCH",
        severity=Severity.WARNING,
        message=(
            f"给出的上年度报告（{given}）中没有{report.organ.name}{report.year - 1}年度的报告，未使用："
            "上年结转未自动填写，也未做跨年度核对"
        ),
        location=Location(organ=report.organ.name),
        expected=f"{report.organ.name} {report.year - 1}年度",
        actual=given,
    )


def load_with_previous(
    source: str | os.PathLike[str], previous: Sequence[Report] = ()
) -> tuple[Report, Report | None, tuple[Finding, ...]]:
    """Load ``source``; when last year's report of the same organ is among ``previous``, let it fill 上年结转.

    Returns ``(report, last year's report or None, findings about the choice)``: a PREVIOUS-MISMATCH
    warning when reports were given but none is this organ's for the year before.  Raises
    :class:`reportgen.InputError` when the input cannot be read.
    """
    loaded = read(Path(source))  # read once; last year is carried over below, not by the reader
    report = loaded.report
    if not previous:
        return report, None, ()
    prev = match_previous(report, previous)
    if prev is None:
        return report, None, (_unmatched(report, previous),)
    return carry_over(report, prev, loaded.omitted), prev, ()


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

    ``previous`` are last year's reports: the one of the same organ for the year before fills
    上年结转 where a YAML/JSON input leaves it out and enables the cross-year checks (none matching:
    a PREVIOUS-MISMATCH warning).  A report
    with error findings is still written — the findings travel in the result.  Files are named by
    :func:`reportgen.domain.naming.output_stem`; pass one ``names`` to a series of calls so that two
    inputs for the same organ and year get distinct files.  Raises :class:`reportgen.InputError` when the input
    cannot be read; writes are atomic.
    """
    notes: tuple[Finding, ...] = ()
    if isinstance(source, Report):
        report, name = source, "<report>"
        prev = match_previous(report, previous)
        if previous and prev is None:
            notes = (_unmatched(report, previous),)
    else:
        name = os.fspath(source)
        report, prev, notes = load_with_previous(source, previous)
    findings = tuple(
        f.with_context(file=None if isinstance(source, Report) else name, organ=report.organ.name)
        for f in (*notes, *check(report, previous=prev))
    )
    out = Path(outdir)
    stem = names.claim(output_stem(report)) if names is not None else output_stem(report)
    # Both documents are built in memory first, so a failure leaves neither, never a lone .docx.
    docx_bytes = DocxRenderer(template, version=report.format_version).render_bytes(report)
    xlsx_bytes = workbook_bytes(report, findings=findings) if xlsx else None
    docx_path = out / f"{stem}.docx"
    atomic_write_bytes(docx_path, docx_bytes)
    xlsx_path = None
    if xlsx_bytes is not None:
        xlsx_path = out / f"{stem}.xlsx"
        atomic_write_bytes(xlsx_path, xlsx_bytes)
    return Generated(source=name, report=report, findings=findings, docx=docx_path, xlsx=xlsx_path)
