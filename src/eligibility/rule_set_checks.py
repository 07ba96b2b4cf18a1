"""Checks of one rule set: its conditions, derived values, outcomes, outputs and disregards.

Each check returns a list of diagnostics; checks.py runs them for every rule set, with the
checks that look across files.
"""

from __future__ import annotations


from . import model as m
from . import operators
from .dates import is_date
from .diagnostics import Diagnostic, Span, did_you_mean, json_path
from .scope import Scope, ValueType, derivation_refs, item_scope_fields, refs_in

MAX_COMPARISONS = 24        # per criterion (the engine's own limits are also tried when rules are loaded)
MAX_RULES = 240             # engine rules per rule set: 3 per criterion, 3 more per waiver (the engine refuses 256)
WHOLE_NUMBER_LIMIT = 2**53 - 1
MAX_LIST_OPERANDS = 16

TYPE_WORDS = {"boolean": "true or false", "integer": "a whole number", "count": "a count", "date": "a date",
               "choice": "a choice", "choices": "a list of choices", "text": "text", "record": "a record",
               "list": "a list"}
LITERAL_HINTS = {"boolean": "write true or false without quotes", "integer": "write a whole number without quotes",
                  "count": "write a whole number without quotes", "date": "write dates as YYYY-MM-DD, e.g. 2015-04-01"}


def report(code, message, span, hint=None, path="$") -> Diagnostic:
    return Diagnostic(code, message, span or Span("?"), path, hint)


def located(sources, item, path, key=False) -> tuple:
    """(span, path) of ``path`` inside the file of ``item`` (a rule set or settings version)."""
    smap = sources.get(item.file)
    return (smap.span(path, key=key) if smap else item.span), json_path(path)


def written(value) -> str:
    """A value as it is written in a rule file (true, 12, "text"), never as Python shows it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


# -- files and folders -----------------------------------------------------------------
def all_refs(rs: m.RuleSet) -> list[m.Ref]:
    refs = []
    for c in rs.criteria:
        refs += refs_in(c.condition)
        if c.waived_when is not None:
            refs += refs_in(c.waived_when)
    for d in rs.derived:
        refs += derivation_refs(d)
    refs += [o.ref for o in every_output(rs) if o.ref is not None]
    return refs


def every_output(rs: m.RuleSet) -> list:
    return list(rs.outputs) + [o for outcome in rs.outcomes for o in outcome.outputs]


def check_rule_set(rs: m.RuleSet, scope: Scope, sources=None) -> list[Diagnostic]:
    sources = sources or {}
    found = []
    seen = {}
    for i, c in enumerate(rs.criteria):
        where = json_path(("criteria", i))
        if c.id in seen:
            found.append(report("E302", f"criterion id '{c.id}' is used twice in rule set '{rs.id}'", c.span,
                            f"give each criterion its own id (the other one is at {seen[c.id].span})", where))
        seen.setdefault(c.id, c)
        if c.id.startswith(m.WAIVER_PREFIX):
            found.append(report("E204", f"criterion ids may not start with '{m.WAIVER_PREFIX}' ('{c.id}')", c.span,
                            "that prefix names the waiver of a gate; choose another id", where))
        if c.confidence == "unverified" and not c.note:
            found.append(report("E201", f"criterion '{c.id}' is marked unverified but has no note saying so", c.span,
                            "add a 'note:' explaining what must be checked in the source", where))
        found += check_condition(c.condition, scope, f"criterion '{c.id}'", c.span, path=where + ".condition")
        if c.waived_when is not None:
            found += check_condition(c.waived_when, scope, f"criterion '{c.id}' (waived_when)", c.span,
                                     path=where + ".waived_when")
        size = _comparison_count(c.condition)
        if size > MAX_COMPARISONS:
            found.append(report("E309", f"criterion '{c.id}' makes {size} comparisons; at most {MAX_COMPARISONS} are allowed",
                            c.span, "split it into several criteria and combine them in 'outcomes'", where))
    rules = 3 * (len(rs.criteria) + sum(1 for c in rs.criteria if c.waived_when is not None))
    if rules > MAX_RULES:
        found.append(report("E309", f"rule set '{rs.id}' needs {rules} engine rules; at most {MAX_RULES} are allowed",
                        rs.span, "each criterion takes 3 rules and each waiver 3 more: split the rule set by decision"))
    defined = []
    for d in rs.derived:
        found += check_derivation(d, scope, defined)
        defined.append(d.name)
    names = [o.outcome for o in rs.outcomes]
    for i, o in enumerate(rs.outcomes):
        span, path = located(sources, rs, ("outcomes", i, "outcome"))
        if o.outcome == "insufficient_information":
            found.append(report("E204", "the outcome 'insufficient_information' is given automatically", span,
                            "it applies when a missing fact could change the outcome; remove it from the list", path))
        if o.outcome in names[:i]:
            found.append(report("E302", f"outcome '{o.outcome}' is listed twice", span,
                            "list it once and combine the conditions with 'any'", path))
        for ref in _criterion_refs(o.when):
            if ref.id not in seen:
                found.append(report("E301", f"outcome '{o.outcome}' names criterion '{ref.id}', which is not defined",
                                ref.span, did_you_mean(ref.id, seen) or "criteria are listed under 'criteria:'",
                                json_path(("outcomes", i, "when"))))
    criterion_ids = {c.id for c in rs.criteria}
    placed = [(("outputs", o.name), o, f"output '{o.name}'") for o in rs.outputs]
    placed += [(("outcomes", i, "outputs", o.name), o, f"output '{o.name}' of outcome '{outcome.outcome}'")
               for i, outcome in enumerate(rs.outcomes) for o in outcome.outputs]
    for where, output, owner in placed:
        if output.ref is not None:
            span, path = located(sources, rs, where + ("value",))
            found += _check_ref(output.ref, scope, owner, span, path)
        if output.only_when_met is not None and output.only_when_met not in criterion_ids:
            span, path = located(sources, rs, where + ("only_when_met",))
            found.append(report("E301", f"{owner} names criterion '{output.only_when_met}', which is not defined", span,
                                did_you_mean(output.only_when_met, criterion_ids) or "criteria are listed under 'criteria:'",
                                path))
    return found


def _criterion_refs(node):
    return list(m.leaves(node))


def _comparison_count(node) -> int:
    return sum(len(c.operand) if isinstance(c.operand, tuple) else 1 for c in m.leaves(node))


def _check_ref(ref: m.Ref, scope: Scope, owner: str, span, path="$") -> list[Diagnostic]:
    if scope.type_of(ref) is not None:
        return []
    hint = did_you_mean(ref.name, scope.candidates(ref.kind))
    where = {"fact": "case fields (rules/shared/case-fields.yaml)", "setting": "setting definitions",
             "derived": "'derived:' of this rule set"}.get(ref.kind, "")
    return [report("E301", f"{owner} reads {ref.kind} '{ref.name}', which is not defined", span,
               hint or (f"it must be defined in the {where}" if where else None), path)]


def check_condition(node, scope: Scope, owner: str, span, item_fields=None, path="$") -> list[Diagnostic]:
    """Type-check a condition. ``item_fields`` is set inside a count's 'where' (item-relative facts)."""
    if isinstance(node, (m.AllOf, m.AnyOf)):
        return [d for item in node.items for d in check_condition(item, scope, owner, span, item_fields, path)]
    if isinstance(node, m.Not):
        return check_condition(node.item, scope, owner, span, item_fields, path)
    if not isinstance(node, m.Compare):
        return []
    where = node.span or span
    if item_fields is not None:
        for ref in refs_in(node):
            if ref.kind != "fact":
                return [report("E306", f"{owner}: inside 'where' only the item's own fields can be compared, not "
                           f"{ref.kind} '{ref.name}'", where,
                           "each item is compared only with fixed values here; to compare with a setting or the decision "
                           "date, take the value out first (e.g. 'last' with 'value') and compare it in a criterion",
                           path)]
    subject_type = _resolve(node.subject, scope, item_fields)
    if subject_type is None:
        candidates = sorted(item_fields) if item_fields is not None and node.subject.kind == "fact" else scope.candidates(node.subject.kind)
        return [report("E301", f"{owner} reads {node.subject.kind} '{node.subject.name}', which is not defined", where,
                   did_you_mean(node.subject.name, candidates) or "check the spelling against the case fields", path)]
    return _check_compare(node, subject_type, scope, owner, where, item_fields, path)


def _resolve(ref, scope, item_fields):
    if item_fields is not None and ref.kind == "fact":
        f = item_fields.get(ref.name)
        return None if f is None else ValueType(f.type, f.values, f)
    return scope.type_of(ref)


def _check_compare(node, vt, scope, owner, where, item_fields, path="$") -> list[Diagnostic]:
    allowed = set(operators.for_type(vt.type))
    if item_fields is None:
        allowed -= operators.ITEM_ONLY
    label = f"{node.subject.kind} '{node.subject.name}'"
    if node.op not in allowed:
        instead = (operators.NUMBER_TO_DATE if vt.type == "date" else operators.DATE_TO_NUMBER).get(node.op)
        if vt.type in ("choices", "list", "record"):
            hint = "count it with a derived value, e.g. derived: {n: {text: ..., count: " + node.subject.name + "}}"
        elif instead in allowed:
            hint = f"use '{instead}' instead; {TYPE_WORDS[vt.type]} can be compared with: {', '.join(sorted(allowed))}"
        else:
            hint = f"{TYPE_WORDS.get(vt.type, vt.type)} can be compared with: {', '.join(sorted(allowed)) or 'nothing'}"
        return [report("E306", f"{owner}: '{node.op}' cannot be used with {label}, which is "
                   f"{TYPE_WORDS.get(vt.type, vt.type)}", where, hint, path)]
    operand = node.operand
    if isinstance(operand, m.Ref):
        other = _resolve(operand, scope, item_fields)
        if other is None:
            return _check_ref(operand, scope, owner, where, path)
        compatible = {vt.type, other.type} <= {"integer", "count"} or vt.type == other.type
        if not compatible or other.type == "count":
            return [report("E306", f"{owner}: {label} ({TYPE_WORDS.get(vt.type, vt.type)}) is compared with "
                       f"{operand.kind} '{operand.name}' ({TYPE_WORDS.get(other.type, other.type)})", where,
                       "compare values of the same type", path)]
        return []
    values = operand if isinstance(operand, tuple) else (operand,)
    if isinstance(operand, tuple) and len(operand) > MAX_LIST_OPERANDS:
        return [report("E309", f"{owner}: '{node.op}' lists {len(operand)} values; at most {MAX_LIST_OPERANDS} are allowed",
                   where, "use at_least and at_most for a range of numbers" if vt.type in ("integer", "count")
                   else "group the values into a choice field or split the criterion", path)]
    for value in values:
        problem = _literal_problem(vt, node.op, value)
        if problem:
            hint = did_you_mean(value, vt.values) if vt.values else LITERAL_HINTS.get(vt.type)
            return [report("E306", f"{owner}: {label} {problem}", where, hint, path)]
    return []


def _literal_problem(vt, op, value) -> str | None:
    if operators.BY_NAME[op].operand == "flag":
        return None
    if vt.type == "boolean" and not isinstance(value, bool):
        return f"is true or false, so it cannot be compared with {written(value)}"
    if vt.type in ("integer", "count") and (isinstance(value, bool) or not isinstance(value, int)):
        return f"is a whole number, so it cannot be compared with {written(value)}"
    if vt.type == "date" and not (isinstance(value, str) and is_date(value)):
        return f"is a date, so it must be compared with a date written YYYY-MM-DD, not {written(value)}"
    if vt.type in ("choice", "choices") and value not in vt.values:
        return f"has no value {written(value)} (allowed: {', '.join(vt.values)})"
    return None


def check_derivation(d: m.Derivation, scope: Scope, defined: list) -> list[Diagnostic]:
    owner = f"derived value '{d.name}'"
    path = json_path(("derived", d.name))
    if d.how == "invalid":
        return []
    if d.how == "count":
        ref = m.Ref("fact", d.spec["items"])
        vt = scope.type_of(ref)
        if vt is None:
            return _check_ref(ref, scope, owner, d.span, path)
        if vt.type not in ("list", "record", "choices"):
            return [report("E306", f"{owner} counts '{ref.name}', which is {TYPE_WORDS[vt.type]}, not a list, record or "
                       "choices", d.span, "count a list of items, the fields of a record, or the values chosen in a "
                       "choices field", path)]
        if d.spec["where"] is not None and vt.type != "list":
            return [report("E306", f"{owner}: 'where' applies to the items of a list; '{ref.name}' is {TYPE_WORDS[vt.type]}",
                       d.span, "for a record of choices use 'includes_any'", path)]
        if vt.type == "record":
            kinds = {c.type for c in vt.field.children}
            want = {"choices"} if d.spec["includes_any"] else {"boolean"}
            if not kinds <= want:
                return [report("E306", f"{owner}: the fields of '{ref.name}' must all be "
                           f"{'choices' if d.spec['includes_any'] else 'true or false'} to be counted", d.span,
                           "use 'includes_any' for choices fields", path)]
            if d.spec["includes_any"]:
                return _check_values(d.spec["includes_any"], vt.field.children[0].values, owner, d.span, path)
        if vt.type == "choices" and d.spec["includes_any"]:
            return _check_values(d.spec["includes_any"], vt.values, owner, d.span, path)
        if d.spec["where"] is not None:
            return check_condition(d.spec["where"], scope, owner, d.span, item_scope_fields(vt.field), path + ".where")
        return []
    if d.how in ("first", "last", "start_of_last_run"):
        return _check_pick(d, scope, owner, path)
    if d.how == "first_known":
        return _check_first_known(d, scope, owner, defined, path)
    found = []
    refs = [d.spec["date"]] if d.how in ("date_plus", "date_minus") else [d.spec["from"], d.spec["to"]]
    for ref in refs:
        found += _check_ref(ref, scope, owner, d.span, path)
        vt = scope.type_of(ref)
        if vt is not None and vt.type != "date":
            found.append(report("E306", f"{owner} needs a date, but {ref.kind} '{ref.name}' is {TYPE_WORDS[vt.type]}",
                            d.span, "give a date fact or setting, or {decision: date}", path))
        if ref.kind == "derived" and ref.name not in defined:
            found.append(report("E301", f"{owner} reads derived value '{ref.name}', which must be defined before it", d.span,
                            "derived values may only read derived values listed above them", path))
    amount = d.spec.get("amount")
    if isinstance(amount, m.Ref):
        found += _check_ref(amount, scope, owner, d.span, path)
        vt = scope.type_of(amount)
        if vt is not None and vt.type != "integer":
            found.append(report("E306", f"{owner} adds {amount.kind} '{amount.name}', which is {TYPE_WORDS[vt.type]}, "
                            "not a whole number", d.span, "the amount added must be a whole number", path))
    return found


def _check_pick(d: m.Derivation, scope: Scope, owner: str, path: str) -> list[Diagnostic]:
    ref = m.Ref("fact", d.spec["items"])
    vt = scope.type_of(ref)
    if vt is None:
        return _check_ref(ref, scope, owner, d.span, path)
    if vt.type != "list":
        return [report("E306", f"{owner} takes the {d.how} item of '{ref.name}', which is {TYPE_WORDS[vt.type]}, not a list",
                   d.span, "first and last take a field of one item of a list", path)]
    items = item_scope_fields(vt.field)
    if d.spec["value"] not in items:
        return [report("E301", f"{owner}: the items of '{ref.name}' have no field '{d.spec['value']}'", d.span,
                   did_you_mean(d.spec["value"], items) or f"fields: {', '.join(sorted(items))}", path + ".value")]
    if items[d.spec["value"]].type in ("record", "list", "choices"):
        return [report("E306", f"{owner}: '{d.spec['value']}' is {TYPE_WORDS[items[d.spec['value']].type]}; "
                   "take a single value", d.span, None, path + ".value")]
    found = []
    for key, condition in (("where", d.spec["where"]), ("joined_when", d.spec.get("joined")),
                           ("taken_from_first_where", d.spec.get("take"))):
        if condition is not None:
            found += check_condition(condition, scope, owner, d.span, items, f"{path}.{key}")
    return found


def _check_first_known(d: m.Derivation, scope: Scope, owner: str, defined: list, path: str) -> list[Diagnostic]:
    found, types = [], set()
    for ref in d.spec["refs"]:
        if ref.kind == "derived" and ref.name not in defined:
            found.append(report("E301", f"{owner} reads derived value '{ref.name}', which must be defined before it", d.span,
                            "derived values may only read derived values listed above them", path))
            continue
        found += _check_ref(ref, scope, owner, d.span, path)
        vt = scope.type_of(ref)
        if vt is not None:
            types.add(vt.type)
    if len(types) > 1:
        found.append(report("E306", f"{owner} chooses between values of different types ({', '.join(sorted(types))})",
                        d.span, "first_known takes values of one type, e.g. dates", path))
    if types & {"count", "record", "list", "choices"}:
        found.append(report("E306", f"{owner} can only choose between single values (a date, number, choice or text)",
                        d.span, None, path))
    return found


def _check_values(values, allowed, owner, span, path="$"):
    bad = [v for v in values if v not in allowed]
    if bad:
        return [report("E306", f"{owner}: {written(bad[0])} is not one of the values ({', '.join(allowed)})", span,
                   did_you_mean(bad[0], allowed), path)]
    return []


def _compares(node):
    """Every comparison in a condition."""
    return list(m.leaves(node))


def check_disregards(rs: m.RuleSet, scope: Scope, sources=None) -> list[Diagnostic]:
    sources = sources or {}
    readers = []                    # (who reads, the references read, where, path)
    for i, c in enumerate(rs.criteria):
        for key, condition in (("condition", c.condition), ("waived_when", c.waived_when)):
            for node in _compares(condition):
                readers.append((f"criterion '{c.id}'", refs_in(node), node.span or c.span,
                                json_path(("criteria", i, key))))
    readers += [(f"derived value '{d.name}'", derivation_refs(d), d.span, json_path(("derived", d.name)))
                for d in rs.derived]
    readers += [(f"output '{o.name}'", [o.ref], *located(sources, rs, ("outputs", o.name, "value")))
                for o in rs.outputs if o.ref is not None]
    readers += [(f"output '{o.name}' of outcome '{outcome.outcome}'", [o.ref],
                 *located(sources, rs, ("outcomes", i, "outputs", o.name, "value")))
                for i, outcome in enumerate(rs.outcomes) for o in outcome.outputs if o.ref is not None]
    found = []
    for i, disregard in enumerate(rs.disregards):
        if scope.type_of(m.Ref("fact", disregard.fact)) is None:
            span, path = located(sources, rs, ("disregards", i, "fact"))
            found += _check_ref(m.Ref("fact", disregard.fact), scope, f"disregard of '{disregard.fact}'", span, path)
            continue
        for owner, refs, span, path in readers:
            for ref in refs:
                if ref.kind == "fact" and (ref.name == disregard.fact or ref.name.startswith(disregard.fact + ".")):
                    found.append(report("E307", f"{owner} reads '{ref.name}', which this rule set says must be disregarded "
                                    f"({' '.join(disregard.citation.split())})", span,
                                    f"remove the comparison: '{disregard.fact}' must not affect this decision", path))
    return found
