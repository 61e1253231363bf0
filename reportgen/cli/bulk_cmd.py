"""``reportgen bulk`` and ``reportgen bulk-form``: a whole county (or more) in one command.

Exit status of ``bulk``: 0 when every township passed (warnings allowed); 1 when any township has
error findings (status 有错误 — its files are still written, so the county can see and fix them) or
failed (失败: could not be loaded or rendered; the others are still done); 2 when the command itself
could not run (unreadable county workbook, unusable template, dask missing).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from reportgen.cli._app import EXIT_UNREADABLE, app, check_new_output, err_console, handle_errors, out_console
from reportgen.domain.errors import ReportgenError
from reportgen.domain.layout import get_layout
from reportgen.formats.excel.county import CountyRow, write_county_form
from reportgen.formats.office.locate import ENV_SOFFICE
from reportgen.formats.office.pool import DOCUMENT_TIMEOUT
from reportgen.pipelines.bulk import BulkResult, ProgressCallback, Status, TownshipOutcome, bulk

__all__ = ["bulk_command", "bulk_form_command"]


class _SetupError(ReportgenError):
    """The run cannot start (dask missing or unreachable): exit status 2."""

    code = "BULK-DASK"
    exit_code = EXIT_UNREADABLE


class _RateColumn(ProgressColumn):
    """Townships per second."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("—/秒" if speed is None else f"{speed:.1f} 个/秒", style="progress.data.speed")


@contextmanager
def _progress(enabled: bool) -> Iterator[ProgressCallback | None]:
    if not enabled:
        yield None
        return
    columns = (
        TextColumn("[bold]生成中"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TextColumn("已用"),
        TimeElapsedColumn(),
        TextColumn("剩余"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=out_console, transient=False) as bar:
        task = bar.add_task("bulk", total=None)

        def update(done: int, total: int | None, outcome: TownshipOutcome) -> None:
            bar.update(task, completed=done, total=max(total, done) if total is not None else None)

        yield update


@contextmanager
def _dask_executor(address: str | None) -> Iterator[Any]:
    if address is None:
        yield None
        return
    try:
        import distributed
    except ImportError:
        raise _SetupError(
            "使用 --scheduler 需要安装 dask.distributed：pip install 'reportgen[dask]'"
            "（--scheduler needs dask.distributed: install the reportgen[dask] extra）",
        ) from None
    try:
        client_class: Any = distributed.Client  # untyped library
        client = client_class(address, timeout="10s")
    except OSError as exc:
        raise _SetupError(f"无法连接 dask 调度器 {address}：{exc}") from exc
    try:
        yield client.get_executor()
    finally:
        client.close()


def _report(result: BulkResult, check_only: bool) -> None:
    counts = result.counts()
    parts = "，".join(f"{status} {n}" for status, n in counts.items())
    skipped = len(result.skipped)
    out_console.print(
        f"共 {len(result.outcomes)} 个乡镇（街道）：{parts}" + (f"；未改变而跳过 {skipped}" if skipped else "") + "。",
        markup=False, highlight=False,
    )
    for outcome in result.outcomes:
        if outcome.status not in (Status.FAILED, Status.ERRORS):
            continue
        console = err_console if outcome.failed else out_console
        console.print(f"{outcome.status.label}：{outcome.name}（{outcome.source}）", markup=False, highlight=False)
        for finding in outcome.findings[:5]:
            console.print(f"  {finding}", markup=False, highlight=False)
        if outcome.errors + outcome.warnings > 5:
            console.print(f"  …… 共 {outcome.errors} 个错误、{outcome.warnings} 个警告，详见 summary.xlsx",
                          markup=False, highlight=False)
    if result.pdf_failed:
        err_console.print(f"PDF 未生成 {len(result.pdf_failed)} 个（.docx 和 .xlsx 已生成；原因见 summary.xlsx 的 PDF 列）：",
                          markup=False, highlight=False)
        for outcome in result.pdf_failed[:10]:
            err_console.print(f"  {outcome.name}（{outcome.source}）：{outcome.pdf_error}", markup=False, highlight=False)
    if result.fonts_substituted:
        out_console.print("注意：本机未安装公文字体，PDF 中以同类免费字体代替 (official fonts not installed; substituted)："
                          + "；".join(result.fonts_substituted), markup=False, highlight=False)
    if result.summary is not None:
        out_console.print(f"汇总表 (summary)：{result.summary}", markup=False, highlight=False)
    if not check_only:
        if result.rollup is not None:
            files = "、".join(p.name for p in result.rollup_outputs)
            n = sum(o.in_rollup for o in result.outcomes)
            out_console.print(f"县级汇总 (roll-up, {result.rollup.year} 年度, {n} 个)：{files}", markup=False,
                              highlight=False)
        else:
            out_console.print("没有可汇总的报告，未生成县级汇总。", markup=False, highlight=False)
        excluded = result.excluded()
        if excluded:
            parts = "，".join(f"{reason} {n}" for reason, n in excluded.items())
            out_console.print(f"未计入县级汇总 {sum(excluded.values())} 个：{parts}（原因见 summary.xlsx）。",
                              markup=False, highlight=False)


@app.command("bulk")
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--outdir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="输出文件夹 (output folder).")
@click.option("-j", "--jobs", type=click.IntRange(1, 512), default=None,
              help="并行进程数，默认全部 CPU 核 (worker processes; default: all cores).")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="在 dask.distributed 集群上运行，如 tcp://10.0.0.1:8786；输出文件夹须为各节点共享 "
                   "(run on a dask cluster; OUTDIR must be shared). 需要 reportgen[dask].")
@click.option("--force", is_flag=True, help="全部重新生成，不跳过未改变的 (redo unchanged townships too).")
@click.option("--check-only", is_flag=True, help="只检查，只写 summary.xlsx (only check; write only summary.xlsx).")
@click.option("--template", "-t", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="自定义 Word 模板 (custom .docx template).")
@click.option("--pdf", is_flag=True,
              help="同时用 LibreOffice 为每个乡镇生成 PDF，每个进程一个常驻 LibreOffice "
                   "(also write a PDF of every report; one warm LibreOffice per worker).")
@click.option("--preview", is_flag=True,
              help="生成 PDF 并输出每页 PNG 预览图和表三页面拼图 <名称>-表三.png（含 --pdf）"
                   "(PDF plus a PNG of every page and a contact sheet of table 三; implies --pdf).")
@click.option("--soffice", type=click.Path(path_type=Path),
              help=f"LibreOffice 程序（soffice）的位置；默认依次查找环境变量 {ENV_SOFFICE}、PATH 和常见安装位置 "
                   f"(the LibreOffice executable; default: ${ENV_SOFFICE}, PATH, the usual install folders).")
@click.option("--pdf-timeout", type=click.FloatRange(1, 3600), default=DOCUMENT_TIMEOUT, show_default=True,
              help="每个文档转换 PDF 的时限（秒），超时则重启 LibreOffice 重试一次 "
                   "(seconds per document; on timeout LibreOffice is restarted and the document retried once).")
@handle_errors
def bulk_command(input_path: Path, outdir: Path, jobs: int | None, scheduler: str | None, force: bool,
                 check_only: bool, template: Path | None, pdf: bool, preview: bool, soffice: Path | None,
                 pdf_timeout: float) -> None:
    """为全县各乡镇（街道）批量生成报告 (render every township of a county).

    \b
    INPUT：县级汇总填报表（reportgen bulk-form 生成），或存放各乡镇输入文件（.yaml/.json/.xlsx）的文件夹。
    INPUT: the county workbook (from reportgen bulk-form) or a folder of input files.
    每个乡镇（街道）写 .docx 和 .xlsx（--pdf 另写 PDF）；另写 summary.xlsx（各乡镇状态）和县级汇总的 .docx、.xlsx。
    再次运行时跳过输入和模板都未改变的乡镇（--force 全部重做）。
    退出状态 (exit status)：0 全部通过（可有警告）· 1 有乡镇“有错误”“失败”或 PDF 未生成 · 2 无法运行。
    """
    show_progress = out_console.is_terminal
    with _dask_executor(scheduler) as executor, _progress(show_progress) as progress:
        result = bulk(input_path, outdir, jobs=jobs, executor=executor, force=force, check_only=check_only,
                      template=template, progress=progress, pdf=pdf, preview=preview, soffice=soffice,
                      pdf_timeout=pdf_timeout)
    _report(result, check_only)
    sys.exit(result.exit_code)


@app.command("bulk-form")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="要写入的县级汇总填报表 (.xlsx) (county workbook to write).")
@click.option("--townships", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="乡镇（街道）名单，每行一个；可用制表符分隔写机关全称，如“金岭镇<Tab>招远市金岭镇人民政府” "
                   "(one township per line; optionally a tab and the full organ name).")
@click.option("--year", type=click.IntRange(2008, 2100), help="报告年度 (year reported on).")
@click.option("--province", default="", help="省（自治区、直辖市）(province).")
@click.option("--city", default="", help="设区的市 (city).")
@click.option("--county", default="", help="县（市、区），如 招远市 (county).")
@click.option("--preset", type=click.Choice(sorted(get_layout().other_items)), default="national",
              show_default=True, help="“六、其他需要报告的事项”的条目 (items of section 六).")
@click.option("--force", is_flag=True, help="覆盖已存在的文件 (overwrite an existing file).")
@handle_errors
def bulk_form_command(output: Path, townships: Path, year: int | None, province: str, city: str, county: str,
                      preset: str, force: bool) -> None:
    """写空白的县级汇总填报表 (write the blank county workbook).

    一行一个乡镇（街道），一列一个统计数字（表头按官方表格生成，已锁定），数字须为非负整数；
    另有“共用文字”“分别文字”两张表填写报告文字，可用 {机关名称}、{年度} 等占位符。
    One row per township, one column per figure under the official headers (locked, validated);
    prose on the 共用文字 / 分别文字 sheets, with placeholders such as {机关名称}.
    """
    check_new_output(output, suffixes=(".xlsx",), kind="县级填报表是 Excel 工作簿", force=force)
    rows: list[CountyRow] = []
    lines: dict[str, list[int]] = {}
    for number, line in enumerate(townships.read_text(encoding="utf-8-sig").splitlines(), start=1):
        name, _, organ = line.partition("\t")
        if name.strip():  # blank lines are ignored
            rows.append(CountyRow(name=name.strip(), organ=organ.strip()))
            lines.setdefault(name.strip(), []).append(number)
    duplicates = {name: numbers for name, numbers in lines.items() if len(numbers) > 1}
    if duplicates:
        listed = "；".join(f"“{name}”在第 {'、'.join(map(str, numbers))} 行" for name, numbers in duplicates.items())
        err_console.print(f"名单中有重复的乡镇（街道）：{listed}（{townships}）。每个乡镇（街道）只能写一次。"
                          "(duplicate township names in the list)", markup=False, highlight=False)
        sys.exit(EXIT_UNREADABLE)
    if not rows:
        err_console.print(f"名单中没有乡镇（街道）：{townships}（the list is empty）", markup=False, highlight=False)
        sys.exit(EXIT_UNREADABLE)
    write_county_form(output, rows, year=year, province=province, city=city, county=county, preset=preset)
    out_console.print(f"已写入 {output}（{len(rows)} 个乡镇（街道））", markup=False, highlight=False)
