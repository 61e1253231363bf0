"""``reportgen form``: write the blank Excel fill-in form townships fill in and send back."""

from __future__ import annotations

from pathlib import Path

import click

from reportgen.cli._app import app, check_new_output, handle_errors, out_console
from reportgen.domain.layout import FormatVersion
from reportgen.domain.model import OrganKind
from reportgen.formats.excel.write import write_form

__all__ = ["form_command"]


@app.command(name="form")
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="要写入的填报表（.xlsx）。Workbook to write (.xlsx).",
)
@click.option("--organ", help="预先填入的机关全称。Full name of the organ, filled in for the township.")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in OrganKind]),
    help="机关类型，如 township（乡镇）、street（街道）。Kind of organ.",
)
@click.option("--year", type=click.IntRange(2008, 2100), help="报告年度。Year reported on.")
@click.option(
    "--version",
    "version",
    type=click.Choice([v.value for v in FormatVersion]),
    default=FormatVersion.V2021.value,
    show_default=True,
    help="表格格式：2021（现行）或 2019（试行）。Table format: 2021 (current) or 2019 (trial).",
)
@click.option("--force", is_flag=True, help="覆盖已存在的文件。Overwrite an existing file.")
@handle_errors
def form_command(
    output: Path, organ: str | None, kind: str | None, year: int | None, version: str, force: bool
) -> None:
    """写一个空白的 Excel 填报表 (write a blank Excel fill-in form).

    表二、表三、表四与报告中的官方表格相同；只有白色单元格可以填写，合计由公式自动计算。
    乡镇填好后交回，可直接用于 reportgen check / reportgen render。

    Tables 二, 三, 四 in the official layout; only the white cells take input, totals are formulas.
    A filled-in form is an input file for reportgen check and reportgen render.
    """
    check_new_output(output, suffixes=(".xlsx",), kind="填报表是 Excel 工作簿", force=force)
    path = write_form(output, organ=organ, year=year, kind=kind, version=FormatVersion(version))
    out_console.print(f"已写入填报表 {path}（wrote the fill-in form）", markup=False, highlight=False)
