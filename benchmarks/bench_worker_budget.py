"""Worker budgets: peak memory of ``audit`` over a folder of bombs, and a bulk run with one township too slow.

Usage (from the repository root)::

    python -m benchmarks.bench_worker_budget              # both, 3 runs each
    python -m benchmarks.bench_worker_budget --only audit

* ``audit``: ``reportgen audit BOMBS -j 2`` in a subprocess over every zip-bomb case of the hostile corpus
  (``tests/hostile``: 2 GB sheets, 2 GB document.xml, forged 4 GB parts …) plus three normal reports. Peak
  memory is measured two ways, both from psutil samples every 10 ms of the whole process tree: the largest sum
  of resident set sizes seen at one moment, and the sum of every process's own high-water mark (``VmHWM``, the
  last value seen before it exited) — an upper bound, since replaced workers never coexist.
* ``bulk``: ``reportgen bulk`` of 12 townships with ``-j 2`` and a custom template that spends about 10 s on
  one township (a data-driven loop, stopped by the template's own ``MAX_TEMPLATE_SECONDS``), with
  ``REPORTGEN_TASK_SECONDS=3``: the slow township fails with ``WORKER-TIMEOUT`` after about 3 s and the run's
  wall time is compared with the same run without the slow township (the plain way: no time budget — the run
  waits for the template's own 10 s limit).

* ``overhead``: ``reportgen bulk`` of 200 townships with ``-j 2``, the default 300 s budget against none
  (``REPORTGEN_TASK_SECONDS=0``): the cost of the watchdog and of arming each township's deadline.

Medians of 3 runs, with CPU time (of the run and its children) and the load average before each run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "zhaoyuan-jinling-2022.yaml"
SLOW_ORGAN = "招远市慢镇人民政府"
SLOW_TEMPLATE = (f"{{% if organ == '{SLOW_ORGAN}' %}}{{% for i in range(100000) %}}{{% for j in range(3) %}}"
                 "{% set s = 'x' * 500000 %}{% endfor %}{% endfor %}{% endif %}{{ organ }}")


def _hwm_kb(proc: psutil.Process) -> int:
    try:
        with open(f"/proc/{proc.pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeSampler:
    """Samples a process and its descendants every ``interval`` seconds until stopped."""

    def __init__(self, pid: int, interval: float = 0.01) -> None:
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak_sum_rss = 0
        self.hwm: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                break
            total = 0
            for proc in procs:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    continue
                self.hwm[proc.pid] = max(self.hwm.get(proc.pid, 0), _hwm_kb(proc))
            self.peak_sum_rss = max(self.peak_sum_rss, total)
            time.sleep(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _cpu_children() -> float:
    import resource
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float, int, int, int]:
    """``(wall s, cpu s, load, peak sum of RSS MB, sum of VmHWM MB, processes)`` of one CLI run."""
    load = os.getloadavg()[0]
    cpu0 = _cpu_children()
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})
    sampler = TreeSampler(proc.pid)
    _, err = proc.communicate(timeout=600)
    sampler.stop()
    wall = time.perf_counter() - start
    if b"Traceback" in err:
        raise SystemExit(err.decode()[-3000:])
    return (wall, _cpu_children() - cpu0, load, sampler.peak_sum_rss // 2**20, sum(sampler.hwm.values()) // 1024,
            len(sampler.hwm))


def _bombs(folder: Path) -> int:
    sys.path.insert(0, str(ROOT))
    from tests.hostile.cases import CASES

    folder.mkdir(parents=True)
    scratch = folder.parent / "scratch"
    scratch.mkdir()
    n = 0
    for i, case in enumerate(c for c in CASES if "bomb" in c.id or "forged" in c.id or "4gb" in c.id):
        if case.group == "template":
            continue
        path = case.build(scratch)
        path.rename(folder / f"{i}-{path.name}")
        n += 1
    for j in range(3):
        text = EXAMPLE.read_text(encoding="utf-8").replace("招远市金岭镇人民政府", f"招远市第{j}镇人民政府")
        (folder / f"normal-{j}.yaml").write_text(text, encoding="utf-8")
    return n + 3


def bench_audit(tmp: Path, env: dict[str, str]) -> None:
    folder = tmp / "bombs"
    files = _bombs(folder)
    samples = [_run([sys.executable, "-m", "reportgen", "audit", str(folder), "-o", str(tmp / f"audit{k}.xlsx"),
                     "-j", "2"], env) for k in range(3)]
    wall, cpu, load, peak, hwm, procs = (statistics.median(s[i] for s in samples) for i in range(6))
    print(f"audit of {files} files (bombs + 3 normal), -j 2: wall {wall:.2f} s, cpu {cpu:.2f} s, load {load:.2f}; "
          f"peak sum of RSS {peak:.0f} MB, sum of per-process VmHWM {hwm:.0f} MB over {procs:.0f} processes "
          f"(medians of 3)")


def bench_bulk(tmp: Path, env: dict[str, str]) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.hostile.templates import with_text

    template = tmp / "slow.docx"
    template.write_bytes(with_text(SLOW_TEMPLATE))
    text = EXAMPLE.read_text(encoding="utf-8")
    results = {}
    for label, slow in (("12 normal", False), ("11 normal + 1 slow", True)):
        inputs = tmp / f"in-{slow}"
        inputs.mkdir()
        for i in range(12):
            organ = SLOW_ORGAN if slow and i == 5 else f"招远市第{i}镇人民政府"
            (inputs / f"t{i:02d}.yaml").write_text(text.replace("招远市金岭镇人民政府", organ), encoding="utf-8")
        for budget in ("3", "0"):
            samples = [_run([sys.executable, "-m", "reportgen", "bulk", str(inputs), "-o", str(tmp / f"out-{slow}-{budget}-{k}"),
                             "-j", "2", "--template", str(template)], {**env, "REPORTGEN_TASK_SECONDS": budget})
                       for k in range(3)]
            wall, cpu, load = (statistics.median(s[i] for s in samples) for i in range(3))
            results[(label, budget)] = wall
            print(f"bulk {label}, REPORTGEN_TASK_SECONDS={budget} ({'no budget' if budget == '0' else budget + ' s'}):"
                  f" wall {wall:.2f} s, cpu {cpu:.2f} s, load {load:.2f} (medians of 3)")
    print(f"slow township with a 3 s budget costs {results[('11 normal + 1 slow', '3')] - results[('12 normal', '3')]:.2f} s "
          f"more than none; without a budget {results[('11 normal + 1 slow', '0')] - results[('12 normal', '0')]:.2f} s")


def bench_overhead(tmp: Path, env: dict[str, str]) -> None:
    inputs = tmp / "in"
    inputs.mkdir(parents=True)
    text = EXAMPLE.read_text(encoding="utf-8")
    for i in range(200):
        (inputs / f"t{i:03d}.yaml").write_text(text.replace("招远市金岭镇人民政府", f"招远市第{i}镇人民政府"), encoding="utf-8")
    walls = {}
    for budget in ("300", "0"):
        samples = [_run([sys.executable, "-m", "reportgen", "bulk", str(inputs), "-o", str(tmp / f"out-{budget}-{k}"), "-j", "2"],
                        {**env, "REPORTGEN_TASK_SECONDS": budget}) for k in range(3)]
        wall, cpu, load = (statistics.median(s[i] for s in samples) for i in range(3))
        walls[budget] = wall
        print(f"bulk 200 townships, REPORTGEN_TASK_SECONDS={budget}: wall {wall:.2f} s, cpu {cpu:.2f} s, load {load:.2f}"
              " (medians of 3)")
    print(f"with the budget / without: {walls['300'] / walls['0']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("audit", "bulk", "overhead"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "audit"):
            bench_audit(Path(tmp) / "a", {})
        if args.only in (None, "bulk"):
            (Path(tmp) / "b").mkdir()
            bench_bulk(Path(tmp) / "b", {})
        if args.only in (None, "overhead"):
            bench_overhead(Path(tmp) / "c", {})


if __name__ == "__main__":
    main()
