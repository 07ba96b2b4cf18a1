"""The quick compiled schema check agrees with jsonschema on every shipped file and on random changes to them.

Only its "valid" is trusted (a file it passes is not checked again), so a change it calls
valid that jsonschema does not would let a bad rule file through: these tests look for one.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from eligibility import schema_check, source, validate
from eligibility.loader import authority_folders

RULES = ROOT / "rules"
AUTHORITIES = authority_folders(RULES)
FILES = sorted(RULES.rglob("*.yaml"))


def _read(path):
    data = source.read(path)[0]
    names = AUTHORITIES if data["kind"] != "authority-settings" else ()
    return data, data["kind"], tuple(names)


READ = [_read(p) for p in FILES]


def _both(data, kind, names):
    quick = validate._quick_check(kind, names)
    assert quick is not None, f"the {kind} schema is no longer compiled"
    return quick(data), validate._validator(kind, names).is_valid(data)


@pytest.mark.parametrize("index", range(len(FILES)), ids=[p.name for p in FILES])
def test_every_shipped_file_is_valid_to_both(index):
    assert _both(*READ[index]) == (True, True)


SCALARS = (st.none() | st.booleans() | st.integers(-5, 400) | st.floats(allow_nan=False, width=16) | st.text(max_size=6)
           | st.sampled_from(["2024-05-01", "2024-02-30", "2020-W09-6", "rutland", "leicester", "adult-eligibility",
                              "met", "fact", "a b", "", "x" * 3, "cite", "1.0", "https://example.org/x"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.sampled_from(["id", "fact", "is", "text", "all", "any", "not", "cite",
                                                         "criterion", "x"]) | st.text(max_size=5), inner, max_size=3),
                      max_leaves=8)


def _places(value, path=()):
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _places(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _places(v, path + (i,))


def _change(data, path, how, new, key):
    data = copy.deepcopy(data)
    if not path:
        return new if how == "replace" else data
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if how == "replace":
        parent[last] = new
    elif how == "delete":
        del parent[last]
    elif how == "add" and isinstance(parent[last], dict):
        parent[last][key] = new
    elif how == "add" and isinstance(parent[last], list):
        parent[last].append(new)
    elif how == "copy" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[last]))
    return data


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_changes_to_shipped_files_get_the_same_verdict(draw):
    data, kind, names = draw.draw(st.sampled_from(READ))
    places = list(_places(data))
    changed = data
    for _ in range(draw.draw(st.integers(1, 3))):
        places = list(_places(changed))
        path = draw.draw(st.sampled_from(places))
        how = draw.draw(st.sampled_from(["replace", "delete", "add", "copy"]))
        changed = _change(changed, path, how, draw.draw(VALUES), draw.draw(st.sampled_from(["id", "x", "fact", "text"])))
    quick, full = _both(changed, kind, names)
    assert quick == full


def test_a_schema_using_what_is_not_compiled_is_left_to_jsonschema():
    assert schema_check.compile_schema({"s": {"contains": {"type": "string"}}}, "s") is None
    assert schema_check.compile_schema({"s": {"format": "email"}}, "s") is None
    assert schema_check.compile_schema({"s": {"$ref": "other.json#/$defs/x"}}, "s") is None
    check = schema_check.compile_schema({"s": {"type": "integer", "x-hint": "a note"}}, "s")
    assert check(3) and not check(3.0) and not check(True)


def test_a_file_the_quick_check_refuses_is_described_by_jsonschema():
    data, kind, names = READ[0]
    bad = copy.deepcopy(data)
    bad["unknown_key_here"] = 1
    problems = validate.check_rule_file(bad, kind, source.read(FILES[0])[1], names)
    assert problems and any("unknown_key_here" in p.message for p in problems)
