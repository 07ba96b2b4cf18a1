"""The command line: outputs, exit codes, and that no input ever produces a traceback."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, ROOT
from eligibility import cli as cli_module
from eligibility.cli import cli, main
from eligibility.diagnostics import EvaluationError

ELIGIBLE = str(EXAMPLES / "rutland-eligible.yaml")
NOT_ELIGIBLE = str(EXAMPLES / "leicester-not-eligible.yaml")


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def run(*args):
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_check_prints_outcome_first_then_criteria_and_exits_0():
    result = run("check", ELIGIBLE)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "ELIGIBLE — adult-eligibility for Rutland County Council (rutland), as at 2024-05-01"
    assert "  ✓ unable-to-achieve-two-or-more-outcomes: met" in lines
    assert "      Source: SI 2015/313 reg 2(1)(b), 2(2) and 2(3)" in lines


def test_json_output_is_stable_and_complete():
    first = run("check", ELIGIBLE, NOT_ELIGIBLE, "--format", "json")
    second = run("check", ELIGIBLE, NOT_ELIGIBLE, "--format", "json")
    assert first.exit_code == 0
    results = json.loads(first.stdout)
    # the decisions are byte-stable; only the issue details beside them (issued_at) change between runs
    assert [r["decision"] for r in results] == [r["decision"] for r in json.loads(second.stdout)]
    assert all(r["issued_at"].endswith("Z") and r["issued_by"] is None for r in results)
    assert [r["decision"]["outcome"] for r in results] == ["eligible", "not_eligible"]
    assert results[0]["decision"]["rule_set"]["sha256"] and results[0]["decision"]["rule_set"]["version"] == "2015.3"
    assert first.stdout == json.dumps(results, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def test_several_cases_print_every_decision_even_when_one_is_invalid(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("facts:\n  person:\n    date_of_birth: 1990-02-30\n", encoding="utf-8")
    result = run("check", ELIGIBLE, str(bad), NOT_ELIGIBLE, "--authority", "rutland", "--on", "2024-05-01")
    assert result.exit_code == 1
    assert result.stdout.count("adult-eligibility for Rutland County Council") == 2
    assert "NOT ELIGIBLE" in result.stdout
    assert "bad.yaml:3:20: error[C402]" in result.stderr
    assert "which is not a real date" in result.stderr


def test_json_reports_invalid_cases_alongside_decisions(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("facts: {persn: {}}\nauthority: rutland\nassessment_date: 2024-05-01\n", encoding="utf-8")
    result = run("check", str(bad), ELIGIBLE, "--format", "json")
    assert result.exit_code == 1
    first, second = json.loads(result.stdout)
    assert first["status"] == "invalid" and first["problems"][0]["code"] == "C403"
    assert first["problems"][0]["hint"] == "did you mean 'person'?"
    assert second["status"] == "decided"


def test_options_override_the_case():
    result = run("check", ELIGIBLE, "--authority", "leicester", "--on", "2020-01-01", "--format", "json")
    decision = json.loads(result.stdout)[0]["decision"]
    assert (decision["authority"], decision["decided_on"]) == ("leicester", "2020-01-01")


def test_a_date_before_any_rules_gives_no_rules_in_force():
    result = run("check", ELIGIBLE, "--on", "2014-06-01")
    assert result.exit_code == 1
    assert "error[C405]: no rules for 'adult-eligibility' are in force for rutland on 2014-06-01" in result.stderr
    assert "rules in force: from 2015-04-01 (version 2015.3)" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("args", [
    ["check"],
    ["check", ELIGIBLE, "--on", "2024-13-01"],
    ["check", ELIGIBLE, "--authority", "leicster"],
    ["check", ELIGIBLE, "--format", "xml"],
    ["check", ELIGIBLE, "--no-such-option"],
    ["no-such-command"],
])
def test_usage_errors_exit_2(args):
    assert run(*args).exit_code == 2


@pytest.mark.parametrize("content", [
    b"", b"\x00\x01\x02binary", b"- just\n- a list\n", b"facts: [1, 2]\n", b"{{{{", b"facts:\n  person: 7\n",
    b"facts:\n  adult_outcomes:\n    managing_toilet_needs: 3.5\n", b"\xff\xfe not utf-8",
    b"a: &x [*x]\n",
])
def test_garbage_cases_give_errors_not_tracebacks(tmp_path, content):
    path = tmp_path / "case.yaml"
    path.write_bytes(content)
    result = run("check", str(path), "--authority", "rutland", "--on", "2024-05-01", "--decision", "adult-eligibility")
    assert result.exit_code == 1
    assert "error[C4" in result.stderr


def test_a_misspelt_decision_is_named_with_a_suggestion(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text("facts: {}\nauthority: rutland\nassessment_date: 2024-05-01\ndecision: adult-eligibilty\n")
    result = run("check", str(path))
    assert result.exit_code == 1
    assert "error[C405]: no rule set makes 'adult-eligibilty' decisions" in result.stderr
    assert "hint: did you mean 'adult-eligibility'?" in result.stderr


def test_a_bad_value_given_as_an_option_blames_the_option_not_a_line_of_the_case():
    # The case file says 'decision: adult-eligibility' on line 7; the bad name came from --decision.
    result = run("check", ELIGIBLE, "--decision", "adult-eligibilty")
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert first == (f"{ELIGIBLE}: error[C405]: no rule set makes 'adult-eligibilty' decisions "
                     "(given with --decision / decision=, not read from the case)")
    assert "hint: did you mean 'adult-eligibility'?" in result.stderr
    dated = run("check", ELIGIBLE, "--on", "2014-06-01").stderr.splitlines()[0]
    assert dated.startswith(f"{ELIGIBLE}: error[C405]: no rules for 'adult-eligibility' are in force for rutland "
                            "on 2014-06-01 (given with --on / on=")


def test_missing_case_file_is_an_input_error(tmp_path):
    result = run("check", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 1
    assert "error[C401]: cannot read the file" in result.stderr


def test_validate_shipped_rules_exits_0():
    result = run("validate")
    assert result.exit_code == 0
    assert result.stdout.startswith("All rule files are valid")


def test_validate_missing_directory_exits_1(tmp_path):
    result = run("validate", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert "error[E103]" in result.stderr


def test_an_engine_failure_exits_3_without_a_decision(monkeypatch):
    def broken(*_args, **_kwargs):
        raise EvaluationError("simulated engine failure")
    monkeypatch.setattr("eligibility.decide.durable_engine.run", broken)
    result = run("check", ELIGIBLE, NOT_ELIGIBLE)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.count("engine error[X501]: simulated engine failure") == 2


def test_an_unexpected_bug_is_reported_without_a_traceback(monkeypatch, capsys):
    def bug(*_args, **_kwargs):
        raise RuntimeError("unexpected")
    monkeypatch.setattr(cli_module.api, "load", bug)
    with pytest.raises(SystemExit) as exit_info:
        main(["check", ELIGIBLE])
    assert exit_info.value.code == 3
    captured = capsys.readouterr()
    assert "internal error (RuntimeError: unexpected)" in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_installed_entry_point_runs(tmp_path):
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-m", "eligibility", "check", ELIGIBLE], capture_output=True, text=True,
                          cwd=ROOT, env=dict(os.environ, PYTHONIOENCODING="utf-8"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ELIGIBLE")
