"""Input discovery: what the main process knows about each township before a worker touches it.

A folder of input files (county workbooks among them expanded to one source per row), a county workbook,
one input file, or an iterable of files, reports and ``(name, report or InputError)`` pairs — always
lazily, in input order.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sized
from pathlib import Path
from typing import TypeAlias

from openpyxl import load_workbook

from reportgen.domain.errors import InputError
from reportgen.domain.model import Report
from reportgen.formats.excel import county as county_mod
from reportgen.pipelines.bulk.records import Source

__all__ = ["INPUT_SUFFIXES", "BulkInput", "Source", "county_rows", "estimate_total", "iter_inputs", "sources"]

INPUT_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")
"""Input files picked up from a folder (``.xlsx``: a filled single form, or a county workbook)."""

BulkInput: TypeAlias = "str | os.PathLike[str] | Report | tuple[str, Report | InputError]"
"""One item of an iterable given to :func:`reportgen.bulk`: an input file, a report, or ``(name, report or error)``."""


def _folder_files(folder: Path, outdir: Path | None) -> list[str]:
    """The input files directly in ``folder``, sorted by name, as path strings (a list of 38,602 Path objects
    cost the main process ~15 MB; each is made a Path only when its turn comes)."""
    out_resolved = outdir.resolve() if outdir is not None else None
    folder_is_out = out_resolved is not None and folder.resolve() == out_resolved
    files = []
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if name.startswith((".", "~$")) or os.path.splitext(name)[1].lower() not in INPUT_SUFFIXES:
                continue
            if not entry.is_file():
                continue
            if out_resolved is not None and (folder_is_out or entry.is_symlink()) \
                    and Path(entry.path).resolve().parent == out_resolved:
                continue  # never read our own outputs back as inputs
            files.append(entry.path)
    files.sort(key=os.path.normcase)  # as Path objects sort (case-insensitively on Windows)
    return files


def _county_sources(path: Path) -> Iterator[Source]:
    # Rows are streamed raw (read-only mode) and built into reports by the workers: the main process only
    # reads cell values, so it is not the bottleneck of a county of tens of thousands of townships.
    county = str(path)
    # One spelling of a county row everywhere: 数据!7:7 (the sheet row), as the readers' findings say.
    sheet = f"{path.name} {county_mod.DATA_SHEET}!"
    for i, item in enumerate(county_mod.stream_rows(path), start=1):
        if isinstance(item, county_mod.CountyEntry):
            name, result, row = item  # a 分别文字 township not in 数据: no 数据 row
            assert isinstance(result, InputError)
            cell = result.location.cell
            source = f"{sheet}{row}:{row}" if row else f"{path.name} #{i}"
            yield Source(name, source if row or not cell else f"{path.name} {cell}", error=result)
        else:
            r = item[0]
            yield Source(county_mod.row_township(path, item), f"{sheet}{r}:{r}", county=county, row=item)


def _path_sources(path: Path) -> Iterator[Source]:
    # A form is only named here (the worker reads it); a county workbook is told from its sheet names alone.
    if path.suffix.lower() == ".xlsx" and county_mod.is_county_workbook(path):
        try:
            yield from _county_sources(path)
        except InputError as exc:  # the workbook as a whole is unusable
            yield Source(path.name, str(path), error=exc)
    else:
        yield Source(path.stem, str(path), path=str(path))


def sources(inputs: str | os.PathLike[str] | Iterable[BulkInput], outdir: Path | None) -> Iterator[Source]:
    """The townships of ``inputs`` in input order (see the module docstring); files in ``outdir`` are skipped.

    Raises :class:`InputError` when ``inputs`` itself is a county workbook unusable as a whole.
    """
    if isinstance(inputs, (str, os.PathLike)):
        path = Path(inputs)
        if path.is_dir():
            for p in _folder_files(path, outdir):
                yield from _path_sources(Path(p))
        elif county_mod.is_county_workbook(path):
            yield from _county_sources(path)  # unusable as a whole: InputError for the whole run
        else:
            yield from _path_sources(path)
        return
    for item in inputs:
        if isinstance(item, Report):
            yield Source(item.organ.name, item.organ.name, report=item)
        elif isinstance(item, tuple):
            name, result = item
            if isinstance(result, Report):
                yield Source(name, name, report=result)
            else:
                yield Source(name, name, error=result)
        else:
            yield from _path_sources(Path(item))


def iter_inputs(
    inputs: str | os.PathLike[str] | Iterable[BulkInput], *, outdir: str | os.PathLike[str] | None = None
) -> Iterator[tuple[str, Report | InputError | Path]]:
    """The townships ``inputs`` stands for, lazily: ``(name, report, error or file to load)``.

    ``inputs``: a folder of input files (``.yaml``/``.yml``/``.json``/``.xlsx``, county workbooks
    expanded), a county workbook, a single input file, or an iterable of files, reports and
    ``(name, report or InputError)`` pairs.
    """
    for src in sources(inputs, Path(outdir) if outdir is not None else None):
        if src.row is not None and src.county is not None:
            yield src.name, county_mod.build_row(src.county, src.row).result
        else:
            yield src.name, src.report or src.error or Path(src.path or "")


def estimate_total(inputs: object, outdir: Path | None) -> int | None:
    """How many townships ``inputs`` holds, when that is cheap to know (for the progress bar); else ``None``.

    A folder counts one township per file, without opening any: telling a county workbook from a form means
    opening each .xlsx, and done here it would hold up the start of the run (≈ 8 s for 38,602 forms) instead of
    overlapping the workers. A county workbook in the folder is counted when its turn comes
    (:meth:`~reportgen.pipelines.bulk._run._Run.jobs` adds its rows: :func:`county_rows`)."""
    if isinstance(inputs, (str, os.PathLike)):
        path = Path(inputs)
        if path.is_dir():
            return len(_folder_files(path, outdir))
        if county_mod.is_county_workbook(path):
            return county_rows(path)
        return 1
    return len(inputs) if isinstance(inputs, Sized) else None


def county_rows(path: Path) -> int | None:
    """The data rows of the county workbook ``path`` as its sheet declares them (``None``: not known)."""
    try:
        wb = load_workbook(path, read_only=True)
        try:
            rows = wb[county_mod.DATA_SHEET].max_row
        finally:
            wb.close()
    except Exception:  # only an estimate: reading the rows reports what is wrong with the workbook
        return None
    return max(0, rows - county_mod.HEADER_ROWS) if rows else None
