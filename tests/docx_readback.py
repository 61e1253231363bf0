"""Reading generated .docx files back for the Word tests: parts, grids, text."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import attrs
from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


def w(tag: str) -> str:
    """Clark name of a ``w:`` tag."""
    return f"{{{W}}}{tag}"


def parts(data: bytes | Path) -> dict[str, bytes]:
    """Every part of a .docx."""
    raw = data.read_bytes() if isinstance(data, Path) else data
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def xml(data: bytes | Path, name: str = "word/document.xml") -> etree._Element:
    """Part ``name`` parsed."""
    return etree.fromstring(parts(data)[name])


def text_of(element: etree._Element) -> str:
    """The text of ``element`` (all w:t)."""
    return "".join(t.text or "" for t in element.iter(w("t")))


@attrs.frozen
class ReadCell:
    """A merged cell as read back from the XML: position, spans and text."""

    row: int
    col: int
    rowspan: int
    colspan: int
    text: str


def grid(tbl: etree._Element) -> list[ReadCell]:
    """The cells of a table with their merge geometry, from gridSpan and vMerge."""
    open_cells: dict[int, dict[str, int | str]] = {}
    done: list[dict[str, int | str]] = []
    for r, tr in enumerate(tbl.findall(w("tr"))):
        col = 0
        for tc in tr.findall(w("tc")):
            span_el = tc.find(f"{w('tcPr')}/{w('gridSpan')}")
            span = int(span_el.get(w("val"), "1")) if span_el is not None else 1
            vm = tc.find(f"{w('tcPr')}/{w('vMerge')}")
            if vm is not None and vm.get(w("val"), "continue") == "continue":
                open_cells[col]["rowspan"] = int(open_cells[col]["rowspan"]) + 1
            else:
                cell: dict[str, int | str] = {"row": r, "col": col, "rowspan": 1, "colspan": span, "text": text_of(tc)}
                done.append(cell)
                if vm is not None:
                    open_cells[col] = cell
            col += span
    return [ReadCell(int(c["row"]), int(c["col"]), int(c["rowspan"]), int(c["colspan"]), str(c["text"])) for c in done]


def normalise(text: str) -> str:
    """Whitespace removed (PDF and Word text extraction differ in spacing)."""
    return re.sub(r"\s+", "", text)
