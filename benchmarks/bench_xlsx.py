"""Excel workbook: plain openpyxl vs reportgen's prepared-template ``render_xlsx``.

Usage: ``python -m benchmarks.bench_xlsx [-n 200]``.  Both write the same N workbooks (same sheets,
labels, merges, borders, styles, print set-up, validation, protection, formulas and values) to
.xlsx files in a temporary folder, one after the other on one core:

* plain openpyxl: a new styled ``Workbook`` built cell by cell for each report
  (:func:`reportgen.formats.excel.write.openpyxl_workbook`, styles declared once and reused), ``save(path)``;
  its formulas carry no cached values (openpyxl cannot write them);
* reportgen: ``render_xlsx(report, path)`` — the styled workbook was built once per process and
  format version; per report only value cells, formulas *with* cached results and the zip are written
  (atomically: temporary file + rename).

Then the CPU time (``time.process_time``, median of 3 runs, with the load average) of ``workbook_bytes`` with
the check findings for the bulk benchmark's synthetic townships — the table sheets from prepared segments
(long static stretches deflated once) beside the general cell model every value goes through otherwise
(``_reference_workbook_bytes``, the same workbook text): the cost a bulk worker pays per township.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks._common import cpu_per_item, sample_reports, time_per_item
from benchmarks.bench_bulk import townships
from reportgen.domain.checks import check
from reportgen.formats.excel.write import _reference_workbook_bytes, openpyxl_workbook, render_xlsx, workbook_bytes


def main() -> None:
    """Time both ways over ``-n`` reports and print ms/workbook and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="number of reports (default 200)")
    args = parser.parse_args()
    items = sample_reports(args.n)
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
        slow = time_per_item("plain openpyxl (build + save per report)", args.n, plain, unit="workbook")
        quick = time_per_item("reportgen render_xlsx (file, atomic)", args.n, fast, unit="workbook")
        time_per_item("reportgen workbook_bytes (in memory)", args.n, in_memory, unit="workbook")
    print(f"ratio plain openpyxl / reportgen: {slow / quick:.1f}× faster "
          f"(target: under 5 ms per workbook — {'met' if quick < 5 else 'NOT met'})")

    towns = list(townships(args.n))
    findings = {id(t): check(t) for t in towns}
    print(f"\n{args.n} synthetic townships (benchmarks.bench_bulk.townships), with findings, CPU time:")
    prepared = cpu_per_item("workbook_bytes (prepared table segments)", towns,
                          lambda t: workbook_bytes(t, findings=findings[id(t)]))
    general = cpu_per_item("general cell model (same workbook text)", towns,
                             lambda t: _reference_workbook_bytes(t, findings[id(t)]))
    print(f"general / prepared: {general / prepared:.1f}x (target: ≤ 2.0 ms per township — "
          f"{'met' if prepared <= 2.0 else 'NOT met'})")


if __name__ == "__main__":
    main()
