"""One writer for the plain tables of reportgen's workbooks: a header row, then one row per record.

``summary.xlsx`` of a bulk run, ``audit.xlsx`` and the layout of the findings sheet of the companion
workbook share it, so they look alike (bold header on a light fill, frozen header row, an autofilter,
wrapped top-aligned text) and treat values alike:

- text stays text — a name or message starting with ``=``, ``+``, ``-`` or ``@`` is never a formula;
- characters XML cannot hold (control characters a user typed) are dropped instead of breaking the file;
- an amount keeps its exact digits: integral ``Decimal`` values become integers, others text (``1.50``).

Works on ordinary and on write-only (streaming) worksheets.  The official tables of the companion
workbook are not plain tables; they are drawn by :mod:`reportgen.formats.excel.write`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

__all__ = ["HEADER_FILL", "HEADER_FONT", "TEXT_ALIGNMENT", "format_table_sheet", "table_value", "write_table"]

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TEXT_ALIGNMENT = Alignment(wrap_text=True, vertical="top")

CellValue = str | int | float | Decimal | None


def table_value(value: object) -> str | int | float | None:
    """``value`` as a plain table stores it (see the module docstring); ``None`` stays empty."""
    if value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else format(value, "f")
    return str(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def format_table_sheet(ws: Any, widths: Sequence[float], *, rows: int | None = None) -> None:
    """Column widths, a frozen header row and the print set-up (A4 landscape, fit to the page width, the
    header row repeated); with ``rows`` (header included), an autofilter over them.

    On a write-only worksheet call it before the first row is written.
    """
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    # Printed: A4 landscape, all columns on one page width, the header row on every page.
    ws.page_setup.paperSize = 9
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    if rows is not None:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(widths))}{max(rows, 1)}"


def _cell(ws: Any, value: object, *, header: bool) -> Any:
    cell = WriteOnlyCell(ws, value=table_value(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"  # names and messages are text, never formulas (= + - @)
        cell.alignment = TEXT_ALIGNMENT
    if header:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    return cell


def write_table(
    ws: Any,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    widths: Sequence[float],
    *,
    autofilter: bool = True,
    n_rows: int | None = None,
) -> int:
    """Append ``header`` and ``rows`` to the (empty) worksheet ``ws``; returns the number of rows written.

    ``widths``: one column width per header column.  ``autofilter``: filter buttons on the header; on a
    write-only sheet the range must be known before the rows are streamed, so give ``n_rows`` (the data
    rows) when ``rows`` is an iterator rather than a sequence (else it is materialised first).
    """
    if len(widths) != len(header):
        raise ValueError(f"{len(header)} columns but {len(widths)} widths")
    if autofilter and n_rows is None:
        rows = rows if isinstance(rows, Sequence) else list(rows)
        n_rows = len(rows)
    format_table_sheet(ws, widths, rows=None if not autofilter or n_rows is None else n_rows + 1)
    ws.append([_cell(ws, h, header=True) for h in header])
    written = 1
    for row in rows:
        ws.append([_cell(ws, value, header=False) for value in row])
        written += 1
    return written
