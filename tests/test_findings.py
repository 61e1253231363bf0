"""Findings travel as JSON (check --json, the bulk manifest) and come back the same."""

from __future__ import annotations

import json
from decimal import Decimal

from reportgen.domain.findings import Finding, Location, Severity


def test_json_round_trip_keeps_location_and_values() -> None:
    """to_json is JSON-serialisable; from_json gives the finding back (amounts as their exact text)."""
    finding = Finding(
        code="T3-BALANCE",
        severity=Severity.ERROR,
        message="表三“自然人”列不平衡",
        location=Location(file="a.yaml", table="表三", column="自然人"),
        expected=4,
        actual=Decimal("190.457379"),
    )
    data = json.loads(json.dumps(finding.to_json(), ensure_ascii=False))
    assert data["location"]["column"] == "自然人"
    assert data["actual"] == "190.457379"
    back = Finding.from_json(data)
    assert back.location == finding.location
    assert (back.code, back.severity, back.expected, back.actual) == ("T3-BALANCE", Severity.ERROR, 4, "190.457379")
