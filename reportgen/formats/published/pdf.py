"""Read a text PDF into the neutral :class:`~.document.Document` (pdfium for text and lines, pdfplumber's
table finder for the cells).

A PDF has no paragraphs and no tables, only positioned characters and lines.  Characters and drawn
lines come from pdfium (:mod:`pypdfium2`, C, ~20× faster than pdfminer's pure-Python parser, which the
50 ms budget rules out); the ruling lines go through pdfplumber's table finder (edges → intersections →
cells → tables):

* tables drawn with ruling lines: each cell's box gives its
  row and column span (boxes are placed on the grid of all distinct cell edges), and each word goes
  to the cell its centre falls in;
* every other word is grouped into text lines by position; a line whose words stand apart by wide gaps
  is a table row without ruling lines and becomes a ``|``-separated line (read later, as for web pages);
* prose lines are joined into paragraphs: a line that runs to the right margin continues on the next,
  unless that one is indented or starts a heading; page numbers and a header repeated on every page
  are dropped (the header is kept as :attr:`Document.header`).

A PDF without any text (a scan) is reported as such: reading it needs OCR, which this reader does not do.
"""

from __future__ import annotations

import bisect
import ctypes
import re
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]
from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

from reportgen.formats.ooxml.grid import Para
from reportgen.formats.published.document import Block, Document, TableBlock, grid_from_spans

__all__ = ["ScannedPdf", "read_pdf"]


class ScannedPdf(Exception):
    """The PDF has pages but no text layer (a scan)."""


_PAGE_NUMBER = re.compile(r"^[-—–_\s·]*(?:第\s*)?\d{1,3}\s*(?:页|/\s*\d{1,3}(?:页)?|\s*共\s*\d+\s*页)?[-—–_\s·]*$")
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[（(]\s*[一二三四五六七八九十]+\s*[)）])")


def _edges(values: Sequence[float]) -> list[float]:
    """Distinct edge positions, merging those within 2 pt of each other."""
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > 2:
            out.append(v)
    return out


def _nearest(edges: Sequence[float], v: float) -> int:
    i = bisect.bisect_left(edges, v)
    if i == 0:
        return 0
    if i == len(edges):
        return i - 1
    return i if edges[i] - v < v - edges[i - 1] else i - 1


def _table_grid(cells: Sequence[tuple[float, float, float, float]], words: Sequence[dict[str, Any]]) -> TableBlock | None:
    xs = _edges([c[0] for c in cells] + [c[2] for c in cells])
    ys = _edges([c[1] for c in cells] + [c[3] for c in cells])
    if len(xs) < 3 or len(ys) < 2:
        return None
    placed: list[tuple[int, int, int, int, tuple[float, float, float, float]]] = []
    for box in cells:
        c0, c1 = _nearest(xs, box[0]), _nearest(xs, box[2])
        r0, r1 = _nearest(ys, box[1]), _nearest(ys, box[3])
        if c1 > c0 and r1 > r0:
            placed.append((r0, c0, r1 - r0, c1 - c0, box))
    texts: dict[int, list[dict[str, Any]]] = {i: [] for i in range(len(placed))}
    for word in words:
        cx, cy = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
        for i, (*_, box) in enumerate(placed):
            if box[0] <= cx <= box[2] and box[1] <= cy <= box[3]:
                texts[i].append(word)
                break
    covered: set[tuple[int, int]] = set()
    starts: dict[tuple[int, int], tuple[str, int, int]] = {}
    for i, (r0, c0, rs, cs, _) in enumerate(placed):
        covered |= {(r, c) for r in range(r0, r0 + rs) for c in range(c0, c0 + cs)}
        starts[(r0, c0)] = (_lines_text(texts[i]), rs, cs)
    full: list[list[tuple[str, int, int]]] = []
    for r in range(len(ys) - 1):
        row: list[tuple[str, int, int]] = []
        for c in range(len(xs) - 1):
            if (r, c) in starts:
                row.append(starts[(r, c)])
            elif (r, c) not in covered:
                row.append(("", 1, 1))  # a position without a box: keep the columns aligned
        full.append(row)
    return TableBlock(grid_from_spans(full), 0)


def _lines_text(words: Sequence[dict[str, Any]]) -> str:
    lines = _lines(words)
    return "\n".join("".join(w["text"] for w in line) for line in lines)


def _lines(words: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Words grouped into visual lines (a word whose middle lies within a line's height joins it), each
    sorted left to right."""
    lines: list[list[dict[str, Any]]] = []
    top = bottom = 0.0
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        middle = (word["top"] + word["bottom"]) / 2
        if lines and top - 1 <= middle <= bottom + 1:
            lines[-1].append(word)
            top, bottom = min(top, word["top"]), max(bottom, word["bottom"])
            continue
        lines.append([word])
        top, bottom = word["top"], word["bottom"]
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def _cells_of_line(line: Sequence[dict[str, Any]], gap: float) -> list[str]:
    cells: list[str] = []
    last_x1: float | None = None
    for word in line:
        if last_x1 is None or word["x0"] - last_x1 > gap:
            cells.append(word["text"])
        else:
            cells[-1] += word["text"]
        last_x1 = word["x1"]
    return cells


_SPACES = frozenset({0, 9, 10, 13, 32, 0xA0, 0xFFFE, 0xFFFF, 2})


def _page_content(page: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The words and the ruling-line edges of a pdfium page, in top-down coordinates (as pdfplumber's)."""
    height = page.get_height()
    textpage = page.get_textpage()
    raw = textpage.raw
    count = pdfium_c.FPDFText_CountChars(raw)
    text = textpage.get_text_range(0, count) if count > 0 else ""
    aligned = len(text) == count  # one UTF-16 unit per char (no characters outside the BMP)
    box = pdfium_c.FS_RECTF()
    chars: list[dict[str, Any]] = []
    for i in range(count):
        code = ord(text[i]) if aligned else pdfium_c.FPDFText_GetUnicode(raw, i)
        if code in _SPACES:
            continue
        # The loose box spans the font's ascent to descent: one height for every glyph of a line.
        pdfium_c.FPDFText_GetLooseCharBox(raw, i, box)
        chars.append({"text": chr(code), "x0": box.left, "x1": box.right,
                      "top": height - box.top, "bottom": height - box.bottom})
    words: list[dict[str, Any]] = []
    for line in _lines(chars):
        for ch in line:
            if words and words[-1]["_line"] is line and ch["x0"] - words[-1]["x1"] <= 1.5:
                word = words[-1]
                word["text"] += ch["text"]
                word["x1"] = max(word["x1"], ch["x1"])
                word["top"], word["bottom"] = min(word["top"], ch["top"]), max(word["bottom"], ch["bottom"])
            else:
                words.append({**ch, "_line": line})
    edges: list[dict[str, Any]] = []
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=3):
        x0, y0, x1, y1 = obj.get_bounds()
        t, b = height - y1, height - y0
        pdfium_c.FPDFPath_GetDrawMode(obj.raw, fill, stroke)
        thin = x1 - x0 < 3 or b - t < 3
        if not stroke.value and not thin:
            continue  # a filled area (cell shading, a white background) draws no ruling line
        if x1 - x0 < 3 and b - t > 3:
            edges.append({"x0": (x0 + x1) / 2, "x1": (x0 + x1) / 2, "top": t, "bottom": b, "width": 0,
                          "height": b - t, "orientation": "v"})
        elif b - t < 3 and x1 - x0 > 3:
            edges.append({"x0": x0, "x1": x1, "top": (t + b) / 2, "bottom": (t + b) / 2, "width": x1 - x0,
                          "height": 0, "orientation": "h"})
        elif x1 - x0 >= 3 and b - t >= 3 and (x1 - x0) * (b - t) < 4e4:  # a cell drawn as a rectangle
            for e in ((x0, x1, t, t, "h"), (x0, x1, b, b, "h"), (x0, x0, t, b, "v"), (x1, x1, t, b, "v")):
                edges.append({"x0": e[0], "x1": e[1], "top": e[2], "bottom": e[3], "width": e[1] - e[0],
                              "height": e[3] - e[2], "orientation": e[4]})
    return [{k: v for k, v in w.items() if k != "_line"} for w in words], edges


def _tables(edges: list[dict[str, Any]]) -> list[list[tuple[float, float, float, float]]]:
    """The cell boxes of each table the ruling lines draw (pdfplumber's line strategy)."""
    if len(edges) < 4:
        return []
    merged = merge_edges(edges, snap_x_tolerance=3, snap_y_tolerance=3, join_x_tolerance=3, join_y_tolerance=3)
    cells = intersections_to_cells(edges_to_intersections(merged, 3, 3))
    return [[(float(a), float(b), float(c), float(d)) for a, b, c, d in table]
            for table in cells_to_tables(cells) if len(table) >= 2]


def read_pdf(path: Path) -> Document:
    """The paragraphs and tables of the text PDF at ``path``.

    Raises :class:`ScannedPdf` for a PDF without text, and pdfium's exceptions for a file that is not a
    PDF (the caller turns both into located errors).
    """
    blocks: list[Block] = []
    page_lines: list[list[tuple[list[str], float, float, float, bool]]] = []
    chars = 0
    tables = 0
    pdf = pdfium.PdfDocument(str(path))
    try:
        title = str((pdf.get_metadata_dict() or {}).get("Title") or "")
        for page in pdf:
            words, edges = _page_content(page)
            chars += sum(len(w["text"]) for w in words)
            found = _tables(edges)
            boxes = [(min(c[0] for c in t), min(c[1] for c in t), max(c[2] for c in t), max(c[3] for c in t))
                     for t in found]
            items: list[tuple[float, Block | None, list[str], float, float, bool]] = []
            for cells, box in zip(found, boxes, strict=True):
                inside = [w for w in words if _in(w, box)]
                grid = _table_grid(cells, inside)
                if grid is not None:
                    items.append((box[1], TableBlock(grid.grid, tables), [], 0, 0, False))
                    tables += 1
            rest = [w for w in words if not any(_in(w, b) for b in boxes)]
            size = statistics.median([w["bottom"] - w["top"] for w in rest]) if rest else 10.0
            height = float(page.get_height())
            for line in _lines(rest):
                top = min(w["top"] for w in line)
                # Cells of a table without ruling lines stand apart by their padding (~1 em); prose words do not.
                cells_text = _cells_of_line(line, gap=max(4.0, 0.6 * size))
                text = "".join(cells_text)
                margin = top < 0.1 * height or top > 0.86 * height
                if margin and _PAGE_NUMBER.match(text):
                    continue
                items.append((top, None, cells_text, line[0]["x0"], line[-1]["x1"], margin and top < 0.1 * height))
            items.sort(key=lambda item: item[0])
            page_lines.append([])
            for _, block, cells_text, x0, x1, at_top in items:
                if block is not None:
                    page_lines[-1].append((["\x00", str(len(blocks))], 0, 0, 0, False))
                    blocks.append(block)
                else:
                    page_lines[-1].append((cells_text, x0, x1, size, at_top))
    finally:
        pdf.close()
    if chars == 0 and page_lines:
        raise ScannedPdf(path.name)
    # A top line repeated on several pages is the page header.
    tops = [lines[0][0] for lines in page_lines if lines and lines[0][4]]
    repeated = {"".join(t) for t in tops if sum("".join(u) == "".join(t) for u in tops) >= 2}
    return Document(blocks=tuple(_paragraphs(page_lines, blocks, repeated)), header="\n".join(sorted(repeated)),
                    title=title, file_name=path.name, form="pdf")


def _in(word: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    cx: float = (word["x0"] + word["x1"]) / 2
    cy: float = (word["top"] + word["bottom"]) / 2
    return box[0] - 1 <= cx <= box[2] + 1 and box[1] - 1 <= cy <= box[3] + 1


def _paragraphs(
    page_lines: list[list[tuple[list[str], float, float, float, bool]]], tables: list[Block], header: set[str]
) -> list[Block]:
    out: list[Block] = []
    prose = [(x0, x1) for lines in page_lines for cells, x0, x1, _, _ in lines if len(cells) == 1]
    left = min((x0 for x0, _ in prose), default=0.0)
    right = max((x1 for _, x1 in prose), default=0.0)
    current: str | None = None
    last_x1 = 0.0
    for lines in page_lines:
        for cells, x0, x1, size, _ in lines:
            if cells[0] == "\x00":
                if current is not None:
                    out.append(Para(current))
                    current = None
                out.append(tables[int(cells[1])])
                continue
            if "".join(cells) in header:
                continue
            if len(cells) > 1:
                if current is not None:
                    out.append(Para(current))
                    current = None
                out.append(Para(" | ".join(cells)))
                continue
            text = cells[0]
            continues = (
                current is not None
                and last_x1 >= right - 2 * size
                and x0 <= left + 0.8 * size
                and not _HEADING.match(text)
            )
            if continues:
                current = f"{current}{text}"
            else:
                if current is not None:
                    out.append(Para(current))
                current = text
            last_x1 = x1
    if current is not None:
        out.append(Para(current))
    return out
