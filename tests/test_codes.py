"""The code catalogue: every code the library can raise is listed once, documented, and worded from one template."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reportgen.domain.catalogue import CATALOGUE, all_codes
from reportgen.domain.checks import CHECKS
from reportgen.domain.codes import AREAS, Code
from reportgen.domain.findings import Location, Severity
from scripts.gen_codes_doc import DOC_PATH
from scripts.gen_codes_doc import main as gen_codes_doc_main

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "reportgen"
_LITERAL = re.compile(r"""["']((?:[A-Z][A-Z0-9]*)(?:-[A-Z0-9]+)+)["']""")
NOT_CODES = frozenset({"UTF-8"})
"""Upper-case hyphenated literals in reportgen/ that are not codes."""


def _literals() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for match in _LITERAL.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match.group(1), []).append(str(path.relative_to(ROOT)))
    return found


def test_every_code_literal_is_in_the_catalogue() -> None:
    """A code written anywhere in reportgen/ that the catalogue does not list fails (add it to domain/codes.py)."""
    literals = _literals()
    assert len(literals) > 60  # the scan sees the codes at all
    unknown = {code: files for code, files in literals.items() if code not in CATALOGUE and code not in NOT_CODES}
    assert not unknown


def test_every_catalogued_code_is_raised_somewhere() -> None:
    """No stale entries: each code is a check or is named outside the catalogue (as a literal or a constant)."""
    catalogue = PACKAGE / "domain" / "codes.py"
    elsewhere = "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py") if p != catalogue)
    everything = elsewhere + catalogue.read_text(encoding="utf-8")
    checks = {c.code for c in CHECKS}
    for entry in CATALOGUE.values():
        if entry.code in checks:
            continue
        constant = entry.code.replace("-", "_")
        # Used: a literal outside the catalogue, or its constant named beyond its own definition.
        used = f'"{entry.code}"' in elsewhere or len(re.findall(rf"\b{constant}\b", everything)) >= 2
        assert used, entry.code


def test_catalogue_entries_are_well_formed() -> None:
    """Codes are unique and upper case, every area is known, every template fills from its own fields."""
    codes = all_codes()
    assert len({c.code for c in codes}) == len(codes) == len(CATALOGUE)
    assert {c.code for c in CHECKS} <= set(CATALOGUE)
    for entry in codes:
        assert re.fullmatch(r"[A-Z][A-Z0-9]*(-[A-Z0-9]+)+", entry.code), entry.code
        assert entry.area in AREAS
        assert re.search(r"[\u4e00-\u9fff]", entry.doc), entry.code
        message = entry.message(**dict.fromkeys(entry.fields, "x"))
        assert "{" not in message or entry.code == "IN-PLACEHOLDER"


def test_finding_from_the_catalogue() -> None:
    """Code.finding fills the template and carries the severity and location."""
    entry = CATALOGUE["IN-NEGATIVE"]
    finding = entry.finding(Location(table="表三"), what="件数", found="整数 -1", actual=-1)
    assert finding.message == "件数不能为负数：实际是整数 -1。"
    assert (finding.code, finding.severity, finding.location.table, finding.actual) == (
        "IN-NEGATIVE", Severity.ERROR, "表三", -1)
    with pytest.raises(KeyError):
        entry.message()  # a template field left out is a programming error, not an empty message


def test_codes_doc_is_current() -> None:
    """docs/codes.md is what scripts/gen_codes_doc.py generates from the catalogue (rerun it after a change)."""
    assert DOC_PATH.exists()
    assert gen_codes_doc_main(["--check"]) == 0


def test_codes_doc_lists_every_code_and_is_in_the_nav() -> None:
    """Each catalogue code appears in docs/codes.md, and the page is in the mkdocs navigation."""
    text = DOC_PATH.read_text(encoding="utf-8")
    for entry in CATALOGUE.values():
        assert f"`{entry.code}`" in text
    assert "codes.md" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")


def test_code_is_frozen() -> None:
    """A Code cannot be changed after creation (the catalogue is shared by every reader)."""
    entry = CATALOGUE["IN-YEAR"]
    assert isinstance(entry, Code)
    with pytest.raises(AttributeError):
        entry.code = "X-Y"  # type: ignore[misc]
