"""Values as users write them: the one parser behind every reader (YAML/JSON, fill-in form, county workbook,
published reports).

Each ``parse_*`` returns a value or raises :class:`InvalidValue`, whose :class:`Reason` is stable; the
readers turn the reason into a finding of the code catalogue (:mod:`reportgen.domain.codes`), so the same
mistake gets the same code and message in every format.

- :func:`parse_figure` — counts, signed counts and amounts (below);
- :func:`parse_year` — the year reported on, 2008–2100;
- :func:`parse_date` — ``2023-01-18``, ``2023/1/18``, ``2023.1.18``, ``2023年1月18日`` (and, in worksheets,
  date cells and Excel serial numbers);
- :func:`parse_organ_kind` — an :class:`~reportgen.domain.model.OrganKind` from its value, its label or a
  common word (``乡镇``, ``街道``);
- :func:`parse_version` — the :class:`~reportgen.domain.layout.FormatVersion` (``2021``, ``2019``).

Figures
-------

A figure of the statistics tables reaches reportgen in many shapes: an ``int`` or ``float`` from a
YAML file or an Excel cell, a ``Decimal``, or text — ``" 3 "``, ``"３"``, ``"1,234"``, ``"−2"`` (the
2019 本年增/减), ``"190.457379"`` (万元, kept exactly), ``"12件"`` in a published report, ``"/"`` or
``"无"`` for none.  :func:`parse_figure` turns all of them into a :data:`~reportgen.domain.model.Figure` of
a :data:`~reportgen.domain.layout.FigureKind` (``int`` for ``count``/``signed``, ``Decimal`` for ``amount``)
or raises :class:`InvalidValue`, whose :class:`Reason` is stable and whose ``message`` is a short
Chinese reason (``不是整数``) that callers put into their own located messages.

What differs between readers is explicit: whether a blank cell or a zero marker means 0 (a fill-in
form, the county workbook, a published report) or is an error (an input file: 没有请填 0), and
whether a unit after the number (``件``, ``项``, ``万元`` …) is accepted (published reports only).
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
import unicodedata
from decimal import Decimal
from typing import Literal

from reportgen.domain.layout import FigureKind, FormatVersion, normalize_label
from reportgen.domain.model import MAX_DECIMAL_PLACES, Figure, OrganKind

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "ZERO_MARKS",
    "Blank",
    "FigureError",
    "InvalidValue",
    "Reason",
    "as_printed",
    "describe",
    "expected_figure",
    "is_date_text",
    "parse_date",
    "parse_figure",
    "parse_organ_kind",
    "parse_version",
    "parse_year",
]


class Reason(enum.StrEnum):
    """Why a value is not what was asked for; stable, for callers choosing their error code and wording."""

    BLANK = "blank"
    """Nothing written (``None``, empty or whitespace-only text), with ``blank="error"``."""
    MARK = "mark"
    """A zero marker such as ``/`` or ``无`` (:data:`ZERO_MARKS`), with ``blank="error"``."""
    TYPE = "type"
    """Not a number at all: text that is no number, a boolean, a date, NaN/infinity, a list …"""
    FRACTION = "fraction"
    """A number with a fractional part where a whole number is expected."""
    NEGATIVE = "negative"
    """A negative number where the kind allows none (``count``, ``amount``)."""
    PLACES = "places"
    """An amount with more than :data:`~reportgen.domain.model.MAX_DECIMAL_PLACES` decimal places."""
    RANGE = "range"
    """A year outside :data:`MIN_YEAR`–:data:`MAX_YEAR`, or text that is no year at all."""
    DATE = "date"
    """Not a date: text in none of the accepted forms, or a day that does not exist (2023-02-30)."""
    UNKNOWN = "unknown"
    """Not one of the allowed choices (an organ kind, a format version)."""


class InvalidValue(ValueError):
    """A value that is not of the kind asked for (a figure, a year, a date, an organ kind, a version).

    ``reason`` is the stable :class:`Reason`; ``message`` (also ``str(error)``) a short Chinese
    reason such as ``不是整数``; ``figure`` the number read when it is only out of range
    (:attr:`Reason.NEGATIVE`, :attr:`Reason.PLACES`), else ``None``.
    """

    def __init__(self, reason: Reason, message: str, figure: Figure | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.figure = figure


FigureError = InvalidValue
"""The name :func:`parse_figure`'s error had before the other values joined it (kept for callers)."""

Blank = Literal["zero", "error"]
"""What a blank value or a zero marker means: ``"zero"`` → 0; ``"error"`` → :class:`InvalidValue`."""

ZERO_MARKS = frozenset({"/", "\\", "-", "--", "---", "无", "空"})
"""What users write for "none", after NFKC and with every dash as ``-`` (``—``, ``——``, ``／`` …)."""

_DASHES = str.maketrans({"—": "-", "–": "-", "−": "-", "‐": "-", "‑": "-"})
_WHITESPACE = re.compile(r"\s+")
_UNIT = re.compile(r"(?:件|项|个|条|次|万元)$")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_NOT_NUMBER = "不是数字"


def parse_figure(
    value: object,
    kind: FigureKind,
    *,
    number_format: str = "General",
    blank: Blank = "zero",
    units: bool = False,
) -> Figure:
    """The figure a user meant by ``value``; :class:`InvalidValue` when it is none.

    - ``kind``: ``count`` → ``int`` ≥ 0; ``signed`` → ``int``; ``amount`` → ``Decimal`` ≥ 0 with at
      most :data:`~reportgen.domain.model.MAX_DECIMAL_PLACES` places, exactly as written (``"1.50"`` keeps
      its places).  A whole number written with zero decimals (``3.0``, ``"3.00"``) is a whole number.
    - Text: NFKC first (full-width digits, ``，`` and ``－``), whitespace anywhere ignored, any dash
      read as a minus sign, thousands separators accepted where they group by three (``1,234``; not
      ``1,5``).  No exponents, no NaN.
    - ``number_format``: an Excel cell's number format; a float in a cell formatted ``0.00`` means
      an amount with two places (``1.5`` → ``1.50``).  Floats are read by their shortest repr, and
      float noise beyond :data:`~reportgen.domain.model.MAX_DECIMAL_PLACES` (``0.1+0.2``) by Excel's 15
      significant digits.
    - ``blank``: ``"zero"`` (the default: forms and published reports) reads ``None``, blank text and
      the :data:`ZERO_MARKS` as 0; ``"error"`` (YAML/JSON input files, where a 0 must be
      written) raises :attr:`Reason.BLANK` for blanks and :attr:`Reason.MARK` for the markers.
    - ``units``: accept a unit after the number, ``件 项 个 条 次 万元`` (published reports print
      ``12件``); off by default.
    - Booleans and dates are never figures (``True`` is not 1).
    """
    if value is None:
        return _blank(kind, blank)
    if isinstance(value, (bool, dt.date, dt.time, dt.timedelta)):
        raise InvalidValue(Reason.TYPE, _NOT_NUMBER)
    if isinstance(value, str):
        return _check(_parse_text(value, kind, blank, units), kind)
    if isinstance(value, int):
        return _check(Decimal(value), kind)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidValue(Reason.TYPE, "不是有限的数")
        if kind != "amount":
            return _check(Decimal(value), kind)  # exact: 2.5 stays a fraction, 3.0 is 3
        return _check(_float_decimal(value, number_format), kind)
    if isinstance(value, Decimal):
        return _check(value, kind)
    raise InvalidValue(Reason.TYPE, _NOT_NUMBER)


def _blank(kind: FigureKind, blank: Blank) -> Figure:
    if blank == "error":
        raise InvalidValue(Reason.BLANK, "未填写")
    return Decimal(0) if kind == "amount" else 0


def _parse_text(value: str, kind: FigureKind, blank: Blank, units: bool) -> Figure:
    text = _WHITESPACE.sub("", unicodedata.normalize("NFKC", value).translate(_DASHES))
    if not text:
        return _blank(kind, blank)
    if text in ZERO_MARKS:
        if blank == "error":
            raise InvalidValue(Reason.MARK, _NOT_NUMBER)
        return _blank(kind, blank)
    if units:
        text = _UNIT.sub("", text)
    if "," in text:
        if not _GROUPED.fullmatch(text):
            raise InvalidValue(Reason.TYPE, _NOT_NUMBER)
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text):
        raise InvalidValue(Reason.TYPE, _NOT_NUMBER)
    return Decimal(text)


def _check(number: Figure, kind: FigureKind) -> Figure:
    """``number`` as a figure of ``kind``, or the reason it is none."""
    if isinstance(number, int):
        return number  # a blank read as 0, already of its kind
    if not number.is_finite():
        raise InvalidValue(Reason.TYPE, "不是有限的数")
    if kind != "amount":
        if number != number.to_integral_value():
            raise InvalidValue(Reason.FRACTION, "不是整数")
        whole = int(number)
        if kind == "count" and whole < 0:
            raise InvalidValue(Reason.NEGATIVE, "不能为负数", whole)
        return whole
    if number < 0:
        raise InvalidValue(Reason.NEGATIVE, "不能为负数", number)
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES:
        raise InvalidValue(Reason.PLACES, f"小数超过 {MAX_DECIMAL_PLACES} 位", number)
    return number.copy_abs()  # "-0" is 0 (copy_abs is exact, abs() rounds to the context)


def _float_decimal(value: float, number_format: str) -> Decimal:
    """The decimal a user meant by a float cell: its shortest repr, padded to the format's decimals."""
    # repr writes 5.0 for 5: the ".0" is Python's, not the user's.
    amount = Decimal(int(value)) if value.is_integer() else Decimal(repr(value))
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES:
        # Excel itself holds 15 significant digits; 0.1+0.2 style noise goes away there.
        amount = Decimal(format(value, ".15g"))
    places = _format_places(number_format)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and places > -exponent and places <= MAX_DECIMAL_PLACES:
        amount = amount.quantize(Decimal(1).scaleb(-places))
    return amount


def _format_places(number_format: str) -> int:
    """Fixed decimals of an Excel number format such as ``0.000000`` (``General`` → 0)."""
    m = re.search(r"\.(0+)", number_format or "")
    return len(m.group(1)) if m else 0


# --------------------------------------------------------------------------------------------
# What was found and what is expected, worded once for every reader's messages.


def describe(value: object) -> str:
    """What was found, for messages: ``整数 -1``, ``小数 1.5``, ``文本“abc”``, ``布尔值 true``, ``空值`` …"""
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return f"布尔值 {'true' if value else 'false'}"
    if isinstance(value, int):
        return f"整数 {value}"
    if isinstance(value, float) and value.is_integer() and math.isfinite(value):
        return f"整数 {int(value)}"  # a worksheet number cell holding 3 is the 3 a user typed
    if isinstance(value, (Decimal, float)):
        return f"小数 {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 24 else value[:24] + "…"
        return f"文本“{shown}”" if value else "空文本"
    if isinstance(value, dt.datetime):
        return f"日期 {value.date().isoformat()}"
    if isinstance(value, dt.date):
        return f"日期 {value.isoformat()}"
    if isinstance(value, dict):
        return "映射（键: 值）"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, bytes):
        return "二进制数据（!!binary）"
    return type(value).__name__


def as_printed(text: str) -> int | Decimal | str:
    """What a printed cell or sentence states, for messages: the number it prints, else its text.

    A published report is only text, so it cannot tell ``-1`` the number from ``"-1"`` the text as a YAML
    file can; its ``-1`` is the number a user typed (``整数 -1`` in :func:`describe`, as in an input file).
    Read as :func:`parse_figure` reads text (NFKC, spaces, dashes, a unit, thousands separators).
    """
    cleaned = _WHITESPACE.sub("", unicodedata.normalize("NFKC", text).translate(_DASHES))
    cleaned = _UNIT.sub("", cleaned)
    if _GROUPED.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "")
    if not _NUMBER.fullmatch(cleaned):
        return _WHITESPACE.sub(" ", text).strip()
    return Decimal(cleaned) if "." in cleaned else int(cleaned)


def expected_figure(kind: FigureKind, *, unit: str = "万元") -> str:
    """What a figure of ``kind`` must be, for messages: ``非负整数（件数）``, ``整数``, ``金额（万元，…）``."""
    if kind == "amount":
        return f"金额（{unit}，非负数，最多 {MAX_DECIMAL_PLACES} 位小数）"
    return "整数" if kind == "signed" else "非负整数（件数）"


# --------------------------------------------------------------------------------------------
# Years, dates, organ kinds, format versions.

MIN_YEAR = 2008
"""The first year reported on (the 条例 took effect in 2008)."""
MAX_YEAR = 2100

_YEAR_TEXT = re.compile(r"[0-9]+")


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_year(value: object) -> int:
    """The year reported on: an integer (``2022``, an Excel ``2022.0``) or text (``"２０２２"``, ``"2022年度"``).

    :raises InvalidValue: :attr:`Reason.BLANK` for nothing written; :attr:`Reason.RANGE` for anything that is
        not a whole year from :data:`MIN_YEAR` to :data:`MAX_YEAR`.
    """
    if _is_blank(value):
        raise InvalidValue(Reason.BLANK, "未填写")
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, (float, Decimal)) and math.isfinite(value) and value == int(value):
        number = int(value)
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().removesuffix("年度").removesuffix("年").strip()
        number = int(text) if _YEAR_TEXT.fullmatch(text) else None
    if number is None or not MIN_YEAR <= number <= MAX_YEAR:
        raise InvalidValue(Reason.RANGE, f"不是 {MIN_YEAR} 至 {MAX_YEAR} 之间的年份")
    return number


_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def is_date_text(value: str) -> bool:
    """Whether ``value`` is written as a date (one of :func:`parse_date`'s text forms), whether or not that
    day exists: a published report's last line ``2023年2月30日`` is a date line, and a wrong one."""
    return _DATE_TEXT.fullmatch(unicodedata.normalize("NFKC", value).strip()) is not None


def parse_date(value: object, *, serials: bool = False) -> dt.date | None:
    """A date: a ``date``/``datetime``, or text such as ``2023-01-18``, ``2023/1/18``, ``2023.1.18``,
    ``2023年1月18日`` (full-width digits and spaces between the parts accepted); ``None`` for nothing written.

    ``serials``: also read a number as an Excel serial date (worksheet cells; never in YAML/JSON, where a
    number in a date field is a mistake).

    :raises InvalidValue: :attr:`Reason.DATE` for anything else, or a day that does not exist.
    """
    if _is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if serials and isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        try:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        except OverflowError:
            raise InvalidValue(Reason.DATE, "不是有效日期") from None
    if isinstance(value, str):
        match = _DATE_TEXT.fullmatch(unicodedata.normalize("NFKC", value).strip())
        if match:
            try:
                return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                pass
    raise InvalidValue(Reason.DATE, "不是有效日期")


_KIND_WORDS: dict[str, OrganKind] = {
    "乡镇": OrganKind.TOWNSHIP, "乡": OrganKind.TOWNSHIP, "镇": OrganKind.TOWNSHIP,
    "街道": OrganKind.STREET, "办事处": OrganKind.STREET,
}
"""Short words county workbooks use for the two township kinds."""
_KIND_BY_TEXT: dict[str, OrganKind] = {
    **_KIND_WORDS,
    **{normalize_label(k.label): k for k in OrganKind},
    **{k.value: k for k in OrganKind},
}


def parse_organ_kind(value: object) -> OrganKind:
    """An :class:`~reportgen.domain.model.OrganKind` from its value (``township``, any case), its label
    (``乡镇人民政府``, spaces and full-width forms ignored) or a short word (``乡镇``, ``街道``).

    Blank values are not decided here: each reader has its default (see the readers).

    :raises InvalidValue: :attr:`Reason.UNKNOWN` for anything else.
    """
    if isinstance(value, OrganKind):
        return value
    if isinstance(value, str):
        text = normalize_label(value)
        kind = _KIND_BY_TEXT.get(text.lower() if text.isascii() else text)
        if kind is not None:
            return kind
    raise InvalidValue(Reason.UNKNOWN, "不是已知的机关类型")


_VERSION_TEXT = re.compile(r"(?<![0-9])(" + "|".join(v.value for v in FormatVersion) + r")(?![0-9])")


def parse_version(value: object) -> FormatVersion:
    """The format version: ``2021``/``2019`` as text or integer (``"2021年格式"`` too); ``None`` → 2021.

    :raises InvalidValue: :attr:`Reason.UNKNOWN` for anything else.
    """
    if isinstance(value, FormatVersion):
        return value
    if _is_blank(value):
        return FormatVersion.V2021
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        found = set(_VERSION_TEXT.findall(unicodedata.normalize("NFKC", str(value))))
        if len(found) == 1:
            return FormatVersion(found.pop())
    raise InvalidValue(Reason.UNKNOWN, "不是已知的格式版本")
