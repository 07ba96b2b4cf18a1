"""The law stated directly, independently of the derived values the engine is given.

These properties compute, from the case facts alone and with their own arithmetic, what
SI 2015/313 says a criterion is, and compare it with the decision: an error in derive.py
or dates.py would show here even though the engine and the reference evaluator share it.
"""

from __future__ import annotations

import calendar
import datetime as dt

from hypothesis import example, given
from hypothesis import strategies as st

from strategies import AUTHORITIES

ADULT_REASONS = {"needs_assistance", "significant_pain_distress_or_anxiety", "endangers_health_or_safety",
                 "takes_significantly_longer"}
CARER_REASONS = ADULT_REASONS - {"takes_significantly_longer"}       # reg 3(3): no "takes longer" for carers


def eighteenth_birthday(born: dt.date) -> dt.date:
    """The day a person becomes 18 (1 March for a 29 February birthday in a common year)."""
    year = born.year + 18
    if born.month == 2 and born.day == 29 and not calendar.isleap(year):
        return dt.date(year, 3, 1)
    return born.replace(year=year)


def expected_count_status(outcomes, fields, reasons, needed):
    """met / not_met / unknown for 'unable to achieve at least `needed` outcomes', from the record itself."""
    if outcomes is None:
        outcomes = {}
    unable = sum(1 for name in fields if outcomes.get(name) and set(outcomes[name]) & reasons)
    unassessed = sum(1 for name in fields if outcomes.get(name) is None)
    if unable >= needed:
        return "met"
    return "not_met" if unable + unassessed < needed else "unknown"


def outcome_records(names) -> st.SearchStrategy:
    """Outcome records where each outcome is unassessed, achievable, unable only by taking longer, or unable."""
    real = sorted(ADULT_REASONS - {"takes_significantly_longer"})
    one = st.one_of(st.none(), st.just([]), st.just(["takes_significantly_longer"]),
                    st.lists(st.sampled_from(real), min_size=1, max_size=2, unique=True))
    return st.fixed_dictionaries({}, optional={name: one for name in names})


@st.composite
def adult_cases(draw, engine):
    on = draw(st.dates(dt.date(2015, 4, 1), dt.date(2030, 12, 31)))
    near_eighteen = dt.date(on.year - 18, on.month, min(on.day, 28)) + dt.timedelta(days=draw(st.integers(-3, 3)))
    born = draw(st.one_of(st.just(near_eighteen), st.dates(on - dt.timedelta(days=365 * 90), on),
                          st.sampled_from([dt.date(on.year - 18 - k, 2, 29) for k in range(4)
                                           if calendar.isleap(on.year - 18 - k)])))
    born = min(born, on)
    names = [c.path.rsplit(".", 1)[-1] for c in engine.corpus.vocabulary.fields["adult_outcomes"].children]
    facts = {"person": {"date_of_birth": born.isoformat()}}
    outcomes = draw(st.one_of(st.none(), outcome_records(names)))
    if outcomes is not None:
        facts["adult_outcomes"] = outcomes
    return on, born, facts


@example(on=dt.date(2025, 3, 14), born=dt.date(2007, 3, 14))
@example(on=dt.date(2025, 3, 13), born=dt.date(2007, 3, 14))
@example(on=dt.date(2022, 2, 28), born=dt.date(2004, 2, 29))
@example(on=dt.date(2022, 3, 1), born=dt.date(2004, 2, 29))
@given(on=st.dates(dt.date(2015, 4, 1), dt.date(2030, 12, 31)), born=st.dates(dt.date(1925, 1, 1), dt.date(2030, 12, 31)))
def test_eighteenth_birthday_boundaries(engine, on, born):
    born = min(born, on)
    decision = engine.decide({"facts": {"person": {"date_of_birth": born.isoformat()}}}, "adult-eligibility",
                             "rutland", on)
    got = decision.criterion("is-an-adult").status
    assert got == ("met" if on >= eighteenth_birthday(born) else "not_met")


@given(data=st.data())
def test_is_an_adult_exactly_from_the_eighteenth_birthday(engine, data):
    on, born, facts = data.draw(adult_cases(engine))
    decision = engine.decide({"facts": facts}, "adult-eligibility", data.draw(st.sampled_from(AUTHORITIES)), on)
    got = decision.criterion("is-an-adult").status
    assert got == ("met" if on >= eighteenth_birthday(born) else "not_met")


@example(record={"managing_toilet_needs": ["takes_significantly_longer"], "maintaining_personal_hygiene": []})
@example(record={"managing_toilet_needs": ["takes_significantly_longer"],
                 "being_appropriately_clothed": ["needs_assistance"]})
@given(record=outcome_records(["managing_and_maintaining_nutrition", "maintaining_personal_hygiene",
                               "managing_toilet_needs", "being_appropriately_clothed", "using_the_home_safely",
                               "maintaining_a_habitable_home", "family_and_personal_relationships",
                               "work_training_education_or_volunteering", "using_community_facilities_and_services",
                               "caring_responsibilities_for_a_child"]))
def test_two_or_more_unmet_outcomes_counted_directly(engine, record):
    decision = engine.decide({"facts": {"adult_outcomes": record}}, "adult-eligibility", "leicester",
                             dt.date(2020, 6, 1))
    names = [c.path.rsplit(".", 1)[-1] for c in engine.corpus.vocabulary.fields["adult_outcomes"].children]
    got = decision.criterion("unable-to-achieve-two-or-more-outcomes").status
    assert got == expected_count_status(record, names, ADULT_REASONS, 2)


@given(data=st.data())
def test_two_or_more_unmet_outcomes_counted_from_the_record(engine, data):
    on, _born, facts = data.draw(adult_cases(engine))
    decision = engine.decide({"facts": facts}, "adult-eligibility", data.draw(st.sampled_from(AUTHORITIES)), on)
    fields = [c.path.rsplit(".", 1)[-1] for c in engine.corpus.vocabulary.fields["adult_outcomes"].children]
    assert len(fields) == 10
    got = decision.criterion("unable-to-achieve-two-or-more-outcomes").status
    assert got == expected_count_status(facts.get("adult_outcomes"), fields, ADULT_REASONS, 2)


CARER_OUTCOMES = ["caring_for_a_child", "caring_for_others", "maintaining_a_habitable_home",
                  "managing_and_maintaining_nutrition", "family_and_personal_relationships",
                  "work_training_education_or_volunteering", "using_community_facilities_and_services",
                  "recreational_activities"]


@example(record={"recreational_activities": ["takes_significantly_longer"]})
@example(record={name: ["takes_significantly_longer"] for name in CARER_OUTCOMES})
@example(record={"caring_for_others": ["endangers_health_or_safety"]})
@example(record={name: [] for name in CARER_OUTCOMES})
@given(record=outcome_records(CARER_OUTCOMES))
def test_a_carer_needs_one_unmet_outcome_and_takes_longer_never_counts(engine, record):
    names = [c.path.rsplit(".", 1)[-1] for c in engine.corpus.vocabulary.fields["carer_outcomes"].children]
    assert sorted(names) == sorted(CARER_OUTCOMES)
    facts = {"carer": {"health_deteriorating_or_at_risk": False}, "carer_outcomes": record}
    decision = engine.decide({"facts": facts}, "carer-eligibility", "rutland", dt.date(2020, 6, 1))
    got = decision.criterion("health-at-risk-or-unable-to-achieve-an-outcome").status
    assert got == expected_count_status(record, names, CARER_REASONS, 1)
