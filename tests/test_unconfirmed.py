"""Settings the council papers do not settle: marked in the rules, shown in every record that rests on them.

Also checks what the rule files cite: documents a reader can find, never file names or
research notes, and no source later than the period a rule set was in force.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import eligibility
from conftest import ROOT
from eligibility import render
from eligibility.diagnostics import RuleFileError

RULES = ROOT / "rules"
PAPERS_DO_NOT_SAY = "unconfirmed: the council papers do not say"

LOT1_CASE = {
    "facts": {"rehab_referral": {
        "referred_on": "2023-05-01", "engaged_with_community_treatment": True, "negative_drug_screens": 2,
        "detox": "completed", "preparation_work_completed": True, "aftercare_plan_in_place": True,
        "responsible_authority_established": True, "funding_agreed": True, "urgent_need": False}},
    "decision": "rehab-placement-approval", "authority": "rutland", "assessment_date": "2023-06-01",
}


def test_json_record_marks_each_output_and_criterion_resting_on_an_unconfirmed_setting(engine):
    record = engine.decide(LOT1_CASE).to_dict()
    assert record["outcome"] == "approved"
    for name in ("approved_by", "funded_by"):
        assert record["outputs"][name]["unconfirmed"].startswith(PAPERS_DO_NOT_SAY), name
    assert "unconfirmed" not in record["outputs"]["responsible_council"]      # the council's name is not in doubt
    screens = next(c for c in record["criteria"] if c["id"] == "stable-with-negative-screens")
    assert screens["unconfirmed"].startswith(PAPERS_DO_NOT_SAY)
    engaged = next(c for c in record["criteria"] if c["id"] == "engaged-with-community-treatment")
    assert "unconfirmed" not in engaged
    approver = record["settings"]["values"]["rehab_placement_approver"]
    assert approver["confidence"] == "unconfirmed" and approver["note"].startswith("the council papers do not say")


def _block(lines, start):
    """The lines of one output or criterion entry: from its first line to the next entry."""
    first = next(i for i, line in enumerate(lines) if line.startswith(start))
    end = next((i for i in range(first + 1, len(lines)) if not lines[i].startswith("    ")), len(lines))
    return lines[first:end]


def test_text_record_shows_the_unconfirmed_note_next_to_the_output_and_the_criterion(engine):
    lines = render.decision_text(engine.decide(LOT1_CASE)).splitlines()
    assert any(line.startswith("    " + PAPERS_DO_NOT_SAY) for line in _block(lines, "  - Who approves the placement"))
    assert not any("unconfirmed" in line for line in _block(lines, "  - The council that remains"))
    screens = _block(lines, "  ✓ stable-with-negative-screens")
    assert any(line.startswith("      " + PAPERS_DO_NOT_SAY) for line in screens)
    assert not any("unconfirmed" in line for line in _block(lines, "  ✓ engaged-with-community-treatment"))


def test_an_urgent_approval_names_the_council_even_under_the_lot1_contract(engine):
    case = {**LOT1_CASE, "facts": {"rehab_referral": {**LOT1_CASE["facts"]["rehab_referral"], "funding_agreed": False,
                                                      "urgent_need": True, "urgent_need_reason": "Seizure."}}}
    decision = engine.decide(case)
    assert decision.outcome == "approved_urgent"
    assert dict((n, v) for n, _, v in decision.outputs)["approved_by"] == "Rutland County Council"
    assert decision.unconfirmed_note("output", "approved_by") is None


def test_every_unconfirmed_setting_says_what_the_papers_do_not_say(engine):
    notes = [(s.authority, s.version, name, note) for s in engine.corpus.settings for name, note in s.unconfirmed.items()]
    assert len(notes) >= 20
    for authority, version, name, note in notes:
        assert note.startswith("the council papers do not say"), (authority, version, name)


def _copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def test_an_unconfirmed_setting_without_a_note_is_refused_with_its_location(tmp_path):
    rules = _copy_rules(tmp_path)
    path = rules / "rutland" / "settings.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("      rehab_negative_screens_required:")
    note = text.index("        note: >-\n", start)
    end = text.index("      rehab_assessor:", note)
    path.write_text(text[:note] + text[end:], encoding="utf-8")
    with pytest.raises(RuleFileError) as raised:
        eligibility.load(rules)
    [problem] = raised.value.diagnostics
    assert problem.code == "E201" and "unconfirmed" in problem.message and problem.span.line is not None
    assert problem.span.file.endswith("settings.yaml")


def test_a_criterion_may_treat_as_absent_only_a_fact_its_condition_reads(tmp_path):
    rules = _copy_rules(tmp_path)
    path = rules / "shared" / "rehab-placement-approval-2015.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("not_met_when_not_recorded: rehab_referral.refusal_reasons",
                                 "not_met_when_not_recorded: rehab_referral.urgent_need_reason"), encoding="utf-8")
    with pytest.raises(RuleFileError) as raised:
        eligibility.load(rules)
    assert any("is not a fact this criterion's condition reads" in d.message for d in raised.value.diagnostics)


def _rule_texts():
    return sorted(RULES.rglob("*.yaml"))


@pytest.mark.parametrize("path", _rule_texts(), ids=lambda p: str(p.relative_to(RULES)))
def test_rule_files_cite_documents_not_file_names_or_research_notes(path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"[0-9]{3}_[0-9a-f]{16}\.txt|[Dd]omain research", text)


@pytest.mark.parametrize("name", ["rehab-placement-approval-2007.yaml", "rehab-assessment-1990.yaml"])
def test_rule_sets_in_force_before_2015_cite_no_source_from_2023_or_2025(name):
    text = (RULES / "shared" / name).read_text(encoding="utf-8")
    assert not re.search(r"\b(2023|2025)\b", text)


def test_dates_worked_out_from_an_unconfirmed_figure_are_marked_too(engine):
    case = {"facts": {"rehab_referral": {"referred_on": "2023-03-01"},
                      "rehab_placement": {"started_on": "2023-03-22", "funded_until": "2023-06-13"}},
            "decision": "rehab-review-schedule", "authority": "leicestershire", "assessment_date": "2023-04-03"}
    record = engine.decide(case).to_dict()
    derived = {d["name"]: d for d in record["derived"]}
    assert derived["first_review_due"]["unconfirmed"].startswith(PAPERS_DO_NOT_SAY)
    assert "unconfirmed" not in derived["waiting_days"]          # referral to admission: facts only
    assert record["outputs"]["first_review_due"]["unconfirmed"] == derived["first_review_due"]["unconfirmed"]
