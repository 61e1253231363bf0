"""Generate ``docs/checks.md``, the checks catalogue, from :data:`reportgen.domain.checks.CHECKS`.

Each check is listed with its code, severity, title and formula (its docstring), and a sample
message obtained by *running* the check on a report built to trigger it (:data:`EXAMPLES`), so the
catalogue cannot drift from the code.  ``tests/test_checks.py`` asserts the committed file is current.

Usage::

    python -m scripts.gen_checks_doc            # rewrite docs/checks.md
    python -m scripts.gen_checks_doc --check    # exit 1 if docs/checks.md is out of date
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import attrs

from reportgen.domain.checks import CHECKS, Check, CheckContext
from reportgen.domain.findings import Finding
from reportgen.domain.layout import FormatVersion
from reportgen.domain.model import Organ, OrganKind, OtherItem, Overview, Report, Subsection, Table
from scripts._generated import write_or_check

__all__ = ["DOC_PATH", "EXAMPLES", "render", "sample_findings"]

DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "checks.md"


def _base(**changes: object) -> Report:
    """A consistent county-department report for 2022 that passes every check."""
    t3 = Table.from_figures(
        "table3",
        {
            ("new_received", "natural_person"): 3,
            ("new_received", "commercial"): 1,
            ("carried_over", "natural_person"): 1,
            ("granted", "natural_person"): 2,
            ("granted", "commercial"): 1,
            ("unavailable_not_held", "natural_person"): 1,
            ("carried_forward", "natural_person"): 1,
        },
    )
    t2 = Table.from_figures(
        "table2",
        {
            ("normative_documents", "issued"): 3,
            ("normative_documents", "repealed"): 1,
            ("normative_documents", "in_force"): 17,
            ("licensing", "decisions"): 845,
        },
    )
    fields: dict[str, object] = {
        "organ": Organ(name="招远市示例局", kind=OrganKind.COUNTY_DEPARTMENT),
        "year": 2022,
        "publication_date": dt.date(2023, 1, 18),
        "overview": Overview(
            intro=("2022年，我局认真贯彻落实《中华人民共和国政府信息公开条例》。",),
            active_disclosure=Subsection(paragraphs=("全年主动公开政府信息326条。",)),
            information_management=Subsection(paragraphs=("建立健全信息发布审核制度。",)),
            platform=Subsection(paragraphs=("依托政府门户网站公开信息。",)),
            supervision=Subsection(paragraphs=("开展培训2次。",)),
        ),
        "table2": t2,
        "table3": t3,
        "problems": ("一是公开内容不够全面。",),
    }
    fields.update(changes)
    return Report(**fields)  # type: ignore[arg-type]


def _previous(report: Report, **changes: object) -> Report:
    """Last year's report, consistent with ``report`` (its 结转 and 现行有效 carry on)."""
    t3 = report.table3
    cols = [c.key for c in t3.layout.columns if not c.computed]
    figures = {("carried_forward", c): t3.count("carried_over", c) for c in cols}
    figures.update({("new_received", c): t3.count("carried_over", c) for c in cols})
    t2 = Table.from_figures("table2", {("normative_documents", "in_force"): 15})
    fields: dict[str, object] = {
        "year": report.year - 1,
        "publication_date": None,
        "table2": t2,
        "table3": Table.from_figures("table3", figures),
        "problems": ("上年度的问题。",),
    }
    fields.update(changes)
    return report.evolve(**fields)


def _stated(key: str, ref: tuple[str, str], delta: int) -> Callable[[], tuple[Report, Report | None]]:
    def build() -> tuple[Report, Report | None]:
        report = _base()
        table = report.table(key)
        stated = Table.from_figures(key, table.figures, stated={ref: table.count(*ref) + delta})
        return report.evolve(**{key: stated}), None

    return build


def _with_intro(text: str) -> Callable[[], tuple[Report, Report | None]]:
    def build() -> tuple[Report, Report | None]:
        report = _base()
        return report.evolve(overview=attrs.evolve(report.overview, intro=(text,))), None

    return build


def _t3_balance() -> tuple[Report, Report | None]:
    report = _base()
    return report.evolve(table3=report.table3.replace(("new_received", "natural_person"), 4)), None


def _township_regulations() -> tuple[Report, Report | None]:
    t2 = Table.from_figures("table2", {("regulations", "in_force"): 2})
    return _base(organ=Organ(name="招远市示例镇人民政府", kind=OrganKind.TOWNSHIP), table2=t2), None


def _format_outdated() -> tuple[Report, Report | None]:
    report = _base()
    v2019 = Report(
        organ=report.organ,
        year=report.year,
        format_version=FormatVersion.V2019,
        publication_date=report.publication_date,
        overview=report.overview,
        problems=report.problems,
    )
    return v2019, None


def _prose_empty() -> tuple[Report, Report | None]:
    return _base(problems=()), None


def _carry_over() -> tuple[Report, Report | None]:
    report = _base()
    previous = _previous(report)
    return report, previous.evolve(table3=previous.table3.replace(("carried_forward", "natural_person"), 2))


def _in_force() -> tuple[Report, Report | None]:
    report = _base()
    previous = _previous(report)
    return report, previous.evolve(table2=previous.table2.replace(("normative_documents", "in_force"), 16))


def _problems_repeated() -> tuple[Report, Report | None]:
    report = _base()
    return report, _previous(report, problems=report.problems)


def _prose_no_applications() -> tuple[Report, Report | None]:
    report = _base()
    on_request = Subsection(paragraphs=("2022年度未受理政府信息公开申请。",))
    return report.evolve(overview=attrs.evolve(report.overview, on_request=on_request)), None


def _prose_figure() -> tuple[Report, Report | None]:
    report, _ = _with_intro("截至年底，现行有效行政规范性文件393件。")()
    item = OtherItem(key="processing_fee", title="收取信息处理费情况", paragraphs=("2022年未收取任何费用。",))
    return report.evolve(other_matters=(item,), processing_fee=Decimal("35")), None


EXAMPLES: dict[str, Callable[[], tuple[Report, Report | None]]] = {
    "T3-BALANCE": _t3_balance,
    "T3-ROW-TOTAL": _stated("table3", ("granted", "total"), 1),
    "T3-RESULTS-TOTAL": _stated("table3", ("results_total", "natural_person"), -1),
    "T4-TOTAL": _stated("table4", ("review", "total"), 1),
    "T2-TOWNSHIP-REGULATIONS": _township_regulations,
    "FORMAT-OUTDATED": _format_outdated,
    "FORMAT-YEAR": lambda: (_base(year=2020, publication_date=None), None),
    "PUBLICATION-DATE": lambda: (_base(publication_date=dt.date(2023, 2, 8)), None),
    "PROSE-EMPTY": _prose_empty,
    "OVERVIEW-LENGTH": _with_intro("政" * 1001),
    "FORMAT-SUPERSEDED-NOTICE": _with_intro("本报告按照国办公开办函〔2019〕60号的要求编制。"),
    "PREVIOUS-YEAR": lambda: (_base(), _previous(_base(), year=2020)),
    "T3-CARRY-OVER": _carry_over,
    "T2-IN-FORCE": _in_force,
    "PROBLEMS-REPEATED": _problems_repeated,
    "PROSE-NO-APPLICATIONS": _prose_no_applications,
    "PROSE-FIGURE": _prose_figure,
}
"""For each check code, a report (and last year's, where needed) that triggers it."""


def sample_findings(registered: Check) -> list[Finding]:
    """The findings of ``registered`` on its example report (``KeyError`` if it has none)."""
    report, previous = EXAMPLES[registered.code]()
    return registered.run(CheckContext(report=report, previous=previous))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render() -> str:
    """The whole catalogue as Markdown."""
    lines = [
        "# 检查规则目录 (checks catalogue)",
        "",
        "<!-- Generated by `python -m scripts.gen_checks_doc` from reportgen.domain.checks.CHECKS; do not edit. -->",
        "",
        "`reportgen check`（及 `reportgen.check()`）逐条运行下列规则。错误（error）表示报告有误，"
        "`reportgen check` 退出状态为 1；警告（warning）是审核人员会提出的问题。"
        "跨年度规则仅在给出上年度报告（`--previous`）时运行。示例消息由各规则在示例报告上实际运行得到。",
        "",
        "Every rule `reportgen check` runs. Errors make the report wrong (exit status 1); warnings are what a "
        "reviewer would ask about. Cross-year rules run only when last year's report is given. Sample messages "
        "are produced by running each rule on a report built to trigger it.",
        "",
        "| 代码 (code) | 严重程度 (severity) | 规则 (rule) | 需要上年度报告 |",
        "| --- | --- | --- | --- |",
    ]
    for registered in CHECKS:
        anchor = registered.code.lower()
        lines.append(
            f"| [`{registered.code}`](#{anchor}) | {registered.severity.label} ({registered.severity.value}) "
            f"| {_cell(registered.title)} | {'是' if registered.needs_previous else ''} |"
        )
    for registered in CHECKS:
        lines += [
            "",
            f"## {registered.code}",
            "",
            f"**{registered.title}** — {registered.severity.label} ({registered.severity.value})",
            "",
            "公式 (formula)：",
            "",
            *(f"> {line}" if line else ">" for line in registered.formula.splitlines()),
            "",
            "示例 (sample)：",
            "",
        ]
        for finding in sample_findings(registered):
            where = finding.location.describe()
            lines.append(f"- {where + '：' if where else ''}{finding.message}")
            if finding.expected is not None or finding.actual is not None:
                lines.append(f"  （期望 expected: `{finding.expected}`，实际 actual: `{finding.actual}`）")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the document, or with ``--check`` report whether the committed one is current."""
    return write_or_check(DOC_PATH, render, command="python -m scripts.gen_checks_doc",
                          description=__doc__.splitlines()[0] if __doc__ else None, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
