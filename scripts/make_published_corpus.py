"""Build the corpus of published reports in ``tests/data/published/``: the forms portals and offices publish.

Each document starts as a report rendered by reportgen itself (:func:`reportgen.render_docx`), read back
into the neutral document (:func:`reportgen.formats.published.docx.read_docx`) and then *published*
the way the world does it: CMS web pages (UTF-8 and GBK, charset declared or not, tables with
rowspan/colspan, ``|``-separated lines, one cell per line, nested layout tables, .mhtml), PDFs made by
LibreOffice from the Word file with and without ruling lines, a .doc, and .docx variants — with the
real-world title forms, 元 amounts, the 2019 row label, column-header variants, inline overview headings
and a table cut off.  Beside each document, ``<name>.expected.json`` holds the figures it shows, the
figures it does not, the organ, the year and the reading codes expected::

    python -m scripts.make_published_corpus            # rewrites tests/data/published/ (LibreOffice needed)
    python -m scripts.make_published_corpus --no-office  # only the HTML/.docx part
"""

from __future__ import annotations

import html
import json
import quopri
import random
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

import docx as python_docx
from lxml import etree

from reportgen import Report, extract, load, render_docx
from reportgen.domain.layout import FormatVersion
from reportgen.domain.model import Table
from reportgen.formats.convert import convert_many_to_pdf, find_soffice
from reportgen.formats.ooxml.grid import Grid, GridText, Para
from reportgen.formats.published.document import Block, TableBlock
from reportgen.formats.published.docx import read_docx

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "published"
MANIFEST = "corpus.json"
OFFICE_FORMS = (".pdf", ".doc")
"""The forms made by LibreOffice (slow to build: rebuilt only with LibreOffice, kept otherwise)."""

Transform = Callable[[list[Block]], list[Block]]


def _reports() -> list[Report]:
    """Three reports with figures of their own (deterministic), from the examples."""
    base = [load(ROOT / "examples" / "zhaoyuan-jinling-2022.yaml"), load(ROOT / "examples" / "zhaoyuan-natural-resources-2022.yaml")]
    rng = random.Random(2024)
    out = []
    for i, report in enumerate([*base, base[0].evolve(year=2023)]):
        tables = {}
        for key in ("table2", "table3", "table4"):
            table: Table = report.table(key)
            for ref in table.layout.leaf_refs():
                kind = table.layout.kind(ref)
                if kind == "amount":
                    value: int | Decimal = Decimal(rng.randint(0, 3000)) / 100
                elif kind == "signed":
                    value = rng.randint(-3, 9)
                else:
                    value = rng.choice([0, 0, 1, 2, 3, 7, 12, 150]) if i else rng.choice([0, 1, 2])
                table = table.replace(ref, value)
            tables[key] = table
        out.append(report.evolve(**tables))
    # The 2019 trial layout, as a hand-made fixture reads (its own tables and figures).
    out.append(extract(ROOT / "tests" / "data" / "extract" / "trial-2019.docx"))
    return out


# -- transforms of the neutral document ------------------------------------------------------


def _spans(block: TableBlock) -> list[list[tuple[GridText, int, int]]]:
    """Per row, the cells starting in it with their row and column span within this grid."""
    grid = block.grid
    out: list[list[tuple[GridText, int, int]]] = []
    for r, row in enumerate(grid.rows):
        cells: list[tuple[GridText, int, int]] = []
        c = 0
        while c < grid.n_cols:
            cell = row[c]
            if cell is None:
                c += 1
                continue
            width = 1
            while c + width < grid.n_cols and row[c + width] is cell:
                width += 1
            if r == 0 or grid.rows[r - 1][c] is not cell:
                height = 1
                while r + height < len(grid.rows) and grid.rows[r + height][c] is cell:
                    height += 1
                cells.append((cell, height, width))
            c += width
        out.append(cells)
    return out


def _cells(block: TableBlock) -> list[list[str]]:
    return [[cell.text for cell, _, _ in row] for row in _spans(block)]


def _table_html(block: TableBlock) -> str:
    out = ['<table border="1" cellspacing="0" style="border-collapse:collapse">']
    for row in _spans(block):
        out.append("<tr>")
        for cell, rowspan, colspan in row:
            span = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
            text = "<br/>".join(html.escape(t) for t in cell.text.split("\n"))
            out.append(f'<td{span}><p style="text-align:center"><span style="font-size:12px">{text}</span></p></td>')
        out.append("</tr>")
    out.append("</table>")
    return "\n".join(out)


def page(blocks: Sequence[Block], *, title: str, charset: str | None = "utf-8", tables: str = "html",
         nested: bool = False, site: str = "招远市人民政府") -> str:
    """A CMS page: header, breadcrumbs, the article, footer."""
    body: list[str] = []
    for block in blocks:
        if isinstance(block, Para):
            body.append(f'<p style="text-indent:2em">{html.escape(block.text)}</p>')
        elif tables == "html":
            body.append(_table_html(block))
        elif tables == "pipes":
            body.append("<p>" + "<br/>".join(html.escape(" | ".join(row)) for row in _cells(block)) + "</p>")
        else:  # one cell per line
            body.extend(f"<p>{html.escape(text)}</p>" for row in _cells(block) for text in row if text)
    article = "\n".join(body)
    if nested:
        article = (f'<table width="100%"><tr><td><table><tr><td class="nav">首页 &gt; 政府信息公开 &gt; 年报</td></tr></table>'
                   f'<table width="960"><tr><td>{article}</td></tr></table></td></tr></table>')
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    return (f"<!DOCTYPE html><html><head>{meta}<title>{html.escape(title)}</title>"
            "<script>var a='<p>不是正文</p>';</script><style>p{margin:0}</style></head><body>"
            f'<div class="header">{site}</div><div class="crumb">当前位置：首页 &gt; 政府信息公开年报</div>'
            f'<div class="article">{article}</div><div class="footer">主办：{site}办公室 ｜ 网站标识码 3706850001</div>'
            "</body></html>")


def retitle(new: Callable[[str], str | None]) -> Transform:
    """Replace the title paragraph (the first one ending in 年度报告); ``None`` drops it."""
    def apply(blocks: list[Block]) -> list[Block]:
        out: list[Block] = []
        done = False
        for b in blocks:
            if not done and isinstance(b, Para) and b.text.endswith("年度报告"):
                done = True
                text = new(b.text)
                if text is not None:
                    out.extend(Para(t) for t in text.split("\n"))
                continue
            out.append(b)
        return out
    return apply


def relabel(old: str, new: str) -> Transform:
    """Replace a cell's text in every table (a column-header or row-label variant)."""
    def apply(blocks: list[Block]) -> list[Block]:
        for b in blocks:
            if isinstance(b, TableBlock):
                for cell in b.grid.all_cells():
                    if cell.text == old:
                        cell.text = new
        return blocks
    return apply


def yuan(blocks: list[Block]) -> list[Block]:
    """The fee printed in 元 with its unit (``251000元``)."""
    for b in blocks:
        if isinstance(b, TableBlock):
            cells = list(b.grid.all_cells())
            for i, cell in enumerate(cells):
                if cell.text == "行政事业性收费":
                    target = cells[i + 1]
                    target.text = f"{(Decimal(target.text) * 10000).normalize():f}元"
    return blocks


def inline_headings(blocks: list[Block]) -> list[Block]:
    """（一）主动公开政府信息情况 + paragraph → （一）主动公开方面。paragraph on one line."""
    out: list[Block] = []
    i = 0
    while i < len(blocks):
        b = blocks[i]
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if isinstance(b, Para) and b.text.startswith("（一）主动公开") and isinstance(nxt, Para):
            out.append(Para(f"（一）主动公开方面。{nxt.text}"))
            i += 2
            continue
        out.append(b)
        i += 1
    return out


def zero_marks(blocks: list[Block]) -> list[Block]:
    """Zeros printed as ``/``, ``—``, ``无`` or left blank, in turn; an empty row and column added to table 二."""
    marks = ["/", "—", "无", ""]
    i = 0
    for b in blocks:
        if isinstance(b, TableBlock):
            for cell in b.grid.all_cells():
                if cell.text == "0":
                    cell.text = marks[i % len(marks)]
                    i += 1
    return blocks


def split_table3(blocks: list[Block]) -> list[Block]:
    """Table 三 split at a page break into two tables, the second without its header rows."""
    out: list[Block] = []
    for b in blocks:
        if isinstance(b, TableBlock) and any("自然人" in c.text for c in b.grid.all_cells()):
            half = len(b.grid.rows) // 2 + 2
            out.append(TableBlock(Grid(b.grid.rows[:half], b.grid.n_cols), b.index))
            out.append(Para("—3—"))
            out.append(TableBlock(Grid(b.grid.rows[half:], b.grid.n_cols), b.index + 1))
            continue
        out.append(b)
    return out


def first_sentence(year: int) -> Transform:
    """No title line: the year only in the first sentence (现将我镇…年度政府信息公开工作报告如下)."""
    def apply(blocks: list[Block]) -> list[Block]:
        out = retitle(lambda _: None)(blocks)
        for i, b in enumerate(out):
            if isinstance(b, Para) and b.text.startswith("一、"):
                out.insert(i + 1, Para(f"现将我镇{year}年度政府信息公开工作报告如下。"))
                break
        return out
    return apply


def cut_table3(keep_rows: int) -> Transform:
    """The page ends inside table 三, after ``keep_rows`` grid rows (a page cut off)."""
    def apply(blocks: list[Block]) -> list[Block]:
        out: list[Block] = []
        for b in blocks:
            if isinstance(b, TableBlock) and any("自然人" in c.text for c in b.grid.all_cells()):
                out.append(TableBlock(Grid(b.grid.rows[:keep_rows], b.grid.n_cols), b.index))
                return out
            out.append(b)
        return out
    return apply


# -- the corpus ------------------------------------------------------------------------------


def expected(report: Report, *, missing: Sequence[tuple[str, str, str]] = (), codes: Sequence[str] = (),
             organ: str | None = None) -> dict[str, object]:
    """The figures a document shows (``table/row/column: value``), those it does not, organ, year, codes."""
    gone = set(missing)
    figures = {
        f"{key}/{row}/{col}": str(report.table(key)[(row, col)])
        for key in ("table2", "table3", "table4")
        for row, col in report.table(key).layout.leaf_refs()
        if (key, row, col) not in gone
    }
    return {"organ": organ or report.organ.name, "year": report.year, "format": report.format_version.value,
            "figures": figures, "missing": sorted("/".join(m) for m in gone), "codes": sorted(set(codes))}


def _cut_missing(report: Report, keep_rows: int) -> list[tuple[str, str, str]]:
    layout = report.table3.layout
    out = [("table3", *ref) for ref in layout.leaf_refs() if layout.figure_cell(ref).row >= keep_rows]
    return out + [("table4", *ref) for ref in report.table4.layout.leaf_refs()]


def _strip_borders(docx: Path, out: Path) -> None:
    """The same Word file with every table and cell border removed (a PDF without ruling lines)."""
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    def drop(el: etree._Element) -> None:
        parent = el.getparent()
        if parent is not None:
            parent.remove(el)

    with zipfile.ZipFile(docx) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                root = etree.fromstring(data)
                for tag in ("tblBorders", "tcBorders"):
                    for el in list(root.iter(f"{w}{tag}")):
                        drop(el)
                for pr in root.iter(f"{w}tblPr"):
                    borders = etree.SubElement(pr, f"{w}tblBorders")
                    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
                        etree.SubElement(borders, f"{w}{side}", {f"{w}val": "nil"})
                for style in list(root.iter(f"{w}tblStyle")):
                    drop(style)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            dst.writestr(info, data)


def _publish(n: int, report: Report, out: Path, work: Path, corpus: dict[str, dict[str, object]], *, office: bool) -> None:
    """Write every published form of ``report`` (documents prefixed ``n-``) and their expected figures."""
    docx = render_docx(report, work / f"r{n}.docx")
    blocks = list(read_docx(docx).blocks)
    organ, year = report.organ.name, report.year
    t = f"{organ}{year}年度政府信息公开工作年度报告"

    def html_doc(name: str, transforms: Sequence[Transform] = (), *, encoding: str = "utf-8",
                 charset: str | None = "utf-8", exp: dict[str, object] | None = None, **options: object) -> None:
        doc = [Para(b.text) if isinstance(b, Para) else TableBlock(_copy(b.grid), b.index) for b in blocks]
        for transform in transforms:
            doc = transform(doc)
        title = str(options.pop("title", f"{t}_{'招远市人民政府'}"))
        text = page(doc, title=title, charset=charset, **options)  # type: ignore[arg-type]
        (out / name).write_bytes(text.encode(encoding))
        corpus[name] = exp or expected(report)

    p = f"{n}-"
    html_doc(p + "utf8.html")
    html_doc(p + "gbk-declared.htm", encoding="gbk", charset="gbk")
    html_doc(p + "gbk-undeclared.html", encoding="gb18030", charset=None)
    html_doc(p + "gb2312-declared.shtml", encoding="gb18030", charset="gb2312")
    html_doc(p + "pipes.html", tables="pipes")
    html_doc(p + "one-cell-per-line.html", tables="cells", encoding="gbk", charset="gbk")
    html_doc(p + "nested-layout.html", nested=True)
    html_doc(p + "year-first.html", [retitle(lambda _: f"{year}年{organ}政府信息公开工作年度报告")])
    html_doc(p + "guanyu.html", [retitle(lambda _: f"{organ}关于{year}年度政府信息公开工作的年度报告")])
    html_doc(p + "suffix-tupian.html", [retitle(lambda _: f"{organ}{year}年政府信息公开年度报告（图片版）")])
    html_doc(p + "split-title.html", [retitle(lambda _: f"{organ}\n{year}年度政府信息公开工作年度报告")])
    html_doc(p + "title-only-in-title-tag.html", [retitle(lambda _: None)], title=f"{t}（超链版）_招远市人民政府")
    if report.format_version is FormatVersion.V2021:  # the 2019 table 二 has no amount column for fees
        html_doc(p + "yuan.html", [yuan], exp=expected(report, codes=["EX-AMOUNT-YUAN"]))
    html_doc(p + "rule-2019-label.html", [relabel("行政规范性文件", "规范性文件")])
    html_doc(p + "column-variants.html", [relabel("现行有效件数", "现行有效件"),
                                         relabel("本年制发件数", f"本年({year})制发件数")])
    html_doc(p + "inline-headings.html", [inline_headings])
    html_doc(p + "zero-marks.html", [zero_marks])
    html_doc(p + "split-table3.html", [split_table3])
    html_doc(f"{p}{organ}.html", [first_sentence(year)], title="政府信息公开")
    keep = 10 + n
    html_doc(p + "cut-off.html", [cut_table3(keep)], tables="pipes",
             exp=expected(report, missing=_cut_missing(report, keep),
                          codes=["EX-ROW-MISSING", "EX-TABLE-MISSING"]))
    named = work / f"{organ}{year}年政府信息公开年度报告.html"
    html_doc(named.name, [retitle(lambda _: None)], title="信息公开")
    (out / named.name).rename(out / f"{p}{named.name}")
    corpus[f"{p}{named.name}"] = corpus.pop(named.name)
    # mhtml: the page as a MIME archive, quoted-printable GBK
    mime = (out / (p + "gbk-declared.htm")).read_bytes()
    (out / (p + "saved.mhtml")).write_bytes(
        b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"B\"\r\n\r\n--B\r\n"
        b"Content-Type: text/html; charset=\"gbk\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        + quopri.encodestring(mime) + b"\r\n--B--\r\n")
    corpus[p + "saved.mhtml"] = expected(report)
    shutil.copy(docx, out / (p + "rendered.docx"))
    corpus[p + "rendered.docx"] = expected(report)
    _title_in_header(docx, out / (p + "title-in-header.docx"), t)
    corpus[p + "title-in-header.docx"] = expected(report)
    if office and find_soffice():
        flat = work / f"{p}no-ruling-lines.docx"
        _strip_borders(docx, flat)
        ruled = work / f"{p}ruled.docx"
        shutil.copy(docx, ruled)
        for pdf in convert_many_to_pdf([ruled, flat], out):
            corpus[pdf.name] = expected(report)
        subprocess.run([str(find_soffice()), "--headless", "--convert-to", "doc", "--outdir", str(out),
                        str(ruled)], check=True, capture_output=True, timeout=180)
        corpus[ruled.stem + ".doc"] = expected(report)


def _title_in_header(docx: Path, out: Path, title: str) -> None:
    """The Word file with its title lines removed and the title printed only in the page header."""
    document = python_docx.Document(str(docx))
    for paragraph in list(document.paragraphs):
        if paragraph.text.startswith("一、"):
            break
        element = paragraph._element
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)
    document.sections[0].header.paragraphs[0].text = title
    document.save(str(out))


def build(out: Path = OUT, *, office: bool = True) -> dict[str, dict[str, object]]:
    """Write every document and its expected figures into ``out``; returns ``{file name: expected}``."""
    corpus: dict[str, dict[str, object]] = {}
    if not office and (out / MANIFEST).is_file():
        # Without LibreOffice the PDFs and .doc files already built are kept as they are.
        old = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        corpus.update({k: v for k, v in old.items() if k.endswith(OFFICE_FORMS) and (out / k).is_file()})
    elif out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for n, report in enumerate(_reports()):
            _publish(n, report, out, work, corpus, office=office)
    (out / MANIFEST).write_text(json.dumps(corpus, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return corpus


def _copy(grid: Grid) -> Grid:
    """A deep copy of a grid (transforms edit cell text in place)."""
    copies: dict[int, GridText] = {}
    rows = []
    for row in grid.rows:
        out: list[GridText | None] = []
        for cell in row:
            if cell is None:
                out.append(None)
                continue
            if id(cell) not in copies:
                copies[id(cell)] = GridText(cell.text, cell.row, cell.col, cell.rowspan, cell.colspan)
            out.append(copies[id(cell)])
        rows.append(tuple(out))
    return Grid(tuple(rows), grid.n_cols)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    corpus = build(office="--no-office" not in args)
    print(f"{len(corpus)} documents → {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
