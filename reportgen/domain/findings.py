"""Findings: what the checks and the input validation report, as records rather than exceptions.

A finding has a stable ``code`` (documented in ``docs/checks.md``), a severity, a location that
names the file, organ, table, row label and column label where they apply, the expected and
actual values, and a Chinese message.  Collecting findings (instead of raising on the first
problem) lets a whole report — or a whole county — be reviewed in one pass.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

import attrs

__all__ = [
    "FINDING_COLUMNS",
    "Finding",
    "Location",
    "LocationStyle",
    "Severity",
    "Status",
    "finding_columns",
    "has_errors",
    "status_of",
]


class Severity(enum.Enum):
    """How serious a finding is."""

    ERROR = "error"
    """The report is wrong (an identity breaks, input is unusable)."""
    WARNING = "warning"
    """A reviewer would ask about it."""

    @property
    def label(self) -> str:
        """错误 or 警告."""
        return "错误" if self is Severity.ERROR else "警告"


@attrs.frozen(kw_only=True)
class Location:
    """Where a finding is: any of file, organ, input path, table, row label, column label, cell."""

    file: str | None = None
    organ: str | None = None
    path: str | None = None
    """Input path, e.g. ``$.table3.rows.granted.natural_person``."""
    table: str | None = None
    """Table number as printed: ``表二``, ``表三``, ``表四``, or a section title."""
    row: str | None = None
    """Row label as printed in the official table."""
    column: str | None = None
    """Column label as printed in the official table."""
    cell: str | None = None
    """A worksheet cell, e.g. ``表三!E7``."""

    def describe(self) -> str:
        """The location as one Chinese phrase, most general part first."""
        parts = []
        if self.file:
            parts.append(f"文件 {self.file}")
        if self.organ:
            parts.append(self.organ)
        if self.path:
            parts.append(self.path)
        if self.cell:
            parts.append(f"单元格 {self.cell}")
        if self.table:
            parts.append(self.table)
        if self.row:
            parts.append(f"行“{self.row}”")
        if self.column:
            parts.append(f"列“{self.column}”")
        return "，".join(parts)

    def brief(self) -> str:
        """The place inside the report, tersely: ``表三 / 自然人`` (table, row, column) and the worksheet cell when
        there is one, else the cell or input path.

        For lists that already name the file and organ (``reportgen check`` prints them above its table).
        """
        parts = [p for p in (self.table, self.row, self.column) if p]
        if not parts:
            return " / ".join(p for p in (self.cell, self.path) if p)
        # A workbook input: the cell the user typed it in, after the place in the report.
        return " / ".join(parts) + (f"（单元格 {self.cell}）" if self.cell else "")

    def with_context(self, *, file: str | None = None, organ: str | None = None) -> Location:
        """The same location with the file and organ filled in where they were not known."""
        return attrs.evolve(self, file=self.file or file, organ=self.organ or organ)


Value = int | Decimal | str | None

LocationStyle = Literal["phrase", "brief", "parts"]
"""How :meth:`Finding.cells` spells the location: one Chinese phrase (:meth:`Location.describe`), the terse
place inside the report (:meth:`Location.brief`), or its parts in columns of their own (表格, 行, 列, 其他位置)
so that a workbook can be filtered by table, row or column."""

_LOCATION_COLUMNS: dict[str, tuple[str, ...]] = {
    "phrase": ("位置",),
    "brief": ("位置",),
    "parts": ("表格", "行", "列"),
}


def finding_columns(where: LocationStyle = "phrase") -> tuple[str, ...]:
    """The column headers of a table of findings, matching :meth:`Finding.cells` with the same ``where``."""
    tail = ("其他位置",) if where == "parts" else ()
    return ("代码", "严重程度", *_LOCATION_COLUMNS[where], "期望", "实际", "说明", *tail)


FINDING_COLUMNS = finding_columns()
"""``代码 严重程度 位置 期望 实际 说明``: the one tabular form of a finding (workbook sheet, ``check``, summaries)."""


def _json_value(value: Value) -> int | str | None:
    return format(value, "f") if isinstance(value, Decimal) else value


@attrs.frozen(kw_only=True)
class Finding:
    """One problem found in a report or in its input."""

    code: str
    """Stable identifier, e.g. ``T3-BALANCE``; see the checks catalogue."""
    severity: Severity
    message: str
    """What is wrong and what was expected, in Chinese."""
    location: Location = attrs.field(factory=Location)
    expected: Value = None
    actual: Value = None

    @property
    def is_error(self) -> bool:
        """Whether the finding is an error (not a warning)."""
        return self.severity is Severity.ERROR

    def with_context(self, *, file: str | None = None, organ: str | None = None) -> Finding:
        """The same finding located in ``file`` / ``organ``."""
        return attrs.evolve(self, location=self.location.with_context(file=file, organ=organ))

    def cells(self, where: LocationStyle = "phrase") -> tuple[Value, ...]:
        """The finding as one row under :func:`finding_columns` (``where``): code, severity, location, expected,
        actual, message; with ``where="parts"`` the location fills 表格 / 行 / 列, and the input path and cell
        go last (其他位置)."""
        loc = self.location
        if where == "parts":
            other = "；".join(p for p in (loc.path, loc.cell) if p)
            places: tuple[Value, ...] = (loc.table or "", loc.row or "", loc.column or "")
            return (self.code, self.severity.label, *places, self.expected, self.actual, self.message, other)
        place = loc.brief() if where == "brief" else loc.describe()
        return (self.code, self.severity.label, place, self.expected, self.actual, self.message)

    def to_json(self) -> dict[str, Any]:
        """The finding as JSON-ready data (``reportgen check --json``, the bulk manifest); amounts as text."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "location": attrs.asdict(self.location),
            "expected": _json_value(self.expected),
            "actual": _json_value(self.actual),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Finding:
        """The finding :meth:`to_json` wrote (amounts come back as their text)."""
        return cls(
            code=data["code"],
            severity=Severity(data["severity"]),
            message=data["message"],
            location=Location(**data.get("location", {})),
            expected=data.get("expected"),
            actual=data.get("actual"),
        )

    def __str__(self) -> str:
        where = self.location.describe()
        return f"[{self.code}] {self.severity.label}：{where + '：' if where else ''}{self.message}"


def has_errors(findings: list[Finding] | tuple[Finding, ...]) -> bool:
    """Whether any finding is an error."""
    return any(f.is_error for f in findings)


class Status(enum.StrEnum):
    """The status of one report as bulk runs and audits show it (in ``summary.xlsx``, ``audit.xlsx``).

    The values are the Chinese words users see (and the bulk manifest stores), so a status compares equal to
    its text: ``Status.OK == "通过"``.
    """

    OK = "通过"
    WARNINGS = "有警告"
    ERRORS = "有错误"
    """Error findings: the documents are written, but the report must be corrected."""
    FAILED = "失败"
    """Could not be loaded or rendered at all (bulk)."""
    UNREADABLE = "无法读取"
    """Could not be read (audit)."""

    @property
    def label(self) -> str:
        """The status as shown to users (通过, 有警告, 有错误, 失败, 无法读取)."""
        return str(self.value)


def status_of(findings: list[Finding] | tuple[Finding, ...]) -> Status:
    """:attr:`Status.ERRORS`, :attr:`Status.WARNINGS` or :attr:`Status.OK` for a report's findings."""
    if has_errors(findings):
        return Status.ERRORS
    return Status.WARNINGS if findings else Status.OK
