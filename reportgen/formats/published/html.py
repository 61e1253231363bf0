"""Read a saved web page (.html/.htm/.shtml/.mhtml) into the neutral :class:`~.document.Document`.

Portals publish the annual reports as CMS pages: the text in ``<p>``/``<div>``/``<br>`` lines, the
tables as ``<table>`` with ``rowspan``/``colspan`` — often inside layout tables that frame the whole
page —, sometimes as ``|``-separated lines or one cell per line (those are found later, by
:mod:`.extract`, for every form alike).  Pages come in UTF-8 or GBK/GB18030, with or without a declared
charset: the declaration is tried first, then strict UTF-8, then charset-normalizer's guess.
"""

from __future__ import annotations

import codecs
import email
import email.policy
import re
from pathlib import Path

import charset_normalizer
import lxml.html
from lxml import etree

from reportgen.domain import limits
from reportgen.domain.errors import ExtractError, ReportgenError
from reportgen.domain.findings import Location
from reportgen.formats.ooxml.grid import Para, TableTooLarge
from reportgen.formats.published.document import Block, Document, TableBlock, grid_from_spans

__all__ = ["HTML_SUFFIXES", "decode_page", "read_html"]

HTML_SUFFIXES = (".html", ".htm", ".shtml", ".mhtml", ".mht")

_SKIP = frozenset({"script", "style", "head", "noscript", "iframe", "select", "option", "button", "template",
                   "svg", "object", "map", "textarea"})
_BLOCK = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article",
                    "header", "footer", "center", "blockquote", "pre", "dd", "dt", "dl", "form", "main", "nav",
                    "aside", "hr", "address", "figure", "figcaption", "caption", "tr", "td", "th", "tbody",
                    "thead", "tfoot", "body", "html"})
_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_SPACE = re.compile(r"[ \t\r\n\f\v]+")
_GB = ("gb2312", "gbk", "gb18030", "cp936", "hz", "x-gbk", "euc-cn")


def _codec(name: str) -> str | None:
    """A Python codec for a declared/guessed charset; the GB family reads as GB18030 (their superset)."""
    name = name.strip().lower()
    if name in _GB or name.startswith("gb"):
        return "gb18030"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_page(data: bytes) -> str:
    """The text of a page's bytes: BOM, then the declared charset, then strict UTF-8, then a guess."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(codec, "replace").lstrip("\ufeff")
    declared = _DECLARED.search(data[:4096])
    if declared:
        declared_codec = _codec(declared.group(1).decode("ascii", "replace"))
        if declared_codec:
            try:
                return data.decode(declared_codec)
            except UnicodeDecodeError:
                pass  # a wrong declaration happens (a GBK page saying utf-8): guess instead
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data).best()
    guessed = _codec(best.encoding) if best is not None else None
    return data.decode(guessed or "gb18030", "replace")


def _mhtml_html(data: bytes) -> bytes:
    """The first ``text/html`` part of a saved .mhtml, re-encoded as UTF-8 with its declared charset honoured."""
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                charset = part.get_content_charset()
                part_codec = _codec(charset) if charset else None
                if part_codec:
                    try:
                        return payload.decode(part_codec).encode("utf-8")
                    except UnicodeDecodeError:
                        pass
                return payload
    return data


class _Walker:
    """Flattens the DOM into paragraphs (block elements and ``<br>`` end a line) and data tables."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.line: list[str] = []
        self.tables = 0

    def flush(self) -> None:
        text = _SPACE.sub(" ", "".join(self.line)).strip()
        self.line = []
        if text:
            self.blocks.append(Para(text))

    def walk(self, element: etree._Element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        tag = tag.lower()
        if tag in _SKIP or not tag:
            return
        if tag == "br":
            self.flush()
            return
        if tag == "table":
            self.flush()
            self.table(element)
            return
        block = tag in _BLOCK
        if block:
            self.flush()
        if element.text:
            self.line.append(element.text)
        for child in element:
            self.walk(child)
            if child.tail:
                self.line.append(child.tail)
        if block:
            self.flush()

    def table(self, table: etree._Element) -> None:
        rows = [tr for tr in table.iter("tr") if _owner(tr) is table]
        cells = [[td for td in tr if isinstance(td.tag, str) and td.tag.lower() in ("td", "th")] for tr in rows]
        nested = any(t is not table for t in table.iter("table"))
        if nested or max((len(c) for c in cells), default=0) < 2:
            # A layout table framing the page (or a one-column box): its cells are the page's blocks.
            for row in cells:
                for td in row:
                    self.walk(td)
            return
        if len(rows) > limits.MAX_TABLE_ROWS:
            raise TableTooLarge(f"表格有 {len(rows)} 行，超过 {limits.MAX_TABLE_ROWS} 行的上限")
        spans = [[(_cell_text(td), _span(td, "rowspan"), _span(td, "colspan")) for td in row] for row in cells]
        for r, row_spans in enumerate(spans):
            # Checked before the grid is built: colspan/rowspan must not make a huge grid.
            width = sum(colspan for _, _, colspan in row_spans)
            if width > limits.MAX_GRID_COLUMNS:
                raise TableTooLarge(f"表格第 {r + 1} 行占 {width} 列（colspan），超过 {limits.MAX_GRID_COLUMNS} 列的上限")
            for text, _, _ in row_spans:
                if len(text) > limits.MAX_TEXT_CHARS:
                    raise TableTooLarge(f"表格单元格有 {len(text)} 个字符，超过 {limits.MAX_TEXT_CHARS} 个字符的上限")
        self.blocks.append(TableBlock(grid_from_spans(spans), self.tables))
        self.tables += 1


def _owner(tr: etree._Element) -> etree._Element | None:
    parent = tr.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _span(td: etree._Element, name: str) -> int:
    match = re.match(r"\s*(\d+)", td.get(name) or "")
    return min(max(int(match.group(1)[:6]), 1), limits.MAX_GRID_COLUMNS) if match else 1


def _cell_text(td: etree._Element) -> str:
    walker = _Walker()
    walker.walk(td)
    walker.flush()
    return "\n".join(b.text for b in walker.blocks if isinstance(b, Para))


def read_html(path: Path) -> Document:
    """The paragraphs and tables of the saved web page at ``path`` (``<title>`` kept for organ/year).

    The one wrapper of this reader: a page past the limits or one the parser fails on is an
    :class:`~reportgen.domain.errors.ExtractError` naming the file (``IN-TOO-LARGE``, ``IN-TABLE-SIZE``,
    ``EX-OPEN``), never a library exception.
    """
    file = str(path)
    try:
        size = path.stat().st_size
        if size > limits.MAX_INPUT_BYTES:
            raise ExtractError.single("IN-TOO-LARGE", f"网页有 {size // (1024 * 1024)} MB，超过 "
                                      f"{limits.MAX_INPUT_BYTES // (1024 * 1024)} MB 的上限。", Location(file=file))
        return _read_html(path)
    except ReportgenError:
        raise
    except TableTooLarge as exc:
        raise ExtractError.single("IN-TABLE-SIZE", f"{exc}，不是报告中的表格。", Location(file=file)) from None
    except Exception as exc:  # lxml, the charset detector, the MIME parser: a damaged page is a located error
        raise ExtractError(f"无法读取网页：文件已损坏或不是网页（{type(exc).__name__}: {exc}）。", code="EX-OPEN",
                           location=Location(file=file)) from None


def _read_html(path: Path) -> Document:
    data = path.read_bytes()
    if path.suffix.lower() in (".mhtml", ".mht"):
        data = _mhtml_html(data)
    text = _XML_DECL.sub("", decode_page(data))
    if not text.strip():
        return Document(blocks=(), file_name=path.name, form="html")
    root = lxml.html.document_fromstring(text)
    title_el = root.find(".//title")
    title = _SPACE.sub(" ", "".join(str(t) for t in title_el.itertext())).strip() if title_el is not None else ""
    walker = _Walker()
    body = root.find("body")
    walker.walk(body if body is not None else root)
    walker.flush()
    return Document(blocks=tuple(walker.blocks), title=title, file_name=path.name, form="html")
