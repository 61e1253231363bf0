"""``reportgen bulk`` and ``reportgen bulk-form``: a whole county (or more) in one command.

Exit status of ``bulk``: 0 when every township passed (warnings allowed); 1 when any township has
error findings (status 有错误 — its files are still written, so the county can see and fix them) or
failed (失败: could not be loaded or rendered; the others are still done), or when the roll-up itself has
errors; 2 when the command itself could not run (unreadable county workbook, unusable template, dask missing,
a folder without input files).  The roll-up sums only townships without errors unless
``--rollup-include-errors`` is given; each one left out is named with the reason.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
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
from rich.table import Table as RichTable
from rich.text import Text

from reportgen.cli._app import (
    EXIT_FINDINGS,
    EXIT_UNREADABLE,
    app,
    check_new_output,
    err_console,
    fail,
    handle_errors,
    out_console,
)
from reportgen.domain.codes import CLI_EMPTY
from reportgen.domain.errors import ReportgenError
from reportgen.domain.findings import has_errors
from reportgen.domain.layout import get_layout
from reportgen.formats.excel.county import CountyRow, write_county_form
from reportgen.formats.inputs.townships import read_township_list
from reportgen.formats.office.locate import ENV_SOFFICE
from reportgen.formats.office.pool import DOCUMENT_TIMEOUT
from reportgen.pipelines.bulk import BulkResult, Exclusion, ProgressCallback, Status, TownshipOutcome, bulk
from reportgen.pipelines.bulk.sources import INPUT_SUFFIXES

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


def _has_inputs(folder: Path, outdir: Path) -> bool:
    """Whether ``folder`` holds an input file bulk would read (not hidden, not in the output folder)."""
    out = outdir.resolve()
    return any(
        p.is_file() and p.suffix.lower() in INPUT_SUFFIXES and not p.name.startswith((".", "~$"))
        and p.resolve().parent != out
        for p in folder.iterdir()
    )


def _scope(result: BulkResult) -> str:
    """``乡镇（街道）`` when every input is a township or street (as its organ's name says), else ``机关``."""
    return "乡镇（街道）" if result.township_level() else "机关"


def _name(outcome: TownshipOutcome) -> str:
    """The organ as the report names it; the file's stem only with a word that it is one."""
    if outcome.organ:
        return outcome.organ
    if outcome.source.endswith(outcome.name) or Path(outcome.source).stem == outcome.name:
        return f"{outcome.name}（未读出机关名称，按文件名）"
    return outcome.name


def _rollup_cell(outcome: TownshipOutcome, check_only: bool) -> str:
    if check_only:
        return "—"
    if outcome.in_rollup:
        return "是"
    return f"否（{outcome.rollup_note}）" if outcome.rollup_note is not None else "否"


_PLAIN_TABLE = 500
"""Above this many townships the closing table is plain lines (a drawn table of 38,602 rows takes long)."""


def _closing_table(result: BulkResult, check_only: bool) -> None:
    """One line per township: its name, status, counts and whether it is in the roll-up."""
    if len(result.outcomes) > _PLAIN_TABLE:
        # Plain lines straight to the console's file: rich's print costs ~0.3 ms a line (12 s for 38,602).
        out_console.file.writelines(
            f"{number}. {_name(outcome)}（{outcome.source}）：{outcome.status.label}，错误 {outcome.errors}，警告 "
            f"{outcome.warnings}{'' if check_only else f'，计入汇总：{_rollup_cell(outcome, check_only)}'}\n"
            for number, outcome in enumerate(result.outcomes, start=1))
        out_console.file.flush()
        return
    table = RichTable(show_lines=False)
    for column in ("序号", "机关", "来源", "状态", "错误", "警告", *(() if check_only else ("计入汇总",))):
        table.add_column(column, overflow="fold")
    for number, outcome in enumerate(result.outcomes, start=1):
        style = {Status.FAILED: "red", Status.ERRORS: "red", Status.WARNINGS: "yellow"}.get(outcome.status, "green")
        status = outcome.status.label + ("（未改变，已跳过）" if outcome.skipped else "")
        row = [str(number), _name(outcome), outcome.source, f"[{style}]{status}[/]", str(outcome.errors),
               str(outcome.warnings)]
        if not check_only:
            row.append(_rollup_cell(outcome, check_only))
        table.add_row(*row)
    console = out_console if out_console.is_terminal else Console(file=out_console.file, width=100_000,
                                                                   soft_wrap=True, highlight=False)
    console.print(table)


def _report(result: BulkResult, check_only: bool) -> None:
    scope = _scope(result)
    for outcome in result.where(lambda f: f.status in (Status.FAILED, Status.ERRORS)):
        console = err_console if outcome.failed else out_console
        console.print(f"{outcome.status.label}：{_name(outcome)}（{outcome.source}）", markup=False, highlight=False)
        for finding in outcome.findings[:5]:
            console.print(f"  {finding}", markup=False, highlight=False)
        if outcome.errors + outcome.warnings > 5:
            console.print(f"  …… 共 {outcome.errors} 个错误、{outcome.warnings} 个警告，详见 summary.xlsx",
                          markup=False, highlight=False)
    _closing_table(result, check_only)
    counts = result.counts()
    parts = "，".join(f"{status} {n}" for status, n in counts.items())
    skipped = len(result.skipped)
    out_console.print(
        f"共 {len(result.outcomes)} 个{scope}：{parts}" + (f"；未改变而跳过 {skipped}" if skipped else "") + "。",
        markup=False, highlight=False,
    )
    if result.pdf_failed:
        err_console.print(f"PDF 未生成 {len(result.pdf_failed)} 个（.docx 和 .xlsx 已生成；原因见 summary.xlsx 的 PDF 列）：",
                          markup=False, highlight=False)
        for outcome in result.pdf_failed[:10]:
            err_console.print(f"  {_name(outcome)}（{outcome.source}）：{outcome.pdf_error}", markup=False, highlight=False)
    if result.fonts_substituted:
        out_console.print("注意：本机未安装公文字体，PDF 中以同类免费字体代替 (official fonts not installed; substituted)："
                          + "；".join(result.fonts_substituted), markup=False, highlight=False)
    if result.summary is not None:
        out_console.print(f"汇总表 (summary)：{result.summary}", markup=False, highlight=False)
    if check_only:
        out_console.print("只检查（--check-only）：未生成报告和县级汇总。", markup=False, highlight=False)
        return
    excluded = result.excluded()
    left_out = "，".join(f"{reason} {n}" for reason, n in excluded.items())
    if result.rollup is not None:
        files = "、".join(p.name for p in result.rollup_outputs)
        n = result.in_rollup_count
        out_console.print(f"县级汇总 (roll-up, {result.rollup.year} 年度, 计入 {n} 个{scope})：{files}", markup=False,
                          highlight=False)
        if excluded:
            out_console.print(f"未计入县级汇总 {sum(excluded.values())} 个：{left_out}（各自原因见上表和 summary.xlsx）。",
                              markup=False, highlight=False)
            if Exclusion.ERRORS.label in excluded:
                out_console.print("有错误的报告改正后重新运行即计入；如需照样计入，加 --rollup-include-errors。",
                                  markup=False, highlight=False)
        for finding in result.rollup_findings:
            out_console.print(f"  县级汇总：{finding}", markup=False, highlight=False)
    else:
        why = f"：{left_out}" if excluded else ""
        out_console.print(f"没有可汇总的报告，未生成县级汇总（{len(result.outcomes)} 个均未计入{why}）。",
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
@click.option("--rollup-include-errors", is_flag=True,
              help="有错误的乡镇也计入县级汇总（默认不计入，并在汇总中列出）"
                   "(sum townships with errors into the roll-up too; by default they are left out and named).")
@handle_errors
def bulk_command(input_path: Path, outdir: Path, jobs: int | None, scheduler: str | None, force: bool,
                 check_only: bool, template: Path | None, pdf: bool, preview: bool, soffice: Path | None,
                 pdf_timeout: float, rollup_include_errors: bool) -> None:
    """为全县各乡镇（街道）批量生成报告 (render every township of a county).

    \b
    INPUT：县级汇总填报表（reportgen bulk-form 生成），或存放各乡镇输入文件（.yaml/.json/.xlsx）的文件夹。
    INPUT: the county workbook (from reportgen bulk-form) or a folder of input files.
    每个乡镇（街道）写 .docx 和 .xlsx（--pdf 另写 PDF）；另写 summary.xlsx（各乡镇状态）和县级汇总的 .docx、.xlsx。
    再次运行时跳过输入和模板都未改变的乡镇（--force 全部重做）。
    有错误的乡镇不计入县级汇总（在汇总文字和 summary.xlsx 中列出原因），除非加 --rollup-include-errors。
    退出状态 (exit status)：0 全部通过（可有警告）· 1 有乡镇“有错误”“失败”或 PDF 未生成 · 2 无法运行（如文件夹中没有输入文件）。
    """
    # bulk DIR -o DIR: the library refuses it (OUT-WRITE, naming the folder); the inputs there are not counted
    # first, because every file in the output folder is taken for an output and it would look empty.
    same = input_path.is_dir() and input_path.resolve() == outdir.resolve()
    if input_path.is_dir() and not same and not _has_inputs(input_path, outdir):
        fail(CLI_EMPTY.code, f"文件夹中没有输入文件（{'、'.join(INPUT_SUFFIXES)}），未生成任何报告"
             "（the folder holds no input file）", file=input_path)
    show_progress = out_console.is_terminal
    with _dask_executor(scheduler) as executor, _progress(show_progress) as progress:
        result = bulk(input_path, outdir, jobs=jobs, executor=executor, force=force, check_only=check_only,
                      template=template, progress=progress, pdf=pdf, preview=preview, soffice=soffice,
                      pdf_timeout=pdf_timeout, rollup_include_errors=rollup_include_errors)
    if not result.outcomes:
        fail(CLI_EMPTY.code, "没有读到任何乡镇（街道）或机关的报告，未生成任何报告（nothing to process）", file=input_path)
    _report(result, check_only)
    sys.exit(max(result.exit_code, EXIT_FINDINGS if has_errors(result.rollup_findings) else 0))


@app.command("bulk-form")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="要写入的县级汇总填报表 (.xlsx) (county workbook to write).")
@click.option("--townships", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="乡镇（街道）名单：文本文件（UTF-8、GBK 或 UTF-16）每行一个，可用制表符分隔写机关全称，"
                   "如“金岭镇<Tab>招远市金岭镇人民政府”；或 .xlsx 工作簿（第一列名称，第二列全称）；表头行和序号列自动跳过 "
                   "(one township per line, any Windows encoding, or an .xlsx; optionally the full organ name).")
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
    entries = read_township_list(townships)  # GBK/UTF-16/.xlsx, header and 序号 skipped; IN-* errors exit 2
    rows = [CountyRow(name=entry.name, organ=entry.organ) for entry in entries]
    write_county_form(output, rows, year=year, province=province, city=city, county=county, preset=preset)
    out_console.print(f"已写入 {output}（{len(rows)} 个乡镇（街道））", markup=False, highlight=False)
