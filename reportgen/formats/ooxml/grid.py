"""Low-level reading of a .docx body: paragraphs and tables in document order, tables as grids.

This layer knows WordprocessingML and nothing about reports.  A table becomes a :class:`Grid`: every
grid position points at the (possibly merged) :class:`GridText` cell covering it, with ``gridSpan``
(horizontal) and ``vMerge`` (vertical) merges resolved and ``gridBefore``/``gridAfter`` gaps left
empty — python-docx's ``table.rows[i].cells`` repeats merged cells and cannot tell a merge from two
equal cells, so the XML is walked directly::

    <w:tr> <w:tc gridSpan=2>A</w:tc> <w:tc vMerge=restart>B</w:tc> </w:tr>      row 0: A A B
    <w:tr> <w:tc>C</w:tc> <w:tc>D</w:tc> <w:tc vMerge>  </w:tc> </w:tr>         row 1: C D B
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import attrs
from lxml import etree

__all__ = ["Block", "Grid", "GridText", "Para", "Tbl", "read_blocks"]

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = f"{{{W}}}"


@attrs.frozen
class Para:
    """A body paragraph: its text with line breaks kept as ``\\n``."""

    text: str


@attrs.define(eq=False)
class GridText:
    """One cell of a Word table, possibly covering several grid positions."""

    text: str
    """Its paragraphs joined with ``\\n``."""
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1

    def covers_col(self, col: int) -> bool:
        """Whether the cell covers grid column ``col``."""
        return self.col <= col < self.col + self.colspan


@attrs.frozen(eq=False)
class Grid:
    """A table as a rectangular grid; ``rows[r][c]`` is the cell covering ``(r, c)`` or ``None``."""

    rows: tuple[tuple[GridText | None, ...], ...]
    n_cols: int

    def cells_of_row(self, r: int) -> list[GridText]:
        """The distinct cells covering row ``r``, left to right."""
        out: list[GridText] = []
        for cell in self.rows[r]:
            if cell is not None and (not out or out[-1] is not cell):
                out.append(cell)
        return out

    def all_cells(self) -> Iterator[GridText]:
        """Every distinct cell, in reading order."""
        seen: set[int] = set()
        for r in range(len(self.rows)):
            for cell in self.cells_of_row(r):
                if id(cell) not in seen:
                    seen.add(id(cell))
                    yield cell


@attrs.frozen(eq=False)
class Tbl:
    """A body table, as a grid."""

    grid: Grid
    index: int
    """Position among the document's tables (0-based), for messages."""


Block = Para | Tbl


def _text(element: etree._Element) -> str:
    """The text of a paragraph: runs, tabs as spaces, line breaks as ``\\n``; deleted text skipped."""
    parts: list[str] = []
    for node in element.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr", f"{_W}noBreakHyphen"):
        tag = node.tag
        if tag == f"{_W}t":
            parts.append(node.text or "")
        elif tag == f"{_W}tab":
            parts.append(" ")
        elif tag == f"{_W}noBreakHyphen":
            parts.append("-")
        elif tag == f"{_W}br" and node.get(f"{_W}type") == "page":
            continue
        else:
            parts.append("\n")
    return "".join(parts)


def _content(parent: etree._Element, tags: tuple[str, ...]) -> Iterator[etree._Element]:
    """Children of ``parent`` with one of ``tags``, looking through content controls (``w:sdt``)."""
    for child in parent:
        if child.tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _content(content, tags)
        elif child.tag in tags:
            yield child


def _int_attr(element: etree._Element | None, default: int) -> int:
    if element is None:
        return default
    try:
        return int(element.get(f"{_W}val", default))
    except ValueError:
        return default


def _grid(tbl: etree._Element) -> Grid:
    rows: list[list[GridText | None]] = []
    for r, tr in enumerate(_content(tbl, (f"{_W}tr",))):
        tr_pr = tr.find(f"{_W}trPr")
        col = _int_attr(tr_pr.find(f"{_W}gridBefore") if tr_pr is not None else None, 0)
        row: list[GridText | None] = [None] * col
        for tc in _content(tr, (f"{_W}tc",)):
            tc_pr = tc.find(f"{_W}tcPr")
            span = max(1, _int_attr(tc_pr.find(f"{_W}gridSpan") if tc_pr is not None else None, 1))
            vmerge = tc_pr.find(f"{_W}vMerge") if tc_pr is not None else None
            text = "\n".join(_text(p) for p in _content(tc, (f"{_W}p",)))
            above = rows[r - 1][col] if r > 0 and col < len(rows[r - 1]) else None
            continues = vmerge is not None and vmerge.get(f"{_W}val", "continue") == "continue"
            cell: GridText
            if continues and above is not None and above.col == col and above.colspan == span:
                cell = above
                cell.rowspan = r - cell.row + 1
            else:
                cell = GridText(text=text, row=r, col=col, colspan=span)
            row.extend([cell] * span)
            col += span
        rows.append(row)
    n_cols = max((len(row) for row in rows), default=0)
    return Grid(tuple(tuple(row + [None] * (n_cols - len(row))) for row in rows), n_cols)


MAX_DOCUMENT_XML_BYTES = 32 * 2**20
"""A real annual report's body is well under 1 MB; anything past this is not a report."""


def read_blocks(path: Path) -> list[Block]:
    """The body of the .docx at ``path``: paragraphs and tables in document order.

    Raises ``OSError``/``zipfile.BadZipFile``/``KeyError``/``etree.XMLSyntaxError`` for a file that
    is not a Word document; the caller turns them into a located error.
    """
    with zipfile.ZipFile(path) as archive:
        # Reports come from townships and web sites: refuse a "zip bomb" before inflating it.
        size = archive.getinfo("word/document.xml").file_size
        if size > MAX_DOCUMENT_XML_BYTES:
            raise OSError(f"word/document.xml 解压后 {size // 2**20} MB，超过 {MAX_DOCUMENT_XML_BYTES // 2**20} MB 上限")
        data = archive.read("word/document.xml")
    root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    body = root.find(f"{_W}body")
    if body is None:
        return []
    blocks: list[Block] = []
    _walk(body, blocks)
    return blocks


def _wrapper_cell(tbl: etree._Element) -> etree._Element | None:
    """The only cell of a one-cell table used to lay out a whole page (web exports do this)."""
    cells = [tc for tr in _content(tbl, (f"{_W}tr",)) for tc in _content(tr, (f"{_W}tc",))]
    return cells[0] if len(cells) == 1 else None


def _walk(parent: etree._Element, blocks: list[Block]) -> None:
    for element in _content(parent, (f"{_W}p", f"{_W}tbl")):
        if element.tag == f"{_W}p":
            blocks.append(Para(_text(element)))
            continue
        wrapper = _wrapper_cell(element)
        if wrapper is not None:
            _walk(wrapper, blocks)
        else:
            blocks.append(Tbl(_grid(element), sum(isinstance(b, Tbl) for b in blocks)))
