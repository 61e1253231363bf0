"""The domain model: one immutable object graph for a whole annual report.

Users give the *leaf* figures; every 总计 is computed from the sums declared in
:mod:`reportgen.domain.layout` and never stored twice.  A total stated in an input file is kept apart
in :attr:`Table.stated` only so the checks can say where it disagrees.

Prose is a tuple of paragraphs.  ``None`` for a paragraph field means "not given": a default
sentence is then produced from the figures (see :mod:`reportgen.domain.prose`); an empty tuple means
"deliberately nothing".
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, TypeAlias

import attrs

from reportgen.domain import limits
from reportgen.domain.layout import FigureKind, FormatLayout, FormatVersion, TableLayout, get_layout

__all__ = [
    "Figure",
    "Organ",
    "OrganKind",
    "OtherItem",
    "Overview",
    "Prose",
    "Report",
    "SectionTitles",
    "Subsection",
    "Table",
    "clean_paragraphs",
    "clean_text",
    "oversized_text",
]

Figure: TypeAlias = int | Decimal
"""A count (``int``) or an amount in 万元 (``Decimal``)."""

Prose: TypeAlias = tuple[str, ...]
"""Paragraphs, in order; each a single line of cleaned text."""

MAX_DECIMAL_PLACES = 6
"""Real reports give fees exact to the 分 in 万元 (e.g. 190.457379); more is a typing error."""

# XML 1.0 cannot hold these (nor lone surrogates, nor U+FFFE/U+FFFF); Word/Excel pastes carry them.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2000-\u200b\u202f\u205f]+")


def clean_text(text: str) -> str:
    """One line of user text, safe for XML and Excel.

    Removes characters XML 1.0 cannot hold, folds runs of spaces (including full-width and
    non-breaking ones) into one ASCII space and strips the ends.  Line breaks become spaces.
    """
    text = _XML_ILLEGAL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _SPACES.sub(" ", text.replace("\n", " ")).strip()


def clean_paragraphs(value: str | Iterable[str]) -> Prose:
    """Paragraphs from a string (one paragraph per line) or from a list of strings.

    Every line is cleaned with :func:`clean_text`; empty lines are dropped.
    """
    lines: list[str] = []
    items = [value] if isinstance(value, str) else list(value)
    for item in items:
        cleaned = _XML_ILLEGAL.sub("", item.replace("\r\n", "\n").replace("\r", "\n"))
        for line in cleaned.split("\n"):
            text = _SPACES.sub(" ", line).strip()
            if text:
                lines.append(text)
    return tuple(lines)


def _optional_paragraphs(value: str | Iterable[str] | None) -> Prose | None:
    return None if value is None else clean_paragraphs(value)


def _clean_optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    text = clean_text(value)
    return text or None


class OrganKind(enum.Enum):
    """Where an organ sits; decides e.g. whether it may make 规章."""

    TOWNSHIP = "township"
    STREET = "street"
    COUNTY_GOVERNMENT = "county_government"
    COUNTY_DEPARTMENT = "county_department"
    CITY_GOVERNMENT = "city_government"
    CITY_DEPARTMENT = "city_department"
    PROVINCIAL_GOVERNMENT = "provincial_government"
    PROVINCIAL_DEPARTMENT = "provincial_department"
    NATIONAL_DEPARTMENT = "national_department"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The Chinese name of the kind."""
        return _ORGAN_KIND_LABELS[self]

    @property
    def is_township_level(self) -> bool:
        """乡镇人民政府 or 街道办事处."""
        return self in (OrganKind.TOWNSHIP, OrganKind.STREET)


_ORGAN_KIND_LABELS = {
    OrganKind.TOWNSHIP: "乡镇人民政府",
    OrganKind.STREET: "街道办事处",
    OrganKind.COUNTY_GOVERNMENT: "县级人民政府",
    OrganKind.COUNTY_DEPARTMENT: "县级人民政府部门",
    OrganKind.CITY_GOVERNMENT: "设区的市级人民政府",
    OrganKind.CITY_DEPARTMENT: "设区的市级人民政府部门",
    OrganKind.PROVINCIAL_GOVERNMENT: "省级人民政府",
    OrganKind.PROVINCIAL_DEPARTMENT: "省级人民政府部门",
    OrganKind.NATIONAL_DEPARTMENT: "国务院部门",
    OrganKind.OTHER: "其他行政机关",
}


def _non_empty(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not value:
        raise ValueError(f"{attribute.name} must not be empty")


@attrs.frozen(kw_only=True)
class Organ:
    """The administrative organ the report is for, and where it sits."""

    name: str = attrs.field(converter=clean_text, validator=_non_empty)
    """Full name, e.g. 招远市金岭镇人民政府."""
    kind: OrganKind = attrs.field(default=OrganKind.OTHER, validator=attrs.validators.instance_of(OrganKind))
    province: str = attrs.field(default="", converter=clean_text)
    city: str = attrs.field(default="", converter=clean_text)
    county: str = attrs.field(default="", converter=clean_text)


@attrs.frozen(kw_only=True)
class Subsection:
    """A subsection of 一、总体情况: an optional heading override and its paragraphs."""

    title: str | None = attrs.field(default=None, converter=_clean_optional_text)
    """Heading as printed (e.g. ``（一）主动公开政府信息情况``); ``None``: the official one."""
    paragraphs: Prose | None = attrs.field(default=None, converter=_optional_paragraphs)
    """``None``: not given (a default is produced where the figures allow)."""


@attrs.frozen(kw_only=True)
class Overview:
    """一、总体情况: an introduction and the five official subsections."""

    intro: Prose = attrs.field(default=(), converter=clean_paragraphs)
    active_disclosure: Subsection = attrs.field(factory=Subsection)
    on_request: Subsection = attrs.field(factory=Subsection)
    information_management: Subsection = attrs.field(factory=Subsection)
    platform: Subsection = attrs.field(factory=Subsection)
    supervision: Subsection = attrs.field(factory=Subsection)

    def parts(self) -> Iterator[tuple[str, Subsection]]:
        """``(key, subsection)`` in the official order."""
        for key in PART_KEYS:
            yield key, getattr(self, key)


PART_KEYS = ("active_disclosure", "on_request", "information_management", "platform", "supervision")


@attrs.frozen(kw_only=True)
class OtherItem:
    """A titled item of 六、其他需要报告的事项."""

    title: str = attrs.field(converter=clean_text, validator=_non_empty)
    """Title without its number (numbers are added when the report is laid out)."""
    key: str | None = None
    """A known item (e.g. ``processing_fee``) whose default text can be produced."""
    paragraphs: Prose | None = attrs.field(default=None, converter=_optional_paragraphs)


def _check_figure(kind: FigureKind, value: object) -> Figure:
    """The figure ``value`` if it fits ``kind``; otherwise ``ValueError``/``TypeError``."""
    if kind == "amount":
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise TypeError(f"an amount must be int or Decimal, not {type(value).__name__}")
        amount = Decimal(value)
        if not amount.is_finite() or amount < 0:
            raise ValueError(f"an amount must be a finite number ≥ 0, not {value}")
        exponent = amount.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES:
            raise ValueError(f"an amount has at most {MAX_DECIMAL_PLACES} decimal places, not {value}")
        return amount
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"a count must be a whole number, not {type(value).__name__}")
    if kind == "count" and value < 0:
        raise ValueError(f"a count must be ≥ 0, not {value}")
    return value


@attrs.frozen(kw_only=True, eq=False)
class Table:
    """The figures of one statistical table (二, 三 or 四) of one format version.

    ``figures`` holds every leaf figure (the ones a user types); sums are computed on demand
    from the layout's declarations.  ``stated`` holds totals an input also wrote down, so that
    :func:`reportgen.check` can report where they disagree.

    Build one with :meth:`from_figures`, which fills missing leaves with 0.
    """

    key: str
    version: FormatVersion = FormatVersion.V2021
    figures: Mapping[tuple[str, str], Figure]
    stated: Mapping[tuple[str, str], Figure] = attrs.field(factory=dict)
    _values: dict[tuple[str, str], Figure] = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        layout = self.layout
        leaves = layout.leaf_set
        if len(self.figures) != len(leaves) or not leaves.issuperset(self.figures):
            given = set(self.figures)
            missing = sorted(leaves - given)
            extra = sorted(given - leaves)
            raise ValueError(f"{self.key}: figures missing {missing[:3]} / unknown {extra[:3]}")
        # Own copies with amounts as Decimal: the caller's dicts may change later, totals must not go stale.
        kind = layout.kind
        figures = {ref: value if type(value) is int and value >= 0 and kind(ref) == "count"  # the common case
                   else _check_figure(kind(ref), value) for ref, value in self.figures.items()}
        stated: dict[tuple[str, str], Figure] = {}
        for ref, value in self.stated.items():
            if not layout.is_computed(ref):
                raise ValueError(f"{self.key}: {ref} is not a total")
            stated[ref] = _check_figure(layout.kind(ref), value)
        object.__setattr__(self, "figures", figures)
        object.__setattr__(self, "stated", stated)
        values: dict[tuple[str, str], Figure] = dict(figures)
        for total in layout.sums:
            values[total.target] = sum((values[t] for t in total.terms), 0)
        object.__setattr__(self, "_values", values)

    @classmethod
    def from_figures(
        cls,
        key: str,
        figures: Mapping[tuple[str, str], Figure] | None = None,
        *,
        version: FormatVersion = FormatVersion.V2021,
        stated: Mapping[tuple[str, str], Figure] | None = None,
    ) -> Table:
        """A table from the leaf figures given; leaves not given are 0 (amounts ``Decimal(0)``)."""
        layout = get_layout(version).table(key)
        kind = layout.kind
        if figures:
            unknown = set(figures) - layout.leaf_set
            if unknown:
                raise ValueError(f"{key}: unknown figures {sorted(unknown)[:3]}")
        given: Mapping[tuple[str, str], Figure] = figures or {}
        full: dict[tuple[str, str], Figure] = {
            ref: given.get(ref, Decimal(0) if kind(ref) == "amount" else 0) for ref in layout.leaf_refs()}
        return cls(key=key, version=version, figures=full, stated=dict(stated or {}))

    @property
    def layout(self) -> TableLayout:
        """The layout of this table."""
        return get_layout(self.version).table(self.key)

    def __getitem__(self, ref: tuple[str, str]) -> Figure:
        """The figure at ``(row_key, column_key)`` — a leaf or a computed total."""
        return self._values[ref]

    def value(self, row: str, column: str) -> Figure:
        """The figure in ``row`` and ``column`` (a leaf or a computed total)."""
        return self._values[(row, column)]

    def count(self, row: str, column: str) -> int:
        """A count figure as ``int`` (``TypeError`` for an amount)."""
        value = self._values[(row, column)]
        if not isinstance(value, int):
            raise TypeError(f"{(row, column)} is an amount")
        return value

    def row(self, row: str) -> dict[str, Figure]:
        """``{column_key: figure}`` for one row, totals included."""
        return {col: self._values[(row, col)] for col in self.layout.row(row).columns}

    def values(self) -> dict[tuple[str, str], Figure]:
        """Every figure, leaves and totals, keyed by ``(row_key, column_key)``."""
        return dict(self._values)

    def replace(self, ref: tuple[str, str], value: Figure) -> Table:
        """A copy with one leaf figure changed."""
        figures = dict(self.figures)
        if ref not in figures:
            raise KeyError(ref)
        figures[ref] = value
        return Table(key=self.key, version=self.version, figures=figures, stated=dict(self.stated))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Table):
            return NotImplemented
        return (
            self.key == other.key
            and self.version == other.version
            and dict(self.figures) == dict(other.figures)
            and dict(self.stated) == dict(other.stated)
        )

    def __hash__(self) -> int:
        return hash((self.key, self.version, tuple(sorted(self.figures.items()))))


def _valid_year(instance: Any, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 2008 <= value <= 2100:
        raise ValueError(f"year must be a whole number from 2008 to 2100, not {value!r}")


def _tables_match(instance: Report, attribute: attrs.Attribute[Table], value: Table) -> None:
    expected = attribute.name
    if value.key != expected:
        raise ValueError(f"{attribute.name} holds {value.key}")
    if value.version != instance.format_version:
        raise ValueError(
            f"{attribute.name} follows the {value.version.value} format, the report {instance.format_version.value}"
        )


def _amount(value: int | Decimal) -> Decimal:
    amount = _check_figure("amount", value)
    assert isinstance(amount, Decimal)  # _check_figure returns Decimal for amounts
    return amount


def _items(value: Iterable[OtherItem]) -> tuple[OtherItem, ...]:
    items = tuple(value)
    if len(items) > limits.MAX_OTHER_ITEMS:
        raise ValueError(f"other_matters: {len(items)} items, more than {limits.MAX_OTHER_ITEMS}")
    return items


class SectionTitles(Mapping[str, str]):
    """An immutable, hashable ``{section key: heading}`` mapping (the headings a report chose, see
    :attr:`Report.section_titles`); equal to any mapping with the same items."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = dict(items.items() if isinstance(items, Mapping) else items)
        for key, title in pairs.items():
            if not isinstance(key, str) or not isinstance(title, str):
                raise TypeError(f"section titles map section keys to titles (str), not {key!r}: {title!r}")
        self._items: dict[str, str] = pairs

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return f"SectionTitles({self._items!r})"

    def __getstate__(self) -> dict[str, str]:
        return self._items

    def __setstate__(self, state: dict[str, str]) -> None:
        self._items = dict(state)


def _section_titles(value: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> SectionTitles:
    return SectionTitles(() if value is None else value)


def _default_table(key: str) -> Any:
    return attrs.Factory(lambda self: Table.from_figures(key, version=self.format_version), takes_self=True)


@attrs.frozen(kw_only=True)
class Report:
    """A whole 政府信息公开工作年度报告."""

    organ: Organ = attrs.field(validator=attrs.validators.instance_of(Organ))
    year: int = attrs.field(validator=_valid_year)
    """The year reported on (a report published in January 2023 is for 2022)."""
    format_version: FormatVersion = attrs.field(default=FormatVersion.V2021, converter=FormatVersion)
    """``FormatVersion.V2021`` (or its value ``"2021"``)."""
    publication_date: dt.date | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(dt.date))
    )
    overview: Overview = attrs.field(factory=Overview)
    """一、总体情况."""
    table2: Table = attrs.field(default=_default_table("table2"), validator=_tables_match)
    """二、主动公开政府信息情况."""
    table3: Table = attrs.field(default=_default_table("table3"), validator=_tables_match)
    """三、收到和处理政府信息公开申请情况."""
    table4: Table = attrs.field(default=_default_table("table4"), validator=_tables_match)
    """四、政府信息公开行政复议、行政诉讼情况."""
    review_litigation_note: Prose | None = attrs.field(default=None, converter=_optional_paragraphs)
    """Paragraphs printed under table 四; ``None``: a default sentence from its figures."""
    problems: Prose = attrs.field(default=(), converter=clean_paragraphs)
    """五、存在的主要问题及改进情况."""
    other_matters: tuple[OtherItem, ...] = attrs.field(default=(), converter=_items)
    """六、其他需要报告的事项, in order; the 信息处理费 item is added first when missing."""
    processing_fee: Decimal = attrs.field(default=Decimal(0), converter=_amount)
    """信息处理费 charged in the year, in 元 (《政府信息公开信息处理费管理办法》)."""
    section_titles: SectionTitles = attrs.field(factory=SectionTitles, converter=_section_titles)
    """The heading printed for a section, where the report uses an alias of the official one:
    ``{"table4": "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况"}``.  Keys are section keys
    (:attr:`FormatLayout.sections`), values the official title or one of its
    :attr:`~reportgen.domain.layout.SectionSpec.aliases` (spelt as the layout does; the number may be left out).
    Empty (the default): every heading is the official one.  An official title given here is dropped,
    so ``section_titles={"table4": official}`` equals the default; anything else is a ``ValueError``."""

    def __attrs_post_init__(self) -> None:
        chosen: dict[str, str] = {}
        for section in self.layout.sections:  # in the layout's order, whatever order they were given in
            if section.key in self.section_titles:
                title = section.heading(clean_text(self.section_titles[section.key]))
                if title != section.title:
                    chosen[section.key] = title
        unknown = sorted(set(self.section_titles) - {s.key for s in self.layout.sections})
        if unknown:
            raise ValueError(f"section_titles: unknown section keys {unknown}")
        object.__setattr__(self, "section_titles", SectionTitles(chosen))

    def section_title(self, key: str) -> str:
        """The heading printed for section ``key``: the chosen alias, or the official title."""
        return self.section_titles.get(key) or self.layout.section(key).title

    @property
    def layout(self) -> FormatLayout:
        """The layout of the report's format version."""
        return get_layout(self.format_version)

    @property
    def title(self) -> str:
        """The document title, e.g. 招远市金岭镇人民政府2022年度政府信息公开工作年度报告."""
        return f"{self.organ.name}{self.year}年度政府信息公开工作年度报告"

    def tables(self) -> tuple[Table, Table, Table]:
        """Tables 二, 三 and 四."""
        return (self.table2, self.table3, self.table4)

    def table(self, key: str) -> Table:
        """The table with ``key`` (``table2``, ``table3``, ``table4``)."""
        table: Table = getattr(self, key)
        return table

    def evolve(self, **changes: Any) -> Report:
        """A copy with ``changes`` applied (see :func:`attrs.evolve`)."""
        return attrs.evolve(self, **changes)


def oversized_text(report: Report) -> tuple[str, int] | None:
    """``(where, length)`` of the first text of ``report`` longer than
    :data:`~reportgen.domain.limits.MAX_TEXT_CHARS` (one paragraph, title or name), else ``None``.

    The readers refuse such text with ``IN-TEXT-LENGTH``; a report built in code is checked by the
    writers with this before anything is written (a 10 MB paragraph makes a .docx no one can open).
    """
    limit = limits.MAX_TEXT_CHARS
    title = {section.key: section.title for section in report.layout.sections}
    overview, table4, problems, other = (title.get(k, k) for k in ("overview", "table4", "problems", "other_matters"))
    texts: list[tuple[str, str | None]] = [("机关名称", report.organ.name)]
    texts += [(f"{overview} 第 {i + 1} 段", t) for i, t in enumerate(report.overview.intro)]
    for key, part in report.overview.parts():
        texts.append((f"{overview} {key} 标题", part.title))
        texts += [(f"{overview} {key} 第 {i + 1} 段", t) for i, t in enumerate(part.paragraphs or ())]
    texts += [(f"{table4} 说明 第 {i + 1} 段", t) for i, t in enumerate(report.review_litigation_note or ())]
    texts += [(f"{problems} 第 {i + 1} 段", t) for i, t in enumerate(report.problems)]
    for n, item in enumerate(report.other_matters):
        texts.append((f"{other} 第 {n + 1} 项标题", item.title))
        texts += [(f"{other} 第 {n + 1} 项 第 {i + 1} 段", t) for i, t in enumerate(item.paragraphs or ())]
    texts += [(f"标题 {key}", heading) for key, heading in report.section_titles.items()]
    for where, text in texts:
        if text is not None and len(text) > limit:
            return where, len(text)
    return None
