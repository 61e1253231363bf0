"""Where a finding is in the workbook a report came from: a check's table / row / column location (or input path)
turned into the ``sheet!cell`` the user typed it in — the fill-in form's grids and info sheet, or one row of the
county workbook's 数据 sheet.

Check findings know only the report (table, row label, column label, section); an Excel user needs the cell.
The geometry comes from :mod:`reportgen.formats.excel.sheets` (the form) and the county workbook's column order
(:func:`reportgen.formats.excel.county.figure_columns`), so the writer, the readers and these locations agree.
An input path (``$.table3.rows…``) is never shown for a workbook: it is replaced by the cell, or dropped.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import attrs
from openpyxl.utils import get_column_letter

from reportgen.domain.findings import Finding, Location
from reportgen.domain.layout import FormatLayout, FormatVersion, TableLayout, get_layout
from reportgen.formats.excel.county import DATA_SHEET, figure_columns
from reportgen.formats.excel.sheets import INFO_FIELD_ROW, INFO_SHEET, PROSE_TOP, grid_coord, table_sheet_title

__all__ = ["county_locator", "form_locator", "locate_findings"]

Locator = Callable[[Location], str | None]
"""A location → the ``sheet!cell`` (or range) it stands for in one workbook, or ``None`` when none does."""

_COUNTY_ID_COLUMNS = 5
"""乡镇（街道）, 机关名称, 机关类型, 发布日期, 信息处理费（元）: the figure columns start after them."""
_COUNTY_FIELD_COLUMN = {"$.organ.name": 2, "$.organ.kind": 3, "$.publication_date": 4, "$.processing_fee": 5}


def _table_of(layout: FormatLayout, name: str | None) -> TableLayout | None:
    return next((t for t in layout.tables if name in (t.name, t.title)), None) if name else None


def _refs_at(table: TableLayout, row: str | None, column: str | None) -> list[tuple[str, str]]:
    """The figures of ``table`` under the row label and/or column label (either may be missing)."""
    refs = []
    for ref in table.refs():
        if row is not None and table.row_label(ref[0]) != row and table.row(ref[0]).label != row:
            continue
        if column is not None and table.column(ref[1]).label != column:
            continue
        refs.append(ref)
    return refs


def _span(coords: list[str]) -> str:
    return coords[0] if len(coords) == 1 else f"{coords[0]}:{coords[-1]}"


@functools.cache
def _prose_rows(version: FormatVersion) -> dict[str, int]:
    """Section and overview-part titles → their row on the info sheet (the order :mod:`write` draws them in)."""
    layout = get_layout(version)
    rows = {layout.section("overview").title: PROSE_TOP}
    for i, part in enumerate(layout.overview_parts, start=1):
        rows[part.title] = PROSE_TOP + i
    after = PROSE_TOP + 1 + len(layout.overview_parts)
    rows[layout.section("table4").title] = after
    rows[layout.section("problems").title] = after + 1
    rows[layout.section("other_matters").title] = after + 2
    return rows


def form_locator(version: FormatVersion) -> Locator:
    """The cells of the fill-in form (or a rendered companion workbook) of ``version``."""
    layout = get_layout(version)

    def locate(loc: Location) -> str | None:
        table = _table_of(layout, loc.table)
        if table is not None:
            refs = _refs_at(table, loc.row, loc.column)
            if not refs:
                return f"{table_sheet_title(table)}!A1"
            return f"{table_sheet_title(table)}!{_span([grid_coord(table.figure_cell(r)) for r in refs])}"
        if loc.path is not None:
            field = loc.path.removeprefix("$.")
            if field in INFO_FIELD_ROW:
                return f"{INFO_SHEET}!C{INFO_FIELD_ROW[field]}"
        if loc.table:
            rows = _prose_rows(version)
            # "一、总体情况 （二）依申请公开": the part's own row; "一、总体情况" with $.overview: the whole overview.
            hits = [n for title, n in rows.items() if title in loc.table]
            if hits:
                if loc.path == "$.overview":
                    return f"{INFO_SHEET}!C{PROSE_TOP}:C{PROSE_TOP + len(layout.overview_parts)}"
                return f"{INFO_SHEET}!C{max(hits)}"
        return None

    return locate


@functools.cache
def _county_columns(version: FormatVersion) -> dict[tuple[str, str, str], int]:
    """``(table, row, column)`` → the 数据 sheet's column number (made once: a bulk run asks per row)."""
    return {(fc.table, fc.row, fc.column): j
            for j, fc in enumerate(figure_columns(version), start=_COUNTY_ID_COLUMNS + 1)}


def county_locator(version: FormatVersion, row: int) -> Locator:
    """The cells of 数据 row ``row`` of a county workbook of ``version`` (prose: the row itself)."""
    columns = _county_columns(version)
    layout = get_layout(version)

    def locate(loc: Location) -> str | None:
        table = _table_of(layout, loc.table)
        if table is not None:
            refs = [r for r in _refs_at(table, loc.row, loc.column) if (table.key, *r) in columns]
            if refs:
                letters = sorted({columns[(table.key, *r)] for r in refs})
                return f"{DATA_SHEET}!{_span([f'{get_column_letter(c)}{row}' for c in letters])}"
        if loc.path in _COUNTY_FIELD_COLUMN:
            return f"{DATA_SHEET}!{get_column_letter(_COUNTY_FIELD_COLUMN[loc.path])}{row}"
        return f"{DATA_SHEET}!{row}:{row}"

    return locate


def locate_findings(findings: tuple[Finding, ...], locate: Locator) -> tuple[Finding, ...]:
    """``findings`` with a ``sheet!cell`` each (those that have one keep it) and no input path."""
    out = []
    for finding in findings:
        loc = finding.location
        cell = loc.cell or locate(loc)
        out.append(attrs.evolve(finding, location=attrs.evolve(loc, cell=cell, path=None)))
    return tuple(out)
