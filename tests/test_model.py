"""The model validates at construction and owns its data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reportgen.domain.layout import FormatVersion
from reportgen.domain.model import Organ, Report, Table
from reportgen.domain.prose import chinese_numeral, numbered, parse_chinese_numeral, report_text, strip_number


@pytest.mark.parametrize(
    "changes",
    [{"publication_date": "2023-01-01"}, {"organ": {"name": "x"}}],
)
def test_wrong_types_are_refused(changes: dict[str, Any]) -> None:
    """Strings or dicts where an enum, a date or an Organ belongs fail at once, not later in a renderer."""
    fields: dict[str, Any] = {"organ": Organ(name="招远市金岭镇人民政府"), "year": 2022, **changes}
    with pytest.raises(TypeError):
        Report(**fields)


def test_organ_kind_must_be_the_enum() -> None:
    """Organ(kind="township") is refused: .kind.label would fail later."""
    with pytest.raises(TypeError):
        Organ(name="x", kind="township")  # type: ignore[arg-type]


def test_amounts_are_decimals() -> None:
    """An int fee or amount becomes a Decimal, so renderers and readers see one type."""
    report = Report(organ=Organ(name="x"), year=2022, processing_fee=3)
    assert isinstance(report.processing_fee, Decimal)
    table = Table.from_figures("table2", {("administrative_fees", "amount"): 5})
    assert isinstance(table.value("administrative_fees", "amount"), Decimal)


def test_table_keeps_its_own_copy() -> None:
    """Changing the dict a Table was built from changes neither its figures nor its totals."""
    figures = dict(Table.from_figures("table3").figures)
    table = Table(key="table3", figures=figures)
    figures[("granted", "natural_person")] = 7
    assert table.value("granted", "natural_person") == 0
    assert table.value("results_total", "total") == 0


def test_publication_date_accepts_a_date() -> None:
    """A real date is fine."""
    report = Report(organ=Organ(name="x"), year=2022, publication_date=dt.date(2023, 1, 18))
    assert report.publication_date == dt.date(2023, 1, 18)


def test_format_version_by_value() -> None:
    """"2021" is taken as FormatVersion.V2021; an unknown format is refused."""
    assert Report(organ=Organ(name="x"), year=2022, format_version="2021").format_version is FormatVersion.V2021
    with pytest.raises(ValueError, match="2020"):
        Report(organ=Organ(name="x"), year=2022, format_version="2020")


# --------------------------------------------------------------------------------------------
# Numbered headings


@given(st.integers(min_value=1, max_value=9999))
def test_chinese_numerals_round_trip(n: int) -> None:
    """Every heading number from 1 to 9999 is written once and read back to itself."""
    assert parse_chinese_numeral(chinese_numeral(n)) == n


def test_numbered_headings_past_ninety_nine() -> None:
    """Item 10, 20, 99, 100 and 101 are numbered as written in Chinese, and the number strips off again."""
    assert [numbered(i, "事项") for i in (9, 19, 98, 99, 100)] == [
        "（十）事项", "（二十）事项", "（九十九）事项", "（一百）事项", "（一百零一）事项"
    ]
    assert strip_number("（一百零一）事项") == "事项"


def test_the_text_of_a_report_is_made_once_per_report_object(busy_report: Report) -> None:
    """The checks, the .docx and the .xlsx of a township ask for its text in turn: the second ask gets the same
    object; another report (an evolved copy too) gets its own text."""
    first = report_text(busy_report)
    assert report_text(busy_report) is first
    other = attrs.evolve(busy_report, problems=("另一段问题。",))
    assert report_text(other).problems == ("另一段问题。",)
    assert report_text(busy_report) == first
    assert report_text(busy_report).problems == busy_report.problems
