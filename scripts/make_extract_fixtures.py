"""Build the hand-made .docx fixtures of ``tests/data/extract/`` with python-docx directly.

These imitate reports laid out by hand in Word (not by reportgen's renderer): other column widths
and fonts, labels split over lines or typed with stray spaces and half-width punctuation, ``/``,
``—`` and blank cells for zero, extra empty rows, text around the tables, a table 三 split over a
page break into two Word tables (the second narrower and without header rows), the 2019 trial
layout, and two unreadable variants (a missing row label, a non-number figure).

Labels come from :mod:`reportgen.domain.layout` and are then *disfigured* the way real reports are::

    python -m scripts.make_extract_fixtures            # rewrites tests/data/extract/*.docx
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import attrs
from docx import Document
from docx.enum.text import WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell

from reportgen.domain.layout import FormatVersion, TableLayout, get_layout

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "extract"

Ref = tuple[str, str]


@attrs.define
class Spec:
    """One cell to write: position, spans and text."""

    row: int
    col: int
    rowspan: int
    colspan: int
    text: str


def _font(run: object, name: str, size: float) -> None:
    run_any: object = run
    font = run_any.font  # type: ignore[attr-defined]
    font.name = name
    font.size = Pt(size)
    r_pr = run_any._element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), name)


def specs_of(
    layout: TableLayout,
    values: Mapping[Ref, str],
    relabel: Callable[[str], str] = lambda t: t,
    default: str = "0",
) -> list[Spec]:
    """The layout's cells with labels passed through ``relabel`` and figures from ``values``."""
    out = []
    for cell in layout.cells:
        text = values.get(cell.ref, default) if cell.ref is not None else relabel(cell.text or "")
        out.append(Spec(cell.row, cell.col, cell.rowspan, cell.colspan, text))
    return out


def write_table(
    doc: object,
    specs: Iterable[Spec],
    n_rows: int,
    n_cols: int,
    *,
    widths_cm: list[float] | None = None,
    font: tuple[str, float] = ("宋体", 10.5),
) -> None:
    """Add a Word table with the given cells (merged with python-docx's ``merge``)."""
    d: object = doc
    table = d.add_table(rows=n_rows, cols=n_cols)  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.autofit = False
    # table.cell() rescans the whole grid on every call (quadratic); the w:tc elements of the fresh,
    # unmerged table are taken once instead.  The specs do not overlap, so the corners of each spec are
    # cells no earlier merge has absorbed, exactly the cells table.cell() would return.
    tcs = [tr.tc_lst for tr in table._tbl.tr_lst]
    for spec in specs:
        cell = _Cell(tcs[spec.row][spec.col], table)
        if spec.rowspan > 1 or spec.colspan > 1:
            cell = cell.merge(_Cell(tcs[spec.row + spec.rowspan - 1][spec.col + spec.colspan - 1], table))
        lines = spec.text.split("\n\n")  # "\n\n": separate paragraphs in the cell; "\n": a line break
        cell.text = ""
        for i, line in enumerate(lines):
            paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
            run = paragraph.add_run(line)
            _font(run, *font)
    if widths_cm:
        for row in table.rows:
            for i, cell in enumerate(row.cells):
                cell.width = Cm(widths_cm[min(i, len(widths_cm) - 1)])


def _para(doc: object, text: str, *, bold: bool = False, font: tuple[str, float] = ("仿宋_GB2312", 16)) -> None:
    d: object = doc
    paragraph = d.add_paragraph()  # type: ignore[attr-defined]
    run = paragraph.add_run(text)
    run.bold = bold
    _font(run, *font)


def _page_break(doc: object) -> None:
    d: object = doc
    d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------
# Label disfigurements seen in real reports


def _messy(text: str) -> str:
    """Half-width brackets and commas, a space after numbers, ASCII quotes, some labels broken over lines."""
    text = text.replace("（", "(").replace("）", ")").replace("，", ", ").replace("：", ": ")
    text = text.replace("“", '"').replace("”", '"')
    for n in "12345678":
        text = text.replace(f"{n}.", f"{n}. ", 1) if text.startswith(f"{n}.") else text
    if text.startswith("三、本年度办理结果"):
        return "三、本年度\n办理结果"
    if text == "行政规范性文件":
        return "行政规范\n性文件"
    if text in ("结果维持", "结果纠正", "其他结果", "尚未审结"):
        return text[:2] + "\n\n" + text[2:]
    if text == "一、本年新收政府信息公开申请数量":
        return "一、本年新收政府信息 公开申请数量"
    return text


def _t3_values(figures: Mapping[Ref, int], layout: TableLayout, zero: str = "0") -> dict[Ref, str]:
    """Text of every figure cell of table 三, totals computed, zeros written as ``zero``."""
    values: dict[Ref, int] = dict(figures)
    for total in layout.sums:
        values[total.target] = sum(values.get(t, 0) for t in total.terms)
    return {ref: (str(v) if v else zero) for ref, v in values.items()}


T3_TOWNSHIP = {
    ("new_received", "natural_person"): 3,
    ("new_received", "commercial"): 1,
    ("granted", "natural_person"): 2,
    ("unavailable_not_held", "commercial"): 1,
    ("carried_forward", "natural_person"): 1,
}

T3_SPLIT = {
    ("new_received", "natural_person"): 5,
    ("new_received", "research"): 1,
    ("granted", "natural_person"): 2,
    ("not_processed_repeated", "natural_person"): 1,
    ("other_other", "research"): 1,
    ("carried_forward", "natural_person"): 2,
}


def _head(doc: object, title_lines: list[str]) -> None:
    _para(doc, "索引号：11370685004367532K/2023-00001", font=("宋体", 10.5))
    for line in title_lines:
        _para(doc, line, bold=True, font=("方正小标宋简体", 22))


def _overview(doc: object) -> None:
    _para(doc, "一、总体情况", font=("黑体", 16))
    _para(doc, "2022年金岭镇人民政府坚持以习近平新时代中国特色社会主义思想为指导，全面推进政府信息公开工作。")
    _para(doc, "")
    _para(doc, "（一）主动公开政府信息情况", font=("楷体_GB2312", 16))
    _para(doc, "全年主动公开政府信息200余条。")
    _para(doc, "(二)依申请公开", font=("楷体_GB2312", 16))
    _para(doc, "2022年度共收到政府信息公开申请4件。")
    _para(doc, "（三）政府信息管理", font=("楷体_GB2312", 16))
    _para(doc, "安排二名专职工作人员。")
    _para(doc, "（四）政府信息公开平台建设", font=("楷体_GB2312", 16))
    _para(doc, "通过微信平台推送信息230条。")
    _para(doc, "（五）监督保障", font=("楷体_GB2312", 16))
    _para(doc, "开展线上培训2次。")


def _table2_2021(doc: object) -> None:
    layout = get_layout().table("table2")
    values = {
        ("regulations", "issued"): "/",
        ("regulations", "repealed"): "/",
        ("regulations", "in_force"): "",
        ("normative_documents", "issued"): "1",
        ("normative_documents", "repealed"): "—",
        ("normative_documents", "in_force"): "4",
        ("licensing", "decisions"): "12",
        ("punishment", "decisions"): "0",
        ("enforcement", "decisions"): "",
        ("administrative_fees", "amount"): "9116.36",
    }
    write_table(doc, specs_of(layout, values, _messy), layout.n_rows, layout.n_cols,
                widths_cm=[4.2, 3.1, 3.1, 3.1], font=("仿宋_GB2312", 12))


def _table4(doc: object, values: Mapping[Ref, str]) -> None:
    layout = get_layout().table("table4")
    specs = specs_of(layout, values, _messy)
    # An extra empty row under the figures, as when a row was added and left blank.
    specs += [Spec(layout.n_rows, c, 1, 1, "") for c in range(layout.n_cols)]
    write_table(doc, specs, layout.n_rows + 1, layout.n_cols, widths_cm=[1.0], font=("宋体", 9))


def _tail(doc: object, signature: bool = True) -> None:
    _para(doc, "五、存在的主要问题及改进情况", font=("黑体", 16))
    _para(doc, "一是公开不够。")
    _para(doc, "二是普及不够。")
    _para(doc, "六、其他需要报告的事项", font=("黑体", 16))
    _para(doc, "(一)收取信息处理费情况", font=("楷体_GB2312", 16))
    _para(doc, "我镇依据《政府信息公开信息处理费管理办法》，2022年政府信息公开未收取任何费用。")
    _para(doc, "（二）本行政机关落实上级年度政务公开工作要点情况", font=("楷体_GB2312", 16))
    _para(doc, "按时完成上级政务公开各项任务。")
    _para(doc, "（三）本行政机关认为需要报告的其他事项", font=("楷体_GB2312", 16))
    _para(doc, "金岭镇无需要报告的其他事项。")
    if signature:
        _para(doc, "")
        _para(doc, "招远市金岭镇人民政府")
        _para(doc, "2023年1月18日")


def township_variants(path: Path) -> None:
    """A township report typed by hand: every tolerated variant in one document."""
    doc = Document()
    _head(doc, ["招远市金岭镇人民政府", "2022年度政府信息公开工作年度报告"])
    _overview(doc)
    _para(doc, "二、主动公开政府信息情况", font=("黑体", 16))
    _para(doc, "单位：件")
    _table2_2021(doc)
    _para(doc, "注：行政事业性收费单位为万元。")
    _para(doc, "三、收到和处理政府信息公开申请情况", font=("黑体", 16))
    layout = get_layout().table("table3")
    specs = specs_of(layout, _t3_values(T3_TOWNSHIP, layout, zero="—"), _messy)
    specs += [Spec(layout.n_rows, c, 1, 1, "") for c in range(layout.n_cols)]  # an extra empty row
    write_table(doc, specs, layout.n_rows + 1, layout.n_cols, widths_cm=[1.2, 1.8, 4.0, 1.1], font=("宋体", 9))
    _para(doc, "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况", font=("黑体", 16))
    _table4(doc, {("review", "upheld"): "1", ("review", "total"): "1", ("litigation_after_review", "pending"): "1",
                  ("litigation_after_review", "total"): "1", ("litigation_direct", "total"): "/"})
    _para(doc, "2022年度被申请行政复议1件。")
    _tail(doc)
    doc.save(str(path))


def _report_with_table3(path: Path, title: str, add_table3: Callable[[object], None]) -> None:
    doc = Document()
    _head(doc, [title])
    _overview(doc)
    _para(doc, "二、主动公开政府信息情况", font=("黑体", 16))
    _table2_2021(doc)
    _para(doc, "三、收到和处理政府信息公开申请情况", font=("黑体", 16))
    add_table3(doc)
    _para(doc, "四、政府信息公开行政复议、行政诉讼情况", font=("黑体", 16))
    _table4(doc, {})
    _tail(doc, signature=False)
    doc.save(str(path))


def split_table3(path: Path) -> None:
    """Table 三 split at a page break: the second Word table has no header and only 9 grid columns."""
    layout = get_layout().table("table3")
    specs = specs_of(layout, _t3_values(T3_SPLIT, layout), _messy)
    cut = 15  # rows 0–14 (header and up to （三）8.) in the first table

    def add(doc: object) -> None:
        first = [attrs.evolve(s, rowspan=min(s.rowspan, cut - s.row)) for s in specs if s.row < cut]
        write_table(doc, first, cut, layout.n_cols, widths_cm=[1.5, 2.0, 3.5, 1.2])
        _page_break(doc)
        second: list[Spec] = []
        for s in specs:
            if s.row + s.rowspan <= cut:
                continue
            top = max(s.row, cut)
            text = s.text if s.row >= cut else ""  # the merged 三、本年度办理结果 is not repeated
            if s.col == 0 and s.colspan == 1:
                continue  # the narrower continuation has no column for 三、本年度办理结果
            col, span = (0, s.colspan - 1) if s.col == 0 else (s.col - 1, s.colspan)
            second.append(Spec(top - cut, col, s.row + s.rowspan - top, span, text))
        write_table(doc, second, layout.n_rows - cut, layout.n_cols - 1, widths_cm=[2.2, 4.0, 1.3],
                    font=("仿宋", 10))

    _report_with_table3(path, "招远市金岭镇人民政府 2022年政府信息公开工作年度报告", add)


def _table3_with(values: Mapping[Ref, str], blank_label: str | None = None) -> Callable[[object], None]:
    layout = get_layout().table("table3")

    def add(doc: object) -> None:
        specs = specs_of(layout, values)
        if blank_label is not None:
            for s in specs:
                if s.text == blank_label:
                    s.text = ""
        write_table(doc, specs, layout.n_rows, layout.n_cols)

    return add


def wrong_total(path: Path) -> None:
    """Table 三 with a hand-written total that disagrees with its row (6 ≠ 9)."""
    layout = get_layout().table("table3")
    values = _t3_values(T3_SPLIT, layout)
    values[("new_received", "total")] = "9"
    _report_with_table3(path, "招远市金岭镇人民政府2022年度政府信息公开工作年度报告", _table3_with(values))


def missing_row_label(path: Path) -> None:
    """The label of 2.重复申请 was deleted but its figures stay: unreadable, located."""
    layout = get_layout().table("table3")
    label = layout.row("not_processed_repeated").label
    _report_with_table3(path, "招远市金岭镇人民政府2022年度政府信息公开工作年度报告",
                        _table3_with(_t3_values(T3_SPLIT, layout), blank_label=label))


def not_a_number(path: Path) -> None:
    """A figure cell says “abc”: unreadable, located at its row and column."""
    layout = get_layout().table("table3")
    values = _t3_values(T3_SPLIT, layout)
    values[("denied_state_secret", "natural_person")] = "abc"
    _report_with_table3(path, "招远市金岭镇人民政府2022年度政府信息公开工作年度报告", _table3_with(values))


def trial_2019(path: Path) -> None:
    """A report still in the 2019 trial layout (表二 with 本年新制作数量 …, 表三 with （六）其他处理 as one row)."""
    v2019 = get_layout(FormatVersion.V2019)
    doc = Document()
    _head(doc, ["某某县某某镇人民政府 2022年政府信息公开工作年度报告"])
    _overview(doc)
    _para(doc, "二、主动公开政府信息情况", font=("黑体", 16))
    t2 = v2019.table("table2")
    write_table(doc, specs_of(t2, {
        ("normative_documents", "made"): "2",
        ("normative_documents", "published"): "2",
        ("normative_documents", "total_public"): "15",
        ("licensing", "previous_items"): "20",
        ("licensing", "change"): "-3",
        ("licensing", "decisions"): "40",
        ("other_services", "decisions"): "7",
        ("procurement", "procurement_items"): "3",
        ("procurement", "procurement_amount"): "35.5",
    }), t2.n_rows, t2.n_cols, widths_cm=[4.0, 3.0])
    _para(doc, "三、收到和处理政府信息公开申请情况", font=("黑体", 16))
    t3 = v2019.table("table3")
    figures = {("new_received", "natural_person"): 1, ("other_processing", "natural_person"): 1}
    write_table(doc, specs_of(t3, _t3_values(figures, t3)), t3.n_rows, t3.n_cols)
    _para(doc, "四、政府信息公开行政复议、行政诉讼情况", font=("黑体", 16))
    _table4(doc, {})
    _tail(doc, signature=False)
    doc.save(str(path))


BUILDERS: dict[str, Callable[[Path], None]] = {
    "township-variants.docx": township_variants,
    "split-table3.docx": split_table3,
    "wrong-total.docx": wrong_total,
    "trial-2019.docx": trial_2019,
    "missing-row-label.docx": missing_row_label,
    "not-a-number.docx": not_a_number,
}


def build_all(out: Path = OUT) -> list[Path]:
    """Write every fixture into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, build in BUILDERS.items():
        build(out / name)
        paths.append(out / name)
    return paths


if __name__ == "__main__":
    for written in build_all(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT):
        print(written)
