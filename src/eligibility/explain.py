"""Plain-English reasons for each criterion, from the facts the engine evaluated."""

from __future__ import annotations

import datetime as dt

from . import logic
from . import model as m
from . import operators

_MARK = {True: "✓", False: "✗", None: "?"}


def show(value) -> str:
    """A value as a social worker would read it."""
    if value is None:
        return "not recorded"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) or v is None for v in value):
        low, high = value
        if low == high:
            return str(low)
        return f"at least {low}" + (f" and at most {high} (some facts missing)" if high is not None else " (some facts missing)")
    if isinstance(value, (list, tuple)):
        return ", ".join(show(v) for v in value) or "none"
    if isinstance(value, str):
        return value.replace("_", " ")
    return str(value)


def label(ref: m.Ref, lookup) -> str:
    if ref.kind == "fact":
        return ref.name
    if ref.kind == "derived":
        return lookup.derived[ref.name].text
    if ref.kind == "setting":
        return f"the {lookup.authority} setting '{ref.name}'"
    return "the decision date" if ref.name == "date" else "the authority"


def _is_flag(atom: logic.Atom) -> bool:
    """A comparison with no operand ('is recorded'): its sentence says whether the value is recorded."""
    return operators.BY_NAME[atom.op].operand == "flag"


def _phrase(atom: logic.Atom) -> str:
    return operators.BY_NAME[atom.op].phrase


def _operand_text(atom: logic.Atom, lookup) -> str:
    source: m.Compare = atom.source
    if _is_flag(atom):
        return ""
    operand = source.operand
    if isinstance(operand, m.Ref):
        return f" {label(operand, lookup)} ({show(lookup.value(operand))})"
    return f" {show(operand)}"


def static_phrases(atoms, derived_texts: dict) -> dict:
    """For each comparison (by identity), the parts of its sentence that never change: (label, suffix).

    Worked out once per rule set, so a decision only fills in the values.
    """
    out = {}
    for atom in atoms:
        source: m.Compare = atom.source
        subject = source.subject
        text = {"fact": subject.name, "derived": derived_texts.get(subject.name)}.get(subject.kind)
        suffix = None
        if not _is_flag(atom) and not isinstance(source.operand, m.Ref):
            suffix = f" ({_phrase(atom)} {show(source.operand)})"
        out[id(atom)] = (text, suffix)
    return out


def describe(atom: logic.Atom, values: dict, lookup, text_values: dict, phrases: dict | None = None) -> str:
    """'✓ unable_outcomes is 3 (must be at least 2)'. Reads the values the engine was given."""
    source: m.Compare = atom.source
    status = logic.evaluate_atom(atom, values)
    value = text_values.get(source.subject)
    fixed_label, suffix = (phrases or {}).get(id(atom), (None, None))
    name = fixed_label or label(source.subject, lookup)
    if _is_flag(atom):
        return f"{_MARK[status]} {name} is {'recorded' if value is not None else 'not recorded'}"
    if suffix is None:
        suffix = f" ({_phrase(atom)}{_operand_text(atom, lookup)})"
    return f"{_MARK[status]} {name} is {show(value)}{suffix}"


def reason(status: str, condition, values: dict, lookup, text_values: dict, phrases: dict | None = None) -> str:
    """The comparisons that settled the criterion, one clause each."""
    wanted = {"met": True, "not_met": False, "unknown": None}[status]
    chosen = _deciding_atoms(condition, values, wanted) or logic.atoms(condition)
    return "; ".join(describe(a, values, lookup, text_values, phrases) for a in chosen)


def _deciding_atoms(node, values, wanted) -> list:
    """The comparisons (original polarity) whose values carry the criterion's status."""
    if isinstance(node, logic.Atom):
        return [node] if logic.evaluate_atom(node, values) is wanted else []
    if isinstance(node, logic.Negation):
        flipped = None if wanted is None else not wanted
        return _deciding_atoms(node.item, values, flipped)
    out = []
    for item in node.items:
        if logic.evaluate(item, values) is wanted:
            out += _deciding_atoms(item, values, wanted)
    return out
