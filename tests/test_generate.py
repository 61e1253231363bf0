"""generate(): one call from an input file to the checked Word report and Excel workbook."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document

from reportgen import Report, generate, load
from reportgen.cli import app
from reportgen.domain.errors import OutputError
from reportgen.domain.findings import FINDING_COLUMNS
from reportgen.domain.naming import UniqueStems
from reportgen.formats.excel.sheets import FINDINGS_SHEET
from reportgen.pipelines.generate import read_and_check

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


def test_one_unreadable_input_does_not_stop_the_others(tmp_path: Path) -> None:
    """render: a broken .docx among the inputs is reported (exit 2) and the good input is still written."""
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["render", str(broken), str(EXAMPLES / "zhaoyuan-natural-resources-2022.yaml"), "-o", str(out)]
    )
    assert result.exit_code == 2, result.output
    assert "EX-OPEN" in result.output
    assert (out / "招远市自然资源和规划局2022年度政府信息公开工作年度报告.docx").exists()


def test_very_long_organ_name_still_gives_a_file(tmp_path: Path) -> None:
    """A 100-character organ name is cut to a file name the file system accepts (255 bytes)."""
    report = load(EXAMPLES / "zhaoyuan-natural-resources-2022.yaml")
    long_name = "招远市" + "很长的机关名称" * 14 + "局"
    result = generate(report.evolve(organ=report.organ.__class__(name=long_name)), tmp_path)
    assert result.docx.exists()
    assert len(result.docx.name.encode("utf-8")) <= 255


def test_unwritable_output_is_a_located_error(tmp_path: Path) -> None:
    """An output folder that cannot be created gives OutputError naming the file, not an OSError."""
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError) as exc:
        generate(EXAMPLES / "zhaoyuan-natural-resources-2022.yaml", blocker / "out")
    assert exc.value.code == "OUT-WRITE"
    assert "file-not-folder" in (exc.value.location.file or "")
    assert "无法写入文件" in exc.value.message


def test_the_pair_is_written_together_or_not_at_all(tmp_path: Path) -> None:
    """When the .xlsx cannot be written (its name is taken by a folder), the .docx is not written either, and
    no temporary file is left behind."""
    source = EXAMPLES / "zhaoyuan-natural-resources-2022.yaml"
    stem = "招远市自然资源和规划局2022年度政府信息公开工作年度报告"
    (tmp_path / f"{stem}.xlsx").mkdir()
    with pytest.raises(OutputError):
        generate(source, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{stem}.xlsx"]
    assert (tmp_path / f"{stem}.xlsx").is_dir()


def test_read_and_check_is_the_pipeline_of_render_check_and_audit(tmp_path: Path) -> None:
    """read_and_check gives the findings render writes into the workbook: located in the input file and organ."""
    source = EXAMPLES / "zhaoyuan-natural-resources-2022.yaml"
    report = load(source)
    bad = report.evolve(table3=report.table3.replace(("new_received", "natural_person"), 1))
    checked = read_and_check(bad, file="x.yaml")
    assert "T3-BALANCE" in {f.code for f in checked.findings}
    assert {(f.location.file, f.location.organ) for f in checked.findings} == {("x.yaml", report.organ.name)}
    result = generate(bad, tmp_path)
    assert result.findings == read_and_check(bad).findings
    assert result.xlsx is not None
    sheet = openpyxl.load_workbook(result.xlsx)[FINDINGS_SHEET]
    assert tuple(c.value for c in sheet[1]) == FINDING_COLUMNS
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == {f.code for f in result.findings}
