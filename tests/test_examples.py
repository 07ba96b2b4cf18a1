"""Golden decisions for the example cases, with their full explanations.

Two kinds of example live in examples/cases/:

* adult-eligibility examples, named ``<authority>-<kind>.yaml`` (kind: eligible,
  not-eligible, insufficient-information, boundary-two-outcomes), one of each for every
  authority;
* examples of the other decisions, named ``<authority>-<decision>-<short-slug>.yaml``.

Every example must decide without error and match its golden JSON and text.
"""

from __future__ import annotations

import pytest

from conftest import EXAMPLES, GOLDEN, compare_golden
from eligibility import render
from eligibility.cases import read_case

AUTHORITIES = ("leicester", "leicestershire", "rutland")
OTHER_DECISIONS = ("carer-eligibility", "responsible-authority", "rehab-assessment", "rehab-placement-approval",
                   "rehab-review-schedule", "ld-service-gateway", "care-plan-review-schedule")
EXPECTED_OUTCOME = {
    "eligible": "eligible",
    "not-eligible": "not_eligible",
    "insufficient-information": "insufficient_information",
    "boundary-two-outcomes": "eligible",
}


def _name(path) -> tuple[str, str, str | None]:
    """(authority, decision, slug) from '<authority>-<kind>' or '<authority>-<decision>-<slug>'."""
    authority, rest = path.stem.split("-", 1)
    for decision in OTHER_DECISIONS:
        if rest.startswith(decision + "-"):
            return authority, decision, rest[len(decision) + 1:]
    return authority, "adult-eligibility", None


CASES = sorted(EXAMPLES.glob("*.yaml"))
ADULT_CASES = [p for p in CASES if _name(p)[1] == "adult-eligibility"]
OTHER_CASES = [p for p in CASES if _name(p)[1] != "adult-eligibility"]


def _decide(engine, path):
    data, smap = read_case(path)
    return engine.decide(data, smap=smap, suggest_changes=True)


def test_every_example_is_named_for_a_known_authority_and_kind():
    for path in CASES:
        authority, decision, slug = _name(path)
        assert authority in AUTHORITIES, path.name
        assert slug or path.stem.split("-", 1)[1] in EXPECTED_OUTCOME, path.name


def test_every_authority_has_every_kind_of_example():
    kinds = {(p.stem.split("-", 1)[0], p.stem.split("-", 1)[1]) for p in ADULT_CASES}
    for authority in AUTHORITIES:
        for kind in EXPECTED_OUTCOME:
            assert (authority, kind) in kinds


def test_every_other_decision_has_at_least_two_examples_from_two_authorities():
    for decision in OTHER_DECISIONS:
        authorities = [_name(p)[0] for p in OTHER_CASES if _name(p)[1] == decision]
        assert len(authorities) >= 2, decision
        assert len(set(authorities)) >= 2, decision


@pytest.mark.parametrize("path", ADULT_CASES, ids=lambda p: p.stem)
def test_example_outcome(engine, path):
    decision = _decide(engine, path)
    assert decision.outcome == EXPECTED_OUTCOME[path.stem.split("-", 1)[1]]
    assert decision.authority == path.stem.split("-", 1)[0]


@pytest.mark.parametrize("path", OTHER_CASES, ids=lambda p: p.stem)
def test_other_example_decides_the_decision_and_authority_it_is_named_for(engine, path):
    authority, decision_kind, _ = _name(path)
    data, _ = read_case(path)
    assert data.get("decision") == decision_kind and data.get("authority") == authority
    decision = _decide(engine, path)                  # raises if the case cannot be decided
    assert decision.decision == decision_kind
    assert decision.authority == authority


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
    # SI 2015/313 reg 2(1)(c) and Care Act 2014 s13(2): the judgement and its reasons are
    # needed; the "basis" label and the areas of wellbeing are recording aids, not conditions
    assert [m.fact for m in d.missing_facts] == ["wellbeing_impact.rationale"]
    assert {m.needed_for for m in d.missing_facts} == {("significant-impact-on-wellbeing",)}


def test_a_failed_criterion_decides_even_when_other_facts_are_missing(engine):
    case, _ = read_case(EXAMPLES / "leicestershire-not-eligible.yaml")
    del case["facts"]["wellbeing_impact"]
    del case["facts"]["adult_outcomes"]
    d = engine.decide(case)
    assert d.outcome == "not_eligible"
    assert d.criterion("significant-impact-on-wellbeing").status == "unknown"
    assert d.missing_facts == ()


def _outputs(decision) -> dict:
    return {name: value for name, _, value in decision.outputs}


# Spot checks of the other examples, worked out by hand from the rules and settings.
OTHER_EXPECTED = {
    "leicester-carer-eligibility-daughter-cannot-work": ("eligible", {}),
    "rutland-carer-eligibility-everything-takes-longer": ("not_eligible", {}),
    "leicester-responsible-authority-care-home-in-rutland":
        ("deemed_ordinary_residence", {"responsible_authority": "Leicester City"}),
    "leicestershire-responsible-authority-rehab-without-personal-care":
        ("temporary_absence", {"responsible_authority": "Leicestershire"}),
    # s117 accommodation (Care Act 2014 s39(4)); the 2024 detention is after the decision date
    "rutland-responsible-authority-s117-as-at-an-earlier-date":
        ("s117_after_care", {"responsible_authority": "Leicestershire", "s117_after_care_authority": "Leicestershire"}),
    "leicestershire-rehab-assessment-2010-city-team":
        ("assessment_owed", {"legal_basis": "NHS and Community Care Act 1990 s47(1)",
                             "assessed_by": "Community Care Assessment and Placement Team, hosted by Leicester City Council"}),
    "rutland-rehab-assessment-care-act-2023":
        ("assessment_owed", {"legal_basis": "Care Act 2014 s9 (needs assessment) and s13 (eligibility determination)"}),
    "rutland-rehab-placement-approval-lot1-provider":
        ("approved", {"funded_by": "The integrated treatment provider under the Lot 1 contract, from the public health grant"}),
    "leicester-rehab-placement-approval-urgent-after-seizure":
        ("approved_urgent", {"approved_by": "Leicester City Council"}),     # s19(3): the council itself
    "leicestershire-rehab-placement-approval-further-work": ("further_work_needed", {}),
    "leicester-rehab-review-schedule-unplanned-exit":
        ("reviews_scheduled", {"first_review_due": "2023-05-03", "event_review_due": "2023-05-03",
                               "funding_review_due": "2023-05-30", "waiting_days": 21}),
    "leicestershire-rehab-review-schedule-wait-exceeded":
        ("reviews_scheduled_wait_exceeded", {"waiting_days": 28, "first_review_due": "2020-03-16",
                                             "funding_review_due": "2020-05-10"}),
    "leicester-ld-service-gateway-city-service":
        ("ld_service", {"service": "Leicester City integrated learning disability service (City lead commissioning)"}),
    "rutland-ld-service-gateway-brain-injury-at-nineteen": ("not_ld_service", {}),
    "leicestershire-care-plan-review-schedule-direct-payment-overdue":
        ("review_overdue", {"next_review_due": "2024-03-20", "direct_payment_next_review_due": "2023-08-15"}),
    "rutland-care-plan-review-schedule-up-to-date":
        ("reviews_up_to_date", {"first_review_due": "2023-03-06", "next_review_due": "2025-02-14"}),
}


def test_every_other_example_has_a_spot_check():
    assert sorted(OTHER_EXPECTED) == sorted(p.stem for p in OTHER_CASES)


@pytest.mark.parametrize("stem", sorted(OTHER_EXPECTED))
def test_other_example_outcome_and_outputs(engine, stem):
    outcome, outputs = OTHER_EXPECTED[stem]
    decision = _decide(engine, EXAMPLES / f"{stem}.yaml")
    assert decision.outcome == outcome
    assert {k: _outputs(decision).get(k) for k in outputs} == outputs


def test_case_data_from_a_case_system_may_use_date_objects(engine):
    import datetime as dt

    as_text, _ = read_case(EXAMPLES / "rutland-eligible.yaml")
    as_objects = dict(as_text, assessment_date=dt.date(2024, 5, 1),
                      facts=dict(as_text["facts"], person=dict(as_text["facts"]["person"],
                                                               date_of_birth=dt.date(1990, 2, 11))))
    assert engine.decide(as_objects).to_json() == engine.decide(as_text).to_json()
    assert engine.decide(as_text, on=dt.date(2024, 5, 1)).to_json() == engine.decide(as_text).to_json()
