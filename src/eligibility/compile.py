"""Rule model → the compiled form (logic.py) → durable-rules ruleset definitions.

This module builds plain data only; it does not import durable-rules, so its output
can be compared in tests. The shape of what it emits is chosen to stay clear of every
pitfall recorded for durable-rules 2.0.28:

* every criterion reads its own engine fact, tagged ``t: "c:<criterion id>"``, so each
  fact type carries at most a few dozen alpha tests (the engine loops forever at 512
  under one node and fails at 64 simultaneously true);
* every rule's first pattern is the ``$ready`` sentinel, asserted last, so the order
  in which facts arrive cannot change a result;
* each criterion gets three complementary rules — met (certainly true), not met
  (certainly false, by complemented operators, never by ``none()``) and unknown
  (neither, by two ``none()`` patterns over input facts with ``dist: 0``) — so exactly
  one fires and the explanation is what the engine evaluated;
* attribute names are prefixed (``f_``, ``d_``, ``s_``, ``v_``), so a case can never
  supply ``id``, ``sid`` or ``t``;
* no arithmetic in conditions (so no division by zero), integers bounded by the schema,
  no floats, dates as day numbers; comparisons with another attribute are guarded by
  ``$ex`` because the engine matches a missing right-hand attribute;
* a sink rule makes every fact "handled", so no fact is silently dropped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from . import logic
from . import model as m
from . import operators
from .scope import Scope, item_scope_fields

READY = "$ready"
WAIVER_PREFIX = m.WAIVER_PREFIX


@dataclass(frozen=True)
class CompiledCriterion:
    criterion: m.Criterion
    condition: object               # logic tree (with Negation nodes)
    keys: tuple                     # engine attributes it reads
    fact_type: str
    waiver_of: str | None = None    # set on the compiled 'waived_when' of a gate: the gate's id


@dataclass(frozen=True)
class CompiledRuleSet:
    rule_set: m.RuleSet
    name: str                       # unique engine ruleset name
    definition: dict                # durable-rules ruleset; 'run' holds 'criterion-id/status'
    criteria: tuple
    derivations: dict               # name -> lowered 'where' condition (or None)
    joins: dict = None              # name -> lowered 'joined_when' condition of a start_of_last_run (or None)
    takes: dict = None              # name -> lowered 'taken_from_first_where' of a start_of_last_run (or None)


def day_number(text_or_date) -> int:
    """Dates travel through the engine as whole day numbers (proleptic ordinal)."""
    value = dt.date.fromisoformat(text_or_date) if isinstance(text_or_date, str) else text_or_date
    return value.toordinal()


def lower(node, scope: Scope, item_fields: dict | None = None):
    """Model condition → logic tree, with engine attribute names and engine-ready literals."""
    if isinstance(node, m.AllOf):
        return logic.All(tuple(lower(i, scope, item_fields) for i in node.items))
    if isinstance(node, m.AnyOf):
        return logic.Any(tuple(lower(i, scope, item_fields) for i in node.items))
    if isinstance(node, m.Not):
        return logic.Negation(lower(node.item, scope, item_fields))
    vtype = _type(node.subject, scope, item_fields)
    operand = node.operand
    ref_key = None
    if isinstance(operand, m.Ref):
        ref_key, operand = operand.key, None
    elif operators.BY_NAME[node.op].operand == "flag":      # is_recorded: true has no operand to compare
        operand = None
    elif vtype == "date" and operand is not None:
        operand = day_number(operand)
    return logic.Atom(node.subject.key, node.op, operand, ref_key, vtype == "count", node)


def _type(ref: m.Ref, scope: Scope, item_fields):
    if item_fields is not None and ref.kind == "fact":
        return item_fields[ref.name].type
    return scope.type_of(ref).type


def durable_expression(node):
    """Logic tree in negation normal form → durable-rules expression, or None if it can never hold."""
    if isinstance(node, logic.Atom):
        return _atom_expression(node)
    parts = [durable_expression(i) for i in node.items]
    if isinstance(node, logic.All):
        if any(p is None for p in parts):
            return None
        return parts[0] if len(parts) == 1 else {"$and": parts}
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"$or": parts}


def _compare(op, key, right):
    """The durable-rules expression that matches when 'key op right' certainly holds (None: it never can)."""
    return operators.BY_NAME[op].engine(key, right)


def _atom_expression(atom: logic.Atom):
    right = {"$m": atom.ref_key} if atom.ref_key else atom.value
    if atom.interval:
        expr = _count_expression(atom.op, atom.key + "__lo", atom.key + "__hi", right)
    else:
        expr = _compare(atom.op, atom.key, right)
    if expr is None:
        return None
    return {"$and": [{"$ex": {atom.ref_key: 1}}, expr]} if atom.ref_key else expr


def _count_expression(op, lo, hi, right):
    """A comparison on a count that is a range: the operator's count rule, on the range's ends."""
    rule = operators.BY_NAME[op].count_rule
    if rule is None:
        raise ValueError(f"operator {op} does not apply to a count")
    ends = {"lo": lo, "hi": hi}
    parts = [_compare(test, ends[end], right) for end, test in rule.tests]
    return parts[0] if len(parts) == 1 else {"$and" if rule.combine == "all" else "$or": parts}


def _pattern(fact_type: str, expression):
    tag = {"t": fact_type}
    return tag if expression is None else {"$and": [tag, expression]}


def compile_criterion(criterion: m.Criterion, scope: Scope, waiver_of: str | None = None) -> tuple[CompiledCriterion, dict]:
    condition = lower(criterion.condition, scope)
    fact_type = "c:" + criterion.id
    met = durable_expression(logic.negation_normal_form(condition))
    not_met = durable_expression(logic.negation_normal_form(condition, negate=True))
    ready = {"r": {"t": READY}}
    rules = {}
    if met is not None:
        rules[f"{criterion.id}__met"] = {"all": [ready, {"x": _pattern(fact_type, met)}], "run": f"{criterion.id}/met"}
    if not_met is not None:
        rules[f"{criterion.id}__not_met"] = {"all": [ready, {"x": _pattern(fact_type, not_met)}],
                                             "run": f"{criterion.id}/not_met"}
    unknown = [ready, {"x": {"t": fact_type}}]
    for index, expression in enumerate(e for e in (met, not_met) if e is not None):
        unknown.append({f"m_{index + 2}$not": _pattern(fact_type, expression)})
    rules[f"{criterion.id}__unknown"] = {"dist": 0, "all": unknown, "run": f"{criterion.id}/unknown"}
    compiled = CompiledCriterion(criterion, condition, logic.keys_read(condition), fact_type, waiver_of)
    return compiled, rules


def compile_rule_set(rule_set: m.RuleSet, scope: Scope) -> CompiledRuleSet:
    definition = {}
    criteria = []
    for criterion in rule_set.criteria:
        compiled, rules = compile_criterion(criterion, scope)
        criteria.append(compiled)
        definition.update(rules)
        if criterion.waived_when is not None:               # a gate: its waiver is evaluated as a criterion too
            waiver = m.Criterion(WAIVER_PREFIX + criterion.id, f"{criterion.id} is waived", criterion.citation,
                                 criterion.waived_when, span=criterion.span)
            compiled, rules = compile_criterion(waiver, scope, waiver_of=criterion.id)
            criteria.append(compiled)
            definition.update(rules)
    definition["__sink"] = {"all": [{"never": {"t": "$never"}}, {"any": {"$ex": {"t": 1}}}], "run": "__sink/none"}
    derivations, joins, takes = {}, {}, {}
    for d in rule_set.derived:
        derivations[d.name] = joins[d.name] = takes[d.name] = None
        if d.how in ("count", "first", "last", "start_of_last_run"):
            item_fields = item_scope_fields(scope.type_of(m.Ref("fact", d.spec["items"])).field)
            if d.spec["where"] is not None:
                derivations[d.name] = logic.negation_normal_form(lower(d.spec["where"], scope, item_fields))
            if d.spec.get("joined") is not None:
                joins[d.name] = logic.negation_normal_form(lower(d.spec["joined"], scope, item_fields))
            if d.spec.get("take") is not None:
                takes[d.name] = logic.negation_normal_form(lower(d.spec["take"], scope, item_fields))
    fingerprint = hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()[:16]
    name = f"{rule_set.id}@{rule_set.version}#{rule_set.digest[:12]}-{fingerprint}"
    return CompiledRuleSet(rule_set, name, definition, tuple(criteria), derivations, joins, takes)
