"""The geometry of reportgen's workbooks, shared by the writer and the readers: sheet names, the rows of the
info sheet, the label rows, where each table's grid starts and the 内容来源 words.

Both :mod:`reportgen.formats.excel.write` (which draws the workbook and the fill-in form) and the readers
(:mod:`reportgen.formats.excel.read`, :mod:`reportgen.formats.excel.county`) stand on this module, so a
reader never imports a writer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from openpyxl.utils import get_column_letter

from reportgen.domain.layout import FormatVersion, GridCell, TableLayout, get_layout

__all__ = [
    "FINDINGS_SHEET",
    "FORM_BLANK_ITEMS",
    "GRID_TOP",
    "INFO_FIELDS",
    "INFO_FIELD_ROW",
    "INFO_HEADERS",
    "INFO_HEADER_ROW",
    "INFO_SHEET",
    "INTRO_LABEL",
    "MAX_CELL_TEXT",
    "NOTE_LABEL",
    "OTHER_LABEL",
    "PROBLEMS_LABEL",
    "PROSE_TOP",
    "SECTION_TITLE_ROWS",
    "STATED_LABEL",
    "STATUS_ADDED",
    "STATUS_DEFAULT",
    "STATUS_GIVEN",
    "grid_coord",
    "sheet_coord",
    "sheet_title",
    "table_sheet_title",
]

INFO_SHEET = "报告信息"
FINDINGS_SHEET = "检查结果"
GRID_TOP = 3
"""Worksheet row (1-based) of grid row 0 of every table sheet: row 1 is the title, row 2 the organ."""

# Info sheet: column headers (A–E), the fixed fields, and where the prose starts.
INFO_HEADERS = ("项目", "标题", "内容", "内容来源", "事项代码")
INFO_HEADER_ROW = 8
INFO_FIELDS: tuple[tuple[str, str], ...] = (
    ("organ.name", "机关名称"),
    ("organ.kind", "机关类型"),
    ("organ.province", "所在省（自治区、直辖市）"),
    ("organ.city", "所在市（地、州、盟）"),
    ("organ.county", "所在县（市、区、旗）"),
    ("year", "报告年度"),
    ("format_version", "格式版本"),
    ("publication_date", "发布日期"),
    ("processing_fee", "信息处理费（元）"),
)
INFO_FIELD_ROW = {key: INFO_HEADER_ROW + 1 + i for i, (key, _) in enumerate(INFO_FIELDS)}
PROSE_TOP = INFO_HEADER_ROW + 1 + len(INFO_FIELDS)
"""First row of the prose block (generated per report)."""
# The 项目 labels of the prose rows: the official section titles (the same in both format versions).
SECTIONS_LAYOUT = get_layout(FormatVersion.V2021)
INTRO_LABEL = SECTIONS_LAYOUT.section("overview").title
NOTE_LABEL = f"{SECTIONS_LAYOUT.section('table4').title}（表下说明）"
PROBLEMS_LABEL = SECTIONS_LAYOUT.section("problems").title
OTHER_LABEL = SECTIONS_LAYOUT.section("other_matters").title
SECTION_TITLE_ROWS: Mapping[str, str] = {INTRO_LABEL: "overview", NOTE_LABEL: "table4", PROBLEMS_LABEL: "problems"}
"""Prose rows whose 标题 cell holds the section's chosen heading (:attr:`Report.section_titles`; empty: official)."""
STATED_LABEL = "填报的合计数"
STATUS_GIVEN = "填写"
"""内容来源: the text is the user's (an empty cell then means "deliberately nothing")."""
STATUS_DEFAULT = "未填写"
"""内容来源: nothing was given; the text shown is the generated default."""
STATUS_ADDED = "自动添加"
"""内容来源: the 信息处理费 item of 六, added because every report must state it."""
FORM_BLANK_ITEMS = 5
"""Empty 六 rows offered in the blank form."""
MAX_CELL_TEXT = 32767
"""Excel's limit of characters in one cell."""

XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters an XML 1.0 document (and so a workbook) cannot hold."""
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(text: str) -> str:
    """``text`` as a valid worksheet name: forbidden characters replaced, at most 31 characters."""
    name = _SHEET_FORBIDDEN.sub("_", XML_ILLEGAL.sub("", text)).strip("'")
    return name[:31] or "Sheet"


def table_sheet_title(table: TableLayout) -> str:
    """The sheet of a table is named by its section title, e.g. ``三、收到和处理政府信息公开申请情况``."""
    return sheet_title(table.title)


def sheet_coord(row: int, col: int) -> str:
    """Worksheet coordinate of 1-based ``row`` and 0-based grid ``col``."""
    return f"{get_column_letter(col + 1)}{row}"


def grid_coord(cell: GridCell) -> str:
    """The worksheet coordinate of a grid cell's anchor."""
    return sheet_coord(GRID_TOP + cell.row, cell.col)


