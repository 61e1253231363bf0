"""Plain tables streamed straight into an .xlsx: the workbook of :mod:`reportgen.formats.excel._tables`, fast.

openpyxl's write-only mode still builds a cell object with its style objects per value (about 0.1 ms
each: ``summary.xlsx`` of 38,602 townships took ~11 s); here each row is one string written into the
zip member as it is produced.  The look is the plain table's: bold header on a light fill, frozen header
row, an autofilter, wrapped top-aligned text, the given column widths; values are stored as
:func:`~reportgen.formats.excel._tables.table_value` stores them — text as inline strings (never a
formula), characters XML cannot hold dropped, an amount's exact digits kept.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import attrs
from openpyxl.utils import get_column_letter

from reportgen.formats._io import atomic_path
from reportgen.formats.excel._tables import table_value

__all__ = ["StreamTable", "write_tables"]


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


def _cell(ref: str, value: object, style_text: int) -> str:
    v = table_value(value)
    if v is None:
        return ""
    if isinstance(v, str):
        return f'<c r="{ref}" s="{style_text}" t="inlineStr"><is><t xml:space="preserve">{escape(v)}</t></is></c>'
    if isinstance(v, bool):
        return f'<c r="{ref}" t="b"><v>{int(v)}</v></c>'
    return f'<c r="{ref}"><v>{v!r}</v></c>' if isinstance(v, float) else f'<c r="{ref}"><v>{v}</v></c>'


def _sheet(package: zipfile.ZipFile, name: str, table: StreamTable) -> int:
    """Write one sheet's XML into ``package`` as a stream; returns the number of rows (header included)."""
    letters = [get_column_letter(i) for i in range(1, len(table.header) + 1)]
    with package.open(name, "w", force_zip64=True) as raw:
        def put(text: str) -> None:
            raw.write(text.encode("utf-8"))

        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(table.widths, 1))
        put(f'{_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetViews><sheetView workbookViewId="0">'
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
            if len(batch) >= 512:
                put("".join(batch))
                batch.clear()
        put("".join(batch))
        put("</sheetData>")
        if table.autofilter:
            put(f'<autoFilter ref="A1:{letters[-1]}{n}"/>')
        put("</worksheet>")
    return n


def write_tables(path: str | os.PathLike[str], tables: Sequence[StreamTable]) -> Path:
    """Write ``tables`` as the sheets of one workbook at ``path``, atomically, each row streamed as it comes."""
    target = Path(path)
    filters = []
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        for i, table in enumerate(tables):
            if len(table.widths) != len(table.header):
                raise ValueError(f"{len(table.header)} columns but {len(table.widths)} widths")
            n = _sheet(package, f"xl/worksheets/sheet{i + 1}.xml", table)
            if table.autofilter:
                title = table.title.replace("'", "''")
                letter = get_column_letter(len(table.header))
                filters.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
                               f"{escape(chr(39) + title + chr(39))}!$A$1:${letter}${n}</definedName>")
        sheets = "".join(f'<sheet name={quoteattr(t.title)} sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                         for i, t in enumerate(tables))
        names = f"<definedNames>{''.join(filters)}</definedNames>" if filters else ""
        package.writestr("xl/workbook.xml", f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews>'
                         f'<workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets>{names}</workbook>')
        rels = "".join(f'<Relationship Id="rId{i + 1}" Type="{_REL}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                       for i in range(len(tables)))
        package.writestr("xl/_rels/workbook.xml.rels", f'{_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/'
                         f'package/2006/relationships">{rels}<Relationship Id="rId{len(tables) + 1}" '
                         f'Type="{_REL}/styles" Target="styles.xml"/></Relationships>')
        package.writestr("xl/styles.xml", _STYLES)
        package.writestr("_rels/.rels", f'{_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                         f'relationships"><Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
                         "</Relationships>")
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
                            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(len(tables)))
        package.writestr("[Content_Types].xml", f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                         'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                         'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                         '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                         'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" '
                         'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                         f"{overrides}</Types>")
    return target
