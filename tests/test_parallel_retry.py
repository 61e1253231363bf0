"""A worker that dies costs its task one retry on a new pool, never the run; a task that kills twice fails alone."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from reportgen.pipelines.bulk import _clean_stale_parts, _RunLock
from reportgen.pipelines.parallel import bounded_map


def _square_or_die(n: int) -> int:
    if n == 7:  # kills its worker every time, as an input that exhausts memory would
        os._exit(1)
    return n * n


def test_a_task_that_kills_its_worker_fails_alone_and_the_others_finish() -> None:
    """Every other task completes (those lost with the pool are run again); the killer is yielded as an error."""
    with contextlib.ExitStack() as stack:
        pools: list[cf.Executor] = []

        def restart() -> cf.Executor:
            pools.append(stack.enter_context(cf.ProcessPoolExecutor(2)))
            return pools[-1]

        results = {c.item: c for c in bounded_map(_square_or_die, range(12), restart(), max_in_flight=4,
                                                  restart=restart)}
    assert sorted(results) == list(range(12))
    assert {n: c.result for n, c in results.items() if n != 7} == {n: n * n for n in range(12) if n != 7}
    assert isinstance(results[7].error, BrokenProcessPool)
    assert 2 <= len(pools) <= 4  # the first pool, and one new pool per break (the killer breaks two)


def test_without_restart_a_broken_pool_is_an_error_of_its_tasks() -> None:
    """Without ``restart`` nothing is retried (callers that bring their own executor keep today's behaviour)."""
    with cf.ProcessPoolExecutor(1) as pool:
        outcomes = list(bounded_map(_square_or_die, [7], pool, max_in_flight=1))
    assert len(outcomes) == 1
    assert isinstance(outcomes[0].error, BrokenProcessPool)


def test_a_dead_runs_temporaries_go_a_live_runs_stay(tmp_path: Path) -> None:
    """Starting in a folder: the .part files of a run whose lock is free (it died) are removed with its lock; those
    of a run holding its lock are kept; so are fresh .part files of a run without a lock file."""
    live = _RunLock(tmp_path, "11111111")
    (tmp_path / ".rg-11111111-0.docx.part").write_bytes(b"live")
    dead = tmp_path / ".rg-22222222.lock"
    dead.write_bytes(b"")  # a lock file nobody holds: its run was killed
    (tmp_path / ".rg-22222222-0.docx.part").write_bytes(b"dead")
    (tmp_path / ".rg-33333333-0.docx.part").write_bytes(b"no lock, fresh")
    _clean_stale_parts(tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [".rg-11111111-0.docx.part", ".rg-11111111.lock", ".rg-33333333-0.docx.part"]
    live.release()
    assert not (tmp_path / ".rg-11111111.lock").exists()
