"""Files from townships and web sites are untrusted: hostile archives are refused, not inflated."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from reportgen import extract, load
from reportgen.domain.errors import ExtractError, InputError
from reportgen.formats.ooxml.grid import MAX_DOCUMENT_XML_BYTES


def _bomb(path: Path) -> Path:
    """A small .docx whose document.xml inflates past the limit (empty paragraphs compress ~1000:1)."""
    unit = b"<w:p/>"
    body = unit * (MAX_DOCUMENT_XML_BYTES // len(unit) + 1)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr(
            "word/document.xml",
            b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            + body
            + b"</w:body></w:document>",
        )
    return path


def test_decompression_bomb_docx_is_refused(tmp_path: Path) -> None:
    """extract refuses a .docx whose body inflates past the limit, with a located Chinese error."""
    bomb = _bomb(tmp_path / "bomb.docx")
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(ExtractError) as exc:
        extract(bomb)
    assert exc.value.code == "IN-ZIP-BOMB"
    assert "上限" in exc.value.message


def test_bomb_through_load_is_an_input_error(tmp_path: Path) -> None:
    """The same file given to load() (as --previous or audit would) is an InputError, not a crash."""
    with pytest.raises(InputError):
        load(_bomb(tmp_path / "bomb.docx"))


def test_entity_expansion_is_not_performed(tmp_path: Path) -> None:
    """A billion-laughs document.xml is refused or read without expanding entities."""
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
        + ']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        "<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
    )
    path = tmp_path / "laughs.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", laughs)
    with pytest.raises(InputError):
        extract(path)
