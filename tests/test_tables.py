"""The plain-table writer (summary.xlsx, audit.xlsx) and the one tabular form of a finding."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reportgen.domain.findings import FINDING_COLUMNS, Finding, Location, LocationStyle, Severity, finding_columns
from reportgen.formats.excel._tables import HEADER_FILL, write_table


@pytest.mark.parametrize("write_only", [False, True])
def test_text_stays_text_amounts_stay_exact(tmp_path: Path, write_only: bool) -> None:
    """Formula-looking text is stored as text, control characters are dropped, amounts keep their digits; the
    header is bold on the shared fill, frozen and filtered — on ordinary and on streaming sheets alike."""
    wb = openpyxl.Workbook(write_only=write_only)
    ws = wb.create_sheet("表") if write_only else wb.active
    rows = [("=SUM(A1:A9)", Decimal("1.50"), Decimal("3.000"), "a\x01b"), ("+1", 2, None, "@x")]
    assert write_table(ws, ("甲", "乙", "丙", "丁"), rows, (10, 10, 10, 10)) == 3
    wb.save(tmp_path / "t.xlsx")
    back = openpyxl.load_workbook(tmp_path / "t.xlsx")["表" if write_only else ws.title]
    assert [tuple(c.value for c in row) for row in back.iter_rows()] == [
        ("甲", "乙", "丙", "丁"), ("=SUM(A1:A9)", "1.50", 3, "ab"), ("+1", 2, None, "@x")]
    assert back["A2"].data_type == "s"
    assert back["A1"].font.bold
    assert back["A1"].fill.fgColor.rgb.endswith(HEADER_FILL.fgColor.rgb[-6:])
    assert back.freeze_panes == "A2"
    assert back.auto_filter.ref == "A1:D3"


def test_widths_must_match_the_header() -> None:
    """A width per column: a mismatch is a programming error, caught before anything is written."""
    with pytest.raises(ValueError, match="3 columns but 2 widths"):
        write_table(openpyxl.Workbook().active, ("a", "b", "c"), [], (1, 2))


_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=8)


@given(
    where=st.sampled_from(["phrase", "brief", "parts"]),
    table=st.none() | _text, row=st.none() | _text, column=st.none() | _text, path=st.none() | _text,
    expected=st.none() | st.integers() | _text,
)
def test_a_finding_fills_exactly_its_columns(
    where: LocationStyle, table: str | None, row: str | None, column: str | None, path: str | None,
    expected: int | str | None,
) -> None:
    """Finding.cells() gives one value per column of finding_columns() for every location style, with the code,
    severity, expected value and message under their headers."""
    finding = Finding(code="T3-BALANCE", severity=Severity.ERROR, message="不平衡", expected=expected,
                      location=Location(table=table, row=row, column=column, path=path))
    columns = finding_columns(where)
    cells = dict(zip(columns, finding.cells(where), strict=True))
    assert (cells["代码"], cells["严重程度"], cells["期望"], cells["说明"]) == ("T3-BALANCE", "错误", expected, "不平衡")
    if where == "parts":
        assert (cells["表格"], cells["行"], cells["列"], cells["其他位置"]) == (table or "", row or "", column or "",
                                                                           path or "")
    else:
        place = finding.location.describe() if where == "phrase" else finding.location.brief()
        assert cells["位置"] == place
    assert finding_columns() == FINDING_COLUMNS


def test_brief_location() -> None:
    """The terse place inside a report: table / row / column, else the cell or the input path."""
    assert Location(file="a.yaml", table="表三", column="自然人").brief() == "表三 / 自然人"
    assert Location(cell="表三!E7", path="$.x").brief() == "表三!E7 / $.x"
    assert Location(file="a.yaml").brief() == ""
