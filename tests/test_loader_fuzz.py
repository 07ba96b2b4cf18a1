"""Random bytes and random YAML structures given to the case and rule loaders get only clean errors.

A clean error is a CaseError, a YamlProblem or a RuleFileError whose every diagnostic has a
documented code and a file; nothing else may escape (no RecursionError, TypeError, ...).
"""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from eligibility import source
from eligibility.cases import read_case
from eligibility.diagnostics import CODES, CaseError, RuleFileError
from eligibility.loader import read_corpus
from eligibility.validate import RULE_FILE_KINDS

KEYS = st.sampled_from(["kind", "id", "facts", "person", "authority", "decision", "assessment_date", "criteria",
                        "condition", "all", "any", "not", "fact", "is", "at_least", "versions", "settings",
                        "fields", "outcomes", "applies_to", "effective_from", "x"]) | st.text(max_size=8)
SCALARS = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) | st.text(max_size=12)
           | st.sampled_from(["2024-05-01", "2020-W09-6", "rutland", "adult-eligibility", "rule-set", "yes", "~"]))
STRUCTURES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
                          max_leaves=30)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])


def _clean(diagnostics):
    assert diagnostics
    for d in diagnostics:
        assert d.code in CODES and d.span.file and d.message


def _nested_text(depth: int, as_list: bool) -> str:
    return ("[" * depth + "]" * depth) if as_list else ("{a: " * depth + "1" + "}" * depth)


def _check_case_file(engine, path):
    try:
        data, smap = read_case(path)
    except source.YamlProblem as exc:
        _clean([exc.diagnostic])
        return
    try:
        engine.decide(data, smap=smap)
    except CaseError as exc:
        _clean(exc.diagnostics)


@FUZZ
@given(raw=st.binary(max_size=300))
def test_random_bytes_as_a_case_file(engine, tmp_path, raw):
    path = tmp_path / "case.yaml"
    path.write_bytes(raw)
    _check_case_file(engine, path)


@FUZZ
@given(data=STRUCTURES, flow=st.booleans())
def test_random_yaml_structures_as_a_case_file(engine, tmp_path, data, flow):
    path = tmp_path / "case.yaml"
    path.write_text(json.dumps(data) if flow else yaml.safe_dump(data), encoding="utf-8")
    _check_case_file(engine, path)


@FUZZ
@given(data=STRUCTURES)
def test_random_structures_given_to_the_library(engine, data):
    try:
        engine.decide(data)
    except CaseError as exc:
        _clean(exc.diagnostics)


@pytest.mark.parametrize("depth", [49, 50, 51, 400, 5000])
@pytest.mark.parametrize("as_list", [True, False])
def test_deep_nesting_at_and_around_the_limit(engine, tmp_path, depth, as_list):
    path = tmp_path / "case.yaml"
    path.write_text("facts: " + _nested_text(depth, as_list) + "\n")
    _check_case_file(engine, path)


@pytest.fixture(scope="module")
def rules_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz") / "rules"
    (root / "shared").mkdir(parents=True)
    shutil.copy(ROOT / "rules" / "shared" / "case-fields.yaml", root / "shared" / "case-fields.yaml")
    return root


def _check_rule_file(root, text_or_bytes):
    target = root / "shared" / "fuzz.yaml"
    if isinstance(text_or_bytes, bytes):
        target.write_bytes(text_or_bytes)
    else:
        target.write_text(text_or_bytes, encoding="utf-8")
    try:
        read_corpus(root)
    except RuleFileError as exc:
        _clean(exc.diagnostics)


@pytest.mark.slow
@FUZZ
@given(raw=st.binary(max_size=300))
def test_random_bytes_as_a_rule_file(rules_dir, raw):
    _check_rule_file(rules_dir, raw)


@pytest.mark.slow
@FUZZ
@given(kind=st.sampled_from(RULE_FILE_KINDS), data=st.dictionaries(KEYS, STRUCTURES, max_size=6), flow=st.booleans())
def test_random_yaml_structures_as_a_rule_file(rules_dir, kind, data, flow):
    document = {"kind": kind, **data}
    _check_rule_file(rules_dir, json.dumps(document) if flow else yaml.safe_dump(document))
