"""generate(): one call from an input file to the checked Word report and Excel workbook."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from docx import Document

from reportgen import Report, generate, load
from reportgen.naming import UniqueStems

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_generate_writes_both_documents(tmp_path: Path) -> None:
    """The example gives a .docx with the title and a .xlsx with the figures, and its findings."""
    result = generate(EXAMPLES / "zhaoyuan-natural-resources-2022.yaml", tmp_path)
    assert result.docx.name == "招远市自然资源和规划局2022年度政府信息公开工作年度报告.docx"
    assert result.xlsx is not None
    assert result.xlsx.exists()
    assert not result.has_errors
    text = "\n".join(p.text for p in Document(str(result.docx)).paragraphs)
    assert result.report.title in text.replace("\n", "")
    wb = openpyxl.load_workbook(result.xlsx, data_only=True)
    numbers = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, int)}
    assert result.report.table3.value("new_received", "total") in numbers


def test_same_organ_twice_gets_distinct_files(tmp_path: Path) -> None:
    """Two inputs for the same organ and year never overwrite each other when they share `names`."""
    names = UniqueStems()
    source = EXAMPLES / "zhaoyuan-jinling-2022.yaml"
    first = generate(source, tmp_path, names=names, xlsx=False)
    second = generate(source, tmp_path, names=names, xlsx=False)
    assert first.docx != second.docx
    assert second.docx.stem.endswith("-2")
    assert first.docx.exists()
    assert second.docx.exists()


def test_generate_from_a_model_and_previous_year(tmp_path: Path) -> None:
    """A Report object renders too; last year's report enables the cross-year checks."""
    report = load(EXAMPLES / "zhaoyuan-natural-resources-2022.yaml")
    ref = ("carried_forward", "natural_person")
    figure = report.table3.count(*ref)
    last_year: Report = report.evolve(year=2021, table3=report.table3.replace(ref, figure + 1))
    result = generate(report, tmp_path, previous=[last_year])
    carry = [f for f in result.findings if f.code == "T3-CARRY-OVER"]
    assert [(f.location.column, f.expected, f.actual) for f in carry] == [
        ("自然人", figure + 1, report.table3.count("carried_over", "natural_person"))
    ]
    assert result.docx.exists()
