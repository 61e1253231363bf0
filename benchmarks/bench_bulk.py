"""Bulk generation: ``reportgen.bulk`` on N synthetic townships vs the plain docxtpl + openpyxl loop.

Usage (from the repository root)::

    python -m benchmarks.bench_bulk                  # N = 1,000 townships, all cores
    python -m benchmarks.bench_bulk --n 38602        # every township-level division of China
    python -m benchmarks.bench_bulk --memory-check   # peak memory for N = 100 and N = 10,000

Both sides write, for every township, the Word report and the Excel workbook of the same synthetic
reports (consistent figures, prose with real-looking length) into a temporary folder:

* reportgen: ``bulk(reports, outdir)`` — process pool on all cores, check, .docx and .xlsx per
  township, summary.xlsx, county roll-up, manifest;
* plain loop: per township ``DocxTemplate(template)`` + ``render(context, autoescape=True)`` + ``save``
  and a styled openpyxl workbook built cell by cell (``reportgen.formats.excel.write.openpyxl_workbook``) + ``save``,
  one process.  The plain loop runs on a sample (``--plain-sample``, default 100) and is extrapolated
  per township; the output says so.

Peak memory is the largest sum of the resident set sizes of this process and its worker processes,
sampled every 50 ms with psutil (forked workers share pages, so the sum over-counts equally for
every N).  ``--memory-check`` runs N = 100 and N = 10,000 each in a fresh process and prints the ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import psutil
from docxtpl import DocxTemplate

from reportgen.domain.checks import check
from reportgen.domain.layout import get_layout
from reportgen.domain.model import Figure, Organ, OrganKind, OtherItem, Overview, Report, Subsection, Table
from reportgen.formats.excel.write import openpyxl_workbook
from reportgen.formats.word.render import build_context, default_template_path
from reportgen.pipelines.bulk import bulk
from reportgen.pipelines.parallel import default_jobs

_SENTENCE = "本镇认真贯彻落实《中华人民共和国政府信息公开条例》，持续完善主动公开目录，及时更新重点领域信息。"


def synthetic(i: int, rng: random.Random) -> Report:
    """A consistent township report with a few non-zero figures and about a page of prose."""
    layout = get_layout()
    t3 = layout.table("table3")
    results = [r.key for r in t3.rows if r.path and not r.computed]
    f3: dict[tuple[str, str], Figure] = {}
    for col in ("natural_person", "commercial"):
        done = 0
        for row in rng.sample(results, k=2):
            n = rng.randint(0, 3)
            f3[(row, col)] = n
            done += n
        f3[("new_received", col)] = done
    f2: dict[tuple[str, str], Figure] = {
        ("licensing", "decisions"): rng.randint(0, 80),
        ("punishment", "decisions"): rng.randint(0, 10),
        ("administrative_fees", "amount"): Decimal(rng.randint(0, 9999)) / 100,
    }
    name = f"某县第{i:05d}镇"
    paragraphs = (_SENTENCE * 3,)
    return Report(
        organ=Organ(name=f"{name}人民政府", kind=OrganKind.TOWNSHIP, province="某省", city="某市", county="某县"),
        year=2022,
        overview=Overview(
            intro=paragraphs,
            active_disclosure=Subsection(paragraphs=paragraphs),
            information_management=Subsection(paragraphs=paragraphs),
            platform=Subsection(paragraphs=paragraphs),
            supervision=Subsection(paragraphs=paragraphs),
        ),
        table2=Table.from_figures("table2", f2),
        table3=Table.from_figures("table3", f3),
        table4=Table.from_figures("table4", {("review", "upheld"): rng.choice((0, 0, 1))}),
        problems=(_SENTENCE * 2, _SENTENCE),
        other_matters=(OtherItem(key="processing_fee", title="收取信息处理费情况"),),
    )


def townships(n: int, seed: int = 38602) -> Iterator[Report]:
    """``n`` synthetic township reports, generated lazily."""
    rng = random.Random(seed)
    for i in range(n):
        yield synthetic(i, rng)


class PeakMemory:
    """Samples the RSS of this process plus its children every 50 ms in a background thread."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        me = psutil.Process()
        total = me.memory_info().rss
        for child in me.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return int(total)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(0.05)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())


def run_bulk(n: int, jobs: int | None, out: Path | None = None) -> dict[str, float]:
    """Time ``bulk`` on ``n`` synthetic townships into ``out`` (default: a temporary folder, deleted after);
    return the figures as a dict."""
    with contextlib.ExitStack() as stack:
        if out is None:
            out = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-bulk-")))
        memory = PeakMemory()
        start = time.perf_counter()
        with memory:
            result = bulk(townships(n), out, jobs=jobs)
        elapsed = time.perf_counter() - start
        written = sum(len(o.outputs) for o in result.outcomes)
        assert written == 2 * n, f"expected {2 * n} files, got {written}"
        assert not result.failed
    return {"n": n, "seconds": elapsed, "peak_mb": memory.peak / 2**20}


def run_plain(sample: int) -> float:
    """Milliseconds per township for the plain docxtpl + openpyxl loop (one process)."""
    template = str(default_template_path())
    reports = list(townships(sample, seed=7))
    with tempfile.TemporaryDirectory(prefix="bench-plain-") as tmp:
        out = Path(tmp)
        start = time.perf_counter()
        for i, report in enumerate(reports):
            doc = DocxTemplate(template)
            doc.render(build_context(report), autoescape=True)
            doc.save(str(out / f"{i}.docx"))
            openpyxl_workbook(report, check(report)).save(out / f"{i}.xlsx")
        return (time.perf_counter() - start) / sample * 1000


def _child(n: int, jobs: int | None) -> dict[str, float]:
    cmd = [sys.executable, "-m", "benchmarks.bench_bulk", "--n", str(n), "--json"]
    if jobs:
        cmd += ["-j", str(jobs)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    """Run the benchmark and print townships/s, ms/township, peak memory and the ratio to the plain loop."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=1000, help="synthetic townships (default 1000; 38602 = China)")
    parser.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: all cores)")
    parser.add_argument("--plain-sample", type=int, default=100, help="townships for the plain loop (default 100)")
    parser.add_argument("--memory-check", action="store_true", help="peak memory for N=100 and N=10,000")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None,
                        help="write the outputs into this folder and keep them (default: a temporary folder)")
    args = parser.parse_args()

    if args.json:
        print(json.dumps(run_bulk(args.n, args.jobs, args.out)))
        return
    if args.memory_check:
        small = _child(100, args.jobs)
        large = _child(10_000, args.jobs)
        ratio = large["peak_mb"] / small["peak_mb"]
        print(f"peak memory, N=100:    {small['peak_mb']:8.1f} MB (main + workers, RSS sum)")
        print(f"peak memory, N=10,000: {large['peak_mb']:8.1f} MB")
        print(f"ratio 10,000 / 100:    {ratio:8.3f}  (target ≤ 1.10)")
        return

    jobs = args.jobs or default_jobs()
    print(f"reportgen bulk: N = {args.n:,} synthetic townships, {jobs} worker processes, "
          f"{psutil.cpu_count()} CPUs")
    figures = run_bulk(args.n, args.jobs)
    per = figures["seconds"] / args.n * 1000
    print(f"  total                 {figures['seconds']:10.1f} s")
    print(f"  townships per second  {args.n / figures['seconds']:10.1f}")
    print(f"  per township          {per:10.2f} ms  (.docx + .xlsx + checks, wall clock)")
    print(f"  peak memory           {figures['peak_mb']:10.1f} MB  (main + workers, RSS sum)")
    plain = run_plain(args.plain_sample)
    print(f"plain loop (docxtpl + styled openpyxl, 1 process), measured on {args.plain_sample} townships "
          "and extrapolated per township:")
    print(f"  per township          {plain:10.2f} ms")
    print(f"  {args.n:,} townships      {plain * args.n / 1000:10.1f} s  (extrapolated)")
    print(f"ratio plain / reportgen {plain / per:10.1f}×")


if __name__ == "__main__":
    main()
