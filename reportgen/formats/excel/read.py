"""The fill-in form: a blank workbook townships fill in Excel or WPS, and the reader of such workbooks.

:func:`write_form` writes the workbook of :mod:`reportgen.formats.excel.write` without figures or prose: input cells
unlocked and validated, labels and totals locked (sheet protection without a password).
:func:`read_form` reads it back — and reads workbooks written by :func:`reportgen.formats.excel.write.render_xlsx`.

Reading goes by the official labels, never by fixed coordinates: each table's sheet is the one
whose labels match the table best (sheets may be renamed or reordered); each figure is read where
its row label's row meets its column label's column (labels compared without spaces, line
breaks, full-/half-width differences).  Users' habits are accepted: numbers typed as text
(``" 3 "``, ``"３"``), blanks and ``/`` (read as 0).  Everything else that is wrong is collected and
raised at once as an :class:`~reportgen.domain.errors.InputError` whose findings name the sheet and cell,
the row and column labels, and what was expected.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
from lxml import etree
from openpyxl.utils import column_index_from_string, get_column_letter

from reportgen.domain import limits
from reportgen.domain.codes import (
    IN_MISSING,
    IN_SECTION_TITLE,
    IN_SHEET_SIZE,
    IN_XLSX_AMBIGUOUS,
    IN_XLSX_INFO,
    IN_XLSX_LABEL,
    IN_XLSX_SHEET,
    IN_XLSX_STATED,
    IN_XLSX_UNREADABLE,
    ITEM_TITLE_MISSING,
    ORGAN_NAME_MISSING,
    Code,
    Findings,
    section_title_params,
)
from reportgen.domain.errors import InputError, ReportgenError
from reportgen.domain.findings import Location
from reportgen.domain.layout import (
    PROCESSING_FEE_ITEM,
    FigureKind,
    FormatLayout,
    FormatVersion,
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
from reportgen.domain.prose import default_on_request, default_processing_fee, default_review_litigation
from reportgen.domain.values import (
    InvalidValue,
    expected_figure,
    parse_date,
    parse_figure,
    parse_organ_kind,
    parse_version,
    parse_year,
)
from reportgen.formats._archive import open_package
from reportgen.formats.excel._cells import Cell, read_book
from reportgen.formats.excel.sheets import (
    GRID_TOP,
    INFO_FIELDS,
    INFO_HEADERS,
    INTRO_LABEL,
    NOTE_LABEL,
    OTHER_LABEL,
    PROBLEMS_LABEL,
    SECTION_TITLE_ROWS,
    STATED_LABEL,
    STATUS_ADDED,
    STATUS_DEFAULT,
    STATUS_GIVEN,
    grid_coord,
)

__all__ = ["normalize_label", "parse_cell_date", "parse_figure", "read_form"]

Pos = tuple[int, int]
"""1-based ``(row, column)`` of a worksheet cell."""


# --------------------------------------------------------------------------------------------
# The workbook as the reader sees it.


@attrs.define
class _Sheet:
    """One worksheet: its cells (cached results for formulas, and the formula text), labels and merges."""

    title: str
    cells: dict[Pos, Cell]
    texts: dict[str, list[Pos]]
    """Normalised text → anchor positions of the cells holding it."""
    merged: dict[Pos, tuple[int, int, int, int]]
    """Every position inside a merged range → ``(min_row, min_col, max_row, max_col)``."""
    max_row: int
    merge_boxes: tuple[tuple[int, int, int, int], ...] = ()

    def anchor(self, pos: Pos) -> Pos:
        box = self.merged.get(pos)
        return (box[0], box[1]) if box else pos

    def extent(self, pos: Pos) -> tuple[int, int, int, int]:
        return self.merged.get(pos, (pos[0], pos[1], pos[0], pos[1]))

    def ref(self, pos: Pos) -> str:
        return f"{self.title}!{get_column_letter(pos[1])}{pos[0]}"

    def value(self, pos: Pos) -> Any:
        cell = self.cells.get(pos)
        return None if cell is None else cell[0]

    def is_formula(self, pos: Pos) -> bool:
        cell = self.cells.get(pos)
        return cell is not None and cell[1] is not None

    def raw(self, pos: Pos) -> Any:
        """The formula of a formula cell, else the value."""
        cell = self.cells.get(pos)
        if cell is None:
            return None
        return cell[0] if cell[1] is None else cell[1]

    def number_format(self, pos: Pos) -> str:
        cell = self.cells.get(pos)
        return _GENERAL if cell is None else cell[2]

    def text(self, pos: Pos) -> str:
        """The cell as text: a formula a user typed in a text cell is read as the text they typed."""
        value = self.raw(pos)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)


_GENERAL = "General"
_norm = functools.lru_cache(maxsize=4096)(normalize_label)
"""normalize_label, remembered (the official labels are looked up again in every form)."""


def _table_labels(table: TableLayout) -> frozenset[str]:
    """The normalised labels of a table (the set a sheet's texts are scored against), once per layout table
    (by identity: layouts are built once; hashing one is slow)."""
    known = _TABLE_LABELS.get(id(table))
    if known is None or known[0] is not table:
        known = _TABLE_LABELS[id(table)] = (table, frozenset(_norm(c.text) for c in table.cells if c.text))
    return known[1]


_TABLE_LABELS: dict[int, tuple[TableLayout, frozenset[str]]] = {}
_TABLE_KINDS: dict[int, tuple[TableLayout, dict[tuple[str, str], FigureKind], frozenset[tuple[str, str]]]] = {}
_POSITIONS: dict[tuple[object, ...], tuple[TableLayout, tuple[tuple[tuple[str, str], Pos, FigureKind, bool], ...]]] = {}
"""Where each figure is read, by table and arrangement of the labels (see _Reader._plan); never changed once kept."""


def _located_labels(table: TableLayout) -> tuple[str, ...]:
    """The normalised row, group and column labels the figures of ``table`` are found by (once per table)."""
    known = _LOCATED.get(id(table))
    if known is None or known[0] is not table:
        labels = dict.fromkeys([_norm(r.label) for r in table.rows] + [_norm(c.label) for c in table.columns])
        known = _LOCATED[id(table)] = (table, tuple(labels))
    return known[1]


_LOCATED: dict[int, tuple[TableLayout, tuple[str, ...]]] = {}


def _table_kinds(table: TableLayout) -> tuple[dict[tuple[str, str], FigureKind], frozenset[tuple[str, str]]]:
    """Each figure's kind, and the computed figures (totals), of a layout table (once per table)."""
    known = _TABLE_KINDS.get(id(table))
    if known is None or known[0] is not table:
        refs = list(table.refs())
        known = _TABLE_KINDS[id(table)] = (table, {r: table.kind(r) for r in refs},
                                           frozenset(r for r in refs if table.is_computed(r)))
    return known[1], known[2]


def _sheets(path: Path) -> list[_Sheet]:
    # Every part through the package limits; the sheets read straight from their XML (formats/excel/_cells.py).
    try:
        with open_package(path, file=str(path), kind="Excel 填报表", not_zip_code="IN-XLSX-UNREADABLE") as package:
            book = read_book(package)
    except ReportgenError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, etree.XMLSyntaxError) as exc:
        raise InputError.single(
            IN_XLSX_UNREADABLE.code,
            IN_XLSX_UNREADABLE.message(detail=f"无法打开 Excel 工作簿（{type(exc).__name__}）：请确认文件是 .xlsx 格式且未损坏。"),
            Location(file=str(path)),
        ) from exc
    out = []
    for sheet in book.sheets:
        merged, area = _merged(sheet.merges)
        if area > limits.MAX_SHEET_CELLS:  # a merge over the whole sheet must not be walked cell by cell
            raise InputError.single(IN_SHEET_SIZE.code, IN_SHEET_SIZE.message(
                detail=f"工作表“{sheet.title}”的合并单元格共 {area} 格，超过 {limits.MAX_SHEET_CELLS} 个单元格的上限。"),
                Location(file=str(path), table=sheet.title))
        out.append(_Sheet(sheet.title, sheet.cells, sheet.texts, merged, sheet.max_row, sheet.merges))
    return out


@functools.lru_cache(maxsize=64)
def _merged(boxes: tuple[tuple[int, int, int, int], ...]) -> tuple[dict[Pos, tuple[int, int, int, int]], int]:
    """Every position inside the merged ranges → its range, and how many cells they cover (remembered: the forms
    of a run share their merges; the reader never changes the dict).  Past the cell limit, nothing is walked."""
    area = sum((b[2] - b[0] + 1) * (b[3] - b[1] + 1) for b in boxes)
    merged: dict[Pos, tuple[int, int, int, int]] = {}
    if area > limits.MAX_SHEET_CELLS:  # a merge over the whole sheet must not be walked cell by cell
        return merged, area
    for box in boxes:
        for r in range(box[0], box[2] + 1):
            for c in range(box[1], box[3] + 1):
                merged[(r, c)] = box
    return merged, area


@attrs.define
class _Reader:
    path: Path
    sheets: list[_Sheet]
    found: Findings = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.found = Findings(file=self.file)

    @property
    def file(self) -> str:
        return str(self.path)

    def error(self, code: Code, message: str, *, expected: str | None = None, actual: str | None = None,
              **where: str | None) -> None:
        """A finding of a form-only code (labels, sheets), its message the reader's own."""
        self.found.add(code, Location(**where), expected=expected, actual=actual, detail=message)

    # -- tables ---------------------------------------------------------------------------

    def find_table_sheet(self, table: TableLayout, taken: set[str]) -> _Sheet | None:
        labels = _table_labels(table)
        best: tuple[int, _Sheet] | None = None
        for sheet in self.sheets:
            if sheet.title in taken:
                continue
            score = len(labels & sheet.texts.keys())
            if best is None or score > best[0]:
                best = (score, sheet)
        if best is None or best[0] * 2 < len(labels):
            self.error(
                IN_XLSX_SHEET,
                f"工作簿中找不到{table.name}（“{table.title}”）：没有一个工作表含有该表的大部分标签。",
                table=table.name, expected=table.title,
            )
            return None
        return best[1]

    def read_table(self, table: TableLayout, sheet: _Sheet) -> tuple[dict[tuple[str, str], Figure],
                                                                     dict[tuple[str, str], Figure]]:
        figures: dict[tuple[str, str], Figure] = {}
        stated: dict[tuple[str, str], Figure] = {}
        cells = sheet.cells
        for ref, pos, kind, computed in self._plan(table, sheet):
            cell = cells.get(pos)
            if cell is None:
                if not computed:
                    figures[ref] = Decimal(0) if kind == "amount" else 0
                continue
            value, formula, number_format = cell
            if formula is not None:
                if computed:
                    continue  # a live total: computed from the leaves, never data
                if value is None:
                    self.found.wrong_type(self._where(table, sheet, ref, pos), expected_figure(kind),
                                          formula, found=f"没有计算结果的公式“{formula}”")
                    continue
            elif computed and (value is None or (isinstance(value, str) and not value.strip())):
                continue
            # The common cells first (a whole number, a blank): what parse_figure gives them, without its checks.
            if type(value) is int and kind != "amount" and (value >= 0 or kind == "signed"):
                figure: Figure = value
            elif value is None:
                figure = Decimal(0) if kind == "amount" else 0
            else:
                try:
                    figure = parse_figure(value, kind, number_format=number_format)
                except InvalidValue as exc:
                    self.found.figure(exc, value, self._where(table, sheet, ref, pos), kind)
                    continue
            (stated if computed else figures)[ref] = figure
        return figures, stated

    def _plan(self, table: TableLayout, sheet: _Sheet) -> tuple[tuple[tuple[str, str], Pos, FigureKind, bool], ...]:
        """``(ref, cell, kind, computed)`` of each figure of ``table`` on ``sheet`` — the cell a merge's anchor —
        found once per arrangement of the labels (the forms of a run share theirs), again whenever the labels
        moved; an arrangement with findings is never kept."""
        texts = sheet.texts
        key = (id(table), tuple(tuple(texts.get(label, ())) for label in _located_labels(table)), sheet.merge_boxes)
        known = _POSITIONS.get(key)
        if known is not None and known[0] is table:
            return known[1]
        before = len(self.found)
        positions = self._locate_labelled(table, sheet) if table.label_cols else self._locate_grouped(table, sheet)
        kinds, computed_refs = _table_kinds(table)
        plan = tuple((ref, sheet.anchor(pos), kinds[ref], ref in computed_refs) for ref, pos in positions.items())
        if len(self.found) == before:
            if len(_POSITIONS) >= 64:
                _POSITIONS.pop(next(iter(_POSITIONS)))
            _POSITIONS[key] = (table, plan)
        return plan

    @staticmethod
    def _where(table: TableLayout, sheet: _Sheet, ref: tuple[str, str], pos: Pos) -> Location:
        return table.cell_location(ref, cell=sheet.ref(pos), path=f"$.{table.key}.rows.{ref[0]}.{ref[1]}")

    def _official(self, table: TableLayout, text: str) -> str:
        """Where the official layout puts the label ``text`` (for messages)."""
        for cell in table.cells:
            if cell.text == text:
                return grid_coord(cell)
        return f"A{GRID_TOP}"

    def _missing(self, table: TableLayout, sheet: _Sheet, label: str, what: str, **where: str | None) -> None:
        coord = self._official(table, label)
        found = sheet.text(_pos(coord)).strip()
        now = f"，该处现为“{found}”" if found else ""
        self.error(
            IN_XLSX_LABEL,
            f"{table.name}中找不到{what}“{label}”（官方格式中在 {sheet.title}!{coord}{now}）；"
            "请勿修改表中的文字标签。",
            expected=label, actual=found or None, table=table.name, cell=f"{sheet.title}!{coord}", **where,
        )

    def _ambiguous(self, table: TableLayout, sheet: _Sheet, label: str, cells: list[Pos], **where: str | None) -> None:
        refs = "、".join(sheet.ref(p) for p in cells)
        self.error(
            IN_XLSX_AMBIGUOUS,
            f"{table.name}中标签“{label}”出现了 {len(cells)} 次（{refs}），无法确定读取哪一处；请删除重复的行或列。",
            expected=label, table=table.name, cell=sheet.ref(cells[0]), **where,
        )

    def _locate_labelled(self, table: TableLayout, sheet: _Sheet) -> dict[tuple[str, str], Pos]:
        """Figures of a table with row labels: the row of the row label × the nearest column label above."""
        col_pos = {c.key: sheet.texts.get(_norm(c.label), []) for c in table.columns}
        found_cols = [p[1] for ps in col_pos.values() for p in ps]
        if not found_cols:
            self._missing(table, sheet, table.columns[0].label, "列标签", column=table.columns[0].label)
            return {}
        first_fig_col = min(found_cols)
        out: dict[tuple[str, str], Pos] = {}
        reported: set[str] = set()
        for row in table.rows:
            cells = [p for p in sheet.texts.get(_norm(row.label), []) if p[1] < first_fig_col]
            if not cells:
                self._missing(table, sheet, row.label, "行标签", row=table.row_label(row.key))
                continue
            if len(cells) > 1:
                self._ambiguous(table, sheet, row.label, cells, row=table.row_label(row.key))
                continue
            r, c = cells[0]
            right = sheet.extent((r, c))[3]
            for key in row.columns:
                column = table.column(key)
                above = [p for p in col_pos[key] if p[0] < r and p[1] > right]
                if not above:
                    if column.label not in reported:
                        reported.add(column.label)
                        self._missing(table, sheet, column.label, "列标签", row=table.row_label(row.key), column=column.label)
                    continue
                nearest = max(p[0] for p in above)
                same_row = [p for p in above if p[0] == nearest]
                if len(same_row) > 1:
                    if column.label not in reported:
                        reported.add(column.label)
                        self._ambiguous(table, sheet, column.label, same_row, column=column.label)
                    continue
                out[(row.key, key)] = (r, same_row[0][1])
        return out

    def _locate_grouped(self, table: TableLayout, sheet: _Sheet) -> dict[tuple[str, str], Pos]:
        """Figures of table 四: under each group label, the cell below each column label."""
        out: dict[tuple[str, str], Pos] = {}
        for row in table.rows:
            groups = sheet.texts.get(_norm(row.label), [])
            if len(groups) != 1:
                if groups:
                    self._ambiguous(table, sheet, row.label, groups, row=table.row_label(row.key))
                else:
                    self._missing(table, sheet, row.label, "分组标签", row=table.row_label(row.key))
                continue
            g_row, c0, _, c1 = sheet.extent(groups[0])
            if c1 == c0:  # merge lost: take the official width of the group
                c1 = c0 + next(c.colspan for c in table.cells if c.text == row.label) - 1
            for key in row.columns:
                column = table.column(key)
                under = [p for p in sheet.texts.get(_norm(column.label), [])
                         if c0 <= p[1] <= c1 and p[0] > g_row]
                if not under:
                    self._missing(table, sheet, column.label, "列标签", row=table.row_label(row.key), column=column.label)
                    continue
                if len(under) > 1:
                    self._ambiguous(table, sheet, column.label, under, row=table.row_label(row.key), column=column.label)
                    continue
                bottom = sheet.extent(under[0])[2]
                out[(row.key, key)] = (bottom + 1, under[0][1])
        return out

    # -- the info sheet ----------------------------------------------------------------------

    def find_info(self) -> tuple[_Sheet, int, dict[str, int]] | None:
        head = _norm(INFO_HEADERS[0])
        content = _norm(INFO_HEADERS[2])
        for sheet in self.sheets:
            for r, _ in sheet.texts.get(head, []):
                cols = {_norm(h): c for h in INFO_HEADERS for (rr, c) in sheet.texts.get(_norm(h), [])
                        if rr == r}
                if content in cols:
                    return sheet, r, {h: cols.get(_norm(h), 0) for h in INFO_HEADERS}
        self.error(IN_XLSX_INFO, "工作簿中找不到“报告信息”工作表（表头“项目 / 内容”）；机关名称和报告年度从那里读取。",
                   expected="报告信息")
        return None


def _pos(coord: str) -> Pos:
    m = re.match(r"([A-Z]+)(\d+)", coord)
    assert m
    return (int(m.group(2)), column_index_from_string(m.group(1)))


@attrs.define
class _ProseCell:
    text: str
    title: str
    status: str
    key: str
    pos: Pos
    title_pos: Pos | None = None
    """Where the 标题 cell is (when the sheet has that column)."""


def _info_rows(sheet: _Sheet, header: int, cols: dict[str, int]) -> Iterator[tuple[str, _ProseCell]]:
    text = sheet.text
    label_col, title_col, content_col, status_col, key_col = (cols.get(h, 0) for h in INFO_HEADERS)
    other = _norm(OTHER_LABEL)
    previous = ""
    for r in range(header + 1, sheet.max_row + 1):
        label = _norm(text((r, label_col))) if label_col else ""
        content = text((r, content_col)) if content_col else ""
        title = text((r, title_col)) if title_col else ""
        if not label:
            if previous != other or not (content.strip() or title.strip()):
                continue
            label = previous  # a row a user added under 六 without repeating its label
        previous = label
        yield label, _ProseCell(content, title, text((r, status_col)).strip() if status_col else "",
                                text((r, key_col)).strip() if key_col else "", (r, content_col),
                                (r, title_col) if title_col else None)


def parse_cell_date(value: Any) -> dt.date | None:
    """A date from a worksheet cell: a date, an Excel serial number, or text like 2023-01-18 / 2023年1月18日.

    :func:`reportgen.domain.values.parse_date` with serial numbers; raises its
    :class:`~reportgen.domain.values.InvalidValue` (a ``ValueError``).
    """
    return parse_date(value, serials=True)


def read_form(path: str | os.PathLike[str]) -> Report:
    """Read a filled-in form (or a workbook written by :func:`reportgen.formats.excel.write.render_xlsx`) into a report.

    Raises :class:`~reportgen.domain.errors.InputError` listing every problem found, each located by
    sheet and cell (e.g. ``三、收到和处理政府信息公开申请情况!E7``), table, row and column label.
    """
    try:
        return _read_form(Path(path))
    except ReportgenError:
        raise
    except Exception as exc:  # the one wrapper of this reader: zlib, lxml, a bad number on a damaged workbook
        raise InputError.single(IN_XLSX_UNREADABLE.code, IN_XLSX_UNREADABLE.message(
            detail=f"填报表已损坏，读取时出错（{type(exc).__name__}: {str(exc)[:200]}）。"), Location(file=str(path))) from None


def _read_form(path: Path) -> Report:
    reader = _Reader(path, _sheets(path))
    info = reader.find_info()
    rows: list[tuple[str, _ProseCell]] = list(_info_rows(*info)) if info else []
    fields = {_norm(label): key for key, label in INFO_FIELDS}
    values: dict[str, tuple[Any, _ProseCell]] = {}
    for label, cell in rows:
        key = fields.get(label)
        if key is not None and key not in values:
            assert info is not None
            values[key] = (info[0].value(cell.pos), cell)

    def where(key: str, **more: str) -> Location:
        """A field of the info sheet: its input path (as in YAML) and its cell."""
        cell = info[0].ref(values[key][1].pos) if key in values and info is not None else None
        return Location(path=f"$.{key}", cell=cell, **more)

    version = FormatVersion.V2021
    raw_version = values.get("format_version", (None, None))[0]
    if raw_version not in (None, ""):
        try:
            version = parse_version(raw_version)
        except InvalidValue:
            reader.found.version(raw_version, where("format_version"))
    else:
        version = _detect_version(reader)
    layout = get_layout(version)

    tables: dict[str, Table | None] = {}
    taken: set[str] = set()
    extra_stated: dict[str, dict[tuple[str, str], Figure]] = {t.key: {} for t in layout.tables}
    for label, cell in rows:
        if label == _norm(STATED_LABEL) and info is not None:
            _read_stated(reader, layout, info[0], cell, extra_stated)
    for table in layout.tables:
        sheet = reader.find_table_sheet(table, taken)
        if sheet is None:
            tables[table.key] = None
            continue
        taken.add(sheet.title)
        figures, stated = reader.read_table(table, sheet)
        try:
            tables[table.key] = Table.from_figures(table.key, figures, version=version,
                                                   stated={**extra_stated[table.key], **stated})
        except ValueError:
            tables[table.key] = None  # already reported cell by cell

    organ_kw: dict[str, Any] = {}
    name = _text_value(values, "organ.name")
    if not name:
        reader.found.add(IN_MISSING, where("organ.name"), **ORGAN_NAME_MISSING)
    kind_text = _text_value(values, "organ.kind")
    kind = OrganKind.OTHER
    if kind_text:
        try:
            kind = parse_organ_kind(kind_text)
        except InvalidValue:
            reader.found.organ_kind(kind_text, where("organ.kind"))
    for key in ("province", "city", "county"):
        organ_kw[key] = _text_value(values, f"organ.{key}")
    year: int | None = None
    raw_year = values.get("year", (None, None))[0]
    try:
        year = parse_year(raw_year)
    except InvalidValue:
        reader.found.year(raw_year, where("year"))
    publication: dt.date | None = None
    raw_date = values.get("publication_date", (None, None))[0]
    try:
        publication = parse_cell_date(raw_date)
    except InvalidValue:
        reader.found.date(raw_date, where("publication_date"))
    fee: Decimal = Decimal(0)
    if "processing_fee" in values and info is not None:
        raw_fee, fee_cell = values["processing_fee"]
        try:
            fee = Decimal(parse_figure(raw_fee, "amount", number_format=info[0].number_format(fee_cell.pos)))
        except InvalidValue as exc:
            reader.found.figure(exc, raw_fee, where("processing_fee", table=layout.section("other_matters").title),
                                "amount", unit="元")

    prose = _Prose(reader, layout, info[0] if info else None)
    for label, cell in rows:
        prose.add(label, cell)

    if reader.found or year is None or not name or any(t is None for t in tables.values()):
        raise reader.found.error("工作簿有 {n} 处问题，无法读取。", location=Location(file=str(path)))
    report = Report(
        organ=Organ(name=name, kind=kind, **organ_kw),
        year=year,
        format_version=version,
        publication_date=publication,
        table2=_table(tables, "table2"),
        table3=_table(tables, "table3"),
        table4=_table(tables, "table4"),
        processing_fee=fee,
    )
    return prose.apply(report)


def _table(tables: dict[str, Table | None], key: str) -> Table:
    table = tables[key]
    assert table is not None  # missing tables raised above
    return table


def _text_value(values: dict[str, tuple[Any, _ProseCell]], key: str) -> str:
    if key not in values:
        return ""
    return clean_text(values[key][1].text)


def _detect_version(reader: _Reader) -> FormatVersion:
    """Without a version cell: the layout whose table 二 labels the workbook matches best."""
    def score(version: FormatVersion) -> int:
        labels = _table_labels(get_layout(version).table("table2"))
        return max((len(labels & s.texts.keys()) for s in reader.sheets), default=0)

    return max(FormatVersion, key=lambda v: (score(v), v is FormatVersion.V2021))


def _read_stated(reader: _Reader, layout: FormatLayout, sheet: _Sheet, cell: _ProseCell,
                 out: dict[str, dict[tuple[str, str], Figure]]) -> None:
    parts = cell.key.split(".")
    value = sheet.value(cell.pos)
    if len(parts) != 3 or parts[0] not in out:
        reader.error(IN_XLSX_STATED, f"填报的合计数的代码“{cell.key}”无法识别。", actual=cell.key,
                     cell=sheet.ref(cell.pos))
        return
    table = layout.table(parts[0])
    ref = (parts[1], parts[2])
    if not table.has_row(ref[0]) or ref[1] not in table.row(ref[0]).columns or not table.is_computed(ref):
        reader.error(IN_XLSX_STATED, f"填报的合计数的代码“{cell.key}”不是{table.name}的合计。",
                     actual=cell.key, cell=sheet.ref(cell.pos))
        return
    try:
        out[parts[0]][ref] = parse_figure(value, table.kind(ref), number_format=sheet.number_format(cell.pos))
    except InvalidValue as exc:
        reader.found.figure(exc, value, table.cell_location(ref, cell=sheet.ref(cell.pos), path=f"$.{cell.key}"),
                            table.kind(ref))


class _Prose:
    """Collects the prose rows of the info sheet and turns them into the report's prose fields."""

    def __init__(self, reader: _Reader, layout: FormatLayout, sheet: _Sheet | None) -> None:
        self.reader = reader
        self.sheet = sheet
        self.intro: Prose = ()
        self.problems: Prose = ()
        self.parts: dict[str, tuple[str | None, Prose | None, Prose | None]] = {}
        """part key → (title, paragraphs or None, text to compare with the default)."""
        self.note: tuple[Prose | None, Prose | None] = (None, None)
        self.items: list[tuple[OtherItem, Prose | None, bool]] = []
        """(item, text to compare with the default, whether it was added automatically)."""
        self.layout = layout
        self.section_titles: dict[str, str] = {}
        self.heading_rows = {_norm(label): key for label, key in SECTION_TITLE_ROWS.items()}
        self.part_labels: dict[str, str] = {}
        for spec in layout.overview_parts:
            for title in (spec.title, *spec.aliases):
                self.part_labels[_norm(title)] = spec.key

    @staticmethod
    def _read(cell: _ProseCell, nullable: bool) -> tuple[Prose | None, Prose | None]:
        """``(paragraphs, pending)``: pending text is the user's only if it differs from the default."""
        paragraphs = clean_paragraphs(cell.text)
        if cell.status == STATUS_DEFAULT or cell.status == STATUS_ADDED:
            return None, paragraphs
        if cell.status == STATUS_GIVEN or not nullable:
            return paragraphs, None
        return (paragraphs or None), None

    def heading(self, key: str, cell: _ProseCell, label: str) -> None:
        """The section heading a prose row's 标题 cell chooses: the official title or one of its aliases."""
        text = clean_text(cell.title)
        if not text:
            return
        spec = self.layout.section(key)
        try:
            self.section_titles[key] = spec.heading(text)
        except ValueError:
            where = self.sheet.ref(cell.title_pos or cell.pos) if self.sheet else None
            self.reader.found.add(IN_SECTION_TITLE, Location(path=f"$.section_titles.{key}", table=spec.title, cell=where),
                                  expected=spec.title, actual=text, **section_title_params(spec, text))

    def add(self, label: str, cell: _ProseCell) -> None:
        if label in self.heading_rows:
            self.heading(self.heading_rows[label], cell, label)
        if label == _norm(INTRO_LABEL):
            self.intro = clean_paragraphs(cell.text)
        elif label == _norm(PROBLEMS_LABEL):
            self.problems = clean_paragraphs(cell.text)
        elif label == _norm(NOTE_LABEL):
            self.note = self._read(cell, True)
        elif label in self.part_labels:
            paragraphs, pending = self._read(cell, True)
            self.parts[self.part_labels[label]] = (clean_text(cell.title) or None, paragraphs, pending)
        elif label == _norm(OTHER_LABEL):
            title = clean_text(cell.title)
            if not title and not cell.text.strip():
                return
            if not title:
                where = self.sheet.ref(cell.pos) if self.sheet else None
                self.reader.found.add(IN_MISSING, Location(path="$.other_matters", cell=where), **ITEM_TITLE_MISSING)
                return
            paragraphs, pending = self._read(cell, True)
            item = OtherItem(title=title, key=cell.key or None, paragraphs=paragraphs)
            self.items.append((item, pending, cell.status == STATUS_ADDED))

    def apply(self, report: Report) -> Report:
        """``report`` (figures only) with the prose read, in one evolve: the defaults text marked 未填写 is
        compared with depend on the figures, the year and the fee alone."""
        # Text marked 未填写 that a user edited is theirs; unchanged, it was the default and stays None.
        subs: dict[str, Subsection] = {}
        for key, (title, paragraphs, pending) in self.parts.items():
            default = default_on_request(report) if key == "on_request" else ()
            if pending and pending != default:
                paragraphs = pending
            subs[key] = Subsection(title=title, paragraphs=paragraphs)
        note = self.note[0]
        if self.note[1] and self.note[1] != default_review_litigation(report):
            note = self.note[1]
        fee_default = default_processing_fee(report)
        items: list[OtherItem] = []
        for item, pending, added in self.items:
            default = fee_default if item.key == PROCESSING_FEE_ITEM.key else ()
            edited = bool(pending) and pending != default
            if added and not edited:
                continue
            items.append(attrs.evolve(item, paragraphs=pending) if edited else item)
        return report.evolve(
            overview=Overview(intro=self.intro, **subs),
            problems=self.problems,
            review_litigation_note=note,
            other_matters=tuple(items),
            section_titles=self.section_titles,
        )
