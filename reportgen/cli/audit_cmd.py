"""``reportgen audit``: check many reports (published reports in every form, forms, inputs) into one review workbook."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reportgen.cli._app import EXIT_FINDINGS, EXIT_OK, app, err_console, fail, handle_errors, out_console
from reportgen.domain.codes import CLI_EMPTY
from reportgen.pipelines.audit import STATUS_ERRORS, STATUS_UNREADABLE, AuditEntry, audit

__all__ = ["audit_command"]


def _line(entry: AuditEntry) -> str:
    head = f"{entry.file}" + (f"（{entry.organ}）" if entry.organ else "")
    if entry.status == STATUS_UNREADABLE:
        reason = f"[{entry.findings[0].code}] {entry.findings[0].message}" if entry.findings else ""
        return f"{head}：{entry.status} {reason}"
    partial = "，部分读取" if entry.partial else ""
    line = f"{head}：{entry.status}（错误 {entry.errors} 条，警告 {entry.warnings} 条{partial}）"
    first = next((f for f in entry.findings if f.is_error), None)
    if first is not None:  # the first error, so the line says what is wrong (all of them: in the workbook)
        where = first.location.brief()
        line += f"，首个错误 [{first.code}] {where + '：' if where else ''}{first.message}"
    return line


@app.command("audit")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="审核结果工作簿 (the audit workbook to write, .xlsx).",
)
@click.option("-j", "--jobs", type=click.IntRange(1, None), help="并行进程数，默认全部核心 (worker processes; default: all cores).")
@handle_errors
def audit_command(files: tuple[Path, ...], output: Path, jobs: int | None) -> None:
    """审核多份报告并汇总全部问题 (audit many reports into one workbook).

    \b
    FILES 可以是已发布的报告（.docx、网页 .html/.htm/.shtml/.mhtml、PDF、.doc/.wps/.odt/.rtf）、
    填报表（.xlsx）、YAML/JSON 输入文件或文件夹（递归查找；其他类型的文件列为“已跳过”）。
    同一机关相邻年度的报告在同一次审核中时，另做跨年度核对（上年结转、现行有效件数等）。
    工作簿“报告”表每份报告一行（状态：通过/有警告/有错误/无法读取），“问题”表每条问题一行，
    含文件、机关、代码、表格、行、列、期望值、实际值和说明。
    FILES may be published .docx reports, filled .xlsx forms, YAML/JSON inputs or folders.
    退出状态 (exit status): 0 无错误 (no errors) · 1 有报告有错误或无法读取 (errors or unreadable files)
    · 2 没有找到可审核的文件 (nothing to audit).
    """
    if output.suffix.lower() != ".xlsx":
        raise click.BadParameter("审核结果应写成 .xlsx 文件 (the output must be .xlsx)", param_hint="-o")
    done = 0

    def progress(entry: AuditEntry) -> None:
        nonlocal done
        done += 1
        if done % 50 == 0:
            err_console.print(f"已审核 {done} 份…", markup=False, highlight=False)

    result = audit(files, output, jobs=jobs, progress=progress)
    for file, reason in result.skipped:
        out_console.print(f"{file}：已跳过 {reason}", markup=False, highlight=False)
    if not result.entries:
        given = "、".join(str(f) for f in files[:3]) + ("等" if len(files) > 3 else "")
        fail(CLI_EMPTY.code, f"没有找到可审核的报告文件：{given} 中没有已发布的报告（.docx/.html/.pdf 等）、填报表或输入文件，"
             "未审核任何报告（no report found to audit）", file=None)
    for entry in result.entries:
        style = "red" if entry.status in (STATUS_ERRORS, STATUS_UNREADABLE) else None
        out_console.print(_line(entry), style=style, markup=False, highlight=False)
    counts = "，".join(f"{status} {n} 份" for status, n in result.counts().items())
    skipped = f"，跳过 {len(result.skipped)} 个其他文件" if result.skipped else ""
    out_console.print(f"共审核 {len(result.entries)} 份报告：{counts}{skipped}；问题清单 → {result.workbook}",
                      markup=False, highlight=False)
    sys.exit(EXIT_FINDINGS if result.exit_code else EXIT_OK)
