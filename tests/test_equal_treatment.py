"""Equal treatment: the three authorities decide equivalent cases alike, except where a difference is declared.

The cases are generated from the case fields themselves (eligibility.generate); each
property is checked for every decision kind, on both sides of every change in the rules,
for every pair of authorities.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import shutil

import pytest
from click.testing import CliRunner
from hypothesis import given, note
from hypothesis import strategies as st

import eligibility
from conftest import RULES
from eligibility import consistency, generate
from eligibility.cli import cli
from eligibility.loader import authority_folders

AUTHORITIES = authority_folders(RULES)

PAIRS = list(itertools.combinations(AUTHORITIES, 2))


@pytest.fixture(scope="module")
def plan(engine):
    """(decision, date) pairs to check: every decision kind on both sides of every change."""
    return [(d, on) for d in engine.decisions for on in consistency.boundary_dates(engine, d)]


def _draw_case(engine, plan, data):
    decision, on = data.draw(st.sampled_from(plan), label="decision and date")
    fields = consistency.relevant_fields(engine, decision)
    facts = data.draw(generate.facts_strategy(fields, on, consistency.boundary_dates(engine, decision),
                                              consistency.thresholds(engine, decision)), label="facts")
    return decision, on, facts


def _decide(engine, decision, authority, on, facts):
    area = consistency.area_of(engine, authority, on)
    return engine.decide({"facts": generate.materialise(facts, area, "Swindon")}, decision, authority, on)


def test_every_decision_kind_is_checked_on_both_sides_of_every_change(engine, plan):
    checked = {d for d, _ in plan}
    assert checked == set(engine.decisions) and len(checked) == 8
    dates = {on for d, on in plan if d == "rehab-placement-approval"}
    for change in ("2007-05-08", "2015-04-01", "2022-04-01"):
        day = consistency.dt.date.fromisoformat(change)
        assert {day, day - consistency.dt.timedelta(days=1)} & dates >= {day}


@pytest.mark.slow
@given(data=st.data())
def test_equivalent_cases_get_the_same_outcome_and_criteria_unless_a_variation_is_declared(engine, plan, data):
    decision, on, facts = _draw_case(engine, plan, data)
    a, b = data.draw(st.sampled_from(PAIRS), label="authorities")
    problems, decided = consistency.compare(engine, decision, on, a, b, facts)
    note(json.dumps(facts, sort_keys=True))
    assert problems == ()


@pytest.mark.slow
@given(data=st.data())
def test_same_inputs_give_byte_identical_json(engine, plan, data):
    decision, on, facts = _draw_case(engine, plan, data)
    authority = data.draw(st.sampled_from(AUTHORITIES))
    first = _decide(engine, decision, authority, on, facts).to_json()
    assert first == _decide(engine, decision, authority, on, copy.deepcopy(facts)).to_json()


@pytest.mark.slow
@given(data=st.data())
def test_engine_and_reference_evaluator_agree(engine, plan, data):
    decision, on, facts = _draw_case(engine, plan, data)
    authority = data.draw(st.sampled_from(AUTHORITIES))
    case = {"facts": generate.materialise(facts, consistency.area_of(engine, authority, on), "Swindon")}
    decided = engine.decide(case, decision, authority, on)
    statuses = engine.reference_statuses(case, decision, authority, on)
    # waived gates are reported as 'waived'; the reference sees the gate alone
    assert {c.id: c.status for c in decided.criteria if c.status != "waived"} == {
        k: v for k, v in statuses.items() if k in {c.id for c in decided.criteria if c.status != "waived"}}


def _leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, path + (key,))
    elif not isinstance(value, list):
        yield path


def _without(facts, paths):
    out = copy.deepcopy(facts)
    for path in paths:
        parent = out
        for key in path[:-1]:
            parent = parent[key]
        parent.pop(path[-1], None)
    return out


@pytest.mark.slow
@given(data=st.data())
def test_filling_in_a_missing_fact_never_changes_a_decided_outcome(engine, plan, data):
    decision, on, facts = _draw_case(engine, plan, data)
    authority = data.draw(st.sampled_from(AUTHORITIES))
    leaves = list(_leaves(facts))
    removed = data.draw(st.lists(st.sampled_from(leaves), unique=True) if leaves else st.just([]))
    partial = _decide(engine, decision, authority, on, _without(facts, removed))
    complete = _decide(engine, decision, authority, on, facts)
    if partial.outcome != "insufficient_information":
        assert complete.outcome == partial.outcome


@given(data=st.data())
def test_adding_an_unmet_outcome_never_makes_an_eligible_person_ineligible(engine, data):
    decision = data.draw(st.sampled_from(["adult-eligibility", "carer-eligibility"]))
    on = data.draw(st.sampled_from(consistency.boundary_dates(engine, decision)))
    facts = data.draw(generate.facts_strategy(consistency.relevant_fields(engine, decision), on))
    authority = data.draw(st.sampled_from(AUTHORITIES))
    record = "adult_outcomes" if decision == "adult-eligibility" else "carer_outcomes"
    before = _decide(engine, decision, authority, on, facts)
    field = engine.corpus.vocabulary.fields[record]
    outcome = data.draw(st.sampled_from([c.path.rsplit(".", 1)[-1] for c in field.children]))
    worse = copy.deepcopy(facts)
    worse[record] = dict(worse.get(record) or {})
    worse[record][outcome] = sorted(set(worse[record].get(outcome) or []) | {"needs_assistance"})
    after = _decide(engine, decision, authority, on, worse)
    if before.outcome == "eligible":
        assert after.outcome == "eligible"


@pytest.mark.slow
@given(data=st.data())
def test_facts_the_law_excludes_never_change_a_decision(engine, data):
    decision = data.draw(st.sampled_from([d for d in engine.decisions
                                          if any(r.disregards for r in engine.corpus.rule_sets if r.decision == d)]))
    on = data.draw(st.sampled_from(consistency.boundary_dates(engine, decision)))
    fields = consistency.relevant_fields(engine, decision)
    facts = data.draw(generate.facts_strategy(fields, on))
    excluded = {d.fact for r in engine.corpus.rule_sets if r.decision == decision for d in r.disregards}
    other = data.draw(generate.facts_strategy([f for f in fields if f.path in excluded], on))
    changed = {k: v for k, v in facts.items() if k not in excluded} | other
    authority = data.draw(st.sampled_from(AUTHORITIES))
    first, second = (_decide(engine, decision, authority, on, f) for f in (facts, changed))
    assert first.outcome == second.outcome
    assert [(c.id, c.status) for c in first.criteria] == [(c.id, c.status) for c in second.criteria]


# -- the consistency command on the real rules and on deliberately broken copies ---------------
def _consistency(*args):
    result = CliRunner().invoke(cli, ["consistency", *args])
    assert "Traceback" not in result.output
    return result


@pytest.mark.slow
def test_consistency_finds_no_undeclared_difference_in_the_shipped_rules():
    result = _consistency("--examples", "15")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("0 undeclared difference(s) found")      # progress goes to stderr
    assert re.search(r"^\[(\d+)/\1\] ", result.stderr, re.M), result.stderr      # ... up to the last search


def _copy_rules(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


@pytest.mark.slow
def test_consistency_catches_an_authority_restating_a_shared_criterion_more_strictly(tmp_path):
    rules = _copy_rules(tmp_path)
    shared = rules / "shared" / "rehab-placement-approval-2015.yaml"
    text = shared.read_text()
    shared.write_text(text.replace("applies_to: [leicester, leicestershire, rutland]", "applies_to: [leicester, leicestershire]"))
    stricter = text.replace("applies_to: [leicester, leicestershire, rutland]", "applies_to: [rutland]").replace(
        "{fact: rehab_referral.negative_drug_screens, at_least: {setting: rehab_negative_screens_required}}",
            "{fact: rehab_referral.negative_drug_screens, at_least: 3}")
    (rules / "rutland" / "rehab-placement-approval-2015.yaml").write_text(stricter)
    settings = rules / "rutland" / "settings.yaml"
    settings.write_text(settings.read_text() + """  - id: rutland-own-approval-rules
    text: Rutland approves placements with its own copy of the gates (declared to change who approves only).
    decisions: [rehab-placement-approval]
    outputs: [approved_by]
    justification: A deliberately incomplete declaration, for testing.
    source: test
    effective_from: 2015-04-01
""")
    assert eligibility.check_rules(rules) == []
    result = _consistency("--rules", str(rules), "--decision", "rehab-placement-approval", "--on", "2016-06-01",
                          "--examples", "200")
    assert result.exit_code == 1, result.output
    assert "criterion stable-with-negative-screens: leicester met, rutland not_met" in result.output
    assert "UNDECLARED DIFFERENCE — rehab-placement-approval on 2016-06-01: leicester vs rutland" in result.output
    assert '"negative_drug_screens": 2' in result.output            # shrunk to the boundary


@pytest.mark.slow
def test_consistency_catches_a_setting_that_changes_an_outcome_without_a_declared_variation(tmp_path):
    rules = _copy_rules(tmp_path)
    settings = rules / "rutland" / "settings.yaml"
    text = settings.read_text()
    assert text.count("plan_review_interval_months:\n        value: 12") == 1    # set in 2015.1, carried forward
    settings.write_text(text.replace("plan_review_interval_months:\n        value: 12",
                                     "plan_review_interval_months:\n        value: 6"))
    assert eligibility.check_rules(rules) == []                     # 6 months is within the legal bound
    result = _consistency("--rules", str(rules), "--decision", "care-plan-review-schedule", "--on", "2023-06-01",
                          "--examples", "300")
    assert result.exit_code == 1, result.output
    assert "UNDECLARED DIFFERENCE — care-plan-review-schedule on 2023-06-01: leicester vs rutland" in result.output
    assert ("output next_review_due: leicester" in result.output
            or "outcome: leicester reviews_up_to_date, rutland review_overdue" in result.output)
    case = {"facts": {"care_plan": {"signed_off_on": "2021-01-04", "reviews": [{"reviewed_on": "2022-10-03"}],
                                    "has_direct_payment": False}}}
    changed = eligibility.load(rules).decide(case, "care-plan-review-schedule", "rutland", "2023-06-01")
    shipped = eligibility.load(RULES).decide(case, "care-plan-review-schedule", "rutland", "2023-06-01")
    assert (shipped.outcome, changed.outcome) == ("reviews_up_to_date", "review_overdue")


def test_a_national_decision_restated_by_an_authority_is_a_validation_error(tmp_path):
    rules = _copy_rules(tmp_path)
    (rules / "rutland" / "adult-eligibility.yaml").write_text(
        (rules / "shared" / "adult-eligibility.yaml").read_text().replace("at_least: 2}", "at_least: 3}"))
    codes = {d.code for d in eligibility.check_rules(rules)}
    assert "E311" in codes


@pytest.mark.slow
def test_variations_register_lists_each_declared_variation_with_its_justification():
    result = CliRunner().invoke(cli, ["variations", "--on", "2023-06-01", "--format", "json"])
    assert result.exit_code == 0
    register = json.loads(result.output)
    ids = {(v["authority"], v["id"]) for v in register}
    assert ("leicestershire", "lot1-provider-agrees-and-funds-rehab-placements") in ids
    assert ("rutland", "ad-hoc-use-of-the-llr-assessment-team") not in ids        # ended 2013-03-31
    assert all(v["justification"] and v["source"] for v in register)
    earlier = json.loads(CliRunner().invoke(cli, ["variations", "--on", "2010-01-01", "--format", "json"]).output)
    assert ("rutland", "ad-hoc-use-of-the-llr-assessment-team") in {(v["authority"], v["id"]) for v in earlier}


@pytest.mark.parametrize("setting, longer", [("plan_review_interval_months", 13), ("plan_first_review_weeks", 9),
                                             ("dp_first_review_months", 7), ("dp_review_interval_months", 13),
                                             ("rehab_first_review_weeks", 9)])
def test_a_review_interval_longer_than_the_national_expectation_is_a_validation_error(tmp_path, setting, longer):
    rules = _copy_rules(tmp_path)
    settings = rules / "leicester" / "settings.yaml"
    text = settings.read_text()
    marker = f"      {setting}:\n        value: "
    assert marker in text
    start = text.index(marker) + len(marker)
    settings.write_text(text[:start] + str(longer) + text[text.index("\n", start):])
    problems = eligibility.check_rules(rules)
    assert [(d.code, d.span.file.endswith("leicester/settings.yaml")) for d in problems] == [("E305", True)]
    assert "is above the highest value allowed" in problems[0].message
