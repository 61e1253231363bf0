"""Read .doc/.wps/.odt/.rtf by converting them to .docx with LibreOffice, then as a .docx.

The conversion runs ``soffice --headless --convert-to docx`` with a private profile in a temporary
folder (parallel audits do not share a profile); the .docx is read by :func:`~.docx.read_docx` and
deleted.  Without LibreOffice the error names what to install.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
from pathlib import Path

from reportgen.domain import limits
from reportgen.domain.errors import ExtractError, ReportgenError
from reportgen.domain.findings import Location
from reportgen.formats.office.locate import find_soffice
from reportgen.formats.office.sessions import session_ended, session_started
from reportgen.formats.published.document import Document
from reportgen.formats.published.docx import read_docx

__all__ = ["OFFICE_SUFFIXES", "ConversionFailed", "NoLibreOffice", "read_office"]

OFFICE_SUFFIXES = (".doc", ".wps", ".odt", ".rtf", ".docm", ".dot", ".dotx", ".wpt")
CONVERT_TIMEOUT = 120.0


class NoLibreOffice(Exception):
    """LibreOffice (soffice) is not installed."""


class ConversionFailed(Exception):
    """LibreOffice ran but produced no .docx."""


def to_docx(path: Path, outdir: Path, *, timeout: float = CONVERT_TIMEOUT) -> Path:
    """Convert ``path`` to ``outdir/<stem>.docx`` with LibreOffice and return the .docx."""
    soffice = find_soffice()
    if soffice is None:
        raise NoLibreOffice(path.name)
    with tempfile.TemporaryDirectory(prefix="reportgen-lo-") as profile:
        command = [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                   "--nolockcheck", "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(outdir),
                   str(path.resolve())]
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True) as proc:
            session_started(proc.pid)
            try:
                _, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired as exc:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
                raise ConversionFailed(f"LibreOffice 转换超时（{timeout:.0f} 秒）") from exc
            finally:
                session_ended(proc.pid)
    produced = outdir / f"{path.stem}.docx"
    if not produced.is_file():
        raise ConversionFailed(err.decode("utf-8", "replace").strip()[-300:] or f"退出码 {proc.returncode}")
    return produced


def read_office(path: Path) -> Document:
    """The document at ``path`` (.doc, .wps, .odt, .rtf …), read through a LibreOffice conversion to .docx.

    The input is held to :data:`~reportgen.domain.limits.MAX_INPUT_BYTES` before LibreOffice sees it; an
    error reading the converted .docx names ``path``, not the temporary file.
    """
    file = str(path)
    size = path.stat().st_size
    if size > limits.MAX_INPUT_BYTES:
        raise ExtractError.single("IN-TOO-LARGE", f"文件有 {size // (1024 * 1024)} MB，超过 "
                                  f"{limits.MAX_INPUT_BYTES // (1024 * 1024)} MB 的上限。", Location(file=file))
    with tempfile.TemporaryDirectory(prefix="reportgen-doc-") as work:
        try:
            document = read_docx(to_docx(path, Path(work)))
        except ReportgenError as exc:
            raise ExtractError.single(exc.code, f"转换后的文档无法读取：{exc.message}", Location(file=file)) from None
    return Document(blocks=document.blocks, header=document.header, file_name=path.name, form="office")
