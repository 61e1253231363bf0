"""Figures as users write them: the one parser behind every reader.

A figure of the statistics tables reaches reportgen in many shapes: an ``int`` or ``float`` from a
YAML file or an Excel cell, a ``Decimal``, or text — ``" 3 "``, ``"３"``, ``"1,234"``, ``"−2"`` (the
2019 本年增/减), ``"190.457379"`` (万元, kept exactly), ``"12件"`` in a published report, ``"/"`` or
``"无"`` for none.  :func:`parse_figure` turns all of them into a :data:`~reportgen.domain.model.Figure` of
a :data:`~reportgen.domain.layout.FigureKind` (``int`` for ``count``/``signed``, ``Decimal`` for ``amount``)
or raises :class:`FigureError`, whose :class:`Reason` is stable and whose ``message`` is a short
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

from reportgen.domain.layout import FigureKind
from reportgen.domain.model import MAX_DECIMAL_PLACES, Figure

__all__ = ["ZERO_MARKS", "Blank", "FigureError", "Reason", "parse_figure"]


class Reason(enum.StrEnum):
    """Why a value is not a figure; stable, for callers choosing their error code and wording."""

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


class FigureError(ValueError):
    """A value that is not a figure of the kind asked for.

    ``reason`` is the stable :class:`Reason`; ``message`` (also ``str(error)``) a short Chinese
    reason such as ``不是整数``; ``figure`` the number read when it is only out of range
    (:attr:`Reason.NEGATIVE`, :attr:`Reason.PLACES`), else ``None``.
    """

    def __init__(self, reason: Reason, message: str, figure: Figure | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.figure = figure


Blank = Literal["zero", "error"]
"""What a blank value or a zero marker means: ``"zero"`` → 0; ``"error"`` → :class:`FigureError`."""

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
    """The figure a user meant by ``value``; :class:`FigureError` when it is none.

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
        raise FigureError(Reason.TYPE, _NOT_NUMBER)
    if isinstance(value, str):
        return _check(_parse_text(value, kind, blank, units), kind)
    if isinstance(value, int):
        return _check(Decimal(value), kind)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FigureError(Reason.TYPE, "不是有限的数")
        if kind != "amount":
            return _check(Decimal(value), kind)  # exact: 2.5 stays a fraction, 3.0 is 3
        return _check(_float_decimal(value, number_format), kind)
    if isinstance(value, Decimal):
        return _check(value, kind)
    raise FigureError(Reason.TYPE, _NOT_NUMBER)


def _blank(kind: FigureKind, blank: Blank) -> Figure:
    if blank == "error":
        raise FigureError(Reason.BLANK, "未填写")
    return Decimal(0) if kind == "amount" else 0


def _parse_text(value: str, kind: FigureKind, blank: Blank, units: bool) -> Figure:
    text = _WHITESPACE.sub("", unicodedata.normalize("NFKC", value).translate(_DASHES))
    if not text:
        return _blank(kind, blank)
    if text in ZERO_MARKS:
        if blank == "error":
            raise FigureError(Reason.MARK, _NOT_NUMBER)
        return _blank(kind, blank)
    if units:
        text = _UNIT.sub("", text)
    if "," in text:
        if not _GROUPED.fullmatch(text):
            raise FigureError(Reason.TYPE, _NOT_NUMBER)
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text):
        raise FigureError(Reason.TYPE, _NOT_NUMBER)
    return Decimal(text)


def _check(number: Figure, kind: FigureKind) -> Figure:
    """``number`` as a figure of ``kind``, or the reason it is none."""
    if isinstance(number, int):
        return number  # a blank read as 0, already of its kind
    if not number.is_finite():
        raise FigureError(Reason.TYPE, "不是有限的数")
    if kind != "amount":
        if number != number.to_integral_value():
            raise FigureError(Reason.FRACTION, "不是整数")
        whole = int(number)
        if kind == "count" and whole < 0:
            raise FigureError(Reason.NEGATIVE, "不能为负数", whole)
        return whole
    if number < 0:
        raise FigureError(Reason.NEGATIVE, "不能为负数", number)
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES:
        raise FigureError(Reason.PLACES, f"小数超过 {MAX_DECIMAL_PLACES} 位", number)
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
