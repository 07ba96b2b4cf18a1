"""One strict is_date: only real dates written YYYY-MM-DD, the same on every Python version."""

from __future__ import annotations

import re
import shutil

import pytest

import eligibility
from conftest import ROOT
from eligibility import dates

NOT_DATES = ["2020-W09-6", "20200229", "2020-02-30", "2020-2-01", "２０２０-01-01", "2020-01-01T00:00", " 2020-01-01",
             "2020-060", "+2020-01-01", None, 20200101]


@pytest.mark.parametrize("value", NOT_DATES)
def test_is_date_refuses(value):
    assert not dates.is_date(value)


def test_is_date_accepts_real_dates():
    assert dates.is_date("2020-02-29") and dates.is_date("2015-04-01")


def test_an_iso_week_date_in_a_rule_condition_fails_validate(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    path = rules / "shared" / "responsible-authority.yaml"
    text = path.read_text(encoding="utf-8")
    literal = re.search(r'on_or_after: "[0-9]{4}-[0-9]{2}-[0-9]{2}"', text)     # a date literal in a condition
    assert literal is not None
    line = text.count("\n", 0, literal.start()) + 1
    path.write_text(text[:literal.start()] + 'on_or_after: "2015-W14-3"' + text[literal.end():], encoding="utf-8")
    problems = eligibility.check_rules(rules)
    assert [(p.code, p.span.line) for p in problems] == [("E306", line)]
    assert "2015-W14-3" in problems[0].message


def test_a_week_date_given_as_a_case_date_is_refused(engine):
    from eligibility.diagnostics import CaseError
    with pytest.raises(CaseError):
        engine.decide({"facts": {}}, "adult-eligibility", "rutland", "2024-W18-3")
