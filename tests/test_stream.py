"""Streamed plain tables (formats/excel/stream.py): what openpyxl reads back, text never a formula, formulas with values."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from reportgen.formats.excel._tables import HEADER_FILL
from reportgen.formats.excel.stream import Formula, StreamTable, write_tables


def test_streamed_tables_read_back_with_their_look(tmp_path: Path) -> None:
    """Values, sheet names, widths, the bold filled header, frozen row, autofilter, print set-up and the
    print titles are all there when openpyxl reads the workbook."""
    path = write_tables(tmp_path / "t.xlsx", [
        StreamTable("甲 'sheet'", ("名称", "数"), iter([("一", 1), ("二", Decimal("1.50")), (None, Decimal(3))]), (20, 8)),
        StreamTable("乙", ("a",), [("x",)], (10,), autofilter=False),
    ])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["甲 'sheet'", "乙"]
    ws = wb["甲 'sheet'"]
    assert list(ws.iter_rows(values_only=True)) == [("名称", "数"), ("一", 1), ("二", "1.50"), (None, 3)]
    assert ws["A1"].font.b
    assert ws["A1"].fill.fgColor.rgb == HEADER_FILL.fgColor.rgb
    assert ws["A2"].alignment.wrap_text
    assert ws["A2"].alignment.vertical == "top"
    assert ws.column_dimensions["A"].width == 20
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:B4"
    assert wb["乙"].auto_filter.ref is None
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == wb["乙"].print_title_rows == "$1:$1"


def test_text_is_never_a_formula_and_illegal_characters_go(tmp_path: Path) -> None:
    """User text starting with = + - @ stays text; control characters XML cannot hold are dropped; & < > survive."""
    texts = ["=1+1", "+SUM(A1)", "-3", "@x", "a\x01b\x1fc", "<b>&amp;</b>"]
    path = write_tables(tmp_path / "t.xlsx", [StreamTable("s", ("t",), [(t,) for t in texts], (10,))])
    ws = openpyxl.load_workbook(path)["s"]
    cells = [row[0] for row in ws.iter_rows(min_row=2)]
    assert [c.value for c in cells] == ["=1+1", "+SUM(A1)", "-3", "@x", "abc", "<b>&amp;</b>"]
    assert all(c.data_type == "s" for c in cells)


def test_a_formula_carries_its_value(tmp_path: Path) -> None:
    """A Formula is a live formula for a reader that calculates and its value for one that does not."""
    path = write_tables(tmp_path / "t.xlsx", [StreamTable("s", ("a", "b"), [
        (1, "是"), (2, "否"), (Formula('SUMIF(B2:B3,"是",A2:A3)', 1), Formula("A2/3", Decimal("0.50")))], (8, 8))])
    assert openpyxl.load_workbook(path)["s"]["A4"].value == '=SUMIF(B2:B3,"是",A2:A3)'
    values = openpyxl.load_workbook(path, data_only=True)["s"]
    assert (values["A4"].value, values["B4"].value) == (1, 0.5)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=5))
def test_any_text_reads_back_as_text(texts: list[str]) -> None:
    """Any text reads back as it was, less the characters XML cannot hold (and a lone CR, which XML turns into LF)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write_tables(Path(tmp) / "t.xlsx", [StreamTable("s", ("t",), [(t,) for t in texts], (10,))])
        ws = openpyxl.load_workbook(path)["s"]
        got = [row[0] for row in ws.iter_rows(min_row=2, values_only=True)]
    want = [ILLEGAL_CHARACTERS_RE.sub("", t).replace("\r\n", "\n").replace("\r", "\n") or None for t in texts]
    assert [g if g != "" else None for g in got] == want
