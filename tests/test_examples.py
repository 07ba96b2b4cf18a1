"""Golden decisions for the example cases, with their full explanations."""

from __future__ import annotations

import pytest

from conftest import EXAMPLES, GOLDEN, compare_golden
from eligibility import render
from eligibility.cases import read_case

CASES = sorted(EXAMPLES.glob("*.yaml"))
EXPECTED_OUTCOME = {
    "eligible": "eligible",
    "not-eligible": "not_eligible",
    "insufficient-information": "insufficient_information",
    "boundary-two-outcomes": "eligible",
}


def _decide(engine, path):
    data, smap = read_case(path)
    return engine.decide(data, smap=smap)


def test_every_authority_has_every_kind_of_example():
    kinds = {(p.stem.split("-", 1)[0], p.stem.split("-", 1)[1]) for p in CASES}
    for authority in ("leicester", "leicestershire", "rutland"):
        for kind in EXPECTED_OUTCOME:
            assert (authority, kind) in kinds


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_example_outcome(engine, path):
    decision = _decide(engine, path)
    assert decision.outcome == EXPECTED_OUTCOME[path.stem.split("-", 1)[1]]
    assert decision.authority == path.stem.split("-", 1)[0]


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_example_decision_matches_golden_json(engine, path, update_golden):
    compare_golden(GOLDEN / "decisions" / f"{path.stem}.json", _decide(engine, path).to_json() + "\n", update_golden)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_example_explanation_matches_golden_text(engine, path, update_golden):
    text = render.decision_text(_decide(engine, path), f"examples/cases/{path.name}")
    compare_golden(GOLDEN / "decisions" / f"{path.stem}.txt", text, update_golden)


def test_boundary_exactly_two_outcomes_is_enough(engine):
    d = _decide(engine, EXAMPLES / "leicester-boundary-two-outcomes.yaml")
    assert d.criterion("unable-to-achieve-two-or-more-outcomes").status == "met"
    assert dict(d.criterion("unable-to-achieve-two-or-more-outcomes").facts_used) == {"derived.unable_outcomes": 2}


def test_eighteenth_birthday_is_adult(engine):
    d = _decide(engine, EXAMPLES / "rutland-boundary-two-outcomes.yaml")
    assert d.criterion("is-an-adult").status == "met"
    assert dict(d.criterion("is-an-adult").facts_used) == {"derived.age": 18}


def test_insufficient_information_lists_exactly_the_missing_facts(engine):
    d = _decide(engine, EXAMPLES / "leicestershire-insufficient-information.yaml")
    assert d.outcome == "insufficient_information"
    assert [m.fact for m in d.missing_facts] == [
        "wellbeing_impact.basis", "wellbeing_impact.domains_affected", "wellbeing_impact.rationale"]
    assert {m.needed_for for m in d.missing_facts} == {("significant-impact-on-wellbeing",)}


def test_a_failed_criterion_decides_even_when_other_facts_are_missing(engine):
    case, _ = read_case(EXAMPLES / "leicestershire-not-eligible.yaml")
    del case["facts"]["wellbeing_impact"]
    del case["facts"]["adult_outcomes"]
    d = engine.decide(case)
    assert d.outcome == "not_eligible"
    assert d.criterion("significant-impact-on-wellbeing").status == "unknown"
    assert d.missing_facts == ()
