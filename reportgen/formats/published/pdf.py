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
import functools
import importlib
import re
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reportgen.domain import limits
from reportgen.domain.errors import ExtractError, ReportgenError
from reportgen.domain.findings import Location
from reportgen.formats.ooxml.grid import Grid, GridText, Para
from reportgen.formats.published.document import Block, Document, TableBlock

__all__ = ["ScannedPdf", "read_pdf"]


class ScannedPdf(Exception):
    """The PDF has pages but no text layer (a scan)."""


_PAGE_NUMBER = re.compile(r"^[-—–_\s·]*(?:第\s*)?\d{1,3}\s*(?:页|/\s*\d{1,3}(?:页)?|\s*共\s*\d+\s*页)?[-—–_\s·]*$")
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[（(]\s*[一二三四五六七八九十]+\s*[)）])")



@functools.cache
def _libs() -> tuple[Any, Any, Any]:
    """pypdfium2, its raw API and pdfplumber's edge merging, imported on the first PDF read: together they add
    about 90 ms to ``import reportgen``, which most runs (no PDF at all) should not pay."""
    pdfium = importlib.import_module("pypdfium2")
    pdfium_c = importlib.import_module("pypdfium2.raw")
    merge_edges = importlib.import_module("pdfplumber.table").merge_edges
    return pdfium, pdfium_c, merge_edges


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


def _lines_text(words: Sequence[dict[str, Any]]) -> str:
    if len(words) <= 1:
        return words[0]["text"] if words else ""
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
    _, pdfium_c, _ = _libs()
    height = page.get_height()
    textpage = page.get_textpage()
    raw = textpage.raw
    count = pdfium_c.FPDFText_CountChars(raw)
    text = textpage.get_text_range(0, count) if count > 0 else ""
    aligned = len(text) == count  # one UTF-16 unit per char (no characters outside the BMP)
    box = pdfium_c.FS_RECTF()
    get_box = pdfium_c.FPDFText_GetLooseCharBox
    # Characters come in content order, which is reading order within a line: a character right after
    # the previous one on the same line continues its word (grouping words into lines comes later).
    words: list[dict[str, Any]] = []
    word: dict[str, Any] | None = None
    for i in range(count):
        code = ord(text[i]) if aligned else pdfium_c.FPDFText_GetUnicode(raw, i)
        if code in _SPACES:
            word = None
            continue
        # The loose box spans the font's ascent to descent: one height for every glyph of a line.
        get_box(raw, i, box)
        x0, x1, top, bottom = box.left, box.right, height - box.top, height - box.bottom
        if word is not None and abs(top - word["top"]) < 1 and -1 <= x0 - word["x1"] <= 1.5:
            word["text"] += chr(code)
            word["x1"] = max(word["x1"], x1)
            word["bottom"] = max(word["bottom"], bottom)
        else:
            word = {"text": chr(code), "x0": x0, "x1": x1, "top": top, "bottom": bottom}
            words.append(word)
    edges: list[dict[str, Any]] = []
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    left_, bottom_, right_, top_ = (ctypes.c_float() for _ in range(4))
    raw_page = page.raw
    # The raw API: pypdfium2's object wrappers cost more than the reading itself.
    for index in range(pdfium_c.FPDFPage_CountObjects(raw_page)):
        obj = pdfium_c.FPDFPage_GetObject(raw_page, index)
        if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        pdfium_c.FPDFPageObj_GetBounds(obj, left_, bottom_, right_, top_)
        x0, y0, x1, y1 = left_.value, bottom_.value, right_.value, top_.value
        t, b = height - y1, height - y0
        pdfium_c.FPDFPath_GetDrawMode(obj, fill, stroke)
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
    return words, edges


_TOL = 3.0


def _covers(edges: dict[int, list[tuple[float, float]]], positions: Sequence[float], at: int, point: float) -> bool:
    """Whether a ruling line at ``positions[at]`` covers ``point`` along its length."""
    return any(a - _TOL <= point <= b + _TOL for a, b in edges.get(at, ()))


def _tables(edges: list[dict[str, Any]], words: Sequence[dict[str, Any]]) -> list[tuple[tuple[float, float, float, float], Grid]]:
    """The tables the ruling lines draw, each with its box and its grid of cell text.

    The lines are merged (pdfplumber's ``merge_edges``) and grouped into tables by which cross which;
    the distinct line positions of a table make an elementary grid, and two neighbouring elementary
    cells are one (merged) cell where no line separates them.
    """
    _, _, merge_edges = _libs()
    if len(edges) < 4:
        return []
    merged = merge_edges(edges, snap_x_tolerance=_TOL, snap_y_tolerance=_TOL, join_x_tolerance=_TOL,
                         join_y_tolerance=_TOL)
    hs = [e for e in merged if e["orientation"] == "h"]
    vs = [e for e in merged if e["orientation"] == "v"]
    parent = list(range(len(hs) + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(hs):
        for j, v in enumerate(vs):
            if h["x0"] - _TOL <= v["x0"] <= h["x1"] + _TOL and v["top"] - _TOL <= h["top"] <= v["bottom"] + _TOL:
                parent[find(i)] = find(len(hs) + j)
    groups: dict[int, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        groups.setdefault(find(len(hs) + j), ([], []))[1].append(v)
    out: list[tuple[tuple[float, float, float, float], Grid]] = []
    for h_lines, v_lines in groups.values():
        xs = _edges([v["x0"] for v in v_lines])
        ys = _edges([h["top"] for h in h_lines])
        if len(xs) < 3 or len(ys) < 3:
            continue
        vertical: dict[int, list[tuple[float, float]]] = {}
        for v in v_lines:
            vertical.setdefault(_nearest(xs, v["x0"]), []).append((v["top"], v["bottom"]))
        horizontal: dict[int, list[tuple[float, float]]] = {}
        for h in h_lines:
            horizontal.setdefault(_nearest(ys, h["top"]), []).append((h["x0"], h["x1"]))
        out.append(((xs[0], ys[0], xs[-1], ys[-1]), _grid(xs, ys, vertical, horizontal, words)))
    return out


def _grid(
    xs: Sequence[float],
    ys: Sequence[float],
    vertical: dict[int, list[tuple[float, float]]],
    horizontal: dict[int, list[tuple[float, float]]],
    words: Sequence[dict[str, Any]],
) -> Grid:
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    owner = list(range(n_rows * n_cols))

    def find(i: int) -> int:
        while owner[i] != i:
            owner[i] = owner[owner[i]]
            i = owner[i]
        return i

    for r in range(n_rows):
        middle_y = (ys[r] + ys[r + 1]) / 2
        for c in range(n_cols):
            if c + 1 < n_cols and not _covers(vertical, xs, c + 1, middle_y):
                owner[find(r * n_cols + c + 1)] = find(r * n_cols + c)
            if r + 1 < n_rows and not _covers(horizontal, ys, r + 1, (xs[c] + xs[c + 1]) / 2):
                owner[find((r + 1) * n_cols + c)] = find(r * n_cols + c)
    texts: dict[int, list[dict[str, Any]]] = {}
    for word in words:
        cx, cy = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
        c, r = bisect.bisect_right(xs, cx) - 1, bisect.bisect_right(ys, cy) - 1
        if 0 <= r < n_rows and 0 <= c < n_cols:
            texts.setdefault(find(r * n_cols + c), []).append(word)
    cells: dict[int, GridText] = {}
    rows: list[list[GridText | None]] = []
    for r in range(n_rows):
        row: list[GridText | None] = []
        for c in range(n_cols):
            root = find(r * n_cols + c)
            cell = cells.get(root)
            if cell is None:
                cell = cells[root] = GridText(text=_lines_text(texts.get(root, [])), row=r, col=c)
            cell.rowspan = max(cell.rowspan, r - cell.row + 1)
            cell.colspan = max(cell.colspan, c - cell.col + 1)
            row.append(cell)
        rows.append(row)
    return Grid(tuple(tuple(row) for row in rows), n_cols)


def read_pdf(path: Path) -> Document:
    """The paragraphs and tables of the text PDF at ``path``.

    Raises :class:`ScannedPdf` for a PDF without text (the caller words it); the one wrapper of this
    reader turns every other failure of a damaged or oversized PDF into an
    :class:`~reportgen.domain.errors.ExtractError` naming the file (``IN-TOO-LARGE``, ``EX-OPEN``).
    """
    file = str(path)
    try:
        size = path.stat().st_size
        if size > limits.MAX_INPUT_BYTES:
            raise ExtractError.single("IN-TOO-LARGE", f"PDF 有 {size // (1024 * 1024)} MB，超过 "
                                      f"{limits.MAX_INPUT_BYTES // (1024 * 1024)} MB 的上限。", Location(file=file))
        return _read_pdf(path)
    except (ReportgenError, ScannedPdf):
        raise
    except Exception as exc:  # pdfium raises its own types for broken PDFs
        raise ExtractError(f"无法打开 PDF 文件：文件已损坏或已加密（{type(exc).__name__}: {exc}）。", code="EX-OPEN",
                           location=Location(file=file)) from None


def _read_pdf(path: Path) -> Document:
    pdfium, _, _ = _libs()
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
            found = _tables(edges, words)
            boxes = [box for box, _ in found]
            items: list[tuple[float, Block | None, list[str], float, float, bool]] = []
            for box, grid in found:
                items.append((box[1], TableBlock(grid, tables), [], 0, 0, False))
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
