"""Three-valued logic, negation normal form, and the compiled engine rules."""

from __future__ import annotations

import json

import pytest

from conftest import GOLDEN, compare_golden
from eligibility import logic
from eligibility.logic import All, Any, Atom, Negation

A = Atom("f_a", "is", True)
B = Atom("f_b", "at_least", 2)


@pytest.mark.parametrize("node, values, expected", [
    (Any((A, B)), {"f_a": True}, True),                 # any: one true is enough, the other may be missing
    (Any((A, B)), {"f_a": False}, None),                # ... but one false and one missing is unknown
    (All((A, B)), {"f_a": False}, False),               # all: one false decides
    (All((A, B)), {"f_a": True}, None),
    (All((A, B)), {"f_a": True, "f_b": 2}, True),
    (Negation(All((A, B))), {"f_a": False}, True),
    (Negation(A), {}, None),                            # a missing fact is never read as false
    (Atom("f_c", "is_recorded"), {}, None),
    (Atom("f_c", "is_recorded"), {"f_c": True}, True),
    (Atom("d_n", "at_least", 2, interval=True), {"d_n__lo": 1, "d_n__hi": 3}, None),
    (Atom("d_n", "at_least", 2, interval=True), {"d_n__lo": 2, "d_n__hi": 9}, True),
    (Atom("d_n", "at_least", 2, interval=True), {"d_n__lo": 0, "d_n__hi": 1}, False),
    (Atom("d_n", "at_least", 2, interval=True), {"d_n__lo": 0}, None),
    (Atom("f_a", "at_least", None, ref_key="s_t"), {"f_a": 3}, None),
])
def test_three_valued_evaluation(node, values, expected):
    assert logic.evaluate(node, values) is expected


def test_negation_normal_form_complements_operators():
    nnf = logic.negation_normal_form(Negation(Any((A, Negation(B)))))
    assert nnf == All((Atom("f_a", "is_not", True), B))


def test_negation_normal_form_agrees_with_direct_evaluation():
    values_list = [{}, {"f_a": True}, {"f_a": False}, {"f_b": 1}, {"f_b": 3}, {"f_a": True, "f_b": 1}]
    tree = Negation(All((A, Any((Negation(B), A)))))
    for values in values_list:
        assert logic.evaluate(logic.negation_normal_form(tree), values) == logic.evaluate(tree, values)


def test_compiled_adult_eligibility_rules_match_golden(engine, update_golden):
    rule_set = next(r for r in engine.corpus.rule_sets if r.id == "adult-eligibility")
    compiled = engine.prepared_for(rule_set).compiled
    text = json.dumps(compiled.definition, sort_keys=True, indent=1) + "\n"
    compare_golden(GOLDEN / "compiled" / "adult-eligibility.json", text, update_golden)


def test_every_criterion_has_exactly_three_complementary_rules_gated_by_the_sentinel(engine):
    for rule_set in engine.corpus.rule_sets:
        definition = engine.prepared_for(rule_set).compiled.definition
        for criterion in rule_set.criteria:
            rules = {k: v for k, v in definition.items() if k.startswith(criterion.id + "__")}
            assert set(rules) <= {f"{criterion.id}__{s}" for s in ("met", "not_met", "unknown")}
            assert f"{criterion.id}__unknown" in rules
            for rule in rules.values():
                assert rule["all"][0] == {"r": {"t": "$ready"}}
            assert rules[f"{criterion.id}__unknown"]["dist"] == 0


def test_engine_attribute_names_can_never_be_id_sid_or_t(engine):
    def keys(expression):
        if isinstance(expression, dict):
            for key, value in expression.items():
                yield key
                yield from keys(value)
        elif isinstance(expression, list):
            for item in expression:
                yield from keys(item)
    for prepared in engine._prepared.values():
        used = {k for rule in prepared.compiled.definition.values() for k in keys(rule["all"])}
        assert not used & {"id", "sid"}
        assert all(k.startswith(("f_", "d_", "s_", "v_", "$")) or k in {"t", "r", "x", "any", "never"} or k.startswith("m_") for k in used)


def test_whole_number_settings_beyond_the_exact_range_are_refused(tmp_path):
    import shutil
    from pathlib import Path

    import eligibility

    rules = tmp_path / "rules"
    shutil.copytree(Path(__file__).parent / "fixtures" / "operators", rules)
    definitions = rules / "shared" / "settings.yaml"
    definitions.write_text(definitions.read_text() + "  unbounded: {type: integer, text: No bounds, citation: test}\n")
    settings = rules / "rutland" / "settings.yaml"
    settings.write_text(settings.read_text() + "      unbounded: {value: 18446744073709551616, source: test}\n")
    problems = eligibility.check_rules(rules)
    assert [(d.code, d.message) for d in problems] == [
        ("E305", "setting 'unbounded' of rutland version 1: 18446744073709551616 is too large to compare exactly")]


def test_only_comparisons_that_could_still_change_the_result_are_unsettled():
    capacity, chose, lawful = Atom("f_cap", "is", True), Atom("f_chose", "is", True), Atom("f_lawful", "is", True)
    tree = Any((All((capacity, chose)), All((Negation(capacity), lawful))))
    assert logic.unsettled_atoms(tree, {"f_cap": False}) == [lawful]          # the capacity branch is already false
    assert logic.unsettled_atoms(tree, {}) == [capacity, chose, capacity, lawful]
    assert logic.unsettled_atoms(tree, {"f_cap": False, "f_lawful": True}) == []
