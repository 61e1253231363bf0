"""LibreOffice opens the workbooks, recalculates every total and gets the model's figures."""

from __future__ import annotations

import re
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from reportgen.domain.layout import FormatVersion
from reportgen.domain.model import Organ, Report, Table
from reportgen.formats.excel.read import read_form
from reportgen.formats.excel.sheets import grid_coord, table_sheet_title
from reportgen.formats.excel.write import render_xlsx, write_form

pytestmark = pytest.mark.libreoffice

# A LibreOffice profile that recalculates .xlsx formulas on load (by default it trusts cached values,
# which would make this test prove nothing).
_RECALC_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def _poison_cached_values(src: Path, dst: Path) -> None:
    """Copy ``src`` with every formula's cached value replaced by 999999, so only a recalculation is right."""
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    for name in parts:
        if name.startswith("xl/worksheets/"):
            parts[name] = re.sub(rb"(<f>[^<]*</f>)<v>[^<]*</v>", rb"\1<v>999999</v>", parts[name])
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _recalculate(soffice: str, files: list[Path], tmp_path: Path) -> Path:
    """Convert ``files`` with LibreOffice in one call (recalculating on load); returns the output folder."""
    profile = tmp_path / "profile" / "user"
    profile.mkdir(parents=True)
    (profile / "registrymodifications.xcu").write_text(_RECALC_PROFILE, encoding="utf-8")
    out = tmp_path / "recalculated"
    cmd = [soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless", "--convert-to",
           "xlsx", "--outdir", str(out), *map(str, files)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=180)
    return out


def _reports(busy: Report) -> list[Report]:
    v19 = FormatVersion.V2019
    t3 = {("new_received", "natural_person"): 5, ("other_processing", "natural_person"): 2,
          ("granted", "research"): 1, ("new_received", "research"): 1, ("carried_forward", "natural_person"): 3}
    old = Report(
        organ=Organ(name="某县人民政府"), year=2019, format_version=v19,
        table2=Table.from_figures("table2", {("licensing", "change"): -4, ("procurement", "procurement_amount"):
                                             Decimal("88.5")}, version=v19),
        table3=Table.from_figures("table3", t3, version=v19),
        table4=Table.from_figures("table4", {("litigation_after_review", "pending"): 2}, version=v19),
    )
    return [busy, old]


@pytest.fixture(scope="session")
def recalculated(soffice: str, busy_report: Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every workbook of this file opened, recalculated and saved by LibreOffice in one run (once per session).

    ``poisoned<i>.xlsx``: the workbooks of :func:`_reports` with every cached total replaced by 999999;
    ``blank.xlsx``: a blank fill-in form; ``busy.xlsx``: the busy report's workbook as rendered.
    """
    tmp = tmp_path_factory.mktemp("xlsx-e2e")
    src = tmp / "src"
    files: list[Path] = []
    for i, report in enumerate(_reports(busy_report)):
        path = render_xlsx(report, src / f"r{i}.xlsx")
        _poison_cached_values(path, src / f"poisoned{i}.xlsx")
        files.append(src / f"poisoned{i}.xlsx")
    files.append(write_form(src / "blank.xlsx", organ="金岭镇人民政府", year=2022))
    files.append(render_xlsx(busy_report, src / "busy.xlsx"))
    return _recalculate(soffice, files, tmp)


def test_libreoffice_recalculates_the_same_totals(busy_report: Report, recalculated: Path) -> None:
    """Every formula, recalculated by LibreOffice from poisoned caches, equals the model's total; leaves too."""
    reports = _reports(busy_report)
    out = recalculated
    for i, report in enumerate(reports):
        wb = openpyxl.load_workbook(out / f"poisoned{i}.xlsx", data_only=True)
        for layout in report.layout.tables:
            ws = wb[table_sheet_title(layout)]
            data = report.table(layout.key)
            for cell in layout.cells:
                value = ws[grid_coord(cell)].value
                if cell.ref is None:
                    assert value == cell.text
                else:
                    assert Decimal(str(value)) == data[cell.ref], (layout.key, cell.ref)
    blank = openpyxl.load_workbook(out / "blank.xlsx", data_only=True)
    table3 = reports[0].layout.table("table3")
    ws = blank[table_sheet_title(table3)]
    assert ws[grid_coord(table3.figure_cell(("results_total", "total")))].value == 0


def test_workbook_saved_by_libreoffice_reads_back(busy_report: Report, recalculated: Path) -> None:
    """A workbook opened and saved again by LibreOffice (as a township's office suite would) reads back the same."""
    assert read_form(recalculated / "busy.xlsx") == busy_report
