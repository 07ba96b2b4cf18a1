"""Date arithmetic and derived values (counts are ranges when facts are missing)."""

from __future__ import annotations

import datetime as dt

import pytest

from eligibility.dates import add_months, add_period, whole_years

D = dt.date


@pytest.mark.parametrize("born, on, age", [
    (D(2007, 3, 14), D(2025, 3, 13), 17),
    (D(2007, 3, 14), D(2025, 3, 14), 18),
    (D(2004, 2, 29), D(2022, 2, 28), 17),     # a 29 February birthday is completed on 1 March
    (D(2004, 2, 29), D(2022, 3, 1), 18),
    (D(2004, 2, 29), D(2024, 2, 29), 20),
    (D(2000, 1, 1), D(1999, 12, 31), -1),
])
def test_whole_years(born, on, age):
    assert whole_years(born, on) == age


@pytest.mark.parametrize("start, months, expected", [
    (D(2024, 1, 31), 1, D(2024, 2, 29)),
    (D(2023, 1, 31), 1, D(2023, 2, 28)),
    (D(2024, 3, 31), -1, D(2024, 2, 29)),
    (D(2024, 11, 15), 2, D(2025, 1, 15)),
    (D(2024, 2, 29), 12, D(2025, 2, 28)),
])
def test_add_months_keeps_the_day_or_uses_the_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_add_period_units():
    start = D(2024, 5, 1)
    assert add_period(start, "days", 21) == D(2024, 5, 22)
    assert add_period(start, "weeks", 6) == D(2024, 6, 12)
    assert add_period(start, "months", 12) == add_period(start, "years", 1) == D(2025, 5, 1)


def _derived(operators, facts, on="2020-06-01"):
    d = operators.decide({"facts": facts, "authority": "leicester", "assessment_date": on, "decision": "operators"})
    return {x.name: x for x in d.derived}, d


@pytest.fixture(scope="module")
def operators():
    from pathlib import Path

    import eligibility

    return eligibility.load(Path(__file__).parent / "fixtures" / "operators")


def test_count_of_list_items_is_a_range_when_item_facts_are_missing(operators):
    screens = [{"result": "negative", "taken_on": "2020-02-01"}, {"result": "negative"},
               {"result": "positive", "taken_on": "2020-03-01"}, {"taken_on": "2019-01-01"}]
    derived, decision = _derived(operators, {"screens": screens})
    count = derived["negative_screens"]
    assert count.value == (1, 2)
    assert count.missing == ("screens[1].taken_on",)
    assert decision.criterion("count-at-least").status == "unknown"
    assert decision.criterion("count-less-than").status == "unknown"


def test_count_of_a_missing_list_has_no_upper_bound(operators):
    derived, decision = _derived(operators, {})
    assert derived["negative_screens"].value == (0, None)
    assert derived["negative_screens"].missing == ("screens",)
    assert decision.criterion("count-at-least").status == "unknown"


def test_count_of_an_empty_list_is_zero(operators):
    derived, decision = _derived(operators, {"screens": []})
    assert derived["negative_screens"].value == (0, 0)
    assert decision.criterion("count-at-least").status == "not_met"
    assert decision.criterion("count-less-than").status == "met"


def test_count_of_record_fields_and_of_choices(operators):
    derived, decision = _derived(operators, {"checks": {"one": True, "two": False}, "tags": ["a", "c"]})
    assert derived["checks_passed"].value == (1, 2)
    assert derived["checks_passed"].missing == ("checks.three",)
    assert decision.criterion("count-is").status == "unknown"
    assert derived["tags_chosen"].value == (1, 1)
    assert decision.criterion("count-more-than").status == "not_met"


def test_date_plus_reads_the_authority_setting(operators):
    derived, decision = _derived(operators, {"start": "2020-01-31", "finish": "2020-03-13"})
    assert derived["deadline"].value == D(2020, 3, 13)           # 6 weeks, from the settings
    assert derived["month_end"].value == D(2020, 2, 29)
    assert derived["gap"].value == 42
    assert decision.criterion("date-on-or-after-derived").status == "met"
    assert decision.criterion("date-is-month-end").status == "met"
    assert decision.criterion("gap-at-most").status == "not_met"


def test_missing_date_leaves_derived_values_unknown_and_lists_the_fact(operators):
    derived, decision = _derived(operators, {"finish": "2020-03-13"})
    assert derived["deadline"].value is None and derived["deadline"].missing == ("start",)
    assert decision.criterion("date-on-or-after-derived").status == "unknown"
    assert decision.criterion("date-on-or-after-derived").needed == ("start",)


def test_last_item_meeting_the_condition_is_taken_and_unknown_items_before_it_make_it_unknown(operators):
    screens = [{"result": "negative", "taken_on": "2020-02-01"}, {"result": "positive", "taken_on": "2020-03-01"}]
    derived, decision = _derived(operators, {"screens": screens})
    assert derived["last_negative_taken_on"].value == D(2020, 2, 1)        # the positive one after it is skipped
    assert derived["first_screen_result"].value == "negative"
    assert decision.criterion("last-negative-in-2020").status == "met"
    derived, decision = _derived(operators, {"screens": screens + [{"taken_on": "2020-04-01"}]})
    assert derived["last_negative_taken_on"].value is None                  # the last screen's result is missing
    assert derived["last_negative_taken_on"].missing == ("screens[2].result",)
    assert decision.criterion("last-negative-in-2020").status == "unknown"
    derived, _ = _derived(operators, {"screens": [{"result": "positive"}]})
    assert derived["last_negative_taken_on"].value is None and derived["last_negative_taken_on"].missing == ()
