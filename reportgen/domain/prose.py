"""The report's text as printed: user prose where given, default sentences from the figures where not.

A paragraph field left out of the input (``None`` in the model) that states figures — 依申请公开,
the 信息处理费 item of 六, the note under table 四 — gets a sentence generated from the tables, so
every report is complete and its prose cannot contradict its own tables.  Renderers (Word,
Excel) and the prose checks all read the text through :func:`report_text`.
"""

from __future__ import annotations

import re
from decimal import Decimal

import attrs

from reportgen.domain.layout import PROCESSING_FEE_ITEM, get_layout
from reportgen.domain.model import OtherItem, Prose, Report

__all__ = [
    "CHINESE_NUMERALS",
    "ReportText",
    "TextPart",
    "chinese_numeral",
    "default_on_request",
    "default_processing_fee",
    "default_review_litigation",
    "format_amount",
    "numbered",
    "parse_chinese_numeral",
    "report_text",
    "strip_number",
]

CHINESE_NUMERALS = "一二三四五六七八九十"

# "（一）", "(一)", "一、", "1.", "1．" at the start of a title (also "（一百零一）").
_NUMBER_PREFIX = re.compile(
    r"^\s*(?:[（(][一二三四五六七八九十百千零]+[)）]|[一二三四五六七八九十百千零]+、|\d+[.．、])\s*"
)
_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """``n`` (1–9999) as it is written in a heading: 1 → 一, 10 → 十, 15 → 十五, 21 → 二十一, 101 → 一百零一."""
    if not 1 <= n <= 9999:
        raise ValueError(f"{n} is outside 1–9999")
    parts: list[str] = []
    zero = False
    for unit, value in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
        digit = n // value % 10
        if digit == 0:
            zero = bool(parts)
            continue
        if zero:
            parts.append("零")
            zero = False
        parts.append(_DIGITS[digit] + unit)
    text = "".join(parts)
    return text[1:] if text.startswith("一十") else text  # 十五, not 一十五


def parse_chinese_numeral(text: str) -> int | None:
    """The inverse of :func:`chinese_numeral` (``None`` for text that is not a numeral)."""
    if not text or any(ch not in _DIGITS + "十百千" for ch in text):
        return None
    total, digit = 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS.index(ch)
        else:
            total += (1 if digit is None else digit) * {"十": 10, "百": 100, "千": 1000}[ch]
            digit = None
    return total + (digit or 0)


def strip_number(title: str) -> str:
    """``（一）主动公开`` → ``主动公开``: titles are stored without their numbers."""
    return _NUMBER_PREFIX.sub("", title, count=1)


def numbered(index: int, title: str) -> str:
    """``（一）title`` for ``index`` 0, ``（二）title`` for 1 … ``（一百）title`` for 99."""
    return f"（{chinese_numeral(index + 1)}）{strip_number(title)}"


def format_amount(value: Decimal | int) -> str:
    """An amount as written, with exactly the precision given (never rounded, never ``1E+1``)."""
    return format(Decimal(value), "f")


@attrs.frozen
class TextPart:
    """A titled part of a section (a subsection of 一, an item of 六)."""

    title: str
    """As printed, with its number, e.g. ``（一）主动公开``."""
    paragraphs: Prose
    key: str | None = None


@attrs.frozen
class ReportText:
    """All prose of a report, defaults filled in, in printing order."""

    title: str
    overview_intro: Prose
    overview_parts: tuple[TextPart, ...]
    review_litigation_note: Prose
    problems: Prose
    other_matters: tuple[TextPart, ...]

    def all_paragraphs(self) -> list[tuple[str, str]]:
        """``(section title, paragraph)`` for every paragraph, for searching the prose."""
        layout = get_layout()  # section titles are the same in both formats
        overview, table4, problems, other = (
            layout.section(key).title for key in ("overview", "table4", "problems", "other_matters")
        )
        out = [(overview, p) for p in self.overview_intro]
        for part in self.overview_parts:
            out += [(f"{overview} {part.title}", p) for p in part.paragraphs]
        out += [(table4, p) for p in self.review_litigation_note]
        out += [(problems, p) for p in self.problems]
        for part in self.other_matters:
            out += [(f"{other} {part.title}", p) for p in part.paragraphs]
        return out


def default_on_request(report: Report) -> Prose:
    """（二）依申请公开 from table 三, e.g. "2022年度未受理政府信息公开申请。"."""
    t3 = report.table3
    new = t3.count("new_received", "total")
    carried = t3.count("carried_over", "total")
    if new == 0 and carried == 0:
        return (f"{report.year}年度未受理政府信息公开申请。",)
    done = t3.count("results_total", "total")
    forward = t3.count("carried_forward", "total")
    layout = t3.layout
    groups: dict[str, int] = {}
    for row in layout.rows:
        if not row.path or row.computed:
            continue
        group = strip_number(row.path[1] if len(row.path) > 1 else row.label)
        group = group.split("（")[0]  # "部分公开（区分处理的…）" → "部分公开"
        groups[group] = groups.get(group, 0) + t3.count(row.key, "total")
    detail = "，".join(f"{name}{n}件" for name, n in groups.items() if n)
    text = f"{report.year}年度共新收政府信息公开申请{new}件，上年结转{carried}件；本年度办理完结{done}件"
    text += f"，其中{detail}" if detail else ""
    text += f"；结转下年度继续办理{forward}件。"
    return (text,)




def default_review_litigation(report: Report) -> Prose:
    """The sentence under table 四, from its three group totals."""
    t4 = report.table4
    review = t4.count("review", "total")
    direct = t4.count("litigation_direct", "total")
    after = t4.count("litigation_after_review", "total")
    if review == 0 and direct == 0 and after == 0:
        return (f"{report.year}年度，本机关未发生因政府信息公开工作被申请行政复议、提起行政诉讼的情况。",)

    def outcome(row: str) -> str:
        parts = [
            f"{label}{t4.count(row, key)}件"
            for key, label in ((c.key, c.label) for c in t4.layout.columns if not c.computed)
            if t4.count(row, key)
        ]
        return f"（{'，'.join(parts)}）" if parts else ""

    text = (
        f"{report.year}年度，本机关因政府信息公开工作被申请行政复议{review}件{outcome('review')}，"
        f"被提起行政诉讼{direct + after}件，其中未经复议直接起诉{direct}件{outcome('litigation_direct')}，"
        f"复议后起诉{after}件{outcome('litigation_after_review')}。"
    )
    return (text,)


def default_processing_fee(report: Report) -> Prose:
    """The 信息处理费 item of 六 (always reported, also when nothing was charged)."""
    basis = "依据《政府信息公开信息处理费管理办法》"
    if report.processing_fee == 0:
        return (f"{report.year}年度，本机关{basis}，未收取政府信息公开信息处理费。",)
    fee = format_amount(report.processing_fee)
    return (f"{report.year}年度，本机关{basis}，收取政府信息公开信息处理费{fee}元。",)


_LAST_TEXT: list[tuple[Report, ReportText]] = []
"""The last report asked for and its text: the checks, the .docx and the .xlsx of one township each ask for it
(a report is immutable, so the same object has the same text; identity, not equality: hashing a report costs
more than its text)."""


def report_text(report: Report) -> ReportText:
    """The text of ``report`` as printed, with defaults for paragraphs not given."""
    last = _LAST_TEXT[:1]  # a copy: another thread may replace it meanwhile
    if last and last[0][0] is report:
        return last[0][1]
    text = _report_text(report)
    _LAST_TEXT[:] = [(report, text)]
    return text


def _report_text(report: Report) -> ReportText:
    parts: list[TextPart] = []
    for spec, (key, sub) in zip(report.layout.overview_parts, report.overview.parts(), strict=True):
        title = f"{spec.number}{strip_number(sub.title)}" if sub.title else spec.title
        paragraphs = sub.paragraphs
        if paragraphs is None:
            paragraphs = default_on_request(report) if key == "on_request" else ()
        parts.append(TextPart(title, paragraphs, key))

    items = list(report.other_matters)
    if not any(item.key == PROCESSING_FEE_ITEM.key for item in items):
        items.insert(0, OtherItem(key=PROCESSING_FEE_ITEM.key, title=PROCESSING_FEE_ITEM.title))
    other: list[TextPart] = []
    for i, item in enumerate(items):
        paragraphs = item.paragraphs
        if paragraphs is None:
            paragraphs = default_processing_fee(report) if item.key == PROCESSING_FEE_ITEM.key else ()
        other.append(TextPart(numbered(i, item.title), paragraphs, item.key))

    note = report.review_litigation_note
    return ReportText(
        title=report.title,
        overview_intro=report.overview.intro,
        overview_parts=tuple(parts),
        review_litigation_note=default_review_litigation(report) if note is None else note,
        problems=report.problems,
        other_matters=tuple(other),
    )
