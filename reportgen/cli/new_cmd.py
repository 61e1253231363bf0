"""``reportgen new``: write a commented input skeleton to fill in."""

from __future__ import annotations

from pathlib import Path

import click

from reportgen.cli._app import app, check_new_output, handle_errors, out_console
from reportgen.domain.layout import get_layout
from reportgen.domain.model import OrganKind
from reportgen.formats._io import atomic_write_text
from reportgen.formats.inputs.mapping import skeleton

__all__ = ["new_command"]


@app.command(name="new")
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="要写入的输入文件（.yaml）。Input file to write (.yaml).",
)
@click.option("--organ", help="机关全称，如 招远市金岭镇人民政府。Full name of the organ.")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in OrganKind]),
    default=OrganKind.TOWNSHIP.value,
    show_default=True,
    help="机关类型。Kind of organ.",
)
@click.option("--year", type=click.IntRange(2008, 2100), help="报告年度（默认上一年）。Year reported on (default: last year).")
@click.option(
    "--preset",
    type=click.Choice(sorted(get_layout().other_items)),
    default="national",
    show_default=True,
    help="“六、其他需要报告的事项”的条目：全国格式或省级要求。Items of section 六: national or a province's.",
)
@click.option("--force", is_flag=True, help="覆盖已存在的文件。Overwrite an existing file.")
@handle_errors
def new_command(output: Path, organ: str | None, kind: str, year: int | None, preset: str, force: bool) -> None:
    """写一个带注释的空白输入文件 (write a commented input skeleton).

    每个字段旁注明官方表格中的名称；文件本身即可通过检查（数字均为 0），填写后用 reportgen check 检查。
    Every field carries its official Chinese label; the file loads as it is (all figures 0).
    """
    check_new_output(output, suffixes=(".yaml", ".yml"), kind="输入文件模板是带注释的 YAML", force=force)
    atomic_write_text(output, skeleton(organ=organ, kind=kind, year=year, preset=preset))
    out_console.print(f"已写入 {output}（wrote the skeleton）；填写后运行：reportgen check {output}", markup=False,
                      highlight=False)
