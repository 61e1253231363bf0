"""Figures as users write them (reportgen.domain.figures) and labels for comparison (layout.normalize_label)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reportgen.domain.figures import FigureError, Reason, parse_figure
from reportgen.domain.layout import FigureKind, FormatVersion, get_layout, normalize_label
from reportgen.domain.model import MAX_DECIMAL_PLACES, Figure


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        (0, "count", 0), (7, "count", 7), (" 3 ", "count", 3), ("３", "count", 3), ("1,234", "count", 1234),
        ("1，234，567", "count", 1234567), ("12 345", "count", 12345), ("+5", "count", 5), ("3.0", "count", 3),
        (3.0, "count", 3), (Decimal("4.00"), "count", 4), ("-2", "signed", -2), ("−2", "signed", -2),
        ("－2", "signed", -2), (-2, "signed", -2), ("-0", "count", 0),
        ("190.457379", "amount", Decimal("190.457379")), ("1.50", "amount", Decimal("1.50")),
        (".5", "amount", Decimal("0.5")), (5, "amount", Decimal(5)), (190.457379, "amount", Decimal("190.457379")),
        (0.1 + 0.2, "amount", Decimal("0.3")), ("9,116.36", "amount", Decimal("9116.36")),
        ("-0", "amount", Decimal(0)),
    ],
)
def test_values_as_users_write_them(raw: Any, kind: FigureKind, expected: Figure) -> None:
    """Whole numbers, signed numbers and exact amounts are read in the ways users write them."""
    value = parse_figure(raw, kind)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize("raw", [None, "", "  ", "\n", "/", "／", "\\", "-", "—", "——", "--", "无", "空"])
@pytest.mark.parametrize("kind", ["count", "signed", "amount"])
def test_blanks_and_zero_markers(raw: Any, kind: FigureKind) -> None:
    """Blanks and zero markers are 0 by default; with blank="error" they are BLANK or MARK errors."""
    value = parse_figure(raw, kind)
    assert value == 0
    assert type(value) is (Decimal if kind == "amount" else int)
    with pytest.raises(FigureError) as err:
        parse_figure(raw, kind, blank="error")
    is_blank = raw is None or not raw.strip()
    assert err.value.reason is (Reason.BLANK if is_blank else Reason.MARK)


@pytest.mark.parametrize(
    ("raw", "kind", "reason", "message"),
    [
        ("abc", "count", Reason.TYPE, "不是数字"), (True, "count", Reason.TYPE, "不是数字"),
        (False, "amount", Reason.TYPE, "不是数字"), (dt.date(2023, 1, 1), "count", Reason.TYPE, "不是数字"),
        ([1], "count", Reason.TYPE, "不是数字"), ("1e3", "amount", Reason.TYPE, "不是数字"),
        ("NaN", "amount", Reason.TYPE, "不是数字"), (float("nan"), "amount", Reason.TYPE, "不是有限的数"),
        (float("inf"), "count", Reason.TYPE, "不是有限的数"), (Decimal("NaN"), "amount", Reason.TYPE, "不是有限的数"),
        ("1,5", "count", Reason.TYPE, "不是数字"), ("12,34", "amount", Reason.TYPE, "不是数字"),
        ("12件", "count", Reason.TYPE, "不是数字"),
        ("2.5", "count", Reason.FRACTION, "不是整数"), (2.5, "signed", Reason.FRACTION, "不是整数"),
        ("-1", "count", Reason.NEGATIVE, "不能为负数"), ("-0.5", "amount", Reason.NEGATIVE, "不能为负数"),
        ("0.1234567", "amount", Reason.PLACES, f"小数超过 {MAX_DECIMAL_PLACES} 位"),
    ],
)
def test_not_figures(raw: Any, kind: FigureKind, reason: Reason, message: str) -> None:
    """Anything else is refused with a stable reason and a Chinese message."""
    with pytest.raises(FigureError) as err:
        parse_figure(raw, kind)
    assert err.value.reason is reason
    assert str(err.value) == err.value.message == message


def test_out_of_range_errors_carry_the_number() -> None:
    """NEGATIVE and PLACES errors carry the number read, for messages that show it."""
    with pytest.raises(FigureError) as err:
        parse_figure(" -3 ", "count")
    assert err.value.figure == -3
    with pytest.raises(FigureError) as err:
        parse_figure("0.1234567", "amount")
    assert err.value.figure == Decimal("0.1234567")


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [("12件", "count", 12), ("3 项", "count", 3), ("１２个", "count", 12), ("9,116.36万元", "amount", Decimal("9116.36")),
     ("-3件", "signed", -3), ("0件", "count", 0)],
)
def test_units_in_published_reports(raw: str, kind: FigureKind, expected: Figure) -> None:
    """With units=True a unit after the number (件, 项, 万元 …) is accepted."""
    assert parse_figure(raw, kind, units=True) == expected


@pytest.mark.parametrize(("number_format", "expected"), [("General", "1.5"), ("0.00", "1.50"), ("0.000000", "1.500000"),
                                                         ("#,##0.0000000", "1.5")])
def test_number_format_gives_the_places(number_format: str, expected: str) -> None:
    """A float cell formatted with fixed decimals is an amount with those places (at most the maximum)."""
    value = parse_figure(1.5, "amount", number_format=number_format)
    assert str(value) == expected


def _full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "0" <= ch <= "9" else ch for ch in text)


def _grouped(text: str) -> str:
    sign = text[0] if text[0] in "+-" else ""
    whole, _, frac = text.removeprefix(sign).partition(".")
    return sign + f"{int(whole):,}" + ("." + frac if frac else "")


_WRITINGS: dict[str, Callable[[str], str]] = {
    "plain": str,
    "padded": lambda t: f" {t}\n",
    "full-width": _full_width,
    "grouped": _grouped,
    "grouped full-width": lambda t: _full_width(_grouped(t)).replace(",", "，"),
    "minus sign": lambda t: t.replace("-", "−"),
}


@st.composite
def _figures(draw: st.DrawFn) -> tuple[FigureKind, Figure]:
    kind: FigureKind = draw(st.sampled_from(["count", "signed", "amount"]))
    if kind == "amount":
        places = draw(st.integers(0, MAX_DECIMAL_PLACES))
        units = draw(st.integers(0, 10**8))
        return kind, Decimal(units).scaleb(-places)
    return kind, draw(st.integers(-(10**12) if kind == "signed" else 0, 10**12))


@given(_figures(), st.sampled_from(sorted(_WRITINGS)), st.booleans())
def test_written_figures_read_back_equal(figure: tuple[FigureKind, Figure], writing: str, unit: bool) -> None:
    """Any valid figure, written as text the ways users write it (with a unit in reports), reads back equal."""
    kind, value = figure
    text = _WRITINGS[writing](str(value))
    if unit:
        text += "万元" if kind == "amount" else "件"
    parsed = parse_figure(text, kind, units=unit)
    assert parsed == value
    assert type(parsed) is type(value)
    if kind == "amount":
        assert str(parsed) == str(value)  # places kept exactly as written


@given(_figures())
def test_cell_values_read_back_equal(figure: tuple[FigureKind, Figure]) -> None:
    """The same figures as cell values: int, float (with the cell's fixed places) and Decimal."""
    kind, value = figure
    assert parse_figure(value, kind) == value
    if kind == "amount":
        assert isinstance(value, Decimal)
        places = -int(value.as_tuple().exponent)
        number_format = "0." + "0" * places if places else "0"
        parsed = parse_figure(float(value), kind, number_format=number_format)
        assert str(parsed) == str(value)
    else:
        assert parse_figure(float(value), kind) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("三、本年度\n办理结果", "三、本年度办理结果"), ("（一） 予以公开", "(一)予以公开"),
        ("危及“三安全一稳定”", "危及三安全一稳定"), ("「法人」或'其他'组织", "法人或其他组织"),
        ("1、属于国家秘密", "1.属于国家秘密"), ("１．属于国家秘密", "1.属于国家秘密"), ("2，其他", "2.其他"),
        ("国办公开办函【2021】30号", "国办公开办函(2021)30号"), ("〔2019〕", "(2019)"), ("本年增/减—", "本年增/减-"),
        ("1,234", "1,234"), ("1.5", "1.5"),
    ],
)
def test_normalize_label(text: str, expected: str) -> None:
    """Labels compare without width, whitespace, quote, dash and bracket differences; 1、 is 1."""
    assert normalize_label(text) == expected


def test_normalize_label_keeps_official_labels_apart() -> None:
    """No two different labels of one official table become equal after normalisation."""
    for layout in (get_layout(v) for v in FormatVersion):
        for table in layout.tables:
            texts = {c.text for c in table.cells if c.text}
            assert len({normalize_label(t) for t in texts}) == len(texts), table.key
