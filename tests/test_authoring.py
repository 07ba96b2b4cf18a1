"""Authoring ergonomics: what a policy officer sees when a test, a name or a variation is wrong."""

from __future__ import annotations

import shutil

from click.testing import CliRunner

import eligibility
from conftest import ROOT
from eligibility.cli import cli

TEST_FILE = """kind: case-tests
title: Adult eligibility, written wrongly on purpose
tests:
  - name: two unmet outcomes, expected (wrongly) not to be enough
    source: SI 2015/313 reg 2(1)(b)
    decision: adult-eligibility
    authority: rutland
    date: 2024-05-01
    facts:
      person: {date_of_birth: 1950-06-12, needs_arise_from_impairment_or_illness: true}
      adult_outcomes:
        managing_and_maintaining_nutrition: [needs_assistance]
        maintaining_personal_hygiene: [needs_assistance]
      wellbeing_impact: {significant: true, basis: single, domains_affected: [personal_dignity]}
      needs_fluctuation: {needs_fluctuate: false}
    expect:
      outcome: not_eligible
      not_met: [unable-to-achieve-two-or-more-outcomes]
  - name: a misspelt fact
    source: SI 2015/313 reg 2
    decision: adult-eligibility
    authority: rutland
    date: 2024-05-01
    facts:
      person: {date_of_brith: 1950-06-12}
    expect:
      outcome: eligible
"""


def test_a_failing_case_test_shows_the_explanation_of_the_differing_criterion(tmp_path):
    path = tmp_path / "wrong.yaml"
    path.write_text(TEST_FILE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["test", str(path)])
    assert result.exit_code == 1
    out = result.stdout
    assert "criterion unable-to-achieve-two-or-more-outcomes: expected not_met, got met" in out
    # the explanation of that criterion, worded as in a decision
    explained = out.split("unable-to-achieve-two-or-more-outcomes: expected not_met, got met: ")[1].splitlines()[0]
    assert "unable to achieve is at least 2" in explained
    assert "outcome: expected not_eligible, got insufficient_information (whether the outcome" in out


def test_a_case_error_inside_a_test_keeps_its_location_and_hint(tmp_path):
    path = tmp_path / "wrong.yaml"
    path.write_text(TEST_FILE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["test", str(path)])
    line = next(text for text in result.stdout.splitlines() if "date_of_brith" in text)
    assert f"{path}:25:16:" in line and "C403" in line
    assert "did you mean 'date_of_birth'?" in result.stdout


def test_an_unknown_decision_name_lists_the_valid_ones(engine):
    from eligibility.diagnostics import CaseError
    try:
        engine.decide({"facts": {}}, "adult-eligibilty", "rutland", "2024-05-01")
    except CaseError as exc:
        hint = exc.diagnostics[0].hint
    assert "did you mean 'adult-eligibility'?" in hint
    for name in engine.decisions:
        assert name in hint


def test_a_misspelt_item_of_a_variation_is_located_on_that_item(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    path = rules / "rutland" / "settings.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("    settings: [ld_service]") == 1
    index = text[:text.index("    settings: [ld_service]")].count("\n")
    path.write_text(text.replace("    settings: [ld_service]", "    settings: [ld_servise]"), encoding="utf-8")
    problems = eligibility.check_rules(rules)
    assert [(p.code, p.span.line, p.span.column) for p in problems] == [("E301", index + 1, 16)]
    assert "did you mean 'ld_service'?" == problems[0].hint
