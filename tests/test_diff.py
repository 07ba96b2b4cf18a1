"""eligibility diff: which decisions a change to the rules changes, and nothing else counted as a change."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

import eligibility
from conftest import EXAMPLES, ROOT, RULES
from eligibility.cli import cli

THRESHOLD = "condition: {derived: unable_outcomes, at_least: 2}"
EXAMPLE_COUNT = len(list(EXAMPLES.glob("*.yaml")))
ADULT = Path("shared") / "adult-eligibility.yaml"


def run(*args):
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)


@pytest.fixture
def copy(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def _edit(root: Path, relative: Path, old: str, new: str) -> None:
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _decision_changes(old_rules, new_rules) -> set[str]:
    """The examples whose written decision differs, worked out here from the two records directly."""
    from eligibility.cases import read_case

    old, new = eligibility.load(old_rules), eligibility.load(new_rules)
    changed = set()
    for path in sorted(EXAMPLES.glob("*.yaml")):
        case, _ = read_case(path)
        a, b = old.decide(case).to_dict(), new.decide(case).to_dict()
        keep = lambda d: (d["outcome"], [(c["id"], c["status"]) for c in d["criteria"]],   # noqa: E731
                          {k: v["value"] for k, v in d["outputs"].items()}, [m["fact"] for m in d["missing_facts"]])
        if keep(a) != keep(b):
            changed.add(path.relative_to(ROOT).as_posix())
    return changed


def test_raising_a_threshold_names_every_affected_example_and_exits_1(copy):
    _edit(copy, ADULT, THRESHOLD, THRESHOLD.replace("2", "3"))
    expected = _decision_changes(RULES, copy)
    assert {f"examples/cases/{a}-boundary-two-outcomes.yaml" for a in ("leicester", "leicestershire", "rutland")} <= expected

    text = run("diff", "rules", str(copy), "examples/cases")
    assert text.exit_code == 1
    assert f"DECISIONS CHANGE in {len(expected)} of {EXAMPLE_COUNT} cases." in text.stdout
    for label in expected:
        assert f"    {label}: " in text.stdout
    assert "changed: rule set adult-eligibility version 2015.3 (shared/adult-eligibility.yaml)" in text.stdout
    assert "outcome eligible → not eligible" in text.stdout
    assert "criterion unable-to-achieve-two-or-more-outcomes: met → not met" in text.stdout
    side = " ".join(text.stdout[text.stdout.index("Side by side: examples/cases/leicester-boundary"):].split())
    assert "old: ✗" not in side and "(must be at least 2) new: ✗" in side and "(must be at least 3)" in side
    assert "What to do next:" in text.stdout
    assert f"eligibility test --rules {copy} tests/cases/" in " ".join(text.stdout.split())

    report = json.loads(run("diff", "rules", str(copy), "examples/cases", "--format", "json").stdout)
    named = {c["case"]["label"] for g in report["groups"] for c in g["changed_cases"]}
    assert named == expected and report["cases_changed"] == len(expected)
    rutland = next(g for g in report["groups"] if (g["decision"], g["authority"]) == ("adult-eligibility", "rutland"))
    assert {"old": "eligible", "new": "not_eligible", "cases": 1} in rutland["outcome_changes"]
    assert rutland["changed_cases"][0]["old"]["record"]["outcome"] == "eligible"     # the sample carries both records


def test_an_unchanged_copy_exits_0(copy):
    result = run("diff", "rules", str(copy), "examples/cases", "tests/cases/adult-eligibility.yaml")
    assert result.exit_code == 0, result.stdout
    assert "The rule files have the same content" in result.stdout
    assert re.search(r"NO DECISION CHANGES in \d+ cases\.", result.stdout)
    assert "Provenance only" not in result.stdout


def test_only_closing_a_version_is_provenance_only_and_exits_0(copy):
    _edit(copy, ADULT, "effective_from: 2015-04-01\n", "effective_from: 2015-04-01\neffective_to: 2030-12-31\nends: Repealed with nothing in its place (a test change).\n")
    result = run("diff", "rules", str(copy), "examples/cases", "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["cases_changed"] == 0
    assert report["provenance_only"]["what"] == [
        # the content digest leaves out the end date (build.identity_digest), so only the period differs
        {"change": "rule set adult-eligibility period from 2015-04-01 → 2015-04-01 to 2030-12-31", "cases": 12}]
    assert report["rule_changes"][0]["what"].startswith("rule set adult-eligibility version 2015.3")
    assert report["no_rules_in_force_from"] == [{"decision": "adult-eligibility", "authority": a, "date": "2031-01-01"}
                                                for a in ("leicester", "leicestershire", "rutland")]
    text = run("diff", "rules", str(copy), "examples/cases").stdout
    assert "Provenance only, not counted as changes: 12 case(s)" in text and f"NO DECISION CHANGES in {EXAMPLE_COUNT} cases." in text
    assert "WARNING: from 2031-01-01 no rules for adult-eligibility are in force for leicester, leicestershire, " \
           "rutland" in " ".join(text.split())


def test_generated_cases_reach_both_sides_of_a_closed_period(copy):
    """Closing a version with nothing after it leaves later cases undecided: the generated cases show it."""
    _edit(copy, ADULT, "effective_from: 2015-04-01\n", "effective_from: 2015-04-01\neffective_to: 2030-12-31\nends: Repealed with nothing in its place (a test change).\n")
    first = run("diff", "rules", str(copy), "--generated", "12", "--format", "json")
    assert first.exit_code == 1
    report = json.loads(first.stdout)
    assert report["cases_generated"] == 12     # 4 on each of 2015-04-01, 2030-12-31 and 2031-01-01
    changed = [c for g in report["groups"] for c in g["changed_cases"]]
    assert len(changed) == 4
    assert all(c["outcome"]["new"] == "not_decided" and c["case"]["on"] == "2031-01-01" for c in changed)
    assert all(c["new"]["problems"][0]["code"] == "C405" for c in changed)
    again = json.loads(run("diff", "rules", str(copy), "--generated", "12", "--format", "json").stdout)
    assert [g["changed_cases"] for g in again["groups"]] == [g["changed_cases"] for g in report["groups"]]


def test_generated_boundary_cases_find_a_raised_threshold_without_any_case_given(copy):
    _edit(copy, ADULT, THRESHOLD, THRESHOLD.replace("2", "3"))
    report = json.loads(run("diff", "rules", str(copy), "--generated", "60", "--format", "json").stdout)
    assert report["cases_given"] == 0 and report["cases_generated"] == 60
    criteria = {c["criterion"] for g in report["groups"] for c in g["criteria_changes"]}
    assert criteria == {"unable-to-achieve-two-or-more-outcomes"}
    assert {g["decision"] for g in report["groups"]} == {"adult-eligibility"}


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
                               "HOME": str(repo), "PATH": "/usr/bin:/bin:/usr/local/bin"}).stdout


@pytest.mark.slow
def test_git_revision_against_the_working_rules(tmp_path, monkeypatch):
    repo = tmp_path / "council-rules"
    shutil.copytree(RULES, repo / "rules")
    shutil.copytree(EXAMPLES, repo / "cases")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "rules as agreed")
    _edit(repo / "rules", ADULT, THRESHOLD, THRESHOLD.replace("2", "3"))
    monkeypatch.chdir(repo)

    uncommitted = run("diff", "git:HEAD", "rules", "cases/rutland-boundary-two-outcomes.yaml")
    assert uncommitted.exit_code == 1
    assert "Old rules: the rules at git revision HEAD" in uncommitted.stdout
    assert "cases/rutland-boundary-two-outcomes.yaml: eligible → not eligible" in uncommitted.stdout

    _git(repo, "commit", "-q", "-am", "raise the threshold")
    assert run("diff", "git:HEAD~1", "git:HEAD", "cases").exit_code == 1
    assert run("diff", "git:HEAD", "rules", "cases").exit_code == 0

    unknown = run("diff", "git:no-such-branch", "rules", "cases")
    assert unknown.exit_code == 2 and "'no-such-branch' is not a revision" in unknown.stderr


def test_cases_from_jsonl_and_unreadable_inputs(copy, tmp_path):
    _edit(copy, ADULT, THRESHOLD, THRESHOLD.replace("2", "3"))
    from eligibility.cases import read_case

    case, _ = read_case(EXAMPLES / "rutland-boundary-two-outcomes.yaml")
    bare = {k: v for k, v in case.items() if k not in ("decision", "authority", "assessment_date")}
    record = eligibility.load().decide(case).to_dict()
    lines = [json.dumps({"input": case, "status": "decided", "decision": record, "problems": []}),
             json.dumps({"input": bare, "status": "decided", "decision": record, "problems": []}),   # asked for with options
             "{not json",
             json.dumps({"input": {"facts": {"person": {"date_of_birth": "1990-02-30"}}}, "status": "invalid",
                         "decision": None, "problems": []})]
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("diff", "rules", str(copy), str(batch), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    labels = sorted(c["case"]["label"] for g in report["groups"] for c in g["changed_cases"])
    assert labels == [f"{batch}:1 (RUT-2025-0010)", f"{batch}:2 (RUT-2025-0010)"]
    assert [(p["code"], p["line"]) for p in report["input_problems"]] == [("C401", 3)]
    assert len(report["not_decided_under_either"]) == 1
    assert report["next_steps"][0].startswith("Fix or leave out the case files that could not be read")


def test_a_missing_case_path_a_rule_file_given_as_a_case_and_invalid_new_rules_are_reported(copy):
    missing = run("diff", "rules", str(copy), "no/such/cases", "rules/shared/adult-eligibility.yaml", "--format", "json")
    assert missing.exit_code == 1
    assert [(p["code"], p["message"]) for p in json.loads(missing.stdout)["input_problems"]] == [
        ("C401", "there is no file or folder no/such/cases"),
        ("C402", "rules/shared/adult-eligibility.yaml is neither a case nor a file of case tests (it is 'kind: rule-set')")]
    _edit(copy, ADULT, "citation: SI 2015/313 reg 2(1)(a)\n", "citaton: SI 2015/313 reg 2(1)(a)\n")
    broken = run("diff", "rules", str(copy), "examples/cases")
    assert broken.exit_code == 1 and broken.stdout == ""
    assert f"The new rules ({copy}) have problems; nothing was compared." in broken.stderr
    assert "error[E203]" in broken.stderr


def test_a_settings_change_generates_cases_only_where_it_can_matter(copy):
    """Rutland's first plan review brought forward: only Rutland's care-plan reviews read that setting."""
    path = copy / "rutland" / "settings.yaml"
    text = path.read_text(encoding="utf-8")
    latest = "    # what changes from version 2015.1; every other setting carries forward\n    settings:\n"
    assert text.count(latest) == 1                              # Rutland's 2022.1 version, which lists only changes
    path.write_text(text.replace(latest, latest + "      plan_first_review_weeks:\n        value: 6\n"
                                 "        source: \"Rutland's review policy (a test)\"\n"), encoding="utf-8")
    report = json.loads(run("diff", "rules", str(copy), "--generated", "30", "--format", "json").stdout)
    assert [(c["what"], c["decisions"], c["authorities"]) for c in report["rule_changes"]] == [
        ("rutland settings version 2022.1", ["care-plan-review-schedule"], ["rutland"])]
    assert report["cases_generated"] == 30
    assert {(g["decision"], g["authority"]) for g in report["groups"]} == {("care-plan-review-schedule", "rutland")}
    assert any(o["output"] == "first_review_due" for g in report["groups"] for o in g["output_changes"])


@pytest.mark.slow
def test_the_pre_commit_hooks_run_the_commands_they_name(tmp_path, monkeypatch):
    """Each hook in .pre-commit-hooks.yaml, run as pre-commit runs it, in a council's rules repository."""
    from eligibility import source

    hooks, _ = source.read(ROOT / ".pre-commit-hooks.yaml")
    assert [h["id"] for h in hooks] == ["eligibility-validate", "eligibility-test", "eligibility-diff"]
    repo = tmp_path / "council-rules"
    shutil.copytree(RULES, repo / "rules")
    for folder, source_folder, names in (("examples/cases", EXAMPLES, ["rutland-boundary-two-outcomes.yaml",
                                                                        "rutland-eligible.yaml"]),
                                         ("tests/cases", ROOT / "tests" / "cases", ["adult-eligibility.yaml"])):
        (repo / folder).mkdir(parents=True)
        for name in names:                  # a few files keep the test quick; the hooks read whole folders
            shutil.copy(source_folder / name, repo / folder / name)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "rules as agreed")
    monkeypatch.chdir(repo)

    def command(hook):
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        words = hook["entry"].split() + [str(a) for a in hook.get("args", [])]
        assert words[0] == "eligibility"
        return words[1:]

    assert [run(*command(h)).exit_code for h in hooks] == [0, 0, 0]
    _edit(repo / "rules", ADULT, THRESHOLD, THRESHOLD.replace("2", "3"))
    diff = run(*command(hooks[2]))
    assert diff.exit_code == 1 and "DECISIONS CHANGE" in diff.stdout
    assert "examples/cases/rutland-boundary-two-outcomes.yaml: eligible → not eligible" in diff.stdout
    assert "tests/cases/adult-eligibility.yaml:" in diff.stdout


def test_a_decision_log_export_is_read_from_the_case_each_record_holds(copy, tmp_path):
    """log export lines carry the case only inside the record (decision.case); diff decides it under both rules."""
    _edit(copy, ADULT, THRESHOLD, THRESHOLD.replace("2", "3"))
    log_url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    case_file = str(EXAMPLES / "rutland-boundary-two-outcomes.yaml")
    assert run("check", case_file, "--log", log_url).exit_code == 0
    exported = run("log", "export", log_url)
    assert exported.exit_code == 0
    export = tmp_path / "export.jsonl"
    export.write_text(exported.stdout, encoding="utf-8")
    assert "input" not in json.loads(exported.stdout.splitlines()[0])
    report = json.loads(run("diff", "rules", str(copy), str(export), "--format", "json").stdout)
    assert report["input_problems"] == []
    labels = [c["case"]["label"] for g in report["groups"] for c in g["changed_cases"]]
    assert labels == [f"{export}:1 (RUT-2025-0010)"]
