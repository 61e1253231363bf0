"""``summary.xlsx`` of a bulk run: every township's status, the overview, what the roll-up left out, the findings.

Sheets (plain tables streamed as XML by :mod:`reportgen.formats.excel.stream`, row by row)::

    汇总情况    one row per township: 序号 乡镇（街道） 机关名称 来源 状态 错误数 警告数 计入汇总 本次跳过 输出文件 主要问题
    概况        townships per status; the roll-up's title, count and files
    未计入汇总  the townships not summed, and why
    问题        the findings kept per township (乡镇（街道）, 来源 and the columns of a finding)
    全县各乡镇数据对照表  key figures per township, 全县合计 as SUMIF formulas (:mod:`~reportgen.pipelines.bulk.comparison`)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from reportgen.domain.findings import finding_columns
from reportgen.formats.excel.stream import StreamTable, write_tables
from reportgen.pipelines.bulk.comparison import comparison_table
from reportgen.pipelines.bulk.records import TownshipOutcome, facts_of, select

__all__ = ["SUMMARY_HEADER", "write_summary"]

SUMMARY_HEADER = ("序号", "乡镇（街道）", "机关名称", "来源", "状态", "错误数", "警告数", "计入汇总",
                  "本次跳过（未改变）", "输出文件", "主要问题")
_SUMMARY_WIDTHS = (6, 16, 30, 24, 8, 8, 8, 8, 10, 60, 100)
_FINDINGS_HEADER = ("乡镇（街道）", "来源", *finding_columns("parts"))
_FINDINGS_WIDTHS = (16, 24, 24, 8, 14, 40, 14, 12, 12, 90, 30)


def _in_rollup(o: TownshipOutcome) -> str:
    if o.in_rollup:
        return "是"
    return f"否（{o.rollup_note}）" if o.rollup_note is not None else "否"


def _finding_rows(outcomes: Sequence[TownshipOutcome]) -> Iterator[tuple[object, ...]]:
    for o in select(outcomes, lambda f: f.findings):  # of a spool, only the outcomes with findings are read back
        for f in o.findings:
            yield (o.name, o.source, *f.cells("parts"))


def _pdf(o: TownshipOutcome) -> str:
    if o.pdf_error:
        return f"失败：{o.pdf_error}"
    return "是" if o.pdf else ""


def write_summary(path: Path, outcomes: Sequence[TownshipOutcome], counts: Mapping[str, int],
                  rollup: tuple[str, tuple[Path, ...], int] | None, excluded: Iterable[TownshipOutcome],
                  *, pdf: bool = False) -> None:
    """Write ``summary.xlsx`` to ``path`` atomically, each sheet streamed (:mod:`reportgen.formats.excel.stream`).

    ``counts``: townships per status; ``rollup``: ``(title, files, townships summed)``, or ``None`` when no
    roll-up was made; ``excluded``: the townships not summed (iterated once).  ``pdf``: the run made PDFs — a
    ``PDF`` column says 是 or why it failed, and 概况 counts the failures.  ``outcomes`` is read once per sheet
    (it may be the spool of :class:`~reportgen.pipelines.bulk.records.BulkResult`), never held as a list here.
    """
    def township(i: int, o: TownshipOutcome) -> tuple[object, ...]:
        files = o.output_names[:3] if pdf else o.output_names
        row = (i, o.name, o.organ, o.source, o.status.label, o.errors, o.warnings, _in_rollup(o),
               "是" if o.skipped else "否", "\n".join(files), "\n".join(o.messages))
        return (*row, _pdf(o)) if pdf else row

    overview: list[tuple[object, ...]] = [(status, n) for status, n in counts.items()]
    if pdf:
        overview.append(("PDF 未生成", sum(f.pdf_failed for f in facts_of(outcomes))))
    overview.append((None, None))
    if rollup is not None:
        title, files, n = rollup
        overview += [("县级汇总", title), ("计入汇总", n), ("汇总文件", "\n".join(p.name for p in files))]
    else:
        overview.append(("县级汇总", "无（没有可汇总的报告）"))
    not_summed = ((o.name, o.source, "\n".join([str(o.rollup_note or ""), *o.messages]).strip() or o.status.label)
                  for o in excluded)
    write_tables(path, [
        StreamTable("汇总情况", (*SUMMARY_HEADER, "PDF") if pdf else SUMMARY_HEADER,
                    (township(i, o) for i, o in enumerate(outcomes, start=1)),
                    (*_SUMMARY_WIDTHS, 40) if pdf else _SUMMARY_WIDTHS),
        StreamTable("概况", ("状态", "乡镇（街道）数"), overview, (24, 80), autofilter=False),
        StreamTable("未计入汇总", ("乡镇（街道）", "来源", "原因"), not_summed, (20, 30, 100)),
        StreamTable("问题", _FINDINGS_HEADER, _finding_rows(outcomes), _FINDINGS_WIDTHS),
        comparison_table(outcomes),
    ])
