"""The reviewers' checks: the identities of the tables, stated totals, cross-year figures, dates and prose.

Each check is a small function ``(ctx) -> Iterable[Finding]`` registered in :data:`CHECKS` with a
stable code, a severity and a short Chinese title; its docstring states the formula it checks
(``docs/checks.md`` is generated from the registry by ``scripts/gen_checks_doc.py``).
:func:`check` runs them all::

    CHECKS ──► Check(code, severity, title, func) ──► func(CheckContext(report, previous, text))
                                                            └─► Finding(code, severity, message, Location(表三, row, column))

Every label in a message or a :class:`~reportgen.domain.findings.Location` comes from :mod:`reportgen.domain.layout`.

Decisions (documented here because reviewers differ):

* The balance 一 + 二 = （七）总计 + 四 of table 三 is checked on the six leaf columns only: the 总计
  column is their sum, so checking it too would report one mistake twice.
* Totals are always computed; a total an input also *states* is compared with the computed one and
  reported once, at that cell.
* Figures quoted in the prose are compared with the tables only for a few unambiguous phrasings, and
  approximate (``200余件``, ``约``), cumulative, comparative or other-year clauses are skipped: a false
  alarm costs a reviewer more than a miss.  A contradiction of quoted figures is a warning; text saying
  no application was received while table 三 has some is an error (reviewers send those back).
* The 2021 format applies from the reports *for* 2021 (published in 2022): a 2021-format report for an
  earlier year, and a 2019-format report for 2021 or later, are warnings.  A 2019-format report for 2019
  or 2020 followed the format of its time and is not flagged.
* Publication deadlines (《中华人民共和国政府信息公开条例》第四十九条 and the 2021 format): 1月31日 for
  departments, townships and streets; the compiled report of a county government 2月20日, of a city
  government 3月10日, of a provincial government 3月31日.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

import attrs

from reportgen.domain.findings import Finding, Location, Severity, Value
from reportgen.domain.layout import FORMAT_DOCUMENT, FormatVersion, TableLayout
from reportgen.domain.model import Figure, OrganKind, Report, Table
from reportgen.domain.prose import ReportText, format_amount, report_text

__all__ = [
    "CHECKS",
    "OVERVIEW_MAX_CHARS",
    "Check",
    "CheckContext",
    "check",
    "get_check",
]

OVERVIEW_MAX_CHARS = 1000
"""一、总体情况 "篇幅原则上不超过一千字" (国办公开办函〔2021〕30号)."""


# --------------------------------------------------------------------------------------------
# Registry


@attrs.frozen(kw_only=True)
class CheckContext:
    """What a check looks at: the report, last year's report if given, and the report's text."""

    report: Report
    previous: Report | None = None
    text: ReportText = attrs.field(
        default=attrs.Factory(lambda self: report_text(self.report), takes_self=True),
    )
    """The prose as printed (defaults filled in), from :func:`reportgen.domain.prose.report_text`."""
    current: Check | None = None
    """The check being run (set by :meth:`Check.run`); :meth:`finding` takes its code and severity."""

    @property
    def comparable_previous(self) -> Report | None:
        """Last year's report when it is for the year before; cross-year checks only compare that one."""
        if self.previous is not None and self.previous.year == self.report.year - 1:
            return self.previous
        return None

    def finding(
        self,
        message: str,
        location: Location | None = None,
        *,
        expected: Value = None,
        actual: Value = None,
    ) -> Finding:
        """A finding of the check being run."""
        if self.current is None:
            raise RuntimeError("CheckContext.finding outside Check.run")
        return Finding(
            code=self.current.code,
            severity=self.current.severity,
            message=message,
            location=location or Location(),
            expected=expected,
            actual=actual,
        )


CheckFunc = Callable[[CheckContext], Iterable[Finding]]


@attrs.frozen(kw_only=True)
class Check:
    """One reviewer's rule: a stable code, a severity, a Chinese title and the function checking it."""

    code: str
    severity: Severity
    title: str
    func: CheckFunc = attrs.field(repr=False)
    needs_previous: bool = False
    """Whether the check only runs when last year's report is given."""

    @property
    def formula(self) -> str:
        """What the check verifies (the function's docstring)."""
        return inspect.cleandoc(self.func.__doc__ or "")

    def run(self, ctx: CheckContext) -> list[Finding]:
        """The findings of this check on ``ctx``."""
        if self.needs_previous and ctx.previous is None:
            return []
        return list(self.func(attrs.evolve(ctx, current=self)))


_REGISTRY: list[Check] = []


def _rule(code: str, severity: Severity, title: str, *, needs_previous: bool = False) -> Callable[[CheckFunc], Check]:
    def register(func: CheckFunc) -> Check:
        if any(c.code == code for c in _REGISTRY):
            raise AssertionError(f"duplicate check code {code}")
        registered = Check(code=code, severity=severity, title=title, func=func, needs_previous=needs_previous)
        _REGISTRY.append(registered)
        return registered

    return register


# --------------------------------------------------------------------------------------------
# Helpers


def _location(layout: TableLayout, ref: tuple[str, str], *, path: bool = True) -> Location:
    return Location(
        table=layout.name,
        row=layout.row_label(ref[0]),
        column=layout.column(ref[1]).label,
        path=f"$.{layout.key}.rows.{ref[0]}.{ref[1]}" if path else None,
    )


def _fmt(value: Figure) -> str:
    return format_amount(value) if isinstance(value, Decimal) else str(value)


def _leaf_columns(layout: TableLayout) -> list[str]:
    return [c.key for c in layout.columns if not c.computed]


def _stated_totals(ctx: CheckContext, table: Table, rows: Callable[[str], bool]) -> Iterator[Finding]:
    """One finding per stated total (in a row accepted by ``rows``) that differs from the computed one."""
    layout = table.layout
    for ref in layout.refs():
        if ref not in table.stated or not rows(ref[0]):
            continue
        stated, computed = table.stated[ref], table[ref]
        if stated == computed:
            continue
        row, col = layout.row(ref[0]), layout.column(ref[1])
        terms = next(s.terms for s in layout.sums if s.target == ref)
        if row.computed:
            # （七）总计: the sum of the result rows above it, in this column.
            first, last = layout.row(terms[0][0]), layout.row(terms[-1][0])
            formula = f"{layout.row_label(first.key)} 至 {layout.row_label(last.key)} 之和"
        else:
            formula = " + ".join(layout.column(c).label for _, c in terms)
        yield ctx.finding(
            f"{layout.name}“{layout.row_label(row.key)}”行“{col.label}”列：填写的数为{_fmt(stated)}，"
            f"按 {formula} 计算应为{_fmt(computed)}",
            _location(layout, ref),
            expected=computed,
            actual=stated,
        )


# --------------------------------------------------------------------------------------------
# Hard rules: the identities of the tables


@_rule("T3-BALANCE", Severity.ERROR, "表三各列勾稽关系")
def _t3_balance(ctx: CheckContext) -> Iterator[Finding]:
    """表三每一申请人列（自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他）：
    一、本年新收 + 二、上年结转 = 三、（七）总计 + 四、结转下年度继续办理（（七）总计按各办理结果行计算）。
    总计列是这六列之和，不重复报告。"""
    t3 = ctx.report.table3
    layout = t3.layout
    new, carried, results, forward = (
        layout.row(k) for k in ("new_received", "carried_over", "results_total", "carried_forward")
    )
    for col in _leaf_columns(layout):
        incoming = t3[(new.key, col)] + t3[(carried.key, col)]
        outgoing = t3[(results.key, col)] + t3[(forward.key, col)]
        if incoming == outgoing:
            continue
        label = layout.column(col).label
        yield ctx.finding(
            f"表三“{label}”列：{new.label}({t3[(new.key, col)]}) + {carried.label}({t3[(carried.key, col)]})"
            f" = {incoming}，应等于 {results.label}({t3[(results.key, col)]}) + {forward.label}"
            f"({t3[(forward.key, col)]}) = {outgoing}",
            Location(table=layout.name, column=label),
            expected=outgoing,
            actual=incoming,
        )


@_rule("T3-ROW-TOTAL", Severity.ERROR, "表三行总计与各列之和不符")
def _t3_row_total(ctx: CheckContext) -> Iterator[Finding]:
    """表三每一行填写的“总计” = 自然人 + 商业企业 + 科研机构 + 社会公益组织 + 法律服务机构 + 其他
    （只检查输入中写明的总计；（七）总计行由 T3-RESULTS-TOTAL 检查）。"""
    yield from _stated_totals(ctx, ctx.report.table3, lambda row: row != "results_total")


@_rule("T3-RESULTS-TOTAL", Severity.ERROR, "表三（七）总计与办理结果之和不符")
def _t3_results_total(ctx: CheckContext) -> Iterator[Finding]:
    """表三每一列填写的“（七）总计” = （一）+（二）+ Σ（三）1–8 + Σ（四）1–3 + Σ（五）1–5 + Σ（六）1–3
    （只检查输入中写明的总计）。"""
    yield from _stated_totals(ctx, ctx.report.table3, lambda row: row == "results_total")


@_rule("T4-TOTAL", Severity.ERROR, "表四总计与各项之和不符")
def _t4_total(ctx: CheckContext) -> Iterator[Finding]:
    """表四行政复议、未经复议直接起诉、复议后起诉各组填写的“总计” = 结果维持 + 结果纠正 + 其他结果 + 尚未审结
    （只检查输入中写明的总计）。"""
    yield from _stated_totals(ctx, ctx.report.table4, lambda row: True)


# --------------------------------------------------------------------------------------------
# Soft rules


@_rule("T2-TOWNSHIP-REGULATIONS", Severity.WARNING, "乡镇、街道填报了规章")
def _t2_township_regulations(ctx: CheckContext) -> Iterator[Finding]:
    """机关类别为乡镇人民政府或街道办事处时，表二“规章”行各数应为 0（乡镇、街道无权制定规章）。"""
    report = ctx.report
    if not report.organ.kind.is_township_level:
        return
    t2 = report.table2
    layout = t2.layout
    row = layout.row("regulations")
    for col in row.columns:
        value = t2[(row.key, col)]
        if value:
            yield ctx.finding(
                f"表二“{row.label}”行“{layout.column(col).label}”为{_fmt(value)}：{report.organ.kind.label}无权制定规章，应为0",
                _location(layout, (row.key, col)),
                expected=0,
                actual=value,
            )


@_rule("FORMAT-OUTDATED", Severity.WARNING, "使用了已废止的2019年格式")
def _format_outdated(ctx: CheckContext) -> Iterator[Finding]:
    """2021年度及以后的报告使用 2019 年试行格式（国办公开办函〔2019〕60号）时提示：
    应使用国办公开办函〔2021〕30号格式。2019、2020年度报告使用当时的格式，不提示。"""
    report = ctx.report
    if report.format_version is FormatVersion.V2019 and report.year >= 2021:
        old, new = FORMAT_DOCUMENT[FormatVersion.V2019], FORMAT_DOCUMENT[FormatVersion.V2021]
        yield ctx.finding(
            f"{report.year}年度报告使用了已被替代的格式（{old}），应使用{new}印发的格式",
            expected=new,
            actual=old,
        )


@_rule("FORMAT-YEAR", Severity.WARNING, "2021年格式用于2021年度以前的报告")
def _format_year(ctx: CheckContext) -> Iterator[Finding]:
    """2021 年格式（国办公开办函〔2021〕30号）自 2021 年度报告起施行：年度 < 2021 而使用 2021 年格式时提示。"""
    report = ctx.report
    if report.format_version is FormatVersion.V2021 and report.year < 2021:
        new, old = FORMAT_DOCUMENT[FormatVersion.V2021], FORMAT_DOCUMENT[FormatVersion.V2019]
        yield ctx.finding(
            f"{report.year}年度报告使用了{new}格式，该格式自2021年度报告起施行；{report.year}年度适用{old}格式",
            expected=old,
            actual=new,
        )


_DEADLINES: dict[OrganKind, tuple[int, int]] = {
    OrganKind.COUNTY_GOVERNMENT: (2, 20),
    OrganKind.CITY_GOVERNMENT: (3, 10),
    OrganKind.PROVINCIAL_GOVERNMENT: (3, 31),
}


@_rule("PUBLICATION-DATE", Severity.WARNING, "发布日期不在法定期限内")
def _publication_date(ctx: CheckContext) -> Iterator[Finding]:
    """报告年度的次年 1月1日 ≤ 发布日期 ≤ 法定期限：部门、乡镇、街道为次年1月31日，
    县级政府2月20日，设区的市级政府3月10日，省级政府3月31日（条例第四十九条）。未填发布日期不检查。"""
    report = ctx.report
    date = report.publication_date
    if date is None:
        return
    month, day = _DEADLINES.get(report.organ.kind, (1, 31))
    start, deadline = dt.date(report.year + 1, 1, 1), dt.date(report.year + 1, month, day)
    when = f"{date.year}年{date.month}月{date.day}日"
    limit = f"{deadline.year}年{deadline.month}月{deadline.day}日"
    if date < start:
        message = f"发布日期{when}早于报告年度结束（{report.year}年12月31日），数据核定时间点为年度末"
    elif date > deadline:
        message = f"发布日期{when}晚于法定期限{limit}（{report.organ.kind.label}）"
    else:
        return
    bound = start if date < start else deadline
    yield ctx.finding(message, Location(path="$.publication_date"), expected=bound.isoformat(), actual=date.isoformat())


@_rule("PROSE-EMPTY", Severity.WARNING, "必填文字内容为空")
def _prose_empty(ctx: CheckContext) -> Iterator[Finding]:
    """五、存在的主要问题及改进情况不得为空；一、总体情况的五个部分（填写或默认生成后）各至少一段；
    六、其他需要报告的事项中的每一项都应有正文。"""
    report, text = ctx.report, ctx.text
    layout = report.layout
    overview = layout.section("overview").title
    for part in text.overview_parts:
        if not part.paragraphs:
            yield ctx.finding(
                f"{overview}“{part.title}”没有内容",
                Location(table=overview, row=part.title, path=f"$.overview.{part.key}"),
            )
    problems = layout.section("problems").title
    if not text.problems:
        yield ctx.finding(f"{problems}没有内容", Location(table=problems, path="$.problems"))
    other = layout.section("other_matters").title
    # report_text puts the 信息处理费 item first when the input left it out; input indices skip it.
    inserted = len(text.other_matters) - len(report.other_matters)
    for i, part in enumerate(text.other_matters):
        if not part.paragraphs:
            yield ctx.finding(
                f"{other}“{part.title}”没有正文",
                Location(table=other, row=part.title, path=f"$.other_matters[{i - inserted}]"),
            )


@_rule("OVERVIEW-LENGTH", Severity.WARNING, "总体情况篇幅超过一千字")
def _overview_length(ctx: CheckContext) -> Iterator[Finding]:
    """2021年格式：一、总体情况的正文字数（引言和五个部分的段落，不计标题和空白）≤ 1000（格式要求“篇幅原则上不超过一千字”；2019年试行格式无此要求）。"""
    if ctx.report.format_version is not FormatVersion.V2021:
        return  # the 2019 trial format sets no length
    text = ctx.text
    paragraphs = [*text.overview_intro, *(p for part in text.overview_parts for p in part.paragraphs)]
    length = sum(len(re.sub(r"\s", "", p)) for p in paragraphs)
    if length > OVERVIEW_MAX_CHARS:
        title = ctx.report.layout.section("overview").title
        yield ctx.finding(
            f"{title}正文共{length}字，格式要求篇幅原则上不超过{OVERVIEW_MAX_CHARS}字",
            Location(table=title, path="$.overview"),
            expected=OVERVIEW_MAX_CHARS,
            actual=length,
        )


_SUPERSEDED = re.compile(r"国办公开办函\s*[〔\[【(（]\s*2019\s*[〕\]】)）]\s*60\s*号")


@_rule("FORMAT-SUPERSEDED-NOTICE", Severity.WARNING, "2021年格式报告引用了已废止的2019年通知")
def _superseded_notice(ctx: CheckContext) -> Iterator[Finding]:
    """2021年格式的报告不应引用已被国办公开办函〔2021〕30号取代的国办公开办函〔2019〕60号。"""
    report = ctx.report
    if report.format_version is not FormatVersion.V2021:
        return
    for title, paragraph in ctx.text.all_paragraphs():
        match = _SUPERSEDED.search(paragraph)
        if match:
            yield ctx.finding(
                f"{title}引用了已废止的{FORMAT_DOCUMENT[FormatVersion.V2019]}；本报告采用"
                f"{FORMAT_DOCUMENT[FormatVersion.V2021]}的格式，应引用后者",
                Location(table=title),
                actual=match.group(0),
            )
            return


# --------------------------------------------------------------------------------------------
# Across years


@_rule("PREVIOUS-YEAR", Severity.WARNING, "上年度报告的年度不对", needs_previous=True)
def _previous_year(ctx: CheckContext) -> Iterator[Finding]:
    """上年度报告的年度 = 本报告年度 − 1；不符时不做跨年度比较。"""
    previous = ctx.previous
    if previous is not None and previous.year != ctx.report.year - 1:
        yield ctx.finding(
            f"用于比较的上年度报告是{previous.year}年度，本报告为{ctx.report.year}年度，应为{ctx.report.year - 1}年度；"
            "未做跨年度比较",
            expected=ctx.report.year - 1,
            actual=previous.year,
        )


@_rule("T3-CARRY-OVER", Severity.WARNING, "上年结转与上年度结转下年度不符", needs_previous=True)
def _t3_carry_over(ctx: CheckContext) -> Iterator[Finding]:
    """表三每一申请人列：本年 二、上年结转政府信息公开申请数量 = 上年度报告 四、结转下年度继续办理。"""
    previous = ctx.comparable_previous
    if previous is None:
        return
    t3, last = ctx.report.table3, previous.table3
    layout = t3.layout
    over, forward = layout.row("carried_over"), layout.row("carried_forward")
    for col in _leaf_columns(layout):
        now, then = t3[(over.key, col)], last[(forward.key, col)]
        if now != then:
            label = layout.column(col).label
            yield ctx.finding(
                f"表三“{label}”列：本年{over.label}为{now}，上年度（{previous.year}年）{forward.label}为{then}，两者应相等",
                _location(layout, (over.key, col)),
                expected=then,
                actual=now,
            )


@_rule("T2-IN-FORCE", Severity.WARNING, "现行有效件数与上年度不衔接", needs_previous=True)
def _t2_in_force(ctx: CheckContext) -> Iterator[Finding]:
    """表二规章、行政规范性文件：上年度现行有效件数 + 本年制发件数 − 本年废止件数 = 本年现行有效件数
    （清理文件时常有出入，故为警告；两年都使用2021年格式时检查）。"""
    previous = ctx.comparable_previous
    report = ctx.report
    if previous is None or FormatVersion.V2019 in (report.format_version, previous.format_version):
        return
    t2, last = report.table2, previous.table2
    layout = t2.layout
    for key in ("regulations", "normative_documents"):
        row = layout.row(key)
        before, issued, repealed = last[(key, "in_force")], t2[(key, "issued")], t2[(key, "repealed")]
        expected, actual = before + issued - repealed, t2[(key, "in_force")]
        if expected != actual:
            yield ctx.finding(
                f"表二“{row.label}”：上年度{layout.column('in_force').label}({before}) + "
                f"{layout.column('issued').label}({issued}) − {layout.column('repealed').label}({repealed}) = {expected}，"
                f"本年{layout.column('in_force').label}为{actual}",
                _location(layout, (key, "in_force")),
                expected=expected,
                actual=actual,
            )


def _normalise_prose(paragraphs: Iterable[str]) -> str:
    # A copy with only the year changed is still 年年雷同.
    return re.sub(r"\d{4}", "#", re.sub(r"\s", "", "".join(paragraphs)))


@_rule("PROBLEMS-REPEATED", Severity.WARNING, "存在的主要问题与上年度雷同", needs_previous=True)
def _problems_repeated(ctx: CheckContext) -> Iterator[Finding]:
    """五、存在的主要问题及改进情况 ≠ 上年度的五（不计空白，年份数字视为相同）：格式要求不得年年雷同。"""
    previous = ctx.comparable_previous
    if previous is None or not ctx.report.problems:
        return
    if _normalise_prose(ctx.report.problems) == _normalise_prose(previous.problems):
        title = ctx.report.layout.section("problems").title
        yield ctx.finding(
            f"{title}与{previous.year}年度报告相同，格式要求查找问题要有针对性，不得年年雷同",
            Location(table=title, path="$.problems"),
        )


# --------------------------------------------------------------------------------------------
# Prose versus tables

# Clauses are compared one at a time; a clause ends at Chinese punctuation.
_CLAUSE_END = "，。；：！？、（）()；;!?"
# A clause that compares, accumulates or breaks down is not a plain statement of the year's figure.
_SKIP_CLAUSE = re.compile(r"累计|同比|较上|比上|增长|增加|减少|下降|其中|占")
_APPROXIMATE_BEFORE = re.compile(r"(?:约|近|超过|逾|不到|不足)\s*$")
_APPROXIMATE_AFTER = re.compile(r"^\s*(?:余|多|左右|以上|以下)")
_YEAR = re.compile(r"(\d{4})\s*年")
_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+)"
_GAP = r"[^\d，。；：！？、（）()；;!?]{0,12}?"


@attrs.frozen
class _Quote:
    """A phrasing that quotes a table figure in the prose."""

    pattern: re.Pattern[str]
    table: str
    ref: tuple[str, str] | None
    """The figure compared; ``None`` for the 信息处理费 (a report field, not a table figure)."""
    needs_context: bool = False
    """Count only in a clause mentioning 信息公开 or in a part about applications (依申请公开, 四)."""
    versions: tuple[FormatVersion, ...] = (FormatVersion.V2021, FormatVersion.V2019)


def _q(pattern: str, table: str, ref: tuple[str, str] | None, *, context: bool = False, v2021: bool = False) -> _Quote:
    versions = (FormatVersion.V2021,) if v2021 else (FormatVersion.V2021, FormatVersion.V2019)
    return _Quote(re.compile(pattern), table, ref, context, versions)


_QUOTES = (
    _q(rf"新收(?:到)?{_GAP}申请\s*(?:共\s*|为\s*)?{_NUMBER}\s*件", "table3", ("new_received", "total"), context=True),
    _q(rf"上年(?:度)?结转{_GAP}{_NUMBER}\s*件", "table3", ("carried_over", "total"), context=True),
    _q(
        rf"结转(?:至|到)?下(?:一)?年度?(?:继续办理)?{_GAP}{_NUMBER}\s*件",
        "table3",
        ("carried_forward", "total"),
        context=True,
    ),
    _q(
        rf"现行有效(?:的)?(?:行政)?规范性文件\s*(?:共\s*|为\s*)?{_NUMBER}\s*件",
        "table2",
        ("normative_documents", "in_force"),
        v2021=True,
    ),
    _q(
        rf"(?:行政)?规范性文件现行有效(?:件数)?\s*(?:共\s*|为\s*)?{_NUMBER}\s*件",
        "table2",
        ("normative_documents", "in_force"),
        v2021=True,
    ),
    _q(rf"行政许可(?:处理)?(?:决定)?(?:数量)?\s*(?:共\s*|为\s*)?{_NUMBER}\s*[件项]", "table2", ("licensing", "decisions")),
    _q(rf"行政处罚(?:处理)?(?:决定)?(?:数量)?\s*(?:共\s*|为\s*)?{_NUMBER}\s*件", "table2", ("punishment", "decisions")),
    _q(rf"行政强制(?:处理)?(?:决定)?(?:数量)?\s*(?:共\s*|为\s*)?{_NUMBER}\s*件", "table2", ("enforcement", "decisions")),
    _q(rf"行政复议\s*{_NUMBER}\s*件", "table4", ("review", "total"), context=True),
    _q(rf"行政诉讼\s*{_NUMBER}\s*件", "table4", ("litigation", "total"), context=True),
    _q(r"信息处理费\s*(\d+(?:\.\d+)?)\s*元", "fee", None),
)

_FEE_NONE = re.compile(r"未收取|没有收取|未曾收取|不收取|免收|未收费|不收费")
_NO_APPLICATIONS = re.compile(
    r"(?:未|没有|未曾|无)(?:受理|收到|接到|接收)(?:到)?(?:过)?(?:任何)?(?:政府信息公开|信息公开|依申请公开)?申请(?:事项)?"
    r"(?=[，。；！？）)；;,!?]|$)"
    r"|无依申请公开(?:事项|情况|申请)?(?=[，。；！？）)；;,!?]|$)"
    r"|未(?:发生|产生)(?:任何)?依申请公开(?:事项|情况|申请)?(?=[，。；！？）)；;,!?]|$)"
)


@attrs.frozen
class _Paragraph:
    section: str
    """Section title as printed (``一、总体情况 （二）依申请公开``)."""
    text: str
    about_applications: bool
    """The paragraph is in a part about applications or appeals (依申请公开, the note under 四)."""
    about_fee: bool


def _paragraphs(ctx: CheckContext) -> Iterator[_Paragraph]:
    text = ctx.text
    layout = ctx.report.layout
    overview = layout.section("overview").title
    for p in text.overview_intro:
        yield _Paragraph(overview, p, False, False)
    for part in text.overview_parts:
        for p in part.paragraphs:
            yield _Paragraph(f"{overview} {part.title}", p, part.key == "on_request", False)
    for p in text.review_litigation_note:
        yield _Paragraph(layout.section("table4").title, p, True, False)
    for p in text.problems:
        yield _Paragraph(layout.section("problems").title, p, False, False)
    other = layout.section("other_matters").title
    for part in text.other_matters:
        for p in part.paragraphs:
            yield _Paragraph(f"{other} {part.title}", p, False, part.key == "processing_fee")


def _clause(text: str, start: int, end: int) -> str:
    """The clause of ``text`` around ``text[start:end]`` (up to the neighbouring punctuation)."""
    left = max((text.rfind(ch, 0, start) for ch in _CLAUSE_END), default=-1) + 1
    rights = [i for i in (text.find(ch, end) for ch in _CLAUSE_END) if i >= 0]
    return text[left : min(rights, default=len(text))]


def _other_year(clause: str, year: int) -> bool:
    return any(int(y) != year for y in _YEAR.findall(clause))


def _quoted_value(ctx: CheckContext, quote: _Quote) -> Figure:
    report = ctx.report
    if quote.ref is None:
        return report.processing_fee
    if quote.ref == ("litigation", "total"):
        t4 = report.table4
        return t4[("litigation_direct", "total")] + t4[("litigation_after_review", "total")]
    return report.table(quote.table)[quote.ref]


def _quoted_target(ctx: CheckContext, quote: _Quote) -> str:
    """``表三“row”“column”`` for the message."""
    if quote.ref is None:
        return "本年度收取的信息处理费"
    if quote.ref == ("litigation", "total"):
        t4 = ctx.report.table4.layout
        direct, after = t4.row("litigation_direct"), t4.row("litigation_after_review")
        total = t4.column("total").label
        return f"表四“{t4.row_label(direct.key)}”与“{t4.row_label(after.key)}”的“{total}”之和"
    layout = ctx.report.table(quote.table).layout
    row, col = layout.row(quote.ref[0]), layout.column(quote.ref[1])
    return f"{layout.name}“{layout.row_label(row.key)}”“{col.label}”"


@_rule("PROSE-NO-APPLICATIONS", Severity.ERROR, "文字称未收到申请而表三有新收申请")
def _prose_no_applications(ctx: CheckContext) -> Iterator[Finding]:
    """文字中写“未受理/未收到/没有收到……政府信息公开申请”或“无依申请公开”时，
    表三 一、本年新收政府信息公开申请数量 的总计应为 0（默认生成的句子与表格一致，不会触发）。"""
    report = ctx.report
    t3 = report.table3
    new = t3[("new_received", "total")]
    if not new:
        return
    layout = t3.layout
    target = f"{layout.name}“{layout.row('new_received').label}”“{layout.column('total').label}”"
    for para in _paragraphs(ctx):
        for match in _NO_APPLICATIONS.finditer(para.text):
            clause = _clause(para.text, match.start(), match.end())
            if _other_year(clause, report.year):
                continue
            yield ctx.finding(
                f"文中写“{clause}”，但{target}为{new}",
                Location(table=para.section),
                expected=new,
                actual=0,
            )


@_rule("PROSE-FIGURE", Severity.WARNING, "文字中引用的数字与表格不符")
def _prose_figure(ctx: CheckContext) -> Iterator[Finding]:
    """文字中明确引用的数字 = 表格中的数字：新收……申请N件 = 表三一、本年新收总计；上年结转N件 = 表三二、总计；
    结转下年度（继续办理）N件 = 表三四、总计；现行有效（行政）规范性文件N件 = 表二行政规范性文件现行有效件数；
    行政许可N件/项、行政处罚N件、行政强制N件 = 表二本年处理决定数量；行政复议N件 = 表四行政复议总计；
    行政诉讼N件 = 表四两类起诉总计之和；信息处理费N元 = 本年度收取的信息处理费；写“未收取”信息处理费时应为0。
    约数（余、多、约、近、左右）、累计、同比、其中及其他年度的分句不比较。"""
    report = ctx.report
    for para in _paragraphs(ctx):
        text = para.text
        for quote in _QUOTES:
            if report.format_version not in quote.versions:
                continue
            for match in quote.pattern.finditer(text):
                clause = _clause(text, match.start(), match.end())
                if _SKIP_CLAUSE.search(clause) or _other_year(clause, report.year):
                    continue
                if quote.needs_context and not (para.about_applications or "信息公开" in clause):
                    continue
                number_start, number_end = match.span(1)
                if _APPROXIMATE_BEFORE.search(text[:number_start]) or _APPROXIMATE_AFTER.search(text[number_end:]):
                    continue
                said: Figure = (
                    Decimal(match.group(1)) if quote.ref is None else int(match.group(1).replace(",", ""))
                )
                value = _quoted_value(ctx, quote)
                if said == value:
                    continue
                yield ctx.finding(
                    f"文中“{match.group(0)}”为{_fmt(said)}，{_quoted_target(ctx, quote)}为{_fmt(value)}",
                    Location(table=para.section),
                    expected=value,
                    actual=said,
                )
        fee = report.processing_fee
        if fee and (para.about_fee or "信息处理费" in text):
            for match in _FEE_NONE.finditer(text):
                clause = _clause(text, match.start(), match.end())
                if _other_year(clause, report.year):
                    continue
                yield ctx.finding(
                    f"文中“{clause}”称未收取信息处理费，但本年度收取的信息处理费为{format_amount(fee)}元",
                    Location(table=para.section, path="$.processing_fee"),
                    expected=fee,
                    actual=Decimal(0),
                )
                break


# --------------------------------------------------------------------------------------------
# Public API

CHECKS: tuple[Check, ...] = tuple(_REGISTRY)
"""Every check, in the order :func:`check` runs them (tables, format, prose, cross-year)."""


def get_check(code: str) -> Check:
    """The check with ``code`` (``KeyError`` if there is none)."""
    for registered in CHECKS:
        if registered.code == code:
            return registered
    raise KeyError(code)


FIGURE_CHECKS = frozenset({"T3-BALANCE", "T3-ROW-TOTAL", "T3-RESULTS-TOTAL", "T4-TOTAL", "T3-CARRY-OVER",
                           "T2-IN-FORCE", "PROSE-NO-APPLICATIONS", "PROSE-FIGURE"})
"""The checks comparing figures: skipped on a table whose figures were not all read (a partial report)."""


def check(
    report: Report,
    *,
    previous: Report | None = None,
    incomplete: frozenset[str] = frozenset(),
    previous_incomplete: frozenset[str] = frozenset(),
    only: frozenset[str] | None = None,
) -> list[Finding]:
    """Every finding of every check in :data:`CHECKS` on ``report``, errors first, then in check order.

    ``previous`` is last year's report of the same organ; the cross-year checks run only when it is
    given (and compare only when its year is the year before).  ``incomplete`` / ``previous_incomplete``:
    keys of tables (``table3``) of a partially read report whose figures are not all known — the
    :data:`FIGURE_CHECKS` say nothing about them, so a figure not read is never called an identity error.
    ``only``: run just these codes.
    """
    ctx = CheckContext(report=report, previous=previous)
    unknown = {report.table(key).layout.name for key in incomplete}
    unknown |= {report.table(key).layout.name for key in previous_incomplete}
    findings = [
        finding
        for registered in CHECKS
        if only is None or registered.code in only
        for finding in registered.run(ctx)
        if not (registered.code in FIGURE_CHECKS and unknown
                and (finding.location.table in unknown or registered.code.startswith("PROSE-")))
    ]
    return sorted(findings, key=lambda f: not f.is_error)
