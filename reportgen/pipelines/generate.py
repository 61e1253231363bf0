"""The one pipeline of one report: read → carry over → check → render .docx/.xlsx bytes → write both.

::

    read_and_check(source, previous)   load (a file) · 上年结转 from last year (load_with_previous) · check
        │                              → Checked(report, previous, findings located in file and organ)
    render_documents(checked)          the .docx and .xlsx as bytes, both built before anything is written
        │
    write_together(paths and bytes)    temporary files beside the targets, then renamed: both or neither

:func:`generate` (and ``reportgen render``) runs all three, the workers of :func:`reportgen.bulk` run them
writing under temporary names that the main process renames in input order, ``reportgen check`` and
:func:`reportgen.audit` run the first.  Templates are prepared once per process, so a loop costs only the
per-report work.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
from lxml import etree

from reportgen.domain.carry import CARRIED_OVER, carry_over
from reportgen.domain.checks import check
from reportgen.domain.codes import EX_NOT_REPORT, IN_COUNTY_WORKBOOK, OUT_EXISTS
from reportgen.domain.errors import ExtractError, InputError, OutputError
from reportgen.domain.findings import Finding, Location, Severity, has_errors
from reportgen.domain.layout import FormatVersion, normalize_label
from reportgen.domain.model import Report
from reportgen.domain.naming import UniqueStems, output_stem
from reportgen.formats._io import atomic_path
from reportgen.formats.excel.county import is_county_workbook
from reportgen.formats.excel.locate import county_locator, form_locator, locate_findings
from reportgen.formats.excel.write import workbook_bytes
from reportgen.formats.load import read
from reportgen.formats.word.render import DocxRenderer

__all__ = [
    "Checked",
    "Generated",
    "county_workbook_error",
    "docx_renderer",
    "generate",
    "load_with_previous",
    "match_previous",
    "not_a_report_error",
    "read_and_check",
    "refuse_existing",
    "render_documents",
    "write_together",
]


@attrs.frozen(kw_only=True)
class Generated:
    """What :func:`generate` produced for one input."""

    source: str
    report: Report
    findings: tuple[Finding, ...]
    """Check findings, located in the input file and organ."""
    docx: Path
    xlsx: Path | None
    previous: Report | None = None
    """Last year's report of the same organ, when one of ``previous`` was: the cross-year checks ran against it."""
    carried_over: bool = False
    """Whether 上年结转 was filled from :attr:`previous` (the input left it out)."""

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


def county_workbook_error(path: str | os.PathLike[str]) -> InputError:
    """IN-COUNTY-WORKBOOK: ``path`` is a county workbook (one row per township), not one report's input."""
    return InputError.single(
        IN_COUNTY_WORKBOOK.code,
        "这是县级汇总填报表（每行一个乡镇），不是一份报告的输入：请用 reportgen bulk 生成全县报告，"
        "只检查用 reportgen bulk --check-only（a county workbook: use reportgen bulk / bulk --check-only）。",
        Location(file=os.fspath(path)),
    )


_NOT_REPORT_SIGNS = frozenset({"EX-TITLE", "EX-TABLE-MISSING"})


def not_a_report_error(exc: InputError, path: str | os.PathLike[str]) -> InputError | None:
    """EX-NOT-REPORT when a published document showed nothing of an annual report — no title and none of the
    three tables — instead of four "找不到表二…" findings; ``None`` when it looked like a report in part."""
    codes = {f.code for f in exc.findings}
    tables = {f.location.table for f in exc.findings if f.code == "EX-TABLE-MISSING"}
    if not exc.findings or not codes <= _NOT_REPORT_SIGNS or "EX-TITLE" not in codes or len(tables) < 3:
        return None
    return ExtractError.single(
        EX_NOT_REPORT.code,
        "不是政府信息公开工作年度报告：没有“××××年度政府信息公开工作年度报告”的标题，也没有表二、表三、表四"
        "（not an annual information-disclosure report）。如确是年度报告，请确认不是扫描件或图片。",
        Location(file=os.fspath(path)),
    )


def load_with_previous(
    source: str | os.PathLike[str], previous: Sequence[Report] = ()
) -> tuple[Report, Report | None, tuple[Finding, ...]]:
    """Load ``source``; when last year's report of the same organ is among ``previous``, let it fill 上年结转.

    Returns ``(report, last year's report or None, findings about the choice)``: a PREVIOUS-MISMATCH
    warning when reports were given but none is this organ's for the year before.  Raises
    :class:`reportgen.InputError` when the input cannot be read.
    """
    report, prev, notes, _ = _load_with_previous(source, previous)
    return report, prev, notes


def _load_with_previous(
    source: str | os.PathLike[str], previous: Sequence[Report]
) -> tuple[Report, Report | None, tuple[Finding, ...], bool]:
    """:func:`load_with_previous`, and whether 上年结转 was filled from last year's report."""
    path = Path(source)
    try:
        loaded = read(path)  # read once; last year is carried over below, not by the reader
    except InputError as exc:
        if path.suffix.lower() == ".xlsx" and is_county_workbook(path):  # checked only when reading failed
            raise county_workbook_error(path) from exc
        if path.suffix.lower() == ".xlsx" and any(f.location.path for f in exc.findings):
            # An Excel user is shown sheet!cell, never the YAML path of the figure.
            raise InputError(exc.message, code=exc.code, location=attrs.evolve(exc.location, path=None),
                             findings=[attrs.evolve(f, location=attrs.evolve(f.location, path=None))
                                       for f in exc.findings]) from exc
        raise not_a_report_error(exc, path) or exc from exc
    report = loaded.report
    if not previous:
        return report, None, (), False
    prev = match_previous(report, previous)
    if prev is None:
        return report, None, (_unmatched(report, previous),), False
    return carry_over(report, prev, loaded.omitted), prev, (), CARRIED_OVER in loaded.omitted


@attrs.frozen(kw_only=True)
class Checked:
    """A report read and checked (:func:`read_and_check`), ready to render."""

    source: str
    """The input as named in findings: its path as given, or ``<report>``."""
    report: Report
    previous: Report | None
    """Last year's report of the same organ, when one was given: it filled 上年结转 and the cross-year checks."""
    findings: tuple[Finding, ...]
    """PREVIOUS-MISMATCH (if any) and the checks' findings, located in the input file and organ."""
    carried_over: bool = False
    """Whether 上年结转 was filled from :attr:`previous` (the input left it out)."""


def read_and_check(
    source: str | os.PathLike[str] | Report,
    *,
    previous: Sequence[Report] = (),
    file: str | None = None,
    county_row: int | None = None,
) -> Checked:
    """Read ``source`` (a file, or a :class:`Report` as it is), carry over 上年结转 from ``previous`` and check it.

    ``file``: how findings name the input (default: the path as given; none for a report).  Raises
    :class:`reportgen.InputError` when the input cannot be read.  Findings of a workbook input (an .xlsx file,
    or ``county_row``: the report of that 数据 row of a county workbook) name the ``sheet!cell`` of the figure or
    text they concern, never an input path.
    """
    notes: tuple[Finding, ...] = ()
    carried = False
    if isinstance(source, Report):
        report, name = source, "<report>"
        prev = match_previous(report, previous)
        if previous and prev is None:
            notes = (_unmatched(report, previous),)
    else:
        name = os.fspath(source)
        file = name if file is None else file
        report, prev, notes, carried = _load_with_previous(source, previous)
    organ = report.organ.name
    findings = tuple(f.with_context(file=file, organ=organ) for f in (*notes, *check(report, previous=prev)))
    if county_row is not None:
        findings = locate_findings(findings, county_locator(report.format_version, county_row))
    elif not isinstance(source, Report) and Path(source).suffix.lower() == ".xlsx":
        findings = locate_findings(findings, form_locator(report.format_version))
    return Checked(source=name, report=report, previous=prev, findings=findings, carried_over=carried)


_RENDERERS: dict[tuple[str | None, int, int, FormatVersion], DocxRenderer] = {}


def docx_renderer(template: str | os.PathLike[str] | None, version: FormatVersion) -> DocxRenderer:
    """The Word renderer of ``template`` (``None``: the official one) for ``version``, made once per process.

    :class:`DocxRenderer` caches the prepared template by content, but constructing one reads and hashes
    the template file; a bulk worker rendering thousands of reports does that once.  A template file changed
    on disk (other modification time or size) gets a new renderer.
    """
    path = None if template is None else os.fspath(template)
    try:
        stat = os.stat(path) if path is not None else None
    except OSError:
        stat = None  # missing: DocxRenderer raises the located TemplateError
    key = (path, stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0, version)
    renderer = _RENDERERS.get(key)
    if renderer is None:
        renderer = DocxRenderer(template, version=version)
        if len(_RENDERERS) >= 16:  # a long-lived process editing its template: keep the cache small
            _RENDERERS.pop(next(iter(_RENDERERS)))
        _RENDERERS[key] = renderer
    return renderer


@attrs.define
class SpoolGuard:
    """Handed out by :func:`quiet_spool_errors`; set :attr:`failed` when a failure was caught inside."""

    failed: bool = False


@contextlib.contextmanager
def quiet_spool_errors() -> Iterator[SpoolGuard]:
    """Keep openpyxl's abandoned spool generators from printing "Exception ignored … IO_EFBIG" tracebacks
    when a full disk stops a workbook (the failure itself is reported as OUT-WRITE).

    The abandoned generators are finalised (``gc.collect()``) only after a failure — an exception leaving
    the block, or ``guard.failed`` set by a handler inside it: a full collection costs ~40 ms in a bulk
    worker, more than rendering a township.
    """
    previous = sys.unraisablehook
    guard = SpoolGuard()

    def hook(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, (OSError, etree.SerialisationError)):
            previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield guard
    except BaseException:
        guard.failed = True
        raise
    finally:
        if guard.failed:
            gc.collect()  # finalise the abandoned generators while the hook is in place
        sys.unraisablehook = previous


def render_documents(
    checked: Checked, *, template: str | os.PathLike[str] | None = None, xlsx: bool = True
) -> tuple[bytes, bytes | None]:
    """The .docx (and, with ``xlsx``, the companion .xlsx listing the findings) of ``checked``, as bytes.

    Raises :class:`reportgen.TemplateError` / :class:`reportgen.RenderError`; nothing is written.
    """
    report = checked.report
    docx = docx_renderer(template, report.format_version).render_bytes(report)
    failure: str | None = None
    with quiet_spool_errors() as guard:
        try:
            workbook = workbook_bytes(report, findings=checked.findings) if xlsx else None
        except (OSError, etree.SerialisationError) as exc:
            # the workbook's template is built once per process through openpyxl, which spools through
            # temporary files even when saving to memory: a full temporary folder fails here.
            failure = str(exc)
            guard.failed = True
    if failure is not None:  # raised outside the handler: the spool's frames are already gone
        raise OutputError(f"无法生成 Excel 数据表：临时文件无法写入（{failure}）；请检查磁盘空间（临时文件夹 "
                          f"{tempfile.gettempdir()}）。",
                          location=Location(organ=report.organ.name, file=tempfile.gettempdir()))
    return docx, workbook


def write_together(files: Sequence[tuple[Path, bytes]]) -> None:
    """Write each ``(path, bytes)`` atomically, all or none: every temporary file is written before any is renamed.

    A failure while writing removes every temporary file and leaves the targets as they were, so a
    report's .docx never appears without its .xlsx.  Raises :class:`reportgen.domain.errors.OutputError`.
    """
    for path, _ in files:
        # Checked first: the renames happen one by one, and a folder on the second name would otherwise
        # fail after the first file had already appeared.
        if path.is_dir():
            raise OutputError(f"无法写入文件 {path}：该位置已有一个同名文件夹；请移走或改名后重试。",
                              location=Location(file=str(path)))
    with contextlib.ExitStack() as stack:
        temps = [(stack.enter_context(atomic_path(path)), data) for path, data in files]
        for temp, data in temps:
            temp.write_bytes(data)
    # Leaving the stack renames each temporary file onto its target (a rename in one folder).


def refuse_existing(paths: Sequence[Path]) -> None:
    """Raise ``OUT-EXISTS`` naming every one of ``paths`` that exists (nothing is written then)."""
    existing = [p for p in paths if p.exists()]
    if existing:
        raise OutputError(
            "文件已存在，未覆盖：" + "、".join(str(p) for p in existing)
            + "（可能是手工修改过的文件；加 --force 覆盖 / use --force to overwrite）",
            code=OUT_EXISTS.code, location=Location(file=str(existing[0])),
        )


def generate(
    source: str | os.PathLike[str] | Report,
    outdir: str | os.PathLike[str],
    *,
    template: str | os.PathLike[str] | None = None,
    previous: Sequence[Report] = (),
    xlsx: bool = True,
    names: UniqueStems | None = None,
    overwrite: bool = True,
    companions: Sequence[str] = (),
) -> Generated:
    """Load ``source`` (a file or a :class:`Report`), check it and write ``<stem>.docx`` and ``<stem>.xlsx``.

    ``previous`` are last year's reports: the one of the same organ for the year before fills
    上年结转 where a YAML/JSON input leaves it out and enables the cross-year checks (none matching:
    a PREVIOUS-MISMATCH warning).  A report
    with error findings is still written — the findings travel in the result.  Files are named by
    :func:`reportgen.domain.naming.output_stem`; pass one ``names`` to a series of calls so that two
    inputs for the same organ and year get distinct files.  Raises :class:`reportgen.InputError` when the input
    cannot be read; the two files are written together or not at all.  ``overwrite=False``: raise
    :class:`reportgen.domain.errors.OutputError` (``OUT-EXISTS``) instead of replacing an existing output
    (``reportgen render`` without ``--force``); ``companions``: suffixes of files made from the outputs later
    (``(".pdf",)``) that must not be replaced either.
    """
    checked = read_and_check(source, previous=previous)
    report = checked.report
    out = Path(outdir)
    stem = names.claim(output_stem(report)) if names is not None else output_stem(report)
    docx_bytes, xlsx_bytes = render_documents(checked, template=template, xlsx=xlsx)
    docx_path, xlsx_path = out / f"{stem}.docx", None
    files = [(docx_path, docx_bytes)]
    if xlsx_bytes is not None:
        xlsx_path = out / f"{stem}.xlsx"
        files.append((xlsx_path, xlsx_bytes))
    if not overwrite:
        refuse_existing([path for path, _ in files] + [out / f"{stem}{suffix}" for suffix in companions])
    write_together(files)
    return Generated(source=checked.source, report=report, findings=checked.findings, docx=docx_path,
                     xlsx=xlsx_path, previous=checked.previous, carried_over=checked.carried_over)
