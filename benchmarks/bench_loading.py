"""Loading input files: plain PyYAML vs reportgen's validated load.

Usage: ``python -m benchmarks.bench_loading [-n 500]``.  Each example file, and a township input as
``reportgen.dumps`` writes it (what ``bench_user_path`` feeds to ``bulk``), is read N times on one core:

* plain ``yaml.safe_load`` (pure-Python SafeLoader, what a script would write): parse only, no validation;
* plain ``yaml.load(..., Loader=yaml.CSafeLoader)``: libyaml parse only;
* ``reportgen.formats.load.load``: read, decode, libyaml parse with exact decimals, validate every field and
  build the frozen model (all leaves, computed totals).
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from benchmarks.bench_bulk import townships
from reportgen.formats.inputs.mapping import dumps
from reportgen.formats.load import load

ROOT = Path(__file__).resolve().parents[1]
FILES = (ROOT / "examples" / "zhaoyuan-jinling-2022.yaml", ROOT / "examples" / "zhaoyuan-natural-resources-2022.yaml")


def _safe_load(path: Path) -> object:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _c_load(path: Path) -> object:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def _time(label: str, n: int, run: Callable[[], object]) -> float:
    samples = []
    for _ in range(3):
        start = time.process_time()
        for _ in range(n):
            run()
        samples.append((time.process_time() - start) / n * 1000)
    median = statistics.median(samples)
    print(f"  {label:<34} {median:7.3f} ms CPU/file  (median of 3 runs; min {min(samples):.3f})")
    return median


def _township_file(folder: Path) -> Path:
    """A township input as ``bench_user_path`` feeds ``bulk``: a synthetic township through ``dumps``."""
    path = folder / "township.yaml"
    path.write_text(dumps(next(townships(1))), encoding="utf-8")
    return path


def main() -> None:
    """Run the benchmark and print ms/file and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-n", type=int, default=500, help="loads per file and run")
    n = parser.parse_args().n
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    tmp = tempfile.TemporaryDirectory()
    for path in (*FILES, _township_file(Path(tmp.name))):
        print(f"{path.name} ({path.stat().st_size} bytes), {n} loads, one core")
        t_plain = _time("yaml.safe_load (pure Python)", n, functools.partial(_safe_load, path))
        t_c = _time("yaml.load CSafeLoader (parse only)", n, functools.partial(_c_load, path))
        t_ours = _time("reportgen.formats.load.load", n, functools.partial(load, path))
        print(f"  reportgen vs plain safe_load: {t_plain / t_ours:.1f}x faster; vs libyaml parse only: "
              f"{t_ours / t_c:.2f}x the time")


if __name__ == "__main__":
    main()
