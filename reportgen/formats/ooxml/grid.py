"""Low-level reading of a .docx body: paragraphs and tables in document order, tables as grids.

This layer knows WordprocessingML and nothing about reports.  A table becomes a :class:`Grid`: every
grid position points at the (possibly merged) :class:`GridText` cell covering it, with ``gridSpan``
(horizontal) and ``vMerge`` (vertical) merges resolved and ``gridBefore``/``gridAfter`` gaps left
empty — python-docx's ``table.rows[i].cells`` repeats merged cells and cannot tell a merge from two
equal cells, so the XML is walked directly::

    <w:tr> <w:tc gridSpan=2>A</w:tc> <w:tc vMerge=restart>B</w:tc> </w:tr>      row 0: A A B
    <w:tr> <w:tc>C</w:tc> <w:tc>D</w:tc> <w:tc vMerge>  </w:tc> </w:tr>         row 1: C D B

The geometry underneath — :func:`table_rows`: each cell's grid column, span, ``vMerge`` and the cell
above it continues — is the one reading of the merge markup in the library: the published-report
reader builds its :class:`Grid` on it, and the structural checks of every generated document
(:mod:`reportgen.formats.ooxml.check`) judge it.
"""

from __future__ import annotations

import itertools
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import attrs
from lxml import etree

from reportgen.domain import limits
from reportgen.formats.ooxml.ns import WORD_DOCUMENT_PART, W

__all__ = [
    "MAX_DOCUMENT_XML_BYTES",
    "Block",
    "Grid",
    "GridText",
    "Para",
    "RowGeometry",
    "TableTooLarge",
    "Tbl",
    "TcGeometry",
    "W",
    "body_blocks",
    "content",
    "grid_columns",
    "grid_of",
    "read_blocks",
    "table_rows",
    "tc_has_paragraph",
]

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


class TcGeometry(NamedTuple):
    """Where one ``w:tc`` sits in its table's grid, merges resolved — the one place that reads the merge markup.

    ``span`` is ``gridSpan`` (1 when absent; an unusable value counts as 1 and clears ``span_valid``);
    ``vmerge`` is ``"restart"``, ``"continue"`` (the attribute's default) or ``None``.  For a
    ``continue`` cell, ``above`` is the cell of the row above that starts in the same grid column with
    the same span (``None`` when there is none: a merge continued from nothing).

    (A named tuple rather than an attrs class: one is made per cell of every generated table, on the
    path of every rendered document, and tuple construction is several times cheaper.)
    """

    tc: etree._Element
    row: int
    col: int
    span: int
    span_valid: bool
    vmerge: str | None
    has_paragraph: bool
    """Whether the cell holds a paragraph of its own (directly or in a content control); Word needs one."""
    above: TcGeometry | None

    @property
    def continues_merge(self) -> bool:
        """Whether the cell continues a vertical merge that a cell above really holds open."""
        return self.vmerge == "continue" and self.above is not None and self.above.vmerge is not None


class RowGeometry(NamedTuple):
    """One ``w:tr``: its cells in grid order and its ``gridBefore``/``gridAfter`` gaps (invalid values count as 0)."""

    tr: etree._Element
    row: int
    """0-based, in the table's row order."""
    before: int
    after: int
    cells: tuple[TcGeometry, ...]
    before_valid: bool
    after_valid: bool

    @property
    def width(self) -> int:
        """Grid columns covered: gaps plus every cell's span."""
        return self.before + sum(c.span for c in self.cells) + self.after


def _int_val(element: etree._Element | None, default: int) -> tuple[int, bool]:
    """``w:val`` of ``element`` as an integer (``default`` when absent) and whether it was one."""
    if element is None:
        return default, True
    try:
        return int(element.get(f"{_W}val", default)), True
    except ValueError:
        return default, False


def content(parent: etree._Element, *tags: str) -> Iterator[etree._Element]:
    """Children of ``parent`` with one of the Clark-notation ``tags``, looking through ``w:sdt`` controls."""
    return _content(parent, tags)


def grid_columns(tbl: etree._Element) -> int:
    """Columns declared by the table's ``w:tblGrid`` (0 when it has none)."""
    grid = tbl.find(f"{_W}tblGrid")
    return 0 if grid is None else sum(1 for c in grid if c.tag == f"{_W}gridCol")


def tc_has_paragraph(tc: etree._Element) -> bool:
    """Whether the cell holds a paragraph of its own (directly or in a content control); Word needs one."""
    p = f"{_W}p"
    for child in tc:
        if child.tag == p:
            return True
    return next(_content(tc, (p,)), None) is not None


_TR, _TC, _SDT, _P = f"{_W}tr", f"{_W}tc", f"{_W}sdt", f"{_W}p"
_TR_PR, _TC_PR = f"{_W}trPr", f"{_W}tcPr"
_GRID_BEFORE, _GRID_AFTER, _GRID_SPAN, _V_MERGE, _VAL = (
    f"{_W}gridBefore", f"{_W}gridAfter", f"{_W}gridSpan", f"{_W}vMerge", f"{_W}val"
)


def _children(parent: etree._Element, tag: str) -> list[etree._Element]:
    """:func:`_content` for one tag, as a list; the common case (no content control) without a generator."""
    found = [child for child in parent if child.tag == tag or child.tag == _SDT]
    if any(child.tag == _SDT for child in found):
        return list(_content(parent, (tag,)))
    return found


_TBL = f"{_W}tbl"
_COMPLEX = (_TBL, _SDT, f"{_W}tcPrChange", f"{_W}trPrChange", f"{_W}txbxContent")
"""Markup the one-pass reading of :func:`_flat_rows` cannot place: nested tables, content controls, revisions,
text boxes (whose paragraphs are not the cell's)."""
_END = etree.Element(_TR)
_FLAT_TAGS = (_TR, _GRID_BEFORE, _GRID_AFTER, _TC, _GRID_SPAN, _V_MERGE, _P)


def table_rows(tbl: etree._Element) -> list[RowGeometry]:
    """The rows of ``tbl`` with every cell placed on the grid and vertical merges linked to the cell above.

    Rows and cells inside content controls count; rows of nested tables do not.  A plain table (the
    tables reportgen generates) is read in one pass over the few element types that matter, which
    keeps the structural check of every rendered document cheap; anything else takes the general walk.
    Both give the same rows (``tests/test_docx.py`` compares them).
    """
    if _is_flat(tbl):
        return _flat_rows(tbl)
    return _walked_rows(tbl)


def _is_flat(tbl: etree._Element) -> bool:
    found = tbl.iter(*_COMPLEX)
    next(found)  # the table itself
    return next(found, None) is None


def _flat_rows(tbl: etree._Element) -> list[RowGeometry]:
    rows: list[RowGeometry] = []
    previous: dict[int, TcGeometry] = {}
    current: dict[int, TcGeometry] = {}
    cells: list[TcGeometry] = []
    tr: etree._Element | None = None
    tc: etree._Element | None = None
    r = -1
    col = before = after = span = 0
    before_ok = after_ok = span_ok = has_p = True
    vmerge: str | None = None

    # One loop without helper calls (this runs per cell of every checked document); a final sentinel
    # <w:tr> ends the last cell and row.
    for el in itertools.chain(tbl.iter(*_FLAT_TAGS), (_END,)):
        tag = el.tag
        if tag == _P:
            has_p = True
        elif tag in (_TC, _TR):
            if tc is not None:
                above = None
                if vmerge == "continue":
                    candidate = previous.get(col)
                    if candidate is not None and candidate.span == span:
                        above = candidate
                cell = TcGeometry(tc, r, col, span, span_ok, vmerge, has_p, above)
                cells.append(cell)
                current[col] = cell
                col += span
                tc = None
            if tag == _TC:
                tc, span, span_ok, vmerge, has_p = el, 1, True, None, False
                continue
            if tr is not None:
                rows.append(RowGeometry(tr, r, before, after, tuple(cells), before_ok, after_ok))
                previous, current, cells = current, {}, []
            tr, r = el, r + 1
            col = before = after = 0
            before_ok = after_ok = True
        elif tag == _GRID_SPAN:
            span, span_ok = _int_val(el, 1)
            if span < 1:
                span, span_ok = 1, False
        elif tag == _V_MERGE:
            vmerge = "restart" if el.get(_VAL) == "restart" else "continue"
        elif tag == _GRID_BEFORE:
            before, before_ok = _int_val(el, 0)
            before = col = max(0, before)
        else:  # gridAfter
            after, after_ok = _int_val(el, 0)
            after = max(0, after)
    return rows


def _walked_rows(tbl: etree._Element) -> list[RowGeometry]:
    rows: list[RowGeometry] = []
    previous: dict[int, TcGeometry] = {}
    for r, tr in enumerate(_children(tbl, _TR)):
        tr_pr = tr.find(_TR_PR)
        before, before_ok, after, after_ok = 0, True, 0, True
        if tr_pr is not None:
            before, before_ok = _int_val(tr_pr.find(_GRID_BEFORE), 0)
            after, after_ok = _int_val(tr_pr.find(_GRID_AFTER), 0)
            before, after = max(0, before), max(0, after)
        col = before
        cells: list[TcGeometry] = []
        for tc in _children(tr, _TC):
            span, span_ok, vmerge, has_p = 1, True, None, False
            for child in tc:  # one pass over the children: faster than three find() calls per cell
                tag = child.tag
                if tag == _P:
                    has_p = True
                    break
                if tag == _TC_PR:
                    for prop in child:
                        if prop.tag == _GRID_SPAN:
                            span, span_ok = _int_val(prop, 1)
                            if span < 1:
                                span, span_ok = 1, False
                        elif prop.tag == _V_MERGE:
                            vmerge = "restart" if prop.get(_VAL) == "restart" else "continue"
                elif tag == _SDT:
                    has_p = has_p or tc_has_paragraph(tc)
            above = None
            if vmerge == "continue":
                candidate = previous.get(col)
                if candidate is not None and candidate.span == span:
                    above = candidate
            cells.append(TcGeometry(tc, r, col, span, span_ok, vmerge, has_p, above))
            col += span
        rows.append(RowGeometry(tr, r, before, after, tuple(cells), before_ok, after_ok))
        previous = {cell.col: cell for cell in cells}
    return rows


def _grid(tbl: etree._Element) -> Grid:
    rows: list[list[GridText | None]] = []
    made: dict[int, GridText] = {}  # id(TcGeometry) -> the cell it belongs to
    geometry_rows = table_rows(tbl)
    if len(geometry_rows) > limits.MAX_TABLE_ROWS:
        raise TableTooLarge(f"表格有 {len(geometry_rows)} 行，超过 {limits.MAX_TABLE_ROWS} 行的上限")
    for row_geometry in geometry_rows:
        # Checked before any list is built: gridSpan=1000000000 must not become a billion-cell row.
        if row_geometry.width > limits.MAX_GRID_COLUMNS:
            raise TableTooLarge(f"表格第 {row_geometry.row + 1} 行占 {row_geometry.width} 列（gridSpan/gridBefore/"
                                f"gridAfter），超过 {limits.MAX_GRID_COLUMNS} 列的上限")
    for row_geometry in geometry_rows:
        r = row_geometry.row
        row: list[GridText | None] = [None] * row_geometry.before
        for geometry in row_geometry.cells:
            # A published report may continue a merge below a plain cell: read it as one merged cell.
            top = made.get(id(geometry.above)) if geometry.above is not None else None
            cell: GridText
            if top is not None:
                cell = top
                cell.rowspan = r - cell.row + 1
            else:
                text = "\n".join(_text(p) for p in _content(geometry.tc, (f"{_W}p",)))
                cell = GridText(text=text, row=r, col=geometry.col, colspan=geometry.span)
            made[id(geometry)] = cell
            row.extend([cell] * geometry.span)
        rows.append(row)
    n_cols = max((len(row) for row in rows), default=0)
    return Grid(tuple(tuple(row + [None] * (n_cols - len(row))) for row in rows), n_cols)


def grid_of(tbl: etree._Element) -> Grid:
    """The ``w:tbl`` element as a :class:`Grid` (merged cells resolved)."""
    return _grid(tbl)


MAX_DOCUMENT_XML_BYTES = 32 * 2**20
"""A real annual report's body is well under 1 MB; anything past this is not a report."""


class TableTooLarge(ValueError):
    """A table whose grid (``gridSpan``/``gridBefore``/``gridAfter``) or rows pass the limits of
    :mod:`reportgen.domain.limits`; raised before the grid is built (the reader names the file)."""


def body_blocks(root: etree._Element) -> list[Block]:
    """The paragraphs and tables of the parsed ``word/document.xml`` ``root``, in document order.

    :raises TableTooLarge: for a table past :data:`~reportgen.domain.limits.MAX_GRID_COLUMNS` or
        :data:`~reportgen.domain.limits.MAX_TABLE_ROWS`.
    """
    body = root.find(f"{_W}body")
    if body is None:
        return []
    blocks: list[Block] = []
    _walk(body, blocks)
    return blocks


def read_blocks(path: Path) -> list[Block]:
    """The body of the .docx at ``path``: paragraphs and tables in document order.

    Raises ``OSError``/``zipfile.BadZipFile``/``KeyError``/``etree.XMLSyntaxError`` for a file that
    is not a Word document; the caller turns them into a located error.
    """
    with zipfile.ZipFile(path) as archive:
        # Reports come from townships and web sites: refuse a "zip bomb" before inflating it.
        size = archive.getinfo(WORD_DOCUMENT_PART).file_size
        if size > MAX_DOCUMENT_XML_BYTES:
            raise OSError(f"word/document.xml 解压后 {size // 2**20} MB，超过 {MAX_DOCUMENT_XML_BYTES // 2**20} MB 上限")
        data = archive.read(WORD_DOCUMENT_PART)
    root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    return body_blocks(root)


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
