"""The official report layout as data — defined once, used everywhere.

Every label here is verbatim from the national format (国办公开办函〔2021〕30号, and the 2019 trial
format 国办公开办函〔2019〕60号 for reading old reports).  The model validates figures against the
row and column keys, the Word template and the workbook draw the grid from :attr:`TableLayout.cells`,
and the reader finds figures by the same labels.

Table 三 of the 2021 format, as a grid of 10 columns (label columns 0–2, figures 3–9)::

    +----------------------+------------------------------------------------+
    | corner (3x3)         | 申请人情况 (1x7)                               |
    |                      +------+---------------------------------+-------+
    |                      |自然人| 法人或其他组织 (1x5)            | 总计  |
    |                      |(2x1) +------+------+------+------+-----+ (2x1) |
    |                      |      |商业… |科研… |社会… |法律… |其他 |       |
    +----------------------+------+------+------+------+------+-----+-------+
    | 一、本年新收… (1x3)  |  7 figures                                     |
    | 二、上年结转… (1x3)  |  7 figures                                     |
    | 三、本年度  |（一）予以公开 (1x2)   7 figures                          |
    | 办理结果    |（二）部分公开 (1x2)                                      |
    | (22x1)      |（三）不予公开 (8x1) | 1. … 8.                            |
    |             |（四）无法提供 (3x1) | 1. … 3.                            |
    |             |（五）不予处理 (5x1) | 1. … 5.                            |
    |             |（六）其他处理 (3x1) | 1. … 3.                            |
    |             |（七）总计 (1x2)   computed                               |
    | 四、结转下年度继续办理 (1x3)                                         |
    +----------------------------------------------------------------------+

Coordinates are zero-based ``(row, column)`` of the table grid; spans count grid cells.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Literal

import attrs

from reportgen.domain.findings import Location

__all__ = [
    "ALL_LAYOUTS",
    "FORMAT_DOCUMENT",
    "LAYOUT_2019",
    "LAYOUT_2021",
    "PROCESSING_FEE_ITEM",
    "Column",
    "FigureKind",
    "FormatLayout",
    "FormatVersion",
    "GridCell",
    "OtherItemSpec",
    "Row",
    "SectionSpec",
    "Sum",
    "TableLayout",
    "get_layout",
    "normalize_label",
]


class FormatVersion(enum.Enum):
    """Which national format a report follows."""

    V2021 = "2021"
    """国办公开办函〔2021〕30号 — the current format."""
    V2019 = "2019"
    """国办公开办函〔2019〕60号 — the 2019 trial format, superseded; kept so old reports can be read."""


FORMAT_DOCUMENT: Mapping[FormatVersion, str] = {
    FormatVersion.V2021: "国办公开办函〔2021〕30号",
    FormatVersion.V2019: "国办公开办函〔2019〕60号",
}

_QUOTES = re.compile("[\"'“”‘’「」『』]")
_WHITESPACE = re.compile(r"\s+")
_DASHES = str.maketrans({"—": "-", "–": "-", "−": "-", "【": "(", "】": ")", "〔": "(", "〕": ")"})
_ITEM_NUMBER = re.compile(r"^(\d+)[、,.](?!\d)")


def normalize_label(text: str) -> str:
    """A label as compared with the official one: every reader matches labels through this.

    NFKC (full-width → half-width: ``（一）`` → ``(一)``), dashes as ``-`` and ``【】〔〕`` as ``()``,
    no whitespace (line breaks inside a cell), no quotes, and an item number ``1、`` / ``1，`` as ``1.``.
    ``三、本年度\n办理结果`` → ``三、本年度办理结果``; ``危及“三安全一稳定”`` → ``危及三安全一稳定``.
    Both the layout's label and the text found go through it, so the direction of a rule does not
    matter.  ``1,234`` stays a number: the item number needs a non-digit after its mark.
    """
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    text = _WHITESPACE.sub("", _QUOTES.sub("", text))
    return _ITEM_NUMBER.sub(r"\1.", text)


FigureKind = Literal["count", "signed", "amount"]
"""``count``: whole number ≥ 0; ``signed``: whole number, may be negative (2019 本年增/减);
``amount``: a decimal number of 万元 ≥ 0, kept at the precision given (at most 6 places)."""


@attrs.frozen
class Column:
    """A figure column of a table, e.g. 自然人 in table 三."""

    key: str
    label: str
    kind: FigureKind = "count"
    computed: bool = False
    """True for a column that is always a sum (the 总计 columns)."""


@attrs.frozen
class Row:
    """A figure row of a table, e.g. ``1.属于国家秘密`` under （三）不予公开."""

    key: str
    label: str
    columns: tuple[str, ...]
    """Keys of the columns this row has figures in, in grid order."""
    path: tuple[str, ...] = ()
    """Labels of the row groups above this one, outermost first."""
    computed: bool = False
    """True for a row that is always a sum (（七）总计)."""

    @property
    def full_label(self) -> str:
        """The row's label with its groups, e.g. ``三、本年度办理结果 / （三）不予公开 / 1.属于国家秘密``."""
        return " / ".join((*self.path, self.label))


@attrs.frozen
class GridCell:
    """One (possibly merged) cell of a table's grid."""

    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    text: str | None = None
    """The label printed in a label cell."""
    ref: tuple[str, str] | None = None
    """``(row_key, column_key)`` of the figure shown in a figure cell."""

    @property
    def is_figure(self) -> bool:
        """Whether the cell shows a figure rather than a label."""
        return self.ref is not None

    @property
    def last_row(self) -> int:
        """The last grid row the cell covers."""
        return self.row + self.rowspan - 1

    @property
    def last_col(self) -> int:
        """The last grid column the cell covers."""
        return self.col + self.colspan - 1


@attrs.frozen
class Sum:
    """A computed figure: ``target`` = Σ ``terms``."""

    target: tuple[str, str]
    terms: tuple[tuple[str, str], ...]


@attrs.frozen
class TableLayout:
    """Everything about one statistical table: its figures, its grid and its sums."""

    key: str
    """``table2``, ``table3`` or ``table4`` — also the key in input files."""
    number: str
    """二, 三 or 四."""
    title: str
    """The section heading the table sits under."""
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    n_rows: int
    n_cols: int
    header_rows: int
    """Rows at the top repeated on every page."""
    cells: tuple[GridCell, ...]
    sums: tuple[Sum, ...]
    label_cols: int
    """How many grid columns at the left hold row labels."""
    # Look-up tables built once; bulk runs ask for them millions of times.
    _columns: dict[str, Column] = attrs.field(init=False, repr=False, eq=False)
    _rows: dict[str, Row] = attrs.field(init=False, repr=False, eq=False)
    _computed: frozenset[tuple[str, str]] = attrs.field(init=False, repr=False, eq=False)
    _refs: tuple[tuple[str, str], ...] = attrs.field(init=False, repr=False, eq=False)
    _leaves: tuple[tuple[str, str], ...] = attrs.field(init=False, repr=False, eq=False)
    _leaf_set: frozenset[tuple[str, str]] = attrs.field(init=False, repr=False, eq=False)
    _kinds: dict[tuple[str, str], FigureKind] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_columns", {c.key: c for c in self.columns})
        object.__setattr__(self, "_rows", {r.key: r for r in self.rows})
        object.__setattr__(self, "_computed", frozenset(s.target for s in self.sums))
        refs = tuple((row.key, col) for row in self.rows for col in row.columns)
        object.__setattr__(self, "_refs", refs)
        leaves = tuple(ref for ref in refs if ref not in self._computed)
        object.__setattr__(self, "_leaves", leaves)
        object.__setattr__(self, "_leaf_set", frozenset(leaves))
        object.__setattr__(self, "_kinds", {ref: self._columns[ref[1]].kind for ref in refs})

    def column(self, key: str) -> Column:
        """The column with ``key``."""
        return self._columns[key]

    def row(self, key: str) -> Row:
        """The row with ``key``."""
        return self._rows[key]

    def has_row(self, key: str) -> bool:
        """Whether the table has a row ``key``."""
        return key in self._rows

    def refs(self) -> Iterator[tuple[str, str]]:
        """Every figure cell ``(row_key, column_key)``, in reading order."""
        return iter(self._refs)

    def leaf_refs(self) -> Iterator[tuple[str, str]]:
        """The figures a user gives (everything that is not a sum), in reading order."""
        return iter(self._leaves)

    @property
    def leaf_set(self) -> frozenset[tuple[str, str]]:
        """:meth:`leaf_refs` as a set."""
        return self._leaf_set

    def is_computed(self, ref: tuple[str, str]) -> bool:
        """Whether the figure at ``ref`` is a sum of others."""
        return ref in self._computed

    def kind(self, ref: tuple[str, str]) -> FigureKind:
        """The kind of figure at ``ref``."""
        try:
            return self._kinds[ref]
        except KeyError:  # a column key with a row it is not in: the column still has a kind
            return self.column(ref[1]).kind

    def figure_cell(self, ref: tuple[str, str]) -> GridCell:
        """The grid cell showing the figure at ``ref``."""
        for cell in self.cells:
            if cell.ref == ref:
                return cell
        raise KeyError(ref)

    @property
    def name(self) -> str:
        """The table as messages name it: ``表二``, ``表三``, ``表四``."""
        return f"表{self.number}"

    def row_label(self, key: str) -> str:
        """The row as a reader names it: ``（三）不予公开 1.属于国家秘密``, ``行政诉讼 复议后起诉``.

        The outermost caption of tables 二 and 三 (``第二十条第（一）项``, ``三、本年度办理结果``) is left
        out; table 四 keeps its group (``行政诉讼``) because its rows are column groups.
        """
        row = self._rows[key]
        path = row.path if self.key == "table4" else row.path[1:]
        return " ".join((*path, row.label))

    def cell_location(self, ref: tuple[str, str], *, cell: str | None = None, path: str | None = None) -> Location:
        """Where the figure at ``ref`` is, as every reader names it: table (``表三``), row (:meth:`row_label`)
        and column label, plus the worksheet ``cell`` or input ``path`` when there is one."""
        return Location(table=self.name, row=self.row_label(ref[0]), column=self.column(ref[1]).label, cell=cell,
                        path=path)

    def row_location(self, key: str, *, cell: str | None = None, path: str | None = None) -> Location:
        """Where the row ``key`` is: table and :meth:`row_label` (no column), plus ``cell``/``path``."""
        return Location(table=self.name, row=self.row_label(key), cell=cell, path=path)

    def location(self, ref: tuple[str, str]) -> tuple[str, str]:
        """Human labels ``(row label, column label)`` for messages."""
        row = self.row(ref[0])
        col = self.column(ref[1])
        return (row.full_label, col.label)


@attrs.frozen
class SectionSpec:
    """One of the six numbered sections of a report."""

    key: str
    number: str
    title: str
    aliases: tuple[str, ...] = ()
    """Other headings seen in real reports for the same section."""

    @property
    def titles(self) -> tuple[str, ...]:
        """The official title, then its aliases: every heading a report may print for this section."""
        return (self.title, *self.aliases)

    def heading(self, text: str) -> str:
        """The official title or alias that ``text`` spells (compared by :func:`normalize_label`; the number
        ``四、`` may be left out), as the layout writes it.

        :raises ValueError: when ``text`` is none of :attr:`titles`.
        """
        wanted = normalize_label(text)
        for title in self.titles:
            core = title.split("、", 1)[1] if title.startswith(f"{self.number}、") else title
            if wanted in (normalize_label(title), normalize_label(core)):
                return title
        raise ValueError(f"{text!r} is not a heading of section {self.key}: {self.titles}")


@attrs.frozen
class OtherItemSpec:
    """A titled item of section 六 with a known meaning (a default text can be produced for it)."""

    key: str
    title: str


@attrs.frozen
class FormatLayout:
    """The whole layout of one format version."""

    version: FormatVersion
    document: str
    sections: tuple[SectionSpec, ...]
    overview_parts: tuple[SectionSpec, ...]
    """The five subsections of 一、总体情况."""
    tables: tuple[TableLayout, ...]
    other_items: Mapping[str, tuple[OtherItemSpec, ...]]
    """Presets for the items of 六: ``national`` plus provincial variants."""

    def table(self, key: str) -> TableLayout:
        """The table with ``key`` (``table2``, ``table3``, ``table4``)."""
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)

    def section(self, key: str) -> SectionSpec:
        """The section with ``key``."""
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)


# --------------------------------------------------------------------------------------------
# Builders: the tables are declared as literal rows below; these only turn them into cells.


class _Grid:
    """Collects cells row by row and checks that they tile the grid exactly."""

    def __init__(self, n_cols: int) -> None:
        self.n_cols = n_cols
        self.cells: list[GridCell] = []

    def label(self, r: int, c: int, text: str, rs: int = 1, cs: int = 1) -> None:
        self.cells.append(GridCell(r, c, rs, cs, text=text))

    def figure(self, r: int, c: int, ref: tuple[str, str], rs: int = 1, cs: int = 1) -> None:
        self.cells.append(GridCell(r, c, rs, cs, ref=ref))

    def done(self) -> tuple[tuple[GridCell, ...], int]:
        n_rows = max(c.last_row for c in self.cells) + 1
        covered: dict[tuple[int, int], GridCell] = {}
        for cell in self.cells:
            for r in range(cell.row, cell.last_row + 1):
                for c in range(cell.col, cell.last_col + 1):
                    if (r, c) in covered or c >= self.n_cols:
                        raise AssertionError(f"layout overlaps or overflows at {(r, c)}")
                    covered[(r, c)] = cell
        if len(covered) != n_rows * self.n_cols:
            raise AssertionError("layout leaves holes in the grid")
        ordered = sorted(self.cells, key=lambda c: (c.row, c.col))
        return tuple(ordered), n_rows


# Table 二 as data: per item of 第二十条, its caption, the columns of its header and its rows
# ``(row key, label)``.  The figures of one item sit in grid columns 1–3: one column spans all three,
# two columns give the second one the fourth grid column, three take one each.
_T2Item = tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]]

_T2_ITEMS_2021: tuple[_T2Item, ...] = (
    ("第二十条第（一）项", ("issued", "repealed", "in_force"),
     (("regulations", "规章"), ("normative_documents", "行政规范性文件"))),
    ("第二十条第（五）项", ("decisions",), (("licensing", "行政许可"),)),
    ("第二十条第（六）项", ("decisions",), (("punishment", "行政处罚"), ("enforcement", "行政强制"))),
    ("第二十条第（八）项", ("amount",), (("administrative_fees", "行政事业性收费"),)),
)
_T2_COLUMNS_2021 = (
    Column("issued", "本年制发件数"),
    Column("repealed", "本年废止件数"),
    Column("in_force", "现行有效件数"),
    Column("decisions", "本年处理决定数量"),
    Column("amount", "本年收费金额（单位：万元）", kind="amount"),
)

_T2_ITEMS_2019: tuple[_T2Item, ...] = (
    ("第二十条第（一）项", ("made", "published", "total_public"),
     (("regulations", "规章"), ("normative_documents", "规范性文件"))),
    ("第二十条第（五）项", ("previous_items", "change", "decisions"),
     (("licensing", "行政许可"), ("other_services", "其他对外管理服务事项"))),
    ("第二十条第（六）项", ("previous_items", "change", "decisions"),
     (("punishment", "行政处罚"), ("enforcement", "行政强制"))),
    ("第二十条第（八）项", ("previous_items", "change"), (("administrative_fees", "行政事业性收费"),)),
    ("第二十条第（九）项", ("procurement_items", "procurement_amount"), (("procurement", "政府集中采购"),)),
)
_T2_COLUMNS_2019 = (
    Column("made", "本年新制作数量"),
    Column("published", "本年新公开数量"),
    Column("total_public", "对外公开总数量"),
    Column("previous_items", "上一年项目数量"),
    Column("change", "本年增/减", kind="signed"),
    Column("decisions", "处理决定数量"),
    Column("procurement_items", "采购项目数量"),
    Column("procurement_amount", "采购总金额", kind="amount"),
)


def _section_table2(items: tuple[_T2Item, ...], columns: tuple[Column, ...]) -> TableLayout:
    labels = {c.key: c.label for c in columns}
    spans = {1: (3,), 2: (1, 2), 3: (1, 1, 1)}
    g = _Grid(4)
    rows: list[Row] = []
    r = 0
    for caption, cols, item_rows in items:
        g.label(r, 0, caption, cs=4)
        g.label(r + 1, 0, "信息内容")
        col = 1
        for key, span in zip(cols, spans[len(cols)], strict=True):
            g.label(r + 1, col, labels[key], cs=span)
            col += span
        r += 2
        for row_key, row_label in item_rows:
            g.label(r, 0, row_label)
            col = 1
            for key, span in zip(cols, spans[len(cols)], strict=True):
                g.figure(r, col, (row_key, key), cs=span)
                col += span
            rows.append(Row(row_key, row_label, cols, (caption,)))
            r += 1
    cells, n_rows = g.done()
    return TableLayout(
        key="table2",
        number="二",
        title="二、主动公开政府信息情况",
        columns=columns,
        rows=tuple(rows),
        n_rows=n_rows,
        n_cols=4,
        header_rows=0,
        cells=cells,
        sums=(),
        label_cols=1,
    )


T3_CORNER = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
T3_COLUMNS = (
    Column("natural_person", "自然人"),
    Column("commercial", "商业企业"),
    Column("research", "科研机构"),
    Column("public_interest", "社会公益组织"),
    Column("legal_service", "法律服务机构"),
    Column("other", "其他"),
    Column("total", "总计", computed=True),
)
T3_RESULTS = "三、本年度办理结果"

# (group label or None, [(row key, row label)]) in the order of the official table.
_T3_RESULT_GROUPS_2021: tuple[tuple[str | None, tuple[tuple[str, str], ...]], ...] = (
    (None, (("granted", "（一）予以公开"),)),
    (None, (("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),)),
    (
        "（三）不予公开",
        (
            ("denied_state_secret", "1.属于国家秘密"),
            ("denied_prohibited_by_law", "2.其他法律行政法规禁止公开"),
            ("denied_three_safeties", "3.危及“三安全一稳定”"),
            ("denied_third_party", "4.保护第三方合法权益"),
            ("denied_internal_affairs", "5.属于三类内部事务信息"),
            ("denied_process_info", "6.属于四类过程性信息"),
            ("denied_enforcement_file", "7.属于行政执法案卷"),
            ("denied_query", "8.属于行政查询事项"),
        ),
    ),
    (
        "（四）无法提供",
        (
            ("unavailable_not_held", "1.本机关不掌握相关政府信息"),
            ("unavailable_needs_creation", "2.没有现成信息需要另行制作"),
            ("unavailable_unclear", "3.补正后申请内容仍不明确"),
        ),
    ),
    (
        "（五）不予处理",
        (
            ("not_processed_petition", "1.信访举报投诉类申请"),
            ("not_processed_repeated", "2.重复申请"),
            ("not_processed_publication", "3.要求提供公开出版物"),
            ("not_processed_excessive", "4.无正当理由大量反复申请"),
            ("not_processed_confirmation", "5.要求行政机关确认或重新出具已获取信息"),
        ),
    ),
    (
        "（六）其他处理",
        (
            (
                "other_no_correction",
                "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            ),
            (
                "other_no_fee",
                "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            ),
            ("other_other", "3.其他"),
        ),
    ),
)

_T3_RESULT_GROUPS_2019 = (
    *_T3_RESULT_GROUPS_2021[:5],
    (None, (("other_processing", "（六）其他处理"),)),
)


def _section_table3(groups: tuple[tuple[str | None, tuple[tuple[str, str], ...]], ...]) -> TableLayout:
    g = _Grid(10)
    cols = tuple(c.key for c in T3_COLUMNS)
    g.label(0, 0, T3_CORNER, rs=3, cs=3)
    g.label(0, 3, "申请人情况", cs=7)
    g.label(1, 3, "自然人", rs=2)
    g.label(1, 4, "法人或其他组织", cs=5)
    g.label(1, 9, "总计", rs=2)
    for i, column in enumerate(T3_COLUMNS[1:6]):
        g.label(2, 4 + i, column.label)
    rows: list[Row] = []

    def figures(r: int, key: str) -> None:
        for i, col in enumerate(cols):
            g.figure(r, 3 + i, (key, col))

    g.label(3, 0, "一、本年新收政府信息公开申请数量", cs=3)
    figures(3, "new_received")
    rows.append(Row("new_received", "一、本年新收政府信息公开申请数量", cols))
    g.label(4, 0, "二、上年结转政府信息公开申请数量", cs=3)
    figures(4, "carried_over")
    rows.append(Row("carried_over", "二、上年结转政府信息公开申请数量", cols))
    r = 5
    result_keys: list[str] = []
    for group, items in groups:
        if group is None:
            (key, label), = items
            g.label(r, 1, label, cs=2)
            figures(r, key)
            rows.append(Row(key, label, cols, (T3_RESULTS,)))
            result_keys.append(key)
            r += 1
            continue
        g.label(r, 1, group, rs=len(items))
        for key, label in items:
            g.label(r, 2, label)
            figures(r, key)
            rows.append(Row(key, label, cols, (T3_RESULTS, group)))
            result_keys.append(key)
            r += 1
    g.label(r, 1, "（七）总计", cs=2)
    figures(r, "results_total")
    rows.append(Row("results_total", "（七）总计", cols, (T3_RESULTS,), computed=True))
    g.label(5, 0, T3_RESULTS, rs=r - 5 + 1)
    r += 1
    g.label(r, 0, "四、结转下年度继续办理", cs=3)
    figures(r, "carried_forward")
    rows.append(Row("carried_forward", "四、结转下年度继续办理", cols))
    cells, n_rows = g.done()

    leaf_cols = cols[:-1]
    sums = [
        Sum((row.key, "total"), tuple((row.key, c) for c in leaf_cols))
        for row in rows
        if row.key != "results_total"
    ]
    sums += [Sum(("results_total", c), tuple((k, c) for k in result_keys)) for c in cols]
    return TableLayout(
        key="table3",
        number="三",
        title="三、收到和处理政府信息公开申请情况",
        columns=T3_COLUMNS,
        rows=tuple(rows),
        n_rows=n_rows,
        n_cols=10,
        header_rows=3,
        cells=cells,
        sums=tuple(sums),
        label_cols=3,
    )


T4_COLUMNS = (
    Column("upheld", "结果维持"),
    Column("corrected", "结果纠正"),
    Column("other", "其他结果"),
    Column("pending", "尚未审结"),
    Column("total", "总计", computed=True),
)


def _section_table4() -> TableLayout:
    g = _Grid(15)
    cols = tuple(c.key for c in T4_COLUMNS)
    g.label(0, 0, "行政复议", cs=5)
    g.label(0, 5, "行政诉讼", cs=10)
    for i, column in enumerate(T4_COLUMNS):
        g.label(1, i, column.label, rs=2)
    g.label(1, 5, "未经复议直接起诉", cs=5)
    g.label(1, 10, "复议后起诉", cs=5)
    for i, column in enumerate(T4_COLUMNS):
        g.label(2, 5 + i, column.label)
        g.label(2, 10 + i, column.label)
    groups = (
        Row("review", "行政复议", cols),
        Row("litigation_direct", "未经复议直接起诉", cols, ("行政诉讼",)),
        Row("litigation_after_review", "复议后起诉", cols, ("行政诉讼",)),
    )
    for gi, row in enumerate(groups):
        for i, col in enumerate(cols):
            g.figure(3, gi * 5 + i, (row.key, col))
    cells, n_rows = g.done()
    sums = tuple(Sum((row.key, "total"), tuple((row.key, c) for c in cols[:-1])) for row in groups)
    return TableLayout(
        key="table4",
        number="四",
        title="四、政府信息公开行政复议、行政诉讼情况",
        columns=T4_COLUMNS,
        rows=groups,
        n_rows=n_rows,
        n_cols=15,
        header_rows=3,
        cells=cells,
        sums=sums,
        label_cols=0,
    )


_SECTIONS = (
    SectionSpec("overview", "一", "一、总体情况"),
    SectionSpec("table2", "二", "二、主动公开政府信息情况"),
    SectionSpec("table3", "三", "三、收到和处理政府信息公开申请情况"),
    SectionSpec(
        "table4",
        "四",
        "四、政府信息公开行政复议、行政诉讼情况",
        aliases=("四、因政府信息公开工作被申请行政复议、提起行政诉讼情况",),
    ),
    SectionSpec("problems", "五", "五、存在的主要问题及改进情况"),
    SectionSpec("other_matters", "六", "六、其他需要报告的事项"),
)

_OVERVIEW_PARTS = (
    SectionSpec("active_disclosure", "（一）", "（一）主动公开", aliases=("（一）主动公开政府信息情况",)),
    SectionSpec("on_request", "（二）", "（二）依申请公开", aliases=("（二）依申请公开情况",)),
    SectionSpec("information_management", "（三）", "（三）政府信息管理"),
    SectionSpec("platform", "（四）", "（四）政府信息公开平台建设"),
    SectionSpec("supervision", "（五）", "（五）监督保障"),
)

PROCESSING_FEE_ITEM = OtherItemSpec("processing_fee", "收取信息处理费情况")

_OTHER_ITEMS: Mapping[str, tuple[OtherItemSpec, ...]] = {
    # 国办公开办函〔2021〕30号: the fee item is the only one every organ must report.
    "national": (PROCESSING_FEE_ITEM,),
    # The items the 山东 provincial notice adds (as in the 招远市金岭镇 sample).
    "shandong": (
        PROCESSING_FEE_ITEM,
        OtherItemSpec("work_points", "本行政机关落实上级年度政务公开工作要点情况"),
        OtherItemSpec("proposals", "人大代表建议和政协提案办理结果公开情况"),
        OtherItemSpec("innovation", "本行政机关年度政务公开工作创新情况"),
        OtherItemSpec("statistics_notes", "本行政机关政府信息公开工作年度报告数据统计需要说明的事项"),
        OtherItemSpec("other", "本行政机关认为需要报告的其他事项"),
        OtherItemSpec(
            "required_by_documents",
            "其他有关文件专门要求通过政府信息公开工作年度报告予以报告的事项",
        ),
    ),
}

LAYOUT_2021 = FormatLayout(
    version=FormatVersion.V2021,
    document=FORMAT_DOCUMENT[FormatVersion.V2021],
    sections=_SECTIONS,
    overview_parts=_OVERVIEW_PARTS,
    tables=(
        _section_table2(_T2_ITEMS_2021, _T2_COLUMNS_2021),
        _section_table3(_T3_RESULT_GROUPS_2021),
        _section_table4(),
    ),
    other_items=_OTHER_ITEMS,
)

LAYOUT_2019 = FormatLayout(
    version=FormatVersion.V2019,
    document=FORMAT_DOCUMENT[FormatVersion.V2019],
    sections=_SECTIONS,
    overview_parts=_OVERVIEW_PARTS,
    tables=(
        _section_table2(_T2_ITEMS_2019, _T2_COLUMNS_2019),
        _section_table3(_T3_RESULT_GROUPS_2019),
        _section_table4(),
    ),
    other_items=_OTHER_ITEMS,
)

ALL_LAYOUTS: Mapping[FormatVersion, FormatLayout] = {
    FormatVersion.V2021: LAYOUT_2021,
    FormatVersion.V2019: LAYOUT_2019,
}


def get_layout(version: FormatVersion = FormatVersion.V2021) -> FormatLayout:
    """The layout of ``version`` (the 2021 format by default)."""
    return ALL_LAYOUTS[version]
