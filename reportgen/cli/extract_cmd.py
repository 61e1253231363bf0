"""``reportgen extract``: read a published report (.docx, web page, PDF, .doc …) into an input file (YAML/JSON).

Typical use: last year's report exists only as the published page or document; extract it, then
``reportgen render 2023.yaml --previous 2022.yaml`` (or pass the published file to ``--previous`` directly).
A report that can be read only in part is still written: every figure it shows, the missing ones left
out as ``# 未读出`` comments and listed on standard error (exit status 2).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reportgen.cli._app import EXIT_OK, EXIT_UNREADABLE, app, err_console, handle_errors, out_console
from reportgen.domain.codes import top_code
from reportgen.domain.errors import ExtractError
from reportgen.domain.layout import FORMAT_DOCUMENT, FormatVersion
from reportgen.formats._io import atomic_write_text
from reportgen.formats.inputs.mapping import dump, dumps
from reportgen.formats.inputs.reading import dumps_reading
from reportgen.formats.published.extract import read_published
from reportgen.pipelines.generate import not_a_report_error

__all__ = ["extract_command"]


@app.command("extract")
@click.argument("report", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="写入的数据文件（.yaml/.yml/.json）；省略时输出 YAML 到标准输出 "
    "(data file to write; YAML on standard output when omitted).",
)
@click.option("--organ", help="机关名称，覆盖报告中读出的 (the organ's name, overriding what the report says).")
@click.option("--year", type=click.IntRange(1990, 2100), help="报告年度，覆盖报告中读出的 (the report's year).")
@handle_errors
def extract_command(report: Path, output: Path | None, organ: str | None, year: int | None) -> None:
    """从已发布的报告读出数据 (read a published report into an input file).

    \b
    REPORT 可以是 Word（.docx）、网页（.html/.htm/.shtml/.mhtml）、PDF（文字版）或 .doc/.wps/.odt/.rtf（需 LibreOffice）。
    按国办公开办函〔2021〕30号格式（也识别2019年试行格式）读取标题、各部分文字和表二、表三、表四；
    没有标题时机关和年度取自页眉、网页标题、首句或文件名，也可用 --organ/--year 指定。
    部分无法读取时仍写出读到的全部数字（未读出的以注释标出），并逐条指出表格、行和列，退出状态为 2。
    Reads .docx, web pages, text PDFs and (with LibreOffice) .doc/.wps/.odt/.rtf; what cannot be read is
    named by table, row and column (exit status 2) and left out of the file, never written as 0.
    """
    reading = read_published(report, organ=organ, year=year)
    result = reading.report
    if result is None:
        errors = [f for f in reading.findings if f.is_error]
        first = errors[0] if errors else None
        not_report = not_a_report_error(ExtractError("", findings=reading.findings), report)
        if not_report is not None:
            raise not_report
        # The one rule for an error's own code (as extract() raises): the findings' one code, else EXTRACT-FAILED.
        raise ExtractError(f"无法读取报告：{first.message if first else '未知原因'}",
                           code=top_code(errors, default=ExtractError.code) if errors else "EX-TITLE",
                           location=first.location if first else None, findings=reading.findings)
    if output is None:
        click.echo(dumps_reading(reading) if reading.missing else dumps(result, "yaml"), nl=False)
    else:
        if reading.missing and output.suffix.lower() == ".json":
            raise click.BadParameter("部分读取的报告只能写成 YAML（未读出的数字以注释标出）"
                                     "(a partial reading is written as YAML only)", param_hint="-o")
        if reading.missing:
            atomic_write_text(output, dumps_reading(reading))
            written = output
        else:
            written = dump(result, output)
        out_console.print(f"{report} → {written}", markup=False, highlight=False)
    notes = [f"机关类型按名称推断为“{result.organ.kind.label}”，如有不同请在数据文件中修改 organ.kind。"]
    if result.format_version is FormatVersion.V2019:
        notes.append(
            f"该报告采用2019年试行格式（{FORMAT_DOCUMENT[FormatVersion.V2019]}），"
            f"已按该格式读取；现行格式为{FORMAT_DOCUMENT[FormatVersion.V2021]}。"
        )
    for note in notes:
        click.echo(note, err=True)
    for finding in reading.findings:
        err_console.print(f"  {finding}", markup=False, highlight=False)
    if reading.partial:
        err_console.print(f"报告只读出了一部分：{len(reading.missing)} 个数字未读出（见上）。", markup=False,
                          highlight=False)
        sys.exit(EXIT_UNREADABLE)
    sys.exit(EXIT_OK)
