"""Structural checks of generated WordprocessingML — run on every document before it is written.

Word refuses (or "repairs") documents that break any of these; LibreOffice and WPS often render them
silently wrong.  The table geometry (spans, gaps, which cell a vertical merge continues) is read by
:func:`reportgen.formats.ooxml.grid.table_rows` — the same reading the published-report reader uses —
and judged here; for the plain tables reportgen generates that is one pass over the few element
types that matter, cheap enough to run for every report of a bulk run (see ``docs/performance.md``).

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
from collections.abc import Mapping

from lxml import etree

from reportgen.formats.ooxml.grid import grid_columns, table_rows
from reportgen.formats.ooxml.ns import WP, W, qn

__all__ = ["TEMPLATE_MARKERS", "WP", "KnownShapes", "W", "check_part", "check_table", "find_leftover", "parse_part"]

TEMPLATE_MARKERS = ("{{", "{%", "{#")
_LEFTOVER = re.compile(r"\{[{%#]")

_TBL = qn("w:tbl")
_TC = qn("w:tc")
_DOC_PR = qn("wp:docPr")

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


def check_table(tbl: etree._Element, where: str, problems: list[str]) -> None:
    """Append the structural problems of one ``w:tbl`` to ``problems`` (``where`` names it in messages).

    The geometry (spans, gaps, which cell a vertical merge continues) comes from
    :func:`reportgen.formats.ooxml.grid.table_rows`, the same resolution the published-report reader uses;
    this function only judges it.
    """
    n_cols = grid_columns(tbl)
    if n_cols == 0:
        problems.append(f"{where}：表格缺少 w:tblGrid 列定义")
    rows = table_rows(tbl)
    if not rows:
        problems.append(f"{where}：空表格（没有 w:tr）")
        return
    for row in rows:
        at = f"{where}第{row.row + 1}行"
        if not row.before_valid or not row.after_valid:
            problems.append(f"{at}：gridBefore/gridAfter 无效")
        if not row.cells:
            problems.append(f"{at}：空行（没有 w:tc）")
            continue
        for cell in row.cells:
            if not cell.span_valid:
                problems.append(f"{at}：gridSpan 无效")
            if not cell.has_paragraph:
                problems.append(f"{at}第{cell.col + 1}列：单元格没有段落（w:tc 缺少 w:p）")
            if cell.vmerge == "continue" and not cell.continues_merge:
                problems.append(f"{at}第{cell.col + 1}列：纵向合并的续接单元格上方没有起始单元格")
        if n_cols and row.width != n_cols:
            problems.append(f"{at}：单元格跨列合计 {row.width}，与表格列数 {n_cols} 不符")


def check_part(name: str, root: etree._Element, docpr_ids: set[str], problems: list[str]) -> None:
    """Append every structural problem of part ``name`` to ``problems``; record its docPr ids.

    Tables are numbered in document order of their start tags (a table nested in a cell counts after
    the table holding it), as in ``word/document.xml 第2个表格第3行…``.
    """
    for n, tbl in enumerate(root.iter(_TBL), 1):
        check_table(tbl, f"{name} 第{n}个表格", problems)
    for el in root.iter(_DOC_PR):
        ident = el.get("id", "")
        if ident in docpr_ids:
            problems.append(f"{name}：图形编号 wp:docPr/@id={ident} 重复")
        docpr_ids.add(ident)


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
