"""The records of a bulk run: the :class:`Job` sent to a worker, the :class:`Done` it sends back, one
:class:`TownshipOutcome` per township and the :class:`BulkResult` — plain data, shared by every module of the run."""

from __future__ import annotations

import enum
import os
import pickle
import tempfile
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple, TypeAlias, overload

import attrs

from reportgen.domain.errors import InputError, ReportgenError
from reportgen.domain.findings import Finding, Severity, Status
from reportgen.domain.model import Figure, Report
from reportgen.formats.excel.county import RawRow
from reportgen.formats.published.extract import infer_organ_kind

__all__ = [
    "EXCLUSION_REASONS",
    "MAX_FINDINGS_KEPT",
    "MAX_MESSAGES",
    "PDF_STEM",
    "BulkResult",
    "Exclusion",
    "OutcomeFacts",
    "OutcomeSpool",
    "PdfOptions",
    "ProgressCallback",
    "RollupNote",
    "Source",
    "TownshipOutcome",
    "error_findings",
    "excluded_counts",
    "facts_of",
    "failed",
    "select",
    "status_counts",
    "temp_paths",
    "temp_pdf_dir",
]

MAX_FINDINGS_KEPT = 20
"""Findings kept per township in an outcome; the counts are always complete."""
MAX_MESSAGES = 3


class Exclusion(enum.StrEnum):
    """Why a township is left out of the county roll-up (the values are the words users see)."""

    FAILED = "失败"
    ERRORS = "有错误"
    """The township's report has error findings: its sums would make the roll-up inconsistent."""
    DUPLICATE = "重复"
    OTHER_YEAR = "年度不同"
    OTHER_FORMAT = "格式不同"
    CHECK_ONLY = "仅检查"

    @property
    def label(self) -> str:
        """The reason as shown in summary.xlsx and by the CLI: 失败, 有错误, 重复, 年度不同, 格式不同, 仅检查."""
        return str(self.value)

    @property
    def counted(self) -> str:
        """The reason as the roll-up's text counts it: ``重复的`` (``重复的1个``)."""
        return _COUNTED[self]


_COUNTED = {
    Exclusion.FAILED: "未能读取或生成的",
    Exclusion.ERRORS: "有错误的",
    Exclusion.DUPLICATE: "重复的",
    Exclusion.OTHER_YEAR: "年度不同的",
    Exclusion.OTHER_FORMAT: "报告格式不同的",
    Exclusion.CHECK_ONLY: "仅检查的",
}

EXCLUSION_REASONS = tuple(e.label for e in Exclusion)
"""The reasons of :class:`Exclusion` as text, in the order they are listed."""


@attrs.frozen
class RollupNote:
    """Why a township is not in the roll-up: a reason and the detail (``重复：与“b.yaml”为同一机关同一年度的报告``)."""

    reason: Exclusion
    detail: str

    def __str__(self) -> str:
        return f"{self.reason.label}：{self.detail}"


@attrs.frozen(kw_only=True)
class TownshipOutcome:
    """What happened to one township (a small record: safe to keep for 38,602 of them)."""

    name: str
    """The township or input as the user named it (county workbook column A, or the file name)."""
    source: str
    """Where it came from: an input file, or ``county.xlsx 数据!5``."""
    status: Status = attrs.field(converter=Status)
    organ: str = ""
    errors: int = 0
    """Error findings (or, for a failure, the problems that made it fail)."""
    warnings: int = 0
    findings: tuple[Finding, ...] = ()
    """The first :data:`MAX_FINDINGS_KEPT` findings, errors first."""
    outdir: Path | None = None
    """The output folder, when files were written (one object shared by all outcomes)."""
    stem: str = ""
    """File stem of the outputs: ``<stem>.docx`` and ``<stem>.xlsx``."""
    skipped: bool = False
    """True when nothing changed since the last run and its outputs were kept."""
    in_rollup: bool = False
    """Whether its figures are in the county roll-up."""
    rollup_note: RollupNote | None = None
    """Why it is not in the roll-up (``None`` when it is)."""
    year: int | None = None
    """The year reported on, when the input loaded."""
    format_version: str | None = None
    """``"2021"`` or ``"2019"``, when the input loaded."""
    key_figures: tuple[Figure, ...] = ()
    """The figures of the 全县各乡镇数据对照表 (:func:`reportgen.pipelines.bulk.comparison.key_values`)."""
    pdf: bool = False
    """A PDF ``<stem>.pdf`` was written (``bulk(..., pdf=True)``)."""
    pdf_error: str = ""
    """Why the PDF or its previews could not be made (the .docx and .xlsx are written all the same)."""
    pages: int = 0
    """Page previews written: ``<stem>-1.png`` … (``preview=True``)."""
    sheet: bool = False
    """The contact sheet of table 三, ``<stem>-表三.png``, was written."""

    @property
    def failed(self) -> bool:
        """Could not be loaded or rendered."""
        return self.status is Status.FAILED

    @property
    def outputs(self) -> tuple[Path, ...]:
        """The .docx and .xlsx written (or kept) for the township; empty when none."""
        if self.outdir is None or not self.stem:
            return ()
        return (self.outdir / f"{self.stem}.docx", self.outdir / f"{self.stem}.xlsx", *self.pdf_outputs)

    @property
    def output_names(self) -> tuple[str, ...]:
        """The file names of :attr:`outputs` (without building a path per file: summary.xlsx lists 38,602)."""
        if self.outdir is None or not self.stem:
            return ()
        return (f"{self.stem}.docx", f"{self.stem}.xlsx", *(p.name for p in self.pdf_outputs))

    @property
    def pdf_outputs(self) -> tuple[Path, ...]:
        """The PDF, the page previews and the contact sheet of table 三 written for the township."""
        if self.outdir is None or not self.stem or not self.pdf:
            return ()
        width = len(str(self.pages))
        pngs = tuple(self.outdir / f"{self.stem}-{n:0{width}d}.png" for n in range(1, self.pages + 1))
        sheet = (self.outdir / f"{self.stem}-表三.png",) if self.sheet else ()
        return (self.outdir / f"{self.stem}.pdf", *pngs, *sheet)

    @property
    def messages(self) -> tuple[str, ...]:
        """The first few findings as text."""
        return tuple(str(f) for f in self.findings[:MAX_MESSAGES])


class OutcomeFacts(NamedTuple):
    """What the counts and selections of a run need of one outcome (kept for every township; a few bytes)."""

    status: Status
    skipped: bool
    pdf_failed: bool
    in_rollup: bool
    exclusion: Exclusion | None
    findings: bool
    """Whether it has findings kept (the 问题 sheet reads only those outcomes back)."""
    township_level: bool | None
    """Whether the organ is a township or street (by its name); ``None`` when no organ was read."""

    @classmethod
    def of(cls, o: TownshipOutcome) -> OutcomeFacts:
        """The facts of ``o``."""
        reason = o.rollup_note.reason if not o.in_rollup and o.rollup_note is not None else None
        level = infer_organ_kind(o.organ).is_township_level if o.organ else None
        return cls(o.status, o.skipped, bool(o.pdf_error), o.in_rollup, reason, bool(o.findings), level)


def facts_of(outcomes: Iterable[TownshipOutcome]) -> Iterable[OutcomeFacts]:
    """The facts of each outcome, in order (a spool's kept ones: no pass over its file after the first)."""
    return outcomes.facts() if isinstance(outcomes, OutcomeSpool) else (OutcomeFacts.of(o) for o in outcomes)


def select(outcomes: Sequence[TownshipOutcome], wanted: Callable[[OutcomeFacts], bool]) -> Iterator[TownshipOutcome]:
    """The outcomes whose facts are ``wanted``, in input order (of a spool, only those are read back)."""
    if isinstance(outcomes, OutcomeSpool):
        return (outcomes[i] for i, f in enumerate(outcomes.facts()) if wanted(f))
    return (o for o in outcomes if wanted(OutcomeFacts.of(o)))


_OUTCOME_FIELDS = tuple(field.name for field in attrs.fields(TownshipOutcome))
_OUTDIR = _OUTCOME_FIELDS.index("outdir")
_SHARED_OUTDIR = True
"""Stands for the spool's output folder in a kept outcome (``outdir`` is otherwise a Path or None)."""
_SET = object.__setattr__  # how attrs itself sets the fields of a frozen class


class OutcomeSpool(Sequence[TownshipOutcome]):
    """The outcomes of a run, one per township in input order, kept in a temporary file instead of in memory.

    A bulk run of 38,602 townships would otherwise hold ~1.5 KB per township (findings, messages, figures) in
    the main process until the end; here each outcome is pickled into an unnamed temporary file (in the output
    folder: it disappears when the spool does, even after a kill) and read back when asked for, so the main
    process keeps 8 bytes per township.  It is a read-only :class:`~collections.abc.Sequence`: ``len``,
    indexing, slicing and iterating (in order, reading the file sequentially) work as on the tuple it replaces;
    ``==`` compares with any sequence of outcomes.  :meth:`replace` changes one outcome (the rare redo pass),
    :attr:`adjust` (set once, at the end of the run) is applied to every outcome read.
    """

    def __init__(self, folder: Path | None = None, outcomes: Iterable[TownshipOutcome] = ()) -> None:
        self._file = tempfile.TemporaryFile(dir=folder, prefix=".rg-outcomes-")  # noqa: SIM115 - lives with the spool
        self._offsets = array("q", [0])
        self._changed: dict[int, TownshipOutcome] = {}
        self._adjust: Callable[[TownshipOutcome], TownshipOutcome] | None = None
        self._facts: tuple[OutcomeFacts, ...] | None = None
        self._outdir: Path | None = None
        for outcome in outcomes:
            self.append(outcome)

    @property
    def adjust(self) -> Callable[[TownshipOutcome], TownshipOutcome] | None:
        """Applied to every outcome read back (e.g. leaving out of the roll-up the townships of another year)."""
        return self._adjust

    @adjust.setter
    def adjust(self, value: Callable[[TownshipOutcome], TownshipOutcome] | None) -> None:
        self._adjust = value
        self._facts = None

    def facts(self) -> tuple[OutcomeFacts, ...]:
        """:class:`OutcomeFacts` of every outcome (as read back), made in one pass and kept (a few bytes each):
        the counts and selections of :class:`BulkResult` need no other pass over the file."""
        if self._facts is None:
            self._facts = tuple(OutcomeFacts.of(o) for o in self)
        return self._facts

    def append(self, outcome: TownshipOutcome) -> None:
        """Add the next township's outcome."""
        self._facts = None
        data = pickle.dumps(self._state(outcome), pickle.HIGHEST_PROTOCOL)
        self._file.write(data)  # at the end: reads use pread, which leaves the file position alone
        self._offsets.append(self._offsets[-1] + len(data))

    # An outcome is kept as the tuple of its fields, its output folder (the same for every township of a run) as
    # a mark: read back, neither attrs' per-field __setstate__ nor a Path per outcome is made. The summary,
    # the roll-up's text and the closing table read all 38,602 outcomes of a big run in a few passes.

    def _state(self, outcome: TownshipOutcome) -> tuple[object, ...]:
        state = [getattr(outcome, name) for name in _OUTCOME_FIELDS]
        outdir = state[_OUTDIR]
        if outdir is not None:
            if self._outdir is None:
                self._outdir = outdir
            if outdir == self._outdir:
                state[_OUTDIR] = _SHARED_OUTDIR
        return tuple(state)

    def _outcome(self, data: bytes) -> TownshipOutcome:
        state = pickle.loads(data)
        outcome = object.__new__(TownshipOutcome)
        for name, value in zip(_OUTCOME_FIELDS, state, strict=True):
            _SET(outcome, name, value)
        if state[_OUTDIR] is _SHARED_OUTDIR:
            _SET(outcome, "outdir", self._outdir)
        return outcome

    def replace(self, index: int, outcome: TownshipOutcome) -> None:
        """Change the outcome at ``index`` (kept in memory: only the few townships of the redo pass change)."""
        if not 0 <= index < len(self):
            raise IndexError(index)
        self._changed[index] = outcome
        self._facts = None

    def raw(self, index: int) -> TownshipOutcome:
        """The outcome at ``index`` as appended or replaced (:attr:`adjust` not applied)."""
        changed = self._changed.get(index)
        if changed is not None:
            return changed
        start, end = self._offsets[index], self._offsets[index + 1]
        self._file.flush()
        return self._outcome(os.pread(self._file.fileno(), end - start, start))

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, index: int) -> TownshipOutcome: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[TownshipOutcome, ...]: ...

    def __getitem__(self, index: int | slice) -> TownshipOutcome | tuple[TownshipOutcome, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("outcome index out of range")
        outcome = self.raw(index)
        return outcome if self.adjust is None else self.adjust(outcome)

    def __iter__(self) -> Iterator[TownshipOutcome]:
        self._file.flush()
        fd, offsets, changed, adjust = self._file.fileno(), self._offsets, self._changed, self.adjust
        block, block_start = b"", 0
        for i in range(len(offsets) - 1):
            start, end = offsets[i], offsets[i + 1]
            if end > block_start + len(block):  # read ahead ~1 MB at a time: one system call per ~700 outcomes
                block_start = start
                block = os.pread(fd, max(end - start, 1 << 20), start)
            outcome = changed.get(i)
            if outcome is None:
                outcome = self._outcome(block[start - block_start:end - block_start])
            yield outcome if adjust is None else adjust(outcome)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable while the run appends

    def __repr__(self) -> str:
        return f"<OutcomeSpool of {len(self)} outcomes>"

    def close(self) -> None:
        """Remove the temporary file now (else when the spool is garbage-collected)."""
        self._file.close()


@attrs.frozen(kw_only=True)
class BulkResult:
    """The outcome of a bulk run."""

    outdir: Path
    outcomes: Sequence[TownshipOutcome]
    """One per township, in input order.  :func:`reportgen.bulk` gives an :class:`OutcomeSpool` (a sequence
    read back from a temporary file, so that a run's memory does not grow with its townships); any sequence
    of outcomes may be given."""
    summary: Path | None
    rollup: Report | None = None
    """The county roll-up (sums of the figures of every township that loaded); ``None`` if none did."""
    rollup_outputs: tuple[Path, ...] = ()
    rollup_findings: tuple[Finding, ...] = ()
    fonts_substituted: tuple[str, ...] = ()
    """Official fonts missing on this machine and the free fonts the PDFs used instead (once each)."""

    def where(self, wanted: Callable[[OutcomeFacts], bool]) -> tuple[TownshipOutcome, ...]:
        """The outcomes whose :class:`OutcomeFacts` are ``wanted``, in input order (only those are read back)."""
        return tuple(select(self.outcomes, wanted))

    def township_level(self) -> bool:
        """Whether every input is a township or street, as its organ's name says (the file names, when no organ
        was read at all)."""
        levels = [f.township_level for f in facts_of(self.outcomes) if f.township_level is not None]
        if levels:
            return all(levels)
        names = [o.name for o in self.outcomes]
        return bool(names) and all(infer_organ_kind(n).is_township_level for n in names)

    @property
    def failed(self) -> tuple[TownshipOutcome, ...]:
        """Townships that could not be loaded or rendered."""
        return self.where(lambda f: f.status is Status.FAILED)

    @property
    def pdf_failed(self) -> tuple[TownshipOutcome, ...]:
        """Townships whose PDF (or its previews) could not be made (``bulk(..., pdf=True)``)."""
        return self.where(lambda f: f.pdf_failed)

    @property
    def with_errors(self) -> tuple[TownshipOutcome, ...]:
        """Townships rendered but with error findings."""
        return self.where(lambda f: f.status is Status.ERRORS)

    @property
    def skipped(self) -> tuple[TownshipOutcome, ...]:
        """Townships left as they were (unchanged since the last run)."""
        return self.where(lambda f: f.skipped)

    @property
    def in_rollup_count(self) -> int:
        """How many townships the county roll-up counts."""
        return sum(f.in_rollup for f in facts_of(self.outcomes))

    def excluded(self) -> dict[str, int]:
        """Townships left out of the roll-up, per reason (:data:`EXCLUSION_REASONS`; only reasons that occur)."""
        return {reason.label: n for reason, n in excluded_counts(self.outcomes).items()}

    def counts(self) -> dict[str, int]:
        """Number of townships per status."""
        return status_counts(self.outcomes)

    @property
    def exit_code(self) -> int:
        """0 when every township passed or has only warnings; 1 when any failed, has errors or lacks its PDF."""
        bad = (Status.FAILED, Status.ERRORS)
        return 1 if any(f.status in bad or f.pdf_failed for f in facts_of(self.outcomes)) else 0


def excluded_counts(outcomes: Iterable[TownshipOutcome]) -> dict[Exclusion, int]:
    """Townships not in the roll-up per reason, in the order of :class:`Exclusion` (only reasons that occur)."""
    counts = Counter(f.exclusion for f in facts_of(outcomes) if f.exclusion is not None)
    return {r: counts[r] for r in Exclusion if counts.get(r)}


def status_counts(outcomes: Iterable[TownshipOutcome]) -> dict[str, int]:
    """``{status text: number of townships}`` for 通过, 有警告, 有错误, 失败 (in that order)."""
    counts = Counter(f.status for f in facts_of(outcomes))
    return {s.label: counts.get(s, 0) for s in (Status.OK, Status.WARNINGS, Status.ERRORS, Status.FAILED)}


ProgressCallback: TypeAlias = Callable[[int, "int | None", TownshipOutcome], None]
"""``progress(done, total, outcome)`` — called in the calling process after each township."""


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
class Source:
    """One township as discovered: a file to load, a report already built, a raw county row, or why it cannot be read."""

    name: str
    source: str
    path: str | None = None
    report: Report | None = None
    error: InputError | None = None
    county: str | None = None
    """The county workbook ``row`` comes from (read by the worker, which builds the report)."""
    row: RawRow | None = None
    """One 数据 row as read: built into a report in the worker (:func:`reportgen.formats.excel.county.build_row`)."""

    @property
    def county_row(self) -> int | None:
        """The county workbook's 数据 row of this township (its findings then name cells of that row)."""
        return self.row[0] if self.row is not None else None


@attrs.frozen
class PdfOptions:
    """How a worker makes PDFs: the LibreOffice to use, the timeout per document, page previews or not."""

    soffice: str | None = None
    timeout: float = 60.0
    preview: bool = False


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
    county: str | None = None
    row: RawRow | None = None
    pdf: PdfOptions | None = None
    """Also make a PDF (and previews) of the .docx, through the worker's warm LibreOffice."""

    @property
    def county_row(self) -> int | None:
        """The county workbook's 数据 row of this township, if it came from one."""
        return self.row[0] if self.row is not None else None


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
    fonts: tuple[str, ...] = ()
    """Font substitutions in the township's PDF, as text."""


def error_findings(exc: BaseException, file: str | None, organ: str | None) -> tuple[Finding, ...]:
    """Why a township failed, as findings located in ``file`` and ``organ`` (an unexpected exception: BULK-INTERNAL)."""
    if isinstance(exc, ReportgenError):
        findings = exc.as_findings()
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


def temp_pdf_dir(outdir: Path, temp: str) -> Path:
    """The temporary folder of a job's PDF and previews (``d.pdf``, ``d-1.png`` …, ``d-表三.png``)."""
    return outdir / f"{temp}.pdf.part"


PDF_STEM = "d"
"""Stem of the PDF inside :func:`temp_pdf_dir` (its previews are ``d-1.png`` …, ``d-表三.png``)."""
