"""The guarded adapter: engine failures give no decision, and the next decision starts afresh."""

from __future__ import annotations

import pytest

from conftest import EXAMPLES
from eligibility import durable_engine as adapter
from eligibility.cases import read_case
from eligibility.diagnostics import EvaluationError


def test_an_engine_failure_gives_no_decision_and_the_next_decision_uses_a_fresh_engine(engine, monkeypatch):
    case, _ = read_case(EXAMPLES / "rutland-eligible.yaml")
    expected = engine.decide(case).to_json()
    broken = adapter._get_host()

    def fail(*_args, **_kwargs):
        raise MemoryError("simulated")

    monkeypatch.setattr(broken, "assert_facts", fail)
    with pytest.raises(EvaluationError, match="simulated"):
        engine.decide(case)
    assert adapter._get_host() is not broken                  # the damaged engine is not used again
    assert engine.decide(case).to_json() == expected


def test_a_session_that_cannot_be_removed_stops_the_decision(engine, monkeypatch):
    case, _ = read_case(EXAMPLES / "leicester-eligible.yaml")
    host = adapter._get_host()

    def cannot(*_args, **_kwargs):
        raise RuntimeError("delete failed")

    monkeypatch.setattr(host, "delete_state", cannot)
    with pytest.raises(EvaluationError, match="could not remove a finished session"):
        engine.decide(case)
    assert adapter._get_host() is not host
    assert engine.decide(case).outcome == "eligible"


def test_an_exception_inside_an_action_is_raised_not_swallowed(engine, monkeypatch):
    case, _ = read_case(EXAMPLES / "leicester-eligible.yaml")
    original = adapter._make_action

    def exploding(label):
        def action(c):
            raise ValueError(f"boom in {label}")
        return action

    monkeypatch.setattr(adapter, "_make_action", exploding)
    adapter._discard_host()                                   # re-register the rules with the exploding actions
    with pytest.raises(EvaluationError, match="a rule action failed inside the engine"):
        engine.decide(case)
    monkeypatch.setattr(adapter, "_make_action", original)
    adapter._discard_host()
    assert engine.decide(case).outcome == "eligible"
