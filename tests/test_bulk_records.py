"""The records of a bulk run: outcomes spooled to disk read back as the sequence they were."""

from __future__ import annotations

from pathlib import Path

import attrs
import openpyxl
import pytest

from reportgen.domain.findings import Finding, Severity, Status
from reportgen.pipelines.bulk.comparison import COMPARISON_SHEET, key_figures
from reportgen.pipelines.bulk.records import BulkResult, OutcomeSpool, TownshipOutcome
from reportgen.pipelines.bulk.summary import write_summary


def _outcome(i: int, findings: int = 2) -> TownshipOutcome:
    return TownshipOutcome(
        name=f"第{i}镇", source=f"{i:05d}.yaml", status=Status.WARNINGS, organ=f"某县第{i}镇人民政府", warnings=findings,
        findings=tuple(Finding(code="OVERVIEW-LENGTH", severity=Severity.WARNING, message=f"警告 {i}-{k} " + "字" * 300)
                       for k in range(findings)),
        key_figures=(i, *[0] * (len(key_figures()) - 1)), format_version="2021", year=2022, in_rollup=i % 3 != 0)


def test_spool_reads_back_every_outcome_in_order(tmp_path: Path) -> None:
    """Appended outcomes come back equal, by index (negative too), slice and iteration across read-ahead blocks;
    the spool equals the tuple it replaces and leaves no file in its folder."""
    outcomes = [_outcome(i) for i in range(2500)]  # ~2.5 MB: iteration crosses several 1 MB blocks
    spool = OutcomeSpool(tmp_path, outcomes)
    assert len(spool) == 2500
    assert spool[0] == outcomes[0]
    assert spool[-1] == outcomes[-1]
    assert spool[10:13] == tuple(outcomes[10:13])
    assert list(spool) == outcomes
    assert spool == tuple(outcomes)
    assert spool != tuple(outcomes[:-1])
    assert [o.name for o in spool if not o.in_rollup][:2] == ["第0镇", "第3镇"]
    with pytest.raises(IndexError):
        spool[2500]
    assert list(tmp_path.iterdir()) == []  # an unnamed temporary file
    spool.close()


def test_spool_keeps_every_field_and_shares_the_output_folder(tmp_path: Path) -> None:
    """Every field comes back as it was — flags that are True beside the output folder kept as a mark, an outcome
    of another folder and one without any — and the outcomes of the run's folder share one Path object."""
    run, other = tmp_path / "out", tmp_path / "elsewhere"
    outcomes = [attrs.evolve(_outcome(i), outdir=run, stem=f"s{i}", skipped=True, pdf=True, sheet=True, pages=2)
                for i in range(3)]
    outcomes += [attrs.evolve(_outcome(3), outdir=other, stem="x"), _outcome(4)]
    spool = OutcomeSpool(tmp_path, outcomes)
    back = list(spool)
    assert back == outcomes
    assert [o.outdir for o in back] == [run, run, run, other, None]
    assert back[0].outdir is back[2].outdir is spool[1].outdir
    assert back[0].outputs[0] == run / "s0.docx"
    assert all(o.skipped and o.pdf and o.sheet for o in back[:3])


def test_spool_replace_and_adjust(tmp_path: Path) -> None:
    """replace() changes one outcome; adjust is applied to every outcome read, by index and by iteration."""
    spool = OutcomeSpool(tmp_path, [_outcome(i, findings=0) for i in range(5)])
    spool.replace(2, attrs.evolve(spool[2], status=Status.FAILED))
    spool.adjust = lambda o: attrs.evolve(o, in_rollup=False)
    assert spool[2].status is Status.FAILED
    assert [o.in_rollup for o in spool] == [False] * 5
    assert spool.raw(1).in_rollup
    with pytest.raises(IndexError):
        spool.replace(5, _outcome(5))


def test_an_empty_spool_is_an_empty_sequence(tmp_path: Path) -> None:
    """No townships: a spool of length 0 that equals ()."""
    spool = OutcomeSpool(tmp_path)
    assert len(spool) == 0
    assert list(spool) == []
    assert spool == ()
    assert not spool


def test_summary_keeps_user_text_as_text_and_totals_as_formulas(tmp_path: Path) -> None:
    """summary.xlsx written from a spool: a township named like a formula stays text (control characters
    dropped), every sheet is there, and 全县合计 is a SUMIF formula whose stored value is the roll-up's sum."""
    outcomes = [attrs.evolve(_outcome(i), name="=HYPERLINK(\"x\")\x07" if i == 1 else f"第{i}镇") for i in range(4)]
    spool = OutcomeSpool(tmp_path, outcomes)
    path = tmp_path / "summary.xlsx"
    write_summary(path, spool, {"通过": 0, "有警告": 4}, None, (o for o in spool if not o.in_rollup))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["汇总情况", "概况", "未计入汇总", "问题", COMPARISON_SHEET]
    name = wb["汇总情况"]["B3"]
    assert name.value == '=HYPERLINK("x")'
    assert name.data_type == "s"
    assert [r[0] for r in wb["未计入汇总"].iter_rows(min_row=2, values_only=True)] == ["第0镇", "第3镇"]
    assert wb["问题"].max_row == 1 + 2 * 4
    total = wb[COMPARISON_SHEET].cell(6, 6)
    assert str(total.value).startswith("=SUMIF(")
    values = openpyxl.load_workbook(path, data_only=True)[COMPARISON_SHEET]
    assert values.cell(6, 6).value == sum(o.key_figures[0] for o in outcomes if o.in_rollup)


def test_result_selections_agree_on_a_spool_and_a_tuple(tmp_path: Path) -> None:
    """BulkResult's counts and selections (failed, with errors, skipped, PDF failed, roll-up count, exit status)
    are the same for a spool — read from its kept facts — as for the tuple, and follow replace() and adjust."""
    statuses = (Status.OK, Status.WARNINGS, Status.ERRORS, Status.FAILED)
    outcomes = [attrs.evolve(_outcome(i, findings=0), status=statuses[i % 4], skipped=i % 5 == 0,
                             pdf_error="超时" if i % 7 == 0 else "") for i in range(60)]
    spool = OutcomeSpool(tmp_path, outcomes)

    def views(result: BulkResult) -> tuple[object, ...]:
        return (result.failed, result.with_errors, result.skipped, result.pdf_failed, result.in_rollup_count,
                result.counts(), result.exit_code, result.township_level())

    assert views(BulkResult(outdir=tmp_path, outcomes=spool, summary=None)) == views(
        BulkResult(outdir=tmp_path, outcomes=tuple(outcomes), summary=None))
    spool.replace(1, attrs.evolve(outcomes[1], status=Status.FAILED))
    spool.adjust = lambda o: attrs.evolve(o, in_rollup=False)
    result = BulkResult(outdir=tmp_path, outcomes=spool, summary=None)
    assert outcomes[1].name in [o.name for o in result.failed]
    assert result.in_rollup_count == 0
    clean = BulkResult(outdir=tmp_path, outcomes=OutcomeSpool(tmp_path, [_outcome(1, findings=0)]), summary=None)
    assert clean.exit_code == 0


def test_township_level_from_the_kept_facts(tmp_path: Path) -> None:
    """The closing line's 乡镇（街道）/机关 comes from the organ names kept in the facts; the file names only when
    no organ was read at all."""
    towns = [_outcome(i, findings=0) for i in range(4)]
    assert BulkResult(outdir=tmp_path, outcomes=OutcomeSpool(tmp_path, towns), summary=None).township_level()
    mixed = [*towns, attrs.evolve(towns[0], organ="某县教育局")]
    assert not BulkResult(outdir=tmp_path, outcomes=OutcomeSpool(tmp_path, mixed), summary=None).township_level()
    unread = [attrs.evolve(o, organ="", status=Status.FAILED) for o in towns]
    assert BulkResult(outdir=tmp_path, outcomes=OutcomeSpool(tmp_path, unread), summary=None).township_level()
    files = [attrs.evolve(o, name="教育局报告") for o in unread]
    assert not BulkResult(outdir=tmp_path, outcomes=tuple(files), summary=None).township_level()
