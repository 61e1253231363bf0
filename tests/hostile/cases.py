"""The hostile corpus: each case builds one file (or folder) in a temporary folder and names the reader it
attacks and the codes that may answer it. ``OK`` means the input must be read (a limit must not refuse it).

Groups: yaml (YAML/JSON inputs), form (fill-in .xlsx), county (county workbook), township (bulk-form list),
docx / html / pdf (published reports for extract/audit), template (custom Word templates).
"""

from __future__ import annotations

import functools
import io
import re
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import attrs
from openpyxl import load_workbook

from reportgen import load, render_xlsx
from tests.hostile import zips

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_YAML = ROOT / "examples" / "zhaoyuan-jinling-2022.yaml"
EXAMPLE_COUNTY = ROOT / "examples" / "zhaoyuan-county-2022.xlsx"
PUBLISHED = ROOT / "tests" / "data" / "published"
OK = frozenset({"OK"})
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

ZIP_CODES = frozenset({"IN-ZIP-BOMB", "IN-ZIP-CORRUPT", "IN-ZIP-PART", "IN-ZIP-UNSUPPORTED", "IN-XML-DTD", "IN-XML-CORRUPT"})
FORM_CODES = ZIP_CODES | {"IN-XLSX-UNREADABLE", "IN-XLSX-SHEET", "IN-XLSX-INFO", "IN-XLSX-LABEL", "IN-INVALID",
                          "IN-SHEET-SIZE", "IN-TEXT-LENGTH", "IN-MISSING", "IN-TYPE", "IN-XLSX-AMBIGUOUS"}
EXTRACT_CODES = ZIP_CODES | {"EX-*", "IN-TABLE-SIZE", "IN-TEXT-LENGTH", "IN-TOO-LARGE", "IN-INVALID"}
"""Damaged published reports: any extract code (``EX-*``: what could not be read, located) or a package code."""


@attrs.frozen
class Case:
    """One hostile input: ``build(folder) -> path``, the ``reader`` to run on it, the codes allowed."""

    id: str
    group: str
    reader: str
    build: Callable[[Path], Path]
    codes: frozenset[str]


CASES: list[Case] = []


def case(id: str, group: str, reader: str, codes: frozenset[str] | set[str]) -> Callable[[Callable[[Path], Path]], None]:
    def register(build: Callable[[Path], Path]) -> None:
        CASES.append(Case(id, group, reader, build, frozenset(codes)))
    return register


def _text(name: str, text: str | bytes) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
        return path
    return build


def _flipped(base: Callable[[], bytes], seed: int, flips: int) -> bytes:
    return zips.flipped(base(), seed, flips)


def _truncated(base: Callable[[], bytes], fraction: float) -> bytes:
    return zips.truncated(base(), fraction)


def _bytes(name: str, make: Callable[[], bytes]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(make())
        return path
    return build


# ---------------------------------------------------------------------------------------------
# YAML / JSON

_HEAD = 'format_version: "2021"\nyear: 2022\norgan: {name: 某镇人民政府, kind: township}\n'


def _laughs(levels: int, fan: int, key: bool = False) -> str:
    lines = ["l0: &l0 [" + ",".join(["lol"] * fan) + "]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * fan) + "]")
    if key:
        lines.append(f"? *l{levels - 1}\n: boom")
    return _HEAD + "\n".join(lines) + f"\noverview:\n  intro: *l{levels - 1}\n"


YAML_CASES: dict[str, tuple[str | bytes, frozenset[str]]] = {
    "billion-laughs": (_laughs(9, 9), frozenset({"IN-YAML-ALIAS"})),
    "laughs-as-key": (_laughs(6, 6, key=True), frozenset({"IN-YAML-ALIAS"})),
    "alias-key-scalar": (_HEAD + "a: &a organ\n? *a\n: 1\n", frozenset({"IN-YAML-ALIAS"})),
    "alias-key-flow": ("a: &a [1, 2]\n{*a : 1}: 2\n", frozenset({"IN-YAML-ALIAS", "IN-YAML"})),
    "recursive-alias": (_HEAD + "problems: &p [*p]\n", frozenset({"IN-YAML-ALIAS"})),
    "many-aliases": (_HEAD + "x: &x a\nproblems: [" + ",".join(["*x"] * 500) + "]\n", frozenset({"IN-YAML-ALIAS"})),
    "merge-bomb": ("a: &a {" + ",".join(f"k{i}: {i}" for i in range(50)) + "}\n"
                   + "".join(f"b{i}: &b{i} {{<<: [*a], z: {i}}}\n" for i in range(150)), frozenset({"IN-YAML-ALIAS"})),
    "200k-unknown-keys": (_HEAD + "".join(f"unknown_key_{i}: 1\n" for i in range(200_000)), frozenset({"IN-TOO-MANY"})),
    "3000-keys": (_HEAD + "table3:\n" + "".join(f"  k{i}: 1\n" for i in range(3000)), frozenset({"IN-TOO-MANY"})),
    "1000-unknown-keys": (_HEAD + "".join(f"unknown_key_{i}: 1\n" for i in range(1000)), frozenset({"IN-UNKNOWN-KEY", "IN-INVALID"})),
    "huge-key": (_HEAD + "x" * 200_000 + ": 1\n", frozenset({"IN-UNKNOWN-KEY", "IN-INVALID", "IN-YAML"})),
    "huge-paragraph": (_HEAD + "problems: " + "字" * 1_000_000 + "\n", frozenset({"IN-TEXT-LENGTH"})),
    "huge-paragraph-list": (_HEAD + "problems:\n  - " + "a" * 40_000 + "\n", frozenset({"IN-TEXT-LENGTH"})),
    "huge-title": (_HEAD + "other_matters:\n  - title: " + "题" * 40_000 + "\n    text: x\n",
                   frozenset({"IN-TEXT-LENGTH"})),
    "250-items": (_HEAD + "other_matters:\n" + "".join(f"  - {{title: 事项{i}, text: 内容}}\n" for i in range(250)),
                  frozenset({"IN-TOO-MANY"})),
    "100-items": (_HEAD + "other_matters:\n" + "".join(f"  - {{title: 事项{i}, text: 内容}}\n" for i in range(99)), OK),
    "deep-flow": (_HEAD + "problems: " + "[" * 50_000 + "]" * 50_000 + "\n", frozenset({"IN-YAML"})),
    "deep-block": (_HEAD + "".join("  " * i + f"k{i}:\n" for i in range(3000)), frozenset({"IN-YAML", "IN-UNKNOWN-KEY", "IN-INVALID", "IN-TOO-LARGE"})),
    "python-tag": (_HEAD + "problems: !!python/object/apply:os.system [echo hi]\n", frozenset({"IN-YAML"})),
    "binary-tag": (_HEAD + "problems: !!binary aGVsbG8=\n", frozenset({"IN-TYPE", "IN-INVALID"})),
    "set-tag": (_HEAD + "problems: !!set {a, b}\n", frozenset({"IN-TYPE", "IN-INVALID", "IN-YAML"})),
    "huge-int": (_HEAD + "table3:\n  rows:\n    granted:\n      natural_person: " + "9" * 10_000 + "\n",
                 frozenset({"IN-YAML", "IN-TYPE", "IN-INVALID", "IN-NEGATIVE", "IN-FRACTION", "TOTAL-MISMATCH"})),
    "huge-float": (_HEAD + "processing_fee: 1e999999999\n", frozenset({"IN-PRECISION", "IN-TYPE", "IN-INVALID", "IN-NEGATIVE"})),
    "nul-byte": (_HEAD.encode() + b"problems: a\x00b\n", frozenset({"IN-YAML"})),
    "gbk": ((_HEAD + "problems: 问题\n").encode("gbk"), frozenset({"IN-ENCODING"})),
    "utf16": ((_HEAD + "problems: 问题\n").encode("utf-16"), frozenset({"IN-ENCODING"})),
    "bidi-organ": (_HEAD.replace("某镇人民政府", "某镇\u202egpj.exe人民政府"), OK),
    "only-anchor": ("&a\n", frozenset({"IN-TYPE", "IN-INVALID", "IN-EMPTY", "IN-YAML"})),
    "doc-stream": (_HEAD + "---\n" + _HEAD, frozenset({"IN-YAML"})),
    "tab-indent": (_HEAD + "overview:\n\tintro: x\n", frozenset({"IN-YAML"})),
}
for _name, (_content, _codes) in YAML_CASES.items():
    case(f"yaml-{_name}", "yaml", "load", _codes)(_text(f"{_name}.yaml", _content))

JSON_CASES: dict[str, tuple[str, frozenset[str]]] = {
    "200k-keys": ("{" + ",".join(f'"k{i}": 1' for i in range(200_000)) + "}", frozenset({"IN-TOO-MANY"})),
    "deep": ("[" * 100_000 + "]" * 100_000, frozenset({"IN-JSON"})),
    "huge-int": ('{"year": ' + "9" * 100_000 + "}", frozenset({"IN-JSON", "IN-YEAR", "IN-INVALID", "IN-MISSING"})),
    "nan": ('{"year": NaN, "processing_fee": Infinity}', frozenset({"IN-YEAR", "IN-INVALID", "IN-MISSING", "IN-TYPE", "IN-NEGATIVE"})),
    "duplicate": ('{"year": 2022, "year": 2023}', frozenset({"IN-DUPLICATE-KEY", "IN-INVALID", "IN-MISSING"})),
    "huge-string": ('{"problems": "' + "x" * 5_000_000 + '"}', frozenset({"IN-TEXT-LENGTH", "IN-INVALID", "IN-MISSING"})),
    "lone-surrogate": ('{"problems": "\\ud800"}', frozenset({"IN-INVALID", "IN-MISSING", "IN-JSON"})),
    "not-json": ("\x00\x01\x02", frozenset({"IN-JSON"})),
}
for _name, (_content, _codes) in JSON_CASES.items():
    case(f"json-{_name}", "yaml", "load", _codes)(_text(f"{_name}.json", _content))


@case("yaml-too-large-sparse", "yaml", "load", {"IN-TOO-LARGE"})
def _sparse_yaml(folder: Path) -> Path:
    path = folder / "big.yaml"
    with path.open("wb") as f:
        f.truncate(65 * 1024 * 1024)  # sparse: no disk used
    return path


@case("yaml-dev-zero", "yaml", "load", {"IN-FILE"})  # a device is not a file: refused before it is opened
def _zero_yaml(folder: Path) -> Path:
    path = folder / "zero.yaml"
    path.symlink_to("/dev/zero")
    return path


@case("yaml-folder", "yaml", "load", {"IN-FILE"})
def _folder_yaml(folder: Path) -> Path:
    path = folder / "dir.yaml"
    path.mkdir()
    return path


# ---------------------------------------------------------------------------------------------
# Workbooks (form and county): one base each, then every kind of damage

_XXE = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&e;</t></si></sst>'
_LAUGHS_XML = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
               + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
               + ']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&j;</t></si></sst>')


def form_bytes() -> bytes:
    """A fill-in form written by render_xlsx from the example report (built once per session)."""
    return _cached("form", _render_form)


def _render_form() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return render_xlsx(load(EXAMPLE_YAML), Path(tmp) / "form.xlsx").read_bytes()


_CACHE: dict[str, bytes] = {}


def _cached(key: str, make: Callable[[], bytes]) -> bytes:
    if key not in _CACHE:
        _CACHE[key] = make()
    return _CACHE[key]


def county_bytes() -> bytes:
    return EXAMPLE_COUNTY.read_bytes()


def docx_bytes() -> bytes:
    return (PUBLISHED / "0-rendered.docx").read_bytes()


def _sheet_with(data: bytes, sheet: str, cell_xml: str) -> bytes:
    """``data`` with ``cell_xml`` (a ``<row>``) appended to the sheetData of worksheet member ``sheet``."""
    xml = zips.read_member(data, sheet).decode("utf-8")
    xml = xml.replace("</sheetData>", cell_xml + "</sheetData>", 1)
    return zips.replace_member(data, sheet, xml)


def _workbook_cases(group: str, reader: str, base: Callable[[], bytes], codes: frozenset[str], sheet: str) -> None:
    def add(name: str, make: Callable[[], bytes], allowed: frozenset[str] = codes) -> None:
        case(f"{group}-{name}", group, reader, allowed)(_bytes(f"{name}.xlsx", make))

    add("not-a-zip", lambda: b"PK\x03\x04 this is not a workbook")
    add("empty", lambda: b"")
    add("html-named-xlsx", lambda: b"<html><body><table><tr><td>1</td></tr></table></body></html>")
    for fraction in (0.1, 0.5, 0.9, 0.99):
        add(f"truncated-{fraction}", functools.partial(_truncated, base, fraction))
    for seed in range(6):
        add(f"flipped-{seed}", functools.partial(_flipped, base, seed, 8))
    add("bomb-2gb-sheet", lambda: zips.with_bomb(base(), sheet, 2047, b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'),
        frozenset({"IN-ZIP-BOMB"}))
    add("bomb-2gb-no-dimension", lambda: zips.with_bomb(base(), sheet, 2047, b"<worksheet><sheetData><row><c><v>"),
        frozenset({"IN-ZIP-BOMB"}))
    add("bomb-shared-strings", lambda: zips.with_bomb(base(), "xl/sharedStrings.xml", 300, b"<sst><si><t>"),
        frozenset({"IN-ZIP-BOMB"}))
    add("forged-small-size", lambda: zips.forged_size(base(), sheet, 100), codes)
    add("forged-huge-size", lambda: zips.forged_size(base(), sheet, 3 * 1024**3), frozenset({"IN-ZIP-BOMB"}))
    add("xxe-shared-strings", lambda: zips.replace_member(base(), "xl/sharedStrings.xml", _XXE), frozenset({"IN-XML-DTD"}))
    add("laughs-shared-strings", lambda: zips.replace_member(base(), "xl/sharedStrings.xml", _LAUGHS_XML),
        frozenset({"IN-XML-DTD"}))
    add("dtd-workbook", lambda: zips.replace_member(base(), "xl/workbook.xml", _XXE.replace("sst", "workbook")),
        frozenset({"IN-XML-DTD"}))
    add("encrypted", lambda: zips.encrypted(base()), frozenset({"IN-ZIP-UNSUPPORTED"}))
    add("bzip2", lambda: zips.method(base(), sheet, zipfile.ZIP_BZIP2), frozenset({"IN-ZIP-UNSUPPORTED"}))
    add("lzma", lambda: zips.method(base(), "xl/workbook.xml", zipfile.ZIP_LZMA), frozenset({"IN-ZIP-UNSUPPORTED"}))
    add("no-workbook-part", lambda: zips.package({n: zips.read_member(base(), n) for n in
                                                   zipfile.ZipFile(io.BytesIO(base())).namelist() if n != "xl/workbook.xml"}))
    add("garbage-workbook-xml", lambda: zips.replace_member(base(), "xl/workbook.xml", "<workbook><sheets><sheet"))
    add("garbage-sheet-xml", lambda: zips.replace_member(base(), sheet, "<worksheet><sheetData><row r='1'><c r='A1' t='s'><v>99999</v></c>"))
    add("10001-members", lambda: zips.package({**{f"junk/{i}.txt": b"" for i in range(10_001)}}), frozenset({"IN-ZIP-BOMB"}))
    add("huge-merge", lambda: zips.replace_member(base(), sheet, zips.read_member(base(), sheet).decode().replace(
        "</sheetData>", '</sheetData><mergeCells count="1"><mergeCell ref="A2000:XFD1048576"/></mergeCells>', 1)
        if "<mergeCells" not in zips.read_member(base(), sheet).decode() else
        zips.read_member(base(), sheet).decode().replace("<mergeCells", '<mergeCells><mergeCell ref="A2000:XFD1048576"/></mergeCells><mergeCellsX', 1)))
    add("long-cell-text", lambda: _sheet_with(base(), sheet, '<row r="900"><c r="A900" t="inlineStr"><is><t>'
                                                + "字" * 40_000 + "</t></is></c></row>"))
    add("dimension-lie", lambda: zips.replace_member(base(), sheet, re.sub(
        r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', zips.read_member(base(), sheet).decode(), count=1)),
        codes | {"OK"})  # openpyxl's full load counts the cells itself: a lying dimension costs nothing there


_workbook_cases("form", "form", form_bytes, FORM_CODES, "xl/worksheets/sheet2.xml")
_workbook_cases("county", "county", county_bytes, FORM_CODES | {"IN-HEADER", "IN-FORMULA"}, "xl/worksheets/sheet2.xml")


@case("county-uncached-formula", "county", "county-formula", {"IN-FORMULA"})
def _county_formula(folder: Path) -> Path:
    path = folder / "formula.xlsx"
    path.write_bytes(county_bytes())
    wb = load_workbook(path)
    ws = wb["数据"]
    # the last figure column (the 校验 column after it holds formulas by design)
    last_figure = ws.max_column - (1 if ws.cell(1, ws.max_column).value == "校验" else 0)
    for row in ws.iter_rows(min_row=4, max_row=ws.max_row):
        if row[0].value:
            row[last_figure - 1].value = "=1+1"  # openpyxl writes the formula without a cached value
            break
    wb.save(path)
    return path


@case("form-uncached-formula", "form", "form", FORM_CODES | {"IN-FORMULA", "IN-XLSX-FORMULA", "IN-TYPE"})
def _form_formula(folder: Path) -> Path:
    path = folder / "formula.xlsx"
    path.write_bytes(form_bytes())
    wb = load_workbook(path)
    ws = wb.worksheets[2]
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, int) and not isinstance(cell.value, bool):
                cell.value = "=1+1"
                wb.save(path)
                return path
    wb.save(path)
    return path


# township lists
_TOWNSHIP_CODES = frozenset({"IN-XLSX-OPEN", "IN-TOWNSHIP-EMPTY", "IN-TOWNSHIP-DUPLICATE", "IN-ENCODING", "IN-TOO-LARGE",
                             "IN-TOO-MANY", "IN-FILE"}) | ZIP_CODES
case("township-gbk", "township", "township", OK)(_text("list.txt", "金岭镇\n梦芝街道\n".encode("gbk")))
case("township-utf16", "township", "township", OK)(_text("list.txt", "金岭镇\n梦芝街道\n".encode("utf-16")))
case("township-binary", "township", "township", _TOWNSHIP_CODES)(_text("list.txt", bytes(range(256)) * 10))
case("township-bomb-xlsx", "township", "township", frozenset({"IN-ZIP-BOMB"}))(
    _bytes("list.xlsx", lambda: zips.with_bomb(county_bytes(), "xl/worksheets/sheet1.xml", 2047, b"<worksheet>")))
case("township-not-xlsx", "township", "township", _TOWNSHIP_CODES)(_text("list.xlsx", "金岭镇\n"))
case("township-xxe", "township", "township", frozenset({"IN-XML-DTD"}))(
    _bytes("list.xlsx", lambda: zips.replace_member(county_bytes(), "xl/workbook.xml", _XXE.replace("sst", "workbook"))))


@case("township-too-large", "township", "township", {"IN-TOO-LARGE"})
def _sparse_list(folder: Path) -> Path:
    path = folder / "list.txt"
    with path.open("wb") as f:
        f.truncate(65 * 1024 * 1024)
    return path


# ---------------------------------------------------------------------------------------------
# Published .docx (extract / audit)


def _doc(body: str) -> str:
    return f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'


def _docx_with(document: str) -> bytes:
    return zips.replace_member(docx_bytes(), "word/document.xml", document)


def _table(tr: str) -> str:
    return f"<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>{tr}</w:tbl>"


_CELL = "<w:tc><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc>"
DOCX_CASES: dict[str, tuple[Callable[[], bytes], frozenset[str]]] = {
    "gridspan-1e9": (lambda: _docx_with(_doc(_table(f'<w:tr><w:tc><w:tcPr><w:gridSpan w:val="1000000000"/></w:tcPr><w:p/></w:tc>{_CELL}</w:tr>' * 2))),
                     frozenset({"IN-TABLE-SIZE"})),
    "gridbefore-2e9": (lambda: _docx_with(_doc(_table(f'<w:tr><w:trPr><w:gridBefore w:val="2000000000"/></w:trPr>{_CELL}{_CELL}</w:tr>'))),
                       frozenset({"IN-TABLE-SIZE"})),
    "gridafter-2e9": (lambda: _docx_with(_doc(_table(f'<w:tr><w:trPr><w:gridAfter w:val="2000000000"/></w:trPr>{_CELL}{_CELL}</w:tr>'))),
                      frozenset({"IN-TABLE-SIZE"})),
    "gridspan-negative": (lambda: _docx_with(_doc(_table(f'<w:tr><w:tc><w:tcPr><w:gridSpan w:val="-5"/></w:tcPr><w:p/></w:tc>{_CELL}</w:tr>'))),
                          EXTRACT_CODES),
    "gridspan-text": (lambda: _docx_with(_doc(_table(f'<w:tr><w:tc><w:tcPr><w:gridSpan w:val="many"/></w:tcPr><w:p/></w:tc>{_CELL}</w:tr>'))),
                      EXTRACT_CODES),
    "5000-rows": (lambda: _docx_with(_doc(_table(f"<w:tr>{_CELL}{_CELL}</w:tr>" * 5000))), frozenset({"IN-TABLE-SIZE"})),
    "long-paragraph": (lambda: _docx_with(_doc("<w:p><w:r><w:t>" + "字" * 100_000 + "</w:t></w:r></w:p>")),
                       frozenset({"IN-TEXT-LENGTH"})),
    "long-cell": (lambda: _docx_with(_doc(_table(f"<w:tr><w:tc><w:p><w:r><w:t>{'x' * 40_000}</w:t></w:r></w:p></w:tc>{_CELL}</w:tr>"))),
                  frozenset({"IN-TEXT-LENGTH"})),
    "xxe": (lambda: _docx_with('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                               + _doc("<w:p><w:r><w:t>&e;</w:t></w:r></w:p>")), frozenset({"IN-XML-DTD"})),
    "laughs": (lambda: _docx_with(_LAUGHS_XML.replace("<sst", "<w:document").replace("</sst>", "</w:document>")),
               frozenset({"IN-XML-DTD"})),
    "header-xxe": (lambda: zips.replace_member(docx_bytes(), "word/header1.xml", _XXE), frozenset({"IN-XML-DTD"})),
    "bomb-document": (lambda: zips.with_bomb(docx_bytes(), "word/document.xml", 2047, b"<w:document>"), frozenset({"IN-ZIP-BOMB"})),
    "bomb-media-4gb": (lambda: zips.forged_size(zips.replace_member(docx_bytes(), "word/media/image9.png", b"\x89PNG"),
                                                "word/media/image9.png", 4 * 1024**3 - 1), frozenset({"IN-ZIP-BOMB"})),
    "forged-small": (lambda: zips.forged_size(docx_bytes(), "word/document.xml", 10), EXTRACT_CODES),
    "encrypted": (lambda: zips.encrypted(docx_bytes()), frozenset({"IN-ZIP-UNSUPPORTED"})),
    "bzip2": (lambda: zips.method(docx_bytes(), "word/document.xml", zipfile.ZIP_BZIP2), frozenset({"IN-ZIP-UNSUPPORTED"})),
    "no-document": (lambda: zips.package({"[Content_Types].xml": "<Types/>"}), frozenset({"IN-ZIP-PART"})),
    "garbage-document": (lambda: _docx_with("<w:document><w:body><w:p>"), frozenset({"IN-XML-CORRUPT"})),
    "utf16-document": (lambda: _docx_with(_doc("<w:p/>").encode("utf-16").decode("latin-1")), EXTRACT_CODES),
    "deep-nesting": (lambda: _docx_with(_doc("<w:sdt><w:sdtContent>" * 5000 + "</w:sdtContent></w:sdt>" * 5000)),
                     EXTRACT_CODES),
    "nested-tables": (lambda: _docx_with(_doc("<w:tbl><w:tr><w:tc>" * 200 + "<w:p/>" + "</w:tc></w:tr></w:tbl>" * 200)),
                      EXTRACT_CODES),
    "not-a-zip": (lambda: b"%PDF-1.4 pretending", frozenset({"EX-OPEN"})),
    "empty": (lambda: b"", frozenset({"EX-OPEN"})),
}
for _name, (_make, _codes) in DOCX_CASES.items():
    case(f"docx-{_name}", "docx", "extract", _codes)(_bytes(f"{_name}.docx", _make))
for _seed in range(24):
    case(f"docx-flipped-{_seed}", "docx", "extract", EXTRACT_CODES | {"OK"})(
        _bytes(f"flip{_seed}.docx", functools.partial(_flipped, docx_bytes, _seed, 4 + _seed % 12)))
for _fraction in (0.05, 0.3, 0.6, 0.95, 0.999):
    case(f"docx-truncated-{_fraction}", "docx", "extract", EXTRACT_CODES)(
        _bytes("cut.docx", functools.partial(_truncated, docx_bytes, _fraction)))


# ---------------------------------------------------------------------------------------------
# HTML and PDF

def _html() -> bytes:
    return (PUBLISHED / "0-guanyu.html").read_bytes()


def _pdf() -> bytes:
    return (PUBLISHED / "0-ruled.pdf").read_bytes()


HTML_CASES: dict[str, tuple[Callable[[], bytes], frozenset[str]]] = {
    "colspan-1e9": (lambda: b"<html><body><table>" + b'<tr><td colspan="1000000000">a</td><td>b</td></tr>' * 50
                    + b"</table></body></html>", frozenset({"IN-TABLE-SIZE"})),
    "rowspan-1e9": (lambda: b"<html><body><table>" + b'<tr><td rowspan="1000000000">a</td><td>b</td></tr>' * 50
                    + b"</table></body></html>", EXTRACT_CODES),
    "deep-divs": (lambda: b"<html><body>" + b"<div>" * 100_000 + b"x" + b"</div>" * 100_000 + b"</body></html>", EXTRACT_CODES),
    "binary": (lambda: bytes(range(256)) * 100, EXTRACT_CODES),
    "empty": (lambda: b"", EXTRACT_CODES),
    "long-cell": (lambda: b"<html><body><table><tr><td>" + b"x" * 40_000 + b"</td><td>1</td></tr></table></body></html>",
                  frozenset({"IN-TABLE-SIZE"})),
    "entities": (lambda: b'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY e SYSTEM "file:///etc/passwd">]><html><body>&e;</body></html>',
                 EXTRACT_CODES),
    "flipped": (lambda: zips.flipped(_html(), 7, 50), EXTRACT_CODES | {"OK"}),
    "mhtml-garbage": (lambda: b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n\r\n--x\r\n\r\n\xff\xfe", EXTRACT_CODES),
}
for _name, (_make, _codes) in HTML_CASES.items():
    suffix = ".mhtml" if _name.startswith("mhtml") else ".html"
    case(f"html-{_name}", "html", "extract", _codes)(_bytes(f"{_name}{suffix}", _make))


@case("html-too-large", "html", "extract", {"IN-TOO-LARGE"})
def _sparse_html(folder: Path) -> Path:
    path = folder / "big.html"
    with path.open("wb") as f:
        f.truncate(65 * 1024 * 1024)
    return path


PDF_CASES: dict[str, tuple[Callable[[], bytes], frozenset[str]]] = {
    "garbage": (lambda: b"%PDF-1.7\n garbage", frozenset({"EX-OPEN"})),
    "empty": (lambda: b"", frozenset({"EX-OPEN"})),
    "header-only": (lambda: b"%PDF-1.4\n%%EOF\n", frozenset({"EX-OPEN"})),
    "truncated": (lambda: zips.truncated(_pdf(), 0.5), EXTRACT_CODES | {"OK"}),
    "truncated-head": (lambda: zips.truncated(_pdf(), 0.02), EXTRACT_CODES),
    "encrypted-marker": (lambda: _pdf().replace(b"trailer", b"trailer\n<< /Encrypt 1 0 R >>", 1), EXTRACT_CODES | {"OK"}),
}
for _seed in range(6):
    PDF_CASES[f"flipped-{_seed}"] = (functools.partial(_flipped, _pdf, _seed, 30), EXTRACT_CODES | {"OK"})
for _name, (_make, _codes) in PDF_CASES.items():
    case(f"pdf-{_name}", "pdf", "extract", _codes)(_bytes(f"{_name}.pdf", _make))


# extract.read_document re-wraps every exception of the PDF reader as EX-OPEN (its message keeps IN-TOO-LARGE);
# a `except ReportgenError: raise` there (extract.py, owned elsewhere) would keep the code itself.
@case("pdf-too-large", "pdf", "extract", {"IN-TOO-LARGE", "EX-OPEN"})
def _sparse_pdf(folder: Path) -> Path:
    path = folder / "big.pdf"
    with path.open("wb") as f:
        f.truncate(65 * 1024 * 1024)
    return path
