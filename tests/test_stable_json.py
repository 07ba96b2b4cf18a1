"""The fast record writer gives exactly the bytes of json.dumps(sort_keys=True, indent=2, ensure_ascii=False)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from conftest import EXAMPLES
from eligibility import stable_json
from eligibility.cases import read_case

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=30)


@given(_JSON)
def test_any_json_value_is_written_as_the_json_module_writes_it(value):
    expected = json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False)
    assert stable_json.dumps(value) == expected
    assert stable_json.dumps_pure(value) == expected


_WHOLE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text()
    | st.floats(allow_nan=False, allow_infinity=False).filter(float.is_integer),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=30)


@given(_WHOLE)
def test_values_without_fractions_are_written_by_orjson_as_the_json_module_writes_them(value):
    """The fast path (orjson, installed with the test extra) for values holding only whole numbers;
    numbers beyond 64 bits, lone surrogates and the like fall back to the pure-Python writer."""
    assert stable_json.orjson is not None
    assert stable_json.dumps(value, whole_numbers=True) == json.dumps(value, sort_keys=True, indent=2,
                                                                       ensure_ascii=False)


def test_orjson_writes_fractions_differently_which_is_why_it_is_not_used_for_them():
    assert stable_json.orjson.dumps(1e-05) != json.dumps(1e-05).encode()
    assert stable_json.dumps({"a": [1e-05, 1.5e300]}) == json.dumps({"a": [1e-05, 1.5e300]}, sort_keys=True, indent=2)


def test_a_record_whose_case_holds_a_fraction_is_written_by_the_pure_python_writer(engine, monkeypatch):
    import dataclasses
    case = read_case(sorted(EXAMPLES.glob("*.yaml"))[0])[0]
    d = engine.decide(case)
    odd = dataclasses.replace(d, case=d.case[:-1] + ',"x":1e-05}')
    calls = []
    monkeypatch.setattr(stable_json, "dumps_record", lambda record: calls.append(1))
    assert odd.to_json() == json.dumps(odd.to_dict(), sort_keys=True, indent=2, ensure_ascii=False)
    assert calls == []
    assert d.to_json() == json.dumps(d.to_dict(), sort_keys=True, indent=2, ensure_ascii=False)
    assert calls == [1]                     # tried by orjson; written by the pure-Python writer when it declines


def test_every_example_decision_is_written_as_the_json_module_writes_it(engine):
    for path in sorted(EXAMPLES.glob("*.yaml")):
        d = engine.decide(read_case(path)[0])
        expected = json.dumps(d.to_dict(), sort_keys=True, indent=2, ensure_ascii=False)
        assert d.to_json() == expected, path.name
        assert d.to_json() == expected, path.name              # the second time, from the kept fixed parts
        assert stable_json.dumps_pure(d._record(stable_json.Fixed)) == expected, path.name


@given(_JSON)
def test_compact_text_is_the_json_modules_whatever_the_values(value):
    assert stable_json.compact(value) == json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_compact_text_sends_dates_to_default_as_the_json_module_does():
    import datetime as dt

    def default(v):
        if type(v) is dt.date:
            return v.isoformat()
        raise TypeError("not a case value")

    assert stable_json.compact({"b": dt.date(2024, 5, 1), "a": [1]}, default) == '{"a":[1],"b":"2024-05-01"}'
    for odd in (float("nan"), float("inf"), 1e-05, 1e16, 2**64):
        assert stable_json.compact([odd]) == json.dumps([odd], separators=(",", ":"))
    import pytest
    with pytest.raises(TypeError):
        stable_json.compact({"at": dt.datetime(2024, 5, 1, 9, 0)}, default)


@given(_WHOLE)
def test_text_for_machines_reads_back_as_the_value(value):
    assert json.loads(stable_json.for_machines(value)) == value
    assert stable_json.parse(stable_json.for_machines(value)) == value


def test_text_for_machines_with_nan_is_the_json_modules():
    for odd in ([float("nan")], {"a": float("inf")}):
        assert stable_json.for_machines(odd) == json.dumps(odd, ensure_ascii=False)


@given(_WHOLE)
def test_compact_text_of_whole_numbers_is_the_json_modules(value):
    assert stable_json.compact(value, whole_numbers=True) == json.dumps(value, sort_keys=True, separators=(",", ":"),
                                                                         ensure_ascii=False)


def test_parse_reads_what_orjson_refuses_as_the_json_module_does():
    assert stable_json.parse("[18446744073709551616]") == [2**64]
    assert stable_json.parse('{"a": [1, "é", null, true]}') == {"a": [1, "é", None, True]}


def test_values_the_json_module_refuses_are_refused_with_or_without_orjson():
    import dataclasses
    import datetime as dt

    import pytest

    @dataclasses.dataclass
    class Point:
        x: int

    for odd in (dt.date(2024, 5, 1), Point(1)):
        with pytest.raises(TypeError):
            stable_json.dumps({"a": odd}, whole_numbers=True)
        with pytest.raises(TypeError):
            stable_json.compact({"a": odd})
        with pytest.raises(TypeError):
            stable_json.for_machines([odd])
