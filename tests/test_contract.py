"""One input contract: the same mistake gets the same code, table, row, column and message in every format.

Each :class:`Mistake` is entered into a valid input of every :data:`FORMATS` entry — YAML, JSON, the fill-in
form, the county workbook, a published .docx and a published web page — each built with the library's own
writers and then changed the way a user would (openpyxl for workbooks, the document's XML for a .docx, a page
built from it as ``scripts/make_published_corpus.py`` builds them).  The finding reported at the mistake's own
place (``$.path``, ``sheet!cell``, or a published table's table / row / column) is compared with the YAML one.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import attrs
import hypothesis.strategies as st
import openpyxl
import pytest
import yaml
from hypothesis import given
from openpyxl.utils import get_column_letter

from reportgen.domain.carry import CARRIED_OVER, Read, carry_over
from reportgen.domain.catalogue import CATALOGUE
from reportgen.domain.codes import Findings, top_code
from reportgen.domain.errors import ExtractError, InputError
from reportgen.domain.findings import Finding, Location
from reportgen.domain.layout import FormatVersion, get_layout
from reportgen.domain.model import OrganKind, Report
from reportgen.domain.values import (
    InvalidValue,
    Reason,
    as_printed,
    describe,
    is_date_text,
    parse_date,
    parse_organ_kind,
    parse_version,
    parse_year,
)
from reportgen.formats.excel import county
from reportgen.formats.excel.county import (
    DATA_SHEET,
    FIRST_FIGURE_COLUMN,
    HEADER_ROWS,
    CountyRow,
    figure_columns,
    iter_county,
    write_county_form,
)
from reportgen.formats.excel.read import read_form
from reportgen.formats.excel.sheets import INFO_FIELD_ROW, INFO_SHEET, grid_coord, table_sheet_title
from reportgen.formats.excel.write import render_xlsx
from reportgen.formats.inputs.mapping import dumps, read_mapping
from reportgen.formats.load import load, read
from reportgen.formats.published.docx import read_docx
from reportgen.formats.published.extract import extract, read_published
from reportgen.formats.word.render import render_docx
from reportgen.pipelines import generate
from scripts.make_published_corpus import page

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "zhaoyuan-natural-resources-2022.yaml"
LAYOUT = get_layout()

Figure = tuple[str, str, str]
"""``(table, row, column)`` keys of one figure."""


@attrs.frozen
class Mistake:
    """One thing a user gets wrong: ``value`` written into ``field`` (a report field or a figure)."""

    id: str
    field: str | Figure
    """``year``, ``format_version``, ``publication_date``, ``organ.kind``, ``organ.name``, ``processing_fee``
    or a figure ``(table, row, column)``."""
    value: object
    code: str
    """The code every format reports."""
    skip: frozenset[str] = frozenset()
    """Formats where the mistake cannot be made (the county workbook derives the organ name)."""

    @property
    def workbook_level(self) -> bool:
        """Whether the mistake makes a whole county workbook unreadable (so it is entered alone)."""
        return self.field in ("year", "format_version")


MISTAKES: tuple[Mistake, ...] = (
    Mistake("negative-count", ("table3", "denied_state_secret", "natural_person"), -1, "IN-NEGATIVE"),
    Mistake("negative-count-text", ("table3", "carried_forward", "other"), "-3", "IN-NEGATIVE"),
    Mistake("negative-table4", ("table4", "review", "upheld"), -2, "IN-NEGATIVE"),
    Mistake("fraction", ("table3", "granted", "commercial"), 1.5, "IN-FRACTION"),
    Mistake("fraction-text", ("table3", "unavailable_not_held", "research"), "2.5", "IN-FRACTION"),
    Mistake("fraction-single-column-row", ("table2", "licensing", "decisions"), 2.5, "IN-FRACTION"),
    Mistake("text", ("table3", "granted", "natural_person"), "abc", "IN-TYPE"),
    Mistake("chinese-numeral", ("table3", "new_received", "natural_person"), "三", "IN-TYPE"),
    Mistake("text-table4", ("table4", "litigation_direct", "corrected"), "x", "IN-TYPE"),
    Mistake("boolean", ("table2", "normative_documents", "issued"), True, "IN-TYPE"),
    Mistake("amount-places", ("table2", "administrative_fees", "amount"), 0.1234567, "IN-PRECISION"),
    Mistake("amount-negative", ("table2", "administrative_fees", "amount"), -1.5, "IN-NEGATIVE"),
    Mistake("amount-text", ("table2", "administrative_fees", "amount"), "十万", "IN-TYPE"),
    Mistake("year-too-early", "year", 1999, "IN-YEAR"),
    Mistake("year-too-late", "year", 2200, "IN-YEAR"),
    Mistake("year-text", "year", "明年", "IN-YEAR"),
    Mistake("year-missing", "year", None, "IN-YEAR"),
    Mistake("format", "format_version", "2020", "IN-FORMAT"),
    Mistake("kind", "organ.kind", "乡政府", "IN-KIND"),
    Mistake("kind-typo", "organ.kind", "twonship", "IN-KIND"),
    Mistake("date-impossible", "publication_date", "2023-02-30", "IN-DATE"),
    Mistake("date-text", "publication_date", "明天", "IN-DATE"),
    Mistake("fee-negative", "processing_fee", -5, "IN-NEGATIVE"),
    Mistake("fee-places", "processing_fee", 0.1234567, "IN-PRECISION"),
    Mistake("fee-text", "processing_fee", "abc", "IN-TYPE"),
    Mistake("organ-name-missing", "organ.name", None, "IN-MISSING", skip=frozenset({"county"})),
)


def _batches(mistakes: Sequence[Mistake]) -> tuple[tuple[Mistake, ...], ...]:
    """Mistakes grouped so that no two in a group touch the same field (one input file per group)."""
    groups: list[list[Mistake]] = []
    for mistake in mistakes:
        if mistake.workbook_level:
            groups.append([mistake])
            continue
        group = next((g for g in groups if not g[0].workbook_level and all(m.field != mistake.field for m in g)),
                     None)
        if group is None:
            groups.append([mistake])
        else:
            group.append(mistake)
    return tuple(tuple(g) for g in groups)


BATCHES = _batches(MISTAKES)


@attrs.frozen
class InputFormat:
    """An input format under the contract: how to write a batch of mistakes, and how to read the findings back.

    ``enter(folder, mistakes)`` writes one input holding every mistake and returns its path and, per mistake,
    the place where that format reports it (``Location.path`` or ``Location.cell``); ``read(path)`` returns
    every finding the readers report.
    """

    name: str
    enter: Callable[[Path, Sequence[Mistake]], tuple[Path, dict[str, str]]]
    read: Callable[[Path], list[Finding]]
    place: Callable[[Finding], str | None]
    """The part of a finding's location that ``enter``'s places name (path or cell)."""
    cannot: Mapping[str, str] = attrs.field(factory=dict)
    """Mistakes (by id) that cannot be made in this format, with the reason."""

    def makes(self, mistake: Mistake) -> bool:
        """Whether ``mistake`` can be made in this format."""
        return self.name not in mistake.skip and mistake.id not in self.cannot


@cache
def _report() -> Report:
    return load(EXAMPLE)


def _errors_of(call: Callable[[], object]) -> list[Finding]:
    try:
        call()
    except InputError as exc:
        return list(exc.findings)
    return []


# -- YAML and JSON -------------------------------------------------------------------------------


def _mapping_path(field: str | Figure, data: dict[str, Any]) -> str:
    if isinstance(field, str):
        return f"$.{field}"
    table, row, col = field
    single = not isinstance(data[table]["rows"].get(row), dict)
    return f"$.{table}.rows.{row}" if single else f"$.{table}.rows.{row}.{col}"


def _mapping_data(mistakes: Sequence[Mistake]) -> tuple[dict[str, Any], dict[str, str]]:
    data = json.loads(dumps(_report(), "json"))
    places: dict[str, str] = {}
    for m in mistakes:
        places[m.id] = _mapping_path(m.field, data)
        value = float(m.value) if isinstance(m.value, Decimal) else m.value
        if isinstance(m.field, str):
            *parents, key = m.field.split(".")
            target = data
            for parent in parents:
                target = target[parent]
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value
        else:
            table, row, col = m.field
            rows = data[table]["rows"]
            if isinstance(rows.get(row), dict):
                rows[row][col] = value
            else:
                rows[row] = value
    return data, places


def _enter_yaml(folder: Path, mistakes: Sequence[Mistake]) -> tuple[Path, dict[str, str]]:
    data, places = _mapping_data(mistakes)
    path = folder / "input.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path, places


def _enter_json(folder: Path, mistakes: Sequence[Mistake]) -> tuple[Path, dict[str, str]]:
    data, places = _mapping_data(mistakes)
    path = folder / "input.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path, places


# -- the fill-in form --------------------------------------------------------------------------


@cache
def _form_bytes(folder: Path) -> bytes:
    return render_xlsx(_report(), folder / "base.xlsx").read_bytes()


def _enter_form(folder: Path, mistakes: Sequence[Mistake]) -> tuple[Path, dict[str, str]]:
    path = folder / "form.xlsx"
    path.write_bytes(_form_bytes(folder.parent))
    wb = openpyxl.load_workbook(path)
    places: dict[str, str] = {}
    for m in mistakes:
        if isinstance(m.field, str):
            sheet, coord = INFO_SHEET, f"C{INFO_FIELD_ROW[m.field]}"
        else:
            table = LAYOUT.table(m.field[0])
            sheet, coord = table_sheet_title(table), grid_coord(table.figure_cell(m.field[1:]))
        wb[sheet][coord] = m.value
        places[m.id] = f"{sheet}!{coord}"
    wb.save(path)
    return path, places


# -- the county workbook -----------------------------------------------------------------------

_TOWNSHIP = "金岭镇"
_ROW = HEADER_ROWS + 1
_ROW_FIELDS = {"organ.kind": 3, "publication_date": 4, "processing_fee": 5}
"""Columns (1-based) of the 数据 sheet's fields of a township."""


def _info_row(key: str) -> int:
    return 2 + [k for k, _ in county._INFO_FIELDS].index(key)


@cache
def _county_bytes(folder: Path) -> bytes:
    row = CountyRow(name=_TOWNSHIP, kind=OrganKind.TOWNSHIP, publication_date=dt.date(2023, 1, 18))
    return write_county_form(folder / "base-county.xlsx", [row], year=2022, county="招远市").read_bytes()


def _enter_county(folder: Path, mistakes: Sequence[Mistake]) -> tuple[Path, dict[str, str]]:
    path = folder / "county.xlsx"
    path.write_bytes(_county_bytes(folder.parent))
    wb = openpyxl.load_workbook(path)
    columns = [(fc.table, fc.row, fc.column) for fc in figure_columns()]
    places: dict[str, str] = {}
    for m in mistakes:
        if m.workbook_level:
            sheet, coord = county.INFO_SHEET, f"B{_info_row(str(m.field))}"
        elif isinstance(m.field, str):
            sheet, coord = DATA_SHEET, f"{get_column_letter(_ROW_FIELDS[m.field])}{_ROW}"
        else:
            sheet, coord = DATA_SHEET, f"{get_column_letter(FIRST_FIGURE_COLUMN + columns.index(m.field))}{_ROW}"
        wb[sheet][coord] = m.value
        places[m.id] = f"{sheet}!{coord}"
    wb.save(path)
    return path, places


def _read_county(path: Path) -> list[Finding]:
    def entries() -> list[Finding]:
        found: list[Finding] = []
        for entry in iter_county(path):
            if isinstance(entry.result, InputError):
                found.extend(entry.result.findings)
        return found

    try:
        return entries()
    except InputError as exc:
        return list(exc.findings)


# -- published reports: .docx and web pages ----------------------------------------------------------

_NOT_PRINTED: Mapping[str, str] = {
    "negative-count-text": "YAML tells the quoted text “-3” from the number -3; a printed report prints only the "
                           "digits, which are the number (整数 -3): that printed mistake is negative-count",
    "fraction-text": "YAML tells the quoted text “2.5” from the number 2.5; a printed report prints only the digits, "
                     "which are the number (小数 2.5): that printed mistake is fraction-single-column-row",
    "boolean": "a printed report has no booleans; a printed “true” is text (the mistake text)",
    "year-text": "a title without a four-digit year is no report title: EX-TITLE, a published-only condition "
                 "(the year is looked for in the header, <title>, first sentence and file name)",
    "year-missing": "a title without a year is EX-TITLE (published-only), as year-text",
    "format": "a printed report states no format version; it is told from the tables' labels",
    "kind": "a printed report prints no organ kind; it is inferred from the organ's name, which never fails",
    "kind-typo": "a printed report prints no organ kind (as kind)",
    "date-text": "a last line not written as a date is prose: nothing says it was meant as the publication date",
    "organ-name-missing": "a title without an organ name is EX-TITLE (published-only)",
}
"""The mistakes a published report cannot carry, and why."""

_FEE = Decimal("12.5")
_TITLE_YEAR = "2022年度政府信息公开工作年度报告"


def _sentinels() -> dict[Figure, int]:
    """A distinct figure per figure field of the mistakes, printed once where the mistake is entered: far
    above the example's figures so that no total equals one (a total comes after its terms in print)."""
    fields = dict.fromkeys(m.field for m in MISTAKES if not isinstance(m.field, str))
    return {field: 90017 + 1000 * i for i, field in enumerate(fields)}


@cache
def _published_docx(folder: Path) -> bytes:
    """The example rendered by the library's renderer, with a fee and the sentinel figures."""
    report = _report().evolve(processing_fee=_FEE)
    for (table, row, col), value in _sentinels().items():
        kind = LAYOUT.table(table).kind((row, col))
        figure = Decimal(value) if kind == "amount" else value
        report = report.evolve(**{table: report.table(table).replace((row, col), figure)})
    return render_docx(report, folder / "published-base.docx").read_bytes()


def _printed(value: object) -> str:
    return str(value)


def _published_place(finding: Finding) -> str | None:
    loc = finding.location
    return loc.path or f"{loc.table}|{loc.row}|{loc.column}"


def _enter_docx(folder: Path, mistakes: Sequence[Mistake]) -> tuple[Path, dict[str, str]]:
    """The rendered report with each mistake printed where a hand-edited report prints it: a figure in its
    cell, the year in the title, the fee in the 信息处理费 sentence, a date line at the end."""
    with zipfile.ZipFile(io.BytesIO(_published_docx(folder.parent))) as package:
        parts = {info: package.read(info) for info in package.infolist()}
    name = next(i for i in parts if i.filename == "word/document.xml")
    xml = parts[name].decode("utf-8")
    places: dict[str, str] = {}
    for m in mistakes:
        printed = _printed(m.value)
        if isinstance(m.field, str):
            places[m.id] = f"$.{m.field}"
            if m.field == "year":
                old, new = f">{_TITLE_YEAR}<", f">{printed}{_TITLE_YEAR[4:]}<"
            elif m.field == "processing_fee":
                old, new = f"信息处理费{_FEE}元", f"信息处理费{printed}元"
            else:
                assert m.field == "publication_date", m.field
                end = xml.rindex("<w:sectPr")
                xml = xml[:end] + f"<w:p><w:r><w:t>{printed}</w:t></w:r></w:p>" + xml[end:]
                continue
            assert xml.count(old) == 1, (m.id, old)
            xml = xml.replace(old, new)
            continue
        table, row, col = m.field
        where = LAYOUT.table(table).cell_location((row, col))
        places[m.id] = f"{where.table}|{where.row}|{where.column}"
        old = f">{_sentinels()[m.field]}</w:t>"
        assert old in xml, m.id
        xml = xml.replace(old, f">{printed}</w:t>", 1)  # the cell itself: its totals come after it
    parts[name] = xml.encode("utf-8")
    path = folder / "report.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in parts.items():
            out.writestr(info, data)
    return path, places


def _enter_html(folder: Path, mistakes: Sequence[Mistake]) -> tuple[Path, dict[str, str]]:
    """The .docx with the mistakes, published as a web page (HTML tables with rowspan/colspan)."""
    docx, places = _enter_docx(folder, mistakes)
    path = folder / "report.html"
    path.write_text(page(list(read_docx(docx).blocks), title="政府信息公开"), encoding="utf-8")
    return path, places


def _read_published(path: Path) -> list[Finding]:
    return list(read_published(path).findings)


FORMATS: tuple[InputFormat, ...] = (
    InputFormat("yaml", _enter_yaml, lambda p: _errors_of(lambda: load(p)), lambda f: f.location.path),
    InputFormat("json", _enter_json, lambda p: _errors_of(lambda: load(p)), lambda f: f.location.path),
    InputFormat("form", _enter_form, lambda p: _errors_of(lambda: read_form(p)), lambda f: f.location.cell),
    InputFormat("county", _enter_county, _read_county, lambda f: f.location.cell),
    InputFormat("docx", _enter_docx, _read_published, _published_place, _NOT_PRINTED),
    InputFormat("html", _enter_html, _read_published, _published_place, {
        **_NOT_PRINTED,
        "date-impossible": "the page's site footer (主办：…) follows the date line, and the publication date is "
                           "read only from the document's last line (a known limit of the web-page reader)",
    }),
)
"""Every format under the contract; the first is the reference the others are compared with."""


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], list[Finding]]:
    """``(format, mistake id)`` → the findings reported at the mistake's place (each batch read once)."""
    root = tmp_path_factory.mktemp("contract")
    out: dict[tuple[str, str], list[Finding]] = {}
    for fmt in FORMATS:
        for i, batch in enumerate(BATCHES):
            entered = [m for m in batch if fmt.makes(m)]
            if not entered:
                continue
            folder = root / fmt.name / str(i)
            folder.mkdir(parents=True)
            path, places = fmt.enter(folder, entered)
            findings = fmt.read(path)
            for m in entered:
                out[(fmt.name, m.id)] = [f for f in findings if fmt.place(f) == places[m.id]]
            placed = set(places.values())
            stray = [f for f in findings if fmt.place(f) not in placed]
            assert not stray, (fmt.name, [str(f) for f in stray])
    return out


def _key(finding: Finding) -> tuple[str, str | None, str | None, str | None, str]:
    loc = finding.location
    return (finding.code, loc.table, loc.row, loc.column, finding.message)


def test_batches_enter_every_mistake_once() -> None:
    """Every mistake is in exactly one batch; no batch touches a field twice; there are at least 20 mistakes."""
    assert len(MISTAKES) >= 20
    assert sorted(m.id for b in BATCHES for m in b) == sorted(m.id for m in MISTAKES)
    for batch in BATCHES:
        assert len({m.field for m in batch}) == len(batch)


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.id)
def test_reference_format_reports_the_code(mistake: Mistake, reported: dict[tuple[str, str], list[Finding]]) -> None:
    """YAML (the reference) reports exactly one finding of the expected code at the mistake's path."""
    (finding,) = reported[(FORMATS[0].name, mistake.id)]
    assert finding.code == mistake.code
    assert finding.code in CATALOGUE


@pytest.mark.parametrize("fmt", FORMATS[1:], ids=lambda f: f.name)
@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.id)
def test_same_mistake_same_finding(mistake: Mistake, fmt: InputFormat,
                                   reported: dict[tuple[str, str], list[Finding]]) -> None:
    """Every format reports the mistake once, with YAML's code, table, row label, column label and message."""
    if not fmt.makes(mistake):
        pytest.skip(f"{mistake.id} cannot be made in {fmt.name}: {fmt.cannot.get(mistake.id, 'see Mistake.skip')}")
    (reference,) = reported[(FORMATS[0].name, mistake.id)]
    (finding,) = reported[(fmt.name, mistake.id)]
    assert _key(finding) == _key(reference)


def test_figure_findings_use_the_layouts_labels(reported: dict[tuple[str, str], list[Finding]]) -> None:
    """A figure's finding names the table, row and column as TableLayout.cell_location spells them, in every format."""
    for m in MISTAKES:
        if isinstance(m.field, str):
            continue
        expected = LAYOUT.table(m.field[0]).cell_location(m.field[1:])
        for fmt in FORMATS:
            if not fmt.makes(m):
                continue
            (finding,) = reported[(fmt.name, m.id)]
            loc = finding.location
            assert (loc.table, loc.row, loc.column) == (expected.table, expected.row, expected.column), fmt.name


def test_published_error_code_by_the_one_rule(tmp_path: Path) -> None:
    """extract() raises with the code its error findings share (IN-YEAR), else EXTRACT-FAILED."""
    by_id = {m.id: m for m in MISTAKES}
    (tmp_path / "one").mkdir()
    path, _ = _enter_docx(tmp_path / "one", [by_id["year-too-early"]])
    with pytest.raises(ExtractError) as one:
        extract(path)
    assert one.value.code == "IN-YEAR"
    (tmp_path / "two").mkdir()
    path, _ = _enter_docx(tmp_path / "two", [by_id["negative-count"], by_id["text"]])
    with pytest.raises(ExtractError) as two:
        extract(path)
    assert {f.code for f in two.value.findings} == {"IN-NEGATIVE", "IN-TYPE"}
    assert two.value.code == "EXTRACT-FAILED"


# -- the values behind the contract ------------------------------------------------------------


@pytest.mark.parametrize(("text", "described"), [
    ("-1", "整数 -1"), ("1.5", "小数 1.5"), ("１２件", "整数 12"), ("1,234", "整数 1234"), ("−2", "整数 -2"),
    ("abc", "文本“abc”"), ("三", "文本“三”"), ("1,5", "文本“1,5”"),
])
def test_a_printed_number_is_described_as_the_number(text: str, described: str) -> None:
    """A published report is only text: a printed figure is described as the number it prints, other text as text."""
    assert describe(as_printed(text)) == described


def test_date_lines_are_told_whether_or_not_the_day_exists() -> None:
    """A line written as a date is a date line even when the day does not exist; prose is not."""
    for line in ("2023年2月30日", "2023-01-18", " 2023 年 1 月 18 日 "):
        assert is_date_text(line), line
    for line in ("明天", "2023年1月18日发布"):
        assert not is_date_text(line), line


@given(st.integers(min_value=2008, max_value=2100), st.sampled_from(["{}", " {} ", "{}年", "{}年度", "{}.0"]))
def test_parse_year_reads_what_users_write(year: int, form: str) -> None:
    """A year is read from an int, a float cell, full-width or suffixed text; the number comes back."""
    text = form.format(year)
    assert parse_year(float(text) if form == "{}.0" else text) == year
    assert parse_year(year) == year
    if form != "{}.0":
        assert parse_year(text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))) == year


@pytest.mark.parametrize("value", [2007, 2101, "abc", True, 2022.5, [2022], "二〇二二"])
def test_parse_year_refuses_other_values(value: object) -> None:
    """Anything that is not a year 2008–2100 is Reason.RANGE."""
    with pytest.raises(InvalidValue) as exc:
        parse_year(value)
    assert exc.value.reason is Reason.RANGE


@given(st.dates(min_value=dt.date(2008, 1, 1), max_value=dt.date(2100, 12, 31)),
       st.sampled_from(["{y}-{m:02d}-{d:02d}", "{y}/{m}/{d}", "{y}.{m}.{d}", "{y}年{m}月{d}日", "{y} 年 {m} 月 {d} 日"]))
def test_parse_date_round_trips_every_accepted_form(date: dt.date, form: str) -> None:
    """Every written form of a date reads back as that date."""
    assert parse_date(form.format(y=date.year, m=date.month, d=date.day)) == date


def test_parse_date_serials_only_when_asked() -> None:
    """An Excel serial number is a date only in worksheets; a day that does not exist is refused."""
    assert parse_date(44944, serials=True) == dt.date(2023, 1, 18)
    for value in (44944, "2023-02-30", "明天"):
        with pytest.raises(InvalidValue) as exc:
            parse_date(value)
        assert exc.value.reason is Reason.DATE
    assert parse_date("") is None
    assert parse_date(None) is None


def test_parse_organ_kind_and_version() -> None:
    """Organ kinds by value (any case), label or short word; versions as text or int; others refused."""
    for kind in OrganKind:
        assert parse_organ_kind(kind.value.upper()) is kind
        assert parse_organ_kind(f" {kind.label} ") is kind
    assert parse_organ_kind("街道") is OrganKind.STREET
    assert parse_version(2019) is FormatVersion.V2019
    assert parse_version("2021年格式") is FormatVersion.V2021
    for call, value in ((parse_organ_kind, "乡政府"), (parse_version, "2020"), (parse_version, "2019 2021")):
        with pytest.raises(InvalidValue) as exc:
            call(value)
        assert exc.value.reason is Reason.UNKNOWN


# -- the collector and carry-over -----------------------------------------------------------------


def test_one_rule_for_the_top_level_code() -> None:
    """An error's code is its findings' one code; several codes make it IN-INVALID (or the error class's own)."""
    found = Findings(file="a.yaml")
    found.add("IN-YEAR", Location(path="$.year"), found="整数 1999")
    found.add("IN-YEAR", Location(path="$.year"), found="整数 1")
    with pytest.raises(InputError) as exc:
        found.raise_if_any()
    assert exc.value.code == "IN-YEAR"
    assert all(f.location.file == "a.yaml" for f in exc.value.findings)
    found.add("IN-DATE", Location(path="$.publication_date"), found="文本“x”")
    assert top_code(found.items) == "IN-INVALID"
    Findings().raise_if_any()  # nothing found: nothing raised


def test_carry_over_fills_only_an_omitted_row() -> None:
    """上年结转 comes from last year's 结转下年度继续办理 only when the input left the row out."""
    this_year = json.loads(dumps(_report(), "json"))
    del this_year["table3"]["rows"]["carried_over"]
    read = read_mapping(this_year)
    assert CARRIED_OVER in read.omitted
    last = _report()
    carried = carry_over(read.report, last, read.omitted)
    for col in LAYOUT.table("table3").columns:
        assert carried.table3[("carried_over", col.key)] == last.table3[("carried_forward", col.key)]
    assert carry_over(read.report, None, read.omitted) is read.report
    given = read_mapping(json.loads(dumps(_report(), "json")))
    assert CARRIED_OVER not in given.omitted
    assert carry_over(given.report, last, given.omitted) is given.report



def test_load_with_previous_reads_each_input_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--previous reads the input once and carries 上年结转 over from the matching last-year report."""
    this_year = json.loads(dumps(_report(), "json"))
    this_year["year"] = _report().year + 1
    del this_year["table3"]["rows"]["carried_over"]
    path = tmp_path / "this-year.json"
    path.write_text(json.dumps(this_year, ensure_ascii=False), encoding="utf-8")
    reads: list[Path] = []
    real_read = read

    def counting_read(source: Path) -> Read:
        reads.append(source)
        return real_read(source)

    monkeypatch.setattr(generate, "read", counting_read)
    report, prev, notes = generate.load_with_previous(path, [_report()])
    assert reads == [path]
    assert prev is _report()
    assert notes == ()
    assert report.table3[("carried_over", "total")] == _report().table3[("carried_forward", "total")]
