"""Reading published reports: a saved web page and a PDF beside the .docx reader; audit of 1,000 mixed reports.

Usage: ``python -m benchmarks.bench_extract [-n 20] [--audit 1000] [--jobs 2]``.

* per form (one core, CPU time and wall time, median of 3 runs of N reads): ``read_published`` of the
  rendered .docx, of web pages (UTF-8 table, GBK one-cell-per-line, ``|``-lines) and of PDFs with and
  without ruling lines, all from ``tests/data/published/``; beside them the plain baselines — python-docx
  opening the .docx (``docx.Document``, no reading) and pdfplumber extracting the words of the PDF
  (``page.extract_words``, no tables): the ratio says what reading the whole report costs over merely
  opening it;
* audit: ``N`` copies of the corpus' forms (HTML, PDF, .docx mixed) audited on ``--jobs`` processes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import docx
import pdfplumber

from reportgen.formats.published.extract import read_published
from reportgen.pipelines.audit import audit

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "published"
FORMS = ("1-rendered.docx", "1-utf8.html", "1-one-cell-per-line.html", "1-pipes.html", "1-ruled.pdf",
         "1-no-ruling-lines.pdf")


def _time(n: int, run: Callable[[], object]) -> tuple[float, float]:
    """Median over 3 runs of (CPU ms, wall ms) per call."""
    cpu: list[float] = []
    wall: list[float] = []
    run()
    for _ in range(3):
        c, w = time.process_time(), time.perf_counter()
        for _ in range(n):
            run()
        cpu.append((time.process_time() - c) / n * 1000)
        wall.append((time.perf_counter() - w) / n * 1000)
    return statistics.median(cpu), statistics.median(wall)


def _plumber_words(path: Path) -> None:
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_words()


def forms(n: int) -> dict[str, float]:
    """CPU ms per read of each form, printed with the baselines."""
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}; median of 3 runs of {n} reads, one core")
    out: dict[str, float] = {}
    for name in FORMS:
        path = CORPUS / name

        def read(path: Path = path) -> object:
            return read_published(path)

        cpu, wall = _time(n, read)
        out[name] = cpu
        print(f"read_published {name:<28} {cpu:7.1f} ms CPU {wall:7.1f} ms wall")
    base_docx, _ = _time(n, lambda: docx.Document(str(CORPUS / "1-rendered.docx")))
    print(f"baseline python-docx Document() (open only)   {base_docx:7.1f} ms CPU"
          f"  → reading the .docx costs {out['1-rendered.docx'] / base_docx:.1f}× opening it")
    base_pdf, _ = _time(max(1, n // 5), lambda: _plumber_words(CORPUS / "1-ruled.pdf"))
    print(f"baseline pdfplumber extract_words (words only) {base_pdf:7.1f} ms CPU"
          f"  → reading the PDF whole is {base_pdf / out['1-ruled.pdf']:.1f}× faster")
    return out


def audit_many(count: int, jobs: int) -> float:
    """Seconds to audit ``count`` reports of mixed forms on ``jobs`` processes."""
    sources = [CORPUS / name for name in FORMS]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "reports"
        folder.mkdir()
        for i in range(count):
            source = sources[i % len(sources)]
            shutil.copy(source, folder / f"{i:05d}-{source.name}")
        start = time.perf_counter()
        result = audit([folder], Path(tmp) / "audit.xlsx", jobs=jobs)
        seconds = time.perf_counter() - start
    assert len(result.entries) == count
    print(f"audit of {count} reports (mixed .docx/.html/.pdf) on {jobs} processes: {seconds:.1f} s "
          f"({seconds / count * 1000:.1f} ms per report)")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--audit", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    forms(args.n)
    if args.audit:
        audit_many(args.audit, args.jobs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
