"""The companion Excel workbook: the official tables 二, 三 and 四 with live totals, the prose and the findings.

Sheets, in order::

    报告信息       organ, year, format version, fee, and the prose of every section
                   (what is printed, plus what the user gave, so the report can be rebuilt exactly)
    二、…三、…四、… one sheet per table, labels and merges drawn from :attr:`TableLayout.cells`
    检查结果       the check findings (only in rendered workbooks, not in the blank form)

The same workbook, blank, is the fill-in form townships send back (:mod:`reportgen.formats.excel.read`, which
reads both).

Speed: openpyxl needs ~50 ms to build a styled workbook of this size.  Instead the styled workbook is
built with openpyxl **once per process and format version** (labels, merges, borders, styles, print
set-up, data validation, protection), saved, and split into a :class:`_Template`: static XML
chunks around the value cells, and the static zip entries compressed once.  Per report only the value
cells are written — numbers, inline strings, and formulas *with their cached results* (which
openpyxl cannot write) — and the zip is assembled from pre-deflated entries
(:func:`reportgen.formats.ooxml.package.write_zip`).

Every user text is written as an inline string (``t="inlineStr"``), so text beginning with
``= + - @`` is never a formula; such cells also get ``quotePrefix`` so Excel keeps them text when
edited.  Characters XML cannot hold are removed.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import operator
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import openpyxl
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.xml.functions import tostring as openpyxl_tostring

from reportgen.domain.checks import get_check
from reportgen.domain.errors import RenderError
from reportgen.domain.findings import FINDING_COLUMNS, Finding
from reportgen.domain.layout import (
    PROCESSING_FEE_ITEM,
    T3_RESULTS,
    FormatLayout,
    FormatVersion,
    TableLayout,
    get_layout,
)
from reportgen.domain.model import Figure, OrganKind, Report, Table, clean_text
from reportgen.domain.naming import output_stem
from reportgen.domain.prose import report_text
from reportgen.formats._io import atomic_write_bytes, output_target
from reportgen.formats.excel import _fast
from reportgen.formats.excel._tables import format_table_sheet
from reportgen.formats.excel.sheets import (
    FINDINGS_SHEET,
    FORM_BLANK_ITEMS,
    GRID_TOP,
    INFO_FIELD_ROW,
    INFO_FIELDS,
    INFO_HEADER_ROW,
    INFO_HEADERS,
    INFO_SHEET,
    INTRO_LABEL,
    MAX_CELL_TEXT,
    NOTE_LABEL,
    OTHER_LABEL,
    PROBLEMS_LABEL,
    PROSE_TOP,
    SECTION_TITLE_ROWS,
    STATED_LABEL,
    STATUS_ADDED,
    STATUS_DEFAULT,
    STATUS_GIVEN,
    XML_ILLEGAL,
    grid_coord,
    sheet_coord,
    table_sheet_title,
)
from reportgen.formats.ooxml import ns, package

__all__ = [
    "form_bytes",
    "openpyxl_workbook",
    "render_xlsx",
    "workbook_bytes",
    "write_form",
]

INSTRUCTIONS = (
    "填写说明：1. 只在白色单元格中填写；灰色的标签和合计数已锁定（工作表保护无密码），合计由公式自动计算。",
    "2. 数字填阿拉伯数字（整数），空白或“/”按 0 计；本年收费金额单位为万元，最多保留 6 位小数。",
    "3. 正文每段一行（单元格内按 Alt+Enter 换行）；正文留空的，依申请公开等段落按表中数据自动生成。",
    "4. 不要改动表中的文字标签；可以调整行高和列宽，可以在“六、其他需要报告的事项”下增加行。",
    "5. 填好后保存为 .xlsx 交回；可用“reportgen check 文件.xlsx”检查。",
)

_FORMULA_START = ("=", "+", "-", "@")


# --------------------------------------------------------------------------------------------
# Styles: declared once, used by the openpyxl builder; the fast writer reuses their xf ids.

_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_NONE = Border()
_SONG = "宋体"
_LOCKED = Protection(locked=True)
_UNLOCKED = Protection(locked=False)
_GREY = PatternFill("solid", fgColor="F2F2F2")
_INPUT = PatternFill("solid", fgColor="FFFFFF")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_TOPLEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
_RIGHT = Alignment(horizontal="right", vertical="center")


class _Style(NamedTuple):
    font: Font
    border: Border
    alignment: Alignment
    protection: Protection
    fill: PatternFill | None = None
    number_format: str = "General"
    quote_prefix: bool = False


def _amount_format(places: int) -> str:
    return "0" if places <= 0 else "0." + "0" * places


_BASE_STYLES: dict[str, _Style] = {
    "title": _Style(Font(name=_SONG, size=14, bold=True), _NONE, _CENTER, _LOCKED),
    "subtitle": _Style(Font(name=_SONG, size=11), _NONE, _LEFT, _LOCKED),
    "instr": _Style(Font(name=_SONG, size=10, color="595959"), _NONE, _LEFT, _LOCKED),
    "label": _Style(Font(name=_SONG, size=10), _BOX, _CENTER, _LOCKED, _GREY),
    "label_left": _Style(Font(name=_SONG, size=10), _BOX, _LEFT, _LOCKED, _GREY),
    "fig": _Style(Font(name="Times New Roman", size=11), _BOX, _CENTER, _UNLOCKED, _INPUT, "0"),
    "fig_form": _Style(Font(name="Times New Roman", size=11), _BOX, _CENTER, _UNLOCKED, _INPUT, "General"),
    "total": _Style(Font(name="Times New Roman", size=11, bold=True), _BOX, _CENTER, _LOCKED, _GREY, "0"),
    "head": _Style(Font(name=_SONG, size=10, bold=True), _BOX, _CENTER, _LOCKED, _GREY),
    "info_label": _Style(Font(name=_SONG, size=10, bold=True), _BOX, _LEFT, _LOCKED, _GREY),
    "info_value": _Style(Font(name=_SONG, size=11), _BOX, _LEFT, _UNLOCKED, _INPUT, "@"),
    "info_number": _Style(Font(name="Times New Roman", size=11), _BOX, _LEFT, _UNLOCKED, _INPUT, "0"),
    "info_date": _Style(Font(name="Times New Roman", size=11), _BOX, _LEFT, _UNLOCKED, _INPUT, "yyyy-mm-dd"),
    "info_text": _Style(Font(name=_SONG, size=11), _BOX, _TOPLEFT, _UNLOCKED, _INPUT, "@"),
    "info_small": _Style(Font(name=_SONG, size=9, color="595959"), _BOX, _LEFT, _UNLOCKED, _INPUT, "@"),
    "find_text": _Style(Font(name=_SONG, size=10), _BOX, _TOPLEFT, _UNLOCKED),
    "find_number": _Style(Font(name="Times New Roman", size=10), _BOX, _RIGHT, _UNLOCKED, None, "General"),
    "check": _Style(Font(name=_SONG, size=9), _BOX, _CENTER, _LOCKED, _GREY),
}
_TEXT_STYLES = ("subtitle", "info_value", "info_text", "info_small", "find_text")


def _all_styles() -> dict[str, _Style]:
    styles = dict(_BASE_STYLES)
    for key in _TEXT_STYLES:  # the same look, kept text when a user edits it
        styles[key + "_q"] = styles[key]._replace(quote_prefix=True)
    for places in range(7):  # an amount carries its precision in its number format
        styles[f"amount{places}"] = styles["fig"]._replace(number_format=_amount_format(places))
        styles[f"info_amount{places}"] = styles["info_number"]._replace(number_format=_amount_format(places))
    styles["amount_form"] = styles["fig"]._replace(number_format="General")
    styles["info_amount_form"] = styles["info_number"]._replace(number_format="General")
    return styles


STYLES = _all_styles()


def _apply(cell: Any, style: _Style) -> None:
    cell.font = style.font
    cell.border = style.border
    cell.alignment = style.alignment
    cell.protection = style.protection
    if style.fill is not None:
        cell.fill = style.fill
    cell.number_format = style.number_format
    if style.quote_prefix:
        cell.quotePrefix = True


# --------------------------------------------------------------------------------------------
# Content: what goes into the value cells, independent of how the workbook is written.


class XCell(NamedTuple):
    """One value cell: a text, a number, a date, or a formula with its computed value."""

    value: str | int | Decimal | dt.date | None
    style: str
    formula: str | None = None


class _Row(NamedTuple):
    cells: tuple[XCell | None, ...]
    height: float | None = None


class _Content(NamedTuple):
    """Everything that changes from one workbook to the next."""

    cells: dict[str, dict[str, XCell]]
    """sheet title → coordinate → cell, for the fixed value cells."""
    info_rows: list[_Row]
    """Rows of the info sheet from :data:`PROSE_TOP` on."""
    findings_rows: list[_Row] | None
    """Rows of the findings sheet (header included); ``None``: no findings sheet (the form)."""


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _sum_formula(table: TableLayout, terms: Sequence[tuple[str, str]]) -> str:
    cells = [table.figure_cell(t) for t in terms]
    rows = {c.row for c in cells}
    cols = {c.col for c in cells}
    if len(rows) == 1 and sorted(c.col for c in cells) == list(range(min(cols), max(cols) + 1)):
        return f"SUM({grid_coord(cells[0])}:{grid_coord(cells[-1])})"
    if len(cols) == 1 and sorted(c.row for c in cells) == list(range(min(rows), max(rows) + 1)):
        return f"SUM({grid_coord(cells[0])}:{grid_coord(cells[-1])})"
    return "SUM(" + ",".join(grid_coord(c) for c in cells) + ")"


@functools.cache
def _formulas(version: FormatVersion, key: str) -> dict[tuple[str, str], str]:
    table = get_layout(version).table(key)
    return {s.target: _sum_formula(table, s.terms) for s in table.sums}


def _text_style(base: str, text: str) -> str:
    return base + "_q" if text.startswith(_FORMULA_START) else base


def _text(text: str, base: str) -> XCell:
    return XCell(text, _text_style(base, text))


_NARROW = re.compile("[\x00-\u2e7f]+")


def _display_width(text: str) -> int:
    # One column per character, two for each one past U+2E7F (CJK): len + the count of those.
    return len(text) if text.isascii() else len(text) + len(_NARROW.sub("", text))


def _height(paragraphs: Iterable[str], width: float) -> float:
    lines = sum(max(1, math.ceil(_display_width(p) / width)) for p in paragraphs)
    return min(409.0, max(1, lines) * 15.0)


def _figure_cells(layout: FormatLayout, report: Report | None, form: bool) -> dict[str, dict[str, XCell]]:
    out: dict[str, dict[str, XCell]] = {}
    for table in layout.tables:
        formulas = _formulas(layout.version, table.key)
        data = report.table(table.key) if report is not None else None
        cells: dict[str, XCell] = {"A2": XCell(None, "subtitle")}
        if report is not None:
            cells["A2"] = _text(f"填报单位：{report.organ.name}　　{report.year}年度", "subtitle")
        for cell in table.cells:
            if cell.ref is None:
                continue
            ref = cell.ref
            value: Figure | None = data[ref] if data is not None else None
            if table.is_computed(ref):
                cells[grid_coord(cell)] = XCell(value if value is not None else 0, "total", formulas[ref])
            elif table.kind(ref) == "amount":
                style = "amount_form" if form or value is None else f"amount{_places(Decimal(value))}"
                cells[grid_coord(cell)] = XCell(value, style)
            else:
                cells[grid_coord(cell)] = XCell(value, "fig_form" if form else "fig")
        cells.update(_check_cells(layout.version, table, data))
        out[table_sheet_title(table)] = cells
    return out


# --------------------------------------------------------------------------------------------
# Checks inside the workbook: formulas stating the identities of domain/checks.py, so a user sees an
# identity that does not hold while typing (Excel, WPS, LibreOffice; no macros).  Each check cell says
# 通过 or names the failing check by its code and title; conditional formatting colours it.  In a
# rendered workbook the cells also carry their result (computed here the same way), like the totals.

CHECK_PASS = "通过"
"""What a check cell says when its identity holds."""
CHECK_LABEL = "校验"
CHECK_SUMMARY_LABEL = "校验结果"


class CheckCell(NamedTuple):
    """One check cell of a table sheet: where it is, the codes it can report, its formula."""

    coord: str
    codes: tuple[str, ...]
    formula: str
    scope: tuple[str, str]
    """``("column", column key)``, ``("row", row key)`` or ``("group", row key)`` (table 四), ``("all", "")``."""


def _failure_text(code: str) -> str:
    return f"{code} {get_check(code).title}"


def _total_holds(table: TableLayout, ref: tuple[str, str], computed: str) -> str:
    """The condition "the total at ``ref`` equals ``computed``" as ``reportgen check`` decides it: a number
    typed over the total is compared; a live formula is not a stated total (the reader skips it) unless
    the info sheet states the total (填报的合计数, found by its key in column E)."""
    cell = grid_coord(table.figure_cell(ref))
    coord = f"${cell[0]}${cell[1:]}"
    key = f"{table.key}.{ref[0]}.{ref[1]}"
    info = f"'{INFO_SHEET}'!"
    return (f'IF(_xlfn.ISFORMULA({coord}),IFERROR(INDEX({info}$C:$C,MATCH("{key}",{info}$E:$E,0))={computed},TRUE),'
            f"{coord}={computed})")


def _leaf_sum(table: TableLayout, rows: Sequence[str], cols: Sequence[str]) -> str:
    first = table.figure_cell((rows[0], cols[0]))
    last = table.figure_cell((rows[-1], cols[-1]))
    return f"SUM({grid_coord(first)}:{grid_coord(last)})"


def _verdict(tests: Sequence[tuple[str, str]]) -> str:
    """``通过`` when every ``(condition, code)`` holds, else the failing codes' texts."""
    if len(tests) == 1:
        (cond, code), = tests
        return f'IF({cond},"{CHECK_PASS}","{_failure_text(code)}")'
    all_ok = "AND(" + ",".join(c for c, _ in tests) + ")"
    parts = "&".join(f'IF({c},"","{_failure_text(code)}；")' for c, code in tests)
    return f'IF({all_ok},"{CHECK_PASS}",{parts})'


@functools.cache
def check_cells(version: FormatVersion, key: str) -> tuple[CheckCell, ...]:
    """The check cells of table ``key``'s sheet (table 二 has none: it has no identities)."""
    table = get_layout(version).table(key)
    if key == "table3":
        return _t3_check_cells(table)
    if key == "table4":
        return _t4_check_cells(table)
    return ()


def check_row(table: TableLayout) -> int:
    """Worksheet row of the 校验 row, under the table's grid; the 校验结果 row is the next one."""
    return GRID_TOP + table.n_rows


def _t3_check_cells(table: TableLayout) -> tuple[CheckCell, ...]:
    leaves = [c.key for c in table.columns if not c.computed]
    results = [r.key for r in table.rows if r.path[:1] == (T3_RESULTS,) and not r.computed]
    row = check_row(table)
    out: list[CheckCell] = []
    for col in [c.key for c in table.columns]:
        letter = grid_coord(table.figure_cell(("new_received", col)))[0]
        if col in leaves:
            def at(k: str, col: str = col) -> str:
                return grid_coord(table.figure_cell((k, col)))
            balance = (f"{at('new_received')}+{at('carried_over')}="
                       f"{_leaf_sum(table, results, [col])}+{at('carried_forward')}")
            total = _total_holds(table, ("results_total", col), _leaf_sum(table, results, [col]))
            tests = [(balance, "T3-BALANCE"), (total, "T3-RESULTS-TOTAL")]
        else:  # 总计: its （七）总计 against every result figure (the balance is not checked twice)
            tests = [(_total_holds(table, ("results_total", col), _leaf_sum(table, results, leaves)),
                      "T3-RESULTS-TOTAL")]
        out.append(CheckCell(f"{letter}{row}", tuple(code for _, code in tests), _verdict(tests), ("column", col)))
    check_col = get_column_letter(table.n_cols + 1)
    for r in table.rows:
        if r.computed:
            continue
        cond = _total_holds(table, (r.key, "total"), _leaf_sum(table, [r.key], leaves))
        y = GRID_TOP + table.figure_cell((r.key, "total")).row
        out.append(CheckCell(f"{check_col}{y}", ("T3-ROW-TOTAL",), _verdict([(cond, "T3-ROW-TOTAL")]), ("row", r.key)))
    return (*out, _summary_cell(table, out))


def _t4_check_cells(table: TableLayout) -> tuple[CheckCell, ...]:
    leaves = [c.key for c in table.columns if not c.computed]
    out = []
    for r in table.rows:
        cond = _total_holds(table, (r.key, "total"), _leaf_sum(table, [r.key], leaves))
        letter = grid_coord(table.figure_cell((r.key, leaves[0])))[0]
        out.append(CheckCell(f"{letter}{check_row(table)}", ("T4-TOTAL",), _verdict([(cond, "T4-TOTAL")]),
                             ("group", r.key)))
    return (*out, _summary_cell(table, out))


def _summary_cell(table: TableLayout, cells: Sequence[CheckCell]) -> CheckCell:
    coords = ",".join(c.coord for c in cells)
    codes = tuple(dict.fromkeys(code for c in cells for code in c.codes))
    # COUNTIF takes one range: count over each cell (a handful per table).
    def failing(code: str) -> str:
        return "+".join(f'COUNTIF({c.coord},"{code}*")+COUNTIF({c.coord},"*；{code}*")' for c in cells
                        if code in c.codes)
    names = "&".join(f'IF({failing(code)}>0,"{code} ","")' for code in codes)
    passed = "+".join(f'COUNTIF({c.coord},"{CHECK_PASS}")' for c in cells)
    formula = f'"{CHECK_SUMMARY_LABEL}："&IF({passed}={len(cells)},"{CHECK_PASS}","未通过："&TRIM({names}))'
    del coords
    return CheckCell(f"A{check_row(table) + 1}", codes, formula, ("all", ""))


@functools.cache
def _leaves_and_results(version: FormatVersion, key: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The leaf columns, and (table 三) the result rows of table ``key`` (cached by keys: hashing a
    layout would cost more than the look-up saves)."""
    table = get_layout(version).table(key)
    leaves = tuple(c.key for c in table.columns if not c.computed)
    return leaves, tuple(r.key for r in table.rows if r.path[:1] == (T3_RESULTS,) and not r.computed)


def _check_result(version: FormatVersion, table: TableLayout, data: Table, cell: CheckCell) -> str:
    """What ``cell`` shows for the figures of ``data`` (its cached value)."""
    leaves, results = _leaves_and_results(version, table.key)

    def stated(ref: tuple[str, str]) -> Figure:
        return data.stated.get(ref, data[ref])

    kind, key = cell.scope
    failed: list[str] = []
    if table.key == "table3" and kind == "column":
        column_leaves = [key] if key in leaves else leaves
        block = sum(data[(r, c)] for r in results for c in column_leaves)
        if key in leaves and data[("new_received", key)] + data[("carried_over", key)] != block + data[
                ("carried_forward", key)]:
            failed.append("T3-BALANCE")
        if stated(("results_total", key)) != block:
            failed.append("T3-RESULTS-TOTAL")
    elif kind in ("row", "group") and stated((key, "total")) != sum(data[(key, c)] for c in leaves):
        failed.append(cell.codes[0])
    if not failed:
        return CHECK_PASS
    if len(cell.codes) == 1:
        return _failure_text(failed[0])
    return "".join(f"{_failure_text(code)}；" for code in failed)


def _check_cells(version: FormatVersion, table: TableLayout, data: Table | None) -> dict[str, XCell]:
    """The check cells of ``table``'s sheet with their results for ``data`` (the blank form: all 通过)."""
    cells = check_cells(version, table.key)
    values = {c.coord: CHECK_PASS if data is None else _check_result(version, table, data, c)
              for c in cells if c.scope[0] != "all"}
    out: dict[str, XCell] = {}
    for c in cells:
        if c.scope[0] == "all":
            failing = [code for code in c.codes if any(code in v for v in values.values())]
            value = f"{CHECK_SUMMARY_LABEL}：" + (CHECK_PASS if not failing else "未通过：" + " ".join(failing))
        else:
            value = values[c.coord]
        out[c.coord] = XCell(value, "check", c.formula)
    return out


def _joined(paragraphs: Sequence[str]) -> str:
    return "\n".join(paragraphs)


@functools.cache
def _label_height(label: str) -> float:
    return _height((label,), _INFO_WIDTHS[0] - 2)


def _prose_row(label: str, title: str, paragraphs: Sequence[str], status: str, key: str = "") -> _Row:
    text = _joined(paragraphs)
    if len(text) > MAX_CELL_TEXT:
        raise RenderError(f"“{label}”的正文超过 Excel 单元格上限 {MAX_CELL_TEXT} 个字符，无法写入工作簿。")
    return _Row(
        (
            XCell(label, "info_label"),
            _text(title, "info_value") if title else XCell(None, "info_value"),
            _text(text, "info_text") if text else XCell(None, "info_text"),
            XCell(status or None, "info_small"),
            XCell(key or None, "info_small"),
        ),
        # Tall enough for the text and for a label that wraps (四、…（表下说明）takes two lines).
        max(_height(paragraphs, 76) if paragraphs else 15.0, _label_height(label)),
    )


def _info_values(report: Report | None, layout: FormatLayout, organ: str | None, year: int | None,
                 kind_label: str | None) -> dict[str, XCell]:
    col = "C"
    if report is None:
        values: dict[str, Any] = {
            "organ.name": organ, "organ.kind": kind_label, "year": year, "format_version": layout.version.value,
        }
    else:
        values = {
            "organ.name": report.organ.name,
            "organ.kind": report.organ.kind.label,
            "organ.province": report.organ.province or None,
            "organ.city": report.organ.city or None,
            "organ.county": report.organ.county or None,
            "year": report.year,
            "format_version": report.format_version.value,
            "publication_date": report.publication_date,
            "processing_fee": report.processing_fee,
        }
    cells: dict[str, XCell] = {}
    for key, _ in INFO_FIELDS:
        value = values.get(key)
        coord = f"{col}{INFO_FIELD_ROW[key]}"
        if key == "year":
            cells[coord] = XCell(value, "info_number")
        elif key == "publication_date":
            cells[coord] = XCell(value, "info_date")
        elif key == "processing_fee":
            style = "info_amount_form" if value is None else f"info_amount{_places(value)}"
            cells[coord] = XCell(value, style)
        elif value:
            cells[coord] = _text(str(value), "info_value")
        else:
            cells[coord] = XCell(None, "info_value")
    return cells


def _info_rows(report: Report | None, layout: FormatLayout) -> list[_Row]:
    rows: list[_Row] = []
    if report is None:  # the blank form: one empty input per section, a few items for 六
        rows.append(_prose_row(INTRO_LABEL, "", (), ""))
        rows += [_prose_row(spec.title, "", (), "") for spec in layout.overview_parts]
        rows.append(_prose_row(NOTE_LABEL, "", (), ""))
        rows.append(_prose_row(PROBLEMS_LABEL, "", (), ""))
        rows.append(_prose_row(OTHER_LABEL, PROCESSING_FEE_ITEM.title, (), "", PROCESSING_FEE_ITEM.key))
        rows += [_prose_row(OTHER_LABEL, "", (), "") for _ in range(FORM_BLANK_ITEMS)]
        return rows

    text = report_text(report)

    def heading(label: str) -> str:
        return report.section_titles.get(SECTION_TITLE_ROWS[label], "")

    rows.append(_prose_row(INTRO_LABEL, heading(INTRO_LABEL), report.overview.intro, ""))
    for spec, part, (_, sub) in zip(layout.overview_parts, text.overview_parts, report.overview.parts(), strict=True):
        status = STATUS_DEFAULT if sub.paragraphs is None else STATUS_GIVEN
        rows.append(_prose_row(spec.title, sub.title or "", part.paragraphs, status))
    note_status = STATUS_DEFAULT if report.review_litigation_note is None else STATUS_GIVEN
    rows.append(_prose_row(NOTE_LABEL, heading(NOTE_LABEL), text.review_litigation_note, note_status))
    rows.append(_prose_row(PROBLEMS_LABEL, heading(PROBLEMS_LABEL), report.problems, ""))
    given = list(report.other_matters)
    printed = list(text.other_matters)
    if len(printed) > len(given):  # report_text put the 信息处理费 item first
        first = printed.pop(0)
        rows.append(_prose_row(OTHER_LABEL, PROCESSING_FEE_ITEM.title, first.paragraphs, STATUS_ADDED,
                               PROCESSING_FEE_ITEM.key))
    for item, part in zip(given, printed, strict=True):
        status = STATUS_DEFAULT if item.paragraphs is None else STATUS_GIVEN
        rows.append(_prose_row(OTHER_LABEL, item.title, part.paragraphs, status, item.key or ""))
    for table in report.tables():
        for ref, value in table.stated.items():
            row_label, col_label = table.layout.location(ref)
            rows.append(
                _Row((
                    XCell(STATED_LABEL, "info_label"),
                    _text(f"{table.layout.name} {row_label} / {col_label}", "info_value"),
                    XCell(value, f"info_amount{_places(value)}" if isinstance(value, Decimal) else "info_number"),
                    XCell(None, "info_small"),
                    XCell(f"{table.key}.{ref[0]}.{ref[1]}", "info_small"),
                ))
            )
    return rows


FINDINGS_HEADERS = FINDING_COLUMNS


_NUMBER_TEXT = re.compile(r"-?\d{1,15}(\.\d{1,12})?")


def _finding_value(value: int | Decimal | str | None) -> XCell:
    """期望/实际 as numbers whenever they are numeric — also the digits a finding read back from JSON carries —
    so that the column sorts and filters as numbers; other text stays text."""
    if value is None:
        return XCell(None, "find_text")
    if isinstance(value, str):
        text = value.strip()
        if _NUMBER_TEXT.fullmatch(text):
            number = Decimal(text)
            return XCell(int(number) if "." not in text else number, "find_number")
        return _text(value, "find_text")
    return XCell(value, "find_number")


def _findings_rows(findings: Sequence[Finding] | None) -> list[_Row]:
    rows = [_Row(tuple(XCell(h, "head") for h in FINDINGS_HEADERS))]
    blank = (XCell(None, "find_text"),) * (len(FINDINGS_HEADERS) - 1)
    if findings is None:
        rows.append(_Row((*blank, XCell("（未提供检查结果）", "find_text"))))
    elif not findings:
        rows.append(_Row((*blank, XCell("未发现问题。", "find_text"))))
    for f in findings or ():
        rows.append(_Row(tuple(_finding_value(v) for v in f.cells()), _height((f.message,), 58)))
    return rows


def _content(
    layout: FormatLayout,
    report: Report | None,
    findings: Sequence[Finding] | None,
    *,
    form: bool = False,
    organ: str | None = None,
    year: int | None = None,
    kind_label: str | None = None,
    tables: bool = True,
) -> _Content:
    """``tables=False``: without the table sheets' cells (the report's fast path writes them, see :func:`_table_cells`)."""
    cells = _figure_cells(layout, report, form) if tables else {}
    if report is None and organ:
        for table in layout.tables:
            cells[table_sheet_title(table)]["A2"] = _text(f"填报单位：{organ}", "subtitle")
    cells[INFO_SHEET] = _info_values(report, layout, organ, year, kind_label)
    return _Content(cells, _info_rows(report, layout), None if form else _findings_rows(findings))


# --------------------------------------------------------------------------------------------
# The openpyxl builder: the whole styled workbook.  Used once per version to make the template
# (with no content), and by the benchmark as the plain-openpyxl way (with content, per report).

_SAMPLE_ROW = 1000
"""A scratch row of the info sheet holding one cell per style; removed from the template."""
_STYLE_KEYS = tuple(STYLES)

_TABLE_WIDTHS = {
    "table2": (24.0, 16.0, 16.0, 16.0),
    "table3": (9.0, 13.0, 40.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0),
    "table4": tuple([9.0] * 15),
}
_INFO_WIDTHS = (34.0, 26.0, 80.0, 10.0, 16.0)
_FINDINGS_WIDTHS = (16.0, 9.0, 40.0, 12.0, 12.0, 60.0)


def _write_cell(ws: Any, coord: str, xc: XCell) -> None:
    cell = ws[coord]
    _apply(cell, STYLES[xc.style])
    if xc.formula is not None:
        cell.value = "=" + xc.formula
    elif xc.value is not None:
        cell.value = xc.value
        if isinstance(xc.value, str):
            cell.data_type = "s"  # never a formula


def _write_rows(ws: Any, top: int, rows: Sequence[_Row]) -> None:
    for i, row in enumerate(rows):
        r = top + i
        for c, xc in enumerate(row.cells):
            if xc is not None:
                _write_cell(ws, sheet_coord(r, c), xc)
        if row.height is not None:
            ws.row_dimensions[r].height = row.height


def _merge(ws: Any, rng: str, style: _Style) -> None:
    ws.merge_cells(rng)
    for row in ws[rng]:
        for cell in row:
            cell.border = style.border
            cell.fill = style.fill or PatternFill()
            cell.protection = style.protection


def _table_sheet(ws: Any, table: TableLayout, form: bool) -> None:
    widths = _TABLE_WIDTHS[table.key]
    last = get_column_letter(table.n_cols)
    for i, w in enumerate(widths):
        ws.column_dimensions[get_column_letter(i + 1)].width = w
    ws["A1"] = table.title
    _apply(ws["A1"], STYLES["title"])
    ws.merge_cells(f"A1:{last}1")
    ws.row_dimensions[1].height = 24
    _apply(ws["A2"], STYLES["subtitle"])
    ws.merge_cells(f"A2:{last}2")
    heights: dict[int, float] = {}
    for cell in table.cells:
        coord = grid_coord(cell)
        if cell.ref is None:
            assert cell.text is not None
            style = STYLES["head" if cell.row < table.header_rows else "label"]
            ws[coord] = cell.text
            _apply(ws[coord], style)
            width = sum(widths[cell.col : cell.last_col + 1]) - 1
            need = _height((cell.text,), width) * 0.95 / cell.rowspan
            heights[cell.row] = max(heights.get(cell.row, 18.0), need)
        else:
            style = STYLES["total" if table.is_computed(cell.ref) else "fig"]
            _apply(ws[coord], style)
        if cell.rowspan > 1 or cell.colspan > 1:
            end = sheet_coord(GRID_TOP + cell.last_row, cell.last_col)
            _merge(ws, f"{coord}:{end}", style)
    for r, h in heights.items():
        ws.row_dimensions[GRID_TOP + r].height = h
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if table.n_cols > 10 else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    if table.header_rows:
        ws.print_title_rows = f"{GRID_TOP}:{GRID_TOP + table.header_rows - 1}"
    _validate_figures(ws, table)
    _protect(ws)


_FAIL_FILL = PatternFill("solid", fgColor="FFC7CE", bgColor="FFC7CE")
_FAIL_FONT = Font(color="9C0006", bold=True)
_PASS_FILL = PatternFill("solid", fgColor="C6EFCE", bgColor="C6EFCE")
_PASS_FONT = Font(color="006100")


def _check_sheet_parts(ws: Any, version: FormatVersion, table: TableLayout) -> None:
    """Labels, merges and conditional formatting around the check cells of ``table``'s sheet."""
    cells = check_cells(version, table.key)
    if not cells:
        return
    row = check_row(table)
    last = get_column_letter(table.n_cols + (1 if table.key == "table3" else 0))
    head, label = STYLES["head"], STYLES["label"]
    if table.key == "table3":
        col = get_column_letter(table.n_cols + 1)
        ws[f"{col}{GRID_TOP}"] = CHECK_LABEL
        _apply(ws[f"{col}{GRID_TOP}"], head)
        _merge(ws, f"{col}{GRID_TOP}:{col}{GRID_TOP + table.header_rows - 1}", head)
        ws.column_dimensions[col].width = 16
        ws[f"A{row}"] = CHECK_LABEL
        _apply(ws[f"A{row}"], label)
        _merge(ws, f"A{row}:{get_column_letter(table.label_cols)}{row}", label)
        _apply(ws[f"{col}{row}"], label)
    else:
        for c in cells:
            if c.scope[0] == "group":  # one check under each group of five columns
                start = openpyxl.utils.column_index_from_string(c.coord.rstrip("0123456789"))
                _merge(ws, f"{c.coord}:{get_column_letter(start + 4)}{row}", STYLES["check"])
    ws.row_dimensions[row].height = 48 if table.key == "table3" else 30
    _merge(ws, f"A{row + 1}:{last}{row + 1}", STYLES["check"])
    ws.row_dimensions[row + 1].height = 20
    for c in cells:
        ok = f'RIGHT({c.coord},2)="{CHECK_PASS}"'
        ws.conditional_formatting.add(c.coord, FormulaRule(formula=[f"NOT({ok})"], fill=_FAIL_FILL, font=_FAIL_FONT))
        ws.conditional_formatting.add(c.coord, FormulaRule(formula=[ok], fill=_PASS_FILL, font=_PASS_FONT))
        # The figures an identity covers turn light red with it, so the user sees where to look.
        kind, key = c.scope
        if kind == "column":
            top = GRID_TOP + table.figure_cell(("new_received", key)).row
            bottom = GRID_TOP + table.figure_cell(("carried_forward", key)).row
            letter = c.coord.rstrip("0123456789")
            target = f"{letter}{top}:{letter}{bottom}"
        elif kind == "row":
            target = grid_coord(table.figure_cell((key, "total")))
        elif kind == "group":
            first = table.figure_cell((key, table.row(key).columns[0]))
            end = table.figure_cell((key, table.row(key).columns[-1]))
            target = f"{grid_coord(first)}:{grid_coord(end)}"
        else:
            continue
        anchor = c.coord.rstrip("0123456789")
        ref = f"${anchor}${row}" if kind in ("column", "group") else f"${anchor}${c.coord[len(anchor):]}"
        ws.conditional_formatting.add(target, FormulaRule(formula=[f'RIGHT({ref},2)<>"{CHECK_PASS}"'],
                                                          fill=_FAIL_FILL))


def _validate_figures(ws: Any, table: TableLayout) -> None:
    by_kind: dict[str, list[str]] = {}
    for cell in table.cells:
        if cell.ref is not None and not table.is_computed(cell.ref):
            by_kind.setdefault(table.kind(cell.ref), []).append(grid_coord(cell))
    rules = {
        "count": ("whole", "greaterThanOrEqual", "0", "请填写大于或等于 0 的整数。"),
        "signed": ("whole", "between", "-1000000000", "请填写整数（可为负数）。"),
        "amount": ("decimal", "greaterThanOrEqual", "0", "请填写大于或等于 0 的金额（万元），最多 6 位小数。"),
    }
    for kind, coords in by_kind.items():
        vtype, op, formula1, message = rules[kind]
        dv = DataValidation(type=vtype, operator=op, formula1=formula1, allow_blank=True, showErrorMessage=True,
                            errorTitle="数字有误", error=message)
        if op == "between":
            dv.formula2 = "1000000000"
        dv.sqref = " ".join(coords)
        ws.add_data_validation(dv)


def _protect(ws: Any, *, insert_rows: bool = False) -> None:
    ws.protection.sheet = True
    ws.protection.formatCells = False
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    if insert_rows:
        ws.protection.insertRows = False
        ws.protection.deleteRows = False


def _info_sheet(ws: Any, layout: FormatLayout, form: bool) -> None:
    for i, w in enumerate(_INFO_WIDTHS):
        ws.column_dimensions[get_column_letter(i + 1)].width = w
    ws["A1"] = "政府信息公开工作年度报告 数据填报表" if form else "政府信息公开工作年度报告 数据表"
    _apply(ws["A1"], STYLES["title"])
    ws.merge_cells("A1:E1")
    ws.row_dimensions[1].height = 26
    for i, line in enumerate(INSTRUCTIONS):
        r = 2 + i
        ws[f"A{r}"] = line
        _apply(ws[f"A{r}"], STYLES["instr"])
        ws.merge_cells(f"A{r}:E{r}")
    for c, head in enumerate(INFO_HEADERS):
        ws[sheet_coord(INFO_HEADER_ROW, c)] = head
        _apply(ws[sheet_coord(INFO_HEADER_ROW, c)], STYLES["head"])
    for key, label in INFO_FIELDS:
        r = INFO_FIELD_ROW[key]
        ws[f"A{r}"] = label
        _apply(ws[f"A{r}"], STYLES["info_label"])
        _apply(ws[f"B{r}"], STYLES["info_label"])
    ws.freeze_panes = f"A{INFO_HEADER_ROW + 1}"
    kinds = _kind_labels()
    lists = (
        ("organ.kind", "list", f'"{",".join(kinds)}"'),
        ("format_version", "list", '"2021,2019"'),
    )
    for key, vtype, formula in lists:
        # A drop-down refuses a typed value that is not in its list (Excel, WPS, LibreOffice).
        dv = DataValidation(type=vtype, formula1=formula, allow_blank=True, showErrorMessage=True,
                            errorStyle="stop", errorTitle="请从列表中选择", error="请从下拉列表中选择一项。")
        dv.sqref = f"C{INFO_FIELD_ROW[key]}"
        ws.add_data_validation(dv)
    dv = DataValidation(type="whole", operator="between", formula1="2008", formula2="2100", allow_blank=True,
                        showErrorMessage=True, error="请填写 2008 至 2100 之间的年份。")
    dv.sqref = f"C{INFO_FIELD_ROW['year']}"
    ws.add_data_validation(dv)
    dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                        showErrorMessage=True, error="请填写大于或等于 0 的金额（元）。")
    dv.sqref = f"C{INFO_FIELD_ROW['processing_fee']}"
    ws.add_data_validation(dv)
    dv = DataValidation(type="list", formula1=f'"{STATUS_GIVEN},{STATUS_DEFAULT},{STATUS_ADDED}"', allow_blank=True,
                        showErrorMessage=True, errorStyle="stop", errorTitle="请从列表中选择",
                        error=f"内容来源为“{STATUS_GIVEN}”“{STATUS_DEFAULT}”或“{STATUS_ADDED}”。")
    dv.sqref = f"D{PROSE_TOP}:D{PROSE_TOP + 300}"
    ws.add_data_validation(dv)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.orientation = "landscape"
    ws.print_title_rows = f"{INFO_HEADER_ROW}:{INFO_HEADER_ROW}"
    _protect(ws, insert_rows=True)


def _kind_labels() -> list[str]:
    return [k.label for k in OrganKind]


def _findings_sheet(ws: Any) -> None:
    format_table_sheet(ws, _FINDINGS_WIDTHS)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def _build(layout: FormatLayout, content: _Content | None, *, form: bool, samples: bool = False) -> Any:
    wb = openpyxl.Workbook()
    info = wb.active
    info.title = INFO_SHEET
    _info_sheet(info, layout, form)
    for table in layout.tables:
        _table_sheet(wb.create_sheet(table_sheet_title(table)), table, form)
        _check_sheet_parts(wb[table_sheet_title(table)], layout.version, table)
    if not form:
        _findings_sheet(wb.create_sheet(FINDINGS_SHEET))
    if samples:
        for i, key in enumerate(_STYLE_KEYS):
            _apply(info[sheet_coord(_SAMPLE_ROW, i)], STYLES[key])
    if content is not None:
        for title, cells in content.cells.items():
            for coord, xc in cells.items():
                _write_cell(wb[title], coord, xc)
        _write_rows(info, PROSE_TOP, content.info_rows)
        if content.findings_rows is not None:
            _write_rows(wb[FINDINGS_SHEET], 1, content.findings_rows)
    return wb


def openpyxl_workbook(report: Report, findings: Sequence[Finding] | None = None) -> Any:
    """The same workbook built cell by cell with openpyxl (slow; formulas carry no cached values).

    Kept as the reference the benchmark compares :func:`render_xlsx` against.
    """
    return _build(report.layout, _content(report.layout, report, findings), form=False)


# --------------------------------------------------------------------------------------------
# The template: the openpyxl workbook cut into static chunks around the value cells (excel/_fast.py).

class _Template(NamedTuple):
    names: tuple[str, ...]
    """Sheet titles, in order."""
    sheets: tuple[_fast.Sheet, ...]
    parts: tuple[str, ...]
    """Zip names of the sheets."""
    static: tuple[package.Entry, ...]
    """Other zip entries, compressed once."""
    style_ids: Mapping[str, str]


_CORE_PART = "docProps/core.xml"


@functools.cache
def _template(version: FormatVersion, form: bool) -> _Template:
    layout = get_layout(version)
    blank = _content(layout, None, None, form=form)
    wb = _build(layout, blank, form=form, samples=True)
    buf = io.BytesIO()
    wb.save(buf)
    # openpyxl stamps the save time into docProps/core.xml; fixed dates instead, so the workbook's bytes
    # depend on its content only, in every process, like the .docx.
    wb.properties.created = wb.properties.modified = dt.datetime(*package.ZIP_DATE)
    core = {_CORE_PART: openpyxl_tostring(wb.properties.to_tree())}
    names = tuple(ws.title for ws in wb.worksheets)
    zf = zipfile.ZipFile(buf)
    parts = tuple(f"xl/worksheets/sheet{i + 1}.xml" for i in range(len(names)))
    sample_xml = zf.read(parts[0]).decode("utf-8")
    style_ids = {
        _STYLE_KEYS[openpyxl.utils.column_index_from_string(letters) - 1]: style
        for letters, style in _fast.sample_styles(sample_xml, _SAMPLE_ROW).items()
    }
    sheets: list[_fast.Sheet] = []
    for name, part in zip(names, parts, strict=True):
        xml = _fast.unreference(zf.read(part).decode("utf-8"))
        if name == INFO_SHEET:
            sheets.append(_fast.split_sheet(xml, blank.cells[name], tail_from=PROSE_TOP))
        elif name == FINDINGS_SHEET:
            sheets.append(_fast.split_sheet(xml, set(), tail_from=1))
        else:
            sheets.append(_fast.split_sheet(xml, blank.cells[name], tail_from=None))
    static = []
    # [Content_Types].xml first, as Office writes it; the rest in openpyxl's order.
    others = sorted((n for n in zf.namelist() if n not in parts), key=lambda n: n != ns.CONTENT_TYPES_PART)
    for name in others:
        static.append(package.entry(name, core.get(name) or zf.read(name), 9))
    return _Template(names, tuple(sheets), parts, tuple(static), style_ids)


# --------------------------------------------------------------------------------------------
# The fast writer.

_EPOCH = dt.date(1899, 12, 30)


def _escape(text: str) -> str:
    text = XML_ILLEGAL.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@functools.cache
def _formula_xml(formula: str) -> str:
    # The formulas are the layout's (a few dozen per version): escape each once per process.
    return _escape(formula)


def _number(value: int | Decimal) -> str:
    return str(value) if isinstance(value, int) else format(value, "f")


def _cell_xml(coord: str, xc: XCell, style: str) -> str:
    value = xc.value
    if xc.formula is not None:
        formula = _formula_xml(xc.formula)
        if isinstance(value, str):  # a check cell: a text result
            return f'<c r="{coord}" s="{style}" t="str"><f>{formula}</f><v>{_escape(value)}</v></c>'
        cached = "" if value is None or isinstance(value, dt.date) else f"<v>{_number(value)}</v>"
        return f'<c r="{coord}" s="{style}"><f>{formula}</f>{cached}</c>'
    if value is None:
        return f'<c r="{coord}" s="{style}"/>'
    if isinstance(value, str):
        text = _escape(value)
        if not text:
            return f'<c r="{coord}" s="{style}"/>'
        return f'<c r="{coord}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    if isinstance(value, bool):
        raise TypeError("a boolean is not a figure")
    if isinstance(value, dt.date):
        return f'<c r="{coord}" s="{style}"><v>{(value - _EPOCH).days}</v></c>'
    return f'<c r="{coord}" s="{style}"><v>{_number(value)}</v></c>'


_LETTERS = tuple(get_column_letter(c + 1) for c in range(26))
"""Column letters of the generated rows (info and findings sheets: a handful of columns), as sheet_coord writes them."""


def _rows_xml(top: int, rows: Sequence[_Row], ids: Mapping[str, str]) -> str:
    out: list[str] = []
    for i, row in enumerate(rows):
        r = top + i
        height = f' ht="{row.height:g}" customHeight="1"' if row.height is not None else ""
        cells = "".join([
            _cell_xml(f"{letter}{r}", xc, ids[xc.style]) for letter, xc in zip(_LETTERS[:len(row.cells)], row.cells, strict=True)
            if xc is not None
        ])
        out.append(f'<row r="{r}"{height}>{cells}</row>')
    return "".join(out)


def _slot_cells(sheet: _fast.Sheet, cells: Mapping[str, XCell], ids: Mapping[str, str]) -> list[str]:
    return [_cell_xml(coord, cells[coord], ids[cells[coord].style]) for coord, _ in sheet.slots]


def _workbook(layout: FormatLayout, content: _Content, *, form: bool,
              tables: Mapping[str, Sequence[bytes | package.Piece]] | None = None) -> bytes:
    """``tables``: the parts of sheets already written (:func:`_table_parts`), instead of ``content.cells``."""
    template = _template(layout.version, form)
    ids = template.style_ids
    entries = list(template.static[:1])
    for name, sheet, part in zip(template.names, template.sheets, template.parts, strict=True):
        rows = ""
        if name == INFO_SHEET:
            rows = _rows_xml(PROSE_TOP, content.info_rows, ids)
        elif name == FINDINGS_SHEET and content.findings_rows is not None:
            rows = _rows_xml(1, content.findings_rows, ids)
        if tables is not None and name in tables:
            parts = tables[name]
        else:
            parts = _fast.fill_parts(sheet, _slot_cells(sheet, content.cells.get(name, {}), ids), rows)
        # The long static stretches (labels, formatting, merges) were deflated once; level 1 for the rest.
        entries.append(package.entry_of_pieces(part, parts, 1))
    entries += template.static[1:]
    return package.write_zip(entries)


def workbook_bytes(report: Report, *, findings: Sequence[Finding] | None = None) -> bytes:
    """The workbook of ``report`` as ``.xlsx`` bytes (see :func:`render_xlsx`)."""
    layout = report.layout
    tables = {table_sheet_title(t): _table_parts(report, t) for t in layout.tables}
    return _workbook(layout, _content(layout, report, findings, tables=False), form=False, tables=tables)


def _reference_workbook_bytes(report: Report, findings: Sequence[Finding] | None = None) -> bytes:
    """:func:`workbook_bytes` through the general cell model (:func:`_figure_cells`): the reference the fast
    table sheets of :func:`_table_cells` are tested against, byte for byte."""
    return _workbook(report.layout, _content(report.layout, report, findings), form=False)


# --------------------------------------------------------------------------------------------
# The table sheets of a report, fast: every value cell's XML up to its figure prepared once per version.

_FIG, _TOTAL, _AMOUNT, _CHECK, _SUMMARY, _OTHER = range(6)


class _Slot(NamedTuple):
    kind: int
    coord: str
    ref: tuple[str, str] | None = None
    head: str = ""
    """The cell's XML up to its value: ``<c r="B7" s="3"><v>`` (a total: with its ``<f>``)."""
    heads: Mapping[int, str] = {}
    """An amount: the head by decimal places (the style carries the precision)."""
    check: CheckCell | None = None
    needs: tuple[Any, ...] = ()
    """A check: what :func:`_check_text` compares."""


@functools.cache
def _table_plan(version: FormatVersion, key: str) -> tuple[_Slot, ...]:
    """What each value cell of table ``key``'s sheet needs, in the template's slot order (one per process)."""
    template = _template(version, False)
    table = get_layout(version).table(key)
    sheet = template.sheets[template.names.index(table_sheet_title(table))]
    ids = template.style_ids
    formulas = _formulas(version, key)
    leaves, results = _leaves_and_results(version, key)
    by_coord = {grid_coord(c): c.ref for c in table.cells if c.ref is not None}
    checks = {c.coord: c for c in check_cells(version, key)}
    plan: list[_Slot] = []
    for coord, _ in sheet.slots:
        ref = by_coord.get(coord)
        check = checks.get(coord)
        if ref is not None and table.is_computed(ref):
            head = f'<c r="{coord}" s="{ids["total"]}"><f>{_formula_xml(formulas[ref])}</f><v>'
            plan.append(_Slot(_TOTAL, coord, ref, head))
        elif ref is not None and table.kind(ref) == "amount":
            heads = {p: f'<c r="{coord}" s="{ids[f"amount{p}"]}"><v>' for p in range(7)}
            plan.append(_Slot(_AMOUNT, coord, ref, heads=heads))
        elif ref is not None:
            plan.append(_Slot(_FIG, coord, ref, f'<c r="{coord}" s="{ids["fig"]}"><v>'))
        elif check is not None:
            head = f'<c r="{coord}" s="{ids["check"]}" t="str"><f>{_formula_xml(check.formula)}</f><v>'
            kind, scope_key = check.scope
            if kind == "all":
                plan.append(_Slot(_SUMMARY, coord, None, head, check=check))
                continue
            if key == "table3" and kind == "column":
                cols = [scope_key] if scope_key in leaves else list(leaves)
                block = tuple((r, c) for r in results for c in cols)
                balance = (("new_received", scope_key), ("carried_over", scope_key), ("carried_forward", scope_key)) \
                    if scope_key in leaves else None
                needs: tuple[Any, ...] = ("column", block, balance, ("results_total", scope_key))
            else:
                needs = ("sum", tuple((scope_key, c) for c in leaves), (scope_key, "total"))
            plan.append(_Slot(_CHECK, coord, None, head, check=check, needs=needs))
        else:
            plan.append(_Slot(_OTHER, coord))
    return tuple(plan)


def _check_text(slot: _Slot, values: Mapping[tuple[str, str], Figure],
                stated: Mapping[tuple[str, str], Figure]) -> str:
    """What :func:`_check_result` gives for this check cell, from the prepared references."""
    assert slot.check is not None
    codes = slot.check.codes
    failed: list[str] = []
    if slot.needs[0] == "column":
        _, block_refs, balance, total_ref = slot.needs
        block = sum(map(values.__getitem__, block_refs))
        if balance is not None and values[balance[0]] + values[balance[1]] != block + values[balance[2]]:
            failed.append("T3-BALANCE")
        if stated.get(total_ref, values[total_ref]) != block:
            failed.append("T3-RESULTS-TOTAL")
    else:
        _, refs, total_ref = slot.needs
        if stated.get(total_ref, values[total_ref]) != sum(map(values.__getitem__, refs)):
            failed.append(codes[0])
    if not failed:
        return CHECK_PASS
    if len(codes) == 1:
        return _failure_text(failed[0])
    return "".join(f"{_failure_text(code)}；" for code in failed)


@functools.cache
def _check_value_xml(text: str) -> str:
    return _escape(text)


class _Segments(NamedTuple):
    """A table sheet as pre-deflated static pieces and format strings (``%s`` for each value) between them."""

    parts: tuple[package.Piece | tuple[tuple[bytes, ...], int, int], ...]
    """A piece, or ``(statics, first slot, end slot)``: slots ``first … end-1`` go between the UTF-8 ``statics``
    (one more than slots)."""
    slots: tuple[_Slot, ...]
    figure_refs: tuple[tuple[str, str], ...]
    """The figures and totals (their text is the number alone), in slot order."""
    others: tuple[_Slot, ...]
    """Every other slot (amounts, checks, the subtitle), in slot order."""
    order: Callable[[Sequence[str]], tuple[str, ...]]
    """Takes the texts of ``figure_refs`` followed by those of ``others`` into slot order."""


def _slot_split(slot: _Slot) -> tuple[str, str]:
    """The static text before and after the varying text of ``slot``'s cell (see :func:`_slot_text`)."""
    if slot.kind in (_FIG, _TOTAL, _CHECK, _SUMMARY):
        return slot.head, "</v></c>"
    if slot.kind == _AMOUNT:
        return f'<c r="{slot.coord}" s="', "</v></c>"
    return "", ""


@functools.cache
def _table_segments(version: FormatVersion, key: str) -> _Segments:
    """Table ``key``'s sheet cut into static text (long stretches deflated once) and the values between."""
    template = _template(version, False)
    sheet = template.sheets[template.names.index(table_sheet_title(get_layout(version).table(key)))]
    slots = _table_plan(version, key)
    statics = [sheet.chunks[0]]
    for slot, chunk in zip(slots, sheet.chunks[1:], strict=True):
        before, after = _slot_split(slot)
        statics[-1] += before
        statics.append(after + chunk)
    # statics[i] is the text before slot i (the last one: after the last slot).  A run of short ones and
    # the slots between them is one part; texts[k] is the static text before slot first + k.
    parts: list[package.Piece | tuple[tuple[bytes, ...], int, int]] = []
    texts: list[bytes] = []
    first = 0
    for i, text in enumerate(statics):
        raw = text.encode("utf-8")
        if len(raw) < _fast.PIECE_BYTES:
            texts.append(raw)
            continue
        if texts:
            parts.append(((*texts, b""), first, i))
        parts.append(package.piece(raw))
        texts, first = [b""], i
    end = len(statics) - 1
    if end > first or (texts and texts[-1]):
        parts.append((tuple(texts), first, end))
    figures = [i for i, slot in enumerate(slots) if slot.kind in (_FIG, _TOTAL)]
    others = [i for i, slot in enumerate(slots) if slot.kind not in (_FIG, _TOTAL)]
    position = {i: n for n, i in enumerate(figures + others)}
    perm = [position[i] for i in range(len(slots))]
    order: Callable[[Sequence[str]], tuple[str, ...]] = operator.itemgetter(*perm) if len(perm) > 1 \
        else (lambda texts: tuple(texts[p] for p in perm))
    refs = tuple(ref for i in figures if (ref := slots[i].ref) is not None)
    return _Segments(tuple(parts), slots, refs, tuple(slots[i] for i in others), order)


def _table_parts(report: Report, table: TableLayout) -> list[bytes | package.Piece]:
    """``table``'s sheet for ``report`` as the parts of :func:`~reportgen.formats.ooxml.package.entry_of_pieces`:
    the same text :func:`_slot_cells` and :func:`_fast.fill` write for the cells of :func:`_figure_cells`,
    without building them."""
    data = report.table(table.key)
    values = data.values()
    stated = data.stated
    ids = _template(report.format_version, False).style_ids
    segments = _table_segments(report.format_version, table.key)
    figures = list(map(values.__getitem__, segments.figure_refs))
    out: list[str] = list(map(str, figures)) if set(map(type, figures)) <= {int} else list(map(_number, figures))
    texts: list[str] = []
    summary: list[tuple[int, _Slot]] = []
    for slot in segments.others:
        kind = slot.kind
        if kind == _AMOUNT:
            assert slot.ref is not None
            value = values[slot.ref]
            places = _places(value if isinstance(value, Decimal) else Decimal(value))
            out.append(f'{ids[f"amount{places}"]}"><v>{_number(value)}')
        elif kind == _CHECK:
            text = _check_text(slot, values, stated)
            texts.append(text)
            out.append(_check_value_xml(text))
        elif kind == _SUMMARY:
            summary.append((len(out), slot))  # filled in below, once every check cell is known
            out.append("")
        else:  # the subtitle (A2)
            xc = _text(f"填报单位：{report.organ.name}　　{report.year}年度", "subtitle")
            out.append(_cell_xml(slot.coord, xc, ids[xc.style]))
    for at, slot in summary:
        assert slot.check is not None
        failing = [code for code in slot.check.codes if any(code in v for v in texts)]
        out[at] = _check_value_xml(f"{CHECK_SUMMARY_LABEL}：" + (
            CHECK_PASS if not failing else "未通过：" + " ".join(failing)))
    out = list(segments.order(out))
    # Every value encoded in one call (no value holds a NUL: XML_ILLEGAL removes it from text); interleaved
    # with the encoded statics and joined as bytes — formatting the text and encoding it costs several times more.
    encoded = "\x00".join(out).encode("utf-8").split(b"\x00")
    if len(encoded) != len(out):  # pragma: no cover - a NUL got through: encode one by one
        encoded = [v.encode("utf-8") for v in out]
    parts: list[bytes | package.Piece] = []
    for part in segments.parts:
        if isinstance(part, package.Piece):
            parts.append(part)
        else:
            statics, first, end = part
            pieces: list[bytes] = [b""] * (2 * len(statics) - 1)
            pieces[0::2] = statics
            pieces[1::2] = encoded[first:end]
            parts.append(b"".join(pieces))
    return parts


def write_form(
    path: str | os.PathLike[str],
    *,
    organ: str | None = None,
    year: int | None = None,
    kind: OrganKind | str | None = None,
    version: FormatVersion = FormatVersion.V2021,
) -> Path:
    """Write a blank fill-in form of ``version``'s layout to ``path`` (atomically) and return the path.

    ``organ``, ``year`` and ``kind`` (an :class:`OrganKind` or its value, e.g. ``"township"``) are
    filled in when given.  Figure cells are unlocked and accept whole numbers ≥ 0 (the fee: a
    decimal ≥ 0); labels and totals are locked by sheet protection without a password.
    """
    kind_label = None
    if kind is not None:
        kind_label = (kind if isinstance(kind, OrganKind) else OrganKind(kind)).label
    if organ is not None:
        organ = clean_text(organ) or None
    target = Path(path)
    atomic_write_bytes(target, form_bytes(version=version, organ=organ, year=year, kind_label=kind_label))
    return target



def render_xlsx(
    report: Report, path: str | os.PathLike[str], *, findings: Sequence[Finding] | None = None
) -> Path:
    """Write the companion workbook of ``report`` to ``path`` (atomically) and return the path.

    One sheet per table with the official labels and merges, every total a live ``SUM`` formula
    carrying its computed value; a sheet with the organ, year, format version and all prose
    (printed text and what the user gave, so :func:`reportgen.formats.excel.read.read_form` rebuilds the report
    exactly); and a sheet listing ``findings`` (from :func:`reportgen.check`), if given.

    ``path``: an ``.xlsx`` file name, or a folder to write ``<output_stem(report)>.xlsx`` into (as
    :func:`reportgen.render_docx`); another suffix raises :class:`reportgen.domain.errors.OutputError` ``OUT-TARGET``.
    """
    target = output_target(path, ".xlsx", output_stem(report), "Excel 数据表")
    atomic_write_bytes(target, workbook_bytes(report, findings=findings))
    return target


def form_bytes(
    *,
    version: FormatVersion = FormatVersion.V2021,
    organ: str | None = None,
    year: int | None = None,
    kind_label: str | None = None,
) -> bytes:
    """The blank fill-in form as ``.xlsx`` bytes (see :func:`reportgen.formats.excel.read.write_form`)."""
    layout = get_layout(version)
    content = _content(layout, None, None, form=True, organ=organ, year=year, kind_label=kind_label)
    return _workbook(layout, content, form=True)
