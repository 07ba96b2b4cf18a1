"""The proof of equal treatment (eligibility prove) and the SMT encoding it rests on.

The encoding is trusted only as far as it agrees with the engine: on generated cases it
must give the same criterion results and outcome, and every deliberately broken copy of
the rules must be caught with a counterexample the engine confirms.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, RULES
from eligibility import consistency, generate, prove
from eligibility.cli import cli
from eligibility.diagnostics import CaseError
from strategies import AUTHORITIES


def _prove(*args):
    result = CliRunner().invoke(cli, ["prove", *args])
    assert "Traceback" not in result.output
    return result


def _copy_rules(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


# -- the encoding agrees with the engine ------------------------------------------------------
@pytest.fixture(scope="module")
def plan(engine):
    return [(d, on) for d in engine.decisions for on in consistency.boundary_dates(engine, d)]


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_encoding_gives_the_engine_s_criterion_results_and_outcome_on_generated_cases(engine, plan, data):
    decision, on = data.draw(st.sampled_from(plan), label="decision and date")
    authority = data.draw(st.sampled_from(AUTHORITIES), label="authority")
    assume(engine.rule_set_for(decision, authority, on) is not None)
    fields = consistency.relevant_fields(engine, decision)
    facts = data.draw(generate.facts_strategy(fields, on, consistency.boundary_dates(engine, decision),
                                              consistency.thresholds(engine, decision)), label="facts")
    facts = generate.materialise(facts, consistency.area_of(engine, authority, on), "Swindon")
    try:
        decided = engine.decide({"facts": facts}, decision, authority, on)
    except CaseError:
        assume(False)
    outcome, statuses = prove.evaluate_case(engine, decision, authority, on, facts)
    assert statuses == {c.id: c.status for c in decided.criteria}
    assert outcome == decided.outcome


def _at_most(facts, n):
    """The facts with every list of items cut to its first n items (lists of choices are left alone)."""
    if isinstance(facts, dict):
        return {k: _at_most(v, n) for k, v in facts.items()}
    if isinstance(facts, list) and facts and all(isinstance(x, dict) for x in facts):
        return [_at_most(x, n) for x in facts[:n]]
    return facts


@pytest.fixture(scope="module")
def list_plan(engine, plan):
    """Decisions and dates of rule sets that derive values from lists (count, first, last, start_of_last_run)."""
    def reads_lists(decision, on):
        rule_set = engine.rule_set_for(decision, "leicester", on)
        return rule_set is not None and any(
            d.how in ("first", "last", "start_of_last_run") or (
                d.how == "count" and engine.corpus.vocabulary.fields[d.spec["items"]].type == "list")
            for d in rule_set.derived)
    return [(d, on) for d, on in plan if reads_lists(d, on)]


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_lists_modelled_item_by_item_give_the_engine_s_results_on_generated_cases(engine, list_plan, data):
    """The bounded model of lists (used to find real counterexamples) derives counts, first and last items
    and the start of the last run exactly as the engine does, for lists of up to prove.ITEMS items."""
    decision, on = data.draw(st.sampled_from(list_plan), label="decision and date")
    authority = data.draw(st.sampled_from(AUTHORITIES), label="authority")
    assume(engine.rule_set_for(decision, authority, on) is not None)
    fields = consistency.relevant_fields(engine, decision)
    facts = data.draw(generate.facts_strategy(fields, on, consistency.boundary_dates(engine, decision),
                                              consistency.thresholds(engine, decision)), label="facts")
    facts = _at_most(generate.materialise(facts, consistency.area_of(engine, authority, on), "Swindon"), prove.ITEMS)
    try:
        decided = engine.decide({"facts": facts}, decision, authority, on)
    except CaseError:
        assume(False)
    outcome, statuses = prove.evaluate_case(engine, decision, authority, on, facts, items=prove.ITEMS)
    assert statuses == {c.id: c.status for c in decided.criteria}
    assert outcome == decided.outcome


LIST_EXAMPLES = [p for p in sorted(EXAMPLES.glob("*.yaml")) if any(
    word in p.read_text(encoding="utf-8") for word in ("placements:", "detentions:", "reviews:"))]


@pytest.mark.parametrize("path", LIST_EXAMPLES, ids=lambda p: p.stem)
def test_lists_modelled_item_by_item_give_the_engine_s_results_on_the_example_cases(engine, path):
    from eligibility.cases import read_case

    case, _ = read_case(path)
    on = dt.date.fromisoformat(str(case["assessment_date"]))
    facts = _at_most(case["facts"], prove.ITEMS)
    decided = engine.decide({"facts": facts}, case["decision"], case["authority"], on)
    outcome, statuses = prove.evaluate_case(engine, case["decision"], case["authority"], on, facts, items=prove.ITEMS)
    assert (outcome, statuses) == (decided.outcome, {c.id: c.status for c in decided.criteria})


def test_the_encoding_reads_an_age_from_the_calendar_as_the_engine_does(engine):
    """Born on 29 February: 18 on 1 March in a year without that day, not on 28 February."""
    facts = {"person": {"date_of_birth": "2004-02-29"}}
    for on, status in (("2022-02-28", "not_met"), ("2022-03-01", "met")):
        day = dt.date.fromisoformat(on)
        _, statuses = prove.evaluate_case(engine, "adult-eligibility", "rutland", day, facts)
        decided = engine.decide({"facts": facts}, "adult-eligibility", "rutland", on)
        assert statuses["is-an-adult"] == status == next(c.status for c in decided.criteria if c.id == "is-an-adult")


def test_the_encoding_knows_a_value_from_an_empty_list_is_absent_not_unknown(engine):
    """'The last placement' of no placements is known not to exist; nothing is missing."""
    on = dt.date(2022, 4, 1)
    outcome, statuses = prove.evaluate_case(engine, "responsible-authority", "leicester", on, {"placements": []})
    decided = engine.decide({"facts": {"placements": []}}, "responsible-authority", "leicester", on)
    assert (outcome, statuses) == (decided.outcome, {c.id: c.status for c in decided.criteria})


# -- the shipped rules --------------------------------------------------------------------
@pytest.mark.slow
def test_prove_proves_equal_treatment_for_every_decision_pair_and_period_of_the_shipped_rules(engine):
    result = _prove("--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["verdict"] == "proved"
    assert {r["decision"] for r in report["results"]} == set(engine.decisions)
    assert all(r["verdict"] == "proved" for r in report["results"])
    periods = {(r["period"]["from"], r["period"]["to"]) for r in report["results"]
               if r["decision"] == "rehab-placement-approval" and r["authorities"] == ["leicester", "rutland"]}
    assert ("2015-04-01", "2022-03-31") in periods and ("2022-04-01", "9999-12-31") in periods


# -- deliberately broken copies are caught -----------------------------------------------------
def _restate_a_gate_more_strictly(rules, declare_criterion=False):
    shared = rules / "shared" / "rehab-placement-approval-2015.yaml"
    text = shared.read_text()
    shared.write_text(text.replace("applies_to: [leicester, leicestershire, rutland]", "applies_to: [leicester, leicestershire]"))
    stricter = text.replace("applies_to: [leicester, leicestershire, rutland]", "applies_to: [rutland]").replace(
        "{fact: rehab_referral.negative_drug_screens, at_least: {setting: rehab_negative_screens_required}}",
        "{fact: rehab_referral.negative_drug_screens, at_least: 3}")
    assert stricter != text
    (rules / "rutland" / "rehab-placement-approval-2015.yaml").write_text(stricter)
    settings_file = rules / "rutland" / "settings.yaml"
    settings_file.write_text(settings_file.read_text() + f"""  - id: rutland-own-approval-rules
    text: Rutland approves placements with its own copy of the gates.
    decisions: [rehab-placement-approval]
    outputs: [approved_by]
{"    criteria: [stable-with-negative-screens]" + chr(10) + "    outcome_may_differ: true" + chr(10) if declare_criterion else ""}    justification: For testing.
    source: test
    effective_from: 2015-04-01
""")


@pytest.mark.slow
def test_prove_catches_a_shared_gate_restated_more_strictly_by_one_authority(tmp_path):
    rules = _copy_rules(tmp_path)
    _restate_a_gate_more_strictly(rules)
    result = _prove("--rules", str(rules), "--decision", "rehab-placement-approval", "--authorities",
                    "leicester,rutland", "--on", "2016-06-01")
    assert result.exit_code == 1, result.output
    assert "COUNTEREXAMPLE" in result.output
    assert "criterion stable-with-negative-screens: leicester met, rutland" in result.output
    # the counterexample is a case file the engine decides differently for the two authorities
    report = json.loads(_prove("--rules", str(rules), "--decision", "rehab-placement-approval", "--authorities",
                               "leicester,rutland", "--on", "2016-06-01", "--format", "json").output)
    found = report["results"][0]
    assert found["verdict"] == "counterexample"
    assert found["case"]["facts"]["rehab_referral"]["negative_drug_screens"] < 3
    left, right = found["decisions"]
    assert ({c["id"]: c["status"] for c in left["criteria"]}["stable-with-negative-screens"]
            != {c["id"]: c["status"] for c in right["criteria"]}["stable-with-negative-screens"])


def test_a_difference_declared_as_a_variation_is_not_a_counterexample(tmp_path):
    rules = _copy_rules(tmp_path)
    _restate_a_gate_more_strictly(rules, declare_criterion=True)
    result = _prove("--rules", str(rules), "--decision", "rehab-placement-approval", "--authorities",
                    "leicester,rutland", "--on", "2016-06-01")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("PROVED")


@pytest.mark.slow
def test_prove_catches_an_undeclared_settings_change_over_every_period(tmp_path):
    rules = _copy_rules(tmp_path)
    settings_file = rules / "rutland" / "settings.yaml"
    text = settings_file.read_text()
    marker = "rehab_negative_screens_required:\n        value: 2"
    assert marker in text
    settings_file.write_text(text.replace(marker, marker[:-1] + "3"))
    result = _prove("--rules", str(rules), "--decision", "rehab-placement-approval", "--authorities",
                    "leicester,rutland", "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    changed = [r for r in report["results"] if r["verdict"] == "counterexample"]
    assert changed and all(r["verdict"] in ("proved", "counterexample") for r in report["results"])
    engine = __import__("eligibility").load(rules)
    for found in changed:
        assert found["period"]["from"] <= found["on"] <= found["period"]["to"]
        assert any("stable-with-negative-screens" in p for p in found["problems"])
        problems, _ = consistency.compare(engine, "rehab-placement-approval", dt.date.fromisoformat(found["on"]),
                                          "leicester", "rutland", found["case"]["facts"])
        assert problems                                        # confirmed by the engine, not only by the solver


def test_prove_catches_an_undeclared_change_to_a_review_interval_through_date_arithmetic(tmp_path):
    rules = _copy_rules(tmp_path)
    _review_every_six_months_in_rutland(rules)
    result = _prove("--rules", str(rules), "--decision", "care-plan-review-schedule", "--authorities",
                    "leicester,rutland", "--on", "2023-06-01")
    assert result.exit_code == 1, result.output
    assert "UNDECLARED DIFFERENCE — care-plan-review-schedule on 2023-06-01: leicester vs rutland" in result.output
    assert "next_review_due" in result.output or "review-not-overdue" in result.output


# -- what prove says it cannot do --------------------------------------------------------------
def test_prove_refuses_a_bad_pair_of_authorities_as_a_usage_error():
    result = _prove("--authorities", "leicester,leicester")
    assert result.exit_code == 2
    assert "is not two different authorities" in result.output
    assert _prove("--decision", "parking-permit").exit_code == 2


def _gateway_with_13_criteria(rules, outcome_always_ld_service=False):
    """The learning disability gateway with ten more criteria (13 in all), each read by the outcomes."""
    gateway = rules / "shared" / "ld-service-gateway.yaml"
    text = gateway.read_text()
    criterion = """  - id: impaired-social-functioning
    text: A reduced ability to cope independently.
    citation: Valuing People, Cm 5086 (2001), p.14 (limb 2)
    confidence: verified
    condition: {fact: learning_disability.reduced_ability_to_cope_independently, is: true}
"""
    assert criterion in text
    more = "".join(criterion.replace("impaired-social-functioning", f"coping-check-{n}") for n in range(10))
    read = "        - {criterion: impaired-social-functioning}\n"
    assert text.count(read) == 1
    reads_more = "".join(read.replace("impaired-social-functioning", f"coping-check-{n}") for n in range(10))
    text = text.replace(criterion, criterion + more).replace(read, read + reads_more)  # every criterion counts
    if outcome_always_ld_service:       # whichever way impaired-intelligence turns out, the outcome is ld_service
        head = "    when:\n      all:\n        - {criterion: impaired-intelligence}\n"
        assert text.count(head) == 1
        body = text.split(head, 1)[1].split("    outputs:", 1)[0]
        text = text.replace(head + body, "    when:\n      any:\n        - {criterion: impaired-intelligence}\n"
                            "        - not: {criterion: impaired-intelligence}\n        - all:\n"
                            "          - {criterion: impaired-intelligence}\n"
                            + "".join("  " + line + "\n" for line in body.splitlines()))
    gateway.write_text(text)
    return __import__("eligibility").load(rules)


def test_prove_proves_a_decision_with_more_than_12_criteria(tmp_path):
    rules = _copy_rules(tmp_path)
    engine = _gateway_with_13_criteria(rules)
    assert len(engine.rule_set_for("ld-service-gateway", "rutland", dt.date(2023, 6, 1)).criteria) == 13
    assert __import__("eligibility").check_rules(rules) == []
    result = _prove("--rules", str(rules), "--decision", "ld-service-gateway", "--on", "2023-06-01")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("PROVED")
    assert "3 of 3" in result.output


def test_the_encoding_follows_the_engine_with_more_than_12_criteria_unknown_and_with_12(tmp_path):
    """The engine tries every way at most 12 unknown criteria could turn out; with more it waits for facts."""
    engine = _gateway_with_13_criteria(_copy_rules(tmp_path), outcome_always_ld_service=True)
    on = dt.date(2023, 6, 1)
    onset = {"learning_disability": {"age_at_onset": 10, "lasting_effect_on_development": True}}
    for facts, expected in (({}, "insufficient_information"),    # 13 unknown: no way is tried
                            (onset, "ld_service")):              # 12 unknown: every way gives ld_service
        decided = engine.decide({"facts": facts}, "ld-service-gateway", "leicester", on)
        assert decided.outcome == expected
        assert sum(c.status == "unknown" for c in decided.criteria) == (13 if not facts else 12)
        outcome, statuses = prove.evaluate_case(engine, "ld-service-gateway", "leicester", on, facts)
        assert (outcome, statuses) == (decided.outcome, {c.id: c.status for c in decided.criteria})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_encoding_gives_the_engine_s_results_on_generated_cases_with_13_criteria(tmp_path_factory, data):
    engine = _big_gateway(tmp_path_factory)
    on = dt.date(2023, 6, 1)
    authority = data.draw(st.sampled_from(AUTHORITIES), label="authority")
    fields = consistency.relevant_fields(engine, "ld-service-gateway")
    facts = data.draw(generate.facts_strategy(fields, on, consistency.boundary_dates(engine, "ld-service-gateway"),
                                              consistency.thresholds(engine, "ld-service-gateway")), label="facts")
    facts = generate.materialise(facts, consistency.area_of(engine, authority, on), "Swindon")
    decided = engine.decide({"facts": facts}, "ld-service-gateway", authority, on)
    outcome, statuses = prove.evaluate_case(engine, "ld-service-gateway", authority, on, facts)
    assert (outcome, statuses) == (decided.outcome, {c.id: c.status for c in decided.criteria})


_BIG = {}


def _big_gateway(tmp_path_factory):
    if "engine" not in _BIG:
        _BIG["engine"] = _gateway_with_13_criteria(_copy_rules(tmp_path_factory.mktemp("big")),
                                                   outcome_always_ld_service=True)
    return _BIG["engine"]


def _review_every_six_months_in_rutland(rules):
    settings_file = rules / "rutland" / "settings.yaml"
    text = settings_file.read_text()
    assert text.count("plan_review_interval_months:\n        value: 12") == 1    # set in 2015.1, carried forward
    settings_file.write_text(text.replace("plan_review_interval_months:\n        value: 12",
                                          "plan_review_interval_months:\n        value: 6"))


def test_prove_never_reports_proved_when_the_solver_gives_up(tmp_path):
    """With a millisecond for a search through calendar arithmetic, the solver gives up: exit 3, never 'proved'."""
    from eligibility import render

    rules = _copy_rules(tmp_path)
    _review_every_six_months_in_rutland(rules)
    engine = __import__("eligibility").load(rules)
    results = prove.run(engine, ["care-plan-review-schedule"], [("leicester", "rutland")], None, timeout_ms=1)
    assert results and all(r.verdict == prove.GAVE_UP for r in results)
    assert all(r.reason.startswith("the solver gave up") for r in results)
    assert prove.exit_code(results) == 3 and prove.overall(results) == prove.GAVE_UP
    text = render.proof_text(results)
    assert text.startswith("CANNOT PROVE") and "PROVED " not in text
    assert "0 of 2" in text


# -- two versions of the rules ---------------------------------------------------------------
def test_prove_from_to_finds_the_change_impact_of_a_new_rules_version_and_proves_an_unchanged_one(tmp_path):
    rules = _copy_rules(tmp_path)
    settings_file = rules / "rutland" / "settings.yaml"
    text = settings_file.read_text()
    settings_file.write_text(text.replace("plan_review_interval_months:\n        value: 12",
                                          "plan_review_interval_months:\n        value: 6"))
    changed = _prove("--from", str(RULES), "--to", str(rules), "--decision", "care-plan-review-schedule",
                     "--on", "2023-06-01", "--format", "json")
    assert changed.exit_code == 1, changed.output
    verdicts = {tuple(r["authorities"]): r["verdict"] for r in json.loads(changed.output)["results"]}
    assert verdicts == {("leicester (old rules)", "leicester (new rules)"): "proved",
                        ("leicestershire (old rules)", "leicestershire (new rules)"): "proved",
                        ("rutland (old rules)", "rutland (new rules)"): "counterexample"}
    same = _prove("--from", str(RULES), "--to", str(RULES), "--decision", "adult-eligibility")
    assert same.exit_code == 0, same.output
    assert same.output.startswith("PROVED")


@pytest.mark.slow
def test_prove_from_to_finds_a_real_case_when_what_is_counted_in_a_list_changes(tmp_path):
    """Values counted from list items are free values in the proof; the case that shows the change is
    found with the lists modelled item by item, and the engine confirms it."""
    rules = _copy_rules(tmp_path)
    shared = rules / "shared" / "responsible-authority.yaml"
    text = shared.read_text()
    old = "    count: detentions\n    where: {fact: section, one_of: [s3, s37, s45a, s47, s48]}\n"
    assert text.count(old) == 1
    shared.write_text(text.replace(old, old.replace(", s48]", "]")))      # s48 detentions no longer counted
    result = _prove("--from", str(RULES), "--to", str(rules), "--decision", "responsible-authority",
                    "--authorities", "rutland", "--on", "2023-06-01", "--format", "json")
    assert result.exit_code == 1, result.output
    found = json.loads(result.output)["results"][0]
    assert found["verdict"] == "counterexample"
    assert "modelled item by item, up to 3 items" in found["reason"]
    detentions = found["case"]["facts"]["detentions"]
    assert 1 <= len(detentions) <= 3 and any(d.get("section") == "s48" for d in detentions)
    on = dt.date.fromisoformat(found["on"])
    old_rules, new_rules = __import__("eligibility").load(RULES), __import__("eligibility").load(rules)
    decided = [e.decide({"facts": found["case"]["facts"]}, "responsible-authority", "rutland", on)
               for e in (old_rules, new_rules)]
    statuses = [{c.id: c.status for c in d.criteria} for d in decided]
    assert statuses[0] != statuses[1]                                   # confirmed by the engine


def test_prove_from_without_to_is_a_usage_error(tmp_path):
    result = _prove("--from", str(RULES))
    assert result.exit_code == 2
    assert "give both --from OLD and --to NEW" in result.output
    missing = _prove("--from", str(tmp_path / "nowhere"), "--to", str(RULES))
    assert missing.exit_code == 2
    assert "is not a directory" in missing.output
