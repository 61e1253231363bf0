"""Build ``examples/zhaoyuan-county-2022.xlsx``: the county workbook of the 14 townships and streets of 招远市.

The figures of every township except 金岭镇 are INVENTED (deterministic pseudo-random, every identity
holds) and the workbook says so in a visible note; 金岭镇's row matches its published 2022 report (all
zeros), and its prose overrides are that report's text (from ``examples/zhaoyuan-jinling-2022.yaml``).
The shared prose uses placeholders such as ``{机关名称}`` and ``{行政许可决定数}``.

Run from the repository root: ``python -m scripts.make_county_example [-o examples/zhaoyuan-county-2022.xlsx]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

from reportgen.domain.layout import get_layout
from reportgen.domain.model import Figure, OrganKind, Report
from reportgen.formats.excel.county import CountyRow, write_county_form
from reportgen.formats.load import load

ROOT = Path(__file__).resolve().parents[1]
TOWNSHIPS = (
    "泉山街道", "罗峰街道", "梦芝街道", "温泉街道", "大秦家街道",
    "辛庄镇", "张星镇", "金岭镇", "毕郭镇", "玲珑镇", "蚕庄镇", "夏甸镇", "阜山镇", "齐山镇",
)  # fmt: skip
REAL = "金岭镇"
NOTE = (
    "注意：本示例中除金岭镇外，各乡镇（街道）的统计数字均为虚构，仅用于演示 reportgen 批量生成功能；"
    "金岭镇的数字和文字与其已公开发布的2022年度报告一致（统计数字全部为0）。"
    " NOTE: all figures except 金岭镇's are invented for illustration."
)

SHARED: dict[str, str | tuple[str, str]] = {
    "overview.intro": (
        "{年度}年，{机关名称}坚持以习近平新时代中国特色社会主义思想为指导，深入贯彻落实《中华人民共和国政府信息公开条例》，"
        "认真落实市委市政府关于政务公开工作的决策部署，以公开促落实、促规范、促服务，全面推进政府信息公开工作。"
    ),
    "overview.active_disclosure": (
        "{年度}年，{乡镇名称}通过招远市政府门户网站、政务新媒体和便民服务大厅信息查阅点主动公开机构职能、办事指南、"
        "惠民政策等信息。全年作出行政许可决定{行政许可决定数}件、行政处罚决定{行政处罚决定数}件、行政强制决定{行政强制决定数}件，"
        "结果均按规定公开。"
    ),
    "overview.information_management": (
        "{乡镇名称}明确由党政办牵头做好政府信息公开日常工作，落实信息发布审核制度，对拟公开信息严格审核把关，"
        "确保公开内容合法、准确、及时。"
    ),
    "overview.platform": (
        "依托招远市政府门户网站政府信息公开专栏和政务新媒体，及时更新公开内容，强化便民服务大厅政务公开专区建设。"
    ),
    "overview.supervision": (
        "将政务公开工作纳入年度工作考核，安排专人负责，组织工作人员学习《中华人民共和国政府信息公开条例》，"
        "主动接受群众和社会各界监督。"
    ),
    "problems": (
        "{年度}年，{乡镇名称}政府信息公开工作还存在公开内容不够丰富、政策解读形式较为单一等问题。\n"
        "下一步，将进一步完善工作机制，加强业务培训，丰富解读形式，提高公开质量和实效。"
    ),
    "other_matters.work_points": "{年度}年度，{乡镇名称}按照《{年度}年招远市政务公开工作要点》要求，按时完成上级部署的各项政务公开任务。",
    "other_matters.proposals": "{年度}年度，{乡镇名称}未办理人大代表建议和政协委员提案。",
    "other_matters.innovation": "{年度}年度，{乡镇名称}组织开展“政府开放日”活动，邀请群众代表走进便民服务大厅，增进政民互动。",
    "other_matters.statistics_notes": "{乡镇名称}无数据统计需要说明的事项。",
    "other_matters.other": "{乡镇名称}无需要报告的其他事项。",
    "other_matters.required_by_documents": "{乡镇名称}无其他有关文件专门要求通过政府信息公开工作年度报告予以报告的事项。",
}


def _organ(name: str) -> tuple[str, OrganKind]:
    if name.endswith("街道"):
        return f"招远市{name}办事处", OrganKind.STREET
    return f"招远市{name}人民政府", OrganKind.TOWNSHIP


def invented_figures(rng: random.Random) -> dict[tuple[str, str, str], Figure]:
    """Plausible township figures for which every identity of tables 三 and 四 holds."""
    layout = get_layout()
    figures: dict[tuple[str, str, str], Figure] = {
        ("table2", "normative_documents", "issued"): rng.choice((0, 0, 1)),
        ("table2", "licensing", "decisions"): rng.randint(0, 60),
        ("table2", "punishment", "decisions"): rng.randint(0, 12),
        ("table2", "enforcement", "decisions"): rng.choice((0, 0, 1, 2)),
    }
    figures[("table2", "normative_documents", "in_force")] = figures[("table2", "normative_documents", "issued")]
    t3 = layout.table("table3")
    results = [r.key for r in t3.rows if r.path and not r.computed]
    for col in ("natural_person", "commercial", "other"):
        if col != "natural_person" and rng.random() < 0.6:
            continue
        done = 0
        for row in rng.sample(results, k=rng.randint(1, 3)):
            n = rng.randint(1, 4 if col == "natural_person" else 1)
            figures[("table3", row, col)] = n
            done += n
        carried = rng.choice((0, 0, 1))
        forward = rng.choice((0, 0, 0, 1))
        figures[("table3", "carried_over", col)] = carried
        figures[("table3", "carried_forward", col)] = forward
        figures[("table3", "new_received", col)] = done + forward - carried if done + forward >= carried else 0
        if done + forward < carried:  # keep the balance: carry the excess forward instead
            figures[("table3", "carried_forward", col)] = carried - done
    if rng.random() < 0.3:
        figures[("table4", "review", rng.choice(("upheld", "corrected", "pending")))] = 1
    return figures


def _overrides(report: Report, township: str) -> list[tuple[str, str, str, str]]:
    """The published prose of ``report`` as rows of the 分别文字 sheet."""
    rows = [(township, "overview.intro", "", "\n".join(report.overview.intro))]
    for key, sub in report.overview.parts():
        if sub.paragraphs is not None:
            rows.append((township, f"overview.{key}", sub.title or "", "\n".join(sub.paragraphs)))
    rows.append((township, "problems", "", "\n".join(report.problems)))
    for item in report.other_matters:
        if item.key and item.paragraphs is not None:
            rows.append((township, f"other_matters.{item.key}", item.title, "\n".join(item.paragraphs)))
    return rows


def build(output: Path) -> Path:
    """Write the example workbook to ``output``."""
    rng = random.Random(20230118)
    jinling = load(ROOT / "examples" / "zhaoyuan-jinling-2022.yaml")
    rows = []
    for name in TOWNSHIPS:
        organ, kind = _organ(name)
        figures = {} if name == REAL else invented_figures(rng)
        rows.append(CountyRow(name=name, organ=organ, kind=kind, figures=figures))
    assert all(v == 0 for t in jinling.tables() for v in t.figures.values()), "金岭镇 2022: all figures are 0"
    return write_county_form(
        output,
        rows,
        year=2022,
        province="山东省",
        city="烟台市",
        county="招远市",
        preset="shandong",
        publication_date=dt.date(2023, 1, 18),
        note=NOTE,
        shared_text=SHARED,
        overrides=_overrides(jinling, REAL),
    )


def main() -> None:
    """Command line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "examples" / "zhaoyuan-county-2022.xlsx")
    args = parser.parse_args()
    print(build(args.output))


if __name__ == "__main__":
    main()
