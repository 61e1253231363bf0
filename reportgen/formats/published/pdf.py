"""Read a text PDF into the neutral :class:`~.document.Document` with pdfplumber.

A PDF has no paragraphs and no tables, only positioned characters and lines:

* tables drawn with ruling lines are found by pdfplumber's line strategy; each cell's box gives its
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

import re
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pdfplumber

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
    return min(range(len(edges)), key=lambda i: abs(edges[i] - v))


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
    """Words grouped into visual lines (by vertical overlap), each sorted left to right."""
    lines: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines:
            last = lines[-1]
            top, bottom = min(w["top"] for w in last), max(w["bottom"] for w in last)
            middle = (word["top"] + word["bottom"]) / 2
            if top - 1 <= middle <= bottom + 1:
                last.append(word)
                continue
        lines.append([word])
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


def read_pdf(path: Path) -> Document:
    """The paragraphs and tables of the text PDF at ``path``.

    Raises :class:`ScannedPdf` for a PDF without text, and pdfplumber's/pdfminer's exceptions for a file
    that is not a PDF (the caller turns both into located errors).
    """
    blocks: list[Block] = []
    page_lines: list[list[tuple[list[str], float, float, float, bool]]] = []
    headers: list[str] = []
    chars = 0
    tables = 0
    with pdfplumber.open(path) as pdf:
        title = str((pdf.metadata or {}).get("Title") or "")
        for page in pdf.pages:
            words = page.extract_words(x_tolerance=1.5, y_tolerance=2, keep_blank_chars=False)
            chars += sum(len(w["text"]) for w in words)
            found = page.find_tables()
            boxes = [t.bbox for t in found]
            items: list[tuple[float, Block | None, list[str], float, float, bool]] = []
            for table in found:
                inside = [w for w in words if _in(w, table.bbox)]
                block = _table_grid([c for c in table.cells if c is not None], inside)
                if block is not None:
                    items.append((table.bbox[1], TableBlock(block.grid, tables), [], 0, 0, False))
                    tables += 1
            rest = [w for w in words if not any(_in(w, b) for b in boxes)]
            size = statistics.median([w["bottom"] - w["top"] for w in rest]) if rest else 10.0
            height = float(page.height)
            for line in _lines(rest):
                top = min(w["top"] for w in line)
                # Cells of a table without ruling lines stand apart by their padding (~1 em); prose words do not.
                cells = _cells_of_line(line, gap=max(4.0, 0.6 * size))
                text = "".join(cells)
                margin = top < 0.1 * height or top > 0.86 * height
                if margin and _PAGE_NUMBER.match(text):
                    continue
                items.append((top, None, cells, line[0]["x0"], line[-1]["x1"], margin and top < 0.1 * height))
            items.sort(key=lambda item: item[0])
            page_lines.append([])
            for _, block, cells, x0, x1, at_top in items:
                if block is not None:
                    page_lines[-1].append((["\x00", str(len(blocks))], 0, 0, 0, False))
                    blocks.append(block)
                else:
                    page_lines[-1].append((cells, x0, x1, size, at_top))
    if chars == 0 and page_lines:
        raise ScannedPdf(path.name)
    # A top line repeated on several pages is the page header.
    tops = [lines[0][0] for lines in page_lines if lines and lines[0][4]]
    repeated = {"".join(t) for t in tops if sum("".join(u) == "".join(t) for u in tops) >= 2}
    headers = sorted(repeated)
    return Document(blocks=tuple(_paragraphs(page_lines, blocks, repeated)), header="\n".join(headers), title=title,
                    file_name=path.name, form="pdf")


def _in(word: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    cx, cy = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
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
