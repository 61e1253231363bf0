"""The manifest: a JSON-lines journal of the townships a bulk run finished, so a re-run skips the unchanged.

Each finished township is appended as one line with one ``write``, so a killed run loses at most the line
being written (a torn last line is ignored and the file is compacted atomically on the next run).  A
record is keyed by the input (a file's path, or a report's wanted stem and occurrence) and by a digest of
the input's content, the template and the reportgen version: any change and the township is redone.
Statuses are stored as their Chinese text, so the file stays readable.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from reportgen.domain.findings import Finding, Status
from reportgen.domain.model import Figure
from reportgen.domain.naming import MANIFEST_NAME
from reportgen.domain.version import __version__
from reportgen.formats._io import atomic_write_bytes
from reportgen.formats.excel import county as county_mod
from reportgen.formats.word.render import DEFAULT_TEMPLATE_NAMES, default_template_path
from reportgen.pipelines.bulk.records import Done, OrganInfo, Source, TownshipOutcome

__all__ = ["MANIFEST_VERSION", "Manifest", "done_from_record", "input_digest", "record_of", "run_digest"]

MANIFEST_VERSION = 3
"""Version 3: figures as ``[table, row, column, value]`` lists and the fee on its own (version 2 records are redone)."""


def _version() -> str:
    return __version__


def _template_digest(template: str | None) -> str:
    """What the outputs depend on besides the input: the custom template, or every default one."""
    h = hashlib.sha256()
    if template is None:
        for version in sorted(DEFAULT_TEMPLATE_NAMES, key=lambda v: v.value):
            h.update(default_template_path(version).read_bytes())
    else:
        h.update(Path(template).read_bytes())
    return h.hexdigest()


def run_digest(template: str | None) -> str:
    """The part of every key that is the same for the whole run: template and reportgen version."""
    return hashlib.sha256(f"{_template_digest(template)}|{_version()}".encode()).hexdigest()


def input_digest(src: Source) -> str:
    """A digest of the input's content (``""`` for an unreadable file: it is never skipped)."""
    h = hashlib.sha256()
    if src.path is not None:
        h.update(Path(src.path).suffix.lower().encode())
        try:
            h.update(Path(src.path).read_bytes())
        except OSError:
            return ""  # unreadable: never skipped; the worker reports it
    elif src.report is not None:
        h.update(repr(src.report).encode("utf-8"))
    elif src.row is not None and src.county is not None:
        h.update(src.row[1])  # the row's XML bytes as they are (repr of 5 KB cost the main process ~0.1 ms a row)
        h.update(county_mod.row_context(src.county, src.name).encode("utf-8"))
    return h.hexdigest()


def record_of(ident: str, key: str, done: Done, outcome: TownshipOutcome | None = None) -> dict[str, Any]:
    """The manifest line of a finished township (``outcome``: the named one, instead of ``done.outcome``)."""
    o = done.outcome if outcome is None else outcome
    organ = done.organ
    return {
        "v": MANIFEST_VERSION, "id": ident, "stem": o.stem, "wanted": done.wanted, "key": key, "name": o.name,
        "organ": o.organ, "status": o.status.label, "errors": o.errors, "warnings": o.warnings,
        "findings": [f.to_json() for f in o.findings], "outputs": list(o.output_names),
        "version": done.version, "year": done.year,
        "organ_info": [] if organ is None else [organ.kind, organ.province, organ.city, organ.county],
        "figures": [[*ref, str(value)] for ref, value in done.figures or ()], "fee": str(done.fee),
        "pdf": [o.pdf, o.pdf_error, o.pages, o.sheet],
    }


def _figure(text: str) -> Figure:
    # The roll-up reads the value by the cell's kind; here only its digits matter.
    return Decimal(text) if "." in text else int(text)


def done_from_record(src: Source, record: Mapping[str, Any], outdir: Path) -> Done:
    """What the manifest remembers of a township, as a worker would have sent it (``skipped``)."""
    outcome = TownshipOutcome(
        name=src.name, source=src.source, status=Status(record["status"]), organ=record["organ"],
        errors=record["errors"], warnings=record["warnings"],
        findings=tuple(Finding.from_json(f) for f in record["findings"]),
        outdir=outdir, stem=record["stem"], skipped=True, year=record["year"], format_version=record["version"],
        **dict(zip(("pdf", "pdf_error", "pages", "sheet"), record.get("pdf", ()), strict=False)),
    )
    info = record["organ_info"]
    figures = tuple(((t, r, c), _figure(v)) for t, r, c, v in record["figures"])
    return Done(outcome, record["wanted"], None, record["version"], record["year"],
                OrganInfo(*info) if info else None, figures, Decimal(record["fee"]))


class Manifest:
    """``input id → record`` of the townships finished in earlier runs, and the journal of this run.

    The id names the input, not the output: a file's path, or a report's wanted stem and its occurrence
    (output stems are only known once an input is loaded and named in input order).
    """

    def __init__(self, outdir: Path) -> None:
        self.path = outdir / MANIFEST_NAME
        self.previous: dict[str, str] = {}  # input id → raw JSON line (parsed only when used)
        self._fd: int | None = None
        if not self.path.exists():
            return
        raw = self.path.read_bytes().decode("utf-8", errors="replace").splitlines()
        dirty = False
        for line in raw:
            try:
                record = json.loads(line)
                ident = record["id"]
                if record.get("v") != MANIFEST_VERSION:
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                dirty = True  # a torn last line of a killed run, or an older format
                continue
            dirty = dirty or ident in self.previous
            self.previous[ident] = line
        if dirty:
            atomic_write_bytes(self.path, "".join(line + "\n" for line in self.previous.values()).encode("utf-8"))

    def get(self, ident: str, key: str) -> dict[str, Any] | None:
        """The record of ``ident`` from an earlier run, if its key is still ``key``."""
        line = self.previous.get(ident)
        if line is None:
            return None
        record: dict[str, Any] = json.loads(line)
        return record if record.get("key") == key else None

    def append(self, record: Mapping[str, Any]) -> None:
        """Journal one finished township (one ``write`` of one line)."""
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        data = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        # One write of one line: a kill leaves either the whole line or a torn tail that is ignored.
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view):]

    def close(self) -> None:
        """Close the journal."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
