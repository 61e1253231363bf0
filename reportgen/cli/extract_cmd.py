"""``reportgen extract``: read a published report (.docx) into an input file (YAML/JSON).

Typical use: last year's report exists only as the published Word document; extract it, then
``reportgen render 2023.yaml --previous 2022.yaml`` (or pass the .docx to ``--previous`` directly).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reportgen.cli._app import EXIT_OK, app, handle_errors, out_console
from reportgen.domain.layout import FORMAT_DOCUMENT, FormatVersion
from reportgen.formats.inputs.mapping import dump, dumps
from reportgen.formats.published.extract import extract

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
@handle_errors
def extract_command(report: Path, output: Path | None) -> None:
    """从已发布的 Word 报告读出数据 (read a published .docx report into an input file).

    \b
    按国办公开办函〔2021〕30号格式（也识别2019年试行格式）读取标题、各部分文字和表二、表三、表四；
    无法读取的内容会指出表格、行和列，退出状态为 2。
    Reads the title, the prose and tables 二/三/四 by their labels; what cannot be read is named by
    table, row and column (exit status 2).  The organ kind is inferred from the name: check it.
    """
    result = extract(report)
    if output is None:
        click.echo(dumps(result, "yaml"), nl=False)
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
    sys.exit(EXIT_OK)
