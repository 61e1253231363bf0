"""``reportgen audit``: many reports in, every inconsistency out, in one workbook."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from reportgen.cli import app
from reportgen.domain.model import Organ, OrganKind, Overview, Report, Subsection, Table
from reportgen.domain.naming import SUMMARY_NAME
from reportgen.formats.inputs.mapping import dump
from reportgen.formats.word.render import render_docx
from reportgen.pipelines.audit import FINDING_HEADER, REPORT_HEADER, audit
from reportgen.pipelines.bulk import bulk


def _township(name: str) -> Report:
    """A consistent township report with applications in table 三 and every prose part written."""
    table3 = Table.from_figures(
        "table3",
        {
            ("new_received", "natural_person"): 3,
            ("new_received", "commercial"): 1,
            ("granted", "natural_person"): 2,
            ("unavailable_not_held", "commercial"): 1,
            ("carried_forward", "natural_person"): 1,
        },
    )
    return Report(
        organ=Organ(name=name, kind=OrganKind.TOWNSHIP),
        year=2022,
        overview=Overview(
            intro=("本镇认真贯彻落实《中华人民共和国政府信息公开条例》。",),
            active_disclosure=Subsection(paragraphs=("通过政府网站主动公开政府信息。",)),
            information_management=Subsection(paragraphs=("建立健全信息发布审核制度。",)),
            platform=Subsection(paragraphs=("依托政府门户网站公开信息。",)),
            supervision=Subsection(paragraphs=("开展业务培训。",)),
        ),
        table3=table3,
        problems=("公开内容不够全面，下一步加强审核。",),
    )


def _rows(path: Path, sheet: str) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path)[sheet]
    values = list(ws.iter_rows(values_only=True))
    header = [str(h) for h in values[0]]
    return [dict(zip(header, row, strict=True)) for row in values[1:]]


@pytest.fixture
def county_folder(tmp_path: Path) -> Path:
    """Four township reports: one consistent, three each with one kind of inconsistency."""
    folder = tmp_path / "乡镇报告"
    folder.mkdir()
    render_docx(_township("某县甲镇人民政府"), folder / "甲镇.docx")

    broken = _township("某县乙镇人民政府")
    broken = broken.evolve(table3=broken.table3.replace(("granted", "natural_person"), 3))  # 3 + 0 ≠ 3 + 1
    dump(broken, folder / "乙镇.yaml")

    rules = _township("某县丙镇人民政府")
    t2 = rules.table2.replace(("regulations", "issued"), 1)
    render_docx(rules.evolve(table2=t2), folder / "丙镇.docx")

    prose = _township("某县丁镇人民政府")
    overview = prose.overview
    prose = prose.evolve(overview=Overview(
        intro=overview.intro,
        active_disclosure=overview.active_disclosure,
        on_request=Subsection(paragraphs=("2022年度未受理政府信息公开申请。",)),
        information_management=overview.information_management,
        platform=overview.platform,
        supervision=overview.supervision,
    ))
    dump(prose, folder / "丁镇.json")
    (folder / "说明.txt").write_text("not a report")  # other files in the folder are skipped
    return folder


def test_audit_lists_exactly_the_inconsistencies(county_folder: Path, tmp_path: Path) -> None:
    """The workbook lists one row per report and exactly the findings of the three broken ones, located."""
    out = tmp_path / "audit.xlsx"
    result = CliRunner().invoke(app, ["audit", str(county_folder), "-o", str(out)])
    assert result.exit_code == 1, result.output

    reports = {Path(str(r["文件"])).name: r for r in _rows(out, "报告")}
    assert set(reports) == {"甲镇.docx", "乙镇.yaml", "丙镇.docx", "丁镇.json"}
    assert reports["甲镇.docx"]["状态"] == "通过"
    assert reports["甲镇.docx"]["机关"] == "某县甲镇人民政府"
    assert reports["乙镇.yaml"]["状态"] == "有错误"
    assert reports["丙镇.docx"]["状态"] == "有警告"
    assert reports["丁镇.json"]["状态"] == "有错误"
    assert (reports["乙镇.yaml"]["错误数"], reports["丙镇.docx"]["警告数"]) == (1, 1)

    findings = _rows(out, "问题")
    got = sorted(
        (Path(str(f["文件"])).name, f["机关"], f["代码"], f["严重程度"], f["表格"], f["行"], f["列"])
        for f in findings
    )
    assert got == sorted([
        ("乙镇.yaml", "某县乙镇人民政府", "T3-BALANCE", "错误", "表三", None, "自然人"),
        ("丙镇.docx", "某县丙镇人民政府", "T2-TOWNSHIP-REGULATIONS", "警告", "表二", "规章", "本年制发件数"),
        ("丁镇.json", "某县丁镇人民政府", "PROSE-NO-APPLICATIONS", "错误", got_prose_table(findings), None, None),
    ])
    balance = next(f for f in findings if f["代码"] == "T3-BALANCE")
    assert (balance["期望"], balance["实际"]) == (4, 3)  # （七）总计 + 四 = 3 + 1; 一 + 二 = 3 + 0
    assert all(f["说明"] for f in findings)


def got_prose_table(findings: list[dict[str, object]]) -> object:
    """The section the prose finding names (the checks locate prose by its section title)."""
    prose = next(f for f in findings if f["代码"] == "PROSE-NO-APPLICATIONS")
    assert "依申请公开" in str(prose["表格"])
    return prose["表格"]


def test_audit_workbook_layout(county_folder: Path, tmp_path: Path) -> None:
    """Both sheets have the documented header, an autofilter over all rows and a frozen header row."""
    result = audit([county_folder], tmp_path / "audit.xlsx", jobs=1)
    wb = openpyxl.load_workbook(tmp_path / "audit.xlsx")
    reports, problems = wb["报告"], wb["问题"]
    assert tuple(c.value for c in reports[1]) == REPORT_HEADER
    assert tuple(c.value for c in problems[1]) == FINDING_HEADER
    assert reports.auto_filter.ref == f"A1:H{len(result.entries) + 1}"
    assert problems.auto_filter.ref == f"A1:K{len(result.findings) + 1}"
    assert reports.freeze_panes == problems.freeze_panes == "A2"
    assert result.exit_code == 1


def test_unreadable_report_and_formula_like_text(tmp_path: Path) -> None:
    """An unreadable file is listed as 无法读取 with its located problems; text never becomes a formula."""
    folder = tmp_path / "in"
    folder.mkdir()
    dump(_township("=1+1镇人民政府"), folder / "ok.yaml")
    (folder / "bad.yaml").write_text("year: 2022\norgan: {name: 某镇人民政府}\ntable3: {rows: {granted: x}}\n",
                                     encoding="utf-8")
    result = audit([folder], tmp_path / "audit.xlsx", jobs=2)
    statuses = {Path(e.file).name: e.status for e in result.entries}
    assert statuses == {"ok.yaml": "通过", "bad.yaml": "无法读取"}
    assert result.exit_code == 1
    ws = openpyxl.load_workbook(tmp_path / "audit.xlsx")["报告"]
    organs = [c.value for c in ws["C"]]
    assert "=1+1镇人民政府" in organs
    assert next(c for c in ws["C"] if c.value == "=1+1镇人民政府").data_type == "s"
    problems = _rows(tmp_path / "audit.xlsx", "问题")
    assert [Path(str(p["文件"])).name for p in problems] == ["bad.yaml"]
    assert problems[0]["其他位置"] == "$.table3.rows.granted"


def test_all_consistent_exits_zero(tmp_path: Path) -> None:
    """A folder of consistent reports passes: exit status 0, no findings."""
    render_docx(_township("某县甲镇人民政府"), tmp_path / "a.docx")
    dump(_township("某县乙镇人民政府"), tmp_path / "b.yaml")
    out = tmp_path / "out" / "audit.xlsx"
    result = CliRunner().invoke(app, ["audit", str(tmp_path / "a.docx"), str(tmp_path / "b.yaml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert _rows(out, "问题") == []


def test_audit_of_a_bulk_output_folder_skips_its_summary(tmp_path: Path) -> None:
    """Auditing what `reportgen bulk` wrote reads every report but not summary.xlsx (a list, not a report)."""
    from tests.conftest import EXAMPLES

    out = tmp_path / "out"
    bulk(EXAMPLES / "zhaoyuan-county-2022.xlsx", out, jobs=1)
    result = audit([out], None, jobs=1)
    files = {Path(e.file).name for e in result.entries}
    assert SUMMARY_NAME not in files
    assert len(files) == 2 * 15  # 14 townships and the roll-up, each as .docx and .xlsx
    assert not [e for e in result.entries if e.status == "无法读取"]
