"""Worker budgets: an input that exceeds its worker's memory or time budget fails alone, located, with a stable
code; the others finish, nothing hangs, no worker (or LibreOffice) is left behind.

Real processes throughout. The budget-breaking work is either a module-level function run through
``bounded_map`` (as tests/test_parallel_retry.py does) or a real input: a custom template whose loop runs long
for one township only, a named pipe that blocks whoever opens it (a stalled network share does the same).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
from openpyxl import load_workbook

from reportgen import audit, bulk
from reportgen.domain.catalogue import CATALOGUE
from reportgen.domain.errors import ReportgenError
from reportgen.domain.limits import TASK_SECONDS_ENV, WORKER_MEMORY_ENV
from reportgen.formats.office.locate import ENV_SOFFICE
from reportgen.pipelines.checkfiles import check_files
from reportgen.pipelines.parallel import (
    STALE_SCRATCH_SECONDS,
    Completed,
    WorkerBudget,
    WorkerDiedError,
    bounded_map,
    memory_unlimited,
    process_pool,
    task_progress,
)
from tests.hostile.cases import CASES
from tests.hostile.templates import with_text

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "zhaoyuan-jinling-2022.yaml"
SLOW_ORGAN = "招远市慢镇人民政府"
# 10 s for the slow township: 300,000 upper-casings of 1 MB, far more than that on any machine, stopped by the
# template's own MAX_TEMPLATE_SECONDS (a plain loop took 2.8 s on an EPYC core: not enough to outlast a 3 s budget);
# 10 ms for the others.
SLOW_TEMPLATE = (f"{{% if organ == '{SLOW_ORGAN}' %}}{{% for i in range(100000) %}}{{% for j in range(3) %}}"
                 "{% set s = ('x' * 1000000).upper() %}{% endfor %}{% endfor %}{% endif %}{{ organ }}")


def _sleep_on_5(n: int) -> int:
    if n == 5:
        time.sleep(120)  # far past any budget of these tests
    return n * n


def _sleep_on_13(chunk: tuple[int, ...]) -> list[int]:
    out = []
    for i, n in enumerate(chunk):
        task_progress(i)
        if n == 13:
            time.sleep(120)
        out.append(n * n)
    return out


def _allocate_on_3(n: int) -> tuple[int, int]:
    if n == 3:
        data = bytearray(1024 * 1024 * 1024)  # 1 GB, far over the 200 MB budget
        return len(data), os.getpid()
    return n * n, os.getpid()


@contextlib.contextmanager
def _pools(jobs: int, budget: WorkerBudget) -> Iterator[tuple[cf.Executor, list[cf.Executor], Callable[[], cf.Executor]]]:
    with contextlib.ExitStack() as stack:
        pools: list[cf.Executor] = []

        def restart() -> cf.Executor:
            pools.append(stack.enter_context(process_pool(jobs, budget=budget)))
            return pools[-1]

        yield restart(), pools, restart


def _no_children_left() -> None:
    """Every worker (and anything it started) is gone once the pools are shut down."""
    deadline = time.monotonic() + 5
    while (left := [p for p in psutil.Process().children(recursive=True) if p.status() != psutil.STATUS_ZOMBIE]):
        assert time.monotonic() < deadline, [(p.pid, p.name()) for p in left]
        time.sleep(0.05)


def test_a_task_past_its_time_budget_fails_alone_and_the_others_finish() -> None:
    """Item 5 sleeps past a 1 s budget: it fails with WORKER-TIMEOUT (naming the budget) in about a second, every
    other item (also those lost with the killed pool) is computed exactly once, and no worker is left."""
    start = time.monotonic()
    with _pools(2, WorkerBudget(task_seconds=1.0)) as (pool, pools, restart):
        outcomes = list(bounded_map(_sleep_on_5, range(12), pool, max_in_flight=4, restart=restart))
    elapsed = time.monotonic() - start
    by_item = {o.item: o for o in outcomes}
    assert len(outcomes) == 12
    assert sorted(by_item) == list(range(12))
    assert {n: o.result for n, o in by_item.items() if n != 5} == {n: n * n for n in range(12) if n != 5}
    error = by_item[5].error
    assert isinstance(error, ReportgenError)
    assert error.code == "WORKER-TIMEOUT"
    assert "处理超时（超过 1 秒）" in error.message
    assert len(pools) == 2  # the killed pool and its replacement
    assert elapsed < 8, elapsed
    _no_children_left()


def test_the_budget_is_per_item_of_a_chunk_and_only_the_late_item_fails() -> None:
    """Chunks of 4 with a 1 s budget per item: item 13 sleeps; the piece (13,) fails with WORKER-TIMEOUT and every
    other item, its chunk-mates included, comes back once as a result (as pieces for the chunk that was split)."""
    chunks = [tuple(range(i, i + 4)) for i in range(0, 16, 4)]
    with _pools(2, WorkerBudget(task_seconds=1.0)) as (pool, _, restart):
        outcomes: list[Completed[tuple[int, ...], list[int]]] = list(bounded_map(
            _sleep_on_13, chunks, pool, max_in_flight=3, restart=restart,
            split=lambda chunk: tuple((n,) for n in chunk)))
    results = {n: r for o in outcomes if o.result is not None for n, r in zip(o.item, o.result, strict=True)}
    failed = [o for o in outcomes if o.error is not None]
    assert [o.item for o in failed] == [(13,)]
    assert isinstance(failed[0].error, ReportgenError)
    assert failed[0].error.code == "WORKER-TIMEOUT"
    assert results == {n: n * n for n in range(16) if n != 13}
    assert sum(len(o.item) for o in outcomes) == 16  # nothing twice, nothing lost
    _no_children_left()


def test_slow_items_of_a_chunk_each_get_the_whole_budget() -> None:
    """A chunk of 6 items of 0.4 s each (2.4 s in all) under a 1 s budget per item finishes normally."""
    with _pools(1, WorkerBudget(task_seconds=1.0)) as (pool, pools, restart):
        outcomes = list(bounded_map(_slow_items, [(0.4,) * 6], pool, max_in_flight=1, restart=restart))
    assert outcomes[0].result == [0.4] * 6
    assert len(pools) == 1


def _slow_items(chunk: tuple[float, ...]) -> list[float]:
    for i, seconds in enumerate(chunk):
        task_progress(i)
        time.sleep(seconds)
    return list(chunk)


def test_a_task_over_its_memory_budget_fails_alone_and_its_worker_goes_on() -> None:
    """Item 3 allocates 1 GB under a 200 MB budget: WORKER-MEMORY naming 200 MB; the others finish on the same
    pool (the worker survived its MemoryError: no replacement pool)."""
    with _pools(1, WorkerBudget(memory_mb=200, task_seconds=0)) as (pool, pools, restart):
        outcomes = list(bounded_map(_allocate_on_3, range(8), pool, max_in_flight=2, restart=restart))
    by_item = {o.item: o for o in outcomes}
    error = by_item[3].error
    assert isinstance(error, ReportgenError), error
    assert error.code == "WORKER-MEMORY"
    assert "200 MB" in error.message
    assert {n: o.result[0] for n, o in by_item.items() if o.result is not None} == {n: n * n for n in range(8) if n != 3}
    assert len({o.result[1] for o in outcomes if o.result is not None}) == 1  # one worker did all of them
    assert len(pools) == 1


def test_budget_settings_from_the_environment() -> None:
    """REPORTGEN_WORKER_MEMORY_MB / REPORTGEN_TASK_SECONDS override the defaults; a bad value is WORKER-BUDGET
    (exit 2) naming the variable."""
    assert WorkerBudget.from_env({WORKER_MEMORY_ENV: "512", TASK_SECONDS_ENV: "2.5"}) == WorkerBudget(512, 2.5)
    assert WorkerBudget.from_env({WORKER_MEMORY_ENV: "0", TASK_SECONDS_ENV: "0"}) == WorkerBudget(0, 0)
    for name, value in ((WORKER_MEMORY_ENV, "1.5G"), (TASK_SECONDS_ENV, "-1"), (TASK_SECONDS_ENV, "nan")):
        with pytest.raises(ReportgenError) as info:
            WorkerBudget.from_env({name: value})
        assert info.value.code == "WORKER-BUDGET"
        assert info.value.exit_code == 2
        assert name in info.value.message
        assert value in info.value.message
    for code in ("WORKER-MEMORY", "WORKER-TIMEOUT", "WORKER-DIED", "WORKER-BUDGET"):
        assert code in CATALOGUE


def test_a_died_worker_is_worker_died_and_still_a_broken_pool() -> None:
    """A task that kills its worker every time ends as WORKER-DIED, an instance of BrokenProcessPool too."""
    with _pools(1, WorkerBudget()) as (pool, _, restart):
        outcomes = list(bounded_map(_die, [1], pool, max_in_flight=1, restart=restart))
    assert isinstance(outcomes[0].error, WorkerDiedError)
    assert outcomes[0].error.code == "WORKER-DIED"


def _die(_: int) -> int:
    os._exit(1)


def _bulk_inputs(folder: Path, n: int, slow: int) -> Path:
    folder.mkdir()
    text = EXAMPLE.read_text(encoding="utf-8")
    for i in range(n):
        organ = SLOW_ORGAN if i == slow else f"招远市第{i}镇人民政府"
        (folder / f"t{i:02d}.yaml").write_text(text.replace("招远市金岭镇人民政府", organ), encoding="utf-8")
    return folder


def test_bulk_township_past_the_time_budget_fails_alone_in_the_summary(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """12 townships, one of which a custom template keeps busy for ~10 s, with REPORTGEN_TASK_SECONDS=3: that
    township fails with WORKER-TIMEOUT (located in its file and organ, listed in summary.xlsx), the 11 others are
    written, the run takes about the budget, and neither a .part file nor a worker is left."""
    monkeypatch.setenv(TASK_SECONDS_ENV, "3")
    template = tmp_path / "slow.docx"
    template.write_bytes(with_text(SLOW_TEMPLATE))
    inputs = _bulk_inputs(tmp_path / "in", 12, slow=5)
    out = tmp_path / "out"
    start = time.monotonic()
    result = bulk(inputs, out, jobs=2, template=template)
    elapsed = time.monotonic() - start
    failed = [o for o in result.outcomes if o.failed]
    assert [o.source for o in failed] == [str(inputs / "t05.yaml")], failed
    finding = failed[0].findings[0]
    assert finding.code == "WORKER-TIMEOUT"
    assert "处理超时（超过 3 秒）" in finding.message
    assert finding.location.file == "t05.yaml"
    assert finding.location.organ
    assert sum(1 for o in result.outcomes if not o.failed) == 11
    assert len(list(out.glob("*.docx"))) == 11 + 1  # and the roll-up
    rows = [[str(c or "") for c in row] for row in load_workbook(out / "summary.xlsx", read_only=True).worksheets[0].iter_rows(values_only=True)]
    assert any("t05" in " ".join(row) and "WORKER-TIMEOUT" in " ".join(row) for row in rows), rows
    assert not list(out.glob(".*.part"))
    assert elapsed < 9.5, elapsed  # the slow township alone would take ~10 s
    _no_children_left()


def _data_limit(pid: int) -> str:
    with open(f"/proc/{pid}/limits", encoding="ascii") as fh:
        return next(line.split()[3] for line in fh if line.startswith("Max data size"))


def _child_limits(_: int) -> tuple[str, str, str]:
    with memory_unlimited():
        inside = subprocess.Popen(["sleep", "30"])
    outside = subprocess.Popen(["sleep", "30"])
    try:
        return _data_limit(inside.pid), _data_limit(outside.pid), _data_limit(os.getpid())
    finally:
        for child in (inside, outside):
            child.kill()
            child.wait()


def test_processes_a_worker_starts_for_libreoffice_are_not_held_to_its_budget() -> None:
    """A worker's own data limit is its budget; a process it starts inside ``memory_unlimited()`` (as the bulk worker
    starts LibreOffice and pdftoppm) has none, one started outside inherits the budget."""
    with process_pool(1, budget=WorkerBudget(memory_mb=300, task_seconds=0)) as pool:
        inside, outside, worker = pool.submit(_child_limits, 0).result()
    assert inside == "unlimited"
    assert outside == worker
    assert int(worker) > 300 * 1024 * 1024


@pytest.mark.libreoffice
def test_a_pdf_worker_killed_for_time_takes_its_libreoffice_along(tmp_path: Path, soffice: str) -> None:
    """``bulk --pdf -j 2`` of two townships with a 64 MB memory budget, the second overrunning a 2.5 s time budget
    while the other worker runs LibreOffice: the slow one fails with WORKER-TIMEOUT; the other, run again on the new
    pool, gets its PDF (LibreOffice needs 150–200 MB of data for a report, but runs outside the worker's budget, and
    its conversion keeps its own time limits); no LibreOffice survives the killed pool (the run is a subreaper, so an
    orphan would be its child)."""
    template = tmp_path / "slow.docx"
    template.write_bytes(with_text(SLOW_TEMPLATE))
    inputs = _bulk_inputs(tmp_path / "in", 2, slow=1)
    script = textwrap.dedent(f"""
        import ctypes, os, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        import psutil
        ctypes.CDLL(None).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER: orphans of our workers become our children
        os.environ["REPORTGEN_TASK_SECONDS"] = "2.5"
        os.environ["REPORTGEN_WORKER_MEMORY_MB"] = "128"
        from reportgen import audit, bulk
        result = bulk({str(inputs)!r}, {str(tmp_path / "out")!r}, jobs=2, pdf=True, soffice={soffice!r},
                      template={str(template)!r})
        time.sleep(0.5)
        alive = [p for p in psutil.Process().children(recursive=True) if p.status() != psutil.STATUS_ZOMBIE]
        print([o.findings[0].code for o in result.outcomes if o.failed], sum(o.pdf for o in result.outcomes),
              [p.name() for p in alive])
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[-2] == "['WORKER-TIMEOUT'] 1 []", done.stdout


def _hung_office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A "LibreOffice" that never answers (as a hung soffice does): .doc inputs block in their conversion."""
    script = tmp_path / "hung-soffice"
    script.write_text("#!/bin/sh\nexec sleep 120\n", encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv(ENV_SOFFICE, str(script))


def _yaml_files_and_a_doc(folder: Path, n: int, *, doc: int) -> list[Path]:
    """``n`` copies of the example input, number ``doc`` an old .doc instead (which only LibreOffice can read)."""
    files = []
    for i in range(n):
        path = folder / (f"t{i}.doc" if i == doc else f"t{i}.yaml")
        if i == doc:
            path.write_bytes(b"\xd0\xcf\x11\xe0 not really a .doc")
        else:
            path.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
        files.append(path)
    return files


def test_check_j_reports_a_file_that_hangs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``check -j 2`` of 9 files, one an old .doc whose LibreOffice conversion hangs: WORKER-TIMEOUT for that
    file, in input order with the others, all checked, the hung converter killed with its worker."""
    monkeypatch.setenv(TASK_SECONDS_ENV, "1.5")
    _hung_office(tmp_path, monkeypatch)
    files = _yaml_files_and_a_doc(tmp_path, 9, doc=4)
    start = time.monotonic()
    results = list(check_files(files, jobs=2))
    assert time.monotonic() - start < 8
    assert [r.file for r in results] == [str(p) for p in files]
    assert results[4].error is not None
    assert results[4].error[0] == "WORKER-TIMEOUT"
    assert results[4].findings[0].location.file == str(files[4])
    assert all(r.error is None and r.organ for i, r in enumerate(results) if i != 4)
    _no_children_left()


def test_a_worker_killed_from_outside_takes_its_libreoffice_along(tmp_path: Path) -> None:
    """``check -j 2`` where the worker converting an old .doc is SIGKILLed from outside (as the kernel's OOM killer
    does) while its "LibreOffice" runs in a session of its own: that LibreOffice is ended with the broken pool
    (before, it was orphaned: it is in no process group of the worker), the .doc is tried again alone (the fake
    converter fails the second time: a located conversion error) and every other file is checked."""
    marker = tmp_path / "hung-once"
    office = tmp_path / "soffice"
    office.write_text(f"#!/bin/sh\nif [ ! -e {marker} ]; then : > {marker}; exec sleep 120; fi\nexit 1\n",
                      encoding="utf-8")
    office.chmod(0o755)
    files = [str(p) for p in _yaml_files_and_a_doc(tmp_path, 9, doc=2)]
    script = textwrap.dedent(f"""
        import ctypes, os, signal, sys, threading, time
        sys.path.insert(0, {str(ROOT)!r})
        import psutil
        ctypes.CDLL(None).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER: an orphaned "LibreOffice" becomes our child
        os.environ[{ENV_SOFFICE!r}] = {str(office)!r}
        from reportgen.pipelines.checkfiles import check_files

        def kill_its_worker():
            while True:
                for p in psutil.Process().children(recursive=True):
                    if p.name() == "sleep" and p.ppid() != os.getpid():
                        os.kill(p.ppid(), signal.SIGKILL)
                        return
                time.sleep(0.05)

        threading.Thread(target=kill_its_worker, daemon=True).start()
        results = list(check_files({files!r}, jobs=2))
        time.sleep(0.3)
        alive = [p.name() for p in psutil.Process().children(recursive=True) if p.status() != psutil.STATUS_ZOMBIE]
        print([r.error[0] if r.error else r.organ for r in results], alive)
    """)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "TMPDIR": str(scratch)})
    assert done.returncode == 0, done.stderr[-2000:]
    codes, alive = done.stdout.strip().split("\n")[-1].rsplit(" ", 1)
    assert alive == "[]", done.stdout
    assert codes.count("招远市金岭镇人民政府") == 8, done.stdout
    assert "WORKER-DIED" not in codes, done.stdout  # the .doc's second try ran (and failed as a conversion)
    # The killed worker's conversion folders (LibreOffice profile, the .doc's copy) went with its pool's folder.
    assert sorted(p.name for p in scratch.iterdir()) == [], done.stdout


def _start_a_session_and_die(pidfile: str) -> None:
    """In a worker: start a "LibreOffice" in a session of its own and die before telling anyone (no
    ``session_started``), as a worker SIGKILLed right after ``Popen`` returns."""
    child = subprocess.Popen(["sleep", "120"], start_new_session=True)
    Path(pidfile).write_text(str(child.pid), encoding="utf-8")
    os.kill(os.getpid(), 9)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the pool finds such orphans through /proc")
def test_a_session_a_killed_worker_had_no_time_to_record_dies_with_its_pool(tmp_path: Path) -> None:
    """The race behind a rare failure of the test above: the worker dies between starting its LibreOffice and
    recording it in its slot.  The orphan carries the pool's mark in its environment and is ended with the pool."""
    pidfile = tmp_path / "pid"
    with process_pool(1) as pool, pytest.raises(cf.process.BrokenProcessPool):
        pool.submit(_start_a_session_and_die, str(pidfile)).result()
    orphan = int(pidfile.read_text(encoding="utf-8"))
    deadline = time.monotonic() + 5
    while True:
        try:
            if psutil.Process(orphan).status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.NoSuchProcess:  # reaped between two looks too
            break
        assert time.monotonic() < deadline, f"the orphaned session {orphan} outlived its pool"
        time.sleep(0.05)


def test_a_pools_workers_keep_their_temporary_files_in_its_folder_which_goes_with_it() -> None:
    """Temporary files of a worker (and TMPDIR of what it starts) are in the pool's own folder, removed at the end."""
    with process_pool(1) as pool:
        folder = pool.scratch
        inside = pool.submit(tempfile.mkdtemp).result()
        env = pool.submit(os.getenv, "TMPDIR").result()
        assert Path(inside).parent == Path(folder)
        assert env == folder
    assert not Path(folder).exists()
    assert tempfile.gettempdir() != folder  # the main process's own temporary folder is untouched


def test_a_pool_removes_the_folder_a_killed_run_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pool folder whose maker is dead and that has not changed for an hour is removed when the next pool
    starts; a live maker's folder, a recent one and a folder of another name are left alone."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    dead = int(gone.stdout)
    old = time.time() - STALE_SCRATCH_SECONDS - 60
    stale, recent = tmp_path / f"reportgen-pool-{dead}-abc", tmp_path / f"reportgen-pool-{dead}-new"
    live, other = tmp_path / f"reportgen-pool-{os.getppid()}-abc", tmp_path / "reportgen-lo-abc"
    for folder in (stale, recent, live, other):
        (folder / "user").mkdir(parents=True)
    for folder in (stale, live, other):
        os.utime(folder, (old, old))
    with process_pool(1):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in (recent, live, other))


def test_a_named_pipe_is_refused_not_waited_for(tmp_path: Path) -> None:
    """A named pipe among the inputs (opening one blocks until someone writes): IN-FILE at once, in one process
    too (``-j 1``, where no watchdog runs), and the other files are checked."""
    fifo = tmp_path / "stalled.yaml"
    os.mkfifo(fifo)
    good = tmp_path / "good.yaml"
    good.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    start = time.monotonic()
    results = list(check_files([fifo, good], jobs=1))
    assert time.monotonic() - start < 10
    assert results[0].error is not None
    assert results[0].error[0] == "IN-FILE"
    assert "命名管道" in results[0].error[1]
    assert results[1].error is None


def test_audit_lists_a_file_that_hangs_with_its_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``audit -j 2`` given an old .doc whose conversion hangs among two reports: it is 无法读取 with WORKER-TIMEOUT
    in audit.xlsx, the reports are audited, and the run ends in about the budget."""
    monkeypatch.setenv(TASK_SECONDS_ENV, "1.5")
    _hung_office(tmp_path, monkeypatch)
    hung = tmp_path / "stalled.doc"
    hung.write_bytes(b"\xd0\xcf\x11\xe0 not really a .doc")
    reports = [tmp_path / f"r{i}.yaml" for i in range(2)]
    for path in reports:
        path.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    start = time.monotonic()
    result = audit([reports[0], hung, reports[1]], tmp_path / "audit.xlsx", jobs=2)
    assert time.monotonic() - start < 8
    assert [e.readable for e in result.entries] == [True, False, True]
    assert result.entries[1].findings[0].code == "WORKER-TIMEOUT"
    rows = list(load_workbook(tmp_path / "audit.xlsx", read_only=True)["问题"].iter_rows(min_row=2, values_only=True))
    assert any(row[0] == str(hung) and "WORKER-TIMEOUT" in map(str, row) for row in rows), rows
    _no_children_left()


def _bomb_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "bombs"
    folder.mkdir()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    for i, case in enumerate(c for c in CASES if "bomb" in c.id or "forged" in c.id or "4gb" in c.id):
        if case.group != "template":
            path = case.build(scratch)
            path.rename(folder / f"{i:02d}-{path.name}")
    for j in range(3):
        text = EXAMPLE.read_text(encoding="utf-8").replace("招远市金岭镇人民政府", f"招远市第{j}镇人民政府")
        (folder / f"normal-{j}.yaml").write_text(text, encoding="utf-8")
    return folder


def _peak_of_tree(proc: subprocess.Popen[str]) -> tuple[int, subprocess.CompletedProcess[str]]:
    """The sum over the process and its descendants of each one's VmHWM (last seen), in kB, sampled every 10 ms."""
    hwm: dict[int, int] = {}
    stop = threading.Event()

    def sample() -> None:
        root = psutil.Process(proc.pid)
        while not stop.is_set():
            with contextlib.suppress(psutil.Error):
                for p in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(OSError), open(f"/proc/{p.pid}/status", encoding="ascii") as fh:
                        for line in fh:
                            if line.startswith("VmHWM:"):
                                hwm[p.pid] = max(hwm.get(p.pid, 0), int(line.split()[1]))
            time.sleep(0.01)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, err = proc.communicate(timeout=120)
    stop.set()
    thread.join()
    return sum(hwm.values()), subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_audit_of_bombs_on_two_workers_stays_under_a_gigabyte(tmp_path: Path) -> None:
    """``reportgen audit -j 2`` over every zip bomb of the hostile corpus and three normal reports: main process and
    workers together peak under 1 GB (the sum of each process's own peak), and every file is in audit.xlsx."""
    folder = _bomb_folder(tmp_path)
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) >= 11
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from reportgen import audit
        result = audit([{str(folder)!r}], {str(tmp_path / "audit.xlsx")!r}, jobs=2)
        print(len(result.entries))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT)
    peak_kb, done = _peak_of_tree(proc)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert peak_kb < 1024 * 1024, f"peak {peak_kb // 1024} MB"
    listed = [str(row[1]) for row in load_workbook(tmp_path / "audit.xlsx", read_only=True)["报告"].iter_rows(
        min_row=2, values_only=True)]
    assert sorted(Path(f).name for f in listed) == files
