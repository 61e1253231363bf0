"""Hypothesis strategies for reports — shared by the property tests of every area."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from reportgen.domain.layout import FormatVersion, get_layout
from reportgen.domain.model import Organ, OrganKind, OtherItem, Overview, Report, Subsection, Table

__all__ = ["amounts", "reports", "tables", "texts"]

# Printable text including CJK, punctuation that XML and Excel treat specially, and emoji.
_ALPHABET = st.sampled_from(
    list("政府信息公开工作年度报告金岭镇申请处理（）“”、。，；：—…")
    + list("abcXYZ0123456789 &<>\"'=+-@{}%#")
    + ["😀", "𠀀"]
)
texts = st.text(_ALPHABET, min_size=1, max_size=40).map(lambda s: s.strip()).filter(bool)
paragraphs = st.lists(texts, min_size=0, max_size=3).map(tuple)
amounts = st.decimals(min_value=0, max_value=10**7, places=6, allow_nan=False, allow_infinity=False).map(
    lambda d: d.normalize() if d == d.to_integral_value() else d
)


@st.composite
def tables(draw: st.DrawFn, key: str, version: FormatVersion = FormatVersion.V2021, max_count: int = 50) -> Table:
    """A table of consistent leaf figures (table 三 also satisfies 一 + 二 = （七）总计 + 四)."""
    layout = get_layout(version).table(key)
    figures: dict[tuple[str, str], int | Decimal] = {}
    for ref in layout.leaf_refs():
        kind = layout.kind(ref)
        if kind == "amount":
            figures[ref] = draw(amounts)
        elif kind == "signed":
            figures[ref] = draw(st.integers(-max_count, max_count))
        else:
            figures[ref] = draw(st.integers(0, max_count))
    if key == "table3":
        # Make 四 (carried_forward) balance each column: forward = new + carried − results.
        result_rows = [r.key for r in layout.rows if r.path and not r.computed]
        for col in [c.key for c in layout.columns if not c.computed]:
            results = sum(int(figures[(r, col)]) for r in result_rows)
            incoming = int(figures[("new_received", col)]) + int(figures[("carried_over", col)])
            if incoming < results:
                figures[("new_received", col)] = int(figures[("new_received", col)]) + results - incoming
                incoming = results
            figures[("carried_forward", col)] = incoming - results
    return Table.from_figures(key, figures, version=version)


@st.composite
def reports(draw: st.DrawFn, version: FormatVersion = FormatVersion.V2021) -> Report:
    """A consistent report with random prose and figures (no stated totals)."""
    kind = draw(st.sampled_from(list(OrganKind)))
    organ = Organ(name=draw(texts) + "人民政府", kind=kind, county=draw(st.sampled_from(["", "招远市"])))
    if kind.is_township_level:
        # A township cannot make 规章; keep generated reports free of that warning's cause.
        t2 = draw(tables("table2", version))
        rules = {ref: 0 for ref in t2.layout.leaf_refs() if ref[0] == "regulations"}
        table2 = Table.from_figures("table2", {**t2.figures, **rules}, version=version)
    else:
        table2 = draw(tables("table2", version))
    overview = Overview(
        intro=draw(paragraphs),
        active_disclosure=Subsection(paragraphs=draw(paragraphs)),
        on_request=Subsection(paragraphs=draw(st.none() | paragraphs.filter(bool))),
        information_management=Subsection(title=draw(st.none() | texts), paragraphs=draw(paragraphs)),
        platform=Subsection(paragraphs=draw(paragraphs)),
        supervision=Subsection(paragraphs=draw(paragraphs)),
    )
    items = draw(st.lists(st.builds(OtherItem, title=texts, paragraphs=paragraphs), max_size=3))
    # Sometimes a section printed under one of its layout aliases (e.g. 四's wording in real reports).
    section_titles: dict[str, str] = {}
    for section in get_layout(version).sections:
        if not section.aliases:
            continue
        if draw(st.booleans()):
            section_titles[section.key] = draw(st.sampled_from(section.titles))
    return Report(
        organ=organ,
        year=draw(st.integers(2019, 2030)),
        format_version=version,
        overview=overview,
        table2=table2,
        table3=draw(tables("table3", version)),
        table4=draw(tables("table4", version)),
        review_litigation_note=draw(st.none() | paragraphs),
        problems=draw(paragraphs),
        other_matters=tuple(items),
        processing_fee=draw(amounts),
        section_titles=section_titles,
    )
