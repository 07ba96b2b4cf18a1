"""Every command reports through the registry of formats (reporters.py), chosen by name.

Each command accepts every registered format name and gives a complete report in it (for
json: one JSON document); an unknown name is a usage error (exit 2) that lists the valid
names. Letters have their own registry (letter_formats.py), used by `eligibility letter`
and POST /v1/letters alike.
"""

from __future__ import annotations

import ast
import inspect
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, ROOT
from eligibility import letter_formats, reporters
from eligibility.cli import cli

CASE = EXAMPLES / "rutland-eligible.yaml"
CASE_TESTS = ROOT / "tests" / "cases" / "rehab-review-schedule.yaml"
SRC = ROOT / "src" / "eligibility"


def run(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


@pytest.fixture(scope="module")
def decided(tmp_path_factory):
    """A file of decision records and a decision log holding them, for verify and the log commands."""
    where = tmp_path_factory.mktemp("records")
    log_url = f"sqlite:///{where / 'decisions.db'}"
    result = run("check", CASE, EXAMPLES / "leicester-eligible.yaml", "--format", "json", "--log", log_url)
    assert result.exit_code == 0, result.output
    (where / "records.json").write_text(result.stdout, encoding="utf-8")
    return where / "records.json", log_url


# (command arguments, exit codes a complete run gives, whether json goes to standard error)
def _commands(records, log_url):
    return {
        "check": (["check", CASE], {0}, False),
        "validate": (["validate"], {0}, False),
        "test": (["test", CASE_TESTS], {0}, False),
        "consistency": (["consistency", "--decision", "rehab-review-schedule", "--on", "2024-05-01",
                         "--examples", "1"], {0}, False),
        "variations": (["variations"], {0}, False),
        "settings": (["settings", "--authority", "rutland", "--on", "2024-05-01"], {0}, False),
        "prove": (["prove", "--decision", "rehab-review-schedule", "--authorities", "leicester,rutland",
                   "--on", "2024-05-01"], {0}, False),
        "verify": (["verify", records], {0}, False),
        "log verify": (["log", "verify", log_url], {0}, False),
        "log export": (["log", "export", log_url], {0}, False),
        "log purge": (["log", "purge", log_url, "--before", "2000-01-01"], {0}, False),
        "diff": (["diff", ROOT / "rules", ROOT / "rules", CASE], {0}, False),
        "schema": (["schema", "settings"], {0}, False),
        "batch": (["batch", "--no-progress", CASE], {0}, True),
    }


COMMANDS = ["check", "validate", "test", "consistency", "variations", "settings", "prove", "verify", "log verify",
            "log export", "log purge", "diff", "schema", "batch"]


def test_the_commands_listed_here_are_every_command_that_reports():
    names = {name for name, command in cli.commands.items() if name != "log"}
    names |= {f"log {name}" for name in cli.commands["log"].commands}
    assert names - set(COMMANDS) == {"letter", "serve"}     # letter formats are tested below; serve reports nothing


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", sorted(reporters.REPORTERS))
def test_every_command_accepts_every_registered_format(command, name, decided):
    args, exits, on_stderr = _commands(*decided)[command]
    result = run(*args, "--format", name)
    assert result.exit_code in exits, (result.stdout, result.stderr)
    shown = result.stderr if on_stderr else result.stdout
    assert shown.strip(), f"{command} --format {name} printed nothing"
    if name == "json":
        json.loads(shown)                                   # one whole JSON document, nothing else
        if not on_stderr:
            assert result.stderr == ""


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unknown_format_is_a_usage_error_listing_the_valid_names(command, decided):
    args, _, _ = _commands(*decided)[command]
    result = run(*args, "--format", "yaml")
    assert result.exit_code == 2
    assert "'yaml' is not one of" in result.stderr
    for name in reporters.REPORTERS:
        assert f"'{name}'" in result.stderr


def test_every_registered_format_answers_every_reporting_method():
    def methods(kind):
        return {n for n, _ in inspect.getmembers(kind, inspect.isfunction) if not n.startswith("_")}
    wanted = methods(reporters.TextReporter)
    assert len(wanted) > 20
    for name, kind in reporters.REPORTERS.items():
        assert methods(kind) == wanted, name
        assert kind.purpose                                 # shown in --help


def test_no_module_chooses_an_output_format_by_comparing_its_name():
    for path in SRC.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                names = [n.id for n in [node.left, *node.comparators] if isinstance(n, ast.Name)]
                assert "output_format" not in names, f"{path.name}:{node.lineno} compares output_format"


def test_log_export_as_json_is_read_back_by_verify(decided, tmp_path):
    _, log_url = decided
    exported = run("log", "export", log_url, "--format", "json")
    records = json.loads(exported.stdout)
    assert len(records) == 2 and all("decision" in r for r in records)
    (tmp_path / "export.json").write_text(exported.stdout, encoding="utf-8")
    verified = run("verify", tmp_path / "export.json", "--format", "json")
    assert verified.exit_code == 0, verified.output
    assert [r["status"] for r in json.loads(verified.stdout)["results"]] == ["reproduced", "reproduced"]


def test_test_as_json_names_each_test_and_its_result():
    result = run("test", CASE_TESTS, "--format", "json")
    payload = json.loads(result.stdout)
    assert payload["failed"] == 0 and payload["passed"] == len(payload["results"]) > 0
    assert all(r["status"] == "passed" and r["test"].startswith("tests/cases/rehab-review-schedule.yaml:")
               for r in payload["results"])


def test_a_failing_case_test_is_reported_in_both_formats(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(CASE_TESTS.read_text(encoding="utf-8").replace("waiting_days: 21 ", "waiting_days: 99 ", 1),
                      encoding="utf-8")
    as_text, as_json = run("test", broken), run("test", broken, "--format", "json")
    assert as_text.exit_code == as_json.exit_code == 1
    payload = json.loads(as_json.stdout)
    failed = [r for r in payload["results"] if r["status"] == "failed"]
    assert payload["failed"] == len(failed) == 1
    assert any("waiting_days" in f for f in failed[0]["failures"])
    assert f"{payload['passed']} passed, 1 failed" in as_text.stdout
    assert "✗ " + failed[0]["test"] in as_text.stdout


def test_batch_reports_its_run_on_standard_error_and_keeps_standard_output_for_its_lines():
    result = run("batch", "--no-progress", CASE, "--format", "json")
    assert result.exit_code == 0
    line = json.loads(result.stdout)
    assert line["status"] == "decided"
    summary = json.loads(result.stderr)
    assert summary["inputs"] == summary["decided"] == 1 and summary["exit_code"] == 0


def test_rule_problems_reach_batch_and_schema_in_the_format_asked_for(tmp_path):
    rules = tmp_path / "rules"
    (rules / "shared").mkdir(parents=True)
    (rules / "shared" / "broken.yaml").write_text("kind: rule-set\nid: [\n", encoding="utf-8")
    batch = run("batch", "--no-progress", CASE, "--rules", rules, "--format", "json")
    assert batch.exit_code == 1 and batch.stdout == ""
    assert json.loads(batch.stderr)["status"] == "invalid"
    schema = run("schema", "case", "--rules", rules, "--format", "json")
    assert schema.exit_code == 1
    assert json.loads(schema.stdout)["problems"][0]["code"].startswith("E")


# -- letters: their own registry --------------------------------------------------------------
def test_the_letter_command_offers_exactly_the_registered_letter_formats():
    shown = run("letter", "--help").stdout
    for name, kind in letter_formats.LETTER_FORMATS.items():
        assert f"{name} {kind.purpose}" in " ".join(shown.split())


def test_an_unknown_letter_format_is_a_usage_error_listing_the_valid_names():
    result = run("letter", CASE, "--format", "docx")
    assert result.exit_code == 2
    assert "'docx' is not one of" in result.stderr
    for name in letter_formats.LETTER_FORMATS:
        assert f"'{name}'" in result.stderr


@pytest.mark.parametrize("name", sorted(letter_formats.LETTER_FORMATS))
def test_the_letter_command_accepts_every_registered_letter_format(name, tmp_path):
    out = tmp_path / f"letter.{name}"
    result = run("letter", CASE, "--format", name, "-o", out)
    assert result.exit_code == 0, result.output
    assert "letter written to" in result.stderr and f"({name})" in result.stderr
    written = out.read_bytes()
    assert written.startswith({"html": b"<!DOCTYPE html>", "pdf": b"%PDF-"}[name])


@pytest.mark.parametrize(("accept", "chosen"), [
    ("application/pdf", "pdf"), ("text/html", "html"), ("*/*", "html"), ("text/*;q=0.9", "html"),
    ("application/pdf, text/html", "pdf"), ("text/html, application/pdf", "html"),
    ("application/msword", None), ("", None)])
def test_the_accept_header_chooses_a_registered_letter_format(accept, chosen):
    assert letter_formats.for_accept_header(accept) == chosen


def test_the_service_description_lists_every_letter_format():
    from eligibility import openapi
    document = openapi.document({"type": "object"}, "0", ("rutland",))
    content = document["paths"]["/v1/letters"]["post"]["responses"]["200"]["content"]
    assert set(content) == {f.media_type for f in letter_formats.LETTER_FORMATS.values()}
    assert "text/html or application/pdf" in letter_formats.media_types_text()
