"""The hostile-input corpus and a seeded fuzzer: no traceback, no hang, no injected markup, bounded memory.

Every case of :mod:`tests.hostile` is generated here (nothing is downloaded). Each must end, within
:data:`CASE_SECONDS`, either read (``OK`` cases) or with a :class:`~reportgen.domain.errors.ReportgenError`
whose code is catalogued, is one the case allows, and names the file. Templates are rendered with a report
whose text is hostile markup and the output is read back: no field, no paragraph from data.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import multiprocessing
import os
import random
import re
import resource
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

import attrs
import pytest
from lxml import etree

from reportgen import Organ, Report, bulk, extract, generate, load, read_county, render_docx
from reportgen.domain import limits
from reportgen.domain.catalogue import CATALOGUE
from reportgen.domain.errors import RenderError, ReportgenError
from reportgen.domain.naming import output_stem
from reportgen.formats.excel.read import read_form
from reportgen.formats.inputs.townships import read_township_list
from tests.hostile import templates, zips
from tests.hostile.cases import CASES, EXAMPLE_YAML, Case, county_bytes, docx_bytes, form_bytes

CASE_SECONDS = 20
"""No case may take longer (they take well under a second; the limits make runaway inputs end early)."""

ROOT = Path(__file__).resolve().parents[1]


class Hang(Exception):
    """A case ran past CASE_SECONDS."""


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    def expire(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def hostile_report() -> Report:
    """The example report with markup in its organ name and in a paragraph (data that must stay data)."""
    report = load(EXAMPLE_YAML)
    return attrs.evolve(report, organ=attrs.evolve(report.organ, name="某镇" + templates.HOSTILE_TEXT),
                        problems=(templates.HOSTILE_TEXT, "第二段"))


def _run(case: Case, path: Path, folder: Path, report: Report) -> None:
    if case.reader == "load":
        load(path)
    elif case.reader == "form":
        read_form(path)
    elif case.reader in ("county", "county-formula"):
        for entry in read_county(path):
            if isinstance(entry.result, ReportgenError):
                raise entry.result
    elif case.reader == "township":
        read_township_list(path)
    elif case.reader == "extract":
        extract(path)
    elif case.reader == "template":
        out = render_docx(report, folder / "out", template=path)
        _assert_no_markup_from_data(out)
    else:  # pragma: no cover
        raise AssertionError(case.reader)


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _assert_no_markup_from_data(docx: Path) -> None:
    """The rendered document holds the hostile text as text: no fetching field, no external fetch, and the
    ``{{ 7*7 }}`` of the data printed literally (never evaluated)."""
    with zipfile.ZipFile(docx) as zf:
        document = etree.fromstring(zf.read("word/document.xml"))
        rels = b"".join(zf.read(n) for n in zf.namelist() if n.endswith(".rels"))
    assert not [f for f in document.iter(f"{W}fldSimple") if "INCLUDE" in (f.get(f"{W}instr") or "").upper()]
    assert not [t for t in document.iter(f"{W}instrText") if "INCLUDE" in (t.text or "").upper()]
    assert not re.search(rb'Type="[^"]*/image"[^>]*TargetMode="External"', rels)
    text = "".join(t.text or "" for t in document.iter(f"{W}t"))
    assert "{{ 7*7 }}" in text
    assert "49" not in text.split("{{ 7*7 }}")[0][-3:]
    assert templates.HOSTILE_TEXT.split("<w:p>")[0] in text  # the markup of the data is in a w:t, as text


def _located(exc: ReportgenError) -> bool:
    return bool(exc.location.file) or any(f.location.file for f in exc.findings)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_hostile_input(case: Case, tmp_path: Path, hostile_report: Report) -> None:
    """Each hostile file ends in time: read, or refused with an allowed, catalogued code naming the file."""
    path = case.build(tmp_path)
    exc = _error_of(lambda: _run(case, path, tmp_path, hostile_report))
    if exc is None:
        assert "OK" in case.codes, f"{case.id} was read but should have been refused ({sorted(case.codes)})"
        return
    codes = {exc.code, *(f.code for f in exc.findings)}
    assert exc.code in CATALOGUE, str(exc)
    wildcards = tuple(c[:-1] for c in case.codes if c.endswith("*"))
    assert codes & case.codes or any(c.startswith(wildcards) for c in codes if wildcards), f"{case.id}: {exc}"
    assert _located(exc), f"{case.id}: no file in {exc}"
    assert exc.message


def _error_of(action: Callable[[], object]) -> ReportgenError | None:
    """The ReportgenError ``action`` raised within CASE_SECONDS, or None; anything else (a library exception,
    a Hang) propagates and fails the test."""
    try:
        with deadline(CASE_SECONDS):
            action()
    except ReportgenError as exc:
        return exc
    return None


def test_corpus_size_and_groups() -> None:
    """The corpus has at least 150 cases across every group the issue names."""
    groups = {c.group for c in CASES}
    assert len(CASES) >= 150
    assert groups >= {"yaml", "form", "county", "township", "docx", "html", "pdf", "template"}
    assert len({c.id for c in CASES}) == len(CASES)


# ---------------------------------------------------------------------------------------------
# A seeded mutator of every reader


def _mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(4)
        at = rng.randrange(max(len(out), 1))
        if op == 0 and out:
            out[at] = rng.randrange(256)
        elif op == 1:
            del out[at : at + rng.randint(1, 64)]
        elif op == 2:
            out[at:at] = out[at : at + rng.randint(1, 256)] * rng.randint(1, 8)
        else:
            out[at:at] = rng.randbytes(rng.randint(1, 16))
    return bytes(out)


def _yaml_text() -> bytes:
    return EXAMPLE_YAML.read_bytes()


FUZZ_BASES: dict[str, tuple[str, Callable[[], bytes], Callable[[Path], object]]] = {
    "yaml": (".yaml", _yaml_text, load),
    "json": (".json", lambda: json.dumps({"year": 2022, "organ": {"name": "某镇"}, "problems": ["a"]}).encode(), load),
    "form": (".xlsx", form_bytes, read_form),
    "county": (".xlsx", county_bytes, lambda p: [e.result for e in read_county(p)]),
    "docx": (".docx", docx_bytes, extract),
    "html": (".html", lambda: (ROOT / "tests/data/published/0-guanyu.html").read_bytes(), extract),
    "pdf": (".pdf", lambda: (ROOT / "tests/data/published/0-ruled.pdf").read_bytes(), extract),
}
FUZZ_SEEDS = 6


@pytest.mark.parametrize("reader", sorted(FUZZ_BASES))
def test_fuzz_every_reader(reader: str, tmp_path: Path) -> None:
    """Seeded mutations (flips, cuts, repeats, junk) of a real file of each kind: never a library exception."""
    suffix, base, read = FUZZ_BASES[reader]
    data = base()
    for seed in range(FUZZ_SEEDS):
        rng = random.Random(f"{reader}-{seed}")
        path = tmp_path / f"fuzz{seed}{suffix}"
        mutated = _mutate(data, rng)
        if suffix in (".xlsx", ".docx") and seed % 2:  # mutate a member's XML inside a valid zip too
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = zf.namelist()
            name = rng.choice([n for n in names if n.endswith(".xml")])
            mutated = zips.replace_member(data, name, _mutate(zips.read_member(data, name), rng))
        path.write_bytes(mutated)
        exc = _error_of(functools.partial(read, path))
        if exc is not None:
            assert exc.code in CATALOGUE, str(exc)
            assert _located(exc), str(exc)


# ---------------------------------------------------------------------------------------------
# Memory: a folder of bombs, audited in a subprocess


def test_audit_of_bombs_stays_under_a_gigabyte(tmp_path: Path) -> None:
    """audit over a folder of zip bombs (2 GB sheets, 2 GB document.xml, forged 4 GB parts) peaks < 1 GB."""
    folder = tmp_path / "bombs"
    folder.mkdir()
    bomb_cases = [c for c in CASES if "bomb" in c.id or "forged" in c.id or "4gb" in c.id]
    assert len(bomb_cases) >= 8
    for i, case in enumerate(bomb_cases):
        if case.group == "template":
            continue
        path = case.build(tmp_path)
        path.rename(folder / f"{i}-{path.name}")
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork+exec from the (large) pytest process.
    script = textwrap.dedent(f"""
        import re, sys
        sys.path.insert(0, {str(ROOT)!r})
        from reportgen import audit
        result = audit([{str(folder)!r}], None, jobs=1)
        status = open("/proc/self/status").read()
        print(len(result.entries), re.search(r"VmHWM:\\s+(\\d+)", status).group(1))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    entries, peak_kb = map(int, done.stdout.split()[-2:])
    assert entries >= len(list(folder.iterdir()))
    assert peak_kb < 1024 * 1024, f"peak {peak_kb // 1024} MB"
    assert "Traceback" not in done.stderr


# ---------------------------------------------------------------------------------------------
# Writing side: a paragraph no one could open is refused


def test_ten_megabyte_paragraph_is_refused_before_writing(tmp_path: Path) -> None:
    """A report built in code with a 10 MB paragraph is RENDER-TEXT-LENGTH and no .docx is written."""
    report = Report(organ=Organ(name="某镇人民政府"), year=2022, problems=("字" * 10_000_000,))
    with pytest.raises(RenderError) as info:
        render_docx(report, tmp_path)
    assert info.value.code == "RENDER-TEXT-LENGTH"
    assert "五、存在的主要问题" in info.value.message
    assert not list(tmp_path.iterdir())


def test_official_template_keeps_hostile_data_as_text(tmp_path: Path, hostile_report: Report) -> None:
    """With the official template too, markup and template code in the data are printed as text."""
    _assert_no_markup_from_data(render_docx(hostile_report, tmp_path))


# ---------------------------------------------------------------------------------------------
# Faults of a single report: full disk, read-only folder, a folder on an output name


def _render_cli(outdir: Path, *extra: str, preexec: Callable[[], object] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reportgen", "render", str(EXAMPLE_YAML), "-o", str(outdir), *extra],
        capture_output=True, text=True, timeout=120, cwd=ROOT, preexec_fn=preexec,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _outputs(outdir: Path) -> list[str]:
    return sorted(p.name for p in outdir.iterdir()) if outdir.exists() else []


@pytest.mark.parametrize("limit_kb", [1, 18])
def test_render_on_a_full_disk_writes_both_files_or_none(tmp_path: Path, limit_kb: int) -> None:
    """With the file size capped (RLIMIT_FSIZE, as a full disk fails a write), render leaves the .docx and .xlsx
    together or neither, never a .part file, and says OUT-WRITE in Chinese naming the file."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_kb * 1024, limit_kb * 1024))

    out = tmp_path / "out"
    out.mkdir()
    done = _render_cli(out, preexec=cap)
    names = _outputs(out)
    assert "Traceback" not in done.stderr
    assert not [n for n in names if n.endswith(".part")]
    suffixes = sorted(Path(n).suffix for n in names)
    assert suffixes in ([], [".docx", ".xlsx"]), names
    if not names:
        assert "OUT-WRITE" in done.stderr
        assert ("无法写入文件" in done.stderr or "临时文件" in done.stderr)
        assert done.returncode == 2


@contextlib.contextmanager
def _unwritable(folder: Path) -> Iterator[None]:
    """``folder`` made unwritable: mode 0555 for an ordinary user; the immutable flag for root (which ignores
    modes); skipped where neither works."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True)


def test_render_into_a_read_only_folder_is_out_write(tmp_path: Path) -> None:
    """An output folder that cannot be written (read-only or immutable): OUT-WRITE naming the file, exit 2,
    nothing left, no traceback."""
    out = tmp_path / "ro"
    out.mkdir()
    with _unwritable(out):
        done = _render_cli(out)
    assert done.returncode == 2, done.stderr
    assert "OUT-WRITE" in done.stderr
    assert str(out) in done.stderr
    assert "Traceback" not in done.stderr
    assert _outputs(out) == []


def test_a_folder_on_the_output_name_leaves_no_lone_file(tmp_path: Path) -> None:
    """A folder sitting on the .docx name: OUT-WRITE naming it, and the .xlsx is not written alone."""
    report = load(EXAMPLE_YAML)
    (tmp_path / f"{output_stem(report)}.docx").mkdir()
    with pytest.raises(ReportgenError) as info:
        generate(EXAMPLE_YAML, tmp_path)
    assert info.value.code == "OUT-WRITE"
    assert f"{output_stem(report)}.docx" in info.value.message
    assert _outputs(tmp_path) == [f"{output_stem(report)}.docx"]


def test_every_limit_is_documented() -> None:
    """docs/limits.md names every constant of domain/limits.py, and the page is in the mkdocs navigation."""
    text = (ROOT / "docs" / "limits.md").read_text(encoding="utf-8")
    for name in limits.__all__:
        assert f"`{name}`" in text, name
    assert "limits.md" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Faults of bulk runs (pipelines/bulk; the fixes that need more than a small hunk are xfail, see the report)


def _bulk_inputs(folder: Path, n: int) -> Path:
    """``n`` township inputs (the example report under distinct organ names)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = EXAMPLE_YAML.read_text(encoding="utf-8")
    for i in range(n):
        (folder / f"t{i:03d}.yaml").write_text(text.replace("招远市金岭镇人民政府", f"招远市第{i}镇人民政府"), encoding="utf-8")
    return folder


def _bulk_cli(inputs: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "reportgen", "bulk", str(inputs), "-o", str(out), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_bulk_with_a_folder_on_a_township_name_fails_only_that_township(tmp_path: Path) -> None:
    """A folder sitting on one township's .docx name: that township fails with OUT-WRITE, its .xlsx does not
    appear alone, the others and summary.xlsx are written."""
    inputs = _bulk_inputs(tmp_path / "in", 3)
    out = tmp_path / "out"
    out.mkdir()
    blocked = out / f"{output_stem(load(inputs / 't001.yaml'))}.docx"
    blocked.mkdir()
    result = bulk(inputs, out, jobs=1)
    failed = [o for o in result.outcomes if o.failed]
    assert len(failed) == 1
    assert failed[0].findings[0].code == "OUT-WRITE"
    assert str(blocked) in failed[0].findings[0].message
    assert not blocked.with_suffix(".xlsx").exists()
    assert (out / "summary.xlsx").is_file()
    assert not list(out.glob(".*.part"))
    assert sum(1 for o in result.outcomes if not o.failed) == 2


def test_bulk_into_its_own_input_folder_is_refused(tmp_path: Path) -> None:
    """``bulk DIR -o DIR`` would read nothing (outputs are never read back) and look like success: exit 2."""
    inputs = _bulk_inputs(tmp_path / "in", 1)
    done = _bulk_cli(inputs, inputs)
    _, err = done.communicate(timeout=120)
    assert done.returncode == 2
    assert "OUT-WRITE" in err
    assert "输入文件夹" in err


def test_bulk_interrupted_leaves_no_part_files(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT) during a bulk run: exit 130 (or finished), and no .part file is left in the folder."""
    inputs = _bulk_inputs(tmp_path / "in", 40)
    out = tmp_path / "out"
    run = _bulk_cli(inputs, out, "-j", "2")
    deadline_at = time.monotonic() + 60
    while not list(out.glob("*.docx")) and time.monotonic() < deadline_at and run.poll() is None:
        time.sleep(0.05)
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=120)
    assert "Traceback" not in err
    assert run.returncode in (0, 130), err[-1000:]
    assert not list(out.glob(".*.part")), sorted(p.name for p in out.iterdir())


def test_bulk_survives_one_killed_worker(tmp_path: Path) -> None:
    """One worker killed (as the OOM killer would): its township is retried, the run completes."""
    inputs = _bulk_inputs(tmp_path / "in", 12)
    killed: list[int] = []

    def progress(done: int, total: int | None, outcome: object) -> None:
        if not killed:
            children = multiprocessing.active_children()
            if children:
                killed.append(children[0].pid or 0)
                os.kill(killed[0], signal.SIGKILL)

    result = bulk(inputs, tmp_path / "out", jobs=2, progress=progress)
    assert killed
    assert len(result.outcomes) == 12
    assert not [o for o in result.outcomes if o.failed]


def test_a_second_bulk_run_keeps_the_temporaries_of_a_running_one(tmp_path: Path) -> None:
    """A .part file of another run still in progress (fresh, its run alive) survives the start of a second run."""
    inputs = _bulk_inputs(tmp_path / "in", 1)
    out = tmp_path / "out"
    out.mkdir()
    other = out / ".rg-0000beef-0.docx.part"
    other.write_bytes(b"being written by another run")
    bulk(inputs, out, jobs=1)
    assert other.exists()
