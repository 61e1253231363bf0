"""``reportgen check``: run the reviewers' checks on input files and list the findings.

Exit status: 0 when no file has an error finding, 1 when one has, 2 when a file cannot be read
(every other file is still checked).
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table as RichTable

from reportgen.cli._app import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_UNREADABLE,
    app,
    error_lines,
    handle_errors,
    notice_previous,
    out_console,
    previous_option,
)
from reportgen.domain.findings import FINDING_COLUMNS, Finding, Value
from reportgen.formats.load import load
from reportgen.pipelines.checkfiles import FileCheck, check_files

__all__ = ["check_command"]



def _value(value: Value) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def _text(value: Value) -> str:
    return "" if value is None else str(_value(value))


def _shown(result: FileCheck) -> tuple[Finding, ...]:
    """The findings listed in the table: all of them, except an unreadable file's single finding, which is the
    error message itself (printed once, on the file's line)."""
    if result.error is not None and len(result.findings) == 1 and result.findings[0].message == result.error[1]:
        return ()
    return result.findings


def _show(result: FileCheck) -> None:
    findings = _shown(result)
    errors = sum(f.is_error for f in findings)
    warnings = len(findings) - errors
    head = f"[bold]{result.file}[/]" + (f"（{result.organ}）" if result.organ else "")
    error = result.reading_error()
    if error is not None:
        out_console.print(f"{head}：", markup=True, highlight=False, end="")
        (line,) = error_lines(error, file=result.file, head="无法读取", findings=False,
                              named=result.file)  # the shared layout
        out_console.print(line, markup=False, highlight=False, style="red")
    elif not findings:
        out_console.print(f"{head}：[green]未发现问题[/]", markup=True, highlight=False)
        return
    else:
        out_console.print(f"{head}：错误 {errors} 条，警告 {warnings} 条", markup=True, highlight=False)
    if not findings:
        return
    table = RichTable(show_lines=True)
    for name in FINDING_COLUMNS:
        table.add_column(name, overflow="fold")
    severity = FINDING_COLUMNS.index("严重程度")
    for finding in findings:
        # The file and organ head the table, so the location is the terse place inside the report.
        cells = [_text(value) for value in finding.cells("brief")]
        cells[severity] = f"[{'red' if finding.is_error else 'yellow'}]{cells[severity]}[/]"
        table.add_row(*cells)
    console = out_console if out_console.is_terminal else _piped_console()
    console.print(table)


def _piped_console() -> Console:
    """For piped output (logs, grep, tests): the table at its natural width, one line per finding.

    A console that is not a terminal would otherwise wrap every long Chinese label at 80 columns.
    """
    return Console(file=out_console.file, width=100_000, soft_wrap=True, highlight=False)


@app.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@previous_option
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出检查结果 (machine-readable findings).")
@click.option("-j", "--jobs", type=click.IntRange(1, 512), default=None,
              help="文件较多时的并行进程数，默认全部 CPU 核 (worker processes for many files; default: all cores).")
@handle_errors
def check_command(files: tuple[Path, ...], previous_files: tuple[Path, ...], as_json: bool, jobs: int | None) -> None:
    """检查报告数据与勾稽关系 (check reports against the reviewers' rules).

    \b
    读取每个 FILE（.yaml/.yml/.json/.xlsx/.docx），列出错误和警告；规则见 docs/checks.md。
    Reads each FILE and lists its errors and warnings; the rules are listed in docs/checks.md.
    退出状态 (exit status): 0 无错误 (no errors) · 1 有错误 (errors found) · 2 有文件无法读取 (unreadable file).
    """
    previous = [load(path) for path in previous_files]  # an unreadable --previous stops here (exit 2)
    # Many files (a county's folder): read and checked on every core, listed in the order given.
    results = list(check_files(files, previous, jobs=jobs))
    if not as_json:
        for result in results:
            if result.previous is not None:
                notice_previous(previous[result.previous], previous_files[result.previous],
                                filled=result.carried_over, file=result.file)

    unreadable = sum(r.error is not None for r in results)
    # The footer counts what the tables show, an unreadable file's problems included.
    errors = sum(f.is_error for r in results for f in _shown(r))
    errors += sum(r.error is not None and not _shown(r) for r in results)  # the one error on the file's line
    warnings = sum(not f.is_error for r in results for f in _shown(r))
    if as_json:
        payload = [
            {
                "file": r.file,
                "organ": r.organ,
                "readable": r.error is None,
                "error": None if r.error is None else {"code": r.error[0], "message": r.error[1]},
                "findings": [f.to_json() for f in r.findings],
            }
            for r in results
        ]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for result in results:
            _show(result)
        summary = f"共检查 {len(results)} 个文件："
        summary += f"无法读取 {unreadable} 个（原因见上），" if unreadable else ""
        summary += f"错误 {errors} 条，警告 {warnings} 条"
        out_console.print(summary, markup=False, highlight=False)
    if unreadable:
        sys.exit(EXIT_UNREADABLE)
    sys.exit(EXIT_FINDINGS if any(f.is_error for r in results for f in r.findings) else EXIT_OK)
