"""The county roll-up: running sums per (year, format) while the run goes, and the roll-up :class:`Report` at the end.

Never holds reports: only the sums of the figures the workers sent back, and the organ names taken from the
outcomes in input order.  The roll-up sums one year and one format — the county workbook's, else the most
common year and then the most common format of it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TypeAlias

from reportgen.domain.findings import Status
from reportgen.domain.layout import PROCESSING_FEE_ITEM, FormatVersion, get_layout
from reportgen.domain.model import Figure, Organ, OrganKind, OtherItem, Overview, Report, Subsection, Table
from reportgen.domain.prose import format_amount, strip_number
from reportgen.formats.excel.county import CountyInfo
from reportgen.pipelines.bulk.records import Exclusion, FigureRef, Figures, OrganInfo, RollupNote, TownshipOutcome

__all__ = ["ROLLUP_LISTED", "RollUp", "RollupKey"]

ROLLUP_LISTED = 100
"""How many organs the roll-up's text names (in input order) before it says 等."""

RollupKey: TypeAlias = tuple[int, str]
"""``(year, format version)``: the roll-up sums only reports of one year and one format."""


class _Sums:
    """Running sums of the leaf figures of the reports of one (year, format)."""

    def __init__(self, version: FormatVersion) -> None:
        self.layout = get_layout(version)
        self.sums: dict[FigureRef, Figure] = {}
        self.fee = Decimal(0)
        self.count = 0
        self.kinds: Counter[str] = Counter()
        self.place: tuple[str, str, str] | None = None

    def add(self, figures: Figures, fee: Decimal, organ: OrganInfo, sign: int) -> None:
        for ref, raw in figures:
            table, row, col = ref
            # Values from the manifest come back as their digits: the cell's kind says int or amount.
            value: Figure = Decimal(raw) if self.layout.table(table).kind((row, col)) == "amount" else int(raw)
            self.sums[ref] = self.sums.get(ref, 0) + sign * value
        self.fee += sign * fee
        self.count += sign
        self.kinds[organ.kind] += sign
        if self.place is None:
            self.place = (organ.province, organ.city, organ.county)


class RollUp:
    """Running sums per (year, format) — a handful of keys at most; the one to publish is chosen at the end.

    ``include_errors``: sum townships whose reports have error findings too.  By default they are left out
    (:meth:`leave_out`): a report whose own identities fail would make the roll-up fail them as well, and its
    sentences would contradict its tables.
    """

    def __init__(self, *, include_errors: bool = False) -> None:
        self.by_key: dict[RollupKey, _Sums] = {}
        self.include_errors = include_errors

    def leave_out(self, outcome: TownshipOutcome) -> RollupNote | None:
        """Why ``outcome`` (loaded, not a duplicate) is not summed — it has errors — or ``None``: sum it."""
        if outcome.status is not Status.ERRORS or self.include_errors:
            return None
        return RollupNote(Exclusion.ERRORS, f"报告有{outcome.errors}个错误，改正后计入")

    def add(self, key: RollupKey, figures: Figures, fee: Decimal, organ: OrganInfo, sign: int = 1) -> None:
        """Add (``sign=-1``: take back) one township's figures."""
        sums = self.by_key.get(key)
        if sums is None:
            sums = self.by_key[key] = _Sums(FormatVersion(key[1]))
        sums.add(figures, fee, organ, sign)

    def choose(self, info: CountyInfo | None) -> RollupKey | None:
        """The county workbook's year and format; else the most common year (ties: the later), then the most
        common format of that year (ties: the newer)."""
        live = {k: v.count for k, v in self.by_key.items() if v.count > 0}
        if info is not None:
            key = (info.year, info.format_version.value)
            return key if key in live else None
        if not live:
            return None
        years: Counter[int] = Counter()
        for (year, _), n in live.items():
            years[year] += n
        year = max(years, key=lambda y: (years[y], y))
        return max((k for k in live if k[0] == year), key=lambda k: (live[k], k[1]))

    def report(self, key: RollupKey, info: CountyInfo | None, organs: Sequence[str],
               excluded: Mapping[Exclusion, int], left_out: Sequence[tuple[str, RollupNote]] = (),
               errors_included: int = 0) -> Report:
        """The roll-up report of ``key``: the sums, and prose naming ``organs`` and what was left out.

        ``left_out``: ``(organ, why)`` of each report not summed (named in the text, up to
        :data:`ROLLUP_LISTED`); ``excluded`` counts them per reason; ``errors_included``: reports with errors
        summed all the same (``include_errors``), which the text then says.
        """
        sums = self.by_key[key]
        year, version = key[0], FormatVersion(key[1])
        province, city, county = sums.place or ("", "", "")
        if info is not None:
            province, city, county = info.province or province, info.city or city, info.county or county
        township_level = all(OrganKind(k).is_township_level for k, n in sums.kinds.items() if n > 0)
        scope = "乡镇（街道）" if township_level else "机关"
        name = (info.rollup_name if info is not None and info.rollup_name else "") or f"{county}{scope}汇总"
        tables: dict[str, dict[tuple[str, str], Figure]] = {t.key: {} for t in get_layout(version).tables}
        for (table, row, col), value in sums.sums.items():
            tables[table][(row, col)] = value
        listing = "、".join(organs[:ROLLUP_LISTED]) + ("等" if sums.count > ROLLUP_LISTED else "")
        intro = [
            f"本报告汇总了{county}{sums.count}个{scope}{year}年度政府信息公开工作年度报告的统计数据，"
            f"表中各项数字为各{scope}报告相应数字之和。",
            f"汇总范围：{listing}。",
        ]
        if excluded:
            reasons = "，".join(f"{r.counted}{n}个" for r, n in excluded.items())
            intro.append(f"另有{sum(excluded.values())}个报告未计入本汇总（{reasons}）。")
        if left_out:
            named = "；".join(f"{organ}（{note}）" for organ, note in left_out[:ROLLUP_LISTED])
            intro.append(f"未计入的报告：{named}" + ("等" if len(left_out) > ROLLUP_LISTED else "") + "。")
        if errors_included:
            intro.append(f"其中{errors_included}个计入汇总的报告本身有错误，汇总数据可能不符合表格间的勾稽关系，"
                         "请以改正后的报告为准。")
        base = Report(
            organ=Organ(name=name, kind=OrganKind.OTHER, province=province, city=city, county=county),
            year=year,
            format_version=version,
            publication_date=info.publication_date if info is not None else None,
            overview=Overview(intro=intro, **{
                part.key: Subsection(paragraphs=(f"各{scope}{strip_number(part.title)}情况见各自的年度报告。",))
                for part in get_layout(version).overview_parts if part.key != "on_request"
            }),
            problems=(f"各{scope}存在的主要问题及改进情况见各自的年度报告。",),
            table2=Table.from_figures("table2", tables["table2"], version=version),
            table3=Table.from_figures("table3", tables["table3"], version=version),
            table4=Table.from_figures("table4", tables["table4"], version=version),
            processing_fee=sums.fee,
        )
        t4 = base.table4
        review = t4.count("review", "total")
        litigation = t4.count("litigation_direct", "total") + t4.count("litigation_after_review", "total")
        return base.evolve(
            review_litigation_note=(
                f"{year}年度，汇总范围内各{scope}因政府信息公开工作共被申请行政复议{review}件，"
                f"被提起行政诉讼{litigation}件。",
            ),
            other_matters=(
                OtherItem(key=PROCESSING_FEE_ITEM.key, title=PROCESSING_FEE_ITEM.title,
                          paragraphs=(f"{year}年度，汇总范围内各{scope}共收取政府信息公开信息处理费"
                                      f"{format_amount(sums.fee)}元。",)),
            ),
        )
