"""decision-record.schema.json describes the written record exactly: every golden decision conforms.

A field added to Decision.to_dict() must be added to the schema too (the schema refuses
keys it does not name), or this test fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eligibility import validate

GOLDEN = sorted((Path(__file__).resolve().parent / "golden" / "decisions").glob("*.json"))


def test_there_are_golden_decisions():
    assert len(GOLDEN) >= 20


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
def test_every_golden_decision_conforms_to_the_record_schema(path):
    assert validate.check_against("decision-record", json.loads(path.read_text(encoding="utf-8"))) == []


def test_the_schema_refuses_an_unnamed_field_and_a_missing_one():
    record = json.loads(GOLDEN[0].read_text(encoding="utf-8"))
    assert any("additional" in e.lower() for e in validate.check_against("decision-record", {**record, "extra": 1}))
    del record["criteria"][0]["status"]
    assert any("status" in e for e in validate.check_against("decision-record", record))
