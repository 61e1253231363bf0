"""PDF conversion: warm LibreOffice processes, restarts after a crash or hang, LibreOffice lookup, fonts, previews.

The documents are rendered once per module; each test starts its own LibreOffice (about 2–4 s) so that
a killed or stopped process never leaks into another test.
"""

from __future__ import annotations

import os
import signal
import stat
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

import reportgen
from reportgen.cli import app
from reportgen.domain.errors import ConversionError
from reportgen.formats.load import load
from reportgen.formats.office import locate
from reportgen.formats.office.fonts import FONTS_CONF, pdf_fonts, substitutions
from reportgen.formats.office.locate import ENV_SOFFICE, find_soffice, require_soffice
from reportgen.formats.office.pool import PdfConverter, PdfResult
from reportgen.formats.office.preview import page_pngs, table3_pages, table3_sheet
from reportgen.formats.word.render import render_docx
from tests.conftest import EXAMPLES

JINLING = EXAMPLES / "zhaoyuan-jinling-2022.yaml"
NATURAL = EXAMPLES / "zhaoyuan-natural-resources-2022.yaml"


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Three Word reports: the two examples and a copy of the first under another name."""
    out = tmp_path_factory.mktemp("docx")
    jinling = render_docx(load(JINLING), out)
    natural = render_docx(load(NATURAL), out)
    copy = out / "副本.docx"
    copy.write_bytes(jinling.read_bytes())
    return [jinling, natural, copy]


def _text(pdf: Path) -> str:
    return "".join((page.extract_text() or "") for page in PdfReader(str(pdf)).pages).replace(" ", "").replace("\n", "")


def _no_partial_files(folder: Path) -> None:
    left = [p.name for p in folder.iterdir() if p.name.startswith(".")]
    assert left == [], f"half-written files left: {left}"


@pytest.fixture(scope="module")
def warm_run(docs: list[Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[list[PdfResult], list[int | None], int]:
    """The three documents converted by one warm converter: results, LibreOffice's pid after each, restarts."""
    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) not installed")
    out = tmp_path_factory.mktemp("pdf")
    with PdfConverter() as converter:
        results, pids = [], []
        for doc in docs:
            results.append(converter.convert(doc, out))
            pids.append(converter.office_pid)
        results.append(converter.convert(docs[1].read_bytes(), out / "内存.pdf"))  # bytes, as a bulk worker has them
        pids.append(converter.office_pid)
        return results, pids, converter.restarts


@pytest.mark.libreoffice
def test_warm_converter_reuses_one_libreoffice(soffice: str, warm_run: tuple[list[PdfResult], list[int | None], int]
                                               ) -> None:
    """One converter converts several documents (paths and bytes) through the same LibreOffice, each PDF complete."""
    results, pids, restarts = warm_run
    assert len(set(pids)) == 1
    assert pids[0] is not None
    assert restarts == 0
    assert [r.attempts for r in results] == [1, 1, 1, 1]
    assert "招远市金岭镇人民政府" in _text(results[0].pdf)
    assert "招远市自然资源和规划局" in _text(results[1].pdf)
    assert "招远市金岭镇人民政府" in _text(results[2].pdf)
    assert results[2].pdf.name == "副本.pdf"
    assert results[3].pdf.name == "内存.pdf"
    assert "招远市自然资源和规划局" in _text(results[3].pdf)
    _no_partial_files(results[0].pdf.parent)


@pytest.mark.libreoffice
def test_public_api_converts_through_a_pool(soffice: str, docs: list[Path], tmp_path: Path) -> None:
    """``reportgen.convert_many_to_pdf`` (two warm processes) returns the PDFs in input order."""
    many = reportgen.convert_many_to_pdf(docs, tmp_path, workers=2)
    assert many == [tmp_path / f"{d.stem}.pdf" for d in docs]
    assert all(len(PdfReader(str(p)).pages) >= 2 for p in many)
    _no_partial_files(tmp_path)


@pytest.fixture(scope="module")
def survivor() -> Iterator[PdfConverter]:
    """One converter shared by the crash and hang tests (saves a LibreOffice start); each sets its timeout."""
    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) not installed")
    with PdfConverter() as converter:
        yield converter


@pytest.mark.libreoffice
def test_killed_libreoffice_costs_one_retry(soffice: str, survivor: PdfConverter, docs: list[Path],
                                            tmp_path: Path) -> None:
    """LibreOffice killed in the middle of a run: it is restarted, one document is tried twice, none is lost."""
    survivor.timeout = 60  # a slow machine must not add retries of its own
    first = survivor.convert(docs[0], tmp_path)
    pid, restarts = survivor.office_pid, survivor.restarts
    assert pid is not None
    # Kill it while the next document is being converted (or just before: either way one retry).
    killer = threading.Timer(0.05, os.killpg, args=(pid, signal.SIGKILL))
    killer.start()
    rest = [survivor.convert(doc, tmp_path / f"{doc.stem}.pdf") for doc in docs[1:]]
    killer.join()
    assert survivor.restarts == restarts + 1
    assert survivor.office_pid not in (None, pid)
    results = [first, *rest]
    assert sum(r.attempts - 1 for r in results) == 1
    for result, doc in zip(results, docs, strict=True):
        assert result.pdf.name == f"{doc.stem}.pdf"
        assert len(PdfReader(str(result.pdf)).pages) >= 2
    _no_partial_files(tmp_path)


@pytest.mark.libreoffice
@pytest.mark.skipif(os.name != "posix", reason="SIGSTOP is POSIX")
def test_hung_libreoffice_times_out_and_is_replaced(soffice: str, survivor: PdfConverter, docs: list[Path],
                                                    tmp_path: Path) -> None:
    """A LibreOffice that stops answering is killed after the per-document timeout; a fresh one converts the document."""
    survivor.timeout = 60
    survivor.convert(docs[0], tmp_path / "warm.pdf")
    survivor.timeout = 5
    pid, restarts = survivor.office_pid, survivor.restarts
    assert pid is not None
    os.killpg(pid, signal.SIGSTOP)  # hung: alive, but never answers
    started = time.monotonic()
    result = survivor.convert(docs[1], tmp_path)
    elapsed = time.monotonic() - started
    assert result.attempts == 2
    assert survivor.restarts == restarts + 1
    assert survivor.office_pid not in (None, pid)
    assert 5 <= elapsed < 5 + 30
    assert "招远市自然资源和规划局" in _text(result.pdf)
    _no_partial_files(tmp_path)


@pytest.mark.libreoffice
def test_example_pdf_uses_song_title_and_fangsong_body(
    soffice: str, warm_run: tuple[list[PdfResult], list[int | None], int]
) -> None:
    """Without the official fonts, the example's title is in a Song face and its body in a FangSong face."""
    result = warm_run[0][0]
    fonts = pdf_fonts(result.pdf)
    assert "方正小标宋简体" not in fonts
    chunks: list[tuple[str, str]] = []

    def visit(text: str, cm: object, tm: object, font: dict[str, object] | None, size: float) -> None:
        if text.strip() and font is not None:
            chunks.append((str(font.get("/BaseFont")), text))

    PdfReader(str(result.pdf)).pages[0].extract_text(visitor_text=visit)
    title_font = next(font for font, text in chunks if "招远市金岭镇人民政府" in text)
    body_font = next(font for font, text in chunks if "深入贯彻落实" in text)
    assert "NotoSerifCJK" in title_font or "Song" in title_font, title_font
    assert "FandolFang" in body_font, body_font
    substituted = {s.official: s for s in result.substituted}
    assert substituted["方正小标宋简体"].substitute == "Noto Serif CJK SC"
    assert substituted["仿宋_GB2312"].substitute == "FandolFang"
    assert substituted["楷体_GB2312"].substitute == "FandolKai"
    assert "LiberationSerif" in fonts  # figures: Times New Roman's metric twin, not a CJK face
    assert result.substituted == tuple(substitutions(result.pdf))


def test_fonts_conf_is_shipped_inside_the_package() -> None:
    """The fontconfig file lives in the package (so the wheel carries it) and maps every official font."""
    assert FONTS_CONF.is_file()
    assert FONTS_CONF.parent.name == "office"
    text = FONTS_CONF.read_text(encoding="utf-8")
    for official in ("方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"):
        assert f"<family>{official}</family>" in text


def _fake_soffice(folder: Path) -> Path:
    exe = folder / "soffice"
    exe.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return exe


def test_lookup_env_var_and_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--soffice`` wins over ``REPORTGEN_SOFFICE``, which wins over PATH; a LibreOffice folder is accepted too."""
    (tmp_path / "env").mkdir()
    env_exe = _fake_soffice(tmp_path / "env")
    opt_dir = tmp_path / "opt" / "program"
    opt_dir.mkdir(parents=True)
    opt_exe = _fake_soffice(opt_dir)
    monkeypatch.setenv(ENV_SOFFICE, str(env_exe))
    assert find_soffice() == str(env_exe)
    assert find_soffice(opt_exe) == str(opt_exe)
    assert find_soffice(tmp_path / "opt") == str(opt_exe)  # the install folder, program/soffice inside
    monkeypatch.delenv(ENV_SOFFICE)
    monkeypatch.setenv("PATH", str(opt_dir))
    assert find_soffice() == str(opt_exe)


def test_missing_libreoffice_is_a_chinese_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No LibreOffice anywhere: ConversionError CONVERT-NO-LIBREOFFICE saying what to install, exit status 2."""
    monkeypatch.delenv(ENV_SOFFICE, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(locate, "_INSTALL_LOCATIONS", ())
    with pytest.raises(ConversionError) as caught:
        require_soffice()
    assert caught.value.code == "CONVERT-NO-LIBREOFFICE"
    assert caught.value.exit_code == 2
    assert "未找到 LibreOffice" in caught.value.message
    assert "apt-get install libreoffice-writer-nogui" in caught.value.message


def test_render_pdf_without_libreoffice_exits_2(tmp_path: Path) -> None:
    """``render --pdf`` with a LibreOffice path that does not exist: exit 2, a Chinese message, nothing written."""
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["render", str(JINLING), "-o", str(out), "--pdf"],
                                env={ENV_SOFFICE: str(tmp_path / "没有这个" / "soffice")})
    assert result.exit_code == 2, result.output
    assert "CONVERT-NO-LIBREOFFICE" in result.output
    assert "LibreOffice 不存在或不可执行" in result.output
    assert not out.exists()
    bad_option = CliRunner().invoke(app, ["render", str(JINLING), "-o", str(out), "--pdf", "--soffice",
                                          str(tmp_path / "nope")])
    assert bad_option.exit_code == 2
    assert "--soffice 指定的 LibreOffice" in bad_option.output


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.libreoffice
def test_render_preview_writes_pages_and_table3_sheet(soffice: str, tmp_path: Path) -> None:
    """``render --preview`` of two inputs writes PDFs, a PNG per page and a table 三 sheet; it names the fonts once."""
    result = CliRunner().invoke(app, ["render", str(JINLING), str(NATURAL), "-o", str(tmp_path), "--preview",
                                      "--no-xlsx"])
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("*.pdf"))) == 2
    assert len(list(tmp_path.glob("*-表三.png"))) == 2
    pdf = next(tmp_path.glob("招远市金岭镇*.pdf"))
    pages = len(PdfReader(str(pdf)).pages)
    pngs = sorted(tmp_path.glob(f"{pdf.stem}-[0-9]*.png"))
    assert len(pngs) == pages
    page_w, page_h = _png_size(pngs[0])
    assert page_h > page_w  # A4 portrait
    sheet = tmp_path / f"{pdf.stem}-表三.png"
    spread = len(table3_pages(pdf))
    assert spread >= 1
    sheet_w, sheet_h = _png_size(sheet)
    assert abs(sheet_w - spread * page_w) <= spread
    assert abs(sheet_h - page_h) <= 1
    assert result.output.count("PDF 中以同类免费字体代替") == 1
    assert "仿宋_GB2312 → FandolFang" in result.output
    _no_partial_files(tmp_path)


@pytest.mark.libreoffice
def test_table3_pages_are_found(soffice: str, warm_run: tuple[list[PdfResult], list[int | None], int],
                                tmp_path: Path) -> None:
    """The pages of table 三: its heading's page, and the next one only while the table goes on."""
    pdf = warm_run[0][0].pdf
    pages = table3_pages(pdf)
    texts = ["".join((p.extract_text() or "").split()) for p in PdfReader(str(pdf)).pages]
    assert "三、收到和处理政府信息公开申请情况" in texts[pages[0] - 1]
    assert pages == list(range(pages[0], pages[-1] + 1))
    assert "（七）总计" in "".join(texts[n - 1] for n in pages)
    assert page_pngs(pdf, tmp_path / "png", dpi=30)[0].name == f"{pdf.stem}-1.png"
    sheet = table3_sheet(pdf, tmp_path / "sheet.png", dpi=30)
    assert sheet is not None
    assert sheet.is_file()
