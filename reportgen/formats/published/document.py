"""The neutral document every published form is read into, before one table/section reading.

A published report comes as a Word file, a saved web page, a PDF or an old Office file; each reader
(:mod:`.docx`, :mod:`.html`, :mod:`.pdf`, :mod:`.office`) turns its form into a :class:`Document`::

    Document(blocks=[Para | TableBlock …], header="页眉文字", title="<title>", file_name="金岭镇2022.html")

A :class:`TableBlock` is a grid of cell text with merges resolved (``rows[r][c]`` is the cell covering
``(r, c)``); ``lines=True`` marks a table rebuilt from text lines (``|``-separated lines, one cell per
line, a PDF without ruling lines) whose columns are not aligned: it is read by the order of its cells,
not by their position.  What comes after (:mod:`.extract`) knows nothing of the form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import attrs

from reportgen.formats.ooxml.grid import Grid, GridText, Para

__all__ = ["Block", "Document", "Para", "TableBlock", "grid_from_rows", "grid_from_spans"]


@attrs.frozen(eq=False)
class TableBlock:
    """A table of the document, as a grid of cell text."""

    grid: Grid
    index: int
    """Position among the document's tables (0-based), for messages."""
    lines: bool = False
    """Rebuilt from text lines: read by the order of its cells, not by column position."""


Block = Para | TableBlock


@attrs.frozen(eq=False)
class Document:
    """A published report as paragraphs and tables in reading order, whatever form it came in."""

    blocks: tuple[Block, ...]
    header: str = ""
    """The page header's text (Word header, a PDF's repeated top line)."""
    title: str = ""
    """The HTML ``<title>`` or the PDF's Title metadata."""
    file_name: str = ""
    form: str = "docx"
    """``docx``, ``html``, ``pdf`` or ``office`` (converted by LibreOffice)."""


def grid_from_spans(rows: Sequence[Sequence[tuple[str, int, int]]]) -> Grid:
    """A grid from rows of ``(text, rowspan, colspan)`` cells laid out as HTML does (``rowspan`` pushes
    the cells of later rows to the right)."""
    taken: dict[tuple[int, int], GridText] = {}
    n_cols = 0
    for r, row in enumerate(rows):
        c = 0
        for text, rowspan, colspan in row:
            while (r, c) in taken:
                c += 1
            cell = GridText(text=text, row=r, col=c, rowspan=max(1, rowspan), colspan=max(1, colspan))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken[(r + dr, c + dc)] = cell
            c += cell.colspan
        n_cols = max(n_cols, c)
    n_rows = max((r for r, _ in taken), default=-1) + 1
    n_rows = max(n_rows, len(rows))
    n_cols = max([n_cols, *(c + 1 for _, c in taken)])
    return Grid(tuple(tuple(taken.get((r, c)) for c in range(n_cols)) for r in range(n_rows)), n_cols)


def grid_from_rows(rows: Iterable[Sequence[str]]) -> Grid:
    """A grid of one cell per text, no merges (a table rebuilt from text lines)."""
    return grid_from_spans([[(text, 1, 1) for text in row] for row in rows])


_PIPE = re.compile(r"\s*[|｜]\s*")


def pipe_cells(line: str) -> list[str] | None:
    """The cells of a ``|``-separated line (``a | b | c``, also ``| a | b |``), or ``None`` for prose."""
    if line.count("|") + line.count("｜") < 1:
        return None
    cells = _PIPE.split(line.strip())
    if cells and not cells[0]:
        cells = cells[1:]
    if cells and not cells[-1]:
        cells = cells[:-1]
    return cells if len(cells) >= 2 else None
