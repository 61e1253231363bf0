"""The Word report: a docxtpl template rendered with the report's figures and prose.

A template is *prepared* once per process and cached by its content hash: docxtpl's XML patching
(its regular-expression pre-processing of the body, headers, footers and footnotes) and the Jinja
compile happen once; each report then costs one ``Template.render(context)`` per templated part
plus writing the zip, into which the template's unchanged parts are copied as prepared bytes::

    template.docx ──prepare (once)──► static parts (zip bytes) + compiled parts (Jinja)
    report ──build_context──► context ──render──► parts ──check──► zip ──atomic write──► .docx

User text is data, never template code: values are inserted by an autoescaping, sandboxed Jinja
environment after the template was compiled, so ``{{ 7*7 }}`` in a paragraph prints literally.  A
paragraph value is one paragraph: the model has already folded line breaks inside a paragraph into
spaces (paragraphs are separate list items), and docxtpl's ``\\n`` → line-break conversion is not used.

Custom templates (``render_docx(report, path, template="my.docx")``) are checked against the
context schema (:func:`context_schema`) before use: an unknown variable, a syntax error or an unsafe
attribute is a :class:`~reportgen.domain.errors.TemplateError` naming the part and the paragraph or cell.
Every generated document passes the structural checks of :mod:`reportgen.formats.ooxml.check` before it is
written; a failure is a :class:`~reportgen.domain.errors.RenderError` and nothing is written.

The official templates (trusted, shipped with reportgen) are also compiled into static segments and slots
(:mod:`reportgen.formats.word._compiled`): the same output as Jinja, at a fraction of the cost, and with
their structure proven once per template for every possible rendering, so those parts skip the
per-document checks.  Custom templates always take the sandbox and every check.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.resources
import os
import re
import threading
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeAlias

import attrs
import jinja2
from docxtpl import DocxTemplate
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from lxml import etree
from markupsafe import Markup, escape

from reportgen.domain import limits
from reportgen.domain.errors import InputError, RenderError, TemplateError
from reportgen.domain.findings import Finding, Location, Severity
from reportgen.domain.layout import FormatVersion, TableLayout, get_layout
from reportgen.domain.model import Report, Table, clean_text, oversized_text
from reportgen.domain.naming import output_stem
from reportgen.domain.prose import TextPart, format_amount, report_text
from reportgen.formats._archive import open_package, refuse_dtd
from reportgen.formats._io import atomic_path, output_target
from reportgen.formats.ooxml import check as _ooxml
from reportgen.formats.ooxml import ns, package
from reportgen.formats.word import _compiled, sandbox

__all__ = [
    "DEFAULT_TEMPLATE_NAME",
    "DEFAULT_TEMPLATE_NAMES",
    "DocxRenderer",
    "ListOf",
    "Schema",
    "Var",
    "build_context",
    "context_schema",
    "context_variables",
    "default_template_path",
    "render_docx",
]

DEFAULT_TEMPLATE_NAME = "report-2021.docx"
"""The official template: in ``templates/`` of a source checkout, ``reportgen/templates/`` when installed."""
DEFAULT_TEMPLATE_NAMES: Mapping[FormatVersion, str] = {
    FormatVersion.V2021: DEFAULT_TEMPLATE_NAME,
    FormatVersion.V2019: "report-2019.docx",
}
"""The official template of each format version (the 2019 trial format: for reports read back from old publications)."""

# --------------------------------------------------------------------------------------------
# The context: what a template can use


@attrs.frozen
class Var:
    """A text value in the context (figures are text too: counts ``"0"``, amounts as written)."""

    doc: str


@attrs.frozen
class ListOf:
    """A list in the context; ``item`` describes each element."""

    item: Schema
    doc: str


Schema: TypeAlias = "Var | ListOf | Mapping[str, Schema]"
"""A context value: text, a list, or a mapping of names (attribute access: ``part.title``)."""

_PART: Mapping[str, Schema] = {
    "title": Var("标题（含编号），如“（一）主动公开”"),
    "paragraphs": ListOf(Var("段落"), "段落列表"),
    "key": Var("已知事项的键（如 processing_fee），否则为空"),
}

_SCHEMAS: dict[FormatVersion, Mapping[str, Schema]] = {}


def _table_schema(table: TableLayout) -> Mapping[str, Schema]:
    return {
        row.key: {col: Var(f"{table.name}“{row.full_label}”/“{table.column(col).label}”") for col in row.columns}
        for row in table.rows
    }


def context_schema(version: FormatVersion = FormatVersion.V2021) -> Mapping[str, Schema]:
    """Every variable a Word template can use, for reports of format ``version``."""
    schema = _SCHEMAS.get(version)
    if schema is None:
        layout = get_layout(version)
        overview, parts = layout.section("overview").title, layout.overview_parts
        schema = {
            "organ": Var("机关名称，如“招远市金岭镇人民政府”"),
            "organ_kind": Var("机关类型，如“乡镇人民政府”"),
            "province": Var("省"),
            "city": Var("市"),
            "county": Var("县（市、区）"),
            "year": Var("报告年度，如“2022”"),
            "title": Var("报告标题：机关名称 + 年度 + “年度政府信息公开工作年度报告”"),
            "format_document": Var("格式文号，如“国办公开办函〔2021〕30号”"),
            "publication_date": Var("发布日期，如“2023年1月18日”；未填写时为空"),
            "sections": {s.key: Var(f"第{s.number}部分标题“{s.title}”" + "".join(f"或“{a}”" for a in s.aliases)
                                    + ("（报告可选，见 section_titles）" if s.aliases else ""))
                         for s in layout.sections},
            "overview_intro": ListOf(Var("段落"), f"{overview}的导语段落"),
            "overview_parts": ListOf(_PART, f"{overview}的五个小节（{parts[0].title} … {parts[-1].title}）"),
            "review_litigation_note": ListOf(Var("段落"), f"{layout.table('table4').name}下方的说明段落"),
            "problems": ListOf(Var("段落"), layout.section("problems").title),
            "other_matters": ListOf(_PART, f"{layout.section('other_matters').title}（编号标题与段落）"),
            "processing_fee": Var("信息处理费（元）"),
            "signature": {
                "organ": Var("落款的机关名称（填写发布日期时才有落款；未填写时 signature 的各项为空）"),
                "date": Var("落款的成文日期，如“2023年1月18日”"),
                "organ_right_chars": Var("机关名称段落的右缩进（百分之一字符），使其在日期上方居中"),
                "organ_right": Var("机关名称段落的右缩进（缇，三号字每字 320）"),
            },
            **{t.key: _table_schema(t) for t in layout.tables},
        }
        _SCHEMAS[version] = schema
    return schema


def context_variables(version: FormatVersion = FormatVersion.V2021) -> list[tuple[str, str]]:
    """``(variable, description)`` for the documentation; table figures are summarised per table."""
    out: list[tuple[str, str]] = []
    layout = get_layout(version)
    for name, schema in context_schema(version).items():
        if name in {t.key for t in layout.tables}:
            table = layout.table(name)
            out.append((f"{name}.<行键>.<列键>", f"{table.name}的数字（行键、列键见 reportgen.domain.layout）"))
        elif isinstance(schema, Var):
            out.append((name, schema.doc))
        elif isinstance(schema, ListOf):
            out.append((name, schema.doc))
            if isinstance(schema.item, Mapping):
                out += [(f"{name}[i].{k}", v.doc) for k, v in schema.item.items() if isinstance(v, (Var, ListOf))]
        else:
            out += [(f"{name}.{k}", v.doc) for k, v in schema.items() if isinstance(v, Var)]
    return out


@functools.cache
def _figure_refs(version: FormatVersion, key: str) -> tuple[tuple[str, tuple[tuple[str, tuple[str, str]], ...]], ...]:
    """``(row key, ((column key, ref), …))`` of table ``key``, in layout order (cached by keys, not by layout)."""
    return tuple((row.key, tuple((col, (row.key, col)) for col in row.columns))
                 for row in get_layout(version).table(key).rows)


def _figure_text(value: int | Decimal) -> str:
    return str(value) if type(value) is int else format_amount(value) if isinstance(value, Decimal) else str(int(value))


def _figures(table: Table) -> dict[str, dict[str, str]]:
    values = table.values()
    return {row: {col: _figure_text(values[ref]) for col, ref in cells}
            for row, cells in _figure_refs(table.version, table.key)}


def _part(part: TextPart) -> dict[str, Any]:
    return {"title": part.title, "paragraphs": part.paragraphs, "key": part.key or ""}


def _date(value: dt.date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


_DATE_RIGHT_CHARS = 4
"""成文日期右空四字 (GB/T 9704-2012 7.3.5.1); scripts/build_template.py draws the Date style with it."""


def _char_width(text: str) -> float:
    # In the 16 pt body a CJK character is one character wide, digits and Latin letters half of one.
    return sum(1.0 if ord(ch) > 0x2E7F else 0.5 for ch in text)


def _signature(organ: str, date: dt.date | None) -> dict[str, str]:
    """The 落款: all values empty without a publication date; else the organ, the date and the organ's right indent
    (in hundredths of a character and in twips) that centres it over the date, which is 右空四字."""
    if date is None:
        return dict.fromkeys(("organ", "date", "organ_right_chars", "organ_right"), "")
    when = _date(date)
    right = max(0.0, _DATE_RIGHT_CHARS + (_char_width(when) - _char_width(organ)) / 2)
    return {"organ": organ, "date": when, "organ_right_chars": str(round(right * 100)),
            "organ_right": str(round(right * 320))}


def build_context(report: Report) -> dict[str, Any]:
    """The template context of ``report`` (shape: :func:`context_schema`); all values are text."""
    text = report_text(report)
    organ = report.organ
    return {
        "organ": organ.name,
        "organ_kind": organ.kind.label,
        "province": organ.province,
        "city": organ.city,
        "county": organ.county,
        "year": str(report.year),
        "title": text.title,
        "format_document": report.layout.document,
        "publication_date": _date(report.publication_date),
        "sections": {s.key: report.section_title(s.key) for s in report.layout.sections},
        "overview_intro": text.overview_intro,
        "overview_parts": [_part(p) for p in text.overview_parts],
        "review_litigation_note": text.review_litigation_note,
        "problems": text.problems,
        "other_matters": [_part(p) for p in text.other_matters],
        "processing_fee": format_amount(report.processing_fee),
        "signature": _signature(organ.name, report.publication_date),
        "table2": _figures(report.table2),
        "table3": _figures(report.table3),
        "table4": _figures(report.table4),
    }


# --------------------------------------------------------------------------------------------
# The Jinja environment (one per process; no per-report state in it)

_NEEDS_CLEANING = re.compile("[\x00-\x1f\ud800-\udfff\ufffe\uffff]")
# Text with none of these needs nothing from _finalize; autoescape's escape() still runs on it.
_NOT_PLAIN = re.compile("[\x00-\x1f\ud800-\udfff\ufffe\uffff&<>\"'{]")


def _finalize(value: Any) -> Markup | str:
    """Escape a value for XML; write ``{`` as ``&#123;`` so that no value can look like template code.

    Control characters (and line breaks: a value is one paragraph) are cleaned as the model does.
    Plain text (most values: figures, names) is returned as it is — autoescaping passes it through
    ``escape`` anyway, which leaves it unchanged — saving two ``Markup`` copies per value.
    """
    if type(value) is str and _NOT_PLAIN.search(value) is None:
        return value
    if isinstance(value, Markup):
        text = str(value)
    else:
        text = value if isinstance(value, str) else str(value)
        if _NEEDS_CLEANING.search(text):
            text = clean_text(text)
        text = str(escape(text))
    if "{" in text:
        text = text.replace("{", "&#123;")
    return Markup(text)


def _xml_value(value: Any) -> str:
    """What Jinja writes for ``{{ value }}`` in the environments below: ``escape(_finalize(value))``."""
    if type(value) is str and _NOT_PLAIN.search(value) is None:
        return value
    return str(escape(_finalize(value)))


def _environment() -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        keep_trailing_newline=True,
    )


_ENV = _environment()
"""The official template's environment (trusted: no budget, so the common path costs nothing extra)."""
_CUSTOM_ENV = sandbox.BoundedEnvironment(
    autoescape=True, undefined=jinja2.StrictUndefined, finalize=_finalize, keep_trailing_newline=True
)
"""Custom templates: arithmetic, calls, filters, loops and output bounded (see :mod:`.sandbox`)."""

# --------------------------------------------------------------------------------------------
# Preparing a template

_PART_LABELS = {
    "document": "正文",
    "template": "正文",
    "macro_document": "正文",
    "header": "页眉",
    "footer": "页脚",
    "footnotes": "脚注",
    "endnotes": "尾注",
    "comments": "批注",
    "core": "文档属性",
}
_TEMPLATED_TYPES = {ns.CONTENT_TYPES[kind]: label for kind, label in _PART_LABELS.items()}
_CORE_LABEL = _PART_LABELS["core"]
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_TABLE_FIXING = re.compile(r"{[%{]-?\s*(?:tc\s|hm\b|colspan\b)")
_PARAGRAPH_START = re.compile(r"<w:p([ >])")
_TAG = re.compile(r"<[^>]+>")
_CELL_TOKENS = re.compile(r"<(/?)w:(tbl|tr|tc)[ />]")
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


@attrs.frozen
class _Part:
    name: str
    label: str
    template: jinja2.Template
    fix_tables: bool
    compiled: _compiled.Compiled | None = attrs.field(default=None, eq=False)
    """The official template's part as static segments and slots (:mod:`._compiled`); ``None``: Jinja renders it."""
    proven: bool = False
    """Every rendering of ``compiled`` provably passes the structural checks (:meth:`._compiled.Compiled.proof`)."""
    # Markup of this part's outputs that passed the full checks (per process, bounded).
    shapes: _ooxml.KnownShapes = attrs.field(factory=_ooxml.KnownShapes, eq=False)


@attrs.frozen
class _Prepared:
    digest: str
    static_entries: tuple[package.Entry, ...]
    """The template's unchanged parts, deflated once (zlib's default level), in the template's order."""
    parts: tuple[_Part, ...]
    static_docpr_ids: frozenset[str]


def _patcher() -> DocxTemplate:
    # patch_xml uses no instance state; an uninitialised instance avoids loading a document.
    return DocxTemplate.__new__(DocxTemplate)


def _nearest_text(lines: Sequence[str], lineno: int) -> str:
    """The text (tags removed) of the paragraph at ``lineno`` (1-based), or of the nearest one above."""
    for i in range(min(lineno, len(lines)) - 1, -1, -1):
        text = " ".join(_TAG.sub("", lines[i]).split())
        if text:
            return text if len(text) <= 60 else text[:57] + "…"
    return ""


def _cell_position(source: str, offset: int) -> str:
    """``第2个表格第5行第4个单元格`` for a position inside a table cell, else ``""``."""
    stack: list[list[int]] = []
    tables = 0
    for m in _CELL_TOKENS.finditer(source, 0, offset):
        closing, kind = m.group(1) == "/", m.group(2)
        if kind == "tbl":
            if closing:
                stack.pop() if stack else None
            else:
                tables += 1
                stack.append([tables, 0, 0, 0])
        elif stack and not closing:
            if kind == "tr":
                stack[-1][1] += 1
                stack[-1][2] = 0
            else:
                stack[-1][2] += 1
                stack[-1][3] = 1
        elif stack and kind == "tc":
            stack[-1][3] = 0
    if not stack or not stack[-1][3]:
        return ""
    n, row, cell, _ = stack[-1]
    return f"第{n}个表格第{row}行第{cell}个单元格"


class _VariableChecker:
    """Walks a template's Jinja AST and resolves every variable against the context schema.

    Follows loop targets (``{% for part in overview_parts %}`` binds ``part`` to the element schema),
    ``set``/``with``/macro arguments (anything goes), and refuses attributes starting with ``_``.
    """

    ANY: Any = object()
    _GLOBALS = frozenset(_ENV.globals)

    def __init__(self, schema: Mapping[str, Schema], where: _Where, unknown: list[Finding]) -> None:
        self.schema = schema
        self.where = where
        self.unknown = unknown
        """Every unknown variable found (one finding each, with its place); checking goes on after one."""

    def unknown_variable(self, node: nodes.Node, message: str) -> Any:
        finding = self.where.finding(node, "TPL-UNKNOWN-VAR", message)
        if finding not in self.unknown:
            self.unknown.append(finding)
        return self.ANY

    def body(self, items: Sequence[nodes.Node], scope: dict[str, Any]) -> None:
        for item in items:
            self.stmt(item, scope)

    def bind(self, target: nodes.Node, value: Any, scope: dict[str, Any]) -> None:
        if isinstance(target, nodes.Name):
            scope[target.name] = value
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                self.bind(item, self.ANY, scope)
        elif isinstance(target, nodes.NSRef):
            self.expr(nodes.Name(target.name, "load", lineno=target.lineno), scope)

    def refuse_unsafe(self, node: nodes.Node) -> None:
        why = sandbox.unsafe_node(node)
        if why is not None:
            raise self.where.error(node, "TPL-UNSAFE", why)

    def stmt(self, node: nodes.Node, scope: dict[str, Any]) -> None:
        self.refuse_unsafe(node)
        if isinstance(node, nodes.For):
            it = self.expr(node.iter, scope)
            inner = {**scope, "loop": self.ANY}
            self.bind(node.target, it.item if isinstance(it, ListOf) else self.ANY, inner)
            if node.test is not None:
                self.expr(node.test, inner)
            self.body(node.body, inner)
            self.body(node.else_, scope)
        elif isinstance(node, nodes.Assign):
            self.expr(node.node, scope)
            self.bind(node.target, self.ANY, scope)
        elif isinstance(node, nodes.AssignBlock):
            self.body(node.body, scope)
            self.bind(node.target, self.ANY, scope)
        elif isinstance(node, (nodes.Macro, nodes.CallBlock)):
            inner = {**scope, "varargs": self.ANY, "kwargs": self.ANY, "caller": self.ANY}
            for arg in node.args:
                self.bind(arg, self.ANY, inner)
            for default in node.defaults:
                self.expr(default, scope)
            if isinstance(node, nodes.CallBlock):
                self.expr(node.call, scope)
            else:
                scope[node.name] = inner[node.name] = self.ANY  # a macro may call itself
            self.body(node.body, inner)
        elif isinstance(node, nodes.With):
            inner = dict(scope)
            for target, value in zip(node.targets, node.values, strict=True):
                self.bind(target, self.expr(value, scope), inner)
            self.body(node.body, inner)
        elif isinstance(node, (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
            raise self.where.error(
                node, "TPL-UNSUPPORTED", "模板中不能使用 extends/include/import（Word 模板只有一个文件）"
            )
        elif isinstance(node, nodes.Expr):
            self.expr(node, scope)
        else:
            for child in node.iter_child_nodes():
                if isinstance(child, nodes.Expr):
                    self.expr(child, scope)
                else:
                    self.stmt(child, scope)

    def member(self, base: Any, name: str, node: nodes.Node) -> Any:
        if name.startswith("_"):
            raise self.where.error(node, "TPL-UNSAFE", f"模板访问了不允许的属性“{name}”（以下划线开头的属性被禁止）")
        if isinstance(base, Mapping):
            if name not in base:
                known = "、".join(list(base)[:12])
                return self.unknown_variable(node, f"模板使用了未知变量“{_dotted(node)}”；此处可用的名称：{known}")
            return base[name]
        return self.ANY

    def expr(self, node: nodes.Node, scope: dict[str, Any]) -> Any:
        self.refuse_unsafe(node)
        if isinstance(node, nodes.Name):
            if node.ctx != "load":
                return self.ANY
            if node.name in scope:
                return scope[node.name]
            if node.name in self.schema:
                return self.schema[node.name]
            if node.name in self._GLOBALS:
                return self.ANY
            return self.unknown_variable(node, f"模板使用了未知变量“{node.name}”")
        if isinstance(node, nodes.Getattr):
            return self.member(self.expr(node.node, scope), node.attr, node)
        if isinstance(node, nodes.Getitem):
            base = self.expr(node.node, scope)
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                return self.member(base, node.arg.value, node)
            self.expr(node.arg, scope)
            if isinstance(node.arg, nodes.Const) and isinstance(base, ListOf):
                return base.item
            return self.ANY
        for child in node.iter_child_nodes():
            self.expr(child, scope)
        if isinstance(node, nodes.Filter) and node.name == "attr":
            for arg in node.args:
                if isinstance(arg, nodes.Const) and str(arg.value).startswith("_"):
                    raise self.where.error(node, "TPL-UNSAFE", f"模板访问了不允许的属性“{arg.value}”")
        return self.ANY


def _dotted(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_dotted(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return f"{_dotted(node.node)}[{node.arg.value!r}]"
    return "…"


@attrs.frozen
class _Where:
    """Names a place in a template part for messages: part, paragraph text, table cell."""

    source: str
    part: str
    label: str
    lines: Sequence[str]
    file: str

    def describe(self, lineno: int | None) -> str:
        where = f"{self.label}（{self.part}）"
        if lineno is None:
            return where
        offset = sum(len(line) + 1 for line in self.lines[: max(lineno - 1, 0)])
        cell = _cell_position(self.source, offset)
        text = _nearest_text(self.lines, lineno)
        return where + (f"{cell}" if cell else "") + (f"，段落“{text}”" if text else "")

    def error(self, node: nodes.Node | None, code: str, message: str) -> TemplateError:
        lineno = getattr(node, "lineno", None) if node is not None else None
        return TemplateError(f"{message}。位置：{self.describe(lineno)}", code=code, location=Location(file=self.file))

    def finding(self, node: nodes.Node, code: str, message: str) -> Finding:
        return Finding(code=code, severity=Severity.ERROR, location=Location(file=self.file),
                       message=f"{message}。位置：{self.describe(getattr(node, 'lineno', None))}")


def _unknown_variables_error(found: Sequence[Finding], source: str) -> TemplateError:
    """One error for every unknown variable of a template (each finding names its place)."""
    if len(found) == 1:
        message = found[0].message
    else:
        names = "、".join(re.findall(r"未知变量(“[^”]*”)", " ".join(f.message for f in found)))
        message = f"模板使用了 {len(found)} 个未知变量：{names}（各自的位置见下）"
    return TemplateError(message, code="TPL-UNKNOWN-VAR", location=Location(file=source), findings=found)


# --- syntax errors: where the unclosed tag is, in Chinese ------------------------------------

_BLOCK_TAGS = frozenset({"for", "if", "macro", "call", "filter", "with", "block", "autoescape", "trans"})


def _unclosed_block(source: str) -> tuple[str, int] | None:
    """``(tag, line)`` of the innermost block tag of ``source`` that is never closed, or ``None``."""
    stack: list[tuple[str, int]] = []
    tokens = iter(_ENV.lex(source))
    try:
        for lineno, kind, _value in tokens:
            if kind != "block_begin":
                continue
            name = next((v for _, k, v in tokens if k != "whitespace"), "")
            rest: list[str] = []
            for _, k, v in tokens:
                if k == "block_end":
                    break
                rest.append(v)
            if name in _BLOCK_TAGS or (name == "set" and "=" not in rest):
                stack.append((name, lineno))
            elif name.startswith("end") and stack and stack[-1][0] == name[3:]:
                stack.pop()
    except jinja2.TemplateSyntaxError:
        return None
    return stack[-1] if stack else None


_JINJA_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^Encountered unknown tag '(end\w*)'"), "结束标签“{{% {0} %}}”前面没有与之对应的开始标签"),
    (re.compile(r"^Encountered unknown tag '(\w+)'"), "不认识的标签“{{% {0} %}}”"),
    (re.compile(r"^unexpected end of template, expected 'end of print statement'"), "“{{{{”没有对应的“}}}}”"),
    (re.compile(r"^unexpected end of template, expected 'end of statement block'"), "“{{%”没有对应的“%}}”"),
    (re.compile(r"^Unexpected end of template"), "模板在块结束之前就结束了：缺少结束标签"),
    (re.compile(r"^unexpected '(.+)'"), "意外的“{0}”"),
    (re.compile(r"^expected token 'end of print statement', got '(.+)'"), "“{{{{”之后应以“}}}}”结束，实际遇到“{0}”"),
    (re.compile(r"^expected token 'end of statement block', got '(.+)'"), "“{{%”之后应以“%}}”结束，实际遇到“{0}”"),
    (re.compile(r"^expected token '(.+)', got '(.+)'"), "此处应为“{0}”，实际是“{1}”"),
    (re.compile(r"^unexpected char '(.+)'"), "不能使用的字符“{0}”"),
)


def _syntax_error(exc: jinja2.TemplateSyntaxError, source: str, where: _Where) -> TemplateError:
    """TPL-SYNTAX in Chinese, placed at the unclosed tag when the template ends inside a block."""
    english = exc.message or str(exc)
    lineno = exc.lineno
    opened = _unclosed_block(source) if english.startswith(("Unexpected end of template", "Encountered unknown tag")) \
        else None
    if opened is not None and english.startswith("Unexpected end of template"):
        tag, lineno = opened
        what = f"“{{% {tag} %}}”没有对应的结束标签“{{% end{tag} %}}”（块未闭合）"
    elif opened is not None and english.startswith("Encountered unknown tag 'end"):
        tag, opened_at = opened
        what = (f"结束标签与前面未闭合的“{{% {tag} %}}”不匹配，“{{% {tag} %}}”应以“{{% end{tag} %}}”结束"
                f"（“{{% {tag} %}}”位于{where.describe(opened_at)}）")
    else:
        what = next((chinese.format(*m.groups()) for pattern, chinese in _JINJA_MESSAGES
                     if (m := pattern.match(english))), "模板代码无法解析")
    return TemplateError(f"模板语法错误：{what}（{english}）。位置：{where.describe(lineno)}", code="TPL-SYNTAX",
                         location=Location(file=where.file))


def _templated_parts(files: Mapping[str, bytes], source: str) -> dict[str, str]:
    """``{part name: label}`` of the parts that may hold template code, from ``[Content_Types].xml``."""
    types = files.get(ns.CONTENT_TYPES_PART)
    if types is None:
        raise TemplateError("模板不是有效的 Word 文档：缺少 [Content_Types].xml", code="TPL-NOT-DOCX",
                            location=Location(file=source))
    try:
        refuse_dtd(types, file="模板", part=ns.CONTENT_TYPES_PART)
        root = etree.fromstring(types, _SAFE_PARSER)
    except (InputError, etree.XMLSyntaxError) as exc:
        raise TemplateError(f"模板的 {ns.CONTENT_TYPES_PART} 无效：{exc}", code="TPL-XML",
                            location=Location(file=source)) from None
    out: dict[str, str] = {}
    for override in root.iter(ns.qn("ct:Override")):
        label = _TEMPLATED_TYPES.get(override.get("ContentType", ""))
        name = override.get("PartName", "").lstrip("/")
        if label and name in files:
            out[name] = label
    return out


def _read_zip(data: bytes, source: str) -> dict[str, bytes]:
    """The members of the template, through :mod:`reportgen.formats._archive` (sizes and ratios checked
    before inflating: a template with a 4 GB media part is refused, not read)."""
    try:
        with open_package(data, file=source, kind="Word 模板（.docx）", not_zip_code="TPL-NOT-DOCX") as archive:
            # LibreOffice can write a part twice; the last one wins, as in Word (getinfo finds the last).
            return {name: archive.read(name) for name in dict.fromkeys(archive.names()) if not name.endswith("/")}
    except InputError as exc:
        raise TemplateError(f"模板 {source} 不能使用：{exc.message}", code=exc.code, location=exc.location) from None


def _prepare(data: bytes, source: str, version: FormatVersion, custom: bool) -> _Prepared:
    files = _read_zip(data, source)
    env = _CUSTOM_ENV if custom else _ENV
    if custom:
        for name, raw in files.items():
            if name.endswith((".xml", ".rels")):
                try:
                    refuse_dtd(raw, file=source, part=name)
                except InputError as exc:
                    raise TemplateError(exc.message, code="TPL-XML", location=exc.location) from None
        try:
            fetching = sandbox.external_content(files)
        except etree.XMLSyntaxError as exc:
            raise TemplateError(f"模板 {source} 中的某个部件不是有效的 XML：{exc}", code="TPL-XML",
                                location=Location(file=source)) from None
        if fetching is not None:
            raise TemplateError(
                f"模板不能含有获取外部内容的域或外部关系，也不能在域代码中使用模板变量：{fetching}。"
                "请在 Word 中删除该域（Ctrl+F9 所插入的域）或链接后重试", code="TPL-FIELD", location=Location(file=source))
    templated = _templated_parts(files, source)
    patcher = _patcher()
    schema = context_schema(version)
    parts: list[_Part] = []
    static_ids: set[str] = set()
    unknown: list[Finding] = []
    for name, raw in files.items():
        label = templated.get(name)
        if label is None:
            continue
        try:
            root = etree.fromstring(raw, _SAFE_PARSER)
        except etree.XMLSyntaxError as exc:
            raise TemplateError(f"模板 {source} 的{label}（{name}）不是有效的 XML：{exc}", code="TPL-XML",
                                location=Location(file=source)) from exc
        text = etree.tostring(root, encoding="unicode")
        patched = text if label == _CORE_LABEL else patcher.patch_xml(text)
        if not any(marker in patched for marker in _ooxml.TEMPLATE_MARKERS):
            for doc_pr in root.iter(ns.qn("wp:docPr")):
                static_ids.add(doc_pr.get("id", ""))
            files[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            continue
        # docxtpl's own trick for error positions: one paragraph per line.
        analysed = _PARAGRAPH_START.sub(r"\n<w:p\1", patched)
        where = _Where(analysed, name, label, analysed.split("\n"), source)
        try:
            tree = env.parse(analysed)
        except jinja2.TemplateSyntaxError as exc:
            raise _syntax_error(exc, analysed, where) from exc
        _VariableChecker(schema, where, unknown).body(tree.body, {})
        try:
            fast: _compiled.Compiled | None = None
            if custom:  # every loop counted; ** and * are intercepted, so nothing runs away while compiling
                compiled = env.from_string(sandbox.bound_loops(env.parse(_XML_DECLARATION + patched)))
            else:
                compiled = env.from_string(_XML_DECLARATION + patched)
                # Only the trusted official template: custom ones keep the bounded sandbox and every check.
                fast = _compiled.compile_template(env.parse(_XML_DECLARATION + patched), _xml_value, _NOT_PLAIN)
        except sandbox.BudgetExceeded as exc:
            raise TemplateError(f"模板无法编译：{exc}。位置：{where.describe(None)}", code="TPL-TIMEOUT") from exc
        except jinja2.TemplateError as exc:  # pragma: no cover - the analysed version parsed
            raise TemplateError(f"模板无法编译：{exc}。位置：{where.describe(None)}", code="TPL-SYNTAX") from exc
        fix = bool(_TABLE_FIXING.search(text))
        proven = fast is not None and not fix and fast.proof(name, set())
        parts.append(_Part(name, label, compiled, fix, fast, proven))

    if unknown:
        raise _unknown_variables_error(unknown, source)
    rendered = {p.name for p in parts}
    static = package.entries_of([(name, raw) for name, raw in files.items() if name not in rendered])
    return _Prepared(hashlib.sha256(data).hexdigest(), static, tuple(parts), frozenset(static_ids))


_CACHE: dict[tuple[str, FormatVersion, bool], _Prepared] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 16


def _prepared(data: bytes, source: str, version: FormatVersion, custom: bool) -> _Prepared:
    key = (hashlib.sha256(data).hexdigest(), version, custom)
    found = _CACHE.get(key)
    if found is not None:
        return found
    prepared = _prepare(data, source, version, custom)
    with _CACHE_LOCK:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = prepared
    return prepared


def default_template_path(version: FormatVersion | str = FormatVersion.V2021) -> Path:
    """Where the official template of ``version`` is: installed in the package, or ``templates/`` of a checkout.

    ``version``: a :class:`~reportgen.domain.layout.FormatVersion` or its value (``"2021"``, ``"2019"``).

    :raises TemplateError: ``TPL-FORMAT`` for a version without an official template, ``TPL-NOT-FOUND``
        when the installation lacks the template file.
    """
    if not isinstance(version, FormatVersion):
        try:
            version = FormatVersion(str(version).strip())
        except ValueError:
            known = "、".join(f"“{v.value}”" for v in FormatVersion)
            raise TemplateError(f"不认识的格式版本“{version}”：应为 {known}", code="TPL-FORMAT") from None
    name = DEFAULT_TEMPLATE_NAMES.get(version)
    if name is None:
        raise TemplateError(
            f"没有 {version.value} 年格式的默认模板；请提供自定义模板", code="TPL-FORMAT"
        )
    resource = importlib.resources.files("reportgen").joinpath("templates", name)
    if resource.is_file():
        return Path(str(resource))
    checkout = Path(__file__).resolve().parents[3] / "templates" / name
    if checkout.is_file():
        return checkout
    raise TemplateError(f"找不到默认模板 {name}：安装不完整", code="TPL-NOT-FOUND")


_DEFAULT_BYTES: dict[Path, bytes] = {}


def _template_bytes(
    template: str | os.PathLike[str] | bytes | None, version: FormatVersion
) -> tuple[bytes, str, bool]:
    """``(content, name for messages, is the official template)``."""
    if template is None:
        path = default_template_path(version)
        data = _DEFAULT_BYTES.get(path)
        if data is None:
            data = _DEFAULT_BYTES[path] = path.read_bytes()
        return data, path.name, True
    if isinstance(template, bytes):
        if len(template) > limits.MAX_INPUT_BYTES:
            raise TemplateError(f"模板超过 {limits.MAX_INPUT_BYTES // (1024 * 1024)} MB 的上限", code="IN-TOO-LARGE")
        return template, "模板", False
    path = Path(template)
    try:
        # At most the limit: --template /dev/zero (or a FIFO, a growing file) cannot be read on and on.
        with path.open("rb") as stream:
            data = stream.read(limits.MAX_INPUT_BYTES + 1)
        if len(data) > limits.MAX_INPUT_BYTES:
            raise TemplateError(f"模板超过 {limits.MAX_INPUT_BYTES // (1024 * 1024)} MB 的上限，不是 Word 模板：{path}",
                                code="IN-TOO-LARGE", location=Location(file=str(path)))
        return data, str(path), False
    except FileNotFoundError:
        problem = "模板文件不存在"
    except IsADirectoryError:
        problem = "这是一个文件夹，不是 Word 模板（.docx）"
    except PermissionError:
        problem = "没有读取模板文件的权限"
    except OSError as exc:
        problem = f"无法读取模板文件（{exc.strerror or exc}）"
    raise TemplateError(f"{problem}：{path}", code="TPL-NOT-FOUND", location=Location(file=str(path)))


# --------------------------------------------------------------------------------------------
# Rendering


class DocxRenderer:
    """Renders reports into one Word template; prepare once, then :meth:`render` per report.

    ``template``: a path to a .docx template, its bytes, or ``None`` for the official template of
    ``version`` (:func:`default_template_path`; 2021 and the 2019 trial format both have one).
    Preparing (patching, compiling, checking variables) happens once per process per template
    content; creating more renderers for the same template is cheap.

    ``check=False`` skips the per-document structural checks, and only for the official template
    (whose structure cannot vary: its tables hold no template logic); custom templates are always
    checked.  For the official templates the checks are proven once per template instead
    (:meth:`reportgen.formats.word._compiled.Compiled.proof`), so they cost nothing per report either
    way; a part the proof does not cover is checked per document (about 0.2 ms once a document with the
    same markup has been checked in full in this process, see :class:`reportgen.formats.ooxml.check.KnownShapes`).
    """

    def __init__(
        self,
        template: str | os.PathLike[str] | bytes | None = None,
        *,
        version: FormatVersion = FormatVersion.V2021,
        check: bool = True,
    ) -> None:
        data, self.source, self.is_default = _template_bytes(template, version)
        self.check = check or not self.is_default
        self.version = version
        self._prepared = _prepared(data, self.source, version, not self.is_default)

    def render_bytes(self, report: Report) -> bytes:
        """The .docx of ``report`` as bytes (checked; :class:`RenderError` when invalid)."""
        if report.format_version is not self.version:
            raise TemplateError(
                f"报告采用 {report.format_version.value} 年格式，模板为 {self.version.value} 年格式",
                code="TPL-FORMAT",
                location=Location(organ=report.organ.name),
            )
        long = oversized_text(report)
        if long is not None:
            where, length = long
            raise RenderError(
                f"{where}有 {length} 个字符，超过一个段落 {limits.MAX_TEXT_CHARS} 个字符的上限（Word、LibreOffice 将无法"
                "打开这样的文档），未写入文件：请分成几段", code="RENDER-TEXT-LENGTH",
                location=Location(organ=report.organ.name, file=self.source))
        context = build_context(report)
        prepared = self._prepared
        rendered: list[tuple[str, bytes]] = []
        problems: list[str] = []
        docpr_ids = set(prepared.static_docpr_ids)
        next_id = max((int(i) for i in docpr_ids if i.isdigit()), default=0) + 1
        for part in prepared.parts:
            xml = self._render_part(part, context, report)
            if isinstance(xml, bytes):
                # Proven: this part's structure was checked once for every possible rendering (see _compiled).
                rendered.append((part.name, xml))
                continue
            if not self.check:
                rendered.append((part.name, xml.encode("utf-8")))
                continue
            leftover = _ooxml.find_leftover(xml)
            if leftover is not None:
                problems.append(f"{part.name}：残留未处理的模板代码“{leftover}”")
            data = xml.encode("utf-8")
            if not self.is_default and ("instr" in xml or "fldSimple" in xml):
                try:
                    fetching = sandbox.fetching_field(_ooxml.parse_part(data))
                except etree.XMLSyntaxError:
                    fetching = None  # reported below with the parse error
                if fetching is not None:
                    problems.append(f"{part.name}：含有获取外部内容的域“{fetching[:80]}”")
            if not part.fix_tables and part.shapes.covers(data, xml):
                # Same markup (no docPr among it) as a part already checked in full, other text: passes.
                rendered.append((part.name, data))
                continue
            has_docpr = b"docPr" in data
            try:
                root = _ooxml.parse_part(data)
            except etree.XMLSyntaxError as exc:
                problems.append(f"{part.name}：生成的 XML 无效：{exc}")
                continue
            changed = False
            if part.fix_tables:
                root = _patcher().fix_tables(xml)
                changed = True
            if has_docpr:
                for doc_pr in root.iter(ns.qn("wp:docPr")):
                    doc_pr.set("id", str(next_id))
                    next_id += 1
                changed = True
            found = len(problems)
            _ooxml.check_part(part.name, root, docpr_ids, problems)
            if changed:
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            elif len(problems) == found and leftover is None:
                part.shapes.learn(data)
            rendered.append((part.name, data))
        if problems:
            raise RenderError(
                "生成的 Word 文档未通过结构检查，未写入文件：" + "；".join(problems[:10]),
                code="RENDER-INVALID",
                location=Location(organ=report.organ.name, file=self.source),
            )
        # Level 1: a third of the deflate time of the default level, a few KB larger.
        return package.write_zip(prepared.static_entries + package.entries_of(rendered, level=1))

    def _render_part(self, part: _Part, context: Mapping[str, Any], report: Report) -> str | bytes:
        """The rendered part: UTF-8 ``bytes`` when its structure is proven (no per-document checks needed), else
        the text to check."""
        if self.is_default and part.compiled is not None:
            try:
                data = part.compiled.render_bytes(context)
                return data if part.proven else data.decode("utf-8")
            except _compiled.Fallback:
                pass  # Jinja renders it (same output, or Jinja's own error), and the checks run
        try:
            if self.is_default:
                return part.template.render(context)
            return sandbox.render(part.template, context)
        except sandbox.BudgetExceeded as exc:
            code, what = "TPL-TIMEOUT", f"模板渲染超过上限：{exc}"
        except jinja2.exceptions.SecurityError as exc:
            code, what = "TPL-UNSAFE", f"模板执行了不允许的操作：{exc}"
        except jinja2.UndefinedError as exc:
            code, what = "TPL-UNKNOWN-VAR", f"模板使用了未定义的值：{exc.message}"
        except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
            code, what = "TPL-RENDER", f"模板渲染失败：{exc}"
        except (RecursionError, MemoryError) as exc:  # a macro calling itself without end, a value too large
            code, what = "TPL-RENDER", f"模板渲染失败（{type(exc).__name__}：递归过深或数据过大）"
        raise TemplateError(
            f"{what}。位置：{part.label}（{part.name}）",
            code=code,
            location=Location(file=self.source, organ=report.organ.name),
        )

    def render(self, report: Report, path: str | os.PathLike[str]) -> Path:
        """Write the report; ``path`` is a ``.docx`` file or a folder (then ``<output_stem>.docx``).

        The write is atomic: on any error nothing is left at the target.
        """
        target = _target(report, path)
        data = self.render_bytes(report)
        with atomic_path(target) as tmp:
            tmp.write_bytes(data)
        return target


def _target(report: Report, path: str | os.PathLike[str]) -> Path:
    return output_target(path, ".docx", output_stem(report), "Word 报告")  # x.pdf: OUT-TARGET, not a folder


def render_docx(
    report: Report,
    path: str | os.PathLike[str],
    template: str | os.PathLike[str] | bytes | None = None,
) -> Path:
    """Write ``report`` as a Word document and return its path.

    ``path``: a ``.docx`` file name, or a folder to write ``<output_stem(report)>.docx`` into.
    ``template``: a custom .docx template (checked against :func:`context_schema`); ``None`` for the
    official template of the report's format (国办公开办函〔2021〕30号, or the 2019 trial format
    〔2019〕60号 for reports read back from old publications; GB/T 9704-2012 layout).
    """
    renderer = DocxRenderer(template, version=report.format_version)
    return renderer.render(report, path)

