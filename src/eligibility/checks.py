"""Checks of meaning that a schema cannot express, run across all loaded rule files.

Each check is a function returning a list of diagnostics; :func:`check_corpus` runs
them all so that every problem is reported at once, at load time, never at decision time.
"""

from __future__ import annotations

import datetime as dt

from . import model as m
from .diagnostics import Diagnostic, Span, did_you_mean
from .scope import SCALAR_TYPES, Scope, ValueType, item_scope_fields, refs_in

MAX_COMPARISONS = 24        # per criterion: keeps every engine pattern far inside the engine's limits
MAX_LIST_OPERANDS = 16

_OPS_BY_TYPE = {
    "boolean": {"is", "is_not", "is_recorded"},
    "integer": {"is", "is_not", "at_least", "at_most", "more_than", "less_than", "one_of", "none_of", "is_recorded"},
    "count": {"is", "is_not", "at_least", "at_most", "more_than", "less_than"},
    "date": {"is", "is_not", "before", "after", "on_or_before", "on_or_after", "is_recorded"},
    "choice": {"is", "is_not", "one_of", "none_of", "is_recorded"},
    "text": {"is_recorded"},
    "choices": {"includes_any", "includes_none"},
}
_ITEM_ONLY_OPS = {"includes_any", "includes_none"}


def check_corpus(corpus: m.Corpus) -> list[Diagnostic]:
    found = []
    found += check_folders(corpus)
    found += check_settings_values(corpus)
    found += check_periods(corpus)
    for rule_set in corpus.rule_sets:
        scope = Scope(corpus.vocabulary, corpus.setting_defs, rule_set)
        found += check_rule_set(rule_set, scope)
        found += check_disregards(rule_set, scope)
        found += check_settings_coverage(rule_set, scope, corpus)
    return found


def _d(code, message, span, hint=None, path="$") -> Diagnostic:
    return Diagnostic(code, message, span or Span("?"), path, hint)


# -- files and folders -----------------------------------------------------------------
def check_folders(corpus) -> list[Diagnostic]:
    found = []
    for rs in corpus.rule_sets:
        folder = corpus.folders.get(rs.file)
        if folder != "shared" and tuple(rs.applies_to) != (folder,):
            found.append(_d("E303", f"rule set '{rs.id}' is in the '{folder}' folder but applies to "
                            f"{', '.join(rs.applies_to)}", rs.span,
                            f"a rule set in rules/{folder}/ applies only to {folder}; shared rules go in rules/shared/"))
    for sv in corpus.settings:
        folder = corpus.folders.get(sv.file)
        if folder != sv.authority:
            found.append(_d("E303", f"settings for '{sv.authority}' are in the '{folder}' folder", sv.span,
                            f"move the file to rules/{sv.authority}/"))
    return found


# -- dates -----------------------------------------------------------------------------
def _overlap(a_from, a_to, b_from, b_to) -> bool:
    big = dt.date.max
    return a_from <= (b_to or big) and b_from <= (a_to or big)


def check_periods(corpus) -> list[Diagnostic]:
    found = []
    for item in list(corpus.rule_sets) + list(corpus.settings):
        if item.effective_to and item.effective_to < item.effective_from:
            found.append(_d("E310", f"effective_to {item.effective_to} is before effective_from {item.effective_from}",
                            item.span, "effective_to is the last day the version is in force"))
    rule_sets = sorted(corpus.rule_sets, key=lambda r: (r.decision, r.effective_from, r.file))
    for i, a in enumerate(rule_sets):
        for b in rule_sets[i + 1:]:
            shared = sorted(set(a.applies_to) & set(b.applies_to))
            if a.decision == b.decision and shared and _overlap(a.effective_from, a.effective_to, b.effective_from, b.effective_to):
                found.append(_d("E304", f"rule set '{b.id}' version {b.version} overlaps '{a.id}' version {a.version} "
                                f"({a.file}) for decision '{a.decision}' and {', '.join(shared)}", b.span,
                                "give the earlier version an effective_to the day before the later one starts"))
    settings = sorted(corpus.settings, key=lambda s: (s.authority, s.effective_from))
    for i, a in enumerate(settings):
        for b in settings[i + 1:]:
            if a.authority == b.authority and _overlap(a.effective_from, a.effective_to, b.effective_from, b.effective_to):
                found.append(_d("E304", f"settings version {b.version} of {b.authority} overlaps version {a.version}",
                                b.span, "give the earlier version an effective_to the day before the later one starts"))
    return found


# -- settings ----------------------------------------------------------------------------
def check_settings_values(corpus) -> list[Diagnostic]:
    found = []
    for sv in corpus.settings:
        for name, value in sv.values.items():
            definition = corpus.setting_defs.get(name)
            if definition is None:
                found.append(_d("E301", f"'{name}' is not a defined setting", sv.span,
                                did_you_mean(name, corpus.setting_defs) or "settings are defined in rules/shared/settings.yaml"))
                continue
            problem = _setting_value_problem(definition, value)
            if problem:
                code, message, hint = problem
                found.append(_d(code, f"setting '{name}' of {sv.authority} version {sv.version}: {message}", sv.span, hint))
    return found


def _setting_value_problem(d: m.SettingDef, value):
    expected = {"boolean": bool, "integer": int, "text": str, "date": str, "choice": str}[d.type]
    if not isinstance(value, expected) or (d.type == "integer" and isinstance(value, bool)):
        return "E306", f"must be {d.type}, got {value!r}", None
    if d.type == "date" and not _is_date(value):
        return "E306", f"'{value}' is not a date", "write dates as YYYY-MM-DD"
    if d.type == "choice" and value not in d.values:
        return "E306", f"'{value}' is not one of {', '.join(d.values)}", did_you_mean(value, d.values)
    if d.type == "integer":
        if d.minimum is not None and value < d.minimum:
            return "E305", f"{value} is below the lowest value allowed, {d.minimum}", f"bound set by {d.citation}"
        if d.maximum is not None and value > d.maximum:
            return "E305", f"{value} is above the highest value allowed, {d.maximum}", f"bound set by {d.citation}"
    return None


def check_settings_coverage(rs: m.RuleSet, scope: Scope, corpus) -> list[Diagnostic]:
    needed = sorted({r.name for r in _all_refs(rs) if r.kind == "setting" and r.name in corpus.setting_defs})
    found = []
    for authority in rs.applies_to:
        versions = sorted((s for s in corpus.settings if s.authority == authority), key=lambda s: s.effective_from)
        for name in needed:
            gap = _first_gap(rs.effective_from, rs.effective_to, [s for s in versions if name in s.values])
            if gap:
                found.append(_d("E308", f"rule set '{rs.id}' reads setting '{name}', but {authority} has no value "
                                f"for it in force on {gap.isoformat()}", rs.span,
                                f"add '{name}' to a version in rules/{authority}/ covering that date"))
    return found


def _first_gap(start, end, versions):
    day = start
    for v in versions:
        if v.effective_to is not None and v.effective_to < day:
            continue
        if v.effective_from > day:
            return day
        if v.effective_to is None:
            return None
        day = v.effective_to + dt.timedelta(days=1)
        if end is not None and day > end:
            return None
    return day


# -- one rule set ----------------------------------------------------------------------------
def _all_refs(rs: m.RuleSet) -> list[m.Ref]:
    from .scope import derivation_refs

    refs = []
    for c in rs.criteria:
        refs += refs_in(c.condition)
    for d in rs.derived:
        refs += derivation_refs(d)
    refs += [o.ref for o in rs.outputs]
    return refs


def check_rule_set(rs: m.RuleSet, scope: Scope) -> list[Diagnostic]:
    found = []
    seen = {}
    for c in rs.criteria:
        if c.id in seen:
            found.append(_d("E302", f"criterion id '{c.id}' is used twice in rule set '{rs.id}'", c.span,
                            "give each criterion its own id"))
        seen[c.id] = c
        if c.confidence == "unverified" and not c.note:
            found.append(_d("E201", f"criterion '{c.id}' is marked unverified but has no note saying so", c.span,
                            "add a 'note:' explaining what must be checked in the source"))
        found += check_condition(c.condition, scope, f"criterion '{c.id}'", c.span)
        size = _comparison_count(c.condition)
        if size > MAX_COMPARISONS:
            found.append(_d("E309", f"criterion '{c.id}' makes {size} comparisons; at most {MAX_COMPARISONS} are allowed",
                            c.span, "split it into several criteria and combine them in 'outcomes'"))
    defined = []
    for d in rs.derived:
        found += check_derivation(d, scope, defined)
        defined.append(d.name)
    names = [o.outcome for o in rs.outcomes]
    for o in rs.outcomes:
        if o.outcome == "insufficient_information":
            found.append(_d("E204", "the outcome 'insufficient_information' is given automatically", rs.span,
                            "it applies when a missing fact could change the outcome; remove it from the list"))
        if names.count(o.outcome) > 1 and o is next(x for x in rs.outcomes if x.outcome == o.outcome):
            found.append(_d("E302", f"outcome '{o.outcome}' is listed twice", rs.span, "combine the conditions with 'any'"))
        for ref in _criterion_refs(o.when):
            if ref.id not in seen:
                found.append(_d("E301", f"outcome '{o.outcome}' names criterion '{ref.id}', which is not defined",
                                ref.span, did_you_mean(ref.id, seen) or "criteria are listed under 'criteria:'"))
    for output in rs.outputs:
        found += _check_ref(output.ref, scope, f"output '{output.name}'", rs.span)
    return found


def _criterion_refs(node):
    if isinstance(node, m.CriterionRef):
        return [node]
    if isinstance(node, (m.AllOf, m.AnyOf)):
        return [r for item in node.items for r in _criterion_refs(item)]
    if isinstance(node, m.Not):
        return _criterion_refs(node.item)
    return []


def _comparison_count(node) -> int:
    if isinstance(node, m.Compare):
        return len(node.operand) if isinstance(node.operand, tuple) else 1
    if isinstance(node, (m.AllOf, m.AnyOf)):
        return sum(_comparison_count(i) for i in node.items)
    if isinstance(node, m.Not):
        return _comparison_count(node.item)
    return 0


def _check_ref(ref: m.Ref, scope: Scope, owner: str, span) -> list[Diagnostic]:
    if scope.type_of(ref) is not None:
        return []
    hint = did_you_mean(ref.name, scope.candidates(ref.kind))
    where = {"fact": "case fields (rules/shared/case-fields.yaml)", "setting": "setting definitions",
             "derived": "'derived:' of this rule set"}.get(ref.kind, "")
    return [_d("E301", f"{owner} reads {ref.kind} '{ref.name}', which is not defined", span,
               hint or (f"it must be defined in the {where}" if where else None))]


def check_condition(node, scope: Scope, owner: str, span, item_fields=None) -> list[Diagnostic]:
    """Type-check a condition. ``item_fields`` is set inside a count's 'where' (item-relative facts)."""
    if isinstance(node, (m.AllOf, m.AnyOf)):
        return [d for item in node.items for d in check_condition(item, scope, owner, span, item_fields)]
    if isinstance(node, m.Not):
        return check_condition(node.item, scope, owner, span, item_fields)
    if not isinstance(node, m.Compare):
        return []
    where = node.span or span
    subject_type = _resolve(node.subject, scope, item_fields)
    if subject_type is None:
        candidates = sorted(item_fields) if item_fields is not None and node.subject.kind == "fact" else scope.candidates(node.subject.kind)
        return [_d("E301", f"{owner} reads {node.subject.kind} '{node.subject.name}', which is not defined", where,
                   did_you_mean(node.subject.name, candidates) or "check the spelling against the case fields")]
    return _check_compare(node, subject_type, scope, owner, where, item_fields)


def _resolve(ref, scope, item_fields):
    if item_fields is not None and ref.kind == "fact":
        f = item_fields.get(ref.name)
        return None if f is None else ValueType(f.type, f.values, f)
    return scope.type_of(ref)


def _check_compare(node, vt, scope, owner, where, item_fields) -> list[Diagnostic]:
    allowed = set(_OPS_BY_TYPE.get(vt.type, ()))
    if item_fields is None:
        allowed -= _ITEM_ONLY_OPS
    label = f"{node.subject.kind} '{node.subject.name}'"
    if node.op not in allowed:
        if vt.type in ("choices", "list", "record"):
            hint = "count it with a derived value, e.g. derived: {n: {text: ..., count: " + node.subject.name + "}}"
        else:
            hint = f"a {vt.type} can be compared with: {', '.join(sorted(allowed)) or 'nothing'}"
        return [_d("E306", f"{owner}: '{node.op}' cannot be used with {label}, which is {vt.type}", where, hint)]
    operand = node.operand
    if isinstance(operand, m.Ref):
        other = _resolve(operand, scope, item_fields)
        if other is None:
            return _check_ref(operand, scope, owner, where)
        compatible = {vt.type, other.type} <= {"integer", "count"} or vt.type == other.type
        if not compatible or other.type == "count":
            return [_d("E306", f"{owner}: {label} ({vt.type}) is compared with {operand.kind} '{operand.name}' "
                       f"({other.type})", where, "compare values of the same type")]
        return []
    values = operand if isinstance(operand, tuple) else (operand,)
    if isinstance(operand, tuple) and len(operand) > MAX_LIST_OPERANDS:
        return [_d("E309", f"{owner}: '{node.op}' lists {len(operand)} values; at most {MAX_LIST_OPERANDS} are allowed",
                   where, "group the values into a choice field or split the criterion")]
    for value in values:
        problem = _literal_problem(vt, node.op, value)
        if problem:
            return [_d("E306", f"{owner}: {label} {problem}", where,
                       did_you_mean(value, vt.values) if vt.values else None)]
    return []


def _literal_problem(vt, op, value) -> str | None:
    if op == "is_recorded":
        return None
    if vt.type == "boolean" and not isinstance(value, bool):
        return f"is true or false, so it cannot be compared with {value!r}"
    if vt.type in ("integer", "count") and (isinstance(value, bool) or not isinstance(value, int)):
        return f"is a whole number, so it cannot be compared with {value!r}"
    if vt.type == "date" and not (isinstance(value, str) and _is_date(value)):
        return f"is a date, so compare it with a date written YYYY-MM-DD, not {value!r}"
    if vt.type in ("choice", "choices") and value not in vt.values:
        return f"has no value '{value}' (allowed: {', '.join(vt.values)})"
    return None


def _is_date(text) -> bool:
    try:
        dt.date.fromisoformat(text)
        return len(text) == 10
    except (TypeError, ValueError):
        return False


def check_derivation(d: m.Derivation, scope: Scope, defined: list) -> list[Diagnostic]:
    owner = f"derived value '{d.name}'"
    if d.how == "invalid":
        return []
    if d.how == "count":
        ref = m.Ref("fact", d.spec["items"])
        vt = scope.type_of(ref)
        if vt is None:
            return _check_ref(ref, scope, owner, d.span)
        if vt.type not in ("list", "record", "choices"):
            return [_d("E306", f"{owner} counts '{ref.name}', which is {vt.type}, not a list, record or choices", d.span,
                       "count a list of items, the fields of a record, or the values chosen in a choices field")]
        if d.spec["where"] is not None and vt.type != "list":
            return [_d("E306", f"{owner}: 'where' applies to the items of a list; '{ref.name}' is {vt.type}", d.span,
                       "for a record of choices use 'includes_any'")]
        if vt.type == "record":
            kinds = {c.type for c in vt.field.children}
            want = {"choices"} if d.spec["includes_any"] else {"boolean"}
            if not kinds <= want:
                return [_d("E306", f"{owner}: the fields of '{ref.name}' must all be "
                           f"{'choices' if d.spec['includes_any'] else 'boolean'} to be counted", d.span,
                           "use 'includes_any' for choices fields")]
            if d.spec["includes_any"]:
                return _check_values(d.spec["includes_any"], vt.field.children[0].values, owner, d.span)
        if vt.type == "choices" and d.spec["includes_any"]:
            return _check_values(d.spec["includes_any"], vt.values, owner, d.span)
        if d.spec["where"] is not None:
            return check_condition(d.spec["where"], scope, owner, d.span, item_scope_fields(vt.field))
        return []
    found = []
    refs = [d.spec["date"]] if d.how == "date_plus" else [d.spec["from"], d.spec["to"]]
    for ref in refs:
        found += _check_ref(ref, scope, owner, d.span)
        vt = scope.type_of(ref)
        if vt is not None and vt.type != "date":
            found.append(_d("E306", f"{owner} needs a date, but {ref.kind} '{ref.name}' is {vt.type}", d.span))
        if ref.kind == "derived" and ref.name not in defined:
            found.append(_d("E301", f"{owner} reads derived value '{ref.name}', which must be defined before it", d.span,
                            "derived values may only read derived values listed above them"))
    amount = d.spec.get("amount")
    if isinstance(amount, m.Ref):
        found += _check_ref(amount, scope, owner, d.span)
        vt = scope.type_of(amount)
        if vt is not None and vt.type != "integer":
            found.append(_d("E306", f"{owner} adds {amount.kind} '{amount.name}', which is {vt.type}, not a whole number", d.span))
    return found


def _check_values(values, allowed, owner, span):
    bad = [v for v in values if v not in allowed]
    if bad:
        return [_d("E306", f"{owner}: '{bad[0]}' is not one of the values ({', '.join(allowed)})", span,
                   did_you_mean(bad[0], allowed))]
    return []


def check_disregards(rs: m.RuleSet, scope: Scope) -> list[Diagnostic]:
    found = []
    for disregard in rs.disregards:
        if scope.type_of(m.Ref("fact", disregard.fact)) is None:
            found += _check_ref(m.Ref("fact", disregard.fact), scope, f"disregard of '{disregard.fact}'", rs.span)
            continue
        for ref in _all_refs(rs):
            if ref.kind == "fact" and (ref.name == disregard.fact or ref.name.startswith(disregard.fact + ".")):
                found.append(_d("E307", f"rule set '{rs.id}' reads '{ref.name}', which it declares must be disregarded "
                                f"({disregard.citation})", rs.span, "remove the criterion or derived value that reads it"))
    return found


__all__ = ["check_corpus", "MAX_COMPARISONS", "SCALAR_TYPES"]
