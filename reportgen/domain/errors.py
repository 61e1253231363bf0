"""Exceptions raised by reportgen.

Everything a user can cause derives from :class:`ReportgenError`, which carries a stable code
and a Chinese message; the CLI maps each class to an exit status::

    ReportgenError                 code, message (Chinese), location
    ├── InputError                 an input file cannot be read into a report (exit 2);
    │   │                          .findings lists every problem with its path
    │   └── ExtractError           a published report (.docx) cannot be read back
    ├── TemplateError              a Word template is unusable: unknown variable, syntax error
    ├── RenderError                a generated document failed its structural checks
    │                              (nothing was written)
    ├── ConversionError            LibreOffice is missing or failed (PDF, recalculation)
    └── OutputError                an output file cannot be written (folder missing, no permission)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

from reportgen.domain.findings import Finding, Location, Severity

__all__ = [
    "ConversionError",
    "ExtractError",
    "InputError",
    "OutputError",
    "RenderError",
    "ReportgenError",
    "TemplateError",
]


class ReportgenError(Exception):
    """Base of every error a user can cause; ``code`` is stable, ``message`` is Chinese."""

    code = "RG-ERROR"
    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        location: Location | None = None,
        findings: Sequence[Finding] = (),
    ) -> None:
        self.message = message
        if code is not None:
            self.code = code
        self.location = location or Location()
        self.findings = tuple(findings)
        super().__init__(str(self))

    @classmethod
    def single(cls, code: str, message: str, location: Location | None = None) -> Self:
        """The error of one problem: its finding (an error at ``location``) is also its only finding."""
        finding = Finding(code=code, severity=Severity.ERROR, message=message, location=location or Location())
        return cls(message, code=code, location=finding.location, findings=[finding])

    def as_findings(self) -> tuple[Finding, ...]:
        """Its findings, or, for an error of one problem without any, the error itself as one finding."""
        return self.findings or (
            Finding(code=self.code, severity=Severity.ERROR, message=self.message, location=self.location),
        )

    def __str__(self) -> str:
        where = self.location.describe()
        head = f"[{self.code}] {where + '：' if where else ''}{self.message}"
        if self.findings:
            return head + "\n" + "\n".join(f"  {f}" for f in self.findings)
        return head


class InputError(ReportgenError):
    """An input file (YAML, JSON, workbook) could not be read into a report.

    ``findings`` holds every problem found in the file at once, each located by its path.
    """

    code = "IN-INVALID"
    exit_code = 2


class TemplateError(ReportgenError):
    """A Word template cannot be used (syntax error, unknown variable, wrong structure)."""

    code = "TPL-INVALID"
    exit_code = 2


class RenderError(ReportgenError):
    """A generated document broke a structural invariant; nothing was written."""

    code = "RENDER-INVALID"


class ConversionError(ReportgenError):
    """Converting with LibreOffice failed or LibreOffice is not installed (exit 2: the command cannot run)."""

    code = "CONVERT-FAILED"
    exit_code = 2


class ExtractError(InputError):
    """A published report could not be read back into the model (an input that cannot be read)."""

    code = "EXTRACT-FAILED"
    exit_code = 2


class OutputError(ReportgenError):
    """An output file could not be written; nothing was left half-written."""

    code = "OUT-WRITE"
    exit_code = 2
