"""What every benchmark shares: the same generated reports and the same way of timing."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from hypothesis import HealthCheck, given, settings

from reportgen.domain.model import Report
from tests.strategies import reports

__all__ = ["cpu_per_item", "sample_reports", "time_per_item"]

T = TypeVar("T")


def sample_reports(n: int) -> list[Report]:
    """``n`` random consistent reports from the test strategies (repeated if hypothesis stops early)."""
    out: list[Report] = []

    @settings(max_examples=n, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(reports())
    def collect(report: Report) -> None:
        if len(out) < n:
            out.append(report)

    collect()
    while len(out) < n:
        out.append(out[len(out) % max(len(out), 1)])
    return out


def time_per_item(label: str, n: int, run: Callable[[int], object], *, unit: str, warm_up: bool = True) -> float:
    """Best of 3 runs of ``run(0) … run(n-1)``, in ms per item; prints it with the median.

    The first call (``warm_up``) pays imports and one-off preparation, which is reported separately.
    """
    if warm_up:
        run(0)
    samples: list[float] = []
    for _ in range(3):
        start = time.perf_counter()
        for i in range(n):
            run(i)
        samples.append((time.perf_counter() - start) / n * 1000)
    best = min(samples)
    print(f"{label:<44} {best:8.3f} ms/{unit}  (median of 3 runs {statistics.median(samples):.3f})")
    return best


def cpu_per_item(label: str, items: Sequence[T], work: Callable[[T], object], *, unit: str = "report",
                 warm: int = 1) -> float:
    """Median of 3 runs of CPU time per item (ms), printed with the runs and the load average; the first ``warm``
    items are done once before (imports, first-call costs)."""
    for item in items[:warm]:
        work(item)
    samples = []
    for _ in range(3):
        start = time.process_time()
        for item in items:
            work(item)
        samples.append((time.process_time() - start) / len(items) * 1000)
    median = statistics.median(samples)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{label:<56} {median:7.3f} ms CPU/{unit} (median of 3; runs {', '.join(f'{x:.3f}' for x in samples)};"
          f" load {load})")
    return median
