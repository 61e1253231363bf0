"""A township in a bulk worker, by kind of input: what reading the file adds to the in-memory path, and its floor.

Usage: ``python -m benchmarks.bench_worker_kinds [--n 1000] [--kinds memory,yaml,forms,county]``.

``bench_user_path`` compares the CLI on files with ``bulk(reports)`` in memory; this script takes that ratio
apart on one core.  Every kind runs :func:`reportgen.pipelines.bulk.worker.run_job` — read, check, render the
.docx and .xlsx, write the pair — on N townships in one process, each job pickled and unpickled as the pool
delivers it, warm caches (a worker after its first chunk); CPU per township, median of ``--runs`` (3):

* **in memory**: the job carries the report (``bulk(reports)``; the report was built by the caller);
* **yaml / forms / county**: the job as ``bulk`` makes it from a folder of YAML files, a folder of filled forms,
  or one raw row of a county workbook (the main process cut it out);

and, for each file kind, alone in a loop:

* **read**: what the worker calls to read the input (``formats.load.read``; ``build_row`` for a county row):
  parse, validate, build the frozen report;
* **floor**: the parse a reader cannot avoid, nothing built — libyaml's events (``yaml.cyaml.CParser``, which makes
  every event a Python object); ``zipfile`` inflating the parts a form reader needs; lxml parsing the row's XML.

It prints the worker-only ratio to in memory and the ratio the floor alone would give (in memory + floor), so
the reader's share above its floor is visible.  The CLI's ratio is larger by the main process's work and smaller
by the in-memory path's report building, which its caller pays; see ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import functools
import pickle
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs
import yaml
from lxml import etree
from yaml.cyaml import CParser  # type: ignore[attr-defined]

from benchmarks._common import cpu_per_item
from benchmarks.bench_bulk import townships
from benchmarks.bench_form_read import inflate_parts
from benchmarks.bench_user_path import inputs, load_average
from reportgen.formats.excel.county import build_row, stream_rows
from reportgen.formats.load import read
from reportgen.pipelines.bulk.records import Job
from reportgen.pipelines.bulk.worker import init_worker, run_job

KINDS = ("memory", "yaml", "forms", "county")


def _yaml_floor(path: Path) -> None:
    parser = CParser(path.read_bytes().decode("utf-8"))
    try:
        get = parser.get_event
        while type(get()) is not yaml.StreamEndEvent:
            pass
    finally:
        parser.dispose()


_ROW_WRAP = (b'<sheetData xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">', b"</sheetData>")


def _row_floor(row: tuple[int, bytes]) -> None:
    etree.fromstring(_ROW_WRAP[0] + row[1] + _ROW_WRAP[1])


@attrs.frozen
class _Kind:
    batches: list[list[bytes]]
    """The pickled jobs, one list per run (the first: warm-up), each writing into a folder of its own."""
    read_items: Sequence[Any] = ()
    read_work: Callable[[Any], object] = read
    floor_work: Callable[[Any], object] = _yaml_floor


def _prepare(kind: str, n: int, cache: Path, folder: Path, runs: int) -> _Kind:
    """The jobs of ``kind`` as ``bulk`` makes them, pickled per run; the worker's caches warmed on them."""
    base: dict[str, Any] = {"source": "bench", "outdir": str(folder), "template": None, "check_only": False}
    spec: dict[str, Any] = {}
    if kind == "memory":
        jobs = [Job(index=i, name=f"t{i}", temp=f"t{i}", report=r, **base) for i, r in enumerate(townships(n))]
    elif kind == "county":
        county = str(inputs("county", max(n, 1000), cache))
        rows = [r for _, r in zip(range(n), stream_rows(county), strict=False)]
        assert all(isinstance(r, tuple) for r in rows)
        jobs = [Job(index=i, name=f"t{i}", temp=f"t{i}", county=county, row=r, **base)  # type: ignore[arg-type]
                for i, r in enumerate(rows)]
        spec = {"read_items": rows, "read_work": functools.partial(build_row, county), "floor_work": _row_floor}
    else:
        files = sorted(inputs(kind, max(n, 1000), cache).iterdir())[:n]
        jobs = [Job(index=i, name=f"t{i}", temp=f"t{i}", path=str(p), **base) for i, p in enumerate(files)]
        spec = {"read_items": files, "floor_work": _yaml_floor if kind == "yaml" else inflate_parts}
    # Each run writes into a folder of its own, removed at the end: on a journal-less ext4, deleting the last
    # run's files right before the next slows file creation (benchmarks/_disk.py).
    batches = []
    for run in range(runs + 1):
        into = folder / str(run)
        into.mkdir(parents=True)
        batches.append([pickle.dumps(attrs.evolve(job, outdir=str(into))) for job in jobs])
    for blob in batches[0][:10]:  # warm: templates, layouts, the readers' remembered rows and styles
        run_job(pickle.loads(blob))
    return _Kind(batches, **spec)


def _time_run_jobs(batch: Sequence[bytes]) -> float:
    """CPU ms per township of unpickling and running each job of ``batch`` (as a pool worker does)."""
    start = time.process_time()
    for blob in batch:
        done = run_job(pickle.loads(blob))
        assert not done.outcome.failed, done.outcome.findings
    return (time.process_time() - start) / len(batch) * 1000


def main() -> None:
    """Run every kind and print CPU per township, the reads, the floors and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=1000, help="townships per kind (default 1000)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="memory,yaml,forms,county (default all)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "reportgen-bench-user-path",
                        help="where bench_user_path keeps its inputs (made once)")
    parser.add_argument("--runs", type=int, default=3, help="rounds; the median is reported (default 3)")
    parser.add_argument("--out-root", type=Path, default=None, help="where the outputs go (kept until the end)")
    args = parser.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]
    if "memory" not in kinds:
        kinds.insert(0, "memory")
    n = args.n
    init_worker(None)
    if args.out_root is not None:
        args.out_root.mkdir(parents=True, exist_ok=True)
    out_root = Path(tempfile.mkdtemp(prefix="bench-worker-kinds-", dir=args.out_root))
    print(f"run_job on {n} townships per kind, one process, warm caches; {load_average()}")
    runs = args.runs
    prepared: dict[str, _Kind] = {}
    try:
        for kind in kinds:
            prepared[kind] = _prepare(kind, n, args.cache, out_root / kind, runs)
        # Rounds, each running every kind once: a machine that slows down for a while slows every kind alike.
        timings: dict[str, list[float]] = {kind: [] for kind in kinds}
        for run in range(1, runs + 1):
            for kind in kinds:
                timings[kind].append(_time_run_jobs(prepared[kind].batches[run]))
        results = {kind: statistics.median(timings[kind]) for kind in kinds}
        for kind in kinds:
            print(f"{kind:<8} run_job {results[kind]:6.3f} ms CPU/township "
                  f"(runs {', '.join(f'{x:.3f}' for x in timings[kind])})", flush=True)
        extra: dict[str, tuple[float, float]] = {}
        for kind in [k for k in kinds if k != "memory"]:
            spec = prepared[kind]
            read_ms = cpu_per_item(f"{kind}: the reader alone", spec.read_items, spec.read_work, unit="township",
                                   warm=0)
            floor_ms = cpu_per_item(f"{kind}: its floor", spec.read_items, spec.floor_work, unit="township", warm=0)
            extra[kind] = (read_ms, floor_ms)
    finally:
        shutil.rmtree(out_root, ignore_errors=True)
    memory = results["memory"]
    print(f"\nworker only, ÷ in memory ({memory:.3f} ms): now · if reading cost only its floor · the read above its floor")
    for kind, (read_ms, floor_ms) in extra.items():
        print(f"  {kind:<8} {results[kind] / memory:5.2f} · {(memory + floor_ms) / memory:5.2f} · "
              f"{read_ms - floor_ms:.3f} ms ({read_ms / floor_ms:.1f}× the floor)")
    print(load_average())


if __name__ == "__main__":
    main()
