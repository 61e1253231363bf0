"""reportgen — 政府信息公开工作年度报告生成工具.

Builds the annual government information-disclosure report of an organ (or of every township of
a county) from its figures and prose: the model (:class:`Report`), the official layout as data
(:mod:`reportgen.domain.layout`), the reviewers' checks (:func:`check`), input files (:func:`load`), the
Word report and the Excel workbook.

This module only re-exports the public API.
"""

from reportgen.domain.checks import CHECKS, Check, CheckContext, check, get_check
from reportgen.domain.errors import (
    ConversionError,
    ExtractError,
    InputError,
    RenderError,
    ReportgenError,
    TemplateError,
)
from reportgen.domain.findings import Finding, Location, Severity, has_errors
from reportgen.domain.layout import FormatVersion, get_layout
from reportgen.domain.model import Organ, OrganKind, OtherItem, Overview, Report, SectionTitles, Subsection, Table
from reportgen.domain.prose import ReportText, report_text
from reportgen.domain.version import __version__ as __version__
from reportgen.formats.convert import convert_many_to_pdf, convert_to_pdf
from reportgen.formats.excel.county import read_county, write_county_form
from reportgen.formats.excel.read import read_form
from reportgen.formats.excel.write import render_xlsx, write_form
from reportgen.formats.inputs.mapping import dump, dumps, from_mapping, loads, skeleton, to_mapping
from reportgen.formats.load import load
from reportgen.formats.published.extract import extract, infer_organ_kind
from reportgen.formats.word.render import DocxRenderer, render_docx
from reportgen.pipelines.audit import AuditEntry, AuditResult, audit
from reportgen.pipelines.bulk import BulkResult, Status, TownshipOutcome, bulk
from reportgen.pipelines.generate import Generated, generate

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

