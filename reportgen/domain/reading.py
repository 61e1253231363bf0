"""A reading of a published report: what it shows, what could not be read, never an invented figure."""

from __future__ import annotations

import attrs

from reportgen.domain.findings import Finding
from reportgen.domain.model import Report

__all__ = ["Reading"]


@attrs.frozen(kw_only=True)
class Reading:
    """What was read from a published report: the report (when organ and year are known), the reading's
    findings and the figures that could not be read.

    A *partial* reading keeps every figure the document shows; a missing one stays in :attr:`missing`
    (its place in :attr:`report` holds 0 only because a :class:`~reportgen.domain.model.Table` has no
    "unknown"): the checks are told (``check(..., incomplete=reading.incomplete_tables)``) and
    :func:`reportgen.formats.inputs.reading.dumps_reading` leaves them out of the YAML, so nothing missing silently becomes 0.
    """

    file: str
    report: Report | None
    findings: tuple[Finding, ...] = ()
    missing: frozenset[tuple[str, str, str]] = frozenset()
    """``(table key, row key, column key)`` of every figure not read."""
    form: str = ""

    @property
    def partial(self) -> bool:
        """Whether anything could not be read (a figure, a table, the organ or the year)."""
        return self.report is None or bool(self.missing) or any(f.is_error for f in self.findings)

    @property
    def incomplete_tables(self) -> frozenset[str]:
        """The keys of the tables with a figure missing (their identities cannot be checked)."""
        return frozenset(t for t, _, _ in self.missing)
