"""End to end: generated Word reports open in LibreOffice and print correctly (PDF text and geometry).

All documents are converted in one LibreOffice run (a module-scoped fixture) to keep the suite fast.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from lxml import etree
from pypdf import PdfReader

from reportgen.domain.errors import ConversionError
from reportgen.domain.model import Organ, OrganKind, Overview, Report, Subsection, Table
from reportgen.formats.convert import convert_many_to_pdf, convert_to_pdf
from reportgen.formats.load import load
from reportgen.formats.published.extract import extract
from reportgen.formats.word.render import render_docx
from tests.conftest import EXAMPLES
from tests.docx_readback import normalise
from tests.strategies import reports

pytestmark = pytest.mark.libreoffice

HOSTILE = "A & B <c> \"q\" 'a' {{ 7*7 }} {% if x %} 😀"
PT_PER_MM = 72 / 25.4
PAGE_WIDTH_PT = 210 * PT_PER_MM
LEFT_LIMIT = 28 * PT_PER_MM - 1.5
RIGHT_LIMIT = PAGE_WIDTH_PT - 26 * PT_PER_MM + 1.5
TRIAL_2019 = Path(__file__).resolve().parent / "data" / "extract" / "trial-2019.docx"


def _hostile_report() -> Report:
    return Report(
        organ=Organ(name="测试镇人民政府", kind=OrganKind.TOWNSHIP),
        year=2023,
        overview=Overview(intro=(HOSTILE + "\x07\x0c",), platform=Subsection(paragraphs=("长" * 5000,))),
        table2=Table.from_figures("table2", {("administrative_fees", "amount"): Decimal("9116.36")}),
        problems=(HOSTILE,),
    )


@pytest.fixture(scope="session")
def pdfs(tmp_path_factory: pytest.TempPathFactory, soffice: str, busy_report: Report) -> dict[str, Path]:
    """Every test document rendered and converted to PDF in one LibreOffice run (once per session)."""
    out = tmp_path_factory.mktemp("e2e")
    docs = {
        "busy": render_docx(busy_report, out / "busy.docx"),
        "hostile": render_docx(_hostile_report(), out / "hostile.docx"),
        # An old report read back from a 2019 trial-format publication, rendered with the 2019 template.
        "trial2019": render_docx(extract(TRIAL_2019), out / "trial2019.docx"),
    }
    jinling = EXAMPLES / "zhaoyuan-jinling-2022.yaml"
    if jinling.exists():
        docs["jinling"] = render_docx(load(jinling), out / "jinling.docx")
    converted = convert_many_to_pdf(list(docs.values()), out / "pdf")
    return dict(zip(docs, converted, strict=True))


def _text(pdf: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(str(pdf)).pages)


def _pages(pdf: Path) -> int:
    return len(PdfReader(str(pdf)).pages)


def test_page_numbers_printed(pdfs: dict[str, Path]) -> None:
    """Every page carries its number as — N — (PAGE field between em-dashes)."""
    for name, pdf in pdfs.items():
        text = normalise(_text(pdf))
        for n in range(1, _pages(pdf) + 1):
            assert f"—{n}—" in text, (name, n)
        assert _pages(pdf) >= 2, name


def test_page_numbers_alternate_sides(pdfs: dict[str, Path]) -> None:
    """Odd page numbers sit at the right of the text area, even ones at the left."""
    words = _bbox_words(pdfs["busy"])
    dashes: dict[int, list[float]] = {}
    for page, xmin, _xmax, _height, text in words:
        if text == "—":
            dashes.setdefault(page, []).append(xmin)
    assert len(dashes) == _pages(pdfs["busy"])
    for page, xs in dashes.items():
        assert len(xs) == 2
        assert all((x > PAGE_WIDTH_PT / 2) == (page % 2 == 1) for x in xs), (page, xs)


def _bbox(pdf: Path) -> list[tuple[int, float, float, float, float, str]]:
    """``(page, xmin, ymin, xmax, ymax, text)`` of every word, from ``pdftotext -bbox``."""
    if shutil.which("pdftotext") is None:
        if os.environ.get("REPORTGEN_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("pdftotext (poppler-utils) is required here but not installed")
        pytest.skip("pdftotext (poppler-utils) not installed")
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True).stdout
    root = etree.fromstring(html, etree.HTMLParser(encoding="utf-8"))
    out: list[tuple[int, float, float, float, float, str]] = []
    for n, page in enumerate(root.iter("page"), 1):
        for word in page.iter("word"):
            x0, y0, x1, y1 = (float(word.get(k, "0")) for k in ("xmin", "ymin", "xmax", "ymax"))
            out.append((n, x0, y0, x1, y1, word.text or ""))
    return out


def _bbox_words(pdf: Path) -> list[tuple[int, float, float, float, str]]:
    """``(page, xmin, xmax, height, text)`` of every word, from ``pdftotext -bbox``."""
    return [(page, x0, x1, y1 - y0, text) for page, x0, y0, x1, y1, text in _bbox(pdf)]


def test_everything_inside_the_margins(pdfs: dict[str, Path]) -> None:
    """No table text beyond the left (28 mm) or right (26 mm) margin: tables fit the 156 mm text width.

    Body lines may only hang one closing punctuation mark (LibreOffice's hanging punctuation for CJK).
    """
    for name, pdf in pdfs.items():
        words = _bbox_words(pdf)
        assert words
        for page, xmin, xmax, height, text in words:
            assert xmin >= LEFT_LIMIT, (name, page, text)
            if xmax > RIGHT_LIMIT:
                body_line = height > 17  # 16 pt body text; tables are 10.5 pt
                assert body_line, (name, page, text, xmax)
                assert text[-1] in "，。；：、）”！？", (name, page, text)
                assert xmax <= RIGHT_LIMIT + 17, (name, page, text)


def test_figures_and_hostile_text_in_pdf(pdfs: dict[str, Path]) -> None:
    """Figures and hostile user text survive to the printed page, literally."""
    busy = normalise(_text(pdfs["busy"]))
    assert "190.457379" in busy
    assert "三、收到和处理政府信息公开申请情况" in busy
    hostile = normalise(_text(pdfs["hostile"]))
    assert normalise("A & B <c> \"q\" 'a' {{ 7*7 }} {% if x %}") in hostile
    assert "9116.36" in hostile
    assert "长" * 200 in hostile


def test_2019_report_prints_its_tables(pdfs: dict[str, Path]) -> None:
    """A 2019 trial-format report converts and prints its own table 二 and 三 (signed 本年增/减, 采购总金额)."""
    text = normalise(_text(pdfs["trial2019"]))
    for label in ("本年新制作数量", "本年增/减", "-3", "采购总金额", "35.5", "（六）其他处理"):
        assert label in text, label


def test_jinling_prints_its_prose(pdfs: dict[str, Path]) -> None:
    """The 金岭镇 example converts and prints its title, the sample's wording of heading 四, and its closing item."""
    if "jinling" not in pdfs:
        pytest.skip("examples/zhaoyuan-jinling-2022.yaml not written yet")
    text = normalise(_text(pdfs["jinling"]))
    assert "招远市金岭镇人民政府2022年度政府信息公开工作年度报告" in text
    assert "金岭镇无其他有关文件专门要求通过政府信息公开工作年度报告予以报告的事项。" in text
    assert "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况" in text


def test_title_breaks_after_the_organ(pdfs: dict[str, Path]) -> None:
    """The printed title is two lines broken by meaning: the organ, then 2022年度政府信息公开工作年度报告."""
    if "jinling" not in pdfs:
        pytest.skip("examples/zhaoyuan-jinling-2022.yaml not written yet")
    lines: dict[int, list[tuple[float, str]]] = {}
    for page, x0, _y0, _x1, y1, text in _bbox(pdfs["jinling"]):
        if page == 1:
            lines.setdefault(round(y1), []).append((x0, text))  # words of one line share their baseline
    printed = ["".join(text for _x, text in sorted(words)) for _y, words in sorted(lines.items())]
    assert printed[:2] == ["招远市金岭镇人民政府", "2022年度政府信息公开工作年度报告"]


def test_table_rows_do_not_snap_to_the_line_grid(pdfs: dict[str, Path]) -> None:
    """Table 三 of the 金岭镇 example is printed at single spacing: one-line rows are under 20 pt apart (not the
    28.95 pt body grid) and the whole table spans at most two pages."""
    if "jinling" not in pdfs:
        pytest.skip("examples/zhaoyuan-jinling-2022.yaml not written yet")
    words = _bbox(pdfs["jinling"])

    def first(text: str) -> tuple[int, float]:
        found = [(page, y0) for page, _x0, y0, _x1, _y1, t in words if t.startswith(text)]
        assert found, text
        return found[0]

    start_page, new_y = first("一、本年新收政府信息公开申请数量")
    carried_page, carried_y = first("二、上年结转政府信息公开申请数量")
    assert carried_page == start_page
    assert 0 < carried_y - new_y < 20, carried_y - new_y
    heading_page, _ = first("三、收到和处理政府信息公开申请情况")
    end_page, _ = first("四、结转下年度继续办理")
    assert end_page - heading_page <= 1, (heading_page, end_page)


# No shrinking, and a fixed count rather than the profile's: every example costs a LibreOffice run.
@settings(max_examples=2, deadline=None, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(batch=st.lists(reports(), min_size=2, max_size=3))
def test_random_reports_convert(batch: list[Report], tmp_path_factory: pytest.TempPathFactory, soffice: str) -> None:
    """Random reports (random prose, figures, titles) all convert in one LibreOffice run and print all sections."""
    out = tmp_path_factory.mktemp("random")
    docs = [render_docx(report, out / f"r{i}.docx") for i, report in enumerate(batch)]
    converted = convert_many_to_pdf(docs, out / "pdf")
    for pdf in converted:
        text = normalise(_text(pdf))
        assert "—1—" in text
        assert "六、其他需要报告的事项" in text
        assert "（七）总计" in text


def test_conversion_error_is_clear(tmp_path: Path, soffice: str) -> None:
    """A file LibreOffice cannot convert, or a missing one, is a ConversionError with a Chinese message."""
    with pytest.raises(ConversionError) as info:
        convert_to_pdf(tmp_path / "missing.docx", tmp_path)
    assert "不存在" in info.value.message
