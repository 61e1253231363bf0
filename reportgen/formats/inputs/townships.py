"""The township list of ``reportgen bulk-form``: a text file or a workbook, as offices really save it.

A list saved by Notepad or Excel on Windows is GBK/GB18030 or UTF-16 as often as UTF-8, and a list kept in
Excel is an .xlsx. Each line (or row) is a township name, optionally followed by its full organ name (after
a tab in text, in the next column of a workbook); a leading serial number (序号) and a header line such as
``乡镇名称`` are recognised and skipped, so the office can paste the list it already has.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import attrs
from openpyxl import load_workbook

from reportgen.domain import limits
from reportgen.domain.errors import InputError, ReportgenError
from reportgen.domain.findings import Finding, Location, Severity
from reportgen.formats._archive import check_package

__all__ = ["MAX_TOWNSHIPS", "TownshipEntry", "read_township_list"]

MAX_TOWNSHIPS = 100_000
"""More lines than any county has townships: a longer list is refused rather than read into memory."""

_HEADER_WORDS = frozenset(
    {
        "乡镇", "乡镇名称", "乡镇（街道）", "乡镇(街道)", "乡镇（街道）名称", "乡镇(街道)名称", "街道", "名称",
        "单位", "单位名称", "机关", "机关名称", "机关全称", "全称", "name", "township",
    }
)
_SERIAL_HEADERS = frozenset({"序号", "编号", "No.", "No", "no"})
_SERIAL = re.compile(r"^\d{1,6}[.、]?$")


@attrs.frozen(kw_only=True)
class TownshipEntry:
    """One township of the list: its short name, its full organ name (may be empty) and where it stood."""

    name: str
    organ: str = ""
    line: int
    """The line (text) or row (workbook) number, from 1."""


def _decode(data: bytes, file: str) -> str:
    """The text of a list saved in any encoding a Windows office uses (BOM first, then UTF-8, then GB18030)."""
    boms = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
    candidates = [(encoding, data[len(bom):]) for bom, encoding in boms if data.startswith(bom)][:1]
    if not candidates and b"\x00" in data:  # neither UTF-8 text nor GBK holds a NUL: UTF-16 without a BOM
        odd_zeros, even_zeros = data[1::2].count(0), data[0::2].count(0)
        candidates = [("utf-16-le" if odd_zeros >= even_zeros else "utf-16-be", data)]
    if not candidates:
        candidates = [("utf-8", data), ("gb18030", data)]
    for encoding, body in candidates:
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError.single(
        "IN-ENCODING",
        "名单的编码无法识别：请另存为 UTF-8 或 GBK（ANSI）文本，或使用 .xlsx 工作簿。",
        Location(file=file),
    )


def _text_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        yield number, line.lstrip(" \t\u3000").split("\t")


def _sheet_rows(path: Path, file: str) -> Iterator[tuple[int, list[str]]]:
    check_package(path, file=file, part_limit=limits.MAX_STREAMED_PART_BYTES, not_zip_code="IN-XLSX-OPEN")  # the sheet is streamed
    try:
        yield from _workbook_rows(path, file)
    except ReportgenError:
        raise
    except Exception as exc:  # the one wrapper of this reader: openpyxl, zlib, lxml on a damaged workbook
        raise InputError.single("IN-XLSX-OPEN", f"名单工作簿已损坏，读取时出错（{type(exc).__name__}）。",
                                Location(file=file)) from None


def _workbook_rows(path: Path, file: str) -> Iterator[tuple[int, list[str]]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise InputError.single(
            "IN-XLSX-OPEN", f"无法作为 Excel 工作簿打开（{type(exc).__name__}）：名单应为文本文件或 .xlsx。",
            Location(file=file),
        ) from None
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = ["" if v is None else str(v).strip() for v in values]
            while cells and not cells[0]:  # an empty first column is indentation, as a leading tab is
                cells.pop(0)
            yield number, cells
    finally:
        workbook.close()


def _entries(rows: Iterator[tuple[int, Sequence[str]]], file: str) -> list[TownshipEntry]:
    entries: list[TownshipEntry] = []
    for number, raw in rows:
        fields = [f.strip() for f in raw]
        serial = bool(fields) and (_SERIAL.match(fields[0]) is not None or fields[0] in _SERIAL_HEADERS)
        if serial and any(fields[1:]):
            fields = fields[1:]  # a 序号 column
        fields = [f for f in fields if f] if fields and not fields[0] else fields
        if not fields or not fields[0]:
            continue  # blank line
        name, organ = fields[0], (fields[1] if len(fields) > 1 else "")
        if not entries and (name.lower() in _HEADER_WORDS or name.replace(" ", "") in _HEADER_WORDS):
            continue  # the header line
        entries.append(TownshipEntry(name=name, organ=organ, line=number))
        if len(entries) > MAX_TOWNSHIPS:
            raise InputError.single(
                "IN-TOO-MANY", f"名单超过 {MAX_TOWNSHIPS} 行，不像乡镇（街道）名单。", Location(file=file)
            )
    return entries


def read_township_list(path: str | Path) -> tuple[TownshipEntry, ...]:
    """The townships listed in ``path`` (.txt/.csv/.tsv in any Windows encoding, or .xlsx), in order.

    :raises InputError: ``IN-FILE`` (cannot read), ``IN-ENCODING``, ``IN-XLSX-OPEN``, ``IN-TOWNSHIP-EMPTY``
        (no township), ``IN-TOWNSHIP-DUPLICATE`` (a name twice; each finding names the lines).
    """
    file = Path(path)
    where = str(file)
    if file.suffix.lower() in (".xlsx", ".xlsm"):
        entries = _entries(_sheet_rows(file, where), where)
    else:
        try:
            with file.open("rb") as stream:
                data = stream.read(limits.MAX_INPUT_BYTES + 1)
            if len(data) > limits.MAX_INPUT_BYTES:
                raise InputError.single("IN-TOO-LARGE", f"名单文件超过 {limits.MAX_INPUT_BYTES // (1024 * 1024)} MB 的上限。",
                                        Location(file=where))
        except OSError as exc:
            raise InputError.single("IN-FILE", f"无法读取名单文件：{exc.strerror or exc}。", Location(file=where)) from None
        entries = _entries(_text_rows(_decode(data, where)), where)
    if not entries:
        raise InputError.single(
            "IN-TOWNSHIP-EMPTY", "名单中没有乡镇（街道）：每行写一个乡镇（街道）名称。", Location(file=where)
        )
    lines: dict[str, list[int]] = {}
    for entry in entries:
        lines.setdefault(entry.name, []).append(entry.line)
    duplicates = [
        Finding(
            code="IN-TOWNSHIP-DUPLICATE",
            severity=Severity.ERROR,
            message=f"名单中“{name}”出现了多次（第 {'、'.join(map(str, numbers))} 行）：每个乡镇（街道）只能写一次。",
            location=Location(file=where, organ=name, cell=f"第{numbers[1]}行"),
        )
        for name, numbers in lines.items()
        if len(numbers) > 1
    ]
    if duplicates:
        raise InputError(
            "名单中有重复的乡镇（街道）。", code="IN-TOWNSHIP-DUPLICATE", location=Location(file=where),
            findings=duplicates,
        )
    return tuple(entries)
