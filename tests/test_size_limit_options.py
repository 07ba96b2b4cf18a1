"""The size limits can be raised for one run: --max-case-bytes / --max-rule-bytes on every command
that reads case or rule files (the environment variable when the option is not given), and a
Limits value in the library."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import eligibility
from conftest import EXAMPLES, ROOT
from eligibility import limits
from eligibility.cli import cli
from eligibility.limits import Limits

GOOD = EXAMPLES / "rutland-eligible.yaml"
CASE_ENV, RULE_ENV = limits.ENV["case"], limits.ENV["rule"]


def run(*args, env=None, **kwargs):
    return CliRunner(env=env).invoke(cli, [str(a) for a in args], **kwargs)


@pytest.fixture(autouse=True)
def _no_limits_from_the_environment(monkeypatch):
    monkeypatch.delenv(CASE_ENV, raising=False)
    monkeypatch.delenv(RULE_ENV, raising=False)


@pytest.fixture(scope="module")
def just_over(tmp_path_factory):
    """A valid case file one byte over the default 1 MiB limit."""
    text = GOOD.read_text(encoding="utf-8") + "notes: '"
    text += "x" * (limits.MAX_CASE_BYTES + 1 - len(text.encode()) - 2) + "'\n"
    path = tmp_path_factory.mktemp("cases") / "big.yaml"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size == limits.MAX_CASE_BYTES + 1
    return path


@pytest.fixture(scope="module")
def big_rules(tmp_path_factory):
    """A copy of the rules with one rule file one byte over the default 4 MiB limit."""
    rules = tmp_path_factory.mktemp("rules") / "rules"
    shutil.copytree(ROOT / "rules", rules)
    target = rules / "shared" / "adult-eligibility.yaml"
    size = target.stat().st_size
    with open(target, "a", encoding="utf-8") as handle:
        handle.write("#" + "x" * (limits.MAX_RULE_BYTES - size - 1) + "\n")
    assert target.stat().st_size == limits.MAX_RULE_BYTES + 1
    return rules


def _problem(result) -> dict:
    return json.loads(result.stdout)[0]["problems"][0]


def test_a_case_just_over_the_limit_is_refused_with_the_option_that_raises_it(just_over):
    result = run("check", just_over, "--format", "json")
    assert result.exit_code == 1
    problem = _problem(result)
    assert problem["code"] == "C406" and "1,048,576-byte limit" in problem["message"]
    assert "--max-case-bytes" in problem["hint"] and CASE_ENV in problem["hint"]


def test_the_same_case_is_decided_with_the_option_raised(just_over):
    result = run("check", just_over, "--format", "json", "--max-case-bytes", "2MiB")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["status"] == "decided"


def test_the_text_report_names_the_option_too(just_over):
    result = run("check", just_over)
    assert result.exit_code == 1
    assert "--max-case-bytes" in result.stderr


@pytest.mark.parametrize("size", [str(limits.MAX_CASE_BYTES + 1), "1025KiB", "2MiB", "1GiB", " 2 MiB "])
def test_sizes_are_bytes_or_kib_mib_gib(size, just_over):
    assert run("check", just_over, "--max-case-bytes", size).exit_code == 0


def test_the_option_lowered_refuses_a_small_case():
    result = run("check", GOOD, "--format", "json", "--max-case-bytes", "100")
    assert result.exit_code == 1 and _problem(result)["code"] == "C406"


def test_the_environment_variable_is_the_fallback(just_over):
    assert run("check", just_over, env={CASE_ENV: "2MiB"}).exit_code == 0
    assert run("check", just_over, env={CASE_ENV: str(limits.MAX_CASE_BYTES)}).exit_code == 1


def test_the_option_wins_over_the_environment_variable(just_over):
    assert run("check", just_over, "--max-case-bytes", "2MiB", env={CASE_ENV: "1KiB"}).exit_code == 0
    lowered = run("check", GOOD, "--format", "json", "--max-case-bytes", "100", env={CASE_ENV: "2MiB"})
    assert lowered.exit_code == 1 and _problem(lowered)["code"] == "C406"


@pytest.mark.parametrize("bad", ["0", "-5", "2MB", "1.5MiB", "lots", ""])
def test_a_bad_size_is_a_usage_error(bad):
    result = run("check", GOOD, "--max-case-bytes", bad)
    assert result.exit_code == 2
    assert "--max-case-bytes" in result.stderr and "is not a size" in result.stderr and "2MiB" in result.stderr


def test_a_bad_size_in_the_environment_is_a_usage_error_naming_the_variable():
    result = run("check", GOOD, env={RULE_ENV: "four megabytes"})
    assert result.exit_code == 2
    assert RULE_ENV in result.stderr and "is not a size" in result.stderr


def test_a_rule_file_just_over_the_limit_is_refused_and_accepted_with_the_option_raised(big_rules):
    refused = run("validate", big_rules, "--format", "json")
    assert refused.exit_code == 1
    problems = json.loads(refused.stdout)["problems"]
    assert [p["code"] for p in problems] == ["E104"]
    assert "--max-rule-bytes" in problems[0]["hint"] and RULE_ENV in problems[0]["hint"]
    accepted = run("validate", big_rules, "--max-rule-bytes", "5MiB")
    assert accepted.exit_code == 0, accepted.output
    decided = run("check", GOOD, "--rules", big_rules, "--max-rule-bytes", "5MiB")
    assert decided.exit_code == 0, decided.output


def test_rules_accepted_once_are_refused_when_the_limit_is_lowered(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    assert run("validate", rules).exit_code == 0            # now in the rules cache
    refused = run("validate", rules, "--format", "json", "--max-rule-bytes", "1KiB")
    assert refused.exit_code == 1
    assert {p["code"] for p in json.loads(refused.stdout)["problems"]} == {"E104"}


READERS = {"check": "case rule", "validate": "rule", "test": "rule", "consistency": "rule", "variations": "rule",
           "settings": "rule", "prove": "rule", "verify": "rule", "letter": "case rule", "diff": "case rule",
           "schema": "rule", "batch": "case rule", "serve": "rule"}


@pytest.mark.parametrize("command", sorted(READERS))
def test_every_command_that_reads_case_or_rule_files_shows_its_options(command):
    shown = run(command, "--help").stdout
    for kind in ("case", "rule"):
        option, env = limits.OPTION[kind], limits.ENV[kind]
        if kind in READERS[command].split():
            assert option in shown and env in shown
        else:
            assert option not in shown


def test_every_command_is_classified():
    assert set(cli.commands) - {"log"} == set(READERS)


def test_batch_applies_the_case_limit_to_case_files(tmp_path):
    result = run("batch", "--no-progress", GOOD, "--max-case-bytes", "100")
    assert result.exit_code == 1
    line = json.loads(result.stdout)
    assert line["status"] == "invalid" and line["problems"][0]["code"] == "C406"
    assert run("batch", "--no-progress", GOOD, "--max-case-bytes", "1MiB").exit_code == 0


def test_batch_refuses_a_jsonl_line_over_the_limit_and_decides_the_next(tmp_path):
    case = json.dumps(eligibility.read_case(GOOD)[0])
    lines = tmp_path / "cases.jsonl"
    lines.write_text(case[:-1] + ', "notes": "' + "x" * 3000 + '"}\n' + case + "\n", encoding="utf-8")
    refused = run("batch", "--no-progress", lines, "--max-case-bytes", "2KiB")
    assert refused.exit_code == 1
    first, second = [json.loads(line) for line in refused.stdout.splitlines()]
    assert first["status"] == "invalid" and first["problems"][0]["code"] == "C406"
    assert "2,048-byte limit" in first["problems"][0]["message"]
    assert "--max-case-bytes" in first["problems"][0]["hint"]
    assert second["status"] == "decided"
    assert run("batch", "--no-progress", lines, "--max-case-bytes", "8KiB").exit_code == 0


def test_serve_refuses_rules_over_the_limit_and_its_workers_load_them_with_the_option_raised(big_rules):
    from live_server import get, running_server

    refused = run("serve", "--rules", big_rules, "--port", "1")       # refused before anything listens
    assert refused.exit_code == 1 and "E104" in refused.stderr and "--max-rule-bytes" in refused.stderr
    with running_server(extra=["--rules", str(big_rules), "--max-rule-bytes", "5MiB"]) as port:
        status, _, listing = get(port, "/v1/rule-sets")
    assert status == 200 and any(r["decision"] == "adult-eligibility" for r in listing)


def test_diff_applies_the_case_limit_to_the_cases_it_compares():
    result = run("diff", ROOT / "rules", ROOT / "rules", GOOD, "--format", "json", "--max-case-bytes", "100")
    assert result.exit_code == 1
    assert "C406" in result.stdout


# -- the library ---------------------------------------------------------------------------------
def test_the_library_takes_a_limits_value(big_rules, just_over):
    with pytest.raises(eligibility.RuleFileError) as caught:
        eligibility.load(big_rules)
    assert [d.code for d in caught.value.diagnostics] == ["E104"]
    engine = eligibility.load(big_rules, limits=Limits(rule_bytes=5 * 1024 ** 2))
    case, where = eligibility.read_case(just_over, Limits(case_bytes=2 * 1024 ** 2))
    assert engine.decide(case, smap=where).outcome == "eligible"


def test_the_library_refuses_a_case_over_its_limit(just_over):
    from eligibility.source import YamlProblem
    with pytest.raises(YamlProblem) as caught:
        eligibility.read_case(just_over)
    assert caught.value.diagnostic.code == "C406"
    with pytest.raises(YamlProblem):
        eligibility.read_case(GOOD, Limits(case_bytes=100))


def test_the_library_reads_the_environment_when_given_no_limits(monkeypatch, just_over):
    monkeypatch.setenv(CASE_ENV, "2MiB")
    assert eligibility.read_case(just_over)[0]["notes"].startswith("xx")
    assert Limits.from_environment() == Limits(case_bytes=2 * 1024 ** 2)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "1MiB", True])
def test_a_limits_value_is_a_positive_whole_number_of_bytes(bad):
    with pytest.raises(ValueError):
        Limits(case_bytes=bad)


@given(st.integers(min_value=1, max_value=2 ** 50))
def test_sizes_are_written_back_as_they_are_read(size):
    assert limits.parse_size(limits.size_text(size)) == size
