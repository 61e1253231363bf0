"""The companion workbook: official labels and merges, numbers, live totals with cached values, round trips."""

from __future__ import annotations

import html
import io
import re
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from reportgen.domain.checks import check
from reportgen.domain.findings import Finding, Location, Severity
from reportgen.domain.layout import FormatVersion, TableLayout
from reportgen.domain.model import Organ, OtherItem, Overview, Report, Subsection, Table
from reportgen.domain.prose import report_text
from reportgen.formats.excel.read import read_form
from reportgen.formats.excel.sheets import FINDINGS_SHEET, GRID_TOP, INFO_SHEET, grid_coord, table_sheet_title
from reportgen.formats.excel.write import (
    _reference_workbook_bytes,
    check_cells,
    check_row,
    openpyxl_workbook,
    render_xlsx,
    workbook_bytes,
)
from reportgen.formats.ooxml import package
from tests.strategies import reports


@pytest.fixture
def rendered(busy_report: Report, tmp_path: Path) -> Path:
    return render_xlsx(busy_report, tmp_path / "busy.xlsx")


def _merges(ws: Any, table: TableLayout | None = None) -> set[tuple[int, int, int, int]]:
    """Merged ranges; with ``table``, those of the grid only (not the 校验 row, column and summary)."""
    ranges = {(r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells.ranges}
    if table is None:
        return ranges
    return {m for m in ranges if m[0] < check_row(table) and m[1] <= table.n_cols}


def _layout_merges(table: TableLayout) -> set[tuple[int, int, int, int]]:
    out = {(1, 1, 1, table.n_cols), (2, 1, 2, table.n_cols)}  # title and organ rows
    for c in table.cells:
        if c.rowspan > 1 or c.colspan > 1:
            out.add((GRID_TOP + c.row, c.col + 1, GRID_TOP + c.last_row, c.last_col + 1))
    return out


def test_every_label_and_figure_where_the_layout_puts_it(busy_report: Report, rendered: Path) -> None:
    """Each label of every table sits verbatim at its grid cell; each figure is a number there (openpyxl)."""
    wb = openpyxl.load_workbook(rendered, data_only=True)
    for table in busy_report.layout.tables:
        ws = wb[table_sheet_title(table)]
        data = busy_report.table(table.key)
        for cell in table.cells:
            value = ws[grid_coord(cell)].value
            if cell.ref is None:
                assert value == cell.text
            elif table.kind(cell.ref) == "amount":
                assert Decimal(repr(value)) == data[cell.ref]
            else:
                assert value == data[cell.ref]
                assert isinstance(value, int)


def test_merged_regions_equal_the_layout_spans(busy_report: Report, rendered: Path) -> None:
    """Every merged range of a table sheet is a layout cell's span (plus the title rows), and nothing else."""
    wb = openpyxl.load_workbook(rendered)
    for table in busy_report.layout.tables:
        assert _merges(wb[table_sheet_title(table)], table) == _layout_merges(table)


def test_every_cell_of_a_merged_region_has_borders(busy_report: Report, rendered: Path) -> None:
    """Every cell of a merged region is written with borders, so the region's outline is drawn all round."""
    wb = openpyxl.load_workbook(rendered)
    with zipfile.ZipFile(rendered) as z:
        xml = {n: z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")}
    for i, table in enumerate(busy_report.layout.tables):
        ws = wb[table_sheet_title(table)]
        written = set(re.findall(r'<c r="([A-Z]+[0-9]+)" s="', xml[f"xl/worksheets/sheet{i + 2}.xml"]))
        for c in table.cells:
            top, left, bottom, right = GRID_TOP + c.row, c.col + 1, GRID_TOP + c.last_row, c.last_col + 1
            for r in range(top, bottom + 1):
                for col in range(left, right + 1):
                    assert ws.cell(r, col).coordinate in written
                    border = ws.cell(r, col).border
                    assert r != top or border.top.style == "thin"
                    assert r != bottom or border.bottom.style == "thin"
                    assert col != left or border.left.style == "thin"
                    assert col != right or border.right.style == "thin"


def test_totals_are_live_formulas_with_cached_values(busy_report: Report, rendered: Path) -> None:
    """Every computed total is a =SUM formula, and readers that do not calculate see its value."""
    formulas = openpyxl.load_workbook(rendered)
    values = openpyxl.load_workbook(rendered, data_only=True)
    calamine = CalamineWorkbook.from_path(str(rendered))
    n = 0
    for table in busy_report.layout.tables:
        title = table_sheet_title(table)
        grid = calamine.get_sheet_by_name(title).to_python()
        for cell in table.cells:
            if cell.ref is None or not table.is_computed(cell.ref):
                continue
            coord = grid_coord(cell)
            assert re.fullmatch(r"=SUM\([A-Z0-9:,]+\)", formulas[title][coord].value)
            expected = busy_report.table(table.key)[cell.ref]
            assert values[title][coord].value == expected
            assert grid[GRID_TOP + cell.row - 1][cell.col] == expected
            n += 1
    assert n == 25 + 6 + 3  # table 三: the 总计 column of 25 rows and （七）总计 across 6 more; table 四: 3
    assert values[table_sheet_title(busy_report.layout.table("table3"))]["J29"].value == 16


def test_pandas_reads_the_same_figures(busy_report: Report, rendered: Path) -> None:
    """pandas (calamine engine) sees the leaf figures and totals at their grid cells."""
    pd = pytest.importorskip("pandas")
    table = busy_report.layout.table("table3")
    frame = pd.read_excel(rendered, sheet_name=table_sheet_title(table), header=None, engine="calamine")
    for ref in table.refs():
        cell = table.figure_cell(ref)
        assert frame.iat[GRID_TOP + cell.row - 1, cell.col] == busy_report.table3[ref]


def test_print_setup(busy_report: Report, rendered: Path) -> None:
    """A4, fit to one page wide, header rows repeated, table 四 landscape; sheets protected."""
    wb = openpyxl.load_workbook(rendered)
    for table in busy_report.layout.tables:
        ws = wb[table_sheet_title(table)]
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.page_setup.fitToWidth == 1
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        if table.header_rows:
            assert ws.print_title_rows == f"${GRID_TOP}:${GRID_TOP + table.header_rows - 1}"
        assert ws.page_setup.orientation == ("landscape" if table.key == "table4" else "portrait")
        assert ws.protection.sheet


def test_info_sheet_holds_the_printed_prose(busy_report: Report, rendered: Path) -> None:
    """The info sheet shows organ, year, version and every printed paragraph, defaults included."""
    ws = openpyxl.load_workbook(rendered, data_only=True)[INFO_SHEET]
    cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    text = "\n".join(cells)
    assert busy_report.organ.name in cells
    assert "2021" in cells
    for _, paragraph in report_text(busy_report).all_paragraphs():
        assert paragraph in text


def test_round_trip_of_the_busy_report(busy_report: Report, rendered: Path) -> None:
    """Reading the rendered workbook gives back the report, prose and None-for-defaults included."""
    assert read_form(rendered) == busy_report


def test_fee_precision_is_kept(busy_report: Report, tmp_path: Path) -> None:
    """An amount keeps exactly the decimals given, trailing zeros too (number format carries them)."""
    report = busy_report.evolve(
        table2=busy_report.table2.replace(("administrative_fees", "amount"), Decimal("9116.30")),
        processing_fee=Decimal("12.50"),
    )
    back = read_form(render_xlsx(report, tmp_path / "fee.xlsx"))
    assert str(back.table2[("administrative_fees", "amount")]) == "9116.30"
    assert str(back.processing_fee) == "12.50"
    table = report.layout.table("table2")
    ws = openpyxl.load_workbook(tmp_path / "fee.xlsx")[table_sheet_title(table)]
    assert ws[grid_coord(table.figure_cell(("administrative_fees", "amount")))].number_format == "0.00"


def test_stated_totals_round_trip(busy_report: Report, tmp_path: Path) -> None:
    """Totals an input wrote down (kept for the checks) survive the workbook; the cells still show formulas."""
    t3 = Table.from_figures("table3", dict(busy_report.table3.figures), stated={("results_total", "total"): 99})
    report = busy_report.evolve(table3=t3)
    path = render_xlsx(report, tmp_path / "stated.xlsx")
    assert read_form(path) == report
    ws = openpyxl.load_workbook(path, data_only=True)[table_sheet_title(report.layout.table("table3"))]
    assert ws["J29"].value == 16


HOSTILE = ("=1+1", "+SUM(A1:A2)", "-2+3", "@cmd", "=HYPERLINK(\"http://x\")", "A & B <c> \"d\"")


def test_hostile_text_stays_text(busy_report: Report, tmp_path: Path) -> None:
    """Paragraphs starting with = + - @ are stored as strings, never formulas, and read back unchanged."""
    report = busy_report.evolve(
        organ=Organ(name="=cmd|' /C calc'!A0"),
        problems=HOSTILE,
        overview=Overview(intro=HOSTILE, platform=Subsection(title="=title", paragraphs=HOSTILE)),
        other_matters=(OtherItem(title="@item", paragraphs=HOSTILE),),
    )
    path = render_xlsx(report, tmp_path / "hostile.xlsx")
    wb = openpyxl.load_workbook(path)
    texts = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    checks = {c.coord for t in report.layout.tables for c in check_cells(report.format_version, t.key)}
    for cell in texts:
        if cell.coordinate in checks and cell.parent.title != INFO_SHEET:
            continue  # the 校验 formulas (tests/test_features.py)
        if cell.value.startswith(("=", "+", "-", "@")) and not re.fullmatch(r"=SUM\([A-Z0-9:,]+\)", cell.value):
            assert cell.data_type == "s", cell.coordinate
            assert cell.quotePrefix, cell.coordinate
    with zipfile.ZipFile(path) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
    formulas = [html.unescape(f) for xml in sheets for f in re.findall(r"<f>(.*?)</f>", xml)]
    ours = {c.formula for t in report.layout.tables for c in check_cells(report.format_version, t.key)}
    # Only the totals and the fixed 校验 formulas: no user text ever becomes a formula.
    assert all(re.fullmatch(r"SUM\([A-Z0-9:,]+\)", f) or f in ours for f in formulas)
    assert read_form(path) == report


def test_xml_illegal_characters_are_removed(busy_report: Report, tmp_path: Path) -> None:
    """Control characters in findings (not cleaned by the model) do not break the workbook."""
    finding = Finding(code="X-1", severity=Severity.WARNING, message="bad\x01 text\x0b here",
                      location=Location(table="表三"), expected="a\x02", actual=3)
    path = render_xlsx(busy_report, tmp_path / "ctrl.xlsx", findings=[finding])
    ws = openpyxl.load_workbook(path)[FINDINGS_SHEET]
    assert ws["F2"].value == "bad text here"
    assert ws["D2"].value == "a"
    assert ws["E2"].value == 3


def test_findings_sheet(busy_report: Report, tmp_path: Path) -> None:
    """The findings sheet lists code, severity, location, expected, actual and message of each finding."""
    findings = [
        Finding(code="T3-BALANCE", severity=Severity.ERROR, message="不平衡",
                location=Location(table="表三", column="自然人"), expected=14, actual=12),
        Finding(code="T2-FEE", severity=Severity.WARNING, message="金额", expected=Decimal("1.50"), actual="x"),
    ]
    ws = openpyxl.load_workbook(render_xlsx(busy_report, tmp_path / "f.xlsx", findings=findings))[FINDINGS_SHEET]
    rows = [tuple(c.value for c in row) for row in ws.iter_rows()]
    assert rows[0] == ("代码", "严重程度", "位置", "期望", "实际", "说明")
    assert rows[1] == ("T3-BALANCE", "错误", "表三，列“自然人”", 14, 12, "不平衡")
    assert rows[2][:2] == ("T2-FEE", "警告")
    assert rows[2][3] == 1.5
    empty = openpyxl.load_workbook(render_xlsx(busy_report, tmp_path / "e.xlsx", findings=[]))[FINDINGS_SHEET]
    assert empty["F2"].value == "未发现问题。"


def test_long_organ_names_never_make_long_sheet_names(busy_report: Report, tmp_path: Path) -> None:
    """Sheet names come from the layout: at most 31 characters, no forbidden characters, whatever the organ."""
    report = busy_report.evolve(organ=Organ(name="某某省某某市某某县[测试]/机关*?:" * 10))
    wb = openpyxl.load_workbook(render_xlsx(report, tmp_path / "long.xlsx"))
    for title in wb.sheetnames:
        assert len(title) <= 31
        assert not re.search(r"[\[\]:*?/\\]", title)
    assert read_form(tmp_path / "long.xlsx") == report


def test_output_is_deterministic(busy_report: Report) -> None:
    """The same report gives the same bytes (fixed zip timestamps), in any process: the document dates in
    docProps/core.xml are fixed too, not the time the process built its template."""
    data = workbook_bytes(busy_report)
    assert data == workbook_bytes(busy_report)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        assert {i.date_time for i in zf.infolist()} == {package.ZIP_DATE}
        core = zf.read("docProps/core.xml").decode()
    stamp = "{:04d}-{:02d}-{:02d}T00:00:00Z".format(*package.ZIP_DATE[:3])
    assert re.findall(r"<dcterms:(created|modified)[^>]*>([^<]*)<", core) == [("created", stamp), ("modified", stamp)]


def test_openpyxl_reference_builds_the_same_workbook(busy_report: Report, tmp_path: Path) -> None:
    """The slow openpyxl path used by the benchmark holds the same figures and reads back to the same report."""
    path = tmp_path / "ref.xlsx"
    openpyxl_workbook(busy_report).save(path)
    assert read_form(path) == busy_report


def test_2019_layout_round_trip_with_negative_change(tmp_path: Path) -> None:
    """The 2019 trial layout has other table 二 rows/columns and a signed 本年增/减 that may be negative."""
    v = FormatVersion.V2019
    t2 = Table.from_figures("table2", {("licensing", "change"): -3, ("licensing", "previous_items"): 10,
                                       ("procurement", "procurement_amount"): Decimal("12.345")}, version=v)
    report = Report(organ=Organ(name="某县人民政府"), year=2019, format_version=v, table2=t2)
    path = render_xlsx(report, tmp_path / "v2019.xlsx")
    ws = openpyxl.load_workbook(path)[table_sheet_title(report.layout.table("table2"))]
    assert ws[grid_coord(report.layout.table("table2").figure_cell(("licensing", "change")))].value == -3
    assert read_form(path) == report


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(report=reports(FormatVersion.V2021))
def test_round_trip_2021(report: Report, tmp_path: Path) -> None:
    """read_form(render_xlsx(r)) == r for generated 2021 reports, prose included."""
    assert read_form(render_xlsx(report, tmp_path / "r.xlsx")) == report


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(report=reports(FormatVersion.V2019))
def test_round_trip_2019(report: Report, tmp_path: Path) -> None:
    """read_form(render_xlsx(r)) == r for generated reports in the 2019 trial layout."""
    assert read_form(render_xlsx(report, tmp_path / "r.xlsx")) == report


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None  # every member inflates and its CRC holds
        return {name: zf.read(name) for name in zf.namelist()}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report=reports(), version=st.sampled_from(list(FormatVersion)), misstate=st.booleans(), data=st.data())
def test_fast_table_sheets_match_the_cell_model(report: Report, version: FormatVersion, misstate: bool,
                                                 data: st.DataObject) -> None:
    """The table sheets written from prepared segments (workbook_bytes) hold exactly the text the general cell
    model writes (every cell, style, formula and cached result), for random reports of both formats, with
    stated totals that fail their checks and with findings."""
    if version is not report.format_version:
        report = data.draw(reports(version))
    if misstate:
        t3 = report.table3
        wrong = {("results_total", "total"): t3[("results_total", "total")] + 1,
                 ("granted", "total"): t3[("granted", "total")] + 2}
        report = attrs.evolve(report, table3=Table.from_figures("table3", dict(t3.figures), version=version,
                                                                 stated=wrong))
    findings = check(report)
    fast = _members(workbook_bytes(report, findings=findings))
    assert fast == _members(_reference_workbook_bytes(report, findings))
    values = openpyxl.load_workbook(io.BytesIO(workbook_bytes(report, findings=findings)), data_only=True)
    sheet = values[table_sheet_title(report.layout.table("table3"))]
    summary = sheet[f"A{check_row(report.layout.table('table3')) + 1}"].value
    assert summary.endswith("通过") is not misstate


def test_pre_deflated_pieces_inflate_to_the_text() -> None:
    """A member joined from pre-deflated pieces and text deflated between them is one valid deflate stream:
    zipfile (and zlib) read back the concatenation, whatever comes first or last."""
    big = ("<row>标签</row>" * 300).encode()
    cases: list[list[bytes | package.Piece]] = [
        [package.piece(big), b"<v>1</v>", package.piece(big)], [b"x" * 10, package.piece(big)],
        [package.piece(big)], [b"only text"], [package.piece(big), package.piece(b"tail")]]
    for parts in cases:
        text = b"".join(p.raw if isinstance(p, package.Piece) else p for p in parts)
        member = package.entry_of_pieces("a.xml", parts)
        assert zlib.decompress(member.data, -15) == text
        assert _members(package.write_zip([member])) == {"a.xml": text}


def test_template_labels_are_characters_not_references(rendered: Path) -> None:
    """The sheets carry their Chinese labels as UTF-8 characters (not openpyxl's ``&#19977;`` references: the same
    text in a third of the bytes); markup characters in a label stay escaped."""
    sheet3 = _members(rendered.read_bytes())["xl/worksheets/sheet3.xml"].decode()
    assert "收到和处理政府信息公开申请情况" in sheet3
    assert re.search(r"&#[0-9]{3,};", sheet3) is None


def test_workbook_bytes_do_not_depend_on_what_was_rendered_before(busy_report: Report) -> None:
    """The per-thread compressor is reused across workbooks, yet a workbook's bytes depend on its content only:
    the same report gives the same bytes first, after other reports, and in a fresh compressor's hands."""
    first = workbook_bytes(busy_report)
    for other in (attrs.evolve(busy_report, year=2023), attrs.evolve(busy_report, problems=("别的问题。",))):
        workbook_bytes(other, findings=check(other))
    assert workbook_bytes(busy_report) == first
    package._LOCAL.compressors = {}
    assert workbook_bytes(busy_report) == first
