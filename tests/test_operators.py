"""One operator table (operators.py) read by the schema check, the meaning checks, the compiler,
the three-valued logic and the explanations."""

from __future__ import annotations

import ast
import dataclasses
import itertools
import operator as py
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eligibility import compile, explain, logic, operators, validate
from eligibility import model as m

SRC = Path(__file__).resolve().parents[1] / "src" / "eligibility"
SAMPLES = {"integer": [0, 1, 2, 5], "date": [730000, 730001], "boolean": [True, False], "choice": ["a", "b"]}


def test_complements_pair_up_and_negate():
    for op in operators.TABLE:
        other = operators.BY_NAME[op.complement]
        assert other.complement == op.name and other.types == op.types and other.operand == op.operand
        if op.evaluate is None:
            continue
        for kind in op.types & set(SAMPLES):
            values = SAMPLES[kind]
            operands = [list(values[:1]), list(values)] if op.operand == "list" else values
            for value, operand in itertools.product(values, operands):
                assert op.evaluate(value, operand) != other.evaluate(value, operand), (op.name, value, operand)


def test_the_rule_file_schema_allows_exactly_the_written_operators():
    comparison = validate.rule_set_schema()["$defs"]["condition"]["properties"]
    written = {name for name in comparison if name not in ("all", "any", "not", "fact", "derived", "setting", "decision")}
    assert written == set(operators.WRITTEN)


@pytest.mark.parametrize("module", sorted(p.name for p in SRC.glob("*.py") if p.name != "operators.py"))
def test_no_other_module_keeps_its_own_operator_table(module):
    """A dict or set literal naming three or more operators is a second table to keep in step."""
    names = set(operators.BY_NAME) - {"is"}
    for node in ast.walk(ast.parse((SRC / module).read_text(encoding="utf-8"))):
        if isinstance(node, (ast.Dict, ast.Set)):
            keys = node.keys if isinstance(node, ast.Dict) else node.elts
            written = {k.value for k in keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
            assert len(written & names) < 3, f"{module}:{node.lineno} lists operators {sorted(written & names)}"


# -- counts: a count is a range [lo, hi] while some items are not assessed ----------------------
COUNT_OPERATORS = sorted(op.name for op in operators.TABLE if op.count_rule is not None)


def test_every_operator_on_whole_numbers_reads_counts_and_its_complement_does_too():
    for op in operators.TABLE:
        if "count" in op.types:
            assert op.count_rule is not None, op.name
            assert operators.BY_NAME[op.complement].count_rule is not None, op.name
            for end, test in op.count_rule.tests:
                assert end in ("lo", "hi") and "count" in operators.BY_NAME[test].types, (op.name, end, test)


@given(name=st.sampled_from(COUNT_OPERATORS), lo=st.integers(0, 30), width=st.none() | st.integers(0, 30),
       n=st.integers(-2, 40))
def test_a_count_range_is_met_not_met_or_unknown_exactly_as_every_count_in_it_would_be(name, lo, width, n):
    """Met when every count in the range meets the comparison, not met when none does, unknown when some do.

    With no upper bound the range is cut beyond the operand, where every comparison is settled.
    """
    hi = None if width is None else lo + width
    counts = range(lo, (max(lo, n) + 3 if hi is None else hi) + 1)
    plain = {operators.BY_NAME[name].evaluate(count, n) for count in counts}
    expected = True if plain == {True} else False if plain == {False} else None
    assert operators.judge_count(name, lo, hi, n) is expected


def test_a_count_with_nothing_known_is_unknown():
    for name in COUNT_OPERATORS:
        assert operators.judge_count(name, None, None, 2) is None


def _matches(expression, fact: dict) -> bool:
    """A durable-rules expression of the forms the compiler writes, read as the engine reads it: an
    attribute the fact lacks matches nothing (docs of durable-rules 2.0.28; the engine itself is
    checked against the reference on every count operator in test_engine_properties)."""
    (key, body), = expression.items()
    if key == "$and":
        return all(_matches(part, fact) for part in body)
    if key == "$or":
        return any(_matches(part, fact) for part in body)
    compare = {"$gt": py.gt, "$gte": py.ge, "$lt": py.lt, "$lte": py.le, "$neq": py.ne}
    if key in compare:
        (attribute, operand), = body.items()
        return attribute in fact and compare[key](fact[attribute], operand)
    if key == "$ex":
        (attribute, _), = body.items()
        return attribute in fact
    return key in fact and fact[key] == body


@given(name=st.sampled_from(COUNT_OPERATORS), lo=st.integers(0, 12), width=st.none() | st.integers(0, 12),
       n=st.integers(0, 20))
def test_the_compiled_count_rules_fire_exactly_when_the_table_judges_the_range(name, lo, width, n):
    atom = logic.Atom("d_n", name, n, interval=True)
    met = compile.durable_expression(logic.negation_normal_form(atom))
    not_met = compile.durable_expression(logic.negation_normal_form(atom, negate=True))
    fact = {"d_n__lo": lo} if width is None else {"d_n__lo": lo, "d_n__hi": lo + width}
    judged = operators.judge_count(name, lo, None if width is None else lo + width, n)
    assert _matches(met, fact) is (judged is True)
    assert _matches(not_met, fact) is (judged is False)
    assert logic.evaluate(atom, fact) is judged


# -- a new operator is one new row in the table -------------------------------------------------
@pytest.fixture
def with_exceeds(monkeypatch):
    """A copy of the table with one new pair of operators, as a new row in operators.py would add."""
    exceeds = dataclasses.replace(operators.BY_NAME["more_than"], name="exceeds", complement="does_not_exceed",
                                  phrase="must exceed")
    does_not = dataclasses.replace(operators.BY_NAME["at_most"], name="does_not_exceed", complement="exceeds",
                                   phrase="must not exceed")
    monkeypatch.setattr(operators, "BY_NAME", {**operators.BY_NAME, "exceeds": exceeds, "does_not_exceed": does_not})


def test_a_new_operator_needs_no_edit_in_the_logic_the_compiler_or_the_explanations(with_exceeds):
    subject = m.Ref("derived", "unable_outcomes")
    for interval in (False, True):
        new = logic.Atom(subject.key, "exceeds", 2, interval=interval, source=m.Compare(subject, "exceeds", 2))
        old = logic.Atom(subject.key, "more_than", 2, interval=interval)
        assert logic.negation_normal_form(logic.Negation(new)).op == "does_not_exceed"
        for negate in (False, True):
            assert (compile.durable_expression(logic.negation_normal_form(new, negate))
                    == compile.durable_expression(logic.negation_normal_form(old, negate)))
        for lo, hi in itertools.product(range(5), (None, 2, 3, 4, 6)):
            values = {subject.key: lo} if not interval else {subject.key + "__lo": lo, subject.key + "__hi": hi}
            if interval and hi is not None and hi < lo:
                continue
            assert logic.evaluate(new, values) is logic.evaluate(old, values)
            assert logic.compiled(logic.Negation(new))(values) is logic.evaluate(logic.Negation(old), values)
    atom = logic.Atom(subject.key, "exceeds", 2, source=m.Compare(subject, "exceeds", 2))
    phrases = explain.static_phrases([atom], {"unable_outcomes": "outcomes the adult cannot achieve"})
    text = explain.describe(atom, {subject.key: 3}, None, {subject: 3}, phrases)
    assert text == "✓ outcomes the adult cannot achieve is 3 (must exceed 2)"


# the modules that apply operators read them from the table only
READERS = ("compile.py", "logic.py", "explain.py", "smt.py")


@pytest.mark.parametrize("module", READERS)
def test_the_modules_that_apply_operators_name_none(module):
    names = set(operators.BY_NAME)
    tree = ast.parse((SRC / module).read_text(encoding="utf-8"))
    # a derived value's own keys (spec["includes_any"]: count the items including any of ...) are
    # words of the derivation, read by subscript, not operators applied to a fact
    spec_keys = {id(node.slice) for node in ast.walk(tree) if isinstance(node, ast.Subscript)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in spec_keys:
            assert node.value not in names, f"{module}:{node.lineno} names the operator '{node.value}'"
