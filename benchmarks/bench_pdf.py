"""PDF per document: warm LibreOffice processes (reportgen's PdfPool) vs one cold LibreOffice start per document.

Usage: ``python -m benchmarks.bench_pdf [-n 24] [--cold 4] [--workers 2] [--runs 3]``.

Both convert the same Word reports (the two examples, rendered under distinct names, alternating):

* plain (cold): one ``soffice --headless --convert-to pdf`` per document, each with a fresh
  temporary profile — what a script (and reportgen before the warm pool) does;
* warm: ``PdfPool(workers=W)``: W LibreOffice processes started once and reused; the start is timed
  separately, then ``convert_all`` of the N documents (PDF written atomically, fonts read back).

Each mode is run ``--runs`` times; the median wall time, documents per second, CPU seconds per
document (this process and every LibreOffice it started) and the load average are printed.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from reportgen.formats.load import load
from reportgen.formats.office.fonts import office_env
from reportgen.formats.office.locate import require_soffice
from reportgen.formats.office.pool import PdfPool
from reportgen.formats.word.render import render_docx

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _cpu() -> float:
    """CPU seconds of this process, its reaped children, and its live descendants (warm LibreOffice)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    live = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.Error:
            continue
        live += times.user + times.system
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime + live


def _docs(folder: Path, n: int) -> list[Path]:
    reports = [load(EXAMPLES / "zhaoyuan-jinling-2022.yaml"), load(EXAMPLES / "zhaoyuan-natural-resources-2022.yaml")]
    first = [render_docx(r, folder) for r in reports]
    out = []
    for i in range(n):
        target = folder / f"report-{i:04d}.docx"
        target.write_bytes(first[i % 2].read_bytes())
        out.append(target)
    return out


def _measure(label: str, count: int, runs: int, once: Callable[[int], None],
             around: Callable[[int, Callable[[], None]], None] | None = None) -> tuple[float, float]:
    """Median over ``runs`` of ``once(run)``; ``around(run, timed)`` may set up and tear down around the timed part."""
    walls: list[float] = []
    cpus: list[float] = []
    for run in range(runs):
        def timed(run: int = run) -> None:
            cpu0, t0 = _cpu(), time.perf_counter()
            once(run)
            walls.append(time.perf_counter() - t0)
            cpus.append(_cpu() - cpu0)

        if around is None:
            timed()
        else:
            around(run, timed)
    wall = statistics.median(walls)
    cpu = statistics.median(cpus)
    print(f"{label:<34} {count:>4} docs  median {wall:7.2f} s  {count / wall:6.2f} docs/s  "
          f"CPU {cpu / count:5.2f} s/doc  (runs: {', '.join(f'{w:.2f}' for w in walls)})")
    return count / wall, cpu / count


def main() -> None:
    """Run both modes and print the medians and the warm/cold ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-n", type=int, default=24, help="documents per warm run (default 24)")
    parser.add_argument("--cold", type=int, default=4, help="documents per cold run (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="warm LibreOffice processes (default 2)")
    parser.add_argument("--runs", type=int, default=3, help="runs per mode; the median is reported (default 3)")
    args = parser.parse_args()
    soffice = require_soffice()
    print(f"cores {os.cpu_count()}  load average before {os.getloadavg()}  soffice {soffice}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        docs = _docs(root / "docx", max(args.n, args.cold))

        def cold(run: int) -> None:
            out = root / f"cold{run}"
            for doc in docs[: args.cold]:
                with tempfile.TemporaryDirectory() as profile:
                    subprocess.run(
                        [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                         "--convert-to", "pdf", "--outdir", str(out), str(doc)],
                        capture_output=True, check=True, timeout=300, env=office_env(),
                    )
            assert len(list(out.glob("*.pdf"))) == args.cold

        cold_rate, cold_cpu = _measure("plain: cold soffice per document", args.cold, args.runs, cold)

        pools: dict[int, PdfPool] = {}
        starts: list[float] = []

        def around(run: int, timed: Callable[[], None]) -> None:
            t0 = time.perf_counter()
            with PdfPool(workers=args.workers) as pool:
                # Start every LibreOffice (one conversion each), so the timed part is warm conversions only.
                pool.convert_all(docs[: args.workers], root / f"start{run}")
                starts.append(time.perf_counter() - t0)
                pools[run] = pool
                timed()

        def warm(run: int) -> None:
            results = pools[run].convert_all(docs[: args.n], root / f"warm{run}")
            assert all(not isinstance(r, Exception) for r in results), results

        warm_rate, warm_cpu = _measure(f"warm: PdfPool(workers={args.workers})", args.n, args.runs, warm, around)
        print(f"{'  (start + first document each)':<34} median {statistics.median(starts):7.2f} s, not counted above")
    print(f"warm / cold: {warm_rate / cold_rate:.1f}x documents per second, CPU per document "
          f"{cold_cpu / warm_cpu:.1f}x less")
    print(f"load average after {os.getloadavg()}")


if __name__ == "__main__":
    main()
