"""Page previews of a PDF: a PNG of every page, and a contact sheet of the pages holding table 三.

Pages are drawn by poppler's ``pdftoppm`` (Debian: poppler-utils); the contact sheet is made by laying
the pages side by side on one PDF page (pypdf) and drawing that page, so no image library is needed.
Everything is drawn into a temporary folder and renamed into place.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from reportgen.domain.errors import ConversionError
from reportgen.domain.findings import Location
from reportgen.domain.layout import ALL_LAYOUTS

__all__ = ["page_pngs", "table3_pages", "table3_sheet"]

_SPACE = re.compile(r"\s+")
_PAGE_NUMBER = re.compile(r"[—-]\d+[—-]")



@functools.cache
def _pypdf() -> Any:
    """pypdf, imported when a preview is made: it adds about 140 ms to ``import reportgen`` otherwise."""
    return importlib.import_module("pypdf")

def _pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if found is None:
        raise ConversionError("未找到 pdftoppm，无法生成页面预览图。请安装 poppler（Debian/Ubuntu：apt-get install "
                              "poppler-utils；Windows/macOS：poppler）(install poppler-utils)。", code="PREVIEW-NO-POPPLER")
    return found


def _draw(pdf: Path, prefix: Path, dpi: int, *pages: int, single: bool = False) -> None:
    command = [_pdftoppm(), "-png", "-r", str(dpi)]
    if pages:
        command += ["-f", str(pages[0]), "-l", str(pages[-1])]
    if single:
        command.append("-singlefile")
    done = subprocess.run([*command, str(pdf), str(prefix)], capture_output=True, check=False, timeout=300)
    if done.returncode != 0:
        raise ConversionError(f"pdftoppm 未能绘制 {pdf.name}：{done.stderr.decode('utf-8', 'replace').strip()[-300:]}",
                              code="PREVIEW-FAILED", location=Location(file=str(pdf)))


def page_pngs(pdf: str | os.PathLike[str], out_dir: str | os.PathLike[str] | None = None, *, dpi: int = 80
              ) -> list[Path]:
    """Draw every page of ``pdf`` as ``<out_dir>/<stem>-<page>.png`` (default: beside the PDF); the PNGs in page order."""
    source = Path(pdf)
    folder = Path(out_dir) if out_dir is not None else source.parent
    folder.mkdir(parents=True, exist_ok=True)
    count = len(_pypdf().PdfReader(str(source)).pages)
    width = len(str(count))
    with tempfile.TemporaryDirectory(prefix=".reportgen-png-", dir=folder) as work:
        _draw(source, Path(work) / "p", dpi)
        written = []
        for n in range(1, count + 1):
            target = folder / f"{source.stem}-{n:0{width}d}.png"
            os.replace(Path(work) / f"p-{n:0{width}d}.png", target)
            written.append(target)
    return written


def _squash(text: str) -> str:
    return _SPACE.sub("", text)


def table3_pages(pdf: str | os.PathLike[str]) -> list[int]:
    """The 1-based numbers of the pages that hold table 三 (from its heading to the heading of 四); empty if none."""
    starts = {_squash(t) for layout in ALL_LAYOUTS.values() for t in layout.section("table3").titles}
    ends = {_squash(t) for layout in ALL_LAYOUTS.values() for t in layout.section("table4").titles}
    texts = [_squash(page.extract_text() or "") for page in _pypdf().PdfReader(str(pdf)).pages]
    first = next((i for i, text in enumerate(texts) if any(s in text for s in starts)), None)
    if first is None:
        return []
    pages = [first + 1]
    for i in range(first, len(texts)):
        text = texts[i]
        end = min((text.find(e) for e in ends if e in text), default=-1)
        if end >= 0:
            before = _PAGE_NUMBER.sub("", text[:end])
            start = max((text.find(s) + len(s) for s in starts if s in text), default=0)
            # Table 三 goes on onto the page of 四's heading when table rows stand above that heading.
            if i > first and len(before[start:]) > 8:
                pages.append(i + 1)
            break
        if i > first:
            pages.append(i + 1)
    return pages


def table3_sheet(pdf: str | os.PathLike[str], target: str | os.PathLike[str] | None = None, *, dpi: int = 80
                 ) -> Path | None:
    """One PNG of the page(s) holding table 三 side by side (default ``<stem>-表三.png`` beside the PDF).

    Returns ``None`` when the PDF has no table 三.
    """
    source = Path(pdf)
    out = Path(target) if target is not None else source.with_name(f"{source.stem}-表三.png")
    pages = table3_pages(source)
    if not pages:
        return None
    reader = _pypdf().PdfReader(str(source))
    chosen = [reader.pages[n - 1] for n in pages]
    width = max(float(p.mediabox.width) for p in chosen)
    height = max(float(p.mediabox.height) for p in chosen)
    sheet = _pypdf().PageObject.create_blank_page(width=width * len(chosen), height=height)
    for i, page in enumerate(chosen):
        sheet.merge_transformed_page(page, _pypdf().Transformation().translate(tx=width * i, ty=0))
    writer = _pypdf().PdfWriter()
    writer.add_page(sheet)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".reportgen-png-", dir=out.parent) as work:
        tiled = Path(work) / "sheet.pdf"
        with tiled.open("wb") as fh:
            writer.write(fh)
        _draw(tiled, Path(work) / "sheet", dpi, single=True)
        os.replace(Path(work) / "sheet.png", out)
    return out
