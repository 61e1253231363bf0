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
    out_console,
    previous_option,
)
from reportgen.domain.errors import ReportgenError
from reportgen.domain.naming import UniqueStems
from reportgen.formats.convert import convert_many_to_pdf
from reportgen.formats.load import load
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
@click.option("--no-xlsx", is_flag=True, help="不生成 Excel 数据表 (do not write the .xlsx workbook).")
@handle_errors
def render_command(
    inputs: tuple[Path, ...],
    outdir: Path,
    template: Path | None,
    previous_files: tuple[Path, ...],
    pdf: bool,
    no_xlsx: bool,
) -> None:
    """生成 Word 报告和 Excel 数据表 (render the Word report and the Excel workbook).

    \b
    每个 INPUT（.yaml/.yml/.json/.xlsx/.docx）生成 <名称>.docx 和 <名称>.xlsx；先按 docs/checks.md 检查，
    有错误时仍生成文件并列出问题，退出状态为 1。
    Each INPUT gives <stem>.docx and <stem>.xlsx.  Reports are checked first; a report with errors is
    still rendered (so you can see it), its findings are listed and the exit status is 1.
    退出状态 (exit status): 0 正常 (ok) · 1 有错误 (errors found) · 2 有文件无法读取 (unreadable input).
    """
    previous = [load(path) for path in previous_files]  # an unreadable --previous stops here (exit 2)
    names = UniqueStems()
    written_docx: list[Path] = []
    unreadable = errors = 0
    for path in inputs:
        try:
            result = generate(path, outdir, template=template, previous=previous, xlsx=not no_xlsx, names=names)
        except ReportgenError as exc:  # unreadable input, unusable template, failed output: the others go on
            unreadable += 1
            err_console.print(f"{path}：无法生成 [{exc.code}] {exc.message}", markup=False, highlight=False)
            for finding in exc.findings:
                err_console.print(f"  {finding.with_context(file=str(path))}", markup=False, highlight=False)
            continue
        for finding in result.findings:
            out_console.print(f"  {finding}", markup=False, highlight=False)
        errors += result.has_errors
        written_docx.append(result.docx)
        for written in (result.docx, result.xlsx):
            if written is not None:
                out_console.print(f"{path} → {written}", markup=False, highlight=False)

    if pdf and written_docx:
        for pdf_path in convert_many_to_pdf(written_docx, outdir):
            out_console.print(f"PDF → {pdf_path}", markup=False, highlight=False)
    if unreadable:
        sys.exit(EXIT_UNREADABLE)
    if errors:
        err_console.print(f"{errors} 份报告有错误（已生成文件，请修改后重新生成）", markup=False, highlight=False)
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)
