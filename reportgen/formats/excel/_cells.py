"""The cells of a small workbook, read straight from its parts: sheet names, shared strings, number formats
and each worksheet's cells — what the fill-in form reader needs, at a fraction of openpyxl's cost.

Every part goes through :func:`reportgen.formats._archive.open_package` (the zip limits: ``IN-ZIP-*``) and is
refused with ``IN-XML-DTD`` when it declares a DTD; damaged XML is ``IN-XML-CORRUPT`` naming the part, line and
column.  Values are exactly what openpyxl's read-only mode gives (its ``data_only`` values, and the formula
text of formula cells): numbers as ``int``/``float``, dates by the cell's number format, shared and inline
strings, booleans, error values, formula results with or without a cached value, cells without ``r=``
(WPS and some writers omit it: placed by position).

A worksheet is read in one of two ways:

- the common sheet — what openpyxl, Excel, WPS and LibreOffice write: ``<row r>`` and ``<c r s t>`` with a
  ``<v>``, a plain ``<f>`` or a one-run inline string — is cut with one regular expression over the bytes
  (``sheetData`` must be covered completely, and what stands around it is parsed as XML);
- anything else (rich text, shared or array formulas, missing ``r=``, prefixed elements, rows out of order, an
  encoding other than UTF-8 …) is parsed with lxml's ``iterparse``, element by element, openpyxl's rules
  applied one by one.

Both give the same cells (``tests/test_form_stream.py`` holds them to openpyxl's reading).
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
import io
import itertools
import re
from collections.abc import Iterator
from typing import Any, TypeVar, cast

import attrs
from lxml import etree
from openpyxl.formula.translate import Translator
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE, is_date_format, is_timedelta_format
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, from_excel, from_ISO8601

from reportgen.domain import limits
from reportgen.domain.codes import IN_SHEET_SIZE, IN_TEXT_LENGTH
from reportgen.domain.errors import InputError
from reportgen.domain.findings import Location
from reportgen.domain.layout import normalize_label
from reportgen.formats._archive import Package, parse_xml, refuse_dtd

__all__ = ["Book", "Cell", "SheetCells", "read_book", "sheet_names"]

_K = TypeVar("_K")
_V = TypeVar("_V")

Pos = tuple[int, int]
"""1-based ``(row, column)`` of a worksheet cell."""

Cell = tuple[Any, "str | None", str]
"""``(value, formula, number format)``: the cached value (``None`` if none), the formula text ``=…`` of a
formula cell (else ``None``), the number format (``General`` when unstyled)."""

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_N = "{" + _MAIN + "}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_WORKBOOK = "xl/workbook.xml"
_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
_GENERAL = "General"


def sheet_names(package: Package) -> list[str]:
    """The sheet names of ``xl/workbook.xml``, in order (``IN-ZIP-PART``, ``IN-XML-*`` when it is unusable)."""
    root = parse_xml(package.read(_WORKBOOK), file=package.file, part=_WORKBOOK)
    return [s.get("name", "") for s in root.iter(f"{_N}sheet")]


@attrs.define
class SheetCells:
    """One worksheet: its title, its cells that hold something (or carry a number format) and its merges."""

    title: str
    cells: dict[Pos, Cell]
    max_row: int
    """The last row holding a cell (1 when none does)."""
    texts: dict[str, list[Pos]]
    """Each text (normalised as labels are compared: :func:`~reportgen.domain.layout.normalize_label`) → where it is."""
    merges: tuple[tuple[int, int, int, int], ...]
    """``(min_row, min_col, max_row, max_col)`` of each merged range."""


@attrs.define
class Book:
    """The worksheets of a workbook, in workbook order."""

    sheets: list[SheetCells]


@attrs.define
class _Styles:
    formats: list[str]
    """Cell style index → number format."""
    dates: frozenset[int]
    timedeltas: frozenset[int]
    token: int = attrs.field(factory=lambda: next(_STYLE_TOKENS))
    """Tells styles apart in the row cache (the same styles.xml bytes give the same object: :func:`_styles`)."""


_STYLE_TOKENS: Iterator[int] = itertools.count()


# --------------------------------------------------------------------------------------------
# The workbook parts around the sheets


def _target(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = base.split("/")[:-1]
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _shared_strings(package: Package, part: str) -> list[str]:
    if part not in package:
        return []
    data = package.read(part)
    root = parse_xml(data, file=package.file, part=part)
    t, r, si_tag = f"{_N}t", f"{_N}r", f"{_N}si"
    if b"rPh" not in data:  # no phonetic guides: every <t> of an item is its text (lxml joins them)
        strings = ["".join(cast("Iterator[str]", si.itertext(t, with_tail=False))) for si in root.iter(si_tag)]
    else:  # openpyxl's Text.content: the plain text and the runs' text, never the phonetic guides (rPh)
        strings = ["".join(child.text or "" if child.tag == t else child.findtext(t) or "" for child in si
                           if child.tag == t or child.tag == r) for si in root.iter(si_tag)]
    if b"x005F_" in data:
        strings = [text.replace("x005F_", "") for text in strings]  # as openpyxl reads them
    return strings


_DEFAULT_STYLES = _Styles([_GENERAL], frozenset(), frozenset())


def _keep(cache: dict[_K, _V], key: _K, value: _V, size: int) -> _V:
    """``value``, remembered under ``key`` in ``cache``, which forgets its oldest entry once it holds ``size``."""
    if len(cache) >= size:
        cache.pop(next(iter(cache)))
    cache[key] = value
    return value


def _styles(package: Package, part: str) -> _Styles:
    if part not in package:
        return _DEFAULT_STYLES
    data = package.read(part)
    styles = _STYLES.get(data)
    if styles is None:
        styles = _keep(_STYLES, data, _parse_styles(data, package.file, part), 32)
    return styles


_STYLES: dict[bytes, _Styles] = {}
"""styles.xml → its number formats, remembered: the forms of a run share their styles (and so the row cache)."""


def _parse_styles(data: bytes, file: str, part: str) -> _Styles:
    root = parse_xml(data, file=file, part=part)
    custom = {int(f.get("numFmtId", "0")): f.get("formatCode", "") for f in root.iter(f"{_N}numFmt")}
    xfs = root.find(f"{_N}cellXfs")
    formats: list[str] = []
    dates, timedeltas = set(), set()
    for i, xf in enumerate(() if xfs is None else xfs.iter(f"{_N}xf")):
        number = int(xf.get("numFmtId", "0"))
        code = custom.get(number) if number in custom else BUILTIN_FORMATS.get(number)
        if number not in custom and number >= BUILTIN_FORMATS_MAX_SIZE:
            code = None
        if code is not None and is_date_format(code):
            dates.add(i)
        if code is not None and is_timedelta_format(code):
            timedeltas.add(i)
        formats.append(code if code is not None else _GENERAL)
    return _Styles(formats or [_GENERAL], frozenset(dates), frozenset(timedeltas))


def read_book(package: Package) -> Book:
    """The worksheets of the workbook in ``package`` (chart sheets and sheets without a part are skipped).

    :raises InputError: ``IN-ZIP-*``, ``IN-XML-DTD``, ``IN-XML-CORRUPT``, ``IN-SHEET-SIZE``, ``IN-TEXT-LENGTH``.
    """
    file = package.file
    book, rels = package.read(_WORKBOOK), package.read(_WORKBOOK_RELS)
    layout = _LAYOUTS.get((book, rels))
    if layout is None:
        layout = _keep(_LAYOUTS, (book, rels), _layout(book, rels, file), 32)
    epoch, strings_part, styles_part, parts = layout
    strings = _shared_strings(package, strings_part)
    styles = _styles(package, styles_part)
    sheets = []
    for title, part in parts:
        if part not in package:
            continue
        sheets.append(_Sheet(file, part, title, strings, styles, epoch).read(package.read(part)))
    return Book(sheets)


_Layout = tuple[dt.datetime, str, str, tuple[tuple[str, str], ...]]
"""The date epoch, the shared-strings part, the styles part and each worksheet's ``(title, part)``."""
_LAYOUTS: dict[tuple[bytes, bytes], _Layout] = {}
"""workbook.xml and its relationships → what they say, remembered: the forms of a run share them."""


def _layout(book_xml: bytes, rels_xml: bytes, file: str) -> _Layout:
    book = parse_xml(book_xml, file=file, part=_WORKBOOK)
    rels = parse_xml(rels_xml, file=file, part=_WORKBOOK_RELS)
    targets: dict[str | None, tuple[str, str]] = {
        r.get("Id"): (r.get("Type", ""), _target(_WORKBOOK, r.get("Target", ""))) for r in rels}
    by_type = {kind.rsplit("/", 1)[-1]: target for kind, target in targets.values()}
    pr = book.find(f"{_N}workbookPr")
    epoch = CALENDAR_MAC_1904 if pr is not None and pr.get("date1904", "") in ("1", "true") else WINDOWS_EPOCH
    parts = []
    for sheet in book.iter(f"{_N}sheet"):
        kind, part = targets.get(sheet.get(_REL), ("", ""))
        if kind.endswith("/chartsheet") or not part:
            continue
        parts.append((sheet.get("name", ""), part))
    return (epoch, by_type.get("sharedStrings", "xl/sharedStrings.xml"), by_type.get("styles", "xl/styles.xml"),
            tuple(parts))


# --------------------------------------------------------------------------------------------
# One worksheet

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([^"]*)"')
_SHEET_DATA = re.compile(rb"<sheetData\s*(/?)>")
_SHEET_DATA_END = b"</sheetData>"
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
_XML_DECL = re.compile(rb'^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding="([^"]*)"')
_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|]]>")
"""Character data the XML parser refuses (it then reports the damage, with line and column)."""
_ENTITY = re.compile(r"&(?:(amp)|(lt)|(gt)|(quot)|(apos)|#([0-9]+)|#x([0-9a-fA-F]+));")
_ENTITY_TEXT = {1: "&", 2: "<", 3: ">", 4: '"', 5: "'"}
_TOKEN = re.compile(
    rb'\s*(?:<row r="(\d+)"(?: [\w:.-]+="[^"<&\x00-\x1f]*")*\s*(/?)>'  # 1 row number, 2 "/" of an empty row
    rb'|(</row>)'  # 3
    rb'|<c r="([A-Z]{1,3})(\d+)"(?: s="(\d+)")?(?: t="(\w+)")?'  # 4 letters, 5 row, 6 style, 7 type
    rb'(?:/>|></c>|>'
    rb'(?:<f(?: aca="(?:true|false)")?>([^<]*)</f>|<f(?: aca="(?:true|false)")?/>())?'  # 8 formula, 9 empty formula
    rb'(?:<v>([^<]*)</v>|<v/>|<is><t(?: xml:space="preserve")?>([^<]*)</t></is>|<is><t/></is>())?'  # 10 v, 11 is, 12
    rb'</c>))'
)
_SHARED_INDEX = re.compile(rb'<c r="[A-Z]{1,3}\d+"(?: s="\d+")? t="s"><v>(\d+)</v></c>')
"""A shared-string cell as the row cache keys it (any other spelling of one: the row is not remembered)."""
_EMPTY_ROWS = re.compile(rb'(?:\s*<row r="\d+"(?: [\w:.-]+="[^"<&\x00-\x1f]*")*\s*/>)*\s*')
_Rows = tuple[int, int, int, tuple[tuple[Pos, Cell], ...], tuple[tuple[str, Pos], ...]]
"""A piece of sheetData up to a ``</row>``: first and last row number, cells counted, cells kept, labels."""
_ROWS: collections.OrderedDict[tuple[object, ...], _Rows] = collections.OrderedDict()
_ROW_CACHE_SIZE = 1024
"""Distinct rows remembered: a form has ≈ 150 rows, nearly all shared by every form of a run; the rest (a township's
own figures) never come again, so a larger cache only grows the worker (4096: ≈ 4 MB more per worker, no faster)."""
_ROW_CACHE_BYTES = 4096
"""Rows longer than this are not remembered (the cache stays a few MB whatever the sheets hold)."""
_COLUMNS: dict[bytes, int] = {get_column_letter(i).encode(): i for i in range(1, 703)}


def _xml_char(code: int) -> str:
    if code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF:
        return chr(code)
    raise _NotPlain


class _NotPlain(Exception):
    """The sheet is not of the common shape: read it with the XML parser."""


def _entity(m: re.Match[str]) -> str:
    index = m.lastindex or 0
    if index <= 5:
        return _ENTITY_TEXT[index]
    return _xml_char(int(m.group(index), 10 if index == 6 else 16))


@functools.lru_cache(maxsize=4096)
def _text(raw: bytes) -> str:
    """The character data ``raw`` as the XML parser gives it (line ends normalised, references resolved)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _NotPlain from None
    if _BAD_TEXT.search(text) is not None:
        raise _NotPlain
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        amps = text.count("&")
        text, resolved = _ENTITY.subn(_entity, text)
        if resolved != amps:
            raise _NotPlain  # an unknown entity or a bare "&": not well-formed
    return text


def _cast_number(text: str) -> int | float:
    return float(text) if "." in text or "E" in text or "e" in text else int(text)


class _Sheet:
    """Reads one worksheet part into :class:`SheetCells` (openpyxl's read-only rules, see the module docstring)."""

    def __init__(self, file: str, part: str, title: str, strings: list[str], styles: _Styles, epoch: dt.datetime) -> None:
        self.file, self.part, self.title = file, part, title
        self.strings, self.epoch = strings, epoch
        self.formats, self.dates, self.timedeltas = styles.formats, styles.dates, styles.timedeltas
        self.styles_token = styles.token
        self.cells: dict[Pos, Cell] = {}
        self.read_cells = 0
        self.max_row = 1

    def read(self, data: bytes) -> SheetCells:
        refuse_dtd(data, file=self.file, part=self.part)
        head = _SHEET_DATA.search(data)
        dimension = _DIMENSION.search(data, 0, head.start() if head is not None else len(data))
        if dimension is not None:
            _, _, max_col, max_row = range_boundaries(dimension.group(1).decode("ascii", "replace"))
            if (max_row or 0) * (max_col or 0) > limits.MAX_SHEET_CELLS:
                raise self._size_error(f"工作表“{self.title}”有 {max_row} 行 × {max_col} 列，超过 "
                                       f"{limits.MAX_SHEET_CELLS} 个单元格的上限。")
        try:
            texts, after = self._plain(data, head)
        except _NotPlain:
            self.cells, self.read_cells = {}, 0
            self._parsed(data)
            texts, after = {}, data
            for pos, cell in self.cells.items():
                value = cell[0]
                if isinstance(value, str) and value.strip():
                    texts.setdefault(_label(value), []).append(pos)
            self.max_row = max((r for r, _ in self.cells), default=1)
        return SheetCells(self.title, self.cells, self.max_row, texts, _merges(after))

    # -- limits ------------------------------------------------------------------------------

    def _size_error(self, detail: str) -> InputError:
        return InputError.single(IN_SHEET_SIZE.code, IN_SHEET_SIZE.message(detail=detail),
                                 Location(file=self.file, table=self.title))

    def _count(self, width: int) -> None:
        """A row of ``width`` cells read (openpyxl's read-only rows: as wide as their last cell)."""
        self.read_cells += width
        if self.read_cells > limits.MAX_SHEET_CELLS:  # a sheet without (or lying in) its <dimension>
            raise self._size_error(f"工作表“{self.title}”超过 {limits.MAX_SHEET_CELLS} 个单元格的上限。")

    def _cell(self, pos: Pos, value: Any, formula: str | None, style: int) -> Cell | None:
        """The cell kept for ``pos`` (``None``: nothing in it), its text within the limit (``IN-TEXT-LENGTH``)."""
        fmt = self.formats[style]
        if value is None and formula is None and fmt == _GENERAL:
            return None
        for text in (value, formula):
            if isinstance(text, str) and len(text) > limits.MAX_TEXT_CHARS:
                raise InputError.single(IN_TEXT_LENGTH.code, IN_TEXT_LENGTH.message(
                    detail=f"单元格有 {len(text)} 个字符，超过 {limits.MAX_TEXT_CHARS} 个字符的上限。"),
                    Location(file=self.file, cell=f"{self.title}!{get_column_letter(pos[1])}{pos[0]}"))
        return (value, formula, fmt)

    def _typed(self, kind: str, text: str | None, style: int) -> Any:
        """A ``<v>`` as openpyxl's ``data_only`` mode reads it (``text``: the element's text, ``None`` or empty: no value)."""
        if not text:
            return None
        if kind == "n":
            number = _cast_number(text)
            if style in self.dates:
                try:
                    return from_excel(number, self.epoch, timedelta=style in self.timedeltas)
                except (OverflowError, ValueError):
                    return "#VALUE!"  # openpyxl: a date serial out of range reads as an error value
            return number
        if kind == "s":
            return self.strings[int(text)]
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            return from_ISO8601(text)
        return text  # "str" (a formula's text result), "e" (an error value), anything else as written

    # -- the common sheet: one regular expression, row by row ----------------------------------

    def _plain(self, data: bytes, head: re.Match[bytes] | None) -> tuple[dict[str, list[Pos]], bytes]:
        """The cells and labels of a sheet of the common shape, and the part after ``sheetData`` (for the merges)."""
        if head is None:
            raise _NotPlain
        declared = _XML_DECL.match(data)
        if declared is not None and declared.group(1).lower() not in (b"utf-8", b"utf8"):
            raise _NotPlain
        start = end = after = head.end()
        if not head.group(1):
            end = data.find(_SHEET_DATA_END, start)
            if end < 0:
                raise _NotPlain
            after = end + len(_SHEET_DATA_END)
        # What stands around sheetData is the same in every form of a run: compared with the last one seen for
        # this part (memcmp, no copy), it is checked as XML (and hashed for the merges) only when it changed.
        begin = head.start()
        known = _AROUND.get(self.part)
        if (known is not None and begin == len(known[0]) and len(data) - after == len(known[1])
                and data.startswith(known[0]) and data.endswith(known[1])):
            tail = known[1]
        else:
            tail = data[after:]
            if not _outside_ok(data[:begin] + b"<sheetData/>" + tail, self.file, self.part):
                raise _NotPlain
            _keep(_AROUND, self.part, (data[:begin], tail), 64)
        # Rows are cut at </row> (it cannot stand in text or attributes) and each distinct row is read once per
        # process: the forms of one run share nearly all their rows (labels, empty styled cells), so only the
        # rows a township filled in differently go through the regular expression.
        context = (self.styles_token, self.epoch)
        cache = _ROWS
        strings = self.strings
        cells = self.cells
        texts: dict[str, list[Pos]] = {}
        previous = 0
        counted = self.read_cells
        pieces = data[start:end].split(b"</row>")
        for piece in pieces[:-1]:
            if len(piece) > _ROW_CACHE_BYTES:
                key = None
            elif strings and b't="s"' in piece:  # without shared strings a row depends on its bytes alone
                key = self._row_key(context, piece)
            else:
                key = (context, piece)
            row = cache.get(key) if key is not None else None
            if row is None:
                row = self._rows(piece)
                if key is not None:
                    cache[key] = row
                    if len(cache) > _ROW_CACHE_SIZE:
                        cache.popitem(last=False)
            else:
                cache.move_to_end(key)  # type: ignore[arg-type]
            first, last, width, row_cells, labels = row
            if first <= previous:
                raise _NotPlain  # rows out of order: openpyxl's rules, in _parsed
            previous = last
            cells.update(row_cells)
            for label, pos in labels:
                at = texts.get(label)
                if at is None:
                    texts[label] = [pos]
                else:
                    at.append(pos)
            counted += width
            if counted > limits.MAX_SHEET_CELLS:  # a sheet without (or lying in) its <dimension>
                raise self._size_error(f"工作表“{self.title}”超过 {limits.MAX_SHEET_CELLS} 个单元格的上限。")
            if row_cells:
                self.max_row = last
        self.read_cells = counted
        if pieces[-1].strip() and not _EMPTY_ROWS.fullmatch(pieces[-1]):
            raise _NotPlain
        return texts, tail

    def _row_key(self, context: tuple[object, ...], piece: bytes) -> tuple[object, ...] | None:
        """What a row's cells depend on: its bytes, the styles, and the shared strings it names (Excel, WPS and
        LibreOffice write labels as shared strings: the same row of two forms names the same texts); ``None``
        when the shared strings it names cannot all be told cheaply (then it is read, not remembered)."""
        shared = piece.count(b't="s"')
        indices = _SHARED_INDEX.findall(piece)
        if len(indices) != shared:
            return None
        strings = self.strings
        try:
            return (context, piece, tuple(strings[int(i)] for i in indices))
        except IndexError:
            return None

    def _rows(self, piece: bytes) -> _Rows:
        """The rows of ``piece`` (empty rows, then one row up to its ``</row>``, which split() took away)."""
        cells: list[tuple[Pos, Cell]] = []
        labels: list[tuple[str, Pos]] = []
        typed, text = self._typed, _text
        pos = 0
        rows: list[int] = []
        row = last = 0
        in_row = False
        for m in _TOKEN.finditer(piece):
            if m.start() != pos:
                raise _NotPlain
            pos = m.end()
            number, empty_row, _row_end, letters, cell_row, style, kind, formula, no_formula, v, inline, no_inline = m.groups()
            if letters is not None:
                col = _COLUMNS.get(letters) or column_index_from_string(letters.decode())
                if not in_row or col <= last or int(cell_row) != row:
                    raise _NotPlain
                last = col
                s = int(style) if style else 0
                if kind == b"inlineStr":
                    if v is not None or formula is not None or no_formula is not None:
                        raise _NotPlain
                    value: Any = text(inline) if inline is not None else "" if no_inline is not None else None
                else:
                    if inline is not None or no_inline is not None:
                        raise _NotPlain
                    value = typed(kind.decode() if kind else "n", text(v) if v else None, s)
                f = None
                if formula is not None:
                    f = "=" + text(formula)
                elif no_formula is not None:
                    f = "="
                cell = self._cell((row, col), value, f, s)
                if cell is not None:
                    cells.append(((row, col), cell))
                    if isinstance(value, str) and value.strip():
                        labels.append((_label(value), (row, col)))
            elif number is not None:
                n = int(number)
                if in_row or (rows and n <= rows[-1]):
                    raise _NotPlain
                rows.append(n)
                row, last, in_row = n, 0, not empty_row
            else:
                raise _NotPlain  # a </row> inside a piece: split() removed them all
        if not in_row or piece[pos:].strip():
            raise _NotPlain
        return rows[0], rows[-1], last, tuple(cells), tuple(labels)

    # -- anything else: the XML parser, openpyxl's rules ---------------------------------------

    def _parsed(self, data: bytes) -> None:
        c_tag, v_tag, f_tag, is_tag, t_tag, r_tag = (f"{_N}{t}" for t in ("c", "v", "f", "is", "t", "r"))
        shared: dict[str | None, Translator] = {}
        row_counter = 0
        counter = 1
        try:
            for _, row in etree.iterparse(io.BytesIO(data), events=("end",), tag=f"{_N}row", resolve_entities=False,
                                          no_network=True, load_dtd=False, huge_tree=False):
                r = row.get("r")
                if r is not None:
                    try:
                        row_counter = int(r)
                    except ValueError:
                        number = float(r)
                        if not number.is_integer():
                            raise ValueError(f"{r} is not a valid row number") from None
                        row_counter = int(number)
                else:
                    row_counter += 1
                col_counter = 0
                parsed: list[tuple[int, int, Any, str | None, int]] = []
                for c in row.iterchildren(c_tag):
                    kind = c.get("t", "n")
                    coordinate = c.get("r")
                    style_text = c.get("s")
                    style = int(style_text) if style_text else 0
                    if coordinate:
                        cell_row, col_counter = coordinate_to_tuple(coordinate)
                    else:
                        col_counter += 1
                        cell_row = row_counter
                    f = c.find(f_tag)
                    formula = None if f is None else _formula(f, coordinate, shared)
                    if kind == "inlineStr":
                        child = c.find(is_tag)
                        value: Any = None
                        if child is not None:
                            value = "".join((e.text or "") if e.tag == t_tag else (e.findtext(t_tag) or "")
                                            for e in child if e.tag in (t_tag, r_tag))
                    else:
                        value = self._typed(kind, c.findtext(v_tag), style)
                    parsed.append((cell_row, col_counter, value, formula, style))
                row.clear(keep_tail=False)
                if row_counter < counter:
                    continue  # a row number going back: openpyxl's read-only rows skip it
                counter = row_counter + 1
                if not parsed:
                    continue
                width = parsed[-1][1]
                placed: dict[int, tuple[int, int, Any, str | None, int]] = {}
                for item in parsed:
                    if 1 <= item[1] <= width:
                        placed[item[1]] = item
                self._count(width)
                for col in sorted(placed):
                    cell_row, _, value, formula, style = placed[col]
                    cell = self._cell((cell_row, col), value, formula, style)
                    if cell is not None:
                        self.cells[(cell_row, col)] = cell
        except etree.XMLSyntaxError as exc:
            line, column = exc.position
            raise InputError.single("IN-XML-CORRUPT", f"{self.part} 第 {line} 行第 {column} 列的 XML 已损坏：{exc.msg}。",
                                    Location(file=self.file, cell=self.part)) from None


@functools.lru_cache(maxsize=4096)
def _label(text: str) -> str:
    return normalize_label(text)


def _outside_ok(xml: bytes, file: str, part: str) -> bool:
    """Whether a sheet without its rows is XML whose root is a worksheet of the main namespace (remembered)."""
    ok = _OUTSIDE.get(xml)
    if ok is None:
        try:
            root = parse_xml(xml, file=file, part=part)
        except InputError:
            return False
        ok = _keep(_OUTSIDE, xml, bool(root.tag == f"{_N}worksheet" and root.find(f"{_N}sheetData") is not None), 256)
    return ok


_OUTSIDE: dict[bytes, bool] = {}
_AROUND: dict[str, tuple[bytes, bytes]] = {}
"""Worksheet part → what stood before and after its sheetData when it was last read and found well-formed."""


def _merges(xml: bytes) -> tuple[tuple[int, int, int, int], ...]:
    """The merged ranges in ``xml`` (remembered for what follows sheetData: the forms of a run share it)."""
    known = _MERGES.get(xml)
    if known is None:
        boxes = []
        for m in _MERGE.finditer(xml):
            min_col, min_row, max_col, max_row = range_boundaries(m.group(1).decode())
            boxes.append((min_row, min_col, max_row, max_col))
        known = tuple(boxes)
        if len(xml) <= _ROW_CACHE_BYTES * 16:
            _keep(_MERGES, xml, known, 256)
    return known


_MERGES: dict[bytes, tuple[tuple[int, int, int, int], ...]] = {}


def _formula(f: Any, coordinate: str | None, shared: dict[str | None, Translator]) -> str:
    """The formula of a cell as openpyxl gives it (a shared formula translated to the cell)."""
    value = "=" + (f.text or "")
    kind = f.get("t")
    if kind == "shared":
        index = f.get("si")
        if index in shared:
            return str(shared[index].translate_formula(coordinate))
        if value != "=":
            shared[index] = Translator(value, coordinate)
    return value

