"""reportgen — 政府信息公开工作年度报告生成工具.

Builds the annual government information-disclosure report of an organ (or of every township of
a county) from its figures and prose: the model (:class:`Report`), the official layout as data
(:mod:`reportgen.layout`), the reviewers' checks (:func:`check`), input files (:func:`load`), the
Word report and the Excel workbook.

This module only re-exports the public API.
"""

import importlib.metadata as _metadata

from reportgen.audit import AuditEntry, AuditResult, audit
from reportgen.bulk import BulkResult, Status, TownshipOutcome, bulk
from reportgen.checks import CHECKS, Check, CheckContext, check, get_check
from reportgen.convert import convert_many_to_pdf, convert_to_pdf
from reportgen.county import read_county, write_county_form
from reportgen.docx import DocxRenderer, render_docx
from reportgen.errors import (
    ConversionError,
    ExtractError,
    InputError,
    RenderError,
    ReportgenError,
    TemplateError,
)
from reportgen.extract import extract, infer_organ_kind
from reportgen.findings import Finding, Location, Severity, has_errors
from reportgen.form import read_form, write_form
from reportgen.generate import Generated, generate
from reportgen.layout import FormatVersion, get_layout
from reportgen.loading import dump, dumps, from_mapping, load, loads, skeleton, to_mapping
from reportgen.model import Organ, OrganKind, OtherItem, Overview, Report, SectionTitles, Subsection, Table
from reportgen.prose import ReportText, report_text
from reportgen.xlsx import render_xlsx

__all__ = [
    "CHECKS",
    "AuditEntry",
    "AuditResult",
    "BulkResult",
    "Check",
    "CheckContext",
    "ConversionError",
    "DocxRenderer",
    "ExtractError",
    "Finding",
    "FormatVersion",
    "Generated",
    "InputError",
    "Location",
    "Organ",
    "OrganKind",
    "OtherItem",
    "Overview",
    "RenderError",
    "Report",
    "ReportText",
    "ReportgenError",
    "SectionTitles",
    "Severity",
    "Status",
    "Subsection",
    "Table",
    "TemplateError",
    "TownshipOutcome",
    "audit",
    "bulk",
    "check",
    "convert_many_to_pdf",
    "convert_to_pdf",
    "dump",
    "dumps",
    "extract",
    "from_mapping",
    "generate",
    "get_check",
    "get_layout",
    "has_errors",
    "infer_organ_kind",
    "load",
    "loads",
    "read_county",
    "read_form",
    "render_docx",
    "render_xlsx",
    "report_text",
    "skeleton",
    "to_mapping",
    "write_county_form",
    "write_form",
]

try:
    __version__ = _metadata.version("reportgen")
except _metadata.PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
