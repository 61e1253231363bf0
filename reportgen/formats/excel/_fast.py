"""The openpyxl-built template workbook cut into static XML chunks around its value cells.

openpyxl needs ~50 ms to build the styled workbook; :mod:`reportgen.formats.excel.write` builds it once
per process and format version, saves it, and this module splits each saved worksheet so a report
only has to write its value cells between the chunks (see ``docs/performance.md``).

The splitting reads openpyxl's own serialised XML with regular expressions, so it depends on how
openpyxl writes a cell (``<c r="B7" s="3" …>``, attributes in that order) and a row; that dependency is
kept here, apart from the content code, and :func:`split_sheet` fails loudly if a value cell is not
found.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import NamedTuple

from reportgen.formats.ooxml import package

__all__ = ["PIECE_BYTES", "Sheet", "fill", "fill_parts", "sample_styles", "split_sheet", "unreference"]

PIECE_BYTES = 1024
"""Static chunks at least this long are deflated once (:func:`reportgen.formats.ooxml.package.piece`); shorter
ones are deflated with the values around them (deflated alone, a short chunk would compress poorly)."""

_CELL_RE = re.compile(r'<c r="([A-Z]+)([0-9]+)"([^>]*?)(?:/>|>.*?</c>)', re.S)
_STYLE_ATTR = re.compile(r' s="([0-9]+)"')
_ROW_RE = re.compile(r'<row r="([0-9]+)"[^>]*?(?:/>|>.*?</row>)', re.S)
_DIMENSION = re.compile(r"<dimension [^>]*/>")


_CHAR_REF = re.compile(r"&#([0-9]+);")


def _character(m: re.Match[str]) -> str:
    code = int(m.group(1))
    # Only characters that mean nothing to XML and that XML can hold: ``&#60;`` (<), ``&#38;`` (&), quotes stay.
    if code < 0x80 or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF) or code > 0x10FFFF:
        return m.group(0)
    return chr(code)


def unreference(xml: str) -> str:
    """``xml`` with the character references openpyxl writes for non-ASCII text (``&#19977;``) as the characters.

    The same document (a character reference and its character are the same character data), in a third of
    the bytes for Chinese labels: the sheets are deflated for every report, and deflate time follows size.
    """
    return _CHAR_REF.sub(_character, xml)


class Sheet(NamedTuple):
    """One worksheet of the template, cut around its value cells."""

    chunks: tuple[str, ...]
    """Static XML; value cells go between consecutive chunks."""
    slots: tuple[tuple[str, str], ...]
    """``(coordinate, style id)`` of each value cell, in document order."""
    tail: bool
    """Whether generated rows go after the last chunk but one (before ``</sheetData>``)."""
    pieces: tuple[package.Piece | None, ...] = ()
    """Per chunk: the chunk deflated once if it is long (:data:`PIECE_BYTES`), else ``None``."""


def split_sheet(xml: str, slots: Collection[str], *, tail_from: int | None) -> Sheet:
    """Cut worksheet ``xml`` around the cells at the coordinates ``slots``.

    ``tail_from``: rows from this one on are dropped (the generated region and the style samples), and
    generated rows are later written before ``</sheetData>``.
    """
    wanted = set(slots)
    if tail_from is not None:
        xml = _ROW_RE.sub(lambda m: "" if int(m.group(1)) >= tail_from else m.group(0), xml)
        xml = _DIMENSION.sub("", xml)
    chunks: list[str] = []
    found: list[tuple[str, str]] = []
    pos = 0
    for m in _CELL_RE.finditer(xml):
        coord = m.group(1) + m.group(2)
        if coord not in wanted:
            continue
        style = _STYLE_ATTR.search(m.group(3))
        chunks.append(xml[pos : m.start()])
        found.append((coord, style.group(1) if style else "0"))
        pos = m.end()
    if len(found) != len(wanted):
        raise AssertionError(f"template misses value cells {sorted(wanted - {c for c, _ in found})[:5]}")
    if tail_from is not None:
        end = xml.index("</sheetData>", pos)
        chunks.append(xml[pos:end])
        pos = end
    chunks.append(xml[pos:])
    pieces = tuple(package.piece(raw) if len(raw := c.encode("utf-8")) >= PIECE_BYTES else None for c in chunks)
    return Sheet(tuple(chunks), tuple(found), tail_from is not None, pieces)


def sample_styles(xml: str, row: int) -> dict[str, str]:
    """``{column letters: style id}`` of the cells of worksheet row ``row`` (the style samples)."""
    out: dict[str, str] = {}
    for m in _CELL_RE.finditer(xml):
        if int(m.group(2)) == row:
            style = _STYLE_ATTR.search(m.group(3))
            out[m.group(1)] = style.group(1) if style else "0"
    return out


def fill(sheet: Sheet, cells: Sequence[str], rows: str) -> str:
    """The worksheet with ``cells`` (the XML of each slot, in slot order) and generated ``rows`` put in."""
    out = [sheet.chunks[0]]
    for cell, chunk in zip(cells, sheet.chunks[1 : 1 + len(sheet.slots)], strict=True):
        out.append(cell)
        out.append(chunk)
    if sheet.tail:
        out.append(rows)
        out.append(sheet.chunks[-1])
    return "".join(out)


def fill_parts(sheet: Sheet, cells: Sequence[str], rows: str) -> list[bytes | package.Piece]:
    """:func:`fill` as the parts of :func:`reportgen.formats.ooxml.package.entry_of_pieces`: the long static
    chunks as their pre-deflated pieces, everything between them as UTF-8 bytes (the same text)."""
    out: list[bytes | package.Piece] = []
    run: list[str] = []

    def static(i: int) -> None:
        prepared = sheet.pieces[i]
        if prepared is None:
            run.append(sheet.chunks[i])
            return
        if run:
            out.append("".join(run).encode("utf-8"))
            run.clear()
        out.append(prepared)

    static(0)
    if len(cells) != len(sheet.slots):
        raise ValueError(f"{len(cells)} cells for {len(sheet.slots)} slots")
    for i, cell in enumerate(cells, 1):
        run.append(cell)
        static(i)
    if sheet.tail:
        run.append(rows)
        static(len(sheet.chunks) - 1)
    if run:
        out.append("".join(run).encode("utf-8"))
    return out
