"""The fill-in form: a blank workbook townships fill in, read back by labels, with located errors."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from reportgen.domain.errors import InputError
from reportgen.domain.findings import Finding
from reportgen.domain.layout import FormatVersion, TableLayout, get_layout
from reportgen.domain.model import OrganKind, Report, Table
from reportgen.formats.excel.read import normalize_label, parse_figure, read_form
from reportgen.formats.excel.sheets import (
    INFO_FIELD_ROW,
    INFO_SHEET,
    NOTE_LABEL,
    PROSE_TOP,
    SECTION_TITLE_ROWS,
    grid_coord,
    table_sheet_title,
)
from reportgen.formats.excel.write import render_xlsx, write_form
from reportgen.formats.load import load

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "zhaoyuan-natural-resources-2022.yaml"

T2 = get_layout().table("table2")
T3 = get_layout().table("table3")
T4 = get_layout().table("table4")


def _label_coord(table: TableLayout, text: str) -> str:
    return next(grid_coord(c) for c in table.cells if c.text == text)


def _fig_coord(table: TableLayout, ref: tuple[str, str]) -> str:
    return grid_coord(table.figure_cell(ref))


def _fill_prose(ws: Any, report: Report) -> None:
    """Type the report's own prose (not the defaults) into the form's prose rows."""
    rows: dict[str, list[int]] = {}
    for r in range(PROSE_TOP, ws.max_row + 1):
        rows.setdefault(normalize_label(str(ws[f"A{r}"].value)), []).append(r)

    def put(label: str, paragraphs: tuple[str, ...] | None, title: str | None = None, index: int = 0) -> int:
        r = rows[normalize_label(label)][index]
        if paragraphs is not None:
            ws[f"C{r}"] = "\n".join(paragraphs)
        if title is not None:
            ws[f"B{r}"] = title
        return r

    put("一、总体情况", report.overview.intro)
    for spec, (_, sub) in zip(report.layout.overview_parts, report.overview.parts(), strict=True):
        put(spec.title, sub.paragraphs, sub.title)
    put("五、存在的主要问题及改进情况", report.problems)
    if report.review_litigation_note is not None:
        put("四、政府信息公开行政复议、行政诉讼情况（表下说明）", report.review_litigation_note)
    for i, item in enumerate(report.other_matters):
        r = put("六、其他需要报告的事项", item.paragraphs, item.title, i)
        ws[f"E{r}"] = item.key


def fill(path: Path, report: Report, *, as_text: bool = True, prose: bool = False) -> None:
    """Type ``report``'s figures into a blank form the way a user would: zeros left blank, some as text."""
    wb = openpyxl.load_workbook(path)
    info = wb[INFO_SHEET]
    info[f"C{INFO_FIELD_ROW['organ.name']}"] = report.organ.name
    info[f"C{INFO_FIELD_ROW['organ.kind']}"] = report.organ.kind.label
    info[f"C{INFO_FIELD_ROW['year']}"] = report.year
    info[f"C{INFO_FIELD_ROW['processing_fee']}"] = float(report.processing_fee)
    if report.publication_date:
        info[f"C{INFO_FIELD_ROW['publication_date']}"] = report.publication_date
    for key in ("province", "city", "county"):
        info[f"C{INFO_FIELD_ROW['organ.' + key]}"] = getattr(report.organ, key) or None
    if prose:
        _fill_prose(info, report)
    for i, table in enumerate(report.layout.tables):
        ws = wb[table_sheet_title(table)]
        data = report.table(table.key)
        for j, ref in enumerate(table.leaf_refs()):
            value = data[ref]
            if value == 0:
                continue  # blank means 0
            if isinstance(value, Decimal):
                ws[_fig_coord(table, ref)] = float(value)
            elif as_text and (i + j) % 3 == 0:
                # full-width digits and stray spaces, as typed with a Chinese input method
                ws[_fig_coord(table, ref)] = " " + str(value).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
            elif as_text and (i + j) % 3 == 1:
                ws[_fig_coord(table, ref)] = f" {value} "
            else:
                ws[_fig_coord(table, ref)] = value
        for ref, value in data.stated.items():  # totals the input wrote down, typed over the formulas
            ws[_fig_coord(table, ref)] = value
    wb.save(path)


@pytest.fixture
def filled(busy_report: Report, tmp_path: Path) -> Path:
    path = write_form(tmp_path / "filled.xlsx", organ=busy_report.organ.name, year=2022)
    fill(path, busy_report)
    return path


def _tables(report: Report) -> tuple[Table, Table, Table]:
    return report.tables()


def _broken(path: Path, change: Callable[[Any], None], out: Path) -> Path:
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(out)
    return out


def _errors(path: Path) -> list[Finding]:
    with pytest.raises(InputError) as info:
        read_form(path)
    assert info.value.findings
    return list(info.value.findings)


# -- the blank form ------------------------------------------------------------------------------


def test_blank_form_layout_and_protection(tmp_path: Path) -> None:
    """Input cells are unlocked and validated, labels and totals locked; instructions on the first sheet."""
    path = write_form(tmp_path / "blank.xlsx", organ="招远市金岭镇人民政府", year=2022, kind="township")
    wb = openpyxl.load_workbook(path)
    info = wb.worksheets[0]
    assert info.title == INFO_SHEET
    assert "填写说明" in str(info["A2"].value)
    assert info[f"C{INFO_FIELD_ROW['organ.name']}"].value == "招远市金岭镇人民政府"
    assert info[f"C{INFO_FIELD_ROW['organ.kind']}"].value == OrganKind.TOWNSHIP.label
    assert info[f"C{INFO_FIELD_ROW['year']}"].value == 2022
    for table in get_layout().tables:
        ws = wb[table_sheet_title(table)]
        assert ws.protection.sheet
        validated = " ".join(str(dv.sqref) for dv in ws.data_validations.dataValidation).split()
        for cell in table.cells:
            c = ws[grid_coord(cell)]
            if cell.ref is None:
                assert c.value == cell.text
                assert c.protection.locked
            elif table.is_computed(cell.ref):
                assert str(c.value).startswith("=SUM(")
                assert c.protection.locked
            else:
                assert c.value is None
                assert not c.protection.locked
                assert grid_coord(cell) in validated
    kinds = {dv.type for dv in wb[table_sheet_title(T2)].data_validations.dataValidation}
    assert kinds == {"whole", "decimal"}


def test_blank_form_reads_as_a_zero_report(tmp_path: Path) -> None:
    """A blank form with only organ and year reads as a report whose figures are all 0."""
    report = read_form(write_form(tmp_path / "blank.xlsx", organ="金岭镇人民政府", year=2022, kind="township"))
    assert report.organ.kind is OrganKind.TOWNSHIP
    assert all(v == 0 for t in report.tables() for v in t.figures.values())
    assert report.overview.on_request.paragraphs is None


def test_blank_2019_form(tmp_path: Path) -> None:
    """The 2019 trial layout's form reads back in that format."""
    report = read_form(write_form(tmp_path / "b.xlsx", organ="某县人民政府", year=2019,
                                  version=FormatVersion.V2019))
    assert report.format_version is FormatVersion.V2019


def test_filled_form_reads_the_figures(busy_report: Report, filled: Path) -> None:
    """Figures typed as numbers, as text (" 3 ", full-width "３") or left blank (0) read back exactly."""
    report = read_form(filled)
    assert _tables(report) == _tables(busy_report)
    assert report.organ.name == busy_report.organ.name
    assert report.table2[("administrative_fees", "amount")] == Decimal("190.457379")


def test_prose_typed_into_the_form(filled: Path) -> None:
    """Paragraphs typed one per line become paragraphs; an added 六 row becomes an item; blanks stay defaults."""
    wb = openpyxl.load_workbook(filled)
    ws = wb[INFO_SHEET]
    rows = {normalize_label(str(ws[f"A{r}"].value)): r for r in range(PROSE_TOP, ws.max_row + 1)}
    ws[f"C{rows[normalize_label('（一）主动公开')]}"] = "第一段。\n\n 第二段。 "
    ws[f"C{rows[normalize_label('五、存在的主要问题及改进情况')]}"] = "=问题一"
    item_row = rows[normalize_label("六、其他需要报告的事项")]  # the last 六 row
    ws[f"B{item_row}"] = "本行政机关年度政务公开工作创新情况"
    ws[f"C{item_row}"] = "开展了创新。"
    wb.save(filled)
    report = read_form(filled)
    assert report.overview.active_disclosure.paragraphs == ("第一段。", "第二段。")
    assert report.overview.on_request.paragraphs is None
    assert report.problems == ("=问题一",)
    assert [i.title for i in report.other_matters] == ["收取信息处理费情况", "本行政机关年度政务公开工作创新情况"]
    assert report.other_matters[0].key == "processing_fee"
    assert report.other_matters[1].paragraphs == ("开展了创新。",)


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        (None, "count", 0), ("", "count", 0), ("/", "count", 0), ("／", "count", 0), (" 3 ", "count", 3),
        ("３", "count", 3), ("1,234", "count", 1234), (3.0, "count", 3), ("-2", "signed", -2),
        ("190.457379", "amount", Decimal("190.457379")), (190.457379, "amount", Decimal("190.457379")),
        (0.1 + 0.2, "amount", Decimal("0.3")), ("/", "amount", Decimal(0)),
    ],
)
def test_values_as_users_type_them(raw: Any, kind: Any, expected: Any) -> None:
    """Text numbers, full-width digits, blanks and "/" are read as users mean them."""
    value = parse_figure(raw, kind)
    assert value == expected
    assert type(value) is type(expected)


# -- broken forms: still readable --------------------------------------------------------------------


def _swap_rows(ws: Any, a: int, b: int, cols: range) -> None:
    for c in cols:
        x, y = ws.cell(a, c), ws.cell(b, c)
        x.value, y.value = y.value, x.value


def test_rows_moved_still_read(busy_report: Report, filled: Path, tmp_path: Path) -> None:
    """Rows moved within a table (labels with their figures) are still read by their labels."""
    def change(wb: Any) -> None:
        ws3 = wb[table_sheet_title(T3)]
        a = int(_label_coord(T3, "1.属于国家秘密")[1:])
        b = int(_label_coord(T3, "4.保护第三方合法权益")[1:])
        _swap_rows(ws3, a, b, range(3, 10))
        ws2 = wb[table_sheet_title(T2)]
        _swap_rows(ws2, int(_label_coord(T2, "行政处罚")[1:]), int(_label_coord(T2, "行政强制")[1:]), range(1, 3))

    report = read_form(_broken(filled, change, tmp_path / "moved.xlsx"))
    assert _tables(report) == _tables(busy_report)


def test_sheets_reordered_and_renamed_still_read(busy_report: Report, filled: Path, tmp_path: Path) -> None:
    """Tables are found by their labels, whatever the sheets are called or in which order they come."""
    def change(wb: Any) -> None:
        for i, table in enumerate(get_layout().tables):
            wb[table_sheet_title(table)].title = f"Sheet{9 - i}"
        wb.move_sheet("Sheet7", offset=-3)
        wb.move_sheet(INFO_SHEET, offset=3)

    report = read_form(_broken(filled, change, tmp_path / "renamed.xlsx"))
    assert _tables(report) == _tables(busy_report)


def test_labels_with_stray_spaces_and_half_width_parentheses(busy_report: Report, filled: Path,
                                                             tmp_path: Path) -> None:
    """Spaces, line breaks and half-width parentheses in labels are tolerated."""
    def change(wb: Any) -> None:
        ws = wb[table_sheet_title(T3)]
        ws[_label_coord(T3, "（一）予以公开")] = " (一)予以\n公开 "
        ws[_label_coord(T3, "商业企业")] = "商业\n企业"
        ws[_label_coord(T3, "3.危及“三安全一稳定”")] = '3、危及"三安全一稳定"'

    assert _tables(read_form(_broken(filled, change, tmp_path / "spaces.xlsx"))) == _tables(busy_report)


def test_formula_in_an_input_cell_uses_its_cached_value(busy_report: Report, tmp_path: Path) -> None:
    """A figure typed as a formula is read from its cached value."""
    path = render_xlsx(busy_report, tmp_path / "r.xlsx")
    coord = _fig_coord(T3, ("new_received", "natural_person"))
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    name = "xl/worksheets/sheet3.xml"
    xml = parts[name].decode()
    xml, n = re.subn(rf'(<c r="{coord}" s="\d+")><v>12</v>', r"\1><f>6*2</f><v>12</v>", xml)
    assert n == 1
    parts[name] = xml.encode()
    out = tmp_path / "formula.xlsx"
    with zipfile.ZipFile(out, "w") as z:
        for k, v in parts.items():
            z.writestr(k, v)
    assert read_form(out) == busy_report


def test_a_typed_total_is_kept_as_stated(busy_report: Report, filled: Path, tmp_path: Path) -> None:
    """A total overwritten with a number is kept as a stated total (the checks compare it), not as data."""
    def change(wb: Any) -> None:
        wb[table_sheet_title(T3)][_fig_coord(T3, ("results_total", "total"))] = 99

    report = read_form(_broken(filled, change, tmp_path / "typed.xlsx"))
    assert report.table3.stated == {("results_total", "total"): 99}
    assert report.table3.figures == busy_report.table3.figures


# -- broken forms: located errors --------------------------------------------------------------------


def test_section_heading_chosen_in_the_form(filled: Path, tmp_path: Path) -> None:
    """The 标题 cell of the 四 note row chooses 四's heading (an alias of the official title); any other text there
    is IN-SECTION-TITLE (as in YAML) at that cell; every section with aliases has such a row."""
    for layout in (get_layout(v) for v in FormatVersion):
        assert {s.key for s in layout.sections if s.aliases} <= set(SECTION_TITLE_ROWS.values())
    alias = get_layout().section("table4").aliases[0]
    wb = openpyxl.load_workbook(filled)
    ws = wb[INFO_SHEET]
    row = next(r for r in range(PROSE_TOP, ws.max_row + 1) if ws[f"A{r}"].value == NOTE_LABEL)
    ws[f"B{row}"] = alias
    wb.save(tmp_path / "alias.xlsx")
    assert read_form(tmp_path / "alias.xlsx").section_titles == {"table4": alias}
    ws[f"B{row}"] = "四、复议诉讼"
    wb.save(tmp_path / "bad.xlsx")
    (finding,) = _errors(tmp_path / "bad.xlsx")
    assert finding.code == "IN-SECTION-TITLE"
    assert finding.location.cell == f"{INFO_SHEET}!B{row}"
    assert finding.actual == "四、复议诉讼"
    assert alias in finding.message


def test_altered_label_is_located(filled: Path, tmp_path: Path) -> None:
    """A changed row label → IN-XLSX-LABEL naming sheet!cell and the label expected there."""
    coord = _label_coord(T3, "2.重复申请")

    def change(wb: Any) -> None:
        wb[table_sheet_title(T3)][coord] = "2.重复申请件"

    (finding,) = _errors(_broken(filled, change, tmp_path / "label.xlsx"))
    assert finding.code == "IN-XLSX-LABEL"
    assert finding.location.cell == f"{table_sheet_title(T3)}!{coord}"
    assert finding.location.table == "表三"
    assert finding.expected == "2.重复申请"
    assert finding.actual == "2.重复申请件"
    assert coord in finding.message


def test_bad_values_are_all_reported_with_their_cells(filled: Path, tmp_path: Path) -> None:
    """"abc", "三", 1.5 and a negative count are each reported with sheet!cell, row and column label."""
    bad = {
        ("granted", "research"): "abc",
        ("denied_query", "other"): "三",
        ("carried_over", "commercial"): 1.5,
        ("not_processed_petition", "natural_person"): -1,
    }

    def change(wb: Any) -> None:
        ws = wb[table_sheet_title(T3)]
        for ref, value in bad.items():
            ws[_fig_coord(T3, ref)] = value
        wb[table_sheet_title(T4)][_fig_coord(T4, ("review", "upheld"))] = "x"

    findings = _errors(_broken(filled, change, tmp_path / "values.xlsx"))
    assert len(findings) == 5
    by_cell = {f.location.cell: f for f in findings}
    codes = {"abc": "IN-TYPE", "三": "IN-TYPE", 1.5: "IN-FRACTION", -1: "IN-NEGATIVE"}
    for ref, value in bad.items():
        f = by_cell[f"{table_sheet_title(T3)}!{_fig_coord(T3, ref)}"]
        assert f.code == codes[value]  # the codes of YAML/JSON for the same mistakes
        assert (f.location.row, f.location.column, f.location.table) == (T3.row_label(ref[0]), T3.column(ref[1]).label,
                                                                         "表三")
        assert f.actual == (value if value != 1.5 else "1.5")
    assert f"{table_sheet_title(T4)}!{_fig_coord(T4, ('review', 'upheld'))}" in by_cell


def test_deleted_column_is_located(filled: Path, tmp_path: Path) -> None:
    """A deleted column → its column label is reported missing, with the cell where it belongs."""
    def change(wb: Any) -> None:
        wb[table_sheet_title(T3)].delete_cols(6)  # F: 科研机构

    findings = _errors(_broken(filled, change, tmp_path / "col.xlsx"))
    # (openpyxl's delete_cols leaves the merges where they were, which also hides 总计: Excel would move them)
    assert {f.code for f in findings} == {"IN-XLSX-LABEL"}
    (missing,) = [f for f in findings if f.expected == "科研机构"]
    assert missing.location.cell == f"{table_sheet_title(T3)}!{_label_coord(T3, '科研机构')}"


def test_duplicated_row_label_is_ambiguous(filled: Path, tmp_path: Path) -> None:
    """The same row label twice → IN-XLSX-AMBIGUOUS naming both cells (nothing is guessed)."""
    twin = _label_coord(T3, "4.保护第三方合法权益")

    def change(wb: Any) -> None:
        wb[table_sheet_title(T3)][twin] = "1.属于国家秘密"

    findings = _errors(_broken(filled, change, tmp_path / "dup.xlsx"))
    ambiguous = [f for f in findings if f.code == "IN-XLSX-AMBIGUOUS"]
    assert len(ambiguous) == 1
    assert twin in ambiguous[0].message
    assert _label_coord(T3, "1.属于国家秘密") in ambiguous[0].message
    assert {f.code for f in findings} == {"IN-XLSX-AMBIGUOUS", "IN-XLSX-LABEL"}


def test_missing_table_sheet(filled: Path, tmp_path: Path) -> None:
    """A workbook without table 四 → IN-XLSX-SHEET."""
    def change(wb: Any) -> None:
        del wb[table_sheet_title(T4)]

    findings = _errors(_broken(filled, change, tmp_path / "nosheet.xlsx"))
    assert [(f.code, f.location.table) for f in findings] == [("IN-XLSX-SHEET", "表四")]


def test_formula_without_cached_value_is_reported(filled: Path, tmp_path: Path) -> None:
    """A formula typed into an input cell, saved without a computed value, is reported."""
    coord = _fig_coord(T2, ("licensing", "decisions"))

    def change(wb: Any) -> None:
        wb[table_sheet_title(T2)][coord] = "=800+45"

    (finding,) = _errors(_broken(filled, change, tmp_path / "formula.xlsx"))
    assert finding.location.cell == f"{table_sheet_title(T2)}!{coord}"
    assert "公式" in finding.message


def test_missing_organ_and_year(filled: Path, tmp_path: Path) -> None:
    """No organ name and no year → both reported, at their cells of the info sheet."""
    def change(wb: Any) -> None:
        wb[INFO_SHEET][f"C{INFO_FIELD_ROW['organ.name']}"] = None
        wb[INFO_SHEET][f"C{INFO_FIELD_ROW['year']}"] = "明年"

    findings = _errors(_broken(filled, change, tmp_path / "info.xlsx"))
    assert {(f.code, f.location.cell) for f in findings} == {
        ("IN-MISSING", f"{INFO_SHEET}!C{INFO_FIELD_ROW['organ.name']}"),
        ("IN-YEAR", f"{INFO_SHEET}!C{INFO_FIELD_ROW['year']}"),
    }


def test_not_a_workbook(tmp_path: Path) -> None:
    """A file that is not an .xlsx → IN-XLSX-UNREADABLE."""
    path = tmp_path / "x.xlsx"
    path.write_text("not a zip")
    with pytest.raises(InputError) as info:
        read_form(path)
    assert info.value.code == "IN-XLSX-UNREADABLE"


# -- the CLI ---------------------------------------------------------------------------------------


def test_cli_form_writes_and_refuses_to_overwrite(tmp_path: Path) -> None:
    """`reportgen form -o FILE` writes a blank form; a second run needs --force."""
    from reportgen.cli import app

    out = tmp_path / "blank.xlsx"
    args = ["form", "-o", str(out), "--organ", "金岭镇人民政府", "--kind", "township", "--year", "2022"]
    runner = CliRunner()
    assert runner.invoke(app, args).exit_code == 0
    assert read_form(out).organ.kind is OrganKind.TOWNSHIP
    again = runner.invoke(app, args)
    assert again.exit_code == 2
    assert "--force" in again.output
    assert runner.invoke(app, [*args, "--force", "--version", "2019"]).exit_code == 0
    assert read_form(out).format_version is FormatVersion.V2019


def test_cli_acceptance_form_check_render(tmp_path: Path) -> None:
    """A blank form filled with the example's figures checks and renders like the example YAML."""
    if not EXAMPLE.exists():
        pytest.skip("example input not written yet")
    from reportgen.cli import app

    runner = CliRunner()
    expected: Report = load(EXAMPLE)
    blank = tmp_path / "blank.xlsx"
    assert runner.invoke(app, ["form", "-o", str(blank)]).exit_code == 0
    fill(blank, expected, prose=True)
    assert read_form(blank) == expected
    checked = [runner.invoke(app, ["check", "--json", str(p)]) for p in (EXAMPLE, blank)]
    assert [c.exit_code for c in checked] == [0, 0]

    def codes(output: str) -> list[tuple[str, Any, Any]]:
        data = json.loads(output)
        files = data if isinstance(data, list) else data.get("files", [data])
        return sorted((f["code"], f["expected"], f["actual"]) for entry in files for f in entry.get("findings", []))

    assert codes(checked[0].output) == codes(checked[1].output)
    out = tmp_path / "out"
    rendered = runner.invoke(app, ["render", str(blank), "-o", str(out)])
    assert rendered.exit_code == 0, rendered.output
    (workbook,) = out.glob("*.xlsx")
    assert _tables(read_form(workbook)) == _tables(expected)
