"""Output file names: unique, safe, visible, and handed out in linear time."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from reportgen.domain.naming import UniqueStems, safe_filename


def test_many_inputs_wanting_one_name_get_numbered_in_order() -> None:
    """The first keeps the name, the next ones get -2, -3, … in order, case-insensitively unique."""
    names = UniqueStems(reserved=["报告-3"])
    got = [names.claim("报告") for _ in range(5)]
    assert got == ["报告", "报告-2", "报告-4", "报告-5", "报告-6"]
    assert names.claim("ABC") == "ABC"
    assert names.claim("abc") == "abc-2"


def test_claiming_is_not_quadratic() -> None:
    """8,000 inputs wanting one name are named in well under a second (quadratic naming took 4.9 s for 4,000)."""
    names = UniqueStems()
    start = time.process_time()
    for _ in range(8000):
        names.claim("招远市金岭镇人民政府2022年度政府信息公开工作年度报告")
    assert time.process_time() - start < 1.0
    assert names.claim("招远市金岭镇人民政府2022年度政府信息公开工作年度报告").endswith("-8001")


@given(st.lists(st.sampled_from(["a", "A", "a-2", "b", "报告", "报告-2"]), max_size=40))
def test_claimed_stems_are_always_distinct(wanted: list[str]) -> None:
    """Whatever the order of wishes, no two claims return names equal ignoring case."""
    names = UniqueStems()
    got = [names.claim(w).casefold() for w in wanted]
    assert len(got) == len(set(got))


def test_bidirectional_and_invisible_characters_are_dropped() -> None:
    """A right-to-left override (U+202E) or zero-width character never reaches a file name."""
    assert safe_filename("金岭镇\u202excod.exe") == "金岭镇xcod.exe"
    assert safe_filename("金\u200b岭\u2066镇\ufeff") == "金岭镇"
    assert safe_filename("\u202e") == "报告"
