"""Bulk generation: every township of a county (or of the country) in one call.

::

    inputs ──► main process ─────────────────────────────────────────────► OUTDIR/
               │ scan the folder / stream the county workbook rows           <stem>.docx, <stem>.xlsx
               │ skip a township when the manifest says nothing changed      summary.xlsx
               │ submit ≤ max_in_flight jobs ──► workers: load, check,       <roll-up>.docx/.xlsx
               │                                  render to temporary .part  .reportgen-manifest.jsonl
               │ ◄── small outcome records (status, counts, first messages, non-zero figures)
               │ in input order: name the outputs (organ + year, safe, unique) and rename them,
               │   drop a second report of the same organ and year, add to the roll-up sums
               └ at the end: pick the roll-up's year and format; progress callback on each return

A *job* sent to a worker holds an input file path or one township's :class:`~reportgen.domain.model.Report`
(rows of a county workbook), never more; a worker sends back a :class:`TownshipOutcome` and the
township's non-zero leaf figures, which the main process adds to the county roll-up and forgets.
At most ``max_in_flight`` jobs exist at a time (:func:`reportgen.pipelines.parallel.bounded_map`), so memory
stays flat for any number of townships.

Status of a township: ``通过`` (no findings), ``有警告``, ``有错误`` (error findings — still rendered),
``失败`` (could not be loaded or rendered).  :attr:`BulkResult.exit_code` is 1 when any township is
``有错误`` or ``失败``.

Re-running skips a township whose input content, template and reportgen version are unchanged and
whose outputs still exist (``force=True`` redoes everything).  The manifest is a JSON-lines journal:
each finished township is appended as one line with one ``write``, so a killed run loses at most the
line being written (a torn last line is ignored and the file is compacted atomically on the next
run).  Every output is written to a temporary ``.<name>.part`` file and renamed into place; stale
``.part`` files of a killed run are removed at the start.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import importlib.metadata
import json
import os
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeAlias

import attrs

from reportgen.domain.errors import InputError, ReportgenError
from reportgen.domain.findings import Finding, Location, Severity, Status, status_of
from reportgen.domain.layout import FormatVersion, get_layout
from reportgen.domain.model import Figure, Organ, OrganKind, OtherItem, Overview, Report, Subsection, Table
from reportgen.domain.naming import UniqueStems, output_stem
from reportgen.domain.prose import format_amount, strip_number
from reportgen.formats._io import atomic_path, atomic_write_bytes
from reportgen.formats.excel import county as county_mod
from reportgen.pipelines.parallel import Completed, InlineExecutor, bounded_map, default_jobs, process_pool

__all__ = [
    "EXCLUSION_REASONS",
    "INPUT_SUFFIXES",
    "MANIFEST_NAME",
    "SUMMARY_NAME",
    "BulkInput",
    "BulkResult",
    "ProgressCallback",
    "Status",
    "TownshipOutcome",
    "bulk",
    "iter_inputs",
]

SUMMARY_NAME = "summary.xlsx"
MANIFEST_NAME = ".reportgen-manifest.jsonl"
INPUT_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")
"""Input files picked up from a folder (``.xlsx``: a filled single form, or a county workbook)."""
MAX_FINDINGS_KEPT = 20
"""Findings kept per township in an outcome; the counts are always complete."""
MAX_MESSAGES = 3
_MANIFEST_VERSION = 2
EXCLUSION_REASONS = ("失败", "重复", "年度不同", "格式不同", "仅检查")
"""Why a township is left out of the roll-up (the part of :attr:`TownshipOutcome.rollup_note` before ``：``)."""


@attrs.frozen(kw_only=True)
class TownshipOutcome:
    """What happened to one township (a small record: safe to keep for 38,602 of them)."""

    name: str
    """The township or input as the user named it (county workbook column A, or the file name)."""
    source: str
    """Where it came from: an input file, or ``county.xlsx 数据!5``."""
    status: str
    """One of :class:`Status`."""
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
    rollup_note: str = ""
    """Why it is not in the roll-up, ``<reason>：<detail>`` (reason one of :data:`EXCLUSION_REASONS`)."""
    year: int | None = None
    """The year reported on, when the input loaded."""
    format_version: str | None = None
    """``"2021"`` or ``"2019"``, when the input loaded."""

    @property
    def failed(self) -> bool:
        """Could not be loaded or rendered."""
        return self.status == Status.FAILED

    @property
    def outputs(self) -> tuple[Path, ...]:
        """The .docx and .xlsx written (or kept) for the township; empty when none."""
        if self.outdir is None or not self.stem:
            return ()
        return (self.outdir / f"{self.stem}.docx", self.outdir / f"{self.stem}.xlsx")

    @property
    def messages(self) -> tuple[str, ...]:
        """The first few findings as text."""
        return tuple(str(f) for f in self.findings[:MAX_MESSAGES])


@attrs.frozen(kw_only=True)
class BulkResult:
    """The outcome of a bulk run."""

    outdir: Path
    outcomes: tuple[TownshipOutcome, ...]
    """One per township, in input order."""
    summary: Path | None
    rollup: Report | None = None
    """The county roll-up (sums of the figures of every township that loaded); ``None`` if none did."""
    rollup_outputs: tuple[Path, ...] = ()
    rollup_findings: tuple[Finding, ...] = ()

    @property
    def failed(self) -> tuple[TownshipOutcome, ...]:
        """Townships that could not be loaded or rendered."""
        return tuple(o for o in self.outcomes if o.status == Status.FAILED)

    @property
    def with_errors(self) -> tuple[TownshipOutcome, ...]:
        """Townships rendered but with error findings."""
        return tuple(o for o in self.outcomes if o.status == Status.ERRORS)

    @property
    def skipped(self) -> tuple[TownshipOutcome, ...]:
        """Townships left as they were (unchanged since the last run)."""
        return tuple(o for o in self.outcomes if o.skipped)

    def excluded(self) -> dict[str, int]:
        """Townships left out of the roll-up, per reason (:data:`EXCLUSION_REASONS`; only reasons that occur)."""
        counts = Counter(o.rollup_note.split("：", 1)[0] for o in self.outcomes if not o.in_rollup)
        return {r: counts[r] for r in EXCLUSION_REASONS if counts.get(r)}

    def counts(self) -> dict[str, int]:
        """Number of townships per status."""
        counts = Counter(o.status for o in self.outcomes)
        return {s: counts.get(s, 0) for s in (Status.OK, Status.WARNINGS, Status.ERRORS, Status.FAILED)}

    @property
    def exit_code(self) -> int:
        """0 when every township passed or has only warnings; 1 when any failed or has errors."""
        return 1 if self.failed or self.with_errors else 0


ProgressCallback: TypeAlias = Callable[[int, "int | None", TownshipOutcome], None]
"""``progress(done, total, outcome)`` — called in the calling process after each township."""

BulkInput: TypeAlias = "str | os.PathLike[str] | Report | tuple[str, Report | InputError]"
"""One item of an iterable given to :func:`bulk`: an input file, a report, or ``(name, report or error)``."""


# --------------------------------------------------------------------------------------------
# Sources: what the main process knows about a township before a worker touches it


@attrs.frozen
class _Source:
    name: str
    source: str
    path: str | None = None
    report: Report | None = None
    error: InputError | None = None


def _folder_files(folder: Path, outdir: Path | None) -> list[Path]:
    out_resolved = outdir.resolve() if outdir is not None else None
    files = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith((".", "~$")) or not p.is_file() or p.suffix.lower() not in INPUT_SUFFIXES:
            continue
        if out_resolved is not None and p.resolve().parent == out_resolved:
            continue  # never read our own outputs back as inputs
        files.append(p)
    return files


def _county_sources(path: Path) -> Iterator[_Source]:
    for i, (name, result) in enumerate(county_mod.iter_county(path), start=1):
        source = f"{path.name} #{i}"
        if isinstance(result, InputError):
            cell = result.location.cell
            yield _Source(name, f"{path.name} {cell}" if cell else source, error=result)
        else:
            yield _Source(name, source, report=result)


def iter_inputs(
    inputs: str | os.PathLike[str] | Iterable[BulkInput], *, outdir: str | os.PathLike[str] | None = None
) -> Iterator[tuple[str, Report | InputError | Path]]:
    """The townships ``inputs`` stands for, lazily: ``(name, report, error or file to load)``.

    ``inputs``: a folder of input files (``.yaml``/``.yml``/``.json``/``.xlsx``, county workbooks
    expanded), a county workbook, a single input file, or an iterable of files, reports and
    ``(name, report or InputError)`` pairs.
    """
    for src in _sources(inputs, Path(outdir) if outdir is not None else None):
        yield src.name, src.report or src.error or Path(src.path or "")


def _sources(inputs: str | os.PathLike[str] | Iterable[BulkInput], outdir: Path | None) -> Iterator[_Source]:
    if isinstance(inputs, (str, os.PathLike)):
        path = Path(inputs)
        if path.is_dir():
            for p in _folder_files(path, outdir):
                yield from _path_sources(p)
        elif county_mod.is_county_workbook(path):
            yield from _county_sources(path)  # unusable as a whole: InputError for the whole run
        else:
            yield from _path_sources(path)
        return
    for item in inputs:
        if isinstance(item, Report):
            yield _Source(item.organ.name, item.organ.name, report=item)
        elif isinstance(item, tuple):
            name, result = item
            if isinstance(result, Report):
                yield _Source(name, name, report=result)
            else:
                yield _Source(name, name, error=result)
        else:
            yield from _path_sources(Path(item))


def _path_sources(path: Path) -> Iterator[_Source]:
    if path.suffix.lower() == ".xlsx" and county_mod.is_county_workbook(path):
        try:
            yield from _county_sources(path)
        except InputError as exc:  # the workbook as a whole is unusable
            yield _Source(path.name, str(path), error=exc)
    else:
        yield _Source(path.stem, str(path), path=str(path))


def _estimate_total(inputs: object, outdir: Path | None) -> int | None:
    if isinstance(inputs, (str, os.PathLike)):
        path = Path(inputs)
        if path.is_dir():
            files = _folder_files(path, outdir)
            if not any(p.suffix.lower() == ".xlsx" and county_mod.is_county_workbook(p) for p in files):
                return len(files)
            return None
        if county_mod.is_county_workbook(path):
            return _county_rows(path)
        return 1
    return len(inputs) if isinstance(inputs, Sized) else None


def _county_rows(path: Path) -> int | None:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True)
        try:
            rows = wb[county_mod.DATA_SHEET].max_row
        finally:
            wb.close()
    except Exception:
        return None
    return max(0, rows - county_mod.HEADER_ROWS) if rows else None


# --------------------------------------------------------------------------------------------
# Jobs and the worker side


@attrs.frozen
class _Job:
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
class _Done:
    """What a worker sends back."""

    outcome: TownshipOutcome
    wanted: str = ""
    """The output stem the report asks for (:func:`~reportgen.domain.naming.output_stem`), before de-duplication."""
    temp: str | None = None
    """Stem of the temporary outputs when they were written."""
    version: str | None = None
    year: int | None = None
    organ: tuple[str, str, str, str] | None = None
    """(kind, province, city, county) of the organ, for naming the roll-up."""
    figures: dict[str, str] | None = None
    """Non-zero leaf figures ``table.row.column`` → value (as text), and ``fee``."""


_RENDERERS: dict[tuple[str | None, FormatVersion], Any] = {}


def _docx_renderer(template: str | None, version: FormatVersion) -> Any:
    # One prepared renderer per process (and template): preparing costs ~100 ms, rendering ~4 ms.
    key = (template, version)
    renderer = _RENDERERS.get(key)
    if renderer is None:
        from reportgen.formats.word.render import DocxRenderer

        renderer = _RENDERERS[key] = DocxRenderer(template, version=version)
    return renderer


def _init_worker(template: str | None) -> None:
    """Prepare the Word template once per worker process (a no-op when inherited by fork)."""
    with contextlib.suppress(ReportgenError):
        _docx_renderer(template, FormatVersion.V2021)


def _figures(report: Report) -> dict[str, str]:
    out: dict[str, str] = {}
    for table in report.tables():
        for (row, col), value in table.figures.items():
            if value:
                out[f"{table.key}.{row}.{col}"] = str(value)
    if report.processing_fee:
        out["fee"] = str(report.processing_fee)
    return out


def _error_findings(exc: BaseException, file: str | None, organ: str | None) -> tuple[Finding, ...]:
    if isinstance(exc, ReportgenError):
        findings = exc.findings or (
            Finding(code=exc.code, severity=Severity.ERROR, message=exc.message, location=exc.location),
        )
    else:
        findings = (Finding(code="BULK-INTERNAL", severity=Severity.ERROR,
                            message=f"内部错误：{type(exc).__name__}: {exc}"),)
    return tuple(f.with_context(file=file, organ=organ) for f in findings)


def _failed(name: str, source: str, exc: BaseException, file: str | None, organ: str = "") -> TownshipOutcome:
    findings = _error_findings(exc, file, organ or name)
    return TownshipOutcome(name=name, source=source, status=Status.FAILED, organ=organ,
                           errors=max(1, sum(f.is_error for f in findings)),
                           findings=findings[:MAX_FINDINGS_KEPT])


def _run_job(job: _Job) -> _Done:
    """Load, check and render one township (runs in a worker)."""
    from reportgen.domain.checks import check

    file = job.path and Path(job.path).name
    report = job.report
    if report is None:
        from reportgen.formats.load import load

        try:
            report = load(job.path or "")
        except Exception as exc:
            return _Done(_failed(job.name, job.source, exc, file))
    organ = report.organ.name
    try:
        findings = [f.with_context(file=file, organ=organ) for f in check(report)]
        written = False
        if not job.check_only:
            # The final name is given by the main process, in input order (see bulk()); write under a temporary one.
            docx, xlsx = _temp_paths(Path(job.outdir), job.temp)
            try:
                atomic_write_bytes(docx, _docx_renderer(job.template, report.format_version).render_bytes(report))
                from reportgen.formats.excel.write import render_xlsx

                render_xlsx(report, xlsx, findings=findings)
            except BaseException:
                with contextlib.suppress(OSError):
                    docx.unlink(missing_ok=True)
                raise
            written = True
    except Exception as exc:
        return _Done(_failed(job.name, job.source, exc, file, organ))
    errors = sum(f.is_error for f in findings)
    version = report.format_version.value
    outcome = TownshipOutcome(
        name=job.name, source=job.source, status=status_of(findings), organ=organ, errors=errors,
        warnings=len(findings) - errors, findings=tuple(findings[:MAX_FINDINGS_KEPT]),
        year=report.year, format_version=version,
    )
    o = report.organ
    return _Done(outcome, output_stem(report), job.temp if written else None, version, report.year,
                 (o.kind.value, o.province, o.city, o.county), _figures(report))


def _temp_paths(outdir: Path, temp: str) -> tuple[Path, Path]:
    return outdir / f"{temp}.docx.part", outdir / f"{temp}.xlsx.part"


# --------------------------------------------------------------------------------------------
# Manifest


def _version() -> str:
    try:
        return importlib.metadata.version("reportgen")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


def _template_digest(template: str | None) -> str:
    """What the outputs depend on besides the input: the custom template, or every default one."""
    h = hashlib.sha256()
    if template is None:
        from reportgen.formats.word.render import DEFAULT_TEMPLATE_NAMES, default_template_path

        for version in sorted(DEFAULT_TEMPLATE_NAMES, key=lambda v: v.value):
            h.update(default_template_path(version).read_bytes())
    else:
        h.update(Path(template).read_bytes())
    return h.hexdigest()


def _input_digest(src: _Source) -> str:
    h = hashlib.sha256()
    if src.path is not None:
        h.update(Path(src.path).suffix.lower().encode())
        try:
            h.update(Path(src.path).read_bytes())
        except OSError:
            return ""  # unreadable: never skipped; the worker reports it
    elif src.report is not None:
        h.update(repr(src.report).encode("utf-8"))
    return h.hexdigest()


class _Manifest:
    """``input id → record`` of the townships finished in earlier runs, and the journal of this run.

    The id names the input, not the output: a file's path, or a report's wanted stem and its occurrence
    (output stems are only known once an input is loaded and named in input order).
    """

    def __init__(self, outdir: Path) -> None:
        self.path = outdir / MANIFEST_NAME
        self.previous: dict[str, str] = {}  # input id → raw JSON line (parsed only when used)
        self._fd: int | None = None
        if not self.path.exists():
            return
        raw = self.path.read_bytes().decode("utf-8", errors="replace").splitlines()
        dirty = False
        for line in raw:
            try:
                record = json.loads(line)
                ident = record["id"]
                if record.get("v") != _MANIFEST_VERSION:
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                dirty = True  # a torn last line of a killed run, or an older format
                continue
            dirty = dirty or ident in self.previous
            self.previous[ident] = line
        if dirty:
            atomic_write_bytes(self.path, "".join(line + "\n" for line in self.previous.values()).encode("utf-8"))

    def get(self, ident: str, key: str) -> dict[str, Any] | None:
        line = self.previous.get(ident)
        if line is None:
            return None
        record: dict[str, Any] = json.loads(line)
        return record if record.get("key") == key else None

    def append(self, record: Mapping[str, Any]) -> None:
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        data = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        # One write of one line: a kill leaves either the whole line or a torn tail that is ignored.
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view):]

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _clean_stale_parts(outdir: Path) -> None:
    for part in outdir.glob(".*.part"):
        with contextlib.suppress(OSError):
            part.unlink()


# --------------------------------------------------------------------------------------------
# Naming


# --------------------------------------------------------------------------------------------
# Roll-up


ROLLUP_LISTED = 100
"""How many organs the roll-up's text names (in input order) before it says 等."""


RollupKey: TypeAlias = tuple[int, str]
"""``(year, format version)``: the roll-up sums only reports of one year and one format."""


class _Sums:
    """Running sums of the leaf figures of the reports of one (year, format)."""

    def __init__(self, version: FormatVersion) -> None:
        self.layout = get_layout(version)
        self.sums: dict[str, Figure] = {}
        self.fee = Decimal(0)
        self.count = 0
        self.kinds: Counter[str] = Counter()
        self.place: tuple[str, str, str] | None = None

    def add(self, figures: Mapping[str, str], organ: tuple[str, str, str, str], sign: int = 1) -> None:
        for key, text in figures.items():
            if key == "fee":
                self.fee += sign * Decimal(text)
                continue
            table, row, col = key.split(".")
            value: Figure = Decimal(text) if self.layout.table(table).kind((row, col)) == "amount" else int(text)
            self.sums[key] = self.sums.get(key, 0) + sign * value
        self.count += sign
        kind, province, city, county = organ
        self.kinds[kind] += sign
        if self.place is None:
            self.place = (province, city, county)


class _RollUp:
    """Running sums per (year, format) — a handful of keys at most; the one to publish is chosen at the end.

    Never holds reports: only the sums, and the names are taken from the outcomes in input order.
    """

    def __init__(self) -> None:
        self.by_key: dict[RollupKey, _Sums] = {}

    def add(self, key: RollupKey, figures: Mapping[str, str], organ: tuple[str, str, str, str], sign: int = 1) -> None:
        sums = self.by_key.get(key)
        if sums is None:
            sums = self.by_key[key] = _Sums(FormatVersion(key[1]))
        sums.add(figures, organ, sign)

    def choose(self, info: county_mod.CountyInfo | None) -> RollupKey | None:
        """The county workbook's year and format; else the most common year (ties: the later), then the most
        common format of that year (ties: the newer)."""
        live = {k: v.count for k, v in self.by_key.items() if v.count > 0}
        if info is not None:
            key = (info.year, info.format_version.value)
            return key if key in live else None
        if not live:
            return None
        years: Counter[int] = Counter()
        for (year, _), n in live.items():
            years[year] += n
        year = max(years, key=lambda y: (years[y], y))
        return max((k for k in live if k[0] == year), key=lambda k: (live[k], k[1]))

    def report(self, key: RollupKey, info: county_mod.CountyInfo | None, organs: list[str],
               excluded: Mapping[str, int]) -> Report:
        sums = self.by_key[key]
        year, version = key[0], FormatVersion(key[1])
        province, city, county = sums.place or ("", "", "")
        if info is not None:
            province, city, county = info.province or province, info.city or city, info.county or county
        township_level = all(OrganKind(k).is_township_level for k, n in sums.kinds.items() if n > 0)
        scope = "乡镇（街道）" if township_level else "机关"
        name = (info.rollup_name if info is not None and info.rollup_name else "") or f"{county}{scope}汇总"
        tables: dict[str, dict[tuple[str, str], Figure]] = {t.key: {} for t in get_layout(version).tables}
        for ref, value in sums.sums.items():
            table, row, col = ref.split(".")
            tables[table][(row, col)] = value
        listing = "、".join(organs[:ROLLUP_LISTED]) + ("等" if sums.count > ROLLUP_LISTED else "")
        intro = [
            f"本报告汇总了{county}{sums.count}个{scope}{year}年度政府信息公开工作年度报告的统计数据，"
            f"表中各项数字为各{scope}报告相应数字之和。",
            f"汇总范围：{listing}。",
        ]
        if excluded:
            reasons = "，".join(f"{_EXCLUSION_TEXT[r]}{n}个" for r, n in excluded.items())
            intro.append(f"另有{sum(excluded.values())}个报告未计入本汇总（{reasons}）。")
        base = Report(
            organ=Organ(name=name, kind=OrganKind.OTHER, province=province, city=city, county=county),
            year=year,
            format_version=version,
            publication_date=info.publication_date if info is not None else None,
            overview=Overview(intro=intro, **{
                part.key: Subsection(paragraphs=(f"各{scope}{strip_number(part.title)}情况见各自的年度报告。",))
                for part in get_layout(version).overview_parts if part.key != "on_request"
            }),
            problems=(f"各{scope}存在的主要问题及改进情况见各自的年度报告。",),
            table2=Table.from_figures("table2", tables["table2"], version=version),
            table3=Table.from_figures("table3", tables["table3"], version=version),
            table4=Table.from_figures("table4", tables["table4"], version=version),
            processing_fee=sums.fee,
        )
        t4 = base.table4
        review = t4.count("review", "total")
        litigation = t4.count("litigation_direct", "total") + t4.count("litigation_after_review", "total")
        return base.evolve(
            review_litigation_note=(
                f"{year}年度，汇总范围内各{scope}因政府信息公开工作共被申请行政复议{review}件，"
                f"被提起行政诉讼{litigation}件。",
            ),
            other_matters=(
                OtherItem(key="processing_fee", title="收取信息处理费情况",
                          paragraphs=(f"{year}年度，汇总范围内各{scope}共收取政府信息公开信息处理费"
                                      f"{format_amount(sums.fee)}元。",)),
            ),
        )


_EXCLUSION_TEXT = {"失败": "未能读取或生成的", "重复": "重复的", "年度不同": "年度不同的", "格式不同": "报告格式不同的",
                   "仅检查": "仅检查的"}


# --------------------------------------------------------------------------------------------
# Summary workbook


_SUMMARY_HEADER = ("序号", "乡镇（街道）", "机关名称", "来源", "状态", "错误数", "警告数", "计入汇总",
                   "本次跳过（未改变）", "输出文件", "主要问题")


def _write_summary(path: Path, outcomes: Iterable[TownshipOutcome], result_counts: Mapping[str, int],
                   rollup: tuple[str, tuple[Path, ...], int] | None, excluded: list[TownshipOutcome]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("汇总情况")
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    def cell(value: object, *, header: bool = False) -> Any:
        c = WriteOnlyCell(ws, value=value)
        if isinstance(value, str):
            c.data_type = "s"  # names and messages are text, never formulas
        if header:
            c.font = bold
        return c

    for col, width in zip("ABCDEFGHIJK", (6, 16, 30, 24, 8, 8, 8, 8, 10, 60, 100), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    ws.append([cell(h, header=True) for h in _SUMMARY_HEADER])
    for i, o in enumerate(outcomes, start=1):
        last = WriteOnlyCell(ws, value="\n".join(o.messages))
        last.data_type, last.alignment = "s", wrap
        ws.append([i, cell(o.name), cell(o.organ), cell(o.source), cell(o.status), o.errors, o.warnings,
                   cell("是" if o.in_rollup else f"否（{o.rollup_note}）" if o.rollup_note else "否"),
                   cell("是" if o.skipped else "否"),
                   cell("\n".join(p.name for p in o.outputs)), last])

    info = wb.create_sheet("概况")
    info.column_dimensions["A"].width = 24
    info.column_dimensions["B"].width = 80
    info.append([cell("状态", header=True), cell("乡镇（街道）数", header=True)])
    for status, n in result_counts.items():
        info.append([cell(status), n])
    info.append([])
    if rollup is not None:
        title, files, n = rollup
        info.append([cell("县级汇总", header=True), cell(title)])
        info.append([cell("计入汇总"), n])
        info.append([cell("汇总文件"), cell("\n".join(p.name for p in files))])
    else:
        info.append([cell("县级汇总", header=True), cell("无（没有可汇总的报告）")])

    ex = wb.create_sheet("未计入汇总")
    ex.column_dimensions["A"].width = 20
    ex.column_dimensions["B"].width = 30
    ex.column_dimensions["C"].width = 100
    ex.append([cell("乡镇（街道）", header=True), cell("来源", header=True), cell("原因", header=True)])
    for o in excluded:
        ex.append([cell(o.name), cell(o.source), cell("\n".join([o.rollup_note, *o.messages]).strip() or o.status)])
    with atomic_path(path) as tmp:
        wb.save(tmp)


# --------------------------------------------------------------------------------------------
# The run


def _record(ident: str, key: str, done: _Done) -> dict[str, Any]:
    o = done.outcome
    return {
        "v": _MANIFEST_VERSION, "id": ident, "stem": o.stem, "wanted": done.wanted, "key": key, "name": o.name, "organ": o.organ, "status": o.status,
        "errors": o.errors, "warnings": o.warnings, "findings": [f.to_json() for f in o.findings],
        "outputs": [p.name for p in o.outputs], "version": done.version, "year": done.year,
        "organ_info": list(done.organ or ()), "figures": done.figures or {},
    }


def _skipped(src: _Source, record: Mapping[str, Any], outdir: Path) -> _Done:
    outcome = TownshipOutcome(
        name=src.name, source=src.source, status=record["status"], organ=record["organ"],
        errors=record["errors"], warnings=record["warnings"],
        findings=tuple(Finding.from_json(f) for f in record["findings"]),
        outdir=outdir, stem=record["stem"], skipped=True, year=record["year"], format_version=record["version"],
    )
    organ = record["organ_info"]
    return _Done(outcome, record["wanted"], None, record["version"], record["year"],
                 (organ[0], organ[1], organ[2], organ[3]), record["figures"])


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
    """
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    _clean_stale_parts(out)
    template_str = None if template is None else str(template)
    if not check_only:
        # A broken template fails every township: report it once, before any work.
        _docx_renderer(template_str, FormatVersion.V2021)
    total = _estimate_total(inputs, out)
    info: list[county_mod.CountyInfo] = []
    if isinstance(inputs, (str, os.PathLike)) and county_mod.is_county_workbook(inputs):
        with contextlib.suppress(InputError):
            info.append(county_mod.read_county_info(inputs))

    manifest = None if check_only else _Manifest(out)
    run_key = "" if check_only else hashlib.sha256(
        f"{_template_digest(template_str)}|{_version()}".encode()).hexdigest()
    token = secrets.token_hex(4)
    names = UniqueStems([Path(SUMMARY_NAME).stem, Path(MANIFEST_NAME).stem])
    results: dict[int, TownshipOutcome] = {}
    rollup = _RollUp()
    organs: dict[tuple[str, int], str] = {}  # (organ name, year) → source of the first report of it
    done_count = 0
    keys: dict[int, tuple[str, str]] = {}  # index → (input id, manifest key) of the jobs sent
    # Outcomes arrive in completion order; naming, the duplicate check and the roll-up happen in input order
    # (deterministic whatever the workers do).  Only the outcomes that finished early wait here.
    pending: dict[int, _Done] = {}
    next_index = 0
    redo: dict[int, tuple[_Job, str, _Done]] = {}  # skipped townships whose name is taken: render again
    waiting: dict[int, _Job] = {}  # skipped townships' jobs, until they are named

    def finish(index: int, done: _Done) -> None:
        nonlocal done_count, next_index
        done_count += 1
        if progress is not None:
            progress(done_count, total, done.outcome)
        pending[index] = done
        while next_index in pending:
            settle(next_index, pending.pop(next_index))
            next_index += 1

    def move(done: _Done, stem: str) -> None:
        assert done.temp is not None
        for temp, final in zip(_temp_paths(out, done.temp), (out / f"{stem}.docx", out / f"{stem}.xlsx"),
                               strict=True):
            os.replace(temp, final)  # atomic; the temporary file is complete

    def settle(index: int, done: _Done) -> None:
        outcome = done.outcome
        if outcome.outdir is not None and outcome.outdir is not out:
            outcome = attrs.evolve(outcome, outdir=out)  # one shared Path, not one per township
        job = waiting.pop(index, None)
        ident_key = keys.pop(index, None)
        if done.temp is not None:
            stem = names.claim(done.wanted)
            move(done, stem)
            outcome = attrs.evolve(outcome, outdir=out, stem=stem)
            if manifest is not None and ident_key is not None:
                manifest.append(_record(*ident_key, attrs.evolve(done, outcome=outcome)))
        elif outcome.skipped:
            stem = names.claim(done.wanted)
            if stem != outcome.stem and job is not None and ident_key is not None:
                keys[index] = ident_key
                # Another input now comes first with this name: its files may be replaced; render again.
                redo[index] = (attrs.evolve(job, index=index), stem, done)
                outcome = attrs.evolve(outcome, stem=stem, skipped=False)
        results[index] = judge(outcome, done)

    def judge(outcome: TownshipOutcome, done: _Done) -> TownshipOutcome:
        """Duplicate check and roll-up (the year/format choice comes at the end)."""
        if check_only:
            return attrs.evolve(outcome, rollup_note="仅检查：只检查，不汇总")
        if outcome.failed or done.figures is None or done.year is None or done.version is None:
            return attrs.evolve(outcome, rollup_note="失败：未能读取或生成")
        first = organs.setdefault((outcome.organ, done.year), outcome.source)
        if first != outcome.source:
            message = (f"{outcome.organ}{done.year}年度的报告重复：“{first}”和“{outcome.source}”是同一机关同一年度的"
                       f"报告，后者未计入县级汇总；请只保留一个。")
            finding = Finding(code="BULK-DUPLICATE", severity=Severity.ERROR, message=message,
                              location=Location(file=outcome.source, organ=outcome.organ))
            return attrs.evolve(
                outcome, status=Status.ERRORS, errors=outcome.errors + 1,
                findings=(finding, *outcome.findings)[:MAX_FINDINGS_KEPT],
                rollup_note=f"重复：与“{first}”为同一机关同一年度的报告")
        rollup.add((done.year, done.version), done.figures, done.organ or ("other", "", "", ""))
        return attrs.evolve(outcome, in_rollup=True)

    def jobs_iter() -> Iterator[_Job]:
        occurrences: Counter[str] = Counter()
        for index, src in enumerate(_sources(inputs, out)):
            if src.error is not None:
                finish(index, _Done(_failed(src.name, src.source, src.error, None)))
                continue
            job = _Job(index, src.name, src.source, f".rg-{token}-{index}", str(out), template_str, check_only,
                       src.path, src.report)
            if manifest is not None:
                if src.report is not None:
                    wanted = output_stem(src.report)
                    occurrences[wanted.casefold()] += 1
                    ident = f"report:{wanted}#{occurrences[wanted.casefold()]}"
                else:
                    ident = f"file:{src.path}"
                key = hashlib.sha256(f"{run_key}|{ident}|{_input_digest(src)}".encode()).hexdigest()
                record = None if force else manifest.get(ident, key)
                keys[index] = (ident, key)
                if record is not None and all((out / n).exists() for n in record["outputs"]):
                    waiting[index] = job
                    finish(index, _skipped(src, record, out))
                    continue
            yield job

    n_jobs = jobs or default_jobs()
    in_flight = max_in_flight or max(4, 4 * n_jobs)
    with contextlib.ExitStack() as stack:
        if executor is None:
            executor = InlineExecutor() if n_jobs == 1 else stack.enter_context(
                process_pool(n_jobs, initializer=_init_worker, initargs=(template_str,)))
        try:
            for completed in bounded_map(_run_job, jobs_iter(), executor, max_in_flight=in_flight):
                finish(completed.item.index, _outcome(completed))
            # Rare: skipped townships whose name went to an input listed before them (already named).
            for completed in bounded_map(_run_job, [job for job, _, _ in redo.values()], executor,
                                         max_in_flight=in_flight):
                index = completed.item.index
                _, stem, before = redo.pop(index)
                again = _outcome(completed)
                if again.temp is not None:
                    move(again, stem)
                    results[index] = attrs.evolve(results[index], outdir=out, stem=stem)
                    if manifest is not None and index in keys:
                        ident, key = keys.pop(index)
                        manifest.append(_record(ident, key, attrs.evolve(
                            again, outcome=attrs.evolve(again.outcome, outdir=out, stem=stem))))
                else:
                    if results[index].in_rollup and before.figures is not None and before.organ is not None:
                        rollup.add((before.year or 0, before.version or ""), before.figures, before.organ, sign=-1)
                    results[index] = attrs.evolve(again.outcome, rollup_note="失败：未能读取或生成")
        finally:
            if manifest is not None:
                manifest.close()

    chosen = rollup.choose(info[0] if info else None)
    outcomes = tuple(_final(results[i], chosen) for i in sorted(results))
    excluded = [o for o in outcomes if not o.in_rollup]
    rollup_report = None
    if chosen is not None:
        reasons = Counter(o.rollup_note.split("：", 1)[0] for o in excluded)
        rollup_report = rollup.report(chosen, info[0] if info else None,
                                      [o.organ for o in outcomes if o.in_rollup][:ROLLUP_LISTED],
                                      {r: reasons[r] for r in EXCLUSION_REASONS if reasons.get(r)})
    rollup_outputs: tuple[Path, ...] = ()
    rollup_findings: tuple[Finding, ...] = ()
    if rollup_report is not None:
        from reportgen.domain.checks import check
        from reportgen.formats.excel.write import render_xlsx

        stem = names.claim(output_stem(rollup_report))
        rollup_findings = tuple(check(rollup_report))
        docx = _docx_renderer(template_str, rollup_report.format_version).render(rollup_report, out / f"{stem}.docx")
        xlsx = render_xlsx(rollup_report, out / f"{stem}.xlsx", findings=rollup_findings)
        rollup_outputs = (docx, xlsx)
    counts = Counter(o.status for o in outcomes)
    summary = out / SUMMARY_NAME
    _write_summary(
        summary, outcomes,
        {s: counts.get(s, 0) for s in (Status.OK, Status.WARNINGS, Status.ERRORS, Status.FAILED)},
        (rollup_report.organ.name, rollup_outputs, len(outcomes) - len(excluded))
        if rollup_report is not None else None,
        excluded,
    )
    return BulkResult(outdir=out, outcomes=outcomes, summary=summary, rollup=rollup_report,
                      rollup_outputs=rollup_outputs, rollup_findings=rollup_findings)


def _final(outcome: TownshipOutcome, chosen: RollupKey | None) -> TownshipOutcome:
    """Leave out of the roll-up a township of another year or format than the one chosen."""
    if not outcome.in_rollup or chosen is None or (outcome.year, outcome.format_version) == chosen:
        return outcome
    if outcome.year != chosen[0]:
        note = f"年度不同：{outcome.year}年度，汇总的是{chosen[0]}年度"
    else:
        note = f"格式不同：{outcome.format_version}年格式，汇总的是{chosen[1]}年格式"
    return attrs.evolve(outcome, in_rollup=False, rollup_note=note)


def _outcome(completed: Completed[_Job, _Done]) -> _Done:
    if completed.result is not None:
        return completed.result
    job = completed.item
    exc = completed.error or RuntimeError("no result")
    return _Done(_failed(job.name, job.source, exc, job.path and Path(job.path).name))

