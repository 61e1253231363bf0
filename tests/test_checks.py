"""The reviewers' checks: one test per rule, and hypothesis properties of the identities."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.domain.checks import CHECKS, OVERVIEW_MAX_CHARS, CheckContext, check, get_check
from reportgen.domain.findings import Finding, Severity
from reportgen.domain.layout import FORMAT_DOCUMENT, FormatVersion, Row, TableLayout, get_layout
from reportgen.domain.model import Organ, OrganKind, OtherItem, Overview, Report, Subsection, Table
from scripts.gen_checks_doc import DOC_PATH, EXAMPLES, _base, _previous, render, sample_findings
from scripts.gen_checks_doc import main as gen_checks_doc_main
from tests.strategies import reports

T2 = get_layout().table("table2")
T3 = get_layout().table("table3")
T4 = get_layout().table("table4")


def codes(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


def row_label(layout: TableLayout, row: Row) -> str:
    """How a reader names a row: group and label, without the table-wide caption (表四 keeps 行政诉讼)."""
    path = row.path if layout.key == "table4" else row.path[1:]
    return " ".join((*path, row.label))


def with_t3(report: Report, changes: dict[tuple[str, str], int]) -> Report:
    figures = {**report.table3.figures, **changes}
    return report.evolve(table3=Table.from_figures("table3", figures, version=report.format_version))


def with_on_request(report: Report, *paragraphs: str) -> Report:
    return report.evolve(overview=attrs.evolve(report.overview, on_request=Subsection(paragraphs=paragraphs)))


def township(**changes: object) -> Report:
    """A township report with all figures 0 and every prose part filled (``changes`` go to the constructor)."""
    fields: dict[str, object] = {
        "organ": Organ(name="招远市金岭镇人民政府", kind=OrganKind.TOWNSHIP),
        "year": 2022,
        "publication_date": dt.date(2023, 1, 18),
        "overview": Overview(
            intro=("2022年金岭镇人民政府深入贯彻落实条例。",),
            active_disclosure=Subsection(paragraphs=("主动公开机构职能等信息。",)),
            information_management=Subsection(paragraphs=("成立政务信息工作领导小组。",)),
            platform=Subsection(paragraphs=("向政府网站上传内容 19 条。",)),
            supervision=Subsection(paragraphs=("开展线上培训 2 次。",)),
        ),
        "problems": ("一是公开不够。",),
    }
    fields.update(changes)
    return Report(**fields)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# The registry


def test_registry_codes_unique_with_formula_and_title() -> None:
    """Every check has a unique code, a Chinese title, a docstring formula and a severity."""
    seen = [c.code for c in CHECKS]
    assert len(seen) == len(set(seen))
    for registered in CHECKS:
        assert registered.formula, registered.code
        assert registered.title
        assert not registered.title.isascii()
        assert isinstance(registered.severity, Severity)
        assert get_check(registered.code) is registered
    with pytest.raises(KeyError):
        get_check("NO-SUCH-CHECK")


def test_finding_outside_run_is_refused(busy_report: Report) -> None:
    """A context makes findings only while a check runs (the code and severity come from the check)."""
    with pytest.raises(RuntimeError):
        CheckContext(report=busy_report).finding("x")


def test_clean_reports_have_no_findings(busy_report: Report) -> None:
    """A consistent busy report and a consistent all-zero township report pass every check."""
    assert check(busy_report) == []
    assert check(township()) == []


# --------------------------------------------------------------------------------------------
# Hard rules


def test_t3_balance_names_formula_column_and_values() -> None:
    """本年新收 · 自然人 = 1 in an all-zero table: one error in the 自然人 column, 1 against 0."""
    report = with_t3(township(), {("new_received", "natural_person"): 1})
    (finding,) = check(report)
    assert finding.code == "T3-BALANCE"
    assert finding.is_error
    assert finding.location.table == "表三"
    assert finding.location.column == "自然人"
    assert (finding.expected, finding.actual) == (0, 1)
    for label in ("一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "（七）总计", "四、结转下年度继续办理"):
        assert label in finding.message
    assert "= 1" in finding.message
    assert "= 0" in finding.message


def test_t3_row_total_stated_wrong_is_one_error_at_the_cell(busy_report: Report) -> None:
    """A stated row 总计 that differs from the sum of its six columns is reported at that cell only."""
    t3 = busy_report.table3
    stated = {("granted", "total"): 9, ("new_received", "total"): t3[("new_received", "total")]}
    report = busy_report.evolve(table3=Table.from_figures("table3", t3.figures, stated=stated))
    (finding,) = check(report)
    assert finding.code == "T3-ROW-TOTAL"
    assert (finding.location.row, finding.location.column) == ("（一）予以公开", "总计")
    assert (finding.expected, finding.actual) == (8, 9)
    assert finding.location.path == "$.table3.rows.granted.total"
    assert "自然人 + 商业企业" in finding.message


def test_t3_results_total_stated_wrong(busy_report: Report) -> None:
    """A stated （七）总计 cell that differs from the sum of the result rows is one error at that cell."""
    t3 = busy_report.table3
    report = busy_report.evolve(
        table3=Table.from_figures("table3", t3.figures, stated={("results_total", "commercial"): 2}),
    )
    (finding,) = check(report)
    assert finding.code == "T3-RESULTS-TOTAL"
    assert (finding.location.row, finding.location.column) == ("（七）总计", "商业企业")
    assert (finding.expected, finding.actual) == (3, 2)
    assert "（一）予以公开" in finding.message


def test_t4_total_stated_wrong(busy_report: Report) -> None:
    """A stated 总计 of a table 四 group that differs from its four outcomes is one error there."""
    t4 = busy_report.table4
    report = busy_report.evolve(
        table4=Table.from_figures("table4", t4.figures, stated={("litigation_direct", "total"): 0}),
    )
    (finding,) = check(report)
    assert finding.code == "T4-TOTAL"
    assert (finding.location.table, finding.location.row, finding.location.column) == (
        "表四",
        "行政诉讼 未经复议直接起诉",
        "总计",
    )
    assert (finding.expected, finding.actual) == (1, 0)


def test_stated_totals_that_agree_are_silent(busy_report: Report) -> None:
    """Stated totals equal to the computed ones give no finding."""
    t3 = busy_report.table3
    stated = {ref: t3[ref] for ref in T3.refs() if T3.is_computed(ref)}
    report = busy_report.evolve(table3=Table.from_figures("table3", t3.figures, stated=stated))
    assert check(report) == []


def test_signed_2019_changes_may_be_negative() -> None:
    """A 2019-format 本年增/减 below zero is a legitimate figure, not a finding."""
    t2 = Table.from_figures("table2", {("licensing", "change"): -3}, version=FormatVersion.V2019)
    assert check(_v2019(2020).evolve(table2=t2)) == []


# --------------------------------------------------------------------------------------------
# Soft rules


def test_township_regulations_warning_per_non_zero_cell() -> None:
    """A township with 规章 figures gets one warning per non-zero 规章 cell; a county department none."""
    t2 = Table.from_figures("table2", {("regulations", "issued"): 1, ("regulations", "in_force"): 2})
    findings = check(township(table2=t2))
    assert [(f.code, f.location.row, f.location.column) for f in findings] == [
        ("T2-TOWNSHIP-REGULATIONS", "规章", "本年制发件数"),
        ("T2-TOWNSHIP-REGULATIONS", "规章", "现行有效件数"),
    ]
    assert all(f.severity is Severity.WARNING for f in findings)
    department = township(table2=t2, organ=Organ(name="招远市司法局", kind=OrganKind.COUNTY_DEPARTMENT))
    assert check(department) == []


def _v2019(year: int) -> Report:
    return township(year=year, publication_date=None, format_version=FormatVersion.V2019)


def test_format_outdated_for_2021_and_later() -> None:
    """A 2019-format report for 2022 is outdated (cites 国办公开办函〔2021〕30号); one for 2020 is not."""
    (finding,) = check(_v2019(2022))
    assert finding.code == "FORMAT-OUTDATED"
    assert FORMAT_DOCUMENT[FormatVersion.V2021] in finding.message
    assert check(_v2019(2020)) == []


def test_format_year_2021_format_before_2021() -> None:
    """The 2021 format for a 2020 report is a warning (it applies from the 2021 reports)."""
    findings = check(township(year=2020, publication_date=None))
    assert [f.code for f in findings] == ["FORMAT-YEAR"]


@pytest.mark.parametrize(
    ("kind", "date", "flagged"),
    [
        (OrganKind.TOWNSHIP, dt.date(2023, 1, 1), False),
        (OrganKind.TOWNSHIP, dt.date(2023, 1, 31), False),
        (OrganKind.TOWNSHIP, dt.date(2023, 2, 1), True),
        (OrganKind.TOWNSHIP, dt.date(2022, 12, 31), True),
        (OrganKind.COUNTY_DEPARTMENT, dt.date(2023, 2, 1), True),
        (OrganKind.COUNTY_GOVERNMENT, dt.date(2023, 2, 20), False),
        (OrganKind.COUNTY_GOVERNMENT, dt.date(2023, 2, 21), True),
        (OrganKind.CITY_GOVERNMENT, dt.date(2023, 3, 10), False),
        (OrganKind.PROVINCIAL_GOVERNMENT, dt.date(2023, 3, 31), False),
        (OrganKind.PROVINCIAL_GOVERNMENT, dt.date(2023, 4, 1), True),
    ],
)
def test_publication_date_window(kind: OrganKind, date: dt.date, flagged: bool) -> None:
    """Publication must fall after the report year and by the deadline of the organ's level."""
    report = township(organ=Organ(name="某机关", kind=kind), publication_date=date)
    findings = codes(check(report), "PUBLICATION-DATE")
    assert len(findings) == int(flagged)
    if flagged:
        assert findings[0].location.path == "$.publication_date"


def test_empty_required_prose() -> None:
    """Empty 五, an overview part with no text and a 六 item without text: one warning each, located."""
    report = township(
        problems=(),
        overview=attrs.evolve(township().overview, platform=Subsection(paragraphs=())),
        other_matters=(OtherItem(title="本行政机关年度政务公开工作创新情况"),),
    )
    findings = check(report)
    assert {f.code for f in findings} == {"PROSE-EMPTY"}
    where = sorted((f.location.table or "", f.location.row or "", f.location.path or "") for f in findings)
    assert where == sorted(
        [
            ("一、总体情况", "（四）政府信息公开平台建设", "$.overview.platform"),
            ("五、存在的主要问题及改进情况", "", "$.problems"),
            ("六、其他需要报告的事项", "（二）本行政机关年度政务公开工作创新情况", "$.other_matters[0]"),
        ]
    )


def test_defaults_fill_prose_without_findings() -> None:
    """依申请公开 and the 信息处理费 item left out get default sentences, which are neither empty nor wrong."""
    report = township(overview=attrs.evolve(township().overview, on_request=Subsection()))
    assert check(report) == []


def test_overview_length() -> None:
    """More than 1000 characters of 一、总体情况 text is a warning; exactly 1000 is not."""
    base = township()
    used = sum(len(p.replace(" ", "")) for p in base.overview.intro) + sum(
        len(p.replace(" ", "")) for _, part in base.overview.parts() for p in part.paragraphs or ()
    )
    used += len("2022年度未受理政府信息公开申请。")  # the default 依申请公开 sentence counts too
    filler = "政" * (OVERVIEW_MAX_CHARS - used)
    at_limit = base.evolve(overview=attrs.evolve(base.overview, intro=(*base.overview.intro, filler)))
    assert check(at_limit) == []
    over = base.evolve(overview=attrs.evolve(base.overview, intro=(*base.overview.intro, filler + "府")))
    (finding,) = check(over)
    assert finding.code == "OVERVIEW-LENGTH"
    assert (finding.expected, finding.actual) == (OVERVIEW_MAX_CHARS, OVERVIEW_MAX_CHARS + 1)


# --------------------------------------------------------------------------------------------
# Across years


def _previous_of(report: Report, **changes: object) -> Report:
    """Last year's report: balanced so that its 结转下年度 is this year's 上年结转."""
    t3 = report.table3
    figures = dict.fromkeys(T3.leaf_refs(), 0)
    for col in [c.key for c in T3.columns if not c.computed]:
        figures[("carried_forward", col)] = t3.count("carried_over", col)
        figures[("new_received", col)] = t3.count("carried_over", col)
    t2 = report.table2
    in_force = {
        (key, "in_force"): max(0, t2.count(key, "in_force") - t2.count(key, "issued") + t2.count(key, "repealed"))
        for key in ("regulations", "normative_documents")
    }
    previous = report.evolve(
        year=report.year - 1,
        publication_date=None,
        problems=("上年的问题。",),
        # Last year's own words (the same words would be PROSE-COPIED).
        overview=Overview(intro=("上年度，本机关按照条例要求做好了政府信息公开工作。",)),
        other_matters=(),
        table2=Table.from_figures("table2", in_force),
        table3=Table.from_figures("table3", figures),
    )
    return previous.evolve(**changes)


def test_cross_year_consistent(busy_report: Report) -> None:
    """Last year's carry-over and 现行有效 that match give no finding."""
    assert check(busy_report, previous=_previous_of(busy_report)) == []


def test_cross_year_carry_over_per_column(busy_report: Report) -> None:
    """二、上年结转 differing from last year's 四 in one column is one warning at that column."""
    previous = _previous_of(busy_report)
    changed = with_t3(previous, {("carried_forward", "research"): 4, ("new_received", "research"): 4})
    (finding,) = check(busy_report, previous=changed)
    assert finding.code == "T3-CARRY-OVER"
    assert (finding.location.row, finding.location.column) == ("二、上年结转政府信息公开申请数量", "科研机构")
    assert (finding.expected, finding.actual) == (4, 0)


def test_cross_year_in_force(busy_report: Report) -> None:
    """上年现行有效 16 + 制发 3 − 废止 1 = 18, but 17 is reported: one warning at 现行有效件数."""
    previous = _previous_of(busy_report)
    previous = previous.evolve(table2=previous.table2.replace(("normative_documents", "in_force"), 16))
    (finding,) = check(busy_report, previous=previous)
    assert finding.code == "T2-IN-FORCE"
    assert (finding.location.row, finding.location.column) == ("行政规范性文件", "现行有效件数")
    assert (finding.expected, finding.actual) == (18, 17)


def test_previous_of_wrong_year_is_flagged_and_not_compared(busy_report: Report) -> None:
    """A 'previous' report two years back is a warning, and no cross-year comparison is made."""
    previous = _previous_of(busy_report, year=busy_report.year - 2)
    previous = with_t3(previous, {("carried_forward", "research"): 4})
    (finding,) = check(busy_report, previous=previous)
    assert finding.code == "PREVIOUS-YEAR"
    assert (finding.expected, finding.actual) == (2021, 2020)


def test_problems_repeated(busy_report: Report) -> None:
    """五 copied from last year (only the year changed) is a warning; different text is not."""
    problems = ("2022年，一是公开内容不够全面。",)
    report = busy_report.evolve(problems=problems)
    copied = _previous_of(report, problems=("2021年，一是 公开内容不够全面。",))
    assert [f.code for f in check(report, previous=copied)] == ["PROBLEMS-REPEATED"]
    assert check(report, previous=_previous_of(report)) == []


# --------------------------------------------------------------------------------------------
# Prose versus tables


def test_prose_no_applications_contradiction(busy_report: Report) -> None:
    """'未受理政府信息公开申请' while table 三 has 16 new applications is one error naming the paragraph."""
    report = with_on_request(busy_report, "2022年度未受理政府信息公开申请。")
    (finding,) = check(report)
    assert finding.code == "PROSE-NO-APPLICATIONS"
    assert finding.is_error
    assert finding.location.table == "一、总体情况 （二）依申请公开"
    assert "2022年度未受理政府信息公开申请" in finding.message
    assert (finding.expected, finding.actual) == (16, 0)


@pytest.mark.parametrize(
    "text",
    [
        "本年度没有收到政府信息公开申请。",
        "2022年，我局无依申请公开事项。",
        "全年未收到申请，",
    ],
)
def test_prose_no_applications_phrasings(busy_report: Report, text: str) -> None:
    """Other common phrasings of 'no applications' are recognised."""
    assert codes(check(with_on_request(busy_report, text)), "PROSE-NO-APPLICATIONS")


@pytest.mark.parametrize(
    "text",
    [
        "对未受理的申请及时告知理由。",
        "2021年度未受理政府信息公开申请，本年度有所增加。",
        "未收到申请人补正材料的，不再处理。",
    ],
)
def test_prose_no_applications_not_a_false_alarm(busy_report: Report, text: str) -> None:
    """Sentences that only look similar (other year, '未受理的申请', '申请人') are not flagged."""
    assert check(with_on_request(busy_report, text)) == []


def test_prose_no_applications_true_when_table_empty() -> None:
    """The sample's '2022年度未受理政府信息公开申请。' with an empty table 三 is fine."""
    assert check(with_on_request(township(), "2022年度未受理政府信息公开申请。")) == []


@pytest.mark.parametrize(
    ("text", "expected", "actual"),
    [
        ("2022年度共新收政府信息公开申请20件。", 16, 20),
        ("本年度新收政府信息公开申请 20 件。", 16, 20),
        ("上年结转政府信息公开申请3件。", 2, 3),
        ("结转下年度继续办理政府信息公开申请5件。", 2, 5),
        ("截至年底，现行有效行政规范性文件393件。", 17, 393),
        ("行政规范性文件现行有效470件。", 17, 470),
        ("全年办理行政许可840件。", 845, 840),
        ("作出行政许可决定840项。", 845, 840),
        ("作出行政处罚决定30件。", 36, 30),
        ("行政强制5件。", 4, 5),
        ("因政府信息公开工作被申请行政复议3件。", 2, 3),
        ("因政府信息公开工作被提起行政诉讼1件。", 2, 1),
        ("2022年度收取政府信息公开信息处理费50元。", Decimal(0), Decimal(50)),
    ],
)
def test_prose_figures_contradicting_tables(busy_report: Report, text: str, expected: object, actual: object) -> None:
    """Each quoted figure that differs from its table value is one warning with table and prose values."""
    report = busy_report.evolve(overview=attrs.evolve(busy_report.overview, intro=(text,)))
    (finding,) = check(report)
    assert finding.code == "PROSE-FIGURE"
    assert finding.severity is Severity.WARNING
    assert finding.location.table == "一、总体情况"
    assert (finding.expected, finding.actual) == (expected, actual)


@pytest.mark.parametrize(
    "text",
    [
        "2022年度共新收政府信息公开申请16件。",
        "共 200 余件政府信息公开申请，新收政府信息公开申请约20件。",
        "新收政府信息公开申请20余件。",
        "累计办理行政许可12000件。",
        "行政许可较上年增加12件。",
        "2021年办理行政许可900件。",
        "公布行政许可事项120项。",
        "全年新收行政许可申请300件。",
        "全年受理行政复议12件。",
        "其中网上办理行政许可800件。",
        "现行有效规范性文件17件，行政处罚36件，行政强制4件。",
    ],
)
def test_prose_figures_conservative(busy_report: Report, text: str) -> None:
    """Matching, approximate, cumulative, comparative, other-year and out-of-context figures are not flagged."""
    report = busy_report.evolve(overview=attrs.evolve(busy_report.overview, intro=(text,)))
    assert check(report) == []


def test_prose_fee_not_charged_contradiction(busy_report: Report) -> None:
    """'未收取任何费用' in the 信息处理费 item while a fee was charged is a warning; with no fee it is fine."""
    item = OtherItem(
        key="processing_fee",
        title="收取信息处理费情况",
        paragraphs=("我局依据《政府信息公开信息处理费管理办法》，2022年政府信息公开未收取任何费用。",),
    )
    report = busy_report.evolve(other_matters=(item,), processing_fee=Decimal("120.5"))
    (finding,) = check(report)
    assert finding.code == "PROSE-FIGURE"
    assert finding.location.table == "六、其他需要报告的事项 （一）收取信息处理费情况"
    assert (finding.expected, finding.actual) == (Decimal("120.5"), Decimal(0))
    assert check(report.evolve(processing_fee=Decimal(0))) == []


# --------------------------------------------------------------------------------------------
# Properties

versions = st.sampled_from(list(FormatVersion))


@settings(deadline=None, max_examples=60)
@given(st.data())
def test_property_consistent_reports_have_no_errors(data: st.DataObject) -> None:
    """A generated consistent report (either format) has no error findings."""
    report = data.draw(reports(data.draw(versions)))
    assert [f for f in check(report) if f.is_error] == []


@settings(deadline=None, max_examples=60)
@given(st.data())
def test_property_default_prose_never_contradicts(data: st.DataObject) -> None:
    """With every figure-stating paragraph left to its default, no prose check fires."""
    report = data.draw(reports(data.draw(versions)))
    report = report.evolve(
        overview=attrs.evolve(report.overview, on_request=Subsection()),
        review_litigation_note=None,
        other_matters=(),
    )
    assert [f for f in check(report) if f.code.startswith("PROSE-") and f.code != "PROSE-EMPTY"] == []


@settings(deadline=None, max_examples=80)
@given(st.data())
def test_property_one_changed_leaf_is_one_balance_error(data: st.DataObject) -> None:
    """Adding to any single leaf of table 三 breaks exactly one identity: the balance of its column."""
    version = data.draw(versions)
    report = data.draw(reports(version))
    layout = get_layout(version).table("table3")
    row, col = data.draw(st.sampled_from(list(layout.leaf_refs())))
    delta = data.draw(st.integers(1, 30))
    changed = with_t3(report, {(row, col): report.table3.count(row, col) + delta})
    errors = [f for f in check(changed) if f.is_error]
    assert [(f.code, f.location.table, f.location.column) for f in errors] == [
        ("T3-BALANCE", "表三", layout.column(col).label)
    ]
    incoming_side = row in ("new_received", "carried_over")
    assert abs(int(errors[0].actual or 0) - int(errors[0].expected or 0)) == delta
    assert (int(errors[0].actual or 0) > int(errors[0].expected or 0)) == incoming_side


_TOTAL_CODES = {"table4": "T4-TOTAL"}


@settings(deadline=None, max_examples=80)
@given(st.data())
def test_property_wrong_stated_total_is_one_finding_at_its_cell(data: st.DataObject) -> None:
    """A stated total (表三 row 总计, （七）总计 cell, 表四 group 总计) that differs gives one error at that cell."""
    version = data.draw(versions)
    report = data.draw(reports(version))
    key = data.draw(st.sampled_from(["table3", "table4"]))
    table = report.table(key)
    layout = table.layout
    ref = data.draw(st.sampled_from([r for r in layout.refs() if layout.is_computed(r)]))
    wrong = table.count(*ref) + data.draw(st.integers(1, 30))
    stated_table = Table.from_figures(key, table.figures, version=version, stated={ref: wrong})
    errors = [f for f in check(report.evolve(**{key: stated_table})) if f.is_error]
    code = "T4-TOTAL" if key == "table4" else "T3-RESULTS-TOTAL" if ref[0] == "results_total" else "T3-ROW-TOTAL"
    row = layout.row(ref[0])
    assert [(f.code, f.location.table, f.location.row, f.location.column) for f in errors] == [
        (code, f"表{layout.number}", row_label(layout, row), layout.column(ref[1]).label)
    ]
    assert (errors[0].expected, errors[0].actual) == (table[ref], wrong)


@settings(deadline=None, max_examples=60)
@given(st.data())
def test_property_carry_over_per_column(data: st.DataObject) -> None:
    """Last year's 结转下年度 equal to this year's 上年结转 passes; changing one column flags that column only."""
    report = data.draw(reports())
    previous = _previous_of(report, format_version=FormatVersion.V2021)
    assert codes(check(report, previous=previous), "T3-CARRY-OVER") == []
    col = data.draw(st.sampled_from([c.key for c in T3.columns if not c.computed]))
    delta = data.draw(st.integers(1, 30))
    last = previous.table3.count("carried_forward", col)
    changed = with_t3(previous, {("carried_forward", col): last + delta})
    findings = codes(check(report, previous=changed), "T3-CARRY-OVER")
    assert [(f.location.row, f.location.column, f.expected, f.actual) for f in findings] == [
        ("二、上年结转政府信息公开申请数量", T3.column(col).label, last + delta, last)
    ]


def test_prose_figures_context_of_the_application_part(busy_report: Report) -> None:
    """'上年结转3件' counts in （二）依申请公开 (it is about applications) but not in the introduction."""
    in_part = with_on_request(busy_report, "上年结转3件，结转下年度继续办理2件。")
    assert [(f.code, f.location.table, f.actual) for f in check(in_part)] == [
        ("PROSE-FIGURE", "一、总体情况 （二）依申请公开", 3)
    ]
    in_intro = busy_report.evolve(overview=attrs.evolve(busy_report.overview, intro=("上年结转3件。",)))
    assert check(in_intro) == []


# --------------------------------------------------------------------------------------------
# The catalogue


def test_every_check_has_an_example_that_triggers_it() -> None:
    """Each registered check fires on its catalogue example, with its own code and severity only."""
    for registered in CHECKS:
        findings = sample_findings(registered)
        assert findings, registered.code
        assert {(f.code, f.severity) for f in findings} == {(registered.code, registered.severity)}
        report, previous = EXAMPLES[registered.code]()
        assert codes(check(report, previous=previous), registered.code) == findings


def test_checks_doc_is_up_to_date() -> None:
    """docs/checks.md is what scripts/gen_checks_doc.py generates from CHECKS (rerun it after a change)."""
    assert DOC_PATH.read_text(encoding="utf-8") == render()
    assert gen_checks_doc_main(["--check"]) == 0


# --------------------------------------------------------------------------------------------
# Copied from last year (issue 13)

def _with_intro(report: Report, *paragraphs: str) -> Report:
    return report.evolve(overview=attrs.evolve(report.overview, intro=paragraphs))


def _year_report(year: int = 2023) -> Report:
    return _base(year=year, publication_date=None)


@pytest.mark.parametrize(("text", "flagged"), [
    ("2022年，我局认真贯彻落实《中华人民共和国政府信息公开条例》。", True),
    ("本机关2022年度共主动公开政府信息326条。", True),
    ("2022 年，全县政务公开工作稳步推进。", True),
    ("与2022年相比，新收申请有所增加。", False),
    ("新收申请较2022年度增长12%。", False),
    ("2022年度结转的2件申请已全部办结。", False),
    ("自2022年以来累计公开信息1000条。", False),
    ("2023年，我局认真贯彻落实条例。", False),
    ("12022年，无关数字。", False),
])
def test_last_year_outside_a_comparison_is_flagged(text: str, flagged: bool) -> None:
    """A 2023 report saying “2022年，…” or “2022年度” outside a comparison gets PROSE-LAST-YEAR, at the section."""
    found = codes(check(_with_intro(_year_report(), text)), "PROSE-LAST-YEAR")
    assert bool(found) is flagged
    if flagged:
        assert found[0].location.table == "一、总体情况"
        assert found[0].expected == "2023年"
        assert str(found[0].actual).startswith("2022年")


def test_last_year_flagged_once_per_paragraph_and_the_clean_example_passes() -> None:
    """Two stale years in one paragraph give one finding; the consistent example report gives none."""
    report = _with_intro(_year_report(), "2022年，我局推进公开。2022年度，我局完善制度。", "2022年度，另一段。")
    assert len(codes(check(report), "PROSE-LAST-YEAR")) == 2
    assert not codes(check(_year_report(2022)), "PROSE-LAST-YEAR")


def test_paragraphs_identical_to_last_year_are_flagged_per_paragraph() -> None:
    """With last year's report, each user paragraph equal to one of last year's (whitespace and years
    ignored) is flagged with its section; a rewritten paragraph, a short one and generated defaults are not."""
    report = _year_report()
    platform = Subsection(paragraphs=("依托政府门户网站公开信息，2023年共更新栏目 12 个。",))
    report = report.evolve(overview=attrs.evolve(report.overview, platform=platform,
                                                  supervision=Subsection(paragraphs=("开展培训。",))))
    previous = _previous(report, problems=("上年度的问题。",))
    previous = previous.evolve(overview=attrs.evolve(
        previous.overview, intro=("2022年，我局另写了一段完全不同的总体情况开头。",),
        platform=Subsection(paragraphs=("依托政府门户网站公开信息，2022年共更新栏目12个。",))))
    found = codes(check(report, previous=previous), "PROSE-COPIED")
    sections = sorted(f.location.table or "" for f in found)
    assert sections == ["一、总体情况 （一）主动公开", "一、总体情况 （四）政府信息公开平台建设"]
    assert not codes(check(report), "PROSE-COPIED")  # no previous: not run


def test_whole_problems_section_copied_is_reported_once() -> None:
    """When 五 is copied whole, PROBLEMS-REPEATED reports it and PROSE-COPIED does not repeat it per paragraph."""
    report = _year_report().evolve(problems=("一是公开内容不够全面，部分栏目更新不及时。",))
    previous = _previous(report, problems=report.problems)
    findings = check(report, previous=previous)
    assert codes(findings, "PROBLEMS-REPEATED")
    assert not [f for f in codes(findings, "PROSE-COPIED") if f.location.table == "五、存在的主要问题及改进情况"]


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["较", "同比", "与", "相比", "增长", "以来"]), st.text(alphabet="政府信息公开工作", max_size=10))
def test_property_comparisons_with_last_year_are_never_flagged(word: str, filler: str) -> None:
    """Any clause with a comparison word next to “2022年度” is not a stale year."""
    text = f"{filler}{word}2022年度{filler}相比有所变化。" if word == "与" else f"{filler}{word}2022年度{filler}。"
    assert not codes(check(_with_intro(_year_report(), text)), "PROSE-LAST-YEAR")
