"""Structural checks of generated WordprocessingML — run on every document before it is written.

Word refuses (or "repairs") documents that break any of these; LibreOffice and WPS often render them
silently wrong.  The checks are a single pass over each rendered part's element tree, cheap enough
to run for every report of a bulk run (see ``docs/performance.md``).

    well-formed XML                      every rendered part parses
    no template leftovers                no ``{{`` ``{%`` ``{#`` in the rendered XML text
    every w:tc has a w:p                 Word rejects an empty cell
    no empty w:tr / w:tbl
    gridSpan sums = tblGrid columns      per row, gridBefore/gridAfter included
    vMerge continue below a restart      in the same grid column, with the same span
    unique wp:docPr/@id                  across all parts of the document

Most of that cost is lxml building the tree of the ≈90 KB body.  :class:`KnownShapes` avoids it for a
document that provably has the same markup as one already checked in full — see its docstring for
the argument; anything it cannot prove takes the full path.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping

from lxml import etree

__all__ = ["TEMPLATE_MARKERS", "WP", "KnownShapes", "W", "check_part", "find_leftover", "parse_part"]


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
TEMPLATE_MARKERS = ("{{", "{%", "{#")
_LEFTOVER = re.compile(r"\{[{%#]")

_TBL = f"{{{W}}}tbl"
_TR = f"{{{W}}}tr"
_TC = f"{{{W}}}tc"
_P = f"{{{W}}}p"
_SDT = f"{{{W}}}sdt"
_TBL_GRID = f"{{{W}}}tblGrid"
_GRID_COL = f"{{{W}}}gridCol"
_TC_PR = f"{{{W}}}tcPr"
_TR_PR = f"{{{W}}}trPr"
_GRID_SPAN = f"{{{W}}}gridSpan"
_GRID_BEFORE = f"{{{W}}}gridBefore"
_GRID_AFTER = f"{{{W}}}gridAfter"
_V_MERGE = f"{{{W}}}vMerge"
_VAL = f"{{{W}}}val"
_DOC_PR = f"{{{WP}}}docPr"

# Rendered parts come from our own templates: no entities to resolve, no network, but big tables.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=False)


def parse_part(data: bytes) -> etree._Element:
    """Parse a part; ``etree.XMLSyntaxError`` when it is not well-formed."""
    return etree.fromstring(data, _PARSER)


def find_leftover(xml: str) -> str | None:
    """The first template marker left in rendered ``xml``, with a little context, or ``None``.

    User values never contain a literal ``{`` in the XML (the renderer writes it as ``&#123;``), so
    any marker found here is template code that was not rendered.
    """
    found = _LEFTOVER.search(xml)
    if found is None:
        return None
    at = found.start()
    return xml[max(0, at - 30) : at + 40]


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return -1


def _tc_has_paragraph(tc: etree._Element) -> bool:
    for child in tc:
        if child.tag == _P:
            return True
        if child.tag == _SDT and child.find(f".//{_P}") is not None:
            return True
    return False


def _row_cells(tr: etree._Element) -> Iterable[etree._Element]:
    for child in tr:
        if child.tag == _TC:
            yield child
        elif child.tag == _SDT:  # a content control around cells
            yield from child.iter(_TC)


def _check_table(tbl: etree._Element, where: str, problems: list[str]) -> None:
    grid = tbl.find(_TBL_GRID)
    n_cols = 0 if grid is None else sum(1 for c in grid if c.tag == _GRID_COL)
    if n_cols == 0:
        problems.append(f"{where}：表格缺少 w:tblGrid 列定义")
    rows = [child for child in tbl if child.tag == _TR] + [r for s in tbl if s.tag == _SDT for r in s.iter(_TR)]
    if not rows:
        problems.append(f"{where}：空表格（没有 w:tr）")
        return
    open_merges: dict[int, int] = {}
    for r, tr in enumerate(rows, 1):
        col = 0
        trpr = tr.find(_TR_PR)
        if trpr is not None:
            before = trpr.find(_GRID_BEFORE)
            if before is not None:
                col = _int(before.get(_VAL), 0)
        merges: dict[int, int] = {}
        cells = 0
        for tc in _row_cells(tr):
            cells += 1
            span, vmerge = 1, None
            tcpr = tc.find(_TC_PR)
            if tcpr is not None:
                gs = tcpr.find(_GRID_SPAN)
                if gs is not None:
                    span = _int(gs.get(_VAL), 1)
                vm = tcpr.find(_V_MERGE)
                if vm is not None:
                    vmerge = vm.get(_VAL, "continue")
            if span < 1:
                problems.append(f"{where}第{r}行：gridSpan 无效")
                span = 1
            if not _tc_has_paragraph(tc):
                problems.append(f"{where}第{r}行第{col + 1}列：单元格没有段落（w:tc 缺少 w:p）")
            if vmerge == "restart":
                merges[col] = span
            elif vmerge == "continue":
                if open_merges.get(col) != span:
                    problems.append(f"{where}第{r}行第{col + 1}列：纵向合并的续接单元格上方没有起始单元格")
                merges[col] = span
            col += span
        if cells == 0:
            problems.append(f"{where}第{r}行：空行（没有 w:tc）")
            continue
        if trpr is not None:
            after = trpr.find(_GRID_AFTER)
            if after is not None:
                col += _int(after.get(_VAL), 0)
        if n_cols and col != n_cols:
            problems.append(f"{where}第{r}行：单元格跨列合计 {col}，与表格列数 {n_cols} 不符")
        open_merges = merges


_BODY_TAGS = (_TBL, _GRID_COL, _TR, _GRID_BEFORE, _GRID_AFTER, _TC, _GRID_SPAN, _V_MERGE, _P, _DOC_PR)


class _TableScan:
    """The state of one table during the single pass of :func:`check_part`."""

    __slots__ = (
        "after",
        "col",
        "label",
        "merges",
        "n_cols",
        "open_merges",
        "row",
        "rows",
        "tc",
        "tc_col",
        "tc_has_p",
        "tc_span",
        "tc_vmerge",
    )

    def __init__(self, label: str) -> None:
        self.label = label
        self.n_cols = 0
        self.rows = 0
        self.row = 0
        self.col = 0
        self.after = 0
        self.open_merges: dict[int, int] = {}
        self.merges: dict[int, int] = {}
        self.tc: etree._Element | None = None
        self.tc_col = 0
        self.tc_span = 1
        self.tc_vmerge: str | None = None
        self.tc_has_p = False

    def end_cell(self, problems: list[str]) -> None:
        if self.tc is None:
            return
        where = f"{self.label}第{self.rows}行第{self.tc_col + 1}列"
        if not self.tc_has_p:
            problems.append(f"{where}：单元格没有段落（w:tc 缺少 w:p）")
        if self.tc_vmerge == "restart":
            self.merges[self.tc_col] = self.tc_span
        elif self.tc_vmerge is not None:
            if self.open_merges.get(self.tc_col) != self.tc_span:
                problems.append(f"{where}：纵向合并的续接单元格上方没有起始单元格")
            self.merges[self.tc_col] = self.tc_span
        self.col += self.tc_span
        self.tc = None

    def end_row(self, problems: list[str]) -> None:
        self.end_cell(problems)
        if self.rows == 0:
            return
        if self.row == 0:
            problems.append(f"{self.label}第{self.rows}行：空行（没有 w:tc）")
        elif self.n_cols and self.col + self.after != self.n_cols:
            problems.append(f"{self.label}第{self.rows}行：单元格跨列合计 {self.col + self.after}，与表格列数 {self.n_cols} 不符")
        self.open_merges, self.merges = self.merges, {}

    def end(self, problems: list[str]) -> None:
        self.end_row(problems)
        if self.n_cols == 0:
            problems.append(f"{self.label}：表格缺少 w:tblGrid 列定义")
        if self.rows == 0:
            problems.append(f"{self.label}：空表格（没有 w:tr）")


def _inside(p: etree._Element, tc: etree._Element) -> bool:
    parent = p.getparent()
    while parent is not None and parent.tag != _TC:
        parent = parent.getparent()
    return parent is tc


def check_part(name: str, root: etree._Element, docpr_ids: set[str], problems: list[str]) -> None:
    """Append every structural problem of part ``name`` to ``problems``; record its docPr ids.

    One pass over the few element types that matter, in document order (tables nested in cells
    take a slower per-table path).
    """
    if any(t.getparent() is not None and t.getparent().tag == _TC for t in root.iter(_TBL)):  # type: ignore[union-attr]
        for n, tbl in enumerate(root.iter(_TBL), 1):
            _check_table(tbl, f"{name} 第{n}个表格", problems)
        tags: tuple[str, ...] = (_DOC_PR,)
    else:
        tags = _BODY_TAGS
    table: _TableScan | None = None
    tables = 0
    for el in root.iter(*tags):
        tag = el.tag
        if tag == _P:
            if table is not None and table.tc is not None and not table.tc_has_p:
                parent = el.getparent()
                table.tc_has_p = parent is table.tc or (parent is not None and _inside(el, table.tc))
        elif tag == _TC:
            if table is not None:
                table.end_cell(problems)
                table.tc, table.tc_col, table.tc_span, table.tc_vmerge, table.tc_has_p = el, table.col, 1, None, False
                table.row += 1
        elif tag == _GRID_SPAN:
            if table is not None:
                table.tc_span = _int(el.get(_VAL), 1)
                if table.tc_span < 1:
                    problems.append(f"{table.label}第{table.rows}行：gridSpan 无效")
                    table.tc_span = 1
        elif tag == _V_MERGE:
            if table is not None:
                table.tc_vmerge = el.get(_VAL, "continue")
        elif tag == _TR:
            if table is not None:
                table.end_row(problems)
                table.rows += 1
                table.row = table.col = table.after = 0
        elif tag == _GRID_COL:
            if table is not None:
                table.n_cols += 1
        elif tag == _GRID_BEFORE:
            if table is not None:
                table.col = _int(el.get(_VAL), 0)
        elif tag == _GRID_AFTER:
            if table is not None:
                table.after = _int(el.get(_VAL), 0)
        elif tag == _TBL:
            if table is not None:
                table.end(problems)
            tables += 1
            table = _TableScan(f"{name} 第{tables}个表格")
        elif tag == _DOC_PR:
            ident = el.get("id", "")
            if ident in docpr_ids:
                problems.append(f"{name}：图形编号 wp:docPr/@id={ident} 重复")
            docpr_ids.add(ident)
    if table is not None:
        table.end(problems)


# --------------------------------------------------------------------------------------------
# Documents with the markup of one already checked

# Character data between a tag's ``>`` and the next ``<``: legal characters, ``&`` only in the
# references the renderer itself writes (markupsafe's escapes and ``&#123;``), no ``>`` (so no ``]]>``).
# Only non-empty stretches are matched: most tags touch (``><``), and replacing those is the slow part.
_TEXT_CHAR = rb"[^<>&\x00-\x08\x0b\x0c\x0e-\x1f]"
_TEXT_REF = rb"&(?:amp|lt|gt|quot|apos|#34|#39|#123);"
_CHARDATA = re.compile(
    rb">(?:" + _TEXT_CHAR + rb"|" + _TEXT_REF + rb")" + _TEXT_CHAR + rb"*(?:" + _TEXT_REF + _TEXT_CHAR + rb"*)*<"
)
# A start, end or empty-element tag (attribute values quoted, as XML requires).
_TAG = re.compile(rb"""<(/?)[^\s/>?!]+(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(/?)>""")
# Markup that could hold a "<" or a ">" outside a tag.
_UNSAFE = (b"<!", b"<?")


def _shape(middle: bytes) -> bytes:
    return _CHARDATA.sub(b"><", middle)


def _elements(shape: bytes) -> list[bytes] | None:
    """``shape`` (``>…<``) cut into its top-level elements; ``None`` if anything else is at the top."""
    units: list[bytes] = []
    depth, start, at = 0, 0, 1
    for m in _TAG.finditer(shape, 1, len(shape) - 1):
        if depth == 0:
            if m.start() != at:
                return None
            start = m.start()
        if m.group(1):
            depth -= 1
        elif not m.group(2):
            depth += 1
        if depth < 0:
            return None
        if depth == 0:
            units.append(shape[start : m.end()])
            at = m.end()
    return units if depth == 0 and at == len(shape) - 1 else None


class KnownShapes:
    """The markup of rendered parts that passed the full checks, to recognise documents with the same markup.

    A rendered part is ``P + middle + Q``: ``P`` everything up to the start tag of the root's first child
    with content (``<w:body>``), ``Q`` everything from that child's end tag.  The *shape* of the middle
    is the middle with the character data between every ``>`` and the next ``<`` removed, when that data
    is plain text (legal XML characters, ``&`` only in ``&amp; &lt; &gt; &quot; &apos; &#34; &#39; &#123;``,
    no ``>``).  After a part passed the full parse and :func:`check_part`, its ``P``, ``Q`` and the
    top-level elements of its shape (paragraphs, tables, ``w:sectPr`` — each with its text taken out)
    are remembered.

    :meth:`covers` accepts a new part only if it has the same ``P`` and ``Q`` byte for byte, contains no
    comment, CDATA section, processing instruction or DOCTYPE (``<!``, ``<?``), and its shape is a
    sequence of remembered elements.  Such a part passes the full checks too:

    * with no ``<!`` or ``<?``, every ``<`` of a well-formed part begins a tag (character data and
      attribute values cannot hold ``<``), so the removed stretches were character data, and the new
      part is a remembered well-formed part's markup with other *valid* character data in the same
      places, inside the same elements of the same namespace context (``P``); replacing character data
      with valid character data keeps a document well-formed;
    * a sequence of complete elements inside ``<w:body>`` is well-formed whatever the order or number;
    * every structural check (cell paragraphs, grid spans, vertical merges, empty rows and tables)
      looks at elements and attributes inside one table, i.e. inside one remembered element — never at
      text; parts with ``wp:docPr`` (ids must be unique across elements) are never remembered;
    * template leftovers are text: the renderer scans every part for them, covered or not.

    What it saves is the lxml tree of the body (≈1 ms per report); what it costs is a regular-expression
    pass and a dictionary walk over the shape (≈0.1 ms).  Bounded: at most :attr:`MAX_CONTEXTS` ``P/Q``
    pairs and :attr:`MAX_BYTES` of remembered elements; beyond that parts are simply checked in full.
    """

    MAX_CONTEXTS = 4
    MAX_BYTES = 2_000_000

    def __init__(self) -> None:
        # ((P, Q, {first tag of an element: [elements]}), …); replaced whole, never mutated in place,
        # so readers in other threads see a consistent snapshot.
        self._known: tuple[tuple[bytes, bytes, Mapping[bytes, tuple[bytes, ...]]], ...] = ()
        self._size = 0
        self._lock = threading.Lock()

    def covers(self, data: bytes, xml: str) -> bool:
        """Whether part ``data`` (``xml`` encoded) provably passes the full checks: its markup was checked before.

        (No test for ``<!``/``<?`` is needed: they cannot be in the removed text, and no remembered
        element holds them, so such a part never matches.)
        """
        if "\ufffe" in xml or "\uffff" in xml:  # not XML characters; a str search is far quicker
            return False
        for head, tail, elements in self._known:
            if len(data) < len(head) + len(tail) or not data.startswith(head) or not data.endswith(tail):
                continue
            shape = _shape(data[len(head) - 1 : len(data) - len(tail) + 1])  # ">…<"
            at, end = 1, len(shape) - 1
            while at < end:
                first = shape[at : shape.find(b">", at) + 1]
                for element in elements.get(first, ()):
                    if shape.startswith(element, at):
                        at += len(element)
                        break
                else:
                    return False
            return at == end
        return False

    def learn(self, data: bytes) -> None:
        """Remember the markup of ``data``, a part that has just passed :func:`check_part` in full."""
        if b"docPr" in data or any(unsafe in data[1:] for unsafe in _UNSAFE) or b"\xef\xbf\xbe" in data \
                or b"\xef\xbf\xbf" in data:
            return
        head_end = tail_start = -1
        depth = 0
        for m in _TAG.finditer(data):
            if m.group(1):
                depth -= 1
                if depth == 1 and head_end >= 0:
                    tail_start = m.start()
                    break
            elif not m.group(2):
                depth += 1
                if depth == 2 and head_end < 0:
                    head_end = m.end()
        if head_end < 0 or tail_start < head_end:
            return
        head, tail = data[:head_end], data[tail_start:]
        units = _elements(_shape(data[head_end - 1 : tail_start + 1]))
        if units is None:
            return
        with self._lock:
            known = list(self._known)
            size = self._size
            index = next((i for i, (h, t, _) in enumerate(known) if h == head and t == tail), None)
            if index is None:
                if len(known) >= self.MAX_CONTEXTS:
                    return
                known.append((head, tail, {}))
                index = len(known) - 1
                size += len(head) + len(tail)
            elements = {k: list(v) for k, v in known[index][2].items()}
            for unit in units:
                same_start = elements.setdefault(unit[: unit.index(b">") + 1], [])
                if unit not in same_start:
                    same_start.append(unit)
                    size += len(unit)
            if size > self.MAX_BYTES:
                return
            known[index] = (head, tail, {k: tuple(v) for k, v in elements.items()})
            self._known, self._size = tuple(known), size
