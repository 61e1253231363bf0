"""The county workbook: every township's figures in one sheet, shared prose with per-township overrides.

A county 政务公开办 collects the figures of all its townships (乡镇、街道) in one workbook and writes
the prose once.  The workbook has four sheets::

    基本信息   year, province, city, county, format, publication date, a note; the placeholder list
    数据       one row per township; columns A–E identify it, then one column per leaf figure under
               three header rows generated from :mod:`reportgen.domain.layout`:
                 row 1  table title          (merged over the table's columns)
                 row 2  row label            (merged over the row's columns)
                 row 3  column label
    共用文字   one row per prose field: 字段代码 | 项目 | 标题 | 文字 — text shared by all townships
    分别文字   乡镇（街道） | 字段代码 | 标题 | 文字 — a township's own text for one field

Prose may contain placeholders such as ``{机关名称}`` or ``{本年新收申请总数}`` (see :data:`PLACEHOLDERS`),
replaced per township by plain string substitution — user text is data, never a template language.
``{{`` and ``}}`` stand for literal braces; an unknown placeholder is an ``IN-PLACEHOLDER`` error located
at its sheet and cell.

:func:`iter_county` streams the 数据 sheet (read-only mode, one row at a time), so a workbook with
tens of thousands of rows is read in constant memory; each row becomes a :class:`CountyEntry` holding a
:class:`~reportgen.domain.model.Report` or an :class:`~reportgen.domain.errors.InputError` whose findings name the sheet,
cell, township, table, row label and column label.
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree import ElementTree

import attrs
from lxml import etree
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from reportgen.domain import limits
from reportgen.domain.checks import get_check
from reportgen.domain.codes import (
    IN_FIELD,
    IN_FORMULA,
    IN_HEADER,
    IN_MISSING,
    IN_PLACEHOLDER,
    IN_SHEET_SIZE,
    IN_TEXT_LENGTH,
    IN_UNKNOWN_TOWNSHIP,
    IN_XLSX_SHEET,
    IN_XLSX_UNREADABLE,
    ITEM_TITLE_MISSING,
    Code,
    Findings,
)
from reportgen.domain.errors import InputError, ReportgenError
from reportgen.domain.findings import Location
from reportgen.domain.layout import T3_RESULTS, FigureKind, FormatVersion, get_layout
from reportgen.domain.model import (
    Figure,
    Organ,
    OrganKind,
    OtherItem,
    Overview,
    Report,
    Subsection,
    Table,
    clean_text,
)
from reportgen.domain.prose import format_amount
from reportgen.domain.values import InvalidValue, parse_date, parse_figure, parse_organ_kind, parse_version, parse_year
from reportgen.formats._archive import check_package, open_package, parse_xml
from reportgen.formats._io import atomic_path
from reportgen.formats.excel._cells import sheet_names

__all__ = [
    "DATA_SHEET",
    "INFO_SHEET",
    "OVERRIDE_SHEET",
    "PLACEHOLDERS",
    "SHARED_SHEET",
    "CountyEntry",
    "CountyInfo",
    "CountyRow",
    "FigureColumn",
    "ProseField",
    "figure_columns",
    "is_county_workbook",
    "iter_county",
    "placeholder_values",
    "prose_fields",
    "read_county",
    "read_county_info",
    "substitute",
    "write_county_form",
]

INFO_SHEET = "基本信息"
DATA_SHEET = "数据"
SHARED_SHEET = "共用文字"
OVERRIDE_SHEET = "分别文字"

HEADER_ROWS = 3
"""Header rows of the 数据 sheet; township rows start below them."""

# Columns A–E of the 数据 sheet, before the figures.
_ID_COLUMNS = ("乡镇（街道）", "机关名称", "机关类型", "发布日期", "信息处理费（元）")
_COL_NAME, _COL_ORGAN, _COL_KIND, _COL_DATE, _COL_FEE = range(5)
FIRST_FIGURE_COLUMN = len(_ID_COLUMNS) + 1
"""1-based column of the first figure on the 数据 sheet."""

# 基本信息: label in column A, value in column B.
_INFO_FIELDS = (
    ("year", "年度"),
    ("province", "省（自治区、直辖市）"),
    ("city", "设区的市"),
    ("county", "县（市、区）"),
    ("format_version", "报告格式"),
    ("publication_date", "发布日期"),
    ("rollup_name", "汇总报告机关名称"),
    ("note", "备注"),
)
_PROSE_HEADER = ("字段代码", "项目", "标题", "文字")
_OVERRIDE_HEADER = ("乡镇（街道）", "字段代码", "标题", "文字")
_CUSTOM_ITEM = "other_matters"
_EXTRA_SHARED_ROWS = 10
_OVERRIDE_ROWS_PER_TOWNSHIP = 3

# --------------------------------------------------------------------------------------------
# Placeholders


def _t(table: str, row: str, col: str) -> tuple[str, Callable[[Report], str]]:
    """A figure placeholder: its description from the layout's labels, and how to read it."""
    layout = get_layout().table(table)

    def value(report: Report) -> str:
        figure = report.table(table).value(row, col)
        return format_amount(figure) if isinstance(figure, Decimal) else str(figure)

    return f"{layout.name} {layout.row_label(row)} {layout.column(col).label}", value


def _litigation(report: Report) -> str:
    t4 = report.table4
    return str(t4.count("litigation_direct", "total") + t4.count("litigation_after_review", "total"))


_PLACEHOLDER_FUNCS: dict[str, tuple[str, Callable[[Report], str]]] = {
    "机关名称": ("机关全称，如 招远市金岭镇人民政府", lambda r: r.organ.name),
    "年度": ("报告年度，如 2022", lambda r: str(r.year)),
    "省": ("省（自治区、直辖市）", lambda r: r.organ.province),
    "市": ("设区的市", lambda r: r.organ.city),
    "县": ("县（市、区）", lambda r: r.organ.county),
    "本年新收申请总数": _t("table3", "new_received", "total"),
    "上年结转申请总数": _t("table3", "carried_over", "total"),
    "办结申请总数": _t("table3", "results_total", "total"),
    "予以公开数": _t("table3", "granted", "total"),
    "结转下年度申请总数": _t("table3", "carried_forward", "total"),
    "行政复议总数": _t("table4", "review", "total"),
    "行政诉讼总数": ("表四 行政诉讼 两组总计之和", _litigation),
    "行政规范性文件制发数": _t("table2", "normative_documents", "issued"),
    "行政规范性文件现行有效数": _t("table2", "normative_documents", "in_force"),
    "行政许可决定数": _t("table2", "licensing", "decisions"),
    "行政处罚决定数": _t("table2", "punishment", "decisions"),
    "行政强制决定数": _t("table2", "enforcement", "decisions"),
    "行政事业性收费金额": _t("table2", "administrative_fees", "amount"),
    "信息处理费": ("收取的信息处理费（元）", lambda r: format_amount(r.processing_fee)),
}
_TOWNSHIP_PLACEHOLDER = "乡镇名称"

PLACEHOLDERS: Mapping[str, str] = {
    "机关名称": _PLACEHOLDER_FUNCS["机关名称"][0],
    _TOWNSHIP_PLACEHOLDER: "数据表 A 列的乡镇（街道）名称，如 金岭镇",
    **{name: desc for name, (desc, _) in _PLACEHOLDER_FUNCS.items() if name != "机关名称"},
}
"""``{name}`` placeholders allowed in prose, with what each stands for (2021 format figures)."""

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}\n]*)\}")


def placeholder_values(report: Report, township: str = "") -> dict[str, str]:
    """The value of every placeholder for ``report`` (figures taken from its tables)."""
    values = {name: func(report) for name, (_, func) in _PLACEHOLDER_FUNCS.items()}
    values[_TOWNSHIP_PLACEHOLDER] = township or report.organ.name
    return values


class PlaceholderError(ValueError):
    """An unknown ``{name}`` in a text."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(name)


def substitute(text: str, values: Mapping[str, str]) -> str:
    """``text`` with every ``{name}`` replaced by ``values[name]``; ``{{``/``}}`` are literal braces.

    Plain substitution, one pass: a substituted value is never scanned again, so text coming from
    users cannot run code or pull in other values.  Raises :class:`PlaceholderError` for a name that
    is not in ``values``.  A lone ``{`` or ``}`` that is not part of a placeholder is kept as it is.
    """

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match.group(1).strip()
        if name not in values:
            raise PlaceholderError(name)
        return values[name]

    return _TOKEN.sub(replace, text)


# --------------------------------------------------------------------------------------------
# Columns and prose fields, derived from the layout


@attrs.frozen
class FigureColumn:
    """One figure column of the 数据 sheet."""

    table: str
    row: str
    column: str
    table_title: str
    table_number: str
    row_label: str
    column_label: str
    kind: FigureKind

    @property
    def ref(self) -> tuple[str, str]:
        """``(row_key, column_key)`` within the table."""
        return (self.row, self.column)

    @property
    def header(self) -> tuple[str, str, str]:
        """The three header texts: table title, row label, column label."""
        return (self.table_title, self.row_label, self.column_label)


def figure_columns(version: FormatVersion = FormatVersion.V2021) -> tuple[FigureColumn, ...]:
    """Every leaf figure of the three tables, in layout order — the 数据 sheet's figure columns."""
    out: list[FigureColumn] = []
    for table in get_layout(version).tables:
        for row_key, col_key in table.leaf_refs():
            row_label, col_label = table.location((row_key, col_key))
            out.append(
                FigureColumn(
                    table.key, row_key, col_key, table.title, table.number, row_label, col_label,
                    table.kind((row_key, col_key)),
                )
            )
    return tuple(out)


@attrs.frozen
class ProseField:
    """A row of the 共用文字 sheet: a prose field of the report."""

    code: str
    """``overview.intro``, ``overview.platform``, ``problems``, ``other_matters.processing_fee`` …"""
    label: str
    """What the field is, in Chinese (the 项目 column)."""
    title: str = ""
    """Default title (items of 六 only)."""


def prose_fields(preset: str = "national", version: FormatVersion = FormatVersion.V2021) -> tuple[ProseField, ...]:
    """The prose fields of the 共用文字 sheet; items of 六 from the layout preset (``national``, ``shandong``)."""
    layout = get_layout(version)
    fields = [ProseField("overview.intro", "一、总体情况（开头段落）")]
    for part in layout.overview_parts:
        note = "（空白：按表三自动生成）" if part.key == "on_request" else ""
        fields.append(ProseField(f"overview.{part.key}", f"一、{part.title}{note}"))
    table4 = layout.section("table4")
    fields.append(ProseField("review_litigation_note", f"{table4.title}（表下说明；空白：按表四自动生成）"))
    fields.append(ProseField("problems", layout.section("problems").title))
    for item in layout.other_items[preset]:
        note = "（空白：自动生成）" if item.key == "processing_fee" else ""
        fields.append(ProseField(f"{_CUSTOM_ITEM}.{item.key}", f"六、{item.title}{note}", item.title))
    return tuple(fields)


# --------------------------------------------------------------------------------------------
# Writing the blank (or, for examples, filled) workbook


@attrs.frozen(kw_only=True)
class CountyRow:
    """A township row to write into the 数据 sheet."""

    name: str
    """Short name, e.g. 金岭镇."""
    organ: str = ""
    """Full organ name, e.g. 招远市金岭镇人民政府 (blank: derived from the county and ``name``)."""
    kind: OrganKind | None = None
    publication_date: dt.date | None = None
    processing_fee: Decimal = Decimal(0)
    figures: Mapping[tuple[str, str, str], Figure] = attrs.field(factory=dict)
    """``(table, row, column)`` → figure; figures not given are written as 0."""


_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FONT = Font(name="宋体", bold=True, size=10)
_BODY_FONT = Font(name="宋体", size=10)
_NOTE_FONT = Font(name="宋体", bold=True, size=12, color="C00000")
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_CENTER_WRAP = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT_WRAP = Alignment(horizontal="left", vertical="top", wrap_text=True)
_UNLOCKED = Protection(locked=False)


def _protect(ws: Worksheet) -> None:
    # Labels are locked; users may still resize rows/columns and filter.
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.autoFilter = False


def _text_cell(ws: Worksheet, row: int, col: int, value: str) -> Any:
    cell = ws.cell(row, col)
    cell.value = value
    cell.data_type = "s"  # user text is never a formula
    return cell


def _write_info(ws: Worksheet, info: Mapping[str, object], note: str) -> None:
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 60
    title = ws.cell(1, 1, "政府信息公开工作年度报告 县级汇总填报表")
    title.font = Font(name="宋体", bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2)
    for i, (key, label) in enumerate(_INFO_FIELDS, start=2):
        head = ws.cell(i, 1, label)
        head.font, head.border, head.fill = _HEAD_FONT, _BORDER, _HEAD_FILL
        value = info.get(key)
        cell = ws.cell(i, 2)
        if isinstance(value, (int, dt.date)):
            cell.value = value
        elif value:
            _text_cell(ws, i, 2, str(value))
        cell.font, cell.border, cell.protection, cell.alignment = _BODY_FONT, _BORDER, _UNLOCKED, _LEFT_WRAP
        if key == "note" and value:
            cell.font = _NOTE_FONT
    year_row = 2
    dv = DataValidation(type="whole", operator="between", formula1="2008", formula2="2100", allow_blank=False)
    dv.error, dv.errorTitle, dv.showErrorMessage = "年度应为2008至2100之间的整数。", "年度", True
    ws.add_data_validation(dv)
    dv.add(f"B{year_row}")
    fmt = DataValidation(type="list", formula1='"2021,2019"', allow_blank=True)
    fmt.error, fmt.showErrorMessage = "报告格式为 2021（国办公开办函〔2021〕30号）或 2019。", True
    fmt.errorStyle = "stop"
    ws.add_data_validation(fmt)
    fmt.add(f"B{2 + [k for k, _ in _INFO_FIELDS].index('format_version')}")

    r = len(_INFO_FIELDS) + 3
    ws.cell(r, 1, "填写说明").font = _HEAD_FONT
    help_lines = (
        f"“{DATA_SHEET}”表每行一个乡镇（街道）：填写统计数字（非负整数），空白或“/”按 0 计（与单个填报表相同）；"
        "机关名称留空时按“县（市、区）＋乡镇名称＋人民政府/办事处”生成。",
        f"“{SHARED_SHEET}”表填写所有乡镇（街道）共用的文字；每个单元格内每一行为一个段落。"
        "“依申请公开”“表四说明”“信息处理费”留空时按统计数字自动生成。",
        f"“{OVERRIDE_SHEET}”表填写某个乡镇（街道）自己的文字，覆盖同一字段代码的共用文字；"
        f"字段代码为 {_CUSTOM_ITEM} 时为“六、其他需要报告的事项”中的一项，须填标题，标题相同者覆盖，不同者增加。",
        "文字中可使用下列占位符，生成时替换为各乡镇（街道）自己的名称或数字；要写花括号本身请写 {{ 或 }}：",
    )
    for line in help_lines:
        r += 1
        _text_cell(ws, r, 1, line).alignment = _LEFT_WRAP
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
        ws.row_dimensions[r].height = 45
    for name, desc in PLACEHOLDERS.items():
        r += 1
        _text_cell(ws, r, 1, "{" + name + "}").font = _BODY_FONT
        _text_cell(ws, r, 2, desc).font = _BODY_FONT
    _protect(ws)


def _write_data(
    ws: Worksheet,
    rows: Sequence[CountyRow],
    columns: Sequence[FigureColumn],
    version: FormatVersion,
) -> None:
    n = len(rows)
    last_row = HEADER_ROWS + max(n, 1)
    for i, label in enumerate(_ID_COLUMNS, start=1):
        cell = ws.cell(1, i, label)
        cell.font, cell.fill, cell.alignment, cell.border = _HEAD_FONT, _HEAD_FILL, _CENTER_WRAP, _BORDER
        for r in (2, 3):
            ws.cell(r, i).border = _BORDER
        ws.merge_cells(start_row=1, start_column=i, end_row=HEADER_ROWS, end_column=i)
    for letter, width in zip("ABCDE", (14, 28, 14, 12, 12), strict=True):
        ws.column_dimensions[letter].width = width

    # Header texts, then merges over equal neighbours (same table; same table and row).
    for j, fc in enumerate(columns):
        c = FIRST_FIGURE_COLUMN + j
        for r, text in enumerate(fc.header, start=1):
            cell = ws.cell(r, c, text)
            cell.font, cell.fill, cell.alignment, cell.border = _HEAD_FONT, _HEAD_FILL, _CENTER_WRAP, _BORDER
        ws.column_dimensions[get_column_letter(c)].width = 11

    def merge_runs(header_row: int, key: Callable[[FigureColumn], tuple[str, ...]]) -> None:
        start = 0
        for j in range(1, len(columns) + 1):
            if j == len(columns) or key(columns[j]) != key(columns[start]):
                if j - start > 1:
                    c0 = FIRST_FIGURE_COLUMN + start
                    for c in range(c0 + 1, FIRST_FIGURE_COLUMN + j):
                        ws.cell(header_row, c).value = None
                    ws.merge_cells(start_row=header_row, start_column=c0, end_row=header_row,
                                   end_column=FIRST_FIGURE_COLUMN + j - 1)
                start = j

    merge_runs(1, lambda fc: (fc.table,))
    merge_runs(2, lambda fc: (fc.table, fc.row))
    ws.row_dimensions[1].height = 30
    ws.row_dimensions[2].height = 96
    ws.row_dimensions[3].height = 30

    # Only the first township's row is written through openpyxl (styled cell by cell: slow); the others are
    # the same cells with other values, spliced in as XML after saving (_splice_rows) — 5,000 names in seconds.
    for i, row in enumerate(rows[:1]):
        r = HEADER_ROWS + 1 + i
        _text_cell(ws, r, 1, row.name)
        if row.organ:
            _text_cell(ws, r, 2, row.organ)
        if row.kind is not None:
            _text_cell(ws, r, 3, row.kind.label)
        if row.publication_date is not None:
            ws.cell(r, 4).value = row.publication_date
        ws.cell(r, 5).value = row.processing_fee if row.processing_fee else 0
        for j, fc in enumerate(columns):
            value = row.figures.get((fc.table, fc.row, fc.column), 0)
            ws.cell(r, FIRST_FIGURE_COLUMN + j).value = value
    last_col = FIRST_FIGURE_COLUMN + len(columns) - 1
    for c in range(1, last_col + 1):
        cell = ws.cell(HEADER_ROWS + 1, c)
        cell.protection, cell.border, cell.font = _UNLOCKED, _BORDER, _BODY_FONT
    ws.cell(HEADER_ROWS + 1, 4).number_format = "yyyy-mm-dd"

    first = HEADER_ROWS + 1
    # Blank cells are allowed and read as 0, as on the single fill-in form (reportgen.formats.excel.read).
    counts = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    counts.errorTitle, counts.error = "统计数字", "请填写大于或等于 0 的整数（没有的填 0 或留空）。"
    amounts = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    amounts.errorTitle, amounts.error = "金额", "请填写大于或等于 0 的数（最多 6 位小数）。"
    kinds = DataValidation(type="list", formula1='"' + ",".join(k.label for k in OrganKind) + '"', allow_blank=True)
    kinds.error = "请从列表中选择机关类型。"
    dates = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True)
    dates.error = "请填写日期，如 2023-01-18。"
    for dv in (counts, amounts, kinds, dates):
        dv.showErrorMessage, dv.errorStyle = True, "stop"  # a typed value not allowed is refused
        ws.add_data_validation(dv)
    kinds.add(f"C{first}:C{last_row}")
    dates.add(f"D{first}:D{last_row}")
    amounts.add(f"E{first}:E{last_row}")
    for j, fc in enumerate(columns):
        letter = get_column_letter(FIRST_FIGURE_COLUMN + j)
        (amounts if fc.kind == "amount" else counts).add(f"{letter}{first}:{letter}{last_row}")
    _check_column(ws, columns, version, first, last_row)
    ws.freeze_panes = ws.cell(first, FIRST_FIGURE_COLUMN)
    # Over a hundred figure columns cannot be read at one page width: pages run across, each repeating
    # the header rows and the township column.
    _print_setup(ws, f"1:{HEADER_ROWS}", fit=False)
    ws.print_title_cols = "A:A"
    _protect(ws)


CHECK_HEADER = "校验"
"""Header of the 数据 sheet's last column: per township 通过, or the identity that does not hold."""
CHECK_PASS = "通过"
_FAIL_FILL = PatternFill("solid", fgColor="FFC7CE", bgColor="FFC7CE")
_PASS_FILL = PatternFill("solid", fgColor="C6EFCE", bgColor="C6EFCE")


def check_formula(columns: Sequence[FigureColumn], version: FormatVersion, r: int) -> str:
    """The 校验 formula of 数据 row ``r`` (without the leading ``=``): 通过, or ``T3-BALANCE …：自然人、…`` naming the
    applicant columns where 一 + 二 ≠ （七）总计 + 四; blank for a row without a township name."""
    table = get_layout(version).table("table3")
    letter = {fc.ref: get_column_letter(FIRST_FIGURE_COLUMN + j) for j, fc in enumerate(columns)
              if fc.table == "table3"}
    results = [row.key for row in table.rows if row.path[:1] == (T3_RESULTS,) and not row.computed]
    parts = []
    conds = []
    for leaf in (c for c in table.columns if not c.computed):
        def at(row: str, leaf: str = leaf.key) -> str:
            return f"{letter[(row, leaf)]}{r}"
        cond = (f"{at('new_received')}+{at('carried_over')}=SUM({','.join(at(k) for k in results)})"
                f"+{at('carried_forward')}")
        conds.append(cond)
        parts.append(f'IF({cond},"","{leaf.label}、")')
    title = get_check("T3-BALANCE").title
    verdict = f'IF(AND({",".join(conds)}),"{CHECK_PASS}","T3-BALANCE {title}："&{"&".join(parts)})'
    return f'IF(TRIM($A{r})="","",{verdict})'


def _check_column(ws: Worksheet, columns: Sequence[FigureColumn], version: FormatVersion, first: int,
                  last: int) -> None:
    """The 校验 column: per township row a formula saying 通过, or ``T3-BALANCE 表三各列勾稽关系：自然人、…``
    naming the applicant columns where 一 + 二 ≠ （七）总计 + 四 (the identity ``reportgen check`` checks
    on these figures: the 数据 sheet has no totals to state).  Blank for an empty row."""
    c = FIRST_FIGURE_COLUMN + len(columns)
    col = get_column_letter(c)
    head = ws.cell(1, c, CHECK_HEADER)
    head.font, head.fill, head.alignment, head.border = _HEAD_FONT, _HEAD_FILL, _CENTER_WRAP, _BORDER
    for r in (2, 3):
        ws.cell(r, c).border = _BORDER
    ws.merge_cells(start_row=1, start_column=c, end_row=HEADER_ROWS, end_column=c)
    ws.column_dimensions[col].width = 30
    # Only the first row's formula is written here; _splice_rows writes the same formula into the others.
    cell = ws.cell(first, c)
    cell.value = "=" + check_formula(columns, version, first)
    cell.font, cell.border, cell.alignment = _BODY_FONT, _BORDER, _CENTER_WRAP
    rng = f"{col}{first}:{col}{last}"
    ws.conditional_formatting.add(rng, FormulaRule(formula=[f'AND({col}{first}<>"",{col}{first}<>"{CHECK_PASS}")'],
                                                   fill=_FAIL_FILL))
    ws.conditional_formatting.add(rng, FormulaRule(formula=[f'{col}{first}="{CHECK_PASS}"'], fill=_PASS_FILL))
    ws.conditional_formatting.add(f"A{first}:A{last}", FormulaRule(
        formula=[f'AND(${col}{first}<>"",${col}{first}<>"{CHECK_PASS}")'], fill=_FAIL_FILL))


def _print_setup(ws: Worksheet, title_rows: str | None, *, landscape: bool = True, fit: bool = True) -> None:
    """A4, landscape, every column on one page width (``fit``; else at 70 %), the header rows repeated."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    if fit:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    else:
        ws.page_setup.scale = 70
    ws.page_margins.left = ws.page_margins.right = 0.4
    if title_rows:
        ws.print_title_rows = title_rows


def _write_shared(ws: Worksheet, fields: Sequence[ProseField], shared: Mapping[str, str | tuple[str, str]]) -> None:
    for i, (label, width) in enumerate(zip(_PROSE_HEADER, (30, 40, 36, 90), strict=True), start=1):
        cell = ws.cell(1, i, label)
        cell.font, cell.fill, cell.border, cell.alignment = _HEAD_FONT, _HEAD_FILL, _BORDER, _CENTER_WRAP
        ws.column_dimensions[get_column_letter(i)].width = width
    r = 1
    for f in fields:
        r += 1
        _text_cell(ws, r, 1, f.code)
        _text_cell(ws, r, 2, f.label)
        given = shared.get(f.code, "")
        title, text = given if isinstance(given, tuple) else (f.title, given)
        if title:
            _text_cell(ws, r, 3, title)
        if text:
            _text_cell(ws, r, 4, text)
        for c in (3, 4):
            ws.cell(r, c).protection = _UNLOCKED
        ws.row_dimensions[r].height = 60
    # Extra rows for items of 六 that are not in the preset (字段代码 other_matters, 标题 required).
    for _ in range(_EXTRA_SHARED_ROWS):
        r += 1
        for c in range(1, 5):
            ws.cell(r, c).protection = _UNLOCKED
    for row in ws.iter_rows(min_row=2, max_row=r, max_col=4):
        for cell in row:
            cell.border, cell.alignment, cell.font = _BORDER, _LEFT_WRAP, _BODY_FONT
    ws.freeze_panes = "A2"
    _protect(ws)


def _write_overrides(
    ws: Worksheet,
    n_townships: int,
    n_fields: int,
    overrides: Sequence[tuple[str, str, str, str]],
) -> None:
    for i, (label, width) in enumerate(zip(_OVERRIDE_HEADER, (16, 34, 36, 90), strict=True), start=1):
        cell = ws.cell(1, i, label)
        cell.font, cell.fill, cell.border, cell.alignment = _HEAD_FONT, _HEAD_FILL, _BORDER, _CENTER_WRAP
        ws.column_dimensions[get_column_letter(i)].width = width
    n_rows = max(len(overrides) + 20, n_townships * _OVERRIDE_ROWS_PER_TOWNSHIP)
    for i, values in enumerate(overrides, start=2):
        for c, value in enumerate(values, start=1):
            if value:
                _text_cell(ws, i, c, value)
    firsts = [ws.cell(2, c) for c in range(1, 5)]
    for cell in firsts:
        cell.border, cell.alignment, cell.font, cell.protection = _BORDER, _LEFT_WRAP, _BODY_FONT, _UNLOCKED
    # The same style on every further cell: copied as openpyxl's style array (setting the four style objects
    # per cell hashes them each time — most of the time of a 5,000-township workbook).
    for row in ws.iter_rows(min_row=3, max_row=n_rows + 1, max_col=4):
        for cell, first in zip(row, firsts, strict=True):
            cell._style = copy.copy(first._style)
    last = n_rows + 1
    towns = DataValidation(
        type="list", formula1=f"'{DATA_SHEET}'!$A${HEADER_ROWS + 1}:$A${HEADER_ROWS + max(n_townships, 1)}",
        allow_blank=True,
    )
    towns.error = f"请选择“{DATA_SHEET}”表中的乡镇（街道）。"
    codes = DataValidation(type="list", formula1=f"'{SHARED_SHEET}'!$A$2:$A${1 + n_fields + _EXTRA_SHARED_ROWS}",
                           allow_blank=True)
    codes.error = f"请选择“{SHARED_SHEET}”表中的字段代码。"
    for dv in (towns, codes):
        dv.showErrorMessage, dv.errorStyle = True, "stop"
        ws.add_data_validation(dv)
    towns.add(f"A2:A{last}")
    codes.add(f"B2:B{last}")
    ws.freeze_panes = "A2"
    _protect(ws)


def write_county_form(
    path: str | os.PathLike[str],
    townships: Iterable[str | CountyRow],
    *,
    year: int | None = None,
    province: str = "",
    city: str = "",
    county: str = "",
    format_version: FormatVersion = FormatVersion.V2021,
    preset: str = "national",
    publication_date: dt.date | None = None,
    rollup_name: str = "",
    note: str = "",
    shared_text: Mapping[str, str | tuple[str, str]] | None = None,
    overrides: Sequence[tuple[str, str, str, str]] = (),
) -> Path:
    """Write the county workbook for ``townships`` (names or :class:`CountyRow`) to ``path``.

    A blank form has every figure of every listed township set to 0, the labels locked (sheet
    protection without a password) and data validation on every input cell (whole numbers ≥ 0,
    amounts ≥ 0, organ kinds from a list).  ``shared_text`` maps a field code (see :func:`prose_fields`)
    to its text or to ``(title, text)``; ``overrides`` are ``(township, code, title, text)`` rows of the
    分别文字 sheet.  Written atomically.
    """
    if preset not in get_layout(format_version).other_items:
        raise ValueError(f"unknown preset {preset!r}")
    rows = [t if isinstance(t, CountyRow) else CountyRow(name=t) for t in townships]
    columns = figure_columns(format_version)
    fields = prose_fields(preset, format_version)
    wb = Workbook()
    info_ws = wb.active
    assert info_ws is not None
    info_ws.title = INFO_SHEET
    info = {
        "year": year,
        "province": province,
        "city": city,
        "county": county,
        "format_version": format_version.value,
        "publication_date": publication_date,
        "rollup_name": rollup_name,
        "note": note,
    }
    _write_info(info_ws, info, note)
    _print_setup(info_ws, None, landscape=False)  # 基本信息: two columns, on one page width
    _write_data(wb.create_sheet(DATA_SHEET), rows, columns, format_version)
    _write_shared(wb.create_sheet(SHARED_SHEET), fields, shared_text or {})
    _write_overrides(wb.create_sheet(OVERRIDE_SHEET), len(rows), len(fields), overrides)
    for sheet in (SHARED_SHEET, OVERRIDE_SHEET):
        _print_setup(wb[sheet], "1:1")
    buffer = io.BytesIO()
    wb.save(buffer)
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_bytes(_splice_rows(buffer.getvalue(), rows[1:], columns, format_version))
    return target


_EPOCH = dt.date(1899, 12, 30)
_ROW = re.compile(rb'<row r="%d"[^>]*>.*?</row>' % (HEADER_ROWS + 1), re.S)
_CELL_STYLE = re.compile(rb'<c r="([A-Z]+)\d+"(?: s="(\d+)")?')


def _xml_text(text: str) -> str:
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _data_part(package: zipfile.ZipFile) -> str:
    """The zip member of the 数据 sheet (through workbook.xml and its relationships; our own file, just saved)."""
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    workbook = ElementTree.fromstring(package.read("xl/workbook.xml"))
    rid = next(s.get(rel) for s in workbook.iter(f"{main}sheet") if s.get("name") == DATA_SHEET)
    rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target", "") for r in rels if r.get("Id") == rid)
    name = target.lstrip("/")
    return name if name.startswith("xl/") else f"xl/{name}"


def _splice_rows(xlsx: bytes, rows: Sequence[CountyRow], columns: Sequence[FigureColumn], version: FormatVersion) -> bytes:
    """``xlsx`` with ``rows`` added to the 数据 sheet after its first township row, styled as that row (its 校验
    formula too)."""
    if not rows:
        return xlsx
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    part = _data_part(source)
    sheet = source.read(part)
    first = _ROW.search(sheet)
    assert first is not None
    styles = {m.group(1).decode(): (m.group(2) or b"0").decode() for m in _CELL_STYLE.finditer(first.group(0))}
    letters = [get_column_letter(c) for c in range(1, FIRST_FIGURE_COLUMN + len(columns))]
    attrs_of = [f' s="{styles.get(letter, "0")}"' for letter in letters]
    check_letter = get_column_letter(FIRST_FIGURE_COLUMN + len(columns))
    check_style = f' s="{styles.get(check_letter, "0")}"'
    refs = [(fc.table, fc.row, fc.column) for fc in columns]

    def text(col: int, r: int, value: str) -> str:
        if not value:
            return f'<c r="{letters[col]}{r}"{attrs_of[col]}/>'
        # Inline strings: user text is data, never a formula.
        return f'<c r="{letters[col]}{r}"{attrs_of[col]} t="inlineStr"><is><t>{_xml_text(value)}</t></is></c>'

    def number(col: int, r: int, value: object) -> str:
        return f'<c r="{letters[col]}{r}"{attrs_of[col]}><v>{value}</v></c>'

    out: list[str] = []
    for i, row in enumerate(rows):
        r = HEADER_ROWS + 2 + i
        date = row.publication_date
        cells = [
            text(0, r, row.name), text(1, r, row.organ), text(2, r, row.kind.label if row.kind is not None else ""),
            number(3, r, (date - _EPOCH).days) if date is not None else f'<c r="D{r}"{attrs_of[3]}/>',
            number(4, r, row.processing_fee if row.processing_fee else 0),
        ]
        figures = row.figures
        cells += [number(FIRST_FIGURE_COLUMN - 1 + j, r, figures.get(ref, 0)) for j, ref in enumerate(refs)]
        cells.append(f'<c r="{check_letter}{r}"{check_style}><f>{_xml_text(check_formula(columns, version, r))}</f></c>')
        out.append(f'<row r="{r}">{"".join(cells)}</row>')
    last = HEADER_ROWS + 1 + len(rows)
    sheet = sheet[:first.end()] + "".join(out).encode("utf-8") + sheet[first.end():]
    sheet = re.sub(rb'<dimension ref="([A-Z]+\d+):([A-Z]+)\d+"/>',
                   lambda m: b'<dimension ref="%s:%s%d"/>' % (m.group(1), m.group(2), last), sheet, count=1)
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as package:
        for info in source.infolist():
            data = sheet if info.filename == part else source.read(info.filename)
            package.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return result.getvalue()


# --------------------------------------------------------------------------------------------
# Reading


@attrs.frozen(kw_only=True)
class CountyInfo:
    """What the 基本信息 sheet says."""

    year: int
    province: str = ""
    city: str = ""
    county: str = ""
    format_version: FormatVersion = FormatVersion.V2021
    publication_date: dt.date | None = None
    rollup_name: str = ""
    note: str = ""


class CountyEntry(NamedTuple):
    """One township of the workbook: its name and its report, or why it could not be read."""

    name: str
    result: Report | InputError
    row: int = 0
    """The 数据 row it was read from (0: not a 数据 row)."""


@attrs.frozen
class _Prose:
    """A prose cell: field, title, text and where it came from (for messages)."""

    code: str
    title: str
    text: str
    cell: str


def is_county_workbook(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a county workbook (an .xlsx with the 基本信息 and 数据 sheets).

    Told from the sheet names in ``xl/workbook.xml`` alone (through the package limits, a DTD refused), once per
    file version: a bulk run's main process asks this of every .xlsx of a folder (and again for the progress
    total), and must not pay for opening each fill-in form.  An unreadable or hostile file is not a county
    workbook: the loader then reports what is wrong with it.
    """
    p = Path(path)
    if p.suffix.lower() != ".xlsx":
        return False
    try:
        stat = p.stat()
    except OSError:
        return False
    if not p.is_file():
        return False
    key = hash((os.fspath(p), stat.st_mtime_ns, stat.st_size))  # not the path itself: a folder has 38,602 of them
    known = _KINDS.get(key)
    if known is None:
        try:
            with open_package(p, file=p.name, part_limit=limits.MAX_STREAMED_PART_BYTES) as package:
                names = sheet_names(package)
            known = INFO_SHEET in names and DATA_SHEET in names
        except Exception:  # not a readable workbook at all (or a hostile one): let the loader report it
            known = False
        if len(_KINDS) >= 100_000:
            _KINDS.clear()
        _KINDS[key] = known
    return known


_KINDS: dict[int, bool] = {}
"""hash((path, mtime, size)) → whether it is a county workbook."""


def _str(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(str(value))


def _text(value: object) -> str:
    """A prose cell keeps its line breaks (one paragraph per line)."""
    return "" if value is None else str(value)


def _fail(file: str, code: Code, message: str, *, cell: str | None = None) -> InputError:
    return InputError.single(code.code, code.message(detail=message), Location(file=file, cell=cell))


def _read_info(wb: Any, file: str) -> CountyInfo:
    ws = wb[INFO_SHEET]
    by_label = {label: key for key, label in _INFO_FIELDS}
    found: dict[str, tuple[object, str]] = {}
    for i, row in enumerate(ws.iter_rows(min_row=1, max_col=2, values_only=True), start=1):
        label = _str(row[0]) if row else ""
        if label in by_label and by_label[label] not in found:
            found[by_label[label]] = (row[1] if len(row) > 1 else None, f"{INFO_SHEET}!B{i}")
    problems = Findings(file=file)
    year_value, year_cell = found.get("year", (None, f"{INFO_SHEET}!B2"))
    year = 0
    try:
        year = parse_year(year_value)
    except InvalidValue:
        problems.year(year_value, Location(path="$.year", cell=year_cell))
    fmt_value, fmt_cell = found.get("format_version", ("2021", ""))
    version = FormatVersion.V2021
    try:
        version = parse_version(fmt_value)
    except InvalidValue:
        problems.version(fmt_value, Location(path="$.format_version", cell=fmt_cell or None))
    date_value, date_cell = found.get("publication_date", (None, ""))
    date = None
    try:
        date = parse_date(date_value, serials=True)
    except InvalidValue:
        problems.date(date_value, Location(path="$.publication_date", cell=date_cell or None))
    problems.raise_if_any(f"“{INFO_SHEET}”表有 {{n}} 处问题，无法读取。", location=Location(file=file))

    def text(key: str) -> str:
        return _str(found.get(key, (None, ""))[0])

    return CountyInfo(
        year=year,
        province=text("province"),
        city=text("city"),
        county=text("county"),
        format_version=version,
        publication_date=date,
        rollup_name=text("rollup_name"),
        note=text("note"),
    )


def read_county_info(path: str | os.PathLike[str]) -> CountyInfo:
    """The 基本信息 of a county workbook (year, county, …); ``InputError`` when it is unusable."""
    p = Path(path)
    check_package(p, file=p.name, kind="县级汇总填报表", part_limit=limits.MAX_STREAMED_PART_BYTES,
                  not_zip_code="IN-XLSX-UNREADABLE")
    try:
        wb = load_workbook(p, read_only=True, data_only=True)
        try:
            return _read_info(wb, p.name)
        finally:
            wb.close()
    except ReportgenError:
        raise
    except Exception as exc:  # the one wrapper of this reader
        raise _fail(p.name, IN_XLSX_UNREADABLE, f"工作簿已损坏，读取时出错（{type(exc).__name__}: {str(exc)[:200]}）。") from None


def _read_prose(wb: Any, sheet: str, with_township: bool) -> list[tuple[str, _Prose]]:
    if sheet not in wb.sheetnames:
        return []
    out: list[tuple[str, _Prose]] = []
    ws = wb[sheet]
    # Both sheets have four columns: 字段代码/项目 (shared) or 乡镇/字段代码 (overrides), then 标题, 文字.
    for i, row in enumerate(ws.iter_rows(min_row=2, max_col=4, values_only=True), start=2):
        cells = [*row, None, None, None, None][:4]
        township = _str(cells[0]) if with_township else ""
        code = _str(cells[1] if with_township else cells[0])
        title, text = _str(cells[2]), _text(cells[3])
        if not code and not text.strip() and not title:
            continue
        out.append((township, _Prose(code, title, text, f"{sheet}!D{i}")))
    return out


class _Builder:
    """Turns 数据 rows into reports, with the prose resolved for each township."""

    def __init__(self, file: str, info: CountyInfo, header: Sequence[tuple[str, str, str]],
                 shared: list[_Prose], overrides: dict[str, list[_Prose]]) -> None:
        self.file = file
        self.info = info
        self.version = info.format_version
        self.layout = get_layout(self.version)
        self.shared = shared
        self.overrides = overrides
        self.fields = {f.code: f for preset in self.layout.other_items for f in prose_fields(preset, self.version)}
        by_header = {fc.header: fc for fc in figure_columns(self.version)}
        self.columns: list[tuple[int, FigureColumn]] = []
        problems = Findings(file=file)
        seen: set[tuple[str, str, str]] = set()
        for j, head in enumerate(header):
            if j < len(_ID_COLUMNS) or not any(head) or head[0] == CHECK_HEADER:
                continue
            fc = by_header.get(head)
            cell = f"{DATA_SHEET}!{get_column_letter(j + 1)}1:{get_column_letter(j + 1)}{HEADER_ROWS}"
            if fc is None:
                problems.add(IN_HEADER, Location(cell=cell),
                             detail=f"表头“{' / '.join(h for h in head if h)}”不是{self.version.value}年格式的统计项。")
                continue
            seen.add(head)
            self.columns.append((j, fc))
        missing = [h for h in by_header if h not in seen]
        for head in missing[:10]:
            problems.add(IN_HEADER, Location(cell=f"{DATA_SHEET}!1:{HEADER_ROWS}"),
                         detail=f"缺少统计项“{' / '.join(head)}”的列（请用 reportgen bulk-form 生成填报表）。")
        problems.raise_if_any(f"“{DATA_SHEET}”表的表头与统计表格式不符。", location=Location(file=file))

    # -- figures -------------------------------------------------------------------------
    def build(self, r: int, row: Sequence[object]) -> CountyEntry:
        """The township of 数据 row ``r``.

        Figures are read exactly as the single fill-in form reads its cells
        (:func:`reportgen.formats.excel.read.read_form`, ``blank="zero"``): a blank cell and the zero marks
        ``/``, ``—``, ``无`` … are 0; every mistake gets the code and message of the other readers.
        """
        cells = list(row) + [None] * max(0, len(_ID_COLUMNS) - len(row))
        name = _str(cells[_COL_NAME])
        township = name or f"第{r}行"
        problems = Findings(file=self.file, organ=township)

        def at(col: int, path: str, **loc: str) -> Location:
            return Location(cell=f"{DATA_SHEET}!{get_column_letter(col + 1)}{r}", path=path, **loc)

        if not name:
            problems.add(IN_MISSING, Location(cell=f"{DATA_SHEET}!A{r}"), what="乡镇（街道）名称")
        kind_text = _str(cells[_COL_KIND])
        kind: OrganKind | None = OrganKind.STREET if name.endswith("街道") else OrganKind.TOWNSHIP
        if kind_text:
            try:
                kind = parse_organ_kind(kind_text)
            except InvalidValue:
                kind = None
                problems.organ_kind(kind_text, at(_COL_KIND, "$.organ.kind"))
        organ_name = _str(cells[_COL_ORGAN]) or _derive_organ(self.info.county, name, kind)
        try:
            date = parse_date(cells[_COL_DATE], serials=True) or self.info.publication_date
        except InvalidValue:
            date = None
            problems.date(cells[_COL_DATE], at(_COL_DATE, "$.publication_date"))
        raw_fee = cells[_COL_FEE]
        fee: Figure | None = None
        try:
            fee = parse_figure(raw_fee, "amount", blank="zero")
        except InvalidValue as exc:
            problems.figure(exc, raw_fee, at(_COL_FEE, "$.processing_fee",
                                             table=self.layout.section("other_matters").title), "amount", unit="元")

        figures: dict[str, dict[tuple[str, str], Figure]] = {t.key: {} for t in self.layout.tables}
        for j, fc in self.columns:
            value = cells[j] if j < len(cells) else None
            if type(value) is int and value >= 0 and fc.kind == "count":
                figures[fc.table][fc.ref] = value  # what parse_figure gives, for the common cell at a fifth of the cost
                continue
            try:
                figures[fc.table][fc.ref] = parse_figure(value, fc.kind, blank="zero")
            except InvalidValue as exc:
                location = self.layout.table(fc.table).cell_location(
                    fc.ref, cell=f"{DATA_SHEET}!{get_column_letter(j + 1)}{r}",
                    path=f"$.{fc.table}.rows.{fc.row}.{fc.column}")
                problems.figure(exc, value, location, fc.kind)
        if problems:
            return CountyEntry(township, _row_error(problems, township, r), r)

        organ = Organ(name=organ_name or township, kind=kind or OrganKind.OTHER, province=self.info.province,
                      city=self.info.city, county=self.info.county)
        tables = {key: Table.from_figures(key, figs, version=self.version) for key, figs in figures.items()}
        base = Report(organ=organ, year=self.info.year, format_version=self.version, publication_date=date,
                      table2=tables["table2"], table3=tables["table3"], table4=tables["table4"],
                      processing_fee=Decimal(fee) if fee is not None else Decimal(0))
        return self._with_prose(base, name, r)

    # -- prose ---------------------------------------------------------------------------
    def _with_prose(self, base: Report, township: str, r: int) -> CountyEntry:
        values = placeholder_values(base, township)
        problems = Findings(file=self.file, organ=township)
        # Later entries win: shared first, then this township's overrides.
        chosen: dict[str, _Prose] = {}
        customs: dict[str, _Prose] = {}
        order: list[str] = []
        for prose in [*self.shared, *self.overrides.get(township, [])]:
            if prose.code == _CUSTOM_ITEM:
                if not prose.title:
                    problems.add(IN_MISSING, self._prose_location(prose), **ITEM_TITLE_MISSING)
                    continue
                key = f"{_CUSTOM_ITEM}:{prose.title}"
                customs[key] = prose
            elif prose.code in self.fields:
                key = prose.code
                chosen[key] = prose
            else:
                problems.add(IN_FIELD, self._prose_location(prose),
                             detail=f"字段代码“{prose.code}”未知（可用：{'、'.join(self.fields)}、{_CUSTOM_ITEM}）。")
                continue
            if key not in order:
                order.append(key)

        def text(prose: _Prose, value: str) -> str:
            try:
                return substitute(value, values)
            except PlaceholderError as exc:
                problems.add(IN_PLACEHOLDER, self._prose_location(prose),
                             detail=f"占位符“{{{exc.name}}}”未定义（可用：{'、'.join('{' + n + '}' for n in PLACEHOLDERS)}；"
                             "花括号本身请写 {{ 或 }}）。")
                return value

        def paragraphs(code: str, *, auto: bool = False) -> tuple[str | None, tuple[str, ...] | None]:
            prose = chosen.get(code)
            if prose is None:
                return None, (None if auto else ())
            title = text(prose, prose.title) if prose.title else None
            body = text(prose, prose.text)
            lines = tuple(line for line in body.split("\n") if line.strip())
            if not lines and auto:
                return title, None
            return title, lines

        _, intro = paragraphs("overview.intro")
        parts: dict[str, Subsection] = {}
        for part in self.layout.overview_parts:
            title, paras = paragraphs(f"overview.{part.key}", auto=part.key == "on_request")
            parts[part.key] = Subsection(title=title, paragraphs=paras)
        _, note = paragraphs("review_litigation_note", auto=True)
        _, problems_text = paragraphs("problems")
        items: list[OtherItem] = []
        for key in order:
            if key.startswith(f"{_CUSTOM_ITEM}."):
                field = self.fields[key]
                title, paras = paragraphs(key, auto=key.endswith(".processing_fee"))
                items.append(OtherItem(title=title or field.title, key=key.split(".", 1)[1], paragraphs=paras))
            elif key.startswith(f"{_CUSTOM_ITEM}:"):
                prose = customs[key]
                body = text(prose, prose.text)
                items.append(OtherItem(title=text(prose, prose.title),
                                       paragraphs=tuple(line for line in body.split("\n") if line.strip())))
        if problems:
            return CountyEntry(township, _row_error(problems, township, r), r)
        report = base.evolve(
            overview=Overview(intro=intro or (), **parts),
            review_litigation_note=note,
            problems=problems_text or (),
            other_matters=tuple(items),
        )
        return CountyEntry(township, report, r)

    @staticmethod
    def _prose_location(prose: _Prose) -> Location:
        return Location(cell=prose.cell, path=prose.code)


def _row_error(problems: Findings, township: str, r: int) -> InputError:
    return problems.error(f"第{r}行（{township}）有 {{n}} 处错误。",
                          location=Location(file=problems.file, organ=township, cell=f"{DATA_SHEET}!{r}:{r}"))


def _derive_organ(county: str, name: str, kind: OrganKind | None) -> str:
    if not name:
        return ""
    suffix = {OrganKind.TOWNSHIP: "人民政府", OrganKind.STREET: "办事处"}.get(kind or OrganKind.OTHER, "")
    prefix = county if county and not name.startswith(county) else ""
    return f"{prefix}{name}{'' if name.endswith(suffix) else suffix}"


def _header(ws: Any) -> list[tuple[str, str, str]]:
    rows = [list(r) for r in ws.iter_rows(min_row=1, max_row=HEADER_ROWS, values_only=True)]
    width = max((len(r) for r in rows), default=0)
    for r in rows:
        r.extend([None] * (width - len(r)))
    while len(rows) < HEADER_ROWS:
        rows.append([None] * width)
    # Merged cells keep their text in the first cell only: fill to the right within the merge runs
    # (row 2 restarts where row 1 names a new table).
    out: list[tuple[str, str, str]] = []
    table = label = ""
    for j in range(width):
        top, middle, bottom = (_str(rows[i][j]) for i in range(HEADER_ROWS))
        if top:
            table, label = top, ""
        if middle:
            label = middle
        out.append((table, label, bottom) if j >= len(_ID_COLUMNS) else (top, middle, bottom))
    return out


def iter_county(path: str | os.PathLike[str]) -> Iterator[CountyEntry]:
    """Stream the townships of a county workbook, one :class:`CountyEntry` per 数据 row.

    Raises :class:`InputError` before the first entry when the workbook as a whole is unusable
    (no year, wrong headers).  Problems of one row make only that entry an ``InputError``.  An
    override for a township that is not in the 数据 sheet comes last, as an entry of its own.
    (:func:`stream_rows` + :func:`build_row` are the same in two steps, for building rows in other processes.)
    """
    for item in stream_rows(path):
        yield item if isinstance(item, CountyEntry) else build_row(path, item)


def read_county(path: str | os.PathLike[str]) -> list[CountyEntry]:
    """Every township of a county workbook: ``(name, Report | InputError)`` (see :func:`iter_county`)."""
    return list(iter_county(path))


# --------------------------------------------------------------------------------------------
# Rows built elsewhere: the main process of a bulk run streams the raw 数据 rows, workers build them.

RawRow = tuple[int, bytes]
"""A 数据 row as stored: ``(row number, the row's XML)`` — cut from the sheet without parsing it, so the main
process of a bulk run stays light; :func:`build_row` parses and builds it (in a worker)."""

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS = "{" + _MAIN_NS + "}"
_ROW_START = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"[^>]*?(/?)>')
_CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*?)(/?)>')
_ATTR_R = re.compile(rb'\br="([A-Z]+)\d+"')
_ATTR_T = re.compile(rb'\bt="(\w+)"')
_HAS_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is)\b")
_NAME_CELL = re.compile(rb'<c r="A\d+"(?: s="\d+")? t="(s|inlineStr)">(?:<v>(\d+)</v>|<is><t(?: xml:space="preserve")?>([^<]*)</t></is>)</c>')
_PLAIN_CELL = re.compile(
    rb'<c r="([A-Z]+)(\d+)"(?: s="(\d+)")?(?: t="(s|n|inlineStr|str|b|e)")?'  # 1 letters, 2 row, 3 style, 4 type
    rb'(?:/>|></c>|>(<f(?: [^>]*)?(?:/>|>[^<]*</f>))?(<v>[^<]*</v>|<v/>)?</c>'  # 5 formula, 6 value element
    rb'|><is><t(?: xml:space="preserve")?>([^<]*)</t></is></c>)')  # 7 inline text
"""A cell as Excel, WPS, openpyxl and bulk-form write it: a value, an inline string, or a formula with or without
its cached value (the 校验 column of every row is a formula)."""
_PLAIN_CELL_TEXT = re.compile(_PLAIN_CELL.pattern.replace(b"(", b"(?:").replace(b"(?:?:", b"(?:"))
""":data:`_PLAIN_CELL` without groups: ``findall`` gives each whole match, to check that they cover the row."""
_ROW_END = re.compile(rb"</(?:\w+:)?row>")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s/>]")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_XML = re.compile(rb"<((?:\w+:)?)c\b([^>]*?)(?:/>|>(.*?)</\1c>)", re.S)
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*>([^<]*)</(?:\w+:)?v>")
_ATTR_R_FULL = re.compile(rb'\br="([A-Z]+\d+)"')
_CELL_END = re.compile(rb"</(?:\w+:)?c>")
_TEXT_TYPES = (b"s", b"inlineStr", b"str")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_BLOCK = 1 << 20
_DATE_IDS = frozenset((*range(14, 23), 45, 46, 47))


class _County:
    """One county workbook as a process knows it: the builder (基本信息, header, prose) and how to read 数据's cells."""

    def __init__(self, path: Path) -> None:
        file = path.name
        # Limits before openpyxl inflates anything (the 数据 sheet is streamed: the large part limit).  Only
        # each part's prolog is read, so this is cheap; once per process and file version (see _context), so
        # a worker never reads a file that changed after the main process checked it.
        check_package(path, file=file, kind="县级汇总填报表", part_limit=limits.MAX_STREAMED_PART_BYTES,
                      not_zip_code="IN-XLSX-UNREADABLE")
        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            raise _fail(file, IN_XLSX_UNREADABLE, f"无法读取工作簿：{exc}") from exc
        try:
            for sheet in (INFO_SHEET, DATA_SHEET):
                if sheet not in wb.sheetnames:
                    raise _fail(file, IN_XLSX_SHEET, f"缺少工作表“{sheet}”（请用 reportgen bulk-form 生成填报表）。")
            info = _read_info(wb, file)
            shared = [prose for _, prose in _read_prose(wb, SHARED_SHEET, with_township=False)]
            overrides: dict[str, list[_Prose]] = {}
            for township, prose in _read_prose(wb, OVERRIDE_SHEET, with_township=True):
                overrides.setdefault(township, []).append(prose)
            ws = wb[DATA_SHEET]
            declared = (ws.max_row or 0) * (ws.max_column or 0)
            if declared > limits.MAX_SHEET_CELLS:
                raise _fail(file, IN_SHEET_SIZE, f"“{DATA_SHEET}”表声明 {ws.max_row} 行 × {ws.max_column} 列，超过 "
                            f"{limits.MAX_SHEET_CELLS} 个单元格的上限。")
            self.builder = _Builder(file, info, _header(ws), shared, overrides)
        finally:
            wb.close()
        self.figure_letters = frozenset(get_column_letter(j + 1) for j, _ in self.builder.columns)
        """The columns holding figures (a formula without a stored result there is IN-FORMULA)."""
        try:
            with zipfile.ZipFile(path) as package:
                self.part = _data_part(package)
                self.strings = _shared_strings(package)
                self.dates = _date_styles(package)
                self.namespaces = _namespaces(package, self.part)
        except (zipfile.BadZipFile, KeyError, OSError, StopIteration, etree.XMLSyntaxError) as exc:
            raise _fail(file, IN_XLSX_UNREADABLE, f"无法读取工作簿：{exc}") from exc
        self.columns: dict[str, int] = {}
        self.letter_columns: dict[bytes, int] = {}
        self.shared = repr((self.builder.info, self.builder.shared))
        """What every township's report depends on besides its row and overrides (for change detection)."""
        self.wrap = (b"<sheetData " + b" ".join(self.namespaces) + b">", b"</sheetData>")

    def column_of_letters(self, letters: bytes) -> int:
        """The 0-based column of a cell reference's letters (``b"AB"``), remembered."""
        index = self.letter_columns.get(letters)
        if index is None:
            index = self.letter_columns[letters] = column_index_from_string(letters.decode()) - 1
        return index

    def column(self, ref: str) -> int:
        index = self.columns.get(ref)
        if index is None:
            index = self.columns[ref] = column_index_from_string(ref.rstrip("0123456789")) - 1
        return index

    def _parse(self, xml: bytes) -> Any:
        # The row cut out of its sheet, in a root declaring the sheet's namespaces (prefixed sheets too).
        return etree.fromstring(self.wrap[0] + xml + self.wrap[1], _PARSER)

    def values(self, row: bytes) -> tuple[object, ...]:
        """The cell values of one row's XML, as openpyxl's read-only, values-only mode gives them."""
        return self.row(row)[0]

    def row(self, row: bytes) -> tuple[tuple[object, ...], list[str]]:
        """The cell values of one row's XML (as :meth:`values`) and the refs of its cells that hold a formula
        without a cached value (as :func:`_uncached_formulas`)."""
        fast = self._plain_values(row)
        if fast is not None:
            return fast
        cells: dict[int, object] = {}
        for c in self._parse(row).iter(f"{_NS}c"):
            ref = c.get("r")
            cells[self.column(ref) if ref else len(cells)] = self._value(c)
        width = max(cells, default=-1) + 1
        return tuple(cells.get(i) for i in range(width)), _uncached_formulas(row)

    def _plain_values(self, row: bytes) -> tuple[tuple[object, ...], list[str]] | None:
        """The common row — cells ``<c r s t>[<f>…</f>][<v>…</v>]</c>`` as Excel, WPS, openpyxl and bulk-form write
        them — read with one regular expression, as :meth:`_value` reads each cell; ``None`` (parse it) when
        anything else is in the row (rich text, prefixes, other attributes or types)."""
        start = row.find(b">") + 1
        end = row.rfind(b"</row>")
        if end < start:
            return None
        found = _PLAIN_CELL.findall(row, start, end)
        # every byte between the row's tags must be a plain cell: cheaper to check by length than by position
        if sum(map(len, _PLAIN_CELL_TEXT.findall(row, start, end))) != end - start:
            return None
        cells: dict[int, object] = {}
        uncached: list[str] = []
        column, strings, dates = self.column_of_letters, self.strings, self.dates
        for letters, number, style, kind, formula, element, inline in found:
            index = column(letters)
            raw = element[3:-4] if element.startswith(b"<v>") else None if not element else b""  # None: no <v>
            if formula and not (raw and raw.strip()):
                uncached.append((letters + number).decode())
            if kind == b"inlineStr":
                if inline:
                    text = inline.decode("utf-8")
                    cells[index] = (html.unescape(text) if "&" in text else text) or None  # XML's entities, &#…;
                else:
                    cells[index] = None
            elif raw is None:
                cells[index] = None
            elif kind == b"s":
                cells[index] = strings[int(raw)]
            elif kind in (b"str", b"e"):
                text = raw.decode("utf-8")
                cells[index] = html.unescape(text) if "&" in text else text
            elif kind == b"b":
                cells[index] = raw.strip() in (b"1", b"true")
            elif not raw.strip():
                cells[index] = None  # <v></v>: as openpyxl reads it (a formula never calculated writes this)
            else:
                value: int | float = float(raw) if b"." in raw or b"E" in raw or b"e" in raw else int(raw)
                cells[index] = from_excel(value) if style and int(style) in dates else value
        width = max(cells, default=-1) + 1
        return tuple(cells.get(i) for i in range(width)), uncached

    def _value(self, c: Any) -> object:
        kind = c.get("t", "n")
        if kind == "inlineStr":
            return "".join(t.text or "" for t in c.iter(f"{_NS}t")) or None
        text = c.findtext(f"{_NS}v")
        if text is None:
            return None
        if kind == "s":
            return self.strings[int(text)]
        if kind in ("str", "e"):
            return text
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "d":
            return dt.datetime.fromisoformat(text)
        if not text.strip():
            return None  # <v></v>: as openpyxl reads it (a formula never calculated writes this)
        number: int | float = float(text) if "." in text or "E" in text or "e" in text else int(text)
        style = c.get("s")
        if style is not None and int(style) in self.dates:
            return from_excel(number)
        return number

    def township(self, row: RawRow) -> str:
        """Column A of a raw row, without parsing the rest."""
        r, xml = row
        fast = _NAME_CELL.match(xml, xml.find(b">") + 1)
        if fast is not None:  # <c r="A5" s="3" t="s"><v>12</v></c> or an inline string: no parser needed
            kind, index, inline = fast.groups()
            if kind == b"s":
                return _str(self.strings[int(index)]) or f"第{r}行"
            if kind == b"inlineStr":
                text = inline.decode("utf-8")
                return _str(html.unescape(text) if "&" in text else text) or f"第{r}行"
        m = _CELL.search(xml)
        ref = _ATTR_R.search(m.group(1)) if m is not None else None
        if m is None or ref is None or ref.group(1) != b"A" or m.group(2):
            return f"第{r}行"
        end = _CELL_END.search(xml, m.end())
        if end is None:
            return f"第{r}行"
        return _str(self._value(self._parse(xml[m.start():end.end()])[0])) or f"第{r}行"

    def blank(self, xml: bytes) -> bool:
        """Whether a row holds no value at all (only styled empty cells or blank text) and no formula without
        a cached value (which is reported as IN-FORMULA, never skipped)."""
        if not _HAS_VALUE.search(xml):
            return not _uncached_formulas(xml)
        for m in _CELL.finditer(xml):
            kind = _ATTR_T.search(m.group(1))
            if not m.group(2) and (kind is None or kind.group(1) not in _TEXT_TYPES):
                return False  # a number, a date, a boolean: not blank
        values, uncached = self.row(xml)
        return not any(v is not None and str(v).strip() for v in values) and not uncached

    def cells(self, xml: bytes) -> int:
        """How many cells a row's XML holds (counted in the bytes, not parsed: cheap enough for the main process)."""
        if b":c" in xml:  # a prefixed sheet (<x:c …>): the slower, exact count
            return len(_CELL_TAG.findall(xml))
        return xml.count(b"<c ") + xml.count(b"<c>") + xml.count(b"<c/>")


def _uncached_formulas(xml: bytes) -> list[str]:
    """The refs of the cells of one row's XML that hold a formula without a cached value.

    openpyxl (and :meth:`_County.values`) reads such a cell as empty, which a figure reader would take as 0: a
    workbook whose formulas were written by a program and never recalculated by Excel/WPS.  Rows without any
    ``<f`` (nearly all) cost one search."""
    if not _FORMULA.search(xml):
        return []
    found: list[str] = []
    for cell in _CELL_XML.finditer(xml):
        body = cell.group(3) or b""
        if not _FORMULA.search(body):
            continue
        value = _VALUE.search(body)
        if value is None or not value.group(1).strip():
            ref = _ATTR_R_FULL.search(cell.group(2))
            found.append(ref.group(1).decode() if ref is not None else "?")
    return found


def _shared_strings(package: zipfile.ZipFile) -> list[str]:
    try:
        data = package.read("xl/sharedStrings.xml")
    except KeyError:
        return []
    root = etree.fromstring(data, _PARSER)
    # Rich text: the runs joined; phonetic guides (rPh) are not part of the text.
    return ["".join(t.text or "" for t in si.iter(f"{_NS}t") if getattr(t.getparent(), "tag", "") != f"{_NS}rPh")
            for si in root.iter(f"{_NS}si")]


def _date_styles(package: zipfile.ZipFile) -> frozenset[int]:
    try:
        root = etree.fromstring(package.read("xl/styles.xml"), _PARSER)
    except KeyError:
        return frozenset()
    custom = {int(f.get("numFmtId", "0")): f.get("formatCode", "") for f in root.iter(f"{_NS}numFmt")}
    xfs = root.find(f"{_NS}cellXfs")
    dates = set()
    for i, xf in enumerate(() if xfs is None else xfs.iter(f"{_NS}xf")):
        fmt = int(xf.get("numFmtId", "0"))
        if fmt in _DATE_IDS or (fmt in custom and is_date_format(custom[fmt])):
            dates.add(i)
    return frozenset(dates)


_CONTEXTS: dict[tuple[str, int, int], _County] = {}


def _context(path: str | os.PathLike[str]) -> _County:
    """The workbook's 基本信息, header, prose and cell formats, read once per process (a changed file is read again)."""
    name = os.fspath(path)
    try:
        stat = os.stat(name)
    except OSError as exc:
        raise _fail(Path(name).name, IN_XLSX_UNREADABLE, f"无法读取工作簿：{exc}") from exc
    key = (name, stat.st_mtime_ns, stat.st_size)
    county = _CONTEXTS.get(key)
    if county is None:
        try:
            county = _County(Path(name))
        except ReportgenError:
            raise
        except Exception as exc:  # the one wrapper of this reader (in a worker too): openpyxl, zlib, lxml
            raise _fail(Path(name).name, IN_XLSX_UNREADABLE,
                        f"工作簿已损坏，读取时出错（{type(exc).__name__}: {str(exc)[:200]}）。") from None
        if len(_CONTEXTS) >= 8:
            _CONTEXTS.pop(next(iter(_CONTEXTS)))
        _CONTEXTS[key] = county
    return county


def row_township(path: str | os.PathLike[str], row: RawRow) -> str:
    """The township a raw row names (column A), or ``第N行`` when it is blank — as :func:`build_row` names it."""
    return _context(path).township(row)


def row_context(path: str | os.PathLike[str], township: str) -> str:
    """What a township's report depends on besides its row (基本信息, shared prose, its overrides), as text."""
    county = _context(path)
    return f"{county.shared}|{county.builder.overrides.get(township, [])!r}"


def _namespaces(package: zipfile.ZipFile, part: str) -> list[bytes]:
    """The namespace declarations of a sheet's root element (``xmlns="…"``, ``xmlns:x="…"``)."""
    with package.open(part) as stream:
        head = stream.read(4096)
    root = re.search(rb"<(?:\w+:)?worksheet\b([^>]*)>", head)
    found = re.findall(rb'xmlns(?::\w+)?="[^"]*"', root.group(1)) if root is not None else []
    return found or [b'xmlns="' + _MAIN_NS.encode() + b'"']


def _raw_rows(path: Path, part: str, file: str) -> Iterator[RawRow]:
    """The rows of a sheet as XML, cut at row boundaries while the zip member streams (constant memory).

    The rows are parsed where they are built (:func:`build_row`); what stands around them (the sheet's head
    up to ``<sheetData>``, and after ``</sheetData>`` its merges, validations, page setup) is checked as XML
    here, so a sheet damaged outside its rows is refused as the openpyxl readers refuse it."""
    with zipfile.ZipFile(path) as package, package.open(part) as stream:
        buffer = b""
        head: bytes | None = None
        search_from = 0  # where a row may still start in buffer (no rescan of a long tail block after block)
        while True:
            block = stream.read(_BLOCK)
            buffer += block
            pos = 0
            while (start := _ROW_START.search(buffer, max(pos, search_from))) is not None:
                search_from = 0
                if head is None:
                    head = buffer[:start.start()]
                if start.group(2):  # <row r="5"/>: nothing in it
                    pos = start.end()
                    continue
                end = _ROW_END.search(buffer, start.end())
                if end is None:
                    pos = start.start()
                    break  # the rest of this row comes with the next block
                yield int(start.group(1)), buffer[start.start():end.end()]
                pos = end.end()
            else:
                search_from = max(0, len(buffer) - pos - 4096)  # a row's start tag is far shorter
            buffer = buffer[pos:]
            if not block:
                break
    parse_xml(buffer if head is None else head + buffer, file=file, part=part)


def stream_rows(path: str | os.PathLike[str]) -> Iterator[RawRow | CountyEntry]:
    """The 数据 rows of a county workbook, raw and in order (streamed, constant memory), then an entry
    for each 分别文字 township that is not in 数据 (:func:`iter_county` yields the same, built).

    Raises :class:`InputError` before the first row when the workbook as a whole is unusable.  Build each
    row with :func:`build_row` — in any process that can read ``path``.
    """
    p = Path(path)
    try:
        county = _context(p)  # checks the package, validates 基本信息 and the header first
        builder = county.builder
        seen: set[int] = set()  # hash() of each township name: a county's names are not kept a second time
        # Every row is read whatever <dimension> says (the rows are cut from the XML), so the declared size
        # checked in _County is not the only limit: the cells are counted as the rows go by.
        read_cells = 0
        for row in _raw_rows(p, county.part, builder.file):
            if row[0] <= HEADER_ROWS:
                continue
            read_cells += county.cells(row[1])
            if read_cells > limits.MAX_SHEET_CELLS:  # a sheet without (or lying in) its <dimension>
                raise _fail(builder.file, IN_SHEET_SIZE, f"“{DATA_SHEET}”表超过 {limits.MAX_SHEET_CELLS} 个单元格的上限"
                            f"（读到第 {row[0]} 行）。")
            if county.blank(row[1]):
                continue
            seen.add(hash(county.township(row)))
            yield row
    except ReportgenError:
        raise
    except Exception as exc:  # the one wrapper of this reader: openpyxl, zlib, lxml on a damaged workbook
        raise _fail(p.name, IN_XLSX_UNREADABLE,
                    f"工作簿已损坏，读取时出错（{type(exc).__name__}: {str(exc)[:200]}）。") from None
    for township, items in builder.overrides.items():
        if hash(township) not in seen:
            cells = "、".join(p.cell for p in items[:3])
            yield CountyEntry(township or "（未填乡镇）", _fail(
                builder.file, IN_UNKNOWN_TOWNSHIP,
                f"“{OVERRIDE_SHEET}”表中的乡镇（街道）“{township}”不在“{DATA_SHEET}”表中（{cells}）。",
                cell=items[0].cell))


def build_row(path: str | os.PathLike[str], row: RawRow) -> CountyEntry:
    """The township of one raw row of :func:`stream_rows` (its report, or why it cannot be read)."""
    county = _context(path)
    r, xml = row
    file = county.builder.file
    # only figure cells: the 校验 column is formulas by design (Excel/WPS compute it; reportgen checks itself)
    figure_letters = county.figure_letters
    try:
        values, formulas = county.row(xml)
        uncached = [ref for ref in formulas if ref.rstrip("0123456789") in figure_letters]
    except Exception as exc:  # a damaged row: only this township fails
        return CountyEntry(f"第{r}行", _fail(file, IN_XLSX_UNREADABLE, f"第{r}行已损坏，读取时出错（{type(exc).__name__}: "
                                          f"{str(exc)[:200]}）。", cell=f"{DATA_SHEET}!{r}:{r}"), r)
    long = next((v for v in values if isinstance(v, str) and len(v) > limits.MAX_TEXT_CHARS), None)
    if long is not None:
        return CountyEntry(f"第{r}行", _fail(file, IN_TEXT_LENGTH, f"第{r}行有一个单元格有 {len(long)} 个字符，超过 "
                                          f"{limits.MAX_TEXT_CHARS} 个字符的上限。", cell=f"{DATA_SHEET}!{r}:{r}"), r)
    if uncached:  # read as empty: never as 0
        refs = "、".join(f"{DATA_SHEET}!{ref}" for ref in uncached[:5])
        name = _str(values[_COL_NAME]) if len(values) > _COL_NAME else ""
        return CountyEntry(name or f"第{r}行", _fail(
            file, IN_FORMULA, f"{refs} 是没有计算结果的公式（文件未经 Excel/WPS 重新计算并保存），不能当作 0 读取；"
            "请用 Excel/WPS 打开后保存，或填入数字。", cell=f"{DATA_SHEET}!{uncached[0]}"), r)
    return county.builder.build(r, values)
