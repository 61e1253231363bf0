"""Plain tables streamed straight into an .xlsx: the workbook of :mod:`reportgen.formats.excel._tables`, fast.

openpyxl's write-only mode still builds a cell object and its style objects per value (~2.7 ms per township
for ``summary.xlsx``: ~11 s at 38,602 townships); here each row is one string written into the zip member as
it is produced, so neither time per row nor memory depends on what came before.

The look is the plain table's (:func:`~reportgen.formats.excel._tables.write_table`): bold header on a light
fill, frozen header row, an optional autofilter, wrapped top-aligned text, the given column widths, printed A4
landscape fit to the page width with the header row repeated.  Values are stored as
:func:`~reportgen.formats.excel._tables.table_value` stores them: text as inline strings — never a formula,
whatever it starts with (``=1+1`` stays text) — with the characters XML cannot hold dropped, an amount's
exact digits kept.  A :class:`Formula` is the one way to write a formula: its text (ours, never a user's) and
the value it has, stored beside it so that a reader that does not recalculate sees the value too.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import attrs
from openpyxl.utils import get_column_letter

from reportgen.formats._io import atomic_path
from reportgen.formats.excel._tables import table_value

__all__ = ["Formula", "StreamTable", "write_tables"]


@attrs.frozen
class Formula:
    """A formula cell: ``text`` without the leading ``=`` (built by reportgen, never from user text) and the
    ``value`` it computes (stored as the cell's cached value)."""

    text: str
    value: int | Decimal | None = None


@attrs.frozen
class StreamTable:
    """One sheet: its title, header, column widths and rows (any iterable, consumed once while writing)."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[object]]
    widths: Sequence[float]
    autofilter: bool = True


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STYLES = (
    f'{_HEAD}<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="00DDEBF7"/><bgColor indexed="64"/></patternFill></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
_HEADER_STYLE, _TEXT_STYLE = 1, 2
_BATCH = 512
"""Rows joined into one write to the zip member."""


def _number(value: int | float | Decimal) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return repr(value) if isinstance(value, float) else str(value)


def _cell(ref: str, value: object, text_style: int) -> str:
    if isinstance(value, Formula):
        cached = "" if value.value is None else f"<v>{_number(value.value)}</v>"
        return f"<c r=\"{ref}\"><f>{escape(value.text)}</f>{cached}</c>"
    v = table_value(value)
    if v is None:
        return ""
    if isinstance(v, str):
        return f'<c r="{ref}" s="{text_style}" t="inlineStr"><is><t xml:space="preserve">{escape(v)}</t></is></c>'
    if isinstance(v, bool):
        return f'<c r="{ref}" t="b"><v>{int(v)}</v></c>'
    return f'<c r="{ref}"><v>{_number(v)}</v></c>'


def _sheet(package: zipfile.ZipFile, name: str, table: StreamTable) -> int:
    """Write one sheet's XML into ``package`` as a stream; returns the number of rows (header included)."""
    letters = [get_column_letter(i) for i in range(1, len(table.header) + 1)]
    with package.open(name, "w", force_zip64=True) as raw:
        def put(text: str) -> None:
            raw.write(text.encode("utf-8"))

        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(table.widths, 1))
        put(f'{_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>')
        put('<row r="1">' + "".join(_cell(f"{c}1", h, _HEADER_STYLE) for c, h in zip(letters, table.header, strict=True))
            + "</row>")
        n = 1
        batch: list[str] = []
        for row in table.rows:
            n += 1
            batch.append(f'<row r="{n}">' + "".join(_cell(f"{c}{n}", v, _TEXT_STYLE) for c, v in zip(letters, row, strict=False))
                         + "</row>")
            if len(batch) >= _BATCH:
                put("".join(batch))
                batch.clear()
        put("".join(batch))
        put("</sheetData>")
        if table.autofilter:
            put(f'<autoFilter ref="A1:{letters[-1]}{n}"/>')
        put('<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
            '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/></worksheet>')
    return n


def write_tables(path: str | os.PathLike[str], tables: Sequence[StreamTable]) -> Path:
    """Write ``tables`` as the sheets of one workbook at ``path``, atomically, each row streamed as it comes."""
    target = Path(path)
    names = []
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        for i, table in enumerate(tables):
            if len(table.widths) != len(table.header):
                raise ValueError(f"{len(table.header)} columns but {len(table.widths)} widths")
            n = _sheet(package, f"xl/worksheets/sheet{i + 1}.xml", table)
            quoted = escape("'" + table.title.replace("'", "''") + "'")
            if table.autofilter:
                letter = get_column_letter(len(table.header))
                names.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
                             f"{quoted}!$A$1:${letter}${n}</definedName>")
            names.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">{quoted}!$1:$1</definedName>')
        sheets = "".join(f'<sheet name={quoteattr(t.title)} sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                         for i, t in enumerate(tables))
        package.writestr("xl/workbook.xml", f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews>'
                         f'<workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets>'
                         f"<definedNames>{''.join(names)}</definedNames><calcPr calcId=\"124519\" fullCalcOnLoad=\"1\"/>"
                         "</workbook>")
        rels = "".join(f'<Relationship Id="rId{i + 1}" Type="{_REL}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                       for i in range(len(tables)))
        package.writestr("xl/_rels/workbook.xml.rels", f'{_HEAD}<Relationships xmlns="{_PKG_REL}">{rels}'
                         f'<Relationship Id="rId{len(tables) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
                         "</Relationships>")
        package.writestr("xl/styles.xml", _STYLES)
        package.writestr("_rels/.rels", f'{_HEAD}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
                         f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="{_CT}.worksheet+xml"/>'
                            for i in range(len(tables)))
        package.writestr("[Content_Types].xml", f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                         'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                         'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                         f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
                         f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
                         f"{overrides}</Types>")
    return target
