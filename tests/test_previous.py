"""``reportgen render --previous``: last year's published report seeds this year's 上年结转."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from reportgen.cli import app
from reportgen.domain.model import Organ, OrganKind, Report, Table
from reportgen.formats.load import load
from reportgen.formats.published.extract import extract
from reportgen.formats.word.render import render_docx

ORGAN = "招远市金岭镇人民政府"


def _last_year(tmp_path: Path) -> Path:
    """Last year's report as published: 结转下年度 自然人 2, 其他 1."""
    table3 = Table.from_figures(
        "table3",
        {
            ("new_received", "natural_person"): 4,
            ("new_received", "other"): 1,
            ("granted", "natural_person"): 2,
            ("carried_forward", "natural_person"): 2,
            ("carried_forward", "other"): 1,
        },
    )
    report = Report(organ=Organ(name=ORGAN, kind=OrganKind.TOWNSHIP), year=2021, table3=table3)
    return render_docx(report, tmp_path / "2021.docx")


def _this_year(tmp_path: Path, carried_over: str = "") -> Path:
    path = tmp_path / "2022.yaml"
    path.write_text(
        f"year: 2022\norgan: {{name: {ORGAN}, kind: township}}\n"
        "table3:\n  rows:\n"
        "    new_received: {natural_person: 1}\n"
        "    granted: {natural_person: 3}\n"
        "    not_processed_repeated: {other: 1}\n"
        f"{carried_over}",
        encoding="utf-8",
    )
    return path


def test_previous_docx_fills_carried_over(tmp_path: Path) -> None:
    """With --previous LAST_YEAR.docx an input without 上年结转 gets last year's 结转下年度, and it balances."""
    previous = _last_year(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["render", str(_this_year(tmp_path)), "--previous", str(previous),
                                      "-o", str(out), "--no-xlsx"])
    assert result.exit_code == 0, result.output
    assert "T3-CARRY-OVER" not in result.output
    (docx,) = out.glob("*.docx")
    rendered = extract(docx)
    assert rendered.table3.row("carried_over") == extract(previous).table3.row("carried_forward")
    assert rendered.table3[("carried_over", "total")] == 3


def test_loader_keeps_a_given_carried_over_row(tmp_path: Path) -> None:
    """A 上年结转 row written in the input is kept, even when --previous would say otherwise."""
    previous = extract(_last_year(tmp_path))
    report = load(_this_year(tmp_path, "    carried_over: {natural_person: 5}\n"), previous=previous)
    assert report.table3[("carried_over", "natural_person")] == 5
    assert report.table3[("carried_over", "other")] == 0


def test_previous_mismatch_is_reported(tmp_path: Path) -> None:
    """An input whose 上年结转 disagrees with last year's 结转下年度 gets T3-CARRY-OVER from render and check."""
    previous = _last_year(tmp_path)
    this_year = _this_year(tmp_path, "    carried_over: {natural_person: 5}\n")
    runner = CliRunner()
    rendered = runner.invoke(app, ["render", str(this_year), "--previous", str(previous), "-o",
                                   str(tmp_path / "out"), "--no-xlsx"])
    assert "T3-CARRY-OVER" in rendered.output
    checked = runner.invoke(app, ["check", str(this_year), "--previous", str(previous)])
    assert "T3-CARRY-OVER" in checked.output
    without = runner.invoke(app, ["check", str(this_year)])
    assert "T3-CARRY-OVER" not in without.output
