"""A worker that dies costs its task one retry on a new pool, never the run; a task that kills twice fails alone
(WORKER-DIED), and a chunk lost with a pool is retried item by item, so only the item at fault fails."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from reportgen.pipelines.bulk import _clean_stale_parts, _RunLock
from reportgen.pipelines.bulk.records import Job, temp_paths
from reportgen.pipelines.bulk.worker import run_job
from reportgen.pipelines.parallel import WorkerDiedError, bounded_map

ROOT = Path(__file__).resolve().parents[1]


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
    assert isinstance(results[7].error, WorkerDiedError)
    assert results[7].error.code == "WORKER-DIED"
    assert "工作进程意外退出" in results[7].error.message
    assert 2 <= len(pools) <= 4  # the first pool, and one new pool per break (the killer breaks two)


def _squares_or_die(chunk: tuple[int, ...]) -> list[int]:
    return [_square_or_die(n) for n in chunk]


def test_a_chunk_lost_with_its_pool_is_retried_item_by_item() -> None:
    """Chunks of 4, one holding the killer 7: after the pool breaks, the lost chunks are run again as single items,
    so 7 alone fails (WORKER-DIED) and its chunk-mates 4, 5, 6 come back with their results."""
    chunks = [tuple(range(i, i + 4)) for i in range(0, 12, 4)]
    with contextlib.ExitStack() as stack:

        def restart() -> cf.Executor:
            return stack.enter_context(cf.ProcessPoolExecutor(2))

        outcomes = list(bounded_map(_squares_or_die, chunks, restart(), max_in_flight=3, restart=restart,
                                    split=lambda chunk: tuple((n,) for n in chunk)))
    results = {n: r for o in outcomes if o.result is not None for n, r in zip(o.item, o.result, strict=True)}
    assert results == {n: n * n for n in range(12) if n != 7}
    assert [(o.item, getattr(o.error, "code", None)) for o in outcomes if o.error is not None] == [((7,), "WORKER-DIED")]
    assert sum(len(o.item) for o in outcomes) == 12


def test_a_job_run_again_replaces_the_temporaries_of_its_lost_attempt(tmp_path: Path) -> None:
    """A township whose first attempt wrote its .part files before its worker was lost renders again (the
    leftovers are replaced, not an OUT-WRITE) and its files hold the new, complete output."""
    job = Job(0, "t", "t.yaml", ".rg-00000000-0", str(tmp_path), None, False,
              path=str(ROOT / "examples" / "zhaoyuan-jinling-2022.yaml"))
    for part in temp_paths(tmp_path, job.temp):
        part.write_bytes(b"half-written by a worker that was killed")
    done = run_job(job)
    assert not done.outcome.failed, done.outcome.findings
    docx, xlsx = temp_paths(tmp_path, job.temp)
    assert docx.read_bytes()[:2] == b"PK"
    assert xlsx.read_bytes()[:2] == b"PK"


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
