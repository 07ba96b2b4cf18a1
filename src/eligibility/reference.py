"""A pure-Python reference evaluator over the compiled form, used to test the engine.

It reads exactly the facts the engine is given and applies the same three-valued
logic (logic.evaluate). It is a test oracle only: decisions always come from the
rules engine (decide.py), never from here.
"""

from __future__ import annotations

from . import logic
from .decide import engine_input


def criterion_statuses(engine, case: dict, decision=None, authority=None, on=None) -> dict:
    """criterion id -> 'met' | 'not_met' | 'unknown', computed without the rules engine.

    Reached as ``Engine.reference_statuses``.
    """
    decision, authority, on = engine.resolve(case, decision, authority, on)
    rule_set = engine.rule_set_for(decision, authority, on)
    prepared = engine.prepared_for(rule_set)
    _, _, facts = engine_input(prepared, case.get("facts") or {}, authority, on, engine.settings_for(authority, on))
    words = {True: "met", False: "not_met", None: "unknown"}
    return {c.criterion.id: words[logic.evaluate(c.condition, fact)] for c, fact in zip(prepared.compiled.criteria, facts)}

