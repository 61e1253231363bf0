"""上年结转: last year's 结转下年度继续办理 carried into this year's table 三, as one domain step.

A reader knows nothing about last year: it returns what it read (:class:`Read`), the report and the table rows
the input left out.  :func:`carry_over` then fills 上年结转 from last year's report when — and only when — the
input left that row out (a row given in the input, even all zeros, is kept).  The pipeline applies it once,
so every input is read once, whatever its format.
"""

from __future__ import annotations

import attrs

from reportgen.domain.model import Report, Table

__all__ = ["CARRIED_OVER", "Omitted", "Read", "carry_over"]

Omitted = frozenset[tuple[str, str]]
"""``(table key, row key)`` of the rows an input leaves out, e.g. ``("table3", "carried_over")``."""

CARRIED_OVER = ("table3", "carried_over")
"""The row :func:`carry_over` fills."""
_CARRIED_FORWARD = "carried_forward"


@attrs.frozen
class Read:
    """What a reader read: the report, and the rows its input left out (workbooks and .docx leave none out)."""

    report: Report
    omitted: Omitted = frozenset()


def carry_over(report: Report, previous: Report | None, omitted: Omitted) -> Report:
    """``report`` with 上年结转 taken from ``previous``'s 结转下年度继续办理 when the input left the row out.

    Column by column (both format versions share table 三's columns); the stated totals are kept.  Without
    ``previous``, or when the row was given, ``report`` comes back unchanged.
    """
    if previous is None or CARRIED_OVER not in omitted:
        return report
    table = report.table3
    layout = table.layout
    row = CARRIED_OVER[1]
    figures = dict(table.figures)
    for col in layout.row(row).columns:
        if not layout.is_computed((row, col)):
            figures[(row, col)] = previous.table3[(_CARRIED_FORWARD, col)]
    carried = Table.from_figures("table3", figures, version=report.format_version, stated=dict(table.stated))
    return report.evolve(table3=carried)
