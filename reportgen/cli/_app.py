"""The click group, the shared console and the error-to-exit-status mapping."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import attrs
import click
from rich.console import Console

from reportgen.domain.codes import CLI_INTERRUPTED, CLI_OUTPUT_SUFFIX, CLI_PREVIOUS_USED, CLI_USAGE, OUT_EXISTS
from reportgen.domain.errors import ReportgenError
from reportgen.domain.findings import Location
from reportgen.domain.model import Report
from reportgen.domain.version import __version__

__all__ = [
    "app",
    "check_new_output",
    "err_console",
    "error_lines",
    "fail",
    "handle_errors",
    "main",
    "notice_previous",
    "out_console",
    "previous_option",
    "print_error",
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

_PATH_PROBLEMS = (
    ("does not exist", "文件或文件夹不存在"), ("is a directory", "这是文件夹，应为文件"), ("is a file", "这是文件，应为文件夹"),
    ("is not readable", "没有读取权限"), ("is not writable", "没有写入权限"),
)
"""click's words for a path that cannot be used (``Directory 'x' is a file``) → Chinese."""

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
        ptype = exc.param.type if exc.param is not None else None
        if isinstance(ptype, click.IntRange) and (ptype.min is not None or ptype.max is not None):
            low = "" if ptype.min is None else f"不小于 {ptype.min}"
            high = "" if ptype.max is None else f"不大于 {ptype.max}"
            chinese += "：应为" + "、".join(p for p in (low, high) if p) + "的整数"
        elif isinstance(ptype, click.Choice):
            chinese += "：应为 " + "、".join(map(str, ptype.choices)) + " 之一"
        elif isinstance(ptype, click.Path):
            why = next((zh for en, zh in _PATH_PROBLEMS if en in english), "路径不可用")
            chinese += f"：{why}"
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
@click.version_option(version=__version__, prog_name="reportgen")
def app() -> None:
    """reportgen — 政府信息公开工作年度报告生成工具 (government information-disclosure annual reports).

    \b
    常用命令 (common commands):
      reportgen new -o 报告.yaml        写一个带注释的空白输入文件 (input skeleton)
      reportgen check 报告.yaml         检查数据与勾稽关系 (check figures and identities)
      reportgen render 报告.yaml -o out/ 生成 Word 报告和 Excel 数据表 (render .docx and .xlsx)
    """


def error_lines(
    exc: ReportgenError, *, file: str | None = None, head: str = "错误", findings: bool = True, named: str | None = None
) -> list[str]:
    """The one layout of an error in every command: ``错误 [CODE] 文件 …，place：message``, then each finding
    indented — unless the error is its single finding, which is then not printed a second time.

    ``file`` names the input when the error does not (a command that read several files); ``findings=False``
    leaves the findings out (``check`` lists them in its table); ``named``: the file a heading already names.
    """
    location = exc.location.with_context(file=file)
    if location.file and (location.file in exc.message or location.file == named):  # named already: not twice
        location = attrs.evolve(location, file=None)
    where = location.describe()
    lines = [f"{head} [{exc.code}] {where + '：' if where else ''}{exc.message}"]
    located = [f.with_context(file=file) for f in exc.findings]
    single = len(located) == 1 and located[0].message in exc.message and located[0].code == exc.code
    if findings and not single:
        lines.extend(f"  {finding}" for finding in located)
    return lines


def print_error(exc: ReportgenError, *, file: str | None = None, head: str = "错误") -> None:
    """Print :func:`error_lines` of ``exc`` on standard error."""
    for line in error_lines(exc, file=file, head=head):
        err_console.print(line, markup=False, highlight=False)


def fail(code: str, message: str, *, file: str | os.PathLike[str] | None = None, exit_code: int = EXIT_UNREADABLE) -> NoReturn:
    """Print one error (code, file, Chinese message) in the shared layout and exit (2 by default)."""
    print_error(ReportgenError(message, code=code, location=Location(file=None if file is None else str(file))))
    sys.exit(exit_code)


def handle_errors(func: F) -> F:
    """Turn a :class:`ReportgenError` into a Chinese message on stderr (:func:`print_error`) and its exit status."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ReportgenError as exc:
            print_error(exc)
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
        fail(CLI_OUTPUT_SUFFIX.code, f"{kind}，请使用 {suffixes[0]} 后缀（use {suffixes[0]}）", file=output)
    if output.exists() and not force:
        fail(OUT_EXISTS.code, "文件已存在，未覆盖（加 --force 覆盖 / use --force to overwrite）", file=output)


def notice_previous(previous: Report, path: Path | None, *, filled: bool, file: str) -> None:
    """Say (on standard error) that last year's report from ``path`` was used for ``file``, and whether it filled 上年结转."""
    source = f"{path}（{previous.organ.name}{previous.year}年度）" if path is not None else \
        f"{previous.organ.name}{previous.year}年度的报告"
    what = "已用其“结转下年度继续办理”填写表三“上年结转”，并做跨年度核对" if filled else \
        "输入已填写“上年结转”，未改动；已做跨年度核对"
    err_console.print(f"提示 [{CLI_PREVIOUS_USED.code}] 文件 {file}：上年度报告取自 {source}：{what}。",
                      markup=False, highlight=False)


def main() -> None:
    """Entry point of the ``reportgen`` console command."""
    app(prog_name="reportgen")
