"""Reading published reports back: reportgen's own output and hand-made real-world variants."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings

from reportgen.domain.checks import check
from reportgen.domain.errors import ExtractError
from reportgen.domain.findings import Severity
from reportgen.domain.layout import FormatVersion, get_layout
from reportgen.domain.model import Organ, OrganKind, Report
from reportgen.domain.prose import report_text, strip_number
from reportgen.formats.published.extract import _INLINE_HEADING, extract, infer_organ_kind
from reportgen.formats.word.render import render_docx
from tests.strategies import reports

DATA = Path(__file__).parent / "data" / "extract"


def _as_extracted(report: Report) -> Report:
    """``report`` as extract can know it: the organ kind from the name, no province/city/county."""
    return report.evolve(organ=Organ(name=report.organ.name, kind=infer_organ_kind(report.organ.name)))


def _titles_unnumbered(report: Report) -> bool:
    """Titles that print as themselves: one starting with a number loses it (（三）1、x prints as （三）x), and a long
    one with 。 or ： after its first words prints as a heading run into its text (（一）标题。正文…), which is how
    published reports write one and how the reader takes it."""
    titles = [sub.title for _, sub in report.overview.parts() if sub.title] + [i.title for i in report.other_matters]
    return all(strip_number(t) == t and t and not (len(t) > 30 and _INLINE_HEADING.match(t)) for t in titles)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(report=reports())
def test_round_trip_of_rendered_reports(report: Report, tmp_path_factory: pytest.TempPathFactory) -> None:
    """extract(render_docx(r)) == r: every figure, every paragraph, titles, year, organ name."""
    assume(_titles_unnumbered(report))
    path = render_docx(report, tmp_path_factory.mktemp("rt") / "r.docx")
    assert extract(path) == _as_extracted(report)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(report=reports(FormatVersion.V2019))
def test_round_trip_of_rendered_2019_reports(report: Report, tmp_path_factory: pytest.TempPathFactory) -> None:
    """extract(render_docx(r)) == r for reports in the 2019 trial format (default 2019 template): signed
    本年增/减, 采购总金额, （六）其他处理 and the prose all read back."""
    assume(_titles_unnumbered(report))
    path = render_docx(report, tmp_path_factory.mktemp("rt2019") / "r.docx")
    assert extract(path) == _as_extracted(report)


def test_alias_heading_reads_back_as_the_choice(busy_report: Report, tmp_path: Path) -> None:
    """A report printed under 四's alias heading reads back with that choice; the official heading sets none."""
    alias = get_layout().section("table4").aliases[0]
    chosen = busy_report.evolve(section_titles={"table4": alias})
    assert extract(render_docx(chosen, tmp_path / "alias.docx")).section_titles == {"table4": alias}
    assert extract(render_docx(busy_report, tmp_path / "official.docx")).section_titles == {}


def test_round_trip_keeps_printed_text_of_fixture(busy_report: Report, tmp_path: Path) -> None:
    """A report with an explicit 信息处理费 item reads back to a report that prints the same text."""
    path = render_docx(busy_report, tmp_path / "busy.docx")
    back = extract(path)
    assert report_text(back) == report_text(busy_report)
    assert back.tables() == busy_report.tables()
    assert back.overview == busy_report.overview


def test_rendered_totals_are_not_stated(busy_report: Report, tmp_path: Path) -> None:
    """The renderer prints computed totals, so they read back equal and are dropped (Table.stated stays empty)."""
    from reportgen.domain.model import Table

    t3 = busy_report.table3
    wrong = Table(key="table3", figures=t3.figures, stated={("new_received", "total"): 99})
    report = busy_report.evolve(table3=wrong)
    back = extract(render_docx(report, tmp_path / "r.docx"))
    assert back.table3.stated == {}
    assert back.table3 == busy_report.table3


# --------------------------------------------------------------------------------------------
# Organ kind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("招远市金岭镇人民政府", OrganKind.TOWNSHIP),
        ("某某乡人民政府", OrganKind.TOWNSHIP),
        ("招远市罗峰街道办事处", OrganKind.STREET),
        ("莱阳县人民政府", OrganKind.COUNTY_GOVERNMENT),
        ("烟台市福山区人民政府", OrganKind.COUNTY_GOVERNMENT),
        ("烟台市人民政府", OrganKind.CITY_GOVERNMENT),
        ("山东省人民政府", OrganKind.PROVINCIAL_GOVERNMENT),
        ("某某县市场监督管理局", OrganKind.COUNTY_DEPARTMENT),
        ("烟台市自然资源和规划局", OrganKind.CITY_DEPARTMENT),
        ("山东省教育厅", OrganKind.PROVINCIAL_DEPARTMENT),
        ("国家统计局", OrganKind.NATIONAL_DEPARTMENT),
        ("某某人民政府", OrganKind.OTHER),
    ],
)
def test_organ_kind_heuristic(name: str, kind: OrganKind) -> None:
    """The organ kind is inferred from the name's ending and its administrative prefix."""
    assert infer_organ_kind(name) is kind


# --------------------------------------------------------------------------------------------
# Hand-made real-world variants (tests/data/extract, built by scripts/make_extract_fixtures.py)


def _fixture(name: str) -> Path:
    path = DATA / name
    if not path.exists():  # pragma: no cover - the fixtures are committed
        pytest.fail(f"{path} missing; run python -m scripts.make_extract_fixtures")
    return path


def test_sample_township_variant() -> None:
    """Split title, split labels, '/' and blank zeros, other widths, text around tables, signature and date."""
    report = extract(_fixture("township-variants.docx"))
    assert report.organ.name == "招远市金岭镇人民政府"
    assert report.organ.kind is OrganKind.TOWNSHIP
    assert report.year == 2022
    assert report.format_version is FormatVersion.V2021
    assert report.publication_date is not None
    assert report.publication_date.isoformat() == "2023-01-18"
    t2, t3, t4 = report.tables()
    assert t2[("normative_documents", "in_force")] == 4
    assert t2[("licensing", "decisions")] == 12
    assert t2[("administrative_fees", "amount")] == Decimal("9116.36")
    assert t2[("regulations", "issued")] == 0
    assert t3[("new_received", "natural_person")] == 3
    assert t3[("new_received", "commercial")] == 1
    assert t3[("granted", "natural_person")] == 2
    assert t3[("unavailable_not_held", "commercial")] == 1
    assert t3[("carried_forward", "natural_person")] == 1
    assert t3[("denied_three_safeties", "natural_person")] == 0
    assert t3.stated == {}
    assert t4[("review", "upheld")] == 1
    assert t4[("litigation_after_review", "pending")] == 1
    assert report.overview.intro[0].startswith("2022年金岭镇人民政府")
    assert report.overview.active_disclosure.title == "主动公开政府信息情况"
    assert report.overview.active_disclosure.paragraphs == ("全年主动公开政府信息200余条。",)
    assert report.overview.on_request.paragraphs == ("2022年度共收到政府信息公开申请4件。",)
    assert report.review_litigation_note == ("2022年度被申请行政复议1件。",)
    assert report.problems[0] == "一是公开不够。"
    assert [i.title for i in report.other_matters][:2] == ["收取信息处理费情况", "本行政机关落实上级年度政务公开工作要点情况"]
    assert report.other_matters[0].key == "processing_fee"
    assert report.other_matters[-1].paragraphs == ("金岭镇无需要报告的其他事项。",)


def test_table_split_across_pages() -> None:
    """Table 三 printed as two Word tables (the second without header rows) reads as one table."""
    report = extract(_fixture("split-table3.docx"))
    t3 = report.table3
    assert t3[("new_received", "natural_person")] == 5
    assert t3[("not_processed_repeated", "natural_person")] == 1
    assert t3[("other_other", "research")] == 1
    assert t3[("carried_forward", "natural_person")] == 2
    assert t3.stated == {}


def test_stated_total_that_disagrees_is_kept_from_a_document() -> None:
    """A total printed wrongly (by hand) is kept in Table.stated for the checks; the figures are the leaves."""
    report = extract(_fixture("wrong-total.docx"))
    assert report.table3.stated == {("new_received", "total"): 9}
    assert report.table3[("new_received", "total")] == 6
    codes = {f.code for f in check(report)}
    assert "T3-ROW-TOTAL" in codes, codes


def test_2019_trial_layout_is_read_and_flagged() -> None:
    """A report in the 2019 trial layout is read into the 2019 layout and the checks warn that it is outdated."""
    report = extract(_fixture("trial-2019.docx"))
    assert report.format_version is FormatVersion.V2019
    t2, t3, _ = report.tables()
    assert t2[("normative_documents", "made")] == 2
    assert t2[("licensing", "change")] == -3
    assert t2[("other_services", "decisions")] == 7
    assert t2[("procurement", "procurement_amount")] == Decimal("35.5")
    assert t3[("other_processing", "natural_person")] == 1
    assert t3[("new_received", "natural_person")] == 1
    outdated = [f for f in check(report) if f.code == "FORMAT-OUTDATED"]
    assert outdated
    assert outdated[0].severity is Severity.WARNING


@pytest.mark.parametrize(
    ("name", "code", "row"),
    [
        ("missing-row-label.docx", "EX-ROW-MISSING", "2.重复申请"),
        ("not-a-number.docx", "IN-TYPE", "1.属于国家秘密"),  # was EX-FIGURE (unified with inputs)
    ],
)
def test_unreadable_variants_give_located_errors(name: str, code: str, row: str) -> None:
    """A missing row label or a non-number figure is an ExtractError naming the file, table 三 and the row."""
    with pytest.raises(ExtractError) as info:
        extract(_fixture(name))
    located = [f for f in info.value.findings if f.code == code]
    assert located, [str(f) for f in info.value.findings]
    assert located[0].location.table == "表三"
    assert row in (located[0].location.row or "")
    assert located[0].location.file is not None
    assert located[0].location.file.endswith(name)


def test_not_a_word_file(tmp_path: Path) -> None:
    """A file that is not a .docx is an ExtractError (EX-OPEN) naming the file."""
    path = tmp_path / "x.docx"
    path.write_text("not a zip")
    with pytest.raises(ExtractError) as info:
        extract(path)
    assert info.value.code == "EX-OPEN"


def _outcome(path: Path) -> object:
    try:
        return extract(path)
    except ExtractError as exc:
        return [(f.code, f.location.row, f.location.column) for f in exc.findings]


def test_fixtures_are_current(tmp_path: Path) -> None:
    """The committed fixtures read the same as what scripts/make_extract_fixtures.py builds now."""
    from scripts.make_extract_fixtures import build_all

    for path in build_all(tmp_path):
        committed = DATA / path.name
        assert committed.exists(), path.name
        assert _outcome(committed) == _outcome(path)


def test_extract_cli_writes_a_loadable_input_file(tmp_path: Path) -> None:
    """`reportgen extract REPORT.docx -o data.yaml` writes a file that loads back to the extracted report."""
    from click.testing import CliRunner

    from reportgen.cli import app
    from reportgen.formats.load import load

    source = _fixture("township-variants.docx")
    out = tmp_path / "data.yaml"
    result = CliRunner().invoke(app, ["extract", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert load(out) == extract(source)


def test_extract_cli_names_what_it_cannot_read(tmp_path: Path) -> None:
    """A report with an unreadable cell exits 2 and names the table, row and column; the file is still written
    with every figure read, the unreadable one left out as a ``未读出`` comment (never 0)."""
    from click.testing import CliRunner

    from reportgen.cli import app

    out = tmp_path / "data.yaml"
    result = CliRunner().invoke(app, ["extract", str(_fixture("not-a-number.docx")), "-o", str(out)])
    assert result.exit_code == 2
    assert "IN-TYPE" in result.output  # was EX-FIGURE (unified with inputs)
    assert "1.属于国家秘密" in result.output
    text = out.read_text(encoding="utf-8")
    assert text.count("未读出") == 2  # the header note and the one figure


def test_report_laid_out_inside_a_one_cell_table(tmp_path: Path) -> None:
    """A report pasted into a one-cell layout table (as web exports do) is read like a plain one."""
    from docx import Document

    source = _fixture("township-variants.docx")
    doc = Document(str(source))
    body = doc.element.body
    content = [child for child in body if not child.tag.endswith("sectPr")]
    wrapper = doc.add_table(rows=1, cols=1)
    cell = wrapper.cell(0, 0)._tc
    for child in content:
        cell.append(child)
    cell.remove(cell.findall("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p")[0])
    cell.append(cell.makeelement("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p", {}))
    doc.save(str(tmp_path / "wrapped.docx"))
    assert extract(tmp_path / "wrapped.docx") == extract(source)


def test_headings_without_printed_numbers(tmp_path: Path) -> None:
    """Headings numbered by Word's automatic numbering (no 一、 or （一） in the text) are still recognised."""
    from docx import Document

    source = _fixture("township-variants.docx")
    doc = Document(str(source))
    for paragraph in doc.paragraphs:
        text = paragraph.text
        for number in ("一、", "二、", "三、", "四、", "五、", "六、", "（一）"):
            if text.startswith(number) and len(text) < 40:
                paragraph.text = text[len(number):]
    doc.save(str(tmp_path / "auto-numbered.docx"))
    report = extract(tmp_path / "auto-numbered.docx")
    expected = extract(source)
    assert report.tables() == expected.tables()
    assert report.overview == expected.overview
    assert report.problems == expected.problems
    assert report.review_litigation_note == expected.review_litigation_note
