"""Published reports in every form (web pages, PDF, .doc, .docx): read figure for figure, partly when need be.

The corpus in ``tests/data/published/`` is built by ``scripts/make_published_corpus.py`` from reports
rendered by reportgen, published the way portals and offices do; ``corpus.json`` says what each shows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from reportgen.cli import app
from reportgen.domain.checks import check
from reportgen.domain.errors import ExtractError
from reportgen.domain.model import Report
from reportgen.formats.inputs.mapping import loads
from reportgen.formats.inputs.reading import dumps_reading
from reportgen.formats.published.document import pipe_cells
from reportgen.formats.published.docx import read_docx
from reportgen.formats.published.extract import Reading, extract, read_document, read_published
from reportgen.formats.published.html import decode_page
from reportgen.formats.word.render import render_docx
from reportgen.pipelines.audit import audit
from scripts.make_published_corpus import MANIFEST, OFFICE_FORMS, build, page
from tests.strategies import reports

CORPUS_DIR = Path(__file__).parent / "data" / "published"
CORPUS: dict[str, dict[str, object]] = json.loads((CORPUS_DIR / MANIFEST).read_text(encoding="utf-8"))


def _figures(reading: Reading) -> dict[str, str]:
    report = reading.report
    assert report is not None
    return {
        f"{key}/{row}/{col}": str(report.table(key)[(row, col)])
        for key in ("table2", "table3", "table4")
        for row, col in report.table(key).layout.leaf_refs()
        if (key, row, col) not in reading.missing
    }


def test_corpus_is_large_and_varied() -> None:
    """At least 40 documents, in every published form: web pages, .mhtml, PDF, .doc and .docx."""
    assert len(CORPUS) >= 40
    suffixes = {Path(name).suffix for name in CORPUS}
    assert {".html", ".htm", ".shtml", ".mhtml", ".pdf", ".doc", ".docx"} <= suffixes


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.libreoffice) if n.endswith(".doc") else n for n in sorted(CORPUS)]
)
def test_every_document_is_read_figure_for_figure(name: str) -> None:
    """Each document gives exactly the figures it shows, its organ and year, and the expected reading codes;
    a partial one names every figure it does not show and nothing else."""
    expected = CORPUS[name]
    reading = read_published(CORPUS_DIR / name)
    assert reading.report is not None
    assert (reading.report.organ.name, reading.report.year) == (expected["organ"], expected["year"])
    assert reading.report.format_version.value == expected["format"]
    assert _figures(reading) == expected["figures"]
    assert sorted("/".join(m) for m in reading.missing) == expected["missing"]
    assert sorted({f.code for f in reading.findings}) == expected["codes"]
    assert reading.partial == bool(expected["missing"])


def test_corpus_is_current(tmp_path: Path) -> None:
    """The web pages, .mhtml and .docx of the corpus are what the builder makes today (byte for byte), and
    every document of the manifest exists (the LibreOffice forms are not rebuilt here: too slow)."""
    fresh = build(tmp_path / "published", office=False)
    built = {name for name in fresh if not name.endswith(OFFICE_FORMS)}
    stored = {name for name in CORPUS if not name.endswith(OFFICE_FORMS)}
    assert built == stored
    for name in sorted(built - {n for n in built if n.endswith(".docx")}):
        assert (tmp_path / "published" / name).read_bytes() == (CORPUS_DIR / name).read_bytes(), name
    assert {name: fresh[name] for name in built} == {name: CORPUS[name] for name in built}
    assert all((CORPUS_DIR / name).is_file() for name in CORPUS)


def test_strict_extract_refuses_a_partial_report_but_keeps_the_findings() -> None:
    """extract() reads whole or raises; the ExtractError lists what read_published reports as missing."""
    with pytest.raises(ExtractError) as caught:
        extract(CORPUS_DIR / "0-cut-off.html")
    assert {f.code for f in caught.value.findings} >= {"EX-TABLE-MISSING", "EX-ROW-MISSING"}
    assert extract(CORPUS_DIR / "0-pipes.html") == read_published(CORPUS_DIR / "0-pipes.html").report


def test_partial_yaml_leaves_missing_figures_out_and_loads_back() -> None:
    """The YAML of a partial reading comments out every missing figure (never 0) and loads back with the
    figures that were read."""
    reading = read_published(CORPUS_DIR / "1-cut-off.html")
    text = dumps_reading(reading)
    assert text.count("未读出") >= len(reading.missing)
    back = loads(text, "yaml")
    assert reading.report is not None
    for key, row, col in {(k, r, c) for k in ("table2", "table3") for r, c in reading.report.table(k).layout.leaf_refs()}:
        if (key, row, col) not in reading.missing:
            assert back.table(key)[(row, col)] == reading.report.table(key)[(row, col)]


def test_checks_never_call_a_missing_figure_an_identity_error() -> None:
    """On a table cut off, the identity checks are silent for it; given whole, the same checks still run."""
    reading = read_published(CORPUS_DIR / "1-cut-off.html")
    assert reading.report is not None
    assert reading.incomplete_tables == {"table3", "table4"}
    codes = {f.code for f in check(reading.report, incomplete=reading.incomplete_tables)}
    assert not codes & {"T3-BALANCE", "T3-ROW-TOTAL", "T3-RESULTS-TOTAL", "T4-TOTAL"}
    whole = {f.code for f in check(reading.report)}
    assert whole & {"T3-BALANCE", "T3-ROW-TOTAL", "T3-RESULTS-TOTAL", "T4-TOTAL"}


def test_a_scanned_pdf_is_named_as_such(tmp_path: Path) -> None:
    """A PDF with pages but no text layer is EX-PDF-SCAN, saying OCR or a text version is needed."""
    scan = tmp_path / "扫描件.pdf"
    Image.new("RGB", (600, 800), "white").save(scan)
    with pytest.raises(ExtractError) as caught:
        read_document(scan)
    assert caught.value.code == "EX-PDF-SCAN"
    assert "扫描件" in caught.value.message


def test_broken_and_unknown_files_are_located_errors(tmp_path: Path) -> None:
    """A broken PDF is EX-OPEN, an unknown suffix EX-SUFFIX, each naming the file."""
    broken = tmp_path / "坏.pdf"
    broken.write_bytes(b"%PDF-1.4 garbage")
    with pytest.raises(ExtractError) as caught:
        read_document(broken)
    assert caught.value.code == "EX-OPEN"
    assert caught.value.location.file == str(broken)
    other = tmp_path / "a.txt"
    other.write_text("x", encoding="utf-8")
    with pytest.raises(ExtractError) as caught:
        read_document(other)
    assert caught.value.code == "EX-SUFFIX"


def test_without_libreoffice_a_doc_names_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no soffice to be found, a .doc is EX-NO-LIBREOFFICE and the message names LibreOffice."""
    doc = tmp_path / "r.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0")
    monkeypatch.setenv("PATH", str(tmp_path))
    # the usual install folders are searched too: point the lookup at a LibreOffice that is not there
    monkeypatch.setenv("REPORTGEN_SOFFICE", str(tmp_path / "no-libreoffice"))
    with pytest.raises(ExtractError) as caught:
        read_document(doc)
    assert caught.value.code == "EX-NO-LIBREOFFICE"
    assert "LibreOffice" in caught.value.message


def test_page_encodings() -> None:
    """GBK without a declaration, GB2312 declared (read as GB18030) and a wrong UTF-8 declaration decode right."""
    text = "招远市金岭镇人民政府2022年度政府信息公开工作年度报告 〔〕“”"
    assert decode_page(text.encode("gb18030")) == text
    assert decode_page(b'<meta charset="gb2312">' + text.encode("gb18030")).endswith(text)
    assert decode_page(b'<meta charset="utf-8">' + text.encode("gbk")).endswith(text)


def test_pipe_cells() -> None:
    """``|``-lines split into cells, blank cells kept; prose without a bar is not a table line."""
    assert pipe_cells("规章 | 1 |  | 2") == ["规章", "1", "", "2"]
    assert pipe_cells("| 行政许可 | 3 |") == ["行政许可", "3"]
    assert pipe_cells("全年主动公开信息200条。") is None


def test_organ_and_year_options_override(tmp_path: Path) -> None:
    """``extract --organ/--year`` override what the page says."""
    out = tmp_path / "r.yaml"
    result = CliRunner().invoke(app, ["extract", str(CORPUS_DIR / "0-utf8.html"), "-o", str(out), "--organ",
                                      "某某镇人民政府", "--year", "2021"])
    assert result.exit_code == 0, result.output
    report = loads(out.read_text(encoding="utf-8"), "yaml")
    assert (report.organ.name, report.year) == ("某某镇人民政府", 2021)


def test_extract_cli_writes_a_partial_reading_and_exits_2(tmp_path: Path) -> None:
    """A cut-off page is still written (missing figures commented), its findings listed, exit status 2."""
    out = tmp_path / "r.yaml"
    result = CliRunner().invoke(app, ["extract", str(CORPUS_DIR / "0-cut-off.html"), "-o", str(out)])
    assert result.exit_code == 2
    assert "未读出" in out.read_text(encoding="utf-8")
    assert "EX-TABLE-MISSING" in result.output


def test_audit_reads_every_form_lists_skipped_and_compares_years(tmp_path: Path) -> None:
    """audit of a folder: pages and PDFs read, other files listed as skipped with a reason, consecutive
    years of one organ compared (T3-CARRY-OVER between 2022 and 2023)."""
    folder = tmp_path / "reports"
    (folder / "sub").mkdir(parents=True)
    for name in ("0-utf8.html", "2-gbk-declared.htm", "1-ruled.pdf"):
        (folder / "sub" / name).write_bytes((CORPUS_DIR / name).read_bytes())
    (folder / "说明.txt").write_text("不是报告", encoding="utf-8")
    result = audit([folder], tmp_path / "audit.xlsx", jobs=1)
    assert len(result.entries) == 3
    assert all(e.readable for e in result.entries)
    assert [Path(f).name for f, _ in result.skipped] == ["说明.txt"]
    later = next(e for e in result.entries if e.file.endswith("2-gbk-declared.htm"))
    assert "T3-CARRY-OVER" in {f.code for f in later.findings}


def test_audit_of_nothing_is_not_a_success(tmp_path: Path) -> None:
    """An empty folder audits no report: never a silent success — the CLI cannot run (exit 2, CLI-EMPTY, issue 13),
    the API's result says 1."""
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(app, ["audit", str(tmp_path / "empty"), "-o", str(tmp_path / "a.xlsx")])
    assert result.exit_code == 2
    assert "[CLI-EMPTY]" in result.output
    assert audit([tmp_path / "empty"], None).exit_code == 1


def test_superseded_notice_flagged_only_in_2021_format() -> None:
    """A 2021-format report citing 国办公开办函〔2019〕60号 gets FORMAT-SUPERSEDED-NOTICE."""
    report = extract(CORPUS_DIR / "0-utf8.html")
    cited = report.evolve(problems=("按照国办公开办函〔2019〕60号要求编制。",))
    assert "FORMAT-SUPERSEDED-NOTICE" in {f.code for f in check(cited)}
    assert "FORMAT-SUPERSEDED-NOTICE" not in {f.code for f in check(report)}


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(report=reports(), tables=st.sampled_from(["html", "pipes", "cells"]), charset=st.sampled_from(["utf-8", "gbk"]))
def test_any_report_published_as_a_page_reads_back_figure_for_figure(
    report: Report, tables: str, charset: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Round trip: any consistent report, rendered by reportgen and published as a web page (table, |-lines
    or one cell per line; UTF-8 or GBK), gives back every figure of tables 二, 三 and 四."""
    folder = tmp_path_factory.mktemp("page")
    docx_path = render_docx(report, folder / "r.docx")
    blocks = list(read_docx(docx_path).blocks)
    name = folder / "r.html"
    name.write_bytes(page(blocks, title=report.title, charset=charset, tables=tables).encode(charset, "replace"))
    reading = read_published(name)
    assert reading.report is not None
    assert not reading.missing
    for key in ("table2", "table3", "table4"):
        assert reading.report.table(key).values() == report.table(key).values()


def test_an_unreadable_cell_is_missing_and_every_other_figure_kept() -> None:
    """A cell that is not a number (``abc``) is one located finding and one missing figure; the table's
    other figures are read as printed (the same document read by extract() raises)."""
    path = Path(__file__).parent / "data" / "extract" / "not-a-number.docx"
    reading = read_published(path)
    assert reading.report is not None
    # IN-TYPE (was EX-FIGURE): text in a figure cell is the same mistake as text in an input file.
    assert [f.code for f in reading.findings if f.is_error] == ["IN-TYPE"]
    (table, row, column), = reading.missing
    finding = next(f for f in reading.findings if f.code == "IN-TYPE")
    assert finding.location.table == "表三"
    assert finding.actual
    layout = reading.report.table(table).layout
    where = layout.cell_location((row, column))
    assert (finding.location.row, finding.location.column) == (where.row, where.column)
    with pytest.raises(ExtractError):
        extract(path)
