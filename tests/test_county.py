"""The county workbook: headers from the layout, validation, streaming read, prose and placeholders."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportgen.cli import app
from reportgen.domain.errors import InputError
from reportgen.domain.layout import get_layout
from reportgen.domain.model import OrganKind, Report
from reportgen.formats.excel.county import (
    DATA_SHEET,
    FIRST_FIGURE_COLUMN,
    HEADER_ROWS,
    INFO_SHEET,
    OVERRIDE_SHEET,
    PLACEHOLDERS,
    SHARED_SHEET,
    CountyRow,
    PlaceholderError,
    figure_columns,
    is_county_workbook,
    iter_county,
    placeholder_values,
    prose_fields,
    read_county,
    read_county_info,
    substitute,
    write_county_form,
)
from tests.conftest import EXAMPLES
from tests.strategies import tables

EXAMPLE = EXAMPLES / "zhaoyuan-county-2022.xlsx"


def _report(entry_result: Report | InputError) -> Report:
    assert isinstance(entry_result, Report), str(entry_result)
    return entry_result


def _set(path: Path, sheet: str, coord: str, value: object) -> None:
    wb = openpyxl.load_workbook(path)
    wb[sheet][coord].value = value
    wb.save(path)


def _data_coord(path: Path, township: str, table: str, row: str, col: str) -> str:
    """The 数据 cell of one figure of one township, found by the generated headers."""
    wb = openpyxl.load_workbook(path, read_only=True)
    ws = wb[DATA_SHEET]
    names = [r[0] for r in ws.iter_rows(min_row=HEADER_ROWS + 1, max_col=1, values_only=True)]
    wb.close()
    j = next(i for i, fc in enumerate(figure_columns()) if (fc.table, fc.row, fc.column) == (table, row, col))
    r = HEADER_ROWS + 1 + names.index(township)
    return f"{openpyxl.utils.get_column_letter(FIRST_FIGURE_COLUMN + j)}{r}"


def test_headers_come_from_the_layout(tmp_path: Path) -> None:
    """The three header rows name table, row label and column label of every leaf figure, merged per table/row."""
    path = write_county_form(tmp_path / "c.xlsx", ["金岭镇"], year=2022)
    ws = openpyxl.load_workbook(path)[DATA_SHEET]
    columns = figure_columns()
    layout = get_layout()
    assert len(columns) == sum(len(list(t.leaf_refs())) for t in layout.tables)
    merged = {str(r) for r in ws.merged_cells.ranges}
    for j, fc in enumerate(columns):
        c = FIRST_FIGURE_COLUMN + j
        row_label, col_label = layout.table(fc.table).location(fc.ref)
        assert ws.cell(3, c).value == col_label
        first_of_table = j == 0 or columns[j - 1].table != fc.table
        first_of_row = first_of_table or columns[j - 1].row != fc.row
        if first_of_table:
            assert ws.cell(1, c).value == layout.table(fc.table).title
        if first_of_row:
            assert ws.cell(2, c).value == row_label
    # table 三 spans 24 rows × 6 leaf columns = 144 columns under one merged title
    t3 = [j for j, fc in enumerate(columns) if fc.table == "table3"]
    first, last = FIRST_FIGURE_COLUMN + t3[0], FIRST_FIGURE_COLUMN + t3[-1]
    letter = openpyxl.utils.get_column_letter
    assert f"{letter(first)}1:{letter(last)}1" in merged
    assert f"{letter(first)}2:{letter(first + 5)}2" in merged  # 一、本年新收… over its 6 columns


def test_blank_form_is_validated_and_locked(tmp_path: Path) -> None:
    """Figure cells accept whole numbers ≥ 0 only, amounts decimals ≥ 0; labels are locked, inputs are not."""
    path = write_county_form(tmp_path / "c.xlsx", ["金岭镇", "泉山街道"], year=2022, county="招远市")
    wb = openpyxl.load_workbook(path)
    ws = wb[DATA_SHEET]
    assert ws.protection.sheet
    assert ws.cell(1, FIRST_FIGURE_COLUMN).protection.locked
    assert not ws.cell(HEADER_ROWS + 1, FIRST_FIGURE_COLUMN).protection.locked
    assert ws.cell(HEADER_ROWS + 1, FIRST_FIGURE_COLUMN).value == 0
    rules = {(dv.type, dv.operator, dv.formula1): str(dv.sqref) for dv in ws.data_validations.dataValidation}
    whole = rules[("whole", "greaterThanOrEqual", "0")]
    decimal = rules[("decimal", "greaterThanOrEqual", "0")]
    for j, fc in enumerate(figure_columns()):
        letter = openpyxl.utils.get_column_letter(FIRST_FIGURE_COLUMN + j)
        assert f"{letter}4:{letter}5" in (decimal if fc.kind == "amount" else whole).split()
    for sheet in (INFO_SHEET, SHARED_SHEET, OVERRIDE_SHEET):
        assert wb[sheet].protection.sheet
    assert wb[SHARED_SHEET]["A2"].protection.locked
    assert not wb[SHARED_SHEET]["D2"].protection.locked
    assert is_county_workbook(path)
    entries = read_county(path)
    assert [e.name for e in entries] == ["金岭镇", "泉山街道"]
    jinling, quanshan = (_report(e.result) for e in entries)
    assert jinling.organ.name == "招远市金岭镇人民政府"
    assert jinling.organ.kind is OrganKind.TOWNSHIP
    assert quanshan.organ.name == "招远市泉山街道办事处"
    assert quanshan.organ.kind is OrganKind.STREET


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(t2=tables("table2"), t3=tables("table3"), t4=tables("table4"), fee=st.decimals(0, 10**5, places=2))
def test_figures_round_trip(tmp_path: Path, t2: object, t3: object, t4: object, fee: Decimal) -> None:
    """Every figure written into a row reads back into the same tables (amounts exactly)."""
    from reportgen.domain.model import Table

    assert isinstance(t2, Table)
    assert isinstance(t3, Table)
    assert isinstance(t4, Table)
    figures = {(t.key, r, c): v for t in (t2, t3, t4) for (r, c), v in t.figures.items()}
    row = CountyRow(name="毕郭镇", organ="招远市毕郭镇人民政府", processing_fee=fee, figures=figures)
    path = write_county_form(tmp_path / "rt.xlsx", [row], year=2022, county="招远市")
    (entry,) = read_county(path)
    report = _report(entry.result)
    assert report.table2 == t2
    assert report.table3 == t3
    assert report.table4 == t4
    assert report.processing_fee == fee


def test_bad_cells_are_located_and_only_their_row_fails(tmp_path: Path) -> None:
    """Text and negative figures give located findings (sheet, cell, township, table, row, column); blank is 0."""
    path = write_county_form(tmp_path / "c.xlsx", ["金岭镇", "泉山街道", "辛庄镇"], year=2022)
    granted = _data_coord(path, "泉山街道", "table3", "granted", "natural_person")
    review = _data_coord(path, "泉山街道", "table4", "review", "upheld")
    licensing = _data_coord(path, "辛庄镇", "table2", "licensing", "decisions")
    wb = openpyxl.load_workbook(path)
    wb[DATA_SHEET][granted].value = "三"
    wb[DATA_SHEET][review].value = -1
    wb[DATA_SHEET][licensing].value = None
    wb.save(path)
    jinling, quanshan, xinzhuang = read_county(path)
    assert isinstance(jinling.result, Report)
    assert isinstance(quanshan.result, InputError)
    by_code = {f.code: f for f in quanshan.result.findings}
    type_loc = by_code["IN-TYPE"].location
    assert type_loc.cell == f"{DATA_SHEET}!{granted}"
    assert type_loc.organ == "泉山街道"
    assert type_loc.table == "表三"
    assert type_loc.row == "（一）予以公开"  # the row label of every reader (TableLayout.row_label)
    assert type_loc.column == "自然人"
    assert by_code["IN-NEGATIVE"].location.column == "结果维持"
    assert isinstance(xinzhuang.result, Report)  # a blank cell is 0, as on the single form
    assert xinzhuang.result.table2.value("licensing", "decisions") == 0
    assert f"单元格 {DATA_SHEET}!{granted}" in str(by_code["IN-TYPE"])


@pytest.mark.parametrize("mark", [None, "", " ", "/", "／", "—", "——", "-", "无"])
def test_blank_and_zero_marks_read_as_zero_like_the_single_form(tmp_path: Path, mark: object) -> None:
    """A blank cell or a zero mark (“/”, “—”, “无” …) is 0 in the county workbook, exactly as on the single form."""
    from reportgen.domain.values import parse_figure
    from reportgen.formats.excel.read import read_form
    from reportgen.formats.excel.write import write_form

    path = write_county_form(tmp_path / "c.xlsx", ["金岭镇"], year=2022)
    coord = _data_coord(path, "金岭镇", "table3", "granted", "natural_person")
    fee = _data_coord(path, "金岭镇", "table2", "administrative_fees", "amount")
    wb = openpyxl.load_workbook(path)
    wb[DATA_SHEET][coord].value = mark
    wb[DATA_SHEET][fee].value = mark
    wb[DATA_SHEET]["E4"].value = mark  # 信息处理费
    wb.save(path)
    (entry,) = read_county(path)
    report = _report(entry.result)
    assert report.table3.value("granted", "natural_person") == 0
    assert report.table2.value("administrative_fees", "amount") == 0
    assert report.processing_fee == 0
    # The single form reads the same value the same way.
    assert parse_figure(mark, "count") == 0
    form = write_form(tmp_path / "form.xlsx", organ="招远市金岭镇人民政府", year=2022)
    assert read_form(form).table3.value("granted", "natural_person") == 0


def test_placeholders_are_substituted_as_data() -> None:
    """{name} is replaced once (values are never re-scanned); {{ }} are literal; unknown names raise."""
    values = {"年度": "2022", "机关名称": "{年度}"}
    assert substitute("{年度}年{{注}}，{机关名称}", values) == "2022年{注}，{年度}"
    assert substitute("{{ 7 }} {{{年度}}} 单独的 { 括号", values) == "{ 7 } {2022} 单独的 { 括号"
    with pytest.raises(PlaceholderError) as info:
        substitute("{不存在的名称}", values)
    assert info.value.name == "不存在的名称"
    with pytest.raises(PlaceholderError):
        substitute("{% if x %}", values)  # template syntax is never run: it is an unknown placeholder


def test_every_documented_placeholder_has_a_value(busy_report: Report) -> None:
    """PLACEHOLDERS lists exactly the names placeholder_values gives, each from the report's own figures."""
    values = placeholder_values(busy_report, "自然资源局")
    assert set(values) == set(PLACEHOLDERS)
    assert values["本年新收申请总数"] == str(busy_report.table3.value("new_received", "total"))
    assert values["行政事业性收费金额"] == "190.457379"
    assert values["乡镇名称"] == "自然资源局"


def test_shared_prose_overrides_and_placeholders(tmp_path: Path) -> None:
    """Shared text with placeholders per township; 分别文字 replaces one field or adds an item of 六."""
    rows = [
        CountyRow(name="金岭镇", figures={("table2", "licensing", "decisions"): 7}),
        CountyRow(name="泉山街道"),
    ]
    path = write_county_form(
        tmp_path / "c.xlsx", rows, year=2022, county="招远市", preset="shandong",
        shared_text={
            "overview.intro": "{年度}年，{机关名称}作出行政许可决定{行政许可决定数}件。\n=1+1",
            "problems": "{乡镇名称}的问题。",
        },
        overrides=[
            ("泉山街道", "problems", "", "泉山街道自己的问题。"),
            ("泉山街道", "other_matters", "街道特有事项", "{乡镇名称}特有的说明。"),
        ],
    )
    jinling, quanshan = (_report(e.result) for e in read_county(path))
    assert jinling.overview.intro == ("2022年，招远市金岭镇人民政府作出行政许可决定7件。", "=1+1")
    assert quanshan.overview.intro[0] == "2022年，招远市泉山街道办事处作出行政许可决定0件。"
    assert jinling.problems == ("金岭镇的问题。",)
    assert quanshan.problems == ("泉山街道自己的问题。",)
    preset = [i.title for i in get_layout().other_items["shandong"]]
    assert [i.title for i in jinling.other_matters] == preset
    assert [i.title for i in quanshan.other_matters] == [*preset, "街道特有事项"]
    assert quanshan.other_matters[-1].paragraphs == ("泉山街道特有的说明。",)
    assert jinling.overview.on_request.paragraphs is None  # blank: generated from table 三
    assert {f.code for f in prose_fields("shandong")} >= {"overview.intro", "other_matters.processing_fee"}


def test_unknown_placeholder_and_orphan_override_are_located(tmp_path: Path) -> None:
    """An unknown {name} fails each township using it, at its cell; an override for no township is its own entry."""
    path = write_county_form(
        tmp_path / "c.xlsx", ["金岭镇", "泉山街道"], year=2022,
        shared_text={"problems": "{乡镇名}的问题。"},
        overrides=[("泉山街道", "problems", "", "没有占位符。"), ("不存在镇", "problems", "", "x")],
    )
    jinling, quanshan, orphan = read_county(path)
    assert isinstance(jinling.result, InputError)
    (finding,) = jinling.result.findings
    assert finding.code == "IN-PLACEHOLDER"
    assert "{乡镇名}" in finding.message
    assert finding.location.cell is not None
    assert finding.location.cell.startswith(f"{SHARED_SHEET}!D")
    assert finding.location.organ == "金岭镇"
    assert isinstance(quanshan.result, Report)
    assert orphan.name == "不存在镇"
    assert isinstance(orphan.result, InputError)
    assert orphan.result.code == "IN-UNKNOWN-TOWNSHIP"


def test_workbook_level_problems_raise(tmp_path: Path) -> None:
    """No year, or headers that are not the layout's, make the whole workbook an InputError."""
    path = write_county_form(tmp_path / "c.xlsx", ["金岭镇"])
    with pytest.raises(InputError) as info:
        list(iter_county(path))
    assert info.value.code == "IN-YEAR"
    path = write_county_form(tmp_path / "d.xlsx", ["金岭镇"], year=2022)
    _set(path, DATA_SHEET, openpyxl.utils.get_column_letter(FIRST_FIGURE_COLUMN) + "3", "本年撤销件数")
    with pytest.raises(InputError) as info:
        list(iter_county(path))
    assert info.value.code == "IN-HEADER"
    assert any("本年撤销件数" in f.message for f in info.value.findings)


def test_cli_bulk_form(tmp_path: Path) -> None:
    """bulk-form writes the blank workbook for the listed townships and refuses to overwrite without --force."""
    names = tmp_path / "names.txt"
    names.write_text("金岭镇\t招远市金岭镇人民政府\n\n泉山街道\n", encoding="utf-8")
    out = tmp_path / "county.xlsx"
    args = ["bulk-form", "-o", str(out), "--townships", str(names), "--year", "2022", "--county", "招远市",
            "--city", "烟台市", "--province", "山东省"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    info = read_county_info(out)
    assert (info.year, info.county, info.city, info.province) == (2022, "招远市", "烟台市", "山东省")
    assert [e.name for e in read_county(out)] == ["金岭镇", "泉山街道"]
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 2
    assert "--force" in again.output
    assert CliRunner().invoke(app, [*args, "--force"]).exit_code == 0


def test_cli_bulk_form_refuses_duplicate_names(tmp_path: Path) -> None:
    """A township listed twice: exit 2, a Chinese message naming it and its line numbers; no file written."""
    names = tmp_path / "names.txt"
    names.write_text("金岭镇\n\n泉山街道\n金岭镇\t招远市金岭镇人民政府\n", encoding="utf-8")
    out = tmp_path / "county.xlsx"
    result = CliRunner().invoke(app, ["bulk-form", "-o", str(out), "--townships", str(names), "--year", "2022"])
    assert result.exit_code == 2, result.output
    assert "重复" in result.output
    assert "“金岭镇”出现了多次（第 1、4 行）" in result.output
    assert not out.exists()


def test_example_workbook(tmp_path: Path) -> None:
    """The committed example: 14 townships, 金岭镇 all zeros as published, a visible note, rebuildable by its script."""
    from scripts.make_county_example import NOTE, TOWNSHIPS, build

    entries = read_county(EXAMPLE)
    assert [e.name for e in entries] == list(TOWNSHIPS)
    reports = {e.name: _report(e.result) for e in entries}
    jinling = reports["金岭镇"]
    assert jinling.organ.name == "招远市金岭镇人民政府"
    assert all(v == 0 for t in jinling.tables() for v in t.figures.values())
    assert jinling.overview.intro[0].startswith("2022年金岭镇人民政府坚持")
    assert reports["泉山街道"].organ.name == "招远市泉山街道办事处"
    assert any(v for t in reports["泉山街道"].tables() for v in t.figures.values())
    assert read_county_info(EXAMPLE).note == NOTE
    assert "虚构" in NOTE
    rebuilt = read_county(build(tmp_path / "again.xlsx"))
    assert [e.result for e in rebuilt] == [e.result for e in entries]
