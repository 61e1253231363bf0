"""YAML inputs built straight from libyaml's events give the same data and the same errors as the general path."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.domain import limits
from reportgen.domain.errors import InputError
from reportgen.formats.inputs import mapping
from reportgen.formats.inputs.mapping import dumps, loads
from tests.conftest import EXAMPLES
from tests.strategies import reports

PLAIN = ["0", "1", "-3", "010", "0x1F", "0o17", "0b101", "1_000", "+12", "1:30", "1:30.5", "0.10", "1.5e3", "1e3",
         ".inf", "-.Inf", ".nan", "yes", "No", "on", "OFF", "true", "False", "~", "null", "", "2023-01-18",
         "2023-02-30", "2001-12-14t21:59:43.10-05:00", "abc", "中文 文字", "a b", "3.", "-0", "0.000001"]
"""Plain scalars whose YAML 1.1 reading is easy to get wrong (octal, sexagesimal, yes/no, bad dates, ...)."""


def _reference(text: str) -> Any:
    """The general path: compose the node graph, check it, construct it."""
    loader = mapping._Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        mapping._check_graph(node)
        return mapping._construct(loader, node, {})
    finally:
        loader.dispose()


def _strict(value: Any) -> Any:
    """``value`` with every type spelled out (``1 == True == Decimal(1)`` in Python) and duplicates kept."""
    if isinstance(value, dict):
        dups = [(_strict(k), line) for k, line in getattr(value, "duplicates", [])]
        return ("map", [(_strict(k), _strict(v)) for k, v in value.items()], dups)
    if isinstance(value, list):
        return ("seq", [_strict(v) for v in value])
    if isinstance(value, Decimal):
        return ("decimal", str(value))
    return (type(value).__name__, value if not isinstance(value, float) else repr(value))


def _outcome(run: Any, text: str) -> Any:
    try:
        return ("ok", _strict(run(text)))
    except mapping._Limit as exc:
        return ("limit", exc.code.code, exc.message, exc.line)
    except Exception as exc:  # the general path's own errors (syntax, odd tags): compared by type and text
        return ("error", type(exc).__name__, str(exc))


def _fast_or_reference(text: str) -> Any:
    try:
        return mapping._build(text)
    except mapping._Fallback:
        return _reference(text)


def _scalar(token: str, quoted: bool) -> str:
    if quoted:
        return "'" + token.replace("'", "''") + "'"
    return token


@st.composite
def _documents(draw: st.DrawFn) -> str:
    """Block-style YAML text of nested mappings and lists of tricky scalars (sometimes quoted, keys repeated)."""
    return "\n".join(draw(_block(depth=0))) + "\n"


@st.composite
def _block(draw: st.DrawFn, depth: int) -> list[str]:
    pad = "  " * depth
    lines: list[str] = []
    if draw(st.booleans()) or depth > 2:
        for _ in range(draw(st.integers(1, 5))):
            key = _scalar(draw(st.sampled_from(["a", "b", "rows", "0", "yes", "1:30", "null", "2023-01-18"])),
                          draw(st.booleans()))
            if depth < 3 and draw(st.integers(0, 3)) == 0:
                lines.append(f"{pad}{key}:")
                lines.extend(draw(_block(depth=depth + 1)))
            else:
                value = _scalar(draw(st.sampled_from(PLAIN)), draw(st.booleans()))
                lines.append(f"{pad}{key}: {value}".rstrip())
    else:
        for _ in range(draw(st.integers(1, 4))):
            if depth < 3 and draw(st.integers(0, 3)) == 0:
                lines.append(f"{pad}-")
                lines.extend(draw(_block(depth=depth + 1)))
            else:
                lines.append(f"{pad}- {_scalar(draw(st.sampled_from(PLAIN)), draw(st.booleans()))}".rstrip())
    return lines


@settings(max_examples=300, deadline=None)
@given(_documents())
def test_direct_build_equals_the_general_path(text: str) -> None:
    """Every plain, quoted, nested and repeated-key document builds to the same typed data (and duplicates)."""
    assert _outcome(mapping._build, text) == _outcome(_reference, text)


@settings(max_examples=25, deadline=None)
@given(reports())
def test_dumped_reports_take_the_direct_path_and_read_back(report: Any) -> None:
    """What reportgen writes is read by the direct builder (no fallback) into the general path's data."""
    text = dumps(report)
    assert _strict(mapping._build(text)) == _strict(_reference(text))
    assert loads(text) == report


def test_examples_take_the_direct_path() -> None:
    """The shipped examples are read by the direct builder into the general path's data."""
    for path in sorted(EXAMPLES.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert _strict(mapping._build(text)) == _strict(_reference(text)), path.name


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",  # anchors and aliases
        "a: !!str 12\n",  # an explicit tag
        "base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n",  # a merge key
        "a: 1\n---\nb: 2\n",  # two documents
        "? [a, b]\n: 1\n",  # a complex key
        "a: =\n",  # YAML 1.1's value tag (the safe constructor refuses it)
        "a: [1, 2\n",  # a syntax error
        "a: 1\n\tb: 2\n",  # a tab
        "a: b: c\n",
        "".join("  " * i + f"k{i}:\n" for i in range(80)) + "  " * 80 + "v: 1\n",  # deeper than the direct builder
        "a: *missing\n",  # an undefined alias
        "a: &x 1\nb: &x 2\n",  # an anchor defined twice
    ],
)
def test_what_the_direct_builder_leaves_to_the_general_path(text: str) -> None:
    """Anchors, tags, merge keys, several documents, complex keys, errors and deep nesting fall back; the result
    (or the error) is the general path's."""
    with pytest.raises(mapping._Fallback):
        mapping._build(text)
    assert _outcome(_fast_or_reference, text) == _outcome(_reference, text)


def test_too_many_keys_fall_back_to_the_limit_message() -> None:
    """A mapping with one key more than MAX_YAML_KEYS (duplicates counted) is refused with the general path's code."""
    keys = [f"k{i}" for i in range(limits.MAX_YAML_KEYS)] + ["k0"]
    text = "".join(f"{k}: 1\n" for k in keys)
    with pytest.raises(mapping._Fallback):
        mapping._build(text)
    with pytest.raises(InputError) as exc:
        loads(text)
    assert exc.value.findings[0].code == "IN-TOO-MANY"


def test_plain_scalar_cache_keeps_values_exact() -> None:
    """A cached plain scalar gives the same exact value to every input (amounts stay Decimal with their places)."""
    first = mapping._build("a: 0.10\nb: 2023-01-18\nc: 010\n")
    second = mapping._build("a: 0.10\nb: 2023-01-18\nc: 010\n")
    for data in (first, second):
        assert _strict(data) == _strict({"a": Decimal("0.10"), "b": dt.date(2023, 1, 18), "c": 10})
