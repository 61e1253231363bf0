"""PDF conversion with LibreOffice (``soffice --headless --convert-to pdf``).

Each call runs LibreOffice with its own temporary user profile (``-env:UserInstallation``), so that
parallel conversions (bulk runs, test workers) do not fight over one profile and a user's open
LibreOffice is not disturbed.  The PDF is written into a hidden temporary folder inside ``outdir``
and moved into place, so a killed conversion leaves no half-written PDF.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from reportgen.domain.errors import ConversionError
from reportgen.domain.findings import Location

__all__ = ["DEFAULT_TIMEOUT", "convert_many_to_pdf", "convert_to_pdf", "find_soffice"]

DEFAULT_TIMEOUT = 180.0
"""Seconds for one LibreOffice run (its first start with a fresh profile takes a few seconds)."""


def find_soffice() -> str | None:
    """The LibreOffice executable, or ``None`` when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(
    path: str | os.PathLike[str], outdir: str | os.PathLike[str], *, timeout: float = DEFAULT_TIMEOUT
) -> Path:
    """Convert ``path`` (.docx, .xlsx, …) to ``outdir/<stem>.pdf`` and return the PDF's path."""
    return convert_many_to_pdf([path], outdir, timeout=timeout)[0]


def _run(command: list[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    """Run LibreOffice in its own process group, so a timeout ends soffice.bin too, not only its launcher."""
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def convert_many_to_pdf(
    paths: Sequence[str | os.PathLike[str]], outdir: str | os.PathLike[str], *, timeout: float = DEFAULT_TIMEOUT
) -> list[Path]:
    """Convert several documents in one LibreOffice run (much faster than one run each).

    Returns the PDF paths in the order of ``paths``.  Documents must have distinct stems.
    """
    sources = [Path(p) for p in paths]
    if not sources:
        return []
    for source in sources:
        if not source.is_file():
            raise ConversionError(f"要转换的文件不存在：{source}", code="CONVERT-MISSING",
                                  location=Location(file=str(source)))
    soffice = find_soffice()
    if soffice is None:
        raise ConversionError(
            "未找到 LibreOffice（soffice），无法转换为 PDF。请安装 LibreOffice"
            "（如 apt-get install libreoffice-writer-nogui，或从 libreoffice.org 下载）后重试。",
            code="CONVERT-NO-LIBREOFFICE",
        )
    target_dir = Path(outdir)
    target_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="reportgen-lo-") as profile, tempfile.TemporaryDirectory(
        prefix=".reportgen-pdf-", dir=target_dir
    ) as work:
        command = [
            soffice,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            work,
            *(str(s.resolve()) for s in sources),
        ]
        try:
            done = _run(command, timeout * len(sources))
        except subprocess.TimeoutExpired as exc:
            raise ConversionError(
                f"LibreOffice 转换 PDF 超时（{timeout * len(sources):.0f} 秒）：{', '.join(s.name for s in sources)}",
                code="CONVERT-TIMEOUT",
            ) from exc
        except OSError as exc:
            raise ConversionError(f"无法启动 LibreOffice（{soffice}）：{exc}", code="CONVERT-FAILED") from exc
        results: list[Path] = []
        for source in sources:
            produced = Path(work) / f"{source.stem}.pdf"
            if done.returncode != 0 or not produced.is_file():
                detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip()[-500:]
                raise ConversionError(
                    f"LibreOffice 未能把 {source.name} 转换为 PDF（退出码 {done.returncode}）"
                    + (f"：{detail}" if detail else ""),
                    code="CONVERT-FAILED",
                    location=Location(file=str(source)),
                )
            target = target_dir / produced.name
            os.replace(produced, target)
            results.append(target)
        return results
