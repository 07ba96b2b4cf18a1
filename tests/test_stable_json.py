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
    assert stable_json.dumps(value) == json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False)


def test_every_example_decision_is_written_as_the_json_module_writes_it(engine):
    for path in sorted(EXAMPLES.glob("*.yaml")):
        d = engine.decide(read_case(path)[0])
        expected = json.dumps(d.to_dict(), sort_keys=True, indent=2, ensure_ascii=False)
        assert d.to_json() == expected, path.name
        assert d.to_json() == expected, path.name              # the second time, from the kept fixed parts
