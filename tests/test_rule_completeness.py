"""validate refuses rules that leave a gap in time, end without saying so, or hold a criterion
no outcome reads; it warns about a setting no rule set reads."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

import eligibility
from conftest import ROOT
from eligibility.cli import cli


@pytest.fixture
def rules(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", target)
    return target


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _problems(rules):
    return [(d.code, d.span.file.rsplit("/", 1)[-1], d.span.line, d.message) for d in eligibility.check_rules(rules)]


def test_shipped_rules_have_no_gaps_no_dead_criteria_and_no_warnings():
    engine = eligibility.load()
    assert eligibility.check_rules() == [] and engine.corpus.warnings == []


def test_a_typo_in_effective_to_leaves_a_gap_between_rule_set_versions(rules):
    _edit(rules / "shared" / "rehab-assessment-1990.yaml", "effective_to: 2015-03-31", "effective_to: 2014-03-31")
    found = _problems(rules)
    assert [(code, file) for code, file, _, _ in found] == [("E312", "rehab-assessment-1990.yaml")]
    code, file, line, message = found[0]
    assert line == 10
    assert "2014-04-01" in message and "2015-03-31" in message and "rehab-assessment" in message


def test_years_with_no_rules_between_two_versions_are_a_gap(rules):
    _edit(rules / "shared" / "rehab-assessment-2015.yaml", "effective_from: 2015-04-01", "effective_from: 2018-04-01")
    found = _problems(rules)
    assert ("E312", "rehab-assessment-1990.yaml") in [(c, f) for c, f, _, _ in found]


def test_a_last_version_that_ends_must_say_so(rules):
    path = rules / "shared" / "rehab-review-schedule.yaml"
    _edit(path, "effective_from: 2007-05-08\n", "effective_from: 2007-05-08\neffective_to: 2020-03-31\n")
    found = _problems(rules)
    assert [(c, f) for c, f, _, _ in found] == [("E312", "rehab-review-schedule.yaml")]
    assert "ends" in found[0][3] or "ends:" in eligibility.check_rules(rules)[0].hint
    _edit(path, "effective_to: 2020-03-31\n", "effective_to: 2020-03-31\nends: >-\n  Replaced by the care-plan review "
          "schedule (Care Act 2014 s27).\n")
    assert _problems(rules) == []


def test_a_gap_between_settings_versions_is_an_error(rules):
    _edit(rules / "leicester" / "settings.yaml", "effective_to: 2007-05-07", "effective_to: 2006-05-07")
    found = _problems(rules)
    assert ("E312", "settings.yaml") in [(c, f) for c, f, _, _ in found]
    gap = next(m for c, f, _, m in found if c == "E312")
    assert "leicester" in gap and "2006-05-08" in gap


def test_a_criterion_no_outcome_reads_is_an_error(rules):
    _edit(rules / "shared" / "carer-eligibility.yaml", "criteria:\n", """criteria:
  - id: lives-nearby
    text: The carer lives nearby.
    citation: Care Act 2014 s10
    condition: {fact: person.needs_arise_from_impairment_or_illness, is: true}

""")
    found = _problems(rules)
    assert [(c, f) for c, f, _, _ in found] == [("E313", "carer-eligibility.yaml")]
    assert "lives-nearby" in found[0][3]


def test_a_setting_no_rule_set_reads_is_a_warning(rules):
    _edit(rules / "shared" / "settings.yaml", "settings:\n", """settings:
  out_of_hours_team:
    text: The council's out-of-hours team
    type: text
    citation: Care Act 2014 s1
""")
    engine = eligibility.load(rules)
    assert [(d.code, "out_of_hours_team" in d.message) for d in engine.corpus.warnings] == [("W301", True)]
    result = CliRunner().invoke(cli, ["validate", str(rules)])
    assert result.exit_code == 0
    assert "warning[W301]" in result.stderr
    payload = json.loads(CliRunner().invoke(cli, ["validate", str(rules), "--format", "json"]).stdout)
    assert [w["code"] for w in payload["warnings"]] == ["W301"]
