"""A decision as at a date leaves out list items dated after it, and says so in its record."""

from __future__ import annotations

import copy
import datetime as dt
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility import render
from eligibility.as_at import as_at, dated_lists
from strategies import dates_around, facts_for

D = dt.date

# The Worcestershire facts (R (Worcestershire CC) v SSHSC [2023] UKSC 31), recorded today.
WORCESTERSHIRE = {
    "residence": {"lives_there_for_settled_purposes": True, "has_capacity_to_decide_where_to_live": False,
                  "living_there_lawfully": True, "settled_residence_area": "Swindon", "present_in_area": "Swindon",
                  "currently_in_placement": True, "settled_in_placement_area": True},
    "placements": [{"accommodation": "care_home", "arranged_under_care_act": False, "provided_under_s117": True,
                    "placing_authority": "Worcestershire", "area_before": "Worcestershire",
                    "continues_from_previous_placement": False, "started_on": "2014-10-06"}],
    "detentions": [
        {"section": "s3", "started_on": "2014-03-10", "ordinary_residence_before": "Worcestershire",
         "still_detained": False, "left_hospital_on": "2014-10-06", "after_care_ended": True,
         "after_care_ended_on": "2015-09-14"},
        {"section": "s3", "started_on": "2015-09-14", "ordinary_residence_before": "Swindon",
         "still_detained": False, "left_hospital_on": "2017-02-20", "after_care_ended": False},
    ],
}


def _decide(engine, facts, on):
    return engine.decide({"facts": facts}, decision="responsible-authority", authority="rutland", on=on)


def test_the_record_lists_what_was_left_out_in_json_and_text(engine):
    decision = _decide(engine, WORCESTERSHIRE, "2015-09-13")
    record = json.loads(decision.to_json())
    assert record["left_out"] == [{"item": "detentions[1]", "date_field": "started_on", "date": "2015-09-14"}]
    derived = {d["name"]: d["value"] for d in record["derived"]}
    assert derived["qualifying_detentions"] == 1          # the later detention is not counted
    assert derived["residence_before_latest_qualifying_detention"] == "Worcestershire"
    text = render.decision_text(decision)
    assert "Left out (dated after the decision date, 2015-09-13, so not used):" in text
    assert "  - detentions[1]: started_on 2015-09-14" in text


def test_an_item_dated_on_the_decision_date_is_kept(engine):
    decision = _decide(engine, WORCESTERSHIRE, "2015-09-14")
    assert decision.left_out == ()
    assert json.loads(decision.to_json())["left_out"] == []
    assert "Left out" not in render.decision_text(decision)


def test_the_callers_case_is_not_changed(engine):
    facts = copy.deepcopy(WORCESTERSHIRE)
    _decide(engine, facts, "2015-06-01")
    assert facts == WORCESTERSHIRE


def test_the_vocabulary_declares_the_dated_lists(engine):
    lists = dict(dated_lists(engine.corpus.vocabulary))
    assert lists == {"placements": "started_on", "detentions": "started_on",
                     "care_plan.reviews": "reviewed_on", "care_plan.direct_payment_reviews": "reviewed_on"}


def test_nested_lists_are_filtered_and_undated_items_kept():
    facts = {"care_plan": {"signed_off_on": "2020-01-06",
                           "reviews": [{"reviewed_on": "2020-03-02"}, {}, {"reviewed_on": "2021-03-01"}]}}
    view, left_out = as_at(facts, (("care_plan.reviews", "reviewed_on"),), D(2020, 12, 31))
    assert view["care_plan"]["reviews"] == [{"reviewed_on": "2020-03-02"}, {}]   # an undated item may be earlier
    assert [(x.item, x.date) for x in left_out] == [("care_plan.reviews[2]", D(2021, 3, 1))]
    assert len(facts["care_plan"]["reviews"]) == 3
    assert view["care_plan"]["signed_off_on"] == "2020-01-06"


def test_nothing_left_out_gives_the_same_facts_object():
    facts = {"detentions": [{"started_on": "2019-01-01"}]}
    view, left_out = as_at(facts, (("detentions", "started_on"),), D(2020, 1, 1))
    assert view is facts and left_out == ()


# The lists that are dated, and by which field, written out here independently of the code.
DATED = {("placements",): "started_on", ("detentions",): "started_on",
         ("care_plan", "reviews"): "reviewed_on", ("care_plan", "direct_payment_reviews"): "reviewed_on"}


def _without_later_items(facts, on):
    """The facts with every dated item after 'on' removed by hand, and the removed items' names."""
    facts, removed = copy.deepcopy(facts), []
    for path, field in DATED.items():
        holder = facts
        for part in path[:-1]:
            holder = holder.get(part) if isinstance(holder, dict) else None
        if not isinstance(holder, dict) or not isinstance(holder.get(path[-1]), list):
            continue
        items = holder[path[-1]]
        removed += [f"{'.'.join(path)}[{i}]" for i, item in enumerate(items)
                    if item.get(field) is not None and D.fromisoformat(item[field]) > on]
        holder[path[-1]] = [item for item in items if item.get(field) is None or D.fromisoformat(item[field]) <= on]
    return facts, removed


@settings(max_examples=60)
@given(data=st.data())
def test_a_decision_as_at_a_date_is_the_decision_without_the_later_items(engine, data):
    on = data.draw(st.dates(D(2016, 1, 1), D(2024, 12, 31)))
    decision_kind = data.draw(st.sampled_from(["responsible-authority", "care-plan-review-schedule"]))
    facts = data.draw(facts_for(engine.corpus.vocabulary, dates_around(on, spread=2), on=on))
    earlier, removed = _without_later_items(facts, on)
    full = engine.decide({"facts": facts}, decision=decision_kind, authority="leicester", on=on)
    trimmed = engine.decide({"facts": earlier}, decision=decision_kind, authority="leicester", on=on)
    assert [item.item for item in full.left_out] == removed
    assert trimmed.left_out == ()
    assert dict(full.to_dict(), left_out=[]) == trimmed.to_dict()
