"""Read a .docx into the neutral :class:`~.document.Document` (body through :mod:`reportgen.formats.ooxml.grid`)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

from reportgen.formats.ooxml.grid import Para, Tbl, W, read_blocks
from reportgen.formats.published.document import Block, Document, TableBlock

__all__ = ["read_docx"]

_MAX_HEADER_BYTES = 2**20


def _header_text(path: Path) -> str:
    """The text of the page headers (``word/header*.xml``): some offices print the title only there."""
    texts: list[str] = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not (info.filename.startswith("word/header") and info.filename.endswith(".xml")):
                continue
            if info.file_size > _MAX_HEADER_BYTES:
                continue
            root = etree.fromstring(archive.read(info), parser=etree.XMLParser(resolve_entities=False, no_network=True))
            text = "".join(t.text or "" for t in root.iter(f"{{{W}}}t")).strip()
            if text and text not in texts:
                texts.append(text)
    return "\n".join(texts)


def read_docx(path: Path) -> Document:
    """The paragraphs, tables and page header of the Word document at ``path``.

    Raises ``OSError``/``zipfile.BadZipFile``/``KeyError``/``etree.XMLSyntaxError`` for a file that is not
    a Word document; :func:`~.extract.read_published` turns them into a located error.
    """
    blocks: list[Block] = []
    for block in read_blocks(path):
        blocks.append(TableBlock(block.grid, block.index) if isinstance(block, Tbl) else Para(block.text))
    return Document(blocks=tuple(blocks), header=_header_text(path), file_name=path.name, form="docx")
