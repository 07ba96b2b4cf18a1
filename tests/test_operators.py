"""One operator table (operators.py) read by the schema check, the meaning checks, the compiler,
the three-valued logic and the explanations."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

from eligibility import operators, validate

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
