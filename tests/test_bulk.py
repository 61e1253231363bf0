"""Bulk generation: every township rendered, summary, roll-up, safe names, skip/force, dask, faults."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import attrs
import openpyxl
import pytest
from click.testing import CliRunner

import reportgen
from reportgen.cli import app
from reportgen.domain.errors import InputError
from reportgen.domain.layout import FormatVersion, get_layout
from reportgen.domain.model import Figure, Report, Table
from reportgen.domain.naming import output_stem
from reportgen.formats.excel.county import CountyRow, write_county_form
from reportgen.formats.excel.sheets import grid_coord, table_sheet_title
from reportgen.formats.excel.write import render_xlsx
from reportgen.formats.inputs.mapping import dump
from reportgen.formats.load import load
from reportgen.formats.word.render import default_template_path
from reportgen.pipelines.bulk import MANIFEST_NAME, SUMMARY_NAME, BulkInput, Exclusion, RollupNote, Status, bulk
from reportgen.pipelines.bulk.sources import estimate_total
from reportgen.pipelines.parallel import bounded_map
from tests.conftest import EXAMPLES, ROOT

EXAMPLE = EXAMPLES / "zhaoyuan-county-2022.xlsx"
ROLLUP_STEM = "招远市乡镇（街道）汇总2022年度政府信息公开工作年度报告"
JINLING = "招远市金岭镇人民政府2022年度政府信息公开工作年度报告"
RESOURCES = "招远市自然资源和规划局2022年度政府信息公开工作年度报告"


def figures_of(xlsx: Path) -> dict[tuple[str, str, str], Figure]:
    """Every leaf figure of a rendered workbook, read back with openpyxl (data_only)."""
    wb = openpyxl.load_workbook(xlsx, data_only=True)
    out: dict[tuple[str, str, str], Figure] = {}
    for table in get_layout().tables:
        ws = wb[table_sheet_title(table)]
        for cell in table.cells:
            if cell.ref is not None and not table.is_computed(cell.ref):
                value = ws[grid_coord(cell)].value
                out[(table.key, *cell.ref)] = Decimal(str(value)) if table.kind(cell.ref) == "amount" else value
    return out


def summary_rows(outdir: Path) -> list[dict[str, object]]:
    """The rows of summary.xlsx as dicts keyed by the header."""
    ws = openpyxl.load_workbook(outdir / SUMMARY_NAME)["汇总情况"]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def outputs(outdir: Path) -> list[str]:
    """File names in ``outdir`` (no hidden files)."""
    return sorted(p.name for p in outdir.iterdir() if not p.name.startswith("."))


def test_county_example_end_to_end(tmp_path: Path) -> None:
    """The example county: 14 .docx + 14 .xlsx, summary and a roll-up whose figures are the townships' sums."""
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["bulk", str(EXAMPLE), "-o", str(out), "-j", "2"])
    assert result.exit_code == 0, result.output
    assert "共 14 个乡镇（街道）" in result.output
    names = outputs(out)
    assert len([n for n in names if n.endswith(".docx")]) == 15
    assert len([n for n in names if n.endswith(".xlsx")]) == 16  # 14 + roll-up + summary
    assert f"{ROLLUP_STEM}.docx" in names
    assert SUMMARY_NAME in names
    assert "招远市金岭镇人民政府2022年度政府信息公开工作年度报告.docx" in names

    township_xlsx = [out / n for n in names if n.endswith(".xlsx") and n not in (SUMMARY_NAME, f"{ROLLUP_STEM}.xlsx")]
    totals: dict[tuple[str, str, str], Figure] = {}
    for path in township_xlsx:
        for key, value in figures_of(path).items():
            totals[key] = totals.get(key, 0) + value
    rollup = figures_of(out / f"{ROLLUP_STEM}.xlsx")
    assert rollup == totals
    assert any(rollup.values())
    rows = summary_rows(out)
    assert [r["乡镇（街道）"] for r in rows][:3] == ["泉山街道", "罗峰街道", "梦芝街道"]
    assert all(r["计入汇总"] == "是" for r in rows)
    with zipfile.ZipFile(out / f"{ROLLUP_STEM}.docx") as zf:
        body = zf.read("word/document.xml").decode("utf-8")
    assert "14个乡镇（街道）" in body
    # The roll-up names the organs in the workbook's order, whatever order the workers finished in.
    listed = [r["乡镇（街道）"] for r in rows]
    positions = [body.index(str(name)) for name in listed]
    assert positions == sorted(positions)


def test_broken_file_among_good_ones(tmp_path: Path) -> None:
    """One broken input: the good ones are written, the broken one is listed with its located message; exit 1."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(EXAMPLES / "zhaoyuan-jinling-2022.yaml", inputs / "金岭镇.yaml")
    shutil.copy(EXAMPLES / "zhaoyuan-natural-resources-2022.yaml", inputs / "自然资源局.yaml")
    broken = (EXAMPLES / "zhaoyuan-jinling-2022.yaml").read_text(encoding="utf-8")
    broken = broken.replace("licensing: 0", "licensing: 十二", 1)
    assert "十二" in broken
    (inputs / "坏文件.yaml").write_text(broken, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["bulk", str(inputs), "-o", str(out), "-j", "2"])
    assert result.exit_code == 1, result.output
    assert "失败：坏文件" in result.output
    assert "$.table2.rows.licensing" in result.output
    names = outputs(out)
    assert {f"{JINLING}.docx", f"{JINLING}.xlsx", f"{RESOURCES}.docx", f"{RESOURCES}.xlsx"} <= set(names)
    assert not any(n.startswith("坏文件") for n in names)
    rows = {r["乡镇（街道）"]: r for r in summary_rows(out)}
    assert rows["坏文件"]["状态"] == Status.FAILED
    assert rows["坏文件"]["计入汇总"] == "否（失败：未能读取或生成）"
    assert "$.table2.rows.licensing" in str(rows["坏文件"]["主要问题"])
    assert rows["金岭镇"]["状态"] in (Status.OK, Status.WARNINGS)
    excluded = openpyxl.load_workbook(out / SUMMARY_NAME)["未计入汇总"]
    assert [r[0] for r in excluded.iter_rows(min_row=2, values_only=True)] == ["坏文件"]


def test_hostile_names_stay_inside_and_never_collide(tmp_path: Path) -> None:
    """Organ names with ``../``, ``/``, reserved device names or duplicates give distinct files inside OUTDIR."""
    rows = [CountyRow(name=n, organ=n) for n in ("../x", "a/b", "CON", "同名", "同名", "summary", "..")]
    county = write_county_form(tmp_path / "hostile.xlsx", rows, year=2022, county="招远市")
    out = tmp_path / "deep" / "out"
    result = bulk(county, out, jobs=1)
    assert not result.failed
    written = [p for o in result.outcomes for p in o.outputs]
    assert len(written) == 2 * len(rows)
    assert len({p.name.casefold() for p in written}) == len(written)
    for p in written:
        assert p.parent == out
        assert p.is_file()
    assert sorted(p.name for p in tmp_path.rglob("*.docx")) == sorted(
        [p.name for p in written if p.suffix == ".docx"] + [f"{ROLLUP_STEM}.docx"]
    )
    # Folder mode names by organ too: hostile organ names in input files stay inside, distinct on Windows too.
    inputs = tmp_path / "in"
    inputs.mkdir()
    jinling = load(EXAMPLES / "zhaoyuan-jinling-2022.yaml")
    for i, organ in enumerate(("CON", "con", "../../逃逸", "a\\b/c")):
        dump(jinling.evolve(organ=attrs.evolve(jinling.organ, name=organ)), inputs / f"{i}.yaml")
    folder = bulk(inputs, tmp_path / "out2", jobs=2)
    assert not folder.failed
    stems = [p.stem for o in folder.outcomes for p in o.outputs if p.suffix == ".docx"]
    assert stems == ["CON2022年度政府信息公开工作年度报告", "con2022年度政府信息公开工作年度报告-2",
                     "_.._逃逸2022年度政府信息公开工作年度报告", "a_b_c2022年度政府信息公开工作年度报告"]
    assert all(p.parent == tmp_path / "out2" and p.is_file() for o in folder.outcomes for p in o.outputs)
    assert not list(tmp_path.glob("逃逸*"))
    assert not list((tmp_path / "out2").glob(".*.part"))


def _two_reports(tmp_path: Path) -> Path:
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(EXAMPLES / "zhaoyuan-jinling-2022.yaml", inputs / "a.yaml")
    shutil.copy(EXAMPLES / "zhaoyuan-natural-resources-2022.yaml", inputs / "b.yaml")
    return inputs


def test_rerun_skips_unchanged_and_force_redoes(tmp_path: Path) -> None:
    """A second run skips unchanged townships; a changed input or a deleted output is redone; --force redoes all."""
    inputs = _two_reports(tmp_path)
    out = tmp_path / "out"
    first = bulk(inputs, out, jobs=1)
    assert not first.skipped
    second = bulk(inputs, out, jobs=1)
    assert len(second.skipped) == 2
    assert [o.status for o in second.outcomes] == [o.status for o in first.outcomes]
    assert figures_of(next(p for p in second.rollup_outputs if p.suffix == ".xlsx")) == figures_of(
        next(p for p in first.rollup_outputs if p.suffix == ".xlsx"))

    text = (inputs / "a.yaml").read_text(encoding="utf-8").replace("licensing: 0", "licensing: 3", 1)
    (inputs / "a.yaml").write_text(text, encoding="utf-8")
    (out / f"{RESOURCES}.docx").unlink()
    third = bulk(inputs, out, jobs=1)
    assert [o.skipped for o in third.outcomes] == [False, False]
    assert figures_of(out / f"{JINLING}.xlsx")[("table2", "licensing", "decisions")] == 3
    assert len(bulk(inputs, out, jobs=1).skipped) == 2
    result = CliRunner().invoke(app, ["bulk", str(inputs), "-o", str(out), "-j", "1", "--force"])
    assert result.exit_code == 0, result.output
    assert "跳过" not in result.output


def test_unusable_county_workbook_stops_the_run(tmp_path: Path) -> None:
    """A county workbook without a year cannot be read at all: InputError, CLI exit status 2 with the cell."""
    county = write_county_form(tmp_path / "c.xlsx", ["金岭镇"])
    with pytest.raises(InputError) as info:
        bulk(county, tmp_path / "out", jobs=1)
    assert info.value.code == "IN-YEAR"
    result = CliRunner().invoke(app, ["bulk", str(county), "-o", str(tmp_path / "out"), "-j", "1"])
    assert result.exit_code == 2
    assert "基本信息!B2" in result.output


def test_check_only_writes_only_the_summary(tmp_path: Path) -> None:
    """--check-only checks every township and writes summary.xlsx, nothing else."""
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["bulk", str(EXAMPLE), "-o", str(out), "--check-only", "-j", "1"])
    assert result.exit_code == 0, result.output
    assert outputs(out) == [SUMMARY_NAME]
    assert len(summary_rows(out)) == 14


def test_api_iterables_errors_and_progress(tmp_path: Path, busy_report: Report) -> None:
    """The API takes reports and (name, InputError) pairs; errors are excluded from the roll-up; progress is called."""
    bad = InputError("坏了", code="IN-TEST")
    calls: list[tuple[int, int | None]] = []
    result = bulk([busy_report, ("坏乡镇", bad), busy_report], tmp_path, jobs=1,
                  progress=lambda done, total, outcome: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert [o.status for o in result.outcomes][1] == Status.FAILED
    assert result.exit_code == 1
    assert [o.in_rollup for o in result.outcomes] == [True, False, True]
    assert result.rollup is not None
    t3: Table = result.rollup.table3
    assert t3.value("new_received", "total") == 2 * busy_report.table3.value("new_received", "total")
    assert result.rollup.table2.value("administrative_fees", "amount") == Decimal("380.914758")
    assert len({p.name for o in result.outcomes for p in o.outputs}) == 4  # the duplicate got "-2"


def test_dask_local_cluster_gives_the_same_outputs(tmp_path: Path) -> None:
    """Running on a dask.distributed LocalCluster writes the same files with the same figures."""
    distributed = pytest.importorskip("distributed")
    local = bulk(EXAMPLE, tmp_path / "local", jobs=1)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = bulk(EXAMPLE, tmp_path / "dask", executor=client.get_executor())
        address = cluster.scheduler_address
        cli = CliRunner().invoke(app, ["bulk", str(EXAMPLE), "-o", str(tmp_path / "cli"), "--scheduler", address])
    assert cli.exit_code == 0, cli.output
    assert outputs(tmp_path / "local") == outputs(tmp_path / "dask") == outputs(tmp_path / "cli")
    assert [o.status for o in local.outcomes] == [o.status for o in remote.outcomes]
    for name in outputs(tmp_path / "local"):
        if name.endswith(".xlsx") and name != SUMMARY_NAME:
            assert figures_of(tmp_path / "local" / name) == figures_of(tmp_path / "dask" / name)


def test_missing_dask_gives_a_chinese_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--scheduler without dask installed: a clear Chinese message naming the extra, exit status 2."""
    monkeypatch.setitem(sys.modules, "distributed", None)  # what an environment without dask looks like
    result = CliRunner().invoke(app, ["bulk", str(EXAMPLE), "-o", str(tmp_path), "--scheduler", "tcp://x:1"])
    assert result.exit_code == 2
    assert "reportgen[dask]" in result.output
    assert "需要安装" in result.output


def _alive_docx(outdir: Path) -> list[Path]:
    return list(outdir.glob("*.docx"))


def test_kill_leaves_no_partial_files_no_workers_and_rerun_completes(tmp_path: Path) -> None:
    """SIGKILL of the main process mid-run: its pool workers exit within seconds; every file present is complete;
    a re-run removes leftovers and finishes every township."""
    psutil = pytest.importorskip("psutil")
    n = 150
    county = write_county_form(tmp_path / "big.xlsx", [f"第{i:03d}镇" for i in range(n)], year=2022, county="某县")
    out = tmp_path / "out"
    cmd = [sys.executable, "-c", "from reportgen.cli import main; main()", "bulk", str(county), "-o", str(out),
           "-j", "2"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not out.exists() or len(_alive_docx(out)) < 10):
            time.sleep(0.01)
        workers = psutil.Process(proc.pid).children(recursive=True)
        assert len(workers) >= 2
        os.kill(proc.pid, signal.SIGKILL)  # only the main process, as `kill -9 <pid>` or an OOM kill would
        proc.wait()
        _, alive = psutil.wait_procs(workers, timeout=5)
        assert not alive, f"workers survived their parent: {[p.pid for p in alive]}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # never leave anything behind, even when the test fails
        proc.wait()
    done_before = len(_alive_docx(out))
    assert 10 <= done_before < n, "the run should be killed in the middle"
    for path in [*out.glob("*.docx"), *out.glob("*.xlsx")]:
        with zipfile.ZipFile(path) as zf:  # a complete file: a readable zip with an intact central directory
            assert zf.testzip() is None
    result = bulk(county, out, jobs=2)
    assert not list(out.glob(".*.part"))
    assert not result.failed
    assert len(_alive_docx(out)) == n + 1  # + the roll-up
    assert len(result.skipped) >= done_before - 2 * 2 * 4  # at most the jobs in flight at the kill are redone
    for path in out.glob("*.docx"):
        with zipfile.ZipFile(path) as zf:
            assert zf.testzip() is None


def test_torn_manifest_line_and_stale_parts(tmp_path: Path) -> None:
    """A torn last manifest line is ignored (and compacted away); stale .part files are removed at the start."""
    inputs = _two_reports(tmp_path)
    out = tmp_path / "out"
    bulk(inputs, out, jobs=1)
    manifest = out / MANIFEST_NAME
    with manifest.open("a", encoding="utf-8") as fh:
        fh.write('{"v":2,"id":"file:a","stem":"a","key":"tor')
    (out / ".a.docx.abc123.part").write_bytes(b"half")
    result = bulk(inputs, out, jobs=1)
    assert len(result.skipped) == 2
    assert not (out / ".a.docx.abc123.part").exists()
    assert all(line.endswith("}") for line in manifest.read_text(encoding="utf-8").splitlines())


def test_bounded_map_limits_in_flight_and_collects_errors() -> None:
    """bounded_map never holds more than max_in_flight tasks, reads items lazily and returns errors as outcomes."""
    consumed = 0
    running = 0
    peak = 0
    lock = threading.Lock()

    def items() -> Iterator[int]:
        nonlocal consumed
        for i in range(40):
            consumed += 1
            yield i

    def work(i: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.002)
        with lock:
            running -= 1
        if i == 7:
            raise ValueError("seven")
        return i * i

    seen = []
    with cf.ThreadPoolExecutor(8) as pool:
        gen = bounded_map(work, items(), pool, max_in_flight=3)
        first = next(gen)
        assert consumed <= 4
        seen.append(first)
        seen.extend(gen)
    assert peak <= 3
    assert sorted(c.item for c in seen) == list(range(40))
    (failed,) = [c for c in seen if not c.ok]
    assert failed.item == 7
    assert isinstance(failed.error, ValueError)
    assert all(c.result == c.item * c.item for c in seen if c.ok)


def test_mixed_folder_yaml_json_and_xlsx_form(tmp_path: Path, busy_report: Report) -> None:
    """A folder mixing YAML, JSON and a filled .xlsx workbook: each is loaded and rendered with its figures."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    dump(busy_report, inputs / "局.json")
    render_xlsx(busy_report, inputs / "表格.xlsx")
    shutil.copy(EXAMPLES / "zhaoyuan-jinling-2022.yaml", inputs / "金岭镇.yaml")
    result = bulk(inputs, tmp_path / "out", jobs=2)
    assert [o.name for o in result.outcomes] == ["局", "表格", "金岭镇"]
    assert not result.failed
    stem = output_stem(busy_report)
    for name in (stem, f"{stem}-2"):
        assert figures_of(tmp_path / "out" / f"{name}.xlsx")[("table3", "granted", "natural_person")] == 6
    # The same organ and year twice (局.json, 表格.xlsx): the second is a duplicate, left out of the roll-up.
    assert [o.in_rollup for o in result.outcomes] == [True, False, True]
    assert result.outcomes[1].findings[0].code == "BULK-DUPLICATE"
    assert result.rollup is not None
    assert result.rollup.table3.value("granted", "natural_person") == 6


def test_rollup_sums_one_year_and_each_organ_once(tmp_path: Path) -> None:
    """A folder mixing years and the same organ as .yaml and .json: the roll-up sums the most common year only,
    each organ once (the later copy is 有错误 BULK-DUPLICATE naming both files), names organs, and summary.xlsx
    and the CLI say what was left out and why; files are named by organ and year, deterministically."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    jinling = load(EXAMPLES / "zhaoyuan-jinling-2022.yaml")
    resources = load(EXAMPLES / "zhaoyuan-natural-resources-2022.yaml")
    dump(jinling, inputs / "a.yaml")
    dump(resources, inputs / "b.yaml")
    dump(jinling.evolve(year=2023), inputs / "c.yaml")
    dump(jinling.evolve(organ=attrs.evolve(jinling.organ, name="招远市辛庄镇人民政府")), inputs / "d.yaml")
    dump(resources, inputs / "h0.json")
    out = tmp_path / "out"
    template = shutil.copy(default_template_path(FormatVersion.V2021), tmp_path / "t.docx")  # fixed for the re-run
    result = CliRunner().invoke(app, ["bulk", str(inputs), "-o", str(out), "-j", "2", "-t", str(template)])
    assert result.exit_code == 1, result.output  # the duplicate is an error
    assert "未计入县级汇总 2 个：重复 1，年度不同 1" in result.output
    rows = {r["乡镇（街道）"]: r for r in summary_rows(out)}
    assert [rows[n]["计入汇总"] for n in ("a", "b", "d")] == ["是", "是", "是"]
    assert str(rows["c"]["计入汇总"]).startswith("否（年度不同：2023年度，汇总的是2022年度")
    assert str(rows["h0"]["计入汇总"]).startswith("否（重复：")
    assert rows["h0"]["状态"] == Status.ERRORS
    assert "BULK-DUPLICATE" in str(rows["h0"]["主要问题"])
    assert "b.yaml" in str(rows["h0"]["主要问题"])
    assert "h0.json" in str(rows["h0"]["主要问题"])
    # Named by organ and year like `reportgen render`; the copy listed later gets "-2", whatever finished first.
    assert rows["b"]["输出文件"] == f"{RESOURCES}.docx\n{RESOURCES}.xlsx"
    assert rows["h0"]["输出文件"] == f"{RESOURCES}-2.docx\n{RESOURCES}-2.xlsx"
    assert str(rows["c"]["输出文件"]).startswith("招远市金岭镇人民政府2023年度")
    rollup_xlsx = out / "招远市机关汇总2022年度政府信息公开工作年度报告.xlsx"
    summed, jinling_figures, resources_figures = (
        figures_of(p) for p in (rollup_xlsx, out / f"{JINLING}.xlsx", out / f"{RESOURCES}.xlsx"))
    assert summed == {k: jinling_figures[k] * 2 + resources_figures[k] for k in summed}
    with zipfile.ZipFile(rollup_xlsx.with_suffix(".docx")) as zf:
        body = zf.read("word/document.xml").decode("utf-8")
    assert "3个机关2022年度" in body
    assert "汇总范围：招远市金岭镇人民政府、招远市自然资源和规划局、招远市辛庄镇人民政府。" in body
    assert "另有2个报告未计入本汇总（重复的1个，年度不同的1个）" in body
    again = bulk(inputs, out, jobs=2, template=template)  # a re-run: all skipped, same names, same decisions
    assert len(again.skipped) == 5
    assert [o.stem for o in again.outcomes] == [str(r["输出文件"]).split(".docx")[0] for r in rows.values()]
    assert [o.in_rollup for o in again.outcomes] == [True, True, False, True, False]


def test_county_workbook_with_a_township_twice(tmp_path: Path) -> None:
    """泉山街道 on two rows of the county workbook: the second row is 有错误 (BULK-DUPLICATE, naming both rows) and
    is not summed; the roll-up counts each organ once."""
    rows = [CountyRow(name="泉山街道", figures={("table2", "licensing", "decisions"): 5}),
            CountyRow(name="罗峰街道", figures={("table2", "licensing", "decisions"): 1}),
            CountyRow(name="泉山街道", figures={("table2", "licensing", "decisions"): 7})]
    county = write_county_form(tmp_path / "c.xlsx", rows, year=2022, county="招远市")
    result = bulk(county, tmp_path / "out", jobs=2)
    assert [o.status for o in result.outcomes][2] == Status.ERRORS
    (dup,) = [f for f in result.outcomes[2].findings if f.code == "BULK-DUPLICATE"]
    assert "c.xlsx 数据!4:4" in dup.message  # one spelling of a county row: the sheet row
    assert "c.xlsx 数据!6:6" in dup.message
    assert [o.in_rollup for o in result.outcomes] == [True, True, False]
    assert result.rollup is not None
    assert result.rollup.table2.value("licensing", "decisions") == 6
    assert "2个乡镇（街道）" in result.rollup.overview.intro[0]
    assert result.exit_code == 1


def test_typed_status_and_note_and_a_readable_manifest(tmp_path: Path, busy_report: Report) -> None:
    """Status is a StrEnum equal to its Chinese text (reportgen.Status keeps its members); the roll-up note is a
    typed RollupNote; the manifest stores the status as its text and figures as [table, row, column, value],
    from which a re-run (everything skipped) sums the same roll-up."""
    assert reportgen.Status.OK is Status.OK
    assert str(Status.OK) == "通过"
    assert Status("有错误") is Status.ERRORS
    assert [s.label for s in Status] == ["通过", "有警告", "有错误", "失败", "无法读取"]
    other_year = busy_report.evolve(year=busy_report.year + 1)
    inputs: list[BulkInput] = [busy_report, ("坏乡镇", InputError("坏了", code="IN-TEST")), busy_report, other_year]
    out = tmp_path / "out"
    first = bulk(inputs, out, jobs=1)
    notes = [o.rollup_note for o in first.outcomes]
    assert notes[0] is None
    assert notes[1] == RollupNote(Exclusion.FAILED, "未能读取或生成")
    assert notes[3] is not None
    assert notes[3].reason is Exclusion.OTHER_YEAR
    assert str(notes[3]).startswith("年度不同：")
    assert first.excluded() == {"失败": 1, "年度不同": 1}
    records = [json.loads(line) for line in (out / MANIFEST_NAME).read_text(encoding="utf-8").splitlines()]
    assert {r["status"] for r in records} <= {s.label for s in Status}
    figure = next(f for f in records[0]["figures"] if f[:3] == ["table3", "new_received", "natural_person"])
    assert figure[3] == str(busy_report.table3.value("new_received", "natural_person"))
    again = bulk(inputs, out, jobs=1)
    assert len(again.skipped) == 3
    assert again.rollup == first.rollup
    assert [o.rollup_note for o in again.outcomes] == notes


def test_progress_total_grows_when_a_folder_holds_a_county_workbook(tmp_path: Path, busy_report: Report) -> None:
    """A folder counts one township per file without opening any; the county workbook among them adds its rows
    when it is reached, so the total the progress bar is given ends at the true count and never falls below done."""
    folder = tmp_path / "in"
    folder.mkdir()
    dump(busy_report, folder / "a.yaml")
    shutil.copy(EXAMPLE, folder / "b-county.xlsx")
    dump(busy_report.evolve(organ=attrs.evolve(busy_report.organ, name="另一个镇人民政府")), folder / "c.yaml")
    calls: list[tuple[int, int | None]] = []
    result = bulk(folder, tmp_path / "out", jobs=1, check_only=True,
                  progress=lambda done, total, outcome: calls.append((done, total)))
    assert len(result.outcomes) == 16
    assert estimate_total(folder, None) == 3  # at the start: one per file, none opened
    assert calls[-1] == (16, 16)
    totals = [total for _, total in calls if total is not None]
    assert len(totals) == len(calls)
    assert all(total >= done for (done, _), total in zip(calls, totals, strict=True))
    assert totals == sorted(totals)
