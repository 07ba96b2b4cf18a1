"""Derived values: what the engine cannot compute is worked out here, declaratively.

The engine has no dates, no arithmetic worth trusting and no aggregates, so counts,
ages, periods between dates and dates plus a period are derived before the facts reach
it. Each derived value records how it was derived and from which inputs, and which
inputs were missing, for the explanation.

Counts are three-valued like everything else: an item whose facts are missing may or
may not count, so a count is a range ``low..high`` (``high`` is None when even the
number of items is unknown). "At least 2" is then met when ``low >= 2``, not met when
``high < 2`` and unknown otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import logic
from . import model as m
from .dates import add_period, whole_years
from .scope import item_scope_fields
from .values import Lookup, flatten_item, nested_get, record_value


@dataclass(frozen=True, init=False)
class Derived:
    name: str
    text: str
    how: str
    value: object                    # int, date, or (low, high) for counts; None when unknown
    value_type: str
    inputs: tuple                    # ((label, value), ...)
    missing: tuple                   # fact paths that were needed but not given
    citation: str | None = None
    kind: str | None = None          # for first/last/first_known: the type of the value taken

    def __init__(self, name, text, how, value, value_type, inputs, missing, citation=None, kind=None):
        # Made for every derived value of every decision: the fields are set at once, twice as fast as
        # the frozen dataclass's own __init__; the instance stays frozen (tests/test_runtime.py checks
        # that this sets exactly the fields declared above).
        self.__dict__.update(name=name, text=text, how=how, value=value, value_type=value_type, inputs=inputs,
                             missing=missing, citation=citation, kind=kind)

    def to_dict(self) -> dict:
        return {"name": self.name, "text": self.text, "how": self.how,
                "value": record_value(self.value),
                "inputs": {label: record_value(v) for label, v in self.inputs},
                "missing": list(self.missing), "citation": self.citation}


def derive_all(rule_set: m.RuleSet, where_conditions: dict, lookup: Lookup, joins: dict | None = None,
               takes: dict | None = None) -> dict:
    """Every derived value of the rule set, in order (later ones may read earlier ones)."""
    out = {}
    for d in rule_set.derived:
        if d.how == "start_of_last_run":
            value = _run_start(d, where_conditions.get(d.name), (joins or {}).get(d.name), lookup,
                               (takes or {}).get(d.name))
        else:
            value = _DERIVE[d.how](d, where_conditions.get(d.name), lookup)
        out[d.name] = value
        lookup.derived[d.name] = value
    return out


def _count(d: m.Derivation, where, lookup: Lookup) -> Derived:
    path = d.spec["items"]
    field = lookup.vocabulary.fields[path]
    given = lookup.fact(path)
    statuses, missing = [], []
    if field.type == "list":
        if given is None:
            return _counted(d, path, (0, None), [], [path], "the list was not given")
        for index, item in enumerate(given):
            values = flatten_item(item, field)
            status = _test(where)(values) if where is not None else True
            statuses.append(status)
            if status is None:
                missing += [f"{path}[{index}].{k[2:].replace('__', '.')}" for k in logic.keys_read(where) if k not in values]
        described = f"items of {path}" + (" meeting the condition" if where is not None else "")
    elif field.type == "record":
        wanted = d.spec["includes_any"]
        record = given if isinstance(given, dict) else {}
        for child, name in _once(field, _children_by_name):
            value = record.get(name)            # lookup.fact(child.path), read from the record at hand
            if value is None:
                statuses.append(None)
                missing.append(child.path)
            elif wanted is not None:
                statuses.append(bool(set(value) & set(wanted)))
            else:
                statuses.append(value is True)
        described = f"fields of {path}" + (f" including any of: {', '.join(wanted)}" if wanted else " that are true")
    else:                                                        # a choices field: count the chosen values
        universe = d.spec["includes_any"] or field.values
        if given is None:
            return _counted(d, path, (0, len(universe)), [], [path], "the choices were not given")
        statuses = [v in given for v in universe]
        described = f"values chosen in {path}" + (f" among: {', '.join(universe)}" if d.spec["includes_any"] else "")
    low = sum(1 for s in statuses if s is True)
    high = low + sum(1 for s in statuses if s is None)
    counted = [i for i, s in enumerate(statuses) if s is True]
    return _counted(d, path, (low, high), counted, missing, f"counted the {described}")


def _counted(d, path, bounds, counted, missing, how) -> Derived:
    field_inputs = ((path + " (items counted)", len(counted)),) if counted else ()
    return Derived(d.name, d.text, how, bounds, "count", field_inputs, tuple(missing), d.citation)


def _between(d: m.Derivation, _where, lookup: Lookup) -> Derived:
    start, end = lookup.value(d.spec["from"]), lookup.value(d.spec["to"])
    inputs = ((str(d.spec["from"]), start), (str(d.spec["to"]), end))
    missing = lookup.missing_for(d.spec["from"]) + lookup.missing_for(d.spec["to"])
    if start is None or end is None:
        return Derived(d.name, d.text, f"{d.how.replace('_', ' ')} two dates", None, "integer", inputs, missing, d.citation)
    if d.how == "years_between":
        value, how = whole_years(start, end), f"whole years from {start.isoformat()} to {end.isoformat()}"
    else:
        value, how = (end - start).days, f"days from {start.isoformat()} to {end.isoformat()}"
    return Derived(d.name, d.text, how, value, "integer", inputs, (), d.citation)


def _date_plus(d: m.Derivation, _where, lookup: Lookup) -> Derived:
    start = lookup.value(d.spec["date"])
    amount = d.spec["amount"]
    amount_value = lookup.value(amount) if isinstance(amount, m.Ref) else amount
    unit = d.spec["unit"]
    inputs = ((str(d.spec["date"]), start),) + (((str(amount), amount_value),) if isinstance(amount, m.Ref) else ())
    missing = lookup.missing_for(d.spec["date"]) + (lookup.missing_for(amount) if isinstance(amount, m.Ref) else ())
    if start is None or amount_value is None:
        return Derived(d.name, d.text, f"a date plus {unit}", None, "date", inputs, missing, d.citation)
    try:
        value = add_period(start, unit, d.spec["sign"] * amount_value)
    except (OverflowError, ValueError):                       # beyond the calendar (years 1 to 9999)
        return Derived(d.name, d.text, f"{start.isoformat()} moved by {amount_value} {unit} is outside the calendar",
                       None, "date", inputs, (), d.citation)
    word = "plus" if d.spec["sign"] > 0 else "minus"
    return Derived(d.name, d.text, f"{start.isoformat()} {word} {amount_value} {unit}", value, "date", inputs, (), d.citation)


def _pick(d: m.Derivation, where, lookup: Lookup) -> Derived:
    """A field of the first (or last) item of a list meeting 'where'.

    Unknown when an item that might come before the chosen one cannot be ruled in or out;
    known to be absent (value None, nothing missing) when no item meets the condition.
    """
    path, field_name = d.spec["items"], d.spec["value"]
    field = lookup.vocabulary.fields[path]
    kind = _item_kind(field, field_name)
    given = lookup.fact(path)
    how = f"the {field_name} of the {d.how} item of {path}" + (" meeting the condition" if where is not None else "")
    if given is None:
        return Derived(d.name, d.text, how, None, "pick", (), (path,), d.citation, kind)
    indexed = list(enumerate(given))
    for index, item in (reversed(indexed) if d.how == "last" else indexed):
        values = flatten_item(item, field)
        status = _test(where)(values) if where is not None else True
        if status is None:
            missing = tuple(f"{path}[{index}].{k[2:].replace('__', '.')}" for k in logic.keys_read(where) if k not in values)
            return Derived(d.name, d.text, how, None, "pick", (), missing, d.citation, kind)
        if status:
            value = nested_get(item, field_name)
            if value is not None and kind == "date":
                value = dt.date.fromisoformat(value)
            missing = () if value is not None else (f"{path}[{index}].{field_name}",)
            return Derived(d.name, d.text, f"{how} (item {index + 1})", value, "pick",
                           ((f"{path}[{index}].{field_name}", value),), missing, d.citation, kind)
    return Derived(d.name, d.text, how + ": no such item", None, "pick", (), (), d.citation, kind)


def _run_start(d: m.Derivation, where, joined, lookup: Lookup, take=None) -> Derived:
    """A field of the first item of the unbroken run of items meeting 'where' that ends with the last item.

    Going back from the last item, the run continues while an item follows on from the one
    before it ('joined') and that one also meets 'where'. Unknown when any of those tests
    is; known to be absent when the last item does not meet 'where'. With 'take', the
    field comes from the first item of the run meeting 'take' (absent when none does).
    """
    path, field_name = d.spec["items"], d.spec["value"]
    field = lookup.vocabulary.fields[path]
    kind = _item_kind(field, field_name)
    given = lookup.fact(path)
    how = f"the {field_name} of the first item of the last unbroken run of {path}"

    def test(condition, index):
        if condition is None:
            return True, ()
        values = flatten_item(given[index], field)
        status = _test(condition)(values)
        missing = () if status is not None else tuple(
            f"{path}[{index}].{k[2:].replace('__', '.')}" for k in logic.keys_read(condition) if k not in values)
        return status, missing

    if given is None:
        return Derived(d.name, d.text, how, None, "pick", (), (path,), d.citation, kind)
    if not given:
        return Derived(d.name, d.text, how + ": the list is empty", None, "pick", (), (), d.citation, kind)
    start = len(given) - 1
    status, missing = test(where, start)
    if status is not True:
        note = ": the last item is not part of a run" if status is False else ""
        return Derived(d.name, d.text, how + note, None, "pick", (), missing, d.citation, kind)
    while start > 0:
        follows, missing = test(joined, start)
        if follows is True:
            follows, missing = test(where, start - 1)
        if follows is None:
            return Derived(d.name, d.text, how, None, "pick", (), missing, d.citation, kind)
        if follows is False:
            break
        start -= 1
    if take is not None:
        for index in range(start, len(given)):
            chosen, missing = test(take, index)
            if chosen is None:
                return Derived(d.name, d.text, how, None, "pick", (), missing, d.citation, kind)
            if chosen:
                start = index
                how = f"{how}, from its first item meeting the condition"
                break
        else:
            return Derived(d.name, d.text, how + ": no item of the run meets the condition", None, "pick", (), (),
                           d.citation, kind)
    value = nested_get(given[start], field_name)
    if value is not None and kind == "date":
        value = dt.date.fromisoformat(value)
    missing = () if value is not None else (f"{path}[{start}].{field_name}",)
    return Derived(d.name, d.text, f"{how} (item {start + 1})", value, "pick",
                   ((f"{path}[{start}].{field_name}", value),), missing, d.citation, kind)


def _first_known(d: m.Derivation, _where, lookup: Lookup) -> Derived:
    """The first of several values that exists; unknown if an earlier one is not recorded."""
    inputs = []
    kind = lookup.kind_of(d.spec["refs"][0])
    for ref in d.spec["refs"]:
        value, missing = lookup.value(ref), lookup.missing_for(ref)
        inputs.append((str(ref), value))
        if value is not None:
            return Derived(d.name, d.text, f"the first known of: {', '.join(map(str, d.spec['refs']))} (took {ref})",
                           value, "first_known", tuple(inputs), (), d.citation, kind)
        if missing:
            return Derived(d.name, d.text, f"the first known of: {', '.join(map(str, d.spec['refs']))}", None,
                           "first_known", tuple(inputs), missing, d.citation, kind)
    return Derived(d.name, d.text, "none of the values exists", None, "first_known", tuple(inputs), (), d.citation, kind)


_made: dict = {}                    # id(condition or list field) -> (it, what is made from it once)


def _once(thing, make):
    found = _made.get(id(thing))
    if found is None or found[0] is not thing:
        found = (thing, make(thing))
        if len(_made) >= 4096:
            _made.clear()
        _made[id(thing)] = found
    return found[1]


def _test(condition):
    """The condition as a function of an item's values (logic.compiled: the same reading as logic.evaluate)."""
    return _once(condition, logic.compiled)


def _children_by_name(field: m.FieldDef) -> tuple:
    return tuple((child, child.path.rsplit(".", 1)[-1]) for child in field.children)


def _item_kind(field: m.FieldDef, name: str) -> str:
    return _once(field, item_scope_fields)[name].type


_DERIVE = {"count": _count, "years_between": _between, "days_between": _between, "date_plus": _date_plus,
           "date_minus": _date_plus,
           "first": _pick, "last": _pick, "first_known": _first_known}

__all__ = ["Derived", "derive_all"]
