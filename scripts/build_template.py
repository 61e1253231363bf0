"""Build the official Word templates ``templates/report-2021.docx`` and ``templates/report-2019.docx``.

One template per format version (国办公开办函〔2021〕30号 and the 2019 trial format 〔2019〕60号), both
from the layout data: the page design is the same, the tables and section titles are the version's.
Run ``python -m scripts.build_template`` after changing the layout or the page design; the test
suite checks that the committed templates equal freshly built ones (``--check`` does the same).

What the template holds (GB/T 9704-2012 公文 layout)::

    {{ organ }}                                           Title: 22 pt 方正小标宋简体, centred, two lines
    {{ year }}年度政府信息公开工作年度报告                  (a w:br after the organ: broken by meaning)
    {{ sections.overview }} (一、总体情况)                 Heading 1: 16 pt 黑体 (the report's choice of heading)
        {%p for p in overview_intro %} {{ p }}            Normal: 16 pt 仿宋_GB2312, 2-char indent, exact 28.95 pt
        {%p for part in overview_parts %}
        （一）…  {{ part.title }}                          Heading 2: 16 pt 楷体_GB2312
            {%p for p in part.paragraphs %} {{ p }}
    二、… table 二   三、… table 三   四、… table 四 + note paragraphs
    五、… paragraphs   六、… items: {{ item.title }} + paragraphs
    {{ signature.organ }}                                 落款 (when a publication date is given): Signature
    {{ signature.date }}                                  and Date styles, the date 右空四字, the organ centred over it
    footer: — PAGE —  (14 pt 宋体; odd pages right, even pages left, one character in)

Every label, span and section title is drawn from :mod:`reportgen.domain.layout`; every figure cell holds one
placeholder ``{{ <table key>.<row key>.<column key> }}``.  Nothing here re-types a label.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import docx
from docx.shared import Mm
from lxml import etree

from reportgen.domain.layout import FormatVersion, GridCell, TableLayout, get_layout
from reportgen.formats._io import atomic_write_bytes

__all__ = [
    "GRID_WIDTHS_MM",
    "TEMPLATE_PATH",
    "TEMPLATE_PATHS",
    "TEXT_WIDTH_TWIPS",
    "build_template",
    "main",
    "template_parts",
]

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_PATHS: dict[FormatVersion, Path] = {v: ROOT / "templates" / f"report-{v.value}.docx" for v in FormatVersion}
"""The committed template of each format version."""
TEMPLATE_PATH = TEMPLATE_PATHS[FormatVersion.V2021]

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML_NS = "http://www.w3.org/XML/1998/namespace"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _twips(mm: float) -> int:
    return int(mm * 1440 / 25.4)


# --- page (GB/T 9704-2012) -------------------------------------------------------------------
PAGE_W, PAGE_H = 11906, 16838  # A4 in twips
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 37, 35, 28, 26  # mm
TEXT_WIDTH_TWIPS = PAGE_W - _twips(MARGIN_LEFT) - _twips(MARGIN_RIGHT)
"""The 版心 width: 156 mm."""
FOOTER_MM = 22
"""Footer distance from the page edge: the page number's top sits 7 mm below the 版心 (35 − 7 − ≈6)."""
LINE_TWIPS = 579
"""Exact body line spacing, 28.95 pt: 22 lines in the 225 mm 版心."""

# --- fonts ---------------------------------------------------------------------------------------
LATIN = "Times New Roman"
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
H1_FONT = "黑体"
H2_FONT = "楷体_GB2312"
TABLE_FONT = "宋体"
PAGE_NUMBER_FONT = "宋体"

# Declared in fontTable.xml so Word and WPS substitute sensibly where a font is missing
# (name, alternative name, charset, family, pitch).
_FONTS = (
    (LATIN, None, "00", "roman", "variable"),
    (TITLE_FONT, "宋体", "86", "script", "variable"),
    (BODY_FONT, "仿宋", "86", "modern", "fixed"),
    (H1_FONT, "SimHei", "86", "modern", "fixed"),
    (H2_FONT, "楷体", "86", "modern", "fixed"),
    (TABLE_FONT, "SimSun", "86", "auto", "variable"),
)

GRID_WIDTHS_MM: dict[str, tuple[float, ...]] = {
    # 信息内容 | three figure columns
    "table2": (45, 37, 37, 37),
    # 三、本年度办理结果 | （三）不予公开 | item labels | seven figure columns
    "table3": (10, 16, 46, *(12,) * 7),
    # fifteen equal columns
    "table4": (10.4,) * 15,
}
"""Grid column widths of each table; each sums to ≤ 156 mm (the text width)."""

TABLE_FONT_HALF_POINTS = 21  # 10.5 pt (五号)
BODY_CHAR_TWIPS = 320
"""One character of the 16 pt body text (三号), in twips."""
SIGNATURE_DATE_RIGHT_CHARS = 4
"""成文日期右空四字 (GB/T 9704-2012 7.3.5.1)."""
FIXED_DATE = dt.datetime(2021, 9, 26, tzinfo=dt.UTC)  # the date of 国办公开办函〔2021〕30号
_ZIP_DATE = (2021, 9, 26, 0, 0, 0)


# --- XML helpers -----------------------------------------------------------------------------


def _el(tag: str, parent: etree._Element | None = None, **attrs: str | int) -> etree._Element:
    """A ``w:`` element with ``w:`` attributes (``xml_space`` for xml:space)."""
    element = etree.Element(_w(tag)) if parent is None else etree.SubElement(parent, _w(tag))
    for key, value in attrs.items():
        name = f"{{{XML_NS}}}space" if key == "xml_space" else _w(key)
        element.set(name, str(value))
    return element


def _rfonts(parent: etree._Element, east_asia: str, latin: str = LATIN) -> etree._Element:
    return _el("rFonts", parent, ascii=latin, hAnsi=latin, eastAsia=east_asia, cs=latin, hint="eastAsia")


def _run(parent: etree._Element, text: str, east_asia: str, size: int | None = None, latin: str = LATIN) -> None:
    run = _el("r", parent)
    rpr = _el("rPr", run)
    _rfonts(rpr, east_asia, latin)
    if size is not None:
        _el("sz", rpr, val=size)
        _el("szCs", rpr, val=size)
    _el("t", run, xml_space="preserve").text = text


def _paragraph(style: str, text: str, east_asia: str) -> etree._Element:
    p = _el("p")
    ppr = _el("pPr", p)
    _el("pStyle", ppr, val=style)
    _run(p, text, east_asia)
    return p


# --- styles ----------------------------------------------------------------------------------


def _styles_xml() -> bytes:
    """A small styles part: explicit fonts only, no theme fonts, Chinese language."""
    root = etree.Element(_w("styles"), nsmap={"w": W})
    defaults = _el("docDefaults", root)
    rpr = _el("rPr", _el("rPrDefault", defaults))
    _el("rFonts", rpr, ascii=LATIN, hAnsi=LATIN, eastAsia=BODY_FONT, cs=LATIN)
    _el("kern", rpr, val=2)
    _el("sz", rpr, val=32)
    _el("szCs", rpr, val=32)
    _el("lang", rpr, val="en-US", eastAsia="zh-CN", bidi="ar-SA")
    ppr = _el("pPr", _el("pPrDefault", defaults))
    _el("spacing", ppr, before=0, after=0)

    def style(kind: str, style_id: str, name: str, *, based_on: str | None = None, default: bool = False,
              next_style: str | None = None, outline: int | None = None) -> tuple[etree._Element, etree._Element,
                                                                                   etree._Element]:
        s = _el("style", root, type=kind, styleId=style_id)
        if default:
            s.set(_w("default"), "1")
        _el("name", s, val=name)
        if based_on:
            _el("basedOn", s, val=based_on)
        if next_style:
            _el("next", s, val=next_style)
        _el("qFormat", s)
        spr = _el("pPr", s)
        if outline is not None:
            _el("keepNext", spr)
            _el("keepLines", spr)
        srpr = _el("rPr", s)
        return s, spr, srpr

    def para_props(ppr: etree._Element, *, line: int | None, rule: str, jc: str, indent: bool,
                   after: int = 0, outline: int | None = None, snap_to_grid: bool = True) -> None:
        _el("widowControl", ppr, val=0)
        # Punctuation stays inside the 版心 (no hanging past the right margin).
        _el("overflowPunct", ppr, val=0)
        if not snap_to_grid:
            # The section's line grid (28.95 pt) would otherwise round every table line up to a grid line.
            _el("snapToGrid", ppr, val=0)
        if line is not None:
            _el("spacing", ppr, before=0, after=after, line=line, lineRule=rule)
        if indent:
            _el("ind", ppr, firstLineChars=200, firstLine=640)
        else:
            _el("ind", ppr, firstLineChars=0, firstLine=0)
        _el("jc", ppr, val=jc)
        if outline is not None:
            _el("outlineLvl", ppr, val=outline)

    def run_props(rpr: etree._Element, east_asia: str, size: int, latin: str = LATIN) -> None:
        _rfonts(rpr, east_asia, latin)
        _el("sz", rpr, val=size)
        _el("szCs", rpr, val=size)

    _, ppr, rpr = style("paragraph", "Normal", "Normal", default=True)
    para_props(ppr, line=LINE_TWIPS, rule="exact", jc="both", indent=True)
    run_props(rpr, BODY_FONT, 32)

    _, ppr, rpr = style("paragraph", "Title", "Title", based_on="Normal", next_style="Normal")
    para_props(ppr, line=680, rule="exact", jc="center", indent=False, after=LINE_TWIPS)
    run_props(rpr, TITLE_FONT, 44)

    for level, font in enumerate((H1_FONT, H2_FONT, BODY_FONT)):
        _, ppr, rpr = style("paragraph", f"Heading{level + 1}", f"heading {level + 1}", based_on="Normal",
                            next_style="Normal", outline=level)
        para_props(ppr, line=LINE_TWIPS, rule="exact", jc="both", indent=True, outline=level)
        run_props(rpr, font, 32)

    # 落款 (GB/T 9704-2012 7.3.5): the date 右空四字, the organ centred over it (its right indent is the
    # report's: build_context computes signature.organ_right from the two widths).
    _, ppr, rpr = style("paragraph", "Signature", "Signature", based_on="Normal", next_style="Date")
    para_props(ppr, line=LINE_TWIPS, rule="exact", jc="right", indent=False)
    spacing = ppr.find(_w("spacing"))
    assert spacing is not None
    spacing.set(_w("before"), str(2 * LINE_TWIPS))  # two blank lines between the body and the 落款
    ppr.insert(0, _el("keepNext"))  # schema order: keepNext comes first in pPr
    run_props(rpr, BODY_FONT, 32)
    _, ppr, rpr = style("paragraph", "Date", "Date", based_on="Normal", next_style="Normal")
    para_props(ppr, line=LINE_TWIPS, rule="exact", jc="right", indent=False)
    ind = ppr.find(_w("ind"))
    assert ind is not None
    ind.set(_w("rightChars"), str(SIGNATURE_DATE_RIGHT_CHARS * 100))
    ind.set(_w("right"), str(SIGNATURE_DATE_RIGHT_CHARS * BODY_CHAR_TWIPS))
    run_props(rpr, BODY_FONT, 32)

    _, ppr, rpr = style("paragraph", "TableText", "Table Text", based_on="Normal")
    para_props(ppr, line=240, rule="auto", jc="center", indent=False, snap_to_grid=False)
    run_props(rpr, TABLE_FONT, TABLE_FONT_HALF_POINTS)

    _, ppr, rpr = style("paragraph", "Footer", "footer", based_on="Normal")
    para_props(ppr, line=240, rule="auto", jc="right", indent=False)
    run_props(rpr, PAGE_NUMBER_FONT, 28, latin=PAGE_NUMBER_FONT)

    s = _el("style", root, type="character", styleId="DefaultParagraphFont", default=1)
    _el("name", s, val="Default Paragraph Font")
    _el("uiPriority", s, val=1)
    _el("semiHidden", s)

    s = _el("style", root, type="table", styleId="TableNormal", default=1)
    _el("name", s, val="Normal Table")
    _el("semiHidden", s)
    tblpr = _el("tblPr", s)
    _el("tblInd", tblpr, w=0, type="dxa")
    mar = _el("tblCellMar", tblpr)
    for side, width in (("top", 0), ("left", 57), ("bottom", 0), ("right", 57)):
        _el(side, mar, w=width, type="dxa")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _font_table_xml() -> bytes:
    root = etree.Element(_w("fonts"), nsmap={"w": W})
    for name, alt, charset, family, pitch in _FONTS:
        font = _el("font", root, name=name)
        if alt:
            _el("altName", font, val=alt)
        _el("charset", font, val=charset)
        _el("family", font, val=family)
        _el("pitch", font, val=pitch)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# --- tables ----------------------------------------------------------------------------------


def _cell_paragraph(text: str | None, jc: str, *, figure: bool = False) -> etree._Element:
    # Size and fonts come from the Table Text style; CJK label runs also name their East Asian font.
    # Figure runs hold only digits, so they carry no run properties (this keeps the part small:
    # every report parses it once for the structural checks).
    p = _el("p")
    ppr = _el("pPr", p)
    _el("pStyle", ppr, val="TableText")
    if jc != "center":
        _el("jc", ppr, val=jc)
    if text is not None and figure:
        _el("t", _el("r", p)).text = text
    elif text is not None:
        _run(p, text, TABLE_FONT)
    return p


def _placeholder(table: TableLayout, cell: GridCell) -> str:
    assert cell.ref is not None
    row_key, col_key = cell.ref
    return "{{ %s.%s.%s }}" % (table.key, row_key, col_key)  # noqa: UP031  (braces are Jinja's)


def _alignment(table: TableLayout, cell: GridCell) -> str:
    # Row labels of table 三 are long sentences: left-aligned reads better; group labels stay centred.
    if table.key == "table3" and cell.row >= table.header_rows and cell.text and cell.rowspan == 1:
        return "left"
    return "center"


def _table(table: TableLayout) -> etree._Element:
    """Table ``table`` with exactly the grid and merges of :attr:`TableLayout.cells`."""
    widths = [_twips(mm) for mm in GRID_WIDTHS_MM[table.key]]
    if len(widths) != table.n_cols or sum(widths) > TEXT_WIDTH_TWIPS:
        raise AssertionError(f"{table.key}: grid widths do not fit the layout or the text width")
    tbl = _el("tbl")
    tblpr = _el("tblPr", tbl)
    _el("tblStyle", tblpr, val="TableNormal")
    _el("tblW", tblpr, w=sum(widths), type="dxa")
    _el("jc", tblpr, val="center")
    borders = _el("tblBorders", tblpr)
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        _el(side, borders, val="single", sz=4, space=0, color="000000")
    _el("tblLayout", tblpr, type="fixed")
    mar = _el("tblCellMar", tblpr)
    for side, width in (("top", 0), ("left", 57), ("bottom", 0), ("right", 57)):
        _el(side, mar, w=width, type="dxa")
    _el("tblLook", tblpr, val="0000", firstRow=0, lastRow=0, firstColumn=0, lastColumn=0, noHBand=1, noVBand=1)
    grid = _el("tblGrid", tbl)
    for width in widths:
        _el("gridCol", grid, w=width)

    covering: dict[tuple[int, int], GridCell] = {}
    for cell in table.cells:
        for r in range(cell.row, cell.last_row + 1):
            for c in range(cell.col, cell.last_col + 1):
                covering[(r, c)] = cell
    kept = _kept_rows(table)
    for r in range(table.n_rows):
        tr = _el("tr", tbl)
        trpr = _el("trPr", tr)
        _el("cantSplit", trpr)
        if r < table.header_rows:
            _el("tblHeader", trpr)
        c = 0
        while c < table.n_cols:
            cell = covering[(r, c)]
            tc = _el("tc", tr)
            tcpr = _el("tcPr", tc)
            _el("tcW", tcpr, w=sum(widths[cell.col : cell.last_col + 1]), type="dxa")
            if cell.colspan > 1:
                _el("gridSpan", tcpr, val=cell.colspan)
            if cell.rowspan > 1:
                vmerge = _el("vMerge", tcpr)
                if r == cell.row:
                    vmerge.set(_w("val"), "restart")
            _el("vAlign", tcpr, val="center")
            if r == cell.row and cell.ref is not None:
                paragraph = _cell_paragraph(_placeholder(table, cell), "center", figure=True)
            elif r == cell.row:
                paragraph = _cell_paragraph(cell.text, _alignment(table, cell))
            else:
                paragraph = _cell_paragraph(None, "center")
            if r in kept:
                _keep_next(paragraph)
            tc.append(paragraph)
            c += cell.colspan
    return tbl


def _kept_rows(table: TableLayout) -> frozenset[int]:
    """Grid rows kept on the page of the row below them (``keepNext`` on their paragraphs).

    The header rows stay with the first figure row, so the section heading (``keepNext`` in its style)
    never stands alone at the foot of a page with only the header under it.  In table 二 every item
    of 第二十条 — its caption row, its 信息内容 header row and its figure rows — is kept together:
    a page break falls only between two items (defect 9 of issue 13).
    """
    kept = set(range(table.header_rows))
    if table.key == "table2":
        captions = {cell.row for cell in table.cells if cell.text is not None and cell.colspan == table.n_cols}
        kept |= {r for r in range(table.n_rows - 1) if r + 1 not in captions}
    return frozenset(kept)


def _keep_next(paragraph: etree._Element) -> None:
    ppr = paragraph.find(_w("pPr"))
    assert ppr is not None
    style = ppr.find(_w("pStyle"))
    assert style is not None
    # pPr children follow the schema order: pStyle, keepNext, keepLines, …
    style.addnext(_el("keepNext"))


# --- body --------------------------------------------------------------------------------------


def _loop(tag: str) -> etree._Element:
    """A paragraph holding only a docxtpl ``{%p … %}`` tag (the paragraph disappears when rendered)."""
    return _paragraph("Normal", "{%p " + tag + " %}", BODY_FONT)


def _paragraph_loop(body: list[etree._Element], items: str, style: str = "Normal") -> None:
    body.append(_loop(f"for p in {items}"))
    body.append(_paragraph(style, "{{ p }}", BODY_FONT))
    body.append(_loop("endfor"))


def _titled_parts_loop(body: list[etree._Element], items: str, var: str) -> None:
    body.append(_loop(f"for {var} in {items}"))
    body.append(_paragraph("Heading2", "{{ %s.title }}" % var, H2_FONT))  # noqa: UP031
    _paragraph_loop(body, f"{var}.paragraphs")
    body.append(_loop("endfor"))


def _title() -> etree._Element:
    """The title over two lines, broken by meaning (GB/T 9704): the organ, then ``{year}年度…年度报告``.

    One paragraph with a line break (``w:br``), so readers see one title and the spacing after it stays single.
    """
    p = _paragraph("Title", "{{ organ }}", TITLE_FONT)
    _el("br", _el("r", p))
    _run(p, "{{ year }}年度政府信息公开工作年度报告", TITLE_FONT)
    return p


def _body(version: FormatVersion) -> list[etree._Element]:
    layout = get_layout(version)
    body: list[etree._Element] = [_title()]
    for section in layout.sections:
        # A placeholder: a report may print an alias of the official heading (Report.section_titles).
        body.append(_paragraph("Heading1", "{{ sections.%s }}" % section.key, H1_FONT))  # noqa: UP031
        if section.key == "overview":
            _paragraph_loop(body, "overview_intro")
            _titled_parts_loop(body, "overview_parts", "part")
        elif section.key in ("table2", "table3", "table4"):
            body.append(_table(layout.table(section.key)))
            if section.key == "table4":
                _paragraph_loop(body, "review_litigation_note")
        elif section.key == "problems":
            _paragraph_loop(body, "problems")
        elif section.key == "other_matters":
            _titled_parts_loop(body, "other_matters", "item")
        else:  # pragma: no cover - the layout has exactly these six sections
            raise AssertionError(section.key)
    body += _signature()
    return body


def _signature() -> list[etree._Element]:
    """The 落款, printed when the context has one (a publication date was given): the organ in a
    ``Signature`` paragraph, the date in a ``Date`` paragraph (GB/T 9704: 右空四字, the organ centred over
    the date — its right indent comes from the context, so it follows the lengths of the two)."""
    organ = _paragraph("Signature", "{{ signature.organ }}", BODY_FONT)
    ppr = organ.find(_w("pPr"))
    assert ppr is not None
    ind = _el("ind", ppr, rightChars="{{ signature.organ_right_chars }}", right="{{ signature.organ_right }}")
    ind.set(_w("firstLineChars"), "0")
    ind.set(_w("firstLine"), "0")
    return [
        _loop("if signature.date"),
        organ,
        _paragraph("Date", "{{ signature.date }}", BODY_FONT),
        _loop("endif"),
    ]


def _footer_paragraph(footer: etree._Element, *, odd: bool) -> None:
    """``— PAGE —`` in 14 pt 宋体, one character (14 pt) in from the outer edge."""
    for child in list(footer):
        footer.remove(child)
    p = _el("p", footer)
    ppr = _el("pPr", p)
    _el("pStyle", ppr, val="Footer")
    if odd:
        _el("ind", ppr, right=280, firstLine=0)
    else:
        _el("ind", ppr, left=280, firstLine=0)
    _el("jc", ppr, val="right" if odd else "left")

    def run(parent: etree._Element) -> etree._Element:
        r = _el("r", parent)
        rpr = _el("rPr", r)
        _rfonts(rpr, PAGE_NUMBER_FONT, PAGE_NUMBER_FONT)
        _el("sz", rpr, val=28)
        _el("szCs", rpr, val=28)
        return r

    _el("t", run(p), xml_space="preserve").text = "— "
    _el("fldChar", run(p), fldCharType="begin")
    _el("instrText", run(p), xml_space="preserve").text = " PAGE "
    _el("fldChar", run(p), fldCharType="separate")
    _el("t", run(p)).text = "1"
    _el("fldChar", run(p), fldCharType="end")
    _el("t", run(p), xml_space="preserve").text = " —"


# --- package -----------------------------------------------------------------------------------

_DROP_PARTS = ("word/stylesWithEffects.xml", "word/numbering.xml", "docProps/thumbnail.jpeg",
               "customXml/item1.xml", "customXml/itemProps1.xml", "customXml/_rels/item1.xml.rels")
_THEME_ATTRS = ("asciiTheme", "eastAsiaTheme", "hAnsiTheme", "cstheme")


def _strip_theme_fonts(root: etree._Element) -> None:
    for element in root.iter(_w("rFonts")):
        for attr in _THEME_ATTRS:
            if _w(attr) in element.attrib:
                del element.attrib[_w(attr)]


def _post_process(name: str, data: bytes) -> bytes | None:
    """The final bytes of part ``name`` (``None``: drop it)."""
    if name in _DROP_PARTS:
        return None
    if name == "word/styles.xml":
        return _styles_xml()
    if name == "word/fontTable.xml":
        return _font_table_xml()
    if not name.endswith((".xml", ".rels")):
        return data
    root = etree.fromstring(data)
    if name == "[Content_Types].xml":
        for override in root.findall(f"{{{CT_NS}}}Override"):
            if override.get("PartName", "").lstrip("/") in _DROP_PARTS:
                root.remove(override)
        for default in root.findall(f"{{{CT_NS}}}Default"):
            if default.get("Extension") == "jpeg":
                root.remove(default)
    elif name.endswith(".rels"):
        for rel in root.findall(f"{{{REL_NS}}}Relationship"):
            target = rel.get("Target", "")
            if any(target.endswith(dropped.split("/", 1)[1]) for dropped in _DROP_PARTS):
                root.remove(rel)
    elif name == "word/settings.xml":
        lang = root.find(_w("themeFontLang"))
        if lang is not None:
            lang.set(_w("eastAsia"), "zh-CN")
        for rsids in root.findall(_w("rsids")):
            root.remove(rsids)
    elif name.startswith("word/"):
        _strip_theme_fonts(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def build_template(version: FormatVersion = FormatVersion.V2021) -> bytes:
    """The template's .docx bytes (deterministic: fixed dates and zip timestamps)."""
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGIN_TOP), Mm(MARGIN_BOTTOM)
    section.left_margin, section.right_margin = Mm(MARGIN_LEFT), Mm(MARGIN_RIGHT)
    section.footer_distance = Mm(FOOTER_MM)
    section.header_distance = Mm(15)
    document.settings.odd_and_even_pages_header_footer = True
    _footer_paragraph(section.footer._element, odd=True)
    _footer_paragraph(section.even_page_footer._element, odd=False)
    sect_pr = section._sectPr
    # python-docx writes page sizes from Mm(); pin the exact A4 twips and the line grid.
    page_size, grid = sect_pr.find(_w("pgSz")), sect_pr.find(_w("docGrid"))
    assert page_size is not None
    assert grid is not None
    page_size.set(_w("w"), str(PAGE_W))
    page_size.set(_w("h"), str(PAGE_H))
    grid.attrib.clear()
    grid.set(_w("type"), "lines")
    grid.set(_w("linePitch"), str(LINE_TWIPS))
    for name in ("rsidR", "rsidRPr", "rsidSect"):
        if _w(name) in sect_pr.attrib:
            del sect_pr.attrib[_w(name)]

    body = document.element.body
    for child in list(body):
        if child is not sect_pr:
            body.remove(child)
    for element in _body(version):
        sect_pr.addprevious(element)

    props = document.core_properties
    props.title = "{{ organ }}{{ year }}年度政府信息公开工作年度报告"
    props.author = "{{ organ }}"
    props.subject = "政府信息公开工作年度报告"
    props.comments = f"reportgen 模板（{get_layout(version).document}格式）"
    props.last_modified_by = "reportgen"
    props.created = props.modified = FIXED_DATE.replace(tzinfo=None)
    props.revision = 1

    raw = io.BytesIO()
    document.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = _post_process(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(zipfile.ZipInfo(info.filename, _ZIP_DATE), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def template_parts(data: bytes) -> dict[str, bytes]:
    """Every part of a .docx as canonical XML (C14N) — for comparing templates by content."""
    parts: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in sorted(zf.namelist()):
            raw = zf.read(name)
            if name.endswith((".xml", ".rels")):
                raw = etree.tostring(etree.fromstring(raw), method="c14n")
            parts[name] = raw
    return parts


def main(argv: Sequence[str] | None = None) -> int:
    """Write the templates (or, with ``--check``, report whether the committed ones are current)."""
    parser = argparse.ArgumentParser(description="Build templates/report-<version>.docx from the layout data.")
    parser.add_argument("-o", "--output-dir", type=Path, default=TEMPLATE_PATH.parent,
                        help="folder of the templates (default: templates/)")
    parser.add_argument("--check", action="store_true", help="only compare with the existing files")
    args = parser.parse_args(argv)
    status = 0
    for version, default in TEMPLATE_PATHS.items():
        output = args.output_dir / default.name
        data = build_template(version)
        if args.check:
            current = output.read_bytes() if output.exists() else b""
            same = bool(current) and template_parts(current) == template_parts(data)
            print(f"{output}: up to date" if same else f"{output} is out of date: run python -m scripts.build_template")
            status = status or (0 if same else 1)
            continue
        args.output_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(output, data)
        print(f"wrote {output}")
    return status


if __name__ == "__main__":
    sys.exit(main())
