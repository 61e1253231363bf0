"""PDF conversion with LibreOffice: the public entry points.

:func:`convert_many_to_pdf` converts through warm LibreOffice processes (started once, reused for
every document, see :mod:`reportgen.formats.office.pool`), each with its own temporary user profile so
that parallel conversions do not fight over one profile and a user's open LibreOffice is not disturbed.
Every PDF is written under a temporary name and renamed into place, so a killed conversion leaves no
half-written PDF.  Fonts: :mod:`reportgen.formats.office.fonts`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from reportgen.domain.errors import ConversionError
from reportgen.domain.findings import Location
from reportgen.formats.office.fonts import substitutions
from reportgen.formats.office.locate import find_soffice, find_uno_python, require_soffice
from reportgen.formats.office.pool import (
    DOCUMENT_TIMEOUT,
    PdfPool,
    PdfResult,
    cold_convert,
    default_workers,
)

__all__ = ["DEFAULT_TIMEOUT", "convert_many", "convert_many_to_pdf", "convert_to_pdf", "find_soffice"]

DEFAULT_TIMEOUT = DOCUMENT_TIMEOUT
"""Seconds one document may take before LibreOffice is restarted and the document tried once more."""


def convert_to_pdf(
    path: str | os.PathLike[str], outdir: str | os.PathLike[str], *, timeout: float = DEFAULT_TIMEOUT,
    soffice: str | os.PathLike[str] | None = None,
) -> Path:
    """Convert ``path`` (.docx, .xlsx, …) to ``outdir/<stem>.pdf`` and return the PDF's path."""
    return convert_many_to_pdf([path], outdir, timeout=timeout, workers=1, soffice=soffice)[0]


def convert_many(
    paths: Sequence[str | os.PathLike[str]], outdir: str | os.PathLike[str], *, timeout: float = DEFAULT_TIMEOUT,
    workers: int | None = None, soffice: str | os.PathLike[str] | None = None,
) -> list[PdfResult | ConversionError]:
    """Convert every document; for each, in order, its :class:`PdfResult` or the :class:`ConversionError` it ended in.

    One failing document does not stop the others.  ``workers`` warm LibreOffice processes are
    started (default: one per core, at most one per document).
    """
    sources = [Path(p) for p in paths]
    if not sources:
        return []
    missing = next((s for s in sources if not s.is_file()), None)
    if missing is not None:
        raise ConversionError(f"要转换的文件不存在：{missing}", code="CONVERT-MISSING",
                              location=Location(file=str(missing)))
    exe = require_soffice(soffice)
    target_dir = Path(outdir)
    target_dir.mkdir(parents=True, exist_ok=True)
    if find_uno_python(exe) is None:
        return _cold_batch(exe, sources, target_dir, timeout)
    with PdfPool(workers or default_workers(len(sources)), soffice=exe, timeout=timeout) as pool:
        return pool.convert_all(sources, target_dir)


def convert_many_to_pdf(
    paths: Sequence[str | os.PathLike[str]], outdir: str | os.PathLike[str], *, timeout: float = DEFAULT_TIMEOUT,
    workers: int | None = None, soffice: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """Convert several documents through warm LibreOffice processes (much faster than one run each).

    Returns the PDF paths in the order of ``paths``.  Documents must have distinct stems.  Every
    document is tried (a crashed or hung LibreOffice is restarted and the document retried once);
    then the first failure, if any, is raised as :class:`ConversionError`.
    """
    results = convert_many(paths, outdir, timeout=timeout, workers=workers, soffice=soffice)
    for result in results:
        if isinstance(result, ConversionError):
            raise result
    return [r.pdf for r in results if isinstance(r, PdfResult)]


def _cold_batch(soffice: str, sources: list[Path], target_dir: Path, timeout: float
                ) -> list[PdfResult | ConversionError]:
    """No UNO-capable Python: all documents in one cold ``soffice --convert-to`` run (still atomic)."""
    with tempfile.TemporaryDirectory(prefix=".reportgen-pdf-", dir=target_dir) as work:
        cold_convert(soffice, sources, Path(work), timeout * len(sources) + 60)
        results: list[PdfResult | ConversionError] = []
        for source in sources:
            target = target_dir / f"{source.stem}.pdf"
            os.replace(Path(work) / target.name, target)
            results.append(PdfResult(source=source, pdf=target, substituted=tuple(substitutions(target))))
        return results
