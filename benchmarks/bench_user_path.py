"""The user's path: ``reportgen bulk`` through the CLI from files, side by side with the plain way.

Usage (from the repository root)::

    python -m benchmarks.bench_user_path                    # N = 1,000: YAML folder, form folder, county workbook
    python -m benchmarks.bench_user_path --big              # also N = 38,602 (county workbook and YAML folder)
    python -m benchmarks.bench_user_path --kinds county --n 5000 --runs 3
    python -m benchmarks.bench_user_path --pdf 20           # + `bulk --pdf` on 20 townships

The inputs are the synthetic townships of :mod:`benchmarks.bench_bulk` (consistent figures, about a page of
prose), written once into a cache folder (``--cache``) as

* a folder of YAML files (``reportgen.dumps``, ~12 KB each like the example),
* a folder of filled forms (the companion .xlsx reportgen renders is a valid form),
* a county workbook (``write_county_form`` with every township's figures and the prose as shared text).

For each, in one run of this script:

* **reportgen**: ``reportgen bulk INPUT -o OUT --force -j JOBS`` as a subprocess (through
  ``benchmarks._cli_rusage``, which is the CLI plus a record of its CPU at exit): wall time,
  townships/s, total CPU (user + system of the CLI and of its workers — ``RUSAGE_CHILDREN`` of this
  script), the main process's share of it, and peak memory (RSS of the CLI + its workers, psutil
  sampling every 50 ms; forked workers share pages, so the sum over-counts alike for every N);
* **in memory**: ``bulk(reports, OUT)`` on the same reports (``python -m benchmarks.bench_bulk --json``
  as a subprocess, CPU from ``RUSAGE_CHILDREN``) — the rate the folder path is compared with;
* **plain way**: one process, per township: parse the file with the library (``yaml.load`` CSafeLoader;
  openpyxl ``load_workbook(read_only=True)`` over every cell of a form; one streamed pass over the county
  workbook's rows), then ``DocxTemplate(template).render(context, autoescape=True).save`` and a styled
  openpyxl workbook ``save`` (the plain helpers of bench_bulk/bench_docx).  Mapping the parsed values to
  the template's context is not timed (the context comes from the same report): the plain numbers are a
  floor for a hand-written script.  Run on ``--plain-sample`` townships and given per township.

The runs go in rounds (``--runs``, default 3): each round runs in memory and every kind once, the order turning
by one each round, so a slow spell of the machine falls on all of them alike.  Every figure is the median of the
rounds; the ratio to in memory is given both as the ratio of the medians and as the median of each round's own
ratio (a kind against the in-memory run of its round), which the drift between rounds does not move.  Each run is
printed with the load average before it and the share of the machine's time its hypervisor gave other guests
during it (steal, from ``/proc/stat``); the machine is shared, so read the numbers beside them.  The plain way's CPU per township, a fixed workload, shows how fast
the machine was in that hour: compare CPU times of different hours through the ratio to it.

Every run writes into a new folder under ``--out-root``, and no output is deleted before the last run: on a
journal-less ext4 a mass deletion slows file creation for minutes (``benchmarks/_disk.py``).  Each run also prints
what creating one file in that folder cost just before it started (0.02 ms on a settled disk).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import yaml
from docxtpl import DocxTemplate
from openpyxl import load_workbook

from benchmarks._disk import Scratch
from benchmarks.bench_bulk import townships
from reportgen.domain.checks import check
from reportgen.domain.model import Report
from reportgen.formats.excel.county import CountyRow, write_county_form
from reportgen.formats.excel.write import openpyxl_workbook, workbook_bytes
from reportgen.formats.inputs.mapping import dumps
from reportgen.formats.word.render import build_context, default_template_path
from reportgen.pipelines.parallel import default_jobs

KINDS = ("yaml", "forms", "county")
BIG = 38_602
ROOT = Path(__file__).resolve().parents[1]


def load_average() -> str:
    """The 1/5/15-minute load average, as text."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def cpu_times() -> list[int] | None:
    """The machine's CPU time counters (``/proc/stat``: user … steal), or ``None`` where there is no such file."""
    try:
        with open("/proc/stat") as stat:
            return [int(v) for v in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None


def steal_share(before: list[int] | None, after: list[int] | None) -> float | None:
    """The share of the machine's time taken by its hypervisor for other guests between two readings (steal):
    on a shared VM it makes CPU times themselves vary, not only wall times."""
    if before is None or after is None:
        return None
    spent = [b - a for a, b in zip(before, after, strict=True)]
    return spent[7] / sum(spent) if sum(spent) else None


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# ------------------------------------------------------------------------------------------ the inputs

def _county_row(report: Report) -> CountyRow:
    figures = {(t.key, row, col): value for t in report.tables() for (row, col), value in t.figures.items()
               if value and not t.layout.row(row).computed}
    return CountyRow(name=report.organ.name.removesuffix("人民政府"), organ=report.organ.name, kind=report.organ.kind,
                     processing_fee=report.processing_fee, figures=figures)


def inputs(kind: str, n: int, cache: Path) -> Path:
    """The input of ``kind`` for ``n`` townships, made once into ``cache``."""
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / (f"county-{n}.xlsx" if kind == "county" else f"{kind}-{n}")
    done = cache / f".{target.name}.done"
    if done.exists():
        return target
    start = time.perf_counter()
    if kind == "county":
        reports = list(townships(n))
        first = reports[0]
        shared = {
            "overview.intro": "\n".join(first.overview.intro),
            "overview.active_disclosure": "\n".join(first.overview.active_disclosure.paragraphs or ()),
            "overview.information_management": "\n".join(first.overview.information_management.paragraphs or ()),
            "overview.platform": "\n".join(first.overview.platform.paragraphs or ()),
            "overview.supervision": "\n".join(first.overview.supervision.paragraphs or ()),
            "problems": "\n".join(first.problems),
        }
        write_county_form(target, [_county_row(r) for r in reports], year=2022, province="某省", city="某市",
                          county="某县", shared_text=shared)
    else:
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        for i, report in enumerate(townships(n)):
            if kind == "yaml":
                (target / f"{i:05d}.yaml").write_text(dumps(report), encoding="utf-8")
            else:
                (target / f"{i:05d}.xlsx").write_bytes(workbook_bytes(report))
    done.touch()
    print(f"  (made {target.name} in {time.perf_counter() - start:.0f} s)", flush=True)
    return target


# ------------------------------------------------------------------------------------------ measuring

class _Peak:
    """Peak RSS of a process and of its children (and of the process alone), sampled every 50 ms."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self.main_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(self.pid)
            while not self._stop.is_set():
                with contextlib.suppress(psutil.Error):
                    main = proc.memory_info().rss
                    total = main
                    for child in proc.children(recursive=True):
                        with contextlib.suppress(psutil.Error):
                            total += child.memory_info().rss
                    self.peak = max(self.peak, total)
                    self.main_peak = max(self.main_peak, main)
                self._stop.wait(0.05)

    def __enter__(self) -> _Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_cli(source: Path, n: int, jobs: int, scratch: Scratch, extra: tuple[str, ...] = ()) -> dict[str, float]:
    """One ``reportgen bulk`` run as a subprocess, into a new folder of ``scratch``; its wall time, CPU and peak
    memory."""
    tmp = scratch.folder("cli")
    out = tmp / "out"
    record = tmp / "rusage.json"
    command = [sys.executable, "-m", "benchmarks._cli_rusage", str(record), "bulk", str(source), "-o", str(out),
               "--force", "-j", str(jobs), *extra]
    cpu_before = _cpu_children()
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    with _Peak(proc.pid) as peak:
        _, err = proc.communicate()
    wall = time.perf_counter() - start
    cpu = _cpu_children() - cpu_before
    usage = json.loads(record.read_text())
    docx = sum(1 for p in out.iterdir() if p.suffix == ".docx")
    if docx != n + 1:  # every township + the roll-up
        raise SystemExit(f"expected {n + 1} .docx, got {docx} (exit {usage['rc']}): {err.decode()[-2000:]}")
    pdfs = sum(1 for p in out.iterdir() if p.suffix == ".pdf")
    return {"wall": wall, "cpu": cpu, "main_cpu": usage["main"], "peak_mb": peak.peak / 2**20,
            "main_peak_mb": peak.main_peak / 2**20, "pdfs": pdfs}


def run_memory(n: int, jobs: int, scratch: Scratch) -> dict[str, float]:
    """``bulk(reports)`` on the same synthetic reports, in memory (bench_bulk as a subprocess), into a new folder
    of ``scratch``."""
    before = _cpu_children()
    done = subprocess.run([sys.executable, "-m", "benchmarks.bench_bulk", "--n", str(n), "--json", "-j", str(jobs),
                           "--out", str(scratch.folder("memory"))], check=True, capture_output=True, text=True, cwd=ROOT)
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return {"wall": figures["seconds"], "cpu": _cpu_children() - before, "peak_mb": figures["peak_mb"]}


def _plain_parse(kind: str, source: Path, sample: int) -> Iterator[None]:
    if kind == "yaml":
        for path in sorted(source.iterdir())[:sample]:
            yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
            yield None
    elif kind == "forms":
        for path in sorted(source.iterdir())[:sample]:
            wb = load_workbook(path, read_only=True, data_only=True)
            for ws in wb.worksheets:
                for _ in ws.iter_rows(values_only=True):
                    pass
            wb.close()
            yield None
    else:
        wb = load_workbook(source, read_only=True, data_only=True)
        rows = wb["数据"].iter_rows(min_row=4, values_only=True)
        for _, _row in zip(range(sample), rows, strict=False):
            yield None
        wb.close()


def run_plain(kind: str, source: Path, sample: int, scratch: Scratch) -> dict[str, float]:
    """The plain way on ``sample`` townships: ms of wall and CPU per township (one process)."""
    template = str(default_template_path())
    reports = list(townships(sample))
    out = scratch.folder("plain")
    start, cpu = time.perf_counter(), time.process_time()
    for i, (_, report) in enumerate(zip(_plain_parse(kind, source, sample), reports, strict=True)):
        doc = DocxTemplate(template)
        doc.render(build_context(report), autoescape=True)
        doc.save(str(out / f"{i}.docx"))
        openpyxl_workbook(report, check(report)).save(out / f"{i}.xlsx")
    return {"wall_ms": (time.perf_counter() - start) / sample * 1000,
            "cpu_ms": (time.process_time() - cpu) / sample * 1000}


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def _once(label: str, fn: Callable[[], dict[str, float]], scratch: Scratch) -> dict[str, float]:
    """One timed run of ``fn``, printed with the load, the hypervisor's steal and the output disk's state."""
    create = scratch.create_ms()  # the output disk's state (see benchmarks/_disk.py), before the load reading
    load = load_average()
    before = cpu_times()
    figures = fn()
    figures["load1"] = os.getloadavg()[0]
    figures["create_ms"] = create
    steal = steal_share(before, cpu_times())
    if steal is not None:
        figures["steal"] = steal
    print(f"    {label}: {figures['wall']:7.1f} s wall, {figures['cpu']:7.1f} s CPU  ({load}"
          + (f"; steal {steal:.1%}" if steal is not None else "") + f"; file creation {create:.3f} ms)", flush=True)
    return figures


def _repeat(label: str, runs: int, fn: Callable[[], dict[str, float]], scratch: Scratch) -> list[dict[str, float]]:
    return [_once(f"{label} run {i + 1}", fn, scratch) for i in range(runs)]


def _rounds(n: int, kinds: list[str], runs: int, jobs: int, cache: Path, memory: bool,
            scratch: Scratch) -> dict[str, list[dict[str, float]]]:
    """``runs`` rounds, each running in memory and every kind once (the order turning by one each round), so
    that a slow spell of the machine — CPU time itself drifts by a tenth between minutes here — falls on all of
    them alike and each kind can be compared with the in-memory run of its own round."""
    sources = {kind: inputs(kind, n, cache) for kind in kinds}
    labels = (["memory"] if memory else []) + kinds
    out: dict[str, list[dict[str, float]]] = {label: [] for label in labels}
    for r in range(runs):
        turn = r % len(labels)
        for label in labels[turn:] + labels[:turn]:
            if label == "memory":
                out[label].append(_once(f"in-memory bulk(reports) round {r + 1}",
                                        lambda: run_memory(n, jobs, scratch), scratch))
            else:
                source = sources[label]
                out[label].append(_once(f"reportgen bulk ({label}) round {r + 1}",
                                        lambda source=source: run_cli(source, n, jobs, scratch), scratch))  # type: ignore[misc]
    return out


def bench(kind: str, n: int, ours: list[dict[str, float]], cache: Path, plain_sample: int,
          memory: list[dict[str, float]] | None, scratch: Scratch) -> dict[str, object]:
    """The medians of one kind of input at one N (``ours``: its runs, ``memory``: the in-memory runs of the same
    rounds), beside the plain way; printed and returned."""
    source = inputs(kind, n, cache)
    wall, cpu, main = (_median(ours, k) for k in ("wall", "cpu", "main_cpu"))
    peak, main_peak = _median(ours, "peak_mb"), _median(ours, "main_peak_mb")
    mem_rate = ratio = None
    if memory:
        mem_rate = n / _median(memory, "wall")
        # Each run against the in-memory run of its own round: the drift between rounds cancels.
        ratio = statistics.median(o["wall"] / m["wall"] for o, m in zip(ours, memory, strict=True))
    plain = run_plain(kind, source, plain_sample, scratch)
    per_cpu = cpu / n * 1000
    print(f"  => {kind} N={n:,}: {wall:.1f} s, {n / wall:.0f} townships/s, CPU {per_cpu:.2f} ms/township "
          f"(main process {main / cpu:.0%} of it, {main / n * 1000:.2f} ms/township), peak {peak:.0f} MB "
          f"(main {main_peak:.0f} MB)"
          + (f"; in-memory rate {mem_rate:.0f}/s, folder/in-memory time ratio {mem_rate / (n / wall):.2f} "
             f"(median of the rounds' own ratios {ratio:.2f})" if mem_rate and ratio else "")
          + f"; plain way {plain['cpu_ms']:.1f} ms CPU/township = {plain['cpu_ms'] / per_cpu:.1f}× reportgen's CPU, "
          f"1 process: {plain['wall_ms'] * n / 1000:.0f} s for N (reportgen {wall:.0f} s)", flush=True)
    return {"kind": kind, "n": n, "wall": wall, "rate": n / wall, "cpu_ms": per_cpu, "main_share": main / cpu,
            "peak_mb": peak, "main_peak_mb": main_peak, "memory_rate": mem_rate, "round_ratio": ratio,
            "plain_cpu_ms": plain["cpu_ms"], "plain_wall_ms": plain["wall_ms"], "loads": [r["load1"] for r in ours],
            "walls": [r["wall"] for r in ours], "memory_walls": [m["wall"] for m in memory or ()]}


def bench_pdf(n: int, jobs: int, runs: int, cache: Path, scratch: Scratch) -> None:
    """``reportgen bulk --pdf`` on ``n`` townships (YAML folder): PDFs per second with warm LibreOffice."""
    source = inputs("yaml", n, cache)
    plain = _repeat("reportgen bulk", runs, lambda: run_cli(source, n, jobs, scratch), scratch)
    pdf = _repeat("reportgen bulk --pdf", runs, lambda: run_cli(source, n, jobs, scratch, ("--pdf",)), scratch)
    extra = _median(pdf, "wall") - _median(plain, "wall")
    print(f"  => bulk --pdf, N={n}: {_median(pdf, 'wall'):.1f} s ({n / _median(pdf, 'wall'):.2f} townships/s with PDF; "
          f"the PDFs add {extra:.1f} s = {n / max(extra, 1e-9):.2f} PDF/s over plain bulk {_median(plain, 'wall'):.1f} s), "
          f"CPU of the run {_median(pdf, 'cpu'):.1f} s (without LibreOffice's own: it runs in a session of its own)",
          flush=True)


def main() -> None:
    """Run the benchmark (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=1000, help="townships (default 1000)")
    parser.add_argument("--big", action="store_true", help=f"also N = {BIG:,} (county workbook and YAML folder)")
    parser.add_argument("--big-kinds", default="county,yaml", help="kinds run at the big N (default county,yaml)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="yaml,forms,county (default all)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the median is reported (default 3)")
    parser.add_argument("--big-runs", type=int, default=None, help="runs at the big N (default: --runs)")
    parser.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: all cores)")
    parser.add_argument("--plain-sample", type=int, default=50, help="townships for the plain way (default 50)")
    parser.add_argument("--pdf", type=int, default=0, metavar="N", help="also time bulk --pdf on N townships")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "reportgen-bench-user-path",
                        help="folder for the generated inputs (kept between runs)")
    parser.add_argument("--out-root", type=Path, default=None,
                        help="where the runs write their outputs (default: the temporary folder); kept until the end")
    parser.add_argument("--json", type=Path, default=None, help="write the medians to this file")
    parser.add_argument("--skip-memory", action="store_true",
                        help="do not run the in-memory bulk(reports) comparison (no ratio to the in-memory rate)")
    args = parser.parse_args()
    jobs = args.jobs or default_jobs()
    print(f"reportgen bulk from files: {jobs} worker processes, {psutil.cpu_count()} CPUs, {load_average()}", flush=True)
    results = []
    plan = [(args.n, [k for k in args.kinds.split(",") if k], args.runs)]
    if args.big:
        plan.append((BIG, [k for k in args.big_kinds.split(",") if k], args.big_runs or args.runs))
    # Every output stays until all runs are done (benchmarks/_disk.py: deleting 77,000 files slows the next
    # run's file creation for minutes on a journal-less ext4).
    with Scratch(args.out_root) as scratch:
        print(f"outputs under {scratch.root}, kept until the end; file creation there: {scratch.create_ms():.3f} ms",
              flush=True)
        for n, kinds, runs in plan:
            print(f"N = {n:,}: {runs} rounds of " + ", ".join(([] if args.skip_memory else ["in memory"]) + kinds),
                  flush=True)
            done = _rounds(n, kinds, runs, jobs, args.cache, not args.skip_memory, scratch)
            memory = done.get("memory")
            if memory:
                print(f"  => in memory: {_median(memory, 'wall'):.1f} s, {n / _median(memory, 'wall'):.0f} townships/s, "
                      f"CPU {_median(memory, 'cpu') / n * 1000:.2f} ms/township (incl. making the reports), "
                      f"peak {_median(memory, 'peak_mb'):.0f} MB", flush=True)
            for kind in kinds:
                results.append(bench(kind, n, done[kind], args.cache, args.plain_sample, memory, scratch))
        if args.pdf:
            print(f"bulk --pdf, N = {args.pdf}", flush=True)
            bench_pdf(args.pdf, jobs, args.runs, args.cache, scratch)
    by = {(r["kind"], r["n"]): r for r in results}
    for kind in KINDS:
        small, big = by.get((kind, args.n)), by.get((kind, BIG))
        if small and big:
            ratio = float(big["peak_mb"]) / float(small["peak_mb"])  # type: ignore[arg-type]
            print(f"peak memory {kind}: {BIG:,} / {args.n:,} = {ratio:.2f}  (target ≤ 1.2)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    print(f"done, {load_average()}")


if __name__ == "__main__":
    main()
