"""The compiled form of conditions, and three-valued logic over it.

A criterion is *met* when its condition is true whatever the missing facts turn out
to be, *not met* when it is false whatever they turn out to be, and *unknown*
otherwise (Kleene's strong three-valued logic). A missing fact therefore never counts
as false.

The compiled form is a tree of :class:`Atom` comparisons joined by :class:`All`,
:class:`Any` and :class:`Negation`. :func:`negation_normal_form` pushes every "not"
down to the atoms by swapping each operator for its complement, so the same tree
gives both the "certainly true" and the "certainly false" engine patterns.

:func:`evaluate` computes the same three values in plain Python. It is used for the
items of a count (see derive.py), to say which comparison inside a criterion decided
it (see explain.py), and as the reference the engine is tested against.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import operators

TRUE, FALSE, UNKNOWN = True, False, None


@dataclass(frozen=True)
class Atom:
    """``values[key] op value`` (or ``op values[ref_key]``). ``interval`` marks a count with bounds."""

    key: str
    op: str
    value: object = None
    ref_key: str | None = None
    interval: bool = False
    source: object = None           # the model.Compare it came from, for explanations

    def negated(self) -> "Atom":
        return Atom(self.key, operators.BY_NAME[self.op].complement, self.value, self.ref_key, self.interval, self.source)

    def keys(self) -> tuple:
        own = (self.key + "__lo", self.key + "__hi") if self.interval else (self.key,)
        return own + ((self.ref_key,) if self.ref_key else ())


@dataclass(frozen=True)
class All:
    items: tuple


@dataclass(frozen=True)
class Any:
    items: tuple


@dataclass(frozen=True)
class Negation:
    item: object


def negation_normal_form(node, negate: bool = False):
    """The same condition with every negation pushed down to the atoms."""
    if isinstance(node, Atom):
        return node.negated() if negate else node
    if isinstance(node, Negation):
        return negation_normal_form(node.item, not negate)
    items = tuple(negation_normal_form(i, negate) for i in node.items)
    if isinstance(node, All):
        return Any(items) if negate else All(items)
    return All(items) if negate else Any(items)


def atoms(node) -> list[Atom]:
    if isinstance(node, Atom):
        return [node]
    if isinstance(node, Negation):
        return atoms(node.item)
    return [a for i in node.items for a in atoms(i)]


def keys_read(node) -> tuple:
    """Every engine attribute the condition reads, in a stable order."""
    seen = {}
    for atom in atoms(node):
        for key in atom.keys():
            seen.setdefault(key, None)
    return tuple(seen)


def unsettled_atoms(node, values: dict) -> list:
    """The unknown comparisons that could still change the result (none under a part already decided)."""
    if evaluate(node, values) is not UNKNOWN:
        return []
    if isinstance(node, Atom):
        return [node]
    if isinstance(node, Negation):
        return unsettled_atoms(node.item, values)
    return [a for item in node.items for a in unsettled_atoms(item, values)]


def evaluate(node, values: dict):
    """True, False or None (unknown) for a condition over a flat dict of values."""
    if isinstance(node, Atom):
        return evaluate_atom(node, values)
    if isinstance(node, Negation):
        inner = evaluate(node.item, values)
        return None if inner is None else not inner
    results = [evaluate(i, values) for i in node.items]
    if isinstance(node, All):
        if FALSE in results:
            return FALSE
        return UNKNOWN if UNKNOWN in results else TRUE
    if TRUE in results:
        return TRUE
    return UNKNOWN if UNKNOWN in results else FALSE


def compiled(node):
    """The same three-valued reading as ``evaluate``, as a function of the values, built once per condition.

    Decisions re-check the engine with this form (it avoids walking the tree for every
    case); ``evaluate`` stays the plain reference reading that tests compare it with.
    """
    if isinstance(node, Atom):
        return _compiled_atom(node)
    if isinstance(node, Negation):
        inner = compiled(node.item)

        def negation(values):
            result = inner(values)
            return None if result is None else not result
        return negation
    parts = tuple(compiled(i) for i in node.items)
    if isinstance(node, All):
        def all_of(values):
            results = [part(values) for part in parts]
            if FALSE in results:
                return FALSE
            return UNKNOWN if UNKNOWN in results else TRUE
        return all_of

    def any_of(values):
        results = [part(values) for part in parts]
        if TRUE in results:
            return TRUE
        return UNKNOWN if UNKNOWN in results else FALSE
    return any_of


def _compiled_atom(atom: Atom):
    if atom.ref_key is not None or atom.interval:
        return lambda values: evaluate_atom(atom, values)
    key, operand = atom.key, atom.value
    test = operators.BY_NAME[atom.op].evaluate

    def scalar(values):
        value = values.get(key)
        return UNKNOWN if value is None else test(value, operand)
    return scalar


def evaluate_atom(atom: Atom, values: dict):
    operand = atom.value
    if atom.ref_key is not None:
        operand = values.get(atom.ref_key)
        if operand is None:
            return UNKNOWN
    if atom.interval:       # a count known only to lie between __lo and __hi (see operators.CountRule)
        return operators.judge_count(atom.op, values.get(atom.key + "__lo"), values.get(atom.key + "__hi"), operand)
    value = values.get(atom.key)
    if value is None:
        return UNKNOWN
    return operators.BY_NAME[atom.op].evaluate(value, operand)
