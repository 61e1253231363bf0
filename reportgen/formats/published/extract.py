"""Read a published report (.docx) back into the model: last year's report seeds this year's, any report can be audited.

The reader finds everything **by its labels** from :mod:`reportgen.domain.layout`, never by position, so it
reads reportgen's own output as well as reports laid out by hand: other column widths and fonts,
labels split over lines or with stray spaces, full- or half-width punctuation, ``/``, ``—`` or a blank
cell for zero, extra empty rows, a table split over two Word tables at a page break, text around the
tables, and the 2019 trial layout (国办公开办函〔2019〕60号)::

    .docx ──_wordgrid──► paragraphs + grids ──identify tables by labels──► 表二 表三 表四 (+ version)
                                       │                                       │
                                       └──title, headings 一…六, （一）…──► prose   └─► figures at
                                                                                    (row label × column header)

What cannot be read is an :class:`~reportgen.domain.errors.ExtractError` whose ``findings`` name the file,
table, row and column — nothing is guessed silently.

The result is the *canonical* report that prints the document: ``extract(render_docx(r)) == r`` for
every report whose organ kind can be told from its name and whose prose is not a default sentence
(see :func:`extract` for the rules).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path

import attrs
from lxml import etree

from reportgen.domain.errors import ExtractError
from reportgen.domain.figures import FigureError, parse_figure
from reportgen.domain.findings import Finding, Location, Severity
from reportgen.domain.layout import (
    ALL_LAYOUTS,
    PROCESSING_FEE_ITEM,
    FormatLayout,
    FormatVersion,
    SectionSpec,
    TableLayout,
    get_layout,
    normalize_label,
)
from reportgen.domain.model import (
    Figure,
    Organ,
    OrganKind,
    OtherItem,
    Overview,
    Prose,
    Report,
    Subsection,
    Table,
    clean_paragraphs,
    clean_text,
)
from reportgen.domain.prose import (
    CHINESE_NUMERALS,
    default_on_request,
    default_processing_fee,
    default_review_litigation,
    strip_number,
)
from reportgen.formats.ooxml.grid import Block, Grid, GridText, Para, Tbl, read_blocks

__all__ = ["extract", "infer_organ_kind"]

_TABLE_NAMES = {"table2": "表二", "table3": "表三", "table4": "表四"}

# --------------------------------------------------------------------------------------------
# Label forms: how a printed label is compared with the layout's


_NUMBER = re.compile(r"^(?:\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+[、.]|\(\d+\)|\d+[.、)]?)")
_PARENTHETICAL = re.compile(r"\([^()]*\)")
_TRAILING_REMARK = re.compile(r"\([^()]*\)$")


def _stripped(text: str) -> str:
    """A normalised label without its leading number: ``(一)予以公开`` → ``予以公开``."""
    return _NUMBER.sub("", text, count=1)


def _core(text: str) -> str:
    """Without number and parenthetical remarks: ``(二)部分公开(区分处理的…)`` → ``部分公开``."""
    return _PARENTHETICAL.sub("", _stripped(text))


def _without_remark(text: str) -> str:
    """A column header without a trailing remark: ``本年收费金额(单位:万元)`` → ``本年收费金额``."""
    return _TRAILING_REMARK.sub("", text)


class _Index:
    """Finds the key of a printed label: exact (normalised) first, then without number, then core."""

    def __init__(self, labels: Iterable[tuple[str, str]], *, numbered: bool = True) -> None:
        self._levels: list[dict[str, str | None]] = [{}, {}, {}]
        # Column headers carry no numbers; only a trailing remark is dropped: 本年收费金额(单位:万元).
        forms: tuple[Callable[[str], str], ...] = ((normalize_label, _stripped, _core) if numbered
                                                   else (normalize_label, _without_remark))
        for key, label in labels:
            n = normalize_label(label)
            for level, form in zip(self._levels, forms, strict=False):
                value = form(n)
                if value in level and level[value] != key:
                    level[value] = None  # ambiguous at this level: never matched
                else:
                    level[value] = key
        self._forms = forms

    def find(self, text: str) -> str | None:
        n = normalize_label(text)
        if not n:
            return None
        for level, form in zip(self._levels, self._forms, strict=False):
            key = level.get(form(n))
            if key is not None:
                return key
        return None

    def exact(self, text: str) -> str | None:
        """The key of a label printed exactly (after normalisation)."""
        return self._levels[0].get(normalize_label(text))


@attrs.frozen
class _Labels:
    """The label indexes of one table of one format version."""

    layout: TableLayout
    rows: _Index
    columns: _Index
    known: frozenset[str]
    """Every label printed in the official table (normalised, also without numbers)."""

    @classmethod
    def of(cls, layout: TableLayout) -> _Labels:
        known = {normalize_label(c.text) for c in layout.cells if c.text}
        known |= {normalize_label(r.label) for r in layout.rows} | {normalize_label(c.label) for c in layout.columns}
        known |= {normalize_label(p) for r in layout.rows for p in r.path}
        known |= {_stripped(k) for k in known} | {_core(k) for k in known}
        return cls(
            layout=layout,
            rows=_Index((r.key, r.label) for r in layout.rows),
            columns=_Index(((c.key, c.label) for c in layout.columns), numbered=False),
            known=frozenset(known),
        )


_LABELS: dict[tuple[FormatVersion, str], _Labels] = {
    (version, table.key): _Labels.of(table) for version, layout in ALL_LAYOUTS.items() for table in layout.tables
}


def _only_in(version: FormatVersion, key: str) -> frozenset[str]:
    """Labels (normalised, with and without numbers) printed only in ``version``'s table ``key``."""
    other = FormatVersion.V2019 if version is FormatVersion.V2021 else FormatVersion.V2021
    mine = {k for k in _LABELS[(version, key)].known if k}
    theirs = _LABELS[(other, key)].known
    return frozenset(k for k in mine - theirs if len(k) >= 2)


_VERSION_EVIDENCE = {(v, k): _only_in(v, k) for v in FormatVersion for k in ("table2", "table3")}
_T3_OTHER_2019 = normalize_label(get_layout(FormatVersion.V2019).table("table3").row("other_processing").label)

# --------------------------------------------------------------------------------------------
# Problems


class _Problems:
    """Collects located findings; raised together as one :class:`ExtractError`."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.findings: list[Finding] = []
        self._seen: set[tuple[str, str | None, str | None, str | None]] = set()

    def add(
        self,
        code: str,
        message: str,
        *,
        table: str | None = None,
        row: str | None = None,
        column: str | None = None,
        actual: str | None = None,
    ) -> None:
        key = (code, table, row, column)
        if key in self._seen:
            return
        self._seen.add(key)
        location = Location(file=self.file, table=table, row=row, column=column)
        self.findings.append(Finding(code=code, severity=Severity.ERROR, message=message, location=location,
                                     actual=actual))

    def raise_if_any(self) -> None:
        if self.findings:
            first = self.findings[0]
            raise ExtractError(
                f"无法读取报告中的 {len(self.findings)} 处内容（{first.message}…）" if len(self.findings) > 1
                else f"无法读取报告：{first.message}",
                code=first.code,
                location=first.location,
                findings=self.findings,
            )


# --------------------------------------------------------------------------------------------
# Tables


@attrs.define
class _Part:
    """One Word table identified as (part of) an official table."""

    key: str
    grid: Grid
    index: int


def _cells(grid: Grid, r: int) -> list[tuple[GridText, frozenset[int]]]:
    """The distinct cells of row ``r`` with the grid columns each covers in that row."""
    out: list[tuple[GridText, frozenset[int]]] = []
    row = grid.rows[r]
    c = 0
    while c < len(row):
        cell = row[c]
        if cell is None:
            c += 1
            continue
        start = c
        while c < len(row) and row[c] is cell:
            c += 1
        out.append((cell, frozenset(range(start, c))))
    return out


def _starts_here(grid: Grid, r: int, cell: GridText, cols: frozenset[int]) -> bool:
    """Whether ``cell`` begins in row ``r`` (is not the continuation of a vertical merge)."""
    return r == 0 or grid.rows[r - 1][min(cols)] is not cell


def _identify(grid: Grid) -> tuple[str, int] | None:
    """``(table key, score)``: which official table a Word table is, by how many of its labels it shows."""
    texts = {normalize_label(cell.text) for cell in grid.all_cells()}
    texts |= {_stripped(t) for t in texts}
    best: tuple[str, int] | None = None
    for key in ("table2", "table3", "table4"):
        known = _LABELS[(FormatVersion.V2021, key)].known | _LABELS[(FormatVersion.V2019, key)].known
        score = len({t for t in texts if t and t in known and not t.isdigit()})
        if score >= 2 and (best is None or score > best[1]):
            best = (key, score)
    return best


def _join(parts: Sequence[_Part]) -> Grid:
    """The parts of a table split over pages as one grid; narrower parts are aligned on the right."""
    width = max(p.grid.n_cols for p in parts)
    rows: list[tuple[GridText | None, ...]] = []
    for part in parts:
        pad = (None,) * (width - part.grid.n_cols)
        rows += [pad + row for row in part.grid.rows]
    return Grid(tuple(rows), width)


def _version_of(key: str, grid: Grid) -> FormatVersion | None:
    """The format a table follows, from labels printed only in one of them (``None``: cannot tell)."""
    texts = {normalize_label(cell.text) for cell in grid.all_cells()}
    texts |= {_stripped(t) for t in texts}
    if texts & _VERSION_EVIDENCE[(FormatVersion.V2021, key)]:
        return FormatVersion.V2021
    if texts & _VERSION_EVIDENCE[(FormatVersion.V2019, key)]:
        return FormatVersion.V2019
    if key == "table3" and _T3_OTHER_2019 in texts:
        # 2019: （六）其他处理 is a row of its own; in 2021 it groups three rows, whose labels are absent.
        return FormatVersion.V2019
    return None


class _TableReader:
    """Reads one official table out of a grid, by row labels and column headers."""

    def __init__(self, layout: TableLayout, grid: Grid, problems: _Problems) -> None:
        self.layout = layout
        self.labels = _LABELS[(_version_for(layout), layout.key)]
        self.grid = grid
        self.problems = problems
        self.name = _TABLE_NAMES[layout.key]
        # ref -> list of cell texts found for it (several when a row is printed twice)
        self.found: dict[tuple[str, str], list[tuple[str, int]]] = {}

    # -- the grid ------------------------------------------------------------------------

    def read(self) -> Table:
        if self.layout.key == "table4":
            self._locate_by_column_groups()
        else:
            self._locate_by_rows()
        return self._table()

    def _text_at(self, r: int, cols: frozenset[int], row_label: str, col_label: str) -> str:
        texts = []
        seen: set[int] = set()
        for c in sorted(cols):
            cell = self.grid.rows[r][c] if c < self.grid.n_cols else None
            if cell is None or id(cell) in seen:
                continue
            seen.add(id(cell))
            if normalize_label(cell.text):
                texts.append(cell.text)
        if len({normalize_label(t) for t in texts}) > 1:
            self.problems.add(
                "EX-AMBIGUOUS",
                f"{self.name}“{row_label}”行“{col_label}”列有多个不同的数字：{'、'.join(clean_text(t) for t in texts)}",
                table=self.name, row=row_label, column=col_label, actual=" / ".join(texts),
            )
        return texts[0] if texts else ""

    def _locate_by_rows(self) -> None:
        """Tables 二 and 三: header rows name the columns, the label cells of a row name the row."""
        header: dict[str, frozenset[int]] = {}
        in_header = False
        seen_rows: set[str] = set()
        for r in range(len(self.grid.rows)):
            cells = _cells(self.grid, r)
            figure_cols = frozenset().union(*header.values()) if header else frozenset()
            labels = [(cell, cols) for cell, cols in cells if not (cols & figure_cols) and normalize_label(cell.text)]
            own = [(cell, cols) for cell, cols in labels if _starts_here(self.grid, r, cell, cols)]
            # A column header (总计, 其他) is never a row label, even where a row's label shortens to it.
            row_key = None
            if own and self.labels.columns.exact(own[-1][0].text) is None:
                row_key = self.labels.rows.find(own[-1][0].text)
            if row_key is None:
                found = [(self.labels.columns.find(cell.text), cols) for cell, cols in cells]
                columns = [(k, cols) for k, cols in found if k is not None]
                if columns:
                    if not in_header:
                        header = {}
                    for k, cols in columns:
                        header[k] = header.get(k, frozenset()) | cols
                    in_header = True
                    continue
                in_header = False
                self._unknown_row(r, cells, labels, figure_cols)
                continue
            in_header = False
            row = self.layout.row(row_key)
            if not header:
                self.problems.add(
                    "EX-NO-HEADER", f"{self.name}缺少列标题行（如“{self.layout.column(row.columns[0]).label}”）",
                    table=self.name, row=row.full_label,
                )
                continue
            seen_rows.add(row_key)
            for col in row.columns:
                col_cells = header.get(col)
                col_label = self.layout.column(col).label
                if col_cells is None:
                    self.problems.add(
                        "EX-COLUMN-MISSING", f"{self.name}找不到列“{col_label}”", table=self.name, column=col_label,
                    )
                    continue
                text = self._text_at(r, col_cells, row.full_label, col_label)
                self.found.setdefault((row_key, col), []).append((text, r))

    def _unknown_row(
        self,
        r: int,
        cells: list[tuple[GridText, frozenset[int]]],
        labels: list[tuple[GridText, frozenset[int]]],
        figure_cols: frozenset[int],
    ) -> None:
        """A row without a known label: fine if it holds no figures (captions, notes, empty rows)."""
        if not figure_cols:
            return
        numbers = [cell.text for cell, cols in cells if cols <= figure_cols and re.search(r"\d", normalize_label(cell.text))]
        if not numbers:
            return
        own = [cell.text for cell, cols in labels if _starts_here(self.grid, r, cell, cols)]
        label = clean_text(" ".join(own))
        above = clean_text(" ".join(cell.text for cell, cols in labels if not _starts_here(self.grid, r, cell, cols)))
        where = f"“{label}”" if label else "（行标签为空" + (f"，位于“{above}”下）" if above else "）")
        self.problems.add(
            "EX-UNKNOWN-ROW",
            f"{self.name}第{r + 1}行{where}有数字，但无法识别为正式表格中的任何一行",
            table=self.name, row=label or f"第{r + 1}行", actual=" ".join(numbers),
        )

    def _locate_by_column_groups(self) -> None:
        """Table 四: group headers (行政复议 / 未经复议直接起诉 / 复议后起诉) over outcome headers over one row of figures."""
        groups: list[tuple[str, frozenset[int]]] = []
        columns: list[tuple[str, frozenset[int], int]] = []
        last_header = -1
        for r in range(len(self.grid.rows)):
            is_header = False
            for cell, cols in _cells(self.grid, r):
                group = self.labels.rows.find(cell.text)
                column = self.labels.columns.find(cell.text)
                if group is not None:
                    groups.append((group, cols))
                    is_header = True
                elif column is not None:
                    columns.append((column, cols, r))
                    is_header = True
                elif normalize_label(cell.text) in self.labels.known:
                    is_header = True
            if is_header:
                last_header = r
        refs: dict[tuple[str, str], frozenset[int]] = {}
        for col_key, cols, _ in columns:
            owners = {g for g, gcols in groups if cols <= gcols}
            if len(owners) == 1:
                ref = (owners.pop(), col_key)
                refs[ref] = refs.get(ref, frozenset()) | cols
        data_rows = list(range(last_header + 1, len(self.grid.rows)))
        filled = [r for r in data_rows if any(normalize_label(cell.text) for cell, _ in _cells(self.grid, r))]
        rows = filled or data_rows[:1]
        if not rows:
            self.problems.add("EX-ROW-MISSING", f"{self.name}没有数字行", table=self.name)
            return
        for ref in self.layout.refs():
            row_label, col_label = self.layout.location(ref)
            ref_cols = refs.get(ref)
            if ref_cols is None:
                self.problems.add(
                    "EX-COLUMN-MISSING", f"{self.name}找不到“{row_label}”下的列“{col_label}”",
                    table=self.name, row=row_label, column=col_label,
                )
                continue
            for r in rows:
                self.found.setdefault(ref, []).append((self._text_at(r, ref_cols, row_label, col_label), r))

    # -- the figures ---------------------------------------------------------------------

    def _table(self) -> Table:
        figures: dict[tuple[str, str], Figure] = {}
        printed: dict[tuple[str, str], Figure] = {}
        missing_rows: set[str] = set()
        for ref in self.layout.refs():
            row_label, col_label = self.layout.location(ref)
            texts = self.found.get(ref)
            computed = self.layout.is_computed(ref)
            if not texts:
                if not computed and ref[0] not in missing_rows and self.layout.key != "table4":
                    missing_rows.add(ref[0])
                    self.problems.add(
                        "EX-ROW-MISSING", f"{self.name}找不到行“{row_label}”", table=self.name, row=row_label,
                    )
                continue
            values: list[Figure] = []
            for text, _ in texts:
                if computed and not normalize_label(text):
                    continue  # a blank total states nothing
                try:
                    value = parse_figure(text, self.layout.kind(ref), units=True)
                except FigureError:
                    what = {"count": "非负整数", "signed": "整数", "amount": "金额（万元）"}[self.layout.kind(ref)]
                    self.problems.add(
                        "EX-FIGURE",
                        f"{self.name}“{row_label}”行“{col_label}”列的“{clean_text(text)}”不是{what}",
                        table=self.name, row=row_label, column=col_label, actual=clean_text(text),
                    )
                    break
                values.append(value)
            else:
                if len(set(values)) > 1:
                    self.problems.add(
                        "EX-AMBIGUOUS",
                        f"{self.name}“{row_label}”行出现多次，“{col_label}”列的数字不一致："
                        + "、".join(str(v) for v in values),
                        table=self.name, row=row_label, column=col_label,
                    )
                elif values:
                    (printed if computed else figures)[ref] = values[0]
        if self.problems.findings:
            return Table.from_figures(self.layout.key, version=_version_for(self.layout))
        try:
            table = Table.from_figures(self.layout.key, figures, version=_version_for(self.layout))
        except (TypeError, ValueError) as exc:  # a figure outside its kind's range
            self.problems.add("EX-FIGURE", f"{self.name}的数字无效：{exc}", table=self.name)
            return Table.from_figures(self.layout.key, version=_version_for(self.layout))
        # A printed total equal to the computed one adds nothing; one that differs is kept for the checks.
        stated = {ref: v for ref, v in printed.items() if table[ref] != v}
        return Table.from_figures(self.layout.key, figures, version=table.version, stated=stated)


def _version_for(layout: TableLayout) -> FormatVersion:
    for version, format_layout in ALL_LAYOUTS.items():
        if format_layout.table(layout.key) is layout:
            return version
    raise KeyError(layout.key)  # pragma: no cover - every table belongs to a layout


# --------------------------------------------------------------------------------------------
# Prose


_TITLE = re.compile(r"^(?P<organ>.+?)\s*(?P<year>\d{4})\s*年度?\s*政府信息公开工作年度报告$")
_SUB_NUMBER = re.compile(r"^\s*[（(]\s*([一二三四五六七八九十]+)\s*[)）]\s*(.*)$", re.S)
_SECTION_NUMBER = re.compile(r"^\s*([一二三四五六])\s*[、.．]\s*(.*)$", re.S)
_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_INLINE_SEP = "。：:.，,；;"


def _numeral(text: str) -> int:
    """一 → 1 … 二十 → 20."""
    if text in CHINESE_NUMERALS:
        return CHINESE_NUMERALS.index(text) + 1
    if text.startswith("十"):
        return 10 + (CHINESE_NUMERALS.index(text[1]) + 1 if len(text) > 1 else 0)
    tens = CHINESE_NUMERALS.index(text[0]) + 1
    units = CHINESE_NUMERALS.index(text[-1]) + 1 if len(text) > 2 else 0
    return tens * 10 + units


def _same_title(printed: str, official: str) -> bool:
    """Whether a printed heading (without number) is ``official`` (without number), allowing wording around it."""
    a, b = normalize_label(printed), normalize_label(strip_number(official))
    if not a or not b:
        return False
    return a == b or (len(b) >= 4 and b in a) or (len(a) >= 4 and a in b)


_PART_TITLES = frozenset(
    normalize_label(strip_number(t)) for layout in ALL_LAYOUTS.values() for p in layout.overview_parts for t in (p.title, *p.aliases)
)


def _section_heading(
    text: str, sections: Sequence[SectionSpec], after: int, *, before_table2: bool = False
) -> int | None:
    """The index of the section ``text`` heads, if it is a heading of a section after ``after``."""
    line = clean_text(text)
    if len(line) > 60 or line.endswith("。"):
        return None
    match = _SECTION_NUMBER.match(line)
    for i, spec in enumerate(sections):
        if i <= after:
            continue
        titles = (spec.title, *spec.aliases)
        if match and match.group(1) == spec.number and any(_same_title(match.group(2), t) for t in titles):
            return i
        # Headings numbered by Word's automatic numbering print without their number; 主动公开政府信息情况
        # is also the title of 一's part （一）, which comes first.
        if (
            not match
            and any(normalize_label(line) == normalize_label(strip_number(t)) for t in titles)
            and (normalize_label(line) not in _PART_TITLES or (spec.key == "table2" and before_table2))
        ):
            return i
    return None


def _heading_title(text: str, spec: SectionSpec) -> str:
    """Which of the section's headings (official title or a layout alias) a printed heading spells exactly;
    the official title when it spells none exactly (wording around it, another number form)."""
    line = clean_text(text)
    match = _SECTION_NUMBER.match(line)
    printed = normalize_label(match.group(2) if match else line)
    return next((t for t in spec.aliases if printed == normalize_label(strip_number(t))), spec.title)


def _split_heading(rest: str, titles: Sequence[str]) -> tuple[str, str | None, str | None]:
    """``(title as printed, official title matched or None, inline text)`` of a numbered heading.

    ``（一）主动公开政府信息情况。全年…`` → title ``主动公开政府信息情况``, text ``全年…``.
    """
    rest = clean_text(rest)
    for title in titles:
        core = strip_number(title)
        if normalize_label(rest) == normalize_label(core):
            return rest, title, None
        if rest.startswith(core) and len(rest) > len(core) and rest[len(core)] in _INLINE_SEP:
            inline = rest[len(core) + 1 :].strip()
            return core, title, inline or None
    return rest, None, None


@attrs.define
class _Part6:
    title: str
    paragraphs: list[str] = attrs.Factory(list)


def _title(paragraphs: Sequence[str], problems: _Problems) -> tuple[str, int] | None:
    """``(organ name, year)`` from the title, which may be split over up to three paragraphs."""
    lines = [p.replace("\n", "") for p in paragraphs if clean_text(p)]
    # Shortest window first, ending at a line with 年度报告, so lines above the title (索引号…) stay out.
    for end in range(len(lines)):
        if "年度报告" not in lines[end]:
            continue
        for width in (1, 2, 3):
            if end + 1 - width < 0:
                break
            match = _TITLE.match(clean_text("".join(lines[end + 1 - width : end + 1])))
            if match:
                organ = clean_text(match.group("organ"))
                if organ:
                    return organ, int(match.group("year"))
    problems.add("EX-TITLE", "找不到报告标题“××××年度政府信息公开工作年度报告”，无法确定机关名称和年度")
    return None


# --------------------------------------------------------------------------------------------
# Organ kind


_UNIT_SUFFIX = r"(?:自治区|自治州|自治县|特别行政区|省|市|县|区|旗|州|盟)"
_ADMIN_PREFIX = re.compile(rf"(?:[^省市县区旗州盟]{{1,8}}?{_UNIT_SUFFIX})+")
_DEPARTMENT_SUFFIX = ("局", "委员会", "委", "办公室", "厅", "办", "中心", "署", "院", "所", "队", "站", "处", "部", "会")


def _level(unit: str) -> str:
    if unit.endswith(("省", "自治区", "特别行政区")):
        return "provincial"
    if unit.endswith(("县", "区", "旗")) and not unit.endswith("自治区"):
        return "county"
    return "city"  # 市, 州, 盟, 自治州


def infer_organ_kind(name: str) -> OrganKind:
    """The organ kind a name suggests — a heuristic; a report's text says no more.

    * ``…街道办事处`` / ``…街道`` → street; ``…镇/乡人民政府`` (or a bare ``…镇``/``…乡``) → township;
    * ``…县/区/旗人民政府`` → county government; ``…市/州/盟人民政府`` → city government;
      ``…省/自治区人民政府`` → provincial government;
    * a name ending in 局、委员会、办公室、厅、中心 … is a department, at the level of the last
      administrative unit its name starts with (``招远市自然资源和规划局`` → city department,
      ``××县市场监督管理局`` → county department; 国务院/国家… → national department);
    * anything else → other.

    A county-level city (招远市) cannot be told from a prefecture-level one by name: its government and
    departments come out as city-level; correct ``organ.kind`` in the input where that matters.
    """
    n = normalize_label(name)
    if n.endswith(("街道办事处", "街道办", "街道")):
        return OrganKind.STREET
    if n.endswith("人民政府"):
        base = n[: -len("人民政府")]
        if base.endswith(("镇", "乡")):
            return OrganKind.TOWNSHIP
        if base.endswith("街道"):
            return OrganKind.STREET
        if base.endswith(("省", "自治区", "特别行政区")):
            return OrganKind.PROVINCIAL_GOVERNMENT
        if base.endswith(("县", "旗")) or (base.endswith("区") and not base.endswith("自治区")):
            return OrganKind.COUNTY_GOVERNMENT
        if base.endswith(("市", "州", "盟")):
            return OrganKind.CITY_GOVERNMENT
        return OrganKind.OTHER
    if n.endswith(("镇", "乡")):
        return OrganKind.TOWNSHIP
    if n.endswith(_DEPARTMENT_SUFFIX):
        if n.startswith(("国务院", "国家", "中华人民共和国")):
            return OrganKind.NATIONAL_DEPARTMENT
        match = _ADMIN_PREFIX.match(n)
        if match:
            units = re.findall(rf"[^省市县区旗州盟]{{1,8}}?{_UNIT_SUFFIX}", match.group(0))
            level = _level(units[-1]) if units else "city"
            return {
                "provincial": OrganKind.PROVINCIAL_DEPARTMENT,
                "county": OrganKind.COUNTY_DEPARTMENT,
                "city": OrganKind.CITY_DEPARTMENT,
            }[level]
    return OrganKind.OTHER


# --------------------------------------------------------------------------------------------
# The reader


def extract(path: str | os.PathLike[str]) -> Report:
    """The report printed in the Word document at ``path``.

    Reads the title (organ and year), the prose by section and tables 二, 三 and 四 by their labels;
    detects the 2019 trial layout and returns it as ``format_version=FormatVersion.V2019`` (the checks
    warn that it is outdated).  Raises :class:`~reportgen.domain.errors.ExtractError` with located findings
    for whatever cannot be read (a missing table or row label, a figure that is not a number …).

    What is read back, so that ``extract(render_docx(r)) == r``:

    * a printed total equal to the computed one is dropped; one that differs is kept in ``Table.stated``;
    * a paragraph equal to the default sentence for the figures (（二）依申请公开, the note under
      table 四, the 信息处理费 item) is read as ``None`` ("not given"); the fee in the default
      sentence becomes ``processing_fee``; a first 收取信息处理费情况 item printing only the default
      is dropped (it is added again when the report is printed);
    * an overview part heading equal to the official one gives ``title=None``; otherwise its text
      without the number; an overview part or 六 item printed without paragraphs has ``()``;
    * ``organ.kind`` comes from the name (:func:`infer_organ_kind`); province/city/county stay empty;
    * a date line (``2023年1月18日``) at the very end is the publication date; the organ's name printed
      just above it (the signature) is not prose.
    """
    file = os.fspath(path)
    problems = _Problems(file)
    try:
        blocks = read_blocks(Path(path))
    except FileNotFoundError as exc:
        raise ExtractError("文件不存在。", code="EX-OPEN", location=Location(file=file)) from exc
    except (OSError, zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        raise ExtractError(
            f"无法打开 Word 文档（.docx）：不是 .docx 文件或文件已损坏（{exc}）。请用 Word/WPS 另存为 .docx 后重试。",
            code="EX-OPEN",
            location=Location(file=file),
        ) from exc
    return _Reader(blocks, problems).report()


class _Reader:
    def __init__(self, blocks: list[Block], problems: _Problems) -> None:
        self.blocks = blocks
        self.problems = problems
        self.kinds: dict[int, str] = {}  # block index -> table key

    # -- tables ----------------------------------------------------------------------------

    def _parts(self) -> dict[str, list[_Part]]:
        parts: dict[str, list[_Part]] = {}
        for i, block in enumerate(self.blocks):
            if not isinstance(block, Tbl):
                continue
            identified = _identify(block.grid)
            if identified is None:
                continue
            key = identified[0]
            self.kinds[i] = key
            part = _Part(key, block.grid, block.index)
            parts.setdefault(key, []).append(part)
        return parts

    def _tables(self) -> tuple[FormatVersion, dict[str, Table]]:
        parts = self._parts()
        grids = {key: _join(p) for key, p in parts.items()}
        for key in ("table2", "table3", "table4"):
            if key not in grids:
                self.problems.add("EX-TABLE-MISSING", f"找不到{_TABLE_NAMES[key]}（按其行、列标题识别）",
                                  table=_TABLE_NAMES[key])
        versions = {key: _version_of(key, grid) for key, grid in grids.items() if key != "table4"}
        said = {v for v in versions.values() if v is not None}
        if len(said) > 1:
            detail = "，".join(f"{_TABLE_NAMES[k]}为{v.value}年格式" for k, v in versions.items() if v)
            self.problems.add("EX-MIXED-FORMAT", f"表格混用了 2019 年试行格式和 2021 年格式：{detail}")
        version = said.pop() if len(said) == 1 else FormatVersion.V2021
        layout = get_layout(version)
        tables = {
            key: _TableReader(layout.table(key), grid, self.problems).read() for key, grid in grids.items()
        }
        return version, tables

    # -- prose -----------------------------------------------------------------------------

    def report(self) -> Report:
        version, tables = self._tables()
        layout = get_layout(version)
        sections = layout.sections
        first_heading = None
        current = -1
        content: dict[str, list[tuple[int, str]]] = {s.key: [] for s in sections}
        section_of: dict[int, str] = {}
        headings: dict[str, str] = {}
        for i, block in enumerate(self.blocks):
            if not isinstance(block, Para):
                if first_heading is None and i in self.kinds:
                    first_heading = i
                if current >= 0:
                    section_of[i] = sections[current].key
                continue
            heading = _section_heading(block.text, sections, current, before_table2=self._table_follows(i, "table2"))
            if heading is not None:
                if first_heading is None:
                    first_heading = i
                current = heading
                headings[sections[heading].key] = _heading_title(block.text, sections[heading])
                continue
            if current >= 0:
                content[sections[current].key].append((i, block.text))
        head = [b.text for b in self.blocks[: first_heading if first_heading is not None else len(self.blocks)]
                if isinstance(b, Para)]
        title = _title(head, self.problems)
        self.problems.raise_if_any()
        assert title is not None
        organ_name, year = title

        publication_date = self._signature(content, organ_name)
        overview = self._overview(layout, [t for _, t in content["overview"]])
        note = self._note(content, section_of)
        items = self._items(layout, [t for _, t in content["other_matters"]])
        try:
            report = Report(
                organ=Organ(name=organ_name, kind=infer_organ_kind(organ_name)),
                year=year,
                format_version=version,
                publication_date=publication_date,
                overview=overview,
                table2=tables["table2"],
                table3=tables["table3"],
                table4=tables["table4"],
                review_litigation_note=note,
                problems=_paragraphs(t for _, t in content["problems"]),
                other_matters=(),
                section_titles=headings,  # an alias heading as printed; official ones are dropped
            )
        except (TypeError, ValueError) as exc:
            self.problems.add("EX-INVALID", f"读出的报告无效：{exc}")
            self.problems.raise_if_any()
            raise  # pragma: no cover - raise_if_any raised
        return _canonical(report, items)

    def _table_follows(self, index: int, key: str) -> bool:
        """Whether table ``key`` comes next after block ``index``, at most three paragraphs later."""
        paragraphs = 0
        for i in range(index + 1, len(self.blocks)):
            if i in self.kinds:
                return self.kinds[i] == key
            block = self.blocks[i]
            if isinstance(block, Para) and clean_text(block.text):
                paragraphs += 1
                if paragraphs > 3:
                    return False
        return False

    def _signature(self, content: dict[str, list[tuple[int, str]]], organ: str) -> dt.date | None:
        """Take a trailing ``organ name`` / ``date`` signature off the last section; the date is returned."""
        for key in reversed(list(content)):
            lines = content[key]
            if not lines:
                continue
            while lines and not clean_text(lines[-1][1]):
                lines.pop()
            if not lines:
                continue
            match = _DATE.match(clean_text(lines[-1][1]))
            if not match:
                return None
            try:
                date = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                return None
            lines.pop()
            while lines and not clean_text(lines[-1][1]):
                lines.pop()
            if lines and normalize_label(lines[-1][1]) == normalize_label(organ):
                lines.pop()
            return date
        return None

    def _overview(self, layout: FormatLayout, lines: list[str]) -> Overview:
        intro: list[str] = []
        parts: dict[str, tuple[str | None, list[str]]] = {}
        current: str | None = None
        last = 0
        for line in lines:
            match = _SUB_NUMBER.match(clean_text(line))
            number = _numeral(match.group(1)) if match and len(match.group(1)) <= 2 else 0
            rest = match.group(2) if match else line
            if not match:  # automatic numbering: the heading prints without （一）
                number = next((i + 1 for i, spec in enumerate(layout.overview_parts)
                               if any(normalize_label(line) == normalize_label(strip_number(t)) for t in (spec.title, *spec.aliases))), 0)
            if last < number <= len(layout.overview_parts):
                spec = layout.overview_parts[number - 1]
                printed, official, inline = _split_heading(rest, (spec.title, *spec.aliases))
                title = None if official == spec.title or not printed else printed
                current, last = spec.key, number
                parts[current] = (title, [inline] if inline else [])
                continue
            if current is None:
                intro.append(line)
            else:
                parts[current][1].append(line)
        return Overview(
            intro=_paragraphs(intro),
            **{
                key: Subsection(title=title, paragraphs=_paragraphs(paragraphs))
                for key, (title, paragraphs) in parts.items()
            },
        )

    def _note(self, content: dict[str, list[tuple[int, str]]], section_of: dict[int, str]) -> Prose:
        """The paragraphs after (the last part of) table 四 in its section, up to the next heading."""
        t4 = [i for i, key in self.kinds.items() if key == "table4"]
        if not t4 or max(t4) not in section_of:
            return ()
        after = max(t4)
        return _paragraphs(text for i, text in content[section_of[after]] if i > after)

    def _items(self, layout: FormatLayout, lines: list[str]) -> list[_Part6]:
        presets = [spec.title for specs in layout.other_items.values() for spec in specs]
        items: list[_Part6] = []
        loose: list[str] = []
        last = 0
        for line in lines:
            match = _SUB_NUMBER.match(clean_text(line))
            number = _numeral(match.group(1)) if match and len(match.group(1)) <= 2 else 0
            if match and number > last:
                printed, _, inline = _split_heading(match.group(2), presets)
                if printed:
                    items.append(_Part6(printed, [inline] if inline else []))
                    last = number
                    continue
            if items:
                items[-1].paragraphs.append(line)
            else:
                loose.append(line)
        if _paragraphs(loose):
            # Text directly under 六 without numbered items: one item titled like the section.
            items.insert(0, _Part6(strip_number(layout.section("other_matters").title), loose))
        return items


def _paragraphs(lines: Iterable[str]) -> Prose:
    return clean_paragraphs(list(lines))


def _canonical(report: Report, items: list[_Part6]) -> Report:
    """Defaults printed for paragraphs not given become ``None`` again; the fee item gives the fee."""
    changes: dict[str, object] = {}
    on_request = report.overview.on_request
    if on_request.paragraphs is not None and on_request.paragraphs == default_on_request(report):
        overview = attrs.evolve(report.overview, on_request=attrs.evolve(on_request, paragraphs=None))
        changes["overview"] = overview
    if report.review_litigation_note == default_review_litigation(report):
        changes["review_litigation_note"] = None

    fee = Decimal(0)
    other: list[OtherItem] = []
    for index, item in enumerate(items):
        paragraphs = _paragraphs(item.paragraphs)
        is_fee = "信息处理费" in normalize_label(item.title)
        if not is_fee:
            other.append(OtherItem(title=item.title, paragraphs=paragraphs))
            continue
        default_fee = _default_fee(report, paragraphs)
        if default_fee is None:
            other.append(OtherItem(key=PROCESSING_FEE_ITEM.key, title=item.title, paragraphs=paragraphs))
            continue
        fee = default_fee
        if index == 0 and normalize_label(item.title) == normalize_label(PROCESSING_FEE_ITEM.title):
            continue  # printed because every report prints it; not part of the input
        other.append(OtherItem(key=PROCESSING_FEE_ITEM.key, title=item.title, paragraphs=None))
    changes["other_matters"] = tuple(other)
    changes["processing_fee"] = fee
    return report.evolve(**changes)


_FEE = re.compile(r"收取政府信息公开信息处理费(\d+(?:\.\d+)?)元")


def _default_fee(report: Report, paragraphs: Prose) -> Decimal | None:
    """The fee if ``paragraphs`` are exactly the default 信息处理费 sentence for it, else ``None``."""
    if len(paragraphs) != 1:
        return None
    match = _FEE.search(paragraphs[0])
    candidates = [Decimal(0)] + ([Decimal(match.group(1))] if match else [])
    for fee in candidates:
        if default_processing_fee(report.evolve(processing_fee=fee)) == paragraphs:
            return fee
    return None

