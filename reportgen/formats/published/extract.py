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
table, row and column — nothing is guessed silently.  The reader stands on the input contract: figures,
the title's year and the date line are parsed by :mod:`reportgen.domain.values`, findings are collected by
:class:`~reportgen.domain.codes.Findings` and placed by ``TableLayout.cell_location``, so a mistake a
published report shares with an input file (``-1`` in a count, ``abc``, a fraction, seven decimal places,
the year 1999, 2023年2月30日, a negative 信息处理费) gets that file's code and message (``IN-NEGATIVE`` …);
only conditions of published reports (no title, a table not found …) have ``EX-*`` codes.

The result is the *canonical* report that prints the document: ``extract(render_docx(r)) == r`` for
every report whose organ kind can be told from its name and whose prose is not a default sentence
(see :func:`extract` for the rules).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import attrs
from lxml import etree

from reportgen.domain.codes import Findings, top_code
from reportgen.domain.errors import ExtractError
from reportgen.domain.findings import Location
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
from reportgen.domain.reading import Reading
from reportgen.domain.values import InvalidValue, as_printed, is_date_text, parse_date, parse_figure, parse_year
from reportgen.formats.ooxml.grid import Grid, GridText, Para
from reportgen.formats.published.document import Block, Document, TableBlock, grid_from_rows, pipe_cells
from reportgen.formats.published.docx import read_docx
from reportgen.formats.published.html import HTML_SUFFIXES, read_html
from reportgen.formats.published.office import OFFICE_SUFFIXES, ConversionFailed, NoLibreOffice, read_office
from reportgen.formats.published.pdf import ScannedPdf, read_pdf

# Labels are normalised again and again (every cell against every table's labels): cache it.
normalize_label = functools.lru_cache(maxsize=1 << 16)(normalize_label)

__all__ = ["PUBLISHED_SUFFIXES", "Reading", "extract", "infer_organ_kind", "read_document", "read_published"]

PUBLISHED_SUFFIXES = (".docx", *HTML_SUFFIXES, ".pdf", *OFFICE_SUFFIXES)
"""Every form of a published report :func:`read_published` reads."""

_TABLE_NAMES = {table.key: table.name for table in get_layout().tables}

# --------------------------------------------------------------------------------------------
# Label forms: how a printed label is compared with the layout's


_YEAR_NOTE = re.compile(r"\((?:\d{4}年?度?)\)")
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

    def variant(self, text: str) -> str | None:
        """The key of a label printed in a variant form: a year inserted (``本年(2023)制发件数``) or the
        label cut short or wrapped (``现行有效件``, ``(二)部分公开(区分处理的``): the one label it begins."""
        n = _YEAR_NOTE.sub("", normalize_label(text))
        found = self.find(n)
        if found is not None:
            return found
        n = _stripped(n)
        if len(n) < 4:
            return None
        keys = {key for level in self._levels[1:] for label, key in level.items()
                if key is not None and label.startswith(n)}
        return keys.pop() if len(keys) == 1 else None


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
            rows=_Index([(r.key, r.label) for r in layout.rows] + _aliases(layout)),
            columns=_Index(((c.key, c.label) for c in layout.columns), numbered=False),
            known=frozenset(known),
        )


def _aliases(layout: TableLayout) -> list[tuple[str, str]]:
    """A row label of the other format for the same row (2019 规范性文件 for 2021 行政规范性文件): offices
    copying last year's table keep it."""
    out = []
    for other in ALL_LAYOUTS.values():
        table = other.table(layout.key)
        if table is layout:
            continue
        for row in table.rows:
            if layout.has_row(row.key) and normalize_label(layout.row(row.key).label) != normalize_label(row.label):
                out.append((row.key, row.label))
    return out


_LABELS: dict[tuple[FormatVersion, str], _Labels] = {
    (version, table.key): _Labels.of(table) for version, layout in ALL_LAYOUTS.items() for table in layout.tables
}


def _only_in(version: FormatVersion, key: str) -> frozenset[str]:
    """Labels (normalised, with and without numbers) printed only in ``version``'s table ``key``."""
    other = FormatVersion.V2019 if version is FormatVersion.V2021 else FormatVersion.V2021
    mine = {k for k in _LABELS[(version, key)].known if k}
    aliases = _aliases(_LABELS[(other, key)].layout)
    theirs = _LABELS[(other, key)].known | {form(normalize_label(label)) for _, label in aliases
                                            for form in (normalize_label, _stripped, _core)}
    return frozenset(k for k in mine - theirs if len(k) >= 2)


_VERSION_EVIDENCE = {(v, k): _only_in(v, k) for v in FormatVersion for k in ("table2", "table3")}
_T3_OTHER_2019 = normalize_label(get_layout(FormatVersion.V2019).table("table3").row("other_processing").label)

# --------------------------------------------------------------------------------------------
# Problems


def _add(found: Findings, code: str, message: str, location: Location | None = None, *,
         actual: str | None = None, expected: str | Decimal | None = None) -> None:
    """Record a published-only finding (an ``EX-*`` code, whose message is the reader's own) once: the same
    code at the same place (a column missing in every row) is one finding."""
    location = location or Location()
    place = (location.table, location.row, location.column, location.path)
    if any(f.code == code and (f.location.table, f.location.row, f.location.column, f.location.path) == place
           for f in found.items):
        return
    found.add(code, location, detail=message, actual=actual, expected=expected)


def _raise_if_any(found: Findings) -> None:
    """Raise the errors found (warnings, e.g. an amount converted from 元, do not raise) as one
    :class:`ExtractError`, its code by :func:`~reportgen.domain.codes.top_code` (default ``EXTRACT-FAILED``)."""
    errors = [f for f in found.items if f.is_error]
    if not errors:
        return
    first = errors[0]
    raise ExtractError(
        f"无法读取报告中的 {len(errors)} 处内容（{first.message}…）" if len(errors) > 1
        else f"无法读取报告：{first.message}",
        code=top_code(errors, default=ExtractError.code),
        location=first.location,
        findings=found.items,
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

    def __init__(self, layout: TableLayout, grid: Grid, problems: Findings, *, lines: bool = False) -> None:
        self.lines = lines
        self.missing: set[tuple[str, str]] = set()
        """Figures not read (not printed, cut off, unreadable): never turned into 0."""
        self.layout = layout
        self.labels = _LABELS[(_version_for(layout), layout.key)]
        self.grid = grid
        self.problems = problems
        self.name = layout.name
        # ref -> list of cell texts found for it (several when a row is printed twice)
        self.found: dict[tuple[str, str], list[tuple[str, int]]] = {}

    # -- the grid ------------------------------------------------------------------------

    def read(self) -> Table:
        if self.lines:
            self._locate_by_sequence()
        elif self.layout.key == "table4":
            self._locate_by_column_groups()
        else:
            self._locate_by_rows()
        return self._table()

    def _text_at(self, r: int, cols: frozenset[int], ref: tuple[str, str]) -> str:
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
            where = self.layout.cell_location(ref)
            _add(self.problems, "EX-AMBIGUOUS",
                 f"{self.name}“{where.row}”行“{where.column}”列有多个不同的数字：{'、'.join(clean_text(t) for t in texts)}",
                 where, actual=" / ".join(texts))
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
                row_key = self.labels.rows.find(own[-1][0].text) or self.labels.rows.variant(own[-1][0].text)
            if row_key is None:
                found = [(self.labels.columns.find(cell.text) or self.labels.columns.variant(cell.text), cols)
                         for cell, cols in cells]
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
                _add(self.problems, "EX-NO-HEADER",
                     f"{self.name}缺少列标题行（如“{self.layout.column(row.columns[0]).label}”）",
                     self.layout.row_location(row_key))
                continue
            seen_rows.add(row_key)
            for col in row.columns:
                col_cells = header.get(col)
                col_label = self.layout.column(col).label
                if col_cells is None:
                    _add(self.problems, "EX-COLUMN-MISSING", f"{self.name}找不到列“{col_label}”",
                         Location(table=self.name, column=col_label))
                    continue
                text = self._text_at(r, col_cells, (row_key, col))
                self.found.setdefault((row_key, col), []).append((text, r))

    def _locate_by_sequence(self) -> None:
        """A table rebuilt from text lines: a row label, then its figures in the official column order.

        Column positions mean nothing here (merged cells are simply absent from a ``|``-line, a PDF row
        has no ruling lines), but the order of the figures after a row label is the official one.  A row
        showing fewer figures than the official table has is kept unread (which column is missing cannot
        be told) unless only its computed total is left out.  Table 四 is its figures in reading order.
        """
        tokens = [(cell.text, r) for r in range(len(self.grid.rows)) for cell in self.grid.cells_of_row(r)]
        if self.layout.key == "table4":
            figures = [(text, r) for text, r in tokens if _is_figure(text)]
            refs = list(self.layout.refs())
            for ref, (text, r) in zip(refs, figures, strict=False):
                self.found.setdefault(ref, []).append((text, r))
            if len(figures) > len(refs):
                _add(self.problems, "EX-EXTRA-FIGURES", f"{self.name}的数字多于正式表格的{len(refs)}个："
                     + " ".join(clean_text(t) for t, _ in figures[len(refs):]), Location(table=self.name))
            return
        current: str | None = None
        pending: list[tuple[str, int]] = []

        def commit() -> None:
            if current is None or not pending:
                return
            row = self.layout.row(current)
            columns = list(row.columns)
            if len(pending) < len(columns):
                leaves = [c for c in columns if not self.layout.is_computed((current, c))]
                if len(pending) == len(leaves):
                    columns = leaves
                else:
                    where = self.layout.row_location(current)
                    _add(self.problems, "EX-ROW-INCOMPLETE",
                         f"{self.name}“{where.row}”行只有{len(pending)}个数字（应为{len(columns)}个），"
                         "无法确定各属哪一列，本行未读取",
                         where, actual=" ".join(clean_text(t) for t, _ in pending))
                    return
            for col, (text, r) in zip(columns, pending, strict=False):
                self.found.setdefault((current, col), []).append((text, r))

        for text, r in tokens:
            if _is_figure(text):
                if current is not None and len(pending) < len(self.layout.row(current).columns):
                    pending.append((text, r))
                continue
            if self.labels.columns.exact(text) is not None:
                continue
            key = self._row_in(text)
            if key is not None:
                commit()
                current, pending = key, []
        commit()

    def _row_in(self, text: str) -> str | None:
        """The row a text-table cell names; a group label printed vertically beside it may run into it
        (``本年（二）部分公开…``, ``不予公4.保护第三方合法权益``): then the label from its number on."""
        key = self.labels.rows.find(text) or self.labels.rows.variant(text)
        if key is not None:
            return key
        for match in _LABEL_START.finditer(text):
            if match.start() > 0:
                key = self.labels.rows.find(text[match.start():]) or self.labels.rows.variant(text[match.start():])
                if key is not None:
                    return key
        return None

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
        _add(self.problems, "EX-UNKNOWN-ROW", f"{self.name}第{r + 1}行{where}有数字，但无法识别为正式表格中的任何一行",
             Location(table=self.name, row=label or f"第{r + 1}行"), actual=" ".join(numbers))

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
            owners = {g: gcols for g, gcols in groups if cols <= gcols}
            if not owners:
                # Converted files (.doc → .docx) can widen a header one grid column into the next group:
                # the group holding the header's first column owns it, on the columns they share.
                owners = {g: gcols for g, gcols in groups if min(cols) in gcols}
            if len(owners) == 1:
                group, gcols = owners.popitem()
                ref = (group, col_key)
                refs[ref] = refs.get(ref, frozenset()) | (cols & gcols)
        data_rows = list(range(last_header + 1, len(self.grid.rows)))
        filled = [r for r in data_rows if any(normalize_label(cell.text) for cell, _ in _cells(self.grid, r))]
        rows = filled or data_rows[:1]
        if not rows:
            _add(self.problems, "EX-ROW-MISSING", f"{self.name}没有数字行", Location(table=self.name))
            return
        for ref in self.layout.refs():
            ref_cols = refs.get(ref)
            if ref_cols is None:
                where = self.layout.cell_location(ref)
                _add(self.problems, "EX-COLUMN-MISSING", f"{self.name}找不到“{where.row}”下的列“{where.column}”", where)
                continue
            for r in rows:
                self.found.setdefault(ref, []).append((self._text_at(r, ref_cols, ref), r))

    # -- the figures ---------------------------------------------------------------------

    def _table(self) -> Table:
        figures: dict[tuple[str, str], Figure] = {}
        printed: dict[tuple[str, str], Figure] = {}
        missing_rows: set[str] = set()
        for ref in self.layout.refs():
            where = self.layout.cell_location(ref)
            row_label, col_label = where.row, where.column
            texts = self.found.get(ref)
            computed = self.layout.is_computed(ref)
            if not texts:
                if computed:
                    continue
                self.missing.add(ref)
                if self.layout.key == "table4" and self.lines:
                    _add(self.problems, "EX-FIGURE-MISSING",
                         f"{self.name}“{row_label}”下“{col_label}”列的数字没有印出（表格不完整）", where)
                elif ref[0] not in missing_rows and self.layout.key != "table4":
                    missing_rows.add(ref[0])
                    _add(self.problems, "EX-ROW-MISSING", f"{self.name}找不到行“{row_label}”",
                         self.layout.row_location(ref[0]))
                continue
            values: list[Figure] = []
            for text, _ in texts:
                if computed and not normalize_label(text):
                    continue  # a blank total states nothing
                try:
                    value = self._parse(text, ref)
                except InvalidValue as exc:
                    # The same mistake as in an input file: the same code and message (IN-TYPE, IN-NEGATIVE …).
                    if not computed:
                        self.missing.add(ref)
                    self.problems.figure(exc, as_printed(text), where, self.layout.kind(ref))
                    break
                values.append(value)
            else:
                if len(set(values)) > 1:
                    _add(self.problems, "EX-AMBIGUOUS",
                         f"{self.name}“{row_label}”行出现多次，“{col_label}”列的数字不一致：" + "、".join(str(v) for v in values),
                         where)
                    if not computed:
                        self.missing.add(ref)
                elif values:
                    (printed if computed else figures)[ref] = values[0]
        try:
            table = Table.from_figures(self.layout.key, figures, version=_version_for(self.layout))
        except (TypeError, ValueError) as exc:  # a figure outside its kind's range
            _add(self.problems, "EX-FIGURE", f"{self.name}的数字无效：{exc}", Location(table=self.name))
            self.missing |= set(self.layout.leaf_refs())
            return Table.from_figures(self.layout.key, version=_version_for(self.layout))
        # A printed total equal to the computed one adds nothing; one that differs is kept for the checks.
        # With figures missing the computed total means nothing: a printed one is kept as printed.
        stated = {ref: v for ref, v in printed.items() if table[ref] != v or self.missing}
        return Table.from_figures(self.layout.key, figures, version=table.version, stated=stated)


    def _parse(self, text: str, ref: tuple[str, str]) -> Figure:
        """A figure by :func:`~reportgen.domain.values.parse_figure` (a blank, ``/``, ``—``, ``无`` is 0, a unit
        such as ``件`` may follow); an amount printed in 元 (``251000元``) is converted exactly to 万元, with a
        warning.  :raises InvalidValue: as ``parse_figure`` does."""
        kind = self.layout.kind(ref)
        if kind == "amount":
            match = _YUAN.match(normalize_label(text).replace(",", ""))
            if match:
                yuan = Decimal(match.group(1))
                value = (yuan / 10000).normalize()
                value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value
                figure = parse_figure(value, kind)  # more than six places in 万元 is IN-PRECISION
                where = self.layout.cell_location(ref)
                _add(self.problems, "EX-AMOUNT-YUAN",
                     f"{self.name}“{where.row}”行“{where.column}”列印为“{clean_text(text)}”（单位元），已换算为{value}万元；"
                     "表格单位应为万元",
                     where, actual=clean_text(text), expected=value)
                return figure
        return parse_figure(text, kind, units=True)


_LABEL_START = re.compile(r"[（(][一二三四五六七八九十][)）]|\d{1,2}[.、．]|[一二三四五六][、．]")
_YUAN = re.compile(r"^(\d+(?:\.\d+)?)元$")
_FIGURE_TOKEN = re.compile(r"^(?:-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?)(?:件|项|个|条|次|万元|元)?$")


def _is_figure(text: str) -> bool:
    """Whether a cell of a text table is a figure (or a zero mark ``/``, ``—``, ``无``)."""
    n = normalize_label(text)
    return bool(n) and (bool(_FIGURE_TOKEN.match(n)) or n.translate(_DASH_MAP) in ("/", "\\", "-", "--", "无"))


_DASH_MAP = str.maketrans({"—": "-", "–": "-", "−": "-", "／": "/"})


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
    # An own heading run into its text: （一）主动公开方面。全年… — the heading ends at the first full stop.
    match = _INLINE_HEADING.match(rest)
    if match and len(rest) > 30:
        return match.group(1), None, match.group(2).strip() or None
    return rest, None, None


_INLINE_HEADING = re.compile(r"^([^。：:，,；;]{2,16}?)[。：:](.+)$", re.S)


@attrs.define
class _Part6:
    title: str
    paragraphs: list[str] = attrs.Factory(list)


_REPORT = r"\s*政府信息公开\s*(?:工作)?\s*(?:年度)?\s*报告"
_SUFFIX = re.compile(r"\s*[（(【\[][^）)】\]]{1,8}[）)】\]]$")  # （图片版） （超链版） (全文)
_TITLES = (
    re.compile(rf"^(?P<organ>.+?)\s*(?:关于\s*)?(?P<year>\d{{4}})\s*年度?{_REPORT}$"),
    re.compile(rf"^(?P<year>\d{{4}})\s*年度?\s*(?P<organ>[^度\d].+?){_REPORT}$"),
    re.compile(r"^(?P<organ>.+?)\s*关于\s*(?P<year>\d{4})\s*年度?\s*(?:政府信息公开)?\s*工作的?\s*(?:年度)?\s*报告$"),
)
_YEAR_IN_TEXT = re.compile(rf"(?P<year>(?:19|20)\d{{2}})年度?(?:的)?{_REPORT}")
_SENTENCE = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年度?(?:政府信息公开|政务公开)")
_SITE_SUFFIX = re.compile(r"[_｜|—-]+[^_｜|—-]*$")


def _match_title(text: str) -> tuple[str | None, int | None]:
    """``(organ, year)`` of a title line in any of its published forms (either may be ``None``)."""
    line = clean_text(text)
    while _SUFFIX.search(line):
        line = _SUFFIX.sub("", line)
    for pattern in _TITLES:
        match = pattern.match(line)
        if match:
            organ = clean_text(match.group("organ"))
            return (organ or None), int(match.group("year"))
    return None, None


def _title(paragraphs: Sequence[str]) -> tuple[str | None, int | None]:
    """``(organ name, year)`` from the title, which may be split over up to three paragraphs."""
    lines = [p.replace("\n", "") for p in paragraphs if clean_text(p)]
    found: int | None = None
    # Shortest window first, ending at a line with 报告, so lines above the title (索引号…) stay out.
    for end in range(len(lines)):
        if "报告" not in lines[end]:
            continue
        for width in (1, 2, 3):
            if end + 1 - width < 0:
                break
            organ, year = _match_title("".join(lines[end + 1 - width : end + 1]))
            if year is not None and organ is not None:
                return organ, year
            if year is not None and found is None:
                found = year
    return None, found


def _organ_year(
    head: Sequence[str], first: str, document: Document, problems: Findings, *, organ: str | None, year: int | None
) -> tuple[str | None, int | None]:
    """The organ and year: ``--organ/--year`` first, then the title, the page header, ``<title>``, the first
    sentence (``现将我镇2023年度政府信息公开工作报告如下``: the year only), then the file name."""
    sources: list[tuple[str | None, int | None]] = [(organ, year), _title(head)]
    for text in (document.header, document.title):
        for line in text.splitlines():
            sources.append(_match_title(line))
            sources.append(_match_title(_SITE_SUFFIX.sub("", line)))
    sentence = _SENTENCE.search(clean_text(first)) or _YEAR_IN_TEXT.search(clean_text(" ".join(head)))
    sources.append((None, int(sentence.group("year")) if sentence else None))
    stem = re.sub(r"^[0-9A-Za-z_\-\s.]+(?=[^\x00-\x7f])", "", Path(document.file_name).stem)  # 01-, fj1_
    name_organ, name_year = _match_title(stem)
    if name_year is None:
        match = re.search(r"(?:19|20)\d{2}", stem)
        name_year = int(match.group(0)) if match else None
        rest = re.sub(r"(?:19|20)\d{2}年?度?|政府信息公开|工作|年度报告|报告|[_\-\s.（）()]", "", stem)
        name_organ = rest if len(rest) >= 2 and not rest.isascii() else None
    sources.append((name_organ, name_year))
    found_organ = next((o for o, _ in sources if o), None)
    found_year = next((y for _, y in sources if y is not None), None)
    if found_organ is None or found_year is None:
        what = "机关名称" if found_organ is None else "年度"
        if found_organ is None and found_year is None:
            what = "机关名称和年度"
        _add(problems, "EX-TITLE", f"找不到报告标题“××××年度政府信息公开工作年度报告”，页眉、网页标题、首句和文件名中"
             f"也没有{what}；请用 --organ/--year 指定")
    if found_year is not None:
        try:
            parse_year(found_year)
        except InvalidValue:
            # The year printed is out of range (1999, 2200): the same mistake as in an input file.
            problems.year(found_year, Location(path="$.year"))
            found_year = None
    return found_organ, found_year


def _text_tables(blocks: list[Block]) -> list[Block]:
    """Tables printed as text, found the same way in every form: a run of ``|``-separated lines, or of
    short lines that are figures or labels of the official tables (one cell per line), becomes a
    :class:`TableBlock` with ``lines=True``."""
    out: list[Block] = []
    run: list[list[str]] = []
    index = sum(isinstance(b, TableBlock) for b in blocks)

    def flush() -> None:
        nonlocal index
        figures = sum(_is_figure(c) for row in run for c in row)
        labels = sum(_is_label(c) for row in run for c in row)
        if figures >= 2 and labels >= 2:
            out.append(TableBlock(grid_from_rows(run), index, lines=True))
            index += 1
        else:
            out.extend(Para(" | ".join(row)) for row in run)
        run.clear()

    for block in blocks:
        if isinstance(block, Para):
            text = clean_text(block.text)
            cells = pipe_cells(text)
            if cells is not None:
                run.append(cells)
                continue
            if text and len(text) <= 40 and not text.endswith("。") and (
                _is_figure(text) or _is_label(text) or (run and not _OWN_HEADING.match(text))
            ):
                run.append([text])
                continue
            if not text and run:
                continue
        if run:
            flush()
        out.append(block)
    if run:
        flush()
    return out


_OWN_HEADING = re.compile(r"^[一二三四五六]\s*[、.．]\s*\S{4,}")
_ALL_KNOWN = frozenset().union(*(labels.known for labels in _LABELS.values())) - {""}


def _is_label(text: str) -> bool:
    n = normalize_label(text)
    return len(n) >= 2 and (n in _ALL_KNOWN or _stripped(n) in _ALL_KNOWN)


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


# -- issue 13: the publication date and the organ's place, read back (a self-contained block) -----------------
_DATE_PARTS = r"(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?"
_LABELLED_DATE = re.compile(r"(?:发布日期|发布时间|成文日期|印发日期|日期)\s*[:：]?\s*" + _DATE_PARTS)
_ENDING_DATE = re.compile(_DATE_PARTS + r"$")
_UNIT = re.compile(r"[\u4e00-\u9fff]{1,10}?(?:特别行政区|自治区|自治州|自治县|省|市|州|盟|地区|县|区|旗)")


def _date(match: re.Match[str] | None) -> dt.date | None:
    if match is None:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def publication_date_in(head: Sequence[str], content: Mapping[str, list[tuple[int, str]]]) -> dt.date | None:
    """The publication date where no 落款 date stands alone on the last line: the 落款 printed on one line
    (``招远市金岭镇人民政府　2023年1月18日``) as one of the last two lines — taken off the text, as the
    two-line 落款 is — or a labelled date before the first heading (a web page's ``发布日期：2023-01-18``).
    A date inside a sentence (``截至2022年12月31日``) is never taken."""
    last = next((lines for lines in reversed(list(content.values())) if any(clean_text(t) for _, t in lines)), [])
    tail = [i for i, (_, t) in enumerate(last) if clean_text(t)][-2:]
    for index in reversed(tail):
        line = clean_text(last[index][1])
        match = _ENDING_DATE.search(line)
        signer = line[: match.start()].strip(" \u3000") if match else ""
        if match and (not signer or infer_organ_kind(signer) is not OrganKind.OTHER):  # a 落款, not "截至…"
            found = _date(match)
            if found is not None:
                del last[index:]
                return found
    for line in head:
        found = _date(_LABELLED_DATE.search(clean_text(line)))
        if found is not None:
            return found
    return None


def organ_place(name: str) -> dict[str, str]:
    """``province``/``city``/``county`` as the organ's printed name gives them (``山东省烟台市招远市金岭镇人民政府``);
    a part the name does not print stays out.  For a township or street the last unit before it is its county;
    otherwise each unit goes by its suffix (省/自治区: province, 县/区/旗: county, 市/州/盟: city)."""
    units: list[str] = []
    rest = normalize_label(name)
    while (match := _UNIT.match(rest)) is not None and len(match.group(0)) < len(rest):
        units.append(match.group(0))
        rest = rest[len(match.group(0)):]
    if not units:
        return {}
    place: dict[str, str] = {}
    if infer_organ_kind(name).is_township_level:
        for key, unit in zip(("county", "city", "province"), reversed(units), strict=False):
            place[key] = unit
        return place
    for unit in units:
        level = _level(unit)
        place.setdefault({"provincial": "province", "county": "county"}.get(level, "city"), unit)
    return place


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


def _suffix_error(file: str, suffix: str) -> ExtractError:
    known = "、".join(PUBLISHED_SUFFIXES)
    return ExtractError(f"不认识的文件类型“{suffix or '（无后缀）'}”：已发布报告应为 {known} 之一。",
                        code="EX-SUFFIX", location=Location(file=file))


def read_document(path: str | os.PathLike[str]) -> Document:
    """The neutral document of a published report in any form (by suffix): .docx, a web page, a PDF,
    or .doc/.wps/.odt/.rtf through LibreOffice.

    :raises ExtractError: ``EX-OPEN`` (missing or broken file), ``EX-SUFFIX``, ``EX-PDF-SCAN`` (no text),
        ``EX-NO-LIBREOFFICE``, ``EX-CONVERT``.
    """
    file = os.fspath(path)
    where = Location(file=file)
    p = Path(path)
    suffix = p.suffix.lower()
    if not p.is_file():
        message = "这不是普通文件（命名管道、设备或套接字），无法读取。" if p.exists() else "文件不存在。"
        raise ExtractError(message, code="EX-OPEN", location=where)
    try:
        if suffix == ".docx":
            return read_docx(p)
        if suffix in HTML_SUFFIXES:
            return read_html(p)
        if suffix == ".pdf":
            return read_pdf(p)
        if suffix in OFFICE_SUFFIXES:
            return read_office(p)
    except ScannedPdf as exc:
        raise ExtractError("该 PDF 没有文字层（扫描件或图片），无法读取；请取得文字版 PDF、网页或 Word 文件，"
                           "或先做文字识别（OCR）。", code="EX-PDF-SCAN", location=where) from exc
    except NoLibreOffice as exc:
        raise ExtractError(f"读取 {suffix} 文件需要 LibreOffice（soffice），但未安装。请安装 LibreOffice"
                           "（如 apt-get install libreoffice-writer-nogui，或从 libreoffice.org 下载），"
                           "或用 Word/WPS 另存为 .docx 后重试。", code="EX-NO-LIBREOFFICE", location=where) from exc
    except ConversionFailed as exc:
        raise ExtractError(f"LibreOffice 未能转换该文件：{exc}", code="EX-CONVERT", location=where) from exc
    except (OSError, zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, etree.ParserError) as exc:
        what = {".docx": "Word 文档（.docx）", ".pdf": "PDF 文件"}.get(suffix, "网页")
        raise ExtractError(f"无法打开{what}：文件已损坏或不是该类型（{exc}）。", code="EX-OPEN", location=where) from exc
    except Exception as exc:  # pdfminer raises its own exception types for broken PDFs
        if suffix == ".pdf":
            raise ExtractError(f"无法打开 PDF 文件：文件已损坏或已加密（{type(exc).__name__}: {exc}）。",
                               code="EX-OPEN", location=where) from exc
        raise
    raise _suffix_error(file, p.suffix)


def read_published(
    path: str | os.PathLike[str], *, organ: str | None = None, year: int | None = None
) -> Reading:
    """Read a published report in any form, as far as it can be read (never raises for its content).

    ``organ``/``year`` override what the document says (for a report without a usable title).  Every
    figure shown is kept; what is missing or unreadable is a located finding of :attr:`Reading.findings`
    and, for figures, in :attr:`Reading.missing`.  :raises ExtractError: only when the file itself cannot
    be opened (see :func:`read_document`).
    """
    document = read_document(path)
    problems = Findings(file=os.fspath(path))
    reader = _Reader(document, problems, organ=organ, year=year)
    report = reader.report()
    return Reading(file=os.fspath(path), report=report, findings=tuple(problems.items),
                   missing=frozenset(reader.missing), form=document.form)


def extract(path: str | os.PathLike[str], *, organ: str | None = None, year: int | None = None) -> Report:
    """The report printed in the published document at ``path`` (.docx, web page, PDF, .doc …), read whole.

    Reads the title (organ and year), the prose by section and tables 二, 三 and 四 by their labels;
    detects the 2019 trial layout and returns it as ``format_version=FormatVersion.V2019`` (the checks
    warn that it is outdated).  Raises :class:`~reportgen.domain.errors.ExtractError` with located findings
    when anything cannot be read (a missing table or row label, a figure that is not a number …) — use
    :func:`read_published` to keep what *can* be read.  Warnings (an amount converted from 元) do not raise.

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
    document = read_document(path)
    problems = Findings(file=os.fspath(path))
    report = _Reader(document, problems, organ=organ, year=year).report()
    _raise_if_any(problems)
    assert report is not None
    return report


class _Reader:
    def __init__(self, document: Document, problems: Findings, *, organ: str | None = None,
                 year: int | None = None) -> None:
        self.document = document
        self.blocks = _text_tables(list(document.blocks))
        self.problems = problems
        self.organ = organ
        self.year = year
        self.kinds: dict[int, str] = {}  # block index -> table key
        self.missing: set[tuple[str, str, str]] = set()

    # -- tables ----------------------------------------------------------------------------

    def _parts(self) -> dict[str, list[tuple[_Part, bool]]]:
        parts: dict[str, list[tuple[_Part, bool]]] = {}
        for i, block in enumerate(self.blocks):
            if not isinstance(block, TableBlock):
                continue
            identified = _identify(block.grid)
            if identified is None:
                continue
            key = identified[0]
            self.kinds[i] = key
            parts.setdefault(key, []).append((_Part(key, block.grid, block.index), block.lines))
        return parts

    def _tables(self) -> tuple[FormatVersion, dict[str, Table]]:
        parts = self._parts()
        grids = {key: _join([p for p, _ in found]) for key, found in parts.items()}
        lines = {key: any(is_lines for _, is_lines in found) for key, found in parts.items()}
        for key in ("table2", "table3", "table4"):
            if key not in grids:
                _add(self.problems, "EX-TABLE-MISSING", f"找不到{_TABLE_NAMES[key]}（按其行、列标题识别），其数字均未读取",
                     Location(table=_TABLE_NAMES[key]))
        versions = {key: _version_of(key, grid) for key, grid in grids.items() if key != "table4"}
        said = {v for v in versions.values() if v is not None}
        if len(said) > 1:
            detail = "，".join(f"{_TABLE_NAMES[k]}为{v.value}年格式" for k, v in versions.items() if v)
            _add(self.problems, "EX-MIXED-FORMAT", f"表格混用了 2019 年试行格式和 2021 年格式：{detail}")
        version = said.pop() if len(said) == 1 else FormatVersion.V2021
        layout = get_layout(version)
        tables: dict[str, Table] = {}
        for key in ("table2", "table3", "table4"):
            if key not in grids:
                self.missing |= {(key, *ref) for ref in layout.table(key).leaf_refs()}
                tables[key] = Table.from_figures(key, version=version)
                continue
            reader = _TableReader(layout.table(key), grids[key], self.problems, lines=lines[key])
            tables[key] = reader.read()
            self.missing |= {(key, *ref) for ref in reader.missing}
        return version, tables

    # -- prose -----------------------------------------------------------------------------

    def report(self) -> Report | None:
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
        first = next((t for _, t in content["overview"] if clean_text(t)), "")
        organ_name, year = _organ_year(head, first, self.document, self.problems, organ=self.organ, year=self.year)
        if organ_name is None or year is None:
            return None

        publication_date = self._signature(content, organ_name) or publication_date_in(head, content)
        overview = self._overview(layout, [t for _, t in content["overview"]])
        note = self._note(content, section_of)
        items = self._items(layout, [t for _, t in content["other_matters"]])
        try:
            report = Report(
                organ=Organ(name=organ_name, kind=infer_organ_kind(organ_name), **organ_place(organ_name)),
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
            _add(self.problems, "EX-INVALID", f"读出的报告无效：{exc}")
            return None
        return _canonical(report, items, self.problems)

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
            last = clean_text(lines[-1][1])
            if not is_date_text(last):
                return None
            try:
                date = parse_date(last)
            except InvalidValue:
                # A date line naming a day that does not exist (2023年2月30日): as in an input file.
                self.problems.date(last, Location(path="$.publication_date"))
                date = None
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


def _canonical(report: Report, items: list[_Part6], problems: Findings) -> Report:
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
        default_fee = _default_fee(report, paragraphs, problems)
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


_FEE_MARK = Decimal(1)
"""The fee the default sentence is built with to find where its figure is printed."""


def _default_fee(report: Report, paragraphs: Prose, problems: Findings) -> Decimal | None:
    """The fee if ``paragraphs`` are exactly the default 信息处理费 sentence for it, else ``None``.

    A default sentence printing a fee that is no amount (``-5元``, ``0.1234567元``, ``abc元``) is the same
    mistake as that fee in an input file: its finding (IN-NEGATIVE, IN-PRECISION, IN-TYPE) is recorded."""
    if len(paragraphs) != 1:
        return None
    if default_processing_fee(report.evolve(processing_fee=Decimal(0))) == paragraphs:
        return Decimal(0)
    (sentence,) = default_processing_fee(report.evolve(processing_fee=_FEE_MARK))
    mark = f"信息处理费{_FEE_MARK}元"
    before, found, after = sentence.partition(mark)
    if not found:  # pragma: no cover - the default sentence always prints the fee so
        return None
    match = re.fullmatch(re.escape(before) + "信息处理费(.+?)元" + re.escape(after), paragraphs[0])
    if match is None:
        return None
    try:
        fee = Decimal(parse_figure(match.group(1), "amount"))
    except InvalidValue as exc:
        where = Location(table=report.layout.section("other_matters").title, path="$.processing_fee")
        problems.figure(exc, as_printed(match.group(1)), where, "amount", unit="元")
        return None
    # The sentence prints the fee as format_amount does; another spelling (1,000) is not the default.
    return fee if default_processing_fee(report.evolve(processing_fee=fee)) == paragraphs else None

