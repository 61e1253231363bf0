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
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

__all__ = ["TEMPLATE_MARKERS", "WP", "W", "check_part", "find_leftover", "parse_part"]


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
