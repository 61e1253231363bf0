"""Shared fixtures: LibreOffice availability, example reports built in code."""

from __future__ import annotations

import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import settings

from reportgen.domain.model import Organ, OrganKind, OtherItem, Overview, Report, Subsection, Table

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

# Hypothesis: how many examples each property test tries is a property of the run, not of the test.
# ``dev`` (the default) keeps a local run of the whole suite quick; ``ci`` (chosen when the CI
# environment variable is set, as CI services do, or with HYPOTHESIS_PROFILE=ci) tries more and
# never reuses the local example database.  Tests set only what is theirs (deadline, health checks).
settings.register_profile("dev", max_examples=10, deadline=None)
settings.register_profile("ci", max_examples=30, deadline=None, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="session")
def soffice() -> str:
    """Path of LibreOffice; skips the test when it is missing (fails in CI, which must have it)."""
    path = _soffice()
    if path is None:
        if os.environ.get("REPORTGEN_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("LibreOffice (soffice) is required here but not installed")
        pytest.skip("LibreOffice (soffice) not installed")
    return path


@pytest.fixture(scope="session")
def busy_report() -> Report:
    """A consistent county-department report with non-zero figures in every table (frozen: shared by the session)."""
    t3 = {
        ("new_received", "natural_person"): 12,
        ("new_received", "commercial"): 3,
        ("new_received", "legal_service"): 1,
        ("carried_over", "natural_person"): 2,
        ("granted", "natural_person"): 6,
        ("granted", "commercial"): 2,
        ("partially_granted", "natural_person"): 1,
        ("denied_third_party", "natural_person"): 1,
        ("unavailable_not_held", "natural_person"): 3,
        ("unavailable_not_held", "legal_service"): 1,
        ("not_processed_repeated", "commercial"): 1,
        ("other_other", "natural_person"): 1,
        ("carried_forward", "natural_person"): 2,
    }
    return Report(
        organ=Organ(name="招远市自然资源和规划局", kind=OrganKind.COUNTY_DEPARTMENT, province="山东省", city="烟台市",
                    county="招远市"),
        year=2022,
        overview=Overview(
            intro=("2022年，我局认真贯彻落实《中华人民共和国政府信息公开条例》。",),
            active_disclosure=Subsection(paragraphs=("全年主动公开政府信息326条。",)),
            information_management=Subsection(paragraphs=("建立健全信息发布审核制度。",)),
            platform=Subsection(paragraphs=("依托政府门户网站公开信息。",)),
            supervision=Subsection(paragraphs=("开展培训2次。",)),
        ),
        table2=Table.from_figures(
            "table2",
            {
                ("normative_documents", "issued"): 3,
                ("normative_documents", "repealed"): 1,
                ("normative_documents", "in_force"): 17,
                ("licensing", "decisions"): 845,
                ("punishment", "decisions"): 36,
                ("enforcement", "decisions"): 4,
                ("administrative_fees", "amount"): Decimal("190.457379"),
            },
        ),
        table3=Table.from_figures("table3", t3),
        table4=Table.from_figures(
            "table4",
            {
                ("review", "upheld"): 1,
                ("review", "pending"): 1,
                ("litigation_direct", "corrected"): 1,
                ("litigation_after_review", "upheld"): 1,
            },
        ),
        problems=("一是公开内容不够全面。", "二是解读形式较为单一。"),
        other_matters=(
            OtherItem(key="processing_fee", title="收取信息处理费情况"),
            OtherItem(title="人大代表建议和政协提案办理结果公开情况", paragraphs=("全年办理建议提案5件，全部公开。",)),
        ),
        processing_fee=Decimal("0"),
    )
