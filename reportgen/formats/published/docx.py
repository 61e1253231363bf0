"""Read a .docx into the neutral :class:`~.document.Document` (body through :mod:`reportgen.formats.ooxml.grid`).

The package is opened through :mod:`reportgen.formats._archive` (sizes, ratios, encryption checked before
anything is inflated; DTDs refused), and :func:`read_docx` is the one wrapper of this reader: whatever a
damaged file makes a library raise, the caller gets an :class:`~reportgen.domain.errors.ExtractError`
naming the file.
"""

from __future__ import annotations

from pathlib import Path

from reportgen.domain import limits
from reportgen.domain.errors import ExtractError, ReportgenError
from reportgen.domain.findings import Location
from reportgen.formats._archive import Package, open_package, parse_xml
from reportgen.formats.ooxml.grid import MAX_DOCUMENT_XML_BYTES, Para, TableTooLarge, Tbl, W, body_blocks
from reportgen.formats.ooxml.ns import WORD_DOCUMENT_PART
from reportgen.formats.published.document import Block, Document, TableBlock

__all__ = ["read_docx"]

_MAX_HEADER_BYTES = 2**20


def _header_text(package: Package) -> str:
    """The text of the page headers (``word/header*.xml``): some offices print the title only there."""
    texts: list[str] = []
    for name in package.names():
        if not (name.startswith("word/header") and name.endswith(".xml")):
            continue
        root = parse_xml(package.read(name, limit=_MAX_HEADER_BYTES), file=package.file, part=name)
        text = "".join(t.text or "" for t in root.iter(f"{{{W}}}t")).strip()
        if text and text not in texts:
            texts.append(text)
    return "\n".join(texts)


def _check_text(text: str, file: str, what: str) -> None:
    if len(text) > limits.MAX_TEXT_CHARS:
        raise ExtractError.single("IN-TEXT-LENGTH", f"一个{what}有 {len(text)} 个字符，超过 {limits.MAX_TEXT_CHARS} 个字符的上限，"
                                  "不是报告中的文字。", Location(file=file))


def _check_cells(block: Tbl, file: str) -> None:
    for cell in block.grid.all_cells():
        _check_text(cell.text, file, f"表格单元格（第 {block.index + 1} 个表格）")


def read_docx(path: Path) -> Document:
    """The paragraphs, tables and page header of the Word document at ``path``.

    :raises InputError: ``IN-ZIP-*``/``IN-XML-*``/``IN-TABLE-SIZE``/``IN-TEXT-LENGTH`` from the package and
        its parts; ``EX-OPEN`` for any other failure of a damaged file (never a library exception).
    """
    file = str(path)
    try:
        with open_package(path, file=file, kind="Word 文档（.docx）") as package:
            data = package.read(WORD_DOCUMENT_PART, limit=MAX_DOCUMENT_XML_BYTES)
            root = parse_xml(data, file=file, part=WORD_DOCUMENT_PART)
            blocks: list[Block] = []
            for block in body_blocks(root):
                if isinstance(block, Tbl):
                    _check_cells(block, file)
                    blocks.append(TableBlock(block.grid, block.index))
                else:
                    _check_text(block.text, file, "段落")
                    blocks.append(Para(block.text))
            header = _header_text(package)
    except ExtractError:
        raise
    except ReportgenError as exc:  # the package layer's InputError: the same code, as an extract error
        # A file that is no zip at all keeps extract's long-standing EX-OPEN (its finding says IN-ZIP-CORRUPT).
        code = "EX-OPEN" if exc.code == "IN-ZIP-CORRUPT" else exc.code
        raise ExtractError(exc.message, code=code, location=exc.location, findings=exc.findings) from None
    except TableTooLarge as exc:
        raise ExtractError.single("IN-TABLE-SIZE", f"{exc}，不是报告中的表格。", Location(file=file)) from None
    except (MemoryError, RecursionError) as exc:
        raise ExtractError(f"Word 文档过大或嵌套过深，无法读取（{type(exc).__name__}）。", code="EX-OPEN",
                           location=Location(file=file)) from None
    except Exception as exc:  # the one wrapper of this reader: a damaged file is a located error
        raise ExtractError(f"无法打开 Word 文档（.docx）：文件已损坏（{type(exc).__name__}: {exc}）。", code="EX-OPEN",
                           location=Location(file=file)) from None
    return Document(blocks=tuple(blocks), header=header, file_name=path.name, form="docx")
