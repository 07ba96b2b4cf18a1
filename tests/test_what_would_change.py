"""What would change the outcome: every negative example gets verified, lawful suggestions."""

from __future__ import annotations

import copy

import pytest

from conftest import EXAMPLES
from eligibility.cases import read_case
from eligibility.what_would_change import favourable_outcomes

CASES = sorted(EXAMPLES.glob("*.yaml"))


def _decide(engine, path):
    data, smap = read_case(path)
    return data, engine.decide(data, smap=smap, suggest_changes=True)


def _changed(case, change_set):
    case = copy.deepcopy(case)
    for change in change_set.changes:
        node = case["facts"]
        *parents, last = change.fact.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = change.after
    return case


def _favourable(engine, d):
    return favourable_outcomes(engine.rule_set_for(d.decision, d.authority, d.decided_on))


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_every_negative_example_says_what_would_change_it(engine, path):
    _, d = _decide(engine, path)
    target = _favourable(engine, d)
    if not target or d.outcome in target or d.outcome == "insufficient_information":
        return
    assert d.what_would_change, f"{path.stem}: {d.outcome} with nothing that would change it"


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_each_suggestion_gives_the_favourable_outcome_when_decided_again(engine, path):
    case, d = _decide(engine, path)
    for change_set in d.what_would_change:
        again = engine.decide(_changed(case, change_set))
        assert again.outcome == change_set.outcome and again.outcome in _favourable(engine, d)
        assert all(c.before != c.after for c in change_set.changes)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_suggestions_are_smallest(engine, path):
    """No suggestion contains another, and dropping any one change loses the favourable outcome."""
    case, d = _decide(engine, path)
    for change_set in d.what_would_change:
        for i in range(len(change_set.changes)):
            fewer = type(change_set)(change_set.changes[:i] + change_set.changes[i + 1:], change_set.outcome)
            if fewer.changes:
                assert engine.decide(_changed(case, fewer)).outcome != change_set.outcome


def test_never_suggests_a_fact_the_law_disregards_or_that_cannot_change(engine):
    fields = engine.corpus.vocabulary.fields
    fixed = {path for path, f in fields.items() if f.never_suggest is not None}
    assert {"person.date_of_birth", "carer.date_of_birth", "finances.capital_pounds",
            "carer_support.hours_per_week"} <= fixed
    for path in CASES:
        _, d = _decide(engine, path)
        for change_set in d.what_would_change:
            assert not {c.fact for c in change_set.changes} & fixed


def test_a_person_under_eighteen_is_not_told_to_change_their_date_of_birth(engine):
    case, _ = read_case(EXAMPLES / "rutland-eligible.yaml")
    case["facts"]["person"]["date_of_birth"] = "2010-01-01"
    d = engine.decide(case, suggest_changes=True)
    assert d.outcome == "not_eligible"
    assert d.what_would_change == ()


def test_a_suggestion_never_relies_on_money_or_a_carer(engine):
    """Only the needs matter: a not-eligible adult with a carer and savings is told about needs only."""
    case, _ = read_case(EXAMPLES / "rutland-not-eligible.yaml")
    case["facts"]["finances"] = {"capital_pounds": 250000, "owns_home": True, "self_funder": True}
    case["facts"]["carer_support"] = {"provided_by": "daughter", "hours_per_week": 35}
    d = engine.decide(case, suggest_changes=True)
    facts = [c.fact for s in d.what_would_change for c in s.changes]
    assert facts and not [f for f in facts if f.startswith(("finances.", "carer_support."))]


def test_a_favourable_outcome_has_nothing_to_change(engine):
    _, d = _decide(engine, EXAMPLES / "leicester-eligible.yaml")
    assert d.outcome == "eligible" and d.what_would_change == ()
    assert d.to_dict()["what_would_change"] == []


def test_the_record_lists_changes_as_fact_from_to(engine):
    _, d = _decide(engine, EXAMPLES / "leicestershire-rehab-placement-approval-further-work.yaml")
    assert d.to_dict()["what_would_change"][0] == {
        "changes": [{"fact": "rehab_referral.negative_drug_screens", "from": 1, "to": 2}], "outcome": "approved"}


def test_without_suggest_changes_the_record_has_none(engine):
    case, _ = read_case(EXAMPLES / "rutland-not-eligible.yaml")
    assert engine.decide(case).what_would_change == ()          # off by default: bulk callers do not pay for it


def test_a_waived_gate_counts_as_passed_when_looking_for_the_smallest_change(engine):
    case, _ = read_case(EXAMPLES / "leicestershire-rehab-placement-approval-further-work.yaml")
    case["facts"]["rehab_referral"]["waivers"] = {"stability": "Stable on a prescribed regime, confirmed by the GP."}
    case["facts"]["rehab_referral"]["engaged_with_community_treatment"] = False
    d = engine.decide(case, suggest_changes=True)
    assert d.outcome == "further_work_needed"
    assert [w.to_dict() for w in d.what_would_change] == [{"changes": [
        {"fact": "rehab_referral.engaged_with_community_treatment", "from": False, "to": True}], "outcome": "approved"}]
