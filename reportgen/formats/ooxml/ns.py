"""Office Open XML namespaces, content types and part names — defined once for the whole library.

Like python-docx's ``oxml/ns.py``: every module that reads or writes WordprocessingML or
SpreadsheetML takes its URIs from here, so a typo in one reader cannot make it see nothing.
:func:`qn` turns a prefixed name (``"w:tbl"``) into lxml's Clark notation (``"{…/main}tbl"``).
"""

from __future__ import annotations

import functools

__all__ = [
    "CONTENT_TYPES",
    "CONTENT_TYPES_PART",
    "CORE_PROPERTIES_TYPE",
    "CT",
    "NSMAP",
    "PKG_REL",
    "WML_TYPE",
    "WORD_DOCUMENT_PART",
    "WP",
    "R",
    "S",
    "W",
    "qn",
]

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
"""WordprocessingML (``w:``): the body, paragraphs, tables of a .docx."""
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
"""Word drawing placement (``wp:``): ``wp:docPr`` ids must be unique in a document."""
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
"""Relationship references inside a part (``r:id``)."""
S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
"""SpreadsheetML: the worksheets of an .xlsx."""
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
"""``[Content_Types].xml``: the content type of every part."""
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
"""``_rels/*.rels``: the relationships of a part."""

NSMAP = {"w": W, "wp": WP, "r": R, "s": S, "ct": CT, "rel": PKG_REL}
"""Prefix → URI, for :func:`qn` and for XPath."""

CONTENT_TYPES_PART = "[Content_Types].xml"
WORD_DOCUMENT_PART = "word/document.xml"

WML_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml."
"""Prefix of the WordprocessingML content types (``document.main+xml``, ``header+xml``, …)."""
CORE_PROPERTIES_TYPE = "application/vnd.openxmlformats-package.core-properties+xml"
CONTENT_TYPES = {
    "document": WML_TYPE + "document.main+xml",
    "template": WML_TYPE + "template.main+xml",
    "macro_document": "application/vnd.ms-word.document.macroEnabled.main+xml",
    "header": WML_TYPE + "header+xml",
    "footer": WML_TYPE + "footer+xml",
    "footnotes": WML_TYPE + "footnotes+xml",
    "endnotes": WML_TYPE + "endnotes+xml",
    "comments": WML_TYPE + "comments+xml",
    "core": CORE_PROPERTIES_TYPE,
}
"""The content types of the parts the renderer may template."""


@functools.cache
def qn(name: str) -> str:
    """``"w:tbl"`` → ``"{http://…/wordprocessingml/2006/main}tbl"`` (Clark notation for lxml)."""
    prefix, _, local = name.partition(":")
    return f"{{{NSMAP[prefix]}}}{local}"
