"""What would change the outcome: the smallest sets of fact changes that give the favourable outcome.

For a decision whose outcome is not one the rule set marks ``favourable`` (not
eligible, not approved, no assessment owed, or insufficient information), this module
searches over the rules' own structure:

1. the facts that matter are those read (directly, or through a derived value) by the
   criteria that are not met, leaving out facts the case fields mark
   ``never_suggest_changing`` (facts the law disregards, and facts that cannot change);
2. each fact gets a few candidate values taken from the rules themselves: the other
   answer to a yes/no question, the thresholds and choices the comparisons name, one
   more item in a counted list, a date either side of the one compared with;
3. sets of one, then two, then three changes are tried in a fixed order with the
   three-valued reference evaluation (cheap, no engine session), keeping only sets none
   of whose subsets already works, and only one set of each shape (which of the ten
   outcomes becomes unachievable does not make another suggestion);
4. every set found is decided again by the real engine, and kept only if the engine
   gives the favourable outcome.

The search is bounded by a number of trials, not by a clock, so the same case and
rules always give the same suggestions. The time it takes is measured in
``bench/what_would_change.py``.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools

from . import model as m
from . import operators
from .decide import outcome_from_statuses, reference_outcome
from .decision import FactChange, WhatWouldChange
from .diagnostics import CaseError, EvaluationError
from .scope import derivation_refs, refs_in
from .values import nested_get

MAX_CHANGES = 3          # the largest set of changes suggested
MAX_SETS = 4             # the most suggestions kept for one decision
MAX_TRIALS = 1000        # reference evaluations per decision, the bound on the search
RECORDED = "recorded"    # the value tried for a text fact that only needs to be recorded


def favourable_outcomes(rule_set: m.RuleSet) -> frozenset:
    """The outcomes the person hopes for (for example approved, and approved because urgent)."""
    return frozenset(o.outcome for o in rule_set.outcomes if o.favourable)


def search(engine, prepared, case: dict, decision, settings) -> tuple:
    """The verified change sets for a decision (empty when its outcome is favourable or none exists)."""
    rule_set = prepared.rule_set
    target = favourable_outcomes(rule_set)
    if not target or decision.outcome in target:
        return ()
    facts = case.get("facts") or {}
    statuses = {c.id: c.status for c in decision.criteria}
    candidates = _candidates(prepared, facts, statuses, decision.decided_on, settings.values if settings else {})
    fewest = _fewest_changes(prepared, statuses, {path for path, _ in candidates}, target)
    if fewest is None or fewest > MAX_CHANGES:
        return ()
    found, suggested, shapes, trials = [], [], set(), 0
    for size in range(fewest, MAX_CHANGES + 1):
        if found:
            break                           # only the smallest sets are suggested
        for combo in itertools.combinations(candidates, size):
            if len({path for path, _ in combo}) < size or any(set(s) <= set(combo) for s in found):
                continue
            trials += 1
            if trials > MAX_TRIALS:
                return _verified(engine, case, decision, suggested, target)
            if _reference_outcome(prepared, _apply(facts, combo), decision, settings) not in target:
                continue
            found.append(combo)             # blocks its supersets even when it is not suggested again
            shape = tuple(sorted(_group(prepared, path) for path, _ in combo))
            if shape not in shapes:
                shapes.add(shape)
                suggested.append(combo)
    return _verified(engine, case, decision, suggested, target)


def _fewest_changes(prepared, statuses: dict, paths: set, target: frozenset) -> int | None:
    """A lower bound on the number of fact changes that can give the target outcome; None if none can.

    Only criteria reading a candidate fact can change. Every way they could turn out is
    tried; the fewest criteria that must change, divided by the most criteria one fact
    is read by, bounds the number of changes from below.
    """
    rule_set = prepared.rule_set
    derived = {d.name: d for d in rule_set.derived}
    reads = {}
    for criterion in rule_set.criteria:
        conditions = [criterion.condition] + ([criterion.waived_when] if criterion.waived_when is not None else [])
        reads[criterion.id] = {p for cond in conditions for ref in refs_in(cond)
                               for p, _ in _fact_paths(ref, derived, prepared.vocabulary)} & paths
    free = [cid for cid, read in reads.items() if read]
    if not free:
        return None
    if len(free) > 12:
        return 1
    per_fact = max(sum(1 for read in reads.values() if p in read) for p in paths)
    now = {cid: "met" if status == "waived" else status for cid, status in statuses.items()}
    flips = [sum(1 for cid, status in zip(free, combo) if now[cid] != status)
             for combo in itertools.product(("met", "not_met"), repeat=len(free))
             if outcome_from_statuses(rule_set, dict(statuses, **dict(zip(free, combo)))) in target]
    if not flips:
        return None
    return max(1, -(-min(flips) // per_fact))


def _verified(engine, case, decision, found, target) -> tuple:
    out, seen = [], set()
    facts = case.get("facts") or {}
    for combo in found:
        key = frozenset(combo)
        if key in seen:
            continue
        seen.add(key)
        changed_case = dict(case, facts=_apply(facts, combo))
        try:
            again = engine.decide(changed_case, decision.decision, decision.authority, decision.decided_on,
                                  suggest_changes=False)
        except CaseError:
            continue                        # a change the case fields do not allow is never suggested
        except EvaluationError:
            continue                        # no verified answer for this change: it is not suggested
        if again.outcome not in target:
            continue
        out.append(WhatWouldChange(tuple(FactChange(p, nested_get(facts, p), _plain(v)) for p, v in combo), again.outcome))
        if len(out) == MAX_SETS:
            break
    return tuple(out)


# -- the candidates --------------------------------------------------------------------------

def _candidates(prepared, facts: dict, statuses: dict, on: dt.date, setting_values: dict) -> list:
    """(fact path, new value) pairs, in rule order, for the facts read by criteria not met."""
    rule_set, vocabulary = prepared.rule_set, prepared.vocabulary
    derived = {d.name: d for d in rule_set.derived}
    compares = []
    for criterion in rule_set.criteria:
        if statuses.get(criterion.id) in ("met", "waived"):
            continue
        compares += list(m.leaves(criterion.condition))
        if criterion.waived_when is not None:
            compares += list(m.leaves(criterion.waived_when))
    out = []
    for compare in compares:
        for ref in [r for r in (compare.subject, compare.operand) if isinstance(r, m.Ref)]:
            for path, counted in _fact_paths(ref, derived, vocabulary):
                for value in _values_for(vocabulary.fields[path], nested_get(facts, path), compare, counted, on, facts,
                                         setting_values):
                    if (path, value) not in out:
                        out.append((path, value))
    return [(p, v) for p, v in out if vocabulary.fields[p].never_suggest is None]


def _fact_paths(ref: m.Ref, derived: dict, vocabulary) -> list:
    """The case fields behind a reference: [(path, counted values or None)]."""
    if ref.kind == "fact":
        field = vocabulary.fields.get(ref.name)
        if field is None or field.type == "list":
            return []
        if field.type == "record":
            return [(c.path, None) for c in field.children if c.type not in ("record", "list")]
        return [(ref.name, None)]
    if ref.kind != "derived" or ref.name not in derived:
        return []
    d = derived[ref.name]
    if d.how == "count":
        field = vocabulary.fields.get(d.spec["items"])
        if field is None or field.type == "list":
            return []
        wanted = tuple(d.spec.get("includes_any") or ())
        if field.type == "record":
            return [(c.path, wanted or c.values) for c in field.children if c.type == "choices"]
        return [(field.path, wanted or field.values)] if field.type == "choices" else []
    return [p for r in derivation_refs(d) for p in _fact_paths(r, derived, vocabulary)]


def _values_for(field: m.FieldDef, current, compare: m.Compare, counted, on: dt.date, facts: dict,
                setting_values: dict) -> list:
    if field.type == "boolean":
        return [not current] if current is not None else [True, False]
    if field.type == "choice":
        wanted = compare.operand if compare.subject == m.Ref("fact", field.path) else None
        order = list(wanted) if isinstance(wanted, (tuple, list)) else ([wanted] if isinstance(wanted, str) else [])
        return [v for v in dict.fromkeys(order + list(field.values)) if v != current]
    if field.type == "choices":                     # tuples while searching (hashable); lists in the record
        have = tuple(current or ())
        extra = next((v for v in (counted or field.values) if v not in have), None)
        return ([] if current is not None else [()]) + ([have + (extra,)] if extra is not None else [])
    if field.type == "integer":
        return [v for v in _integer_targets(compare, field, setting_values) if v != current]
    if field.type == "date":
        return [v for v in _date_targets(compare, on, facts) if v != current]
    if field.type == "text":
        return [RECORDED] if current is None else []
    return []


def _integer_targets(compare: m.Compare, field: m.FieldDef, setting_values: dict) -> list:
    """The values either side of the threshold a comparison names (a number, or the council's setting)."""
    n = compare.operand
    if isinstance(n, m.Ref) and n.kind == "setting":
        n = setting_values.get(n.name)
    if not isinstance(n, int) or isinstance(n, bool):
        return []
    step = operators.integer_targets(compare.op, n)
    low, high = field.minimum if field.minimum is not None else -2**53, field.maximum if field.maximum is not None else 2**53
    return [v for v in step if low <= v <= high]


def _date_targets(compare: m.Compare, on: dt.date, facts: dict) -> list:
    operand = compare.operand
    if isinstance(operand, m.Ref) and operand.kind == "decision" and operand.name == "date":
        base = on
    elif isinstance(operand, m.Ref) and operand.kind == "fact" and isinstance(nested_get(facts, operand.name), str):
        base = dt.date.fromisoformat(nested_get(facts, operand.name))
    elif isinstance(operand, dt.date):
        base = operand
    elif isinstance(operand, str) and len(operand) == 10:
        base = dt.date.fromisoformat(operand)
    else:
        base = on
    return [(base + dt.timedelta(days=d)).isoformat() for d in (0, -1, 1)]


# -- trying a set of changes -------------------------------------------------------------------

def _reference_outcome(prepared, facts: dict, decision, settings) -> str:
    """The outcome the reference evaluation gives (a guide only; the engine verifies every suggestion)."""
    try:
        return reference_outcome(prepared, facts, decision.authority, decision.decided_on, settings)
    except (ValueError, TypeError, KeyError):
        return ""


def _group(prepared, path: str) -> str:
    """Items of one counted record are one group: which outcome changes does not make a new suggestion."""
    field = prepared.vocabulary.fields[path]
    return path.rsplit(".", 1)[0] if field.type == "choices" else path


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def _apply(facts: dict, combo) -> dict:
    changed = copy.deepcopy(facts)
    for path, value in combo:
        node = changed
        *parents, last = path.split(".")
        for part in parents:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[last] = _plain(value)
    return changed
