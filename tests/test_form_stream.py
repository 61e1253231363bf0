"""The form's cells read straight from the sheet XML (formats/excel/_cells.py): the same cells as openpyxl's
read-only reading, on generated sheets of every cell kind, on forms saved by LibreOffice, openpyxl and writers
that omit ``r=`` — and the same reports."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportgen.domain.errors import InputError
from reportgen.formats._archive import open_package
from reportgen.formats.excel import _cells
from reportgen.formats.excel.county import is_county_workbook
from reportgen.formats.excel.read import read_form
from reportgen.formats.excel.write import render_xlsx
from reportgen.formats.load import load

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "zhaoyuan-jinling-2022.yaml"
LIBREOFFICE_FORM = ROOT / "tests" / "data" / "forms" / "jinling-libreoffice.xlsx"
"""``examples/zhaoyuan-jinling-2022.yaml`` rendered by render_xlsx, then saved by LibreOffice 7.4
(``soffice --headless --convert-to xlsx``): shared strings, formulas with cached results, ``t="str"`` cells."""

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


# ---------------------------------------------------------------------------------------------
# openpyxl as the reference


def openpyxl_cells(path: Path) -> list[tuple[str, dict[tuple[int, int], tuple[Any, Any, str]]]]:
    """Each sheet's cells as the form reader used to read them: openpyxl's read-only values (data_only) and
    formulas, every row read whatever <dimension> says, cells kept when they hold something or a format."""
    values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    out = []
    for ws_v, ws_f in zip(values.worksheets, formulas.worksheets, strict=True):
        cells: dict[tuple[int, int], list[Any]] = {}
        ws_v.reset_dimensions()
        ws_f.reset_dimensions()
        for row in ws_v.iter_rows():
            for c in row:
                if getattr(c, "row", None) is not None and (c.value is not None or c.number_format != "General"):
                    cells[(c.row, c.column)] = [c.value, None, c.number_format]
        for row in ws_f.iter_rows():
            for c in row:
                if getattr(c, "row", None) is not None and c.data_type == "f":
                    cells.setdefault((c.row, c.column), [None, None, c.number_format])[1] = c.value
        out.append((ws_v.title, {pos: (v, f, fmt) for pos, (v, f, fmt) in cells.items()}))
    values.close()
    formulas.close()
    return out


def stream_cells(path: Path) -> list[tuple[str, dict[tuple[int, int], tuple[Any, Any, str]]]]:
    with open_package(path) as package:
        return [(s.title, dict(s.cells)) for s in _cells.read_book(package).sheets]


@pytest.fixture
def plain_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if a sheet needs the XML parser (the common writers must stay on the fast path)."""
    def refuse(*args: object) -> Any:
        raise AssertionError("sheet read by the XML parser")

    monkeypatch.setattr(_cells._Sheet, "_parsed", refuse)


# ---------------------------------------------------------------------------------------------
# Generated sheets: every kind of cell, as Excel, WPS and LibreOffice write them

_TEXT = st.text(st.sampled_from(list("ab 某镇　（一）\n\r\t&<>\"'1.-")), max_size=12)
_STYLES = ("General", "0.00", "yyyy-mm-dd", "0", "@", "[h]:mm:ss")


@st.composite
def _cell(draw: st.DrawFn) -> tuple[str, str, list[str]]:
    """``(t attribute, inner XML, shared strings it needs)`` of one cell."""
    kind = draw(st.sampled_from(["n", "s", "inline", "b", "e", "str", "formula", "formula-uncached", "empty", "d"]))
    if kind == "n":
        number = draw(st.one_of(st.integers(-10**6, 10**6), st.floats(-1e6, 1e6, allow_nan=False).map(repr)))
        return "", f"<v>{number}</v>", []
    if kind == "s":
        text = draw(_TEXT)
        return ' t="s"', "<v>{s}</v>", [text]
    if kind == "inline":
        return ' t="inlineStr"', f'<is><t xml:space="preserve">{escape(draw(_TEXT))}</t></is>', []
    if kind == "b":
        return ' t="b"', f"<v>{draw(st.sampled_from(['0', '1']))}</v>", []
    if kind == "e":
        return ' t="e"', f"<v>{draw(st.sampled_from(['#DIV/0!', '#N/A', '#VALUE!']))}</v>", []
    if kind == "str":
        return ' t="str"', f"<f>A1&amp;\"x\"</f><v>{escape(draw(_TEXT))}</v>", []
    if kind == "formula":
        return "", f"<f>SUM(A1:A{draw(st.integers(1, 9))})</f><v>{draw(st.integers(0, 99))}</v>", []
    if kind == "formula-uncached":
        return "", "<f>1+1</f>", []
    if kind == "d":
        return ' t="d"', "<v>2023-01-18T00:00:00</v>", []
    return "", "", []


@st.composite
def _sheet(draw: st.DrawFn) -> tuple[str, list[str]]:
    """The XML of a worksheet (rows in order, cells left to right, some omitted) and its shared strings."""
    strings: list[str] = []
    rows = []
    for r in sorted(draw(st.sets(st.integers(1, 12), max_size=6))):
        cells = []
        for c in sorted(draw(st.sets(st.integers(1, 8), min_size=1, max_size=5))):
            kind, inner, needed = draw(_cell())
            if needed:
                inner = inner.format(s=len(strings))
                strings.extend(needed)
            style = draw(st.integers(0, len(_STYLES) - 1))
            s = f' s="{style}"' if style else ""
            ref = f"{openpyxl.utils.get_column_letter(c)}{r}"
            cells.append(f'<c r="{ref}"{s}{kind}>{inner}</c>' if inner else f'<c r="{ref}"{s}{kind}/>')
        rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    merge = '<mergeCells count="1"><mergeCell ref="A1:B2"/></mergeCells>' if draw(st.booleans()) else ""
    return f'<worksheet xmlns="{MAIN}"><sheetData>{"".join(rows)}</sheetData>{merge}</worksheet>', strings


def _package(sheets: list[str], strings: list[str]) -> bytes:
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    fmts = "".join(f'<numFmt numFmtId="{164 + i}" formatCode="{escape(f)}"/>' for i, f in enumerate(_STYLES[1:]))
    xfs = '<xf numFmtId="0"/>' + "".join(f'<xf numFmtId="{164 + i}" applyNumberFormat="1"/>' for i in range(len(_STYLES) - 1))
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        + "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/vnd.openxmlformats-'
                  'officedocument.spreadsheetml.worksheet+xml"/>' for i in range(len(sheets)))
        + '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sharedStrings+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{rel}"><sheets>'
        + "".join(f'<sheet name="S{i + 1}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i in range(len(sheets)))
        + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(f'<Relationship Id="rId{i + 1}" Type="{rel}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                  for i in range(len(sheets)))
        + f'<Relationship Id="rId90" Type="{rel}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId91" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        "xl/styles.xml": f'<styleSheet xmlns="{MAIN}"><numFmts count="{len(_STYLES) - 1}">{fmts}</numFmts>'
        f'<cellXfs count="{len(_STYLES)}">{xfs}</cellXfs></styleSheet>',
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}">'
        + "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings) + "</sst>",
    }
    parts.update({f"xl/worksheets/sheet{i + 1}.xml": xml for i, xml in enumerate(sheets)})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return out.getvalue()


def _without_refs(xml: str, rows: bool) -> str:
    """The sheet as WPS and some writers save it: cells (and rows) without ``r=``, placed by position."""
    xml = re.sub(r'(<c) r="[A-Z]+\d+"', r"\1", xml)
    return re.sub(r'(<row) r="\d+"', r"\1", xml) if rows else xml


def _shift_strings(xml: str, offset: int) -> str:
    """A sheet's shared-string indices moved past the strings of the sheets before it."""
    def shift(m: re.Match[str]) -> str:
        return f'<c {m.group(1)}t="s"><v>{int(m.group(2)) + offset}</v>'

    return re.sub(r'<c ([^>]*)t="s"><v>(\d+)</v>', shift, xml)


@st.composite
def _workbook(draw: st.DrawFn) -> bytes:
    strings: list[str] = []
    sheets = []
    for _ in range(draw(st.integers(1, 2))):
        xml, needed = draw(_sheet())
        xml = _shift_strings(xml, len(strings))
        strings.extend(needed)
        variant = draw(st.sampled_from(["plain", "no-cell-refs", "no-refs", "spaced"]))
        if variant == "no-cell-refs":
            xml = _without_refs(xml, rows=False)
        elif variant == "no-refs":
            xml = _without_refs(xml, rows=True)
        elif variant == "spaced":
            xml = xml.replace("<row", "\n  <row").replace("<c ", "\n    <c ")
        sheets.append(xml)
    return _package(sheets, strings)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_workbook())
def test_generated_sheets_read_as_openpyxl_reads_them(data: bytes, tmp_path: Path) -> None:
    """Numbers, dates by format, shared and inline strings, booleans, errors, formulas with and without a cached
    value, cells and rows without r=: the stream reader's cells are openpyxl's, cell for cell."""
    path = tmp_path / "generated.xlsx"
    path.write_bytes(data)
    assert stream_cells(path) == openpyxl_cells(path)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_workbook())
def test_both_paths_read_the_same_cells(data: bytes, tmp_path: Path) -> None:
    """The regular-expression path and the XML-parser path agree on every sheet the first one accepts."""
    path = tmp_path / "generated.xlsx"
    path.write_bytes(data)
    fast = stream_cells(path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_cells._Sheet, "_plain", lambda *a: (_ for _ in ()).throw(_cells._NotPlain()))
        parsed = stream_cells(path)
    assert fast == parsed


# ---------------------------------------------------------------------------------------------
# Real forms: rendered, saved by LibreOffice, re-saved by openpyxl, written without r=


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_xlsx(load(EXAMPLE), tmp_path_factory.mktemp("form") / "jinling.xlsx")


def test_rendered_form_cells_are_openpyxls(rendered: Path, plain_only: None) -> None:
    """A form written by render_xlsx is read on the fast path, to the same cells as openpyxl's."""
    assert stream_cells(rendered) == openpyxl_cells(rendered)


def test_libreoffice_saved_form_reads_as_the_original(rendered: Path, plain_only: None) -> None:
    """The same form saved by LibreOffice (shared strings, cached formula results, t="str") reads to the same
    report, on the fast path, and its cells are openpyxl's."""
    assert repr(read_form(LIBREOFFICE_FORM)) == repr(read_form(rendered))
    assert stream_cells(LIBREOFFICE_FORM) == openpyxl_cells(LIBREOFFICE_FORM)


def test_openpyxl_resaved_form_reads_as_the_original(rendered: Path, tmp_path: Path, plain_only: None) -> None:
    """Re-saved by openpyxl (shared strings, its own styles): the same report."""
    wb = openpyxl.load_workbook(rendered)
    wb.save(tmp_path / "resaved.xlsx")
    assert repr(read_form(tmp_path / "resaved.xlsx")) == repr(read_form(rendered))


def _rewritten(source: Path, target: Path, change: Callable[[str, bytes], bytes]) -> Path:
    """``source`` written to ``target`` with every member passed through ``change(name, body)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, change(name, src.read(name)))
    target.write_bytes(out.getvalue())
    return target


@pytest.mark.parametrize("rows", [False, True], ids=["cells", "cells-and-rows"])
def test_form_without_cell_references_reads_by_position(rendered: Path, tmp_path: Path, rows: bool) -> None:
    """WPS-style sheets without r= attributes: cells placed by position, the same report."""
    path = _rewritten(rendered, tmp_path / "norefs.xlsx", lambda name, body: _without_refs(
        body.decode("utf-8"), rows).encode("utf-8") if name.startswith("xl/worksheets/") else body)
    assert repr(read_form(path)) == repr(read_form(rendered))
    assert stream_cells(path) == openpyxl_cells(path)


@pytest.mark.parametrize("form", ["rendered", "libreoffice"])
def test_parsed_path_reads_the_same_form(rendered: Path, form: str) -> None:
    """Every sheet of a real form through the XML parser: the same report as on the fast path."""
    path = rendered if form == "rendered" else LIBREOFFICE_FORM
    fast = repr(read_form(path))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_cells._Sheet, "_plain", lambda *a: (_ for _ in ()).throw(_cells._NotPlain()))
        assert repr(read_form(path)) == fast


def test_damaged_sheet_xml_is_located(rendered: Path, tmp_path: Path) -> None:
    """A sheet whose XML is broken inside its rows is IN-XML-CORRUPT naming the part, line and column (the fast
    path hands it to the parser, which finds the damage)."""
    path = _rewritten(rendered, tmp_path / "broken.xlsx", lambda name, body: body.replace(b"</c>", b"</x>", 1)
                      if name == "xl/worksheets/sheet3.xml" else body)
    with pytest.raises(InputError) as info:
        read_form(path)
    assert info.value.code == "IN-XML-CORRUPT"
    assert "xl/worksheets/sheet3.xml" in str(info.value)
    assert "列" in str(info.value)


def test_unknown_entity_in_a_cell_is_refused(rendered: Path, tmp_path: Path) -> None:
    """Text the regular expression would take but XML does not (a bare &) is refused, never read."""
    path = _rewritten(rendered, tmp_path / "entity.xlsx", lambda name, body: body.replace(b"<t>", b"<t>&nbsp;", 1)
                      if name == "xl/worksheets/sheet1.xml" else body)
    with pytest.raises(InputError) as info:
        read_form(path)
    assert info.value.code == "IN-XML-CORRUPT"


def test_dates_follow_the_workbook_epoch(tmp_path: Path) -> None:
    """A 1904-dated workbook (old Mac Excel) reads its date serials from 1904, as openpyxl does."""
    wb = openpyxl.Workbook()
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    ws = wb.active
    ws["A1"] = dt.datetime(2023, 1, 18)
    ws["A1"].number_format = "yyyy-mm-dd"
    wb.save(tmp_path / "mac.xlsx")
    cells = stream_cells(tmp_path / "mac.xlsx")
    assert cells == openpyxl_cells(tmp_path / "mac.xlsx")
    assert cells[0][1][(1, 1)][0] == dt.datetime(2023, 1, 18)


# ---------------------------------------------------------------------------------------------
# Discovery: a county workbook told from its sheet names alone


def test_county_workbook_told_from_sheet_names(rendered: Path, tmp_path: Path) -> None:
    """The example county workbook is one, a form is not, nor a damaged file or a non-zip."""
    assert is_county_workbook(ROOT / "examples" / "zhaoyuan-county-2022.xlsx")
    assert not is_county_workbook(rendered)
    (tmp_path / "junk.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    assert not is_county_workbook(tmp_path / "junk.xlsx")
    assert not is_county_workbook(tmp_path / "missing.xlsx")


def _escaped(body: bytes) -> bytes:
    """Every non-ASCII character of an XML part written as a character reference (valid XML, the same names)."""
    return body.decode("utf-8").encode("ascii", "xmlcharrefreplace")


def _utf16(body: bytes) -> bytes:
    text = body.decode("utf-8")
    if text.startswith("<?xml"):
        text = text[text.index("?>") + 2:]
    return '<?xml version="1.0" encoding="UTF-16"?>'.encode("utf-16") + text.encode("utf-16")[2:]


@pytest.mark.parametrize("spelling", [_escaped, _utf16], ids=["character-references", "utf-16"])
def test_county_workbook_told_whatever_workbook_xml_spells_its_names(tmp_path: Path, spelling: Callable[[bytes], bytes]) -> None:
    """A county workbook is told from its sheet names as XML says them: written as character references or in
    UTF-16 (no byte search would find them), and a form stays a form written either way."""
    example = ROOT / "examples" / "zhaoyuan-county-2022.xlsx"
    respelled = _rewritten(example, tmp_path / "county.xlsx",
                           lambda name, body: spelling(body) if name == "xl/workbook.xml" else body)
    assert is_county_workbook(respelled)
    sheets = ["基本信息", "数据"]
    with zipfile.ZipFile(respelled) as package:
        book = package.read("xl/workbook.xml")
    assert not any(title.encode("utf-8") in book for title in sheets)
    form = _rewritten(example, tmp_path / "form.xlsx", lambda name, body: spelling(body.replace(
        "数据".encode(), "资料".encode())) if name == "xl/workbook.xml" else body)
    assert not is_county_workbook(form)
