"""Old code against new on the user's path, in the same hour: ``reportgen bulk`` alternately from two source trees.

Usage (from the repository root)::

    git worktree add --detach /tmp/base <commit>
    python -m benchmarks.bench_ab /tmp/base . INPUT [--pairs 3] [-j JOBS]

``INPUT`` is what ``reportgen bulk`` takes (a folder of forms or YAML files, a county workbook; ``bench_user_path``
writes them into its cache folder).  Each pair runs the CLI once from each tree (``PYTHONPATH`` puts the tree's
``reportgen`` first), old first, into a fresh output folder (all kept until the last run: see
``benchmarks/_disk.py``).  Printed per run and as medians: wall time and the
CPU per township of the CLI and its workers (user + system, ``RUSAGE_CHILDREN``, fixed costs included), with the
load average and the hypervisor's steal share.  On a shared machine CPU times drift within the hour; pairs run
side by side are the fair comparison of two versions, a single run of each is not.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import time
from pathlib import Path

from benchmarks._disk import Scratch
from benchmarks.bench_user_path import cpu_times, load_average, steal_share
from reportgen.pipelines.bulk.sources import estimate_total


def run(tree: Path, source: Path, out: Path, jobs: int | None, n: int) -> tuple[float, float, float | None]:
    """One CLI run from ``tree`` into the new folder ``out``: ``(wall s, CPU s, steal share)``; stops when it did
    not write ``n`` townships and the roll-up (a broken tree must not look fast)."""
    env = dict(os.environ, PYTHONPATH=str(tree.resolve()))
    command = ["reportgen", "bulk", str(source), "-o", str(out), "--force", *(["-j", str(jobs)] if jobs else [])]
    before, times = resource.getrusage(resource.RUSAGE_CHILDREN), cpu_times()
    start = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    docx = sum(1 for p in out.iterdir() if p.suffix == ".docx") if out.is_dir() else 0
    if docx != n + 1:
        raise SystemExit(f"{tree}: expected {n + 1} .docx, got {docx} (exit {done.returncode}): "
                         f"{done.stderr.decode(errors='replace')[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, steal_share(times, cpu_times())


def main() -> None:
    """Run the pairs (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("old", type=Path, help="source tree of the old code (e.g. a git worktree)")
    parser.add_argument("new", type=Path, help="source tree of the new code")
    parser.add_argument("input", type=Path, help="what `reportgen bulk` reads")
    parser.add_argument("--pairs", type=int, default=3, help="pairs of runs (default 3)")
    parser.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: all cores)")
    parser.add_argument("--out-root", type=Path, default=None,
                        help="where the runs write their outputs (default: the temporary folder); kept until the end")
    args = parser.parse_args()
    n = estimate_total(args.input, None)
    if n is None:
        raise SystemExit(f"{args.input}: not a folder of inputs or a county workbook")
    print(f"{args.input}: {n:,} townships, {args.pairs} pairs, {load_average()}", flush=True)
    results: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
    # No output is deleted before the last run (benchmarks/_disk.py: it would slow the next run's file creation).
    with Scratch(args.out_root) as scratch:
        for i in range(args.pairs):
            for name, tree in (("old", args.old), ("new", args.new)):
                create = scratch.create_ms()
                load = load_average()
                wall, cpu, steal = run(tree, args.input, scratch.folder(name) / "out", args.jobs, n)
                results[name].append((wall, cpu))
                print(f"  pair {i + 1} {name}: {wall:6.1f} s wall, {cpu / n * 1000:6.2f} ms CPU/township ({load}"
                      + (f"; steal {steal:.1%}" if steal is not None else "") + f"; file creation {create:.3f} ms)",
                      flush=True)
    medians = {name: (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs) / n * 1000)
               for name, runs in results.items()}
    for name, (wall, cpu) in medians.items():
        print(f"{name}: median {wall:.1f} s wall, {cpu:.2f} ms CPU/township")
    print(f"new / old: wall {medians['new'][0] / medians['old'][0]:.2f}, CPU {medians['new'][1] / medians['old'][1]:.2f}")


if __name__ == "__main__":
    main()
