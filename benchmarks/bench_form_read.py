"""Reading filled-in forms (.xlsx): reportgen's read_form vs the plain openpyxl way, and the zip floor.

Usage: ``python -m benchmarks.bench_form_read [--n 200] [--plain-sample 20]``.  The forms are the ones
``bench_user_path`` makes (``--cache``, the same folder; made once).  On one core, CPU time per form, median
of 3 runs, the load average beside it:

* ``read_form``, warm (a bulk worker: the forms of a run share their label rows, styles and merges, which the
  reader remembers) and cold (every cache emptied before each form: a worker's first form, or forms that
  share nothing);
* the floor: inflating the parts the reader needs (``zipfile``), nothing parsed;
* the plain way: ``openpyxl.load_workbook(read_only=True, data_only=True)`` and every cell's value — no
  labels found, nothing checked (a script's loop; the form reader used two such loads before 0.x).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from benchmarks._common import cpu_per_item
from benchmarks.bench_user_path import inputs
from reportgen.formats import _archive
from reportgen.formats.excel import _cells
from reportgen.formats.excel import read as form_read
from reportgen.formats.excel.read import read_form


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def _forget() -> None:
    """Empty every cache of the form reader (a cold worker)."""
    for cache in (_cells._ROWS, _cells._STYLES, _cells._OUTSIDE, _cells._AROUND, _cells._MERGES, _cells._LAYOUTS,
                  form_read._POSITIONS, _archive._INFLATED):
        cache.clear()
    _cells._text.cache_clear()
    _cells._label.cache_clear()
    form_read._merged.cache_clear()


def inflate_parts(path: Path) -> None:
    """The floor of reading a form: zipfile inflating the parts the form reader needs, nothing parsed."""
    with zipfile.ZipFile(path) as package:
        for name in package.namelist():
            if name.startswith("xl/") and name.endswith((".xml", ".rels")) and "/theme/" not in name:
                package.read(name)


def _cold(path: Path) -> object:
    _forget()
    return read_form(path)


def _plain(path: Path) -> object:
    wb = load_workbook(path, read_only=True, data_only=True)
    values = [list(row) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)]
    wb.close()
    return values


def main() -> None:
    """Run the benchmark and print CPU per form and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=200, help="forms read per run (default 200)")
    parser.add_argument("--plain-sample", type=int, default=20, help="forms for the plain openpyxl way (default 20)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "reportgen-bench-user-path",
                        help="where bench_user_path keeps its inputs")
    args = parser.parse_args()
    folder = inputs("forms", max(args.n, 1000), args.cache)
    files = sorted(folder.glob("*.xlsx"))[: args.n]
    print(f"{len(files)} forms from {folder} (~{files[0].stat().st_size // 1024} KB each), one core, {_load()}")
    warm = cpu_per_item("reportgen read_form (warm: a bulk worker)", files, read_form, unit="form", warm=5)
    cold = cpu_per_item("reportgen read_form (cold: caches emptied per form)", files, _cold, unit="form", warm=5)
    floor = cpu_per_item("floor: zipfile inflating the parts read", files, inflate_parts, unit="form", warm=5)
    plain = cpu_per_item("plain: openpyxl read-only load + every value", files[: args.plain_sample], _plain,
                         unit="form", warm=5)
    print(f"  read_form warm = {warm / floor:.1f}x the zip floor, {plain / warm:.0f}x faster than the plain way; "
          f"cold = {plain / cold:.0f}x faster than the plain way")


if __name__ == "__main__":
    main()
