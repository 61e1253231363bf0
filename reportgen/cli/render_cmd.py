"""``reportgen render``: input files → Word report (+ Excel workbook, + PDF).

A report with error findings is still rendered: a county user wants to see the document to find
and fix the problem, and the findings are printed next to it.  The exit status then is 1, so that
scripts and CI never mistake such a document for a finished one.  Exit status 2: an input could not
be read (the other inputs are still rendered).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reportgen.cli._app import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_UNREADABLE,
    app,
    err_console,
    handle_errors,
    notice_previous,
    out_console,
    previous_option,
    print_error,
)
from reportgen.domain.errors import ReportgenError
from reportgen.domain.naming import UniqueStems
from reportgen.formats.convert import convert_many
from reportgen.formats.load import load
from reportgen.formats.office.fonts import FontSubstitution
from reportgen.formats.office.locate import ENV_SOFFICE, require_soffice
from reportgen.formats.office.pool import PdfResult
from reportgen.formats.office.preview import page_pngs, table3_sheet
from reportgen.pipelines.generate import generate

__all__ = ["render_command"]


@app.command("render")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--outdir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="输出文件夹 (output folder)；文件名为“机关名称+年度+年度政府信息公开工作年度报告”.",
)
@click.option(
    "--template",
    "-t",
    # Not exists=True: a missing template is the library's TemplateError TPL-NOT-FOUND, in Chinese (exit 2).
    type=click.Path(path_type=Path),
    help="自定义 Word 模板 (custom .docx template)；默认使用官方格式模板 (default: the official template).",
)
@previous_option
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 生成 PDF (also write a PDF; needs LibreOffice).")
@click.option(
    "--soffice",
    type=click.Path(path_type=Path),
    help=f"LibreOffice 程序（soffice）的位置；默认依次查找环境变量 {ENV_SOFFICE}、PATH 和常见安装位置 "
    f"(the LibreOffice executable; default: ${ENV_SOFFICE}, PATH, the usual install folders).",
)
@click.option(
    "--preview",
    is_flag=True,
    help="生成 PDF 并在其旁输出每页的 PNG 预览图和表三页面拼图 <名称>-表三.png（含 --pdf）"
    "(write the PDF plus a PNG of every page and a contact sheet of table 三; implies --pdf).",
)
@click.option("--no-xlsx", is_flag=True, help="不生成 Excel 数据表 (do not write the .xlsx workbook).")
@click.option("--force", is_flag=True,
              help="覆盖已存在的输出文件（默认不覆盖，以免丢失手工修改）(overwrite existing outputs).")
@handle_errors
def render_command(
    inputs: tuple[Path, ...],
    outdir: Path,
    template: Path | None,
    previous_files: tuple[Path, ...],
    pdf: bool,
    soffice: Path | None,
    preview: bool,
    no_xlsx: bool,
    force: bool,
) -> None:
    """生成 Word 报告和 Excel 数据表 (render the Word report and the Excel workbook).

    \b
    每个 INPUT（.yaml/.yml/.json/.xlsx/.docx）生成 <名称>.docx 和 <名称>.xlsx；先按 docs/checks.md 检查，
    有错误时仍生成文件并列出问题，退出状态为 1。
    Each INPUT gives <stem>.docx and <stem>.xlsx.  Reports are checked first; a report with errors is
    still rendered (so you can see it), its findings are listed and the exit status is 1.
    已存在的输出文件不会被覆盖（加 --force 覆盖）。Existing outputs are kept unless --force is given.
    退出状态 (exit status): 0 正常 (ok) · 1 有错误 (errors found) · 2 有文件无法读取 (unreadable input).
    """
    pdf = pdf or preview
    soffice_exe = require_soffice(soffice) if pdf else None  # no LibreOffice: exit 2 before anything is written
    previous = [load(path) for path in previous_files]  # an unreadable --previous stops here (exit 2)
    previous_file = {id(report): path for report, path in zip(previous, previous_files, strict=True)}
    names = UniqueStems()
    written_docx: list[Path] = []
    unreadable = errors = 0
    for path in inputs:
        try:
            result = generate(path, outdir, template=template, previous=previous, xlsx=not no_xlsx, names=names,
                              overwrite=force, companions=(".pdf",) if pdf else ())
        except ReportgenError as exc:  # unreadable input, unusable template, failed output: the others go on
            unreadable += 1
            print_error(exc, head=f"{path} 无法生成")
            continue
        if result.previous is not None:
            notice_previous(result.previous, previous_file.get(id(result.previous)), filled=result.carried_over,
                            file=str(path))
        for finding in result.findings:
            out_console.print(f"  {finding}", markup=False, highlight=False)
        errors += result.has_errors
        written_docx.append(result.docx)
        for written in (result.docx, result.xlsx):
            if written is not None:
                out_console.print(f"{path} → {written}", markup=False, highlight=False)

    if pdf and written_docx:
        unreadable += _write_pdfs(written_docx, outdir, soffice_exe, preview=preview)
    if unreadable:
        sys.exit(EXIT_UNREADABLE)
    if errors:
        err_console.print(f"{errors} 份报告有错误（已生成文件，请修改后重新生成）", markup=False, highlight=False)
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


def _write_pdfs(docx: list[Path], outdir: Path, soffice: str | None, *, preview: bool) -> int:
    """Convert through warm LibreOffice processes; print each PDF, the font substitutions once; the failures' count."""
    failed = 0
    substituted: dict[str, FontSubstitution] = {}
    for source, result in zip(docx, convert_many(docx, outdir, soffice=soffice), strict=True):
        if not isinstance(result, PdfResult):
            failed += 1
            print_error(result, file=str(source), head="PDF 转换失败")
            continue
        out_console.print(f"PDF → {result.pdf}", markup=False, highlight=False)
        for sub in result.substituted:
            substituted.setdefault(sub.official, sub)
        if preview:
            pngs = page_pngs(result.pdf)
            sheet = table3_sheet(result.pdf)
            out_console.print(f"预览 (preview) → {len(pngs)} 页 PNG" + (f"，表三 {sheet}" if sheet else ""),
                              markup=False, highlight=False)
    if substituted:
        out_console.print(
            "注意：本机未安装公文字体，PDF 中以同类免费字体代替 (official fonts not installed; substituted)："
            + "；".join(str(s) for s in substituted.values()),
            markup=False, highlight=False,
        )
    return failed
