"""Write a partial reading as YAML: every figure read, the missing ones left out as comments.

The YAML side of :mod:`reportgen.formats.inputs`; the readers of published reports import no writer.
"""

from __future__ import annotations

from reportgen.domain.layout import get_layout
from reportgen.domain.reading import Reading
from reportgen.formats.inputs.mapping import dumps

__all__ = ["dumps_reading"]


def dumps_reading(reading: Reading) -> str:
    """The YAML of a reading; figures not read are left out as comments (``# 未读出``), so the file loads
    back and a missing figure is never written as 0."""
    if reading.report is None:
        raise ValueError("no report: organ or year unknown")
    text = dumps(reading.report, "yaml")
    if not reading.missing:
        return text
    out: list[str] = ["# 本文件读自部分可读的已发布报告：标注“未读出”的数字没有读到，请补上后再使用。"]
    table = row = None
    for line in text.splitlines():
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        key = stripped.split(":", 1)[0] if ":" in stripped and not stripped.startswith("#") else None
        if indent == 0:
            table = key if key in ("table2", "table3", "table4") else None
            row = None
        elif table and indent == 4 and key:
            row = key
            rest = stripped.split(":", 1)[1].split("#", 1)[0].strip()
            if rest:  # a one-figure row: ``licensing: 0``
                columns = get_layout(reading.report.format_version).table(table).row(key).columns
                if (table, key, columns[0]) in reading.missing:
                    out.append(" " * indent + f"# {key}: 未读出")
                    continue
        elif table and row and indent == 6 and key and (table, row, key) in reading.missing:
            out.append(" " * indent + f"# {key}: 未读出")
            continue
        out.append(line)
    return "\n".join(out) + "\n"
