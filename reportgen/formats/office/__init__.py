"""LibreOffice for reportgen: finding it, warm processes reused for many PDFs, fonts, page previews."""

from reportgen.formats.office.fonts import FONTS_CONF, FontSubstitution, pdf_fonts, substitutions
from reportgen.formats.office.locate import ENV_SOFFICE, find_soffice, require_soffice
from reportgen.formats.office.pool import DOCUMENT_TIMEOUT, PdfConverter, PdfPool, PdfResult, default_workers

__all__ = [
    "DOCUMENT_TIMEOUT",
    "ENV_SOFFICE",
    "FONTS_CONF",
    "FontSubstitution",
    "PdfConverter",
    "PdfPool",
    "PdfResult",
    "default_workers",
    "find_soffice",
    "pdf_fonts",
    "require_soffice",
    "substitutions",
]
