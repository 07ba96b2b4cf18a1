"""Hostile or careless input gets a clean, fast, located error and loses no other decision.

Deep nesting, self-reference, huge or endless files, files that are not regular files,
mappings that are not dicts and keys that are not text: each is refused with an error
code, and every valid case in the same run is still decided.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import types

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from conftest import EXAMPLES, ROOT
from eligibility import limits
from eligibility.cli import cli
from eligibility.diagnostics import CaseError

GOOD = EXAMPLES / "rutland-eligible.yaml"
OTHER = EXAMPLES / "leicester-eligible.yaml"


def run(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


def deep_yaml(levels: int) -> str:
    return "facts: " + "[" * levels + "]" * levels + "\n"


def _codes(result) -> list[str]:
    payload = json.loads(result.stdout)
    return [p["code"] for r in payload if r["status"] == "invalid" for p in r["problems"]]


# -- deep nesting and self-reference --------------------------------------------------------
def test_a_deeply_nested_case_file_is_refused_and_the_other_cases_are_still_decided(tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text(deep_yaml(600))
    result = run("check", GOOD, deep, OTHER, "--format", "json")
    assert result.exit_code == 1, result.output
    payload = json.loads(result.stdout)
    assert [r["status"] for r in payload] == ["decided", "invalid", "decided"]
    problem = payload[1]["problems"][0]
    assert problem["code"] == "C406" and problem["line"] == 1 and problem["column"] is not None
    assert "nested" in problem["message"]


def test_nesting_just_under_the_limit_is_read_and_checked_normally(tmp_path):
    shallow = tmp_path / "shallow.yaml"
    shallow.write_text(deep_yaml(limits.MAX_DEPTH - 3))
    result = run("check", shallow, "--format", "json")
    assert result.exit_code == 1
    assert "C406" not in _codes(result) and "C402" in _codes(result)


def test_a_deep_mapping_given_to_the_library_is_a_case_error(engine):
    case = {"authority": "rutland", "assessment_date": "2024-05-01", "decision": "adult-eligibility", "facts": {}}
    inner = case["facts"]
    for _ in range(5000):
        inner["person"] = {}
        inner = inner["person"]
    with pytest.raises(CaseError) as caught:
        engine.decide(case)
    assert caught.value.diagnostics[0].code == "C406"
    assert caught.value.diagnostics[0].path.startswith("$.facts.person.person")


def test_a_self_referencing_mapping_is_a_case_error(engine):
    case = {"authority": "rutland", "assessment_date": "2024-05-01", "decision": "adult-eligibility", "facts": {}}
    case["facts"]["person"] = case["facts"]
    with pytest.raises(CaseError) as caught:
        engine.decide(case)
    assert caught.value.diagnostics[0].code == "C406"
    assert "refers to itself" in caught.value.diagnostics[0].message


def _rules_copy(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    return rules


def test_a_rule_condition_nested_400_deep_is_a_located_rule_file_error(tmp_path):
    rules = _rules_copy(tmp_path)
    (rules / "shared" / "deep.yaml").write_text(
        "kind: rule-set\nid: deep\ncriteria:\n  - id: x\n    when:\n      all_of:\n" +
        "\n".join("        " + "  " * i + "- all_of:" for i in range(400)) + "\n")
    result = run("validate", rules, "--format", "json")
    assert result.exit_code == 1, result.output
    problems = json.loads(result.stdout)["problems"]
    deep_problems = [p for p in problems if p["file"].endswith("deep.yaml")]
    assert [p["code"] for p in deep_problems] == ["E104"]
    assert deep_problems[0]["line"] is not None and deep_problems[0]["line"] > 1


# -- size and file type ------------------------------------------------------------------------
def test_dev_zero_is_refused_at_once(tmp_path):
    result = run("check", "/dev/zero", GOOD, "--format", "json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload[0]["problems"][0]["code"] == "C401"
    assert "not a regular file" in payload[0]["problems"][0]["message"]
    assert payload[1]["status"] == "decided"


def test_a_fifo_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    proc = subprocess.run([sys.executable, "-m", "eligibility", "check", str(fifo), str(GOOD)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "not a regular file" in proc.stderr


def test_a_case_over_the_size_limit_is_refused_fast(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("facts:\n  person:\n    condition: '" + "x" * (limits.MAX_CASE_BYTES + 10) + "'\n")
    result = run("check", big, "--format", "json")
    problem = json.loads(result.stdout)[0]["problems"][0]
    assert problem["code"] == "C406" and "larger than" in problem["message"]
    assert "ELIGIBILITY_MAX_CASE_BYTES" in problem["hint"]


def test_the_case_size_limit_can_be_raised(tmp_path, monkeypatch):
    big = tmp_path / "big.yaml"
    text = GOOD.read_text() + "notes: '" + "x" * (limits.MAX_CASE_BYTES + 10) + "'\n"
    big.write_text(text)
    monkeypatch.setenv("ELIGIBILITY_MAX_CASE_BYTES", str(len(text) + 1))
    result = run("check", big, "--format", "json")
    assert result.exit_code == 0, result.output


def test_a_rule_file_over_the_size_limit_is_refused(tmp_path):
    rules = _rules_copy(tmp_path)
    with open(rules / "shared" / "adult-eligibility.yaml", "a") as handle:
        handle.write("# " + "x" * limits.MAX_RULE_BYTES + "\n")
    result = run("validate", rules, "--format", "json")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert [(p["code"], "larger than" in p["message"]) for p in problems] == [("E104", True)]
    assert "ELIGIBILITY_MAX_RULE_BYTES" in problems[0]["hint"]


def test_standard_input_is_read_with_a_dash():
    result = run("check", "-", "--format", "json", input=GOOD.read_text())
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["case"] == "-"


def test_standard_input_over_the_limit_is_refused():
    result = run("check", "-", "--format", "json", input="notes: '" + "x" * (limits.MAX_CASE_BYTES + 5) + "'\n")
    assert result.exit_code == 1
    assert "larger than" in json.loads(result.stdout)[0]["problems"][0]["message"]


def test_a_million_item_list_given_to_the_library_is_refused_fast(engine):
    case = {"authority": "rutland", "assessment_date": "2024-05-01", "decision": "adult-eligibility",
            "facts": {"placements": [{}] * 1_000_000}}
    with pytest.raises(CaseError) as caught:
        engine.decide(case)
    assert caught.value.diagnostics[0].code == "C406"
    assert "items" in caught.value.diagnostics[0].message


# -- mappings and keys ----------------------------------------------------------------------------
def test_any_mapping_is_accepted_as_a_case(engine):
    import yaml
    data = yaml.safe_load(GOOD.read_text())
    data["assessment_date"] = str(data["assessment_date"])
    data["facts"]["person"]["date_of_birth"] = str(data["facts"]["person"]["date_of_birth"])
    expected = engine.decide(data)
    frozen = types.MappingProxyType({**data, "facts": types.MappingProxyType(data["facts"])})
    assert engine.decide(frozen).to_dict() == expected.to_dict()


def test_a_key_that_is_not_text_is_reported_by_its_value(engine):
    case = {"authority": "rutland", "assessment_date": "2024-05-01", "decision": "adult-eligibility",
            "facts": {42: True}}
    with pytest.raises(CaseError) as caught:
        engine.decide(case)
    messages = [d.message for d in caught.value.diagnostics]
    assert any("42" in text for text in messages), messages
    assert not any("''" in text for text in messages), messages


# -- exit codes and interrupts -----------------------------------------------------------------
def test_invalid_input_is_exit_1_never_3(tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text(deep_yaml(2000))
    result = run("check", deep)
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_ctrl_c_exits_130_and_keeps_the_decisions_already_made(monkeypatch):
    from eligibility import api

    real = api.Engine.decide
    calls = []

    def interrupted_on_second(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(api.Engine, "decide", interrupted_on_second)
    result = run("check", GOOD, OTHER, GOOD, "--format", "json")
    assert result.exit_code == 130
    payload = json.loads(result.stdout)
    assert payload["status"] == "interrupted"
    assert [r["status"] for r in payload["results"]] == ["decided"]
    assert "engine" not in result.stderr


def test_ctrl_c_in_text_mode_keeps_the_printed_decision(monkeypatch):
    from eligibility import api

    real = api.Engine.decide
    calls = []

    def interrupted_on_second(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(api.Engine, "decide", interrupted_on_second)
    result = run("check", GOOD, OTHER)
    assert result.exit_code == 130
    assert "RUT-2024-0117" in result.stdout
    assert "interrupted after 1 of 2 case(s)" in result.stderr


# -- the bracket pre-check before the YAML parser ----------------------------------------------
def test_deep_flow_nesting_is_refused_before_the_parser_reads_it():
    depth = limits.MAX_DEPTH + 1
    assert limits.deep_brackets("facts: " + "[" * depth + "]" * depth) == (1, 8 + limits.MAX_DEPTH)
    assert limits.deep_brackets("facts: " + "[" * (depth - 1) + "]" * (depth - 1)) is None


@pytest.mark.parametrize("text", [
    "note: '" + "[" * 80 + "'\n",                       # brackets inside quoted text
    'note: "' + "{" * 80 + '\\" ["\n',                   # an escaped quote inside double quotes
    "note: see " + "[" * 80 + "\n",                      # brackets inside plain text
    "# " + "[" * 80 + "\nfacts: {}\n",                   # brackets in a comment
    "note: 'it''s " + "[" * 80 + "'\n",                  # a doubled quote inside single quotes
])
def test_brackets_that_are_text_do_not_count(text):
    assert limits.deep_brackets(text) is None


def test_no_shipped_file_comes_near_the_limits():
    for path in list((ROOT / "rules").rglob("*.yaml")) + list((ROOT / "examples").rglob("*.yaml")):
        assert limits.deep_brackets(path.read_text(encoding="utf-8"), max_depth=10) is None, path
        assert path.stat().st_size < limits.MAX_CASE_BYTES // 10


_NESTED = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=4) | st.floats(allow_nan=False),
    lambda inner: (st.lists(inner, max_size=4) | st.lists(inner, max_size=3).map(tuple)
                   | st.dictionaries(st.text(max_size=3), inner, max_size=4)
                   | st.dictionaries(st.text(max_size=3), inner, max_size=3).map(types.MappingProxyType)),
    max_leaves=25)


def _kinds(value):
    if isinstance(value, dict):
        return {k: _kinds(v) for k, v in value.items()}, list(value)
    if isinstance(value, list):
        return [_kinds(v) for v in value]
    return type(value).__name__


@given(_NESTED)
def test_the_plain_copy_is_the_data_as_plain_dicts_and_lists(value):
    from eligibility.api import _plain

    copy = limits.plain_copy(value)
    assert copy == _plain(value) and _kinds(copy) == _kinds(_plain(value))


@given(_NESTED, st.integers(1, 4), st.integers(1, 30))
def test_the_plain_copy_refuses_what_check_shape_refuses_at_the_same_place(value, depth, most):
    def outcome(check):
        try:
            check(value, max_depth=depth, max_values=most)
        except limits.InputRefused as exc:
            return exc.message, exc.path, exc.too_big
        return None

    assert outcome(limits.plain_copy) == outcome(limits.check_shape)


def test_the_plain_copy_refuses_data_inside_itself():
    loop = {"a": [1]}
    loop["a"].append(loop)
    with pytest.raises(limits.InputRefused, match="refers to itself") as caught:
        limits.plain_copy(loop)
    assert caught.value.path == ("a", 1)
