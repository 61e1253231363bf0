"""Command-line usage errors: Chinese first (click's English after it), a code, exit status 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.cli import app

USAGE_ERRORS = [
    (["render", "x.yaml"], "缺少必填的选项 '-o' / '--outdir'"),
    (["render"], "缺少必填的参数"),
    (["render", "--nosuch", "x.yaml"], "没有这个选项：--nosuch"),
    (["nosuch"], "没有这个命令"),
    (["render", "x.yaml", "-o"], "选项 -o 用法不对"),
    (["form", "-o"], "选项 -o 用法不对"),
]


@pytest.mark.parametrize(("args", "chinese"), USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_usage_errors_are_chinese_with_code_and_exit_2(args: list[str], chinese: str) -> None:
    """Each usage mistake names what is wrong in Chinese, keeps click's English, carries CLI-USAGE, exits 2."""
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "[CLI-USAGE]" in result.output
    assert chinese in result.output
    assert "查看用法" in result.output


def test_bad_parameter_value_names_the_option(tmp_path: Path) -> None:
    """A value of the wrong kind (a folder where a file is wanted) names the option in Chinese."""
    result = CliRunner().invoke(app, ["bulk-form", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "'-o' / '--output' 的值无效" in result.output
    assert str(tmp_path) in result.output


def test_console_command_uses_the_same_messages(tmp_path: Path) -> None:
    """The installed entry point (python -m reportgen) prints the same Chinese usage error on stderr."""
    proc = subprocess.run(
        [sys.executable, "-m", "reportgen", "render", "x.yaml"], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode == 2
    assert "[CLI-USAGE] 缺少必填的选项" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_help_and_version_still_exit_0() -> None:
    """-h and --version are not errors."""
    runner = CliRunner()
    assert runner.invoke(app, ["-h"]).exit_code == 0
    assert runner.invoke(app, ["--version"]).exit_code == 0
    assert runner.invoke(app, ["render", "-h"]).exit_code == 0
