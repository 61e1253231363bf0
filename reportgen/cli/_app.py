"""The click group, the shared console and the error-to-exit-status mapping."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from reportgen.domain.codes import CLI_INTERRUPTED, CLI_USAGE
from reportgen.domain.errors import ReportgenError

__all__ = [
    "app",
    "check_new_output",
    "err_console",
    "handle_errors",
    "main",
    "out_console",
    "previous_option",
    "usage_message",
]

F = TypeVar("F", bound=Callable[..., Any])

out_console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

EXIT_OK = 0
EXIT_FINDINGS = 1
"""Errors were found in a report (or a township failed in a bulk run)."""
EXIT_UNREADABLE = 2
"""An input could not be read at all, or the command was used wrongly."""


EXIT_INTERRUPTED = 130
"""Interrupted by Ctrl-C (the shell's convention, 128 + SIGINT)."""

_PARAM_KIND = {"option": "选项", "argument": "参数", "parameter": "参数"}


def usage_message(exc: click.ClickException) -> str:
    """Chinese first, click's English after it: what is wrong with the command line, and where."""
    english = exc.format_message()
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.MissingParameter):
        kind_name = exc.param_type or (exc.param.param_type_name if exc.param is not None else "parameter")
        kind = _PARAM_KIND.get(kind_name, "参数")
        missing = exc.param.get_error_hint(ctx) if exc.param is not None and ctx is not None else ""
        chinese = f"缺少必填的{kind} {missing}".rstrip()
    elif isinstance(exc, click.NoSuchOption):
        chinese = f"没有这个选项：{exc.option_name}"
        if exc.possibilities:
            chinese += "；是否想用：" + "、".join(sorted(exc.possibilities))
    elif isinstance(exc, click.BadOptionUsage):
        chinese = f"选项 {exc.option_name} 用法不对"
    elif isinstance(exc, click.BadArgumentUsage):
        chinese = "参数用法不对"
    elif isinstance(exc, click.BadParameter):
        hint: str | None = exc.param_hint if isinstance(exc.param_hint, str) else None
        if hint is None and exc.param is not None and ctx is not None:
            hint = exc.param.get_error_hint(ctx)
        chinese = f"{hint or '参数'} 的值无效"
    elif isinstance(exc, click.FileError):
        chinese = f"无法打开文件：{exc.ui_filename}"
    elif english.startswith("No such command"):
        chinese = "没有这个命令"
    elif english.startswith("Got unexpected extra argument"):
        chinese = "多余的参数（文件名中有空格时请加引号）"
    else:
        chinese = "命令用法不对"
    command = ctx.command_path if ctx is not None else "reportgen"
    return f"[{CLI_USAGE.code}] {chinese}。（{english}）\n运行 {command} -h 查看用法（see {command} -h）。"


class _App(click.Group):
    """The group whose usage errors are shown in Chinese (exit 2) and whose Ctrl-C is a message (exit 130)."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        run = functools.partial(super().main, args, prog_name, complete_var, standalone_mode=False, **extra)
        if not standalone_mode:
            return run()
        try:
            result: object = run()
        except click.ClickException as exc:  # usage errors: click's own text is English only
            err_console.print(usage_message(exc), markup=False, highlight=False)
            sys.exit(EXIT_UNREADABLE)
        except (click.Abort, KeyboardInterrupt):
            err_console.print(f"[{CLI_INTERRUPTED.code}] 已中断，未完成的输出文件没有留下（interrupted）。", markup=False,
                              highlight=False)
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(result if isinstance(result, int) else EXIT_OK)


@click.group(
    cls=_App,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="reportgen")
def app() -> None:
    """reportgen — 政府信息公开工作年度报告生成工具 (government information-disclosure annual reports).

    \b
    常用命令 (common commands):
      reportgen new -o 报告.yaml        写一个带注释的空白输入文件 (input skeleton)
      reportgen check 报告.yaml         检查数据与勾稽关系 (check figures and identities)
      reportgen render 报告.yaml -o out/ 生成 Word 报告和 Excel 数据表 (render .docx and .xlsx)
    """


def handle_errors(func: F) -> F:
    """Turn a :class:`ReportgenError` into a Chinese message on stderr and its exit status."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ReportgenError as exc:
            err_console.print(f"[bold red]{exc.code}[/] {exc.location.describe()}", markup=True, highlight=False)
            err_console.print(exc.message, markup=False, highlight=False)
            for finding in exc.findings:
                err_console.print(f"  {finding}", markup=False, highlight=False)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


previous_option = click.option(
    "--previous",
    "-p",
    "previous_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="上年度报告（.docx/.xlsx/.yaml/.json）：输入未填“上年结转”时取其“结转下年度继续办理”，并做跨年度核对；"
    "可多次给出，按机关名称和年度对应 (last year's report: fills 上年结转 when the input leaves it out and runs "
    "the cross-year checks; repeatable, matched by organ name and year).",
)
"""``--previous`` of ``check`` and ``render``: both fill 上年结转 and run the cross-year checks the same way."""


def check_new_output(output: Path, *, suffixes: tuple[str, ...], kind: str, force: bool) -> None:
    """Exit 2 with a Chinese message unless ``output`` has one of ``suffixes`` and may be (over)written.

    ``kind`` names the file for the message, e.g. ``填报表是 Excel 工作簿``.
    """
    if output.suffix.lower() not in suffixes:
        err_console.print(f"{kind}，请使用 {suffixes[0]} 后缀：{output}（use {suffixes[0]}）", markup=False,
                          highlight=False)
        sys.exit(EXIT_UNREADABLE)
    if output.exists() and not force:
        err_console.print(f"文件已存在，未覆盖：{output}（加 --force 覆盖 / use --force to overwrite）",
                          markup=False, highlight=False)
        sys.exit(EXIT_UNREADABLE)


def main() -> None:
    """Entry point of the ``reportgen`` console command."""
    app(prog_name="reportgen")
