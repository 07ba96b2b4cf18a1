"""validate refuses rules the solver shows to be defective, each problem at its place in the file.

Each test breaks a copy of a shipped rule set in one way and checks that `eligibility
validate` refuses it with the right code, file, line and column, names what is wrong
(and, where it matters, the authority and period) and gives a hint; and that the
shipped rules themselves still pass.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

import eligibility
from conftest import ROOT, RULES
from eligibility.cli import cli


def _copy_rules(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def _replace(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def _line_of(path, text, after=0) -> int:
    """The line number (1-based) of the first line at or after line ``after`` holding ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i + 1 for i, line in enumerate(lines) if i + 1 >= after and text in line)


def _validate(rules):
    result = CliRunner().invoke(cli, ["validate", str(rules)])
    assert "Traceback" not in result.output
    return result


def _codes(result) -> list[tuple]:
    """(code, file name, line) of every error validate printed."""
    found = []
    for line in result.stderr.splitlines():
        match = re.match(r"(\S+?):(\d+):\d+: error\[(\w+)\]", line)
        if match:
            found.append((match.group(3), match.group(1).rsplit("/", 1)[-1], int(match.group(2))))
    return found


ADULT_AGE = "    condition: {derived: age, at_least: 18}\n"


def test_a_criterion_that_can_never_be_met_is_refused_where_it_is_written(tmp_path):
    rules = _copy_rules(tmp_path)
    file = rules / "shared" / "adult-eligibility.yaml"
    _replace(file, ADULT_AGE, "    condition:\n      all: [{derived: age, at_least: 18}, {derived: age, less_than: 18}]\n")
    line = _line_of(file, "all: [{derived: age, at_least: 18}, {derived: age, less_than: 18}]")
    result = _validate(rules)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert f"adult-eligibility.yaml:{line}:" in result.stderr
    assert "error[E320]: criterion 'is-an-adult' of rule set 'adult-eligibility' can never be met" in result.stderr
    assert (f"hint: these parts of its 'all' can never be true together: 'age at least 18' (line {line}, column "
            in result.stderr and f"and 'age less than 18' (line {line}, column " in result.stderr), result.stderr
    # the outcome that needs it is not reported as well: it is the same defect
    assert [c for c, _, _ in _codes(result)] == ["E320"]


def test_a_criterion_that_is_always_met_when_its_facts_are_recorded_is_refused(tmp_path):
    """age >= 18 or age < 18 is unknown only when the date of birth is missing: it tests nothing."""
    rules = _copy_rules(tmp_path)
    file = rules / "shared" / "adult-eligibility.yaml"
    _replace(file, ADULT_AGE, "    condition:\n      any: [{derived: age, at_least: 18}, {derived: age, less_than: 18}]\n")
    line = _line_of(file, "any: [{derived: age, at_least: 18}, {derived: age, less_than: 18}]")
    result = _validate(rules)
    assert result.exit_code == 1, result.output
    assert f"adult-eligibility.yaml:{line}:" in result.stderr
    assert "error[E321]: criterion 'is-an-adult' of rule set 'adult-eligibility' is always met" in result.stderr
    assert _codes(result) == [("E321", "adult-eligibility.yaml", line)]


def test_a_criterion_never_met_under_one_authority_s_settings_names_that_authority_and_period(tmp_path):
    rules = _copy_rules(tmp_path)
    shared = rules / "shared" / "rehab-placement-approval-2015.yaml"
    gate = "{fact: rehab_referral.negative_drug_screens, at_least: {setting: rehab_negative_screens_required}}"
    _replace(shared, f"    condition: {gate}\n",
             f"    condition:\n      all: [{gate}, {{fact: rehab_referral.negative_drug_screens, at_most: 2}}]\n")
    settings = rules / "rutland" / "settings.yaml"
    text = settings.read_text(encoding="utf-8")
    found = list(re.finditer(r"(rehab_negative_screens_required:\s*\n\s*value:\s*)2\b", text))
    assert found
    last = found[-1]                                 # Rutland's latest version asks for 3 screens
    settings.write_text(text[:last.start()] + last.group(1) + "3" + text[last.end():], encoding="utf-8")
    engine = eligibility.load(rules)                 # it loads: only the solver finds the problem
    rule_set = next(r for r in engine.corpus.rule_sets if r.file.endswith("rehab-placement-approval-2015.yaml"))
    asks_three = [s for s in engine.corpus.settings
                  if s.authority == "rutland" and s.values.get("rehab_negative_screens_required") == 3]
    start = max(min(s.effective_from for s in asks_three), rule_set.effective_from).isoformat()
    result = _validate(rules)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if "error[" in line]
    assert len(errors) == 1 and "error[E320]" in errors[0], result.stderr
    assert "criterion 'stable-with-negative-screens'" in errors[0]
    assert f"under the settings of rutland from {start}" in errors[0]
    assert "leicester" not in errors[0]


def test_an_outcome_that_can_never_be_reached_is_refused(tmp_path):
    rules = _copy_rules(tmp_path)
    file = rules / "shared" / "rehab-review-schedule.yaml"
    _replace(file, "        - {criterion: placement-started}\n        - not: {criterion: started-within-three-weeks-of-referral}\n",
             "        - {criterion: started-within-three-weeks-of-referral}\n"
             "        - not: {criterion: started-within-three-weeks-of-referral}\n")
    line = _line_of(file, "- outcome: reviews_scheduled_wait_exceeded")
    result = _validate(rules)
    assert result.exit_code == 1, result.output
    assert (f"rehab-review-schedule.yaml:{line}:" in result.stderr
            and "error[E322]: outcome 'reviews_scheduled_wait_exceeded' of rule set 'rehab-review-schedule' "
                "can never be reached" in result.stderr), result.stderr
    assert _codes(result) == [("E322", "rehab-review-schedule.yaml", line)]
    assert ("hint: these parts of its 'when' can never all hold together: 'started-within-three-weeks-of-referral' "
            f"(line {line + 4}) and 'not started-within-three-weeks-of-referral' (line {line + 5})") in result.stderr


def test_an_outcome_hidden_by_an_earlier_one_names_the_earlier_one_and_where_it_is(tmp_path):
    rules = _copy_rules(tmp_path)
    file = rules / "shared" / "rehab-review-schedule.yaml"
    _replace(file, "    when:\n      all:\n        - {criterion: placement-started}\n"
                   "        - {criterion: started-within-three-weeks-of-referral}\n",
             "    when: {criterion: placement-started}\n")
    hidden = _line_of(file, "- outcome: reviews_scheduled_wait_exceeded")
    earlier = _line_of(file, "- outcome: reviews_scheduled")
    result = _validate(rules)
    assert result.exit_code == 1, result.output
    message = next(line for line in result.stderr.splitlines() if "error[" in line)
    assert f"rehab-review-schedule.yaml:{hidden}:" in message
    assert "error[E323]: outcome 'reviews_scheduled_wait_exceeded' of rule set 'rehab-review-schedule' is hidden by " \
           "the earlier outcome 'reviews_scheduled' (" in message
    assert f"'reviews_scheduled' (line {earlier})" in message
    assert _codes(result) == [("E323", "rehab-review-schedule.yaml", hidden)]


def test_an_outcome_hidden_by_two_earlier_ones_together_names_both(tmp_path):
    rules = _copy_rules(tmp_path)
    file = rules / "shared" / "rehab-review-schedule.yaml"
    _replace(file, "  - outcome: not_started\n",
             "  - outcome: placement_started\n    text: The placement has started.\n"
             "    when: {criterion: placement-started}\n  - outcome: not_started\n")
    text = [line.strip() for line in file.read_text(encoding="utf-8").splitlines()]
    lines = [text.index(f"- outcome: {name}") + 1
             for name in ("reviews_scheduled", "reviews_scheduled_wait_exceeded", "placement_started")]
    result = _validate(rules)
    assert result.exit_code == 1, result.output
    assert _codes(result) == [("E323", "rehab-review-schedule.yaml", lines[2])]
    assert ("outcome 'placement_started' of rule set 'rehab-review-schedule' is hidden by the earlier outcomes "
            f"'reviews_scheduled' (line {lines[0]}), 'reviews_scheduled_wait_exceeded' (line {lines[1]})") in result.stderr


def test_a_count_whose_threshold_cannot_be_reached_is_refused_at_the_comparison(tmp_path):
    rules = _copy_rules(tmp_path)
    file = rules / "shared" / "adult-eligibility.yaml"
    _replace(file, "condition: {derived: unable_outcomes, at_least: 2}", "condition: {derived: unable_outcomes, at_least: 11}")
    line = _line_of(file, "condition: {derived: unable_outcomes, at_least: 11}")
    result = _validate(rules)
    assert result.exit_code == 1, result.output
    message = next(line for line in result.stderr.splitlines() if "error[" in line)
    assert f"adult-eligibility.yaml:{line}:" in message
    assert "error[E324]" in message and "'unable_outcomes'" in message and "at most 10" in message
    assert "at least 11" in message
    assert _codes(result) == [("E324", "adult-eligibility.yaml", line)]     # not E320 for its criterion as well


def test_the_solver_checks_are_listed_in_the_json_report(tmp_path):
    rules = _copy_rules(tmp_path)
    _replace(rules / "shared" / "adult-eligibility.yaml", ADULT_AGE,
             "    condition:\n      all: [{derived: age, at_least: 18}, {derived: age, less_than: 18}]\n")
    result = CliRunner().invoke(cli, ["validate", str(rules), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [p["code"] for p in report["problems"]] == ["E320"]
    assert report["problems"][0]["path"] == "$.criteria[0].condition"


def test_the_shipped_rules_pass_the_solver_checks():
    from eligibility import solver_checks

    engine = eligibility.load(RULES)
    assert solver_checks.check(engine) == []


def test_check_does_not_load_the_solver():
    """z3 is loaded only by validate and prove: deciding a case starts as fast as before."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "eligibility", "check",
                             "examples/cases/rutland-eligible.yaml"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "eligibility.api" in imported
    assert not {name for name in imported if name.split(".")[0] == "z3" or name == "eligibility.smt"}


def test_a_waiver_that_can_never_apply_is_refused_at_its_waived_when(tmp_path):
    rules = _copy_rules(tmp_path)
    file = rules / "shared" / "rehab-placement-approval-2015.yaml"
    _replace(file, "    waived_when: {fact: rehab_referral.waivers.engagement, is_recorded: true}\n",
             "    waived_when:\n      all: [{fact: rehab_referral.waivers.engagement, is_recorded: true},"
             " {fact: rehab_referral.engaged_with_community_treatment, is: true},"
             " {fact: rehab_referral.engaged_with_community_treatment, is: false}]\n")
    line = _line_of(file, "all: [{fact: rehab_referral.waivers.engagement, is_recorded: true},")
    problems = eligibility.check_rules(rules)
    assert [(d.code, d.span.line, d.path) for d in problems] == [("E320", line, "$.criteria[0].waived_when")]
    assert problems[0].message.startswith("the waiver of criterion 'engaged-with-community-treatment' of rule set "
                                          "'rehab-placement-approval-2015' can never apply")


def test_when_the_solver_gives_up_validate_warns_and_never_reports_a_problem_on_a_guess(engine):
    from eligibility import solver_checks

    # a limit on the solver's work, not on time, so that it gives up on every machine, however fast
    found = solver_checks.check(engine, rlimit=1)
    assert found and {d.code for d in found} == {"W302"}
    assert all("was not fully checked with the solver" in d.message
               and "did not finish within its work limit (1)" in d.message for d in found)
    assert {d.span.file.split("/")[-1] for d in found} >= {"adult-eligibility.yaml", "responsible-authority.yaml"}


def _criteria(engine):
    return [(rs, c) for rs in engine.corpus.rule_sets for c in rs.criteria]


@pytest.mark.slow
def test_every_shipped_criterion_made_self_contradictory_is_refused_as_never_met(engine):
    """Each criterion of each shipped rule set, in turn, rewritten as 'its condition and not its condition'
    (dates, ages, counts, lists, settings, waivers and recorded acts alike) is found never met, and only it."""
    from eligibility import solver_checks
    from eligibility import model as m
    from eligibility.api import Engine

    for rs, criterion in _criteria(engine):
        broken = dataclasses.replace(criterion, condition=m.AllOf((criterion.condition, m.Not(criterion.condition))))
        rule_set = dataclasses.replace(rs, criteria=tuple(broken if c is criterion else c for c in rs.criteria))
        corpus = dataclasses.replace(engine.corpus, rule_sets=[rule_set])
        found = solver_checks.RuleSetCheck(Engine(corpus, engine.root, register=False), rule_set,
                                           solver_checks.TIMEOUT_MS).run()
        assert [(d.code, d.path) for d in found] == [
            ("E320", f"$.criteria[{rs.criteria.index(criterion)}].condition")], (rs.id, criterion.id, found)
        if criterion.waived_when is not None:
            broken = dataclasses.replace(criterion, waived_when=m.AllOf((criterion.waived_when,
                                                                         m.Not(criterion.waived_when))))
            rule_set = dataclasses.replace(rs, criteria=tuple(broken if c is criterion else c for c in rs.criteria))
            corpus = dataclasses.replace(engine.corpus, rule_sets=[rule_set])
            found = solver_checks.RuleSetCheck(Engine(corpus, engine.root, register=False), rule_set,
                                               solver_checks.TIMEOUT_MS).run()
            assert [(d.code, d.path) for d in found] == [
                ("E320", f"$.criteria[{rs.criteria.index(criterion)}].waived_when")], (rs.id, criterion.id, found)


def _from_lists(engine, rs) -> bool:
    return any(d.how in ("first", "last", "start_of_last_run") or (
        d.how == "count" and engine.corpus.vocabulary.fields[d.spec["items"]].type == "list") for d in rs.derived)


def test_every_shipped_criterion_made_a_tautology_is_refused_as_always_met(engine):
    """'Its condition or not its condition' is always met once its facts are recorded. Not for a recorded act
    (not recorded means not met) nor for values taken from lists (a list with no such item leaves the value
    absent, so the criterion unknown with nothing missing): those are rightly not reported."""
    from eligibility import solver_checks
    from eligibility import model as m
    from eligibility.api import Engine

    checked = 0
    for rs, criterion in _criteria(engine):
        if criterion.not_met_when_not_recorded or _from_lists(engine, rs):
            continue
        broken = dataclasses.replace(criterion, condition=m.AnyOf((criterion.condition, m.Not(criterion.condition))))
        rule_set = dataclasses.replace(rs, criteria=tuple(broken if c is criterion else c for c in rs.criteria))
        corpus = dataclasses.replace(engine.corpus, rule_sets=[rule_set])
        found = solver_checks.RuleSetCheck(Engine(corpus, engine.root, register=False), rule_set,
                                           solver_checks.TIMEOUT_MS).run()
        assert [d.code for d in found] == ["E321"], (rs.id, criterion.id, found)
        checked += 1
    assert checked >= 40
