"""The layout data matches the national format texts and tiles each grid exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.domain.layout import ALL_LAYOUTS, FormatVersion, get_layout

REFERENCE = Path(__file__).resolve().parent / "data" / "reference"


@pytest.mark.parametrize("version", list(FormatVersion))
def test_grids_tile_without_overlap(version: FormatVersion) -> None:
    """Every grid position is covered by exactly one cell."""
    for table in ALL_LAYOUTS[version].tables:
        seen: set[tuple[int, int]] = set()
        for cell in table.cells:
            for r in range(cell.row, cell.last_row + 1):
                for c in range(cell.col, cell.last_col + 1):
                    assert (r, c) not in seen
                    seen.add((r, c))
        assert len(seen) == table.n_rows * table.n_cols


def test_table3_shape_2021() -> None:
    """25 figure rows × 7 columns; 24 × 6 leaves; the 2019 trial format has 3 rows fewer."""
    t3 = get_layout().table("table3")
    assert len(t3.rows) == 25
    assert [c.label for c in t3.columns] == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    assert len(list(t3.leaf_refs())) == 24 * 6
    results = next(c for c in t3.cells if c.text == "三、本年度办理结果")
    assert (results.rowspan, results.colspan) == (22, 1)
    corner = t3.cells[0]
    assert (corner.rowspan, corner.colspan) == (3, 3)
    assert len(get_layout(FormatVersion.V2019).table("table3").rows) == 23


def test_table2_and_table4_merges() -> None:
    """Captions span all 4 columns of table 二; single figures span 3; table 四 has 15 figure cells."""
    t2 = get_layout().table("table2")
    assert t2.figure_cell(("licensing", "decisions")).colspan == 3
    assert t2.figure_cell(("administrative_fees", "amount")).colspan == 3
    assert [c.colspan for c in t2.cells if c.text and c.text.startswith("第二十条")] == [4, 4, 4, 4]
    t4 = get_layout().table("table4")
    assert t4.n_cols == 15
    assert sum(1 for c in t4.cells if c.is_figure) == 15
    assert [c.rowspan for c in t4.cells if c.row == 1 and c.col < 5] == [2] * 5


@pytest.mark.parametrize(
    ("version", "filename"),
    [(FormatVersion.V2021, "national-format-2021.txt"), (FormatVersion.V2019, "national-format-2019-trial.txt")],
)
def test_labels_verbatim(version: FormatVersion, filename: str) -> None:
    """Every label of every table appears verbatim in the national format's template text."""
    text = (REFERENCE / filename).read_text(encoding="utf-8")
    template = text[text.rindex("附件") :]
    for table in ALL_LAYOUTS[version].tables:
        for cell in table.cells:
            if cell.text:
                assert cell.text in template, cell.text
