"""Which outcome a rule set gives for each way its criteria could turn out, as a shared decision diagram.

A rule set's outcomes are tried in order; the first whose ``when`` holds is the decision.
Over criteria that are each either true (met or waived) or false (not met), that is a
function from the criteria to an outcome. :class:`Diagram` holds it as a reduced, ordered
decision diagram: each node asks one criterion and goes one way if it is true, the other
if it is false; equal sub-diagrams are stored once. It is built from the ``when``
conditions directly (never by listing every combination of criteria), so its size
follows the structure of the outcomes, not 2 to the power of the number of criteria.

smt.py reads it to encode the engine's rule for unknown criteria: an outcome is decided
when every way the unknown criteria could turn out gives it.
"""

from __future__ import annotations

from . import model as m

MAX_NODES = 200_000


class TooLarge(Exception):
    """The diagram would exceed MAX_NODES nodes."""


class Diagram:
    """A reduced ordered decision diagram over criteria, with outcome indexes (or True/False) at its leaves."""

    def __init__(self, order):
        self.order = tuple(order)                     # criterion ids, the first asked first
        self.level = {c: i for i, c in enumerate(self.order)}
        self.nodes = []                               # id -> (level, if true, if false) | ("truth"|"outcome", value)
        self._unique = {}
        self._ite = {}

    # -- building ------------------------------------------------------------------------
    def leaf(self, value) -> int:
        """A leaf: True or False in a condition's diagram, an outcome's index in the outcomes' diagram."""
        return self._make(("truth", value) if isinstance(value, bool) else ("outcome", value))

    def _make(self, key) -> int:
        found = self._unique.get(key)
        if found is None:
            if len(self.nodes) >= MAX_NODES:
                raise TooLarge(f"more than {MAX_NODES} nodes")
            found = self._unique[key] = len(self.nodes)
            self.nodes.append(key)
        return found

    def node(self, level: int, if_true: int, if_false: int) -> int:
        return if_true if if_true == if_false else self._make((level, if_true, if_false))

    def is_leaf(self, n: int) -> bool:
        return self.nodes[n][0] in ("truth", "outcome")

    def _top(self, n: int) -> int:
        return len(self.order) if self.is_leaf(n) else self.nodes[n][0]

    def _branches(self, n: int, level: int):
        if self._top(n) != level:
            return n, n
        return self.nodes[n][1], self.nodes[n][2]

    def ite(self, f: int, g: int, h: int) -> int:
        """If the condition diagram f holds then g else h."""
        if self.is_leaf(f):
            return g if self.nodes[f][1] else h
        if g == h:
            return g
        key = (f, g, h)
        found = self._ite.get(key)
        if found is None:
            level = min(self._top(f), self._top(g), self._top(h))
            f1, f0 = self._branches(f, level)
            g1, g0 = self._branches(g, level)
            h1, h0 = self._branches(h, level)
            found = self._ite[key] = self.node(level, self.ite(f1, g1, h1), self.ite(f0, g0, h0))
        return found

    def condition(self, node) -> int:
        """The diagram (True/False leaves) of an outcome's ``when`` over the criteria."""
        if isinstance(node, m.CriterionRef):
            return self.node(self.level[node.id], self.leaf(True), self.leaf(False))
        if isinstance(node, m.Not):
            return self.ite(self.condition(node.item), self.leaf(False), self.leaf(True))
        parts = [self.condition(i) for i in node.items]
        result = self.leaf(isinstance(node, m.AllOf))
        for part in reversed(parts):
            result = (self.ite(part, result, self.leaf(False)) if isinstance(node, m.AllOf)
                      else self.ite(part, self.leaf(True), result))
        return result


def criteria_order(rule_set: m.RuleSet) -> list[str]:
    """The criteria the outcomes name, in the order they are first named."""
    return list(dict.fromkeys(ref.id for rule in rule_set.outcomes for ref in m.leaves(rule.when)))


def first_holding(rule_set: m.RuleSet) -> tuple[Diagram, int]:
    """(diagram, root): for each way the named criteria could be, the index of the outcome that applies."""
    diagram = Diagram(criteria_order(rule_set))
    rules = list(rule_set.outcomes)
    result = diagram.leaf(len(rules))              # never reached: a rule set ends with 'otherwise'
    for index in reversed(range(len(rules))):
        rule = rules[index]
        if rule.when is None:
            result = diagram.leaf(index)
        else:
            result = diagram.ite(diagram.condition(rule.when), diagram.leaf(index), result)
    return diagram, result
