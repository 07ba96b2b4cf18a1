"""Properties of the engine: it agrees with the reference evaluator, and the order of facts never matters."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

import eligibility
from eligibility.scope import refs_in
from strategies import AUTHORITIES, dates_around, facts_for

OPERATORS = Path(__file__).parent / "fixtures" / "operators"
BOUNDARIES = (dt.date(2020, 1, 1), dt.date(2020, 2, 29), dt.date(2020, 3, 31))


@pytest.fixture(scope="module")
def operators():
    return eligibility.load(OPERATORS)


def _case_strategy(engine, dates, on_dates=None):
    return (dates if on_dates is None else on_dates).flatmap(lambda on: st.fixed_dictionaries({
        "facts": facts_for(engine.corpus.vocabulary, dates, on),
        "authority": st.sampled_from(AUTHORITIES),
        "assessment_date": st.just(on.isoformat()),
    }))


@given(data=st.data())
def test_engine_agrees_with_reference_on_every_operator(operators, data):
    case = data.draw(_case_strategy(operators, dates_around(*BOUNDARIES)))
    case["decision"] = "operators"
    decision = operators.decide(case)
    note(decision.to_json())
    engine_statuses = {c.id: c.status for c in decision.criteria}
    assert engine_statuses == operators.reference_statuses(case)


@pytest.mark.slow
@given(data=st.data())
def test_engine_agrees_with_reference_on_adult_eligibility(engine, data):
    on = data.draw(dates_around(dt.date(2015, 4, 1), dt.date(2024, 2, 29)).filter(lambda d: d >= dt.date(2015, 4, 1)))
    facts = data.draw(facts_for(engine.corpus.vocabulary, dates_around(dt.date(2015, 4, 1), dt.date(2000, 1, 1)), on))
    case = {"facts": facts, "authority": data.draw(st.sampled_from(AUTHORITIES)), "assessment_date": on.isoformat()}
    case["decision"] = "adult-eligibility"
    decision = engine.decide(case)
    assert {c.id: c.status for c in decision.criteria} == engine.reference_statuses(case)


@pytest.mark.slow
@given(data=st.data())
def test_order_of_facts_given_to_the_engine_never_changes_the_decision(operators, data):
    case = data.draw(_case_strategy(operators, dates_around(*BOUNDARIES)))
    case["decision"] = "operators"
    criteria = len(operators.corpus.rule_sets[0].criteria)
    order = data.draw(st.permutations(range(criteria)))
    assert operators._decide(case, fact_order=order).to_json() == operators.decide(case).to_json()


@pytest.mark.slow
@given(data=st.data())
def test_order_of_keys_in_the_case_never_changes_the_decision(operators, data):
    case = data.draw(_case_strategy(operators, dates_around(*BOUNDARIES)))
    case["decision"] = "operators"
    shuffled = json.loads(json.dumps(case))
    shuffled["facts"] = dict(reversed(list(shuffled["facts"].items())))
    assert operators.decide(shuffled).to_json() == operators.decide(case).to_json()


@pytest.mark.slow
@given(data=st.data())
def test_order_of_list_items_never_changes_the_outcome_or_any_criterion(operators, data):
    case = data.draw(_case_strategy(operators, dates_around(*BOUNDARIES)))
    case["decision"] = "operators"
    screens = case["facts"].get("screens")
    reordered = json.loads(json.dumps(case))
    if isinstance(screens, list):
        reordered["facts"]["screens"] = data.draw(st.permutations(screens))
    first, second = operators.decide(case), operators.decide(reordered)
    # 'first' and 'last' read the list in its (chronological) order, so only order-free criteria are compared
    rule_set = operators.corpus.rule_sets[0]
    ordered = {d.name for d in rule_set.derived if d.how in ("first", "last")}
    order_free = {c.id for c in rule_set.criteria
                  if not any(r.kind == "derived" and r.name in ordered for r in refs_in(c.condition))}
    assert first.outcome == second.outcome
    assert [(c.id, c.status, c.facts_used) for c in first.criteria if c.id in order_free] == [
        (c.id, c.status, c.facts_used) for c in second.criteria if c.id in order_free]
    assert len(order_free) < len(rule_set.criteria)


@pytest.mark.slow
@given(data=st.data())
def test_same_case_gives_byte_identical_json(engine, data):
    case = data.draw(_case_strategy(engine, st.dates(dt.date(1940, 1, 1), dt.date(2026, 1, 1)),
                                    st.dates(dt.date(2015, 4, 1), dt.date(2026, 1, 1))))
    case.update(decision="adult-eligibility")
    assert engine.decide(case).to_json() == engine.decide(json.loads(json.dumps(case))).to_json()


@pytest.mark.slow
@given(data=st.data())
def test_care_a_carer_provides_never_changes_adult_eligibility(engine, data):
    case = data.draw(_case_strategy(engine, st.dates(dt.date(1940, 1, 1), dt.date(2026, 1, 1)),
                                    st.dates(dt.date(2015, 4, 1), dt.date(2026, 1, 1))))
    case.update(decision="adult-eligibility")
    without = dict(case, facts={k: v for k, v in case["facts"].items() if k != "carer_support"})
    first, second = engine.decide(case).to_dict(), engine.decide(without).to_dict()
    assert first["outcome"] == second["outcome"]
    assert first["criteria"] == second["criteria"]
