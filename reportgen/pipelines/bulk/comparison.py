"""The 全县各乡镇数据对照表 of ``summary.xlsx``: one row per township with its key figures and status,
the county total under it.

The key figures (:func:`key_figures`) are chosen by layout keys and headed by the layout's labels
(``表三 一、本年新收政府信息公开申请数量 总计``), never re-typed: table 二's licensing, punishment and
enforcement decisions and the fee, table 三's 新收 / 上年结转 / 办理结果（七）总计 / 结转下年, and the
totals of table 四's three groups.  The 全县合计 row sums, with live ``SUMIF`` formulas, the townships
counted in the county roll-up (计入汇总 = 是), so it equals the roll-up report; the formulas carry
their values (:class:`~reportgen.formats.excel.stream.Formula`), like the companion workbook, so a reader that does not
recalculate sees the totals too.  Printed landscape, fit to the page width, the header row repeated.

The bulk run keeps, per township, only its non-zero leaf figures; the key figures are computed
from them (:func:`key_values`, one pass over them) when the outcome is judged, so skipped townships (figures from the
manifest) have theirs too.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence

from openpyxl.utils import get_column_letter

from reportgen.domain.layout import FormatVersion, get_layout
from reportgen.domain.model import Figure
from reportgen.formats.excel.stream import Formula, StreamTable
from reportgen.pipelines.bulk.records import Figures, TownshipOutcome

__all__ = ["COMPARISON_SHEET", "comparison_header", "comparison_table", "key_figures", "key_values"]

COMPARISON_SHEET = "全县各乡镇数据对照表"
TOTAL_LABEL = "全县合计（计入汇总的乡镇）"
_ID_HEADER = ("序号", "乡镇（街道）", "机关名称", "状态", "计入汇总")
_ID_WIDTHS = (6, 14, 28, 8, 8)
_IN_ROLLUP_COLUMN = "E"

_KEYS: tuple[tuple[str, str, str], ...] = (
    ("table2", "licensing", "decisions"),
    ("table2", "punishment", "decisions"),
    ("table2", "enforcement", "decisions"),
    ("table2", "administrative_fees", "amount"),
    ("table3", "new_received", "total"),
    ("table3", "carried_over", "total"),
    ("table3", "results_total", "total"),
    ("table3", "carried_forward", "total"),
    ("table4", "review", "total"),
    ("table4", "litigation_direct", "total"),
    ("table4", "litigation_after_review", "total"),
)


@functools.cache
def key_figures(version: FormatVersion = FormatVersion.V2021) -> tuple[tuple[str, str, str], ...]:
    """The ``(table, row, column)`` of the key figures the format ``version`` has (2019 has no fee amount)."""
    layout = get_layout(version)
    return tuple(k for k in _KEYS if layout.table(k[0]).has_row(k[1]) and k[2] in layout.table(k[0]).row(k[1]).columns)


def comparison_header(version: FormatVersion = FormatVersion.V2021) -> tuple[str, ...]:
    """The header row: the identity columns, then each key figure as the layout labels it."""
    layout = get_layout(version)
    labels = []
    for key, row, col in key_figures(version):
        table = layout.table(key)
        spec = table.row(row)
        # Table 三's groups name the row (三、本年度办理结果（七）总计); table 二's caption (第二十条…) does not.
        name = table.row_label(row) if key == "table2" else "".join((*spec.path, spec.label))
        labels.append(f"{table.name} {name} {table.column(col).label}")
    return (*_ID_HEADER, *labels)


@functools.cache
def _covering(version: FormatVersion) -> dict[tuple[str, str, str], tuple[int, ...]]:
    """Leaf figure ``(table, row, column)`` → the indices of the key figures it adds to (a total expanded
    through the layout's sums down to its leaves; a leaf key figure covers itself)."""
    layout = get_layout(version)
    out: dict[tuple[str, str, str], list[int]] = {}
    for i, (key, row, col) in enumerate(key_figures(version)):
        table = layout.table(key)
        sums = {s.target: s.terms for s in table.sums}
        pending, leaves = [(row, col)], set()
        while pending:
            ref = pending.pop()
            if ref in sums:
                pending.extend(sums[ref])
            else:
                leaves.add(ref)
        for leaf in leaves:
            out.setdefault((key, *leaf), []).append(i)
    return {leaf: tuple(indices) for leaf, indices in out.items()}


def key_values(figures: Figures, version: str | None) -> tuple[Figure, ...]:
    """The key figures of a township from its non-zero leaf figures: one pass, each figure added to the
    key figures (totals) that cover it — no tables built (a bulk run does this once per township)."""
    if version is None:
        return ()
    fv = FormatVersion(version)
    covering = _covering(fv)
    values: list[Figure] = [0] * len(key_figures(fv))
    for ref, value in figures:
        for i in covering.get(ref, ()):
            values[i] += value
    return tuple(values)


def _version(outcomes: Iterable[TownshipOutcome]) -> FormatVersion:
    """The format whose key figures head the columns: the roll-up's (else the first that loaded; 2021 when none did)."""
    chosen = next((o.format_version for o in outcomes if o.in_rollup and o.format_version), None)
    chosen = chosen or next((o.format_version for o in outcomes if o.format_version), None)
    return FormatVersion(chosen) if chosen else FormatVersion.V2021


def _rows(outcomes: Iterable[TownshipOutcome], version: FormatVersion, totals: list[Figure]) -> Iterator[tuple[object, ...]]:
    """One row per township (streamed), adding the key figures of those in the roll-up to ``totals``."""
    n_keys = len(totals)
    for i, o in enumerate(outcomes, start=1):
        # A township of the other format has other key figures: its row shows none.
        same = o.format_version == version.value and len(o.key_figures) == n_keys
        values: tuple[object, ...] = tuple(o.key_figures) if same else (None,) * n_keys
        if o.in_rollup and same:
            for j, value in enumerate(o.key_figures):
                totals[j] += value
        yield (i, o.name, o.organ, o.status.label, "是" if o.in_rollup else "否", *values)


def _total_formulas(n_keys: int, last: int) -> list[str]:
    """The SUMIF of each key figure's column over the township rows 2…``last`` counted in the roll-up."""
    out = []
    for j in range(n_keys):
        letter = get_column_letter(len(_ID_HEADER) + 1 + j)
        out.append(f'SUMIF(${_IN_ROLLUP_COLUMN}$2:${_IN_ROLLUP_COLUMN}${max(last, 2)},"是",'
                   f"{letter}2:{letter}{max(last, 2)})")
    return out


def comparison_table(outcomes: Sequence[TownshipOutcome]) -> StreamTable:
    """The 对照表 as a streamed sheet (:mod:`reportgen.formats.excel.stream`): ``outcomes`` is read twice (the
    format is chosen first, then the rows stream), the 全县合计 row's formulas carry the totals as values."""
    version = _version(outcomes)
    header = comparison_header(version)
    n_keys = len(header) - len(_ID_HEADER)
    totals: list[Figure] = [0] * n_keys

    def rows() -> Iterator[Sequence[object]]:
        n = 0
        for row in _rows(outcomes, version, totals):
            n += 1
            yield row
        formulas = [Formula(text, totals[j]) for j, text in enumerate(_total_formulas(n_keys, n + 1))]
        yield (None, TOTAL_LABEL, None, None, None, *formulas)

    return StreamTable(COMPARISON_SHEET, header, rows(), (*_ID_WIDTHS, *([12.0] * n_keys)), autofilter=False)


