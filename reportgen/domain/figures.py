"""Deprecated alias of :mod:`reportgen.domain.values` (the figure parser joined the other values there).

Kept so that ``from reportgen.domain.figures import parse_figure`` keeps working for one release.
"""

from reportgen.domain.values import ZERO_MARKS, Blank, FigureError, InvalidValue, Reason, parse_figure

__all__ = ["ZERO_MARKS", "Blank", "FigureError", "InvalidValue", "Reason", "parse_figure"]
