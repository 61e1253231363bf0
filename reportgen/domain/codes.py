"""The catalogue of every stable code reportgen can report, and the one findings collector of the readers.

Every code a user can meet — in an :class:`~reportgen.domain.errors.ReportgenError` or in a
:class:`~reportgen.domain.findings.Finding` — is listed here once, as a :class:`Code`: its severity, the
Chinese message template the readers fill in, and an explanation (``docs/codes.md`` is generated from
this catalogue by ``scripts/gen_codes_doc.py``; a test fails on any code literal in ``reportgen/`` that is
not listed).  The check codes are not repeated here: :mod:`reportgen.domain.catalogue` adds them from
:data:`reportgen.domain.checks.CHECKS`.

Readers collect their problems with :class:`Findings`::

    found = Findings(file="a.yaml")
    found.add(IN_NEGATIVE, layout.cell_location(ref), what="件数", actual=-1)
    found.raise_if_any("输入文件有 {n} 处问题，未能读取。")

so the same mistake gets the same code and the same message in every format, and the exception's
top-level code is chosen by one rule (:func:`top_code`).
"""

from __future__ import annotations

import difflib
import string
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

import attrs

from reportgen.domain.errors import InputError
from reportgen.domain.findings import Finding, Location, Severity
from reportgen.domain.layout import FORMAT_DOCUMENT, FigureKind, FormatVersion, SectionSpec
from reportgen.domain.model import MAX_DECIMAL_PLACES, OrganKind
from reportgen.domain.values import MAX_YEAR, MIN_YEAR, InvalidValue, Reason, describe, expected_figure

__all__ = [
    "AREAS",
    "CODES",
    "ITEM_TITLE_MISSING",
    "ORGAN_NAME_MISSING",
    "Code",
    "Findings",
    "actual_of",
    "section_title_params",
    "top_code",
]

AREAS: Mapping[str, str] = {
    "input": "读取输入文件（YAML/JSON、填报表、县级汇总填报表；已发布报告中的同类错误） Reading inputs "
             "(and the same mistakes in published reports)",
    "extract": "读取已发布的报告（.docx、网页、PDF、.doc） Reading published reports",
    "template": "Word 模板 Word templates",
    "render": "生成文档 Rendering",
    "output": "写出文件 Writing outputs",
    "convert": "LibreOffice 转换 Conversion",
    "run": "批量生成、审核与跨年度 Bulk, audit and cross-year",
    "check": "检查规则（见 checks.md） Checks (see checks.md)",
}
"""The sections of ``docs/codes.md``, in order: area key → heading."""


@attrs.frozen(kw_only=True)
class Code:
    """One stable code: what it means, how serious it is and the message readers build from it."""

    code: str
    """The stable identifier, e.g. ``IN-NEGATIVE``."""
    severity: Severity
    template: str
    """The Chinese message with ``{name}`` fields filled by :meth:`message`; ``{detail}`` where the message
    is the reader's own (syntax errors, suggestions)."""
    doc: str
    """What the code means and what to do, for ``docs/codes.md``."""
    area: str = attrs.field(default="input", validator=attrs.validators.in_(tuple(AREAS)))

    @property
    def fields(self) -> tuple[str, ...]:
        """The ``{name}`` fields of :attr:`template`."""
        return tuple(name for _, name, _, _ in string.Formatter().parse(self.template) if name)

    def message(self, **params: object) -> str:
        """:attr:`template` filled with ``params`` (``hint`` defaults to nothing)."""
        values: dict[str, object] = {"hint": "", **params}
        return self.template.format(**values)

    def finding(
        self,
        location: Location,
        *,
        expected: int | Decimal | str | None = None,
        actual: int | Decimal | str | None = None,
        **params: object,
    ) -> Finding:
        """The finding of this code at ``location``, its message built from the template."""
        return Finding(code=self.code, severity=self.severity, message=self.message(**params), location=location,
                       expected=expected, actual=actual)


_REGISTRY: dict[str, Code] = {}


def _code(code: str, template: str, doc: str, *, area: str = "input", severity: Severity = Severity.ERROR) -> Code:
    if code in _REGISTRY:  # pragma: no cover - caught at import
        raise AssertionError(f"duplicate code {code}")
    entry = Code(code=code, severity=severity, template=template, doc=doc, area=area)
    _REGISTRY[code] = entry
    return entry


_DETAIL = "{detail}"

# -- input: every reader -----------------------------------------------------------------------------
IN_INVALID = _code("IN-INVALID", _DETAIL, "输入有多处（不同代码的）问题，或数据不能构成一份报告；各处问题见 findings。"
                   "Several problems of different codes (listed in the findings), or data that cannot form a report.")
IN_FILE = _code("IN-FILE", _DETAIL, "输入文件不存在、是文件夹或无法读取。The input file is missing, a folder or unreadable.")
IN_SUFFIX = _code("IN-SUFFIX", _DETAIL, "文件后缀不是 .yaml、.yml、.json、.xlsx 或 .docx。Unknown file suffix.")
IN_ENCODING = _code("IN-ENCODING", _DETAIL, "YAML/JSON 文件不是 UTF-8 编码（消息指出字节位置，并识别 GBK、UTF-16）。"
                    "The file is not UTF-8; the message names the byte offset.")
IN_EMPTY = _code("IN-EMPTY", "{what}不能为空{hint}。", "文件或必填文字是空的。An empty file or an empty required text.")
IN_YAML = _code("IN-YAML", _DETAIL, "YAML 语法错误（消息给出行、列和常见原因）。YAML syntax error with line and column.")
IN_JSON = _code("IN-JSON", _DETAIL, "JSON 语法错误（消息给出行、列）。JSON syntax error with line and column.")
IN_TYPE = _code("IN-TYPE", "应为{noun}，实际是{found}{hint}。",
                "值的类型不对：应为数字却写了文字、布尔值、“/”等；或应为映射/列表/文本却写了别的。已发布报告的表格或信息处理费句中印了文字（abc、三）亦然。"
                "A value of the wrong type (text where a number is expected, …).")
IN_DUPLICATE_KEY = _code("IN-DUPLICATE-KEY", "键“{key}”写了不止一次{line}；只能写一次。",
                         "同一个键写了两次（解析器会悄悄保留后一个）。A key written twice.")
IN_UNKNOWN_KEY = _code("IN-UNKNOWN-KEY", _DETAIL, "未知的键；消息给出最接近的有效键，或指出这是另一年格式的键。"
                       "Unknown key, with the closest valid one or the other format version it belongs to.")
IN_MISSING = _code("IN-MISSING", "缺少{what}（必填）{hint}。",
                   "必填的值没有填写：机关名称、事项标题、乡镇名称；YAML/JSON 中的统计数字（没有请填 0）。"
                   "A required value is missing.")
IN_FRACTION = _code("IN-FRACTION", "应为{noun}，实际是{found}；件数不能有小数。",
                    "件数有小数部分（已发布报告的表格中亦然）。A count with a fractional part.")
IN_NEGATIVE = _code("IN-NEGATIVE", "{what}不能为负数：实际是{found}。",
                    "件数或金额为负数（只有 2019 年格式的“本年增/减”可为负；已发布报告的表格和信息处理费句中亦然）。"
                    "A negative count or amount.")
IN_PRECISION = _code("IN-PRECISION", "金额最多 {places_max} 位小数，实际是 {number}（{places} 位小数）。",
                     "金额的小数位数超过 6 位（已发布报告中亦然）。An amount with more than six decimal places.")
IN_YEAR = _code("IN-YEAR", f"报告年度应为 {MIN_YEAR} 至 {MAX_YEAR} 之间的四位整数（如 2022），实际是{{found}}。",
                f"报告年度没有填写，或不是 {MIN_YEAR}–{MAX_YEAR} 之间的年份（已发布报告标题中的年度亦然）。The year is missing or not a year from {MIN_YEAR} to "
                f"{MAX_YEAR}.")
IN_DATE = _code("IN-DATE", "发布日期应为有效日期，如 2023-01-18 或 2023年1月18日，实际是{found}。",
                "发布日期无法识别或不存在（如 2023-02-30；已发布报告末尾的落款日期亦然）。The publication date is not a valid date.")
IN_KIND = _code("IN-KIND", "机关类型应为 {allowed} 之一，实际是{found}。{hint}",
                "机关类型不是已知类型（可写代码如 township，或名称如 乡镇人民政府）。Unknown organ kind.")
IN_FORMAT = _code("IN-FORMAT", "格式版本应为 {allowed}，实际是{found}。",
                  "格式版本不是 2021 或 2019。The format version is neither 2021 nor 2019.")
IN_SECTION_TITLE = _code("IN-SECTION-TITLE", "第{number}部分的标题只能是{allowed}，实际是“{text}”。",
                         "部分标题既不是官方标题，也不是其允许的另一写法。A section heading that is neither the "
                         "official title nor one of its aliases.")
IN_ENUM = _code("IN-ENUM", "已知事项的 key 应为 {allowed} 之一，实际是{found}。{hint}自定义事项不写 key，只写 title 和 text。",
                "“六、其他需要报告的事项”中已知事项的 key 无法识别。Unknown key of a known item of 六.")

# -- input: the fill-in form ----------------------------------------------------------------------
IN_XLSX_UNREADABLE = _code("IN-XLSX-UNREADABLE", _DETAIL, "工作簿无法打开（不是 .xlsx 或已损坏）。The workbook cannot be opened.")
IN_XLSX_SHEET = _code("IN-XLSX-SHEET", _DETAIL, "工作簿中找不到某张表或必需的工作表。A table's or a required sheet is missing.")
IN_XLSX_LABEL = _code("IN-XLSX-LABEL", _DETAIL, "填报表中的行、列标签被修改或删除（消息给出官方位置）。A label of the form was changed.")
IN_XLSX_AMBIGUOUS = _code("IN-XLSX-AMBIGUOUS", _DETAIL, "同一标签出现多次，无法确定读取哪一处。A label appears twice.")
IN_XLSX_INFO = _code("IN-XLSX-INFO", _DETAIL, "找不到“报告信息”工作表或其表头（项目 / 内容）。The info sheet or its header is missing.")
IN_XLSX_STATED = _code("IN-XLSX-STATED", _DETAIL, "填报的合计数的代码无法识别。Unknown code of a stated total.")

# -- input: the county workbook -------------------------------------------------------------------
IN_HEADER = _code("IN-HEADER", _DETAIL, "县级汇总填报表“数据”表的表头与统计表格式不符（请用 reportgen bulk-form 生成）。"
                  "The 数据 sheet's header does not match the format.")
IN_FIELD = _code("IN-FIELD", _DETAIL, "文字表中的字段代码未知。Unknown field code on a prose sheet.")
IN_PLACEHOLDER = _code("IN-PLACEHOLDER", _DETAIL, "文字中的占位符（如 {机关名称}）未定义；花括号本身请写 {{ 或 }}。"
                       "Unknown placeholder in prose.")
IN_UNKNOWN_TOWNSHIP = _code("IN-UNKNOWN-TOWNSHIP", _DETAIL, "“分别文字”表中的乡镇（街道）不在“数据”表中。"
                            "An override for a township that is not on the 数据 sheet.")

# -- extract ------------------------------------------------------------------------------------
EXTRACT_FAILED = _code("EXTRACT-FAILED", _DETAIL, "已发布的报告无法读回，且问题不止一种代码（各处问题见 findings）。"
                       "A published report cannot be read back; its findings have several codes.",
                       area="extract")
EX_OPEN = _code("EX-OPEN", _DETAIL, "文件不存在或不是有效的 .docx。Missing or not a .docx file.", area="extract")
EX_TITLE = _code("EX-TITLE", _DETAIL, "找不到报告标题，无法确定机关名称和年度。No report title found.", area="extract")
EX_TABLE_MISSING = _code("EX-TABLE-MISSING", _DETAIL, "找不到某张统计表（按行、列标题识别）。A table is missing.", area="extract")
EX_MIXED_FORMAT = _code("EX-MIXED-FORMAT", _DETAIL, "表格混用了 2019 年和 2021 年格式。Tables of two format versions.",
                        area="extract")
EX_NO_HEADER = _code("EX-NO-HEADER", _DETAIL, "表格缺少列标题行。A table has no column header row.", area="extract")
EX_COLUMN_MISSING = _code("EX-COLUMN-MISSING", _DETAIL, "表格找不到某一列。A column is missing.", area="extract")
EX_ROW_MISSING = _code("EX-ROW-MISSING", _DETAIL, "表格找不到某一行。A row is missing.", area="extract")
EX_UNKNOWN_ROW = _code("EX-UNKNOWN-ROW", _DETAIL, "表格中有不属于官方格式的行。A row the format does not have.", area="extract")
EX_AMBIGUOUS = _code("EX-AMBIGUOUS", _DETAIL, "标签出现多次，无法确定读取哪一处。An ambiguous label.", area="extract")
EX_FIGURE = _code("EX-FIGURE", _DETAIL, "读出的数字不能构成统计表（少见）；不是数字、负数、小数等与输入文件相同的错误报告为 "
                  "IN-TYPE、IN-NEGATIVE、IN-FRACTION、IN-PRECISION。Figures read that do not form the table (rare).",
                  area="extract")
EX_SUFFIX = _code("EX-SUFFIX", _DETAIL, "不认识的已发布报告文件类型（支持 .docx、.html/.htm/.shtml/.mhtml、.pdf、"
                  ".doc/.wps/.odt/.rtf）。Unknown published-report file type.", area="extract")
EX_PDF_SCAN = _code("EX-PDF-SCAN", _DETAIL, "PDF 没有文字层（扫描件或图片），无法读取；请取得文字版 PDF、网页或 Word 文件，或先做文字识别。"
                    "A scanned PDF with no text.", area="extract")
EX_NO_LIBREOFFICE = _code("EX-NO-LIBREOFFICE", _DETAIL, "读取 .doc/.wps/.odt/.rtf 需要 LibreOffice，但未安装（消息给出安装方法）。"
                          "LibreOffice is needed to read this file.", area="extract")
EX_CONVERT = _code("EX-CONVERT", _DETAIL, "LibreOffice 未能把该文件转换为 .docx。LibreOffice could not convert the file.",
                   area="extract")
EX_ROW_INCOMPLETE = _code("EX-ROW-INCOMPLETE", _DETAIL, "表格某行印出的数字少于应有的列数，无法确定各属哪一列，本行未读取（部分读取）。"
                          "A row prints fewer figures than columns; the row is not read.", area="extract")
EX_FIGURE_MISSING = _code("EX-FIGURE-MISSING", _DETAIL, "表格中某个数字没有印出（表格不完整，部分读取）；不会当作 0。"
                          "A figure is not printed (partial reading); never taken as 0.", area="extract")
EX_EXTRA_FIGURES = _code("EX-EXTRA-FIGURES", _DETAIL, "表格印出的数字多于官方格式的列数。More figures than the format has.",
                         area="extract")
EX_AMOUNT_YUAN = _code("EX-AMOUNT-YUAN", _DETAIL, "金额以“元”印出，已精确换算为万元；表格单位应为万元。"
                       "An amount printed in 元, converted exactly to 万元.", area="extract", severity=Severity.WARNING)
EX_INVALID = _code("EX-INVALID", _DETAIL, "读出的数据不能构成一份报告。The data read do not form a report.", area="extract")

# -- templates and rendering -------------------------------------------------------------------
TPL_INVALID = _code("TPL-INVALID", _DETAIL, "Word 模板无法使用。The Word template cannot be used.", area="template")
TPL_NOT_FOUND = _code("TPL-NOT-FOUND", _DETAIL, "模板文件不存在（或默认模板未安装）。Template not found.", area="template")
TPL_NOT_DOCX = _code("TPL-NOT-DOCX", _DETAIL, "模板不是有效的 .docx。The template is not a .docx.", area="template")
TPL_XML = _code("TPL-XML", _DETAIL, "模板中的某个部件不是有效的 XML。A template part is not valid XML.", area="template")
TPL_SYNTAX = _code("TPL-SYNTAX", _DETAIL, "模板语法错误（给出位置）。Template syntax error.", area="template")
TPL_UNKNOWN_VAR = _code("TPL-UNKNOWN-VAR", _DETAIL, "模板使用了未定义的变量。Unknown template variable.", area="template")
TPL_UNSUPPORTED = _code("TPL-UNSUPPORTED", _DETAIL, "模板使用了 extends/include/import。Unsupported template tag.",
                        area="template")
TPL_UNSAFE = _code("TPL-UNSAFE", _DETAIL, "模板访问了不允许的属性或操作。Unsafe template access.", area="template")
TPL_FORMAT = _code("TPL-FORMAT", _DETAIL, "模板与报告的格式版本不符，或没有该版本的默认模板。Template of another format version.",
                   area="template")
TPL_RENDER = _code("TPL-RENDER", _DETAIL, "模板渲染失败。Rendering the template failed.", area="template")
TPL_TIMEOUT = _code("TPL-TIMEOUT", _DETAIL, "模板渲染超过时间、循环次数或输出大小的上限（见 limits.md）。"
                    "A template ran past its time, iteration or output budget.", area="template")
TPL_FIELD = _code("TPL-FIELD", _DETAIL, "模板含有获取外部内容的域（INCLUDETEXT、INCLUDEPICTURE、LINK、DDE、IMPORT）、外部关系，"
                  "或在域代码中使用模板变量。A field fetching external content, an external relationship, or a "
                  "template variable inside a field instruction.", area="template")
RENDER_TEXT_LENGTH = _code("RENDER-TEXT-LENGTH", _DETAIL, "报告中某段文字超过一个段落的长度上限，Word/LibreOffice 将无法打开，"
                           "未写出文件；请分段。A paragraph longer than the limit; nothing written.", area="render")
RENDER_INVALID = _code("RENDER-INVALID", _DETAIL, "生成的文档未通过结构检查，未写出任何文件。The generated document "
                       "failed its structural checks; nothing was written.", area="render")

# -- packages, limits, township lists ---------------------------------------------------------------
IN_TOO_LARGE = _code("IN-TOO-LARGE", _DETAIL, "输入文件超过大小上限（见 limits.md）。The input is larger than the limit.")
IN_TOO_MANY = _code("IN-TOO-MANY", _DETAIL, "条目数超过上限（名单行数、事项数、键数；见 limits.md）。Too many entries.")
IN_ZIP_CORRUPT = _code("IN-ZIP-CORRUPT", _DETAIL, ".docx/.xlsx 不是有效的 zip 包，或某个部件已损坏、被截断。"
                       "A damaged or truncated Office package.")
IN_ZIP_PART = _code("IN-ZIP-PART", _DETAIL, "Office 文档缺少必需的部件。A required package part is missing.")
IN_ZIP_BOMB = _code("IN-ZIP-BOMB", _DETAIL, "解压后的大小、部件数或压缩比超过上限（疑似压缩炸弹），读取前即拒绝。"
                    "A member inflates past the limits (zip bomb); refused before reading.")
IN_ZIP_UNSUPPORTED = _code("IN-ZIP-UNSUPPORTED", _DETAIL, "部件已加密或使用了不支持的压缩方式：请去掉密码或用 Word/Excel/WPS 另存。"
                           "Encrypted or unsupported compression.")
IN_XML_DTD = _code("IN-XML-DTD", _DETAIL, "XML 部件含有 DTD 或实体声明（XXE、实体膨胀），Office 文档不会有，已拒绝读取。"
                   "A DTD or entity declaration in an XML part; refused.")
IN_XML_CORRUPT = _code("IN-XML-CORRUPT", _DETAIL, "XML 部件已损坏（给出部件、行和列）。A malformed XML part.")
IN_YAML_ALIAS = _code("IN-YAML-ALIAS", _DETAIL, "YAML 别名（*name）过多或用作键（实体膨胀，billion laughs），读取前即拒绝。"
                      "Too many YAML aliases, or an alias used as a mapping key; refused.")
IN_TEXT_LENGTH = _code("IN-TEXT-LENGTH", _DETAIL, "一个段落或一个单元格的文字超过长度上限（见 limits.md）。"
                       "A paragraph or a cell is longer than the limit.")
IN_TABLE_SIZE = _code("IN-TABLE-SIZE", _DETAIL, "Word 表格的列数（gridSpan/gridBefore/gridAfter）或行数超过上限。"
                      "A Word table with more grid columns or rows than the limit.")
IN_SHEET_SIZE = _code("IN-SHEET-SIZE", _DETAIL, "工作表的行数 × 列数超过上限。A worksheet larger than the limit.")
IN_FORMULA = _code("IN-FORMULA", _DETAIL, "数字单元格是没有计算结果的公式（文件未经 Excel/WPS 保存），不能当作 0 读取。"
                   "A figure cell holds a formula without a cached value; it is never read as 0.")
IN_XLSX_OPEN = _code("IN-XLSX-OPEN", _DETAIL, "文件无法作为 Excel 工作簿打开。The file is not an Excel workbook.")
IN_TOWNSHIP_EMPTY = _code("IN-TOWNSHIP-EMPTY", _DETAIL, "乡镇（街道）名单中没有乡镇。The township list is empty.")
IN_TOWNSHIP_DUPLICATE = _code("IN-TOWNSHIP-DUPLICATE", _DETAIL, "乡镇（街道）名单中同一名称出现多次（给出行号）。"
                              "A township listed twice (the lines are named).")

# -- the command line ---------------------------------------------------------------------------------
CLI_USAGE = _code("CLI-USAGE", _DETAIL, "命令用法错误：缺少选项或参数、未知选项、值无效（中文说明后附 click 的英文原文），退出状态 2。"
                  "A command-line usage error; exit status 2.", area="run")
CLI_INTERRUPTED = _code("CLI-INTERRUPTED", _DETAIL, "用 Ctrl-C 中断；不留下写了一半的文件，退出状态 130。"
                        "Interrupted by Ctrl-C; exit status 130.", area="run")
OUT_EXISTS = _code("OUT-EXISTS", _DETAIL, "输出文件已存在，未覆盖；加 --force 覆盖（new、form、bulk-form、render）。"
                   "An output exists; use --force to overwrite it.", area="output")
CLI_OUTPUT_SUFFIX = _code("CLI-OUTPUT-SUFFIX", _DETAIL, "输出文件的后缀不对（如填报表须为 .xlsx）。The output has the wrong suffix.",
                          area="output")
CLI_EMPTY = _code("CLI-EMPTY", _DETAIL, "文件夹中没有可处理的输入文件（bulk、audit），退出状态 2。"
                  "The folder holds no input to process; exit status 2.", area="run")
CLI_PREVIOUS_USED = _code("CLI-PREVIOUS-USED", _DETAIL, "提示：上年结转取自 --previous 给出的上年度报告（消息指出文件）。"
                          "Notice: 上年结转 was filled from the named last-year report.", area="run",
                          severity=Severity.WARNING)
IN_COUNTY_WORKBOOK = _code("IN-COUNTY-WORKBOOK", _DETAIL, "给 check/render 的是县级汇总填报表（多个乡镇），"
                           "请用 reportgen bulk（只检查：bulk --check-only）。A county workbook given to check/render.")
EX_NOT_REPORT = _code("EX-NOT-REPORT", _DETAIL, "文件不是政府信息公开工作年度报告（没有年度报告的标题和统计表）。"
                      "The document is not an annual information-disclosure report.", area="extract")
OUT_TARGET = _code("OUT-TARGET", _DETAIL, "输出路径的后缀与要写的文件不符（如 render_xlsx 写到 .docx）。"
                   "The output path's suffix does not match the file written.", area="output")

# -- output, conversion --------------------------------------------------------------------------
OUT_WRITE = _code("OUT-WRITE", _DETAIL, "输出文件无法写出（文件夹不存在、无权限）；不会留下写了一半的文件。"
                  "An output cannot be written; nothing is left half-written.", area="output")
CONVERT_FAILED = _code("CONVERT-FAILED", _DETAIL, "LibreOffice 转换失败。LibreOffice failed.", area="convert")
CONVERT_MISSING = _code("CONVERT-MISSING", _DETAIL, "要转换的文件不存在。The file to convert is missing.", area="convert")
CONVERT_NO_LIBREOFFICE = _code("CONVERT-NO-LIBREOFFICE", _DETAIL, "未安装 LibreOffice（soffice）。LibreOffice is not installed.",
                               area="convert")
PREVIEW_FAILED = _code("PREVIEW-FAILED", _DETAIL, "由 PDF 生成页面预览图失败。Making page previews from the PDF failed.",
                       area="convert")
PREVIEW_NO_POPPLER = _code("PREVIEW-NO-POPPLER", _DETAIL, "生成预览图需要 poppler（pdftoppm），未安装。"
                           "pdftoppm (poppler) is needed for previews.", area="convert")
CONVERT_TIMEOUT = _code("CONVERT-TIMEOUT", _DETAIL, "LibreOffice 转换超时。LibreOffice timed out.", area="convert")

# -- runs: bulk, audit, cross-year ----------------------------------------------------------------
RG_ERROR = _code("RG-ERROR", _DETAIL, "其他错误（所有错误的基类）。Any other error (the base class).", area="run")
BULK_DUPLICATE = _code("BULK-DUPLICATE", _DETAIL, "批量生成时同一机关、同一年度出现多次。The same organ and year twice in a bulk run.",
                       area="run")
BULK_INTERNAL = _code("BULK-INTERNAL", _DETAIL, "批量生成中某个乡镇处理时发生内部错误（其余乡镇照常生成）。"
                      "An internal error for one township of a bulk run.", area="run")
BULK_DASK = _code("BULK-DASK", _DETAIL, "dask 分布式执行失败或未安装。The dask scheduler failed or is missing.", area="run")
AUDIT_INTERNAL = _code("AUDIT-INTERNAL", _DETAIL, "审核某个文件时发生内部错误（其余文件照常审核）。"
                       "An internal error while auditing one file.", area="run")
WORKER_MEMORY = _code("WORKER-MEMORY", "处理该文件时内存不足{limit}：已停止处理它，其余文件照常处理。请检查文件是否异常"
                      "（如内容被大量重复），或用环境变量 REPORTGEN_WORKER_MEMORY_MB 调高上限。",
                      "处理一个输入（文件、乡镇）时超出工作进程的内存上限（MAX_WORKER_MEMORY_MB，见 limits.md）；"
                      "只有它失败，其余照常。A worker exceeded its memory budget on one input; only that input fails.",
                      area="run")
WORKER_TIMEOUT = _code("WORKER-TIMEOUT", "处理超时（超过 {seconds} 秒）：已终止处理它的工作进程，其余文件照常处理。"
                       "请检查文件是否异常，或用环境变量 REPORTGEN_TASK_SECONDS 调高上限。",
                       "处理一个输入（文件、乡镇）超过时间上限（MAX_TASK_SECONDS，见 limits.md）：工作进程及其启动的 "
                       "LibreOffice 被终止，进程池被替换，其余输入照常。A worker exceeded its time budget on one input; "
                       "it was killed and replaced, only that input fails.", area="run")
WORKER_DIED = _code("WORKER-DIED", "处理该文件时工作进程意外退出（可能因内存不足被系统终止），单独重试一次仍然如此："
                    "已跳过它，其余文件照常处理。",
                    "处理一个输入时工作进程两次意外退出（被系统的 OOM killer 或其他信号终止）；第一次时与它同时处理的"
                    "输入已各自重试。A worker died twice on one input (alone the second time); only that input fails.",
                    area="run")
WORKER_BUDGET = _code("WORKER-BUDGET", "环境变量 {name} 的值“{value}”无效：应为{expected}，0 表示不设上限。",
                      "工作进程的内存或时间上限（REPORTGEN_WORKER_MEMORY_MB、REPORTGEN_TASK_SECONDS）设置无效。"
                      "An invalid worker-budget environment variable.", area="run")
PREVIOUS_MISMATCH = _code("PREVIOUS-MISMATCH", _DETAIL, "给出的上年度报告中没有本机关上一年度的报告：未填写上年结转，"
                          "也未做跨年度核对。No matching last-year report was given.",
                          area="run", severity=Severity.WARNING)


ORGAN_NAME_MISSING: Mapping[str, str] = {"what": "机关名称", "hint": "，应为机关全称，如 招远市金岭镇人民政府"}
"""``IN-MISSING`` parameters for an organ without a name (every reader words it so)."""
ITEM_TITLE_MISSING: Mapping[str, str] = {"what": "事项标题", "hint": "：“六、其他需要报告的事项”中的每一项都要有标题"}
"""``IN-MISSING`` parameters for an item of 六 without a title."""


def section_title_params(spec: SectionSpec, text: str) -> dict[str, str]:
    """``IN-SECTION-TITLE`` parameters: ``text`` is neither ``spec``'s official title nor one of its aliases."""
    allowed = "、".join(f"“{t}”" for t in spec.titles)
    return {"number": spec.number, "allowed": ("以下之一：" if spec.aliases else "") + allowed, "text": text}


CODES: Mapping[str, Code] = _REGISTRY
"""Every code above, by code. The check codes are added by :data:`reportgen.domain.catalogue.CATALOGUE`
(this module stands below the checks, which use it)."""


def top_code(findings: Sequence[Finding], default: str = IN_INVALID.code) -> str:
    """The one rule for an error's own code: the code all its findings share, else ``default`` (IN-INVALID)."""
    codes = {f.code for f in findings}
    return codes.pop() if len(codes) == 1 else default


@attrs.define
class Findings:
    """Collects a reader's findings, each built from the catalogue; raises them at once."""

    file: str | None = None
    """Put into every finding's location that names no file."""
    organ: str | None = None
    items: list[Finding] = attrs.Factory(list)

    def add(
        self,
        entry: Code | str,
        location: Location | None = None,
        *,
        expected: int | Decimal | str | None = None,
        actual: int | Decimal | str | None = None,
        **params: object,
    ) -> Finding:
        """Record the finding of ``entry`` (a :class:`Code` or its name) at ``location``; returns it."""
        entry = entry if isinstance(entry, Code) else CODES[entry]
        location = location or Location()
        finding = entry.finding(location.with_context(file=self.file, organ=self.organ), expected=expected,
                                actual=actual, **params)
        self.items.append(finding)
        return finding

    def extend(self, findings: Iterable[Finding]) -> None:
        """Record findings made elsewhere."""
        self.items.extend(f.with_context(file=self.file, organ=self.organ) for f in findings)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def error(self, summary: str, *, location: Location | None = None,
              error: type[InputError] = InputError) -> InputError:
        """The error listing every finding; ``summary`` may use ``{n}`` (how many).

        Its code by :func:`top_code`: the findings' one code, else the class's own (``IN-INVALID``).
        """
        return error(
            summary.format(n=len(self.items)),
            code=top_code(self.items, default=error.code),
            location=location or Location(file=self.file, organ=self.organ),
            findings=self.items,
        )

    def raise_if_any(self, summary: str = "有 {n} 处问题，未能读取。", *, location: Location | None = None,
                     error: type[InputError] = InputError) -> None:
        """Raise :meth:`error` when anything was found."""
        if self.items:
            raise self.error(summary, location=location, error=error)

    # -- the value mistakes, worded once for every reader ---------------------------------------

    def figure(self, exc: InvalidValue, value: object, location: Location, kind: FigureKind, *,
               unit: str = "万元") -> Finding:
        """The finding for ``value``, which :func:`~reportgen.domain.values.parse_figure` refused with ``exc``."""
        noun = expected_figure(kind, unit=unit)
        number = exc.figure
        if exc.reason is Reason.BLANK:
            what = "金额" if kind == "amount" else "数字"
            return self.add(IN_MISSING, location, expected=0, actual=actual_of(value), what=what,
                            hint=f"：应为{noun}，没有请填 0")
        if exc.reason is Reason.FRACTION:
            return self.add(IN_FRACTION, location, expected=noun, actual=str(actual_of(value)),
                            noun=noun, found=describe(value))
        if exc.reason is Reason.NEGATIVE:
            return self.add(IN_NEGATIVE, location, expected="≥ 0", actual=number,
                            what="金额" if kind == "amount" else "件数", found=describe(value))
        if exc.reason is Reason.PLACES:
            assert isinstance(number, Decimal)
            places = -int(number.as_tuple().exponent)
            return self.add(IN_PRECISION, location, expected=f"≤ {MAX_DECIMAL_PLACES} 位小数", actual=number,
                            places_max=MAX_DECIMAL_PLACES, number=number, places=places)
        hint = ""
        if isinstance(value, bool):
            hint = "（true/false、yes/no 不是数字）"
        elif exc.reason is Reason.MARK:
            hint = "；没有请填 0，不要填“/”或“无”"
        return self.wrong_type(location, noun, value, hint=hint)

    def wrong_type(self, location: Location, expected: str, value: object, *, found: str | None = None,
                   hint: str = "") -> Finding:
        """``IN-TYPE``: ``value`` is not the ``expected`` kind of thing."""
        return self.add(IN_TYPE, location, expected=expected, actual=actual_of(value),
                        noun=expected, found=describe(value) if found is None else found, hint=hint)

    def year(self, value: object, location: Location) -> Finding:
        """``IN-YEAR`` for a year :func:`~reportgen.domain.values.parse_year` refused (nothing written included)."""
        blank = value is None or (isinstance(value, str) and not value.strip())
        found = "未填写（报告年度必填）" if blank else describe(value)
        return self.add(IN_YEAR, location, expected="2022", actual=actual_of(value), found=found)

    def date(self, value: object, location: Location) -> Finding:
        """``IN-DATE`` for a date :func:`~reportgen.domain.values.parse_date` refused."""
        return self.add(IN_DATE, location, expected="2023-01-18", actual=actual_of(value), found=describe(value))

    def organ_kind(self, value: object, location: Location) -> Finding:
        """``IN-KIND`` for an organ kind :func:`~reportgen.domain.values.parse_organ_kind` refused."""
        text = value.strip() if isinstance(value, str) else ""
        close = difflib.get_close_matches(text, [k.value for k in OrganKind], n=1, cutoff=0.6)
        allowed = "、".join(f"{k.value}（{k.label}）" for k in OrganKind)
        return self.add(IN_KIND, location, expected=close[0] if close else None, actual=actual_of(value),
                        allowed=allowed, found=describe(value), hint=f"是否应为 {close[0]}？" if close else "")

    def version(self, value: object, location: Location) -> Finding:
        """``IN-FORMAT`` for a format version :func:`~reportgen.domain.values.parse_version` refused."""
        allowed = "、".join(f"\"{v.value}\"（{FORMAT_DOCUMENT[v]}）" for v in FormatVersion)
        return self.add(IN_FORMAT, location, expected=FormatVersion.V2021.value, actual=actual_of(value),
                        allowed=allowed, found=describe(value))


def actual_of(value: object) -> int | Decimal | str | None:
    """``value`` as a finding's ``actual``: numbers and text as they are, anything else described."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return int(value) if value.is_integer() else str(value)
    if isinstance(value, (int, Decimal, str)) or value is None:
        return value
    return describe(value)
