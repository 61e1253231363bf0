"""The township list of bulk-form, as Windows offices save it: any encoding, .xlsx, headers, serials."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from reportgen.domain.errors import InputError
from reportgen.formats.inputs.townships import read_township_list

LINES = ["乡镇名称\t机关全称", "金岭镇\t招远市金岭镇人民政府", "\t梦芝街道", "", "辛庄镇"]
EXPECTED = [("金岭镇", "招远市金岭镇人民政府"), ("梦芝街道", ""), ("辛庄镇", "")]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-le"])
def test_text_list_in_every_windows_encoding(tmp_path: Path, encoding: str) -> None:
    """Notepad/Excel saves (UTF-8 with or without BOM, GBK, UTF-16 with or without BOM) read the same;
    the header line is skipped and a line starting with a tab is kept, not dropped."""
    path = tmp_path / "名单.txt"
    path.write_bytes("\r\n".join(LINES).encode(encoding))
    assert [(e.name, e.organ) for e in read_township_list(path)] == EXPECTED


def test_xlsx_list_with_serial_numbers(tmp_path: Path) -> None:
    """A list kept in Excel (序号, 名称, 全称 columns, a header row) reads the same as the text list."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["序号", "乡镇名称", "机关全称"])
    ws.append([1, "金岭镇", "招远市金岭镇人民政府"])
    ws.append([2, "梦芝街道", None])
    ws.append([None, None, None])
    ws.append([3, "辛庄镇"])
    path = tmp_path / "名单.xlsx"
    wb.save(path)
    entries = read_township_list(path)
    assert [(e.name, e.organ) for e in entries] == EXPECTED
    assert [e.line for e in entries] == [2, 3, 5]


def test_duplicates_name_every_line(tmp_path: Path) -> None:
    """A name listed twice is IN-TOWNSHIP-DUPLICATE naming both lines."""
    path = tmp_path / "名单.txt"
    path.write_text("金岭镇\n辛庄镇\n金岭镇\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_township_list(path)
    assert info.value.code == "IN-TOWNSHIP-DUPLICATE"
    assert "第 1、3 行" in info.value.findings[0].message


@pytest.mark.parametrize("content", [b"", b"\n\n", "乡镇名称\n".encode()])
def test_empty_list_is_refused(tmp_path: Path, content: bytes) -> None:
    """A list with no township (blank, or a header only) is IN-TOWNSHIP-EMPTY."""
    path = tmp_path / "名单.txt"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_township_list(path)
    assert info.value.code == "IN-TOWNSHIP-EMPTY"


def test_binary_garbage_is_an_encoding_error(tmp_path: Path) -> None:
    """Bytes that are no text in any accepted encoding are IN-ENCODING with the file named."""
    path = tmp_path / "名单.txt"
    path.write_bytes(b"\xff\xfe\xfd\x81\x30" * 3 + b"\x80\x80")
    with pytest.raises(InputError) as info:
        read_township_list(path)
    assert info.value.code in {"IN-ENCODING"}
    assert info.value.location.file == str(path)


def test_not_a_workbook(tmp_path: Path) -> None:
    """A .xlsx that is not a workbook is IN-XLSX-OPEN, not a traceback."""
    path = tmp_path / "名单.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(InputError) as info:
        read_township_list(path)
    assert info.value.code == "IN-XLSX-OPEN"
