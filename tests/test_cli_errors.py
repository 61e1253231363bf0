"""Issue 13: every error a user can meet on the command line — and the defects the county office hit.

``test_error_path`` walks ~60 error paths through the CLI and asserts for each: no traceback, a Chinese message
(Chinese before any English), a catalogued code, and the README's exit status (0 clean, 1 report errors,
2 cannot run).  The other tests each cover one defect of issue 13, named in their docstrings; each failed on
main before the fix.
"""

from __future__ import annotations

import codecs
import re
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import docx
import openpyxl
import pytest
import yaml
from click.testing import CliRunner, Result

import reportgen
from reportgen.cli import app
from reportgen.domain.catalogue import CATALOGUE
from reportgen.domain.errors import OutputError
from reportgen.domain.findings import Finding, Location, Severity
from reportgen.domain.naming import output_stem
from reportgen.formats.excel.county import DATA_SHEET, CountyRow, write_county_form
from reportgen.formats.excel.sheets import FINDINGS_SHEET
from reportgen.formats.excel.write import render_xlsx, write_form
from reportgen.formats.published.extract import extract
from reportgen.pipelines.generate import generate
from tests.conftest import EXAMPLES, ROOT

JINLING = EXAMPLES / "zhaoyuan-jinling-2022.yaml"
RESOURCES = EXAMPLES / "zhaoyuan-natural-resources-2022.yaml"
COUNTY = EXAMPLES / "zhaoyuan-county-2022.xlsx"
BAD_INPUTS = ROOT / "tests" / "data" / "bad_inputs"
CJK = re.compile(r"[\u4e00-\u9fff]")
CODE = re.compile(r"\[([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)\]")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def jinling() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(JINLING.read_text(encoding="utf-8"))
    return data


def unbalanced(name: str = "招远市玲珑镇人民政府") -> dict[str, Any]:
    """The Jinling example with 5 new applications, 3 granted: T3-BALANCE (5 ≠ 3) and PROSE-NO-APPLICATIONS."""
    data = jinling()
    data["organ"]["name"] = name
    data["table3"]["rows"]["new_received"]["natural_person"] = 5
    data["table3"]["rows"]["granted"]["natural_person"] = 3
    return data


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def not_a_report(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("会议纪要")
    document.add_paragraph("今天开会讨论了春游安排。")
    document.save(str(path))
    return path


def chinese_first(output: str, code: str) -> bool:
    """The message on the code's line is Chinese before it is English (paths and file names aside)."""
    line = next(line for line in output.splitlines() if code in line)
    after = line[line.index(code) + len(code):]
    # Paths, file names, suffixes, option names and format names (YAML, JSON, PDF) are neither language.
    after = re.sub(r"\S*[/\\.]\S*|'[^']*'|--?[\w-]+|\b[A-Z]{2,}\b", " ", after)
    first = re.search(r"[\u4e00-\u9fffA-Za-z]", after)
    return (first is None and bool(CJK.search(line))) or (first is not None and bool(CJK.match(first.group(0))))


# -- the error paths -------------------------------------------------------------------------------------------
Setup = Callable[[Path], list[str]]


def _bad(name: str) -> Setup:
    return lambda tmp: ["check", str(BAD_INPUTS / name)]


def _render_twice(tmp: Path) -> list[str]:
    assert invoke("render", str(JINLING), "-o", str(tmp / "out")).exit_code == 0
    return ["render", str(JINLING), "-o", str(tmp / "out")]


def _file(tmp: Path, name: str, data: bytes = b"x") -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def _bulk_folder(tmp: Path, *files: tuple[str, dict[str, Any] | bytes]) -> Path:
    folder = tmp / "in"
    folder.mkdir()
    for name, content in files:
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            write_yaml(folder / name, content)
    return folder


def _xlsx_with_balance_error(tmp: Path) -> list[str]:
    report = reportgen.load(write_yaml(tmp / "bad.yaml", unbalanced()))
    return ["check", str(render_xlsx(report, tmp / "bad.xlsx"))]


def _townships(tmp: Path, text: str, encoding: str = "utf-8") -> list[str]:
    return ["bulk-form", "-o", str(tmp / "c.xlsx"), "--townships", str(_file(tmp, "t.txt", text.encode(encoding)))]


ERROR_PATHS: list[tuple[str, Setup, int, str]] = [
    # command-line usage (click's own errors, in Chinese)
    ("usage-missing-outdir", lambda tmp: ["render", str(JINLING)], 2, "CLI-USAGE"),
    ("usage-no-inputs", lambda tmp: ["render", "-o", str(tmp)], 2, "CLI-USAGE"),
    ("usage-unknown-option", lambda tmp: ["check", "--nosuch", str(JINLING)], 2, "CLI-USAGE"),
    ("usage-unknown-command", lambda tmp: ["nosuch"], 2, "CLI-USAGE"),
    ("usage-jobs-zero", lambda tmp: ["bulk", str(tmp), "-o", str(tmp / "o"), "-j", "0"], 2, "CLI-USAGE"),
    ("usage-output-is-folder", lambda tmp: ["bulk-form", "-o", str(tmp)], 2, "CLI-USAGE"),
    ("usage-year-range", lambda tmp: ["form", "-o", str(tmp / "f.xlsx"), "--year", "1800"], 2, "CLI-USAGE"),
    ("usage-extract-missing-file", lambda tmp: ["extract", str(tmp / "none.docx")], 2, "CLI-USAGE"),
    ("usage-bulk-missing-input", lambda tmp: ["bulk", str(tmp / "none"), "-o", str(tmp / "o")], 2, "CLI-USAGE"),
    ("usage-audit-not-xlsx", lambda tmp: ["audit", str(JINLING), "-o", str(tmp / "a.txt")], 2, "CLI-USAGE"),
    ("usage-kind-choice", lambda tmp: ["new", "-o", str(tmp / "n.yaml"), "--kind", "village"], 2, "CLI-USAGE"),
    # inputs that cannot be read (check)
    ("check-missing-file", lambda tmp: ["check", str(tmp / "none.yaml")], 2, "IN-FILE"),
    ("check-folder", lambda tmp: ["check", str(tmp)], 2, "IN-FILE"),
    ("check-suffix", lambda tmp: ["check", str(_file(tmp, "a.txt"))], 2, "IN-SUFFIX"),
    ("check-empty", _bad("empty.yaml"), 2, "IN-EMPTY"),
    ("check-gbk", _bad("gbk-encoded.yaml"), 2, "IN-ENCODING"),
    ("check-yaml-syntax", _bad("malformed-quote.yaml"), 2, "IN-YAML"),
    ("check-yaml-tab", _bad("malformed-tab.yaml"), 2, "IN-YAML"),
    ("check-json-comma", _bad("json-trailing-comma.json"), 2, "IN-JSON"),
    ("check-duplicate-key", _bad("duplicate-key.yaml"), 2, "IN-DUPLICATE-KEY"),
    ("check-negative", _bad("negative-count.yaml"), 2, "IN-NEGATIVE"),
    ("check-fraction", _bad("fractional-count.yaml"), 2, "IN-FRACTION"),
    ("check-bad-date", _bad("bad-date.yaml"), 2, "IN-DATE"),
    ("check-bad-kind", _bad("bad-kind.yaml"), 2, "IN-KIND"),
    ("check-missing-year", _bad("missing-year.yaml"), 2, "IN-YEAR"),
    ("check-column-typo", _bad("column-typo.yaml"), 2, "IN-UNKNOWN-KEY"),
    ("check-corrupt-xlsx", lambda tmp: ["check", str(_file(tmp, "a.xlsx", b"PK\x03\x04broken"))], 2, "IN-"),
    ("check-corrupt-docx", lambda tmp: ["check", str(_file(tmp, "a.docx", b"not a zip"))], 2, "EX-OPEN"),
    ("check-county-workbook", lambda tmp: ["check", str(COUNTY)], 2, "IN-COUNTY-WORKBOOK"),
    ("check-not-a-report-docx", lambda tmp: ["check", str(not_a_report(tmp / "n.docx"))], 2, "EX-NOT-REPORT"),
    ("check-not-a-report-html", lambda tmp: ["check", str(_file(
        tmp, "n.html", "<html><body><h1>新闻</h1><p>今天天气很好。</p></body></html>".encode()))], 2, "EX-NOT-REPORT"),
    ("check-previous-unreadable", lambda tmp: ["check", str(JINLING), "--previous", str(tmp / "none.yaml")], 2,
     "IN-FILE"),
    # report errors (exit 1)
    ("check-balance", lambda tmp: ["check", str(write_yaml(tmp / "b.yaml", unbalanced()))], 1, "T3-BALANCE"),
    ("check-balance-xlsx", _xlsx_with_balance_error, 1, "T3-BALANCE"),
    ("render-balance", lambda tmp: ["render", str(write_yaml(tmp / "b.yaml", unbalanced())), "-o", str(tmp / "o")],
     1, "T3-BALANCE"),
    # render
    ("render-exists", _render_twice, 2, "OUT-EXISTS"),
    ("render-outdir-under-file", lambda tmp: ["render", str(JINLING), "-o", str(_file(tmp, "f") / "sub")], 2,
     "OUT-WRITE"),
    ("render-template-missing", lambda tmp: ["render", str(JINLING), "-o", str(tmp / "o"), "-t",
                                             str(tmp / "none.docx")], 2, "TPL-NOT-FOUND"),
    ("render-template-not-docx", lambda tmp: ["render", str(JINLING), "-o", str(tmp / "o"), "-t",
                                              str(_file(tmp, "t.docx", b"garbage"))], 2, "TPL-NOT-DOCX"),
    ("render-pdf-no-libreoffice", lambda tmp: ["render", str(JINLING), "-o", str(tmp / "o"), "--pdf", "--soffice",
                                               str(tmp / "no-soffice")], 2, "CONVERT-NO-LIBREOFFICE"),
    ("render-unreadable-input", lambda tmp: ["render", str(BAD_INPUTS / "negative-count.yaml"), "-o",
                                             str(tmp / "o")], 2, "IN-NEGATIVE"),
    ("render-county-workbook", lambda tmp: ["render", str(COUNTY), "-o", str(tmp / "o")], 2, "IN-COUNTY-WORKBOOK"),
    # new / form
    ("new-exists", lambda tmp: ["new", "-o", str(_file(tmp, "n.yaml"))], 2, "OUT-EXISTS"),
    ("new-suffix", lambda tmp: ["new", "-o", str(tmp / "n.txt")], 2, "CLI-OUTPUT-SUFFIX"),
    ("new-under-file", lambda tmp: ["new", "-o", str(_file(tmp, "f") / "n.yaml")], 2, "OUT-WRITE"),
    ("form-exists", lambda tmp: ["form", "-o", str(_file(tmp, "f.xlsx"))], 2, "OUT-EXISTS"),
    ("form-suffix", lambda tmp: ["form", "-o", str(tmp / "f.xls")], 2, "CLI-OUTPUT-SUFFIX"),
    # bulk-form
    ("bulk-form-empty-list", lambda tmp: _townships(tmp, "\n\n"), 2, "IN-TOWNSHIP-EMPTY"),
    ("bulk-form-header-only", lambda tmp: _townships(tmp, "乡镇名称\n"), 2, "IN-TOWNSHIP-EMPTY"),
    ("bulk-form-duplicates", lambda tmp: _townships(tmp, "金岭镇\n玲珑镇\n金岭镇\n"), 2, "IN-TOWNSHIP-DUPLICATE"),
    ("bulk-form-bad-xlsx", lambda tmp: ["bulk-form", "-o", str(tmp / "c.xlsx"), "--townships",
                                        str(_file(tmp, "t.xlsx", b"garbage"))], 2, "IN-XLSX-OPEN"),
    ("bulk-form-exists", lambda tmp: ["bulk-form", "-o", str(_file(tmp, "c.xlsx")), "--townships",
                                      str(_file(tmp, "t.txt", "金岭镇".encode()))], 2, "OUT-EXISTS"),
    ("bulk-form-suffix", lambda tmp: ["bulk-form", "-o", str(tmp / "c.txt"), "--townships",
                                      str(_file(tmp, "t.txt", "金岭镇".encode()))], 2, "CLI-OUTPUT-SUFFIX"),
    # bulk
    ("bulk-empty-folder", lambda tmp: ["bulk", str(_bulk_folder(tmp)), "-o", str(tmp / "o")], 2, "CLI-EMPTY"),
    ("bulk-township-errors", lambda tmp: ["bulk", str(_bulk_folder(tmp, ("b.yaml", unbalanced()))), "-o",
                                          str(tmp / "o"), "-j", "1"], 1, "T3-BALANCE"),
    ("bulk-township-fails", lambda tmp: ["bulk", str(_bulk_folder(tmp, ("b.yaml", b"a: [1"))), "-o",
                                         str(tmp / "o"), "-j", "1"], 1, "IN-YAML"),
    ("bulk-bad-template", lambda tmp: ["bulk", str(COUNTY), "-o", str(tmp / "o"), "-t",
                                       str(_file(tmp, "t.docx", b"garbage"))], 2, "TPL-NOT-DOCX"),
    ("bulk-broken-county", lambda tmp: ["bulk", str(_file(tmp, "c.xlsx", b"PK\x03\x04broken")), "-o",
                                        str(tmp / "o"), "-j", "1"], 1, "IN-"),
    # audit
    ("audit-empty-folder", lambda tmp: ["audit", str(_bulk_folder(tmp)), "-o", str(tmp / "a.xlsx")], 2, "CLI-EMPTY"),
    ("audit-errors", lambda tmp: ["audit", str(write_yaml(tmp / "b.yaml", unbalanced())), "-o",
                                  str(tmp / "a.xlsx"), "-j", "1"], 1, "T3-BALANCE"),
    # extract
    ("extract-not-a-report", lambda tmp: ["extract", str(not_a_report(tmp / "n.docx"))], 2, "EX-NOT-REPORT"),
    ("extract-suffix", lambda tmp: ["extract", str(_file(tmp, "a.txt"))], 2, "EX-SUFFIX"),
    ("extract-corrupt-docx", lambda tmp: ["extract", str(_file(tmp, "a.docx", b"not a zip"))], 2, "EX-OPEN"),
]


@pytest.mark.parametrize(("setup", "status", "code"), [p[1:] for p in ERROR_PATHS], ids=[p[0] for p in ERROR_PATHS])
def test_error_path(tmp_path: Path, setup: Setup, status: int, code: str) -> None:
    """Issue 13 acceptance: no traceback, a Chinese message (Chinese first), a catalogued code, the documented
    exit status (0 clean · 1 report errors · 2 cannot run)."""
    args = setup(tmp_path)
    result = invoke(*args)
    output = result.output
    assert result.exit_code == status, output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), output
    assert "Traceback" not in output
    codes = CODE.findall(output) + re.findall(r"(?m)^│ ([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+) ", output)
    assert codes, output
    assert all(c in CATALOGUE for c in codes), [c for c in codes if c not in CATALOGUE]
    shown = next(c for c in codes if c.startswith(code))
    assert CJK.search(output)
    assert chinese_first(output, shown), output


def test_error_path_through_the_console_command(tmp_path: Path) -> None:
    """Issue 13 acceptance, one path through a real process: a county workbook given to check exits 2 with one
    Chinese message and its code on standard output, nothing on a traceback."""
    proc = subprocess.run([sys.executable, "-m", "reportgen", "check", str(COUNTY)], capture_output=True, text=True,
                          cwd=tmp_path, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout.count("[IN-COUNTY-WORKBOOK]") == 1
    assert "reportgen bulk --check-only" in proc.stdout


# -- defect 1: the township list -------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["gbk", "utf-16", "utf-8-sig"])
def test_bulk_form_reads_windows_lists(tmp_path: Path, encoding: str) -> None:
    """Defect 1: a list saved by Notepad/Excel (GBK, UTF-16) has its header line skipped and a tab-indented line
    kept; the CLI writes the workbook instead of a UnicodeDecodeError traceback."""
    text = "乡镇名称\r\n金岭镇\r\n\t玲珑镇\r\n"
    raw = text.encode(encoding)
    if encoding == "utf-16":
        assert raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    result = invoke("bulk-form", "-o", str(tmp_path / "c.xlsx"), "--townships",
                    str(_file(tmp_path, "t.txt", raw)), "--year", "2023", "--county", "招远市")
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(tmp_path / "c.xlsx")[DATA_SHEET]
    names = [ws.cell(r, 1).value for r in range(4, 8) if ws.cell(r, 1).value]
    assert names == ["金岭镇", "玲珑镇"]


def test_bulk_form_reads_an_xlsx_list(tmp_path: Path) -> None:
    """Defect 1: a list kept in Excel (.xlsx, 序号 column and header) is read like a text list."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in (("序号", "乡镇名称", "机关全称"), (1, "金岭镇", "招远市金岭镇人民政府"), (2, "玲珑镇", None)):
        ws.append(row)
    wb.save(tmp_path / "t.xlsx")
    result = invoke("bulk-form", "-o", str(tmp_path / "c.xlsx"), "--townships", str(tmp_path / "t.xlsx"))
    assert result.exit_code == 0, result.output
    data = openpyxl.load_workbook(tmp_path / "c.xlsx")[DATA_SHEET]
    assert [data.cell(r, 1).value for r in (4, 5)] == ["金岭镇", "玲珑镇"]
    assert data.cell(4, 2).value == "招远市金岭镇人民政府"


# -- defects 2, 3, 8: bulk's closing words and the roll-up -----------------------------------------------------
def test_bulk_says_one_true_thing_about_the_rollup(tmp_path: Path) -> None:
    """Defect 2: a successful bulk prints the 县级汇总 line and never "没有可汇总的报告" after it; defect 8: its
    closing table names every township's status and says 机关 when a 局 is among the inputs."""
    folder = _bulk_folder(tmp_path, ("a.yaml", jinling()), ("b.yaml", yaml.safe_load(RESOURCES.read_text("utf-8"))))
    result = invoke("bulk", str(folder), "-o", str(tmp_path / "o"), "-j", "1")
    assert result.exit_code == 0, result.output
    assert "县级汇总 (roll-up" in result.output
    assert "没有可汇总" not in result.output
    assert "共 2 个机关" in result.output
    assert "招远市金岭镇人民政府" in result.output
    assert "招远市自然资源和规划局" in result.output
    assert "有警告" in result.output
    assert "通过" in result.output


def test_bulk_of_townships_says_townships_and_names_a_stem_as_one(tmp_path: Path) -> None:
    """Defect 8: inputs that are all townships are "乡镇（街道）"; a township that did not load is named by its
    file name with a word that it is one, not silently by the stem."""
    folder = _bulk_folder(tmp_path, ("a.yaml", jinling()), ("破损.yaml", b"a: [1"))
    result = invoke("bulk", str(folder), "-o", str(tmp_path / "o"), "-j", "1")
    assert result.exit_code == 1
    assert "共 2 个乡镇（街道）" in result.output
    assert "破损（未读出机关名称，按文件名）" in result.output


def test_rollup_leaves_out_townships_with_errors(tmp_path: Path) -> None:
    """Defect 3: a township with errors is not summed (named in the roll-up with the reason); the roll-up passes
    its own checks; --rollup-include-errors sums it and the roll-up's own findings are printed."""
    folder = _bulk_folder(tmp_path, ("a.yaml", jinling()), ("b.yaml", unbalanced()))
    result = reportgen.bulk(folder, tmp_path / "o", jobs=1)
    assert [o.in_rollup for o in result.outcomes] == [True, False]
    assert result.rollup is not None
    assert not any(f.is_error for f in result.rollup_findings)
    intro = "".join(result.rollup.overview.intro)
    assert "招远市玲珑镇人民政府（有错误" in intro
    assert result.rollup.table3.value("new_received", "natural_person") == jinling()["table3"]["rows"][
        "new_received"]["natural_person"]
    assert "--rollup-include-errors" not in intro  # a published document names no command-line option
    cli = invoke("bulk", str(folder), "-o", str(tmp_path / "o2"), "-j", "1", "--rollup-include-errors")
    assert cli.exit_code == 1
    assert "县级汇总：[T3-BALANCE]" in cli.output
    summed = reportgen.bulk(folder, tmp_path / "o3", jobs=1, rollup_include_errors=True)
    assert summed.rollup is not None
    assert "其中1个计入汇总的报告本身有错误" in "".join(summed.rollup.overview.intro)


def test_empty_folder_says_why(tmp_path: Path) -> None:
    """Defect 8: bulk and audit of an empty folder exit 2 with a message (not "共 0 个", exit 0)."""
    (tmp_path / "in").mkdir()
    for args in (["bulk", str(tmp_path / "in"), "-o", str(tmp_path / "o")],
                 ["audit", str(tmp_path / "in"), "-o", str(tmp_path / "a.xlsx")]):
        result = invoke(*args)
        assert result.exit_code == 2
        assert "[CLI-EMPTY]" in result.output
        assert "共 0 个" not in result.output


# -- defect 4 ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["check", "render"])
def test_county_workbook_is_named_as_one(tmp_path: Path, command: str) -> None:
    """Defect 4: check/render on a county workbook say what it is and point to bulk / bulk --check-only — one
    message, a code — instead of eight 请勿修改表中的文字标签 errors."""
    args = [command, str(COUNTY)] + (["-o", str(tmp_path / "o")] if command == "render" else [])
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.output.count("IN-COUNTY-WORKBOOK") == 1
    assert "IN-XLSX-LABEL" not in result.output
    assert "bulk --check-only" in result.output


# -- defect 5 ---------------------------------------------------------------------------------------------------
def test_findings_of_a_workbook_name_sheet_and_cell(tmp_path: Path) -> None:
    """Defect 5: every finding of an .xlsx input carries sheet!cell (T3-BALANCE, PROSE-*, OVERVIEW-LENGTH) and no
    YAML path; the cell is where the figure was typed."""
    args = _xlsx_with_balance_error(tmp_path)
    result = invoke("check", "--json", args[1])
    (entry,) = __import__("json").loads(result.output)
    assert entry["findings"]
    for finding in entry["findings"]:
        assert finding["location"]["cell"], finding
        assert finding["location"]["path"] is None
    balance = next(f for f in entry["findings"] if f["code"] == "T3-BALANCE")
    sheet, cells = balance["location"]["cell"].split("!")
    ws = openpyxl.load_workbook(args[1])[sheet]
    assert ws[cells.split(":")[0]].value == 5  # 本年新收 自然人, as typed
    table = invoke("check", args[1]).output
    assert "$." not in table


def test_county_row_findings_name_the_row_cells(tmp_path: Path) -> None:
    """Defect 5: a county row's check findings name cells of its 数据 row; the row is spelled 数据!r:r everywhere."""
    rows = [CountyRow(name="金岭镇", figures={("table3", "new_received", "natural_person"): 5}),
            CountyRow(name="玲珑镇")]
    county = write_county_form(tmp_path / "c.xlsx", rows, year=2022, county="招远市")
    result = reportgen.bulk(county, tmp_path / "o", jobs=1, check_only=True)
    first = result.outcomes[0]
    assert first.source == f"c.xlsx {DATA_SHEET}!4:4"
    assert result.outcomes[1].source == f"c.xlsx {DATA_SHEET}!5:5"
    balance = next(f for f in first.findings if f.code == "T3-BALANCE")
    assert balance.location.cell is not None
    assert balance.location.cell.startswith(f"{DATA_SHEET}!")
    assert balance.location.cell.split(":")[0].endswith("4")
    assert all(f.location.cell for f in first.findings)


# -- defect 6 ---------------------------------------------------------------------------------------------------
def test_out_write_names_the_file_in_chinese(tmp_path: Path) -> None:
    """Defect 6: OUT-WRITE names the file and says why in Chinese (no English errno)."""
    blocker = _file(tmp_path, "f")
    result = invoke("render", str(JINLING), "-o", str(blocker / "sub"))
    assert result.exit_code == 2
    assert "[OUT-WRITE]" in result.output
    assert str(blocker / "sub") in result.output
    assert "路径中有一段是文件而不是文件夹" in result.output
    assert "Not a directory" not in result.output
    assert "Errno" not in result.output


def test_check_footer_counts_what_it_shows_and_prints_once(tmp_path: Path) -> None:
    """Defect 6: an unreadable file's findings are counted in the footer (never "错误 0 条" above its errors), and
    a single-message failure is printed once."""
    many = invoke("check", str(BAD_INPUTS / "many-problems.yaml"))
    shown = len(re.findall(r"(?m)^│ [A-Z]+-[A-Z-]+ +│ 错误", many.output))
    assert shown > 1
    assert f"错误 {shown} 条" in many.output
    single = invoke("check", str(tmp_path / "none.yaml"))
    assert single.output.count("[IN-FILE]") == 1
    assert "错误 1 条" in single.output


def test_not_an_annual_report(tmp_path: Path) -> None:
    """Defect 6: a .docx that is not an annual report is EX-NOT-REPORT "不是政府信息公开工作年度报告", not "找不到表二"."""
    path = not_a_report(tmp_path / "n.docx")
    for args in (["check", str(path)], ["extract", str(path)]):
        result = invoke(*args)
        assert result.exit_code == 2
        assert "不是政府信息公开工作年度报告" in result.output
        assert "找不到表二" not in result.output


# -- defect 7 ---------------------------------------------------------------------------------------------------
def test_render_keeps_existing_outputs_without_force(tmp_path: Path) -> None:
    """Defect 7: render refuses to overwrite a (perhaps hand-edited) .docx without --force; --force overwrites."""
    assert invoke("render", str(JINLING), "-o", str(tmp_path)).exit_code == 0
    (written,) = tmp_path.glob("*.docx")
    written.write_bytes(b"hand-edited")
    again = invoke("render", str(JINLING), "-o", str(tmp_path))
    assert again.exit_code == 2
    assert "[OUT-EXISTS]" in again.output
    assert written.read_bytes() == b"hand-edited"
    forced = invoke("render", str(JINLING), "-o", str(tmp_path), "--force")
    assert forced.exit_code == 0
    assert written.read_bytes() != b"hand-edited"


def test_pdf_without_libreoffice_exits_2_before_writing(tmp_path: Path) -> None:
    """Defect 7: --pdf without LibreOffice is "cannot run" (exit 2), and nothing is written."""
    result = invoke("render", str(JINLING), "-o", str(tmp_path / "o"), "--pdf", "--soffice", str(tmp_path / "none"))
    assert result.exit_code == 2
    assert "CONVERT-NO-LIBREOFFICE" in result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.libreoffice
def test_font_substitution_is_said_once(tmp_path: Path, soffice: str) -> None:
    """Defect 7: with two reports converted, the CLI says at most once that the official fonts were substituted
    (and says it whenever LibreOffice reported a substitution)."""
    result = invoke("render", str(JINLING), str(RESOURCES), "-o", str(tmp_path), "--pdf", "--soffice", soffice)
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("*.pdf"))) == 2
    assert result.output.count("本机未安装公文字体") <= 1


# -- defect 8 ---------------------------------------------------------------------------------------------------
def test_previous_says_it_filled_carried_over(tmp_path: Path) -> None:
    """Defect 8: --previous says that it filled 上年结转, naming the file."""
    last = jinling()
    last["year"] = 2021
    last["table3"]["rows"]["carried_forward"]["natural_person"] = 2
    last["table3"]["rows"]["new_received"]["natural_person"] = 2
    previous = write_yaml(tmp_path / "2021.yaml", last)
    this = jinling()
    del this["table3"]["rows"]["carried_over"]
    current = write_yaml(tmp_path / "2022.yaml", this)
    for args in (["check", str(current)], ["render", str(current), "-o", str(tmp_path / "o")]):
        result = invoke(*args, "--previous", str(previous))
        assert "[CLI-PREVIOUS-USED]" in result.output, result.output
        assert str(previous) in result.output
        assert "已用其“结转下年度继续办理”填写表三“上年结转”" in result.output


def test_findings_sheet_values_are_numbers(tmp_path: Path) -> None:
    """Defect 8: 期望/实际 in the 检查结果 sheet are numbers when numeric (also findings read back from JSON)."""
    report = reportgen.load(JINLING)
    findings = [Finding(code="T3-BALANCE", severity=Severity.ERROR, message="m", location=Location(table="表三"),
                        expected="5", actual=3),
                Finding(code="T2-TOWNSHIP-REGULATIONS", severity=Severity.ERROR, message="m", expected="1.25",
                        actual=Decimal("2.5")),
                Finding(code="PREVIOUS-MISMATCH", severity=Severity.WARNING, message="m", expected="金岭镇 2021年度")]
    path = render_xlsx(report, tmp_path / "r.xlsx", findings=findings)
    ws = openpyxl.load_workbook(path)[FINDINGS_SHEET]
    header = [c.value for c in ws[1]]
    exp, act = header.index("期望") + 1, header.index("实际") + 1
    assert [ws.cell(r, exp).value for r in (2, 3, 4)] == [5, 1.25, "金岭镇 2021年度"]
    assert [ws.cell(r, act).value for r in (2, 3)] == [3, 2.5]


# -- defect 10 --------------------------------------------------------------------------------------------------
def test_extract_reads_the_publication_date_and_place(tmp_path: Path) -> None:
    """Defect 10: extract reads back the 落款 date (on its own line or after the organ on one line) and the
    organ's province, city and county its printed name gives."""
    report = reportgen.load(JINLING)
    report = report.evolve(organ=attrs.evolve(report.organ, name="山东省烟台市招远市金岭镇人民政府"))
    base = reportgen.render_docx(report, tmp_path / "r.docx")
    for n, signature in enumerate((["山东省烟台市招远市金岭镇人民政府", "2023年1月18日"],
                                   ["山东省烟台市招远市金岭镇人民政府　2023年1月18日"])):
        document = docx.Document(str(base))
        for line in signature:
            document.add_paragraph(line)
        path = tmp_path / f"signed{n}.docx"
        document.save(str(path))
        read = extract(path)
        assert read.publication_date is not None
        assert read.publication_date.isoformat() == "2023-01-18"
        assert (read.organ.province, read.organ.city, read.organ.county) == ("山东省", "烟台市", "招远市")
        assert "2023年1月18日" not in "".join(p for item in read.other_matters for p in item.paragraphs or ())


# -- defect 11 --------------------------------------------------------------------------------------------------
def test_render_targets(tmp_path: Path) -> None:
    """Defect 11: render_xlsx takes a folder like render_docx; a path with another suffix raises OUT-TARGET and
    writes nothing (no workbook named .docx, no folder named x.pdf)."""
    report = reportgen.load(JINLING)
    folder = tmp_path / "out"
    folder.mkdir()
    xlsx = reportgen.render_xlsx(report, folder)
    assert xlsx.parent == folder
    assert xlsx.suffix == ".xlsx"
    assert xlsx.is_file()
    assert reportgen.render_xlsx(report, tmp_path / "new-folder").is_file()
    with pytest.raises(OutputError) as wrong_xlsx:
        reportgen.render_xlsx(report, tmp_path / "y.docx")
    assert wrong_xlsx.value.code == "OUT-TARGET"
    with pytest.raises(OutputError) as wrong_docx:
        reportgen.render_docx(report, tmp_path / "x.pdf")
    assert wrong_docx.value.code == "OUT-TARGET"
    assert not (tmp_path / "y.docx").exists()
    assert not (tmp_path / "x.pdf").exists()


def test_write_form_is_unchanged_by_targets(tmp_path: Path) -> None:
    """Defect 11 (regression): the blank form is still written where it is asked to be."""
    assert write_form(tmp_path / "f.xlsx").is_file()


def test_an_existing_pdf_is_kept_too(tmp_path: Path) -> None:
    """Defect 7: without --force, render --pdf keeps an existing PDF of the report — and then writes nothing else."""
    report = reportgen.load(JINLING)
    pdf = tmp_path / f"{output_stem(report)}.pdf"
    pdf.write_bytes(b"%PDF-1.4 signed copy")
    with pytest.raises(OutputError) as refused:
        generate(JINLING, tmp_path, overwrite=False, companions=(".pdf",))
    assert refused.value.code == "OUT-EXISTS"
    assert str(pdf) in refused.value.message
    assert list(tmp_path.iterdir()) == [pdf]
