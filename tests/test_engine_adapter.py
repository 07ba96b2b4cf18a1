"""The guarded adapter: what durable-rules' Python layer guarded is still guarded when the
adapter drives the engine's C core directly, and every safety check has a test that fails
without it.

Each test names the pitfall of the durable-rules notes (§9) or the safety check it covers.
"""

from __future__ import annotations

import json

import sys
import threading
import uuid

import pytest

from conftest import EXAMPLES
from eligibility import decide as decide_module
from eligibility import durable_engine as adapter
from eligibility.cases import read_case
from eligibility.compile import READY
from eligibility.diagnostics import EvaluationError


class Core:
    """The real C core, with chosen calls replaced (the adapter reads ``adapter._core`` at each call)."""

    def __init__(self, real, **replaced):
        self._real = real
        self.__dict__.update(replaced)

    def __getattr__(self, name):
        return getattr(self._real, name)


def _case(name="leicester-eligible.yaml"):
    return read_case(EXAMPLES / name)[0]


def _engine_input(engine, case):
    decision, authority, on = engine.resolve(case)
    prepared = engine.prepared_for(engine.rule_set_for(decision, authority, on))
    facts = decide_module.engine_input(prepared, case["facts"], authority, on, engine.settings_for(authority, on))[2]
    return prepared, facts


# -- the direct path fires exactly what the Python layer fires --------------------------------------

def test_driving_the_c_core_fires_exactly_what_the_python_host_fires(engine):
    host = adapter._get_host()
    for path in sorted(EXAMPLES.glob("*.yaml")):
        prepared, facts = _engine_input(engine, read_case(path)[0])
        direct = adapter.run(prepared.compiled, facts)
        sid = uuid.uuid4().hex
        adapter._activations = []
        try:
            state = host.assert_facts(prepared.compiled.name,
                                      [dict(f, sid=sid) for f in facts] + [{"t": READY, "sid": sid}])
        finally:
            through_host, adapter._activations = adapter._activations, None
            host.delete_state(prepared.compiled.name, sid)
        assert not state.get("exception")
        assert sorted(direct, key=repr) == sorted(((label, dict(fact, sid=sid)) for label, fact in through_host),
                                                  key=repr) or _same_without_sid(direct, through_host), path.name
        assert len(direct) == len(prepared.compiled.criteria)


def _same_without_sid(a, b):
    def strip(items):
        return sorted(((label, {k: v for k, v in fact.items() if k != "sid"}) for label, fact in items), key=repr)
    return strip(a) == strip(b)


# -- engine failures ----------------------------------------------------------------------------------

def test_an_engine_failure_gives_no_decision_and_the_next_decision_uses_a_fresh_engine(engine, monkeypatch):
    case = _case("rutland-eligible.yaml")
    expected = engine.decide(case).to_json()
    broken = adapter._get_host()

    def fail(*_args, **_kwargs):
        raise MemoryError("simulated")

    monkeypatch.setattr(adapter, "_core", Core(adapter._core, assert_facts=fail))
    with pytest.raises(EvaluationError, match="simulated"):
        engine.decide(case)
    monkeypatch.undo()
    assert adapter._get_host() is not broken                  # the damaged engine is not used again
    assert engine.decide(case).to_json() == expected


def test_a_session_that_cannot_be_removed_stops_the_decision(engine, monkeypatch):
    """Pitfall 3: sessions must never pile up, so a session that cannot be deleted gives no decision."""
    case = _case()
    host = adapter._get_host()

    def cannot(*_args, **_kwargs):
        raise RuntimeError("delete failed")

    monkeypatch.setattr(adapter, "_core", Core(adapter._core, delete_state=cannot))
    with pytest.raises(EvaluationError, match="could not remove a finished session"):
        engine.decide(case)
    monkeypatch.undo()
    assert adapter._get_host() is not host
    assert engine.decide(case).outcome == "eligible"


def test_an_exception_the_engine_records_in_the_session_is_raised_again(engine, monkeypatch):
    """Pitfall 13 / safety check: an error swallowed into the session state is raised, not ignored."""
    case = _case()
    real = adapter._core

    def with_exception(handle, state_handle):
        started = real.start_action_for_state(handle, state_handle)
        state, message = started
        return state.rstrip().rstrip("}") + ', "exception": "boom in an action"}', message

    monkeypatch.setattr(adapter, "_core", Core(real, start_action_for_state=with_exception))
    with pytest.raises(EvaluationError, match="boom in an action"):
        engine.decide(case)
    monkeypatch.undo()
    assert engine.decide(case).outcome == "eligible"


def test_a_failure_while_collecting_activations_gives_no_decision_and_no_live_session(engine, monkeypatch):
    """Pitfall 13: nothing that goes wrong between the engine's calls is swallowed."""
    case = _case()
    real = adapter._core
    live = []

    def assert_facts(handle, text):
        live.append(text)
        return real.assert_facts(handle, text)

    def explode(handle, state_handle):
        raise ValueError("collecting failed")

    deleted = []

    def delete_state(handle, sid):
        deleted.append(sid)
        return real.delete_state(handle, sid)

    monkeypatch.setattr(adapter, "_core", Core(real, assert_facts=assert_facts, complete_and_start_action=explode,
                                                delete_state=delete_state))
    with pytest.raises(EvaluationError, match="collecting failed"):
        engine.decide(case)
    monkeypatch.undo()
    assert len(deleted) == len(live) == 1                     # the session was removed all the same
    assert engine.decide(case).outcome == "eligible"


def test_a_fact_nothing_handles_gives_no_decision(engine):
    """Pitfall 14: an unhandled fact is an error (the Python layer raised MessageNotHandledException)."""
    prepared, facts = _engine_input(engine, _case())
    with pytest.raises(EvaluationError, match="did not handle every fact"):
        adapter.run(prepared.compiled, facts + [{"no_type": 1}])
    assert adapter.run(prepared.compiled, facts)               # the engine still works


def test_a_false_duplicate_is_retried_once_in_a_fresh_session(engine, monkeypatch):
    """Pitfall 15: a fact reported as already seen (a 32-bit hash clash) is retried with distinct facts."""
    case = _case()
    expected = engine.decide(case).to_json()
    real = adapter._core
    calls = []

    def first_observed(handle, text):
        calls.append(text)
        result = real.assert_facts(handle, text)
        return (2, 0) if len(calls) == 1 else result

    monkeypatch.setattr(adapter, "_core", Core(real, assert_facts=first_observed))
    assert engine.decide(case).to_json() == expected
    assert len(calls) == 2
    first, retry = json.loads(calls[0]), json.loads(calls[1])
    assert not any("n" in fact for fact in first)
    assert [fact["n"] for fact in retry[:-1]] == list(range(len(retry) - 1))     # every fact made distinct


def test_a_duplicate_twice_gives_no_decision(engine, monkeypatch):
    """Pitfall 15: a second duplicate report gives no decision rather than a partial one."""
    real = adapter._core

    def always_observed(handle, text):
        real.assert_facts(handle, text)                       # the session exists, as after a real duplicate
        return 2, 0

    monkeypatch.setattr(adapter, "_core", Core(real, assert_facts=always_observed))
    with pytest.raises(EvaluationError, match="same fact twice"):
        engine.decide(_case())
    monkeypatch.undo()
    assert engine.decide(_case()).outcome == "eligible"


def test_deciding_starts_no_thread(engine):
    """Pitfalls 2 and 16: no dispatcher or timer thread runs actions in the background."""
    before = threading.active_count()
    for path in sorted(EXAMPLES.glob("*.yaml")):
        engine.decide(read_case(path)[0])
    assert threading.active_count() == before


def test_registered_actions_take_one_parameter():
    """Pitfall 19: a two-parameter action would be run asynchronously by the Python layer."""
    assert adapter._make_action("x/met").__code__.co_argcount == 1


# -- the safety checks on what the engine returns ------------------------------------------------------

def test_a_criterion_with_no_result_gives_no_decision(engine, monkeypatch):
    """Safety check: exactly one result per criterion (here: none)."""
    real = adapter.run
    monkeypatch.setattr(adapter, "run", lambda compiled, facts: real(compiled, facts)[1:])
    with pytest.raises(EvaluationError, match="no result for criterion"):
        engine.decide(_case())


def test_a_criterion_with_two_results_gives_no_decision(engine, monkeypatch):
    """Safety check: exactly one result per criterion (here: met and not met)."""
    real = adapter.run

    def twice(compiled, facts):
        fired = real(compiled, facts)
        label, fact = fired[0]
        other = label.split("/")[0] + ("/not_met" if label.endswith("/met") else "/met")
        return fired + [(other, fact)]

    monkeypatch.setattr(adapter, "run", twice)
    with pytest.raises(EvaluationError, match="both"):
        engine.decide(_case())


def test_a_result_that_does_not_follow_from_the_facts_gives_no_decision(engine, monkeypatch):
    """Safety check: every engine result is re-checked in Python against the fact it bound."""
    real = adapter.run

    def flipped(compiled, facts):
        fired = real(compiled, facts)
        label, fact = fired[0]
        criterion, status = label.split("/")
        return [(f"{criterion}/{'not_met' if status == 'met' else 'met'}", fact)] + fired[1:]

    monkeypatch.setattr(adapter, "run", flipped)
    with pytest.raises(EvaluationError, match="does not follow"):
        engine.decide(_case())


def test_at_most_one_session_is_live_at_a_time(engine, monkeypatch):
    """Safety check (pitfalls 3 and 16): the process-wide lock keeps one live session, whatever the threads."""
    real = adapter._core
    live, most, guard = [0], [0], threading.Lock()

    def assert_facts(handle, text):
        with guard:
            live[0] += 1
            most[0] = max(most[0], live[0])
        return real.assert_facts(handle, text)

    def delete_state(handle, sid):
        result = real.delete_state(handle, sid)
        with guard:
            live[0] -= 1
        return result

    monkeypatch.setattr(adapter, "_core", Core(real, assert_facts=assert_facts, delete_state=delete_state))
    cases = [read_case(p)[0] for p in sorted(EXAMPLES.glob("*.yaml"))]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)                               # switch threads as often as possible
    try:
        threads = [threading.Thread(target=lambda: [engine.decide(c) for c in cases * 3]) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert most[0] == 1 and live[0] == 0
