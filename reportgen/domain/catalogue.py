"""The whole catalogue of codes: the readers' and runs' codes of :mod:`reportgen.domain.codes` plus one per
check of :data:`reportgen.domain.checks.CHECKS` (``docs/codes.md`` is generated from it)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from reportgen.domain.checks import CHECKS
from reportgen.domain.codes import AREAS, CODES, Code

__all__ = ["CATALOGUE", "all_codes", "code"]


def _check_codes() -> Iterator[Code]:
    for check in CHECKS:
        yield Code(code=check.code, severity=check.severity, template="{detail}",
                   doc=f"{check.title}（见 [检查规则](checks.md#{check.code.lower()})）", area="check")


CATALOGUE: Mapping[str, Code] = {**CODES, **{c.code: c for c in _check_codes()}}
"""Every code reportgen can report, by code."""


def all_codes() -> tuple[Code, ...]:
    """Every :class:`~reportgen.domain.codes.Code` of the catalogue, by area (in ``AREAS`` order), then as listed."""
    order = list(AREAS)
    return tuple(sorted(CATALOGUE.values(), key=lambda c: order.index(c.area)))


def code(name: str) -> Code:
    """The catalogue entry of ``name``; ``KeyError`` for a code that is not listed."""
    return CATALOGUE[name]
