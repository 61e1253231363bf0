"""The Word report: official template, rendering, custom templates, structural checks."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import jinja2
import pytest
from click.testing import CliRunner
from docx2python import docx2python
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import reportgen
from reportgen.cli import app
from reportgen.domain.errors import RenderError, TemplateError
from reportgen.domain.layout import FormatVersion, get_layout
from reportgen.domain.model import Overview, Report, Subsection, Table
from reportgen.domain.naming import output_stem
from reportgen.domain.prose import format_amount, report_text
from reportgen.formats.ooxml import check as _ooxml
from reportgen.formats.ooxml import grid as _grid
from reportgen.formats.ooxml import package
from reportgen.formats.ooxml.ns import qn
from reportgen.formats.word import _compiled
from reportgen.formats.word.render import (
    DocxRenderer,
    ListOf,
    Var,
    build_context,
    context_schema,
    context_variables,
    default_template_path,
    render_docx,
)
from scripts.build_template import (
    GRID_WIDTHS_MM,
    TEMPLATE_PATH,
    TEMPLATE_PATHS,
    TEXT_WIDTH_TWIPS,
    build_template,
    template_parts,
)
from tests.conftest import EXAMPLES, ROOT
from tests.docx_readback import NS, grid, normalise, parts, text_of, w, xml
from tests.strategies import reports

SAMPLE = Path(__file__).resolve().parent / "data" / "reference" / "sample-zhaoyuan-jinling-2022.txt"
JINLING = EXAMPLES / "zhaoyuan-jinling-2022.yaml"
HOSTILE = "A & B <c> \"q\" 'a' {{ 7*7 }} {% if x %}y{% endif %} {# c #} 😀 𠀀"


def _figure_text(report: Report, table_key: str, ref: tuple[str, str]) -> str:
    value = report.table(table_key)[ref]
    return format_amount(value) if isinstance(value, Decimal) else str(value)


def _assert_tables(report: Report, data: bytes) -> None:
    """Every table's merge geometry equals the layout's cells; every label and figure is in its cell."""
    root = etree.fromstring(parts(data)["word/document.xml"])
    tables = root.findall(".//w:tbl", NS)
    layouts = get_layout(report.format_version).tables
    assert len(tables) == len(layouts)
    for tbl, layout in zip(tables, layouts, strict=True):
        expected = [
            (c.row, c.col, c.rowspan, c.colspan, c.text if c.ref is None else _figure_text(report, layout.key, c.ref))
            for c in layout.cells
        ]
        actual = [(c.row, c.col, c.rowspan, c.colspan, c.text) for c in grid(tbl)]
        assert actual == expected, layout.key


def _assert_prose(report: Report, text: str) -> None:
    prose = report_text(report)
    flat = normalise(text)
    assert normalise(prose.title) in flat
    for part in (*prose.overview_parts, *prose.other_matters):
        assert normalise(part.title) in flat
    for _, paragraph in prose.all_paragraphs():
        assert normalise(paragraph) in flat


# --- the official template ------------------------------------------------------------------


def test_committed_template_is_current() -> None:
    """templates/report-2021.docx equals what scripts/build_template.py builds from the layout now."""
    assert template_parts(TEMPLATE_PATH.read_bytes()) == template_parts(build_template())


def test_committed_2019_template_is_current() -> None:
    """templates/report-2019.docx equals what scripts/build_template.py builds from the 2019 trial layout now."""
    committed = TEMPLATE_PATHS[FormatVersion.V2019].read_bytes()
    assert template_parts(committed) == template_parts(build_template(FormatVersion.V2019))
    assert template_parts(committed) != template_parts(TEMPLATE_PATH.read_bytes())


def test_build_template_check_covers_both_versions(tmp_path: Path) -> None:
    """scripts/build_template writes one template per format version and --check compares every one of them."""
    from scripts.build_template import main

    assert main(["-o", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report-2019.docx", "report-2021.docx"]
    assert main(["-o", str(tmp_path), "--check"]) == 0
    (tmp_path / "report-2019.docx").unlink()
    assert main(["-o", str(tmp_path), "--check"]) == 1


def test_default_template_of_each_version_found_in_checkout() -> None:
    """default_template_path(version) finds templates/report-<version>.docx of a source checkout."""
    for version, path in TEMPLATE_PATHS.items():
        assert default_template_path(version).read_bytes() == path.read_bytes()


def test_default_template_found_in_checkout() -> None:
    """The default template is found in a source checkout (templates/) when not installed in the package."""
    assert default_template_path().read_bytes() == TEMPLATE_PATH.read_bytes()


def test_page_setup_gbt9704() -> None:
    """A4, margins 37/35/28/26 mm, odd/even footers with — PAGE — in 14 pt 宋体, right on odd pages and left on even."""
    data = TEMPLATE_PATH.read_bytes()
    root = xml(data)
    sect = root.find(".//w:body/w:sectPr", NS)
    assert sect is not None
    size = sect.find("w:pgSz", NS)
    assert size is not None
    assert (size.get(w("w")), size.get(w("h"))) == ("11906", "16838")
    mar = sect.find("w:pgMar", NS)
    assert mar is not None
    mm = {k: round(int(mar.get(w(k)) or 0) * 25.4 / 1440) for k in ("top", "bottom", "left", "right")}
    assert mm == {"top": 37, "bottom": 35, "left": 28, "right": 26}
    settings_xml = xml(data, "word/settings.xml")
    assert settings_xml.find("w:evenAndOddHeaders", NS) is not None
    lang = settings_xml.find("w:themeFontLang", NS)
    assert lang is not None
    assert lang.get(w("eastAsia")) == "zh-CN"
    rels = {r.get("Id"): r.get("Target") for r in xml(data, "word/_rels/document.xml.rels")}
    refs = {ref.get(w("type")): rels[ref.get(f"{{{NS['w'].replace('wordprocessingml/2006/main', 'officeDocument/2006/relationships')}}}id")]
            for ref in sect.findall("w:footerReference", NS)}
    assert set(refs) == {"default", "even"}
    for kind, jc in (("default", "right"), ("even", "left")):
        footer = xml(data, f"word/{refs[kind]}")
        p = footer.find("w:p", NS)
        assert p is not None
        assert p.find("w:pPr/w:jc", NS).get(w("val")) == jc  # type: ignore[union-attr]
        ind = p.find("w:pPr/w:ind", NS)
        assert ind is not None
        assert ind.get(w("right" if jc == "right" else "left")) == "280"  # one 14 pt character
        assert "PAGE" in "".join(t.text or "" for t in footer.iter(w("instrText")))
        assert text_of(footer) == "— 1 —"
        for rfonts in footer.iter(w("rFonts")):
            assert rfonts.get(w("eastAsia")) == "宋体"
        assert {s.get(w("val")) for s in footer.iter(w("sz"))} == {"28"}


def _style(styles: etree._Element, style_id: str) -> etree._Element:
    found = styles.find(f"w:style[@w:styleId='{style_id}']", NS)
    assert found is not None, style_id
    return found


def test_styles_fonts_and_spacing() -> None:
    """Body 16 pt 仿宋_GB2312 with two-character indent and exact 28.95 pt lines; title 22 pt 方正小标宋简体
    centred; headings 黑体 / 楷体_GB2312 / 仿宋_GB2312; Latin and digits Times New Roman; tables 10.5 pt, single spacing."""
    styles = xml(TEMPLATE_PATH.read_bytes(), "word/styles.xml")
    expected = {
        "Normal": ("仿宋_GB2312", "32"),
        "Title": ("方正小标宋简体", "44"),
        "Heading1": ("黑体", "32"),
        "Heading2": ("楷体_GB2312", "32"),
        "Heading3": ("仿宋_GB2312", "32"),
        "TableText": ("宋体", "21"),
    }
    for style_id, (font, size) in expected.items():
        style = _style(styles, style_id)
        rfonts = style.find("w:rPr/w:rFonts", NS)
        assert rfonts is not None
        assert rfonts.get(w("eastAsia")) == font
        assert rfonts.get(w("ascii")) == rfonts.get(w("hAnsi")) == "Times New Roman"
        assert rfonts.get(w("hint")) == "eastAsia"
        assert style.find("w:rPr/w:sz", NS).get(w("val")) == size  # type: ignore[union-attr]
    normal = _style(styles, "Normal")
    assert normal.find("w:pPr/w:ind", NS).get(w("firstLineChars")) == "200"  # type: ignore[union-attr]
    spacing = normal.find("w:pPr/w:spacing", NS)
    assert spacing is not None
    assert spacing.get(w("lineRule")) == "exact"
    assert 560 <= int(spacing.get(w("line")) or 0) <= 580  # 28–29 pt
    assert _style(styles, "Title").find("w:pPr/w:jc", NS).get(w("val")) == "center"  # type: ignore[union-attr]
    table_spacing = _style(styles, "TableText").find("w:pPr/w:spacing", NS)
    assert table_spacing is not None
    assert (table_spacing.get(w("line")), table_spacing.get(w("lineRule"))) == ("240", "auto")


def test_table_text_ignores_the_line_grid() -> None:
    """Every paragraph style used in a table opts out of the section's 28.95 pt line grid (w:snapToGrid 0),
    with single spacing, so table lines are not rounded up to a grid line (rows would blow up)."""
    for path in TEMPLATE_PATHS.values():
        data = path.read_bytes()
        root = xml(data)
        grid = root.find(".//w:sectPr/w:docGrid", NS)
        assert grid is not None
        assert grid.get(w("type")) == "lines"  # the grid the tables must escape
        used = {s.get(w("val")) for tbl in root.iter(w("tbl")) for s in tbl.iter(w("pStyle"))}
        assert used == {"TableText"}
        styles = xml(data, "word/styles.xml")
        for style_id in used:
            ppr = _style(styles, str(style_id)).find("w:pPr", NS)
            assert ppr is not None
            snap = ppr.find("w:snapToGrid", NS)
            assert snap is not None, (path.name, style_id)
            assert snap.get(w("val")) == "0", (path.name, style_id)
            spacing = ppr.find("w:spacing", NS)
            assert spacing is not None
            assert (spacing.get(w("line")), spacing.get(w("lineRule"))) == ("240", "auto")


def test_no_theme_fonts_and_every_cjk_run_names_its_font(busy_report: Report) -> None:
    """No theme-font attribute in any part; every run with CJK text has an explicit w:eastAsia font and the hint."""
    data = DocxRenderer().render_bytes(busy_report.evolve(problems=("“引号”—破折号…省略号",)))
    for name, raw in parts(data).items():
        if name.endswith(".xml") and not name.startswith("word/theme/"):
            assert not re.search(rb"(asciiTheme|eastAsiaTheme|hAnsiTheme|cstheme)=", raw), name
    cjk = re.compile("[\u3000-\u9fff\uff00-\uffef\u2014\u2026\u201c\u201d]")
    root = xml(data)
    checked = 0
    for run in root.iter(w("r")):
        if cjk.search(text_of(run)):
            rfonts = run.find("w:rPr/w:rFonts", NS)
            assert rfonts is not None, text_of(run)
            assert rfonts.get(w("eastAsia"))
            assert rfonts.get(w("hint")) == "eastAsia"
            checked += 1
    assert checked > 50


def test_tables_fit_text_width_and_repeat_headers() -> None:
    """Tables: fixed layout, grid widths ≤ 156 mm, header rows repeat, rows never split across pages."""
    root = xml(TEMPLATE_PATH.read_bytes())
    tables = root.findall(".//w:tbl", NS)
    layouts = get_layout().tables
    assert TEXT_WIDTH_TWIPS >= 8840
    for tbl, layout in zip(tables, layouts, strict=True):
        widths = [int(c.get(w("w")) or 0) for c in tbl.findall("w:tblGrid/w:gridCol", NS)]
        assert len(widths) == layout.n_cols == len(GRID_WIDTHS_MM[layout.key])
        assert sum(widths) <= 8844  # 156 mm
        assert tbl.find("w:tblPr/w:tblLayout", NS).get(w("type")) == "fixed"  # type: ignore[union-attr]
        rows = tbl.findall("w:tr", NS)
        assert len(rows) == layout.n_rows
        for i, tr in enumerate(rows):
            assert tr.find("w:trPr/w:cantSplit", NS) is not None
            assert (tr.find("w:trPr/w:tblHeader", NS) is not None) == (i < layout.header_rows)


def test_sections_in_order_with_layout_headings(busy_report: Report) -> None:
    """Six section headings from the layout in order (四's official title, or the alias the report chose), part
    titles as heading paragraphs."""
    document = docx.Document(io.BytesIO(DocxRenderer().render_bytes(busy_report)))
    headings = [p.text for p in document.paragraphs if p.style is not None and p.style.style_id == "Heading1"]
    assert headings == [s.title for s in get_layout().sections]
    alias = get_layout().section("table4").aliases[0]
    chosen = DocxRenderer().render_bytes(busy_report.evolve(section_titles={"table4": alias}))
    document = docx.Document(io.BytesIO(chosen))
    headings = [p.text for p in document.paragraphs if p.style is not None and p.style.style_id == "Heading1"]
    assert headings == [alias if s.key == "table4" else s.title for s in get_layout().sections]
    level2 = [p.text for p in document.paragraphs if p.style is not None and p.style.style_id == "Heading2"]
    prose = report_text(busy_report)
    assert level2 == [p.title for p in (*prose.overview_parts, *prose.other_matters)]
    title = document.paragraphs[0]
    assert title.style is not None
    assert title.style.style_id == "Title"
    # GB/T 9704: the title breaks by meaning, after the organ name (never inside a word such as 公开).
    assert title.text == "招远市自然资源和规划局\n2022年度政府信息公开工作年度报告"
    body_styles = {p.style.style_id for p in document.paragraphs[1:] if p.style is not None}
    assert body_styles == {"Heading1", "Heading2", "Normal"}
    # 六's items each followed by their paragraphs; table 四's note directly under table 四.
    texts = [p.text for p in document.paragraphs]
    for item in prose.other_matters:
        at = texts.index(item.title)
        assert texts[at + 1 : at + 1 + len(item.paragraphs)] == list(item.paragraphs)
    body = document.element.body
    tables = body.findall(w("tbl"))
    after_t4 = tables[2].getnext()
    assert after_t4 is not None
    assert text_of(after_t4) == prose.review_litigation_note[0]


# --- rendering ------------------------------------------------------------------------------


def test_busy_report_figures_and_labels_in_place(busy_report: Report, tmp_path: Path) -> None:
    """The fixture report: merge geometry equals the layout; labels and figures (zeros as 0, amounts exact) in place."""
    path = render_docx(busy_report, tmp_path)
    assert path == tmp_path / f"{output_stem(busy_report)}.docx"
    data = path.read_bytes()
    _assert_tables(busy_report, data)
    document = docx.Document(str(path))
    t2, t3, _t4 = document.tables
    assert t2.cell(13, 1).text == "190.457379"
    assert t3.cell(3, 3).text == "12"
    assert t3.cell(3, 5).text == "0"
    assert t3.cell(20, 0).text == "三、本年度办理结果"  # merged over 22 rows
    _assert_prose(busy_report, docx2python(path).text)


def test_render_to_explicit_docx_path(busy_report: Report, tmp_path: Path) -> None:
    """A path ending in .docx is used as is; the write is atomic (no temporary files left)."""
    target = tmp_path / "sub" / "report.docx"
    assert render_docx(busy_report, target) == target
    assert [p.name for p in target.parent.iterdir()] == ["report.docx"]


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report=reports())
def test_random_reports_render_every_figure_and_paragraph(report: Report) -> None:
    """Any valid report renders; tables match the layout and the text holds every paragraph."""
    data = DocxRenderer().render_bytes(report)
    _assert_tables(report, data)
    with docx2python(io.BytesIO(data)) as extracted:
        _assert_prose(report, extracted.text)


def test_context_matches_schema(busy_report: Report) -> None:
    """build_context gives exactly the names of context_schema, recursively, and every value is text."""

    def conforms(value: object, schema: object) -> None:
        if isinstance(schema, Var):
            assert isinstance(value, str)
        elif isinstance(schema, ListOf):
            assert isinstance(value, (list, tuple))
            for item in value:
                conforms(item, schema.item)
        else:
            assert isinstance(value, dict)
            assert isinstance(schema, dict)
            assert set(value) == set(schema)
            for key in value:
                conforms(value[key], schema[key])

    conforms(build_context(busy_report), dict(context_schema()))
    names = {name.split(".")[0].split("[")[0] for name, _ in context_variables()}
    assert names == set(context_schema())


def test_layout_keys_do_not_shadow_mapping_methods() -> None:
    """Row and column keys reach figures through attribute syntax (table3.granted.total), so none is a dict method."""
    for layout in (get_layout(FormatVersion.V2021), get_layout(FormatVersion.V2019)):
        for table in layout.tables:
            for row in table.rows:
                assert not hasattr({}, row.key)
                assert not any(hasattr({}, col) for col in row.columns)


def test_hostile_text_renders_literally(busy_report: Report, tmp_path: Path) -> None:
    """& < > " ' , {{ 7*7 }}, {% if %}, emoji and a 5,000-character paragraph print as written; control chars go."""
    long = "长" * 4990 + "0123456789"
    report = busy_report.evolve(
        overview=Overview(intro=(HOSTILE + "\x01\x0b\x1f",), platform=Subsection(title="平台{{ organ }}", paragraphs=(long,))),
        problems=(HOSTILE,),
    )
    path = render_docx(report, tmp_path)
    text = docx2python(path).text
    assert text.count(HOSTILE) == 2
    assert long in text
    assert "（四）平台{{ organ }}" in text
    raw = parts(path)["word/document.xml"].decode()
    assert "\x01" not in raw
    assert "{{" not in raw  # user braces are written as character references


def test_value_line_breaks_become_spaces(busy_report: Report) -> None:
    """A value is one paragraph: a line break inside it (impossible from the model) prints as a space."""
    renderer = DocxRenderer()
    context = build_context(busy_report)
    context["problems"] = ("第一行\n第二行",)
    part = next(p for p in renderer._prepared.parts if p.name == "word/document.xml")
    rendered = part.template.render(context)
    assert "第一行 第二行" in rendered
    assert rendered.count("<w:br/>") == 1  # only the template's own break in the title


def _report_2019(busy_report: Report) -> Report:
    v2019 = FormatVersion.V2019
    return Report(organ=busy_report.organ, year=2020, format_version=v2019,
                  table2=Table.from_figures("table2", {("licensing", "change"): -3, ("punishment", "change"): 12,
                                                       ("procurement", "procurement_amount"): Decimal("35.5")},
                                            version=v2019),
                  table3=Table.from_figures("table3", {("other_processing", "natural_person"): 1,
                                                       ("new_received", "natural_person"): 1}, version=v2019),
                  table4=Table.from_figures("table4", {("review", "upheld"): 2}, version=v2019))


def test_2019_report_renders_with_its_default_template(busy_report: Report, tmp_path: Path) -> None:
    """A 2019-format report renders with the official 2019 template: its tables, a signed 本年增/减 as -3,
    the amount 采购总金额 as written, and the 2019 section titles."""
    old = _report_2019(busy_report)
    path = render_docx(old, tmp_path)
    data = path.read_bytes()
    _assert_tables(old, data)
    cells = {c.text for tbl in xml(data).findall(".//w:tbl", NS) for c in grid(tbl)}
    assert {"-3", "12", "35.5", "本年增/减", "采购总金额", "（六）其他处理"} <= cells
    text = text_of(xml(data))
    for section in get_layout(FormatVersion.V2019).sections:
        assert section.title in text
    assert DocxRenderer(None, version=FormatVersion.V2019).source == "report-2019.docx"


def test_report_and_renderer_of_different_formats_refused(busy_report: Report, tmp_path: Path) -> None:
    """A renderer of one format refuses a report of the other (TPL-FORMAT) and writes nothing."""
    with pytest.raises(TemplateError) as info:
        DocxRenderer().render(_report_2019(busy_report), tmp_path)
    assert info.value.code == "TPL-FORMAT"
    with pytest.raises(TemplateError) as info:
        DocxRenderer(version=FormatVersion.V2019).render(busy_report, tmp_path)
    assert info.value.code == "TPL-FORMAT"
    assert not list(tmp_path.iterdir())


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report=reports(FormatVersion.V2019))
def test_random_2019_reports_render_every_figure_and_paragraph(report: Report) -> None:
    """Any valid 2019-format report renders with the default template; each table's grid equals
    TableLayout.cells with every figure (signed and amounts too) in its cell; the text holds every paragraph."""
    data = DocxRenderer(version=FormatVersion.V2019).render_bytes(report)
    _assert_tables(report, data)
    with docx2python(io.BytesIO(data)) as extracted:
        _assert_prose(report, extracted.text)


def test_cli_renders_an_extracted_2019_report(tmp_path: Path) -> None:
    """reportgen extract of a 2019 publication, then reportgen render of the data file: the Word report is
    written with the 2019 template (it reads back equal), and FORMAT-OUTDATED is a warning (exit 0)."""
    from reportgen.formats.published.extract import extract

    source = ROOT / "tests" / "data" / "extract" / "trial-2019.docx"
    data_file = tmp_path / "old.yaml"
    result = CliRunner().invoke(app, ["extract", str(source), "-o", str(data_file)])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(app, ["render", str(data_file), "-o", str(tmp_path / "out"), "--no-xlsx"])
    assert result.exit_code == 0, result.output
    assert "FORMAT-OUTDATED" in result.output
    assert "警告" in result.output
    (written,) = (tmp_path / "out").glob("*.docx")
    assert extract(written) == extract(source)


def test_jinling_sample_prose_reproduced(tmp_path: Path) -> None:
    """The rendered 金岭镇 example contains every prose paragraph of the published report (table lines skipped)."""
    from reportgen.formats.load import load

    report = load(JINLING)
    path = render_docx(report, tmp_path)
    _assert_tables(report, path.read_bytes())

    def norm(text: str) -> str:
        return normalise(text).replace("(", "（").replace(")", "）").replace(",", "，").replace(":", "：")

    rendered = norm(docx2python(path).text)
    layout = get_layout()
    all_headings = {norm(t) for s in layout.sections for t in s.titles}
    lines = [line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip() and "\t" not in line]
    checked = 0
    for line in lines:
        assert norm(line) in rendered, line
        checked += 1
    assert checked > 25
    # The six section headings exactly as the sample prints them (四 in the sample's wording), in order.
    document = docx.Document(str(path))
    printed = [p.text for p in document.paragraphs if p.style is not None and p.style.style_id == "Heading1"]
    sample_headings = [line.strip() for line in lines if norm(line) in all_headings]
    assert printed == sample_headings
    assert "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况" in printed


# --- custom templates -----------------------------------------------------------------------


def _custom(tmp_path: Path, *paragraphs: str, cell: str | None = None, header: str | None = None) -> Path:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if cell is not None:
        table = document.add_table(rows=2, cols=2)
        table.cell(1, 1).text = cell
        table.cell(0, 0).text = "表头"
    if header is not None:
        document.sections[0].header.paragraphs[0].text = header
    path = tmp_path / "custom.docx"
    document.save(str(path))
    return path


def test_custom_template_renders(busy_report: Report, tmp_path: Path) -> None:
    """A custom template may use any context variable, loops over parts included."""
    template = _custom(
        tmp_path,
        "{{ title }}：{{ table3.results_total.total }}",
        "{%p for item in other_matters %}",
        "{{ item.title }}",
        "{%p endfor %}",
        cell="{{ table2.administrative_fees.amount }}",
        header="{{ organ }}",
    )
    path = render_docx(busy_report, tmp_path / "out", template=template)
    text = docx2python(path).text
    assert f"{busy_report.title}：16" in text
    assert "（二）人大代表建议和政协提案办理结果公开情况" in text
    assert "190.457379" in text
    assert "招远市自然资源和规划局" in docx2python(path).header[0][0][0][0]


@pytest.mark.parametrize(
    ("kwargs", "name", "place"),
    [
        ({"paragraphs": ("前言", "{{ organ_name }}年度")}, "organ_name", "organ_name }}年度"),
        ({"paragraphs": ("{%p for part in overview_parts %}", "{{ part.titel }}", "{%p endfor %}")}, "part.titel",
         "part.titel"),
        ({"paragraphs": ("x",), "cell": "{{ table3.granted.natural }}"}, "table3.granted.natural", "第1个表格第2行第2个单元格"),
        ({"paragraphs": ("x",), "header": "{{ tabel2 }}"}, "tabel2", "页眉"),
    ],
)
def test_unknown_variable_is_named_with_its_place(
    tmp_path: Path, busy_report: Report, kwargs: dict[str, object], name: str, place: str
) -> None:
    """An unknown variable (also behind a loop target, in a cell, in a header) is a TemplateError naming it and where."""
    paragraphs = kwargs.pop("paragraphs")
    assert isinstance(paragraphs, tuple)
    template = _custom(tmp_path, *paragraphs, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(TemplateError) as info:
        render_docx(busy_report, tmp_path / "out", template=template)
    assert info.value.code == "TPL-UNKNOWN-VAR"
    assert f"“{name}”" in info.value.message
    assert place in info.value.message
    assert not (tmp_path / "out").exists()


def test_every_unknown_variable_is_reported_at_once(tmp_path: Path, busy_report: Report) -> None:
    """All unknown variables of a template (body, loop, cell, header) come in one TemplateError, one finding each
    with its place, so a template author fixes them in one go."""
    template = _custom(tmp_path, "{{ organ_name }}年度{{ organ_name }}", "{%p for part in overview_parts %}",
                       "{{ part.titel }}", "{%p endfor %}", cell="{{ table3.granted.natural }}", header="{{ tabel2 }}")
    with pytest.raises(TemplateError) as info:
        render_docx(busy_report, tmp_path / "out", template=template)
    error = info.value
    assert error.code == "TPL-UNKNOWN-VAR"
    assert "4 个未知变量" in error.message
    places = {"organ_name": "organ_name }}年度", "part.titel": "part.titel", "table3.granted.natural": "第1个表格第2行第2个单元格",
              "tabel2": "页眉"}
    assert len(error.findings) == 4  # organ_name twice in one paragraph: reported once
    for finding, (name, place) in zip(error.findings, places.items(), strict=True):
        assert finding.code == "TPL-UNKNOWN-VAR"
        assert f"“{name}”" in finding.message
        assert place in finding.message
        assert f"“{name}”" in error.message
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("paragraphs", "explained", "place"),
    [
        (("正文", "{% if organ %}未闭合", "后面的段落一", "后面的段落二"), "“{% if %}”没有对应的结束标签“{% endif %}”",
         "段落“{% if organ %}未闭合”"),
        (("前面", "{%p for part in overview_parts %}", "{{ part.title }}", "中间", "结尾"),
         "“{% for %}”没有对应的结束标签", "{% for part in overview_parts %}”"),
        (("前面", "{% if organ %}条件", "{% endfor %}", "结尾"), "不匹配", "段落“{% endfor %}”"),
        (("前面", "{{ organ 未闭合", "结尾"), "“{{”之后应以“}}”结束", "段落“{{ organ 未闭合"),
    ],
)
def test_template_syntax_error_names_the_paragraph(
    tmp_path: Path, busy_report: Report, paragraphs: tuple[str, ...], explained: str, place: str
) -> None:
    """A Jinja syntax error is a TemplateError in Chinese (Jinja's English in parentheses) naming the part and the
    paragraph where the problem is: for a block never closed, the paragraph of its opening tag, not the last one."""
    template = _custom(tmp_path, *paragraphs)
    with pytest.raises(TemplateError) as info:
        render_docx(busy_report, tmp_path, template=template)
    message = info.value.message
    assert info.value.code == "TPL-SYNTAX"
    assert message.startswith("模板语法错误：")
    assert "正文（word/document.xml）" in message
    assert explained in message
    assert place in message.rsplit("位置：", 1)[1], message


@pytest.mark.parametrize("code", ["{{ ''.__class__ }}", "{{ organ.__class__.__mro__ }}", "{{ organ|attr('__class__') }}",
                                  "{{ (organ|attr('upper')).__globals__ }}"])
def test_sandbox_escape_is_refused(tmp_path: Path, busy_report: Report, code: str) -> None:
    """Attribute access to dunder names is refused before rendering (TPL-UNSAFE)."""
    template = _custom(tmp_path, code)
    with pytest.raises(TemplateError) as info:
        render_docx(busy_report, tmp_path / "out", template=template)
    assert info.value.code == "TPL-UNSAFE"


def test_sandbox_refuses_at_render_time_too(tmp_path: Path, busy_report: Report) -> None:
    """A dunder name built at run time still meets the sandbox (TPL-UNSAFE), and nothing is written."""
    template = _custom(tmp_path, "{{ organ|attr('__cla' ~ 'ss__') }}")
    with pytest.raises(TemplateError) as info:
        render_docx(busy_report, tmp_path / "out", template=template)
    assert info.value.code == "TPL-UNSAFE"
    assert not (tmp_path / "out").exists()


def test_invalid_output_is_not_written(tmp_path: Path, busy_report: Report) -> None:
    """A template whose loop empties a table cell yields RENDER-INVALID and no file."""
    document = docx.Document()
    table = document.add_table(rows=1, cols=1)
    cell = table.cell(0, 0)
    cell.paragraphs[0].text = "{%p for p in review_litigation_note %}"
    cell.add_paragraph("{{ p }}")
    cell.add_paragraph("{%p endfor %}")
    template = tmp_path / "bad.docx"
    document.save(str(template))
    render_docx(busy_report, tmp_path / "ok.docx", template=template)  # valid: its markup is remembered
    target = tmp_path / "out" / "x.docx"
    with pytest.raises(RenderError) as info:
        render_docx(busy_report.evolve(review_litigation_note=[]), target, template=template)
    assert info.value.code == "RENDER-INVALID"
    assert "w:p" in info.value.message
    assert not target.exists()
    assert not list((tmp_path / "out").glob("*")) if (tmp_path / "out").exists() else True


def test_default_template_path_accepts_the_version_value() -> None:
    """``default_template_path`` takes a FormatVersion or its string value; an unknown version is TPL-FORMAT."""
    for version in FormatVersion:
        assert default_template_path(version.value) == default_template_path(version)
        assert default_template_path(version).name == f"report-{version.value}.docx"
    with pytest.raises(TemplateError) as info:
        default_template_path("2020")
    assert info.value.code == "TPL-FORMAT"
    assert "“2020”" in info.value.message


def test_not_a_docx_template(tmp_path: Path, busy_report: Report) -> None:
    """A template that is not a .docx, or missing, is a TemplateError."""
    bad = tmp_path / "bad.docx"
    bad.write_text("not a zip")
    with pytest.raises(TemplateError) as info:
        render_docx(busy_report, tmp_path, template=bad)
    assert info.value.code == "TPL-NOT-DOCX"
    with pytest.raises(TemplateError) as info:
        render_docx(busy_report, tmp_path, template=tmp_path / "missing.docx")
    assert info.value.code == "TPL-NOT-FOUND"
    assert info.value.message == f"模板文件不存在：{tmp_path / 'missing.docx'}"
    with pytest.raises(TemplateError) as info:
        render_docx(busy_report, tmp_path, template=tmp_path)
    assert info.value.code == "TPL-NOT-FOUND"
    assert "文件夹" in info.value.message


def test_cli_missing_template_is_explained_in_chinese(tmp_path: Path) -> None:
    """``reportgen render --template missing.docx`` reports TPL-NOT-FOUND in Chinese (not click's English) and exits 2."""
    result = CliRunner().invoke(app, ["render", str(EXAMPLES / "zhaoyuan-jinling-2022.yaml"), "-o", str(tmp_path),
                                      "--template", str(tmp_path / "missing.docx")])
    assert result.exit_code == 2, result.output
    assert "TPL-NOT-FOUND" in result.output
    assert "模板文件不存在" in result.output
    assert "does not exist" not in result.output
    assert not list(tmp_path.glob("*.docx"))


# --- structural checks ----------------------------------------------------------------------

_DOC = ('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"><w:body>{}</w:body></w:document>')
_GRID2 = '<w:tblGrid><w:gridCol w:w="100"/><w:gridCol w:w="100"/></w:tblGrid>'
_TC = "<w:tc><w:p/></w:tc>"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (f"<w:tbl>{_GRID2}<w:tr>{_TC}<w:tc/></w:tr></w:tbl>", "缺少 w:p"),
        (f"<w:tbl>{_GRID2}<w:tr>{_TC}</w:tr></w:tbl>", "跨列合计 1"),
        (f"<w:tbl>{_GRID2}<w:tr><w:tc><w:tcPr><w:gridSpan w:val='3'/></w:tcPr><w:p/></w:tc></w:tr></w:tbl>", "跨列合计 3"),
        (f"<w:tbl>{_GRID2}<w:tr/></w:tbl>", "空行"),
        (f"<w:tbl>{_GRID2}</w:tbl>", "空表格"),
        (f"<w:tbl>{_GRID2}<w:tr>{_TC}{_TC}</w:tr><w:tr>{_TC}<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc></w:tr></w:tbl>",
         "纵向合并"),
        ('<w:p><wp:docPr id="1"/></w:p><w:p><wp:docPr id="1"/></w:p>', "重复"),
    ],
)
def test_structural_checks_catch(body: str, problem: str) -> None:
    """Each invariant Word relies on is checked."""
    problems: list[str] = []
    _ooxml.check_part("word/document.xml", etree.fromstring(_DOC.format(body)), set(), problems)
    assert any(problem in p for p in problems), problems


def test_structural_checks_accept_valid_merges() -> None:
    """A vertical merge with a restart above, spans summing to the grid, passes."""
    body = (f"<w:tbl>{_GRID2}<w:tr><w:tc><w:tcPr><w:vMerge w:val='restart'/></w:tcPr><w:p/></w:tc>{_TC}</w:tr>"
            f"<w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>{_TC}</w:tr>"
            f"<w:tr><w:tc><w:tcPr><w:gridSpan w:val='2'/></w:tcPr><w:p/></w:tc></w:tr></w:tbl><w:p/>")
    problems: list[str] = []
    _ooxml.check_part("word/document.xml", etree.fromstring(_DOC.format(body)), set(), problems)
    assert problems == []
    assert _ooxml.find_leftover("<w:t>&#123;{ x }}</w:t>") is None
    assert _ooxml.find_leftover("<w:t>{{ x }}</w:t>") is not None


def _geometry(rows: list[_grid.RowGeometry]) -> list[object]:
    return [(r.row, r.before, r.after, r.before_valid, r.after_valid,
             [(c.col, c.span, c.span_valid, c.vmerge, c.has_paragraph, c.above and (c.above.row, c.above.col))
              for c in r.cells]) for r in rows]


_CRAFTED = [
    f"<w:tbl>{_GRID2}<w:tr><w:trPr><w:gridBefore w:val='1'/></w:trPr>{_TC}</w:tr>"
    f"<w:tr><w:trPr><w:gridAfter w:val='x'/></w:trPr><w:tc><w:tcPr><w:gridSpan w:val='0'/></w:tcPr></w:tc>{_TC}</w:tr>"
    f"<w:tr><w:tc><w:tcPr><w:vMerge w:val='restart'/></w:tcPr><w:p/></w:tc>{_TC}</w:tr>"
    f"<w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc></w:tr>"
    f"<w:tr/></w:tbl>",
    f"<w:tbl>{_GRID2}<w:tr><w:tc><w:tcPr><w:gridSpan w:val='2'/><w:vMerge w:val='restart'/></w:tcPr><w:p/></w:tc></w:tr>"
    f"<w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>{_TC}</w:tr></w:tbl>",
]


@pytest.mark.parametrize("version", list(FormatVersion))
def test_table_geometry_one_pass_equals_the_general_walk(busy_report: Report, version: FormatVersion) -> None:
    """The one-pass reading of plain tables (used on every rendered document) places every cell, gap and
    vertical merge exactly as the general walk (used for tables with content controls or nested tables)."""
    report = busy_report if version is FormatVersion.V2021 else _report_2019(busy_report)
    body = parts_of(DocxRenderer(version=version).render_bytes(report))["word/document.xml"]
    tables = list(etree.fromstring(body).iter(qn("w:tbl"))) + [
        t for b in _CRAFTED for t in etree.fromstring(_DOC.format(b)).iter(qn("w:tbl"))
    ]
    assert len(tables) == 5
    for tbl in tables:
        assert _grid._is_flat(tbl)
        flat = _geometry(_grid._flat_rows(tbl))
        assert flat == _geometry(_grid._walked_rows(tbl))
        assert flat == _geometry(_grid.table_rows(tbl))
    crafted = _grid.table_rows(tables[3])
    assert [r.width for r in crafted] == [2, 2, 2, 2, 0]
    assert crafted[1].after_valid is False
    assert crafted[1].cells[0].span_valid is False
    assert crafted[1].cells[0].has_paragraph is False
    assert crafted[3].cells[0].continues_merge
    assert not crafted[3].cells[1].continues_merge
    wide = _grid.table_rows(tables[4])
    assert wide[1].cells[0].above is None  # span 1 below a restart of span 2: not a continuation


def test_table_geometry_looks_through_content_controls() -> None:
    """Rows and cells inside w:sdt content controls are placed like plain ones (the general walk)."""
    sdt_row = f"<w:sdt><w:sdtContent><w:tr>{_TC}<w:sdt><w:sdtContent>{_TC}</w:sdtContent></w:sdt></w:tr></w:sdtContent></w:sdt>"
    tbl = next(etree.fromstring(_DOC.format(f"<w:tbl>{_GRID2}<w:tr>{_TC}{_TC}</w:tr>{sdt_row}</w:tbl>")).iter(qn("w:tbl")))
    assert not _grid._is_flat(tbl)
    rows = _grid.table_rows(tbl)
    assert [[c.col for c in r.cells] for r in rows] == [[0, 1], [0, 1]]
    problems: list[str] = []
    _ooxml.check_table(tbl, "表", problems)
    assert problems == []


def parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def test_package_zip_reads_back_and_depends_on_content_only() -> None:
    """write_zip's archive is a valid zip (CRC checked) holding every member in order, the same bytes on
    every call; a non-ASCII member name is flagged UTF-8."""
    files = [("[Content_Types].xml", b"<Types/>" * 50), ("word/document.xml", "正文".encode() * 1000),
             ("word/媒体.xml", b"")]
    entries = [package.entry(name, data, level) for (name, data), level in zip(files, (9, 1, 6), strict=True)]
    data = package.write_zip(entries)
    assert data == package.write_zip(list(entries))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        assert [(i.filename, i.date_time) for i in zf.infolist()] == [(n, package.ZIP_DATE) for n, _ in files]
        assert [zf.read(n) for n, _ in files] == [d for _, d in files]
        assert zf.getinfo("word/媒体.xml").flag_bits & 0x800
    assert package.read_zip(data) == dict(files)


def test_rendered_docx_is_deterministic(busy_report: Report) -> None:
    """The same report renders to the same bytes (fixed zip timestamps, fixed member order)."""
    first = DocxRenderer().render_bytes(busy_report)
    assert first == DocxRenderer().render_bytes(busy_report)
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        assert zf.testzip() is None
        assert {i.date_time for i in zf.infolist()} == {package.ZIP_DATE}


def _body_part(report: Report) -> tuple[bytes, str, _ooxml.KnownShapes]:
    renderer = DocxRenderer()
    part = next(p for p in renderer._prepared.parts if p.name == "word/document.xml")
    xml_text = part.template.render(build_context(report))
    return xml_text.encode(), xml_text, _ooxml.KnownShapes()


def _passes_full_check(data: bytes) -> bool:
    problems: list[str] = []
    try:
        root = _ooxml.parse_part(data)
    except etree.XMLSyntaxError:
        return False
    _ooxml.check_part("word/document.xml", root, set(), problems)
    return not problems


def test_known_shapes_cover_other_text_in_checked_markup(busy_report: Report) -> None:
    """After one body passed the full checks, a body with other text and other paragraph counts is covered."""
    data, _, shapes = _body_part(busy_report)
    assert not shapes.covers(data, data.decode())  # nothing remembered yet: the full path runs
    shapes.learn(data)
    assert shapes.covers(data, data.decode())
    other = busy_report.evolve(problems=("另一段 & <文字> “引号” {{ 7*7 }}", "第二段", "第三段"),
                               review_litigation_note=[])
    other_data, other_text, _ = _body_part(other)
    assert other_data != data
    assert shapes.covers(other_data, other_text)


_EMPTY_CELL = re.compile(rb"(<w:tc><w:tcPr>(?:(?!</w:tcPr>).)*</w:tcPr>)<w:p>(?:(?!</w:p>).)*</w:p>(</w:tc>)")


@pytest.mark.parametrize(
    ("change", "full_check_fails"),
    [
        (lambda d: _EMPTY_CELL.sub(rb"\1\2", d, count=1), True),  # a cell without w:p
        (lambda d: d.replace(b'<w:gridSpan w:val="4"/>', b'<w:gridSpan w:val="3"/>', 1), True),
        (lambda d: d.replace(b"</w:tr>", b"</w:tr><w:tr><w:trPr/></w:tr>", 1), True),  # an empty row
        (lambda d: d.replace(b"<w:vMerge/>", b"", 1), True),  # the merge below loses its start
        (lambda d: d.replace(b'<w:vAlign w:val="center"/>', b"", 1), False),  # valid, but not checked before
        (lambda d: d.replace("第二十条".encode(), b"&bogus;", 1), True),
        (lambda d: d.replace("第二十条".encode(), b"]]>", 1), True),
        (lambda d: d.replace("第二十条".encode(), b"\x01", 1), True),
        (lambda d: d.replace("第二十条".encode(), "\ufffe".encode(), 1), True),
        (lambda d: d.replace("第二十条".encode(), b"<!-- x -->", 1), False),
        (lambda d: d.replace("第二十条".encode(), b"<![CDATA[x]]>", 1), False),
        (lambda d: d.replace(b"<w:body>", b"<w:body><w:p><w:r><w:t>x</w:t></w:r></w:p>", 1), False),
        (lambda d: d.replace(b"<w:body>", b'<w:body xmlns:w="urn:other">', 1), False),
        (lambda d: d.replace(b"</w:p>", b"", 1), True),
    ],
)
def test_known_shapes_refuse_what_they_cannot_prove(busy_report: Report, change: Any, full_check_fails: bool) -> None:
    """A change to the markup, or text that is not plain XML character data, is never covered: the full check runs."""
    data, _, shapes = _body_part(busy_report)
    shapes.learn(data)
    changed = change(data)
    assert changed != data
    assert not shapes.covers(changed, changed.decode())
    assert _passes_full_check(changed) is not full_check_fails


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(report=reports())
def test_known_shapes_cover_only_what_passes_the_full_check(busy_report: Report, report: Report) -> None:
    """Whatever random report's body is covered after learning one other body also passes the full parse and checks."""
    first, _, shapes = _body_part(busy_report)
    shapes.learn(first)
    data, text, _ = _body_part(report)
    if shapes.covers(data, text):
        assert _passes_full_check(data)
    shapes.learn(data)
    assert shapes.covers(data, text)


def test_known_shapes_are_bounded(busy_report: Report) -> None:
    """Remembered markup stays within MAX_BYTES; beyond it parts are simply checked in full."""
    data, text, shapes = _body_part(busy_report)
    shapes.MAX_BYTES = 1000
    shapes.learn(data)
    assert not shapes.covers(data, text)


def test_check_can_be_skipped_only_for_the_official_template(tmp_path: Path) -> None:
    """check=False applies to the official template only; custom templates are always checked."""
    assert DocxRenderer(check=False).check is False
    assert DocxRenderer(_custom(tmp_path, "{{ organ }}"), check=False).check is True


def test_documentation_lists_every_variable() -> None:
    """docs/word-report.md lists every context variable as context_variables() describes it."""
    doc = (ROOT / "docs" / "word-report.md").read_text(encoding="utf-8")
    for name, description in context_variables():
        assert f"| `{name}` | {description} |" in doc, name


# --- CLI ------------------------------------------------------------------------------------


def _write_input(report: Report, path: Path) -> Path:
    from reportgen.formats.inputs.mapping import dump

    return dump(report, path)


def test_cli_render_writes_docx(busy_report: Report, tmp_path: Path) -> None:
    """reportgen render writes <stem>.docx into the output folder and exits 0 for a clean report."""
    source = _write_input(busy_report, tmp_path / "in.yaml")
    result = CliRunner().invoke(app, ["render", str(source), "-o", str(tmp_path / "out"), "--no-xlsx"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / f"{output_stem(busy_report)}.docx").is_file()


def test_cli_render_with_errors_still_renders_and_exits_1(busy_report: Report, tmp_path: Path) -> None:
    """A report with error findings is rendered, its findings printed, and the exit status is 1."""
    broken = busy_report.evolve(table3=busy_report.table3.replace(("carried_forward", "natural_person"), 9))
    source = _write_input(broken, tmp_path / "in.yaml")
    result = CliRunner().invoke(app, ["render", str(source), "-o", str(tmp_path / "out"), "--no-xlsx"])
    assert result.exit_code == 1, result.output
    assert "T3-" in result.output
    assert (tmp_path / "out" / f"{output_stem(broken)}.docx").is_file()


def test_cli_unreadable_input_exits_2(tmp_path: Path) -> None:
    """An input that cannot be read is reported and the exit status is 2."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("year: [", encoding="utf-8")
    result = CliRunner().invoke(app, ["render", str(bad), "-o", str(tmp_path / "out"), "--no-xlsx"])
    assert result.exit_code == 2



# --------------------------------------------------------------------------------------------
# 落款 and keeping table 二 together (issue 13)

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _body_paragraphs(data: bytes) -> list[etree._Element]:
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    body = root.find(f"{_W}body")
    assert body is not None
    return [p for p in body if p.tag == f"{_W}p"]


def _paragraph_style(p: etree._Element) -> str | None:
    style = p.find(f"{_W}pPr/{_W}pStyle")
    return None if style is None else style.get(f"{_W}val")


def _paragraph_text(p: etree._Element) -> str:
    return "".join(t.text or "" for t in p.iter(f"{_W}t"))


def test_signature_printed_at_the_end_when_a_publication_date_is_given(tmp_path: Path) -> None:
    """With a publication date the report ends with the 落款: the organ (style Signature, right indent
    centring it over the date) then the date (style Date, 右空四字); without one there is no 落款."""
    report = reportgen.load(ROOT / "examples" / "zhaoyuan-natural-resources-2022.yaml")
    assert report.publication_date is not None
    path = reportgen.render_docx(report, tmp_path / "r.docx")
    paragraphs = _body_paragraphs(path.read_bytes())
    organ, date = paragraphs[-2], paragraphs[-1]
    assert (_paragraph_style(organ), _paragraph_text(organ)) == ("Signature", report.organ.name)
    assert (_paragraph_style(date), _paragraph_text(date)) == ("Date", "2023年1月18日")
    ind = organ.find(f"{_W}pPr/{_W}ind")
    assert ind is not None
    # 11 characters of organ over a 6.5-character date: 4 + (6.5 − 11) / 2 < 4 … clamped at 1.75 characters.
    assert ind.get(f"{_W}rightChars") == "175"
    assert ind.get(f"{_W}right") == str(175 * 320 // 100)
    undated = reportgen.render_docx(report.evolve(publication_date=None), tmp_path / "u.docx")
    assert not [p for p in _body_paragraphs(undated.read_bytes()) if _paragraph_style(p) in ("Signature", "Date")]


@pytest.mark.parametrize("version", list(FormatVersion))
def test_table2_items_are_kept_together(version: FormatVersion) -> None:
    """Every row of an item of table 二 but its last has keepNext on its paragraphs (so a page break
    falls only between two items), every row cantSplit; the header rows of 三 and 四 keep with their first row."""
    root = etree.fromstring(template_parts(build_template(version))["word/document.xml"])
    tables = list(root.iter(f"{_W}tbl"))
    layout = get_layout(version)
    for tbl, table in zip(tables, layout.tables, strict=True):
        rows = tbl.findall(f"{_W}tr")
        captions = {c.row for c in table.cells if c.text is not None and c.colspan == table.n_cols}
        for r, tr in enumerate(rows):
            kept = {p.find(f"{_W}pPr/{_W}keepNext") is not None for p in tr.iter(f"{_W}p")}
            last_of_item = r == len(rows) - 1 or r + 1 in captions
            expected = not last_of_item if table.key == "table2" else r < table.header_rows
            assert kept == {expected}, (table.key, r)
            assert tr.find(f"{_W}trPr/{_W}cantSplit") is not None


# --- the official template compiled to static segments and slots (formats/word/_compiled.py) ----------------

_HOSTILE_VALUES = ("{{ 7*7 }}", "{% if x %}", "<w:p>&amp;</w:p>", "\"'&<>", "%s %d %%", "\x01a\x0bb\ufffe\uffff",
                   "  多  空格\t", "", "}}", "{#")


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report=reports(), version=st.sampled_from(list(FormatVersion)), data=st.data())
def test_compiled_official_template_matches_the_sandboxed_render(report: Report, version: FormatVersion,
                                                                 data: st.DataObject) -> None:
    """Every part of the official template renders exactly as Jinja renders it, and the whole document equals the
    one rendered from the same template as a custom template (bounded sandbox, every structural check)."""
    if version is not report.format_version:
        report = data.draw(reports(version))
    official = DocxRenderer(version=version)
    assert all(p.compiled is not None and p.proven for p in official._prepared.parts)
    context = build_context(report)
    for part in official._prepared.parts:
        assert part.compiled is not None
        assert part.compiled.render(context) == part.template.render(context)
    as_custom = DocxRenderer(default_template_path(version).read_bytes(), version=version)
    assert not as_custom.is_default
    assert _members(official.render_bytes(report)) == _members(as_custom.render_bytes(report))


def test_compiled_render_escapes_hostile_values_as_jinja_does(busy_report: Report) -> None:
    """Template code, markup, quotes, ``%`` format codes and characters XML cannot hold in any value print as Jinja
    prints them: escaped, ``{`` as ``&#123;``, illegal characters removed; the result is well-formed XML."""
    renderer = DocxRenderer()
    for value in _HOSTILE_VALUES:
        context = build_context(busy_report)
        context["organ"] = value
        context["problems"] = (value, value + "尾")
        context["table3"]["granted"]["natural_person"] = value
        context["overview_parts"][0]["title"] = value
        context["signature"] = {**context["signature"], "organ_right": value, "organ": value}
        for part in renderer._prepared.parts:
            assert part.compiled is not None
            out = part.compiled.render(context)
            assert out == part.template.render(context)
            assert _ooxml.find_leftover(out) is None
            etree.fromstring(out.encode())


def test_compiled_render_falls_back_to_jinja_on_an_unexpected_context(busy_report: Report) -> None:
    """A context without a variable, or with a list where a mapping was expected, is not guessed at: the compiled
    render gives up (Fallback) and Jinja's own error (StrictUndefined) is what the caller sees."""
    part = next(p for p in DocxRenderer()._prepared.parts if p.name == "word/document.xml")
    assert part.compiled is not None
    context = build_context(busy_report)
    for broken in ({k: v for k, v in context.items() if k != "table3"}, {**context, "table2": ["x"]}):
        with pytest.raises(_compiled.Fallback):
            part.compiled.render(broken)
        with pytest.raises(jinja2.UndefinedError):
            part.template.render(broken)


_DOC = ('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"><w:body>{}</w:body>'
        '</w:document>')
_TABLE = ('<w:tbl><w:tblGrid><w:gridCol/></w:tblGrid><w:tr><w:tc><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:tc></w:tr>'
          '</w:tbl>')


@pytest.mark.parametrize(("body", "proven"), [
    ("{% for p in ps %}<w:p><w:r><w:t>{{ p }}</w:t></w:r></w:p>{% endfor %}" + _TABLE.format("{{ a.b }}"), True),
    ("{% for p in ps %}<w:p><w:r><w:t>{{ p }}</w:t></w:r>{% endfor %}</w:p>", False),  # body not balanced
    (_TABLE.format("{% for p in ps %}{{ p }}{% endfor %}"), False),  # a loop inside a table
    ("{% if a %}" + _TABLE.format("x") + "{% endif %}", False),  # a table inside a condition
    (_TABLE.replace("<w:gridCol/>", '<w:gridCol w:w="{{ a }}"/>').format("x"), False),  # a value in a table attribute
    ('<w:p><wp:docPr id="1"/></w:p>', False),  # drawing ids: checked per document
    ("<w:p><w:r><w:t>{{ '{' }}{{ a }}</w:t></w:r></w:p>", None),  # a constant: not compiled at all
    ("<!-- {{ a }} --><w:p/>", False),  # a comment
    ("<w:p><w:r><w:t>{</w:t></w:r></w:p>{{ a }}", False),  # a brace in the static text
    (_TABLE.format("x").replace("<w:p>", "").replace("</w:p>", "") + "{{ a }}", False),  # the table itself fails
])
def test_structure_is_proven_only_when_no_rendering_can_change_it(body: str, proven: bool | None) -> None:
    """The once-per-template proof accepts a part only when loops and conditions hold balanced markup outside every
    table, values sit in text or attributes outside tables, and no drawing id, comment or static brace is there."""
    tree = jinja2.Environment().parse(_DOC.format(body))
    compiled = _compiled.compile_template(tree, str, re.compile("[<>&\x00]"))
    if proven is None:
        assert compiled is None
        return
    assert compiled is not None
    assert compiled.proof("word/document.xml", set()) is proven
