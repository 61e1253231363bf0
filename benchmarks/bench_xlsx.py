"""Excel workbook: plain openpyxl vs reportgen's prepared-template ``render_xlsx``.

Usage: ``python -m benchmarks.bench_xlsx [-n 200]``.  Both write the same N workbooks (same sheets,
labels, merges, borders, styles, print set-up, validation, protection, formulas and values) to
.xlsx files in a temporary folder, one after the other on one core:

* plain openpyxl: a new styled ``Workbook`` built cell by cell for each report
  (:func:`reportgen.xlsx.openpyxl_workbook`, styles declared once and reused), ``save(path)``;
  its formulas carry no cached values (openpyxl cannot write them);
* reportgen: ``render_xlsx(report, path)`` — the styled workbook was built once per process and
  format version; per report only value cells, formulas *with* cached results and the zip are written
  (atomically: temporary file + rename).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from reportgen.model import Report
from reportgen.xlsx import openpyxl_workbook, render_xlsx, workbook_bytes
from tests.strategies import reports


def _reports(n: int) -> list[Report]:
    out: list[Report] = []

    @settings(max_examples=n, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(reports())
    def collect(report: Report) -> None:
        if len(out) < n:
            out.append(report)

    collect()
    while len(out) < n:  # hypothesis may stop early; repeat what it gave
        out.append(out[len(out) % max(len(out), 1)])
    return out


def _time(label: str, n: int, run: Callable[[int], object]) -> float:
    run(0)  # warm-up (imports; reportgen's template is prepared here)
    samples: list[float] = []
    for _ in range(3):
        start = time.perf_counter()
        for i in range(n):
            run(i)
        samples.append((time.perf_counter() - start) / n * 1000)
    best = min(samples)
    print(f"{label:<44} {best:8.2f} ms/workbook  (median of 3 runs {statistics.median(samples):.2f})")
    return best


def main() -> None:
    """Time both ways over ``-n`` reports and print ms/workbook and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="number of reports (default 200)")
    args = parser.parse_args()
    items = _reports(args.n)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)

        def plain(i: int) -> None:
            openpyxl_workbook(items[i]).save(out / f"plain{i}.xlsx")

        def fast(i: int) -> None:
            render_xlsx(items[i], out / f"fast{i}.xlsx")

        def in_memory(i: int) -> None:
            workbook_bytes(items[i])

        start = time.perf_counter()
        workbook_bytes(items[0])
        print(f"reportgen template preparation (once per process and version): "
              f"{(time.perf_counter() - start) * 1000:.1f} ms")
        slow = _time("plain openpyxl (build + save per report)", args.n, plain)
        quick = _time("reportgen render_xlsx (file, atomic)", args.n, fast)
        _time("reportgen workbook_bytes (in memory)", args.n, in_memory)
    print(f"ratio plain openpyxl / reportgen: {slow / quick:.1f}× faster "
          f"(target: under 5 ms per workbook — {'met' if quick < 5 else 'NOT met'})")


if __name__ == "__main__":
    main()
