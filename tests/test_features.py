"""Issue 13's features: the checks inside the workbooks agree with ``reportgen check``, the
全县各乡镇数据对照表, the print set-up of the workbooks.

The in-sheet checks are verified twice: against the values the writer caches (fast, many examples) and
against LibreOffice's own recalculation of the formulas (slow: every generated workbook of one
hypothesis example goes through ONE headless conversion).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import reportgen
from reportgen.domain.checks import check
from reportgen.domain.findings import Finding, Status
from reportgen.domain.layout import FormatVersion, get_layout
from reportgen.domain.model import Figure, OrganKind, Report, Table
from reportgen.formats.excel._tables import write_table
from reportgen.formats.excel.county import CHECK_HEADER, DATA_SHEET, CountyRow, read_county, write_county_form
from reportgen.formats.excel.read import read_form
from reportgen.formats.excel.sheets import grid_coord, table_sheet_title
from reportgen.formats.excel.stream import Formula
from reportgen.formats.excel.write import CHECK_PASS, CheckCell, check_cells, render_xlsx, write_form
from reportgen.pipelines.bulk import TownshipOutcome, bulk
from reportgen.pipelines.bulk.comparison import (
    COMPARISON_SHEET,
    comparison_header,
    comparison_table,
    key_figures,
    key_values,
)
from tests.conftest import EXAMPLES
from tests.strategies import reports

IDENTITIES = frozenset({"T3-BALANCE", "T3-ROW-TOTAL", "T3-RESULTS-TOTAL", "T4-TOTAL"})
Failures = dict[tuple[str, str], frozenset[str]]


@st.composite
def broken_reports(draw: st.DrawFn, version: FormatVersion = FormatVersion.V2021) -> Report:
    """A generated report, sometimes with a leaf of table 三 changed (the balance breaks) and with
    stated totals of tables 三 and 四 that may or may not match the computed ones."""
    report = draw(reports(version))
    t3 = report.table3
    figures = dict(t3.figures)
    if draw(st.booleans()):
        ref = draw(st.sampled_from(list(t3.layout.leaf_refs())))
        figures[ref] = int(figures.get(ref, 0)) + draw(st.integers(1, 5))
    tables: dict[str, Table] = {}
    for key, figs in (("table3", figures), ("table4", dict(report.table4.figures))):
        layout = report.table(key).layout
        base = Table.from_figures(key, figs, version=version)
        computed = [ref for ref in layout.refs() if layout.is_computed(ref)]
        chosen = draw(st.lists(st.sampled_from(computed), max_size=3, unique=True))
        stated: dict[tuple[str, str], Figure] = {
            ref: int(base[ref]) + draw(st.sampled_from([0, 0, 1, -1, 7])) for ref in chosen}
        stated = {ref: value for ref, value in stated.items() if value >= 0}
        tables[key] = Table.from_figures(key, figs, stated=stated, version=version)
    return report.evolve(**tables)


def expected_failures(report: Report, findings: Iterable[Finding]) -> Failures:
    """``(sheet, cell) → codes`` the in-sheet checks must show for these findings of ``reportgen check``."""
    out: dict[tuple[str, str], set[str]] = {}
    layout = report.layout
    for f in findings:
        code = f.code
        if code not in IDENTITIES:
            continue
        table = layout.table("table4" if code == "T4-TOTAL" else "table3")
        loc = f.location
        col = next((c.key for c in table.columns if c.label == loc.column), None)
        row = next((r.key for r in table.rows if table.row_label(r.key) == loc.row), None)
        for cell in check_cells(report.format_version, table.key):
            kind, key = cell.scope
            hit = ((kind == "column" and code in ("T3-BALANCE", "T3-RESULTS-TOTAL") and key == col
                    and (code == "T3-BALANCE" or row == "results_total"))
                   or (kind == "row" and code == "T3-ROW-TOTAL" and key == row)
                   or (kind == "group" and code == "T4-TOTAL" and key == row))
            if hit:
                out.setdefault((table_sheet_title(table), cell.coord), set()).add(code)
    return {k: frozenset(v) for k, v in out.items()}


def shown_failures(path: Path, version: FormatVersion) -> Failures:
    """``(sheet, cell) → codes`` the check cells of the workbook at ``path`` show (values as cached)."""
    wb = openpyxl.load_workbook(path, data_only=True)
    out: Failures = {}
    try:
        for table in get_layout(version).tables:
            ws = wb[table_sheet_title(table)]
            cells: list[CheckCell] = list(check_cells(version, table.key))
            for cell in cells:
                text = ws[cell.coord].value
                assert isinstance(text, str), (table.key, cell.coord, text)
                if cell.scope[0] == "all":
                    continue
                codes = frozenset(code for code in cell.codes if code in text)
                assert (text == CHECK_PASS) == (not codes), text
                if codes:
                    out[(ws.title, cell.coord)] = codes
            summary = next(c for c in cells if c.scope[0] == "all") if cells else None
            if summary is not None:
                text = str(ws[summary.coord].value)
                failing = {code for (sheet, _), codes in out.items() if sheet == ws.title for code in codes}
                assert text.endswith(CHECK_PASS) == (not failing), text
                assert all(code in text for code in failing), text
    finally:
        wb.close()
    return out


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(broken_reports())
def test_property_cached_check_cells_agree_with_check(tmp_path_factory: pytest.TempPathFactory,
                                                      report: Report) -> None:
    """The 校验 cells of a rendered workbook (their cached values) fail exactly where ``reportgen check``
    reports an identity, consistent and inconsistent reports alike."""
    path = render_xlsx(report, tmp_path_factory.mktemp("x") / "r.xlsx")
    assert shown_failures(path, report.format_version) == expected_failures(report, check(report))


def test_form_check_cells_say_passed_when_blank(tmp_path: Path) -> None:
    """A blank form's check cells are formulas that say 通过 (their cached value), and the form still reads."""
    path = write_form(tmp_path / "f.xlsx", organ="测试镇人民政府", year=2023, kind="township")
    assert shown_failures(path, FormatVersion.V2021) == {}
    wb = openpyxl.load_workbook(path)
    t3 = get_layout().table("table3")
    cell = check_cells(FormatVersion.V2021, "table3")[0]
    formula = wb[table_sheet_title(t3)][cell.coord].value
    assert isinstance(formula, str)
    assert formula.startswith("=IF(")
    report = read_form(path)
    assert report.table3.figures == Table.from_figures("table3", {}).figures


# --------------------------------------------------------------------------------------------
# LibreOffice recalculation


def _recalculate(soffice: str, paths: list[Path], out: Path, profile: Path) -> list[Path]:
    """Every workbook of ``paths`` opened, recalculated and saved by LibreOffice, in one process."""
    out.mkdir()
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--calc", "--convert-to", "xlsx",
         "--outdir", str(out), *map(str, paths)],
        check=True, capture_output=True, timeout=240,
    )
    results = [out / p.name for p in paths]
    assert all(p.exists() for p in results), sorted(out.iterdir())
    return results


def _fill_form(path: Path, report: Report, *, typed_totals: bool) -> None:
    """Type ``report``'s figures into a blank form as a user would (openpyxl: no cached values), and
    with ``typed_totals`` type its stated totals over the locked total formulas."""
    wb = openpyxl.load_workbook(path)
    for table in report.tables():
        ws = wb[table_sheet_title(table.layout)]
        for ref in table.layout.leaf_refs():
            ws[grid_coord(table.layout.figure_cell(ref))] = int(table[ref])
        if typed_totals:
            for ref, value in table.stated.items():
                ws[grid_coord(table.layout.figure_cell(ref))] = int(value)
    wb.save(path)


def _forced(report: Report) -> Report:
    """``report`` made inconsistent for sure: one leaf of table 三 off by one, two totals stated wrong."""
    t3, t4 = report.table3, report.table4
    figures = {**t3.figures, ("new_received", "research"): int(t3[("new_received", "research")]) + 1}
    stated3 = {("granted", "total"): int(t3[("granted", "total")]) + 1}
    stated4 = {("litigation_after_review", "total"): int(t4[("litigation_after_review", "total")]) + 2}
    return report.evolve(table3=Table.from_figures("table3", figures, stated=stated3),
                         table4=Table.from_figures("table4", t4.figures, stated=stated4))


@pytest.mark.libreoffice
# No shrinking: every step would start LibreOffice again; the failing workbook names itself.
@settings(max_examples=1, deadline=None, phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(broken_reports(), min_size=2, max_size=2))
def test_property_libreoffice_recalculation_agrees_with_check(soffice: str, tmp_path_factory: pytest.TempPathFactory,
                                                              cases: list[Report]) -> None:
    """LibreOffice recalculating the 校验 formulas finds exactly what ``reportgen check`` finds: on rendered
    workbooks (stated totals on the info sheet) and on forms a user typed figures and totals into."""
    tmp = tmp_path_factory.mktemp("lo")
    paths: list[Path] = []
    expected: list[Failures] = []
    for i, report in enumerate([*cases, *map(_forced, cases)]):
        rendered = render_xlsx(report, tmp / f"r{i}.xlsx")
        paths.append(rendered)
        expected.append(expected_failures(report, check(report)))
        form = write_form(tmp / f"f{i}.xlsx", organ="测试镇人民政府", year=2023, kind=OrganKind.TOWNSHIP)
        _fill_form(form, report, typed_totals=True)
        paths.append(form)
        typed = read_form(form)
        expected.append(expected_failures(typed, check(typed)))
    results = _recalculate(soffice, paths, tmp / "out", tmp / "profile")
    for path, want in zip(results, expected, strict=True):
        assert shown_failures(path, FormatVersion.V2021) == want, path.name


def test_soffice_lookup_is_the_conftest_one() -> None:
    """(Guard) the LibreOffice tests above use the session fixture, found on PATH or skipped."""
    assert shutil.which("soffice") is None or Path(str(shutil.which("soffice"))).name.startswith("soffice")


# --------------------------------------------------------------------------------------------
# 全县各乡镇数据对照表


def test_comparison_sheet_lists_every_township_and_the_county_total(tmp_path: Path) -> None:
    """summary.xlsx has the 对照表: one row per township with its key figures (headed by the layout's
    labels) and status, then 全县合计 as live SUMIF formulas over the townships in the roll-up, carrying
    the same values as the roll-up report; printed landscape, fit to width, header row repeated."""
    result = bulk(EXAMPLES / "zhaoyuan-county-2022.xlsx", tmp_path / "out", jobs=1)
    assert result.rollup is not None
    values = openpyxl.load_workbook(result.summary, data_only=True)[COMPARISON_SHEET]
    formulas = openpyxl.load_workbook(result.summary)[COMPARISON_SHEET]
    header = [c.value for c in values[1]]
    assert tuple(header) == comparison_header()
    rows = list(values.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows[:-1]] == [o.name for o in result.outcomes]
    total = rows[-1]
    for j, (key, row, col) in enumerate(key_figures(), start=5):
        assert total[j] == result.rollup.table(key)[(row, col)], header[j]
        cell = formulas.cell(len(rows) + 1, j + 1).value
        assert isinstance(cell, str)
        assert cell.startswith("=SUMIF(")
    assert "表三 一、本年新收政府信息公开申请数量 总计" in header
    assert formulas.page_setup.orientation == "landscape"
    assert formulas.sheet_properties.pageSetUpPr.fitToPage
    assert formulas.print_title_rows == "$1:$1"


def test_comparison_total_leaves_out_townships_not_in_the_rollup() -> None:
    """A township not counted in the roll-up shows its figures but is not in the 全县合计 values."""
    t3 = Table.from_figures("table3", {("new_received", "natural_person"): 2, ("granted", "natural_person"): 2})
    figures = tuple(((("table3", *ref), v) for ref, v in t3.figures.items() if v))
    keys = key_values(figures, "2021")
    assert keys[key_figures().index(("table3", "new_received", "total"))] == 2
    table = comparison_table([
        TownshipOutcome(name=name, source="x", status=Status.OK, format_version="2021", key_figures=keys,
                        in_rollup=counted)
        for name, counted in (("甲镇", True), ("乙镇", False))])
    rows = list(table.rows)
    column = 5 + key_figures().index(("table3", "new_received", "total"))
    assert rows[1][1] == "乙镇"
    assert rows[1][column] == 2  # shown …
    total = rows[-1][column]
    assert isinstance(total, Formula)
    assert total.value == 2  # … but counted once only


# --------------------------------------------------------------------------------------------
# The county workbook's 校验 column, printing, table 二 kept with its heading


def _county_rows(reports_: list[Report]) -> list[CountyRow]:
    return [CountyRow(name=f"第{i}镇", kind=OrganKind.TOWNSHIP,
                      figures={(t.key, *ref): value for t in r.tables() for ref, value in t.figures.items()})
            for i, r in enumerate(reports_, start=1)]


@pytest.mark.libreoffice
def test_county_check_column_agrees_with_check_after_libreoffice_recalculation(soffice: str, tmp_path: Path) -> None:
    """The 数据 sheet's 校验 column, recalculated by LibreOffice, names exactly the applicant columns in which
    ``reportgen check`` finds T3-BALANCE for that township, and says 通过 for a balanced one; the reader
    reads the workbook with the column."""
    base = reportgen.load(EXAMPLES / "zhaoyuan-natural-resources-2022.yaml")
    t3 = base.table3
    broken = base.evolve(table3=Table.from_figures("table3", {**t3.figures, ("granted", "commercial"): 5,
                                                               ("carried_over", "other"): 2}))
    path = write_county_form(tmp_path / "county.xlsx", _county_rows([base, broken]), year=2022, county="招远市")
    entries = read_county(path)
    assert [isinstance(e.result, Report) for e in entries] == [True, True]
    (out,) = _recalculate(soffice, [path], tmp_path / "out", tmp_path / "profile")
    ws = openpyxl.load_workbook(out, data_only=True)[DATA_SHEET]
    column = next(c for c in ws[1] if c.value == CHECK_HEADER).column
    shown = [ws.cell(r, column).value for r in (4, 5)]
    assert shown[0] == "通过"
    findings = [f for f in check(entries[1].result) if f.code == "T3-BALANCE"]  # type: ignore[arg-type]
    assert sorted(f.location.column or "" for f in findings) == ["其他", "商业企业"]
    assert isinstance(shown[1], str)
    assert shown[1].startswith("T3-BALANCE")
    assert all((f.location.column or "?") in shown[1] for f in findings)
    assert "自然人" not in shown[1]


def test_workbooks_are_set_up_for_printing(tmp_path: Path) -> None:
    """County workbook, summary and audit tables print A4 landscape with repeated header rows (fit to
    width, but the 数据 sheet runs across pages repeating the township column); drop-downs refuse other values."""
    county = write_county_form(tmp_path / "c.xlsx", ["甲镇", "乙镇"], year=2022)
    wb = openpyxl.load_workbook(county)
    data = wb[DATA_SHEET]
    assert data.page_setup.orientation == "landscape"
    assert data.print_title_rows == "$1:$3"
    assert data.print_title_cols == "$A:$A"
    info = wb.worksheets[0]
    assert info.sheet_properties.pageSetUpPr.fitToPage
    lists = [dv for ws in wb.worksheets for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert lists
    assert all(dv.showErrorMessage and dv.errorStyle == "stop" for dv in lists)
    form = openpyxl.load_workbook(write_form(tmp_path / "f.xlsx"))
    form_lists = [dv for ws in form.worksheets for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert form_lists
    assert all(dv.showErrorMessage and dv.errorStyle == "stop" for dv in form_lists)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("t")
    write_table(ws, ("a", "b"), [(1, 2)], (10, 10))
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    wb.save(tmp_path / "t.xlsx")  # an unsaved write-only sheet leaves a generator that fails when collected


@pytest.mark.libreoffice
def test_table2_starts_on_the_page_of_its_heading(soffice: str, tmp_path: Path) -> None:
    """Defect 9: in the natural-resources example, table 二's heading, first item and last item are on
    one page of the PDF (LibreOffice), not the heading and first row alone at the foot of page 2."""
    report = reportgen.load(EXAMPLES / "zhaoyuan-natural-resources-2022.yaml")
    docx_path = reportgen.render_docx(report, tmp_path / "r.docx")
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx_path)],
                   check=True, capture_output=True, timeout=120)
    pdf = tmp_path / "r.pdf"
    t2 = report.layout.table("table2")
    captions = [c.text for c in t2.cells if c.text is not None and c.colspan == t2.n_cols]

    def page_of(text: str) -> int:
        for page in range(1, 10):
            found = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                                   capture_output=True, text=True).stdout.replace(" ", "")
            if text in found.replace("\n", ""):
                return page
        raise AssertionError(text)

    heading = page_of(t2.title)
    assert page_of(captions[0]) == heading
    header = next(c.text for c in t2.cells if c.text is not None and c.row == 1)  # 信息内容, the item's header row
    assert page_of(str(header)) == heading


@given(st.sampled_from(list(FormatVersion)).flatmap(reports))
def test_property_key_values_equal_the_tables(report: Report) -> None:
    """The 对照表's key figures, computed in one pass from a township's non-zero leaf figures, equal the
    figures of its tables (totals by the layout's sums), in both formats."""
    figures = tuple(((t.key, *ref), value) for t in report.tables() for ref, value in t.figures.items() if value)
    expected = tuple(report.table(k)[(r, c)] for k, r, c in key_figures(report.format_version))
    assert key_values(figures, report.format_version.value) == expected
