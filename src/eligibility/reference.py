"""A pure-Python reference evaluator over the compiled form, used to test the engine.

It reads exactly the facts the engine is given and applies the same three-valued
logic (logic.evaluate). It is a test oracle only: decisions always come from the
rules engine (decide.py), never from here.
"""

from __future__ import annotations

from . import logic
from .decide import act_not_recorded, engine_input


def criterion_statuses(engine, case: dict, decision=None, authority=None, on=None) -> dict:
    """criterion id -> 'met' | 'not_met' | 'unknown', computed without the rules engine.

    A criterion about a recorded act (not_met_when_not_recorded) that is unknown because
    the act is not recorded is not met, as in a decision. Reached as ``Engine.reference_statuses``.
    """
    decision, authority, on = engine.resolve(case, decision, authority, on)
    rule_set = engine.rule_set_for(decision, authority, on)
    prepared = engine.prepared_for(rule_set)
    lookup, _, facts = engine_input(prepared, case.get("facts") or {}, authority, on,
                                    engine.settings_for(authority, on))
    words = {True: "met", False: "not_met", None: "unknown"}
    out = {}
    for c, fact in zip(prepared.compiled.criteria, facts):
        status = logic.evaluate(c.condition, fact)
        if status is None and act_not_recorded(c.criterion, lookup):
            status = False
        out[c.criterion.id] = words[status]
    return out

