"""One entry for every input: :func:`load` picks the reader by the file's suffix.

It stands above all the readers (none of them imports it), so the import graph shows every arrow.
"""

from __future__ import annotations

from pathlib import Path

from reportgen.domain.carry import Read, carry_over
from reportgen.domain.errors import InputError
from reportgen.domain.findings import Location
from reportgen.domain.model import Report
from reportgen.formats.excel.read import read_form
from reportgen.formats.inputs.mapping import FORMATS, read_path
from reportgen.formats.published.extract import PUBLISHED_SUFFIXES, extract

__all__ = ["load", "read"]


def load(path: str | Path, *, previous: Report | None = None) -> Report:
    """The report in the file at ``path``.

    ``previous`` (last year's report) fills a 上年结转 row left out of a YAML/JSON input (see
    :func:`reportgen.domain.carry.carry_over`); workbooks and published reports always state that row, so it is
    not used there.

    ``.yaml``/``.yml``/``.json`` are read by :func:`reportgen.loads`; ``.xlsx`` (the fill-in form) by
    :func:`reportgen.read_form`; ``.docx`` (a published report) by :func:`reportgen.extract`.

    :raises InputError: when the file is missing, of an unknown kind or invalid; ``findings`` lists every problem.
    """
    loaded = read(path)
    return carry_over(loaded.report, previous, loaded.omitted)


def read(path: str | Path) -> Read:
    """What the file at ``path`` holds: the report and the table rows the input left out (read once; see
    :func:`load`, which also carries last year over)."""
    file = Path(path)
    where = Location(file=str(file))
    if file.is_dir():
        raise InputError.single("IN-FILE", "这是一个文件夹，不是输入文件。", where)
    if not file.exists():
        raise InputError.single("IN-FILE", "文件不存在。", where)
    if not file.is_file():  # opening a named pipe blocks until someone writes to it; a device never ends
        raise InputError.single("IN-FILE", "这不是普通文件（命名管道、设备或套接字），不能作为输入文件读取。", where)
    suffix = file.suffix.lower()
    if suffix == ".xlsx":
        return Read(read_form(file))
    if suffix in PUBLISHED_SUFFIXES:  # a published report: .docx, web page, PDF, .doc/.wps/.odt/.rtf
        return Read(extract(file))
    if suffix in FORMATS:
        return read_path(file)
    raise InputError.single(
        "IN-SUFFIX",
        f"不认识的文件类型“{file.suffix or '（无后缀）'}”：输入文件应为 .yaml、.yml、.json、.xlsx（填报表）或已发布报告（.docx、.html、.pdf、.doc 等）。",
        where,
    )
