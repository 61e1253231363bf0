"""The state of one bulk run, as an object: what was sent, what came back, and what is settled in input order.

Outcomes arrive in completion order; naming, the duplicate check and the roll-up happen in input order
(deterministic whatever the workers do), so an outcome that finished early waits in :attr:`_Run.pending`
until every township before it is settled.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import attrs

from reportgen.domain.errors import OutputError
from reportgen.domain.findings import Finding, Location, Severity, Status
from reportgen.domain.naming import UniqueStems, output_stem
from reportgen.pipelines.bulk.comparison import key_values
from reportgen.pipelines.bulk.manifest import Manifest, done_from_record, input_digest, record_of
from reportgen.pipelines.bulk.records import (
    MAX_FINDINGS_KEPT,
    PDF_STEM,
    Done,
    Exclusion,
    Job,
    OutcomeSpool,
    PdfOptions,
    ProgressCallback,
    RollupNote,
    Source,
    TownshipOutcome,
    failed,
    temp_pdf_dir,
)
from reportgen.pipelines.bulk.rollup import RollUp, RollupKey
from reportgen.pipelines.bulk.sources import county_rows

__all__ = ["FAILED_NOTE", "_Run", "leave_out_other_keys"]

FAILED_NOTE = RollupNote(Exclusion.FAILED, "未能读取或生成")


@attrs.define
class _Redo:
    """A skipped township whose name went to an input listed before it: rendered again under ``stem``."""

    job: Job
    stem: str
    before: Done


@attrs.define(kw_only=True)
class _Run:
    """Everything one :func:`reportgen.bulk` call knows while it runs (see the module docstring)."""

    out: Path
    token: str
    template: str | None
    check_only: bool
    force: bool
    run_key: str
    manifest: Manifest | None
    names: UniqueStems
    total: int | None = None
    counting_folder: bool = False
    """:attr:`total` counted a folder's files: a county workbook among them adds its rows when it is reached."""
    progress: ProgressCallback | None = None
    pdf: PdfOptions | None = None
    fonts: dict[str, None] = attrs.field(factory=dict)
    """Font substitutions seen in the PDFs (once each, in the order first seen)."""
    rollup: RollUp = attrs.field(factory=RollUp)
    results: OutcomeSpool = attrs.field(factory=OutcomeSpool)
    """The settled outcomes, in input order (settled in that order, so index = position), kept on disk."""
    organs: dict[int, int] = attrs.field(factory=dict)
    """hash((organ name, year)) → position in :attr:`results` of the first report of it (the duplicate check;
    the names themselves are in the spool, not kept twice)."""
    keys: dict[int, tuple[str, str]] = attrs.field(factory=dict)
    """index → (input id, manifest key) of the townships not yet journalled."""
    pending: dict[int, Done] = attrs.field(factory=dict)
    """Outcomes that finished before a township listed earlier."""
    waiting: dict[int, Job] = attrs.field(factory=dict)
    """Jobs of skipped townships, until they are named (a name taken by an earlier input means: render again)."""
    redo: dict[int, _Redo] = attrs.field(factory=dict)
    done_count: int = 0
    next_index: int = 0
    _counted: set[str] = attrs.field(factory=set)
    """The county workbooks of a folder whose rows :attr:`total` holds."""
    _occurrences: Counter[int] = attrs.field(factory=Counter)
    """Per wanted name (its hash(): a county's names need not be kept twice), how often it came so far."""
    _out_str: str = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._out_str = str(self.out)

    # ---------------------------------------------------------------- submitting

    def jobs(self, sources: Iterable[Source]) -> Iterator[Job]:
        """The jobs to send to workers; unreadable and unchanged townships are finished here instead."""
        for index, src in enumerate(sources):
            if self.counting_folder and src.county is not None and src.county not in self._counted:
                self._counted.add(src.county)
                rows = county_rows(Path(src.county))
                self.total = None if rows is None or self.total is None else self.total + rows - 1
            if src.error is not None:
                self.finish(index, Done(failed(src.name, src.source, src.error, None)))
                continue
            job = Job(index, src.name, src.source, f".rg-{self.token}-{index}", str(self.out), self.template,
                      self.check_only, src.path, src.report, src.county, src.row, self.pdf)
            if self.manifest is not None and self._skip(index, src, job):
                continue
            yield job

    def _skip(self, index: int, src: Source, job: Job) -> bool:
        assert self.manifest is not None
        if src.report is not None:
            wanted = output_stem(src.report)
            seen = hash(wanted.casefold())
            self._occurrences[seen] += 1
            ident = f"report:{wanted}#{self._occurrences[seen]}"
        elif src.row is not None and src.county is not None:
            # A county row is known by its workbook and township (not its row number: rows may be inserted).
            wanted = f"{src.county}|{src.name}"
            seen = hash(wanted)
            self._occurrences[seen] += 1
            ident = f"row:{wanted}#{self._occurrences[seen]}"
        else:
            ident = f"file:{src.path}"
        key = hashlib.sha256(f"{self.run_key}|{ident}|{input_digest(src)}".encode()).hexdigest()
        self.keys[index] = (ident, key)
        record = None if self.force else self.manifest.get(ident, key)
        if record is None or not all((self.out / n).exists() for n in record["outputs"]):
            return False
        self.waiting[index] = job
        self.finish(index, done_from_record(src, record, self.out))
        return True

    # ---------------------------------------------------------------- settling in input order

    def finish(self, index: int, done: Done) -> None:
        """A township is done (in any order): report progress, settle every township now due in input order."""
        self.done_count += 1
        if self.progress is not None:
            self.progress(self.done_count, self.total, done.outcome)
        self.pending[index] = done
        while self.next_index in self.pending:
            self.settle(self.next_index, self.pending.pop(self.next_index))
            self.next_index += 1

    def move(self, done: Done, stem: str) -> OutputError | None:
        """Rename a worker's temporary pair to ``<stem>.docx`` / ``<stem>.xlsx`` (and its PDF and previews);
        the error if it cannot be (a folder on an output name, a folder turned read-only): then the
        temporaries are removed and, for a folder on a name, none of the township's files appears."""
        assert done.temp is not None
        out = self._out_str
        # Plain strings, not Paths: this runs once per township in the main process.
        moves = [(f"{out}{os.sep}{done.temp}.docx.part", f"{out}{os.sep}{stem}.docx"),
                 (f"{out}{os.sep}{done.temp}.xlsx.part", f"{out}{os.sep}{stem}.xlsx")]
        folder = temp_pdf_dir(self.out, done.temp) if self.pdf is not None else None
        try:
            if folder is not None and done.outcome.pdf:
                for name in sorted(os.listdir(folder), key=lambda n: n != f"{PDF_STEM}.pdf"):  # the PDF first
                    moves.append((f"{folder}{os.sep}{name}", f"{out}{os.sep}{stem}{name[len(PDF_STEM):]}"))
            blocked = next((final for _, final in moves if os.path.isdir(final)), None)
            if blocked is not None:
                raise IsADirectoryError(21, "该位置已有一个同名文件夹", blocked)
            for temp, final in moves:
                os.replace(temp, final)  # atomic; the temporary file is complete
        except OSError as exc:
            for temp, _ in moves[:2]:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
            where = exc.filename2 or exc.filename or moves[0][1]  # os.replace: filename2 is the final name
            return OutputError(f"无法写入文件 {where}（{exc.strerror or exc}）：请移走同名文件夹、"
                               "检查写入权限和磁盘空间后重新运行。", location=Location(file=str(where)))
        if folder is not None:
            self.fonts.update(dict.fromkeys(done.fonts))
            with contextlib.suppress(OSError):
                os.rmdir(folder)
        return None

    def settle(self, index: int, done: Done) -> None:
        """Name the township's outputs (in input order), journal it, check duplicates, add it to the roll-up."""
        outcome = done.outcome
        if done.temp is None and outcome.outdir is not None and outcome.outdir is not self.out:
            outcome = attrs.evolve(outcome, outdir=self.out)  # one shared Path, not one per township
        job = self.waiting.pop(index, None)
        ident_key = self.keys.pop(index, None)
        if done.temp is not None:
            stem = self.names.claim(done.wanted)
            problem = self.move(done, stem)
            if problem is not None:  # this township failed; the run goes on
                self._settled(index, attrs.evolve(
                    failed(outcome.name, outcome.source, problem, problem.location.file, outcome.organ),
                    rollup_note=FAILED_NOTE))
                return
            outcome = attrs.evolve(outcome, outdir=self.out, stem=stem)
            if self.manifest is not None and ident_key is not None:
                self.manifest.append(record_of(*ident_key, done, outcome))
        elif outcome.skipped:
            stem = self.names.claim(done.wanted)
            if stem != outcome.stem and job is not None and ident_key is not None:
                self.keys[index] = ident_key
                # Another input now comes first with this name: its files may be replaced; render again.
                self.redo[index] = _Redo(attrs.evolve(job, index=index), stem, done)
                outcome = attrs.evolve(outcome, stem=stem, skipped=False)
        self._settled(index, self.judge(outcome, done))

    def _settled(self, index: int, outcome: TownshipOutcome) -> None:
        assert index == len(self.results), "townships are settled in input order"
        self.results.append(outcome)

    def judge(self, outcome: TownshipOutcome, done: Done) -> TownshipOutcome:
        """Duplicate check and roll-up (the year/format choice comes at the end)."""
        keys = key_values(done.figures or (), done.version)
        if self.check_only:
            return attrs.evolve(outcome, key_figures=keys, rollup_note=RollupNote(Exclusion.CHECK_ONLY, "只检查，不汇总"))
        if outcome.failed or done.figures is None or done.year is None or done.version is None:
            return attrs.evolve(outcome, key_figures=keys, rollup_note=FAILED_NOTE)
        position = self.organs.setdefault(hash((outcome.organ, done.year)), len(self.results))
        first_outcome = self.results[position] if position < len(self.results) else None
        if first_outcome is not None and (first_outcome.organ != outcome.organ or first_outcome.year != done.year):
            first_outcome = None  # two names sharing a hash: not a duplicate
        first = first_outcome.source if first_outcome is not None else outcome.source
        if first != outcome.source:
            message = (f"{outcome.organ}{done.year}年度的报告重复：“{first}”和“{outcome.source}”是同一机关同一年度的"
                       f"报告，后者未计入县级汇总；请只保留一个。")
            finding = Finding(code="BULK-DUPLICATE", severity=Severity.ERROR, message=message,
                              location=Location(file=outcome.source, organ=outcome.organ))
            return attrs.evolve(
                outcome, key_figures=keys, status=Status.ERRORS, errors=outcome.errors + 1,
                findings=(finding, *outcome.findings)[:MAX_FINDINGS_KEPT],
                rollup_note=RollupNote(Exclusion.DUPLICATE, f"与“{first}”为同一机关同一年度的报告"))
        assert done.organ is not None
        left_out = self.rollup.leave_out(outcome)  # a report with errors would make the roll-up inconsistent
        if left_out is not None:
            return attrs.evolve(outcome, key_figures=keys, rollup_note=left_out)
        self.rollup.add((done.year, done.version), done.figures, done.fee, done.organ)
        return attrs.evolve(outcome, key_figures=keys, in_rollup=True)  # one evolve per township: it is not free

    # ---------------------------------------------------------------- the redo pass

    def redo_jobs(self) -> list[Job]:
        """Jobs of the skipped townships whose name went to an earlier input (rare)."""
        return [r.job for r in self.redo.values()]

    def redone(self, index: int, again: Done) -> None:
        """A redo job came back: rename and journal it, or (failed) take its figures back out of the roll-up."""
        redo = self.redo.pop(index)
        if again.temp is not None:
            self.move(again, redo.stem)
            self.results.replace(index, attrs.evolve(self.results.raw(index), outdir=self.out, stem=redo.stem))
            if self.manifest is not None and index in self.keys:
                ident, key = self.keys.pop(index)
                named = attrs.evolve(again.outcome, outdir=self.out, stem=redo.stem)
                self.manifest.append(record_of(ident, key, again, named))
            return
        before = redo.before
        if self.results.raw(index).in_rollup and before.figures is not None and before.organ is not None:
            self.rollup.add((before.year or 0, before.version or ""), before.figures, before.fee, before.organ,
                            sign=-1)
        self.results.replace(index, attrs.evolve(again.outcome, rollup_note=FAILED_NOTE))

    def outcomes(self, chosen: RollupKey | None) -> OutcomeSpool:
        """Every outcome in input order, those of another year or format than ``chosen`` left out of the roll-up
        (the spool, read back lazily: see :class:`~reportgen.pipelines.bulk.records.OutcomeSpool`)."""
        self.results.adjust = functools.partial(leave_out_other_keys, chosen=chosen)
        return self.results


def leave_out_other_keys(outcome: TownshipOutcome, chosen: RollupKey | None) -> TownshipOutcome:
    """Leave out of the roll-up a township of another year or format than the one chosen."""
    if not outcome.in_rollup or chosen is None or (outcome.year, outcome.format_version) == chosen:
        return outcome
    if outcome.year != chosen[0]:
        note = RollupNote(Exclusion.OTHER_YEAR, f"{outcome.year}年度，汇总的是{chosen[0]}年度")
    else:
        note = RollupNote(Exclusion.OTHER_FORMAT, f"{outcome.format_version}年格式，汇总的是{chosen[1]}年格式")
    return attrs.evolve(outcome, in_rollup=False, rollup_note=note)
