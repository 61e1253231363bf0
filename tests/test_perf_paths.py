"""The fast paths of the user's path behave as the plain ones: county rows cut from the XML and built in
workers, the streamed summary, the spliced county workbook, the direct YAML construction, parallel check,
and ``bulk --pdf`` through one warm LibreOffice per worker.  Behaviour only — timing is in benchmarks/."""

from __future__ import annotations

import copy
import datetime as dt
import gc
import json
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.cli import app
from reportgen.domain.model import OrganKind, Report
from reportgen.formats.excel import county as county_mod
from reportgen.formats.excel.county import CountyRow, figure_columns, write_county_form
from reportgen.formats.inputs import mapping
from reportgen.formats.inputs.mapping import dump
from reportgen.formats.load import load
from reportgen.pipelines.bulk import bulk, chunk_size
from reportgen.pipelines.bulk.sources import sources
from reportgen.pipelines.checkfiles import PARALLEL_FROM, check_files
from reportgen.pipelines.generate import read_and_check, render_documents

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "zhaoyuan-county-2022.xlsx"
YAML_EXAMPLE = ROOT / "examples" / "zhaoyuan-jinling-2022.yaml"


def _openpyxl_rows(path: Path) -> list[tuple[int, tuple[object, ...]]]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = []
        for r, values in enumerate(wb[county_mod.DATA_SHEET].iter_rows(min_row=4, values_only=True), start=4):
            if any(v is not None and str(v).strip() for v in values):
                trimmed = list(values)
                while trimmed and trimmed[-1] is None:
                    trimmed.pop()
                rows.append((r, tuple(trimmed)))
        return rows
    finally:
        wb.close()


def _trim(values: tuple[object, ...]) -> tuple[object, ...]:
    out = list(values)
    while out and out[-1] is None:
        out.pop()
    return tuple(out)


def test_raw_rows_read_as_openpyxl_reads_them(tmp_path: Path) -> None:
    """Rows cut from the 数据 sheet's XML give the values openpyxl's read-only mode gives: text with markup
    characters, dates, amounts, figures; blank rows are skipped; an override for an unknown township comes last."""
    rows = [
        CountyRow(name="金岭镇", organ="招远市金岭镇人民政府", kind=OrganKind.TOWNSHIP),
        CountyRow(name="A&<b>\"镇", publication_date=dt.date(2023, 1, 18), processing_fee=Decimal("1.5"),
                  figures={("table3", "new_received", "natural_person"): 3}),
        CountyRow(name="泉山街道"),
    ]
    path = write_county_form(tmp_path / "c.xlsx", rows, year=2022, county="招远市",
                             overrides=[("不存在镇", "problems", "", "文字")])
    wb = openpyxl.load_workbook(path)
    wb[county_mod.DATA_SHEET].insert_rows(6)  # a blank row in between, as a user leaves one
    wb.save(path)
    streamed = list(county_mod.stream_rows(path))
    raw = [item for item in streamed if not isinstance(item, county_mod.CountyEntry)]
    context = county_mod._context(path)
    assert [(r, _trim(context.values(xml))) for r, xml in raw] == _openpyxl_rows(path)
    # rows as openpyxl saves them (the 校验 formula without a result) take the one-expression path
    assert all(context._plain_values(xml) is not None for _, xml in raw)
    assert [county_mod.row_township(path, row) for row in raw] == ["金岭镇", "A&<b>\"镇", "泉山街道"]
    last = streamed[-1]
    assert isinstance(last, county_mod.CountyEntry)
    assert last.name == "不存在镇"
    built = [county_mod.build_row(path, row) for row in raw]
    assert [entry.name for entry in built] == [entry.name for entry in county_mod.read_county(path)[:3]]
    report = built[1].result
    assert isinstance(report, Report)
    assert report.publication_date == dt.date(2023, 1, 18)
    assert report.table3.figures[("new_received", "natural_person")] == 3


def test_the_example_county_workbook_reads_the_same_both_ways() -> None:
    """The shipped county workbook (written by openpyxl, shared strings) builds the same reports row by row."""
    entries = county_mod.read_county(EXAMPLE)
    raw = [item for item in county_mod.stream_rows(EXAMPLE) if not isinstance(item, county_mod.CountyEntry)]
    assert [repr(county_mod.build_row(EXAMPLE, row)) for row in raw] == [repr(e) for e in entries[:len(raw)]]


_CELL_KINDS = st.sampled_from(["", "n", "s", "str", "b", "e", "inlineStr"])
_CELL_VALUES = st.sampled_from([None, "<v/>", "<v></v>", "<v>0</v>", "<v>3</v>", "<v>1</v>", "<v>2.5</v>",
                                "<v>1E3</v>", "<v> </v>", "<v>true</v>", "<v>通过</v>", "<v>A&amp;B&#x4E00;</v>",
                                "<v>#DIV/0!</v>"])
_FORMULAS = st.sampled_from([None, "<f>SUM(E7:F7)</f>", '<f t="shared" ref="FP7:FP9" si="0">IF(A7="","",1)</f>',
                             '<f t="shared" si="0"/>', "<f></f>", "<f>&quot;a&quot;&amp;B7</f>"])


@st.composite
def _county_xml_rows(draw: st.DrawFn) -> bytes:
    """One 数据 row of cells as Excel, WPS, openpyxl and bulk-form write them (values, formulas with and without a
    cached result, inline strings), in order and with gaps."""
    cells = []
    col = 0
    for _ in range(draw(st.integers(0, 8))):
        col += draw(st.integers(1, 30))
        kind = draw(_CELL_KINDS)
        style = draw(st.sampled_from(["", ' s="0"', ' s="4"', ' s="12"']))  # 4: a date format in the example
        kind_attr = f' t="{kind}"' if kind else ""
        letters = openpyxl.utils.get_column_letter(col)
        if kind == "inlineStr" and draw(st.booleans()):
            body = draw(st.sampled_from(["<is><t>金岭镇</t></is>", "<is><t></t></is>", "<is><t>a&lt;b</t></is>",
                                         '<is><t xml:space="preserve"> x </t></is>']))
        else:
            value = draw(_CELL_VALUES)
            if kind == "s" and value is not None:
                value = draw(st.sampled_from([None, "<v>0</v>", "<v>1</v>"]))
            if kind in ("", "n") and value is not None:  # a number (or nothing) in a number cell
                value = draw(st.sampled_from([None, "<v/>", "<v></v>", "<v> </v>", "<v>0</v>", "<v>7</v>",
                                              "<v>2.5</v>", "<v>1E3</v>"]))
            body = (draw(_FORMULAS) or "") + (value or "")
        cells.append(f'<c r="{letters}7"{style}{kind_attr}/>' if not body and draw(st.booleans())
                     else f'<c r="{letters}7"{style}{kind_attr}>{body}</c>')
    return f'<row r="7">{"".join(cells)}</row>'.encode()


@settings(max_examples=300, deadline=None)
@given(xml=_county_xml_rows())
def test_a_county_row_reads_the_same_through_its_regular_expression_and_the_parser(xml: bytes) -> None:
    """The one-expression reading of a 数据 row (cells with and without formulas, cached results, inline strings)
    gives the values and the formulas without a cached result that the XML parser's reading gives."""
    context = copy.copy(county_mod._context(EXAMPLE))
    context.strings = ["金岭镇", "A&B"]  # the example workbook has no shared strings; rows from others do
    fast = context._plain_values(xml)
    assert fast is not None, xml  # every row of this shape takes the fast path
    cells: dict[int, object] = {}
    for c in context._parse(xml).iter(f"{county_mod._NS}c"):
        cells[context.column(c.get("r"))] = context._value(c)
    slow = tuple(cells.get(i) for i in range(max(cells, default=-1) + 1))
    assert fast == (slow, county_mod._uncached_formulas(xml))


def test_county_sources_are_rows_not_reports() -> None:
    """The main process hands county rows to the workers: no report is built while discovering the inputs."""
    found = list(sources(EXAMPLE, None))
    assert found
    assert all(s.row is not None and s.report is None and s.county == str(EXAMPLE) for s in found)
    # One spelling of a county row (main's): the sheet row, which the worker's findings also name.
    assert [s.source for s in found][:2] == [f"{EXAMPLE.name} 数据!4:4", f"{EXAMPLE.name} 数据!5:5"]
    assert [s.county_row for s in found][:2] == [4, 5]


def test_bulk_form_writes_every_township_styled_and_validated(tmp_path: Path) -> None:
    """A county workbook for many names: every row is there with zeros, unlocked and bordered like the first,
    the data validations cover every row, and the reader reads every township back."""
    names = [f"第{i:04d}镇" for i in range(300)]
    path = write_county_form(tmp_path / "big.xlsx", names, year=2022, county="某县")
    wb = openpyxl.load_workbook(path)
    ws = wb[county_mod.DATA_SHEET]
    last = 3 + len(names)
    assert ws.max_row == last
    assert ws[f"A{last}"].value == names[-1]
    width = 5 + len(figure_columns())
    assert all(ws.cell(last, c).value == 0 for c in range(6, width + 1))
    assert not ws[f"F{last}"].protection.locked
    assert ws[f"F{last}"].border.left.style == "thin"
    assert any(f"{last}" in str(dv.sqref) for dv in ws.data_validations.dataValidation)
    entries = county_mod.read_county(path)
    assert [e.name for e in entries] == names
    assert all(isinstance(e.result, Report) for e in entries)


def test_summary_of_a_county_run(tmp_path: Path) -> None:
    """bulk on the example county: summary.xlsx lists every township in input order with its outputs."""
    result = bulk(EXAMPLE, tmp_path, jobs=2)
    ws = openpyxl.load_workbook(result.summary)["汇总情况"]
    rows = list(ws.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == [o.name for o in result.outcomes]
    assert all(o.outputs and all(p.exists() for p in o.outputs) for o in result.outcomes)
    assert not list(tmp_path.glob(".*.part"))


def test_the_rollup_is_rendered_on_a_worker_of_the_run(tmp_path: Path) -> None:
    """``bulk`` on two workers: the roll-up's .docx/.xlsx are made on a worker whose templates are ready — the main
    process builds no workbook template (≈ 0.35 s of CPU per run; the Word template it checks once before the pool
    starts, and the workers inherit it) — and are the same as made in one process."""
    script = (
        "import sys, json; sys.path.insert(0, sys.argv[1])\n"
        "from reportgen.pipelines.bulk import bulk\n"
        "from reportgen.pipelines import generate\n"
        "from reportgen.formats.excel import write\n"
        "r = bulk(sys.argv[2], sys.argv[3], jobs=2)\n"
        "print(json.dumps([len(generate._RENDERERS), write._template.cache_info().currsize,"
        " [str(p) for p in r.rollup_outputs]]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(ROOT), str(EXAMPLE), str(tmp_path)],
                          capture_output=True, text=True, timeout=300, check=True)
    renderers, templates, outputs = json.loads(done.stdout.strip().splitlines()[-1])
    assert (renderers, templates) == (1, 0)
    assert len(outputs) == 2
    docx = Path(outputs[0])
    result = bulk(EXAMPLE, tmp_path / "inline", jobs=1)  # the roll-up made in this process
    assert result.rollup_outputs[0].name == docx.name
    assert _document_xml(result.rollup_outputs[0]) == _document_xml(docx)


def _document_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml")


def test_chunks_never_starve_workers() -> None:
    """Small runs go one township per task (every worker gets work); big ones share the pool's cost per task."""
    assert chunk_size(3, 2) == 1
    assert chunk_size(100_000, 2) == 32
    assert chunk_size(None, 2) == 32
    assert chunk_size(100_000, 2, pdf=True) == 1


@settings(max_examples=40, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.floats(allow_nan=False),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=12))
def test_direct_yaml_construction_equals_the_loaders(data: object) -> None:
    """The direct walk over libyaml's nodes builds what the project's YAML loader builds, for any plain document."""
    text = yaml.safe_dump({"data": data}, allow_unicode=True)
    assert mapping._parse(text, "yaml", None) == yaml.load(text, Loader=mapping._Loader)


def test_yaml_anchors_merges_and_duplicates() -> None:
    """Aliases share their anchor's value, merge keys work, a duplicate key is still noticed with its line."""
    text = "base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\nsame: *b\nk: 1\nk: 2\nwhen: 2023-01-18\nf: 1.10\n"
    data = mapping._parse(text, "yaml", None)
    assert data == yaml.load(text, Loader=mapping._Loader)
    assert data["other"] == {"x": 1, "y": 3}
    assert data["same"] is data["base"]
    assert data.duplicates == [("k", 7)]
    assert data["when"] == dt.date(2023, 1, 18)
    assert data["f"] == Decimal("1.10")


def test_check_in_parallel_lists_files_in_order(tmp_path: Path) -> None:
    """check on many files gives the same results in the same order on two processes as on one; an unreadable file
    is reported in its place."""
    files = []
    for i in range(PARALLEL_FROM + 2):
        target = tmp_path / f"{i:02d}.yaml"
        if i == 3:
            target.write_text("bad: [", encoding="utf-8")
        else:
            target.write_bytes(YAML_EXAMPLE.read_bytes())
        files.append(target)
    serial = list(check_files(files, jobs=1))
    parallel = list(check_files(files, jobs=2))
    assert parallel == serial
    assert [r.file for r in parallel] == [str(f) for f in files]
    assert parallel[3].error is not None
    assert parallel[3].error[0] == "IN-YAML"
    cli = CliRunner().invoke(app, ["check", "--json", "-j", "2", *map(str, files)])
    assert cli.exit_code == 2
    assert [entry["file"] for entry in json.loads(cli.output)] == [str(f) for f in files]


@pytest.mark.libreoffice
def test_bulk_pdf_and_previews(tmp_path: Path, soffice: str, busy_report: Report) -> None:
    """bulk --preview: a PDF, a PNG per page and table 三's contact sheet per township, named like its .docx;
    nothing temporary left; summary.xlsx says 是 in its PDF column."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    dump(busy_report, inputs / "a.yaml")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["bulk", str(inputs), "-o", str(out), "-j", "1", "--preview", "--soffice", soffice])
    assert result.exit_code == 0, result.output
    stem = next(p.stem for p in out.glob("*.docx") if "汇总" not in p.stem)
    assert (out / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
    assert (out / f"{stem}-表三.png").is_file()
    pages = sorted(out.glob(f"{stem}-[0-9]*.png"))
    assert pages
    assert pages[0].read_bytes().startswith(b"\x89PNG")
    assert not [p for p in out.iterdir() if p.name.startswith(".") and p.name != ".reportgen-manifest.jsonl"]
    ws = openpyxl.load_workbook(out / "summary.xlsx")["汇总情况"]
    header = [c.value for c in ws[1]]
    assert ws.cell(2, header.index("PDF") + 1).value == "是"


@pytest.mark.libreoffice
def test_bulk_pdf_failure_keeps_the_pair_and_is_reported(tmp_path: Path, soffice: str, busy_report: Report) -> None:
    """A document LibreOffice cannot convert in time (retried once) costs only its PDF: the .docx and .xlsx are
    written, the outcome and summary.xlsx say why, the exit status is 1."""
    result = bulk([busy_report], tmp_path, jobs=1, pdf=True, soffice=soffice, pdf_timeout=0.01)
    outcome = result.outcomes[0]
    assert outcome.pdf_error
    assert not outcome.pdf
    assert [p.suffix for p in outcome.outputs] == [".docx", ".xlsx"]
    assert all(p.exists() for p in outcome.outputs)
    assert not list(tmp_path.glob("*.pdf"))
    assert not list(tmp_path.glob(".*.part"))
    assert result.exit_code == 1
    ws = openpyxl.load_workbook(result.summary)["汇总情况"]
    header = [c.value for c in ws[1]]
    assert str(ws.cell(2, header.index("PDF") + 1).value).startswith("失败")


def test_rendering_a_township_runs_no_full_garbage_collection() -> None:
    """Rendering a report does not call ``gc.collect()`` (a full collection per township once cost a bulk
    worker ~42 ms of ~50 ms); the guard against openpyxl's spool messages collects only after a failure."""
    checked = read_and_check(load(YAML_EXAMPLE))
    render_documents(checked)  # the first render builds the templates
    gc.disable()  # automatic collections would count too
    try:
        before = gc.get_stats()[2]["collections"]
        for _ in range(3):
            docx, xlsx = render_documents(checked)
        after = gc.get_stats()[2]["collections"]
    finally:
        gc.enable()
    assert docx[:2] == b"PK"
    assert xlsx is not None
    assert xlsx[:2] == b"PK"
    assert after == before


def test_bulk_check_only_of_many_townships_lists_each_on_one_plain_line(tmp_path: Path) -> None:
    """Above 500 townships the closing list is plain lines written at once (rich's table would take long):
    one numbered line per township in input order, with its status and counts, then the totals line."""
    names = [f"第{i:04d}镇" for i in range(501)]
    path = write_county_form(tmp_path / "big.xlsx", names, year=2022, county="某县")
    result = CliRunner().invoke(app, ["bulk", str(path), "-o", str(tmp_path / "out"), "--check-only", "-j", "2"])
    lines = [line for line in result.output.splitlines() if line[:1].isdigit()]
    assert len(lines) == 501, result.output[-2000:]
    assert lines[0].startswith("1. 某县第0000镇人民政府")
    assert lines[-1].startswith("501. 某县第0500镇人民政府")
    assert all("错误 " in line and "警告 " in line for line in lines)
    assert "共 501 个乡镇（街道）" in result.output
